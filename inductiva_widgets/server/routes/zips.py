"""`/storage/zip-contents` and `/storage/zip-file-range`: ZIP members without unpacking."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from ...protocol.zipdir import BadZip, MemberNotFound, find_member, list_members, normalize_folder
from ..deps import State, User
from .storage import Region, iso, region_or_default

router = APIRouter(prefix="/storage", tags=["zip"])


def _archive(state: State, user: str, path: str, region: str | None):
    loc = state.store.locate(user, region_or_default(state, region), path, allow_root=False)
    fs_path = state.store.file(loc)
    try:
        return state.zips.archive(fs_path)
    except BadZip as exc:
        raise HTTPException(422, f"{path} is not a readable ZIP archive: {exc}") from None


@router.get("/zip-contents")
def zip_contents(state: State, user: User, path: str, zip_relative_path: str = "",
                 recursive: bool = False, region: Region = None,
                 provider_id: str | None = None) -> dict[str, Any]:
    """Members under `zip_relative_path`, named relative to it; `size` is their total."""
    archive = _archive(state, user, path, region)
    listing = list_members(archive.members, zip_relative_path, recursive)
    if not listing.entries and normalize_folder(zip_relative_path):
        raise HTTPException(404, f"no folder {zip_relative_path!r} in the archive {path}")
    contents = []
    for name, member in listing.entries:
        if member is None:
            contents.append({"name": name, "size": None, "compressed_size": None,
                             "range_start": None, "creation_time": None, "compress_type": None})
            continue
        contents.append({
            "name": name,
            "size": member.size,
            "compressed_size": member.compressed_size,
            "range_start": archive.data_offset(member),
            "creation_time": iso(member.modified.timestamp()) if member.modified else None,
            "compress_type": member.compress_type,
        })
    return {"size": listing.total_size, "contents": contents}


@router.get("/zip-file-range")
def zip_file_range(state: State, user: User, path: str, filename: str,
                   zip_relative_path: str = "", region: Region = None,
                   provider_id: str | None = None) -> dict[str, Any]:
    """Where a member's compressed bytes lie; `range_end` is inclusive, as in HTTP Range."""
    archive = _archive(state, user, path, region)
    name = normalize_folder(zip_relative_path) + filename.lstrip("/")
    try:
        member = find_member(archive.members, name)
    except MemberNotFound as exc:
        raise HTTPException(404, f"{exc} {path}") from None
    start = archive.data_offset(member)
    return {
        "range_start": start,
        "range_end": start + member.compressed_size - 1,
        "compress_type": member.compress_type,
    }
