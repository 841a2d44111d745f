"""`gather`'s reads: locate one member per archive and read it, bounded and counted.

Locating costs one `GET /storage/zip-file-range` per archive (a reply of a few dozen bytes,
whatever the archive's central directory holds); reading costs one ranged GET of the
member's compressed bytes on the archive's signed URL. Locations and signed URLs are kept
for a few minutes, so gathering again (another member, or the same one later) skips what is
known. A location that turns out stale is forgotten and looked up once more.

Every read is bounded by `max_bytes` whatever the archive claims: compressed bytes are
refused before any request when they exceed it, and inflation stops as soon as the output
does (a zip bomb costs `max_bytes` of inflation, never more).
"""

from __future__ import annotations

import posixpath
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._client import StorageClient
from ._exceptions import IntegrityError, MemberNotFoundError, NotFoundError
from ._models import ZipFileInfo
from ._progress import CancelToken
from ._zipmembers import Member, candidates
from .members import URL_TTL_S, MemberReader, tail_window

CACHE_TTL_S = URL_TTL_S  # locations and signed URLs are reused this long
CACHE_ENTRIES = 4096  # per client: locations of that many members, URLs of that many archives


class ArchiveMissing(NotFoundError):
    """The archive itself is not in storage (as opposed to a member missing from it)."""


class TooLarge(IntegrityError):
    """The member is (or inflates to) more than the caller's `max_bytes`."""


class _Expiring:
    """A small thread-safe LRU whose entries expire after `CACHE_TTL_S`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[Any, tuple[Any, float]] = OrderedDict()

    def get(self, key: Any) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is None or time.monotonic() - found[1] > CACHE_TTL_S:
                self._items.pop(key, None)
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = (value, time.monotonic())
            self._items.move_to_end(key)
            while len(self._items) > CACHE_ENTRIES:
                self._items.popitem(last=False)

    def drop(self, key: Any) -> None:
        with self._lock:
            self._items.pop(key, None)


@dataclass
class _ClientCache:
    locations: _Expiring
    urls: _Expiring


_caches: dict[int, tuple[StorageClient, _ClientCache]] = {}
_caches_lock = threading.Lock()


def cache_for(client: StorageClient) -> _ClientCache:
    """The location and URL caches of one client (kept while the client is in use)."""
    with _caches_lock:
        found = _caches.get(id(client))
        if found is None or found[0] is not client:
            if len(_caches) >= 16:  # clients come and go in tests; keep the newest few
                _caches.pop(next(iter(_caches)))
            found = (client, _ClientCache(_Expiring(), _Expiring()))
            _caches[id(client)] = found
        return found[1]


def clear_caches() -> None:
    """Forget every cached location and signed URL (after archives were rewritten)."""
    with _caches_lock:
        _caches.clear()


def _archive_missing(exc: NotFoundError) -> bool:
    # The server names the archive when a member is missing ("... in the archive ..."); any
    # other 404 is about the archive itself (the same test as `MemberReader.locate`).
    return "in the archive" not in str(exc.detail or exc)


def locate(client: StorageClient, archive: str, member: str, region: str | None
           ) -> tuple[Member, bool]:
    """The member's location (the implied `artifacts/` may be left out), and whether it came
    from the cache. ArchiveMissing or MemberNotFoundError when it is not there."""
    cache = cache_for(client).locations
    names = candidates(archive, member)
    for name in names:
        known = cache.get((archive, name, region))
        if known is not None:
            return known, True
    for name in names:
        folder, base = posixpath.split(name)
        try:
            reply = client.zip_file_range(archive, folder, base, region)
        except NotFoundError as exc:
            if _archive_missing(exc):
                raise ArchiveMissing(f"no archive {archive}", status_code=404,
                                     detail=exc.detail) from None
            continue
        found = _member(client, archive, name, reply, region)
        cache.put((archive, name, region), found)
        return found, False
    raise MemberNotFoundError(f'File "{member}" not found in "{archive}".', status_code=404)


def _member(client: StorageClient, archive: str, name: str, reply: dict[str, Any],
            region: str | None) -> Member:
    start, end = int(reply["range_start"]), int(reply["range_end"])
    if start < 0 or end < start - 1:
        raise IntegrityError(f"{archive}: the server gave an impossible range {start}-{end}")
    method = reply.get("compress_type")
    size = None
    if method is None:  # an API that does not say: one listing of the folder tells
        folder, base = posixpath.split(name)
        listing = client.zip_contents(archive, folder, False, region)["contents"]
        entry = next((e for e in listing if e.get("name") == base), {})
        method, size = entry.get("compress_type") or 0, entry.get("size")
    if method == 0:
        size = end - start + 1
    info = ZipFileInfo(name=name, size=size, compressed_size=end - start + 1,
                       range_start=start, creation_time=None, compress_type=int(method))
    return Member(archive, name, info, start, end, region)


def forget(client: StorageClient, member: Member) -> None:
    """Drop a location that turned out stale."""
    cache_for(client).locations.drop((member.archive, member.name, member.region))


def signed_urls(client: StorageClient, archives: list[str], region: str | None
                ) -> dict[str, str]:
    """Download URLs of `archives`, cached ones reused, the rest asked in one batch.

    NotFoundError when one of the asked archives is missing (the API refuses the batch).
    """
    cache = cache_for(client).urls
    urls = {a: u for a in archives if (u := cache.get((a, region))) is not None}
    wanted = [a for a in dict.fromkeys(archives) if a not in urls]
    if wanted:
        for archive, url in zip(wanted, client.signed_urls(wanted, "download", region),
                                strict=True):
            cache.put((archive, region), url)
            urls[archive] = url
    return urls


class PresignedReader(MemberReader):
    """A MemberReader that uses URLs asked in one batch instead of one request each."""

    def __init__(self, client: StorageClient, urls: dict[str, str]) -> None:
        super().__init__(client, max_cursors=1)
        self._given = urls

    def url(self, archive: str, region: str | None = None) -> str:
        given = self._given.get(archive)
        return given if given is not None else super().url(archive, region)


def _raw_cap(max_bytes: int) -> int:
    # Incompressible data grows a little when deflated (5 bytes per 16 KiB block at most).
    return max_bytes + max_bytes // 1024 + 1024


def read_whole(reader: MemberReader, member: Member, max_bytes: int,
               cancel: CancelToken | None, meter: Callable[[int], None]) -> bytes:
    """The member's bytes; TooLarge (before any request, or mid-way) past `max_bytes`."""
    if member.compressed_size > _raw_cap(max_bytes):
        raise TooLarge(f"{member.name} is {member.compressed_size:,} bytes compressed, more "
                       f"than max_bytes={max_bytes:,}")
    out, produced = [], 0
    for piece in reader.stream(member, cancel=cancel, meter=meter):
        produced += len(piece)
        if produced > max_bytes:
            raise TooLarge(f"{member.name} inflates to more than max_bytes={max_bytes:,}")
        out.append(piece)
    return b"".join(out)


