"""Locating members of remote ZIP archives and streaming their bytes by HTTP Range.

The low level under `members.MemberReader`: find a member's byte range, fetch raw bytes
of a signed URL with resumption, and inflate a whole member in bounded pieces.
"""

from __future__ import annotations

import posixpath
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx

from ._client import StorageClient
from ._exceptions import (
    IntegrityError,
    MemberNotFoundError,
    NotFoundError,
    TransferError,
    error_from_response,
)
from ._inflate import PIECE, inflate_pieces
from ._models import ZipFileInfo
from ._progress import CancelToken, check_cancel
from .tasks import ARCHIVE_FOLDER

# The seed's implied folder inside task archives.


@dataclass(frozen=True)
class Member:
    """A member located in a remote archive."""

    archive: str  # storage path of the .zip
    name: str  # full name inside the archive
    info: ZipFileInfo
    range_start: int
    range_end: int  # inclusive; range_start - 1 for an empty member
    region: str | None = None  # where the archive is stored (None: the server's default)

    @property
    def compressed_size(self) -> int:
        return self.range_end - self.range_start + 1


def candidates(archive: str, member: str) -> list[str]:
    """Names to try for `member`: with the task archive's implied folder first."""
    member = member.strip("/")
    prefix = ARCHIVE_FOLDER.get(posixpath.basename(archive), "")
    if not prefix or member.startswith(prefix):
        return [member]
    return [prefix + member, member]


def member_from_info(archive: str, info: ZipFileInfo, client: StorageClient,
                     region: str | None = None) -> Member:
    """A Member for a listed file (`info.name` is its full name in the archive)."""
    start, compressed = info.range_start, info.compressed_size
    if start is None or compressed is None:
        folder, base = posixpath.split(info.name)
        rng = client.zip_file_range(archive, folder, base, region)
        start, end = rng["range_start"], rng["range_end"]
    else:
        end = start + compressed - 1
    if info.compress_type is None:
        info.compress_type = 0
    return Member(archive, info.name, info, start, end, region)


def locate(client: StorageClient, archive: str, member: str,
           region: str | None = None) -> Member:
    """Find a file member by name with one listing of its folder.

    A task archive's implied folder (`artifacts/` in output.zip) may be left out;
    NotFoundError names what was tried.
    """
    last_error: NotFoundError | None = None
    for name in candidates(archive, member):
        folder, base = posixpath.split(name)
        try:
            listing = client.zip_contents(archive, folder, False, region)
        except NotFoundError as exc:
            last_error = exc
            continue
        for entry in listing["contents"]:
            if entry["name"] == base:
                return member_from_info(archive, ZipFileInfo.from_json({**entry, "name": name}),
                                        client, region)
    if last_error is not None and "in the archive" not in str(last_error.detail):
        raise last_error  # the archive itself is missing
    raise MemberNotFoundError(f'File "{member}" not found in "{archive}".', status_code=404)


def iter_raw(blobs: httpx.Client, url: str, start: int, end: int, retries: int,
             cancel: CancelToken | None) -> Iterator[bytes]:
    """The bytes `start..end` (inclusive) of a signed URL, resuming after breaks."""
    position, attempt = start, 0
    while position <= end:
        check_cancel(cancel)
        try:
            with blobs.stream("GET", url, headers={"Range": f"bytes={position}-{end}"}
                              ) as response:
                if response.status_code != 206:
                    response.read()
                    if response.status_code == 200:
                        raise IntegrityError("the server ignored the byte range")
                    raise error_from_response(response)
                for chunk in response.iter_bytes():
                    check_cancel(cancel)
                    chunk = chunk[: end + 1 - position]
                    position += len(chunk)
                    yield chunk
        except httpx.TransportError as exc:
            if attempt >= retries:
                raise TransferError(f"reading bytes {position}-{end} failed: {exc}") from exc
            time.sleep(min(5.0, 0.25 * 2**attempt))
            attempt += 1


def _counting(raw: Iterator[bytes], on_raw: Callable[[int], None]) -> Iterator[bytes]:
    for chunk in raw:
        on_raw(len(chunk))
        yield chunk


def iter_member(client: StorageClient, member: Member, url: str | None = None,
                cancel: CancelToken | None = None, on_raw: Callable[[int], None] | None = None,
                piece: int = PIECE) -> Iterator[bytes]:
    """The member's uncompressed bytes in pieces of at most `piece` bytes.

    Memory stays at one piece whatever the member inflates to; IntegrityError as soon as
    the output passes the declared size, or at the end if it falls short.
    """
    url = url or client.signed_urls([member.archive], "download", member.region)[0]
    if member.compressed_size <= 0:
        if member.info.size:
            raise IntegrityError(f"{member.name}: no data, the archive says "
                                 f"{member.info.size} bytes")
        return
    raw = iter_raw(client.blobs, url, member.range_start, member.range_end, client.retries,
                   cancel)
    try:
        yield from inflate_pieces(member.info.compress_type or 0,
                                  raw if on_raw is None else _counting(raw, on_raw),
                                  member.info.size, member.name, piece)
    finally:
        raw.close()
