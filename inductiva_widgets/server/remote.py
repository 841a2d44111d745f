"""`input_remote`: the server downloads a URL into the user's storage by itself."""

from __future__ import annotations

import asyncio
import logging
from collections import deque

import httpx
from fastapi import HTTPException

from .netguard import ForbiddenUrl, guarded_async_client, split_url
from .slots import TransferSlots
from .store import Located, Store

log = logging.getLogger("inductiva_widgets.server")
MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 30.0  # seconds; also bounds the DNS look-up
# Each running fetch holds a connection and a temp file: one key must not use them all up.
MAX_FETCHES_PER_USER = 8
KEPT_FAILURES = 50


class RemoteFetcher:
    """Starts fetches, answers once the remote server has answered, streams in the background."""

    def __init__(self, store: Store, allow_private: bool) -> None:
        self.store = store
        self.allow_private = allow_private
        self.failures: dict[str, deque[str]] = {}
        self._running = TransferSlots("fetches from URLs", MAX_FETCHES_PER_USER)
        self._tasks: set[asyncio.Task] = set()
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # The guarded client resolves each host once, checks every address and connects
            # to a checked one, so DNS rebinding cannot reach private services.
            self._client = guarded_async_client(
                self.allow_private, timeout=httpx.Timeout(CONNECT_TIMEOUT, read=120.0),
                headers={"User-Agent": "inductiva-widgets-server"})
        return self._client

    async def _open(self, url: str) -> httpx.Response:
        # Redirects are followed by hand so that every hop passes the guard, which checks the
        # addresses when it connects (no separate look-up here that an attacker could race).
        first = url
        for _ in range(MAX_REDIRECTS + 1):
            refused = "" if url == first else f"{first} redirected to {url}, which was refused: "
            try:
                split_url(url)
                request = self._http().build_request("GET", url)
                response = await self._http().send(request, stream=True)
            except ForbiddenUrl as exc:
                raise HTTPException(422, f"{refused}{exc}") from None
            except httpx.InvalidURL as exc:
                raise HTTPException(422, f"{refused}invalid URL {url!r}: {exc}") from None
            except httpx.HTTPError as exc:
                raise HTTPException(422, f"could not fetch {url}: {exc}") from None
            if response.is_redirect and "location" in response.headers:
                await response.aclose()
                try:
                    url = str(response.url.join(response.headers["location"]))
                except httpx.InvalidURL as exc:
                    raise HTTPException(422, f"{url} redirected to an invalid URL: {exc}") from None
                continue
            if response.status_code != 200:
                await response.aclose()
                raise HTTPException(
                    422, f"could not fetch {url}: the remote server answered "
                    f"{response.status_code} {response.reason_phrase}")
            return response
        raise HTTPException(422, f"could not fetch {url}: more than {MAX_REDIRECTS} redirects")

    async def start(self, url: str, user_id: str, loc: Located) -> None:
        """Open `url` (422 if refused or failing) and stream it into `loc` in the background."""
        if not self._running.take(user_id):
            raise HTTPException(
                429, f"{MAX_FETCHES_PER_USER} fetches from URLs are already running for this "
                "key; wait for one to finish", headers={"Retry-After": "5"})
        try:
            response = await self._open(url)
        except BaseException:
            self._running.give_back(user_id)
            raise
        task = asyncio.create_task(self._save(response, user_id, loc))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _save(self, response: httpx.Response, user_id: str, loc: Located) -> None:
        try:
            with self.store.writer(user_id, loc) as fh:
                async for chunk in response.aiter_bytes(1024 * 1024):
                    fh.write(chunk)
            log.info("fetched %s into %s", response.url, loc.storage_path)
        except Exception as exc:  # the request already answered: record it for the user
            message = f"fetching {response.url} into {loc.storage_path} failed: {exc}"
            log.warning(message)
            self.failures.setdefault(user_id, deque(maxlen=KEPT_FAILURES)).append(message)
        finally:
            self._running.give_back(user_id)
            await response.aclose()

    async def wait_idle(self) -> None:
        """Wait for running fetches (tests, shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
