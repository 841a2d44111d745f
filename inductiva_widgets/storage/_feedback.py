"""What a user sees while storage functions run: the messages and the progress bars.

The same as `inductiva.storage` shows: its messages, through `logging` at INFO on stderr,
and a tqdm bar with the same description and units. The reference logs on the root logger,
set up at its import; ours go to the `inductiva_widgets.storage` logger, which has a handler
of its own, so they show without any set-up and are silenced the usual way:

    logging.getLogger("inductiva_widgets.storage").setLevel(logging.WARNING)

In a Jupyter kernel the bar is tqdm's notebook bar (bytes, rate and ETA in a widget).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

LOGGER_NAME = "inductiva_widgets.storage"
log = logging.getLogger(LOGGER_NAME)


def _set_up() -> None:
    root = log
    if root.handlers:  # set up already, or by the user
        return
    # The stream is looked up at each message: a kernel swaps sys.stderr per cell.
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(lambda record: not getattr(_local, "quiet", False))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False  # a configured root logger would print every line twice


class _StderrHandler(logging.StreamHandler):
    """A StreamHandler on whatever `sys.stderr` is when a message is written."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):  # noqa: ANN201 - the handler's own attribute
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # noqa: ANN001
        pass


_local = threading.local()
_set_up()


@contextmanager
def quiet() -> Iterator[None]:
    """No messages from storage calls made in this thread (widgets show their own)."""
    before = getattr(_local, "quiet", False)
    _local.quiet = True
    try:
        yield
    finally:
        _local.quiet = before


def in_kernel() -> bool:
    """True inside a Jupyter kernel (where a widget bar can be shown)."""
    shell = sys.modules.get("IPython")
    if shell is None or "ipykernel" not in sys.modules:
        return False
    ip = shell.get_ipython()
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def progress_bar(total: int | None, description: str | None) -> Any:
    """A bar as the reference draws it: bytes, unit_scale, divisor 1000, on stderr."""
    kwargs = {"total": total, "unit": "B", "unit_scale": True, "unit_divisor": 1000,
              "desc": description}
    if in_kernel():
        try:
            from tqdm.notebook import tqdm as notebook_tqdm

            return notebook_tqdm(**kwargs)
        except ImportError:  # ipywidgets missing: the text bar still works
            pass
    from tqdm import tqdm

    return tqdm(**kwargs)
