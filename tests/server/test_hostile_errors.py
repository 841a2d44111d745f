"""Hostile inputs that used to answer 500: each is now a 4xx or 507 with a JSON detail.

Real server process, real HTTP. Covers paths too long for the filesystem, broken archives,
folder trees deeper than Python's recursion limit, races between writers, and a full disk.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import threading
import time
import zipfile
from io import BytesIO
from pathlib import Path

import httpx
import pytest

from inductiva_widgets.server.fstree import remove_tree

from .serverproc import OTHER_KEY, ServerProcess, assert_clean_error, region_root, upload

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def proc(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("errors") / "storage") as server:
        yield server
        assert server.alive()
        assert "Traceback" not in server.log_text()


@pytest.fixture
def api(proc):
    with proc.client() as client:
        yield client


# -- paths longer than the filesystem takes ------------------------------------------------

LONG = "/".join(["é" * 80] * 40)  # 3,239 characters, 6,439 bytes on disk: over PATH_MAX


def test_paths_too_long_for_the_disk_are_422_on_every_route(api):
    assert len(LONG) < 4096 < len(LONG.encode())
    calls = [
        ("GET", "/storage/contents", {"path": LONG}),
        ("GET", "/storage/signed-urls", {"paths": [LONG], "operation": "upload"}),
        ("GET", "/storage/signed-urls", {"paths": [LONG], "operation": "download"}),
        ("POST", "/storage/copy", {"source": LONG, "target": "x/y"}),
        ("POST", "/storage/copy", {"source": "x/y", "target": LONG}),
        ("DELETE", "/storage/", {"path": LONG}),
        ("GET", "/storage/zip-contents", {"path": LONG + ".zip"}),
        ("GET", "/storage/zip-file-range", {"path": LONG + ".zip", "filename": "a"}),
        ("POST", "/storage/input_remote", {"url": "http://127.0.0.1:9/", "path": LONG}),
    ]
    for method, route, params in calls:
        response = api.request(method, route, params=params)
        body = assert_clean_error(response, 422)
        assert "too long" in str(body["detail"]), (route, body)
    response = api.post("/storage/export_multipart", json={
        "path": LONG, "parts_size": 5 << 20, "complete_multipart_url": "http://127.0.0.1:9/",
        "upload_parts": [{"part_number": 1, "part_url": "http://127.0.0.1:9/"}]})
    assert_clean_error(response, 422)
    # The same connection still answers.
    assert api.get("/storage/contents", params={"path": "/"}).status_code == 200


def test_one_name_too_long_in_bytes_is_422(api):
    name = "ü" * 200  # 200 characters, 400 bytes: over the 255-byte name limit
    response = api.get("/storage/signed-urls",
                       params={"paths": [f"t/{name}"], "operation": "upload"})
    assert_clean_error(response, 422)


# -- broken archives ------------------------------------------------------------------------

def _zip(members: dict[str, bytes]) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_truncated_end_record_is_422(api):
    good = _zip({"a.txt": b"hello"})
    eocd = good.rfind(b"PK\x05\x06")
    variants = {
        "cut-eocd.zip": good[: eocd + 10],  # signature present, record cut short
        "only-sig.zip": b"x" * 100 + b"PK\x05\x06",
        "zip64-cut.zip": good[:eocd] + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0,
                                                   0xFFFF, 0xFFFF, 0xFFFFFFFF,
                                                   0xFFFFFFFF, 0),
    }
    for name, data in variants.items():
        assert upload(api, f"broken/{name}", data).status_code == 200
        for route, extra in (("/storage/zip-contents", {}),
                             ("/storage/zip-file-range", {"filename": "a.txt"})):
            response = api.get(route, params={"path": f"broken/{name}", **extra})
            assert_clean_error(response, 422)


def test_central_entry_pointing_at_no_local_header(api):
    good = bytearray(_zip({"a.txt": b"hello", "b.txt": b"world"}))
    # Overwrite the first local header's signature: its central entry now points at junk.
    assert good[:4] == b"PK\x03\x04"
    good[:4] = b"JUNK"
    assert upload(api, "broken/nolocal.zip", bytes(good)).status_code == 200
    listing = api.get("/storage/zip-contents", params={"path": "broken/nolocal.zip"})
    assert listing.status_code == 200
    starts = {c["name"]: c["range_start"] for c in listing.json()["contents"]}
    assert starts["a.txt"] is None and starts["b.txt"] is not None
    response = api.get("/storage/zip-file-range",
                       params={"path": "broken/nolocal.zip", "filename": "a.txt"})
    assert "local header" in assert_clean_error(response, 422)["detail"]


# -- trees deeper than the recursion limit --------------------------------------------------

DEPTH = 1900


def _deep_tree(base: Path) -> Path:
    deep = base
    for _ in range(DEPTH + 1):  # os.makedirs itself recurses
        deep.mkdir()
        deep = deep / "d"
    deep = deep.parent
    (deep / "bottom.txt").write_bytes(b"x" * 10)
    (base / "top.txt").write_bytes(b"y" * 5)
    return deep


def test_a_1900_level_tree_is_sized_listed_signed_copied_and_deleted(proc):
    root = region_root(proc, OTHER_KEY)
    try:
        with proc.client(OTHER_KEY) as api:  # a storage of its own: sizes are exact
            _deep_tree_checks(proc, api, root)
    finally:
        # pytest's own clean-up of tmp_path recurses, so the tree must not outlive the test.
        for name in ("deep", "copy1"):
            remove_tree(root / name)


def _deep_tree_checks(proc: ServerProcess, api: httpx.Client, root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    _deep_tree(root / "deep")
    deep_path = "deep/" + "/".join(["d"] * DEPTH) + "/bottom.txt"
    assert api.get("/storage/size").json() == 15
    assert api.get("/storage/cost").status_code == 200
    assert api.get("/users/costs").status_code == 200
    listing = api.get("/storage/contents", params={"path": "/", "recursive": "true"})
    assert listing.status_code == 200, listing.text
    assert {c["name"]: c["size_bytes"] for c in listing.json()["contents"]}["deep"] == 15
    urls = api.get("/storage/signed-urls", params={"paths": ["deep/"], "operation": "download"})
    assert urls.status_code == 200 and len(urls.json()) == 2
    assert api.post("/storage/copy", params={"source": "deep/", "target": "copy1"}).json() == {}
    assert (root / "copy1" / deep_path.split("/", 1)[1]).read_bytes() == b"x" * 10
    # Merged into an existing folder, too.
    assert api.post("/storage/copy", params={"source": "deep/", "target": "copy1"}).json() == {}
    for folder in ("deep/", "copy1/"):
        assert api.delete("/storage/", params={"path": folder}).status_code == 200
    assert not (root / "deep").exists() and not (root / "copy1").exists()
    assert list((proc.root / ".tmp").iterdir()) == []


# -- writers racing for the same name --------------------------------------------------------

def _slow_put(url: str, first: bytes, rest: bytes, gate: threading.Event) -> str:
    """A real PUT that sends part of its body, waits for `gate`, then finishes."""
    parts = httpx.URL(url)
    with socket.create_connection((parts.host, parts.port)) as sock:
        target = parts.raw_path.decode()
        head = (f"PUT {target} HTTP/1.1\r\nHost: {parts.host}\r\n"
                f"Content-Length: {len(first) + len(rest)}\r\nConnection: close\r\n\r\n")
        sock.sendall(head.encode() + first)
        gate.wait(30)
        sock.sendall(rest)
        with sock.makefile("rb") as answer:
            return answer.read().decode(errors="replace")


def _signed(api: httpx.Client, path: str) -> str:
    response = api.get("/storage/signed-urls", params={"paths": [path], "operation": "upload"})
    response.raise_for_status()
    return response.json()[0]


@pytest.mark.parametrize("slow_one", ["race/a/x", "race/b/x/y"])
def test_a_file_and_a_folder_of_the_same_name_written_at_once(proc, api, slow_one):
    base = "race/a" if slow_one == "race/a/x" else "race/b"
    file_path, inner_path = f"{base}/x", f"{base}/x/y"
    gate = threading.Event()
    result: list[str] = []
    slow = file_path if slow_one.endswith("/x") else inner_path
    fast = inner_path if slow == file_path else file_path
    url = _signed(api, slow)
    thread = threading.Thread(target=lambda: result.append(
        _slow_put(url, b"a" * 1000, b"b" * 1000, gate)))
    thread.start()
    time.sleep(0.3)
    assert upload(api, fast, b"fast").status_code == 200
    gate.set()
    thread.join(30)
    status_line = result[0].split("\r\n", 1)[0]
    assert " 409 " in status_line, result[0][:300]
    assert '"detail"' in result[0] and "/tmp" not in result[0]
    # The one that finished first is intact; the other left nothing behind.
    root = region_root(proc)
    if fast == inner_path:
        assert (root / inner_path).read_bytes() == b"fast"
    else:
        assert (root / file_path).read_bytes() == b"fast"
    assert list((proc.root / ".tmp").iterdir()) == []


# -- a full disk ----------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A real 8 MiB filesystem (tmpfs), so that writes really meet ENOSPC."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_copies_and_uploads_on_a_full_disk_are_507_and_leave_nothing(small_disk):
    with ServerProcess(small_disk / "storage") as server, server.client() as api:
        root = region_root(server)
        for i in range(3):
            assert upload(api, f"src/f{i}.bin", os.urandom(1 << 20)).status_code == 200
        assert upload(api, "dst/keep.txt", b"keep").status_code == 200
        filler = small_disk / "filler"
        with open(filler, "wb") as fh:  # leave about 1.5 MiB free
            fh.write(b"\0" * (8 * 1024 * 1024 - 3 * (1 << 20) - (1 << 20) - 1536 * 1024))
        for target in ("newcopy", "dst"):  # into a new folder, and merged into an existing one
            response = api.post("/storage/copy", params={"source": "src/", "target": target})
            assert "disk" in assert_clean_error(response, 507)["detail"]
        assert not (root / "newcopy").exists()
        assert sorted(p.name for p in (root / "dst").iterdir()) == ["keep.txt"]
        response = upload(api, "src/big.bin", b"z" * (3 << 20))
        assert_clean_error(response, 507)
        assert not (root / "src" / "big.bin").exists()
        assert list((small_disk / "storage" / ".tmp").iterdir()) == []
        filler.unlink()
        assert api.post("/storage/copy", params={"source": "src/", "target": "dst"}).json() == {}
        assert sorted(p.name for p in (root / "dst").iterdir()) == [
            "f0.bin", "f1.bin", "f2.bin", "keep.txt"]
        assert server.alive()
