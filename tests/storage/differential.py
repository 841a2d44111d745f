"""Helpers of the differential suite (issue 11): `inductiva.storage` against ours, call by call.

A *case* is a seed function, its arguments and a starting remote state. For each case the
same call runs once through the reference client (`inductiva[aws]==0.18.12`, unmodified, in
its own venv) and once through `inductiva_widgets.storage` (in `.venv`), each from its own
freshly written copy of the state, and these fields are compared:

    return             the return value, made JSON-able with its Python type names kept
    exception.class    the raised exception's class name and the names of its MRO
    exception.str      its `str()`
    exception.status   its `.status` attribute (the reference's ApiException has one)
    stdout             what the call printed
    stderr.text        what it wrote to stderr, without progress bars
    stderr.progress    the final state of each tqdm bar: description, %, n/total, unit
    local              every file written under the case's working folder (path, sha256,
                       size) and, for the one case that writes there, under /datasets
    remote             every file and empty folder of the user's storage on the server's
                       disk afterwards (path, sha256, size)
    operations         the user's storage operations (exports) afterwards
    s3                 the objects and pending multipart uploads of the case's S3 bucket

A subset also runs inside a real IPython kernel (one kernel per client, `jupyter_client`),
where the streams, display_data/execute_result (mime types and text/plain) and errors the
kernel shows are compared as `kernel.*` fields.

How the calls run. Each client runs every case in ONE subprocess (the reference's import
alone takes ~2 s), from the same script template, which differs only in the client block
(`from inductiva import storage` or `import inductiva_widgets.storage as storage`, and how a
key is switched). Cases stay independent: every case and client gets its own API key, hence
its own user folder on the server, written from scratch before anything runs, its own working
folder, and its own S3 bucket. The script switches key and working folder per case and
redirects file descriptors 1 and 2 to files around each call, so stdout and stderr are
not TTYs for either client, and per-case output is exact. A per-case alarm bounds each call;
a batch that dies is resumed after the case that was running (recorded as crashed).
Functions that `inductiva.storage` does not re-export (get_file_range, export_to_aws_s3,
multipart_upload, ZipFileRange) are taken from `inductiva.storage.storage`, the module the
seed reference documents.

Normalisation (`normalise_text`, applied to every string of both records):
  - per-run values become placeholders: the case folder -> <CASE>, the client's HOME ->
    <HOME>, the server's URL -> <API>, moto's URL -> <S3>, the page server's URL -> <WEB>,
    API keys -> <KEY>, user folder ids -> <USER>, bucket names -> <BUCKET>, operation ids
    -> <OP>;
  - the query of a signed URL (our server's `signature=`, S3's `X-Amz-Signature=`) -> ?<signed>;
  - HTTP dates (`Date:` headers inside exception texts) -> <http-date>; ISO timestamps within
    a day of the run -> <now> (the starting states have fixed times in 2024, compared as is);
  - object addresses `0x7f..` -> 0x<addr>;
  - on stderr, tqdm bars are parsed out of the carriage-return redraws: only each bar's final
    state is kept (description, percentage, n/total, unit), not elapsed time, ETA or rate;
  - in the kernel, the reference's handler for API errors prints a frame list
    (`  - file line N, in f`); those lines are dropped.

Intended differences live in ONE registry, `INTENDED` below, each with its reason; the
README section "Differences from inductiva.storage" must list the same names. Any other
difference fails the case's test with a readable diff.
"""

from __future__ import annotations

import bz2  # noqa: F401 - zipfile needs it for ZIP_BZIP2; fail here, early, if missing
import dataclasses
import difflib
import hashlib
import io
import json
import lzma  # noqa: F401 - as above, for ZIP_LZMA
import os
import posixpath
import random
import re
import shutil
import subprocess
import sys
import time
import warnings
import zipfile
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
OURS_PYTHON = sys.executable
CASE_TIMEOUT_S = 45          # one call, enforced by an alarm inside the batch script
BATCH_BASE_TIMEOUT_S = 120   # a whole batch: this plus CASE_TIMEOUT_S per case, at most
KERNEL_CELL_TIMEOUT_S = 60
SETTLE_TIMEOUT_S = 20
CLIENTS = ("ref", "ours")
BAD_KEY = "not-a-known-key"
FIXED_TIME = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc).timestamp()
ZIP_TIME = (2024, 5, 1, 12, 0, 0)

# =============================================================================================
# Starting states: components of the remote tree, written straight under the user's folder
# =============================================================================================


def _bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def make_zip(members: Iterable[tuple[str, bytes | None, int]]) -> bytes:
    """An archive from (name, data, method); data None makes an explicit folder entry."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            if data is None:
                info.external_attr = 0o40755 << 16 | 0x10
                zf.writestr(info, b"")
            else:
                info.compress_type = method
                info.external_attr = 0o644 << 16
                zf.writestr(info, data)
    return buffer.getvalue()


D, S, BZ, XZ = zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA
STDOUT_TXT = b"".join(b"simulation step %d done\n" % i for i in range(2000))


def _components() -> dict[str, dict[str, bytes]]:
    many = {f"many/result_{i:03d}.txt": b"r" * (i % 17) for i in range(230)}
    many.update({f"many/other_{i}.dat": b"o" * (i + 1) for i in range(5)})
    return {
        "data": {
            "data/a.txt": b"hello from a\n",
            "data/empty.txt": b"",
            "data/with space.txt": b"a file name with a space\n",
            "data/\u00fcn\u00efc\u00f8d\u00e9.txt": "unicode name \u2713\n".encode(),
            "data/sub/b.bin": _bytes(50_000, 1),
            "data/sub/deeper/c.txt": b"deep\n" * 1000,
        },
        # output.zip WITH explicit artifacts/ (and artifacts/sub/) folder entries; members
        # stored, deflated, bzip2, lzma, empty, in a subfolder, and one outside artifacts/.
        "task1": {
            "task1/output.zip": make_zip([
                ("artifacts/", None, S),
                ("artifacts/stdout.txt", STDOUT_TXT, D),
                ("artifacts/raw.bin", _bytes(5_000, 2), S),
                ("artifacts/empty.txt", b"", D),
                ("artifacts/sub/", None, S),
                ("artifacts/sub/nested.txt", b"nested member\n" * 300, D),
                ("artifacts/bz.txt", b"bzip2 member\n" * 400, BZ),
                ("artifacts/xz.txt", b"lzma member\n" * 400, XZ),
                ("logs/other.txt", b"not an artifact\n" * 50, D),
            ]),
            "task1/input.zip": make_zip([
                ("sim_dir/", None, S),
                ("sim_dir/config.json", b'{"steps": 2000}\n', D),
                ("sim_dir/mesh/grid.txt", b"0 0 0\n" * 500, D),
            ]),
            "task1/metadata.json": b'{"task": "task1"}\n',
        },
        # output.zip WITHOUT an explicit artifacts/ folder entry.
        "task2": {
            "task2/output.zip": make_zip([
                ("artifacts/stdout.txt", b"task two output\n" * 100, D),
                ("artifacts/result.csv", b"x,y\n" + b"1,2\n" * 200, D),
                ("artifacts/sub/deep.txt", b"deep member\n", D),
            ]),
        },
        "zips": {
            "zips/plain.zip": make_zip([("a.txt", b"plain member a\n" * 20, D),
                                        ("sub/b.txt", b"plain member b\n" * 20, D)]),
            "zips/slip.zip": make_zip([("artifacts/", None, S),
                                       ("artifacts/ok.txt", b"fine\n", D),
                                       ("artifacts/../../../evil.txt", b"zip-slip\n", D)]),
            "zips/notzip.zip": b"this is not a zip archive\n",
        },
        "mixed": {
            "mixed/a.txt": b"plain file before the archive\n",
            "mixed/z.zip": make_zip([("x.txt", b"inside z\n" * 10, D)]),
        },
        "many": many,
        "datasets": {"datasets/README.md": b"# datasets\n"},
        "exp": {"exp/blob.bin": _bytes(200_000, 3)},
    }


COMPONENTS = _components()
BASE = ("data", "task1", "task2")

INPUTS: dict[str, dict[str, bytes | None]] = {  # None: an empty folder
    "file": {"single.txt": b"single file\n" * 10},
    "bigfile": {"big.bin": _bytes(1_500_000, 4)},
    "folder": {"folder/a.txt": b"folder a\n", "folder/empty.txt": b"",
               "folder/sub/b.txt": b"folder b\n" * 50,
               "folder/sub/deeper/c.bin": _bytes(20_000, 5)},
    "odd": {"odd dir/with space.txt": b"space\n",
            "odd dir/\u00fcn\u00ef c\u00f8d\u00e9.txt": b"unicode\n",
            "odd dir/odd a+b #1 & c=d.txt": b"url characters\n",
            "odd dir/percent%20name.txt": b"percent\n"},
    "empty_file": {"empty.txt": b""},
    "empty_folder": {"emptydir": None},
    "output_zip": {"outdir/output.zip": make_zip([("artifacts/x.txt", b"x", D)])},
    "unicode_file": {"\u00fcn\u00ef.txt": b"unicode file name\n"},
}


def _set_times(root: Path, rels: Iterable[str]) -> None:
    """Fixed, distinct modification times: files in path order, then folders bottom-up."""
    for i, rel in enumerate(sorted(rels)):
        os.utime(root / rel, (FIXED_TIME + 61 * i, FIXED_TIME + 61 * i))
    folders = sorted({p for rel in rels for p in Path(rel).parents if str(p) != "."},
                     key=lambda p: (-len(p.parts), str(p)))
    for j, folder in enumerate(folders):
        stamp = FIXED_TIME - 3600 + 7 * j
        os.utime(root / folder, (stamp, stamp))


def write_state(region_root: Path, components: Iterable[str]) -> None:
    files: dict[str, bytes] = {}
    for name in components:
        files.update(COMPONENTS[name])
    region_root.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        path = region_root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    _set_times(region_root, files)


def write_inputs(folder: Path, names: Iterable[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        for rel, data in INPUTS[name].items():
            path = folder / rel
            if data is None:
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)


# =============================================================================================
# Cases
# =============================================================================================


def IN(rel: str) -> dict:  # noqa: N802 - reads as a marker in the case table
    """A path under the case's local input folder."""
    return {"$in": rel}


