"""The seed functions other than transfers: listings, ZIPs, copy, remove, URLs, sizes."""

from __future__ import annotations

import inspect
import io
import os
import subprocess
import sys
import time
import zipfile
from datetime import datetime, timezone

import httpx
import pandas as pd
import pytest

import inductiva_widgets.storage as st

from ..conftest import KEY
from ..server.helpers import region_root
from ..webpages import serve_pages

# The seed's signatures (parameter names, order and defaults) from the API reference.
SEED = {
    "copy": ["source", "target", "region=None"],
    "download": ["remote_path", "local_dir=''", "decompress=True", "region=None"],
    "export": ["path_to_export", "export_to", "bucket_name", "file_name=None",
               "part_size=128", "region=None"],
    "export_to_aws_s3": ["path_to_export", "part_size", "filename", "bucket_name",
                         "region=None"],
    "get_file_range": ["path", "zip_relative_path=''", "filename=''", "region=None"],
    "get_signed_urls": ["paths", "operation", "region=None"],
    "get_space_used": [],
    "get_zip_contents": ["path", "zip_relative_path=''", "recursive=False", "region=None"],
    "listdir": ["path='/'", "region=None", "max_results=10", "order_by='creation_time'",
                "sort_order='desc'", "recursive=False", "print_results=True"],
    "multipart_upload": ["path", "parts_size", "upload_parts", "complete_multipart_url",
                         "region=None"],
    "remove": ["remote_path", "region=None"],
    "upload": ["local_path", "remote_dir", "region=None"],
    "upload_from_url": ["url", "remote_dir", "file_name=None", "region=None"],
}


@pytest.mark.parametrize("name", sorted(SEED))
def test_seed_signatures(name):
    params = inspect.signature(getattr(st, name)).parameters.values()
    positional = [p for p in params if p.kind is not p.KEYWORD_ONLY]
    shown = [p.name if p.default is p.empty else f"{p.name}={p.default!r}" for p in positional]
    assert shown == SEED[name]
    # Extras are keyword-only with defaults, after the seed's parameters.
    assert all(p.default is not p.empty for p in params if p.kind is p.KEYWORD_ONLY)


def test_exports_are_complete():
    for name in ["StorageOperation", "ZipArchiveInfo", "ZipFileInfo", "ZipFileRange",
                 "ExportDestination", *SEED]:
        assert name in st.__all__
    assert all(hasattr(st, name) for name in st.__all__)
    assert inspect.signature(st.StorageOperation).parameters.keys() == {"api", "id_"}
    assert inspect.signature(st.StorageOperation.wait).parameters["poll_s"].default == 2
    assert st.ExportDestination.AWS_S3.value == "aws-s3"


def test_import_stays_light():
    code = ("import sys, inductiva_widgets.storage; "
            "print(sorted(m for m in ('pandas', 'ipywidgets', 'anywidget', 'fastapi') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


@pytest.fixture
def tree(client, server):
    root = region_root(server, KEY)
    for i, (rel, size, age_days) in enumerate([
        ("t1/output.zip", 3000, 3), ("t1/input.zip", 100, 4), ("t2/output.zip", 50, 1),
        ("data/a.csv", 10, 10),
    ]):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * size)
        stamp = time.time() - age_days * 86400 + i
        os.utime(path, (stamp, stamp))
    return root


def test_listdir_rows_and_table(client, tree, capsys):
    rows = st.listdir("t1", client=client)
    assert [r["name"] for r in rows] == ["output.zip", "input.zip"]  # newest first
    assert rows[0]["size"] == 3000.0 and rows[0]["provider"] == "LOCAL"
    assert isinstance(rows[0]["size"], float) and set(rows[0]) == {
        "name", "size", "creation_time", "provider", "region"}  # the reference's row
    assert isinstance(rows[0]["creation_time"], datetime)
    out = capsys.readouterr().out
    assert " output.zip   3.00 KB   " in out
    assert "Total storage size used across all regions:\n\tVolume: 3.16 KB" in out
    assert "\nCurrent region(s): europe-west1\n" in out
    assert len(st.listdir("t1", max_results=0, print_results=False, client=client)) == 2
    by_size = st.listdir("/", order_by="size", sort_order="desc", recursive=True,
                         print_results=False, client=client)
    assert [(r["name"], r["size"]) for r in by_size] == [("t1", 3100), ("t2", 50),
                                                          ("data", 10)]
    assert len(st.listdir("/", max_results=2, print_results=False, client=client)) == 2


