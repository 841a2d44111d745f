"""StorageClient: one pooled httpx connection set to the API, and the protocol's calls."""

from __future__ import annotations

import contextlib
import functools
import os
import ssl
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

# Imported here, not by httpx inside the first request (~18 ms of a one-shot call).
from httpcore._sync.http11 import HTTP11Connection

from ._exceptions import ConnectionFailed, ServerError, error_from_response

__all__ = ["DEFAULT_API_URL", "SignedUrls", "StorageClient"]

# httpcore reads a response 64 KiB per call; at that size a big download spends its time in
# Python between reads and the sender waits on a full window. 256 KiB per read, measured on
# loopback (1 GiB to disk, medians of 5): 1.15 -> 0.80 s, curl -o takes 1.04 s; small files
# unchanged; 1 MiB reads were slower and erratic (0.65-3.2 s). It is httpcore's class-wide
# setting, so other httpx clients in the process read the same way.
HTTP11Connection.READ_NUM_BYTES = 256 * 1024

DEFAULT_API_URL = "https://api.inductiva.ai"
# Query strings stay well under common proxy limits (8-64 KB) when URLs are asked in batches.
SIGNED_URL_BATCH = 200
_RETRY_STATUSES = {502, 503, 504}
# Transfers at once when the caller sets none (see StorageClient). The server allows 64
# per key; measured: at 40 ms per round trip, 8 at once leave small files waiting on
# round trips, while on loopback more threads only compete for 2 cores.
LOCAL_CONCURRENCY = 8
SLOW_LINK_CONCURRENCY = 32
SLOW_LINK_S = 0.010


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~17 ms; httpx does it for every Client unless given one.
    return httpx.create_ssl_context()