def PREP(name: str) -> dict:  # noqa: N802
    """A value prepared by the test process before the batch (bucket, operation id...)."""
    return {"$prep": name}


def WEB(path: str) -> dict:  # noqa: N802
    """A URL on the loopback page server."""
    return {"$web": path}


def DEST(name: str) -> dict:  # noqa: N802
    """A member of the client's own ExportDestination."""
    return {"$dest": name}


@dataclasses.dataclass(eq=False)
class Case:
    id: str
    fn: str                               # a seed name, or a RECIPES name of the template
    args: tuple = ()
    kwargs: dict = dataclasses.field(default_factory=dict)
    state: tuple[str, ...] = BASE         # components of COMPONENTS
    inputs: tuple[str, ...] = ()          # components of INPUTS, under <case>/in
    local: dict = dataclasses.field(default_factory=dict)  # files already in <case>/work
    key: str = "own"                      # "own", or "bad" for an unknown key
    prep: str | None = None               # see `prepare`
    kernel: bool = False                  # also run inside an IPython kernel
    settle: bool = False                  # wait for background work before snapshots

    @property
    def function(self) -> str:
        return self.fn.split(".")[0]

    def remote_arg(self) -> str | None:
        return self.args[0] if self.args and isinstance(self.args[0], str) else None


# =============================================================================================
# The script template both clients run
# =============================================================================================

REF_BLOCK = '''
from inductiva import storage
import inductiva
import inductiva.client
from inductiva.storage import storage as _seed_module


def use_key(key):
    os.environ["INDUCTIVA_API_KEY"] = key
    inductiva.set_api_key(key)


def make_api():
    return inductiva.client.StorageApi(inductiva.api.get_client())


def fetch_operation(api, operation_id):
    return api.get_operation(operation_id=operation_id)
'''

OURS_BLOCK = '''
import inductiva_widgets.storage as storage
_seed_module = storage


def use_key(key):
    os.environ["INDUCTIVA_API_KEY"] = key
    storage.set_default_client(None)


def make_api():
    return storage.default_client()


def fetch_operation(api, operation_id):
    return api.get_operation(operation_id)
'''

TEMPLATE = '''
import socket
socket.setdefaulttimeout(20)
import dataclasses, datetime, enum, json, os, pathlib, signal, sys, time
{client_block}

def seed(name):
    found = getattr(storage, name, None)
    return found if found is not None else getattr(_seed_module, name)


def _op(op_id):
    return seed("StorageOperation")(make_api(), op_id)


def _refresh_then_wait(op_id, poll_s=2):
    op = _op(op_id)
    op._refresh()
    return op.wait(poll_s=poll_s)


def _from_api_response(op_id):
    api = make_api()
    return seed("StorageOperation").from_api_response(api, fetch_operation(api, op_id))


RECIPES = {{
    "StorageOperation.wait": lambda op_id, poll_s=2: _op(op_id).wait(poll_s=poll_s),
    "StorageOperation._refresh+wait": _refresh_then_wait,
    "StorageOperation.from_api_response": _from_api_response,
    "ExportDestination.members": lambda: [(m.name, m.value, str(m))
                                          for m in seed("ExportDestination")],
}}


def resolve(value, ctx):
    if isinstance(value, list):
        return [resolve(v, ctx) for v in value]
    if isinstance(value, dict):
        if len(value) == 1:
            (k, v), = value.items()
            if k == "$in":
                return os.path.join(ctx["in"], v)
            if k == "$prep":
                return ctx["prep"][v]
            if k == "$web":
                return ctx["web"] + v
            if k == "$dest":
                return seed("ExportDestination")[v]
        return {{k: resolve(v, ctx) for k, v in value.items()}}
    return value


def run_call(case):
    fn = RECIPES.get(case["fn"]) or seed(case["fn"])
    return fn(*resolve(case["args"], case), **resolve(case["kwargs"], case))


def qualname(cls):
    return cls.__qualname__


SEED_PRIVATE = ("_status", "_error_message")


def jsonable(v, depth=0):
    if depth > 12:
        return {{"__repr__": qualname(type(v)), "repr": repr(v)[:300]}}
    d = depth + 1
    if isinstance(v, enum.Enum):
        return {{"__enum__": qualname(type(v)), "name": v.name, "value": jsonable(v.value, d)}}
    if v is None or type(v) in (bool, int, float, str):
        return v
    if isinstance(v, (bool, int, float, str)):
        return {{"__type__": qualname(type(v)), "value": jsonable(type(v).__mro__[1](v), d)}}
    if isinstance(v, datetime.datetime):
        return {{"__datetime__": v.isoformat(),
                "tzinfo": None if v.tzinfo is None else qualname(type(v.tzinfo))}}
    if isinstance(v, pathlib.PurePath):
        return {{"__path__": type(v).__name__, "value": str(v)}}
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return {{"__dataclass__": qualname(type(v)),
                "fields": {{f.name: jsonable(getattr(v, f.name), d)
                           for f in dataclasses.fields(v)}}}}
    if type(v) is dict:
        return {{str(k): jsonable(x, d) for k, x in v.items()}}
    if type(v) is list:
        return [jsonable(x, d) for x in v]
    if type(v) is tuple:
        return {{"__tuple__": [jsonable(x, d) for x in v]}}
    if isinstance(v, BaseException):
        return exception_record(v)
    if hasattr(v, "model_dump"):
        return {{"__model__": qualname(type(v)), "fields": jsonable(v.model_dump(), d)}}
    if isinstance(v, (list, tuple, dict, set, frozenset)):
        items = list(v.items()) if isinstance(v, dict) else list(v)
        return {{"__type__": qualname(type(v)), "items": jsonable(items, d)}}
    try:
        attrs = vars(v)
    except TypeError:
        return {{"__repr__": qualname(type(v)), "repr": repr(v)[:300]}}
    shown = {{k: jsonable(x, d) for k, x in attrs.items()
             if not k.startswith("_") or k in SEED_PRIVATE}}
    for k in SEED_PRIVATE:
        if hasattr(type(v), "wait") and k not in attrs:
            shown[k] = "<missing>"
    return {{"__object__": qualname(type(v)), "attrs": shown}}


def exception_record(exc):
    try:
        status = getattr(exc, "status", None)
    except Exception:
        status = "<error>"
    return {{"class": qualname(type(exc)), "module": type(exc).__module__,
            "mro": [qualname(c) for c in type(exc).__mro__],
            "str": str(exc)[:3000], "status": jsonable(status)}}


class CaseTimeout(BaseException):
    pass


def _alarm(signum, frame):
    raise CaseTimeout(f"the call did not return within {{ALARM_S}} s")


ALARM_S = {alarm_s}


def run_one(case, out_path, err_path):
    record = {{"id": case["id"], "returned": False, "return": None, "exception": None,
              "timeout": False}}
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        started = time.monotonic()
        signal.alarm(ALARM_S)
        try:
            value = run_call(case)
            record["returned"] = True
            record["return"] = jsonable(value)
        except CaseTimeout as exc:
            record["timeout"] = True
            record["exception"] = exception_record(exc)
        except Exception as exc:
            record["exception"] = exception_record(exc)
        finally:
            signal.alarm(0)
            record["seconds"] = round(time.monotonic() - started, 3)
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
    # Bytes, decoded: read_text() would turn tqdm's carriage returns into newlines.
    record["stdout"] = pathlib.Path(out_path).read_bytes().decode("utf-8", "replace")
    record["stderr"] = pathlib.Path(err_path).read_bytes().decode("utf-8", "replace")
    return record


def run_batch(cases_path, results_path):
    cases = json.loads(pathlib.Path(cases_path).read_text())
    done = set()
    if os.path.exists(results_path):
        for line in pathlib.Path(results_path).read_text().splitlines():
            entry = json.loads(line)
            done.add(entry.get("id") or entry.get("start"))
    signal.signal(signal.SIGALRM, _alarm)
    with open(results_path, "a", encoding="utf-8") as results:
        for case in cases:
            if case["id"] in done:
                continue
            results.write(json.dumps({{"start": case["id"]}}) + "\\n")
            results.flush()
            use_key(case["key"])
            os.chdir(case["cwd"])
            record = run_one(case, case["out"], case["err"])
            results.write(json.dumps(record) + "\\n")
            results.flush()


if __name__ == "__main__" and os.environ.get("DIFF_CASES"):
    run_batch(os.environ["DIFF_CASES"], os.environ["DIFF_RESULTS"])
'''