def test_listdir_pages_through_everything(client, server):
    root = region_root(server, KEY)
    (root / "many").mkdir(parents=True)
    for i in range(250):
        (root / "many" / f"f{i:03d}").write_bytes(b"")
    rows = st.listdir("many", max_results=None, order_by="name", sort_order="asc",
                      print_results=False, client=client)
    assert [r["name"] for r in rows] == [f"f{i:03d}" for i in range(250)]
    assert len(st.listdir("many", max_results=150, print_results=False,
                          client=client)) == 150


def test_listdir_df_is_typed(client, tree):
    frame = st.listdir_df("t1", client=client)
    assert list(frame.columns) == ["name", "path", "is_directory", "size", "creation_time",
                                   "provider", "region"]
    assert str(frame["size"].dtype) == "Int64"
    assert isinstance(frame["creation_time"].dtype, pd.DatetimeTZDtype)
    assert frame["path"].tolist() == ["t1/output.zip", "t1/input.zip"]
    root = st.listdir_df(client=client)
    assert root["is_directory"].all() and root["size"].isna().all()


def test_copy_remove_and_space(client, tree):
    st.copy("t1/output.zip", "backup/t1-output.zip", client=client)
    st.copy("t1", "backup/t1", client=client)
    names = {r["name"] for r in st.listdir("backup", print_results=False, client=client)}
    assert names == {"t1-output.zip", "t1"}
    st.remove("backup/t1", client=client)
    st.remove("backup", client=client)
    with pytest.raises(st.NotFoundError):
        st.listdir("backup", print_results=False, client=client)
    with pytest.raises(st.NotFoundError):
        st.remove("backup", client=client)
    assert st.get_space_used(client=client) == round(3160 / 1024**3, 3)


def test_signed_urls(client, tree):
    (url,) = st.get_signed_urls(["t1/output.zip"], "download", client=client)
    assert httpx.get(url).content == b"x" * 3000
    urls = st.get_signed_urls([f"new/f{i}.txt" for i in range(450)], "upload",
                              client=client)
    assert len(urls) == 450  # asked in batches, answered in order
    assert urls[449].split("?")[0].endswith("/new/f449.txt")


def test_validation_errors_carry_the_server_detail(client, tree):
    with pytest.raises(st.ValidationError) as info:
        client.list_contents("t1", per_page=1000)
    assert info.value.status_code == 422 and "per_page" in str(info.value)
    with pytest.raises(st.InvalidPathError):
        st.listdir("../etc", client=client)


def test_unreachable_api_is_a_typed_error():
    with st.StorageClient("http://127.0.0.1:1", "k", retries=1) as c, \
            pytest.raises(st.ConnectionFailed, match="cannot reach"):
        st.listdir(client=c, print_results=False)


def test_environment_defaults(monkeypatch, server):
    monkeypatch.setenv("INDUCTIVA_API_URL", server.url)
    monkeypatch.setenv("INDUCTIVA_API_KEY", KEY)
    st.set_default_client(None)
    try:
        assert st.default_client().api_url == server.url
        assert st.listdir(print_results=False) == []
    finally:
        st.default_client().close()
        st.set_default_client(None)
    monkeypatch.delenv("INDUCTIVA_API_URL")
    with st.StorageClient(api_key="k") as c:
        assert c.api_url == st.DEFAULT_API_URL


def test_upload_from_url(client, server, tmp_path):
    body = b"remote,data\n" * 1000
    with serve_pages({"/files/my%20data.csv": (200, body)}) as base:
        url = f"{base}/files/my%20data.csv"
        assert st.upload_from_url(url, "fetched", client=client) == "fetched/my data.csv"
        deadline = time.monotonic() + 10
        path = region_root(server, KEY) / "fetched/my data.csv"
        while not path.exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert path.read_bytes() == body
        assert st.upload_from_url(url, "fetched", "renamed.csv",
                                  client=client) == "fetched/renamed.csv"
        with pytest.raises(st.ValidationError, match="could not fetch"):
            st.upload_from_url("http://127.0.0.1:1/x.csv", "fetched", client=client)


