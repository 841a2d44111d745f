"""Transfer speed and memory: our httpx client against the unmodified `inductiva==0.18.12`.

Both clients talk to the same bundled server (its own process) about the same data, in two
modes. `loopback`: straight to 127.0.0.1. `network`: through a delaying TCP proxy
(`delay_proxy.py`, its own process: RTT/2 per chunk each way, one RTT per new connection),
with the server started with `--public-url` naming the proxy, so that signed URLs go through
it too. Each measured operation runs in a fresh subprocess (see `transfer_processes.py`);
every result is checked byte for byte (file count, contents, sha256 of the big file).

Operations: N files of 10 KiB up and down (1,000 on loopback, 300 through the proxy), one
~100 KB deflated member (`stdout.txt`) of a task's `output.zip` as the first call of a fresh
process, and on loopback only one 1 GiB file down (against `curl -o FILE` of the same signed
URL) and up (against `curl -T` to a signed upload URL). Each cell is the median of `--runs`
runs; between runs dirty pages are flushed (`sync`) and the order of the clients rotates.
Prints one table per mode, the ratios side by side with the issue's targets, every run's
time and where the CPU went.

Run from the repository root (about 3 min for `--mode both` on 2 busy cores; ~4.5 GB of disk):

    .venv/bin/python benchmarks/transfers.py [--mode loopback|network|both] [--runs 3]
        [--small 1000] [--net-small 300] [--big-mib 1024] [--rtt-ms 40] [--quick]
        [--only small-up small-down big-up big-down member] [--clients ours inductiva]
        [--concurrency N] [--tmp DIR] [--keep]

`--quick` is `--small 200 --net-small 100 --big-mib 100`. The reference client is found
through `INDUCTIVA_CLIENT_PYTHON`, else `.venv-inductiva/bin/python`. MB = 10^6 B, MiB =
2^20 B; RSS is in MiB. Linux only (/proc is read for RSS and CPU time).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from delay_proxy import start_delay_proxy
from transfer_data import Dataset, Sizes, check, check_big, check_member, check_tree, prepare
from transfer_processes import (
    CountingProxy,
    CpuWatch,
    Measurement,
    Server,
    client_python,
    run_child,
    server_process,
    signed_url,
    warm_up,
)
from transfer_report import (
    ModeResult,
    Row,
    print_member,
    print_mode_table,
    print_runs,
    print_side_by_side,
    print_targets,
)

MiB = 1024 * 1024
OPS = ("small-up", "small-down", "big-up", "big-down", "member")
NETWORK_OPS = ("small-up", "small-down", "member")  # 1 GiB through the proxy: loopback only
CLIENTS = ("ours", "inductiva")
LABELS = {
    "small-up": "upload {n:,} files × 10 KiB",
    "small-down": "download {n:,} files × 10 KiB",
    "big-up": "upload 1 file of {mib:,} MiB",
    "big-down": "download 1 file of {mib:,} MiB to disk",
    "member": "stdout.txt ({member_kb:g} KB) of a {mib:,} MiB output.zip, fresh process",
}


@dataclass
class Bench:
    """Runs each operation for one client (or curl) and checks what it did."""

    data: Dataset
    server: Server
    concurrency: int | None
    api_url: str  # the server's, or a proxy's
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
        if client == "curl":
            url = signed_url(self.api_url, f"{remote}/big.bin", "upload")
            # `Expect:` off: no wait for a 100 Continue; curl's best case.
            result = self.curl(["-T", str(self.data.big_local), "-o", os.devnull,
                                "-H", "Expect:", "-H", "Content-Type: application/octet-stream",
                                url], "size_upload")
        else:
            result = self.run(client, "upload", str(self.data.big_local), remote,
                              self.data.sizes.big_size)
        check_big(self.data.region / remote / "big.bin", self.data)
        shutil.rmtree(self.data.region / remote)
        return result

    def big_down(self, client: str, n: int) -> Measurement:
        local = self.fresh(f"{client}-{n}-big")
        target = local / "bench" / "big.bin"
        if client == "curl":
            target.parent.mkdir()
            url = signed_url(self.api_url, "bench/big.bin", "download")
            result = self.curl(["-o", str(target), url], "size_download")
        else:
            result = self.run(client, "download", "bench/big.bin", local,
                              self.data.sizes.big_size)
        check_big(target, self.data)
        shutil.rmtree(local)
        return result

    def member(self, client: str, n: int) -> Measurement:
        local = self.fresh(f"{client}-{n}-member")
        result = self.run(client, "download", "bench-task/output.zip/stdout.txt", local,
                          len(self.data.stdout))
        check_member(local, self.data)
        shutil.rmtree(local)
        return result

    def curl(self, args: list[str], size_var: str) -> Measurement:
        """curl of a signed URL; its own `time_total` (no process start, no URL signing)."""
        os.sync()
        before = children_cpu()
        with CpuWatch(self.server.pid) as watch:
            proc = subprocess.run(["curl", "-sS", "-w", f"%{{time_total}} %{{{size_var}}} "
                                   "%{http_code}", *args], capture_output=True, text=True)
        cpu = children_cpu() - before
        seconds, size, status = (proc.stdout.split() + ["", "", ""])[:3]
        check(proc.returncode == 0 and status == "200" and int(size) == self.data.sizes.big_size,
              f"curl {args[0]} gave {proc.stdout!r} {proc.stderr!r}")
        return Measurement(float(seconds), int(size), 0.0, client_cpu=cpu,
                           server_cpu=watch.server, other_cpu=watch.others(cpu))


def children_cpu() -> float:
    """CPU seconds of all waited-for children (right for CPU time; not for ru_maxrss)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_row(row: Row, bench: Bench, clients: list[str], runs: int) -> None:
    """Each client `runs` times; the order of the clients rotates from one run to the next."""
    measure: Callable[[str, int], Measurement] = getattr(bench, row.op.replace("-", "_"))
    row.runs = {c: [] for c in clients}
    for n in range(runs):
        for client in clients[n % len(clients):] + clients[:n % len(clients)]:
            print(f"  {row.op}: {client} (run {n + 1}/{runs})", file=sys.stderr, flush=True)
            row.runs[client].append(measure(client, n))


