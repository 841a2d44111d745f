"""The Inductiva storage API on httpx: every function of `inductiva.storage`, faster and safer.

Code written for `inductiva.storage` runs unchanged: same names, parameters, defaults and
return values. Extra keyword arguments come after the seed's: `progress` (a callback taking
a `TransferProgress`, True for a terminal bar, False for none), `cancel` (a `CancelToken`)
and `client` (a `StorageClient`; by default one built from `INDUCTIVA_API_URL` and
`INDUCTIVA_API_KEY`).

This module imports neither pandas nor the widget libraries; `listdir_df` loads pandas
when called.
"""

from __future__ import annotations

import os
import posixpath
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import _download, _export, _listing, _printed, _ranges, _upload, members, paths
from ._client import DEFAULT_API_URL, StorageClient
from ._exceptions import (
    APIError,
    AuthenticationError,
    ConflictError,
    ConnectionFailed,
    CorruptArchiveError,
    ExportError,
    IntegrityError,
    InvalidArgumentError,
    InvalidPathError,
    MemberNotFoundError,
    NotFoundError,
    PermissionDenied,
    ServerError,
    StorageError,
    TransferCancelled,
    TransferError,
    UnsafeArchiveError,
    ValidationError,
)
from ._feedback import log, quiet
from ._find import FindProgress
from ._models import (
    ExportDestination,
    OperationStatus,
    StorageOperation,
    ZipArchiveInfo,
    ZipFileInfo,
    ZipFileRange,
)
from ._progress import CancelToken, ProgressArg, TransferProgress
from .gather import GatherResult, gather
from .members import (
    ByteMeter,
    Member,
    MemberReader,
    implied_prefix,
    member_candidates,
    method_name,
    tail_window,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    # the seed's API
    "copy", "download", "export", "export_to_aws_s3", "get_file_range", "get_signed_urls",
    "get_space_used", "get_zip_contents", "listdir", "multipart_upload", "remove", "upload",
    "upload_from_url", "ExportDestination", "OperationStatus", "StorageOperation", "ZipArchiveInfo",
    "ZipFileInfo", "ZipFileRange",
    # additions
    "DEFAULT_API_URL", "CancelToken", "StorageClient", "TransferProgress", "default_client",
    "find", "listdir_df", "quiet", "read_member", "set_default_client", "stat", "tail_member",
    "ByteMeter", "Member", "MemberReader", "format_size", "implied_prefix", "iter_find",
    "local_path", "member_candidates", "method_name", "tail_window",
    "gather", "GatherResult",
    "FindProgress", "read_range", "read_tail",
    # errors
    "APIError", "AuthenticationError", "ConflictError", "ConnectionFailed", "CorruptArchiveError",
    "ExportError",
    "IntegrityError", "InvalidArgumentError", "InvalidPathError", "MemberNotFoundError",
    "NotFoundError", "PermissionDenied", "ServerError", "StorageError", "TransferCancelled",
    "TransferError", "UnsafeArchiveError", "ValidationError",
]

_default: StorageClient | None = None
_default_lock = threading.Lock()


def default_client() -> StorageClient:
    """The shared client the module functions use, built from the environment on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = StorageClient()
        return _default


def set_default_client(client: StorageClient | None) -> None:
    """Use `client` for module functions (None: rebuild from the environment next time)."""
    global _default
    with _default_lock:
        _default = client


def _c(client: StorageClient | None) -> StorageClient:
    return client if client is not None else default_client()


def listdir(path: str = "/", region: str | None = None, max_results: int | None = 10,
            order_by: Literal["size", "creation_time", "name"] = "creation_time",
            sort_order: Literal["asc", "desc"] = "desc", recursive: bool = False,
            print_results: bool = True, *, client: StorageClient | None = None
            ) -> list[dict[str, Any]]:
    """List a storage folder and print it as `inductiva.storage.listdir` does.

    Returns a list of dicts with the reference's keys: name, size (bytes, a float; None
    when empty), creation_time, provider and region. `max_results` of None or 0 returns
    every entry; `recursive=True` computes folder sizes (it is not a flat listing).
    """
    c = _c(client)
    contents, available = _listing.collect(c, path, region, max_results or None, order_by,
                                           sort_order, recursive)
    rows = _listing.seed_rows(contents)
    if print_results:
        print(_printed.contents_table(rows))
        shown_region = region or (rows[0]["region"] if rows else None)
        for line in _printed.listing_summary(len(rows), order_by, shown_region, available):
            print(line)
        _print_size_and_cost(c)
    return rows


def listdir_df(path: str = "/", region: str | None = None, max_results: int | None = None,
               order_by: Literal["size", "creation_time", "name"] = "creation_time",
               sort_order: Literal["asc", "desc"] = "desc", recursive: bool = False, *,
               client: StorageClient | None = None) -> pd.DataFrame:
    """A folder's listing as a typed pandas DataFrame (every entry by default)."""
    return _listing.dataframe(_c(client), path, region, max_results, order_by, sort_order,
                              recursive)


