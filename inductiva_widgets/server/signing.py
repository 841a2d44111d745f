"""HMAC-signed URLs for direct uploads and downloads, bound to user, path and method."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import quote


class BadSignature(Exception):
    """A signed URL that was tampered with, has expired, or is used with another method."""


@dataclass(frozen=True)
class Grant:
    user_id: str
    region: str
    path: str
    method: str


class UrlSigner:
    """Signs `(method, user, region, path, expiry)`; nothing else in the URL matters."""

    prefix = "/-/"  # no letters: the inductiva client finds the storage path by substring

    def __init__(self, secret: bytes, ttl_s: int) -> None:
        if len(secret) < 16:
            raise ValueError("the signing secret must have at least 16 bytes")
        self._secret = secret
        self.ttl_s = ttl_s

    def _mac(self, method: str, user_id: str, region: str, path: str, expires: int) -> str:
        message = "\n".join([method, user_id, region, path, str(expires)]).encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, base_url: str, grant: Grant, *, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + self.ttl_s)
        sig = self._mac(grant.method, grant.user_id, grant.region, grant.path, expires)
        return (
            f"{base_url.rstrip('/')}{self.prefix}{quote(grant.path)}"
            f"?user={grant.user_id}&region={quote(grant.region)}&method={grant.method}"
            f"&expires={expires}&signature={sig}"
        )

    def verify(self, path: str, query: dict[str, str], method: str) -> Grant:
        """The grant a request carries, or BadSignature."""
        try:
            user_id = query["user"]
            region = query["region"]
            signed_method = query["method"]
            expires = int(query["expires"])
            sig = query["signature"]
        except (KeyError, ValueError):
            raise BadSignature("the URL is not a complete signed URL") from None
        expected = self._mac(signed_method, user_id, region, path, expires)
        if not hmac.compare_digest(expected, sig):
            raise BadSignature("the URL's signature does not match (was it modified?)")
        if expires < time.time():
            raise BadSignature("the signed URL has expired; ask for a new one")
        allowed = {"GET": {"GET", "HEAD"}, "PUT": {"PUT"}}.get(signed_method, set())
        if method not in allowed:
            raise BadSignature(f"this URL was signed for {signed_method}, not {method}")
        return Grant(user_id, region, path, signed_method)