def script_for(client: str) -> str:
    block = REF_BLOCK if client == "ref" else OURS_BLOCK
    return TEMPLATE.format(client_block=block, alarm_s=CASE_TIMEOUT_S)


# =============================================================================================
# Interpreters, environments and the ipykernel for the reference venv
# =============================================================================================


def ref_python() -> str | None:
    candidates = [os.environ.get("INDUCTIVA_CLIENT_PYTHON"),
                  str(REPO / ".venv-inductiva" / "bin" / "python")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def python_for(client: str) -> str:
    python = ref_python() if client == "ref" else OURS_PYTHON
    assert python is not None
    return python


def _is_leaky(name: str) -> bool:
    upper = name.upper()
    return (upper.startswith(("INDUCTIVA_", "AWS_", "PYTHON", "JUPYTER", "IPYTHON", "DIFF_"))
            or upper in {"GITHUB_ACTIONS", "VIRTUAL_ENV", "CLIENT_ARGS", "TERM", "COLUMNS"}
            or upper.endswith("_PROXY"))


def client_env(home: Path, api_url: str, key: str, s3_endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not _is_leaky(k)}
    env.update(
        HOME=str(home),
        INDUCTIVA_API_URL=api_url,
        INDUCTIVA_API_KEY=key,
        INDUCTIVA_DISABLE_IMPORT_INFO="1",
        PYTHONIOENCODING="utf-8",
        NO_PROXY="127.0.0.1,localhost",
        TZ="UTC",
        AWS_ENDPOINT_URL=s3_endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        IPYTHONDIR=str(home / ".ipython"),
        JUPYTER_PLATFORM_DIRS="1",
    )
    return env


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "inductiva-widgets-tests"


def ipykernel_path(python: str) -> tuple[str | None, str]:
    """(PYTHONPATH entry or "" when `python` already has ipykernel, explanation).

    The reference venv ships without ipykernel. Rather than changing that shared venv while
    other tests use it, the exact set of packages `pip install ipykernel` WOULD add to it
    (pip's dry-run report, nothing it already has) is installed with --no-deps into a cache
    folder, which only the reference kernel gets on its PYTHONPATH.
    """
    probe = subprocess.run([python, "-c", "import ipykernel"], capture_output=True,
                           timeout=60, check=False)
    if probe.returncode == 0:
        return "", "ipykernel already installed"
    version = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=60, check=True).stdout
    tag = hashlib.sha256(f"{Path(python).resolve()}{version}".encode()).hexdigest()[:12]
    target = _cache_dir() / f"ipykernel-{tag}"
    if (target / ".complete").exists():
        return str(target), "cached"
    import fcntl

    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".ipykernel-{tag}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return str(target), "cached"
        report = target.parent / f".report-{tag}.json"
        dry = subprocess.run([python, "-m", "pip", "install", "--dry-run", "--quiet",
                              "--report", str(report), "ipykernel"],
                             capture_output=True, text=True, timeout=300, check=False)
        if dry.returncode != 0:
            return None, f"pip could not resolve ipykernel: {dry.stderr[-1000:]}"
        pins = [f"{item['metadata']['name']}=={item['metadata']['version']}"
                for item in json.loads(report.read_text())["install"]]
        staging = target.with_name(target.name + ".staging")
        shutil.rmtree(staging, ignore_errors=True)
        install = subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps",
                                  "--target", str(staging), *pins],
                                 capture_output=True, text=True, timeout=600, check=False)
        if install.returncode != 0:
            return None, f"pip could not install ipykernel: {install.stderr[-1000:]}"
        (staging / ".complete").write_text("\n".join(pins))
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return str(target), "installed"


# =============================================================================================
# Running a batch
# =============================================================================================


@dataclasses.dataclass
class Slot:
    """One case as run by one client: its key, user folder and local folders."""

    case: Case
    client: str
    owner_key: str
    call_key: str
    user_id: str
    root: Path             # <tmp>/<client>/<case id>
    prep: dict = dataclasses.field(default_factory=dict)
    subs: dict = dataclasses.field(default_factory=dict)   # raw value -> placeholder
    record: dict | None = None
    kernel_record: dict | None = None
    kernel_subs: dict = dataclasses.field(default_factory=dict)
    bucket: str | None = None
    outside: dict = dataclasses.field(default_factory=dict)

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def inputs(self) -> Path:
        return self.root / "in"


