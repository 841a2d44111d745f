"""Copy, delete and fetch-from-URL over HTTP."""

from __future__ import annotations

import time

import pytest

from ..webpages import serve_pages
from .helpers import get, names, put, region_root


@pytest.fixture
def files(api):
    for path in ("src/a.txt", "src/sub/b.txt", "src/sub/deep/c.txt"):
        put(api, path, path.encode())


def listing(api, path):
    return sorted(names(api.get("/storage/contents", params={"path": path,
                                                              "per_page": 100}).json()))


def test_copy_file_to_new_name_and_into_folder(api, files):
    assert api.post("/storage/copy", params={"source": "src/a.txt",
                                             "target": "dst/renamed.txt"}).json() == {}
    assert get(api, "dst/renamed.txt") == b"src/a.txt"
    assert api.post("/storage/copy", params={"source": "src/a.txt",
                                             "target": "dst/"}).status_code == 200
    assert get(api, "dst/a.txt") == b"src/a.txt"
    # onto an existing folder without a slash: inside it, like cp
    api.post("/storage/copy", params={"source": "src/sub/b.txt", "target": "dst"})
    assert listing(api, "dst") == ["a.txt", "b.txt", "renamed.txt"]


def test_copy_folder_recursively_and_merge(api, files, server):
    assert api.post("/storage/copy", params={"source": "src/", "target": "backup/src"}
                    ).status_code == 200
    assert get(api, "backup/src/sub/deep/c.txt") == b"src/sub/deep/c.txt"
    put(api, "src/new.txt", b"new")
    api.post("/storage/copy", params={"source": "src", "target": "backup/src"})
    assert listing(api, "backup/src") == ["a.txt", "new.txt", "sub"]
    assert list((server.config.root / ".tmp").iterdir()) == []


@pytest.mark.parametrize("source, target, status", [
    ("missing/x.txt", "dst/x.txt", 404),
    ("src", "src/sub/inside", 422),
    ("src/a.txt", "toplevel.txt", 422),
    ("/", "dst", 422),
    ("src/../etc", "dst", 422),
])
def test_bad_copies(api, files, source, target, status):
    response = api.post("/storage/copy", params={"source": source, "target": target})
    assert response.status_code == status
    assert "detail" in response.json()


def test_delete_file_folder_and_nested_folder_without_slash(api, files, server):
    assert api.delete("/storage/", params={"path": "src/a.txt"}).json() == {}
    assert listing(api, "src") == ["sub"]
    assert api.delete("/storage/", params={"path": "src/sub/deep"}).status_code == 200
    assert listing(api, "src/sub") == ["b.txt"]
    assert api.delete("/storage/", params={"path": "src/"}).status_code == 200
    assert api.get("/storage/contents", params={"path": "src"}).status_code == 404
    assert not (region_root(server, "test-key-alice") / "src").exists()
    assert list((server.config.root / ".tmp").iterdir()) == []


def test_delete_missing_and_root(api, files):
    assert api.delete("/storage/", params={"path": "nope/"}).status_code == 404
    response = api.delete("/storage/", params={"path": "/"})
    assert response.status_code == 422 and "root" in response.json()["detail"]
    assert listing(api, "src") == ["a.txt", "sub"]


@pytest.fixture
def web():
    """A tiny HTTP server on loopback serving fixed bodies."""
    pages = {"/data/file%20one.csv": (200, b"a,b\n1,2\n" * 10_000),
             "/redirect": (302, b"/data/file%20one.csv"),
             "/missing": (404, b"")}
    with serve_pages(pages) as base:
        yield base, pages


def wait_for(api, path, timeout=10.0) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.get("/storage/contents", params={"path": path}).status_code == 200:
            return get(api, path)
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def test_input_remote_fetches_and_follows_redirects(api, web):
    base, pages = web
    assert api.post("/storage/input_remote", params={
        "url": f"{base}/data/file%20one.csv", "path": "fetched/one.csv"}).json() == {}
    assert wait_for(api, "fetched/one.csv") == pages["/data/file%20one.csv"][1]
    assert api.post("/storage/input_remote", params={
        "url": f"{base}/redirect", "path": "fetched/two.csv"}).status_code == 200
    assert wait_for(api, "fetched/two.csv") == pages["/data/file%20one.csv"][1]


def test_input_remote_reports_remote_errors(api, web):
    base, _ = web
    response = api.post("/storage/input_remote", params={"url": f"{base}/missing",
                                                          "path": "fetched/x"})
    assert response.status_code == 422 and "404" in response.json()["detail"]
    response = api.post("/storage/input_remote", params={"url": "ftp://example.com/x",
                                                          "path": "fetched/x"})
    assert response.status_code == 422 and "http" in response.json()["detail"]
    response = api.post("/storage/input_remote", params={"url": "http://127.0.0.1:1/x",
                                                          "path": "fetched/x"})
    assert response.status_code == 422 and "could not fetch" in response.json()["detail"]
