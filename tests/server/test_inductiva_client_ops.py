"""The unmodified `inductiva==0.18.12` client against the bundled server: copy, remove,
ZIP members, space used, fetch from URL, isolation and export (continued from
`test_inductiva_client.py`, and run the same way).
"""

from __future__ import annotations

import math
import shutil
import time
import zlib

import httpx
import pytest

from ..conftest import KEY, OTHER_KEY
from .reference_client import (
    TREE,
    ZIP_MEMBERS,
    artifact_infos,
    build_output_zip,
    free_port,
    rand_bytes,
    read_tree,
    run_client,
    stripped,
    user_root,
    write_tree,
)

pytestmark = pytest.mark.inductiva_client

# -- 5. copy and remove ------------------------------------------------------------------------


def test_copy_and_remove(server):
    root = user_root(server)
    files = {
        "src/f.txt": b"file to copy\n",
        "src/g/h.txt": b"nested file to copy\n",
        "src/empty.txt": b"",
        "gone/x.txt": b"x",
        "folder/file.txt": b"remove me",
        "folder/other.txt": b"keep me",
        "a/b/x.txt": b"in a/b",
        "a/b/c/y.txt": b"in a/b/c",
        "a/keep.txt": b"keep a",
    }
    write_tree(root, files)

    r = run_client(server, """
        import inductiva
        s = inductiva.storage
        s.copy("src/f.txt", "dst/f copy.txt")
        s.copy("src", "srccopy")
        s.remove("gone")
        s.remove("folder/file.txt")
        s.remove("a/b")
        emit({
            "copy_missing": failure(lambda: s.copy("src/nope.txt", "dst/nope.txt")),
            "remove_missing": failure(lambda: s.remove("gone")),  # removed just above
            "remove_missing_file": failure(lambda: s.remove("folder/nope.txt")),
        })
    """)

    src = {k.removeprefix("src/"): v for k, v in files.items() if k.startswith("src/")}
    assert read_tree(root / "dst") == {"f copy.txt": files["src/f.txt"]}
    assert read_tree(root / "srccopy") == src
    assert read_tree(root / "src") == src, "the copy's source changed"
    assert not (root / "gone").exists()
    assert read_tree(root / "folder") == {"other.txt": b"keep me"}
    assert read_tree(root / "a") == {"keep.txt": b"keep a"}
    assert not (root / "a" / "b").exists()
    for what in ("copy_missing", "remove_missing", "remove_missing_file"):
        assert r[what] is not None and r[what]["status"] == 404, (what, r[what])
    assert not (root / "dst" / "nope.txt").exists()


# -- 6. zip contents and ranges ----------------------------------------------------------------


def test_zip_contents_and_file_range(server):
    zip_path = user_root(server) / "task1" / "output.zip"
    build_output_zip(zip_path)
    infos = artifact_infos(zip_path)
    archive = zip_path.read_bytes()

    r = run_client(server, """
        import dataclasses
        import inductiva
        from inductiva.storage import storage as st

        def contents(*args, **kwargs):
            info = st.get_zip_contents(*args, **kwargs)
            files = [dict(dataclasses.asdict(f), creation_time=str(f.creation_time))
                     for f in info.files]
            return {"size": info.size, "files": files}

        path = "task1/output.zip"
        emit({
            "recursive": contents(path, "artifacts", recursive=True),
            "recursive_slash": contents(path, "artifacts/", recursive=True),
            "flat": contents(path, "artifacts", recursive=False),
            "ranges": {
                "stdout.txt": dataclasses.asdict(st.get_file_range(path, "artifacts",
                                                                   "stdout.txt")),
                "raw.bin": dataclasses.asdict(st.get_file_range(path, "artifacts/", "raw.bin")),
                "sub/nested.txt": dataclasses.asdict(st.get_file_range(path, "artifacts/sub",
                                                                       "nested.txt")),
            },
        })
    """)

    # Names are relative to zip_relative_path, with or without its trailing slash.
    recursive = {f["name"]: f for f in r["recursive"]["files"]}
    assert set(recursive) == set(infos) == {"stdout.txt", "raw.bin", "my out \u00fc.txt",
                                            "sub/nested.txt"}
    assert r["recursive_slash"] == r["recursive"]
    for name, info in infos.items():
        entry = recursive[name]
        assert entry["size"] == info.file_size, entry
        assert entry["compressed_size"] == info.compress_size, entry
        assert entry["compress_type"] == info.compress_type, entry
        assert entry["creation_time"] not in (None, "None"), entry
    # CLIENT-NOTES: `size` is shown as "Total size" beside the compressed sizes
    # (tasks/output_info.py:35), i.e. the uncompressed total under the folder.
    assert r["recursive"]["size"] == sum(i.file_size for i in infos.values())

    flat_names = [f["name"] for f in r["flat"]["files"]]
    assert stripped(flat_names) == {"stdout.txt", "raw.bin", "my out \u00fc.txt", "sub"}
    assert len(flat_names) == 4, flat_names

    for name, rng in r["ranges"].items():
        info = infos[name]
        start, end = rng["range_start"], rng["range_end"]
        assert start == recursive[name]["range_start"], (name, rng)
        # range_end is inclusive, as in the client's `Range: bytes={start}-{end}`.
        assert end - start + 1 == info.compress_size, (name, rng)
        raw = archive[start:end + 1]
        data = zlib.decompress(raw, -zlib.MAX_WBITS) if info.compress_type else raw
        assert data == ZIP_MEMBERS[f"artifacts/{name}"][0], name


