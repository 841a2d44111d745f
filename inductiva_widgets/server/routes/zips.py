"""`/storage/zip-contents` and `/storage/zip-file-range`: ZIP members without unpacking."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse

from ...protocol.zipdir import (
    BadZip,
    MemberNotFound,
    MemberWalk,
    ZipMember,
    find_member,
    normalize_folder,
)
from ..deps import State, User
from .storage import Region, iso, region_or_default

router = APIRouter(prefix="/storage", tags=["zip"])
BATCH = 1000  # entries per streamed chunk: few thread hops, little memory


def _archive(state: State, user: str, path: str, region: str | None):
    loc = state.store.locate(user, region_or_default(state, region), path, allow_root=False)
    fs_path = state.store.file(loc)
    try:
        return state.zips.archive(fs_path)
    except BadZip as exc:
        raise HTTPException(422, f"{loc.storage_path} is not a readable ZIP archive: "
                                 f"{exc}") from None


def _entry(archive, fd: int, name: str, member: ZipMember | None) -> dict[str, Any]:
    if member is None:
        return {"name": name, "size": None, "compressed_size": None, "range_start": None,
                "creation_time": None, "compress_type": None}
    try:
        start = archive.data_offset(member, fd)
    except BadZip:
        start = None  # its local header is broken; zip-file-range says why when asked
    return {
        "name": name,
        "size": member.size,
        "compressed_size": member.compressed_size,
        "range_start": start,
        "creation_time": iso(member.modified.timestamp()) if member.modified else None,
        "compress_type": member.compress_type,
    }


@router.get("/zip-contents")
def zip_contents(state: State, user: User, path: str, zip_relative_path: str = "",
                 recursive: bool = False, region: Region = None,
                 provider_id: str | None = None) -> StreamingResponse:
    """Members under `zip_relative_path`, named relative to it; `size` is their total.

    Streamed in batches, so an archive of 100,000 members costs the server a batch of
    memory, not the whole answer.
    """
    archive = _archive(state, user, path, region)
    walk = MemberWalk(archive.members, zip_relative_path, recursive)
    entries = iter(walk)
    first = next(entries, None)
    if first is None and normalize_folder(zip_relative_path):
        raise HTTPException(404, f"no folder {zip_relative_path!r} in the archive {path}")

    def body() -> Iterator[bytes]:
        # Opened here, not before: a generator that never starts never runs its `finally`.
        fd = os.open(archive.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            yield b'{"contents":['
            rest = entries if first is None else itertools.chain([first], entries)
            sep = ""
            while batch := list(itertools.islice(rest, BATCH)):
                text = ",".join(json.dumps(_entry(archive, fd, n, m)) for n, m in batch)
                yield (sep + text).encode()
                sep = ","
            # Last, so that it is counted by the same single pass over the members.
            yield f'],"size":{walk.total_size}}}'.encode()
        finally:
            os.close(fd)

    return StreamingResponse(body(), media_type="application/json")


@router.get("/zip-file-range")
def zip_file_range(state: State, user: User, path: str, filename: str,
                   zip_relative_path: str = "", region: Region = None,
                   provider_id: str | None = None) -> dict[str, Any]:
    """Where a member's compressed bytes lie; `range_end` is inclusive, as in HTTP Range."""
    archive = _archive(state, user, path, region)
    name = normalize_folder(zip_relative_path) + filename.lstrip("/")
    try:
        member = find_member(archive.members, name)
        start = archive.data_offset(member)
    except MemberNotFound as exc:
        raise HTTPException(404, f"{exc} {path}") from None
    except BadZip as exc:
        raise HTTPException(422, f"{path}: {exc}") from None
    return {
        "range_start": start,
        "range_end": start + member.compressed_size - 1,
        "compress_type": member.compress_type,
    }