def run_batch(client: str, slots: list[Slot], env: dict[str, str], folder: Path,
              web: str) -> None:
    """Run every slot's call in one subprocess (resumed after a crash); fills slot.record."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "batch.py"
    script.write_text(script_for(client))
    cases = []
    for slot in slots:
        c = slot.case
        cases.append({"id": c.id, "fn": c.fn, "args": list(c.args), "kwargs": c.kwargs,
                      "key": slot.call_key, "cwd": str(slot.work), "in": str(slot.inputs),
                      "prep": slot.prep, "web": web,
                      "out": str(slot.root / "stdout.txt"), "err": str(slot.root / "stderr.txt")})
    cases_path = folder / "cases.json"
    cases_path.write_text(json.dumps(cases))
    results_path = folder / "results.jsonl"
    by_id = {slot.case.id: slot for slot in slots}
    env = dict(env, DIFF_CASES=str(cases_path), DIFF_RESULTS=str(results_path))
    for _attempt in range(len(slots) + 1):
        records, started = _read_results(results_path)
        remaining = [s for s in slots if s.case.id not in records
                     and s.case.id not in started]
        if not remaining:
            break
        timeout = BATCH_BASE_TIMEOUT_S + CASE_TIMEOUT_S * len(remaining)
        try:
            proc = subprocess.run([python_for(client), str(script)], env=env,
                                  cwd=str(folder), capture_output=True, encoding="utf-8",
                                  errors="replace", timeout=timeout, check=False)
            tail = f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        except subprocess.TimeoutExpired as exc:
            tail = f"batch timed out after {timeout} s: {str(exc.stderr or '')[-3000:]}"
        (folder / "batch.log").open("a").write(tail + "\n")
        records, started = _read_results(results_path)
        for case_id in started:
            if case_id not in records:  # it was running when the batch died
                crash = {"id": case_id, "returned": False, "return": None, "timeout": True,
                         "exception": {"class": "<batch died>", "mro": [],
                                       "str": tail[-1500:], "status": None},
                         "stdout": "", "stderr": ""}
                with open(results_path, "a") as fh:
                    fh.write(json.dumps(crash) + "\n")
    records, _ = _read_results(results_path)
    for case_id, slot in by_id.items():
        slot.record = records.get(case_id) or {
            "id": case_id, "returned": False, "return": None, "timeout": True,
            "exception": {"class": "<not run>", "mro": [], "str": "", "status": None},
            "stdout": "", "stderr": ""}


def _read_results(path: Path) -> tuple[dict[str, dict], set[str]]:
    records, started = {}, set()
    if path.exists():
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            if "start" in entry:
                started.add(entry["start"])
            else:
                records[entry["id"]] = entry
    return records, started


# =============================================================================================
# Snapshots
# =============================================================================================


def _digest(path: Path) -> str:
    data = path.read_bytes()
    return f"sha256:{hashlib.sha256(data).hexdigest()[:16]} ({len(data)} B)"


def tree_snapshot(root: Path) -> dict[str, str]:
    """Files (sha256 and size) and empty folders beneath `root`, by relative path."""
    found: dict[str, str] = {}
    if not root.exists():
        return found
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = f"symlink -> {os.readlink(path)}"
        elif path.is_dir():
            if not any(path.iterdir()):
                found[rel + "/"] = "empty folder"
        elif path.is_file():
            found[rel] = _digest(path)
        else:
            found[rel] = "special file"
    return found


def operations_snapshot(api_url: str, key: str) -> list[dict]:
    with httpx.Client(base_url=api_url, headers={"X-API-Key": key}, timeout=30) as http:
        reply = http.get("/storage/operations", params={"per_page": 100})
    if reply.status_code != 200:
        return [{"error": reply.status_code}]
    return [{"id": op.get("id"), "name": op.get("name"), "status": op.get("status"),
             "error_message": op.get("error_message"),
             "attributes": op.get("attributes")} for op in reply.json()]


def s3_snapshot(s3, bucket: str) -> dict:
    try:
        listed = s3.list_objects_v2(Bucket=bucket)
    except Exception as exc:  # noqa: BLE001 - the bucket may not exist, by design
        return {"bucket": f"unavailable: {type(exc).__name__}"}
    objects = {}
    for item in listed.get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"]
        try:
            data = body.read()
        finally:
            body.close()
        objects[item["Key"]] = f"sha256:{hashlib.sha256(data).hexdigest()[:16]} ({len(data)} B)"
    pending = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    return {"objects": objects, "pending_multipart_uploads": len(pending)}


# =============================================================================================
# Normalisation
# =============================================================================================

SIGNED_QUERY = re.compile(r"\?[^\s\"'<>)]*?(?:signature|Signature)=[^\s\"'<>)]*")
HTTP_DATE = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} "
                       r"\d{2}:\d{2}:\d{2} GMT")
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,16}")
FRAME_LINE = re.compile(r"^\s+- .+ line \d+, in .+$", re.MULTILINE)
RUN_STARTED = datetime.now(timezone.utc)


def _recent(match: re.Match) -> str:
    text = match.group(0)
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return text
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    window = timedelta(days=1)
    if RUN_STARTED - window <= stamp <= datetime.now(timezone.utc) + window:
        return "<now>"
    return text


def normalise_text(text: str, subs: dict[str, str]) -> str:
    text = SIGNED_QUERY.sub("?<signed>", text)
    for raw in sorted(subs, key=len, reverse=True):
        if raw:
            text = text.replace(raw, subs[raw])
    text = HTTP_DATE.sub("<http-date>", text)
    text = ISO_TIME.sub(_recent, text)
    return ADDRESS.sub("0x<addr>", text)


def normalise(value: Any, subs: dict[str, str]) -> Any:
    if isinstance(value, str):
        return normalise_text(value, subs)
    if isinstance(value, list):
        return [normalise(v, subs) for v in value]
    if isinstance(value, dict):
        return {normalise_text(k, subs): normalise(v, subs) for k, v in value.items()}
    return value


# tqdm's line, total known:   "desc: 100%|####| 13.0/13.0 [00:00<00:00, 5.2kB/s]"
#              total unknown: "desc: 13.0B [00:00, 5.2kB/s]"
TQDM_BAR = re.compile(r"^(?:(?P<desc>.*?): ?)?(?P<pct>-?\s*\d+%)\|(?P<bar>[^|]*)\|\s*"
                      r"(?P<n>\S+)/(?P<total>\S+) \[(?P<time>[^\]]*)\]\s*$")
TQDM_NO_TOTAL = re.compile(r"^(?:(?P<desc>.*?): ?)?(?P<n>\S+) "
                           r"\[(?P<time>\d+:\d\d(?::\d\d)?(?:, [^\]]*)?)\]\s*$")
RATE = re.compile(r"(?:\?|[\d.]+)\s*(?P<unit>\S+)$")


def _unit(time_part: str) -> str:
    rate = time_part.split(",")[-1].strip() if "," in time_part else ""
    match = RATE.match(rate)
    if not match:
        return "?"
    unit = match.group("unit")
    if unit.startswith("s/"):  # a slow rate is shown inverted: "s/B"
        unit = unit[2:] + "/s"
    return re.sub(r"^[kKMGTPEZY]i?(?=\w+/s$)", "", unit)


def parse_bar(segment: str) -> dict | None:
    segment = segment.strip("\x1b[A").rstrip()
    match = TQDM_BAR.match(segment)
    if match:
        return {"desc": match.group("desc") or "", "pct": match.group("pct").replace(" ", ""),
                "n/total": f"{match.group('n')}/{match.group('total')}",
                "unit": _unit(match.group("time"))}
    match = TQDM_NO_TOTAL.match(segment)
    if match:
        return {"desc": match.group("desc") or "", "pct": None, "n/total": match.group("n"),
                "unit": _unit(match.group("time"))}
    return None


def split_progress(text: str) -> tuple[list[dict], str]:
    """(final state of each tqdm bar, the text without bars and redraws)."""
    bars: list[dict] = []
    kept: list[str] = []
    for line in text.split("\n"):
        current: dict | None = None
        rest = []
        for segment in line.split("\r"):
            bar = parse_bar(segment)
            if bar is not None:
                if current is not None and current["desc"] != bar["desc"]:
                    bars.append(current)
                current = bar
            elif segment.strip():
                rest.append(segment)
        if current is not None:
            if bars and bars[-1]["desc"] == current["desc"]:
                bars[-1] = current  # the same bar, redrawn on a later line
            else:
                bars.append(current)
        kept.extend(rest)
    return bars, "\n".join(kept)


# =============================================================================================
# Fields, the registry of intended differences, comparison
# =============================================================================================

FIELDS = ("return", "exception.class", "exception.str", "exception.status", "stdout",
          "stderr.text", "stderr.progress", "local", "remote", "operations", "s3")
KERNEL_FIELDS = ("kernel.stdout", "kernel.stderr.text", "kernel.stderr.progress",
                 "kernel.display", "kernel.result", "kernel.error")


def fields_of(slot: Slot) -> dict[str, Any]:
    """The comparable, normalised view of one slot's record and snapshots."""
    record = normalise(slot.record or {}, slot.subs)
    exc = record.get("exception") or {}
    bars, text = split_progress(record.get("stderr", ""))
    view = {
        "return": record.get("return") if record.get("returned") else "<raised>",
        "exception.class": ({"class": exc.get("class"), "mro": exc.get("mro")}
                            if exc else None),
        "exception.str": exc.get("str") if exc else None,
        "exception.status": exc.get("status") if exc else None,
        "exception.module": exc.get("module") if exc else None,   # not compared
        "stdout": record.get("stdout", ""),
        "stderr.text": text,
        "stderr.progress": bars,
        "local": normalise(slot.outside.get("local", {}), slot.subs),
        "remote": normalise(slot.outside.get("remote", {}), slot.subs),
        "operations": normalise(slot.outside.get("operations", []), slot.subs),
        "s3": normalise(slot.outside.get("s3"), slot.subs),
    }
    if slot.kernel_record is not None:
        view.update(kernel_fields(slot.kernel_record, slot.kernel_subs))
    return view


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|error)\b.*")


