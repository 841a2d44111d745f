"""The unmodified public `inductiva==0.18.12` client against the bundled storage server.

Every test runs a short script with the real client in its own venv (a subprocess), then
checks what the client reports and what the server wrote on disk. The client's venv is
found through `INDUCTIVA_CLIENT_PYTHON`, else `<repo>/.venv-inductiva/bin/python`
(`make inductiva-client` installs it).

Client facts these tests rely on are quoted from the wheel (`inductiva/storage/storage.py`)
where they matter; see also `CLIENT-NOTES.md`.
"""

from __future__ import annotations

import functools
import http.server
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
import zlib
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from inductiva_widgets.server.config import user_id_for

from ..conftest import KEY, OTHER_KEY

pytestmark = pytest.mark.inductiva_client

REPO = Path(__file__).resolve().parents[2]
CLIENT_VERSION = "0.18.12"
INSTALL_HINT = "make inductiva-client"
SCRIPT_TIMEOUT_S = 30

# Prepended to every client script. `import inductiva` also asks pypi.org for a newer
# version (inductiva/__init__.py:108) and urllib3 has no default timeout, hence the first
# lines. The script reports by calling `emit(dict)`, which prints JSON as the last line.
PRELUDE = '''\
import socket
socket.setdefaulttimeout(10)
import contextlib, io, json, os, sys

ARGS = json.loads(os.environ.get("CLIENT_ARGS") or "{}")


def emit(result):
    sys.stdout.flush()
    print("\\n" + json.dumps(result), flush=True)


def failure(call):
    """None if call() succeeds, else what it raised (type, HTTP status, message)."""
    try:
        call()
    except Exception as exc:
        return {"type": type(exc).__name__, "status": getattr(exc, "status", None),
                "message": str(exc)[:500]}
    return None


def rows(listing):
    """listdir() rows made JSON-friendly."""
    return [dict(r, creation_time=r["creation_time"].isoformat() if r["creation_time"] else None)
            for r in listing]

'''


# -- finding the client and running scripts -------------------------------------------------


