"""Storage operations and the multipart export job that runs behind each of them."""

from __future__ import annotations

import logging
import math
import re
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import httpx

from .netguard import ForbiddenUrl, check_url_sync, guarded_client, split_url

log = logging.getLogger("inductiva_widgets.server")
CHUNK = 1024 * 1024
CONNECT_TIMEOUT = 30.0  # seconds


@dataclass
class Operation:
    id: str
    user_id: str
    attributes: dict[str, Any]
    status: str = "RUNNING"
    error_message: str | None = None
    start_time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    end_time: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": "export",
            "status": self.status,
            "error_message": self.error_message,
            "attributes": dict(self.attributes),
            "start_time": self.start_time.isoformat(),
            "end_time": self.end_time.isoformat() if self.end_time else None,
        }


@dataclass(frozen=True)
class Part:
    number: int
    url: str


# Queued exports hold their part lists (up to 10,000 URLs each); finished ones are history.
MAX_ACTIVE_EXPORTS_PER_USER = 4
KEPT_OPERATIONS_PER_USER = 200


class TooBusy(Exception):
    """The user already has as many exports running as allowed."""


class Operations:
    """Every user's operations, newest first, and the worker threads that run exports."""

    def __init__(self, allow_private: bool, workers: int = 2) -> None:
        self.allow_private = allow_private
        self._ops: dict[str, Operation] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="export")
        # Every connection (part PUTs, the completion POST) resolves once, checks every
        # address and connects to a checked one: the up-front check alone could be raced.
        self._http = guarded_client(
            allow_private, timeout=httpx.Timeout(CONNECT_TIMEOUT, read=300.0, write=300.0))

    def get(self, user_id: str, op_id: str) -> Operation | None:
        op = self._ops.get(op_id)
        return op if op is not None and op.user_id == user_id else None

    def list(self, user_id: str) -> list[Operation]:
        with self._lock:
            ops = [op for op in self._ops.values() if op.user_id == user_id]
        return sorted(ops, key=lambda op: op.start_time, reverse=True)

    def start_export(self, user_id: str, storage_path: str, file: Path, parts_size: int,
                     parts: list[Part], complete_url: str) -> Operation:
        """Check the request, record the operation, and run the export in the background."""
        size = file.stat().st_size
        if parts_size < 1:
            raise ValueError("parts_size must be a positive number of bytes")
        needed = max(1, math.ceil(size / parts_size))
        numbers = sorted(p.number for p in parts)
        if numbers != list(range(1, needed + 1)):
            raise ValueError(
                f"{storage_path} has {size} bytes: with parts of {parts_size} bytes it needs "
                f"parts 1..{needed}, got {len(parts)} part URLs")
        with self._lock:
            active = sum(1 for op in self._ops.values()
                         if op.user_id == user_id and op.status == "RUNNING")
        if active >= MAX_ACTIVE_EXPORTS_PER_USER:
            raise TooBusy(f"{active} exports are already running for this key; wait for one "
                          "to finish")
        checked: set[tuple[str, int]] = set()
        for url in [p.url for p in parts] + [complete_url]:
            if split_url(url) not in checked:  # one look-up per host, not per part
                check_url_sync(url, self.allow_private)
                checked.add(split_url(url))
        op = Operation(
            id=uuid.uuid4().hex,
            user_id=user_id,
            attributes={"path": storage_path, "size_bytes": size, "parts_size": parts_size,
                        "parts_total": needed, "parts_done": 0, "bytes_done": 0},
        )
        with self._lock:
            self._ops[op.id] = op
            self._forget_oldest(user_id)
        self._pool.submit(self._run, op, file, size, parts_size,
                          sorted(parts, key=lambda p: p.number), complete_url)
        return op

    def _forget_oldest(self, user_id: str) -> None:
        """Keep a user's newest finished operations only (call with the lock held)."""
        finished = sorted((op for op in self._ops.values()
                           if op.user_id == user_id and op.status != "RUNNING"),
                          key=lambda op: op.start_time)
        for op in finished[: max(0, len(finished) - KEPT_OPERATIONS_PER_USER)]:
            del self._ops[op.id]

    def _run(self, op: Operation, file: Path, size: int, parts_size: int, parts: list[Part],
             complete_url: str) -> None:
        step = "the export"
        try:
            etags = []
            for part in parts:
                step = f"part {part.number}"
                start = (part.number - 1) * parts_size
                length = min(parts_size, size - start)
                etags.append((part.number, self._put_part(file, start, length, part.url)))
                op.attributes["parts_done"] += 1
                op.attributes["bytes_done"] += length
            step = "completing the upload"
            self._complete(complete_url, etags)
            op.status = "OK"
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ForbiddenUrl, RuntimeError) as exc:
            op.status = "FAILED"
            op.error_message = f"{step} failed: {str(exc) or type(exc).__name__}"
            log.warning("export %s of %s failed: %s", op.id, op.attributes["path"], exc)
        finally:
            op.end_time = datetime.now(timezone.utc)

    def _put_part(self, file: Path, start: int, length: int, url: str) -> str:
        def body() -> Iterator[bytes]:
            with open(file, "rb") as fh:
                fh.seek(start)
                left = length
                while left > 0:
                    chunk = fh.read(min(CHUNK, left))
                    if not chunk:
                        raise RuntimeError(f"{file.name} shrank while it was being exported")
                    left -= len(chunk)
                    yield chunk

        response = self._http.put(
            url, content=body(),
            headers={"Content-Length": str(length), "Content-Type": "application/octet-stream"})
        if response.status_code != 200:
            raise RuntimeError(f"the S3 endpoint refused a part: HTTP {response.status_code} "
                               f"{_s3_error(response.text)}")
        etag = response.headers.get("ETag")
        if not etag:
            raise RuntimeError("the S3 endpoint answered a part without an ETag")
        return etag

    def _complete(self, url: str, etags: list[tuple[int, str]]) -> None:
        parts = "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{escape(tag)}</ETag></Part>"
            for n, tag in etags)
        xml = f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>"
        response = self._http.post(url, content=xml.encode(),
                                   headers={"Content-Type": "application/xml"})
        # S3 may answer 200 and still report an error in the body.
        if response.status_code != 200 or "<Error>" in response.text:
            raise RuntimeError(f"the S3 endpoint refused to complete the upload: HTTP "
                               f"{response.status_code} {_s3_error(response.text)}")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()


def _s3_error(text: str) -> str:
    code = re.search(r"<Code>(.*?)</Code>", text)
    message = re.search(r"<Message>(.*?)</Message>", text)
    found = " ".join(m.group(1) for m in (code, message) if m)
    return found or text[:200]