# -- 7. space used -----------------------------------------------------------------------------


def test_get_space_used(server, api):
    root = user_root(server)
    write_tree(root / "myfolder", TREE)
    big = root / "big" / "sparse.bin"
    big.parent.mkdir()
    with open(big, "wb") as fh:  # sparse: 1.5 GiB of size, no disk blocks
        fh.truncate(3 * 1024**3 // 2)
    total = sum(len(d) for d in TREE.values()) + big.stat().st_size

    r = run_client(server, """
        import inductiva
        emit({"used": inductiva.storage.get_space_used()})
    """)

    assert api.get("/storage/size").json() == total
    # storage.py:65: `round(float(storage_total_size_bytes) / (1024**3), 3)`, GiB not GB.
    assert r["used"] == round(total / 1024**3, 3) == 1.5
    assert "Volume:" in r["_stdout"], r["_stdout"]


# -- 8. upload from a URL ----------------------------------------------------------------------


def test_upload_from_url(server, api, file_server):
    served, base = file_server
    name = "data file \u00fc.bin"
    payload = rand_bytes(2_000_000, seed=4)
    (served / name).write_bytes(payload)
    url = f"{base}/data%20file%20%C3%BC.bin"
    assert httpx.get(url).content == payload  # the file server itself works

    run_client(server, """
        import inductiva
        inductiva.storage.upload_from_url(ARGS["url"], "fetched")
        emit({})
    """, args={"url": url})

    # The fetch is asynchronous (storage.py:351-352): poll the listing.
    deadline = time.monotonic() + 10
    while True:
        resp = api.get("/storage/contents", params={"path": "fetched/", "per_page": 100})
        listed = {c["name"]: c for c in resp.json()["contents"]} if resp.status_code == 200 else {}
        if name in listed:
            break
        assert time.monotonic() < deadline, f"{name!r} not listed after 10 s: {resp.text}"
        time.sleep(0.2)
    assert listed[name]["size_bytes"] == len(payload)
    assert (user_root(server) / "fetched" / name).read_bytes() == payload


def test_upload_from_unreachable_url_fails_visibly(server):
    dead = f"http://127.0.0.1:{free_port()}/missing.bin"
    r = run_client(server, """
        import inductiva
        emit({"error": failure(lambda: inductiva.storage.upload_from_url(ARGS["url"], "x"))})
    """, args={"url": dead})
    assert r["error"] is not None, "upload_from_url of a dead URL reported success"
    assert r["error"]["status"] is not None and 400 <= r["error"]["status"] < 500, r["error"]
    assert not (user_root(server) / "x").exists()


# -- 9. isolation between keys -----------------------------------------------------------------


def test_keys_do_not_see_each_others_files(server, tmp_path):
    local = tmp_path / "alice"
    write_tree(local, {"data.txt": b"alice's secret\n"})
    build_output_zip(tmp_path / "zips" / "output.zip")
    run_client(server, """
        import inductiva
        inductiva.storage.upload(ARGS["local"], "secret")
        emit({})
    """, key=KEY, args={"local": str(local)})
    shutil.copy(tmp_path / "zips" / "output.zip", user_root(server, KEY) / "secret" / "out.zip")
    alice_before = read_tree(user_root(server, KEY))
    assert alice_before["secret/data.txt"] == b"alice's secret\n"

    bob_local = tmp_path / "bob"
    write_tree(bob_local, {"data.txt": b"bob's own file\n"})
    dest = tmp_path / "bob-downloads"
    r = run_client(server, """
        import inductiva
        s = inductiva.storage
        out = {
            "root": rows(s.listdir("/", max_results=None, print_results=False)),
            "list": failure(lambda: s.listdir("secret", print_results=False)),
            "download": failure(lambda: s.download("secret/data.txt", ARGS["dest"])),
            "download_folder": failure(lambda: s.download("secret/", ARGS["dest"])),
            "signed_url": failure(lambda: s.get_signed_urls(["secret/data.txt"], "download")),
            "zip": failure(lambda: s.get_zip_contents("secret/out.zip", "artifacts")),
            "copy": failure(lambda: s.copy("secret/data.txt", "mine/data.txt")),
            "remove": failure(lambda: s.remove("secret/data.txt")),
        }
        s.upload(ARGS["local"], "secret")  # the same path, in bob's own storage
        out["root_after"] = rows(s.listdir("/", max_results=None, print_results=False))
        emit(out)
    """, key=OTHER_KEY, args={"dest": str(dest), "local": str(bob_local)})

    assert r["root"] == [], r["root"]
    for what in ("list", "download", "download_folder", "signed_url", "zip", "copy", "remove"):
        assert r[what] is not None, f"bob's {what} of alice's file succeeded"
        assert r[what]["status"] == 404, (what, r[what])
    assert not dest.exists() or not any(dest.rglob("*")), list(dest.rglob("*"))
    assert [row["name"].rstrip("/") for row in r["root_after"]] == ["secret"]
    assert read_tree(user_root(server, KEY)) == alice_before
    assert read_tree(user_root(server, OTHER_KEY)) == {"secret/data.txt": b"bob's own file\n"}


# -- 10. export to S3 --------------------------------------------------------------------------

EXPORT_SCRIPT = """
    import inductiva
    import inductiva.client
    from inductiva.storage import storage as st

    def _get_file_size(file_path):
        # The shipped helper calls len() on a StorageContents model (storage.py:898) and
        # always raises TypeError; this is the same request, read correctly.
        api = inductiva.client.StorageApi(inductiva.api.get_client())
        contents = api.list_storage_contents(path=file_path, per_page=2).contents
        if len(contents) != 1:
            raise ValueError(f"{file_path}: {len(contents)} entries listed, expected 1")
        return contents[0].size_bytes

    st._get_file_size = _get_file_size
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        inductiva.storage.export(ARGS["path"], inductiva.storage.ExportDestination.AWS_S3,
                                 ARGS["bucket"], file_name=ARGS["key"], part_size=5)

    # The client drops the operation id (storage.py:958): find it in the user's list.
    api = inductiva.client.StorageApi(inductiva.api.get_client())
    ops = [op for op in api.get_operations_by_user(per_page=10)
           if op.attributes.get("path") == ARGS["path"]]
    result = {"printed": buf.getvalue(), "ops": len(ops)}
    if ops:
        op = st.StorageOperation(api, ops[0].id)
        op._refresh()  # wait() does not refresh before its first check
        result["status"] = op.wait(poll_s=0.2).value
        result["error"] = op._error_message
        result["id"] = op.id
    emit(result)
"""


def test_export_to_s3(server, api, moto_s3):
    endpoint, s3 = moto_s3
    bucket, key = "export-bucket", "exported/big.bin"
    s3.create_bucket(Bucket=bucket)
    size = 11 * 1024 * 1024 + 123  # parts of 5 MiB, the client's minimum (storage.py:927)
    payload = rand_bytes(size, seed=5)
    write_tree(user_root(server), {"exp/big.bin": payload})
    expected_parts = math.ceil(size / (5 * 1024 * 1024))
    assert expected_parts == 3

    r = run_client(server, EXPORT_SCRIPT, extra_env={
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }, args={"path": "exp/big.bin", "bucket": bucket, "key": key}, timeout=60)

    # export() prints, and returns quietly, on every problem it detects before the server.
    assert "Export is being done by inductiva server" in r["printed"], r["printed"]
    assert r["ops"] == 1, r
    assert r["status"] == "OK", r

    deadline = time.monotonic() + 30
    while True:
        ops = [op for op in api.get("/storage/operations").json()
               if op["attributes"].get("path") == "exp/big.bin"]
        assert len(ops) == 1, ops
        if ops[0]["status"] != "RUNNING":
            break
        assert time.monotonic() < deadline, f"export still running after 30 s: {ops[0]}"
        time.sleep(0.2)
    assert ops[0]["status"] == "OK", ops[0]
    assert ops[0]["id"] == r["id"]

    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == size
    assert head["ETag"].strip('"').endswith(f"-{expected_parts}"), head["ETag"]
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        assert body.read() == payload
    finally:
        body.close()

