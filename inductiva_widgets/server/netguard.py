"""Which outgoing URLs the server may fetch or PUT to (server-side request forgery guard)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


class ForbiddenUrl(ValueError):
    """A URL the server refuses to contact."""


def _check_addresses(host: str, infos: list) -> None:
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise ForbiddenUrl(
                f"{host} resolves to {address}, a private or local address; the server only "
                "fetches public URLs (start it with --allow-private-urls to allow this)"
            )


def _split(url: str) -> tuple[str, int]:
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


async def check_url(url: str, allow_private: bool) -> None:
    """Raise ForbiddenUrl unless `url` is http(s) and (unless allowed) resolves publicly."""
    host, port = _split(url)
    if allow_private:
        return
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ForbiddenUrl(f"cannot resolve {host}: {exc.strerror}") from None
    _check_addresses(host, infos)


def check_url_sync(url: str, allow_private: bool) -> None:
    """`check_url` for worker threads."""
    host, port = _split(url)
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ForbiddenUrl(f"cannot resolve {host}: {exc.strerror}") from None
    _check_addresses(host, infos)
