"""Progress reporting and cancellation shared by every transfer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ._exceptions import TransferCancelled
from ._feedback import progress_bar

__all__ = ["CancelToken", "ProgressCallback", "TransferProgress"]


@dataclass(frozen=True)
class TransferProgress:
    """A snapshot of a transfer. `bytes_total` is None while some sizes are unknown."""

    bytes_done: int
    bytes_total: int | None
    current_file: str | None
    files_done: int
    files_total: int
    started: float  # time.monotonic() at the start
    finished: bool = False

    @property
    def fraction(self) -> float | None:
        """Share done, from bytes when the total is known, else from files."""
        if self.finished:
            return 1.0
        if self.bytes_total:
            return min(1.0, self.bytes_done / self.bytes_total)
        if self.files_total:
            return self.files_done / self.files_total
        return None

    @property
    def rate(self) -> float:
        """Bytes per second since the start."""
        elapsed = time.monotonic() - self.started
        return self.bytes_done / elapsed if elapsed > 0 else 0.0


ProgressCallback = Callable[[TransferProgress], None]
ProgressArg = ProgressCallback | bool | None


class CancelToken:
    """Cancels a transfer from any thread: pass it as `cancel=`, then call `cancel()`."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise TransferCancelled if cancelled."""
        if self._event.is_set():
            raise TransferCancelled("the transfer was cancelled")


class Tracker:
    """Thread-safe counters of one transfer, reported to a callback or a tqdm bar.

    Byte updates reach the callback at most every `interval_s` seconds, so that a
    thousand small files do not mean a thousand callbacks; file completions and the end
    are always reported. Counters are plain integers: snapshots are only built to report.
    """

    def __init__(self, progress: ProgressArg, files_total: int, bytes_total: int | None,
                 description: str | None, interval_s: float = 0.1) -> None:
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._bytes_done = 0
        self._bytes_total = bytes_total
        self._files_done = 0
        self._files_total = files_total
        self._current: str | None = None
        self._finished = False
        self._interval = interval_s
        self._last_report = 0.0
        self._bar = None
        self._callback: ProgressCallback | None = None
        if callable(progress):
            self._callback = progress
        elif progress is None or progress is True:
            # As the reference: a bar by default, also when stderr is not a terminal.
            self._bar = progress_bar(bytes_total, description)
        self._report(force=True)

    @property
    def state(self) -> TransferProgress:
        return TransferProgress(self._bytes_done, self._bytes_total, self._current,
                                self._files_done, self._files_total, self._started,
                                self._finished)

    def set_total(self, bytes_total: int | None) -> None:
        self._bytes_total = bytes_total
        if self._bar is not None and bytes_total is not None:
            self._bar.total = bytes_total
            self._bar.refresh()
        self._report(force=True)

    def add_bytes(self, n: int, current_file: str | None = None) -> None:
        if not n:
            return
        with self._lock:
            self._bytes_done += n
            if current_file is not None:
                self._current = current_file
        if self._bar is not None:
            self._bar.update(n)
        if self._callback is not None:
            self._report()

    def file_done(self, name: str) -> None:
        with self._lock:
            self._files_done += 1
            self._current = name
        if self._callback is not None:
            self._report(force=True)

    def finish(self) -> None:
        self._finished = True
        self._report(force=True)
        self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _report(self, force: bool = False) -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        if not force and now - self._last_report < self._interval:
            return
        self._last_report = now
        self._callback(self.state)


def check_cancel(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.check()
