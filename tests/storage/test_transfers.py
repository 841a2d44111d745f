"""upload() and download() against the real server: folders, progress, cancel, resume."""

from __future__ import annotations

import hashlib
import logging
import os
import threading

import pytest

import inductiva_widgets.storage as st
from inductiva_widgets.server.config import ServerConfig
from inductiva_widgets.server.runner import start_in_thread

from ..conftest import KEY
from ..server.helpers import region_root
from .conftest import write_tree
from .proxy import CuttingProxy

FILES = {
    "a.txt": b"alpha",
    "empty.dat": b"",
    "sub/relatório final.txt": "olá".encode(),
    "sub/with space/deep.bin": os.urandom(200_000),
}


def test_upload_folder_keeps_relative_paths(client, server, tmp_path):
    local = write_tree(tmp_path / "run1", FILES)
    paths = st.upload(str(local), "inputs", client=client, progress=False)
    assert sorted(paths) == sorted(f"inputs/{rel}" for rel in FILES)
    root = region_root(server, KEY)
    for rel, data in FILES.items():
        assert (root / "inputs" / rel).read_bytes() == data


def test_upload_single_file(client, server, tmp_path):
    (tmp_path / "one.csv").write_bytes(b"1,2,3\n")
    assert st.upload(str(tmp_path / "one.csv"), "data/", client=client,
                     progress=False) == ["data/one.csv"]
    assert (region_root(server, KEY) / "data/one.csv").read_bytes() == b"1,2,3\n"


def test_upload_refusals(client, tmp_path):
    (tmp_path / "output.zip").write_bytes(b"x")
    with pytest.raises(st.InvalidPathError, match="output.zip"):
        st.upload(str(tmp_path / "output.zip"), "task", client=client, progress=False)
    with pytest.raises(ValueError, match="does not exist"):
        st.upload(str(tmp_path / "missing"), "task", client=client)
    (tmp_path / "f.txt").write_bytes(b"x")
    for bad in ("../up", "/", "a//b", "a\\b"):
        with pytest.raises(st.InvalidPathError):
            st.upload(str(tmp_path / "f.txt"), bad, client=client)


def test_download_folder_file_and_progress(client, tmp_path):
    st.upload(str(write_tree(tmp_path / "src", FILES)), "task1", client=client,
              progress=False)
    seen = []
    out = tmp_path / "out"
    paths = st.download("task1/", str(out), client=client, progress=seen.append)
    assert sorted(p.relative_to(out).as_posix() for p in paths) == sorted(
        f"task1/{rel}" for rel in FILES)
    for rel, data in FILES.items():
        assert (out / "task1" / rel).read_bytes() == data
    final = seen[-1]
    total = sum(len(v) for v in FILES.values())
    assert final.finished and final.files_done == final.files_total == len(FILES)
    assert final.bytes_done == final.bytes_total == total
    assert seen[0].bytes_total == total  # known before the first byte, from listings
    assert all(a.bytes_done <= b.bytes_done for a, b in zip(seen, seen[1:], strict=False))
    one = st.download("task1/sub/relatório final.txt", str(tmp_path / "one"), client=client,
                      progress=False)
    assert one == [tmp_path / "one" / "task1/sub/relatório final.txt"]
    assert not list((tmp_path / "out").rglob(".*.part"))


def test_two_thousand_files_round_trip(client, tmp_path):
    files = {f"d{i % 7}/f{i:04d}.txt": f"file {i}".encode() for i in range(2000)}
    st.upload(str(write_tree(tmp_path / "many", files)), "many", client=client,
              progress=False)
    listing = st.listdir("many", max_results=None, print_results=False, client=client)
    assert sorted(r["name"] for r in listing) == [f"d{i}" for i in range(7)]
    out = tmp_path / "back"
    paths = st.download("many", str(out), client=client, progress=False)
    assert len(paths) == 2000
    assert all((out / "many" / rel).read_bytes() == data for rel, data in files.items())


def test_download_missing_and_wrong_key(client, server, tmp_path):
    with pytest.raises(st.NotFoundError, match="nothing/here"):
        st.download("nothing/here", str(tmp_path), client=client)
    with st.StorageClient(server.url, "wrong-key") as bad, \
            pytest.raises(st.AuthenticationError, match="invalid API key"):
        st.listdir(client=bad, print_results=False)


def test_cancel_mid_folder_leaves_no_partial_files(client, server, tmp_path):
    root = region_root(server, KEY)
    (root / "big").mkdir(parents=True)
    for i in range(6):
        with open(root / "big" / f"part{i}.bin", "wb") as fh:
            fh.truncate(16 * 1024 * 1024)
    token = st.CancelToken()

    def cancel_soon(progress: st.TransferProgress) -> None:
        if progress.bytes_done > 8 * 1024 * 1024:
            token.cancel()

    out = tmp_path / "out"
    client.concurrency = 2
    with pytest.raises(st.TransferCancelled):
        st.download("big/", str(out), client=client, progress=cancel_soon, cancel=token)
    leftovers = [p for p in out.rglob("*") if p.is_file()]
    # Whatever finished is complete; nothing half-written, no .part files.
    assert all(p.stat().st_size == 16 * 1024 * 1024 for p in leftovers)
    assert len(leftovers) < 6