def summarise_traceback(text: str) -> str:
    """A traceback printed as text, reduced to its exception lines (no frames, no code)."""
    text = ANSI.sub("", text)
    if "Traceback (most recent call last)" not in text:
        return text
    lines = [line.split("  ")[0] if "Traceback" in line else line
             for line in text.split("\n") if EXCEPTION_LINE.match(line)
             or line.startswith(("During handling", "The above exception"))]
    return "<traceback> " + " | ".join(lines)


def kernel_fields(record: dict, subs: dict[str, str]) -> dict[str, Any]:
    stdout = summarise_traceback(normalise_text(record.get("stdout", ""), subs))
    stderr = FRAME_LINE.sub("", normalise_text(record.get("stderr", ""), subs))
    bars, text = split_progress(stderr)
    displays: list[dict] = []
    for item in record.get("display", []):
        item = normalise(item, subs)
        if item["type"] == "comm_open":  # widget models: one entry listing their kinds
            if not displays or displays[-1]["type"] != "widgets":
                displays.append({"type": "widgets", "models": []})
            if item["model"] not in displays[-1]["models"]:
                displays[-1]["models"] = sorted(displays[-1]["models"] + [item["model"]])
            continue
        if "text/plain" in item:
            plain_bars, plain = split_progress(item["text/plain"])
            item["text/plain"] = plain_bars or plain
        displays.append(item)
    result = record.get("result")
    if result is not None:
        result = normalise(result, subs)
    error = record.get("error")
    if error is not None:
        error = normalise(error, subs)
    return {"kernel.stdout": stdout, "kernel.stderr.text": "\n".join(
                line for line in text.split("\n") if line.strip()),
            "kernel.stderr.progress": bars, "kernel.display": displays,
            "kernel.result": result, "kernel.error": error}


@dataclasses.dataclass(frozen=True)
class Intended:
    """A difference we keep on purpose: which fields, when, and why."""

    name: str
    reason: str
    fields: tuple[str, ...]
    applies: Callable[..., bool]   # (case, reference view, our view[, field])
    per_field: bool = False        # applies() also gets the field being compared

    def explains(self, case: Case, field: str, ref: dict, ours: dict) -> bool:
        if field not in self.fields:
            return False
        if self.per_field:
            return bool(self.applies(case, ref, ours, field))
        return bool(self.applies(case, ref, ours))


def _exc_class(view: dict) -> str:
    return (view.get("exception.class") or {}).get("class") or ""


def _exc_str(view: dict) -> str:
    return view.get("exception.str") or ""


def _member(case: Case) -> str | None:
    path = case.remote_arg() or ""
    return path.split(".zip/", 1)[1] if ".zip/" in path else None


def _duplicate_names(view: dict) -> bool:
    rows = view.get("return")
    if not isinstance(rows, list):
        return False
    names = [r.get("name") for r in rows if isinstance(r, dict)]
    return len(names) != len(set(names))


def _zip_left_packed(ref: dict, ours: dict) -> bool:
    return any(p.endswith(".zip") and p not in ours["local"] for p in ref["local"])


def _remote_dir_is_odd(case: Case) -> bool:
    """'dir/' or 'x/../y': a valid folder, written in a form that normalises to another."""
    remote_dir = case.args[1] if len(case.args) > 1 else case.kwargs.get("remote_dir", "")
    if not isinstance(remote_dir, str):
        return False
    normal = posixpath.normpath(remote_dir)
    return (normal != remote_dir and not normal.startswith(("/", ".."))
            and normal != ".")


def _returned_paths(view: dict) -> bool:
    value = view.get("return")
    return isinstance(value, list) and all(
        isinstance(v, str) or (isinstance(v, dict) and "__path__" in v) for v in value)


def _kernel_shows_paths(view: dict) -> bool:
    result = view.get("kernel.result")
    return isinstance(result, dict) and str(result.get("text/plain", "")).startswith("[")


def _same_bars_but_totals(case: Case, ref: dict, ours: dict, field: str) -> bool:
    """A member download whose bars are the reference's but with a total: tqdm shows a
    negative total as no total at all ("4.96kB [00:00, ...]")."""
    def shape(bars):
        return [(b["desc"], b["unit"]) for b in bars]

    ref_bars, our_bars = ref.get(field) or [], ours.get(field) or []
    return (case.fn == "download" and _member(case) is not None and bool(ref_bars)
            and all(b["pct"] is None for b in ref_bars)
            and all(b["pct"] is not None for b in our_bars)
            and shape(ref_bars) == shape(our_bars))


ALL_EXC = ("exception.class", "exception.str", "exception.status")
KERNEL_BAR = ("kernel.stderr.progress", "kernel.display")
_API_EXCEPTIONS = {"ApiException", "NotFoundException", "UnprocessableEntityException",
                   "UnauthorizedException", "ForbiddenException", "BadRequestException",
                   "ServiceException", "ConflictException"}


def _mro(view: dict) -> list[str]:
    return (view.get("exception.class") or {}).get("mro") or []


def _ours_is_storage_error(view: dict) -> bool:
    return "StorageError" in _mro(view)


def _api_error_typed(case: Case, ref: dict, ours: dict) -> bool:
    """The reference's ApiException family against our typed StorageError, same status."""
    return (_exc_class(ref) in _API_EXCEPTIONS and _ours_is_storage_error(ours)
            and ref.get("exception.status") == ours.get("exception.status"))


def _value_error_typed(case: Case, ref: dict, ours: dict, field: str) -> bool:
    """A reference ValueError against our StorageError that is also a ValueError.

    Same message, except for a missing ZIP member, which is also a 404 NotFoundError.
    """
    if _exc_class(ref) != "ValueError" or "ValueError" not in _mro(ours) \
            or not _ours_is_storage_error(ours):
        return False
    if field == "exception.class":
        return True
    return _exc_class(ours) == "MemberNotFoundError" and field == "exception.status"


def _tz_only(case: Case, ref: dict, ours: dict, field: str) -> bool:
    """Equal values whose only difference is pydantic's TzInfo against timezone.utc."""
    a = json.dumps(ref.get(field), sort_keys=True, default=str)
    b = json.dumps(ours.get(field), sort_keys=True, default=str)
    return a != b and a.replace('"TzInfo"', '"timezone"').replace(
        "TzInfo(0)", "datetime.timezone.utc").replace("TzInfo(UTC)", "datetime.timezone.utc") == b


def _kernel_bar_is_a_widget(case: Case, ref: dict, ours: dict, field: str) -> bool:
    if field == "kernel.stderr.progress":
        return bool(ref.get(field)) and not ours.get(field)
    return "widget-view" in json.dumps(ours.get(field), default=str)


def _reference_exception_hook(case: Case, ref: dict, ours: dict) -> bool:
    """The reference's IPython exception handler logs `ERROR: ...` (or fails and unregisters
    itself) where our error shows as a normal traceback of a typed exception."""
    text = json.dumps([ref.get("kernel.stderr.text"), ref.get("kernel.stdout")], default=str)
    return ("Custom TB Handler failed" in text or "ERROR:" in text
            or "ApiException" in text) and bool(ours.get("kernel.error"))

