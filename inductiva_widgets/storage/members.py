"""`MemberReader`: every read of a member of a remote ZIP archive, by HTTP Range only.

One reader serves `read_member`, `tail_member`, member downloads, the widgets' previews
and the ZipExplorer: a range, a head, a tail, the lines before an offset, or the whole
member. It reuses signed URLs, archive sizes and inflation cursors between calls, and every
read can count the raw archive bytes it cost (`ByteMeter`).

Memory bounds (a few KB of bzip2 can inflate to GiBs, and headers may lie):
- a range inflates at most what was asked for, plus one raw window (<= 1 MiB);
- a whole read stops with IntegrityError once the output passes the declared size;
- a tail keeps at most `keep` bytes (`tail_window(lines)` = max(1 MiB, lines x 16 KiB)).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field

from ._client import StorageClient
from ._exceptions import StorageError
from ._inflate import SUPPORTED_METHODS, Inflater
from ._models import ZipFileInfo
from ._progress import CancelToken
from ._zipmembers import Member, candidates, iter_member, iter_raw, locate
from ._zipmembers import member_from_info as _member_from_info
from .tasks import implied_folder

__all__ = ["ByteMeter", "Member", "MemberReader", "implied_prefix", "member_candidates",
           "method_name", "tail_window"]

URL_TTL_S = 300.0  # signed URLs are reused this long (the server's live far longer)
MAX_WINDOW = 1024 * 1024  # the most raw bytes fetched at once while inflating a range
TAIL_MIN_WINDOW = 1024 * 1024
TAIL_LINE_BYTES = 16 * 1024
TAIL_FIRST_WINDOW = 16 * 1024  # a stored member's tail starts with this, then x4


def tail_window(lines: int) -> int:
    """Bytes `tail_member` keeps at most: max(1 MiB, lines x 16 KiB)."""
    return max(TAIL_MIN_WINDOW, lines * TAIL_LINE_BYTES)


def implied_prefix(archive: str) -> str:
    """The folder a task archive keeps its files in ("artifacts/" in output.zip), or ""."""
    return implied_folder(archive)


def member_candidates(archive: str, member: str) -> list[str]:
    """Full names `member` may stand for: with the archive's implied folder first."""
    return candidates(archive, member)


def method_name(compress_type: int | None) -> str:
    """"deflate", "stored", ... for a ZIP compression method number."""
    return SUPPORTED_METHODS.get(compress_type or 0, f"method {compress_type}")


