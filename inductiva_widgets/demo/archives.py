"""Zip archives written byte for byte the same on every host, with streamed large members."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO
from zipfile import ZIP_STORED

from .files import atomic_write
from .model import Member

_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=timezone.utc)


def _zip_info(name: str, when: datetime, method: int) -> zipfile.ZipInfo:
    when = max(when, _ZIP_EPOCH)
    info = zipfile.ZipInfo(name, (when.year, when.month, when.day,
                                  when.hour, when.minute, when.second))
    info.compress_type = method
    info.create_system = 3  # Unix everywhere, so the bytes do not depend on the host OS
    if name.endswith("/"):
        info.external_attr = (0o40755 << 16) | 0x10
    else:
        info.external_attr = 0o100644 << 16
    return info


def _parent_dirs(name: str) -> list[str]:
    parts = name.split("/")[:-1]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _add_member(zf: zipfile.ZipFile, member: Member, when: datetime) -> None:
    info = _zip_info(member.name, when, member.method)
    if member.stream is None:
        zf.writestr(info, member.data)
        return
    # Streamed so the large results never sit in memory whole.
    info.file_size = member.stream_size
    zip64 = member.stream_size >= zipfile.ZIP64_LIMIT
    with zf.open(info, "w", force_zip64=zip64) as dst:
        for chunk in member.stream():
            dst.write(chunk)


def write_zip(
    path: Path,
    members: Sequence[Member],
    *,
    member_time: datetime,
    file_time: datetime,
    dir_entries: bool = False,
) -> None:
    """Write ``members`` as a zip at ``path``; its members and the file get the given times.

    A member's own ``when`` overrides ``member_time``. With ``dir_entries`` the archive also
    holds an explicit entry for every folder, as some zip tools write them.
    """
    def fill(fh: BinaryIO) -> None:
        seen: set[str] = set()
        with zipfile.ZipFile(fh, "w") as zf:
            for member in members:
                when = member.when or member_time
                for folder in _parent_dirs(member.name) if dir_entries else ():
                    if folder not in seen:
                        seen.add(folder)
                        zf.writestr(_zip_info(folder, when, ZIP_STORED), b"")
                _add_member(zf, member, when)

    atomic_write(path, fill, file_time)
