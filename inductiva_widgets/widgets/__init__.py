"""Jupyter widgets over the storage client (anywidget views bundled from js/)."""

from .browser import StorageBrowser
from .dataframes import StorageFrame, members_dataframe, storage_dataframe

__all__ = ["StorageBrowser", "StorageFrame", "members_dataframe", "storage_dataframe"]
