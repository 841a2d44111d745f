"""Reading members of remote ZIP archives by byte range, for previews: a chunk at an
offset, the whole member, the last lines, the lines before an offset; always counting the
raw archive bytes that travelled (`ByteMeter`), and reusing signed URLs, archive sizes and
inflation cursors between calls (`PreviewCache`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from .. import storage
from ..storage import StorageClient, StorageError
from ..storage._inflate import Inflater
from ..storage._zipmembers import Member, iter_member, iter_raw

__all__ = ["HEAD_BYTES", "TAIL_KEEP", "TAIL_LINES", "ByteMeter", "PreviewCache",
           "archive_file_size", "read_all", "read_before", "read_range", "read_tail"]

HEAD_BYTES = 64 * 1024  # one text chunk ("Load more" fetches the next one)
TAIL_LINES = 200  # the default view of a log
TAIL_KEEP = 256 * 1024  # at most this much text is kept for a tail
URL_TTL_S = 300.0  # signed URLs are reused this long (the server's live far longer)


# -- byte counting ----------------------------------------------------------------------------


class ByteMeter:
    """Counts the raw archive bytes received over the network."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, nbytes: int) -> None:
        self.n += nbytes


def _fetch(client: StorageClient, url: str, start: int, end: int, meter: ByteMeter) -> bytes:
    """Raw bytes `start..end` (inclusive) of the archive, counted."""
    if end < start:
        return b""
    parts = []
    for chunk in iter_raw(client.blobs, url, start, end, client.retries, None):
        meter(len(chunk))
        parts.append(chunk)
    return b"".join(parts)


# -- sequential reading of compressed members ---------------------------------------------------


@dataclass
class _Cursor:
    """Inflation state of one compressed member, so "Load more" continues where it stopped."""

    member: Member
    inflater: Inflater
    raw_pos: int  # the next raw byte to fetch (absolute offset in the archive)
    out_pos: int  # uncompressed offset of buffer[0]
    buffer: bytes = b""
    finished: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls, member: Member) -> _Cursor:
        return cls(member, Inflater(member.info.compress_type or 0), member.range_start, 0)

    def pump(self, client: StorageClient, url: str, need_out: int, meter: ByteMeter) -> None:
        """Inflate until `need_out` bytes are buffered (or the end); never more than that."""
        size = self.member.info.size or 0
        ratio = max(self.member.compressed_size, 1) / size if size else 1.0

        def more() -> bytes:  # the next raw window, sized from the ratio (capped: sizes lie)
            window = max(16 * 1024, int((need_out - len(self.buffer)) * ratio * 1.1) + 8192)
            end = min(self.member.range_end, self.raw_pos + min(window, 1024 * 1024) - 1)
            raw = _fetch(client, url, self.raw_pos, end, meter)
            self.raw_pos = max(self.raw_pos, end + 1)
            return raw

        while not self.finished and len(self.buffer) < need_out:
            out = self.inflater.read(need_out - len(self.buffer), more)
            self.finished = not out
            self.buffer += out

    def drop_before(self, offset: int) -> None:
        if offset > self.out_pos:
            cut = min(offset - self.out_pos, len(self.buffer))
            self.buffer = self.buffer[cut:]
            self.out_pos += cut


class PreviewCache:
    """Signed URLs, archive sizes and inflation cursors reused between previews."""

    def __init__(self, max_cursors: int = 8) -> None:
        self._lock = threading.Lock()
        self._urls: dict[tuple[str, str | None], tuple[str, float]] = {}
        self._sizes: dict[tuple[str, str | None], int | None] = {}
        self._cursors: OrderedDict[tuple[str, str], _Cursor] = OrderedDict()
        self._max = max_cursors

    def url(self, client: StorageClient, archive: str, region: str | None) -> str:
        key = (archive, region)
        with self._lock:
            known = self._urls.get(key)
            if known and time.monotonic() - known[1] < URL_TTL_S:
                return known[0]
        url = client.signed_urls([archive], "download", region)[0]
        with self._lock:
            self._urls[key] = (url, time.monotonic())
        return url

    def archive_size(self, client: StorageClient, archive: str, region: str | None
                     ) -> int | None:
        key = (archive, region)
        with self._lock:
            if key in self._sizes:
                return self._sizes[key]
        size = archive_file_size(client, archive, region)
        with self._lock:
            self._sizes[key] = size
        return size

    def cursor(self, member: Member, offset: int) -> _Cursor:
        """A cursor positioned at or before `offset` (a new one from the start if need be)."""
        key = (member.archive, member.name)
        with self._lock:
            found = self._cursors.get(key)
            if found is not None and found.member == member and found.out_pos <= offset:
                self._cursors.move_to_end(key)
                return found
            fresh = _Cursor.start(member)
            self._cursors[key] = fresh
            while len(self._cursors) > self._max:
                self._cursors.popitem(last=False)
            return fresh

    def clear(self) -> None:
        with self._lock:
            self._urls.clear()
            self._sizes.clear()
            self._cursors.clear()


