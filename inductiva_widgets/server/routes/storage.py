"""`/storage/...` routes for listing, sizes, signed URLs, copy, delete and remote fetches."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from ..deps import State, User
from ..listing import Entry, sort_key
from ..signing import Grant
from ..store import Located, NotFound

router = APIRouter(prefix="/storage", tags=["storage"])

PROVIDER = "LOCAL"
MAX_SIGNED_URLS = 100_000  # per call; ~25 MB of answer, streamed


class SortBy(str, Enum):
    creation_time = "creation_time"
    size = "size"
    name = "name"


class Order(str, Enum):
    asc = "asc"
    desc = "desc"


class Operation(str, Enum):
    upload = "upload"
    download = "download"


Region = Annotated[str | None, Query(description="storage region; default: the server's first")]


def iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat() if ts is not None else None


def region_or_default(state: State, region: str | None) -> str:
    if region == "all":
        raise HTTPException(422, "region 'all' is only valid for listings")
    return region or state.config.default_region


def _file_info(state: State, user: str, folder: Located | None, entry: Entry, region: str,
               recursive: bool) -> dict[str, Any]:
    size, created = entry.size, entry.mtime
    if entry.is_dir and recursive and folder is not None:
        totals = state.store.folder_totals(user, folder.fs_path / entry.name)
        size, created = totals.size, totals.earliest if totals.earliest else entry.mtime
    return {
        "size_bytes": size,
        "creation_time": iso(created),
        "is_directory": entry.is_dir,
        "provider_id": PROVIDER,
        "region": region,
    }


def _page(rows: list, page: int, per_page: int, descending: bool) -> list:
    """One page of an ascending list, read from either end."""
    total, start = len(rows), (page - 1) * per_page
    if descending:
        return rows[max(0, total - start - per_page) : max(0, total - start)][::-1]
    return rows[start : start + per_page]


def _list(state: State, user: str, path: str, sort_by: SortBy, order: Order, page: int,
          per_page: int, recursive: bool, path_filter: str | None,
          region: str | None) -> tuple[int, list[str], list[dict[str, Any]]]:
    regions = state.store.user_regions(user) or [state.config.default_region]
    wanted = regions if region == "all" else [region or state.config.default_region]
    found: list[tuple[list[Entry], str, Located | None]] = []
    for reg in wanted:
        loc = state.store.locate(user, reg, path)
        try:
            entries, is_folder = state.store.listing(loc, sort_by.value)
        except NotFound:
            if region == "all":
                continue
            raise
        if path_filter:
            needle = path_filter.lower()
            entries = [e for e in entries if needle in e.name.lower()]
        found.append((entries, reg, loc if is_folder else None))
    if not found:
        raise HTTPException(404, f"no such file or folder: {path}")
    descending = order is Order.desc
    if len(found) == 1 and not (recursive and sort_by is SortBy.size):
        # The common case stays O(page): slice the cached sorted list directly.
        entries, reg, loc = found[0]
        chosen = [(e, reg, loc) for e in _page(entries, page, per_page, descending)]
        return len(entries), regions, [
            {"name": e.name, **_file_info(state, user, lc, e, rg, recursive)}
            for e, rg, lc in chosen
        ]
    rows = [(e, reg, loc) for entries, reg, loc in found for e in entries]
    if recursive and sort_by is SortBy.size:
        # Folder sizes exist only once computed, so sort on the computed values.
        infos = [(_file_info(state, user, loc, e, reg, True), e) for e, reg, loc in rows]
        infos.sort(key=lambda p: (p[0]["size_bytes"] or 0, p[1].name))
        return len(rows), regions, [{"name": e.name, **info}
                                    for info, e in _page(infos, page, per_page, descending)]
    entry_key = sort_key(sort_by.value)
    rows.sort(key=lambda row: entry_key(row[0]))
    return len(rows), regions, [
        {"name": e.name, **_file_info(state, user, loc, e, reg, recursive)}
        for e, reg, loc in _page(rows, page, per_page, descending)
    ]


def _listing_params(
    path: str = "/",
    sort_by: SortBy = SortBy.creation_time,
    order: Order = Order.desc,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 10,
    recursive: bool = False,
    path_filter: str | None = None,
    region: Region = None,
    provider_id: str | None = None,
) -> dict[str, Any]:
    return dict(path=path, sort_by=sort_by, order=order, page=page, per_page=per_page,
                recursive=recursive, path_filter=path_filter, region=region)


ListingParams = Annotated[dict, Depends(_listing_params)]


@router.get("/contents")
def list_contents(state: State, user: User, params: ListingParams) -> dict[str, Any]:
    """A page of a folder's entries, named relative to the folder."""
    total, regions, contents = _list(state, user, **params)
    return {"total_files": total, "available_regions": regions, "contents": contents}


