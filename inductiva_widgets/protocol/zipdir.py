"""Reading a ZIP archive's central directory without touching member data.

Shared by the server (reading files on disk) and the client (reading remote archives
through HTTP Range requests): both hand in a `read_at(offset, size)` function. Only the
end-of-central-directory records, the central directory and, on demand, one local header
per member are read, so a ZIP bomb costs no more than an honest archive. ZIP64 included.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

__all__ = [
    "BadZip",
    "CentralDirectory",
    "MemberNotFound",
    "ZipListing",
    "ZipMember",
    "MemberWalk",
    "find_member",
    "list_members",
    "member_data_offset",
    "normalize_folder",
    "read_central_directory",
]

ReadAt = Callable[[int, int], bytes]

_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD_SIG = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sIQI")
_ZIP64_LOCATOR_SIG = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")
_ZIP64_EOCD_SIG = b"PK\x06\x06"
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_CENTRAL_SIG = b"PK\x01\x02"
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIG = b"PK\x03\x04"
_MAX_COMMENT = 0xFFFF
# A central directory larger than this is not an archive we serve: 64 MiB holds about
# 700,000 members with 50-character names.
MAX_CENTRAL_DIRECTORY = 64 * 1024 * 1024


class BadZip(ValueError):
    """The bytes are not a readable ZIP archive."""


class MemberNotFound(KeyError):
    """No member of that name in the archive."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "member not found"


@dataclass(frozen=True, slots=True)
class ZipMember:
    """One central-directory entry."""

    name: str
    size: int
    compressed_size: int
    compress_type: int
    header_offset: int
    flags: int
    crc: int
    modified: datetime | None

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")

    @property
    def encrypted(self) -> bool:
        return bool(self.flags & 0x1)


def read_central_directory(read_at: ReadAt, size: int, *,
                           max_directory: int = MAX_CENTRAL_DIRECTORY,
                           pause: Callable[[], None] | None = None) -> CentralDirectory:
    """Every member of the archive of `size` bytes, in central-directory order.

    Every entry is checked here, so reading members later cannot fail.
    A central directory over `max_directory` bytes is refused (BadZip) before it is read.
    `pause` is called every few thousand entries, so a caller can let other threads run.
    """
    if size < _EOCD.size:
        raise BadZip("not a ZIP archive: too short")
    tail_len = min(size, _EOCD.size + _MAX_COMMENT)
    tail_start = size - tail_len
    tail = read_at(tail_start, tail_len)
    pos = tail.rfind(_EOCD_SIG)
    while pos >= 0:
        # A signature too close to the end is a truncated record (or data): look further back.
        if pos + _EOCD.size <= len(tail):
            fields = _EOCD.unpack_from(tail, pos)
            if pos + _EOCD.size + fields[7] <= len(tail):
                break
        pos = tail.rfind(_EOCD_SIG, 0, pos)
    if pos < 0:
        raise BadZip("not a ZIP archive: no end of central directory record")
    eocd_offset = tail_start + pos
    _, _, _, _, count, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, pos)
    if count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
        count, cd_size, cd_offset = _read_zip64_end(read_at, eocd_offset)
        cd_end = eocd_offset - _ZIP64_LOCATOR.size - _ZIP64_EOCD.size
    else:
        cd_end = eocd_offset
    if cd_size > max_directory:
        raise BadZip(f"its central directory has {cd_size:,} bytes, more than the "
                     f"{max_directory:,} this server reads (about {max_directory // 100:,} "
                     "members); download the archive instead")
    # Data prepended to the archive (self-extractors) shifts every offset by the same amount.
    shift = cd_end - cd_size - cd_offset
    if cd_offset + shift < 0 or shift < 0:
        raise BadZip("corrupt ZIP archive: central directory offset out of range")
    directory = read_at(cd_offset + shift, cd_size) if cd_size else b""
    if len(directory) != cd_size:
        raise BadZip("corrupt ZIP archive: central directory is truncated")
    starts = array("I")
    pos = 0
    while pos < len(directory):
        starts.append(pos)
        pos = _entry_end(directory, pos, shift, size)
        if pause is not None and len(starts) % 2048 == 0:
            pause()
    if len(starts) != count:
        raise BadZip(f"corrupt ZIP archive: {len(starts)} entries, {count} declared")
    return CentralDirectory(directory, starts, shift)


