"""Cached folder listings, so a page of a 100,000-entry folder does not stat the folder.

A folder's entries are read once (one `scandir` and one `stat` per entry) and kept with
the folder's own mtime and inode: any entry added, removed or replaced changes the
folder's mtime, so an outside change is noticed too. The server's own writes also drop
the entry at once, since two changes within one clock tick can share an mtime. Sorted
orders are computed on first use and kept alongside.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Entry:
    """One name in a folder."""

    name: str
    is_dir: bool
    size: int | None  # None for folders until computed
    mtime: float


@dataclass
class _Cached:
    stamp: tuple[int, int]
    entries: list[Entry]
    orders: dict[str, list[Entry]] = field(default_factory=dict)


def sort_key(key: str):
    if key == "name":
        return lambda e: e.name
    if key == "size":
        return lambda e: (e.size if e.size is not None else -1, e.name)
    return lambda e: (e.mtime, e.name)


def scan_folder(path: Path) -> list[Entry]:
    """Every regular file and folder directly in `path`; symlinks and others skipped."""
    entries = []
    with os.scandir(path) as it:
        for item in it:
            if item.is_symlink():
                continue
            try:
                st = item.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # removed while we scanned
            if item.is_dir(follow_symlinks=False):
                entries.append(Entry(item.name, True, None, st.st_mtime))
            elif item.is_file(follow_symlinks=False):
                entries.append(Entry(item.name, False, st.st_size, st.st_mtime))
            if len(entries) % 4096 == 0:
                time.sleep(0)  # a huge folder must not hold the interpreter from others
    return entries


class ListingCache:
    """An LRU of folder listings with their sorted orders, bounded by entries held.

    An entry costs about 200 bytes with its three sorted orders, so the default budget of
    300,000 entries holds about 60 MB, whatever the folders' count or size.
    """

    def __init__(self, max_folders: int = 256, max_entries: int = 300_000) -> None:
        self._max = max_folders
        self._max_entries = max_entries
        self._held = 0
        self._items: OrderedDict[str, _Cached] = OrderedDict()
        self._lock = threading.Lock()

    def sorted_entries(self, folder: Path, sort_by: str) -> list[Entry]:
        """The folder's entries sorted ascending by `sort_by` (name, size, creation_time)."""
        cached = self._get(folder)
        order = cached.orders.get(sort_by)
        if order is None:
            order = sorted(cached.entries, key=sort_key(sort_by))
            cached.orders[sort_by] = order
        return order

    def invalidate(self, folder: Path) -> None:
        with self._lock:
            dropped = self._items.pop(str(folder), None)
            if dropped is not None:
                self._held -= len(dropped.entries)

    def _get(self, folder: Path) -> _Cached:
        st = os.stat(folder)
        stamp = (st.st_mtime_ns, st.st_ino)
        key = str(folder)
        with self._lock:
            cached = self._items.get(key)
            if cached is not None and cached.stamp == stamp:
                self._items.move_to_end(key)
                return cached
        cached = _Cached(stamp, scan_folder(folder))
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._held -= len(old.entries)
            self._items[key] = cached
            self._held += len(cached.entries)
            # The newest listing stays even when it alone is over budget: it is in use.
            while len(self._items) > 1 and (len(self._items) > self._max
                                            or self._held > self._max_entries):
                _, evicted = self._items.popitem(last=False)
                self._held -= len(evicted.entries)
        return cached