def read_tail(reader: MemberReader, member: Member, lines: int, max_bytes: int,
              cancel: CancelToken | None, meter: Callable[[int], None]) -> bytes:
    """The member's last `lines` lines (at most `tail_window(lines)` bytes kept).

    A stored member is read from its end only; a compressed one must be inflated from its
    start, which `max_bytes` bounds.
    """
    keep = min(tail_window(lines), max_bytes)
    if (member.info.compress_type or 0) == 0:
        if cancel is not None:
            cancel.check()
        data, _ = reader.tail(member, lines, keep, meter=meter)
        return data
    if member.compressed_size > _raw_cap(max_bytes):
        raise TooLarge(f"{member.name} is {member.compressed_size:,} bytes compressed; its "
                       f"tail needs it all inflated, more than max_bytes={max_bytes:,}")
    kept, produced = bytearray(), 0
    for piece in reader.stream(member, cancel=cancel, meter=meter):
        produced += len(piece)
        if produced > max_bytes:
            raise TooLarge(f"{member.name} inflates to more than max_bytes={max_bytes:,}")
        kept += piece
        if len(kept) > keep:
            del kept[: len(kept) - keep]
    return bytes(kept)


def last_lines(data: bytes, lines: int) -> str:
    """The last `lines` lines of `data`, decoded (undecodable bytes replaced)."""
    found = data.decode("utf-8", "replace").splitlines()
    return "\n".join(found[-lines:] if lines > 0 else [])


__all__ = ["ArchiveMissing", "PresignedReader", "TooLarge", "cache_for",
           "clear_caches", "forget", "last_lines", "locate", "read_tail", "read_whole",
           "signed_urls"]