class _LazyTLSTransport(httpx.BaseTransport):
    """Plain-http requests never pay for TLS: the https pool (and its CA bundle) is only
    built for the first https request. A one-shot call from a fresh process against a
    local server saves ~35 ms of client set-up this way."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._plain: httpx.HTTPTransport | None = None
        self._tls: httpx.HTTPTransport | None = None
        self._lock = threading.Lock()

    def _for(self, scheme: str) -> httpx.HTTPTransport:
        with self._lock:
            if scheme == "https":
                if self._tls is None:
                    self._tls = httpx.HTTPTransport(verify=_tls_context(), limits=self._limits)
                return self._tls
            if self._plain is None:
                # No certificate is ever checked on plain http: skip loading the CA bundle.
                self._plain = httpx.HTTPTransport(verify=False, limits=self._limits)
            return self._plain

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._for(request.url.scheme).handle_request(request)

    def close(self) -> None:
        for transport in (self._plain, self._tls):
            if transport is not None:
                transport.close()


_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")
_SENT_AT = "inductiva_widgets.sent_at"


def _mark_sent(request: httpx.Request) -> None:
    request.extensions[_SENT_AT] = time.monotonic()


def _transport_options(transport: httpx.BaseTransport | None,
                       limits: httpx.Limits) -> dict[str, Any]:
    """httpx.Client options: a given transport, httpx's own pools where proxies are set in
    the environment (httpx honours them only for its own transports), else lazy TLS."""
    if transport is not None:
        return {"transport": transport}
    if any(os.environ.get(v) or os.environ.get(v.upper()) for v in _PROXY_VARIABLES):
        return {"limits": limits, "verify": _tls_context()}
    return {"transport": _LazyTLSTransport(limits)}


class StorageClient:
    """A client of the Inductiva storage API.

    Args:
        api_url: the API's base URL; default `INDUCTIVA_API_URL`, else the Inductiva API.
        api_key: default `INDUCTIVA_API_KEY`.
        region: region used when a call names none (None: the server's default).
        timeout: seconds to connect and between bytes of an answer.
        concurrency: files transferred at once by upload and download. None (the default)
            sizes it to the network: 8 where API answers come within 10 ms (a local
            server: more threads only compete for the CPU), 32 on a slower link (small
            files are then bound by round trips, not CPU).
        retries: attempts after the first for idempotent calls and broken transfers.
        transport: an httpx transport, to put something between client and server in tests.
    """

    def __init__(self, api_url: str | None = None, api_key: str | None = None, *,
                 region: str | None = None, timeout: float = 60.0,
                 concurrency: int | None = None,
                 retries: int = 3, transport: httpx.BaseTransport | None = None) -> None:
        self.api_url = (api_url or os.environ.get("INDUCTIVA_API_URL") or DEFAULT_API_URL
                        ).rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get("INDUCTIVA_API_KEY")
        self.region = region
        self._concurrency = max(1, concurrency) if concurrency is not None else None
        self._fastest_s: float | None = None  # quickest API answer seen: the round trip
        self.retries = max(0, retries)
        pool = (self._concurrency or SLOW_LINK_CONCURRENCY) + 4
        limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        timeouts = httpx.Timeout(timeout, connect=min(timeout, 15.0))
        headers = {"User-Agent": "inductiva-widgets"}
        if self.api_key:
            headers["X-API-Key"] = self.api_key
        # One pool for both clients: where signed URLs point at the API's own host (the
        # bundled server), a blob request reuses a connection an API call left open,
        # saving a connection set-up (one round trip) on a first member read.
        shared = _transport_options(transport, limits)
        # The round trip is read off the API's own answers (time to the answer's head), so
        # sizing concurrency to the link costs no extra request.
        self._http = httpx.Client(base_url=self.api_url, headers=headers, timeout=timeouts,
                                  event_hooks={"request": [_mark_sent],
                                               "response": [self._answer_head]}, **shared)
        # Signed URLs are credentials in themselves: never send them the API key (headers
        # belong to each client, not to the pool).
        self._blobs = httpx.Client(headers={"User-Agent": "inductiva-widgets"},
                                   timeout=timeouts, **shared)

    # -- lifecycle ----------------------------------------------------------------

    def close(self) -> None:
        self._http.close()
        self._blobs.close()

    def __enter__(self) -> StorageClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"StorageClient(api_url={self.api_url!r})"

    @property
    def concurrency(self) -> int:
        """Files moved at once: the one given, else what `workers_for` last chose."""
        if self._concurrency is not None:
            return self._concurrency
        return SLOW_LINK_CONCURRENCY if self._slow_link() else LOCAL_CONCURRENCY

    def workers_for(self, files: int) -> int:
        """How many of `files` to move at once: the one given, else sized to the link."""
        if self._concurrency is not None or files <= LOCAL_CONCURRENCY:
            return self._concurrency or LOCAL_CONCURRENCY
        if self._fastest_s is None:
            # No API answer seen yet: two cheap, key-less requests time the round trip (the
            # second on a warm connection, which the transfer then reuses).
            for _ in range(2):
                with contextlib.suppress(httpx.HTTPError):
                    self._http.get("/version-check", params={"client_version": "0.18.12"})
        return SLOW_LINK_CONCURRENCY if self._slow_link() else LOCAL_CONCURRENCY

    def _answer_head(self, response: httpx.Response) -> None:
        sent = response.request.extensions.get(_SENT_AT)
        if sent is not None:
            self._note_answer(time.monotonic() - sent)

    def _slow_link(self) -> bool:
        return self._fastest_s is not None and self._fastest_s > SLOW_LINK_S

    def _note_answer(self, took: float) -> None:
        if self._fastest_s is None or took < self._fastest_s:
            self._fastest_s = took

    @concurrency.setter
    def concurrency(self, value: int | None) -> None:
        self._concurrency = max(1, value) if value is not None else None

    @property
    def blobs(self) -> httpx.Client:
        """The httpx client for signed URLs (no API key)."""
        return self._blobs

    # -- plumbing -----------------------------------------------------------------

    def _params(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("region", "") is None:
            params["region"] = self.region
        return {k: v for k, v in params.items() if v is not None}

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                json: Any = None, idempotent: bool | None = None) -> httpx.Response:
        """Send one API request; errors become typed exceptions. GETs are retried."""
        retry = method in ("GET", "HEAD") if idempotent is None else idempotent
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            try:
                response = self._http.request(method, path, params=params, json=json)
            except httpx.TransportError as exc:
                if attempt + 1 < attempts:
                    time.sleep(min(2.0, 0.2 * 2**attempt))
                    continue
                raise ConnectionFailed(f"cannot reach the storage API at {self.api_url}: "
                                       f"{exc}") from exc
            if response.status_code in _RETRY_STATUSES and attempt + 1 < attempts:
                time.sleep(min(2.0, 0.2 * 2**attempt))
                continue
            if response.is_error:
                raise error_from_response(response)
            return response
        raise ServerError("unreachable", status_code=0)  # pragma: no cover

    def _get(self, route: str, **params: Any) -> Any:
        return self.request("GET", route, params=self._params(params)).json()

    # -- the protocol's calls -----------------------------------------------------

    def list_contents(self, path: str = "/", *, sort_by: str = "creation_time",
                      order: str = "desc", page: int = 1, per_page: int = 100,
                      recursive: bool = False, path_filter: str | None = None,
                      region: str | None = None) -> dict[str, Any]:
        """One page of `GET /storage/contents`."""
        return self._get("/storage/contents", path=path, sort_by=sort_by, order=order,
                         page=page, per_page=per_page, recursive=str(recursive).lower(),
                         path_filter=path_filter, region=region)

    def pages(self, path: str = "/", *, max_results: int | None = None,
              **options: Any) -> Iterator[dict[str, Any]]:
        """A folder's listing replies, page after page, `contents` cut at `max_results`."""
        left = max_results if max_results is not None else float("inf")
        page = 1
        while left > 0:
            listing = self.list_contents(path, page=page, per_page=100, **options)
            contents = listing["contents"]
            yield {**listing, "contents": contents[: int(min(left, len(contents)))]}
            left -= len(contents)
            if len(contents) < 100 or page * 100 >= listing["total_files"]:
                return
            page += 1

    def iter_contents(self, path: str = "/", *, max_results: int | None = None,
                      **options: Any) -> Iterator[dict[str, Any]]:
        """Every entry of a folder, page after page, up to `max_results`."""
        for listing in self.pages(path, max_results=max_results, **options):
            yield from listing["contents"]

    def signed_urls(self, paths: list[str], operation: str,
                    region: str | None = None) -> list[str]:
        """Signed URLs for `paths` (a download of a folder gives one per file)."""
        if len(paths) <= SIGNED_URL_BATCH:
            return self._get("/storage/signed-urls", paths=paths, operation=operation,
                             region=region)
        return SignedUrls(self, paths, operation, region).all()

    def storage_size(self) -> int:
        return int(self._get("/storage/size"))

    def storage_cost(self) -> dict[str, Any]:
        return self._get("/storage/cost")

    def zip_contents(self, path: str, zip_relative_path: str = "", recursive: bool = False,
                     region: str | None = None) -> dict[str, Any]:
        return self._get("/storage/zip-contents", path=path,
                         zip_relative_path=zip_relative_path,
                         recursive=str(recursive).lower(), region=region)

    def zip_file_range(self, path: str, zip_relative_path: str, filename: str,
                       region: str | None = None) -> dict[str, Any]:
        return self._get("/storage/zip-file-range", path=path,
                         zip_relative_path=zip_relative_path, filename=filename, region=region)

    def copy(self, source: str, target: str, region: str | None = None) -> None:
        self.request("POST", "/storage/copy",
                     params=self._params({"source": source, "target": target,
                                          "region": region}))

    def delete(self, path: str, region: str | None = None) -> None:
        self.request("DELETE", "/storage/", params=self._params({"path": path,
                                                                  "region": region}))

    def input_remote(self, url: str, path: str, region: str | None = None) -> None:
        self.request("POST", "/storage/input_remote",
                     params=self._params({"url": url, "path": path, "region": region}))

    def export_multipart(self, body: dict[str, Any], region: str | None = None
                         ) -> dict[str, Any]:
        response = self.request("POST", "/storage/export_multipart",
                                params=self._params({"region": region}), json=body)
        return response.json()

    def get_operation(self, operation_id: str) -> dict[str, Any]:
        return self._get(f"/storage/operations/{operation_id}")

    def list_operations(self, page: int = 1, per_page: int = 50) -> list[dict[str, Any]]:
        return self._get("/storage/operations", page=page, per_page=per_page)


class SignedUrls:
    """Signed URLs for many files, asked in batches all at once.

    `urls[i]` waits only for the batch holding file i, so transfers start on the first
    batch while the others are still on their way (at 40 ms per round trip, 1,000 uploads
    no longer wait five round trips before the first byte moves). Each file must get one
    URL: the answer for a batch of distinct files is checked for that.
    """

    def __init__(self, client: StorageClient, paths: list[str], operation: str,
                 region: str | None = None) -> None:
        self._batches = [paths[i : i + SIGNED_URL_BATCH]
                         for i in range(0, len(paths), SIGNED_URL_BATCH)]
        pool = ThreadPoolExecutor(max_workers=max(1, min(4, len(self._batches))),
                                  thread_name_prefix="signed-urls")
        self._futures = [pool.submit(client._get, "/storage/signed-urls", paths=batch,
                                     operation=operation, region=region)
                         for batch in self._batches]
        pool.shutdown(wait=False)  # the threads end with the last batch

    def __len__(self) -> int:
        return sum(len(batch) for batch in self._batches)

    def __getitem__(self, index: int) -> str:
        number, offset = divmod(index, SIGNED_URL_BATCH)
        urls = self._futures[number].result()
        if len(urls) != len(self._batches[number]):
            raise ServerError(f"asked for {len(self._batches[number])} signed URLs, "
                              f"got {len(urls)}", status_code=0)
        return urls[offset]

    def all(self) -> list[str]:
        """Every batch's URLs, in order (for a folder, a batch may hold several files)."""
        return [url for future in self._futures for url in future.result()]
