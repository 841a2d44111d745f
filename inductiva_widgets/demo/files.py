"""Filesystem writes: folders staged then renamed into place, atomic files, timestamps."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO


def build_folder(root: Path, name: str, fill: Callable[[Path], None]) -> bool:
    """Build ``root/name`` in a hidden staging folder and rename it into place if still free."""
    final = root / name
    if os.path.lexists(final):
        return False
    stage = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=root))
    try:
        fill(stage)
        os.chmod(stage, 0o755)
        _stamp_folders(stage)
        os.rename(stage, final)
    except OSError:
        shutil.rmtree(stage, ignore_errors=True)
        if os.path.lexists(final):  # created by someone else meanwhile: theirs wins
            return False
        raise
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return True


def _stamp_folders(top: Path) -> None:
    """Give every folder the time of its earliest file, so listings sort folders by age."""
    for dirpath, _dirnames, filenames in os.walk(top, topdown=False):
        times = [os.stat(os.path.join(dirpath, f)).st_mtime for f in filenames]
        times += [os.stat(os.path.join(dirpath, d)).st_mtime for d in _dirnames]
        if times:
            os.utime(dirpath, (min(times), min(times)))


def atomic_write(path: Path, fill: Callable[[BinaryIO], object], when: datetime) -> None:
    """Write via a temporary sibling and ``os.replace`` so no half file gets the final name.

    No fsync: this is regenerable demo data, and syncing the large result would cost more than
    the whole generation.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would surprise tools reading the storage folder
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


def write_bytes(path: Path, data: bytes, when: datetime) -> None:
    """Write ``data`` atomically to ``path`` (parents created) and stamp it with ``when``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda fh: fh.write(data), when)
