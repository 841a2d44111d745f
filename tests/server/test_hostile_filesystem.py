"""What is on the server's disk: symbolic links never followed, crash leftovers cleaned,
private file modes, and signed URLs that never point where a Host header says.

Real server process, real HTTP. Links and stray files are placed on disk by the test, as a
local user or an earlier crash would.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from inductiva_widgets.server.config import user_id_for

from .serverproc import KEY, OTHER_KEY, ServerProcess, assert_clean_error, region_root, upload

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder outside every storage, holding a secret."""
    folder = tmp_path / "outside"
    (folder / "europe-west1" / "task").mkdir(parents=True)
    (folder / "europe-west1" / "task" / "secret.txt").write_bytes(b"not yours")
    return folder


def _never_serves_outside(api: httpx.Client) -> None:
    """Every way of reaching a file is refused or finds nothing."""
    for params in ({"path": "/"}, {"path": "task"}, {"path": "/", "recursive": "true"}):
        response = api.get("/storage/contents", params=params)
        assert response.status_code in (200, 403, 404), response.text
        assert "secret" not in response.text
    for operation in ("download", "upload"):
        path = "task/" if operation == "download" else "task/new.txt"
        response = api.get("/storage/signed-urls",
                           params={"paths": [path], "operation": operation})
        assert response.status_code in (403, 404), response.text
        assert_clean_error(response, 403, 404)
    assert api.get("/storage/size").json() == 0
    response = api.post("/storage/copy", params={"source": "task/", "target": "mine"})
    assert_clean_error(response, 403, 404)
    response = api.delete("/storage/", params={"path": "task/"})
    assert_clean_error(response, 403, 404)


@pytest.mark.parametrize("level", ["region", "user"])
def test_a_link_as_a_users_own_folder_is_never_followed(tmp_path, outside, level):
    storage = tmp_path / "storage"
    user_dir = storage / "users" / user_id_for(KEY)
    user_dir.parent.mkdir(parents=True)
    if level == "region":
        user_dir.mkdir()
        (user_dir / "europe-west1").symlink_to(outside / "europe-west1",
                                               target_is_directory=True)
    else:
        user_dir.symlink_to(outside, target_is_directory=True)
    with ServerProcess(storage) as server, server.client() as api:
        _never_serves_outside(api)
        assert (outside / "europe-west1" / "task" / "secret.txt").read_bytes() == b"not yours"
        # The other key is unaffected.
        with server.client(OTHER_KEY) as other:
            assert upload(other, "t/ok.txt", b"fine").status_code == 200


def test_links_below_the_region_are_skipped_everywhere(tmp_path, outside):
    with ServerProcess(tmp_path / "storage") as server, server.client() as api:
        assert upload(api, "task/real.txt", b"mine").status_code == 200
        root = region_root(server)
        target = outside / "europe-west1" / "task"
        (root / "task" / "linkdir").symlink_to(target, target_is_directory=True)
        (root / "task" / "link.txt").symlink_to(target / "secret.txt")
        (root / "linked-task").symlink_to(target, target_is_directory=True)
        listing = api.get("/storage/contents", params={"path": "/", "recursive": "true"})
        assert "linked-task" not in listing.text
        assert api.get("/storage/size").json() == 4
        urls = api.get("/storage/signed-urls", params={"paths": ["task/"],
                                                       "operation": "download"}).json()
        assert [urlsplit(u).path.rsplit("/", 1)[1] for u in urls] == ["real.txt"]
        assert api.post("/storage/copy", params={"source": "task/", "target": "copy"}).json() \
            == {}
        assert sorted(p.name for p in (root / "copy").iterdir()) == ["real.txt"]
        # Deleting a folder removes the link, never what it points at.
        assert api.delete("/storage/", params={"path": "task/"}).json() == {}
        assert (target / "secret.txt").read_bytes() == b"not yours"
        for path in ("linked-task/secret.txt", "linked-task/"):
            response = api.get("/storage/signed-urls",
                               params={"paths": [path], "operation": "download"})
            assert_clean_error(response, 422, 404)


