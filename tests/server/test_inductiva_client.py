"""The unmodified `inductiva==0.18.12` client against the bundled server: import, upload,
listdir and download.

Every test runs a short script with the real client in its own venv (`reference_client.py`),
then checks what the client reports and what the server wrote on disk.
"""

from __future__ import annotations

import os
import zipfile
from datetime import datetime, timezone

import pytest

from inductiva_widgets.server.config import user_id_for

from ..conftest import KEY, OTHER_KEY
from .reference_client import (
    CLIENT_VERSION,
    TREE,
    ZIP_MEMBERS,
    _report,
    build_output_zip,
    rand_bytes,
    read_tree,
    run_client,
    run_script,
    stripped,
    user_root,
    write_tree,
)

pytestmark = pytest.mark.inductiva_client

# -- 1. import ---------------------------------------------------------------------------------


def test_import_calls_version_check_and_user_info(server):
    """A plain `import inductiva` (no INDUCTIVA_DISABLE_IMPORT_INFO) prints the user info.

    It calls /version-check, then /users/info, /users/costs, /users/fees and /users/quotas
    (inductiva/__init__.py:250); an error in any of them makes the import raise.
    """
    result = run_client(server, """
        import inductiva
        emit({"version": inductiva.__version__})
    """, extra_env={"INDUCTIVA_DISABLE_IMPORT_INFO": None})
    assert result["version"] == CLIENT_VERSION
    assert "Traceback" not in result["_stderr"], result["_stderr"]
    # _cli/cmd_user/info.py:140-145, printed from the /users/info answer.
    assert f"Username: {user_id_for(KEY)}" in result["_stdout"], result["_stdout"]
    assert "Plan: Local" in result["_stdout"], result["_stdout"]


def test_import_with_import_info_disabled(server):
    result = run_client(server, """
        import inductiva
        emit({"version": inductiva.__version__})
    """, extra_env={"INDUCTIVA_DISABLE_IMPORT_INFO": "1"})
    assert result["version"] == CLIENT_VERSION
    assert "Traceback" not in result["_stderr"], result["_stderr"]
    assert "Username:" not in result["_stdout"]


def test_uncaught_api_errors_show_the_server_detail(server):
    """`import inductiva` installs a sys.excepthook that reads `json.loads(body)["detail"]`
    for any uncaught 4xx (logs/log.py:80); every 4xx body must be JSON with a `detail`."""
    cases = [
        (OTHER_KEY + "-unknown", 'inductiva.storage.listdir("/")', "invalid API key"),
        (KEY, 'inductiva.storage.remove("no-such-folder")', "no-such-folder"),
    ]
    for key, call, detail in cases:
        proc = run_script(server, f"import inductiva\n{call}\n", key=key)
        report = _report(proc)
        assert proc.returncode == 1, report
        assert "ERROR: " in proc.stderr and detail in proc.stderr, report
        assert "Error in sys.excepthook" not in proc.stderr, report


# -- 2. upload ---------------------------------------------------------------------------------


def test_upload_folder_and_single_file(server, tmp_path):
    local = tmp_path / "local" / "src folder"
    write_tree(local, TREE)
    single = tmp_path / "local" / "single file.dat"
    single.write_bytes(rand_bytes(6 * 1024 * 1024 + 7, seed=3))  # many chunks

    run_client(server, """
        import inductiva
        inductiva.storage.upload(ARGS["folder"], "myfolder")
        inductiva.storage.upload(ARGS["file"], "singles")
        inductiva.storage.upload(ARGS["file"], "nested/remote dir")
        emit({})
    """, args={"folder": str(local), "file": str(single)})

    root = user_root(server)
    assert read_tree(root / "myfolder") == TREE
    assert read_tree(root / "singles") == {"single file.dat": single.read_bytes()}
    assert read_tree(root / "nested") == {"remote dir/single file.dat": single.read_bytes()}
    assert not list((server.config.root / ".tmp").iterdir()), "temp files were left behind"


def test_upload_and_download_1000_files(server, tmp_path):
    """One signed-URL request for all 1000 uploads (a ~58 KB query string, storage.py:436)
    and a download that HEADs and GETs them in a thread pool (storage.py:584-612)."""
    files = {f"part {i // 100}/file_{i:04d}_with_a_rather_long_name.txt": b"%d\n" % i
             for i in range(1000)}
    local, dest = tmp_path / "many", tmp_path / "many-dl"
    write_tree(local, files)

    run_client(server, """
        import inductiva
        inductiva.storage.upload(ARGS["local"], "many")
        inductiva.storage.download("many/", ARGS["dest"], decompress=False)
        emit({})
    """, args={"local": str(local), "dest": str(dest)})

    assert read_tree(user_root(server) / "many") == files
    assert read_tree(dest / "many") == files


