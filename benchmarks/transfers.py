"""Transfer speed and memory: our httpx client against the unmodified `inductiva==0.18.12`.

Both clients talk to the same bundled server (its own process, on 127.0.0.1) about the same
data. Each measured operation runs in a fresh subprocess, which imports its client, says it
is ready, then times only the operation (building the client included, imports not) and
reports its peak RSS and CPU time. Every result is checked (file count, sizes, contents,
sha256 of the big file) so that a failure cannot pass for a fast run.

Operations: 1,000 files of 10 KB up and down, one 1 GB file up and down, and one ~100 KB
deflated member (`stdout.txt`) read out of a 1 GB task `output.zip`. For the member read,
both clients and the server's signed URLs go through a byte-counting TCP proxy, which gives
the bytes received over the wire. `curl` of the 1 GB signed URL is the loopback reference.
Prints a Markdown table, where the CPU time went (client vs. server), and which targets
were met.

Run from the repository root (about 75 s on 2 idle cores; needs ~3.5 GB of free disk):

    .venv/bin/python benchmarks/transfers.py [--quick] [--only small-up big-down ...]
        [--clients ours inductiva] [--repeat N] [--concurrency N] [--tmp DIR] [--keep]

`--quick` uses 200 files and 100 MB. The reference client is found through
`INDUCTIVA_CLIENT_PYTHON`, else `.venv-inductiva/bin/python` (`make inductiva-client`).
MB means 10^6 bytes; RSS is in MiB. Linux only (/proc is read for RSS and CPU time).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KEY = "bench-transfers-key"
REGION = "europe-west1"
MB = 1_000_000
MiB = 1024 * 1024
OPS = ("small-up", "small-down", "big-up", "big-down", "member")
CLIENTS = ("ours", "inductiva")
READY, RESULT = "@@BENCH-READY", "@@BENCH-RESULT "
CHILD_TIMEOUT_S = 600
# Targets from the issue.
SMALL_SPEEDUP = 3.0
CURL_FRACTION = 0.8
BIG_RSS_MIB = 150
MEMBER_SLACK = 16 * 1024  # "a little metadata": API answers and HTTP headers


@dataclass(frozen=True)
class Sizes:
    small_count: int
    small_size: int
    big_size: int
    member_size: int = 100 * 1000


FULL = Sizes(small_count=1000, small_size=10 * 1000, big_size=1000 * MB)
QUICK = Sizes(small_count=200, small_size=10 * 1000, big_size=100 * MB)


@dataclass
class Measurement:
    """One operation by one client (or curl)."""

    seconds: float  # wall time of the operation, building the client included
    payload_bytes: int
    peak_rss_mib: float
    import_rss_mib: float = 0.0  # peak RSS when ready, before the operation
    setup_seconds: float = 0.0  # of `seconds`: building our StorageClient
    client_cpu: float = 0.0  # CPU seconds of the client process during the operation
    server_cpu: float = 0.0  # CPU seconds of the server process meanwhile
    other_cpu: float = 0.0  # CPU seconds that other processes of the machine used meanwhile
    wire_bytes: int | None = None  # server -> client, when run through the proxy
    requests: list[str] = field(default_factory=list)

    @property
    def mb_per_s(self) -> float:
        return self.payload_bytes / MB / self.seconds


@dataclass
class Row:
    op: str
    label: str
    results: dict[str, Measurement] = field(default_factory=dict)  # the fastest run
    runs: dict[str, list[float]] = field(default_factory=dict)  # every run's seconds


# -- /proc readings, usable in both venvs -----------------------------------------------------


def peak_rss_kib() -> int:
    """This process's peak RSS (VmHWM).

    Not ru_maxrss: on Linux a child started with (v)fork + exec keeps in ru_maxrss, and so in
    RUSAGE_CHILDREN and `time -v`, the parent's high-water mark at the time of the exec.
    """
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\s+(\d+) kB", status.read())[1])


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all processes have used since boot (the busy fields of /proc/stat)."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, stat.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class CpuWatch:
    """CPU seconds used by the server and by the whole machine while a block runs."""

    def __init__(self, server_pid: int) -> None:
        self.pid = server_pid
        self.server = self.machine = 0.0

    def __enter__(self) -> CpuWatch:
        self._server, self._machine = cpu_seconds(self.pid), machine_busy_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server = cpu_seconds(self.pid) - self._server
        self.machine = machine_busy_seconds() - self._machine

    def others(self, client_cpu: float) -> float:
        """What neither the client nor the server used: other work on the machine (noise)."""
        return max(0.0, self.machine - self.server - client_cpu)


# -- the child side: one operation with one client --------------------------------------------


def child_main(spec: dict) -> None:
    """Run one operation (in the client's own interpreter) and print a RESULT line."""
    ours = spec["client"] == "ours"
    if ours:
        import inductiva_widgets.storage as storage
    else:
        socket.setdefaulttimeout(10)  # `import inductiva` asks pypi.org; offline: fail fast
        import inductiva

        socket.setdefaulttimeout(None)
        storage = inductiva.storage
    import_rss = peak_rss_kib()
    print(READY, flush=True)
    sys.stdin.readline()  # the parent resets the proxy's counters, then says go

    start, cpu_start = time.perf_counter(), cpu_seconds()
    kwargs: dict = {}
    if ours:
        options = {"concurrency": spec["concurrency"]} if spec["concurrency"] else {}
        kwargs = {"progress": False,
                  "client": storage.StorageClient(spec["url"], spec["key"], **options)}
    setup = time.perf_counter() - start
    if spec["op"] == "upload":
        storage.upload(spec["source"], spec["target"], **kwargs)
    else:
        storage.download(spec["source"], spec["target"], decompress=False, **kwargs)
    if ours:
        kwargs["client"].close()
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
    print(RESULT + json.dumps({"seconds": seconds, "setup_seconds": setup, "cpu": cpu,
                               "peak_rss_kib": peak_rss_kib(),
                               "import_rss_kib": import_rss}), flush=True)


# -- a byte-counting TCP proxy ----------------------------------------------------------------


class CountingProxy:
    """Forwards 127.0.0.1:<port> to `target` and counts the bytes of each direction."""

    REQUEST_LINE = re.compile(rb"(?:^|\n)(GET|HEAD|PUT|POST|DELETE) ([^ ?\r\n]+)")
    KEEP_UPSTREAM = 256 * 1024  # client bytes kept per connection, to name the requests

    def __init__(self) -> None:
        self.target: tuple[str, int] | None = None
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._lock = threading.Lock()
        self._open = 0
        self._seen: list[bytearray] = []
        self.down = self.up = 0
        threading.Thread(target=self._accept, daemon=True, name="proxy-accept").start()

    def reset(self) -> None:
        with self._lock:
            self.down = self.up = 0
            for seen in self._seen:
                seen.clear()  # a kept-alive connection may carry on into the measured call

    def settle(self, timeout: float = 5.0) -> None:
        """Wait until every connection has closed (the client process has exited)."""
        deadline = time.monotonic() + timeout
        while self._open and time.monotonic() < deadline:
            time.sleep(0.01)

    def requests(self) -> list[str]:
        """The requests seen since the last reset, as "METHOD /path"."""
        with self._lock:
            return [f"{m[1].decode()} {m[2].decode()}" for seen in self._seen
                    for m in self.REQUEST_LINE.finditer(bytes(seen))]

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for sock in (conn, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            seen, pumps_left = bytearray(), [2]
            with self._lock:
                self._open += 1
                self._seen.append(seen)
            for src, dst, down in ((conn, upstream, False), (upstream, conn, True)):
                threading.Thread(target=self._pump, args=(src, dst, down, seen, pumps_left),
                                 daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, downstream: bool,
              seen: bytearray, pumps_left: list[int]) -> None:
        with suppress(OSError):
            while data := src.recv(256 * 1024):
                dst.sendall(data)
                with self._lock:
                    if downstream:
                        self.down += len(data)
                    else:
                        self.up += len(data)
                        if len(seen) < self.KEEP_UPSTREAM:
                            seen += data
        with suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
        with self._lock:
            pumps_left[0] -= 1
            last = pumps_left[0] == 0
            self._open -= last
        if last:
            src.close()
            dst.close()


# -- the server, in its own process -----------------------------------------------------------


@dataclass(frozen=True)
class Server:
    url: str
    pid: int


@contextmanager
def server_process(root: Path, log: Path, public_url: str | None = None) -> Iterator[Server]:
    """The bundled server on a free port, in its own process."""
    command = [sys.executable, "-m", "inductiva_widgets", "serve", "--root", str(root),
               "--port", "0", "--api-key", KEY]
    if public_url:
        command += ["--public-url", public_url]
    with open(log, "w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
    try:
        deadline = time.monotonic() + 30
        while not (found := re.search(r"export INDUCTIVA_API_URL=(\S+)", log.read_text())):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{log.read_text()}")
            time.sleep(0.05)
        yield Server(found[1], proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def signed_url(api_url: str, path: str, operation: str) -> str:
    import httpx

    response = httpx.get(f"{api_url}/storage/signed-urls", headers={"X-API-Key": KEY},
                         params={"paths": [path], "operation": operation}, timeout=30)
    response.raise_for_status()
    return response.json()[0]


def warm_up(api_url: str) -> None:
    """One request of each kind, so that no client meets a cold server (lazy imports)."""
    import httpx

    with httpx.Client(base_url=api_url, headers={"X-API-Key": KEY}, timeout=30) as api:
        api.get("/storage/contents", params={"path": "/"}).raise_for_status()
        api.get("/storage/size").raise_for_status()
        httpx.put(signed_url(api_url, "warm-up/x.bin", "upload"), content=b"x" * 1000
                  ).raise_for_status()
        url = signed_url(api_url, "warm-up/x.bin", "download")
        httpx.head(url).raise_for_status()
        httpx.get(url, headers={"Range": "bytes=0-9"}).raise_for_status()
        api.delete("/storage/", params={"path": "warm-up/"}).raise_for_status()


# -- test data --------------------------------------------------------------------------------


@dataclass
class Dataset:
    work: Path
    sizes: Sizes
    small_digest: str = ""
    big_sha256: str = ""
    stdout: bytes = b""
    stdout_compressed: int = 0

    @property
    def region(self) -> Path:
        """The benchmark key's storage folder on the server's disk."""
        from inductiva_widgets.server.config import user_id_for

        return self.work / "server" / "users" / user_id_for(KEY) / REGION

    @property
    def small_local(self) -> Path:
        return self.work / "src" / "small"

    @property
    def big_local(self) -> Path:
        return self.work / "src" / "big.bin"


def write_small_files(folder: Path, sizes: Sizes) -> None:
    folder.mkdir(parents=True)
    rng = random.Random(1)
    for i in range(sizes.small_count):
        (folder / f"file_{i:05d}.dat").write_bytes(rng.randbytes(sizes.small_size))


def write_big_file(path: Path, size: int) -> str:
    """`size` bytes in which every MiB differs; returns the sha256."""
    block = random.Random(2).randbytes(MiB)
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        for index in range(0, size, MiB):
            chunk = (index.to_bytes(8, "little") + block[8:])[: size - index]
            fh.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def stdout_text(size: int) -> bytes:
    """A solver log; deflates about 5:1, like real ones."""
    rng = random.Random(3)
    lines, total, step = [], 0, 0
    while total < size:
        line = (f"step {step:7d}  t={step * 1e-4:.6f}  dt=1.0e-04  "
                f"residual={rng.random():.6e}  iters={rng.randrange(3, 40)}\n")
        lines.append(line)
        total += len(line)
        step += 1
    return "".join(lines).encode()[:size]


def prepare(data: Dataset, ops: set[str]) -> None:
    """The local sources and, written straight into the server's storage, the downloads."""
    data.region.mkdir(parents=True)
    data.big_local.parent.mkdir(parents=True)
    bench = data.region / "bench"
    bench.mkdir()
    if ops & {"small-up", "small-down"}:
        write_small_files(data.small_local, data.sizes)
        data.small_digest = tree_digest(data.small_local)
    if "small-down" in ops:
        shutil.copytree(data.small_local, bench / "small")
    if ops & {"big-up", "big-down", "member"}:
        data.big_sha256 = write_big_file(data.big_local, data.sizes.big_size)
    if "big-down" in ops:
        os.link(data.big_local, bench / "big.bin")  # the same inode: no second GB on disk
    if "member" in ops:
        archive = data.region / "bench-task" / "output.zip"
        archive.parent.mkdir()
        data.stdout = stdout_text(data.sizes.member_size)
        with zipfile.ZipFile(archive, "w") as zf:
            zf.write(data.big_local, "artifacts/big.bin", compress_type=zipfile.ZIP_STORED)
            zf.writestr("artifacts/stdout.txt", data.stdout,
                        compress_type=zipfile.ZIP_DEFLATED)
            data.stdout_compressed = zf.getinfo("artifacts/stdout.txt").compress_size


# -- checks -----------------------------------------------------------------------------------


def tree_digest(folder: Path) -> str:
    """sha256 over (relative name, content) of every file beneath `folder`."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(8 * MiB):
            digest.update(chunk)
    return digest.hexdigest()


def check(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(f"check failed: {what}")


def check_tree(folder: Path, data: Dataset) -> None:
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    check(len(files) == data.sizes.small_count,
          f"{folder} holds {len(files)} files, expected {data.sizes.small_count}")
    check(tree_digest(folder) == data.small_digest, f"contents of {folder} differ")


def check_big(path: Path, data: Dataset) -> None:
    check(path.is_file(), f"{path} is missing")
    check(path.stat().st_size == data.sizes.big_size, f"{path} has the wrong size")
    check(file_sha256(path) == data.big_sha256, f"sha256 of {path} differs")


def check_member(folder: Path, data: Dataset) -> None:
    found = [p for p in folder.rglob("*") if p.is_file()]
    check(len(found) == 1 and found[0].name == "stdout.txt",
          f"the member download left {[str(p) for p in found]}")
    check(found[0].read_bytes() == data.stdout, "stdout.txt differs")


# -- running one measured operation -----------------------------------------------------------


def client_python(client: str) -> str:
    if client == "ours":
        return sys.executable
    return os.environ.get("INDUCTIVA_CLIENT_PYTHON") or str(
        REPO / ".venv-inductiva" / "bin" / "python")


def child_env(work: Path, url: str) -> dict[str, str]:
    leaky = ("INDUCTIVA_", "AWS_", "PYTHON")
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith(leaky) and not k.upper().endswith("_PROXY")
           and k != "VIRTUAL_ENV"}
    home = work / "client-home"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), INDUCTIVA_API_URL=url, INDUCTIVA_API_KEY=KEY,
               INDUCTIVA_DISABLE_IMPORT_INFO="1", INDUCTIVA_DISABLE_ANSI="1",
               NO_PROXY="127.0.0.1,localhost", PYTHONIOENCODING="utf-8")
    return env


def run_child(client: str, spec: dict, server: Server, work: Path, payload: int,
              proxy: CountingProxy | None = None) -> Measurement:
    """One operation in a fresh subprocess; raises with the child's output on failure."""
    spec = dict(spec, client=client, key=KEY)
    log = work / f"child-{client}.log"
    with open(log, "w") as err:
        proc = subprocess.Popen(
            [client_python(client), str(Path(__file__).resolve()), "--child", json.dumps(spec)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True,
            env=child_env(work, spec["url"]), cwd=work)
    watchdog = threading.Timer(CHILD_TIMEOUT_S, proc.kill)
    watchdog.start()
    lines: list[str] = []

    def read_until(marker: str) -> bool:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith(marker):
                return True
        return False

    try:
        if read_until(READY):
            if proxy is not None:
                proxy.reset()
            with CpuWatch(server.pid) as watch:  # until the report; the child's exit is not timed
                proc.stdin.write("go\n")
                proc.stdin.flush()
                read_until(RESULT)
        lines.append(proc.communicate()[0])
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        watchdog.cancel()
    reports = [json.loads(line[len(RESULT):]) for line in lines if line.startswith(RESULT)]
    if proc.returncode != 0 or not reports:
        raise RuntimeError(f"{client} {spec['op']} {spec['source']} failed (exit "
                           f"{proc.returncode}):\n{''.join(lines)[-3000:]}\n"
                           f"{log.read_text()[-3000:]}")
    report = reports[-1]
    result = Measurement(report["seconds"], payload, report["peak_rss_kib"] / 1024,
                         report["import_rss_kib"] / 1024, report["setup_seconds"],
                         report["cpu"], watch.server, watch.others(report["cpu"]))
    if proxy is not None:
        proxy.settle()
        result.wire_bytes = proxy.down
        result.requests = proxy.requests()
    return result


# -- the operations ---------------------------------------------------------------------------


@dataclass
class Bench:
    """Runs each operation for one client and checks what it did."""

    data: Dataset
    server: Server
    concurrency: int | None
    api_url: str  # the server's, or the proxy's
    proxy: CountingProxy | None = None

    def fresh(self, name: str) -> Path:
        path = self.data.work / "dl" / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def run(self, client: str, op: str, source: str, target: Path | str, payload: int
            ) -> Measurement:
        os.sync()  # write back the last operation's pages before timing this one
        spec = {"op": op, "source": source, "target": str(target), "url": self.api_url,
                "concurrency": self.concurrency if client == "ours" else None}
        return run_child(client, spec, self.server, self.data.work, payload, self.proxy)

    def small_up(self, client: str, n: int) -> Measurement:
        remote = f"up-{client}-{n}-small"
        sizes = self.data.sizes
        result = self.run(client, "upload", str(self.data.small_local), remote,
                          sizes.small_count * sizes.small_size)
        check_tree(self.data.region / remote, self.data)
        shutil.rmtree(self.data.region / remote)
        return result

    def small_down(self, client: str, n: int) -> Measurement:
        local = self.fresh(f"{client}-{n}-small")
        sizes = self.data.sizes
        result = self.run(client, "download", "bench/small", local,
                          sizes.small_count * sizes.small_size)
        check_tree(local / "bench" / "small", self.data)
        shutil.rmtree(local)
        return result

    def big_up(self, client: str, n: int) -> Measurement:
        remote = f"up-{client}-{n}-big"
        result = self.run(client, "upload", str(self.data.big_local), remote,
                          self.data.sizes.big_size)
        check_big(self.data.region / remote / "big.bin", self.data)
        shutil.rmtree(self.data.region / remote)
        return result

    def big_down(self, client: str, n: int) -> Measurement:
        local = self.fresh(f"{client}-{n}-big")
        result = self.run(client, "download", "bench/big.bin", local, self.data.sizes.big_size)
        check_big(local / "bench" / "big.bin", self.data)
        shutil.rmtree(local)
        return result

    def member(self, client: str, n: int) -> Measurement:
        local = self.fresh(f"{client}-{n}-member")
        result = self.run(client, "download", "bench-task/output.zip/stdout.txt", local,
                          len(self.data.stdout))
        check_member(local, self.data)
        shutil.rmtree(local)
        return result


def measure_row(row: Row, bench: Bench, clients: list[str], repeat: int) -> None:
    """Each client `repeat` times, interleaved; the fastest run of each counts."""
    measure: Callable[[str, int], Measurement] = getattr(bench, row.op.replace("-", "_"))
    runs: dict[str, list[Measurement]] = {c: [] for c in clients}
    for n in range(repeat):
        for client in clients:
            print(f"  {row.op}: {client} (run {n + 1}/{repeat})", file=sys.stderr)
            runs[client].append(measure(client, n))
    for client, measured in runs.items():
        row.results[client] = min(measured, key=lambda m: m.seconds)
        row.runs[client] = [m.seconds for m in measured]


def children_cpu() -> float:
    """CPU seconds of all waited-for children (right for CPU time; not for ru_maxrss)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def curl_reference(server: Server, data: Dataset, repeat: int, to_file: bool
                   ) -> Measurement | None:
    """curl of the big file's signed URL, to /dev/null or to a file: what loopback allows."""
    curl = shutil.which("curl")
    if curl is None:
        return None
    url = signed_url(server.url, "bench/big.bin", "download")
    target = data.work / "curl.bin" if to_file else Path(os.devnull)
    runs = []
    for _ in range(repeat):
        os.sync()
        curl_cpu = children_cpu()
        with CpuWatch(server.pid) as watch:
            proc = subprocess.run([curl, "-s", "-o", str(target), "-w",
                                   "%{time_total} %{size_download} %{http_code}", url],
                                  capture_output=True, text=True, check=True)
        curl_cpu = children_cpu() - curl_cpu
        seconds, size, status = proc.stdout.split()
        check(status == "200" and int(size) == data.sizes.big_size, f"curl got {proc.stdout}")
        if to_file:
            check_big(target, data)
            target.unlink()
        runs.append(Measurement(float(seconds), int(size), 0.0, client_cpu=curl_cpu,
                                server_cpu=watch.server, other_cpu=watch.others(curl_cpu)))
    return min(runs, key=lambda m: m.seconds)


# -- the report -------------------------------------------------------------------------------


def fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def print_table(rows: list[Row], curls: dict[str, Measurement]) -> None:
    print("| operation | ours (s) | inductiva (s) | ours MB/s | inductiva MB/s "
          "| ratio (theirs/ours) | ours peak RSS (MiB) | inductiva peak RSS (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        ours, theirs = row.results.get("ours"), row.results.get("inductiva")
        ratio = f"{theirs.seconds / ours.seconds:.2f}×" if ours and theirs else "n/a"
        print(f"| {row.label} | {fmt(ours and ours.seconds, '.3f')} "
              f"| {fmt(theirs and theirs.seconds, '.3f')} "
              f"| {fmt(ours and ours.mb_per_s, '.1f')} | {fmt(theirs and theirs.mb_per_s, '.1f')} "
              f"| {ratio} | {fmt(ours and ours.peak_rss_mib, '.0f')} "
              f"| {fmt(theirs and theirs.peak_rss_mib, '.0f')} |")
    ours = next((r.results.get("ours") for r in rows if r.op == "big-down"), None)
    for name, curl in curls.items():
        fraction = f"ours = {curl.seconds / ours.seconds:.2f}× curl" if ours else ""
        print(f"| reference: {name}, same signed URL | {curl.seconds:.3f} (curl) | "
              f"| {curl.mb_per_s:.1f} (curl) | | {fraction} | | |")


def busy(m: Measurement) -> str:
    """Server CPU over wall time; CPU time comes in 10 ms ticks, too coarse for short runs."""
    return f"{m.server_cpu / m.seconds:.0%}" if m.seconds >= 0.25 else "—"


def print_cpu(rows: list[Row], curls: dict[str, Measurement]) -> None:
    print(f"\nWhere the time went, in CPU seconds during the operation ({os.cpu_count()} "
          "cores). A server busy near 100% (one core) is the bottleneck; CPU used by other "
          "processes of the machine meanwhile is noise:\n")
    print("| operation | client | wall (s) | client CPU (s) | server CPU (s) | server busy "
          "| others' CPU (s) | all runs (s) |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for row in rows:
        for client, m in row.results.items():
            setup = f" (building the client: {m.setup_seconds:.3f})" if client == "ours" else ""
            runs = " / ".join(f"{t:.3f}" for t in row.runs[client])
            print(f"| {row.op} | {client} | {m.seconds:.3f}{setup} | {m.client_cpu:.2f} "
                  f"| {m.server_cpu:.2f} | {busy(m)} | {m.other_cpu:.2f} | {runs} |")
    for name, m in curls.items():
        print(f"| big-down | {name} | {m.seconds:.3f} | {m.client_cpu:.2f} | {m.server_cpu:.2f} "
              f"| {busy(m)} | {m.other_cpu:.2f} | |")
    floors = {c: m.import_rss_mib for row in rows for c, m in row.results.items()}
    print("\nPeak RSS right after the imports (the floor of the RSS figures): "
          + ", ".join(f"{c} {mib:.0f} MiB" for c, mib in floors.items()))


def print_member(rows: list[Row], data: Dataset) -> None:
    member = next((r for r in rows if r.op == "member"), None)
    if member is None:
        return
    print(f"\nMember read through the counting proxy: stdout.txt is {len(data.stdout):,} B, "
          f"{data.stdout_compressed:,} B deflated, at the end of a "
          f"{data.sizes.big_size / MB:,.0f} MB archive.\n")
    print("| client | bytes received | beyond the compressed size | requests |")
    print("|---|---:|---:|---|")
    for client, m in member.results.items():
        print(f"| {client} | {m.wire_bytes:,} | {m.wire_bytes - data.stdout_compressed:+,} "
              f"| {len(m.requests)}: {', '.join(m.requests)} |")


def print_targets(rows: list[Row], curls: dict[str, Measurement], data: Dataset) -> None:
    get = {r.op: r.results for r in rows}
    lines = []
    for op in ("small-up", "small-down"):
        res = get.get(op, {})
        if "ours" in res and "inductiva" in res:
            ratio = res["inductiva"].seconds / res["ours"].seconds
            # Even a client that cost nothing would wait for the server's own CPU time.
            bound = res["inductiva"].seconds / max(res["ours"].server_cpu, 1e-3)
            lines.append((ratio >= SMALL_SPEEDUP, f"{op}: ours {ratio:.2f}× as fast as "
                          f"inductiva (target ≥ {SMALL_SPEEDUP:g}×; the server's CPU time "
                          f"alone caps it near {bound:.1f}× here)"))
    ours_down = get.get("big-down", {}).get("ours")
    for name, curl in curls.items():
        if ours_down:
            fraction = curl.seconds / ours_down.seconds
            lines.append((fraction >= CURL_FRACTION, f"big-down: ours at {fraction:.2f}× the "
                          f"speed of {name} (target ≥ {CURL_FRACTION:g}×)"))
    for op in ("big-up", "big-down"):
        ours = get.get(op, {}).get("ours")
        if ours:
            lines.append((ours.peak_rss_mib < BIG_RSS_MIB, f"{op}: ours peak RSS "
                          f"{ours.peak_rss_mib:.0f} MiB (target < {BIG_RSS_MIB} MiB)"))
    ours_member = get.get("member", {}).get("ours")
    if ours_member:
        limit = data.stdout_compressed + MEMBER_SLACK
        lines.append((ours_member.wire_bytes <= limit,
                      f"member: ours received {ours_member.wire_bytes:,} B (target ≤ the "
                      f"{data.stdout_compressed:,} B compressed + {MEMBER_SLACK // 1024} KiB)"))
    print("\nTargets:")
    for ok, text in lines:
        print(f"- [{'x' if ok else ' '}] {'met' if ok else 'MISSED'}: {text}")


# -- main -------------------------------------------------------------------------------------


LABELS = {
    "small-up": "upload {n:,} files × {kb:g} KB",
    "small-down": "download {n:,} files × {kb:g} KB",
    "big-up": "upload 1 file of {mb:,} MB",
    "big-down": "download 1 file of {mb:,} MB",
    "member": "stdout.txt ({member_kb:g} KB) from a {mb:,} MB output.zip",
}


def needed_disk(sizes: Sizes, ops: set[str]) -> int:
    big = sizes.big_size if ops & {"big-up", "big-down", "member"} else 0
    copies = 2 + ("member" in ops)  # the source, one copy in flight, the archive
    return copies * big + 4 * sizes.small_count * sizes.small_size + 500 * MB


def run_all(args: argparse.Namespace, data: Dataset, rows: list[Row]
            ) -> dict[str, Measurement]:
    """Fill `rows` in; returns the curl references."""
    ops = {row.op for row in rows}
    curls: dict[str, Measurement] = {}
    print(f"preparing data in {data.work} ...", file=sys.stderr)
    prepare(data, ops)
    with server_process(data.work / "server", data.work / "server.log") as server:
        warm_up(server.url)
        bench = Bench(data, server, args.concurrency, server.url)
        for row in rows:
            if row.op != "member":
                measure_row(row, bench, args.clients, args.repeat)
        if "big-down" in ops:
            print("  big-down: curl", file=sys.stderr)
            for name, to_file in (("curl -o /dev/null", False), ("curl -o file", True)):
                if (curl := curl_reference(server, data, args.repeat, to_file)) is not None:
                    curls[name] = curl
    if "member" in ops:
        proxy = CountingProxy()
        try:
            with server_process(data.work / "server", data.work / "server-proxied.log",
                                public_url=proxy.url) as server:
                host, port = re.fullmatch(r"http://([^:/]+):(\d+)", server.url).groups()
                proxy.target = (host, int(port))
                warm_up(proxy.url)
                bench = Bench(data, server, args.concurrency, proxy.url, proxy)
                measure_row(next(r for r in rows if r.op == "member"), bench, args.clients,
                            args.repeat)
        finally:
            proxy.close()
    return curls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 files and 100 MB")
    parser.add_argument("--only", nargs="+", choices=OPS, default=list(OPS), metavar="OP",
                        help=f"operations to run, of: {', '.join(OPS)}")
    parser.add_argument("--clients", nargs="+", choices=CLIENTS, default=list(CLIENTS))
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per cell, interleaved; the fastest counts (default 3)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="our client's concurrency (default: the client's own default)")
    parser.add_argument("--tmp", type=Path, default=Path(tempfile.gettempdir()),
                        help="where the temporary data goes")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data")
    args = parser.parse_args(argv)
    if "inductiva" in args.clients and not os.access(client_python("inductiva"), os.X_OK):
        parser.error("the inductiva client venv is missing: run `make inductiva-client`, set "
                     "INDUCTIVA_CLIENT_PYTHON, or pass --clients ours")
    sizes = QUICK if args.quick else FULL
    ops = set(args.only)
    free, need = shutil.disk_usage(args.tmp).free, needed_disk(sizes, ops)
    if free < need:
        parser.error(f"{args.tmp} has {free / 1e9:.1f} GB free and this run needs "
                     f"{need / 1e9:.1f} GB (try --quick or --tmp)")

    began, load_before = time.monotonic(), os.getloadavg()[0]
    data = Dataset(Path(tempfile.mkdtemp(prefix="bench-transfers-", dir=args.tmp)), sizes)
    rows = [Row(op, LABELS[op].format(n=sizes.small_count, kb=sizes.small_size / 1000,
                                      mb=sizes.big_size // MB,
                                      member_kb=sizes.member_size / 1000))
            for op in OPS if op in ops]
    try:
        curls = run_all(args, data, rows)
    finally:
        if args.keep:
            print(f"kept {data.work}", file=sys.stderr)
        else:
            shutil.rmtree(data.work, ignore_errors=True)

    print(f"\n{os.cpu_count()} CPUs (load average {load_before:.1f} before the run, "
          f"{os.getloadavg()[0]:.1f} after), Python {sys.version.split()[0]}. Each cell is the "
          f"fastest of {args.repeat} run(s), each in a fresh process; times exclude interpreter "
          "start and imports, and include building the client. MB = 10^6 B. The member row "
          "goes through the counting proxy.\n")
    print_table(rows, curls)
    print_cpu(rows, curls)
    print_member(rows, data)
    print_targets(rows, curls, data)
    print(f"\nTotal run time: {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child_main(json.loads(sys.argv[2]))
    else:
        sys.exit(main())