class CentralDirectory(Sequence[ZipMember]):
    """The members of an archive, kept as the raw central directory plus where each entry
    starts: about a third of the memory of parsed members, which are built when read."""

    def __init__(self, raw: bytes, starts: array, shift: int) -> None:
        self._raw = raw
        self._starts = starts
        self._shift = shift

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, index):  # noqa: ANN001 - int or slice, as Sequence has it
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return _member_at(self._raw, self._starts[index], self._shift)

    def __iter__(self) -> Iterator[ZipMember]:
        raw, shift = self._raw, self._shift
        for start in self._starts:
            yield _member_at(raw, start, shift)

    @property
    def nbytes(self) -> int:
        """Memory held, in bytes (roughly)."""
        return len(self._raw) + self._starts.itemsize * len(self._starts)

    def find(self, name: str) -> ZipMember:
        """The file member called `name`, found by a byte search of the directory."""
        for encoded in {name.encode("utf-8"), _cp437(name)} - {None}:
            pos = self._raw.find(encoded)
            while pos >= 0:
                start = pos - _CENTRAL.size
                if start >= 0 and self._raw[start : start + 4] == _CENTRAL_SIG:
                    member = _member_at(self._raw, start, self._shift)
                    if member.name == name and not member.is_dir:
                        return member
                pos = self._raw.find(encoded, pos + 1)
        raise MemberNotFound(f"no file {name!r} in the archive")


def _cp437(name: str) -> bytes | None:
    try:
        return name.encode("cp437")
    except UnicodeEncodeError:
        return None


def _read_zip64_end(read_at: ReadAt, eocd_offset: int) -> tuple[int, int, int]:
    locator_offset = eocd_offset - _ZIP64_LOCATOR.size
    if locator_offset < 0:
        raise BadZip("corrupt ZIP64 archive: no locator")
    locator = read_at(locator_offset, _ZIP64_LOCATOR.size)
    if len(locator) != _ZIP64_LOCATOR.size or locator[:4] != _ZIP64_LOCATOR_SIG:
        raise BadZip("corrupt ZIP64 archive: bad locator signature")
    # The locator's offset ignores prepended data; the record sits right before it anyway.
    record_offset = locator_offset - _ZIP64_EOCD.size
    if record_offset < 0:
        raise BadZip("corrupt ZIP64 archive: no end record")
    record = read_at(record_offset, _ZIP64_EOCD.size)
    if len(record) != _ZIP64_EOCD.size or record[:4] != _ZIP64_EOCD_SIG:
        raise BadZip("corrupt ZIP64 archive: bad end record signature")
    fields = _ZIP64_EOCD.unpack(record)
    return fields[7], fields[8], fields[9]


def _entry_end(directory: bytes, pos: int, shift: int, archive_size: int) -> int:
    """Check the central entry at `pos` and return where the next one starts."""
    if len(directory) - pos < _CENTRAL.size:
        raise BadZip("corrupt ZIP archive: truncated central directory entry")
    fields = _CENTRAL.unpack_from(directory, pos)
    if fields[0] != _CENTRAL_SIG:
        raise BadZip("corrupt ZIP archive: bad central directory signature")
    name_len, extra_len, comment_len, offset = fields[10], fields[11], fields[12], fields[16]
    start = pos + _CENTRAL.size
    end = start + name_len + extra_len + comment_len
    if end > len(directory):
        raise BadZip("corrupt ZIP archive: entry runs past the central directory")
    if offset == 0xFFFFFFFF or fields[8] == 0xFFFFFFFF or fields[9] == 0xFFFFFFFF:
        extra = directory[start + name_len : start + name_len + extra_len]
        _, _, offset = _apply_zip64_extra(extra, fields[9], fields[8], offset)
    if offset + shift + _LOCAL.size > archive_size:
        raise BadZip("corrupt ZIP archive: member header offset out of range")
    return end


def _member_at(directory: bytes, pos: int, shift: int) -> ZipMember:
    """The member whose (already checked) central entry starts at `pos`."""
    (_, _, _, flags, method, dos_time, dos_date, crc, csize, usize,
     name_len, extra_len, _, _, _, _, offset) = _CENTRAL.unpack_from(directory, pos)
    start = pos + _CENTRAL.size
    raw_name = directory[start : start + name_len]
    extra = directory[start + name_len : start + name_len + extra_len]
    usize, csize, offset = _apply_zip64_extra(extra, usize, csize, offset)
    return ZipMember(
        name=raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace"),
        size=usize,
        compressed_size=csize,
        compress_type=method,
        header_offset=offset + shift,
        flags=flags,
        crc=crc,
        modified=_modified(extra, dos_date, dos_time),
    )


