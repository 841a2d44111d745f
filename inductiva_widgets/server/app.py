"""`create_app`: the bundled storage server as an ASGI application."""

from __future__ import annotations

import errno
import logging
import secrets
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

_OS_ERRORS = {
    errno.ENAMETOOLONG: (422, "the path is too long for the server's filesystem"),
    errno.ENOSPC: (507, "the server's disk is full; nothing was written"),
    errno.EDQUOT: (507, "the server's disk quota is used up; nothing was written"),
    errno.ENOTDIR: (409, "a file is in the way of a folder on that path"),
    errno.EISDIR: (409, "a folder is in the way of a file on that path"),
    errno.ENOTEMPTY: (409, "a folder of that name appeared meanwhile"),
    errno.EEXIST: (409, "something of that name appeared meanwhile"),
    errno.ENOENT: (404, "the file or folder vanished while it was being read"),
    errno.ELOOP: (422, "the path goes through a symbolic link, which is never followed"),
    errno.EMFILE: (503, "the server is out of file handles; try again shortly"),
    errno.ENFILE: (503, "the server is out of file handles; try again shortly"),
}


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

    @app.exception_handler(OSError)
    async def os_error(request: Request, exc: OSError) -> JSONResponse:
        # The filesystem's refusals are the user's to know, but never its paths or ids.
        status, detail = _OS_ERRORS.get(exc.errno, (None, None))
        if status is None:
            return await unexpected(request, exc)
        log.info("%s %s: %s", request.method, request.url.path, exc)
        return JSONResponse({"detail": detail}, status_code=status)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        incident = secrets.token_hex(4)
        log.error("unexpected error %s on %s %s", incident, request.method, request.url.path,
                  exc_info=exc)
        # No message text: it may hold absolute paths or user ids. The log has it all.
        return JSONResponse({"detail": f"internal server error ({type(exc).__name__}); "
                                       f"the server log has the details under {incident}"},
                            status_code=500)

    for module in (account, storage, zips, operations, blobs):
        app.include_router(module.router)
    return app
