"""Reading single members of remote ZIP archives with HTTP Range, never the whole archive."""

from __future__ import annotations

import posixpath
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from ._client import StorageClient
from ._exceptions import IntegrityError, NotFoundError, TransferError, error_from_response
from ._inflate import Inflater
from ._models import ZipFileInfo
from ._progress import CancelToken, check_cancel

CHUNK = 1024 * 1024
# The seed's implied folder inside task archives.
IMPLIED_PREFIX = {"output.zip": "artifacts/", "input.zip": "sim_dir/"}


@dataclass(frozen=True)
class Member:
    """A member located in a remote archive."""

    archive: str  # storage path of the .zip
    name: str  # full name inside the archive
    info: ZipFileInfo
    range_start: int
    range_end: int  # inclusive; range_start - 1 for an empty member

    @property
    def compressed_size(self) -> int:
        return self.range_end - self.range_start + 1


def candidates(archive: str, member: str) -> list[str]:
    """Names to try for `member`: with the task archive's implied folder first."""
    member = member.strip("/")
    prefix = IMPLIED_PREFIX.get(posixpath.basename(archive), "")
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
    return Member(archive, info.name, info, start, end)


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
    tried = " or ".join(repr(n) for n in candidates(archive, member))
    reason = f": {last_error.detail}" if last_error is not None else ""
    raise NotFoundError(f'"{member}" is not a file in "{archive}" (looked for {tried}){reason}',
                        status_code=404)


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


def iter_member(client: StorageClient, member: Member, url: str | None = None,
                cancel: CancelToken | None = None, on_raw=None) -> Iterator[bytes]:
    """The member's uncompressed bytes, in chunks; the size is checked at the end."""
    url = url or client.signed_urls([member.archive], "download")[0]
    inflater = Inflater(member.info.compress_type or 0)
    produced = 0
    if member.compressed_size > 0:
        for raw in iter_raw(client.blobs, url, member.range_start, member.range_end,
                            client.retries, cancel):
            if on_raw is not None:
                on_raw(len(raw))
            out = inflater.feed(raw)
            produced += len(out)
            if out:
                yield out
    tail = inflater.finish() if member.compressed_size > 0 else b""
    produced += len(tail)
    if tail:
        yield tail
    if member.info.size is not None and produced != member.info.size:
        raise IntegrityError(f"{member.name}: inflated to {produced} bytes, the archive "
                             f"says {member.info.size}")


def read_member(client: StorageClient, archive: str, member: str, region: str | None = None,
                max_bytes: int | None = None) -> bytes:
    """A member's bytes (the first `max_bytes` of them if given)."""
    located = locate(client, archive, member, region)
    url = client.signed_urls([archive], "download", region)[0]
    if max_bytes is not None and located.info.compress_type == 0:
        end = min(located.range_end, located.range_start + max_bytes - 1)
        return b"".join(iter_raw(client.blobs, url, located.range_start, end,
                                 client.retries, None))
    parts, size = [], 0
    stream = iter_member(client, located, url)
    try:
        for chunk in stream:
            parts.append(chunk)
            size += len(chunk)
            if max_bytes is not None and size >= max_bytes:
                break
    finally:
        stream.close()
    data = b"".join(parts)
    return data if max_bytes is None else data[:max_bytes]


def tail_member(client: StorageClient, archive: str, member: str, lines: int = 20,
                region: str | None = None) -> list[str]:
    """The last `lines` lines of a text member.

    A stored member is read from its end only; a compressed one must be inflated from its
    start (the format allows nothing else) but only the last lines are kept in memory.
    """
    located = locate(client, archive, member, region)
    url = client.signed_urls([archive], "download", region)[0]
    if located.info.compress_type == 0 and located.compressed_size > 0:
        window = 64 * 1024
        while True:
            start = max(located.range_start, located.range_end + 1 - window)
            data = b"".join(iter_raw(client.blobs, url, start, located.range_end,
                                     client.retries, None))
            found = data.splitlines()
            if len(found) > lines or start == located.range_start:
                return [line.decode("utf-8", "replace") for line in found[-lines:]]
            window *= 4
    keep: list[bytes] = []
    pending = b""
    for chunk in iter_member(client, located, url):
        pending += chunk
        *complete, pending = pending.split(b"\n")
        keep = (keep + complete)[-lines:]
    if pending:
        keep = (keep + [pending])[-lines:]
    return [line.rstrip(b"\r").decode("utf-8", "replace") for line in keep]