def _apply_zip64_extra(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    for tag, data in _extra_fields(extra):
        if tag != 0x0001:
            continue
        values = list(struct.unpack_from(f"<{len(data) // 8}Q", data))
        # Only the fields saturated in the fixed header are present, in this order.
        if usize == 0xFFFFFFFF and values:
            usize = values.pop(0)
        if csize == 0xFFFFFFFF and values:
            csize = values.pop(0)
        if offset == 0xFFFFFFFF and values:
            offset = values.pop(0)
    return usize, csize, offset


def _extra_fields(extra: bytes) -> Iterable[tuple[int, bytes]]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        yield tag, extra[pos + 4 : pos + 4 + length]
        pos += 4 + length


def _modified(extra: bytes, dos_date: int, dos_time: int) -> datetime | None:
    for tag, data in _extra_fields(extra):
        # The "UT" extended timestamp holds a real UTC mtime; prefer it to DOS local time.
        if tag == 0x5455 and len(data) >= 5 and data[0] & 1:
            return datetime.fromtimestamp(struct.unpack_from("<i", data, 1)[0], timezone.utc)
    try:
        return datetime(
            1980 + (dos_date >> 9),
            (dos_date >> 5) & 0xF,
            dos_date & 0x1F,
            dos_time >> 11,
            (dos_time >> 5) & 0x3F,
            (dos_time & 0x1F) * 2,
            tzinfo=timezone.utc,
        )
    except ValueError:
        return None


def member_data_offset(read_at: ReadAt, member: ZipMember) -> int:
    """Offset of the member's compressed bytes: just past its local header."""
    header = read_at(member.header_offset, _LOCAL.size)
    if len(header) != _LOCAL.size:
        raise BadZip(f"corrupt ZIP archive: local header of {member.name!r} is truncated")
    fields = _LOCAL.unpack(header)
    if fields[0] != _LOCAL_SIG:
        raise BadZip(f"corrupt ZIP archive: bad local header for {member.name!r}")
    return member.header_offset + _LOCAL.size + fields[9] + fields[10]


@dataclass(frozen=True)
class ZipListing:
    """Members under a folder of the archive, named relative to that folder."""

    entries: list[tuple[str, ZipMember | None]]  # (relative name, member); None for folders
    total_size: int  # uncompressed bytes of every file under the folder


def normalize_folder(folder: str) -> str:
    """`"artifacts"`, `"artifacts/"` and `"/artifacts"` all name the same folder."""
    folder = folder.strip("/")
    return folder + "/" if folder else ""


class MemberWalk:
    """`(relative name, member)` under `folder` (a path inside the archive, `""` for the top).

    Non-recursive: files directly in the folder and its immediate sub-folders (named with a
    trailing `/`, `member` None), implied folders included. Recursive: every file beneath
    the folder, named by its path relative to it. Lazy, so a listing of a huge archive can
    be streamed; `total_size` (uncompressed bytes of every file beneath the folder) is
    complete once the walk has been iterated to its end.
    """

    def __init__(self, members: Iterable[ZipMember], folder: str, recursive: bool) -> None:
        self._members = members
        self._prefix = normalize_folder(folder)
        self._recursive = recursive
        self.total_size = 0

    def __iter__(self) -> Iterator[tuple[str, ZipMember | None]]:
        prefix, recursive = self._prefix, self._recursive
        seen_dirs: set[str] = set()
        for member in self._members:
            if not member.name.startswith(prefix) or member.name == prefix:
                continue
            rel = member.name[len(prefix) :]
            if not member.is_dir:
                self.total_size += member.size
            if recursive:
                if not member.is_dir:
                    yield rel, member
                continue
            head, sep, _ = rel.partition("/")
            if sep:
                if head + "/" not in seen_dirs:
                    seen_dirs.add(head + "/")
                    yield head + "/", None
            else:
                yield rel, member


def list_members(members: Iterable[ZipMember], folder: str, recursive: bool) -> ZipListing:
    """A `MemberWalk` collected, with the folder's total size."""
    walk = MemberWalk(members, folder, recursive)
    entries = list(walk)
    return ZipListing(entries=entries, total_size=walk.total_size)


def find_member(members: Iterable[ZipMember], name: str) -> ZipMember:
    """The file member called `name` (a path inside the archive)."""
    if isinstance(members, CentralDirectory):
        return members.find(name)
    for member in members:
        if member.name == name and not member.is_dir:
            return member
    raise MemberNotFound(f"no file {name!r} in the archive")
