"""Hostile inputs: bad keys, other users' files, forged URLs, traversal, SSRF."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from inductiva_widgets.server.config import ServerConfig
from inductiva_widgets.server.runner import start_in_thread

from .helpers import put, raw, region_root, signed


def test_missing_and_wrong_key_are_401_json(server):
    with httpx.Client(base_url=server.url) as anonymous:
        response = anonymous.get("/storage/contents", params={"path": "/"})
        assert response.status_code == 401 and "X-API-Key" in response.json()["detail"]
        for key in ("wrong-key", "bad key with spaces", "ü"):
            response = anonymous.get("/storage/size", headers={"X-API-Key": key.encode()})
            assert response.status_code == 401 and response.json()["detail"]


def test_version_check_needs_no_key(server):
    response = httpx.get(f"{server.url}/version-check", params={"client_version": "0.18.12"})
    assert response.status_code == 200
    assert response.json()["is_valid"] is True and response.json()["server_version"]


def test_keys_have_separate_storage(api, other_api, server):
    put(api, "secret/plans.txt", b"alice's")
    assert other_api.get("/storage/contents", params={"path": "secret"}).status_code == 404
    assert other_api.get("/storage/contents", params={"path": "/"}).json()["contents"] == []
    assert other_api.get("/storage/signed-urls", params={
        "paths": ["secret/plans.txt"], "operation": "download"}).status_code == 404
    assert other_api.post("/storage/copy", params={
        "source": "secret/plans.txt", "target": "mine/copy.txt"}).status_code == 404
    assert other_api.delete("/storage/", params={"path": "secret/"}).status_code == 404
    assert other_api.get("/storage/zip-contents",
                         params={"path": "secret/plans.txt"}).status_code == 404
    assert other_api.get("/storage/size").json() == 0
    assert (region_root(server, "test-key-alice") / "secret/plans.txt").read_bytes() == b"alice's"


def tamper(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    path = changes.pop("path", parts.path)
    query.update(changes)
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def test_forged_signed_urls_are_403(api, other_api):
    put(api, "mine/f.txt", b"data")
    put(other_api, "theirs/g.txt", b"other")
    url = signed(api, "mine/f.txt")
    other_user = parse_qs(urlsplit(signed(other_api, "theirs/g.txt")).query)["user"][0]
    forged = [
        tamper(url, path="/-/mine/other.txt"),
        tamper(url, user=other_user),
        tamper(url, expires="99999999999"),
        tamper(url, signature="A" * 43),
        tamper(url, region="us-central1"),
        tamper(url, method="PUT"),
        url.split("?")[0],
    ]
    for bad in forged:
        response = raw.get(bad)
        assert response.status_code == 403, bad
        assert response.json()["detail"]
    assert raw.put(url, content=b"overwrite").status_code == 403
    upload_url = signed(api, "mine/f.txt", "upload")
    assert raw.get(upload_url).status_code == 403
    assert raw.get(url).content == b"data"


def test_expired_url_is_403(tmp_path):
    config = ServerConfig(root=tmp_path, api_keys=["k"], url_ttl_s=-1)
    with start_in_thread(config) as server, httpx.Client(
            base_url=server.url, headers={"X-API-Key": "k"}) as api:
        url = api.get("/storage/signed-urls", params={"paths": ["a/b"],
                                                       "operation": "upload"}).json()[0]
        response = raw.put(url, content=b"x")
        assert response.status_code == 403 and "expired" in response.json()["detail"]


@pytest.mark.parametrize("path", [
    "../etc/passwd", "a/../../b", "a/./b", "a//b", "//etc/passwd", "a\\b", "a/\x00b",
    "C:/windows", "a/\nb", "x" * 300 + "/y",
])
def test_traversal_and_malformed_paths_refused(api, path):
    for method, url, params in [
        ("GET", "/storage/contents", {"path": path}),
        ("GET", "/storage/signed-urls", {"paths": [path], "operation": "upload"}),
        ("GET", "/storage/signed-urls", {"paths": [path], "operation": "download"}),
        ("POST", "/storage/copy", {"source": "a/b", "target": path}),
        ("DELETE", "/storage/", {"path": path}),
        ("GET", "/storage/zip-contents", {"path": path}),
    ]:
        response = api.request(method, url, params=params)
        assert response.status_code in (400, 422), (method, url, path, response.text)
        assert "detail" in response.json()


def test_signed_path_traversal_refused(api, server):
    url = signed(api, "a/b.txt", "upload")
    parts = urlsplit(url)
    evil = urlunsplit((parts.scheme, parts.netloc, "/-/a/%2E%2E/%2E%2E/escape.txt",
                       parts.query, ""))
    assert raw.put(evil, content=b"x").status_code in (403, 404, 422)
    assert not (server.config.root / "users" / "escape.txt").exists()


def test_symlinks_do_not_lead_outside(api, server, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("host file")
    root = region_root(server, "test-key-alice")
    (root / "task").mkdir(parents=True)
    os.symlink(outside, root / "task" / "link")
    for response in (
        api.get("/storage/contents", params={"path": "task/link"}),
        api.get("/storage/signed-urls", params={"paths": ["task/link/secret.txt"],
                                                "operation": "download"}),
        api.get("/storage/signed-urls", params={"paths": ["task/link/new.txt"],
                                                "operation": "upload"}),
    ):
        assert response.status_code == 422
    # A folder download skips the link instead of following it.
    put(api, "task/real.txt", b"r")
    urls = api.get("/storage/signed-urls", params={"paths": ["task/"],
                                                    "operation": "download"}).json()
    assert [urlsplit(u).path for u in urls] == ["/-/task/real.txt"]
    assert "link" not in [c["name"] for c in api.get(
        "/storage/contents", params={"path": "task"}).json()["contents"]]


def test_ssrf_refused_by_default(tmp_path):
    with start_in_thread(ServerConfig(root=tmp_path, api_keys=["k"])) as server, \
            httpx.Client(base_url=server.url, headers={"X-API-Key": "k"}) as api:
        for url in (f"{server.url}/version-check", "http://localhost:1/x",
                    "http://10.0.0.1/x", "http://[::1]/x", "http://169.254.169.254/latest/"):
            response = api.post("/storage/input_remote", params={"url": url,
                                                                  "path": "f/x"})
            assert response.status_code == 422, url
            assert "private or local" in response.json()["detail"]


def test_every_error_body_is_json_with_detail(server, api):
    for response in (
        api.get("/no/such/route"),
        api.post("/storage/size"),
        api.get("/storage/contents", params={"per_page": "many"}),
        raw.get(f"{server.url}/-/x/y"),
    ):
        assert 400 <= response.status_code < 500
        assert "detail" in response.json()