# The "Keep" list: our fixes, each kept on purpose. NOTHING else belongs here unless
# the README section "Differences from inductiva.storage" lists it with the same name.
INTENDED: tuple[Intended, ...] = (
    Intended(
        "export-len-of-model",
        "inductiva 0.18.12's export() always fails: _get_file_size runs len() on a "
        "StorageContents model (storage.py:898, TypeError). Ours looks the size up and "
        "exports, so the return value, exception, S3 bucket and operations differ, and "
        "ours goes on printing where the reference stopped.",
        ("return", *ALL_EXC, "s3", "operations", "stdout"),
        lambda case, ref, ours, field: case.fn in ("export", "export_to_aws_s3")
        and _exc_class(ref) == "TypeError" and "has no len()" in _exc_str(ref)
        # stdout: the reference stops printing where it fails; ours must print the same
        # up to there
        and (field != "stdout" or ours["stdout"].startswith(ref["stdout"])),
        per_field=True),
    Intended(
        "listdir-overlapping-pages",
        "The reference asks page=2&per_page=3 for max_results=103 (page=3&per_page=50 for "
        "250), which overlaps the previous page: entries come twice and others are missing. "
        "Ours pages with a fixed page size and returns each entry once.",
        ("return", "stdout", "kernel.stdout", "kernel.result"),
        lambda case, ref, ours: case.fn == "listdir" and _duplicate_names(ref)),
    Intended(
        "upload-odd-remote-dir",
        "With remote_dir 'dir/' or 'x/../y' the reference asks for signed URLs, then fails "
        "to find its own local files (storage.py:449 strips '<remote_dir>/' from normalised "
        "paths). Ours normalises the folder, or refuses '..', before asking for anything.",
        ("return", *ALL_EXC, "remote", "stderr.text", "stderr.progress"),
        lambda case, ref, ours: case.fn == "upload" and _remote_dir_is_odd(case)),
    Intended(
        "download-absolute-path-to-root",
        "The reference joins local_dir with the remote path as is, so '/datasets/README.md' "
        "is written to /datasets/README.md at the filesystem root. Ours writes beneath "
        "local_dir.",
        ("return", "local", *ALL_EXC, "stderr.text"),
        lambda case, ref, ours: case.fn == "download"
        and (case.remote_arg() or "").startswith("/")),
    Intended(
        "download-decompress-stops-at-first-non-zip",
        "The reference's _decompress returns at the first downloaded file that is not a "
        ".zip (storage.py:615), leaving later archives packed. Ours unpacks every archive.",
        ("local", "return"),
        lambda case, ref, ours: case.fn == "download" and _member(case) is None
        and _zip_left_packed(ref, ours)),
    Intended(
        "download-zip-slip",
        "The reference extracts an artifacts/ member named 'artifacts/../../../x' outside "
        "the target folder (utils/data.py extract_subdir_files). Ours refuses the archive "
        "with UnsafeArchiveError before writing anything.",
        ("local", "return", *ALL_EXC, "stderr.text", "stderr.progress"),
        lambda case, ref, ours: case.fn == "download"
        and _exc_class(ours).endswith("UnsafeArchiveError")),
    Intended(
        "download-member-subfolder-bzip2-lzma",
        "The reference cannot download a ZIP member in a subfolder (it asks for "
        "'artifactssub', storage.py:548) nor one stored with bzip2 or lzma (it always runs "
        "zlib.decompress, storage.py:631). Ours downloads them.",
        ("return", "local", *ALL_EXC, "stderr.text", "stderr.progress", "kernel.error",
         "kernel.result", "kernel.stderr.text", "kernel.stderr.progress"),
        lambda case, ref, ours: case.fn == "download" and _member(case) is not None
        and bool(_exc_class(ref))
        and ("/" in _member(case)
             or (ref.get("exception.module"), _exc_class(ref)) == ("zlib", "error"))),
    Intended(
        "member-download-negative-total",
        "The reference's member download gives tqdm a total of range_start - range_end, a "
        "negative number (storage.py:580). Ours gives the member's size.",
        ("stderr.progress", "kernel.stderr.progress"),
        _same_bars_but_totals, per_field=True),
    Intended(
        "operation-wait-and-from-api-response",
        "The reference's StorageOperation.wait() reads self._status before any refresh "
        "(AttributeError), and from_api_response indexes a model with ['id'] (TypeError). "
        "Ours refreshes first and accepts the API's answer.",
        ("return", *ALL_EXC, "stderr.text", "kernel.error", "kernel.result",
         "kernel.stderr.text"),
        lambda case, ref, ours: case.fn in ("StorageOperation.wait",
                                            "StorageOperation.from_api_response")
        and _exc_class(ref) in ("AttributeError", "TypeError")),
    Intended(
        "multipart-upload-returns-operation",
        "The reference's multipart_upload discards the server's answer (storage.py:958), so "
        "the operation id is lost. Ours returns the StorageOperation.",
        ("return",),
        lambda case, ref, ours: case.fn == "multipart_upload" and ref["return"] is None
        and isinstance(ours["return"], dict) and "__object__" in ours["return"]),
    Intended(
        "signed-urls-empty-list",
        "get_signed_urls([]) sends no paths and the API answers 422. Ours returns [] "
        "without a request.",
        ("return", *ALL_EXC),
        lambda case, ref, ours: case.fn == "get_signed_urls" and case.args
        and case.args[0] == []),
    Intended(
        "export-typed-error",
        "Where the reference prints a message (no boto3, no credentials, no bucket, no "
        "region) and returns None, ours raises ExportError with that message.",
        ("return", *ALL_EXC, "stdout"),
        lambda case, ref, ours: case.fn in ("export", "export_to_aws_s3")
        and ref["return"] is None and _exc_class(ours).endswith("ExportError")),
    Intended(
        "typed-api-errors",
        "API errors are our typed StorageError subclasses (NotFoundError, ValidationError, "
        "AuthenticationError, ...) with a one-line message naming the server's detail, not "
        "the generated client's ApiException family with headers and body in its text. "
        "They carry the same status (.status), and .body and .reason, as ApiException does. "
        "A storage path we refuse before any request raises InvalidPathError with status "
        "422, what the API answers for it.",
        ("exception.class", "exception.str"),
        _api_error_typed),
    Intended(
        "value-errors-are-storage-errors",
        "Where the reference raises ValueError, ours raises a StorageError subclass that is "
        "also a ValueError (InvalidPathError, InvalidArgumentError, MemberNotFoundError), "
        "with the same message; a missing ZIP member is also a NotFoundError (404).",
        ("exception.class", "exception.status"),
        _value_error_typed, per_field=True),
    Intended(
        "zip-bad-archive-error",
        "A download that is not a readable ZIP raises CorruptArchiveError, a StorageError "
        "that is also the zipfile.BadZipFile the reference raises, with a message naming "
        "the file.",
        ("exception.class", "exception.str"),
        lambda case, ref, ours: _exc_class(ref) == "BadZipFile"
        and "BadZipFile" in _mro(ours) and _ours_is_storage_error(ours)),
    Intended(
        "upload-from-url-returns-path",
        "The reference's upload_from_url returns None; ours returns the storage path the "
        "server is writing, to check or wait for.",
        ("return", "kernel.result"),
        lambda case, ref, ours: case.fn == "upload_from_url" and ref["return"] is None
        and isinstance(ours["return"], str)),
    Intended(
        "upload-empty-folder",
        "Uploading an empty folder makes the reference ask for signed URLs of no paths, "
        "which the API refuses with a 422 about a missing query field. Ours uploads "
        "nothing, says so as for any upload and returns [].",
        ("return", *ALL_EXC, "stderr.text", "stderr.progress"),
        lambda case, ref, ours: case.fn == "upload" and ours["return"] == []
        and _exc_class(ref) in _API_EXCEPTIONS),
    Intended(
        "utc-timezone-object",
        "Times are timezone-aware UTC datetimes in both; the reference's tzinfo is "
        "pydantic's TzInfo(0), ours the standard datetime.timezone.utc (the client does "
        "not depend on pydantic). The values compare equal.",
        ("return", "kernel.result"),
        _tz_only, per_field=True),
    Intended(
        "notebook-progress-bar",
        "In a Jupyter kernel our bar is tqdm's notebook widget (bytes, rate and ETA in a "
        "bar), where the reference writes a text bar on stderr. In scripts and terminals "
        "both write the same text bar.",
        KERNEL_BAR,
        _kernel_bar_is_a_widget, per_field=True),
    Intended(
        "notebook-error-display",
        "In a kernel the reference replaces IPython's traceback for API errors with a "
        "logged 'ERROR: <detail>' line (and for an error without a body its handler "
        "fails and unregisters itself). Ours leaves errors to IPython: the typed "
        "exception and its message, as for any other error.",
        ("kernel.error", "kernel.stderr.text", "kernel.stdout"),
        _reference_exception_hook),
    Intended(
        "upload-download-return-paths",
        "The reference's upload() and download() return None; ours return the storage "
        "paths written (upload) and the local paths written (download).",
        ("return", "kernel.result"),
        lambda case, ref, ours: case.fn in ("upload", "download")
        and ((ref["return"] is None and _returned_paths(ours))
             or (ref.get("kernel.result") is None and _kernel_shows_paths(ours)))),
)