def stat(path: str, region: str | None = None, *, client: StorageClient | None = None
         ) -> dict[str, Any]:
    """One file's or folder's listing entry (a folder's size is its total)."""
    return _listing.stat(_c(client), path, region)


def find(query: str, path: str = "/", region: str | None = None,
         max_results: int | None = 1000, *, inside_archives: bool = False,
         progress: Callable[[FindProgress], None] | None = None,
         cancel: CancelToken | None = None, client: StorageClient | None = None
         ) -> list[dict[str, Any]]:
    """Files and folders whose name matches `query` anywhere beneath `path`.

    `query` is a case-insensitive substring, or a glob such as `*.csv`. With
    `inside_archives=True`, the members of every `.zip` met are searched too (only the
    archives' member lists are read). See `iter_find`.
    """
    return list(iter_find(query, path, region, max_results, inside_archives=inside_archives,
                          progress=progress, cancel=cancel, client=client))


def iter_find(query: str, path: str = "/", region: str | None = None,
              max_results: int | None = 1000, *, inside_archives: bool = False,
              progress: Callable[[FindProgress], None] | None = None,
              cancel: CancelToken | None = None, client: StorageClient | None = None
              ) -> Iterator[dict[str, Any]]:
    """`find`, lazily: each match as soon as it is known (folders breadth first).

    Each entry is a listing entry with its full storage `path` and `in_archive`. A member
    of an archive has `in_archive=True`, `archive` (the .zip's path), `member` (its full
    name inside) and `path` = `<archive>/<member>`; member folders match too. Archives are
    searched a few at once; one that cannot be searched (corrupt, too many members) is
    counted in `FindProgress.archives_failed`, never raised. A `path` inside an archive
    searches that archive's members. `progress` gets a `FindProgress` after each folder,
    archive and match, and once more with `done=True` when the search ends.
    """
    return _listing.find(_c(client), query, path, region, max_results, cancel,
                         inside_archives=inside_archives, progress=progress)


def read_range(path: str, start: int = 0, length: int = 64 * 1024, region: str | None = None,
               *, meter: Callable[[int], None] | None = None,
               client: StorageClient | None = None) -> bytes:
    """At most `length` bytes of a stored file from `start`, by HTTP Range (for previews).

    A negative `start` counts from the end (`read_range(p, -1024)`: the last KiB). Only
    the bytes asked for are received, whatever the file's size; `meter` is called with
    the size of each chunk received (e.g. a `ByteMeter`). Members of archives are read
    with `read_member`.
    """
    return _ranges.read_range(_c(client), path, start, length, region, meter=meter)


def read_tail(path: str, lines: int = 20, size: int | None = None, keep: int | None = None,
              region: str | None = None, *, meter: Callable[[int], None] | None = None,
              client: StorageClient | None = None) -> tuple[bytes, int]:
    """A stored file's last `lines` whole lines, and the byte offset where they start.

    Read by suffix ranges (16 KiB first, larger until enough lines came), at most `keep`
    bytes (default max(1 MiB, lines x 16 KiB)); `size`, when known, saves a listing.
    """
    return _ranges.read_tail(_c(client), path, lines, size, keep, region, meter=meter)


def format_size(size: int | float | None) -> str:
    """A size in bytes as `1.50 MiB` (binary units); `-` for unknown."""
    return _listing.format_size(size)


def local_path(local_dir: str | os.PathLike, remote_path: str, decompress: bool = True
               ) -> Path:
    """Where `download(remote_path, local_dir, decompress)` puts its result."""
    return _download.local_path(local_dir, remote_path, decompress)


def _print_size_and_cost(client: StorageClient) -> int:
    used = client.storage_size()
    cost = client.storage_cost().get("estimated_monthly_cost") or 0.0
    for line in _printed.size_and_cost(used, cost):
        print(line)
    return used


def get_space_used(*, client: StorageClient | None = None) -> float:
    """Prints the storage used and its monthly cost; returns the size in GiB (3 decimals)."""
    used = _print_size_and_cost(_c(client))
    return round(used / 1024**3, 3)


def upload(local_path: str, remote_dir: str, region: str | None = None, *,
           progress: ProgressArg = None, cancel: CancelToken | None = None,
           client: StorageClient | None = None) -> list[str]:
    """Upload a local file or folder into `remote_dir`; several files at once.

    Returns the storage paths written.
    """
    return _upload.upload_files(_c(client), local_path, remote_dir, region,
                                progress=progress, cancel=cancel)


def download(remote_path: str, local_dir: str = "", decompress: bool = True,
             region: str | None = None, *, progress: ProgressArg = None,
             cancel: CancelToken | None = None, client: StorageClient | None = None
             ) -> list[Path]:
    """Download a file, a folder, or a member inside a ZIP (`<folder>/<x>.zip/<member>`).

    Files land at `<local_dir>/<storage path>`; a member at
    `<local_dir>/<archive path without .zip>/<member>`. With `decompress`, downloaded ZIPs
    are unpacked into a folder of the same name. Returns the local paths.
    """
    return _download.download_path(_c(client), remote_path, local_dir, decompress, region,
                                   progress=progress, cancel=cancel)