@functools.cache
def _find_client_python() -> str | None:
    candidates = [os.environ.get("INDUCTIVA_CLIENT_PYTHON"),
                  str(REPO / ".venv-inductiva" / "bin" / "python")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def client_python() -> str:
    """The client venv's interpreter; fails on CI, skips elsewhere, when it is missing."""
    python = _find_client_python()
    if python is None:
        message = (f"the inductiva=={CLIENT_VERSION} client venv is missing (set "
                   f"INDUCTIVA_CLIENT_PYTHON or run `{INSTALL_HINT}`)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return python


def _is_leaky(name: str) -> bool:
    """Variables of the calling environment that would change what the client does."""
    upper = name.upper()
    return (upper.startswith(("INDUCTIVA_", "AWS_", "PYTHON"))
            or upper in {"GITHUB_ACTIONS", "VIRTUAL_ENV", "CLIENT_ARGS"}
            or upper.endswith("_PROXY"))


def run_script(server, script: str, key: str = KEY, extra_env: dict | None = None, *,
               args: dict | None = None,
               timeout: float = SCRIPT_TIMEOUT_S) -> subprocess.CompletedProcess:
    """Run `script` (after PRELUDE) with the real client against `server`.

    `extra_env` values of None remove a variable (INDUCTIVA_DISABLE_IMPORT_INFO is set
    unless removed that way). `args` reaches the script as the dict `ARGS`.
    """
    python = client_python()
    home = server.config.root.parent / "client-home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not _is_leaky(k)}
    env.update(
        HOME=str(home),
        INDUCTIVA_API_URL=server.url,
        INDUCTIVA_API_KEY=key,
        INDUCTIVA_DISABLE_IMPORT_INFO="1",
        INDUCTIVA_DISABLE_ANSI="1",
        PYTHONIOENCODING="utf-8",
        NO_PROXY="127.0.0.1,localhost",
        CLIENT_ARGS=json.dumps(args or {}),
    )
    for name, value in (extra_env or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [python, "-c", PRELUDE + textwrap.dedent(script)],
        env=env, cwd=home, capture_output=True, encoding="utf-8", errors="replace",
        timeout=timeout, check=False,
    )


def _report(proc: subprocess.CompletedProcess) -> str:
    return f"\n--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-6000:]}"


def run_client(server, script: str, key: str = KEY, extra_env: dict | None = None, *,
               args: dict | None = None, timeout: float = SCRIPT_TIMEOUT_S) -> dict:
    """Run `script` with the real client against `server`; return what it emitted.

    The script must exit 0 and `emit()` last. The result also carries the script's whole
    output under `_stdout` and `_stderr`.
    """
    proc = run_script(server, script, key, extra_env, args=args, timeout=timeout)
    report = _report(proc)
    assert proc.returncode == 0, f"client script exited with {proc.returncode}{report}"
    lines = proc.stdout.strip().splitlines()
    assert lines, f"client script printed nothing{report}"
    try:
        result = json.loads(lines[-1])
    except json.JSONDecodeError:
        pytest.fail(f"client script's last line is not JSON{report}")
    result["_stdout"], result["_stderr"] = proc.stdout, proc.stderr
    return result


# -- files on the server's disk --------------------------------------------------------------


def user_root(server, key: str = KEY) -> Path:
    """Where the server keeps `key`'s files of the default region."""
    return server.config.root / "users" / user_id_for(key) / "europe-west1"


def write_tree(base: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def read_tree(base: Path) -> dict[str, bytes]:
    """Every file beneath `base`, by its `/`-separated path relative to it."""
    return {p.relative_to(base).as_posix(): p.read_bytes()
            for p in sorted(base.rglob("*")) if p.is_file()}


def rand_bytes(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


# Nested files, an empty file, a space, a unicode name and URL-significant characters.
TREE = {
    "a.txt": b"hello from a\n",
    "empty.txt": b"",
    "with space.txt": b"a file name with a space\n",
    "\u00fcn\u00efc\u00f8d\u00e9 \u6587\u4ef6.txt": "unicode name \u2713\n".encode(),
    "odd a+b #1 & c=d.txt": b"characters that mean something in URLs\n",
    "sub/b.bin": rand_bytes(300_000, seed=1),
    "sub/deeper/c.txt": b"deep\n" * 1000,
}

ZIP_MEMBERS = {  # name -> (data, method); one member outside artifacts/
    "artifacts/stdout.txt": (b"".join(b"simulation step %d done\n" % i for i in range(2000)),
                             zipfile.ZIP_DEFLATED),
    "artifacts/raw.bin": (rand_bytes(5_000, seed=2), zipfile.ZIP_STORED),
    "artifacts/my out \u00fc.txt": (b"spaced member\n" * 400, zipfile.ZIP_DEFLATED),
    "artifacts/sub/nested.txt": (b"nested member\n" * 300, zipfile.ZIP_DEFLATED),
    "logs/other.txt": (b"not an artifact\n" * 50, zipfile.ZIP_DEFLATED),
}


def build_output_zip(path: Path) -> None:
    """A task's output.zip: members under artifacts/, one DEFLATED and one STORED."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, (data, method) in ZIP_MEMBERS.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2025, 3, 4, 5, 6, 8)), data,
                        compress_type=method)


def artifact_infos(path: Path) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename.removeprefix("artifacts/"): i for i in zf.infolist()
                if i.filename.startswith("artifacts/")}


def stripped(names) -> set[str]:
    """Names without a trailing `/` (folders may be listed either way)."""
    return {n.rstrip("/") for n in names}


# -- helpers living in the test process --------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture
def file_server(tmp_path):
    """A plain HTTP server on 127.0.0.1 serving `tmp_path / "served"`; yields (dir, base URL)."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, name="test-file-server", daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def _client_has_boto3() -> bool:
    proc = subprocess.run([client_python(), "-c", "import boto3"], capture_output=True,
                          timeout=SCRIPT_TIMEOUT_S, check=False)
    return proc.returncode == 0


@pytest.fixture(scope="module")
def moto_s3(tmp_path_factory):
    """A real S3 endpoint (moto_server) on loopback; yields (endpoint URL, boto3 S3 client).

    Skips first when the client's venv cannot export at all: `export_to_aws_s3` prints
    "boto3 is not installed" and returns without calling the server (storage.py:976).
    """
    if not _client_has_boto3():
        pytest.skip(f"boto3 is not installed in the inductiva client venv ({client_python()}):"
                    " inductiva.storage.export() returns at storage.py:976 without calling the"
                    " server. Install `inductiva[aws]` there to run this test.")
    moto_server = Path(sys.executable).parent / "moto_server"
    if not moto_server.exists():
        found = shutil.which("moto_server")
        if found is None:
            message = "moto_server is missing (install the project's [test] extra)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        moto_server = Path(found)
    import boto3  # only here: the rest of the module does not need it

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(moto_server), "-H", "127.0.0.1", "-p", str(port)],
                                stdout=log, stderr=subprocess.STDOUT)
    s3 = None
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                pytest.fail(f"moto_server exited with {proc.returncode}:\n"
                            f"{log_path.read_text(errors='replace')[-3000:]}")
            try:
                httpx.get(endpoint, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("moto_server did not answer within 20 s")
                time.sleep(0.1)
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        yield endpoint, s3
    finally:
        if s3 is not None:
            s3.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


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

