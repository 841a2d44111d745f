"""The unmodified `inductiva==0.18.12` client in its own venv: finding it, running a script
with it against the bundled server, and the files, archives and servers its tests use.

Client facts the tests rely on are quoted from the wheel (`inductiva/storage/storage.py`)
where they matter; see also `CLIENT-NOTES.md`.
"""

from __future__ import annotations

import functools
import http.server
import json
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
from pathlib import Path

import httpx
import pytest

from inductiva_widgets.server.config import user_id_for

from ..conftest import KEY

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
def find_client_python() -> str | None:
    """The reference client venv's interpreter, or None when it is not installed."""
    candidates = [os.environ.get("INDUCTIVA_CLIENT_PYTHON"),
                  str(REPO / ".venv-inductiva" / "bin" / "python")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def client_python() -> str:
    """The client venv's interpreter; fails on CI, skips elsewhere, when it is missing."""
    python = find_client_python()
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


