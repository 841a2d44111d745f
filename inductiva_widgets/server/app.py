"""`create_app`: the bundled storage server as an ASGI application."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from .config import ServerConfig
from .deps import ServerState
from .exports import Operations
from .remote import RemoteFetcher
from .routes import account, blobs, operations, storage, zips
from .signing import UrlSigner
from .store import Store, StoreError
from .zips import ZipCache

log = logging.getLogger("inductiva_widgets.server")


def create_app(config: ServerConfig | None = None) -> FastAPI:
    """The storage server for `config` (keys and secret filled in if missing)."""
    config = config or ServerConfig()
    config.ensure_secrets()
    store = Store(config.root, config.regions)
    state = ServerState(
        config=config,
        store=store,
        signer=UrlSigner(config.signing_secret, config.url_ttl_s),
        operations=Operations(config.allow_private_urls),
        fetcher=RemoteFetcher(store, config.allow_private_urls),
        zips=ZipCache(),
        accounts=config.accounts(),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        await state.fetcher.close()
        state.operations.close()

    app = FastAPI(title="inductiva-widgets storage server", version="0.1.0", lifespan=lifespan)
    app.state.server = state
    # Browsers upload and download straight through signed URLs; keys travel in a header,
    # never in cookies, so any origin may call.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["Content-Length", "Content-Range", "ETag", "Accept-Ranges"],
    )

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=exc.status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": f"internal server error: {type(exc).__name__}: {exc}"},
                            status_code=500)

    for module in (account, storage, zips, operations, blobs):
        app.include_router(module.router)
    return app
