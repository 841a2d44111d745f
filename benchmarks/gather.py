"""Gather one member from many task archives over a slow link: `storage.gather` against a
loop of the reference client's `inductiva.storage.download` over the members (each file
then read with the csv module: the reference's venv has no pandas).

The storage holds `--tasks` task folders, each with an `output.zip` of `--archive-mb` MB:
a stored member of zeros written as a hole (sparse: the archives cost almost no disk),
`artifacts/gauges.csv` (`--member-kib` KiB, deflated, after the big member, so it sits
100 MB into the file) and a small `stdout.txt`. The server runs in its own process with
`--public-url` naming the proxies, so API calls and signed URLs all cross the link:

    client -> byte-counting proxy -> delaying proxy (--rtt-ms) -> server

Every measured run is a fresh process of the client's own venv (imports not timed,
building the client timed). `ours, again` is a second gather in the same process (the
cached locations and signed URLs). Wire bytes are what the server sent, headers included.

    .venv/bin/python benchmarks/gather.py [--tasks 100] [--archive-mb 100] [--member-kib 20]
        [--rtt-ms 40] [--runs 3] [--clients ours inductiva] [--tmp DIR] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from delay_proxy import start_delay_proxy
from transfer_processes import (
    KEY,
    READY,
    RESULT,
    CountingProxy,
    child_process,
    client_python,
    client_storage,
    cpu_seconds,
    peak_rss_kib,
    server_process,
    warm_up,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' helpers
from tests.storage.sparse import ZERO, HoleWriter, MiB  # noqa: E402

MEMBER = "artifacts/gauges.csv"
CHILD_TIMEOUT_S = 900


# -- the data ----------------------------------------------------------------------------------


def gauges(rng: random.Random, height: float, size: int) -> bytes:
    lines, total = ["time_s,eta_x10,eta_x20,u_x20"], 0
    while total < size:
        t = (len(lines) - 1) * 0.05
        lines.append(f"{t:.2f},{height * rng.uniform(-1, 1):.6f},"
                     f"{height * rng.uniform(-1, 1):.6f},{rng.gauss(0, 0.1):.6f}")
        total += len(lines[-1]) + 1
    return ("\n".join(lines) + "\n").encode()[:size].rsplit(b"\n", 1)[0] + b"\n"


def prepare(region: Path, tasks: int, archive_bytes: int, member_bytes: int) -> list[str]:
    """The task folders; returns their names."""
    rng = random.Random(16)
    names = [f"sweep-{i:03d}" for i in range(tasks)]
    for i, name in enumerate(names):
        path = region / name / "output.zip"
        path.parent.mkdir(parents=True)
        with open(path, "wb") as fh, zipfile.ZipFile(HoleWriter(fh), "w") as zf:
            zf.writestr("artifacts/stdout.txt", f"run {i}\nfinished\n", zipfile.ZIP_DEFLATED)
            info = zipfile.ZipInfo("artifacts/fields/state.bin")
            info.file_size = archive_bytes
            with zf.open(info, "w") as dst:
                for _ in range(archive_bytes // MiB):
                    dst.write(ZERO)
            zf.writestr(MEMBER, gauges(rng, 0.05 + 0.001 * i, member_bytes),
                        zipfile.ZIP_DEFLATED)
    return names


def members_compressed(region: Path, names: list[str]) -> int:
    total = 0
    for name in names:
        with zipfile.ZipFile(region / name / "output.zip") as zf:
            total += zf.getinfo(MEMBER).compress_size
    return total


# -- the child: one gather by one client, in that client's own venv -----------------------------


def child_main(spec: dict) -> None:
    ours = spec["client"] == "ours"
    storage = client_storage(spec["client"])
    print(READY, flush=True)
    sys.stdin.readline()
    start, cpu_start = time.perf_counter(), cpu_seconds()
    report: dict = {}
    if ours:
        client = storage.StorageClient(spec["url"], spec["key"])
        result = storage.gather(f"sweep-*/output.zip/{MEMBER}", progress=False, client=client)
        rows, found = len(result.frame), len(result.found)
        report["bytes_read"] = result.bytes_read
    else:
        import csv  # the reference's venv has no pandas: the rows are read with csv

        rows = found = 0
        for name in spec["tasks"]:
            local = Path(spec["work"]) / name
            storage.download(f"{name}/output.zip/gauges.csv", str(local), decompress=False)
            (path,) = local.rglob("gauges.csv")
            with open(path, newline="") as fh:
                rows += sum(1 for _ in csv.reader(fh)) - 1
            found += 1
    report.update(seconds=time.perf_counter() - start, cpu=cpu_seconds() - cpu_start,
                  rows=rows, found=found, peak_rss_kib=peak_rss_kib())
    print(RESULT + json.dumps(report), flush=True)
    if ours:  # the same gather again: locations and URLs come from the cache
        sys.stdin.readline()
        start, cpu_start = time.perf_counter(), cpu_seconds()
        again = storage.gather(f"sweep-*/output.zip/{MEMBER}", progress=False, client=client)
        print(RESULT + json.dumps({"seconds": time.perf_counter() - start,
                                   "cpu": cpu_seconds() - cpu_start,
                                   "rows": len(again.frame), "found": len(again.found),
                                   "bytes_read": again.bytes_read,
                                   "peak_rss_kib": peak_rss_kib()}), flush=True)
        client.close()


# -- the parent ----------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    wire: int
    requests: int
    rows: int
    rss_mib: float
    cpu: float  # the client process's CPU seconds during the gather


@dataclass
class Row:
    label: str
    runs: list[Run] = field(default_factory=list)


def measure(client: str, spec: dict, work: Path, counter: CountingProxy,
            rows: dict[str, Row]) -> None:
    with child_process(Path(__file__).resolve(), client, spec, work, CHILD_TIMEOUT_S) as child:
        if not child.read_until(READY):
            raise RuntimeError(f"{client} child ended early; see {child.log}")
        for label in (["ours", "ours, again (cached)"] if client == "ours" else ["inductiva"]):
            time.sleep(0.2)  # let the previous step's connections go quiet
            counter.reset()
            child.go()
            line = child.read_until(RESULT)
            if not line:
                raise RuntimeError(f"{client} failed; see {child.log}")
            report = json.loads(line[len(RESULT):])
            wire, requests = counter.down, len(counter.requests())
            if report["found"] != len(spec["tasks"]):
                raise RuntimeError(f"{label}: found {report['found']} of {len(spec['tasks'])}")
            rows[label].runs.append(Run(report["seconds"], wire, requests, report["rows"],
                                        report["peak_rss_kib"] / 1024, report["cpu"]))
        child.proc.communicate(timeout=60)


def spread(values: list[float], fmt: str) -> str:
    med = statistics.median(values)
    return f"{fmt.format(med)} [{fmt.format(min(values))}-{fmt.format(max(values))}]"


def print_table(rows: dict[str, Row], args: argparse.Namespace, compressed: int) -> None:
    print(f"\nGather {MEMBER} ({args.member_kib} KiB, deflated: {compressed / args.tasks:,.0f}"
          f" B each) from {args.tasks} archives of {args.archive_mb} MB, {args.rtt_ms:g} ms "
          f"round trip; median [min-max] of {args.runs} runs\n")
    head = (f"{'client':24} {'seconds':>22} {'client CPU s':>12} {'wire bytes':>30} "
            f"{'x members':>9} {'requests':>9} {'peak RSS MiB':>13}")
    print(head)
    print("-" * len(head))
    for row in rows.values():
        if not row.runs:
            continue
        seconds = spread([r.seconds for r in row.runs], "{:.3f}")
        wire = spread([r.wire for r in row.runs], "{:,.0f}")
        ratio = statistics.median(r.wire for r in row.runs) / compressed
        requests = statistics.median(r.requests for r in row.runs)
        rss = statistics.median(r.rss_mib for r in row.runs)
        cpu = statistics.median(r.cpu for r in row.runs)
        print(f"{row.label:24} {seconds:>22} {cpu:>12.2f} {wire:>30} {ratio:>9.2f} "
              f"{requests:>9.0f} {rss:>13.1f}")
    print(f"\nmembers' compressed bytes: {compressed:,}; wire bytes include HTTP headers and "
          "JSON answers (the server reads central directories itself: none cross the link)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--archive-mb", type=int, default=100)
    parser.add_argument("--member-kib", type=int, default=20)
    parser.add_argument("--rtt-ms", type=float, default=40.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", nargs="+", default=["ours", "inductiva"],
                        choices=["ours", "inductiva"])
    parser.add_argument("--tmp", default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if "inductiva" in args.clients and not Path(client_python("inductiva")).exists():
        print("no reference client venv (make inductiva-client); running ours only",
              file=sys.stderr)
        args.clients = ["ours"]
    from inductiva_widgets.server.config import user_id_for

    work = Path(tempfile.mkdtemp(prefix="bench-gather-", dir=args.tmp))
    rows = {label: Row(label) for label in ("ours", "ours, again (cached)", "inductiva")}
    try:
        region = work / "server" / "users" / user_id_for(KEY) / "europe-west1"
        print(f"preparing {args.tasks} archives in {work} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        names = prepare(region, args.tasks, args.archive_mb * 1000 * 1000,
                        args.member_kib * 1024)
        compressed = members_compressed(region, names)
        print(f"  {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
        counter = CountingProxy()
        with contextlib.ExitStack() as stack:
            stack.callback(counter.close)
            delay = stack.enter_context(start_delay_proxy(args.rtt_ms))
            counter.target = tuple(re.fullmatch(r"http://([^:/]+):(\d+)", delay.url).groups())
            counter.target = (counter.target[0], int(counter.target[1]))
            server = stack.enter_context(server_process(work / "server", work / "server.log",
                                                        public_url=counter.url))
            host, port = re.fullmatch(r"http://([^:/]+):(\d+)", server.url).groups()
            delay.set_target(host, int(port))
            warm_up(counter.url)
            spec = {"url": counter.url, "tasks": names, "work": str(work / "downloads")}
            for n in range(args.runs):
                order = args.clients[n % len(args.clients):] + args.clients[:n % len(args.clients)]
                for client in order:
                    print(f"  {client} (run {n + 1}/{args.runs})", file=sys.stderr, flush=True)
                    shutil.rmtree(work / "downloads", ignore_errors=True)
                    measure(client, spec, work, counter, rows)
        print_table(rows, args, compressed)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child_main(json.loads(sys.argv[2]))
    else:
        sys.exit(main())