def make_output_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("artifacts/stdout.txt",
                    "".join(f"step {i}\n" for i in range(5000)), zipfile.ZIP_DEFLATED)
        zf.writestr("artifacts/stored.log", "".join(f"line {i}\n" for i in range(3000)),
                    zipfile.ZIP_STORED)
        zf.writestr("artifacts/sub/data.csv", b"a,b\n1,2\n", zipfile.ZIP_BZIP2)
        zf.writestr("artifacts/sub/deep/conf.gro", b"lzma payload " * 100, zipfile.ZIP_LZMA)
        zf.writestr("artifacts/empty.txt", b"", zipfile.ZIP_DEFLATED)
        zf.writestr("output.json", b"{}")
    return buffer.getvalue()


@pytest.fixture
def task(client, server):
    root = region_root(server, KEY)
    (root / "task").mkdir(parents=True)
    (root / "task/output.zip").write_bytes(make_output_zip())
    with zipfile.ZipFile(io.BytesIO(), "w") as _:
        pass
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("sim_dir/config.json", b'{"dt": 0.1}', zipfile.ZIP_DEFLATED)
    (root / "task/input.zip").write_bytes(buffer.getvalue())
    return "task"


def test_zip_contents_and_range(client, task):
    info = st.get_zip_contents("task/output.zip", "artifacts", client=client)
    assert [f.name for f in info.files] == ["stdout.txt", "stored.log", "sub/", "empty.txt"]
    assert info.files[0].compress_type == 8 and isinstance(info.files[0].creation_time,
                                                           datetime)
    deep = st.get_zip_contents("task/output.zip", "artifacts/", recursive=True, client=client)
    assert "sub/deep/conf.gro" in [f.name for f in deep.files]
    rng = st.get_file_range("task/output.zip", "artifacts", "stored.log", client=client)
    assert isinstance(rng, st.ZipFileRange) and rng.range_end > rng.range_start


@pytest.mark.parametrize("member, expected", [
    ("stdout.txt", "".join(f"step {i}\n" for i in range(5000)).encode()),
    ("artifacts/stdout.txt", "".join(f"step {i}\n" for i in range(5000)).encode()),
    ("stored.log", "".join(f"line {i}\n" for i in range(3000)).encode()),
    ("sub/data.csv", b"a,b\n1,2\n"),
    ("sub/deep/conf.gro", b"lzma payload " * 100),
    ("empty.txt", b""),
])
def test_member_download_every_method(client, task, tmp_path, member, expected):
    (path,) = st.download(f"task/output.zip/{member}", str(tmp_path), client=client,
                          progress=False)
    assert path == tmp_path / "task/output" / member
    assert path.read_bytes() == expected
    assert not list(tmp_path.rglob(".*.part"))


def test_member_from_input_zip_and_outside_prefix(client, task, tmp_path):
    (path,) = st.download("task/input.zip/config.json", str(tmp_path), client=client,
                          progress=False)
    assert path.read_bytes() == b'{"dt": 0.1}'
    assert st.read_member("task/output.zip", "output.json", client=client) == b"{}"
    with pytest.raises(st.NotFoundError, match="nope.txt"):
        st.download("task/output.zip/nope.txt", str(tmp_path), client=client)


def test_read_and_tail_members(client, task):
    assert st.tail_member("task/output.zip", "stdout.txt", 3, client=client) == [
        "step 4997", "step 4998", "step 4999"]
    assert st.tail_member("task/output.zip", "stored.log", 2, client=client) == [
        "line 2998", "line 2999"]
    assert st.read_member("task/output.zip", "stdout.txt", max_bytes=14,
                          client=client) == b"step 0\nstep 1\n"
    assert st.read_member("task/output.zip", "stored.log", max_bytes=7,
                          client=client) == b"line 0\n"


