"""The storage as pandas DataFrames that keep exact values but display readably."""

from __future__ import annotations

import pandas as pd

from ..storage import StorageClient, default_client, format_size, iter_find, listdir_df
from ..storage.tasks import cost_share

COLUMNS = ["name", "path", "is_directory", "size", "creation_time", "provider", "region"]


class StorageFrame(pd.DataFrame):
    """A DataFrame of storage entries: sizes stay integer bytes, dates tz-aware datetimes,
    but a notebook shows `12.5 MiB` and local times."""

    @property
    def _constructor(self):
        return StorageFrame

    def _display_copy(self) -> pd.DataFrame:
        shown = pd.DataFrame(self)
        for column in ("size", "compressed_size"):
            if column in shown:
                shown[column] = shown[column].map(
                    lambda v: "" if pd.isna(v) else format_size(int(v)))
        if "creation_time" in shown and isinstance(shown["creation_time"].dtype,
                                                   pd.DatetimeTZDtype):
            shown["creation_time"] = shown["creation_time"].dt.tz_convert(None).dt.strftime(
                "%Y-%m-%d %H:%M UTC").fillna("")
        if "monthly_cost" in shown:
            shown["monthly_cost"] = shown["monthly_cost"].map(
                lambda v: "" if pd.isna(v) else f"{v:.4f}")
        return shown

    def _repr_html_(self) -> str | None:
        return self._display_copy()._repr_html_()

    def __repr__(self) -> str:
        return repr(self._display_copy())


def storage_dataframe(path: str = "/", recursive: bool = False, *,
                      client: StorageClient | None = None, region: str | None = None,
                      folder_sizes: bool = True) -> StorageFrame:
    """A folder's listing, or with `recursive=True` every file and folder beneath it.

    Columns: name, path, is_directory, size (Int64 bytes; folders' totals when
    `folder_sizes`), creation_time (UTC), provider, region, monthly_cost (each entry's
    share of the storage's estimated monthly cost).
    """
    client = client if client is not None else default_client()
    if recursive:
        rows = list(iter_find("*", path, region, None, client=client))
        frame = pd.DataFrame({
            "name": pd.Series([r["path"].rsplit("/", 1)[-1] for r in rows], dtype="string"),
            "path": pd.Series([r["path"] for r in rows], dtype="string"),
            "is_directory": pd.Series([bool(r["is_directory"]) for r in rows], dtype="bool"),
            "size": pd.Series([r.get("size_bytes") for r in rows], dtype="Int64"),
            "creation_time": pd.to_datetime(pd.Series([r.get("creation_time") for r in rows],
                                                      dtype="object"), utc=True),
            "provider": pd.Series([r.get("provider_id") for r in rows], dtype="string"),
            "region": pd.Series([r.get("region") for r in rows], dtype="string"),
        })
    else:
        frame = listdir_df(path, region, None, "name", "asc", folder_sizes, client=client)
    used = client.storage_size()
    monthly = float(client.storage_cost().get("estimated_monthly_cost") or 0.0)
    frame["monthly_cost"] = pd.Series(
        [cost_share(None if pd.isna(v) else int(v), used, monthly) for v in frame["size"]],
        dtype="Float64", index=frame.index)
    return StorageFrame(frame)


def members_dataframe(archive: str, folder: str = "", recursive: bool = True, *,
                      client: StorageClient | None = None,
                      region: str | None = None) -> StorageFrame:
    """The members of a remote ZIP archive (under `folder`) as a DataFrame."""
    client = client if client is not None else default_client()
    reply = client.zip_contents(archive, folder, recursive, region)
    rows = reply["contents"]
    frame = pd.DataFrame({
        "name": pd.Series([r["name"] for r in rows], dtype="string"),
        "is_directory": pd.Series([r["name"].endswith("/") for r in rows], dtype="bool"),
        "size": pd.Series([r.get("size") for r in rows], dtype="Int64"),
        "compressed_size": pd.Series([r.get("compressed_size") for r in rows], dtype="Int64"),
        "compress_type": pd.Series([r.get("compress_type") for r in rows], dtype="Int64"),
        "creation_time": pd.to_datetime(pd.Series([r.get("creation_time") for r in rows],
                                                  dtype="object"), utc=True),
    })
    return StorageFrame(frame)
