"""Background transfers for the widgets: queued, throttled progress, cancel and retry.

The widgets show the snapshots this publishes; the work itself is the storage client's
`upload` and `download` (parallel, resumable), run in worker threads so that the kernel
stays free for other cells. Files a browser page sends straight to the storage are tracked
here too, from the progress the page reports, so that every transfer's rate and ETA are
worked out in one place (the views only show them).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .. import storage
from ..storage import CancelToken, StorageClient, TransferCancelled, TransferProgress, quiet
from . import code_snippets

# Progress reaches the view at most this often per transfer: a 1,000-file transfer must
# not flood the kernel or the page.
PUBLISH_INTERVAL_S = 0.25
RATE_WINDOW_S = 3.0


@dataclass
class Transfer:
    """One upload or download and its latest progress."""

    id: str
    kind: str  # "download" | "upload"
    source: str
    target: str
    options: dict[str, Any]
    origin: str = "kernel"  # "kernel": run here; "browser": sent by a page, progress reported
    state: str = "queued"  # queued, running, done, failed, cancelled
    bytes_done: int = 0
    bytes_total: int | None = None
    files_done: int = 0
    files_total: int = 0
    current_file: str | None = None
    error: str | None = None
    result: list[str] = field(default_factory=list)
    started: float | None = None
    finished: float | None = None
    rate: float = 0.0
    cancel: CancelToken = field(default_factory=CancelToken, repr=False)
    _samples: deque = field(default_factory=lambda: deque(maxlen=64), repr=False)
    _future: Future | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        arrow = "→"
        where = " (from this browser)" if self.origin == "browser" else ""
        return f"{self.kind.capitalize()} {self.source} {arrow} {self.target}{where}"

    @property
    def code(self) -> str | None:
        """The equivalent `inductiva_widgets.storage` call (none for a browser's upload)."""
        if self.origin == "browser":
            return None
        if self.kind == "download":
            return code_snippets.download_call(self.source, self.target,
                                               self.options.get("decompress", True))
        return code_snippets.upload_call(self.source, self.target)

    @property
    def eta_s(self) -> float | None:
        if self.state != "running" or not self.rate or self.bytes_total is None:
            return None
        return max(0.0, (self.bytes_total - self.bytes_done) / self.rate)

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "origin": self.origin, "label": self.label,
            "source": self.source,
            "target": self.target, "state": self.state, "bytes_done": self.bytes_done,
            "bytes_total": self.bytes_total, "files_done": self.files_done,
            "files_total": self.files_total, "current_file": self.current_file,
            "rate": self.rate, "eta_s": self.eta_s, "error": self.error,
            "result": self.result[:20], "result_count": len(self.result), "code": self.code,
            "retryable": self.origin == "kernel",
        }

    def _observe(self, progress: TransferProgress) -> None:
        now = time.monotonic()
        self.bytes_done = progress.bytes_done
        self.bytes_total = progress.bytes_total
        self.files_done = progress.files_done
        self.files_total = progress.files_total
        self.current_file = progress.current_file
        self._sample(now, progress.bytes_done)

    def _sample(self, now: float, bytes_done: int) -> None:
        """The rate over the last RATE_WINDOW_S seconds, from this and earlier samples."""
        self._samples.append((now, bytes_done))
        while self._samples and now - self._samples[0][0] > RATE_WINDOW_S:
            self._samples.popleft()
        if len(self._samples) >= 2:
            (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
            self.rate = (b1 - b0) / (t1 - t0) if t1 > t0 else self.rate


class TransferManager:
    """Runs transfers two at a time and publishes their snapshots to `on_change`."""

    def __init__(self, client: Callable[[], StorageClient],
                 on_change: Callable[[list[dict[str, Any]]], None], workers: int = 2) -> None:
        self._client = client
        self._on_change = on_change
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="transfers")
        self._transfers: dict[str, Transfer] = {}
        self._lock = threading.Lock()
        # One snapshot-and-send at a time, so the last state sent is the newest: a browser's
        # progress report and its "finished" arrive on two threads, and a stale "running"
        # sent after "done" left the view showing a finished upload as running.
        self._publishing = threading.RLock()
        self._last_publish: dict[str, float] = {}

    @property
    def transfers(self) -> list[Transfer]:
        with self._lock:
            return list(self._transfers.values())

    def get(self, transfer_id: str) -> Transfer:
        try:
            return self._transfers[transfer_id]
        except KeyError:
            raise KeyError(f"no transfer {transfer_id!r}") from None

    def publish(self) -> None:
        with self._publishing:
            self._on_change([t.snapshot() for t in self.transfers])

    def download(self, remote_path: str, local_dir: str, decompress: bool = True) -> Transfer:
        return self._submit(Transfer(uuid.uuid4().hex[:12], "download", remote_path,
                                     local_dir, {"decompress": decompress}))

    def upload(self, local_path: str, remote_dir: str) -> Transfer:
        return self._submit(Transfer(uuid.uuid4().hex[:12], "upload", local_path, remote_dir,
                                     {}))

    def track_browser_upload(self, name: str, folder: str, size: int | None) -> Transfer:
        """A file a browser page sends straight to the storage; it reports its progress."""
        transfer = Transfer(uuid.uuid4().hex[:12], "upload", name, folder, {},
                            origin="browser", state="running", bytes_total=size,
                            files_total=1, started=time.monotonic())
        transfer._sample(transfer.started, 0)
        with self._lock:
            self._transfers[transfer.id] = transfer
        self.publish()
        return transfer

    def report(self, transfer_id: str, bytes_done: int) -> None:
        """Progress of a browser's upload (late or out-of-order reports are ignored)."""
        transfer = self.get(transfer_id)
        with self._publishing:
            if transfer.state != "running" or bytes_done < transfer.bytes_done:
                return
            transfer.bytes_done = int(bytes_done)
            now = time.monotonic()
            transfer._sample(now, transfer.bytes_done)
            if now - self._last_publish.get(transfer.id, 0.0) >= PUBLISH_INTERVAL_S:
                self._last_publish[transfer.id] = now
                self.publish()

    def finish(self, transfer_id: str, state: str, error: str | None = None) -> None:
        """A browser's upload ended: "done", "failed" or "cancelled"."""
        if state not in ("done", "failed", "cancelled"):
            raise ValueError(f"a transfer cannot finish as {state!r}")
        transfer = self.get(transfer_id)
        with self._publishing:
            if transfer.state not in ("running", "cancelled"):
                return
            transfer.state, transfer.error = state, error
            if state == "done":
                transfer.bytes_done = transfer.bytes_total or transfer.bytes_done
                transfer.files_done = 1
            transfer.finished = time.monotonic()
            self.publish()

    def _submit(self, transfer: Transfer) -> Transfer:
        with self._lock:
            self._transfers[transfer.id] = transfer
        transfer._future = self._pool.submit(self._run, transfer)
        self.publish()
        return transfer

    def _progress(self, transfer: Transfer) -> Callable[[TransferProgress], None]:
        def report(progress: TransferProgress) -> None:
            transfer._observe(progress)
            now = time.monotonic()
            if now - self._last_publish.get(transfer.id, 0.0) >= PUBLISH_INTERVAL_S:
                self._last_publish[transfer.id] = now
                self.publish()
        return report

    def _run(self, transfer: Transfer) -> None:
        with quiet():  # the queue shows progress and outcome; no messages in cell outputs
            self._run_quietly(transfer)

    def _run_quietly(self, transfer: Transfer) -> None:
        if transfer.cancel.cancelled:
            transfer.state = "cancelled"
            self.publish()
            return
        transfer.state, transfer.started, transfer.error = "running", time.monotonic(), None
        self.publish()
        client = self._client()
        try:
            if transfer.kind == "download":
                paths = storage.download(transfer.source, transfer.target,
                                         transfer.options.get("decompress", True),
                                         progress=self._progress(transfer),
                                         cancel=transfer.cancel, client=client)
                transfer.result = [str(p) for p in paths]
            else:
                transfer.result = storage.upload(transfer.source, transfer.target,
                                                 progress=self._progress(transfer),
                                                 cancel=transfer.cancel, client=client)
            transfer.state = "done"
        except TransferCancelled:
            transfer.state = "cancelled"
        except Exception as exc:  # shown in the widget in words
            transfer.state = "failed"
            transfer.error = str(exc) or type(exc).__name__
        finally:
            transfer.finished = time.monotonic()
            self.publish()

    def cancel(self, transfer_id: str) -> None:
        transfer = self.get(transfer_id)
        transfer.cancel.cancel()
        # A browser's upload is stopped by its page, which sees the state change.
        if transfer.state == "queued" or (transfer.origin == "browser"
                                          and transfer.state == "running"):
            transfer.state = "cancelled"
            self.publish()

    def retry(self, transfer_id: str) -> Transfer:
        """Run a failed or cancelled transfer again; partial downloads resume."""
        transfer = self.get(transfer_id)
        if transfer.origin == "browser":
            raise ValueError("an upload from the browser is sent again from the browser")
        if transfer.state not in ("failed", "cancelled"):
            raise ValueError(f"only failed or cancelled transfers can be retried, "
                             f"not {transfer.state} ones")
        transfer.cancel = CancelToken()
        transfer.state, transfer.error = "queued", None
        transfer.bytes_done = transfer.files_done = 0
        transfer._samples.clear()
        transfer._future = self._pool.submit(self._run, transfer)
        self.publish()
        return transfer

    def clear_finished(self) -> None:
        with self._lock:
            for key in [k for k, t in self._transfers.items()
                        if t.state in ("done", "failed", "cancelled")]:
                del self._transfers[key]
        self.publish()

    def wait(self, transfer_id: str | None = None, timeout: float | None = None) -> None:
        """Block until one transfer (or every one) has finished."""
        targets = [self.get(transfer_id)] if transfer_id else self.transfers
        deadline = None if timeout is None else time.monotonic() + timeout
        for transfer in targets:
            while transfer.state in ("queued", "running"):
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"transfer {transfer.id} still {transfer.state}")
                time.sleep(0.02)