# -- 3. listdir --------------------------------------------------------------------------------

LISTING_FILES = {
    "alpha/x.txt": b"x" * 10,
    "alpha/y.txt": b"y" * 300,
    "alpha/z.txt": b"z" * 20,
    "alpha/sub/s1.txt": b"s" * 1000,
    "alpha/sub/deeper/d.txt": b"d" * 5,
    "beta/b1.bin": b"1" * 5000,
    "beta/b2.bin": b"2" * 70,
    "beta/b3.bin": b"3" * 900,
    "beta/b4.bin": b"4",
    **{f"gamma/g{i:03d}.txt": b"g" for i in range(150)},
}
FOLDER_MTIMES = {"alpha": datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
                 "beta": datetime(2021, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
                 "gamma": datetime(2022, 1, 2, 3, 4, 5, tzinfo=timezone.utc)}


def _folder_size(prefix: str) -> int:
    return sum(len(d) for name, d in LISTING_FILES.items() if name.startswith(prefix + "/"))


def test_listdir(server):
    root = user_root(server)
    write_tree(root, LISTING_FILES)
    for folder, when in FOLDER_MTIMES.items():
        os.utime(root / folder, (when.timestamp(), when.timestamp()))

    r = run_client(server, """
        import inductiva
        ls = inductiva.storage.listdir
        out = {
            "root": rows(ls("/", max_results=None, print_results=False)),
            "root_2": rows(ls("/", max_results=2, print_results=False)),
            "alpha": rows(ls("alpha", max_results=None, print_results=False)),
            "nested": rows(ls("alpha/sub", max_results=None, print_results=False)),
            "one_file": rows(ls("alpha/y.txt", print_results=False)),
            "recursive": rows(ls("/", max_results=None, recursive=True, print_results=False)),
            "rec_size_asc": rows(ls("/", max_results=None, recursive=True, order_by="size",
                                    sort_order="asc", print_results=False)),
            "size_asc": rows(ls("beta", max_results=None, order_by="size", sort_order="asc",
                                print_results=False)),
            "size_desc": rows(ls("beta", max_results=None, order_by="size", sort_order="desc",
                                 print_results=False)),
            "size_desc_2": rows(ls("beta", max_results=2, order_by="size", sort_order="desc",
                                   print_results=False)),
            "gamma": rows(ls("gamma", max_results=None, print_results=False)),
        }
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            ls("alpha", print_results=True)
        out["printed"] = buf.getvalue()
        emit(out)
    """)

    def names(key):
        return [row["name"] for row in r[key]]

    # The root lists the top-level folders, newest first by default (creation_time, desc).
    assert [n.rstrip("/") for n in names("root")] == ["gamma", "beta", "alpha"]
    for row in r["root"]:
        when = FOLDER_MTIMES[row["name"].rstrip("/")]
        assert datetime.fromisoformat(row["creation_time"]) == when, row
        assert row["provider"] == "LOCAL" and row["region"] == "europe-west1", row
    assert [n.rstrip("/") for n in names("root_2")] == ["gamma", "beta"]

    # Names are relative to the listed folder; a nested folder arrives without a slash.
    assert stripped(names("alpha")) == {"x.txt", "y.txt", "z.txt", "sub"}
    alpha_sizes = {row["name"]: row["size"] for row in r["alpha"]}
    assert alpha_sizes["x.txt"] == 10 and alpha_sizes["y.txt"] == 300
    assert stripped(names("nested")) == {"s1.txt", "deeper"}
    assert [(row["name"], row["size"]) for row in r["one_file"]] == [("y.txt", 300)]

    # recursive=True: folder sizes are the bytes beneath them.
    rec_sizes = {row["name"].rstrip("/"): row["size"] for row in r["recursive"]}
    assert rec_sizes == {f: _folder_size(f) for f in FOLDER_MTIMES}
    assert [n.rstrip("/") for n in names("rec_size_asc")] == ["gamma", "alpha", "beta"]

    assert names("size_asc") == ["b4.bin", "b2.bin", "b3.bin", "b1.bin"]
    assert names("size_desc") == ["b1.bin", "b3.bin", "b2.bin", "b4.bin"]
    assert names("size_desc_2") == ["b1.bin", "b3.bin"]

    # 150 entries: two pages of per_page=100, each name once.
    assert sorted(names("gamma")) == sorted(f"g{i:03d}.txt" for i in range(150))

    printed = r["printed"]
    for name in ("x.txt", "y.txt", "z.txt", "sub"):
        assert name in printed, printed
    assert "Listed 4 folder(s)" in printed, printed
    assert "europe-west1" in printed, printed


def test_listdir_all_regions(server):
    base = server.config.root / "users" / user_id_for(KEY)
    write_tree(base / "europe-west1", {"eu/a.txt": b"a"})
    write_tree(base / "us-central1", {"us/b.txt": b"bb"})

    r = run_client(server, """
        import inductiva
        ls = inductiva.storage.listdir
        emit({
            "all": rows(ls("/", region="all", max_results=None, print_results=False)),
            "us": rows(ls("/", region="us-central1", max_results=None, print_results=False)),
            "default": rows(ls("/", max_results=None, print_results=False)),
        })
    """)

    def regions(key):
        return {row["name"].rstrip("/"): row["region"] for row in r[key]}

    assert regions("all") == {"eu": "europe-west1", "us": "us-central1"}
    assert regions("us") == {"us": "us-central1"}
    assert regions("default") == {"eu": "europe-west1"}


# -- 4. download -------------------------------------------------------------------------------


def test_download_folder_and_single_file(server, tmp_path):
    write_tree(user_root(server) / "myfolder", TREE)
    whole, single = tmp_path / "dl-folder", tmp_path / "dl-file"

    run_client(server, """
        import inductiva
        inductiva.storage.download("myfolder/", ARGS["whole"], decompress=False)
        inductiva.storage.download("myfolder/sub/b.bin", ARGS["single"], decompress=False)
        emit({})
    """, args={"whole": str(whole), "single": str(single)})

    assert read_tree(whole) == {f"myfolder/{rel}": data for rel, data in TREE.items()}
    assert read_tree(single) == {"myfolder/sub/b.bin": TREE["sub/b.bin"]}


def test_download_zip_members(server, tmp_path):
    """`<task>/output.zip/<member>`: a ranged GET, then raw inflate for DEFLATED members."""
    task = user_root(server) / "task1"
    build_output_zip(task / "output.zip")
    input_data = b"input deck\n" * 500
    with zipfile.ZipFile(task / "input.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("sim_dir/deck.in", input_data)
    dest, whole = tmp_path / "dl-zip", tmp_path / "dl-whole"

    run_client(server, """
        import inductiva
        inductiva.storage.download("task1/output.zip/stdout.txt", ARGS["dest"])
        inductiva.storage.download("task1/output.zip/raw.bin", ARGS["dest"])
        inductiva.storage.download("task1/output.zip/my out \u00fc.txt", ARGS["dest"])
        inductiva.storage.download("task1/input.zip/deck.in", ARGS["dest"])
        inductiva.storage.download("task1/output.zip", ARGS["whole"])  # then unzipped
        emit({})
    """, args={"dest": str(dest), "whole": str(whole)})

    # storage.py:568 keeps the zip's path without ".zip" as the local folder; the prefix
    # inside the archive is artifacts/ for output.zip and sim_dir/ for input.zip (l.548).
    assert read_tree(dest) == {
        "task1/output/stdout.txt": ZIP_MEMBERS["artifacts/stdout.txt"][0],
        "task1/output/raw.bin": ZIP_MEMBERS["artifacts/raw.bin"][0],
        "task1/output/my out \u00fc.txt": ZIP_MEMBERS["artifacts/my out \u00fc.txt"][0],
        "task1/input/deck.in": input_data,
    }
    assert read_tree(whole / "task1" / "output") == {
        name: data for name, (data, _) in ZIP_MEMBERS.items()}


def test_download_of_missing_path_fails_visibly(server, tmp_path):
    write_tree(user_root(server) / "myfolder", {"a.txt": b"a"})
    dest = tmp_path / "dl-missing"

    r = run_client(server, """
        import inductiva
        emit({
            "folder": failure(lambda: inductiva.storage.download("nope/", ARGS["dest"])),
            "file": failure(lambda: inductiva.storage.download("myfolder/nope.txt",
                                                               ARGS["dest"])),
        })
    """, args={"dest": str(dest)})

    for what in ("folder", "file"):
        assert r[what] is not None, f"download of a missing {what} reported success"
        assert r[what]["status"] == 404, r[what]
    assert not dest.exists() or not any(dest.rglob("*")), list(dest.rglob("*"))