def make_rows(ops: list[str], sizes: Sizes) -> list[Row]:
    return [Row(op, LABELS[op].format(n=sizes.small_count, mib=sizes.big_size // MiB,
                                      member_kb=sizes.member_size / 1000)) for op in ops]


def run_loopback(args: argparse.Namespace, data: Dataset, mode: ModeResult) -> None:
    ops = {row.op for row in mode.rows}
    with server_process(data.work / "server", data.work / "server.log") as server:
        warm_up(server.url)
        bench = Bench(data, server, args.concurrency, server.url)
        for row in mode.rows:
            if row.op != "member":
                curl = ["curl"] if row.op in ("big-up", "big-down") and shutil.which("curl") \
                    else []
                measure_row(row, bench, args.clients + curl, args.runs)
    if "member" in ops:  # through a byte-counting proxy, to see what went over the wire
        proxy = CountingProxy()
        try:
            with server_process(data.work / "server", data.work / "server-counted.log",
                                public_url=proxy.url) as server:
                host, port = re.fullmatch(r"http://([^:/]+):(\d+)", server.url).groups()
                proxy.target = (host, int(port))
                warm_up(proxy.url)
                bench = Bench(data, server, args.concurrency, proxy.url, proxy)
                measure_row(mode.row("member"), bench, args.clients, args.runs)
        finally:
            proxy.close()


def run_network(args: argparse.Namespace, data: Dataset, mode: ModeResult) -> None:
    with ExitStack() as stack:
        proxy = stack.enter_context(start_delay_proxy(args.rtt_ms))
        server = stack.enter_context(server_process(
            data.work / "server", data.work / "server-delayed.log", public_url=proxy.url))
        host, port = re.fullmatch(r"http://([^:/]+):(\d+)", server.url).groups()
        proxy.set_target(host, int(port))
        server = dataclasses.replace(server, proxy_pid=proxy.proc.pid)
        warm_up(proxy.url)
        bench = Bench(data, server, args.concurrency, proxy.url)
        for row in mode.rows:
            measure_row(row, bench, args.clients, args.runs)


