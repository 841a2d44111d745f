"""Search by name beneath a folder, and inside the ZIP archives found on the way.

Folders are listed breadth first on the caller's thread; every `.zip` met is handed to a
small pool that reads its member list (`GET /storage/zip-contents?recursive=true`, the
archive's central directory only: never its data) and matches the members' names. Matches
are yielded as soon as they are known, up to `max_results`.

Bounds, whatever an archive claims:
- the member list is parsed as it streams in and kept as small tuples; an archive of more
  than MAX_ARCHIVE_MEMBERS members, or a listing entry above MAX_ENTRY_CHARS, is not
  searched (counted in `FindProgress.archives_failed`, never raised);
- member lists are cached per client, keyed by the archive's size and time (a changed
  archive is read again), at most CACHE_MEMBERS members in all;
- at most ARCHIVE_WORKERS archives are read at once.
"""

from __future__ import annotations

import codecs
import fnmatch
import json
import re
import threading
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from . import paths
from ._client import StorageClient
from ._exceptions import (
    ConnectionFailed,
    NotFoundError,
    StorageError,
    TransferCancelled,
    ValidationError,
    error_from_response,
)
from ._progress import CancelToken, check_cancel

__all__ = ["FindProgress", "find", "matcher"]

ARCHIVE_WORKERS = 4
MAX_ARCHIVE_MEMBERS = 200_000  # the bundled server's own limit per archive
MAX_ENTRY_CHARS = 64 * 1024  # one member's listing entry; a longer one is hostile
CACHE_MEMBERS = 400_000
MAX_FAILURES_KEPT = 20
_CONTENTS = re.compile(r'"contents"\s*:\s*\[')

# (full member name, size, compressed size, creation time, compress type)
MemberRow = tuple[str, Any, Any, Any, Any]


@dataclass(frozen=True)
class FindProgress:
    """Where a search stands; `progress=` callbacks get a fresh one after each step."""

    matches: int = 0
    folders: int = 0  # folders listed
    archives: int = 0  # archives whose members were searched
    archives_failed: int = 0  # archives that could not be searched (see `failures`)
    failures: tuple[tuple[str, str], ...] = field(default=())  # (archive, reason), first 20
    truncated: bool = False  # stopped at max_results
    done: bool = False


def matcher(query: str) -> Callable[[str], bool]:
    """A name test: case-insensitive substring, or a glob when `query` holds `*?[`."""
    needle = query.lower()
    if any(c in query for c in "*?["):
        return lambda name: fnmatch.fnmatchcase(name.lower(), needle)
    return lambda name: needle in name.lower()


# -- member lists, streamed and cached ---------------------------------------------------------


class _ListingParser:
    """The `contents` of a zip-contents answer, parsed entry by entry as bytes arrive."""

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")("replace")
        self._decoder = json.JSONDecoder()
        self._buf = ""
        self._started = False
        self.done = False
        self.rows: list[MemberRow] = []

    def feed(self, chunk: bytes) -> None:
        if self.done:
            return
        self._buf += self._text.decode(chunk)
        if not self._started:
            found = _CONTENTS.search(self._buf)
            if found is None:
                if len(self._buf) > MAX_ENTRY_CHARS:
                    raise ValidationError("the member list has no contents", status_code=422)
                return
            self._started = True
            self._buf = self._buf[found.end() :]
        pos, buf = 0, self._buf
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n,":
                pos += 1
            if pos >= len(buf):
                break
            if buf[pos] == "]":
                self.done = True
                break
            try:
                entry, end = self._decoder.raw_decode(buf, pos)
            except json.JSONDecodeError:
                if len(buf) - pos > MAX_ENTRY_CHARS:
                    raise ValidationError("a member entry of the list is too long or "
                                          "malformed", status_code=422) from None
                break  # wait for the rest of this entry
            pos = end
            self._add(entry)
        self._buf = buf[pos:]

    def _add(self, entry: Any) -> None:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ValidationError("a member entry of the list is malformed", status_code=422)
        if len(self.rows) >= MAX_ARCHIVE_MEMBERS:
            raise ValidationError(f"more than {MAX_ARCHIVE_MEMBERS:,} members",
                                  status_code=422)
        self.rows.append((entry["name"], entry.get("size"), entry.get("compressed_size"),
                          entry.get("creation_time"), entry.get("compress_type")))

    def finish(self) -> list[MemberRow]:
        if not self.done:
            raise ValidationError("the member list ended early", status_code=422)
        return self.rows


