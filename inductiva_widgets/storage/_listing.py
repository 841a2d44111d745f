"""listdir() and friends: folder listings as dicts, text tables and DataFrames."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._client import StorageClient
from ._models import parse_time
from ._upload import storage_path

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["name", "size", "creation_time", "provider", "region"]


def format_size(size: int | float | None) -> str:
    """`1.50 MiB`-style sizes; `-` for unknown."""
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1024
    return f"{value:.2f} PiB"  # pragma: no cover


def format_time(value: datetime | None) -> str:
    return value.astimezone().strftime("%d %b %Y, %H:%M:%S") if value else "-"


def entries(client: StorageClient, path: str = "/", region: str | None = None,
            max_results: int | None = 10, order_by: str = "creation_time",
            sort_order: str = "desc", recursive: bool = False) -> list[dict[str, Any]]:
    """The seed's listdir rows: name, size (bytes), creation_time, provider, region."""
    path = storage_path(path) or "/"
    rows = []
    for entry in client.iter_contents(path, max_results=max_results, sort_by=order_by,
                                      order=sort_order, recursive=recursive, region=region):
        rows.append({
            "name": entry["name"],
            "size": entry.get("size_bytes"),
            "creation_time": parse_time(entry.get("creation_time")),
            "provider": entry.get("provider_id"),
            "region": entry.get("region"),
            "is_directory": entry.get("is_directory"),
        })
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table that reads the same in a terminal and a notebook."""
    cells = [["NAME", "SIZE", "CREATION TIME", "PROVIDER", "REGION"]]
    for row in rows:
        name = row["name"] + ("/" if row.get("is_directory") else "")
        cells.append([name, format_size(row["size"]), format_time(row["creation_time"]),
                      str(row["provider"] or "-"), str(row["region"] or "-")])
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = []
    for i, row in enumerate(cells):
        line = "  ".join(c.rjust(w) if j == 1 else c.ljust(w)
                         for j, (c, w) in enumerate(zip(row, widths, strict=True)))
        lines.append(line.rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def dataframe(client: StorageClient, path: str = "/", region: str | None = None,
              max_results: int | None = None, order_by: str = "creation_time",
              sort_order: str = "desc", recursive: bool = False) -> pd.DataFrame:
    """A folder's listing as a typed DataFrame.

    Columns: name, path (full storage path), is_directory (bool), size (nullable Int64
    bytes), creation_time (tz-aware UTC), provider, region.
    """
    import pandas as pd

    rows = entries(client, path, region, max_results, order_by, sort_order, recursive)
    base = storage_path(path)
    frame = pd.DataFrame({
        "name": pd.Series([r["name"] for r in rows], dtype="string"),
        "path": pd.Series([f"{base}/{r['name']}" if base else r["name"] for r in rows],
                          dtype="string"),
        "is_directory": pd.Series([bool(r["is_directory"]) for r in rows], dtype="bool"),
        "size": pd.Series([r["size"] for r in rows], dtype="Int64"),
        "creation_time": pd.to_datetime(pd.Series([r["creation_time"] for r in rows],
                                                  dtype="object"), utc=True),
        "provider": pd.Series([r["provider"] for r in rows], dtype="string"),
        "region": pd.Series([r["region"] for r in rows], dtype="string"),
    })
    return frame


def stat(client: StorageClient, path: str, region: str | None = None) -> dict[str, Any]:
    """The listing entry of one file or folder, with a folder's total size."""
    import posixpath

    base = storage_path(path, allow_root=False)
    parent, name = posixpath.split(base)
    listing = client.list_contents(parent or "/", per_page=100, recursive=True,
                                   path_filter=name, region=region)
    for entry in listing["contents"]:
        if entry["name"] == name:
            return {**entry, "path": base}
    from ._exceptions import NotFoundError

    raise NotFoundError(f"no such file or folder: {base}", status_code=404)


def find(client: StorageClient, query: str, path: str = "/", region: str | None = None,
         max_results: int | None = 1000, cancel=None):
    """Entries whose name matches `query` anywhere beneath `path`, breadth first.

    `query` is a case-insensitive substring, or a glob when it holds `*`, `?` or `[`.
    Yields listing entries with their full `path`.
    """
    import fnmatch
    from collections import deque

    from ._progress import check_cancel

    needle = query.lower()
    is_glob = any(c in query for c in "*?[")
    found = 0
    folders = deque([storage_path(path)])
    while folders:
        folder = folders.popleft()
        for entry in client.iter_contents(folder or "/", sort_by="name", order="asc",
                                          region=region):
            check_cancel(cancel)
            full = f"{folder}/{entry['name']}" if folder else entry["name"]
            name = entry["name"].lower()
            if fnmatch.fnmatchcase(name, needle) if is_glob else needle in name:
                yield {**entry, "path": full}
                found += 1
                if max_results is not None and found >= max_results:
                    return
            if entry["is_directory"]:
                folders.append(full)
