"""Request/response between a widget's view and its Python object over custom messages.

The view sends `{kind: "call", id, method, args}`; Python runs the method registered with
`@rpc` in a worker thread (the kernel stays responsive) and answers
`{kind: "reply", id, result}` or `{kind: "reply", id, error: {type, message}}`.
Python can also push `{kind: "event", event, ...}` messages (search results, progress).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anywidget

from ..storage import StorageClient, StorageError, default_client, quiet

log = logging.getLogger("inductiva_widgets.widgets")
STATIC = Path(__file__).resolve().parent.parent / "static"


def bundle(name: str) -> Path:
    """A built front-end file; a clear error when the bundle was never built."""
    path = STATIC / name
    if not path.is_file():
        raise RuntimeError(
            f"the widget front end is not built ({path} is missing): reinstall with "
            "'pip install -e .' (needs npm) or run 'npm ci && npm run build' in js/")
    return path


def rpc(method: Callable) -> Callable:
    """Mark a method as callable from the view."""
    method._rpc = True  # noqa: SLF001
    return method


def describe_error(exc: BaseException) -> dict[str, str]:
    """An error as the view shows it: a type and words a user understands."""
    if isinstance(exc, StorageError):
        return {"type": type(exc).__name__, "message": str(exc)}
    return {"type": type(exc).__name__, "message": f"unexpected error: {exc}"}


class RpcWidget(anywidget.AnyWidget):
    """An anywidget whose view can call Python methods and receive pushed events.

    The constructor is strict: a keyword that is not one of the widget's traits raises
    `TypeError` (a misspelt option never passes unnoticed).
    """

    _workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="widget-rpc")

    def __init__(self, *, client: StorageClient | None = None, **kwargs: Any) -> None:
        unknown = set(kwargs) - set(self.trait_names())
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected arguments: {sorted(unknown)}")
        super().__init__(**kwargs)
        self._client = client
        self._send_lock = threading.Lock()
        self.on_msg(self._on_custom_msg)

    @property
    def client(self) -> StorageClient:
        return self._client if self._client is not None else default_client()

    @classmethod
    def _rpc_names(cls) -> set[str]:
        # vars() of each class, not dir()/getattr(): ipywidgets has deprecated class
        # properties that warn when touched.
        return {name for klass in cls.__mro__ for name, value in vars(klass).items()
                if getattr(value, "_rpc", False)}

    def call(self, method: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run one call as the view would, synchronously; returns the reply message."""
        if method not in self._rpc_names():
            return {"error": {"type": "UnknownMethod", "message": f"no method {method!r}"}}
        handler = getattr(self, method)
        try:
            return {"result": handler(**(args or {}))}
        except Exception as exc:  # every failure reaches the view as words
            if not isinstance(exc, StorageError):
                log.exception("widget call %s failed", method)
            return {"error": describe_error(exc)}

    def _on_custom_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("kind") != "call":
            return
        call_id = content.get("id")

        def run() -> None:
            # The view shows what happened: no storage messages in some cell's output.
            with quiet():
                reply = self.call(str(content.get("method")), content.get("args") or {})
            self.push({"kind": "reply", "id": call_id, **reply})

        self._workers.submit(run)

    def push(self, message: dict[str, Any]) -> None:
        """Send a message to the view (thread-safe)."""
        with self._send_lock:
            self.send(message)

    def emit(self, event: str, **data: Any) -> None:
        self.push({"kind": "event", "event": event, **data})
