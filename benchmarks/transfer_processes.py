"""Processes of the transfer benchmark: the server, fresh client processes, a counting proxy.

Every measured operation runs in a fresh subprocess of the client's own venv (this file, run
with `--child SPEC`), which imports its client, says it is ready, then times only the
operation (building the client included, imports not) and reports its peak RSS and CPU time.
Usable from both venvs: nothing here imports either client at module level.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
KEY = "bench-transfers-key"
MB = 1_000_000
READY, RESULT = "@@BENCH-READY", "@@BENCH-RESULT "
CHILD_TIMEOUT_S = 600


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
    proxy_cpu: float = 0.0  # CPU seconds of the delaying proxy meanwhile
    wire_bytes: int | None = None  # server -> client, when run through the proxy
    requests: list[str] = field(default_factory=list)

    @property
    def mb_per_s(self) -> float:
        return self.payload_bytes / MB / self.seconds



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
    """CPU seconds used by the server (and a proxy process) and by the whole machine."""

    def __init__(self, server_pid: int, proxy_pid: int | None = None) -> None:
        self.pid, self.proxy_pid = server_pid, proxy_pid
        self.server = self.proxy = self.machine = 0.0

    def _proxy_cpu(self) -> float:
        return cpu_seconds(self.proxy_pid) if self.proxy_pid else 0.0

    def __enter__(self) -> CpuWatch:
        self._server, self._machine = cpu_seconds(self.pid), machine_busy_seconds()
        self._proxy = self._proxy_cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server = cpu_seconds(self.pid) - self._server
        self.proxy = self._proxy_cpu() - self._proxy
        self.machine = machine_busy_seconds() - self._machine

    def others(self, client_cpu: float) -> float:
        """What neither the client, the server nor the proxy used: other work (noise)."""
        return max(0.0, self.machine - self.server - self.proxy - client_cpu)


# -- the child side: one operation with one client --------------------------------------------


def client_storage(client: str) -> ModuleType:
    """The storage module of `client` ("ours" or "inductiva"), imported in this interpreter."""
    if client == "ours":
        import inductiva_widgets.storage as storage

        return storage
    socket.setdefaulttimeout(10)  # `import inductiva` asks pypi.org; offline: fail fast
    import inductiva

    socket.setdefaulttimeout(None)
    return inductiva.storage


def child_main(spec: dict) -> None:
    """Run one operation (in the client's own interpreter) and print a RESULT line."""
    ours = spec["client"] == "ours"
    storage = client_storage(spec["client"])
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
    proxy_pid: int | None = None  # a delaying proxy in front of it, in its own process


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
        from inductiva_widgets.processes import stop_process  # the parent's venv only

        stop_process(proc, signal.SIGTERM, timeout=10)


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


class Child:
    """A measuring child process: the go signal, and its output lines read so far."""

    def __init__(self, proc: subprocess.Popen, log: Path) -> None:
        self.proc, self.log = proc, log
        self.lines: list[str] = []

    def read_until(self, marker: str) -> str | None:
        """The next output line that starts with `marker` (every line is kept); None at EOF."""
        for line in self.proc.stdout:
            self.lines.append(line)
            if line.startswith(marker):
                return line
        return None

    def go(self) -> None:
        """Start the operation it waits for (after READY, or after a RESULT for another)."""
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()


@contextmanager
def child_process(script: Path, client: str, spec: dict, work: Path,
                  timeout: float = CHILD_TIMEOUT_S) -> Iterator[Child]:
    """`script --child SPEC` in the client's own venv (SPEC gains `client` and `key`), its
    stderr in work/child-<client>.log; killed after `timeout` s or if left running."""
    spec = dict(spec, client=client, key=KEY)
    log = work / f"child-{client}.log"
    with open(log, "w") as err:
        proc = subprocess.Popen(
            [client_python(client), str(script), "--child", json.dumps(spec)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True,
            env=child_env(work, spec["url"]), cwd=work)
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    with proc:  # closes the pipes and waits
        try:
            yield Child(proc, log)
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()


def run_child(client: str, spec: dict, server: Server, work: Path, payload: int,
              proxy: CountingProxy | None = None) -> Measurement:
    """One operation in a fresh subprocess; raises with the child's output on failure."""
    with child_process(Path(__file__).resolve(), client, spec, work) as child:
        if child.read_until(READY):
            if proxy is not None:
                proxy.reset()
            # until the report; the child's exit is not timed
            with CpuWatch(server.pid, server.proxy_pid) as watch:
                child.go()
                child.read_until(RESULT)
        child.lines.append(child.proc.communicate()[0])
    reports = [json.loads(line[len(RESULT):]) for line in child.lines if line.startswith(RESULT)]
    if child.proc.returncode != 0 or not reports:
        raise RuntimeError(f"{client} {spec['op']} {spec['source']} failed (exit "
                           f"{child.proc.returncode}):\n{''.join(child.lines)[-3000:]}\n"
                           f"{child.log.read_text()[-3000:]}")
    report = reports[-1]
    result = Measurement(report["seconds"], payload, report["peak_rss_kib"] / 1024,
                         report["import_rss_kib"] / 1024, report["setup_seconds"],
                         report["cpu"], watch.server, watch.others(report["cpu"]),
                         proxy_cpu=watch.proxy)
    if proxy is not None:
        proxy.settle()
        result.wire_bytes = proxy.down
        result.requests = proxy.requests()
    return result


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--child":
    child_main(json.loads(sys.argv[2]))
