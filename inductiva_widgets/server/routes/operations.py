"""Exports to S3 (`/storage/export_multipart`) and the operations that track them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from ..deps import State, User
from ..exports import Part, TooBusy
from ..netguard import ForbiddenUrl
from .storage import Region, region_or_default

router = APIRouter(prefix="/storage", tags=["operations"])


class UploadPart(BaseModel):
    part_number: int = Field(ge=1, le=10_000)
    part_url: str


class MultipartExport(BaseModel):
    path: str
    parts_size: int = Field(ge=1)
    upload_parts: list[UploadPart] = Field(min_length=1, max_length=10_000)
    complete_multipart_url: str


@router.post("/export_multipart")
def export_multipart(state: State, user: User, body: MultipartExport,
                     region: Region = None, provider_id: str | None = None) -> dict[str, Any]:
    """Start copying a file to presigned S3 part URLs; answers the running operation."""
    loc = state.store.locate(user, region_or_default(state, region), body.path, allow_root=False)
    file = state.store.file(loc)
    parts = [Part(p.part_number, p.part_url) for p in body.upload_parts]
    try:
        op = state.operations.start_export(user, loc.storage_path, file, body.parts_size, parts,
                                           body.complete_multipart_url)
    except (ValueError, ForbiddenUrl) as exc:
        raise HTTPException(422, str(exc)) from None
    except TooBusy as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": "10"}) from None
    return op.to_json()


@router.get("/operations/{operation_id}")
def get_operation(state: State, user: User, operation_id: str) -> dict[str, Any]:
    op = state.operations.get(user, operation_id)
    if op is None:
        raise HTTPException(404, f"no operation {operation_id}")
    return op.to_json()


@router.get("/operations")
def list_operations(state: State, user: User, page: Annotated[int, Query(ge=1)] = 1,
                    per_page: Annotated[int, Query(ge=1, le=100)] = 10) -> list[dict[str, Any]]:
    ops = state.operations.list(user)
    start = (page - 1) * per_page
    return [op.to_json() for op in ops[start : start + per_page]]
