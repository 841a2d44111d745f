"""Small helpers for server tests: put files through the protocol, build archives."""

from __future__ import annotations

import io
import zipfile

import httpx

from inductiva_widgets.server.config import user_id_for
from inductiva_widgets.server.runner import RunningServer

# Signed URLs need no key; one shared client avoids building an SSL context per request.
raw = httpx.Client(timeout=30)


def region_root(server: RunningServer, key: str, region: str = "europe-west1"):
    return server.config.root / "users" / user_id_for(key) / region


def put(api: httpx.Client, path: str, data: bytes, **params) -> httpx.Response:
    """Upload through a signed URL, as every client does."""
    urls = api.get("/storage/signed-urls",
                   params={"paths": [path], "operation": "upload", **params})
    urls.raise_for_status()
    return raw.put(urls.json()[0], content=data)


def get(api: httpx.Client, path: str, **params) -> bytes:
    urls = api.get("/storage/signed-urls",
                   params={"paths": [path], "operation": "download", **params})
    urls.raise_for_status()
    response = raw.get(urls.json()[0])
    response.raise_for_status()
    return response.content


def signed(api: httpx.Client, path: str, operation: str = "download") -> str:
    response = api.get("/storage/signed-urls", params={"paths": [path], "operation": operation})
    response.raise_for_status()
    return response.json()[0]


def make_zip(members: dict[str, bytes | None], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """An archive; a None value makes an explicit folder entry."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            if data is None:
                zf.writestr(zipfile.ZipInfo(name), b"")
            else:
                zf.writestr(name, data, compress_type=method)
    return buffer.getvalue()


def names(listing: dict) -> list[str]:
    return [c["name"] for c in listing["contents"]]
