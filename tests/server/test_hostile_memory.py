"""Memory that one key can drive: the server stays under 300 MB of RSS whatever it sends.

Real server process, real HTTP; the bound is read from the process's VmHWM (peak RSS).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib

import httpx
import pytest

from .serverproc import (
    OTHER_KEY,
    ServerProcess,
    assert_clean_error,
    empty_files,
    region_root,
    upload,
)

pytestmark = pytest.mark.timeout(300)
RSS_BOUND_MB = 300


def many_member_zip(count: int, name_len: int = 40) -> bytes:
    """An archive with `count` central entries, all pointing at one small local member.

    Built by hand: zipfile takes minutes for a million members, this takes a second.
    """
    data = b"hello"
    crc = zlib.crc32(data)
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x21, crc, 5, 5, 1, 0)
    local += b"a" + data
    entries = []
    for i in range(count):
        name = f"artifacts/step_{i:09d}/".encode() + b"f" * max(0, name_len - 25) + b".csv"
        entries.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 0, 0,
                                   0x21, crc, 5, 5, len(name), 0, 0, 0, 0, 0, 0) + name)
    directory = b"".join(entries)
    offset = len(local)
    if count < 0xFFFF:
        end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(directory),
                          offset, 0)
    else:  # ZIP64 end records for the entry count
        z64 = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count,
                          len(directory), offset)
        locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, offset + len(directory), 1)
        end = z64 + locator + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF,
                                          0xFFFFFFFF, 0xFFFFFFFF, 0)
    return local + directory + end


@pytest.fixture(scope="module")
def proc(tmp_path_factory):
    with ServerProcess(tmp_path_factory.mktemp("memory") / "storage") as server:
        yield server


def _listing_latency(server: ServerProcess, stop: threading.Event, out: list[float]) -> None:
    with server.client(OTHER_KEY) as other:
        while not stop.is_set():
            start = time.perf_counter()
            assert other.get("/storage/contents", params={"path": "/"}).status_code == 200
            out.append(time.perf_counter() - start)
            time.sleep(0.02)


def test_huge_central_directories_reuploaded_stay_bounded(proc):
    """A 60 MB central directory, under a dozen names: refused before it is read."""
    huge = many_member_zip(700_000)
    assert len(huge) > 60_000_000
    with proc.client() as api:
        for i in range(12):
            assert upload(api, f"bombs/huge{i}.zip", huge).status_code == 200
        for i in range(12):
            start = time.perf_counter()
            response = api.get("/storage/zip-contents", params={"path": f"bombs/huge{i}.zip"})
            assert "download the archive instead" in assert_clean_error(response, 422)["detail"]
            assert time.perf_counter() - start < 2
    assert proc.peak_rss_mb() < RSS_BOUND_MB, proc.peak_rss_mb()


def test_the_largest_listable_archives_many_times_over(proc):
    """Archives just under the member cap, listed whole under many names, concurrently:
    the cache holds a byte budget, answers are streamed, and other users keep being served."""
    big = many_member_zip(140_000)
    with proc.client() as api:
        for i in range(8):
            assert upload(api, f"big/a{i}.zip", big).status_code == 200
    stop, latencies = threading.Event(), []
    watcher = threading.Thread(target=_listing_latency, args=(proc, stop, latencies))
    watcher.start()
    errors = []

    def lister(i: int) -> None:
        with proc.client(timeout=120) as api:
            for round_ in range(2):
                name = f"big/a{(i + round_ * 4) % 8}.zip"
                response = api.get("/storage/zip-contents",
                                   params={"path": name, "recursive": "true"})
                if response.status_code != 200:
                    errors.append(response.status_code)
                elif len(response.json()["contents"]) != 140_000:
                    errors.append(len(response.json()["contents"]))

    try:
        threads = [threading.Thread(target=lister, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(240)
    finally:
        stop.set()
        watcher.join()
    assert errors == []
    assert proc.peak_rss_mb() < RSS_BOUND_MB, proc.peak_rss_mb()
    latencies.sort()
    assert latencies and latencies[int(len(latencies) * 0.95)] < 1.0, latencies[-5:]


def test_signed_urls_for_the_same_folder_many_times(proc):
    root = region_root(proc)
    (root / "many").mkdir(parents=True)
    for i in range(1000):
        (root / "many" / f"f{i:04d}.txt").write_bytes(b"x")
    with proc.client() as api:
        paths = ["many/"] * 1500 + ["many/f0001.txt"] * 300 + ["many"] * 200
        response = api.get("/storage/signed-urls",
                           params={"paths": paths, "operation": "download"})
        assert response.status_code == 200
        urls = response.json()
        assert len(urls) == 1000 and len(set(urls)) == 1000
        assert len(response.content) < 400_000
    assert proc.peak_rss_mb() < RSS_BOUND_MB


def test_signed_urls_past_the_cap_are_refused_cleanly(proc):
    root = region_root(proc)
    for folder in range(11):
        empty_files(root / "flood" / f"d{folder:02d}", 10_000, "{:05d}")
    with proc.client() as api:
        response = api.get("/storage/signed-urls", params={"paths": ["flood/"],
                                                           "operation": "download"})
        assert "100,000" in assert_clean_error(response, 422)["detail"]
        # Under the cap, a big answer is streamed, not built.
        response = api.get("/storage/signed-urls", params={
            "paths": [f"flood/d{i:02d}/" for i in range(9)], "operation": "download"})
        assert response.status_code == 200 and len(response.json()) == 90_000
    assert proc.peak_rss_mb() < RSS_BOUND_MB, proc.peak_rss_mb()


def test_many_big_folder_listings_stay_within_the_cache_budget(proc):
    root = region_root(proc)
    for folder in range(6):
        empty_files(root / "wide" / f"w{folder}", 60_000, "entry-{:06d}.dat")
    with proc.client() as api:
        for _ in range(2):
            for folder in range(6):
                for sort_by in ("name", "size", "creation_time"):
                    response = api.get("/storage/contents", params={
                        "path": f"wide/w{folder}", "sort_by": sort_by, "per_page": 100})
                    assert response.json()["total_files"] == 60_000
    assert proc.peak_rss_mb() < RSS_BOUND_MB, proc.peak_rss_mb()


def test_rss_after_all_attacks(proc):
    """Last in the module: everything above ran in this one process."""
    assert proc.alive()
    assert proc.peak_rss_mb() < RSS_BOUND_MB, proc.peak_rss_mb()
    assert "Traceback" not in proc.log_text()
    with httpx.Client(base_url=proc.url, headers={"X-API-Key": OTHER_KEY}) as other:
        assert other.get("/storage/size").status_code == 200


class _StallingSite:
    """A loopback web server that answers headers and a few bytes, then stalls."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}/data.bin"
        self._conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 10)
        self.release.wait(60)
        conn.close()

    def close(self) -> None:
        self.release.set()
        self._server.close()