def run_mode(args: argparse.Namespace, name: str) -> ModeResult:
    network = name == "network"
    sizes = Sizes(args.net_small if network else args.small, big_size=args.big_mib * MiB)
    ops = [op for op in args.only if not network or op in NETWORK_OPS]
    title = f"{args.rtt_ms:g} ms round trip" if network else "loopback"
    data = Dataset(Path(tempfile.mkdtemp(prefix=f"bench-transfers-{name}-", dir=args.tmp)),
                   sizes)
    mode = ModeResult(name, title, data, make_rows(ops, sizes))
    print(f"{title}: preparing data in {data.work} ...", file=sys.stderr, flush=True)
    try:
        prepare(data, set(ops))
        (run_network if network else run_loopback)(args, data, mode)
    finally:
        if args.keep:
            print(f"kept {data.work}", file=sys.stderr)
        else:
            shutil.rmtree(data.work, ignore_errors=True)
    return mode


def needed_disk(args: argparse.Namespace) -> int:
    big = args.big_mib * MiB
    return 4 * big + 4 * args.small * 10 * 1024 + 500 * 10**6  # source, 2 in flight, zip


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("loopback", "network", "both"), default="both")
    parser.add_argument("--runs", "--repeat", type=int, default=3, dest="runs",
                        help="runs per cell, order rotated; the median counts (default 3)")
    parser.add_argument("--small", type=int, default=1000, help="small files on loopback")
    parser.add_argument("--net-small", type=int, default=300,
                        help="small files through the delaying proxy (default 300)")
    parser.add_argument("--big-mib", type=int, default=1024, help="the big file, in MiB")
    parser.add_argument("--rtt-ms", type=float, default=40.0, help="the proxy's round trip")
    parser.add_argument("--quick", action="store_true",
                        help="--small 200 --net-small 100 --big-mib 100")
    parser.add_argument("--only", nargs="+", choices=OPS, default=list(OPS), metavar="OP",
                        help=f"operations to run, of: {', '.join(OPS)}")
    parser.add_argument("--clients", nargs="+", choices=CLIENTS, default=list(CLIENTS))
    parser.add_argument("--concurrency", type=int, default=None,
                        help="our client's concurrency (default: the client's own default)")
    parser.add_argument("--tmp", type=Path, default=Path(tempfile.gettempdir()),
                        help="where the temporary data goes")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data")
    args = parser.parse_args(argv)
    if args.quick:
        args.small, args.net_small, args.big_mib = 200, 100, 100
    if "inductiva" in args.clients and not os.access(client_python("inductiva"), os.X_OK):
        parser.error("the inductiva client venv is missing: run `make inductiva-client`, set "
                     "INDUCTIVA_CLIENT_PYTHON, or pass --clients ours")
    free, need = shutil.disk_usage(args.tmp).free, needed_disk(args)
    if free < need:
        parser.error(f"{args.tmp} has {free / 1e9:.1f} GB free and this run needs "
                     f"{need / 1e9:.1f} GB (try --quick or --tmp)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began, load_before = time.monotonic(), os.getloadavg()[0]
    names = ["loopback", "network"] if args.mode == "both" else [args.mode]
    modes = [run_mode(args, name) for name in names]
    print(f"\n{os.cpu_count()} CPUs (load average {load_before:.1f} before the run, "
          f"{os.getloadavg()[0]:.1f} after), Python {sys.version.split()[0]}. Each cell is the "
          f"median of {args.runs} run(s), each client in a fresh process, `sync` before each "
          "run and the clients' order rotated; times exclude interpreter start and imports, "
          "and include building the client. curl's is its own time_total. On loopback the "
          "member row goes through a byte-counting proxy.")
    for mode in modes:
        print_mode_table(mode)
    print_side_by_side(modes)
    print_runs(modes)
    for mode in modes:
        print_member(mode)
    print_targets(modes)
    print(f"\nTotal run time: {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
