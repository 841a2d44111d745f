"""Interpreters, environments and the reference venv's ipykernel; running a batch."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from ...server.reference_client import find_client_python
from .cases import Case
from .common import BATCH_BASE_TIMEOUT_S, CASE_TIMEOUT_S, OURS_PYTHON
from .script import script_for


def ref_python() -> str | None:
    """The reference client venv's interpreter, or None (found as the other tests find it)."""
    return find_client_python()


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