class ByteMeter:
    """Counts the raw archive bytes received over the network (pass as `meter=`)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, nbytes: int) -> None:
        self.n += nbytes


@dataclass
class _Cursor:
    """Inflation state of one compressed member, so the next chunk continues where the
    last one stopped (each raw byte is fetched once)."""

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

    def pump(self, fetch: Callable[[int, int], bytes], need_out: int) -> None:
        """Inflate until `need_out` bytes are buffered (or the end); never more than that."""
        size = self.member.info.size or 0
        ratio = max(self.member.compressed_size, 1) / size if size else 1.0

        def more() -> bytes:  # the next raw window, sized from the ratio (capped: sizes lie)
            window = max(16 * 1024, int((need_out - len(self.buffer)) * ratio * 1.1) + 8192)
            end = min(self.member.range_end, self.raw_pos + min(window, MAX_WINDOW) - 1)
            raw = fetch(self.raw_pos, end)
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


def _last_lines(data: bytes, lines: int, at_start: bool, base: int) -> tuple[bytes, int]:
    """The last `lines` whole lines of `data` (which starts at offset `base`).

    A first line cut by the window is dropped, unless it is all there is.
    """
    body = data[:-1] if data.endswith(b"\n") else data
    cut = len(body)
    for _ in range(lines):
        cut = body.rfind(b"\n", 0, cut)
        if cut < 0:
            break
    if cut < 0:
        if at_start:
            return data, base
        cut = body.find(b"\n")
        if cut < 0:
            return data, base
    return data[cut + 1 :], base + cut + 1


class MemberReader:
    """Reads members of remote ZIP archives by byte range: bounded, counted and cached.

    Args:
        client: the `StorageClient` (default: the module's default client).
        max_cursors: how many compressed members keep their inflation state, so that
            reading chunk after chunk costs each raw byte once.

    Every read takes a `Member` (from `locate` or `member`) and an optional `meter`, a
    callable given the size of each raw chunk received (e.g. a `ByteMeter`).
    """

    def __init__(self, client: StorageClient | None = None, max_cursors: int = 8) -> None:
        if client is None:
            from . import default_client

            client = default_client()
        self.client = client
        self._lock = threading.Lock()
        self._urls: dict[tuple[str, str | None], tuple[str, float]] = {}
        self._pending: dict[tuple[str, str | None], Future[str]] = {}
        self._sizes: dict[tuple[str, str | None], int | None] = {}
        self._cursors: OrderedDict[tuple[str, str], _Cursor] = OrderedDict()
        self._max = max_cursors

    # -- finding members and archives --------------------------------------------------

    def locate(self, archive: str, member: str, region: str | None = None) -> Member:
        """Find a file member by name with one listing of its folder.

        A task archive's implied folder (`artifacts/` in output.zip) may be left out;
        MemberNotFoundError names what was tried. The archive's signed URL is asked for
        meanwhile: a read nearly always follows, and then need not wait for it.
        """
        self._url_soon(archive, region)
        return locate(self.client, archive, member, region)

    def member(self, archive: str, info: ZipFileInfo, region: str | None = None) -> Member:
        """A Member for an already listed file (`info.name` is its full name)."""
        return _member_from_info(archive, info, self.client, region)

    def url(self, archive: str, region: str | None = None) -> str:
        """A signed download URL of the archive, reused for a few minutes."""
        key = (archive, region)
        with self._lock:
            known = self._urls.get(key)
            if known and time.monotonic() - known[1] < URL_TTL_S:
                return known[0]
            pending = self._pending.pop(key, None)
        if pending is not None:
            with contextlib.suppress(StorageError):  # asked again below, error and all
                url = pending.result()
                with self._lock:
                    self._urls[key] = (url, time.monotonic())
                return url
        url = self.client.signed_urls([archive], "download", region)[0]
        with self._lock:
            self._urls[key] = (url, time.monotonic())
        return url

    def _url_soon(self, archive: str, region: str | None) -> None:
        """Start asking for the archive's URL in the background, unless known or asked."""
        key = (archive, region)
        with self._lock:
            known = self._urls.get(key)
            if key in self._pending or (known and time.monotonic() - known[1] < URL_TTL_S):
                return
            future: Future[str] = Future()
            self._pending[key] = future

        def ask() -> None:
            try:
                future.set_result(self.client.signed_urls([archive], "download", region)[0])
            except BaseException as exc:  # handed to whoever waits for the URL
                future.set_exception(exc)

        threading.Thread(target=ask, daemon=True, name="member-url").start()

    def archive_size(self, archive: str, region: str | None = None) -> int | None:
        """The archive file's size in bytes (one listing, remembered); None if unreadable.

        (The `size` of a zip-contents reply is the members' total, not the archive's.)
        """
        key = (archive, region)
        with self._lock:
            if key in self._sizes:
                return self._sizes[key]
        from ._listing import stat

        try:
            size = stat(self.client, archive, region).get("size_bytes")
        except StorageError:
            size = None
        with self._lock:
            self._sizes[key] = size
        return size

    def clear(self) -> None:
        """Forget URLs, sizes and cursors (after an archive changed)."""
        with self._lock:
            self._urls.clear()
            self._pending.clear()
            self._sizes.clear()
            self._cursors.clear()

    # -- reading -----------------------------------------------------------------------

    def _fetcher(self, member: Member, meter: Callable[[int], None] | None
                 ) -> Callable[[int, int], bytes]:
        url = self.url(member.archive, member.region)

        def fetch(start: int, end: int) -> bytes:  # raw bytes start..end inclusive, counted
            if end < start:
                return b""
            parts = []
            for chunk in iter_raw(self.client.blobs, url, start, end, self.client.retries,
                                  None):
                if meter is not None:
                    meter(len(chunk))
                parts.append(chunk)
            return b"".join(parts)

        return fetch

    def _cursor(self, member: Member, offset: int) -> _Cursor:
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

    def read(self, member: Member, offset: int = 0, nbytes: int | None = None, *,
             meter: Callable[[int], None] | None = None) -> bytes:
        """Uncompressed bytes `offset .. offset+nbytes` of a member (all of it if None).

        A stored member is read at that offset directly; a compressed one is inflated from
        its start, or from where a cached cursor stopped. At most `nbytes` (and the
        declared size) are inflated; skipped output goes 1 MiB at a time.
        """
        if nbytes is None and offset == 0:
            return self.read_all(member, meter=meter)
        size = member.info.size
        if nbytes is None:
            nbytes = max(0, (size or 0) - offset)
        if size is not None:
            nbytes = max(0, min(nbytes, size - offset))
        if nbytes <= 0 or member.compressed_size <= 0:
            return b""
        fetch = self._fetcher(member, meter)
        if (member.info.compress_type or 0) == 0:
            start = member.range_start + offset
            return fetch(start, min(member.range_end, start + nbytes - 1))
        cursor = self._cursor(member, offset)
        with cursor.lock:
            if cursor.out_pos > offset:  # taken over by another reader meanwhile: restart
                cursor = _Cursor.start(member)
            while True:
                cursor.drop_before(offset)
                if cursor.out_pos >= offset or cursor.finished:
                    break
                cursor.pump(fetch, min(offset - cursor.out_pos + 1, MAX_WINDOW))
            cursor.pump(fetch, nbytes)
            return cursor.buffer[:nbytes]

    def head(self, member: Member, nbytes: int, *,
             meter: Callable[[int], None] | None = None) -> bytes:
        """The first `nbytes` uncompressed bytes (only those are inflated)."""
        return self.read(member, 0, max(0, nbytes), meter=meter)

    def stream(self, member: Member, *, cancel: CancelToken | None = None,
               meter: Callable[[int], None] | None = None) -> Iterator[bytes]:
        """The whole member in pieces of at most 1 MiB (only its own raw bytes fetched).

        IntegrityError as soon as the output passes the declared size, or at the end if
        it falls short: a lying header cannot make it inflate on.
        """
        return iter_member(self.client, member, self.url(member.archive, member.region),
                           cancel, on_raw=meter)

    def read_all(self, member: Member, *, meter: Callable[[int], None] | None = None
                 ) -> bytes:
        """A whole member's bytes (checked against its declared size, as `stream`)."""
        if member.compressed_size <= 0 and not member.info.size:
            return b""
        return b"".join(self.stream(member, meter=meter))

    def tail(self, member: Member, lines: int, keep: int | None = None, *,
             meter: Callable[[int], None] | None = None) -> tuple[bytes, int]:
        """The last `lines` whole lines and the uncompressed offset where they start.

        At most `keep` bytes (default `tail_window(lines)`) are kept: a longer line comes
        back cut to its end. A stored member is read from its end only; a compressed one
        must be inflated from its start (the format allows nothing else), piece by piece.
        """
        keep = tail_window(lines) if keep is None else keep
        size = member.info.size or 0
        if member.compressed_size <= 0 and size == 0:
            return b"", 0
        if (member.info.compress_type or 0) == 0 and member.compressed_size > 0:
            fetch = self._fetcher(member, meter)
            window = TAIL_FIRST_WINDOW
            while True:
                start = max(member.range_start, member.range_end + 1 - min(window, keep))
                data = fetch(start, member.range_end)
                at_start = start == member.range_start
                if data.count(b"\n") > lines or at_start or window >= keep:
                    return _last_lines(data, lines, at_start, start - member.range_start)
                window *= 4
        kept, produced = bytearray(), 0
        for piece in self.stream(member, meter=meter):
            kept += piece
            produced += len(piece)
            if len(kept) > keep:
                del kept[: len(kept) - keep]
        return _last_lines(bytes(kept), lines, len(kept) == produced, produced - len(kept))

    def before(self, member: Member, end_offset: int, nbytes: int, *,
               meter: Callable[[int], None] | None = None) -> tuple[bytes, int]:
        """Whole lines ending at `end_offset` (about `nbytes` of them) and their start."""
        start = max(0, end_offset - nbytes)
        data = self.read(member, start, end_offset - start, meter=meter)
        if start > 0:
            cut = data.find(b"\n")
            if cut >= 0:
                return data[cut + 1 :], start + cut + 1
        return data, start


def read_member(client: StorageClient, archive: str, member: str, region: str | None = None,
                max_bytes: int | None = None) -> bytes:
    """`storage.read_member`: a member's bytes, the first `max_bytes` of them if given."""
    reader = MemberReader(client)
    located = reader.locate(archive, member, region)
    if max_bytes is None:
        return reader.read_all(located)
    return reader.head(located, max_bytes)


def tail_member(client: StorageClient, archive: str, member: str, lines: int = 20,
                region: str | None = None) -> list[str]:
    """`storage.tail_member`: the last `lines` lines of a text member, decoded."""
    reader = MemberReader(client)
    data, _ = reader.tail(reader.locate(archive, member, region), lines)
    found = data.split(b"\n")
    if found[-1] == b"":
        found.pop()
    kept = found[-lines:] if lines > 0 else []
    return [line.rstrip(b"\r").decode("utf-8", "replace") for line in kept]