def test_cancel_upload_from_another_thread(client, server, tmp_path):
    big = tmp_path / "big.bin"
    with open(big, "wb") as fh:
        fh.truncate(256 * 1024 * 1024)
    token = st.CancelToken()
    timer = threading.Timer(0.05, token.cancel)
    timer.start()
    with pytest.raises(st.TransferCancelled):
        st.upload(str(big), "up", client=client, progress=False, cancel=token)
    timer.join()
    assert not (region_root(server, KEY) / "up/big.bin").exists()


def test_resume_after_connection_cut(tmp_path):
    config = ServerConfig(root=tmp_path / "root", api_keys=[KEY])
    data = os.urandom(6 * 1024 * 1024 + 17)
    with start_in_thread(config) as server:
        proxy = CuttingProxy(int(server.url.rsplit(":", 1)[1]), cut_after=2 * 1024 * 1024,
                             cuts=2)
        config.public_url = proxy.url  # signed URLs go through the proxy too
        try:
            root = region_root(server, KEY)
            (root / "task").mkdir(parents=True)
            (root / "task/result.bin").write_bytes(data)
            seen = []
            with st.StorageClient(proxy.url, KEY, retries=3) as client:
                (path,) = st.download("task/result.bin", str(tmp_path / "out"),
                                      client=client, progress=seen.append)
            assert proxy.cuts_done == 2
            assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(data).digest()
            # Resumed with Range, not restarted: far fewer than 3 full copies crossed.
            assert proxy.bytes_to_client < 2 * len(data)
            assert seen[-1].bytes_done == len(data)
        finally:
            proxy.close()


def test_failed_download_keeps_part_for_a_later_resume(tmp_path):
    config = ServerConfig(root=tmp_path / "root", api_keys=[KEY])
    data = os.urandom(3 * 1024 * 1024)
    with start_in_thread(config) as server:
        proxy = CuttingProxy(int(server.url.rsplit(":", 1)[1]), cut_after=1024 * 1024, cuts=1)
        config.public_url = proxy.url
        try:
            root = region_root(server, KEY)
            (root / "task").mkdir(parents=True)
            (root / "task/r.bin").write_bytes(data)
            out = tmp_path / "out"
            with st.StorageClient(proxy.url, KEY, retries=0) as client:
                with pytest.raises(st.TransferError, match="resume"):
                    st.download("task/r.bin", str(out), client=client, progress=False)
                assert not (out / "task/r.bin").exists()
                part = out / "task/.r.bin.part"
                assert 0 < part.stat().st_size < len(data)
                before = proxy.bytes_to_client
                st.download("task/r.bin", str(out), client=client, progress=False)
            assert (out / "task/r.bin").read_bytes() == data
            assert not part.exists()
            assert proxy.bytes_to_client - before < len(data)
        finally:
            proxy.close()


def test_decompress_unpacks_task_archives(client, server, tmp_path):
    import httpx

    from ..server.helpers import make_zip, put
    with httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}) as api:
        put(api, "t1/output.zip", make_zip({"artifacts/": None, "artifacts/stdout.txt": b"out",
                                            "artifacts/sub/r.csv": b"1,2"}))
        put(api, "t1/other.zip", make_zip({"x/y.txt": b"y"}))
    out = tmp_path / "out"
    paths = st.download("t1/", str(out), client=client, progress=False)
    assert sorted(p.name for p in paths) == ["other", "output"]
    assert (out / "t1/output/stdout.txt").read_bytes() == b"out"
    assert (out / "t1/output/sub/r.csv").read_bytes() == b"1,2"
    assert (out / "t1/other/x/y.txt").read_bytes() == b"y"
    assert not (out / "t1/output.zip").exists()
    kept = st.download("t1/output.zip", str(tmp_path / "raw"), decompress=False,
                       client=client, progress=False)
    assert kept[0].suffix == ".zip"


def test_zip_slip_archive_is_refused_whole(client, server, tmp_path):
    import io
    import zipfile

    import httpx

    from ..server.helpers import put
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("good.txt", b"fine")
        zf.writestr("../../escaped.txt", b"evil")
    with httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}) as api:
        put(api, "t2/evil.zip", buffer.getvalue())
    out = tmp_path / "deep" / "out"
    with pytest.raises(st.UnsafeArchiveError, match="outside"):
        st.download("t2/evil.zip", str(out), client=client, progress=False)
    assert not (tmp_path / "deep" / "escaped.txt").exists()
    assert not (tmp_path / "escaped.txt").exists()
    assert not (out / "t2/evil/good.txt").exists()


def test_progress_bar_messages_and_silence(client, tmp_path, capsys):
    # As the reference: a bar by default even when stderr is not a terminal, units of 1000.
    st.upload(str(write_tree(tmp_path / "bar", {"a.bin": b"x" * 5000})), "bar", client=client)
    err = capsys.readouterr().err
    assert err.startswith("Uploading content...\n")
    assert "100%|" in err and "5.00k/5.00k" in err
    assert err.endswith("Content uploaded successfully.\n")
    st.download("bar/", str(tmp_path / "quiet"), client=client, progress=False)
    err = capsys.readouterr().err
    assert "%|" not in err  # no bar
    assert err == f'Successfully downloaded 1 file(s) to "{tmp_path / "quiet/bar/a.bin"}".\n'
    logger = logging.getLogger("inductiva_widgets.storage")
    logger.setLevel(logging.WARNING)  # silenced the usual way
    try:
        st.download("bar/", str(tmp_path / "quiet2"), client=client, progress=False)
        assert capsys.readouterr().err == ""
    finally:
        logger.setLevel(logging.INFO)
