"""Running the server: in a background thread (tests, notebooks, benchmarks) or in front."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn

from .app import create_app
from .config import ServerConfig
from .limits import ConnectionGuard, GuardedListener, Limits, install_log_limits, raise_fd_limit


def _prepare(config: ServerConfig, sock: socket.socket, log_level: str,
             limits: Limits | None) -> tuple[object, uvicorn.Server, socket.socket]:
    """The app, a uvicorn server that applies `limits`, and the socket it listens on."""
    limits = limits or Limits()
    guard = ConnectionGuard(limits, raise_fd_limit())
    app = create_app(config)
    app.state.server.uploads.limit = limits.max_uploads_per_key
    app.state.server.downloads.limit = limits.max_downloads_per_key
    # httptools is uvicorn's fast parser; the guard's subclass of its protocol adds the
    # limits (URLs up to 64 KiB: bulk signed-URL calls send ~50 KB of query string).
    uv_config = uvicorn.Config(app, http=guard.protocol_class(), log_level=log_level,
                               access_log=False, timeout_keep_alive=30, lifespan="on",
                               backlog=guard.backlog)
    install_log_limits(limits.log_interval_s)  # after Config, which sets up logging
    guard.log_limits()
    return app, uvicorn.Server(uv_config), guard.listen_on(sock)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP makes asyncio set TCP_NODELAY on accepted connections; without it
    # a kept-alive connection waits ~40 ms for delayed ACKs on every response.
    sock = GuardedListener(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    """The http URL a listening socket answers on."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@dataclass
class RunningServer:
    """A server answering on `url` until `stop()`."""

    url: str
    config: ServerConfig
    app: object
    _server: uvicorn.Server
    _thread: threading.Thread

    @property
    def api_key(self) -> str:
        return self.config.api_keys[0]

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_in_thread(config: ServerConfig, host: str = "127.0.0.1", port: int = 0,
                    log_level: str = "warning", limits: Limits | None = None) -> RunningServer:
    """Start the server in a daemon thread and return once it answers."""
    app, server, sock = _prepare(config, bind(host, port), log_level, limits)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])),
                              name="inductiva-widgets-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the storage server did not start")
        time.sleep(0.01)
    return RunningServer(url_of(sock), config, app, server, thread)


def serve_forever(config: ServerConfig, sock: socket.socket, log_level: str = "info",
                  limits: Limits | None = None) -> None:
    """Serve in the foreground on an already bound socket until Ctrl-C."""
    _, server, sock = _prepare(config, sock, log_level, limits)
    asyncio.run(server.serve(sockets=[sock]))
