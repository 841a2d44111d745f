"""Parts of a stored file by HTTP Range on its signed URL: previews without downloads.

`read_range` never receives more than the `length` asked for, whatever the file's size
(the response is closed as soon as that many bytes arrived), and `read_tail` reads a
file's end by growing suffix windows, never more than `keep` bytes.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable

import httpx

from . import paths
from ._client import StorageClient
from ._exceptions import (
    IntegrityError,
    InvalidArgumentError,
    InvalidPathError,
    TransferError,
    error_from_response,
)
from .members import TAIL_FIRST_WINDOW, _last_lines, tail_window

__all__ = ["read_range", "read_tail"]

Meter = Callable[[int], None]


def _file_url(client: StorageClient, path: str, region: str | None) -> tuple[str, str]:
    """The normalised path of a stored file (not a member, not a folder) and its URL."""
    path = paths.normalize(path, allow_root=False)
    inside = paths.archive_part(path)
    if inside and inside[1]:
        raise InvalidPathError(f"{path} is inside an archive: read it with read_member",
                               status=422)
    urls = client.signed_urls([path], "download", region)
    # A folder's path gives the URLs of the files beneath it: the one URL must be its own.
    if len(urls) != 1 or not urllib.parse.unquote(
            urllib.parse.urlsplit(urls[0]).path).endswith("/" + path):
        raise InvalidPathError(f"{path} is a folder, not a file", status=422)
    return path, urls[0]


def _get(client: StorageClient, url: str, header: str, length: int, from_start: bool,
         meter: Meter | None) -> bytes:
    """At most `length` bytes of one ranged GET; b"" past the end (416)."""
    attempt = 0
    while True:
        parts: list[bytes] = []
        try:
            with client.blobs.stream("GET", url, headers={"Range": header}) as response:
                if response.status_code == 416:
                    return b""
                if response.status_code == 200 and not from_start:
                    raise IntegrityError("the server ignored the byte range")
                if response.status_code not in (200, 206):
                    response.read()
                    raise error_from_response(response)
                got = 0
                for chunk in response.iter_bytes():
                    chunk = chunk[: length - got]
                    got += len(chunk)
                    if meter is not None:
                        meter(len(chunk))
                    parts.append(chunk)
                    if got >= length:
                        break  # closing the response stops the rest (a 200 sends it all)
            return b"".join(parts)
        except httpx.TransportError as exc:
            if attempt >= client.retries:
                raise TransferError(f"reading {header} failed: {exc}") from exc
            time.sleep(min(5.0, 0.25 * 2**attempt))
            attempt += 1


def read_range(client: StorageClient, path: str, start: int = 0, length: int = 64 * 1024,
               region: str | None = None, *, meter: Meter | None = None) -> bytes:
    """`storage.read_range`: at most `length` bytes of a stored file from `start`.

    A negative `start` counts from the end (`-1024`: the last KiB, by a suffix range).
    """
    if isinstance(start, bool) or not isinstance(start, int) or \
            isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise InvalidArgumentError(f"start must be an int and length an int >= 0, not "
                                   f"{start!r} and {length!r}")
    _, url = _file_url(client, path, region)
    if length == 0:
        return b""
    if start < 0:
        return _get(client, url, f"bytes={start}", min(length, -start), False, meter)
    return _get(client, url, f"bytes={start}-{start + length - 1}", length, start == 0, meter)


def read_tail(client: StorageClient, path: str, lines: int = 20, size: int | None = None,
              keep: int | None = None, region: str | None = None, *,
              meter: Meter | None = None) -> tuple[bytes, int]:
    """`storage.read_tail`: a file's last `lines` whole lines, and where they start.

    Reads suffix windows from 16 KiB, x4 each time, until they hold enough lines; never
    more than `keep` bytes (default `tail_window(lines)`): a longer line comes back cut.
    `size` is the file's size when known (else `stat` gives it).
    """
    keep = tail_window(lines) if keep is None else max(1, keep)
    path, url = _file_url(client, path, region)
    if size is None:
        from ._listing import stat

        size = int(stat(client, path, region).get("size_bytes") or 0)
    if size <= 0:
        return b"", 0
    window = TAIL_FIRST_WINDOW
    while True:
        want = min(window, keep, size)
        data = _get(client, url, f"bytes=-{want}", want, False, meter)
        at_start = want >= size
        if data.count(b"\n") > lines or at_start or want >= keep:
            return _last_lines(data, lines, at_start, size - len(data))
        window *= 4
