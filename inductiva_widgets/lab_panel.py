"""The kernel side of JupyterLab's "Inductiva storage" sidebar panel.

The lab extension (`labextension/`) starts a Python kernel of its own for the panel and runs

    from inductiva_widgets.lab_panel import panel_browser
    panel_browser("<the file browser's folder>")

whose value it shows with the page's widget manager: the `StorageBrowser` itself, or a
readable message when the credentials are missing or refused. A comm with the target
`COMM_TARGET` links the two sides:

- the extension sends `{"request": "folder", "path"}` when JupyterLab's file browser moves
  (downloads then land in the folder it shows) and `{"request": "code", "relative_to"}` for
  "Open in a notebook";
- the kernel sends `{"event": "downloaded", "folder"}` when a download finished (the
  extension refreshes the file browser) and `{"event": "code", "code"}` or
  `{"event": "code", "error"}`.

One browser per kernel: a page reload reconnects to the same kernel and shows the same
browser, with its transfers, again.
"""

from __future__ import annotations

import contextlib
import html
import os
import posixpath
import threading
from typing import Any

from . import storage
from .widgets import StorageBrowser

__all__ = ["COMM_TARGET", "PanelLink", "credentials_problem", "panel_browser"]

COMM_TARGET = "inductiva_widgets.lab_panel"
MAX_LINKS = 8  # pages that opened the panel on this kernel and may still listen
HEIGHT = 640   # px; the panel's CSS stretches the view to the sidebar's height anyway


def credentials_problem(client: storage.StorageClient | None = None) -> str | None:
    """Why the storage cannot be used with the kernel's credentials, or None when it can."""
    if client is None and not os.environ.get("INDUCTIVA_API_KEY"):
        return ("INDUCTIVA_API_KEY is not set in the environment JupyterLab was started "
                "from, so the panel cannot read your storage. Start JupyterLab with "
                "INDUCTIVA_API_URL and INDUCTIVA_API_KEY set (or run "
                "`inductiva-widgets lab`), then reopen this page.")
    client = client or storage.default_client()
    try:
        client.storage_size()
    except storage.AuthenticationError as exc:
        return (f"The storage at {client.api_url} refused the API key ({exc}). Check "
                "INDUCTIVA_API_KEY in the environment JupyterLab was started from.")
    except storage.ConnectionFailed as exc:
        return (f"Cannot reach the storage at {client.api_url} ({exc}). Check "
                "INDUCTIVA_API_URL and your network.")
    except storage.StorageError as exc:
        return f"The storage at {client.api_url} answered with an error: {exc}"
    return None


def _message(text: str) -> Any:
    from IPython.display import HTML

    return HTML('<div class="jp-InductivaPanel-message" role="alert">'
                f"<p><strong>Inductiva storage</strong></p><p>{html.escape(text)}</p></div>")


def local_folder(path: str) -> str:
    """The kernel-side folder for a file-browser path ("" is JupyterLab's root folder).

    The panel's kernel runs in JupyterLab's root folder, so the browser's path (without
    its drive, which the extension strips) is the folder relative to it. Paths that leave
    the root are refused.
    """
    path = str(path).replace("\\", "/").strip("/")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ValueError(f"not a folder of JupyterLab's file browser: {path!r}")
    return "./" + "/".join(parts)


class PanelLink:
    """The browser shown in the panel and the comms of the pages showing it."""

    def __init__(self, browser: StorageBrowser) -> None:
        self.browser = browser
        self._comms: list[Any] = []
        self._lock = threading.Lock()
        self._announced: set[str] = set()
        self._followed = browser.download_folder  # the folder set from the file browser
        browser.queue.observe(self._transfers_changed, names="transfers")
        browser.observe(self._folder_changed, names="download_folder")

    def connect(self) -> Any:
        """Open a comm to the extension of the page that just ran the bootstrap."""
        import comm

        link = comm.create_comm(target_name=COMM_TARGET, data={"version": 1})
        link.on_msg(lambda msg: self.handle(link, msg["content"]["data"]))
        with self._lock:
            self._comms.append(link)
            stale, self._comms = self._comms[:-MAX_LINKS], self._comms[-MAX_LINKS:]
        for old in stale:
            old.close()
        return link

    def broadcast(self, message: dict[str, Any]) -> None:
        with self._lock:
            comms = list(self._comms)
        for link in comms:
            link.send(message)

    def handle(self, link: Any, data: Any) -> None:
        """Answer one message of the extension."""
        if not isinstance(data, dict):
            return
        request = data.get("request")
        if request == "folder":
            # A path outside the root (another drive) keeps the last folder.
            with contextlib.suppress(ValueError):
                self.follow(data.get("path", ""))
        elif request == "code":
            link.send({"event": "code", **self.selection_code(data.get("relative_to", ""))})

    def follow(self, path: str) -> None:
        """Download into the folder JupyterLab's file browser shows (`path`)."""
        self._followed = local_folder(path)
        self.browser.download_folder = self._followed

    def selection_code(self, relative_to: str = "") -> dict[str, str]:
        """The show-code of downloading the selection, for a notebook in `relative_to`.

        The folder is rewritten relative to the notebook's folder, where its kernel runs.
        """
        paths = list(self.browser.selected)
        if not paths:
            return {"error": "Select files or folders in the panel first."}
        folder = self.browser.download_folder
        try:
            base = local_folder(relative_to)
        except ValueError:
            base = "./"
        if not os.path.isabs(folder):
            folder = posixpath.relpath(posixpath.normpath(folder), posixpath.normpath(base))
        code = self.browser.code("download", {"paths": paths, "folder": folder,
                                              "decompress": True})["code"]
        return {"code": code}

    def _transfers_changed(self, change: dict) -> None:
        for row in change["new"]:
            if (row.get("kind") == "download" and row.get("state") == "done"
                    and row["id"] not in self._announced):
                self._announced.add(row["id"])
                self.broadcast({"event": "downloaded", "folder": row.get("target", "")})

    def _folder_changed(self, change: dict) -> None:
        # A member downloaded from a preview names its folder when it is on disk; the
        # file browser moving is no news to the page.
        if change["new"] != self._followed:
            self.broadcast({"event": "downloaded", "folder": change["new"]})


_link: PanelLink | None = None
_link_lock = threading.Lock()


def panel_browser(folder: str = "") -> Any:
    """What the sidebar panel shows: the `StorageBrowser`, or a message saying what is wrong.

    Args:
        folder: the folder JupyterLab's file browser shows ("" for its root); downloads
            land there.
    """
    global _link
    problem = credentials_problem()
    if problem:
        return _message(problem)
    with _link_lock:
        if _link is None:
            _link = PanelLink(StorageBrowser(height=HEIGHT))
        link = _link
    with contextlib.suppress(ValueError):  # a folder outside the root keeps the last one
        link.follow(folder)
    link.connect()
    return link.browser
