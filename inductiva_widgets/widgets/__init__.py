"""Jupyter widgets over the storage client (anywidget views bundled from js/)."""

from .browser import StorageBrowser
from .dataframes import StorageFrame, members_dataframe, storage_dataframe
from .transfer_queue import TransferQueue

__all__ = ["StorageBrowser", "StorageFrame", "TransferQueue", "members_dataframe",
           "storage_dataframe"]

from .zip_explorer import ZipExplorer  # noqa: E402

__all__ += ["ZipExplorer"]

from .gather_view import GatherView  # noqa: E402

__all__ += ["GatherView"]