@dataclasses.dataclass
class Difference:
    case: str
    function: str
    field: str
    ref: Any
    ours: Any
    intended: str | None

    def render(self, width: int = 1500) -> str:
        lines = [f"[{self.case}] {self.field}"
                 + (f"  (intended: {self.intended})" if self.intended else "  (NOT LISTED)")]
        if isinstance(self.ref, str) and isinstance(self.ours, str) and (
                "\n" in self.ref or "\n" in self.ours):
            diff = difflib.unified_diff(self.ref.splitlines(), self.ours.splitlines(),
                                        "reference", "ours", lineterm="", n=1)
            lines.extend("    " + line for line in list(diff)[:60])
        elif len(_short(self.ref, 10**9)) + len(_short(self.ours, 10**9)) > 400:
            # Large structures: a diff of their indented JSON shows where they differ.
            def pretty(value):
                return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1,
                                  default=str).splitlines()

            diff = list(difflib.unified_diff(pretty(self.ref), pretty(self.ours),
                                             "reference", "ours", lineterm="", n=2))
            lines.extend("    " + line for line in diff[:80])
            if len(diff) > 80:
                lines.append(f"    ... {len(diff) - 80} more diff lines")
        else:
            lines.append(f"    reference: {_short(self.ref, width)}")
            lines.append(f"    ours:      {_short(self.ours, width)}")
        return "\n".join(lines)


def _short(value: Any, width: int) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= width else text[: width - 20] + f"... ({len(text)} chars)"


def compare(case: Case, ref_slot: Slot, our_slot: Slot, names: Iterable[str]
            ) -> list[Difference]:
    """Every field that differs, with the registry entry that explains it, if any.

    Kernel fields are judged with the views of the subprocess run beside them, so that a
    registry entry can look at how the same call behaved there.
    """
    ref, ours = fields_of(ref_slot), fields_of(our_slot)
    found = []
    for field in names:
        a, b = ref.get(field), ours.get(field)
        if a == b:
            continue
        intended = next((i.name for i in INTENDED if i.explains(case, field, ref, ours)),
                        None)
        found.append(Difference(case.id, case.function, field, a, b, intended))
    return found


def report(differences: Iterable[Difference]) -> str:
    by_function: dict[str, list[Difference]] = {}
    for diff in differences:
        by_function.setdefault(diff.function, []).append(diff)
    out = []
    for function in sorted(by_function):
        out.append(f"## {function}")
        for diff in by_function[function]:
            out.append(diff.render(width=600))
        out.append("")
    return "\n".join(out)


# =============================================================================================
# Kernel runs
# =============================================================================================


def kernel_cell(slot: Slot, web: str) -> str:
    c = slot.case
    spec = {"id": c.id, "fn": c.fn, "args": list(c.args), "kwargs": c.kwargs,
            "in": str(slot.inputs), "prep": slot.prep, "web": web}
    # One cell, as a user would type it: switch key and folder, then the call as the last
    # expression, so that its value is displayed (execute_result) and errors show as such.
    return (f"use_key({slot.call_key!r}); os.chdir({str(slot.work)!r})\n"
            f"run_call(json.loads({json.dumps(spec)!r}))")


def run_kernel(client: str, slots: list[Slot], env: dict[str, str], folder: Path,
               web: str, extra_path: str) -> str | None:
    """Run the slots' calls in one real IPython kernel; fills slot.kernel_record.

    Returns None, or why the kernel could not run.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    folder.mkdir(parents=True, exist_ok=True)
    spec_dir = folder / "kernels" / f"diff-{client}"
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [python_for(client), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"differential {client}", "language": "python"}))
    env = dict(env)
    if extra_path:
        env["PYTHONPATH"] = extra_path
    ksm = KernelSpecManager(kernel_dirs=[str(folder / "kernels")])
    km = KernelManager(kernel_name=f"diff-{client}", kernel_spec_manager=ksm)
    km.start_kernel(cwd=str(folder), env=env)
    kc = km.client()
    kc.start_channels()
    try:
        problem = _kernel_setup(kc, client)
        if problem:
            return problem
        for slot in slots:
            record = _execute(kc, kernel_cell(slot, web), KERNEL_CELL_TIMEOUT_S,
                              km.interrupt_kernel)
            slot.kernel_record = record
            if record["error"] or "Traceback" in record["stdout"] or record["stderr"]:
                # An error may change the kernel for the next case: the reference's custom
                # exception handler unregisters itself when it fails. Start afresh.
                kc.stop_channels()
                km.restart_kernel(now=True)
                kc = km.client()
                kc.start_channels()
                problem = _kernel_setup(kc, client)
                if problem:
                    return problem
        (folder / "records.json").write_text(json.dumps(
            {slot.case.id: slot.kernel_record for slot in slots}, indent=1))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return None


def _kernel_setup(kc, client: str) -> str | None:
    kc.wait_for_ready(timeout=90)
    record = _execute(kc, script_for(client), KERNEL_CELL_TIMEOUT_S)
    if record.get("error"):
        return f"kernel setup failed: {record['error']}"
    return None


def _execute(kc, code: str, timeout: float, interrupt=None) -> dict:
    msg_id = kc.execute(code, store_history=True)
    record: dict[str, Any] = {"stdout": "", "stderr": "", "display": [], "result": None,
                              "error": None}
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            record["error"] = {"ename": "<kernel timeout>", "evalue": ""}
            if interrupt is not None:
                interrupt()
            break
        try:
            msg = kc.get_iopub_msg(timeout=min(left, 5))
        except Exception:  # noqa: BLE001 - queue.Empty: keep waiting until the deadline
            continue
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content.get("execution_state") == "idle":
            break
        if kind == "stream":
            record[content["name"]] = record.get(content["name"], "") + content["text"]
        elif kind in ("display_data", "update_display_data"):
            data = content.get("data", {})
            item = {"type": kind, "mime": sorted(data)}
            if "text/plain" in data:
                item["text/plain"] = data["text/plain"]
            record["display"].append(item)
        elif kind == "execute_result":
            data = content.get("data", {})
            record["result"] = {"mime": sorted(data), "text/plain": data.get("text/plain")}
        elif kind == "error":
            record["error"] = {"ename": content.get("ename"),
                               "evalue": content.get("evalue", "")[:2000]}
        elif kind == "clear_output":
            record["display"].append({"type": "clear_output"})
        elif kind == "comm_open":
            record["display"].append({"type": "comm_open",
                                      "target": content.get("target_name"),
                                      "model": content.get("data", {}).get("state", {})
                                      .get("_model_name")})
    return record


def quiet_warnings():
    """jupyter_client and boto3 warn about deprecations that pytest turns into errors."""
    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("ignore")
    return context


# =============================================================================================
# The whole run: states, preparations, both batches, snapshots, kernels, comparison
# =============================================================================================

WEB_PAGES = {
    "/files/data.bin": (200, _bytes(300_000, 6)),
    "/files/my%20file%20%C3%BC.txt": (200, b"a fetched file with an odd name\n"),
    "/files/": (200, b"an index page\n"),
    "/missing.bin": (404, b""),
}
ROOT_PROBE = Path("/datasets")


@dataclasses.dataclass
class Outcome:
    cases: list[Case]
    slots: dict[tuple[str, str], Slot]
    differences: dict[str, list[Difference]]
    kernel_differences: dict[str, list[Difference]]
    kernel_problem: str | None
    notes: list[str]
    seconds: dict[str, float]

    def all_differences(self) -> list[Difference]:
        return [d for diffs in self.differences.values() for d in diffs] + [
            d for diffs in self.kernel_differences.values() for d in diffs]


def _s3_client(endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing",
                        config=Config(signature_version="s3v4"))


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(slot: Slot, api_url: str, s3) -> None:
    """Buckets, presigned S3 parts and running operations a case needs, made beforehand."""
    kind = slot.case.prep
    if not kind:
        return
    bucket = f"b-{slot.owner_key}".lower()
    slot.bucket = bucket
    slot.prep["bucket"] = bucket
    slot.subs[bucket] = "<BUCKET>"
    if kind == "nobucket":
        return
    s3.create_bucket(Bucket=bucket)
    if kind == "bucket":
        return
    key = "mp.bin"
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    part_url = s3.generate_presigned_url("upload_part", ExpiresIn=3600, Params={
        "Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": 1})
    complete = s3.generate_presigned_url("complete_multipart_upload", HttpMethod="POST",
                                         ExpiresIn=3600, Params={
                                             "Bucket": bucket, "Key": key,
                                             "UploadId": upload_id})
    if kind == "operation_failed":
        part_url = f"http://127.0.0.1:{_free_port()}/closed/part1"
    parts = [{"part_number": 1, "part_url": part_url}]
    slot.prep.update(parts=parts, complete=complete, parts_size=len(
        COMPONENTS["exp"]["exp/blob.bin"]))
    if kind == "multipart":
        return
    with httpx.Client(base_url=api_url, headers={"X-API-Key": slot.owner_key},
                      timeout=30) as http:
        reply = http.post("/storage/export_multipart", json={
            "path": "exp/blob.bin", "parts_size": slot.prep["parts_size"],
            "upload_parts": parts, "complete_multipart_url": complete})
        reply.raise_for_status()
        op_id = reply.json()["id"]
        # Let the operation finish first: wait() then has nothing to poll for long.
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        while time.monotonic() < deadline:
            if http.get(f"/storage/operations/{op_id}").json()["status"] != "RUNNING":
                break
            time.sleep(0.1)
    slot.prep["op_id"] = op_id
    slot.subs[op_id] = "<OP>"


def _settle(slots: list[Slot], server_root: Path, api_url: str) -> list[str]:
    """Wait for background work (fetches from URLs, exports) to finish: until no operation
    of a slot is RUNNING and its files stay the same over 0.3 s. Returns the unsettled."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    previous: dict[int, dict] = {}
    pending = list(slots)
    while pending and time.monotonic() < deadline:
        still = []
        for slot in pending:
            ops = operations_snapshot(api_url, slot.owner_key)
            tree = tree_snapshot(server_root / "users" / slot.user_id)
            busy = any(op.get("status") == "RUNNING" for op in ops)
            if busy or previous.get(id(slot)) != tree:
                still.append(slot)
            previous[id(slot)] = tree
        pending = still
        if pending:
            time.sleep(0.3)
    return [f"{s.client}:{s.case.id}" for s in pending]


