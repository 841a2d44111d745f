"""Listing latency of the bundled server for 1k / 10k / 100k-entry folders.

Runs the real server on 127.0.0.1 and asks for pages over HTTP, as clients do. Prints a
Markdown table: the first (cold) listing, which reads the folder once, and the median and
95th percentile of later pages sorted by name, size and creation_time in both orders.

    python benchmarks/server_listing.py [--sizes 1000 10000 100000] [--requests 60]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from inductiva_widgets.server.config import ServerConfig, user_id_for
from inductiva_widgets.server.runner import start_in_thread

KEY = "bench-key"


def make_folder(root: Path, count: int) -> None:
    folder = root / f"f{count}"
    folder.mkdir(parents=True)
    rng = random.Random(count)
    base = time.time() - 86400 * 30
    for i in range(count):
        path = folder / f"file_{i:06d}.dat"
        with open(path, "wb") as fh:
            fh.truncate(rng.randrange(0, 1 << 20))
        t = base + rng.random() * 86400 * 30
        os.utime(path, (t, t))


def timed(client: httpx.Client, params: dict) -> float:
    start = time.perf_counter()
    response = client.get("/storage/contents", params=params)
    elapsed = (time.perf_counter() - start) * 1000
    response.raise_for_status()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = ServerConfig(root=Path(tmp), api_keys=[KEY])
        region = Path(tmp) / "users" / user_id_for(KEY) / config.default_region
        for count in args.sizes:
            make_folder(region, count)
        print("| entries | first listing (ms) | page median (ms) | page p95 (ms) |")
        print("|---:|---:|---:|---:|")
        with start_in_thread(config) as server, httpx.Client(
                base_url=server.url, headers={"X-API-Key": KEY}, timeout=60) as client:
            for count in args.sizes:
                path = f"f{count}"
                cold = timed(client, {"path": path, "per_page": 100})
                rng = random.Random(1)
                samples = []
                for _ in range(args.requests):
                    samples.append(timed(client, {
                        "path": path, "per_page": 100,
                        "page": rng.randrange(1, count // 100 + 1),
                        "sort_by": rng.choice(["name", "size", "creation_time"]),
                        "order": rng.choice(["asc", "desc"]),
                    }))
                samples.sort()
                p95 = samples[int(len(samples) * 0.95) - 1]
                print(f"| {count:,} | {cold:.1f} | {statistics.median(samples):.2f} "
                      f"| {p95:.2f} |")


if __name__ == "__main__":
    main()