def archive_file_size(client: StorageClient, archive: str, region: str | None = None
                      ) -> int | None:
    """The archive file's size in bytes (one listing); None if it cannot be read.

    (The `size` of a zip-contents reply is the members' total, not the archive's.)
    """
    try:
        return storage.stat(archive, region, client=client).get("size_bytes")
    except StorageError:
        return None


def _url(client: StorageClient, member: Member, region: str | None,
         cache: PreviewCache | None) -> str:
    if cache is not None:
        return cache.url(client, member.archive, region)
    return client.signed_urls([member.archive], "download", region)[0]


# -- reading by byte range ----------------------------------------------------------------------


def read_range(client: StorageClient, member: Member, offset: int, nbytes: int, *,
               region: str | None = None, meter: ByteMeter | None = None,
               cache: PreviewCache | None = None) -> bytes:
    """Uncompressed bytes `offset .. offset+nbytes` of a member.

    A stored member is read at that offset directly; a compressed one is inflated from its
    start (or from where a cached cursor stopped, so reading chunk after chunk costs each
    raw byte once).
    """
    meter = meter if meter is not None else ByteMeter()
    size = member.info.size
    if size is not None:
        nbytes = max(0, min(nbytes, size - offset))
    if nbytes <= 0 or member.compressed_size <= 0:
        return b""
    url = _url(client, member, region, cache)
    if (member.info.compress_type or 0) == 0:
        start = member.range_start + offset
        return _fetch(client, url, start, min(member.range_end, start + nbytes - 1), meter)
    cursor = cache.cursor(member, offset) if cache is not None else _Cursor.start(member)
    with cursor.lock:
        if cursor.out_pos > offset:  # taken over by another reader meanwhile: start again
            cursor = _Cursor.start(member)
        while True:
            cursor.drop_before(offset)
            if cursor.out_pos >= offset or cursor.finished:
                break
            # skipped output goes 1 MiB at a time, whatever the offset
            cursor.pump(client, url, min(offset - cursor.out_pos + 1, 1024 * 1024), meter)
        cursor.pump(client, url, nbytes, meter)
        return cursor.buffer[:nbytes]


def read_all(client: StorageClient, member: Member, *, region: str | None = None,
             meter: ByteMeter | None = None, cache: PreviewCache | None = None) -> bytes:
    """A whole member's bytes (only its own raw bytes are fetched).

    IntegrityError as soon as the output passes the declared size: a lying header cannot
    make it inflate on.
    """
    if member.compressed_size <= 0:
        return b""
    return b"".join(iter_member(client, member, _url(client, member, region, cache),
                                on_raw=meter))


def read_tail(client: StorageClient, member: Member, lines: int = TAIL_LINES, *,
              region: str | None = None, meter: ByteMeter | None = None,
              cache: PreviewCache | None = None) -> tuple[bytes, int]:
    """The last `lines` lines (at most TAIL_KEEP bytes) and the offset where they start.

    A stored member is read from its end only; a compressed one is inflated from its start
    (the format allows nothing else) piece by piece, keeping only TAIL_KEEP bytes.
    """
    meter = meter if meter is not None else ByteMeter()
    size = member.info.size or 0
    if size == 0 or member.compressed_size <= 0:
        return b"", 0
    url = _url(client, member, region, cache)
    if (member.info.compress_type or 0) == 0:
        window = 16 * 1024
        while True:
            start = max(member.range_start, member.range_end + 1 - window)
            data = _fetch(client, url, start, member.range_end, meter)
            at_start = start == member.range_start
            if data.count(b"\n") > lines or at_start or len(data) >= TAIL_KEEP:
                return _last_lines(data, lines, at_start, start - member.range_start)
            window *= 4
    kept, produced = b"", 0
    for chunk in iter_member(client, member, url, on_raw=meter):
        produced += len(chunk)
        kept = (kept + chunk)[-TAIL_KEEP:]
    return _last_lines(kept, lines, len(kept) == produced, produced - len(kept))


def _last_lines(data: bytes, lines: int, at_start: bool, base: int) -> tuple[bytes, int]:
    """The last `lines` lines of `data` (which starts at offset `base`), whole lines only."""
    body = data[:-1] if data.endswith(b"\n") else data
    cut = len(body)
    for _ in range(lines):
        cut = body.rfind(b"\n", 0, cut)
        if cut < 0:
            break
    if cut < 0:
        if at_start:
            return data, base
        cut = data.find(b"\n")  # drop the partial first line of a window
        if cut < 0:
            return data, base
    return data[cut + 1 :], base + cut + 1


def read_before(client: StorageClient, member: Member, end_offset: int,
                nbytes: int = HEAD_BYTES, *, region: str | None = None,
                meter: ByteMeter | None = None, cache: PreviewCache | None = None
                ) -> tuple[bytes, int]:
    """Whole lines ending at `end_offset` (about `nbytes` of them) and their start offset."""
    start = max(0, end_offset - nbytes)
    data = read_range(client, member, start, end_offset - start, region=region, meter=meter,
                      cache=cache)
    if start > 0:
        cut = data.find(b"\n")
        if cut >= 0:
            return data[cut + 1 :], start + cut + 1
    return data, start
