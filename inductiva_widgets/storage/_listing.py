"""listdir() and friends: folder listings as dicts, text tables and DataFrames."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import paths
from ._client import StorageClient
from ._models import parse_time

if TYPE_CHECKING:
    import pandas as pd

def format_size(size: int | float | None) -> str:
    """`1.50 MiB`-style sizes (the widgets' DataFrame display); `-` for unknown."""
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1024
    return f"{value:.2f} PiB"  # pragma: no cover


def collect(client: StorageClient, path: str = "/", region: str | None = None,
            max_results: int | None = None, order_by: str = "creation_time",
            sort_order: str = "desc", recursive: bool = False
            ) -> tuple[list[dict[str, Any]], list[str]]:
    """A folder's listing entries as the API gives them, and the regions it reports."""
    path = paths.normalize(path) or "/"
    contents: list[dict[str, Any]] = []
    regions: list[str] = []
    for listing in client.pages(path, max_results=max_results, sort_by=order_by,
                                order=sort_order, recursive=recursive, region=region):
        contents += listing["contents"]
        regions = listing.get("available_regions") or regions
    return contents, regions


def seed_rows(contents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """listdir()'s rows, with the reference's keys and types.

    name, size (float bytes, None for an empty or unknown size), creation_time (datetime),
    provider, region. Typed columns and more (path, is_directory) are in `listdir_df`.
    """
    return [{
        "name": entry["name"],
        "size": round(float(entry["size_bytes"]), 3) if entry.get("size_bytes") else None,
        "creation_time": parse_time(entry.get("creation_time")),
        "provider": entry.get("provider_id"),
        "region": entry.get("region"),
    } for entry in contents]


def dataframe(client: StorageClient, path: str = "/", region: str | None = None,
              max_results: int | None = None, order_by: str = "creation_time",
              sort_order: str = "desc", recursive: bool = False) -> pd.DataFrame:
    """A folder's listing as a typed DataFrame.

    Columns: name, path (full storage path), is_directory (bool), size (nullable Int64
    bytes), creation_time (tz-aware UTC), provider, region.
    """
    import pandas as pd

    rows, _ = collect(client, path, region, max_results, order_by, sort_order, recursive)
    base = paths.normalize(path)
    frame = pd.DataFrame({
        "name": pd.Series([r["name"] for r in rows], dtype="string"),
        "path": pd.Series([f"{base}/{r['name']}" if base else r["name"] for r in rows],
                          dtype="string"),
        "is_directory": pd.Series([bool(r.get("is_directory")) for r in rows], dtype="bool"),
        "size": pd.Series([r.get("size_bytes") for r in rows], dtype="Int64"),
        "creation_time": pd.to_datetime(pd.Series(
            [parse_time(r.get("creation_time")) for r in rows], dtype="object"), utc=True),
        "provider": pd.Series([r.get("provider_id") for r in rows], dtype="string"),
        "region": pd.Series([r.get("region") for r in rows], dtype="string"),
    })
    return frame


def stat(client: StorageClient, path: str, region: str | None = None) -> dict[str, Any]:
    """The listing entry of one file or folder, with a folder's total size.

    Pages through every name that contains it, so a folder with many similar names still
    gives the exact one.
    """
    import posixpath

    base = paths.normalize(path, allow_root=False)
    parent, name = posixpath.split(base)
    for entry in client.iter_contents(parent or "/", sort_by="name", order="asc",
                                      recursive=True, path_filter=name, region=region):
        if entry["name"] == name:
            return {**entry, "path": base}
    from ._exceptions import NotFoundError

    raise NotFoundError(f"no such file or folder: {base}", status_code=404)


def find(client: StorageClient, query: str, path: str = "/", region: str | None = None,
         max_results: int | None = 1000, cancel=None, *, inside_archives: bool = False,
         progress=None):
    """Entries whose name matches `query` beneath `path`, breadth first; inside the ZIP
    archives on the way too with `inside_archives` (the search itself is `_find.find`)."""
    from ._find import find as search

    return search(client, query, path, region, max_results, cancel,
                  inside_archives=inside_archives, progress=progress)