def test_crash_leftovers_are_removed_at_start(tmp_path):
    storage = tmp_path / "storage"
    with ServerProcess(storage) as server, server.client() as api:
        assert upload(api, "t/a.txt", b"a").status_code == 200
    tmp = storage / ".tmp"
    (tmp / "0123.part").write_bytes(b"x" * 1000)
    (tmp / "half-copied.part" / "sub").mkdir(parents=True)
    (tmp / "half-copied.part" / "sub" / "f").write_bytes(b"y")
    with ServerProcess(storage) as server:
        assert list(tmp.iterdir()) == []
        with server.client() as api:
            assert api.get("/storage/size").json() == 1


def test_a_killed_folder_copy_leaves_nothing_half_done(tmp_path):
    storage = tmp_path / "storage"
    with ServerProcess(storage) as server:
        root = region_root(server)
        (root / "src").mkdir(parents=True)
        for i in range(300):
            (root / "src" / f"f{i:03d}.bin").write_bytes(os.urandom(256 * 1024))
        # Kill the server while the 75 MB copy runs, then look at the disk after a restart.
        with server.client() as slow, contextlib.suppress(httpx.ReadTimeout):
            slow.post("/storage/copy", params={"source": "src/", "target": "dst"},
                      timeout=0.15)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
    with ServerProcess(storage):
        assert list((storage / ".tmp").iterdir()) == []
        dst = root / "dst"
        # All or nothing: the staged copy moves into place in one rename.
        assert not dst.exists() or len(list(dst.iterdir())) == 300


def test_secrets_and_stored_files_are_private_on_every_start(tmp_path):
    storage = tmp_path / "storage"
    storage.mkdir(mode=0o755)
    (storage / "server.json").write_text(json.dumps(
        {"api_key": KEY, "signing_secret": "ab" * 32}))
    os.chmod(storage / "server.json", 0o644)
    old = storage / "users" / user_id_for(KEY) / "europe-west1" / "old"
    old.mkdir(parents=True, mode=0o755)
    (old / "f.txt").write_bytes(b"old")
    os.chmod(old / "f.txt", 0o644)
    with ServerProcess(storage, keys=()) as server, server.client(KEY) as api:
        assert stat.S_IMODE((storage / "server.json").stat().st_mode) == 0o600
        for folder in (storage, storage / "users", storage / ".tmp"):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert upload(api, "new/sub/f.txt", b"new").status_code == 200
        root = region_root(server)
        assert stat.S_IMODE((root / "new/sub/f.txt").stat().st_mode) == 0o600
        assert stat.S_IMODE((root / "new/sub").stat().st_mode) == 0o700
        assert api.post("/storage/copy", params={"source": "new/", "target": "c"}).json() == {}
        assert stat.S_IMODE((root / "c/sub/f.txt").stat().st_mode) == 0o600
        deadline = time.monotonic() + 10  # older files are fixed in the background
        while stat.S_IMODE((old / "f.txt").stat().st_mode) != 0o600:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert stat.S_IMODE(old.stat().st_mode) == 0o700


def test_signed_urls_ignore_the_host_header(tmp_path):
    with ServerProcess(tmp_path / "storage") as server, server.client() as api:
        for host in ("evil.example", "evil.example:80", "127.0.0.1.evil.example"):
            response = api.get("/storage/signed-urls", headers={"Host": host},
                               params={"paths": ["t/a.txt"], "operation": "upload"})
            assert response.status_code == 200
            assert response.json()[0].startswith(server.url + "/-/"), response.json()
    public = "https://storage.example.org/base"
    with ServerProcess(tmp_path / "storage2", f"--public-url={public}") as server, \
            server.client() as api:
        response = api.get("/storage/signed-urls", headers={"Host": "evil.example"},
                           params={"paths": ["t/a.txt"], "operation": "upload"})
        assert response.json()[0].startswith(public + "/-/t/a.txt?")
