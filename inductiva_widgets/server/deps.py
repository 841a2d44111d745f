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
from .slots import TransferSlots
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