def test_background_fetches_and_exports_per_key_are_capped(tmp_path):
    site = _StallingSite()
    try:
        with ServerProcess(tmp_path / "storage", "--allow-private-urls") as server, \
                server.client() as api, server.client(OTHER_KEY) as other:
            for i in range(8):
                response = api.post("/storage/input_remote",
                                    params={"url": site.url, "path": f"in/f{i}.bin"})
                assert response.status_code == 200, response.text
            response = api.post("/storage/input_remote",
                                params={"url": site.url, "path": "in/f9.bin"})
            assert "already running" in assert_clean_error(response, 429)["detail"]
            assert response.headers["retry-after"]
            # Another key is not affected.
            response = other.post("/storage/input_remote",
                                  params={"url": site.url, "path": "in/g.bin"})
            assert response.status_code == 200
            # Exports: queued ones hold their part lists, so a key may run only a few.
            assert upload(api, "exp/file.bin", b"z" * 100).status_code == 200
            body = {"path": "exp/file.bin", "parts_size": 5 << 20,
                    "upload_parts": [{"part_number": 1, "part_url": site.url}],
                    "complete_multipart_url": site.url}
            statuses = [api.post("/storage/export_multipart", json=body).status_code
                        for _ in range(6)]
            assert statuses[:4] == [200] * 4 and statuses[4:] == [429, 429], statuses
            assert other.post("/storage/export_multipart", json={
                **body, "path": "missing.bin"}).status_code == 404
            site.release.set()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # fetches end (short bodies), slots free up
                response = api.post("/storage/input_remote",
                                    params={"url": site.url, "path": "in/after.bin"})
                if response.status_code != 429:
                    break
                time.sleep(0.2)
            assert response.status_code in (200, 422), response.text
    finally:
        site.close()
