"""The signed URLs themselves: `PUT` to upload, `GET`/`HEAD` (with Range) to download.

They carry no API key: the signature in the query string is the credential.
"""

from __future__ import annotations

import shutil
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.requests import ClientDisconnect
from starlette.responses import MalformedRangeHeader, RangeNotSatisfiable

from ..deps import ServerState
from ..signing import BadSignature, Grant, UrlSigner
from ..slots import TransferSlots
from ..store import DiskFull, Located

router = APIRouter(tags=["signed urls"])
SMALL_FILE = 256 * 1024
RETRY_AFTER_S = 2


class LargeFileResponse(FileResponse):
    chunk_size = 1024 * 1024  # fewer thread hops per GB than the default 64 KiB


def _authorize(state: ServerState, request: Request, path: str) -> tuple[Grant, Located]:
    try:
        grant = state.signer.verify(path, dict(request.query_params), request.method)
    except BadSignature as exc:
        raise HTTPException(403, str(exc)) from None
    if grant.user_id not in state.accounts.values():
        raise HTTPException(403, "the signed URL belongs to no current account")
    return grant, state.store.locate(grant.user_id, grant.region, path, allow_root=False)


def _too_many(slots: TransferSlots, user_id: str) -> JSONResponse:
    return JSONResponse(
        {"detail": f"too many {slots.what} in progress for this key ({slots.active(user_id)}, "
                   f"the limit is {slots.limit}); retry this one when some have finished"},
        429, headers={"Retry-After": str(RETRY_AFTER_S)})


class _GivesBack:
    """A response that gives its transfer slot back once sent, or abandoned."""

    def __init__(self, response: Response, slots: TransferSlots, user_id: str) -> None:
        self.response, self.slots, self.user_id = response, slots, user_id

    async def __call__(self, scope, receive, send) -> None:
        try:
            await self.response(scope, receive, send)
        finally:
            self.slots.give_back(self.user_id)


async def download(request: Request):
    path, state = request.path_params["path"], request.app.state.server
    # A signature check and a few stats: cheaper inline than a hop to the thread pool,
    # which matters when a thousand small files are fetched.
    grant, loc = _authorize(state, request, path)
    if not state.downloads.take(grant.user_id):
        return _too_many(state.downloads, grant.user_id)
    try:
        response = _file_response(request, loc)
    except BaseException:
        state.downloads.give_back(grant.user_id)
        raise
    # The slot is held until the bytes are sent: a client that stops reading holds it.
    return _GivesBack(response, state.downloads, grant.user_id)


def _file_response(request: Request, loc: Located) -> Response:
    state = request.app.state.server
    fs_path = state.store.file(loc)
    size = fs_path.stat().st_size
    header = request.headers.get("range")
    if header:
        # Checked here so that a bad range gets a JSON body like every other 4xx.
        try:
            FileResponse._parse_range_header(header, size)
        except MalformedRangeHeader as exc:
            return JSONResponse({"detail": f"malformed Range header: {exc.content}"}, 400)
        except RangeNotSatisfiable:
            return JSONResponse(
                {"detail": f"range {header!r} is outside the file's {size} bytes"},
                416,
                headers={"Content-Range": f"bytes */{size}"},
            )
    attachment = "download" in request.query_params
    if not header and size <= SMALL_FILE:
        # Small files in one read and one send: FileResponse's stat/open/read thread hops
        # cost more than the bytes when a thousand small files are fetched.
        headers = {"accept-ranges": "bytes"}
        if attachment:
            headers["content-disposition"] = f"attachment; filename*=utf-8''{quote(fs_path.name)}"
        data = b"" if request.method == "HEAD" else fs_path.read_bytes()
        response = Response(data, media_type="application/octet-stream", headers=headers)
        response.headers["content-length"] = str(size)
        return response
    return LargeFileResponse(fs_path, media_type="application/octet-stream",
                             filename=fs_path.name if attachment else None)


async def upload(request: Request):
    path, state = request.path_params["path"], request.app.state.server
    grant, loc = _authorize(state, request, path)
    declared = request.headers.get("content-length")
    expected = int(declared) if declared and declared.isdigit() else None
    if expected is not None and expected > shutil.disk_usage(state.store.tmp_dir).free:
        raise DiskFull(f"the server's disk has no room for {expected} bytes; nothing was written")
    user = grant.user_id
    if not state.uploads.take(user):
        return _too_many(state.uploads, user)
    received = 0
    try:
        with state.store.writer(grant.user_id, loc) as fh:
            async for chunk in request.stream():
                fh.write(chunk)
                received += len(chunk)
            if expected is not None and received != expected:
                raise HTTPException(
                    400, f"received {received} bytes but Content-Length said {expected}; "
                    "nothing was written")
    except ClientDisconnect:
        # The connection is gone; the partial bytes were dropped with the temp file.
        return JSONResponse({"detail": "upload interrupted; nothing was written"}, 400)
    finally:
        state.uploads.give_back(user)
    return JSONResponse({}, 200)


# Plain Starlette routes: no dependency solving or parameter models on the path that serves
# every file, which matters when a thousand small files are moved.
router.add_route(UrlSigner.prefix + "{path:path}", download, methods=["GET", "HEAD"])
router.add_route(UrlSigner.prefix + "{path:path}", upload, methods=["PUT"])
