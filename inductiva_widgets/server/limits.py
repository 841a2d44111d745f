"""Limits that keep clients, with or without a key, from exhausting the server.

Enforced on the connection, before the application sees a request, by a subclass of
uvicorn's httptools protocol: request-head size and URL length, a deadline for the head and
one for an idle body, and a cap on open connections derived from RLIMIT_NOFILE (at the cap,
the connections that waited longest for a request head make room). Also here: a listening
socket whose accept errors do not spin, and a rate-limited log filter. The per-key cap on
concurrent uploads is applied by the signed-URL PUT route (`routes/blobs.py`).
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

try:
    import resource
except ImportError:  # Windows
    resource = None

log = logging.getLogger("uvicorn.error")

KIB = 1024
# Idle connections cost ~10 KB each here; beyond this many, memory runs out before descriptors.
MAX_CONNECTIONS_CEILING = 50_000
KERNEL_BACKLOG = 2048
_OUT_OF_RESOURCES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


@dataclass(frozen=True)
class Limits:
    """What one server process tolerates from its clients; the defaults suit `serve`."""

    # Bulk signed-url calls send ~50 KB of `paths=...` in the query string.
    max_url_bytes: int = 64 * KIB
    # Request line and headers together: the longest URL plus 16 KiB of headers.
    max_head_bytes: int = 80 * KIB
    max_header_count: int = 200
    # From the connection (or from the first byte of a kept-alive connection's next request)
    # to the end of the head. Idle kept-alive connections have uvicorn's 30 s instead.
    head_timeout_s: float = 10.0
    # No body byte for this long, while the server is ready to read, closes the connection
    # (nginx's client_body_timeout is 60 s too); an upload cut this way leaves no file.
    body_idle_timeout_s: float = 60.0
    # None: derived from RLIMIT_NOFILE, see `connection_cap`.
    max_connections: int | None = None
    # The project's client uploads 8 files at a time, a few dozen on slow links.
    max_uploads_per_key: int = 64
    max_downloads_per_key: int = 64
    # After refusing a request, keep reading (and dropping) for this long so that the client
    # reads the answer instead of a connection reset.
    linger_s: float = 1.0
    # The same log message at most once per interval.
    log_interval_s: float = 5.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value is not None and value <= 0:
                raise ValueError(f"Limits.{name} must be positive, not {value}")
        if self.max_url_bytes >= self.max_head_bytes:
            raise ValueError("Limits.max_url_bytes must leave room for headers in "
                             "max_head_bytes")


def raise_fd_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; return the soft limit in force."""
    if resource is None:
        return 4096  # Windows: no such limit; a modest cap
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS_CEILING * 4
    # macOS reports an infinite hard limit but refuses more than its kern.maxfilesperproc.
    for target in ((hard,) if hard != resource.RLIM_INFINITY else (1 << 20, 10240)):
        if target <= soft:
            break
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            return target
        except (ValueError, OSError):
            continue
    return soft


