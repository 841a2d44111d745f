"""The StorageBrowser's transfer and export actions, as a helper the widget holds.

The widget's `@rpc` methods (`start_download`, `start_upload`, `browser_upload_urls`,
`start_export`, ...) delegate to `TransferActions` in a line.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from typing import Any

from .. import storage
from ..storage import StorageClient
from ..storage.paths import normalize
from . import code_snippets
from .transfer_queue import TransferQueue


class TransferActions:
    """Downloads, uploads, fetches from URLs and exports started from a view.

    Args:
        queue: the `TransferQueue` that runs kernel-side transfers and tracks browser ones.
        client: returns the `StorageClient` to call.
        region: returns the region to act in (None for the server's default).
        refresh: called when a finished upload changed the listing.
        on_download_folder: called with the folder a download went into (to remember it).
    """

    def __init__(self, queue: TransferQueue, *, client: Callable[[], StorageClient],
                 region: Callable[[], str | None], refresh: Callable[[], None],
                 on_download_folder: Callable[[str], None]) -> None:
        self.queue = queue
        self._client = client
        self._region = region
        self._refresh = refresh
        self._on_download_folder = on_download_folder
        self._finished: set[str] = set()  # uploads whose completion was already shown
        queue.observe(self._transfer_finished, names="transfers")

    @property
    def client(self) -> StorageClient:
        return self._client()

    def download(self, paths: list[str], folder: str, decompress: bool = True) -> list[str]:
        """Download `paths` into `folder` in the background; returns the transfer ids."""
        return [self.queue.download(p, folder, decompress).id for p in paths]

    def _transfer_finished(self, change: dict) -> None:
        # An upload that completes changes the listing: show it.
        for t in change["new"]:
            if t["kind"] == "upload" and t["state"] == "done" and t["id"] not in self._finished:
                self._finished.add(t["id"])
                self._refresh()

    def start_download(self, paths: list[str], folder: str, decompress: bool = True,
                       overwrite: bool = False) -> dict[str, Any]:
        """Download paths (files, folders or ZIP members) into a kernel-side folder.

        Unless `overwrite`, refuses when something local already has a target's name, so
        that a click never silently replaces the user's files.
        """
        if not folder.strip():
            raise storage.InvalidPathError("type the local folder to download into")
        if not overwrite:
            targets = [storage.local_path(folder, p, decompress) for p in paths]
            existing = [str(t) for t in targets if t.exists()]
            if existing:
                raise storage.InvalidPathError(
                    f"{', '.join(existing[:3])} already exist{'s' if len(existing) == 1 else ''}"
                    "; choose another folder or tick 'Replace existing files'")
        self._on_download_folder(folder)
        return {"transfers": self.download(paths, folder, decompress),
                "code": code_snippets.download(paths, folder, decompress)}

    def start_upload(self, local_path: str, folder: str) -> dict[str, Any]:
        """Upload a kernel-side file or folder into a storage folder."""
        if not local_path.strip() or not os.path.exists(local_path):
            raise storage.InvalidPathError(f"no file or folder {local_path!r} on the kernel's "
                                           f"machine (cwd: {os.getcwd()})")
        if folder.strip("/") == "":
            raise storage.InvalidPathError("uploads go into a folder, not the storage root")
        return {"transfer": self.queue.upload(local_path, folder).id,
                "code": code_snippets.upload(local_path, folder)}

    def cancel_transfer(self, id: str) -> dict[str, Any]:
        return self.queue.cancel(id)

    def retry_transfer(self, id: str) -> dict[str, Any]:
        return self.queue.retry(id)

    def clear_transfers(self) -> dict[str, Any]:
        return self.queue.clear_finished()

    def browser_download_url(self, path: str) -> dict[str, Any]:
        """A signed URL the browser can save directly ("Save to my computer")."""
        (url,) = storage.get_signed_urls([path], "download", self._region(),
                                         client=self.client)
        return {"url": url + ("&" if "?" in url else "?") + "download=1",
                "name": posixpath.basename(path)}

    def browser_upload_urls(self, folder: str, names: list[str],
                            sizes: list[int] | None = None) -> dict[str, Any]:
        """Signed upload URLs for files sent from the browser straight to storage.

        Each file becomes a transfer in the queue (its `transfer` id), whose progress the
        page reports with `browser_upload_progress` and `browser_upload_finished`.
        """
        folder = normalize(folder)
        if not folder:
            raise storage.InvalidPathError("open a folder first: files cannot go in the root")
        paths = [f"{folder}/{name}" for name in names]
        for path in paths:
            normalize(path, allow_root=False)
        urls = storage.get_signed_urls(paths, "upload", self._region(), client=self.client)
        sizes = list(sizes or []) + [None] * (len(names) - len(sizes or []))
        manager = self.queue.manager
        return {"targets": [
            {"path": p, "url": u, "transfer": manager.track_browser_upload(n, folder, s).id}
            for p, u, n, s in zip(paths, urls, names, sizes, strict=True)]}

    def browser_upload_progress(self, id: str, bytes_done: int) -> dict[str, Any]:
        """Bytes a browser's upload has sent so far (Python works out rate and ETA)."""
        self.queue.manager.report(id, int(bytes_done))
        return {}

    def browser_upload_finished(self, id: str, state: str,
                                error: str | None = None) -> dict[str, Any]:
        """A browser's upload ended: "done", "failed" or "cancelled"."""
        self.queue.manager.finish(id, state, error)
        return {}

    def start_upload_from_url(self, url: str, folder: str, name: str = "") -> dict[str, Any]:
        """Have the server fetch a URL into `folder`; the view then waits for the file."""
        if not url.strip():
            raise storage.InvalidPathError("type the URL to fetch")
        target = storage.upload_from_url(url.strip(), folder, name.strip() or None,
                                         self._region(), client=self.client)
        return {"path": target, "code": code_snippets.upload_from_url(
            url.strip(), folder, name.strip(), self._region())}

    def exists(self, path: str) -> dict[str, Any]:
        try:
            entry = storage.stat(path, self._region(), client=self.client)
        except storage.NotFoundError:
            return {"exists": False}
        return {"exists": True, "size": entry.get("size_bytes")}

    def start_export(self, path: str, bucket: str, file_name: str = "", part_size: int = 128,
                     region: str = "") -> dict[str, Any]:
        """Export a file to S3; answers the operation, which the view then polls."""
        if not bucket.strip():
            raise storage.InvalidPathError("type the S3 bucket to export to")
        operation = storage.export(path, storage.ExportDestination.AWS_S3, bucket.strip(),
                                   file_name.strip() or None, int(part_size),
                                   region or self._region(), client=self.client)
        return {**self.operation(operation.id), "code": code_snippets.export(
            path, bucket.strip(), file_name.strip(), int(part_size), region or self._region())}

    def operation(self, id: str) -> dict[str, Any]:
        return self.client.get_operation(id)

    def operations(self) -> dict[str, Any]:
        return {"operations": self.client.list_operations(1, 50)}