def test_member_read_costs_only_the_member(tmp_path):
    from inductiva_widgets.server.config import ServerConfig
    from inductiva_widgets.server.runner import start_in_thread

    from .proxy import CuttingProxy

    config = ServerConfig(root=tmp_path / "root", api_keys=[KEY])
    with start_in_thread(config) as server:
        proxy = CuttingProxy(int(server.url.rsplit(":", 1)[1]))
        config.public_url = proxy.url
        try:
            root = region_root(server, KEY)
            (root / "t").mkdir(parents=True)
            with zipfile.ZipFile(root / "t/output.zip", "w") as zf:
                zf.writestr("artifacts/stdout.txt", b"hello\n" * 10_000, zipfile.ZIP_DEFLATED)
                with zf.open("artifacts/big.bin", "w") as member:
                    for _ in range(64):
                        member.write(os.urandom(1024 * 1024))
            with st.StorageClient(proxy.url, KEY) as client:
                before = proxy.bytes_to_client
                data = st.read_member("t/output.zip", "stdout.txt", client=client)
                used = proxy.bytes_to_client - before
                compressed = st.get_zip_contents("t/output.zip", "artifacts",
                                                 client=client).files[0].compressed_size
            assert data == b"hello\n" * 10_000
            # The member's compressed bytes plus a few small JSON answers, of a 64 MiB archive.
            assert used < compressed + 8 * 1024
        finally:
            proxy.close()


def test_operation_objects(client):
    op = st.StorageOperation.from_api_response(client, {
        "id": "x", "name": "export", "status": "OK", "attributes": {"a": 1},
        "start_time": datetime(2026, 1, 1, tzinfo=timezone.utc).isoformat(),
        "end_time": None, "error_message": None})
    assert op.status == "OK" and op.attributes == {"a": 1} and op.end_time is None
    assert op.wait(poll_s=0) == "OK"
    with pytest.raises(st.NotFoundError):
        st.StorageOperation(client, "missing").wait(poll_s=0)


def test_stat_is_exact_in_a_folder_of_many_similar_names(client, server):
    root = region_root(server, KEY)
    (root / "similar").mkdir(parents=True)
    for i in range(250):
        (root / "similar" / f"run_{i:03d}.log").write_bytes(b"x" * i)
    (root / "similar" / "run").write_bytes(b"exact")  # a substring of every other name
    entry = st.stat("similar/run", client=client)
    assert entry["size_bytes"] == 5 and entry["path"] == "similar/run"
    assert st.stat("similar/run_249.log", client=client)["size_bytes"] == 249
    with pytest.raises(st.NotFoundError):
        st.stat("similar/run_250.log", client=client)


def test_invalid_paths_are_always_invalid_path_errors(client):
    for call in (lambda: st.copy("a/b", "../up", client=client),
                 lambda: st.remove("a/../b", client=client),
                 lambda: st.download("x//y", client=client),
                 lambda: st.listdir("a\\b", client=client)):
        with pytest.raises(st.InvalidPathError) as caught:
            call()
        assert isinstance(caught.value, ValueError) and caught.value.status == 422


def test_plain_http_needs_no_tls_and_environment_proxies_still_apply(server, monkeypatch):
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with st.StorageClient(server.url, KEY) as client:
        assert st.listdir("/", print_results=False, client=client) == []
        # The https pool (and the CA bundle it loads) is made only for an https request.
        assert client._http._transport._tls is None
        assert client._http._transport._plain is not None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    with st.StorageClient("https://api.example.invalid", KEY) as client:
        assert any(m is not None for m in client._http._mounts.values())  # httpx's proxy


def test_task_conventions_live_in_one_place():
    from inductiva_widgets.storage import tasks

    assert tasks.implied_folder("abc/output.zip") == "artifacts/"
    assert tasks.implied_folder("abc/input.zip/") == "sim_dir/"
    assert tasks.implied_folder("abc/other.zip") == ""
    assert tasks.is_task_listing({"output.zip", "x"}) and not tasks.is_task_listing({"x"})
    assert tasks.cost_share(50, 200, 2.0) == 0.5
    assert tasks.cost_share(None, 200, 2.0) is None and tasks.cost_share(5, 0, 2.0) is None


def test_concurrency_is_sized_to_the_link(server):
    with st.StorageClient(server.url, KEY) as client:
        assert client.workers_for(3) == 8 and client._fastest_s is None  # few: no probe
        client.workers_for(500)  # probes the round trip (not timed here: no timed tests)
        assert client._fastest_s is not None
        client._fastest_s = 0.001  # as on loopback
        assert client.workers_for(500) == 8
        client._fastest_s = 0.040  # as through a 40 ms round trip
        assert client.workers_for(500) == 32 and client.concurrency == 32
    with st.StorageClient(server.url, KEY, concurrency=3) as client:
        assert client.workers_for(500) == 3 and client.concurrency == 3
