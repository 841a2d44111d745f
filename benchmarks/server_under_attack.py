"""The bundled server under load and under attack, in one run (issue 10's figures).

Starts `inductiva-widgets serve` as a process of its own and prints Markdown tables:

1. transfers held under concurrency: 50 uploads and 50 downloads of 5 MiB at once, every
   byte checked by sha256;
2. listing throughput: 200 concurrent keep-alive clients asking for pages of 100 entries;
   pages per second, p50 and p95;
3. the server's peak RSS (VmHWM) after each memory attack: a 60 MB ZIP central directory
   under a dozen names, the largest listable archives listed whole, signed-url floods, many
   100,000-entry folder listings;
4. keyed-listing latency while 5,000 idle half-sent requests are held open, and what five
   10 MB request heads get.

    python benchmarks/server_under_attack.py [--clients 200] [--seconds 10] [--idle 5000]

The load generator speaks raw HTTP/1.1 over asyncio streams: an HTTP library would spend
more CPU per request than the server does, on the same two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' helpers
from tests.server.serverproc import (  # noqa: E402
    KEY,
    OTHER_KEY,
    ServerProcess,
    empty_files,
    region_root,
    upload,
)
from tests.server.test_hostile_memory import many_member_zip  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


# -- 1. transfers ---------------------------------------------------------------------------

def transfers(server: ServerProcess, count: int = 50, size: int = 5 << 20) -> list[str]:
    blobs = [os.urandom(size) for _ in range(count)]
    digests = [hashlib.sha256(b).hexdigest() for b in blobs]
    with server.client() as api:
        for i in range(count):  # the files that will be downloaded
            assert upload(api, f"load/down{i}.bin", blobs[i]).status_code == 200
        up_urls = api.get("/storage/signed-urls", params={
            "paths": [f"load/up{i}.bin" for i in range(count)], "operation": "upload"}).json()
        down_urls = api.get("/storage/signed-urls", params={
            "paths": [f"load/down{i}.bin" for i in range(count)],
            "operation": "download"}).json()
    ok = {"up": 0, "down": 0}
    lock = threading.Lock()

    def put(i: int) -> None:
        if httpx.put(up_urls[i], content=blobs[i], timeout=120).status_code == 200:
            with lock:
                ok["up"] += 1

    def get(i: int) -> None:
        body = httpx.get(down_urls[i], timeout=120).content
        if hashlib.sha256(body).hexdigest() == digests[i]:
            with lock:
                ok["down"] += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(2 * count) as pool:
        jobs = [pool.submit(put, i) for i in range(count)]
        jobs += [pool.submit(get, i) for i in range(count)]
        for job in jobs:
            job.result()
    elapsed = time.perf_counter() - start
    stored = region_root(server) / "load"
    verified = sum(hashlib.sha256((stored / f"up{i}.bin").read_bytes()).hexdigest()
                   == digests[i] for i in range(count))
    moved = 2 * count * size / 1e6
    return [f"| {count} uploads + {count} downloads of {size >> 20} MiB at once | "
            f"{elapsed:.2f} s | {moved / elapsed:.0f} MB/s | uploads verified {verified}/{count},"
            f" downloads verified {ok['down']}/{count} |"]


# -- 2. listing throughput ------------------------------------------------------------------

async def _lister(host: str, port: int, request: bytes, until: float,
                  latencies: list[float], errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12]
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            if status != b"200":
                errors.append(status.decode())
            latencies.append(time.perf_counter() - start)
    except (OSError, asyncio.IncompleteReadError) as exc:
        errors.append(type(exc).__name__)
    finally:
        writer.close()


def listing_load(server: ServerProcess, clients: int, seconds: float) -> list[str]:
    root = region_root(server)
    (root / "wide").mkdir(parents=True, exist_ok=True)
    for i in range(1000):
        (root / "wide" / f"file_{i:05d}.dat").write_bytes(b"x" * (i % 97))
    url = httpx.URL(server.url)
    request = (f"GET /storage/contents?path=wide&per_page=100&sort_by=name HTTP/1.1\r\n"
               f"Host: {url.host}\r\nX-API-Key: {KEY}\r\n\r\n").encode()
    latencies: list[float] = []
    errors: list[str] = []

    async def run() -> float:
        until = time.perf_counter() + seconds
        start = time.perf_counter()
        await asyncio.gather(*[_lister(url.host, url.port, request, until, latencies, errors)
                               for _ in range(clients)])
        return time.perf_counter() - start

    elapsed = asyncio.run(run())
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return [f"| {clients} | {len(latencies) / elapsed:.0f} | {ms(q[49])} | {ms(q[94])} | "
            f"{ms(latencies[-1])} | {len(errors)} |"]


# -- 3. memory attacks ----------------------------------------------------------------------

def memory_attacks(server: ServerProcess) -> list[str]:
    rows = [f"| at start | {server.peak_rss_mb():.0f} |"]
    huge = many_member_zip(700_000)
    with server.client(timeout=300) as api:
        for i in range(12):
            upload(api, f"bombs/huge{i}.zip", huge)
            api.get("/storage/zip-contents", params={"path": f"bombs/huge{i}.zip"})
        rows.append(f"| a {len(huge) / 1e6:.0f} MB central directory, listed under 12 names "
                    f"| {server.peak_rss_mb():.0f} |")
        big = many_member_zip(140_000)
        for i in range(8):
            upload(api, f"big/a{i}.zip", big)

        def list_whole(i: int) -> None:
            with server.client(timeout=300) as c, c.stream(
                    "GET", "/storage/zip-contents",
                    params={"path": f"big/a{i % 8}.zip", "recursive": "true"}) as r:
                for _ in r.iter_bytes():
                    pass

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(list_whole, range(16)))
        rows.append(f"| 140,000-member archives under 8 names, listed whole 16 times, 4 at once "
                    f"| {server.peak_rss_mb():.0f} |")
        (region_root(server) / "many").mkdir(exist_ok=True)
        for i in range(1000):
            (region_root(server) / "many" / f"f{i:04d}").write_bytes(b"")
        for _ in range(10):
            api.get("/storage/signed-urls",
                    params={"paths": ["many/"] * 2000, "operation": "download"})
        rows.append(f"| signed URLs for a 1,000-file folder named 2,000 times, 10 times "
                    f"| {server.peak_rss_mb():.0f} |")
        for folder in range(6):
            empty_files(region_root(server) / "wide100k" / f"w{folder}", 100_000, "e{:06d}")
            for sort_by in ("name", "size", "creation_time"):
                api.get("/storage/contents",
                        params={"path": f"wide100k/w{folder}", "sort_by": sort_by})
        rows.append(f"| six 100,000-entry folders listed in three orders "
                    f"| {server.peak_rss_mb():.0f} |")
    return rows


# -- 4. idle half-sent requests and big heads -----------------------------------------------

def idle_connections(server: ServerProcess, count: int) -> list[str]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    url = httpx.URL(server.url)
    held = []
    partial = f"GET /storage/contents?path=/ HTTP/1.1\r\nHost: {url.host}\r\n".encode()
    import socket

    for _ in range(count):
        try:
            sock = socket.create_connection((url.host, url.port), timeout=5)
            sock.sendall(partial)
            held.append(sock)
        except OSError:
            break
    latencies = []
    failures = 0
    with server.client(OTHER_KEY, timeout=10) as api:
        for _ in range(20):
            start = time.perf_counter()
            try:
                ok = api.get("/storage/contents", params={"path": "/"}).status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - start)
            failures += not ok
            time.sleep(0.05)
    for sock in held:
        sock.close()
    latencies.sort()
    return [f"| {len(held):,} idle half-sent requests held | keyed listing p50 "
            f"{ms(statistics.median(latencies))} ms, max {ms(latencies[-1])} ms, "
            f"{failures} failed of {len(latencies)} |"]


def big_heads(server: ServerProcess, count: int = 5, size: int = 10 << 20) -> list[str]:
    import socket

    url = httpx.URL(server.url)
    statuses = []

    def attack() -> None:
        with socket.create_connection((url.host, url.port), timeout=30) as sock:
            try:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ")
                for _ in range(size // 65536):
                    sock.sendall(b"a" * 65536)
            except OSError:
                pass  # the server answered and closed: what it said is below
            try:
                statuses.append(sock.recv(64).split(b" ")[1].decode())
            except (OSError, IndexError):
                statuses.append("closed")

    before = server.peak_rss_mb()
    threads = [threading.Thread(target=attack) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [f"| {count} request heads of {size >> 20} MB at once | answered "
            f"{', '.join(sorted(statuses))}; peak RSS {before:.0f} -> "
            f"{server.peak_rss_mb():.0f} MB |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--idle", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ServerProcess(Path(tmp) / "storage") as server:
        print(f"server: {server.url}, pid {server.process.pid}, {os.cpu_count()} cores\n")
        print("| transfers | time | throughput | verified |\n|---|---:|---:|---|")
        print("\n".join(transfers(server)))
        print("\n| clients | pages/s | p50 (ms) | p95 (ms) | max (ms) | errors |")
        print("|---:|---:|---:|---:|---:|---:|")
        print("\n".join(listing_load(server, args.clients, args.seconds)))
        print("\n| memory attack (cumulative, one process) | server peak RSS (MB) |\n|---|---:|")
        print("\n".join(memory_attacks(server)))
        print("\n| exhaustion | result |\n|---|---|")
        print("\n".join(idle_connections(server, args.idle)))
        print("\n".join(big_heads(server)))
        print(f"\nserver alive at the end: {server.alive()}; "
              f"final peak RSS {server.peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
