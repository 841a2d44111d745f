"""The searches a StorageBrowser's view runs: `storage.iter_find` on a thread, streamed.

Each search pushes `search` events `{token, rows, progress, done, error}`: rows in batches
of at most SEARCH_BATCH (or whatever came in PROGRESS_EVERY_S), and `progress`, the counts
the view shows ("12 matches · 34 folders, 7 archives searched"), in every event. The
browser's `@rpc` methods `search` and `cancel_search` delegate here in a line.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from .. import storage
from ..storage import CancelToken, FindProgress, StorageClient, TransferCancelled, iter_find

__all__ = ["MAX_RESULTS", "PROGRESS_EVERY_S", "SCOPES", "SEARCH_BATCH", "Searches",
           "progress_counts"]

log = logging.getLogger("inductiva_widgets.widgets")
SEARCH_BATCH = 50
MAX_RESULTS = 1000
PROGRESS_EVERY_S = 0.25
# Where a search looks: beneath the folder or archive on show, or the whole storage.
SCOPES = ("here", "all")


def progress_counts(progress: FindProgress) -> dict[str, Any]:
    """A `FindProgress` as the view gets it (reasons of the first few failures)."""
    return {"matches": progress.matches, "folders": progress.folders,
            "archives": progress.archives, "archives_failed": progress.archives_failed,
            "failures": [{"archive": a, "reason": r} for a, r in progress.failures[:5]],
            "truncated": progress.truncated, "max_results": MAX_RESULTS}


class Searches:
    """Searches by name, one thread each, cancelled by their token.

    Args:
        client: returns the `StorageClient` to search with.
        region: returns the region to search (None for the server's default).
        row: turns an `iter_find` entry into a table row.
        emit: sends an event to the view (`emit("search", **data)`).
    """

    def __init__(self, *, client: Callable[[], StorageClient],
                 region: Callable[[], str | None], row: Callable[[dict], dict],
                 emit: Callable[..., None]) -> None:
        self._client, self._region, self._row, self._emit = client, region, row, emit
        self._running: dict[str, CancelToken] = {}
        self._lock = threading.Lock()

    def start(self, query: str, path: str = "/", token: str = "",
              inside_archives: bool = True, scope: str = "here") -> dict[str, Any]:
        """Start a search by name beneath `path` (scope "here") or from the root (scope
        "all"); results arrive as `search` events. The reply says which path is searched."""
        if scope not in SCOPES:
            raise storage.InvalidArgumentError(
                f"unknown search scope {scope!r}: use 'here' or 'all'")
        if scope == "all":
            path = "/"
        cancel = CancelToken()
        with self._lock:
            self._running[token] = cancel
        threading.Thread(target=self._run, args=(query, path, token, bool(inside_archives),
                                                 cancel),
                         daemon=True, name="storage-search").start()
        return {"started": token, "path": path}

    def cancel(self, token: str) -> dict[str, Any]:
        """Stop a search; the rows sent so far stay the view's."""
        with self._lock:
            cancel = self._running.pop(token, None)
        if cancel is not None:
            cancel.cancel()
        return {"cancelled": cancel is not None}

    def _run(self, query: str, path: str, token: str, inside_archives: bool,
             cancel: CancelToken) -> None:
        batch: list[dict[str, Any]] = []
        progress = FindProgress()
        sent_at = time.monotonic()

        def note(state: FindProgress) -> None:  # on this thread: iter_find calls it
            nonlocal progress
            progress = state
            if time.monotonic() - sent_at >= PROGRESS_EVERY_S:
                send(False)  # counts move on while nothing matches

        def send(done: bool, **extra: Any) -> None:
            nonlocal batch, sent_at
            self._emit("search", token=token, rows=batch, done=done,
                       progress=progress_counts(progress), **extra)
            batch, sent_at = [], time.monotonic()

        error = None
        try:
            for entry in iter_find(query, path, self._region(), MAX_RESULTS,
                                   inside_archives=inside_archives, progress=note,
                                   cancel=cancel, client=self._client()):
                batch.append(self._row(entry))
                if len(batch) >= SEARCH_BATCH or \
                        time.monotonic() - sent_at >= PROGRESS_EVERY_S:
                    send(False)
        except TransferCancelled:
            send(True, error=None, cancelled=True)
            return
        except storage.StorageError as exc:
            error = str(exc)
        except Exception as exc:  # the view must hear of it, whatever it was
            log.exception("search %r beneath %r failed", query, path)
            error = f"unexpected error: {exc}"
        finally:
            with self._lock:
                self._running.pop(token, None)
        send(True, error=error)
