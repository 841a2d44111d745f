"""TransferQueue: a widget listing uploads and downloads with progress, cancel and retry."""

from __future__ import annotations

from typing import Any

import traitlets

from ..storage import StorageClient
from ._rpc import RpcWidget, bundle, rpc
from .transfer_manager import Transfer, TransferManager


class TransferQueue(RpcWidget):
    """Transfers running in the background, one row each; usable alone or in a browser.

    Args:
        client: a `StorageClient` (default: the one from INDUCTIVA_API_URL/KEY).
    """

    _esm = bundle("transfer_queue.js")
    _css = bundle("styles.css")

    transfers = traitlets.List(
        traitlets.Dict(), help="one snapshot per transfer (id, kind, state, progress, ...), "
                               "oldest first").tag(sync=True)

    def __init__(self, client: StorageClient | None = None, **kwargs: Any) -> None:
        super().__init__(client=client, **kwargs)
        self.manager = TransferManager(lambda: self.client, self._set_transfers)

    def _set_transfers(self, snapshots: list[dict[str, Any]]) -> None:
        self.transfers = snapshots

    def download(self, remote_path: str, local_dir: str = "downloads",
                 decompress: bool = True) -> Transfer:
        """Start downloading a file, folder or ZIP member into `local_dir`."""
        return self.manager.download(remote_path, local_dir, decompress)

    def upload(self, local_path: str, remote_dir: str) -> Transfer:
        """Start uploading a local file or folder into `remote_dir`."""
        return self.manager.upload(local_path, remote_dir)

    def wait(self, transfer_id: str | None = None, timeout: float | None = None) -> None:
        """Block until a transfer (default: all of them) has finished."""
        self.manager.wait(transfer_id, timeout)

    @rpc
    def cancel(self, id: str) -> dict[str, Any]:
        self.manager.cancel(id)
        return {"cancelled": id}

    @rpc
    def retry(self, id: str) -> dict[str, Any]:
        self.manager.retry(id)
        return {"retried": id}

    @rpc
    def clear_finished(self) -> dict[str, Any]:
        self.manager.clear_finished()
        return {"transfers": len(self.transfers)}
