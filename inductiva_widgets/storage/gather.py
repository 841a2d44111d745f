"""`gather`: one member from many task archives, side by side in one DataFrame.

    result = storage.gather("*/output.zip/artifacts/gauges.csv")
    result.frame            # every task's rows, with `task` and `archive` columns first
    result.status           # one row per folder: found / missing / error / skipped, why
    storage.gather(["t1", "t2"], member="stdout.txt", tail=5).texts   # {task: last lines}

How it goes: the pattern is expanded with folder listings (only the folders the pattern's
wildcards stand for); then, all archives at once (`StorageClient.workers_for` of them in
flight), one `zip-file-range` request locates the member in each, one batched request
signs the archives' URLs, and one ranged GET reads each member's compressed bytes. Nothing
else of an archive is fetched, and locations and URLs are cached for a few minutes.

A missing member, or a corrupt or hostile archive, is that task's status; the other tasks
still arrive. A folder with no archive at all (`datasets/`, a folder of one's own beside the
tasks) is "skipped": it stays a row of `status`, counted apart from the tasks.

Memory is bounded by what is gathered: at most `max_bytes` per member (refused before
reading when the archive says more, stopped mid-way when the data inflates past it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from . import _gather_read as rd
from . import _gather_table as tb
from . import _gather_targets as tg
from ._client import StorageClient
from ._exceptions import (
    InvalidArgumentError,
    MemberNotFoundError,
    StorageError,
    TransferCancelled,
)
from ._feedback import log
from ._progress import CancelToken, ProgressArg, Tracker
from ._zipmembers import Member

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DEFAULT_MAX_BYTES", "GatherResult", "gather"]

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
STATUSES = ("found", "missing", "error", "cancelled", "skipped")
SKIPPED = "skipped"  # a folder with no archive at all: not a task, counted apart


@dataclass
class _Target:
    task: str
    archive: str
    status: str = "cancelled"  # until something happens to it
    detail: str = ""
    member: Member | None = None
    bytes_read: int = 0
    size: int | None = None
    data: bytes | None = None
    frame: Any = None
    rows: int | None = None
    cached: bool = False  # the location came from the cache (it may be stale)
    named: bool = False  # asked for by name (a list), not found by a wildcard


@dataclass
class GatherResult:
    """What `gather` found, task by task.

    Attributes:
        frame: tabular members, concatenated: columns `task` (categorical, in the order
            gathered) and `archive`, then the table's own. None for text or bytes.
        frames: each found task's table on its own, without the two added columns
            (computed from `frame` on access, so the rows are held once).
        texts: text members (or their last `tail` lines), task -> str.
        contents: binary members, task -> bytes.
        status: one row per folder: task, archive, member (its full name when found),
            status (found, missing, error, cancelled; skipped for a folder with no
            archive at all, i.e. not a task), detail (why, in words), bytes_read
            (compressed bytes fetched), size (uncompressed bytes), rows.
        kind: "table", "text" or "bytes".
    """

    STATUSES: ClassVar[tuple[str, ...]] = STATUSES  # the values of `status["status"]`

    frame: pd.DataFrame | None
    texts: dict[str, str]
    contents: dict[str, bytes]
    status: pd.DataFrame
    kind: str
    pattern: str = ""
    tasks: list[str] = field(default_factory=list)

    @property
    def frames(self) -> dict[str, pd.DataFrame]:
        if self.frame is None:
            return {}
        return {str(task): rows.drop(columns=["task", "archive"]).reset_index(drop=True)
                for task, rows in self.frame.groupby("task", observed=True, sort=False)}

    def tasks_with(self, status: str) -> list[str]:
        """Tasks whose status is `status` (found, missing, error, cancelled or skipped)."""
        return self.status.loc[self.status["status"] == status, "task"].tolist()

    @property
    def found(self) -> list[str]:
        return self.tasks_with("found")

    @property
    def missing(self) -> list[str]:
        return self.tasks_with("missing")

    @property
    def skipped(self) -> list[str]:
        """Folders with no archive at all (not tasks): rows of `status`, counted apart."""
        return self.tasks_with(SKIPPED)

    @property
    def errors(self) -> dict[str, str]:
        """Task -> what went wrong, for the tasks whose member could not be read."""
        bad = self.status[self.status["status"] == "error"]
        return dict(zip(bad["task"], bad["detail"], strict=True))

    @property
    def bytes_read(self) -> int:
        return int(self.status["bytes_read"].sum())

    def counts(self) -> str:
        """"9 tasks, 8 found, 1 missing" (folders skipped not among them, see `skipped_note`)."""
        counts = self.status["status"].value_counts()
        tasks = len(self.status) - int(counts.get(SKIPPED, 0))
        parts = [f"{int(counts.get(s, 0))} {s}" for s in STATUSES
                 if s != SKIPPED and counts.get(s, 0)]
        return f"{tasks} task{'' if tasks == 1 else 's'}, {', '.join(parts) or 'none'}"

    def skipped_note(self) -> str:
        """"4 folders without output.zip skipped" ("" when none was)."""
        rows = self.status[self.status["status"] == SKIPPED]
        if rows.empty:
            return ""
        names = {str(a).rsplit("/", 1)[-1] for a in rows["archive"]}
        what = names.pop() if len(names) == 1 else "an archive"
        n = len(rows)
        return f"{n} folder{'' if n == 1 else 's'} without {what} skipped"

    def summary(self) -> str:
        what = ""
        skipped = self.skipped_note()
        if skipped:
            what = f"; {skipped}"
        if self.frame is not None:
            what += f"; frame of {len(self.frame):,} rows x {self.frame.shape[1]} columns"
        return f"gather({self.pattern!r}): {self.counts()}{what}"

    def __repr__(self) -> str:
        return f"<GatherResult {self.summary()}>"

    def _repr_html_(self) -> str:
        import html

        head = f"<p>{html.escape(self.summary())}</p>"
        shown = self.frame.head(10) if self.frame is not None else None
        return head + self.status.to_html(index=False, max_rows=20) + (
            shown.to_html(max_rows=10) if shown is not None else "")


# -- the work ------------------------------------------------------------------------------


class _Run:
    """One gather: locate everything, sign once, read everything; all in parallel."""

    def __init__(self, client: StorageClient, targets: list[_Target], member: str,
                 kind: str, tail: int | None, max_bytes: int, read_csv: dict[str, Any],
                 region: str | None, tracker: Tracker, cancel: CancelToken | None) -> None:
        self.client, self.targets, self.member = client, targets, member
        self.kind, self.tail, self.max_bytes = kind, tail, max_bytes
        self.read_csv, self.region = read_csv, region
        self.tracker, self.cancel = tracker, cancel
        self.workers = max(1, client.workers_for(len(targets)))
        self.lock = threading.Lock()

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.cancelled

    def run(self) -> None:
        """Locate every member; each read is queued as soon as its member is located.

        The pool is FIFO: the URL batch and all locates are queued first, so a read only
        ever waits on work already running (never on a locate still queued behind it).
        """
        remaining = [len(self.targets)]
        all_located = threading.Event()
        reads: list[Future[None]] = []
        with ThreadPoolExecutor(self.workers, thread_name_prefix="gather") as pool:
            # The URLs are asked for while the members are located: one round trip hidden.
            early = pool.submit(self._urls, [t.archive for t in self.targets])
            second: list[dict[str, str]] = []
            second_lock = threading.Lock()

            def signed() -> dict[str, str]:
                urls = early.result()
                if urls is not None:
                    return urls
                all_located.wait()  # one archive was missing: ask for those located
                with second_lock:
                    if not second:
                        located = [t.archive for t in self.targets if t.member is not None]
                        second.append(self._urls(located) or {})
                    return second[0]

            def read(target: _Target) -> None:
                try:
                    urls = signed()
                except Exception as exc:  # noqa: BLE001 - that task's error, not the gather's
                    self._set(target, "error", f"cannot sign the archive's URL: {exc}")
                    self.tracker.file_done(target.task)
                    return
                self._read(rd.PresignedReader(self.client, urls), target)

            def locate_then_read(target: _Target) -> None:
                try:
                    self._locate(target)
                    if target.member is not None:
                        with self.lock:
                            reads.append(pool.submit(read, target))
                finally:
                    with self.lock:
                        remaining[0] -= 1
                        last = remaining[0] == 0
                    if last:
                        self.tracker.set_total(sum(t.member.compressed_size
                                                   for t in self.targets if t.member))
                        all_located.set()

            for done in [pool.submit(locate_then_read, t) for t in self.targets]:
                done.result()
            for done in list(reads):
                done.result()

    def _urls(self, archives: list[str]) -> dict[str, str] | None:
        if not archives or self.cancelled():
            return None
        try:
            return rd.signed_urls(self.client, archives, self.region)
        except StorageError:
            # One archive is missing (the API refuses the batch): asked again for those
            # located. Failing again, each read asks for its own, and fails on its own.
            return None

    def _locate(self, target: _Target) -> None:
        if self.cancelled():
            return
        try:
            target.member, target.cached = rd.locate(self.client, target.archive, self.member,
                                                     self.region)
            return
        except rd.ArchiveMissing:
            # A folder a wildcard matched that has no archive is no task (a data folder
            # beside them): skipped. One asked for by name is missing what was asked.
            self._set(target, "missing" if target.named else SKIPPED,
                      f"no archive {target.archive}")
        except MemberNotFoundError:
            self._set(target, "missing", f"no {self.member} in {target.archive}")
        except StorageError as exc:
            self._set(target, "error", str(exc))
        self.tracker.file_done(target.task)  # settled: nothing to read

    def _read(self, reader: rd.PresignedReader, target: _Target) -> None:
        if self.cancelled():
            return
        member = target.member
        assert member is not None

        def meter(n: int) -> None:
            target.bytes_read += n
            self.tracker.add_bytes(n, target.task)

        try:
            try:
                data = self._fetch(reader, member, meter)
            except (rd.TooLarge, TransferCancelled):
                raise
            except (StorageError, OSError):
                if not target.cached:
                    raise
                # A cached location may be stale (the archive rewritten): look once more.
                rd.forget(self.client, member)
                fresh, _ = rd.locate(self.client, target.archive, self.member, self.region)
                if fresh == member:
                    raise
                target.member = member = fresh
                data = self._fetch(reader, member, meter)
            target.size = len(data) if self.tail is None else member.info.size
            target.data = data
            if self.kind == "table":
                target.frame = tb.parse(data, self.read_csv)
                target.rows = len(target.frame)
                target.data = None  # the frame holds it now
            self._set(target, "found", "")
        except TransferCancelled:
            self._set(target, "cancelled", "cancelled")
        except MemberNotFoundError:
            self._set(target, "missing", f"no {self.member} in {target.archive}")
        except Exception as exc:  # noqa: BLE001 - any failure of one task is its status
            self._set(target, "error", f"{type(exc).__name__}: {exc}")
        finally:
            self.tracker.file_done(target.task)

    def _fetch(self, reader: rd.PresignedReader, member: Member,
               meter: Callable[[int], None]) -> bytes:
        if self.tail is not None:
            return rd.read_tail(reader, member, self.tail, self.max_bytes, self.cancel, meter)
        return rd.read_whole(reader, member, self.max_bytes, self.cancel, meter)

    def _set(self, target: _Target, status: str, detail: str) -> None:
        with self.lock:
            target.status, target.detail = status, detail


def gather(pattern: str | Sequence[str], member: str | None = None, *, kind: str = "auto",
           tail: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
           region: str | None = None, progress: ProgressArg = None,
           cancel: CancelToken | None = None, client: StorageClient | None = None,
           **read_csv: Any) -> GatherResult:
    """Read one member from many archives at once; tables come back as one DataFrame.

    Args:
        pattern: `"<folders>/output.zip/<member>"` with wildcards in the folders (`*`, `?`,
            `[...]`), e.g. `"*/output.zip/artifacts/gauges.csv"`; or a folder pattern with
            `member=` (each folder's output.zip); or a list of task folders or archives.
        member: the member's path inside each archive (`artifacts/` may be left out).
        kind: "auto" (from the name: .csv/.tsv/.dat/... tables, .txt/.log/... text, else
            text when it decodes as UTF-8), "table", "text" or "bytes".
        tail: give the last `tail` lines of each member as text (logs).
        max_bytes: the most bytes read or inflated per member; larger members are that
            task's error, never read past it.
        progress, cancel, client, region: as for `download`.
        **read_csv: passed to `pandas.read_csv` (over the guessed sep, header, comment).

    Returns a `GatherResult`: `.frame`, `.texts` or `.contents`, and `.status` with one
    row per folder (those a wildcard matched with no archive at all "skipped"; a folder
    named in a list without one is "missing"). Raises TransferCancelled when
    cancelled, TypeError for keywords `read_csv` does not take, InvalidArgumentError for a
    pattern naming no member.
    """
    from . import default_client

    c = client if client is not None else default_client()
    if max_bytes < 1:
        raise InvalidArgumentError(f"max_bytes must be at least 1, not {max_bytes}")
    if tail is not None and tail < 0:
        raise InvalidArgumentError(f"tail must be 0 or more, not {tail}")
    if isinstance(pattern, str):
        segments, member = tg.split_pattern(pattern, member)
        archives = tg.expand(c, segments, region, cancel)
        shown = pattern
    else:
        archives, member = tg.targets_from(list(pattern), member)
        shown = f"[{len(archives)} archives]/{member}"
    wanted = tb.kind_of(member, kind, tail)
    if wanted == "table":
        tb.check_read_csv_kwargs(read_csv)
    elif read_csv:
        raise TypeError(f"read_csv keywords ({', '.join(sorted(read_csv))}) only apply to "
                        f"tables; {member} is read as {wanted}")
    named = not isinstance(pattern, str)
    targets = [_Target(task, archive, named=named)
               for task, archive in zip(tg.task_names(archives), archives, strict=True)]
    tracker = Tracker(progress, len(targets), None, "Gathering")
    try:
        run = _Run(c, targets, member, wanted, tail, max_bytes, read_csv, region, tracker,
                   cancel)
        if targets:
            run.run()
    finally:
        tracker.finish()
    if cancel is not None and cancel.cancelled:
        raise TransferCancelled("the gather was cancelled")
    return _result(targets, member, wanted, tail, shown)


def _result(targets: list[_Target], member: str, kind: str, tail: int | None,
            shown: str) -> GatherResult:
    import pandas as pd

    found = [t for t in targets if t.status == "found"]
    if kind == "auto":
        kind = tb.kind_of_data([t.data or b"" for t in found])
    texts: dict[str, str] = {}
    contents: dict[str, bytes] = {}
    for t in found:
        if kind == "table":
            continue
        if kind == "text":
            data = t.data or b""
            texts[t.task] = (rd.last_lines(data, tail) if tail is not None
                             else data.decode("utf-8", "replace"))
        else:
            contents[t.task] = t.data or b""
    frame = None
    if kind == "table":
        order = [t.task for t in targets]
        parts = []
        for t in found:
            part = t.frame.copy(deep=False)
            part.insert(0, "archive", t.archive, allow_duplicates=True)
            part.insert(0, "task", t.task, allow_duplicates=True)
            parts.append(part)
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["task", "archive"])
        del parts
        for t in found:
            t.frame = None  # the rows are in `frame` now, held once
        frame["task"] = pd.Categorical(frame["task"], categories=order)
    status = pd.DataFrame({
        "task": pd.Series([t.task for t in targets], dtype="string"),
        "archive": pd.Series([t.archive for t in targets], dtype="string"),
        "member": pd.Series([t.member.name if t.member else member for t in targets],
                            dtype="string"),
        "status": pd.Categorical([t.status for t in targets], categories=STATUSES),
        "detail": pd.Series([t.detail for t in targets], dtype="string"),
        "bytes_read": pd.Series([t.bytes_read for t in targets], dtype="int64"),
        "size": pd.Series([t.size for t in targets], dtype="Int64"),
        "rows": pd.Series([t.rows for t in targets], dtype="Int64"),
    })
    result = GatherResult(frame, texts, contents, status, kind, shown,
                          [t.task for t in targets])
    bad = sum(t.status not in ("found", SKIPPED) for t in targets)
    if bad:
        log.warning("%s (see .status)", result.summary())
    return result