def _read_members(client: StorageClient, archive: str, region: str | None,
                  stop: CancelToken) -> list[MemberRow]:
    """Every file member of `archive` (full names), streamed from zip-contents."""
    params = client._params({"path": archive, "zip_relative_path": "", "recursive": "true",
                             "region": region})
    parser = _ListingParser()
    try:
        # Streamed, not `client.request`: the answer may be tens of MB, and is kept here
        # only as tuples.
        with client._http.stream("GET", "/storage/zip-contents", params=params) as response:
            if response.is_error:
                response.read()
                raise error_from_response(response)
            for chunk in response.iter_bytes():
                check_cancel(stop)
                parser.feed(chunk)
                if parser.done:
                    break
    except httpx.TransportError as exc:
        raise ConnectionFailed(f"reading the members of {archive} failed: {exc}") from exc
    return parser.finish()


class _MemberCache:
    """Member lists by (archive, region, size, time): LRU, CACHE_MEMBERS members in all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lists: OrderedDict[tuple, list[MemberRow]] = OrderedDict()
        self._count = 0

    def get(self, key: tuple) -> list[MemberRow] | None:
        with self._lock:
            found = self._lists.get(key)
            if found is not None:
                self._lists.move_to_end(key)
            return found

    def put(self, key: tuple, rows: list[MemberRow]) -> None:
        if len(rows) > CACHE_MEMBERS:
            return
        with self._lock:
            old = self._lists.pop(key, None)
            self._count -= len(old) if old else 0
            self._lists[key] = rows
            self._count += len(rows)
            while self._count > CACHE_MEMBERS:
                _, dropped = self._lists.popitem(last=False)
                self._count -= len(dropped)


_caches: weakref.WeakKeyDictionary[StorageClient, _MemberCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache(client: StorageClient) -> _MemberCache:
    with _caches_lock:
        cache = _caches.get(client)
        if cache is None:
            cache = _caches[client] = _MemberCache()
        return cache


def _members(client: StorageClient, archive: dict[str, Any], region: str | None,
             stop: CancelToken) -> list[MemberRow]:
    key = (archive["path"], region, archive.get("size_bytes"), archive.get("creation_time"))
    cache = _cache(client)
    rows = cache.get(key)
    if rows is None:
        rows = _read_members(client, archive["path"], region, stop)
        cache.put(key, rows)
    return rows


def _search_archive(client: StorageClient, archive: dict[str, Any], inner: str,
                    region: str | None, matches: Callable[[str], bool], limit: int | None,
                    stop: CancelToken) -> list[dict[str, Any]]:
    """Matching members (and member folders) of one archive beneath its folder `inner`."""
    prefix = f"{inner}/" if inner else ""
    where = {"in_archive": True, "archive": archive["path"],
             "provider_id": archive.get("provider_id"), "region": archive.get("region")}
    found: list[dict[str, Any]] = []
    folders: set[str] = set()
    for name, size, compressed, created, method in _members(client, archive, region, stop):
        if not name.startswith(prefix) or name.endswith("/"):
            continue
        parts = name[len(prefix) :].split("/")
        # A member's folders match too, once each (the list names files only).
        for depth in range(1, len(parts)):
            folder = prefix + "/".join(parts[:depth])
            if folder not in folders:
                folders.add(folder)
                if matches(parts[depth - 1]):
                    found.append({**where, "name": parts[depth - 1], "member": folder + "/",
                                  "path": f"{archive['path']}/{folder}", "is_directory": True,
                                  "size_bytes": None, "creation_time": None})
        if matches(parts[-1]):
            found.append({**where, "name": parts[-1], "member": name,
                          "path": f"{archive['path']}/{name}", "is_directory": False,
                          "size_bytes": size, "creation_time": created,
                          "compressed_size": compressed, "compress_type": method})
        if limit is not None and len(found) >= limit:
            break
    return found


# -- the search --------------------------------------------------------------------------------


def find(client: StorageClient, query: str, path: str = "/", region: str | None = None,
         max_results: int | None = 1000, cancel: CancelToken | None = None, *,
         inside_archives: bool = False,
         progress: Callable[[FindProgress], None] | None = None) -> Iterator[dict[str, Any]]:
    """Entries whose name matches `query` beneath `path`; see `storage.iter_find`."""
    start = paths.normalize(path)
    inside = paths.archive_part(start) if start else None
    return _Search(client, matcher(query), region, max_results, cancel, progress,
                   inside_archives).run(start, inside)


class _Search:
    def __init__(self, client: StorageClient, matches: Callable[[str], bool],
                 region: str | None, max_results: int | None, cancel: CancelToken | None,
                 progress: Callable[[FindProgress], None] | None,
                 inside_archives: bool) -> None:
        self.client, self.matches, self.region = client, matches, region
        self.limit, self.cancel, self.report = max_results, cancel, progress
        self.inside_archives = inside_archives
        self.state = FindProgress()
        self.stop = CancelToken()  # ends the archive workers, whatever ends the search

    def _update(self, **changes: Any) -> None:
        self.state = replace(self.state, **changes)
        if self.report is not None:
            self.report(self.state)

    def _full(self) -> bool:
        return self.limit is not None and self.state.matches >= self.limit

    def _take(self, entries: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for entry in entries:
            if self._full():
                return
            self._update(matches=self.state.matches + 1)
            yield entry

    def _archive_region(self, entry: dict[str, Any]) -> str | None:
        if self.region != "all":
            return self.region
        return entry.get("region")  # a listing of every region says where each file is

    def run(self, start: str, inside: tuple[str, str] | None) -> Iterator[dict[str, Any]]:
        pool = ThreadPoolExecutor(max_workers=ARCHIVE_WORKERS,
                                  thread_name_prefix="storage-find")
        pending: dict[Future, str] = {}
        try:
            if inside is not None:  # searching from inside an archive: its members
                archive, inner = inside
                entry = self._archive_entry(archive)
                pending[self._submit(pool, entry, inner)] = archive
            else:
                yield from self._walk(start, pool, pending)
            while pending and not self._full():
                yield from self._collect(pending, block=True)
            self._update(done=True, truncated=self._full())
        finally:
            self.stop.cancel()
            pool.shutdown(wait=False, cancel_futures=True)

    def _archive_entry(self, archive: str) -> dict[str, Any]:
        from ._listing import stat

        entry = stat(self.client, archive, None if self.region == "all" else self.region)
        if entry.get("is_directory"):
            raise NotFoundError(f"{archive} is a folder, not an archive", status_code=404)
        return entry

    def _submit(self, pool: ThreadPoolExecutor, entry: dict[str, Any], inner: str = ""
                ) -> Future:
        room = None if self.limit is None else self.limit - self.state.matches
        return pool.submit(_search_archive, self.client, entry, inner,
                           self._archive_region(entry), self.matches, room, self.stop)

    def _walk(self, start: str, pool: ThreadPoolExecutor, pending: dict[Future, str]
              ) -> Iterator[dict[str, Any]]:
        folders = deque([start])
        while folders and not self._full():
            folder = folders.popleft()
            for entry in self.client.iter_contents(folder or "/", sort_by="name", order="asc",
                                                   region=self.region):
                check_cancel(self.cancel)
                full = f"{folder}/{entry['name']}" if folder else entry["name"]
                entry = {**entry, "path": full, "in_archive": False}
                if self.matches(entry["name"]):
                    yield from self._take([entry])
                    if self._full():
                        return
                if entry["is_directory"]:
                    folders.append(full)
                elif self.inside_archives and full.lower().endswith(".zip"):
                    pending[self._submit(pool, entry)] = full
                yield from self._collect(pending, block=False)
            self._update(folders=self.state.folders + 1)

    def _collect(self, pending: dict[Future, str], block: bool) -> Iterator[dict[str, Any]]:
        """Matches of the archives searched so far (waiting for one when `block`)."""
        check_cancel(self.cancel)
        if not pending:
            return
        ready = [f for f in pending if f.done()]
        if not ready and block:
            ready = list(wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)[0])
        for future in ready:
            archive = pending.pop(future)
            try:
                found = future.result()
            except TransferCancelled:
                raise
            except StorageError as exc:
                failures = self.state.failures
                if len(failures) < MAX_FAILURES_KEPT:
                    failures = (*failures, (archive, _reason(exc)))
                self._update(archives_failed=self.state.archives_failed + 1,
                             failures=failures)
                continue
            self._update(archives=self.state.archives + 1)
            yield from self._take(found)


def _reason(exc: StorageError) -> str:
    """The server's own words when it gave some (e.g. "... is not a readable ZIP archive")."""
    detail = getattr(exc, "detail", None)
    return detail if isinstance(detail, str) and detail else str(exc)
