"""The shared central-directory reader against Python's zipfile and hand-made archives."""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

import pytest

from inductiva_widgets.protocol.zipdir import (
    BadZip,
    MemberNotFound,
    find_member,
    list_members,
    member_data_offset,
    read_central_directory,
)


def reader(data: bytes):
    calls = []

    def read_at(offset: int, size: int) -> bytes:
        calls.append((offset, size))
        return data[offset : offset + size]

    return read_at, calls


def build(members: dict[str, bytes], **kwargs) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", **kwargs) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED,
                                    zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_matches_zipfile_and_offsets_point_at_data(method):
    members = {"artifacts/stdout.txt": b"line\n" * 1000, "artifacts/a/b.csv": b"1,2\n" * 50,
               "top.txt": b"", "ünï/côde.txt": "héllo".encode()}
    data = build(members, compression=method)
    read_at, _ = reader(data)
    parsed = read_central_directory(read_at, len(data))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
    assert [m.name for m in parsed] == [i.filename for i in infos]
    for member, info in zip(parsed, infos, strict=True):
        assert member.size == info.file_size
        assert member.compressed_size == info.compress_size
        assert member.compress_type == method
        assert member.crc == info.CRC
        start = member_data_offset(read_at, member)
        raw = data[start : start + member.compressed_size]
        if method == zipfile.ZIP_DEFLATED:
            assert zlib.decompress(raw, -15) == members[member.name]
        elif method == zipfile.ZIP_STORED:
            assert raw == members[member.name]


def test_reads_only_the_tail_and_directory():
    big = bytes(5_000_000)
    data = build({"a.bin": big, "b.txt": b"x"}, compression=zipfile.ZIP_STORED)
    read_at, calls = reader(data)
    read_central_directory(read_at, len(data))
    assert sum(size for _, size in calls) < 70_000 + 200


def zip64_archive(payload: bytes) -> bytes:
    """One stored member whose central entry and end records use the ZIP64 forms."""
    name = b"artifacts/huge.bin"
    crc = zlib.crc32(payload)
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45, 0, 0, 0, 0x21, crc,
                        0xFFFFFFFF, 0xFFFFFFFF, len(name), 20)
    local += name + struct.pack("<HHQQ", 1, 16, len(payload), len(payload))
    extra = struct.pack("<HHQQQ", 1, 24, len(payload), len(payload), 0)
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45, 0, 0, 0, 0x21, crc,
                          0xFFFFFFFF, 0xFFFFFFFF, len(name), len(extra), 0, 0, 0, 0,
                          0xFFFFFFFF) + name + extra
    cd_offset = len(local) + len(payload)
    eocd64 = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, 1, 1,
                         len(central), cd_offset)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, cd_offset + len(central), 1)
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                       0xFFFFFFFF, 0)
    return local + payload + central + eocd64 + locator + eocd


def test_zip64_records_and_extra_fields():
    payload = b"0123456789" * 100
    data = zip64_archive(payload)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # the reference agrees it is valid
        assert zf.read("artifacts/huge.bin") == payload
    read_at, _ = reader(data)
    (member,) = read_central_directory(read_at, len(data))
    assert member.size == member.compressed_size == len(payload)
    start = member_data_offset(read_at, member)
    assert data[start : start + member.compressed_size] == payload


def test_zip64_from_zipfile_with_many_entries():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for i in range(70_000):  # more than 65,535 entries needs the ZIP64 end record
            zf.writestr(f"f{i}", b"")
    data = buffer.getvalue()
    read_at, _ = reader(data)
    parsed = read_central_directory(read_at, len(data))
    assert len(parsed) == 70_000 and parsed[-1].name == "f69999"


def test_bomb_costs_nothing():
    # Declared sizes of a terabyte: nothing is inflated, so listing is instant.
    payload = zlib.compress(b"\0" * 1000)[2:-4]
    data = bytearray(build({"bomb.bin": b"\0" * 1000}, compression=zipfile.ZIP_DEFLATED))
    cd = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, cd + 24, 2**32 - 2)  # uncompressed size field
    read_at, _ = reader(bytes(data))
    start = time.perf_counter()
    (member,) = read_central_directory(read_at, len(data))
    assert time.perf_counter() - start < 0.05
    assert member.size == 2**32 - 2 and member.compressed_size == len(payload)


@pytest.mark.parametrize("data", [b"", b"not a zip at all" * 10, b"PK\x05\x06" + b"\0" * 10])
def test_garbage_is_bad_zip(data):
    read_at, _ = reader(data)
    with pytest.raises(BadZip):
        read_central_directory(read_at, len(data))


def test_truncated_archive_is_bad_zip():
    data = build({"a.txt": b"hello" * 100})
    cut = data[: len(data) // 2] + data[-22:]  # end record kept, directory gone
    read_at, _ = reader(cut)
    with pytest.raises(BadZip):
        read_central_directory(read_at, len(cut))


def test_prepended_data_shifts_offsets():
    data = b"#!/bin/sh self-extractor stub\n" * 10 + build({"a.txt": b"hello"},
                                                          compression=zipfile.ZIP_STORED)
    read_at, _ = reader(data)
    (member,) = read_central_directory(read_at, len(data))
    start = member_data_offset(read_at, member)
    assert data[start : start + 5] == b"hello"


def test_listing_relative_names_with_implied_and_explicit_folders():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(zipfile.ZipInfo("artifacts/"), b"")
        zf.writestr("artifacts/stdout.txt", b"out")
        zf.writestr("artifacts/sub/a.txt", b"aa")
        zf.writestr("artifacts/sub/deep/b.txt", b"bbb")
        zf.writestr("other.txt", b"o")
    data = buffer.getvalue()
    read_at, _ = reader(data)
    members = read_central_directory(read_at, len(data))
    top = list_members(members, "", recursive=False)
    assert [n for n, _ in top.entries] == ["artifacts/", "other.txt"]
    for folder in ("artifacts", "artifacts/", "/artifacts/"):
        flat = list_members(members, folder, recursive=False)
        assert [n for n, _ in flat.entries] == ["stdout.txt", "sub/"]
        assert flat.total_size == 3 + 2 + 3
    deep = list_members(members, "artifacts", recursive=True)
    assert [n for n, _ in deep.entries] == ["stdout.txt", "sub/a.txt", "sub/deep/b.txt"]
    assert find_member(members, "artifacts/sub/a.txt").size == 2
    with pytest.raises(MemberNotFound):
        find_member(members, "artifacts/sub")
