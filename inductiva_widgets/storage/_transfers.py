"""Moving file bytes through signed URLs: parallel, streamed, resumable, cancellable.

Every downloaded file is written to `.<name>.part` beside its final name and renamed only
when complete and size-checked. A broken connection is retried with backoff and resumed
with an HTTP Range from the bytes already on disk; a failed transfer keeps its `.part`
file so that a later retry resumes it; a cancelled one removes it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

from ._exceptions import (
    IntegrityError,
    StorageError,
    TransferCancelled,
    TransferError,
    error_from_response,
)
from ._progress import CancelToken, Tracker

CHUNK = 1024 * 1024
T = TypeVar("T")


def part_path(final: Path) -> Path:
    return final.with_name(f".{final.name}.part")


class Stopper:
    """The caller's cancel token plus an internal stop raised when a sibling job fails."""

    def __init__(self, cancel: CancelToken | None) -> None:
        self.cancel = cancel
        self.failed = threading.Event()

    def sleep(self, seconds: float) -> None:
        """Wait, but wake up at once (with TransferCancelled) when stopped meanwhile."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.check()
            if self.failed.wait(min(left, 0.1)):
                break
        self.check()

    def check(self) -> None:
        if self.cancel is not None and self.cancel.cancelled:
            raise TransferCancelled("the transfer was cancelled")
        if self.failed.is_set():
            raise TransferCancelled("stopped because another file of the transfer failed")


def run_parallel(items: Sequence[T], job: Callable[[T, Stopper], object], concurrency: int,
                 cancel: CancelToken | None) -> None:
    """Run `job` over items, at most `concurrency` at once; the first error stops the rest."""
    stopper = Stopper(cancel)
    if not items:
        return
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items)),
                            thread_name_prefix="transfer") as pool:
        futures = [pool.submit(job, item, stopper) for item in items]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        errors = [f.exception() for f in done if f.exception() is not None]
        if errors:
            stopper.failed.set()
            for future in futures:
                future.cancel()
        wait(futures)
    errors = [f.exception() for f in futures if not f.cancelled() and f.exception()]
    if cancel is not None and cancel.cancelled:
        raise TransferCancelled("the transfer was cancelled")
    real = [e for e in errors if not isinstance(e, TransferCancelled)]
    if real:
        raise real[0]
    if errors:
        raise errors[0]


def _backoff(attempt: int) -> float:
    return min(5.0, 0.25 * 2**attempt)


# "Too many transfers for this key, retry later" (429) is a turn to wait, not a failure: it
# gets its own, larger allowance of attempts, each after the server's Retry-After.
BUSY_WAITS = 8
MAX_RETRY_AFTER_S = 30.0


def busy_delay(response: httpx.Response, waits: int) -> float | None:
    """Seconds to wait before sending again after a 429, or None to give up."""
    if response.status_code != 429 or waits >= BUSY_WAITS:
        return None
    text = response.headers.get("retry-after", "")
    delay = float(text) if text.isdigit() else _backoff(waits)
    return min(MAX_RETRY_AFTER_S, max(0.1, delay))


# -- uploads -------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadJob:
    local: Path
    remote: str
    size: int
    url: str


def put_file(blobs: httpx.Client, job: UploadJob, tracker: Tracker, stopper: Stopper,
             retries: int) -> None:
    """PUT one file from disk in chunks; the whole body is re-sent on a retry."""
    attempt = waits = 0
    while True:
        sent = 0

        def body() -> Iterator[bytes]:
            nonlocal sent
            with open(job.local, "rb") as fh:
                while chunk := fh.read(CHUNK):
                    stopper.check()
                    sent += len(chunk)
                    if sent > job.size:
                        raise IntegrityError(f"{job.local} grew while it was being uploaded")
                    tracker.add_bytes(len(chunk), job.remote)
                    yield chunk

        try:
            response = blobs.put(job.url, content=body(), headers={
                "Content-Length": str(job.size), "Content-Type": "application/octet-stream"})
        except httpx.TransportError as exc:
            tracker.add_bytes(-sent)
            if attempt < retries:
                time.sleep(_backoff(attempt))
                attempt += 1
                continue
            raise TransferError(f"uploading {job.local} to {job.remote} failed: {exc}") from exc
        except BaseException:
            tracker.add_bytes(-sent)
            raise
        if (delay := busy_delay(response, waits)) is not None:
            tracker.add_bytes(-sent)
            stopper.sleep(delay)
            waits += 1
            continue
        if response.status_code >= 500 and attempt < retries:
            tracker.add_bytes(-sent)
            time.sleep(_backoff(attempt))
            attempt += 1
            continue
        if response.status_code != 200:
            tracker.add_bytes(-sent)
            raise error_from_response(response)
        if sent != job.size:
            raise IntegrityError(f"{job.local} changed size while it was being uploaded")
        tracker.file_done(job.remote)
        return


# -- downloads ------------------------------------------------------------------------


@dataclass(frozen=True)
class DownloadJob:
    url: str
    remote: str
    local: Path
    size: int | None  # known from a listing, or None


def _total_from(response: httpx.Response) -> int | None:
    if response.status_code == 206:
        content_range = response.headers.get("content-range", "")
        total = content_range.rpartition("/")[2]
        return int(total) if total.isdigit() else None
    length = response.headers.get("content-length")
    return int(length) if length and length.isdigit() else None


def get_file(blobs: httpx.Client, job: DownloadJob, tracker: Tracker, stopper: Stopper,
             retries: int, size_of: Callable[[str], int | None] | None = None) -> Path:
    """Download one file to `.part`, resuming after breaks, then rename it into place.

    The caller creates the parent folders (once per folder, not once per file).
    `size_of(remote)` is asked for the file's size when the server sends a body without a
    length and no listing gave it: the download never writes more than that.
    """
    part = part_path(job.local)
    known_size = job.size
    try:
        have = part.stat().st_size
    except FileNotFoundError:
        have = 0
    tracker.add_bytes(have, job.remote)
    attempt = waits = 0
    try:
        while True:
            stopper.check()
            headers = {"Range": f"bytes={have}-"} if have else {}
            try:
                with blobs.stream("GET", job.url, headers=headers) as response:
                    if response.status_code == 416 and have:
                        # Nothing past what we have: complete if the size agrees, else stale.
                        if known_size != have:
                            part.unlink()
                            tracker.add_bytes(-have)
                            have = 0
                            continue
                        total = have
                    elif response.status_code not in (200, 206):
                        if (delay := busy_delay(response, waits)) is not None:
                            response.read()  # a short answer: the connection stays usable
                            waits += 1
                            stopper.sleep(delay)
                            continue
                        if response.status_code >= 500 and attempt < retries:
                            raise httpx.RemoteProtocolError(f"HTTP {response.status_code}")
                        response.read()
                        raise error_from_response(response)
                    else:
                        if response.status_code == 200 and have:
                            tracker.add_bytes(-have)  # the server ignored Range: start over
                            have = 0
                        total = _total_from(response)
                        # A body without a length stops where the listing says the file
                        # ends: a server streaming forever must not fill the disk.
                        if total is None and known_size is None and size_of is not None:
                            known_size = size_of(job.remote)
                        limit = total if total is not None else known_size
                        if limit is None:
                            raise IntegrityError(
                                f"{job.remote}: the server sent no length and the listing "
                                "does not show the file; refusing an unbounded download")
                        with open(part, "ab" if have else "wb") as fh:
                            for chunk in response.iter_bytes():
                                stopper.check()
                                fh.write(chunk)
                                have += len(chunk)
                                tracker.add_bytes(len(chunk), job.remote)
                                if limit is not None and have > limit:
                                    break
            except httpx.TransportError as exc:
                if attempt < retries:
                    time.sleep(_backoff(attempt))
                    attempt += 1
                    continue
                raise TransferError(f"downloading {job.remote} failed after {attempt + 1} "
                                    f"attempts: {exc}; run it again to resume") from exc
            expected = total if total is not None else known_size
            if expected is not None and have != expected:
                if have > expected:
                    part.unlink(missing_ok=True)
                    tracker.add_bytes(-have)
                    have = 0
                if attempt < retries:
                    attempt += 1
                    continue
                raise IntegrityError(f"{job.remote}: got {have} bytes, expected {expected}")
            os.replace(part, job.local)
            tracker.file_done(job.remote)
            return job.local
    except TransferCancelled:
        part.unlink(missing_ok=True)
        raise
    except StorageError:
        raise
    except OSError as exc:
        raise TransferError(f"cannot write {job.local}: {exc.strerror or exc}") from exc