def copy(source: str, target: str, region: str | None = None, *,
         client: StorageClient | None = None) -> None:
    """Copy a file or folder to a target path, server-side."""
    _c(client).copy(paths.normalize(source, allow_root=False),
                    paths.normalize(target, allow_root=False)
                    + ("/" if target.endswith("/") else ""), region)
    log.info("Copied %s to %s successfully.", source, target)


def remove(remote_path: str, region: str | None = None, *,
           client: StorageClient | None = None) -> None:
    """Remove a file or a folder (and everything in it)."""
    log.info("Removing '%s' from remote storage...", remote_path)
    path = paths.normalize(remote_path, allow_root=False)
    _c(client).delete(path if "/" in path else path + "/", region)
    # The reference names it as sent: with a `/` added to a top-level folder.
    shown = remote_path if "/" in remote_path else remote_path + "/"
    log.info("Successfully removed '%s' from remote storage.", shown)


def get_signed_urls(paths: list[str], operation: Literal["upload", "download"],
                    region: str | None = None, *, client: StorageClient | None = None
                    ) -> list[str]:
    """Signed URLs to PUT (upload) or GET (download) the given paths directly."""
    if operation not in ("upload", "download"):
        raise InvalidArgumentError(f"{operation!r} is not a valid OperationType")
    return _c(client).signed_urls(list(paths), operation, region)


def get_zip_contents(path: str, zip_relative_path: str = "", recursive: bool = False,
                     region: str | None = None, *, client: StorageClient | None = None
                     ) -> ZipArchiveInfo:
    """The members of a ZIP archive under `zip_relative_path`, named relative to it."""
    reply = _c(client).zip_contents(path, zip_relative_path, recursive, region)
    return ZipArchiveInfo(size=reply["size"],
                          files=[ZipFileInfo.from_json(f) for f in reply["contents"]])


def get_file_range(path: str, zip_relative_path: str = "", filename: str = "",
                   region: str | None = None, *, client: StorageClient | None = None
                   ) -> ZipFileRange:
    """Byte range (inclusive) of a member's compressed data inside a ZIP archive."""
    reply = _c(client).zip_file_range(path, zip_relative_path, filename, region)
    return ZipFileRange(range_start=reply["range_start"], range_end=reply["range_end"])


def read_member(path: str, member: str, region: str | None = None,
                max_bytes: int | None = None, *, client: StorageClient | None = None
                ) -> bytes:
    """A ZIP member's bytes, fetched by byte range (the archive is never downloaded).

    `member` may omit a task archive's implied folder (`artifacts/` in output.zip,
    `sim_dir/` in input.zip). With `max_bytes`, only that much is inflated; a whole read
    raises IntegrityError as soon as the member inflates past its declared size.
    """
    return members.read_member(_c(client), path, member, region, max_bytes)


def tail_member(path: str, member: str, lines: int = 20, region: str | None = None, *,
                client: StorageClient | None = None) -> list[str]:
    """The last `lines` lines of a text member such as `stdout.txt`.

    At most the member's last max(1 MiB, lines x 16 KiB) bytes are kept in memory: a line
    longer than that comes back cut to its end.
    """
    return members.tail_member(_c(client), path, member, lines, region)


def upload_from_url(url: str, remote_dir: str, file_name: str | None = None,
                    region: str | None = None, *, client: StorageClient | None = None
                    ) -> str:
    """Have the server fetch `url` into `remote_dir`; returns the storage path.

    The server answers once the remote end has answered; the bytes keep arriving in the
    background, so the file appears in listings when complete.
    """
    if not file_name:
        file_name = urllib.parse.unquote(urllib.parse.urlparse(url).path.split("/")[-1])
    if not file_name:
        raise InvalidPathError(f"cannot derive a file name from {url!r}; pass file_name",
                               status=422)
    target = paths.normalize(posixpath.join(remote_dir, file_name), allow_root=False)
    _c(client).input_remote(url, target, region)
    log.info("File is being uploaded...")
    log.info("You can use 'inductiva storage ls' to check the status.")
    return target


def export(path_to_export: str, export_to: ExportDestination, bucket_name: str,
           file_name: str | None = None, part_size: int = 128, region: str | None = None,
           *, client: StorageClient | None = None) -> StorageOperation:
    """Export a storage file to S3 (part_size in MiB); returns the running operation."""
    return _export.export(_c(client), path_to_export, export_to, bucket_name, file_name,
                          part_size, region)


def export_to_aws_s3(path_to_export: str, part_size: int, filename: str, bucket_name: str,
                     region: str | None = None, *, client: StorageClient | None = None
                     ) -> StorageOperation:
    """Export a storage file to `s3://bucket_name/filename`; returns the operation."""
    return _export.export_to_aws_s3(_c(client), path_to_export, part_size, filename,
                                    bucket_name, region)


def multipart_upload(path: str, parts_size: int, upload_parts: list[dict[str, Any]],
                     complete_multipart_url: str, region: str | None = None, *,
                     client: StorageClient | None = None) -> StorageOperation:
    """Perform the multipart upload using the server; returns the operation."""
    return _export.multipart_upload(_c(client), path, parts_size, upload_parts,
                                    complete_multipart_url, region)
