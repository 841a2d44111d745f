"""Which outgoing addresses the server may contact, and httpx transports that enforce it.

Server-side request forgery guard. The transports below resolve a host name once, check every
address it resolves to, and connect to a checked address, so a DNS answer that changes
between a check and the connect (DNS rebinding) cannot lead to a private service. TLS still
uses the URL's host name (SNI and certificate check) and the Host header comes from the URL.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ForbiddenUrl(ValueError):
    """A URL the server refuses to contact."""


def _nets(*rows: tuple[str, str]) -> tuple[tuple[Any, str], ...]:
    return tuple((ipaddress.ip_network(net), why) for net, why in rows)


# Explicit tables: Python 3.11's `is_global` misses several of these (192.0.0.0/24,
# ::a.b.c.d, NAT64 and 6to4 forms of private addresses, 3fff::/20, ...).
_V4_NOT_PUBLIC = _nets(
    ("0.0.0.0/8", "'this network', 0.0.0.0/8"),
    ("10.0.0.0/8", "private, 10.0.0.0/8"),
    ("100.64.0.0/10", "carrier-grade NAT, 100.64.0.0/10"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local, 169.254.0.0/16"),
    ("172.16.0.0/12", "private, 172.16.0.0/12"),
    ("192.0.0.0/24", "IETF protocol assignments, 192.0.0.0/24"),
    ("192.0.2.0/24", "documentation, 192.0.2.0/24"),
    ("192.88.99.0/24", "6to4 relay anycast, 192.88.99.0/24"),
    ("192.168.0.0/16", "private, 192.168.0.0/16"),
    ("198.18.0.0/15", "benchmarking, 198.18.0.0/15"),
    ("198.51.100.0/24", "documentation, 198.51.100.0/24"),
    ("203.0.113.0/24", "documentation, 203.0.113.0/24"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),
    ("240.0.0.0/4", "reserved, 240.0.0.0/4"),
)
_V6_NOT_PUBLIC = _nets(
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/96", "IPv4-compatible (deprecated), ::/96"),
    ("64:ff9b:1::/48", "local-use NAT64, 64:ff9b:1::/48"),
    ("100::/64", "discard-only, 100::/64"),
    ("2001::/23", "IETF protocol assignments (Teredo, benchmarking, ORCHID), 2001::/23"),
    ("2001:db8::/32", "documentation, 2001:db8::/32"),
    ("3fff::/20", "documentation, 3fff::/20"),
    ("5f00::/16", "SRv6 segment identifiers, 5f00::/16"),
    ("fc00::/7", "unique-local, fc00::/7"),
    ("fe80::/10", "link-local, fe80::/10"),
    ("fec0::/10", "site-local (deprecated), fec0::/10"),
    ("ff00::/8", "multicast"),
)
_V6_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    # Forms whose packets end up at the IPv4 address they carry.
    if address.ipv4_mapped is not None:
        return "IPv4-mapped", address.ipv4_mapped
    if address in _NAT64:
        return "NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return "6to4", address.sixtofour
    return None


def non_public_reason(address: IPAddress | str) -> str | None:
    """Why `address` is not a public unicast address, or None when it is public."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address)
    if address.version == 4:
        return next((why for net, why in _V4_NOT_PUBLIC if address in net), None)
    address = ipaddress.IPv6Address(int(address))  # drops a %scope
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        kind, inner = embedded
        why = non_public_reason(inner)
        return f"{kind} form of {inner}, {why}" if why else None
    for net, why in _V6_NOT_PUBLIC:
        if address in net:
            return why
    if address not in _V6_GLOBAL_UNICAST:
        return "outside the global unicast range 2000::/3"
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to, in the resolver's order (one look-up).

    Raises OSError (socket.gaierror) when the name does not resolve.
    """
    if _is_literal(host):
        return [ipaddress.ip_address(host)]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, "no addresses")
    return addresses


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def check_addresses(host: str, addresses: Iterable[IPAddress], allow_private: bool) -> None:
    """Raise ForbiddenUrl if any address is not public (unless private ones are allowed)."""
    if allow_private:
        return
    for address in addresses:
        why = non_public_reason(address)
        if why is not None:
            what = f"{host} is" if _is_literal(host) else f"{host} resolves to"
            raise ForbiddenUrl(
                f"{what} {address}, a private or local address ({why}); the server only "
                "contacts public addresses (start it with --allow-private-urls to allow this)")


def split_url(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL; ForbiddenUrl for any other URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ForbiddenUrl(f"only http and https URLs can be fetched, not {parts.scheme or url!r}")
    if not parts.hostname:
        raise ForbiddenUrl(f"the URL {url!r} has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ForbiddenUrl(f"the URL {url!r} has an invalid port") from None
    return parts.hostname, port


def check_url_sync(url: str, allow_private: bool) -> None:
    """Up-front check of a URL (a clear early error; the transports check again at connect)."""
    host, port = split_url(url)
    if allow_private:
        return
    try:
        addresses = resolve(host, port)
    except OSError as exc:
        raise ForbiddenUrl(f"cannot resolve {host}: {exc.strerror or exc}") from None
    check_addresses(host, addresses, allow_private)


def _left(deadline: float | None, attempts_left: int) -> float | None:
    # Share what is left of the connect timeout among the addresses still to try.
    if deadline is None:
        return None
    return max(deadline - time.monotonic(), 0.0) / attempts_left


def _cannot_connect(host: str, address: IPAddress, exc: Exception) -> Exception:
    if isinstance(exc, httpcore.ConnectTimeout):
        return httpcore.ConnectTimeout(f"connecting to {host} ({address}) timed out")
    return httpcore.ConnectError(
        f"cannot connect to {host} ({address}): {str(exc) or type(exc).__name__}")


class GuardedAsyncBackend(httpcore.AsyncNetworkBackend):
    """An httpcore backend that connects only to checked addresses of the host it is given."""

    def __init__(self, allow_private: bool,
                 inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.allow_private = allow_private
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            with anyio.fail_after(timeout):
                addresses = await anyio.to_thread.run_sync(resolve, host, port,
                                                           abandon_on_cancel=True)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror or exc}") from None
        check_addresses(host, addresses, self.allow_private)
        failure: Exception | None = None
        for n, address in enumerate(addresses):
            try:
                return await self._inner.connect_tcp(
                    str(address), port, _left(deadline, len(addresses) - n), local_address,
                    socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = _cannot_connect(host, address, exc)
        raise failure  # type: ignore[misc]  # addresses is never empty

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise ForbiddenUrl("the server does not connect to unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedBackend(httpcore.NetworkBackend):
    """`GuardedAsyncBackend` for blocking clients (worker threads)."""

    def __init__(self, allow_private: bool, inner: httpcore.NetworkBackend | None = None) -> None:
        self.allow_private = allow_private
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            addresses = resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror or exc}") from None
        check_addresses(host, addresses, self.allow_private)
        failure: Exception | None = None
        for n, address in enumerate(addresses):
            try:
                return self._inner.connect_tcp(
                    str(address), port, _left(deadline, len(addresses) - n), local_address,
                    socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = _cannot_connect(host, address, exc)
        raise failure  # type: ignore[misc]  # addresses is never empty

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:
        raise ForbiddenUrl("the server does not connect to unix sockets")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


# httpcore's exceptions and the httpx ones callers catch (httpx does the same privately).
_HTTPX_ERRORS: dict[type[Exception], type[httpx.HTTPError]] = {
    getattr(httpcore, name): getattr(httpx, name) for name in (
        "TimeoutException", "ConnectTimeout", "ReadTimeout", "WriteTimeout", "PoolTimeout",
        "NetworkError", "ConnectError", "ReadError", "WriteError", "ProxyError",
        "UnsupportedProtocol", "ProtocolError", "LocalProtocolError", "RemoteProtocolError")}


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for cls in type(exc).__mro__:  # the most specific match first
            if cls in _HTTPX_ERRORS:
                raise _HTTPX_ERRORS[cls](str(exc)) from exc
        raise


def _core_request(request: httpx.Request) -> httpcore.Request:
    return httpcore.Request(
        method=request.method,
        url=httpcore.URL(scheme=request.url.raw_scheme, host=request.url.raw_host,
                         port=request.url.port, target=request.url.raw_path),
        headers=request.headers.raw, content=request.stream, extensions=request.extensions)


def _pool_options(ssl_context: ssl.SSLContext | None) -> dict[str, Any]:
    return {"ssl_context": ssl_context or httpx.create_ssl_context(),
            "max_connections": 100, "max_keepalive_connections": 20, "keepalive_expiry": 5.0}


class _AsyncBody(httpx.AsyncByteStream):
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        await self._stream.aclose()


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_errors():
            yield from self._stream

    def close(self) -> None:
        self._stream.close()


class GuardedAsyncTransport(httpx.AsyncBaseTransport):
    """An httpx transport (HTTP/1.1, no proxy) whose connections go through the guard."""

    def __init__(self, allow_private: bool, ssl_context: ssl.SSLContext | None = None) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            network_backend=GuardedAsyncBackend(allow_private), **_pool_options(ssl_context))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with _httpx_errors():
            response = await self._pool.handle_async_request(_core_request(request))
        return httpx.Response(response.status, headers=response.headers,
                              stream=_AsyncBody(response.stream), extensions=response.extensions)

    async def aclose(self) -> None:
        await self._pool.aclose()


class GuardedTransport(httpx.BaseTransport):
    """`GuardedAsyncTransport` for blocking clients."""

    def __init__(self, allow_private: bool, ssl_context: ssl.SSLContext | None = None) -> None:
        self._pool = httpcore.ConnectionPool(
            network_backend=GuardedBackend(allow_private), **_pool_options(ssl_context))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with _httpx_errors():
            response = self._pool.handle_request(_core_request(request))
        return httpx.Response(response.status, headers=response.headers,
                              stream=_Body(response.stream), extensions=response.extensions)

    def close(self) -> None:
        self._pool.close()


def guarded_async_client(allow_private: bool, **options: Any) -> httpx.AsyncClient:
    """An httpx.AsyncClient whose every connection passes the guard; never uses env proxies."""
    return httpx.AsyncClient(transport=GuardedAsyncTransport(allow_private), trust_env=False,
                             follow_redirects=False, **options)


def guarded_client(allow_private: bool, **options: Any) -> httpx.Client:
    """An httpx.Client whose every connection passes the guard; never uses env proxies."""
    return httpx.Client(transport=GuardedTransport(allow_private), trust_env=False,
                        follow_redirects=False, **options)
