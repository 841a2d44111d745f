"""ZIP archives in the store: central directories cached by file identity."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path

from ..protocol.zipdir import (
    BadZip,
    ZipMember,
    member_data_offset,
    read_central_directory,
)


class _Archive:
    def __init__(self, path: Path, members: list[ZipMember]) -> None:
        self.path = path
        self.members = members
        self._offsets: dict[str, int] = {}

    def data_offset(self, member: ZipMember) -> int:
        offset = self._offsets.get(member.name)
        if offset is None:
            with open(self.path, "rb") as fh:
                offset = member_data_offset(lambda o, n: os.pread(fh.fileno(), n, o), member)
            self._offsets[member.name] = offset
        return offset


class ZipCache:
    """Read each archive's central directory once per version of the file."""

    def __init__(self, max_archives: int = 32) -> None:
        self._max = max_archives
        self._items: OrderedDict[tuple, _Archive] = OrderedDict()
        self._lock = threading.Lock()

    def archive(self, path: Path) -> _Archive:
        st = path.stat()
        key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        with open(path, "rb") as fh:
            fd = fh.fileno()
            members = read_central_directory(lambda o, n: os.pread(fd, n, o), st.st_size)
        archive = _Archive(path, members)
        with self._lock:
            self._items[key] = archive
            while len(self._items) > self._max:
                self._items.popitem(last=False)
        return archive


__all__ = ["BadZip", "ZipCache"]