@router.get("/contents/paginated")
def list_contents_paginated(state: State, user: User, params: ListingParams) -> dict[str, Any]:
    """The same page, as a mapping from name to file information."""
    total, regions, contents = _list(state, user, **params)
    return {
        "total_files": total,
        "available_regions": regions,
        "contents": {c.pop("name"): c for c in contents},
    }


@router.get("/size")
def storage_size(state: State, user: User) -> int:
    """Bytes used by all the user's files, every region included."""
    return state.store.used_bytes(user)


@router.get("/cost")
def storage_cost(state: State, user: User) -> dict[str, Any]:
    used = state.store.used_bytes(user)
    return {
        "estimated_monthly_cost": used / 1e9 * state.config.price_per_gb_month,
        "currency": "USD",
    }


def base_url(request: Request, state: State) -> str:
    """Where signed URLs point: the configured public URL, else the address that answered.

    Never the request's Host header, which the caller controls: a URL signed for a host the
    server was never told about could send a user's uploads elsewhere.
    """
    if state.config.public_url:
        return state.config.public_url
    host, port = request.scope["server"][:2]
    host = f"[{host}]" if ":" in host else host
    return f"{request.url.scheme}://{host}:{port}"


def _unique(locs: list[Located]) -> list[Located]:
    """Drop repeated paths and paths inside another requested folder; keep the order."""
    requested = {loc.segments for loc in locs}
    seen: set[tuple[str, ...]] = set()
    kept = []
    for loc in locs:
        inside_other = any(loc.segments[:i] in requested for i in range(len(loc.segments)))
        if loc.segments in seen or inside_other:
            continue
        seen.add(loc.segments)
        kept.append(loc)
    return kept


@router.get("/signed-urls")
def signed_urls(
    request: Request,
    state: State,
    user: User,
    paths: Annotated[list[str], Query(min_length=1)],
    operation: Operation,
    region: Region = None,
    provider_id: str | None = None,
) -> StreamingResponse:
    """One URL per path; for downloads, a folder gives one URL per file beneath it.

    Repeated and nested paths give each file once; at most `MAX_SIGNED_URLS` per call, and
    the answer is streamed, so its size costs the server no memory.
    """
    reg = region_or_default(state, region)
    base = base_url(request, state)
    method = "PUT" if operation is Operation.upload else "GET"
    locs = []
    for path in paths:
        loc = state.store.locate(user, reg, path, allow_root=operation is Operation.download)
        if operation is Operation.upload:
            if path.endswith("/"):
                raise HTTPException(422, f"invalid path {path!r}: an upload names a file")
            state.store.check_file_target(loc)
        locs.append(loc)
    if operation is Operation.download:
        locs = _unique(locs)
    if operation is Operation.download:
        # Counted first (a walk, nothing kept), so that too many is a clean 422.
        count = 0
        for loc in locs:
            for _ in state.store.files_beneath(loc):
                count += 1
                if count > MAX_SIGNED_URLS:
                    raise HTTPException(422, f"more than {MAX_SIGNED_URLS:,} files match; ask "
                                             "for the sub-folders one at a time")

    def targets() -> Iterator[str]:
        for loc in locs:
            if operation is Operation.upload:
                yield loc.storage_path
            else:
                yield from state.store.files_beneath(loc)

    def body() -> Iterator[bytes]:
        sep = "["
        batch = []
        for target in targets():
            batch.append(json.dumps(state.signer.sign(base, Grant(user, reg, target, method))))
            if len(batch) == 1000:
                yield (sep + ",".join(batch)).encode()
                sep, batch = ",", []
        if batch:
            yield (sep + ",".join(batch)).encode()
        elif sep == "[":
            yield b"["
        yield b"]"

    return StreamingResponse(body(), media_type="application/json")


@router.post("/copy")
def copy(state: State, user: User, source: str, target: str, region: Region = None,
         provider_id: str | None = None) -> dict:
    reg = region_or_default(state, region)
    src = state.store.locate(user, reg, source, allow_root=False)
    dst = state.store.locate(user, reg, target, allow_root=False)
    state.store.copy(user, src, dst, into=target.endswith("/"))
    return {}


@router.delete("/")
def delete(state: State, user: User, path: str, region: Region = None,
           provider_id: str | None = None) -> dict:
    reg = region_or_default(state, region)
    state.store.delete(user, state.store.locate(user, reg, path))
    return {}


@router.post("/input_remote")
async def input_remote(state: State, user: User, url: str, path: str, region: Region = None,
                       provider_id: str | None = None) -> dict:
    """Fetch `url` into the file `path`; answers once the remote server has answered."""
    reg = region_or_default(state, region)
    loc = await run_in_threadpool(state.store.locate, user, reg, path, allow_root=False)
    if path.endswith("/"):
        raise HTTPException(422, f"invalid path {path!r}: the target must name a file")
    await state.fetcher.start(url, user, loc)
    return {}
