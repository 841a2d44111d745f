"""A delaying TCP proxy on loopback: a stand-in for a network with a round-trip time.

Every chunk read from one side is written to the other RTT/2 later (a FIFO per connection
and direction, so order is kept), and a new connection carries nothing for one RTT (the
TCP handshake), so a request on a fresh connection reaches the server 1.5 RTT after the
client's connect. Bandwidth is not limited: only latency is modelled.

    python benchmarks/delay_proxy.py --target 127.0.0.1:8000 [--rtt-ms 40] [--port 0]

Prints `LISTENING <port>` once it accepts connections. Without `--target`, it reads the
target `host:port` as the first line of stdin (so it can start before the server, whose
signed URLs must name the proxy). `start_delay_proxy()` runs it as a subprocess.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK = 256 * 1024
QUEUED_CHUNKS = 64  # per direction: back-pressure instead of unbounded buffering


async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
               one_way: float, open_at: float) -> None:
    """Forward reader -> writer, each chunk delayed by `one_way` (none before `open_at`)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue(QUEUED_CHUNKS)

    async def send() -> None:
        while True:
            due, data = await queue.get()
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            if not data:
                with contextlib.suppress(OSError):
                    if writer.can_write_eof():
                        writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    sender = asyncio.create_task(send())
    try:
        while (data := await reader.read(CHUNK)) and not sender.done():
            await queue.put((max(loop.time(), open_at) + one_way, data))
    except OSError:
        pass
    if not sender.done():  # the other side gone: nothing more to deliver
        await queue.put((max(loop.time(), open_at) + one_way, b""))
    with contextlib.suppress(OSError, ConnectionError):
        await sender


class DelayProxy:
    def __init__(self, target: tuple[str, int] | None, rtt: float) -> None:
        self.target = target
        self.rtt = rtt
        self.target_known = asyncio.Event()
        if target:
            self.target_known.set()

    async def handle(self, client_r: asyncio.StreamReader,
                     client_w: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        open_at = loop.time() + self.rtt  # the handshake: one round trip
        await self.target_known.wait()
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.close()
            return
        for writer in (client_w, server_w):
            sock = writer.get_extra_info("socket")
            with contextlib.suppress(OSError):
                sock.setsockopt(6, 1, 1)  # IPPROTO_TCP, TCP_NODELAY
        half = self.rtt / 2
        try:
            await asyncio.gather(pump(client_r, server_w, half, open_at),
                                 pump(server_r, client_w, half, open_at))
        finally:
            for writer in (client_w, server_w):
                writer.close()


async def serve(target: tuple[str, int] | None, rtt: float, port: int) -> None:
    proxy = DelayProxy(target, rtt)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", port, backlog=1024)
    print(f"LISTENING {server.sockets[0].getsockname()[1]}", flush=True)
    if target is None:
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        host, _, number = line.strip().rpartition(":")
        proxy.target = (host, int(number))
        proxy.target_known.set()
    async with server:
        await server.serve_forever()


def parse_target(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


@dataclass
class RunningProxy:
    url: str
    proc: subprocess.Popen

    def set_target(self, host: str, port: int) -> None:
        self.proc.stdin.write(f"{host}:{port}\n")
        self.proc.stdin.flush()


@contextlib.contextmanager
def start_delay_proxy(rtt_ms: float) -> Iterator[RunningProxy]:
    """The proxy in its own process; call `set_target` once the server is up."""
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()),
                             "--rtt-ms", str(rtt_ms)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        line = proc.stdout.readline()
        if not line.startswith("LISTENING ") or time.monotonic() > deadline:
            raise RuntimeError(f"the delay proxy did not start: {line!r}")
        yield RunningProxy(f"http://127.0.0.1:{int(line.split()[1])}", proc)
    finally:
        # Here, not at the top: the module also serves the reference client's venv.
        from inductiva_widgets.processes import stop_process

        stop_process(proc, signal.SIGTERM, timeout=10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=parse_target, default=None,
                        help="host:port to forward to (default: read from stdin)")
    parser.add_argument("--rtt-ms", type=float, default=40.0, help="round-trip time (40)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any)")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.target, args.rtt_ms / 1000, args.port))


if __name__ == "__main__":
    main()
