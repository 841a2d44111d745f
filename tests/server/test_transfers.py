"""Signed uploads and downloads: chunked bodies, Range, HEAD, atomic writes."""

from __future__ import annotations

import hashlib
import os
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from .helpers import get, put, raw, region_root, signed


def test_chunked_upload_without_content_length(api, server):
    # The inductiva client sends file bodies chunked, with no Content-Length.
    url = signed(api, "task/data.bin", "upload")
    body = os.urandom(300_000)
    response = raw.put(url, content=iter([body[:1000], body[1000:200_000], body[200_000:]]))
    assert response.status_code == 200
    assert (region_root(server, "test-key-alice") / "task/data.bin").read_bytes() == body


def test_empty_file_and_unicode_names(api, server):
    assert put(api, "d/empty.txt", b"").status_code == 200
    assert put(api, "d/relatório final (1).txt", b"ok").status_code == 200
    assert get(api, "d/empty.txt") == b""
    assert get(api, "d/relatório final (1).txt") == b"ok"
    url = signed(api, "d/relatório final (1).txt")
    # The URL path ends with the storage path, so clients can name local files from it.
    assert urlsplit(url).path.endswith("/d/relat%C3%B3rio%20final%20%281%29.txt")


def test_overwrite_replaces_whole_file(api, server):
    put(api, "d/f.txt", b"a long first version")
    put(api, "d/f.txt", b"short")
    assert get(api, "d/f.txt") == b"short"


def test_head_and_ranges(api):
    data = bytes(range(256)) * 40
    put(api, "r/f.bin", data)
    url = signed(api, "r/f.bin")
    head = raw.head(url)
    assert head.status_code == 200 and int(head.headers["content-length"]) == len(data)
    part = raw.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    assert raw.get(url, headers={"Range": "bytes=-10"}).content == data[-10:]
    assert raw.get(url, headers={"Range": "bytes=10000-"}).content == data[10000:]


def test_range_outside_file_is_416_json(api):
    put(api, "r/small.bin", b"12345")
    response = raw.get(signed(api, "r/small.bin"), headers={"Range": "bytes=100-200"})
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */5"
    assert "outside" in response.json()["detail"]
    huge = raw.get(signed(api, "r/small.bin"), headers={"Range": f"bytes={2**62}-{2**63}"})
    assert huge.status_code == 416
    malformed = raw.get(signed(api, "r/small.bin"), headers={"Range": "bytes=z-1"})
    assert malformed.status_code == 400 and "detail" in malformed.json()


def test_folder_download_expands_to_every_file(api):
    for path in ("f/a.txt", "f/sub/b.txt", "f/sub/deeper/c.txt", "other/x.txt"):
        put(api, path, path.encode())
    urls = api.get("/storage/signed-urls", params={"paths": ["f/"], "operation": "download"})
    paths = sorted(httpx.URL(u).path for u in urls.json())
    assert paths == ["/-/f/a.txt", "/-/f/sub/b.txt", "/-/f/sub/deeper/c.txt"]
    for url in urls.json():
        assert raw.get(url).content.decode() == httpx.URL(url).path[3:]


def test_download_of_missing_path_is_404(api):
    response = api.get("/storage/signed-urls", params={"paths": ["nothing/here"],
                                                        "operation": "download"})
    assert response.status_code == 404
    assert "nothing/here" in response.json()["detail"]


def test_a_thousand_upload_urls_in_one_query(api):
    # ~50 KB of query string, as the inductiva client sends for a 1,000-file upload.
    paths = [f"bulk/some_longer_folder_name/file_{i:05d}.dat" for i in range(1000)]
    response = api.get("/storage/signed-urls", params={"paths": paths, "operation": "upload"})
    assert response.status_code == 200
    assert len(response.json()) == 1000
    assert len(str(response.request.url)) > 50_000


def test_large_file_streams_both_ways(api, tmp_path):
    size = 64 * 1024 * 1024 + 123
    chunk = os.urandom(1024 * 1024)
    digest = hashlib.sha256()

    def body():
        left = size
        while left:
            piece = chunk[: min(left, len(chunk))]
            digest.update(piece)
            left -= len(piece)
            yield piece

    assert raw.put(signed(api, "big/file.bin", "upload"), content=body()).status_code == 200
    down = hashlib.sha256()
    total = 0
    with raw.stream("GET", signed(api, "big/file.bin")) as response:
        for piece in response.iter_bytes():
            down.update(piece)
            total += len(piece)
    assert total == size and down.hexdigest() == digest.hexdigest()


def cut_off_upload(signed_url: str, headers: str, body: bytes) -> None:
    """Send a PUT's head and part of its body, drop the connection, give the server time."""
    url = httpx.URL(signed_url)
    with socket.create_connection((url.host, url.port)) as sock:
        sock.sendall(f"PUT {url.raw_path.decode()} HTTP/1.1\r\nHost: {url.host}\r\n"
                     f"{headers}\r\n".encode() + body)
        time.sleep(0.3)
    time.sleep(0.5)


def test_interrupted_upload_leaves_nothing(api, server):
    put(api, "keep/file.txt", b"original contents")
    cut_off_upload(signed(api, "keep/file.txt", "upload"),
                   "Content-Length: 1000000\r\nContent-Type: application/octet-stream\r\n",
                   b"x" * 300_000)
    root = region_root(server, "test-key-alice")
    assert (root / "keep/file.txt").read_bytes() == b"original contents"
    assert list((server.config.root / ".tmp").iterdir()) == []
    # A new file cut off mid-way never appears at all.
    cut_off_upload(signed(api, "keep/new.txt", "upload"), "Transfer-Encoding: chunked\r\n",
                   b"1000\r\n" + b"y" * 100)
    assert not (root / "keep/new.txt").exists()
    assert list((server.config.root / ".tmp").iterdir()) == []


def test_short_body_with_content_length_is_refused(api, server):
    url = httpx.URL(signed(api, "keep/short.txt", "upload"))
    with socket.create_connection((url.host, url.port)) as sock:
        sock.sendall(
            f"PUT {url.raw_path.decode()} HTTP/1.1\r\nHost: {url.host}\r\n"
            "Content-Length: 10\r\n\r\n12345".encode())
        sock.shutdown(socket.SHUT_WR)
        reply = sock.recv(65536)
    assert not reply.startswith(b"HTTP/1.1 200")
    assert not (region_root(server, "test-key-alice") / "keep/short.txt").exists()


@pytest.mark.parametrize("path", ["toplevel.txt", "dir/"])
def test_upload_targets_must_be_files_in_folders(api, path):
    response = api.get("/storage/signed-urls", params={"paths": [path], "operation": "upload"})
    assert response.status_code == 422
    assert "detail" in response.json()


def test_file_cannot_replace_folder_and_vice_versa(api):
    put(api, "x/folder/inner.txt", b"1")
    response = api.get("/storage/signed-urls", params={"paths": ["x/folder"],
                                                        "operation": "upload"})
    assert response.status_code == 409 and "folder" in response.json()["detail"]
    put(api, "y/file", b"1")
    response = put(api, "y/file/child.txt", b"2")
    assert response.status_code == 409 and "in the way" in response.json()["detail"]
    assert get(api, "y/file") == b"1"


def test_cors_lets_browsers_use_signed_urls(api):
    url = signed(api, "web/up.txt", "upload")
    preflight = raw.options(url, headers={
        "Origin": "http://127.0.0.1:8888",
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type",
    })
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "http://127.0.0.1:8888")
    assert "PUT" in preflight.headers["access-control-allow-methods"]
