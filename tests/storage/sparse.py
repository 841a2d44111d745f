"""Sparse files for big-archive tests and benchmarks: archives of hundreds of MB that cost
almost no disk. Benchmarks import it too (`benchmarks/gather.py`, with the repo on sys.path).
"""

from __future__ import annotations

import os
from typing import BinaryIO

MiB = 1024 * 1024
ZERO = bytes(MiB)  # write zeros in pieces of at most this size to make holes


class HoleWriter:
    """A file whose runs of zeros become holes (sparse), for `zipfile.ZipFile(HoleWriter(fh))`.

    A write of at least 4 KiB of zeros (and at most `len(ZERO)`) seeks past them instead.
    """

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh

    def write(self, data: bytes) -> int:
        if len(data) >= 4096 and memoryview(ZERO)[: len(data)] == data:
            self._fh.seek(len(data), os.SEEK_CUR)
        else:
            self._fh.write(data)
        return len(data)

    def tell(self) -> int:
        return self._fh.tell()

    def seek(self, *args: int) -> int:
        return self._fh.seek(*args)

    def flush(self) -> None:
        self._fh.flush()