def accept_batch(nofile: int) -> int:
    """Connections accepted per round (uvicorn's backlog): fewer when descriptors are few."""
    return max(16, min(KERNEL_BACKLOG, nofile // 16))


def connection_cap(nofile: int) -> int:
    """Open connections allowed with `nofile` descriptors.

    A connection holds its socket and, while it moves a file, that file; the reserve covers
    the process's own files and what one or two accept rounds take before we see them.
    """
    reserve = 64 + 2 * accept_batch(nofile)
    return max(8, min(MAX_CONNECTIONS_CEILING, (nofile - reserve) // 2))


class ConnectionGuard:
    """What a server's connections share: the limits, the cap, who waits for a head."""

    def __init__(self, limits: Limits, nofile: int) -> None:
        self.limits = limits
        self.max_connections = limits.max_connections or connection_cap(nofile)
        self.backlog = accept_batch(nofile)
        self.nofile = nofile
        # Connections waiting for a request head, oldest first (dicts keep insertion order).
        self.waiting: dict[GuardedHttpProtocol, None] = {}
        self.connections: set = set()  # uvicorn's set of open connections, once one opens

    def log_limits(self) -> None:
        """One line at start saying what the server will take."""
        limits = self.limits
        log.info("limits: %d open connections (open-file limit %d), %d uploads per key, "
                 "request heads of %d bytes within %g s", self.max_connections, self.nofile,
                 limits.max_uploads_per_key, limits.max_head_bytes, limits.head_timeout_s)

    def protocol_class(self) -> type[GuardedHttpProtocol]:
        """The protocol class to give `uvicorn.Config(http=...)`."""
        return type("GuardedHttpProtocol", (GuardedHttpProtocol,), {"guard": self})

    def shed(self, count: int) -> int:
        """Close up to `count` of the connections that waited longest for a request head."""
        shed = 0
        while shed < count and self.waiting:
            next(iter(self.waiting)).evict()
            shed += 1
        return shed

    def listen_on(self, sock: socket.socket) -> GuardedListener:
        """`sock` as a `GuardedListener` that sheds waiting connections when out of files."""
        if not isinstance(sock, GuardedListener):
            # Takes the descriptor over, as uvicorn would have (it closes it on shutdown).
            sock = GuardedListener(fileno=sock.detach())
        sock.on_exhausted = self._out_of_files
        return sock

    def _out_of_files(self) -> None:
        # The cap was too high for the descriptors really left (a --max-connections above
        # the limit, or files held elsewhere): lower it below what is open now, so that new
        # connections evict old ones instead of failing to be accepted.
        open_now = len(self.connections)
        self.max_connections = max(8, min(self.max_connections, open_now - 2 * self.backlog))
        shed = self.shed(max(16, open_now - self.max_connections))
        log.warning("out of file descriptors with %d connections open: cap lowered to %d, "
                    "closed %d waiting for a request head", open_now, self.max_connections, shed)


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a request we refuse."""


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits of `guard` applied."""

    guard: ClassVar[ConnectionGuard]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = self.guard.limits
        self._head_done = False  # head complete, message (body) not yet
        self._head_bytes = 0
        self._url_parts: list[bytes] = []
        self._url_bytes = 0
        self._header_count = 0
        self._refusal: tuple[int, str] | None = None
        self._refused = False  # answered and closing: drop whatever still arrives
        self._dropped = 0
        self._rx_at = 0.0
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._linger_timer: asyncio.TimerHandle | None = None

    # -- connection ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        guard = self.guard
        guard.connections = self.connections
        if len(self.connections) > guard.max_connections:
            if guard.shed(1):
                log.info("at the connection cap (%d): closed the connection that waited "
                         "longest for a request head", guard.max_connections)
            else:
                log.warning("at the connection cap (%d) with every connection busy: "
                            "answering 503", guard.max_connections)
                self._answer(503, "the server has too many open connections; retry shortly",
                             linger=False, retry_after=2)
                return
        guard.waiting[self] = None
        self._head_timer = self.loop.call_later(self._limits.head_timeout_s, self._head_late)

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.waiting.pop(self, None)
        self._stop_timers()
        super().connection_lost(exc)

    def evict(self) -> None:
        """Close to make room for another connection (this one waits for a request head)."""
        self.guard.waiting.pop(self, None)
        if self._head_bytes:
            self._answer(503, "the server has too many open connections and closed this one, "
                         "which had not sent its request head; retry", linger=False)
        else:
            self._stop_timers()
            self.transport.abort()

    # -- reading -------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._refused:
            self._dropped += len(data)
            if self._dropped > 1 << 20:
                self.transport.abort()
            return
        self._rx_at = self.loop.time()
        limit = self._limits.max_head_bytes
        while data:
            if self._head_done:
                if not self._feed(data):
                    return
                break
            # Feed no more than the head may still take, so the parser never holds more.
            room = limit - self._head_bytes
            chunk, data = data[:room], data[room:]
            self._head_bytes += len(chunk)
            if not self._feed(chunk):
                return
            if not self._head_done and self._head_bytes >= limit:
                self._answer(431, f"the request head is larger than {limit} bytes")
                return
        if self._head_done and self._body_timer is None:
            self._body_timer = self.loop.call_later(self._limits.body_idle_timeout_s,
                                                    self._body_check)

    def _feed(self, data: bytes) -> bool:
        # uvicorn's data_received, except that our refusals get their own answer.
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self._refusal is not None:
                self._answer(*self._refusal)
            else:
                msg = "Invalid HTTP request received."
                self.logger.warning(msg)
                self.send_400_response(msg)
            return False
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return False
        return True

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._url_parts, self._url_bytes, self._header_count = [], 0, 0
        if self._head_timer is None:  # a kept-alive connection's next request
            self._head_timer = self.loop.call_later(self._limits.head_timeout_s,
                                                    self._head_late)

    def on_url(self, url: bytes) -> None:
        # Parts joined once at the end: uvicorn's `self.url += url` copies on every packet.
        self._url_bytes += len(url)
        if self._url_bytes > self._limits.max_url_bytes:
            self._refusal = (414, f"the URL is longer than {self._limits.max_url_bytes} bytes")
            raise _Refused
        self._url_parts.append(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self._limits.max_header_count:
            self._refusal = (431, f"more than {self._limits.max_header_count} header fields")
            raise _Refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_done = True
        self.guard.waiting.pop(self, None)
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self.url = b"".join(self._url_parts)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head_done, self._head_bytes = False, 0
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.timeout_keep_alive_task is not None:
            self.guard.waiting[self] = None  # kept alive: waits for its next head

    # -- deadlines -----------------------------------------------------------------------

    def _head_late(self) -> None:
        self._head_timer = None
        if self._head_done or self._refused or self.transport.is_closing():
            return
        self.guard.waiting.pop(self, None)
        timeout = self._limits.head_timeout_s
        log.info("closed a connection whose request head was not complete after %g s", timeout)
        if self._head_bytes:
            self._answer(408, f"the request head did not arrive within {timeout:g} s",
                         linger=False)
        else:
            self._stop_timers()
            self.transport.abort()

    def _body_check(self) -> None:
        self._body_timer = None
        if (not self._head_done or self._refused or self.transport.is_closing()
                or self.transport.get_protocol() is not self):
            return
        now = self.loop.time()
        if self.flow.read_paused:
            self._rx_at = now  # we stopped reading, not the client
        due = self._rx_at + self._limits.body_idle_timeout_s
        if now < due:
            self._body_timer = self.loop.call_later(due - now, self._body_check)
            return
        log.info("closed a connection whose request body sent nothing for %g s",
                 self._limits.body_idle_timeout_s)
        # The application sees a disconnect; an upload drops its temporary file.
        self._stop_timers()
        self.transport.abort()

    def _stop_timers(self) -> None:
        for name in ("_head_timer", "_body_timer", "_linger_timer"):
            timer = getattr(self, name)
            if timer is not None:
                timer.cancel()
                setattr(self, name, None)

    # -- refusing ------------------------------------------------------------------------

    def _answer(self, status: int, detail: str, linger: bool = True,
                retry_after: int | None = None) -> None:
        """Answer `status` with a JSON detail and close the connection."""
        self._stop_timers()
        self.guard.waiting.pop(self, None)
        self._refused = True
        if self.cycle is not None and not self.cycle.response_complete:
            self.transport.abort()  # a response is being written: no room for ours
            return
        if status in (414, 431):
            log.warning("refused a request: %s", detail)
        body = json.dumps({"detail": detail}).encode()
        lines = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            lines += [name, b": ", value, b"\r\n"]
        if retry_after is not None:
            lines.append(b"retry-after: %d\r\n" % retry_after)
        lines += [b"content-type: application/json\r\ncontent-length: %d\r\n" % len(body),
                  b"connection: close\r\n\r\n", body]
        self.transport.write(b"".join(lines))
        if linger and self.transport.can_write_eof():
            self.transport.write_eof()
            self._linger_timer = self.loop.call_later(self._limits.linger_s,
                                                      self.transport.abort)
        else:
            # The answer is in the kernel's buffer already; abort frees the descriptor
            # even if the client never reads.
            self.transport.abort()


class GuardedListener(socket.socket):
    """A listening socket whose `accept()` does not let the event loop spin on EMFILE.

    Python 3.11's accept loop, out of descriptors, retries `backlog` times per round and
    logs each failure (thousands of lines a second). After one such failure this socket
    reports "nothing to accept" for half a second, so the loop pauses on its own retry delay
    (one second), and `on_exhausted` closes connections to make room.
    """

    on_exhausted: Callable[[], None] | None = None
    _quiet_until = 0.0

    def listen(self, backlog: int = KERNEL_BACKLOG) -> None:
        # asyncio listens again with uvicorn's backlog, which it also takes as the number of
        # connections accepted per round. Queued connections hold no descriptor of ours:
        # keep the kernel's queue long, or bursts wait a second for SYN retries.
        super().listen(max(backlog, KERNEL_BACKLOG))

    def accept(self) -> tuple[socket.socket, Any]:
        now = time.monotonic()
        if now < self._quiet_until:
            raise BlockingIOError(errno.EAGAIN, "accept paused: out of file descriptors")
        try:
            return super().accept()
        except OSError as exc:
            if exc.errno in _OUT_OF_RESOURCES:
                self._quiet_until = now + 0.5
                if self.on_exhausted is not None:
                    self.on_exhausted()
            raise


class RateLimitedLog(logging.Filter):
    """Lets the same message template through at most once per `interval_s`; the next one
    that passes after some were dropped is preceded by a line saying how many."""

    def __init__(self, interval_s: float = 5.0) -> None:
        super().__init__()
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._seen: dict[tuple, list] = {}  # key -> [time let through, dropped since]

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "rate_limit_summary", False):
            return True
        key = (record.name, record.levelno, str(record.msg)[:300])
        now = time.monotonic()
        with self._lock:
            entry = self._seen.get(key)
            if entry is not None and now - entry[0] < self.interval_s:
                entry[1] += 1
                return False
            if len(self._seen) > 1000:  # many distinct messages: forget the quiet ones
                self._seen = {k: v for k, v in self._seen.items()
                              if now - v[0] < self.interval_s}
            self._seen[key] = [now, 0]
        if entry is not None and entry[1]:
            logger = logging.getLogger(record.name)
            first_line = str(record.msg).splitlines()[0][:200] if record.msg else ""
            summary = logger.makeRecord(
                record.name, record.levelno, record.pathname, record.lineno,
                "suppressed %d repeats in the last %.0f s of: %s",
                (entry[1], now - entry[0], first_line), None,
                extra={"rate_limit_summary": True})
            logger.handle(summary)
        return True


LIMITED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "asyncio")


def install_log_limits(interval_s: float = Limits.log_interval_s) -> None:
    """Put a `RateLimitedLog` on uvicorn's and asyncio's loggers (once per logger)."""
    for name in LIMITED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RateLimitedLog) for f in logger.filters):
            logger.addFilter(RateLimitedLog(interval_s))

