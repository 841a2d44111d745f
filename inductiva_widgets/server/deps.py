"""Request dependencies: the server's state and the authenticated user."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from .config import KEY_PATTERN, ServerConfig
from .exports import Operations
from .limits import Limits
from .remote import RemoteFetcher
from .signing import UrlSigner
from .store import Store
from .zips import ZipCache


@dataclass
class ServerState:
    config: ServerConfig
    store: Store
    signer: UrlSigner
    operations: Operations
    fetcher: RemoteFetcher
    zips: ZipCache
    accounts: dict[str, str]
    # Signed-URL transfers in progress per user id, at most so many per key at once.
    uploads: TransferSlots = field(
        default_factory=lambda: TransferSlots("uploads", Limits.max_uploads_per_key))
    downloads: TransferSlots = field(
        default_factory=lambda: TransferSlots("downloads", Limits.max_downloads_per_key))


class TransferSlots:
    """Transfers in progress per user id, at most `limit` each.

    Each holds a connection, an open file and up to a chunk of buffered bytes until it ends:
    one key may not take them all. Used on the event loop thread only, so no lock.
    """

    def __init__(self, what: str, limit: int) -> None:
        self.what = what
        self.limit = limit
        self._active: dict[str, int] = {}

    def take(self, user_id: str) -> bool:
        """Count one more for `user_id`, or False when the key is at its limit."""
        active = self._active.get(user_id, 0)
        if active >= self.limit:
            return False
        self._active[user_id] = active + 1
        return True

    def give_back(self, user_id: str) -> None:
        if self._active.get(user_id, 0) > 1:
            self._active[user_id] -= 1
        else:
            self._active.pop(user_id, None)

    def active(self, user_id: str) -> int:
        return self._active.get(user_id, 0)


def get_state(request: Request) -> ServerState:
    return request.app.state.server


def current_user(
    state: Annotated[ServerState, Depends(get_state)],
    x_api_key: Annotated[str | None, Header()] = None,
) -> str:
    """The user id of the request's `X-API-Key`, or 401."""
    if not x_api_key:
        raise HTTPException(401, "missing API key: send it in the X-API-Key header")
    user_id = state.accounts.get(x_api_key) if KEY_PATTERN.match(x_api_key) else None
    if user_id is None:
        raise HTTPException(401, "invalid API key")
    return user_id


State = Annotated[ServerState, Depends(get_state)]
User = Annotated[str, Depends(current_user)]