def _new_slots(cases: list[Case], client: str, base: Path, prefix: str,
               server, subs: dict[str, str]) -> list[Slot]:
    from inductiva_widgets.server.config import user_id_for

    slots = []
    for i, case in enumerate(cases):
        owner = f"{prefix}-{client}-{i:03d}"
        slot = Slot(case=case, client=client, owner_key=owner,
                    call_key=BAD_KEY if case.key == "bad" else owner,
                    user_id=user_id_for(owner), root=base / case.id)
        slot.subs.update(subs)
        slot.subs.update({str(slot.root): "<CASE>", owner: "<KEY>", slot.user_id: "<USER>"})
        write_state(server.config.root / "users" / slot.user_id / "europe-west1", case.state)
        write_inputs(slot.inputs, case.inputs)
        slot.work.mkdir(parents=True, exist_ok=True)
        for rel, data in case.local.items():
            path = slot.work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        slots.append(slot)
    return slots


def run_suite(cases: list[Case], tmp: Path, s3_endpoint: str, *,
              kernel: bool = True) -> Outcome:
    from inductiva_widgets.server.config import ServerConfig
    from inductiva_widgets.server.runner import start_in_thread

    from ..webpages import serve_pages

    timings: dict[str, float] = {}
    notes: list[str] = []
    started = time.monotonic()
    root_existed = ROOT_PROBE.exists()
    if root_existed:
        notes.append(f"{ROOT_PROBE} exists on this machine: the case that downloads into it "
                     "is left out, so as not to touch it")
        cases = [c for c in cases if not (c.remote_arg() or "").startswith(str(ROOT_PROBE))]
    kernel_cases = [c for c in cases if c.kernel] if kernel else []
    keys = [f"{p}-{client}-{i:03d}" for client in CLIENTS for p, group in
            (("diff", cases), ("kern", kernel_cases)) for i in range(len(group))]
    config = ServerConfig(root=tmp / "server", api_keys=keys, allow_private_urls=True)
    server = start_in_thread(config)
    context = quiet_warnings()
    s3 = _s3_client(s3_endpoint)
    slots: dict[tuple[str, str], Slot] = {}
    kernel_problem = None
    try:
        with serve_pages(WEB_PAGES) as web:
            common = {server.url: "<API>", s3_endpoint: "<S3>", web: "<WEB>"}
            per_client: dict[str, list[Slot]] = {}
            for client in CLIENTS:
                home = tmp / client / "home"
                home.mkdir(parents=True, exist_ok=True)
                subs = dict(common, **{str(home): "<HOME>"})
                client_slots = _new_slots(cases, client, tmp / client / "cases", "diff",
                                          server, subs)
                for slot in client_slots:
                    prepare(slot, server.url, s3)
                    slots[(client, slot.case.id)] = slot
                per_client[client] = client_slots
            timings["setup"] = time.monotonic() - started
            for client in CLIENTS:
                t0 = time.monotonic()
                env = client_env(tmp / client / "home", server.url,
                                 per_client[client][0].owner_key, s3_endpoint)
                run_batch(client, per_client[client], env, tmp / client / "batch", web)
                timings[f"batch {client}"] = time.monotonic() - t0
                if not root_existed and ROOT_PROBE.exists():
                    writer = next((s for s in per_client[client]
                                   if (s.case.remote_arg() or "").startswith("/datasets")),
                                  None)
                    found = {f"{ROOT_PROBE}/{k}": v
                             for k, v in tree_snapshot(ROOT_PROBE).items()}
                    shutil.rmtree(ROOT_PROBE, ignore_errors=True)  # it did not exist before
                    if writer is not None:
                        writer.outside["root"] = found
                    else:
                        notes.append(f"{client} wrote {sorted(found)} outside any case")
            t0 = time.monotonic()
            unsettled = _settle([s for s in slots.values() if s.case.settle], config.root,
                                server.url)
            if unsettled:
                notes.append(f"still busy after {SETTLE_TIMEOUT_S} s: {unsettled}")
            for slot in slots.values():
                local = tree_snapshot(slot.work)
                local.update(slot.outside.pop("root", {}))
                slot.outside["local"] = local
                slot.outside["remote"] = tree_snapshot(config.root / "users" / slot.user_id)
                ops = operations_snapshot(server.url, slot.owner_key)
                for op in ops:
                    if op.get("id"):
                        slot.subs[op["id"]] = "<OP>"
                slot.outside["operations"] = ops
                slot.outside["s3"] = s3_snapshot(s3, slot.bucket) if slot.bucket else None
            timings["snapshots"] = time.monotonic() - t0

            if kernel_cases:
                t0 = time.monotonic()
                kernel_problem = _run_kernels(kernel_cases, slots, tmp, server, s3,
                                              s3_endpoint, web, common)
                timings["kernels"] = time.monotonic() - t0
    finally:
        s3.close()
        server.stop()
        context.__exit__(None, None, None)

    differences = {c.id: compare(c, slots[("ref", c.id)], slots[("ours", c.id)], FIELDS)
                   for c in cases}
    kernel_differences = {}
    if kernel_cases and kernel_problem is None:
        kernel_differences = {c.id: compare(c, slots[("ref", c.id)], slots[("ours", c.id)],
                                            KERNEL_FIELDS) for c in kernel_cases}
    timings["total"] = time.monotonic() - started
    return Outcome(cases, slots, differences, kernel_differences, kernel_problem, notes,
                   timings)


def _run_kernels(kernel_cases: list[Case], slots: dict[tuple[str, str], Slot], tmp: Path,
                 server, s3, s3_endpoint: str, web: str, common: dict) -> str | None:
    ref = python_for("ref")
    extra, how = ipykernel_path(ref)
    if extra is None:
        return f"no ipykernel for the reference venv: {how}"
    for client in CLIENTS:
        home = tmp / f"kernel-{client}" / "home"
        home.mkdir(parents=True, exist_ok=True)
        subs = dict(common, **{str(home): "<HOME>"})
        kslots = _new_slots(kernel_cases, client, tmp / f"kernel-{client}" / "cases", "kern",
                            server, subs)
        for kslot in kslots:
            prepare(kslot, server.url, s3)
        env = client_env(home, server.url, kslots[0].owner_key, s3_endpoint)
        problem = run_kernel(client, kslots, env, tmp / f"kernel-{client}", web,
                             extra if client == "ref" else "")
        if problem:
            return f"{client}: {problem}"
        for kslot in kslots:
            main = slots[(client, kslot.case.id)]
            main.kernel_record = kslot.kernel_record
            main.kernel_subs = kslot.subs
    return None
