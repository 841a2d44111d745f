"""`/storage/zip-contents` and `/storage/zip-file-range` over HTTP."""

from __future__ import annotations

import bz2
import lzma
import zipfile
import zlib

import pytest

from .helpers import make_zip, put, raw, signed

OUTPUT = {
    "artifacts/stdout.txt": b"step 1\nstep 2\nEnd\n" * 200,
    "artifacts/stderr.txt": b"",
    "artifacts/results/probes.csv": b"t,p\n" + b"0.1,3.2\n" * 500,
    "artifacts/results/deep/field.bin": bytes(range(256)) * 64,
}


@pytest.fixture
def archive(api):
    assert put(api, "task1/output.zip", make_zip(OUTPUT)).status_code == 200
    return "task1/output.zip"


def contents(api, **params):
    response = api.get("/storage/zip-contents", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_top_level_and_folder_listing(api, archive):
    top = contents(api, path=archive)
    assert [c["name"] for c in top["contents"]] == ["artifacts/"]
    for rel in ("artifacts", "artifacts/"):
        listing = contents(api, path=archive, zip_relative_path=rel)
        assert [c["name"] for c in listing["contents"]] == ["stdout.txt", "stderr.txt",
                                                            "results/"]
        assert listing["size"] == sum(len(v) for v in OUTPUT.values())
        stdout = listing["contents"][0]
        assert stdout["size"] == len(OUTPUT["artifacts/stdout.txt"])
        assert stdout["compress_type"] == 8
        assert stdout["compressed_size"] < stdout["size"]
        assert stdout["creation_time"] is not None
        folder = listing["contents"][2]
        assert folder["size"] is None and folder["compress_type"] is None


def test_recursive_listing_names_relative_paths(api, archive):
    listing = contents(api, path=archive, zip_relative_path="artifacts/results",
                       recursive="true")
    assert [c["name"] for c in listing["contents"]] == ["probes.csv", "deep/field.bin"]


def test_file_range_covers_compressed_bytes(api, archive):
    url = signed(api, archive)
    for folder, name in [("artifacts", "stdout.txt"), ("artifacts/", "stderr.txt"),
                         ("artifacts/results", "deep/field.bin"), ("", "artifacts/stdout.txt")]:
        rng = api.get("/storage/zip-file-range", params={
            "path": archive, "zip_relative_path": folder, "filename": name}).json()
        full = f"{folder.rstrip('/')}/{name}".lstrip("/")
        part = raw.get(url, headers={"Range": f"bytes={rng['range_start']}-{rng['range_end']}"})
        assert part.status_code == 206
        assert zlib.decompress(part.content, -15) == OUTPUT[full]
        assert rng["compress_type"] == 8


@pytest.mark.parametrize("method, inflate", [
    (zipfile.ZIP_STORED, lambda b: b),
    (zipfile.ZIP_BZIP2, bz2.decompress),
    (zipfile.ZIP_LZMA, None),
])
def test_other_methods(api, method, inflate):
    put(api, "t/m.zip", make_zip({"artifacts/a.txt": b"hello " * 1000}, method))
    listing = contents(api, path="t/m.zip", zip_relative_path="artifacts")
    assert listing["contents"][0]["compress_type"] == method
    rng = api.get("/storage/zip-file-range", params={
        "path": "t/m.zip", "zip_relative_path": "artifacts", "filename": "a.txt"}).json()
    data = raw.get(signed(api, "t/m.zip"),
                   headers={"Range": f"bytes={rng['range_start']}-{rng['range_end']}"}).content
    if inflate is None:  # zipfile's LZMA members carry a small properties header
        size = int.from_bytes(data[2:4], "little")
        props = lzma._decode_filter_properties(lzma.FILTER_LZMA1, data[4 : 4 + size])
        inflate = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[props]).decompress
        data = data[4 + size :]
    assert inflate(data) == b"hello " * 1000


def test_missing_member_and_folder_are_404(api, archive):
    response = api.get("/storage/zip-file-range", params={
        "path": archive, "zip_relative_path": "artifacts", "filename": "nope.txt"})
    assert response.status_code == 404 and "nope.txt" in response.json()["detail"]
    response = api.get("/storage/zip-contents", params={"path": archive,
                                                         "zip_relative_path": "nothing"})
    assert response.status_code == 404


def test_not_a_zip_is_422_and_missing_archive_404(api):
    put(api, "t/fake.zip", b"this is plain text, not an archive" * 10)
    response = api.get("/storage/zip-contents", params={"path": "t/fake.zip"})
    assert response.status_code == 422
    assert "not a readable ZIP" in response.json()["detail"]
    response = api.get("/storage/zip-contents", params={"path": "t/none.zip"})
    assert response.status_code == 404


def test_bomb_is_listed_from_its_directory_only(api):
    # 200 MB of zeros compresses to ~200 KB; listing must not inflate it.
    import io
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("artifacts/zeros.bin", "w") as member:
        block = bytes(1024 * 1024)
        for _ in range(200):
            member.write(block)
    put(api, "bomb/output.zip", buffer.getvalue())
    listing = contents(api, path="bomb/output.zip", zip_relative_path="artifacts")
    assert listing["contents"][0]["size"] == 200 * 1024 * 1024
    assert listing["contents"][0]["compressed_size"] < 1024 * 1024
