"""ZIP archives in the store: central directories cached by file identity, bounded in bytes.

One key can upload archives whose central directories are huge; what that costs the server
is bounded four ways: an archive with more than `max_members` members, or a central
directory over 32 MiB, is refused (422, the user is told to download it instead); a
directory is kept as its raw bytes (members are built as they are read); directories are
cached within a byte budget, not a count; and only one is read at a time, handing the
interpreter to other threads every few thousand entries so that other users' requests keep
flowing.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

from ..protocol.zipdir import (
    BadZip,
    CentralDirectory,
    ZipMember,
    member_data_offset,
    read_central_directory,
)

# Directories are kept raw (about 100 bytes per member); members are built when read.
MAX_MEMBERS = 200_000
MAX_DIRECTORY = 32 * 1024 * 1024
CACHE_BYTES = 64 * 1024 * 1024
MAX_OFFSETS = 4096


class _Archive:
    def __init__(self, path: Path, members: CentralDirectory) -> None:
        self.path = path
        self.members = members
        self.cost = members.nbytes
        self._offsets: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def data_offset(self, member: ZipMember, fd: int | None = None) -> int:
        """Where the member's compressed bytes start (reads its local header)."""
        with self._lock:
            offset = self._offsets.get(member.name)
        if offset is not None:
            return offset
        if fd is None:
            with open(self.path, "rb") as fh:
                offset = member_data_offset(lambda o, n: os.pread(fh.fileno(), n, o), member)
        else:
            offset = member_data_offset(lambda o, n: os.pread(fd, n, o), member)
        with self._lock:
            self._offsets[member.name] = offset
            # Bounded: a listing of every member must not grow this without limit.
            while len(self._offsets) > MAX_OFFSETS:
                self._offsets.popitem(last=False)
        return offset


class ZipCache:
    """Read each archive's central directory once per version of the file."""

    def __init__(self, budget: int = CACHE_BYTES, max_members: int = MAX_MEMBERS) -> None:
        self.budget = budget
        self.max_members = max_members
        self._items: OrderedDict[tuple, _Archive] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()
        self._parse_lock = threading.Lock()

    def archive(self, path: Path) -> _Archive:
        """The parsed archive at `path`; BadZip if it is not one this server reads."""
        st = path.stat()
        key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
        found = self._lookup(key)
        if found is not None:
            return found
        # One parse at a time bounds the transient memory; a request waiting here for the
        # same archive finds it cached when its turn comes.
        with self._parse_lock:
            found = self._lookup(key)
            if found is not None:
                return found
            archive = _Archive(path, self._parse(path, st.st_size))
        with self._lock:
            if archive.cost <= self.budget:
                self._items[key] = archive
                self._used += archive.cost
                while self._used > self.budget:
                    _, old = self._items.popitem(last=False)
                    self._used -= old.cost
        return archive

    def _lookup(self, key: tuple) -> _Archive | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def _parse(self, path: Path, size: int) -> CentralDirectory:
        counted = 0

        def pause() -> None:
            nonlocal counted
            counted += 2048
            if counted > self.max_members:
                raise BadZip(f"it has more than {self.max_members:,} members, more than this "
                             "server lists; download the archive instead")
            time.sleep(0)  # let the event loop and other requests run

        with open(path, "rb") as fh:
            fd = fh.fileno()
            members = read_central_directory(lambda o, n: os.pread(fd, n, o), size,
                                             max_directory=MAX_DIRECTORY, pause=pause)
        if len(members) > self.max_members:
            raise BadZip(f"it has {len(members):,} members, more than the "
                         f"{self.max_members:,} this server lists; download the archive instead")
        return members

    @property
    def used_bytes(self) -> int:
        """Estimated bytes held by cached directories."""
        return self._used


__all__ = ["BadZip", "ZipCache"]
