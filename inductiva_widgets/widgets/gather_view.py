"""GatherView: one member gathered from many task archives, as a table, a plot and a status.

The view asks for everything it shows: a gather (with progress, cancellable), pages of the
gathered table, the series of one column per task for its line plot, and the texts of a
text member. Python holds the `GatherResult`; only pages and downsampled series travel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import traitlets

from .. import storage
from ..storage import CancelToken, GatherResult, InvalidArgumentError, StorageClient
from ._rpc import RpcWidget, bundle, rpc
from .previews import python_name

if TYPE_CHECKING:
    import pandas as pd

PAGE_ROWS = 200  # the most table rows one reply carries
SERIES_POINTS = 600  # the most points per task in the plot (evenly strided)
TEXT_BYTES = 64 * 1024  # the most characters of each task's text sent to the view


def _json_value(value: Any) -> Any:
    """A cell as JSON: numbers and strings as they are, missing values as None."""
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def gather_code(sources: str | Sequence[str], member: str | None, options: dict[str, Any]
                ) -> str:
    """The `storage.gather(...)` call that gives the same result."""
    args = [repr(sources if isinstance(sources, str) else list(sources))]
    if member:
        args.append(f"member={member!r}")
    args += [f"{k}={v!r}" for k, v in options.items()]
    return ("import inductiva_widgets.storage as storage\n\n"
            f"result = storage.gather({', '.join(args)})\n"
            "result.frame  # or result.texts; result.status has one row per task")


def _check_options(options: dict[str, Any]) -> None:
    """TypeError for an option neither `gather` nor `pandas.read_csv` takes (strict, as
    every widget's constructor)."""
    import inspect

    import pandas as pd

    known = {"kind", "tail", "max_bytes"} | set(inspect.signature(pd.read_csv).parameters)
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"GatherView got unexpected arguments: {unknown}")


class GatherView(RpcWidget):
    """One member from many archives (`storage.gather`), shown as a paged table, a line
    plot with one line per task, and each task's status.

    Args:
        pattern: as for `storage.gather`: `"<folders>/output.zip/<member>"` with wildcards,
            or a list of task folders or archives (with `member=`).
        member: the member's path in each archive, when the pattern does not name it.
        client: a `StorageClient` (default: the one from INDUCTIVA_API_URL/KEY).
        region: the archives' region ("" for the server's default).
        height: height of the widget in pixels.
        autorun: gather when first shown (else on the Gather button).
        **options: `storage.gather` options: `kind`, `tail`, `max_bytes`, and `read_csv`
            keywords.

    Python API: `result` (the `GatherResult`), `frame`, `status`, `run()`.
    """

    _esm = bundle("gather_view.js")
    _css = bundle("styles.css")
    default_python_name = "view"

    pattern = traitlets.Unicode("", help="what is gathered, as shown").tag(sync=True)
    height = traitlets.Int(460, help="height of the widget in pixels").tag(sync=True)
    autorun = traitlets.Bool(True, help="gather when first shown").tag(sync=True)
    state = traitlets.Unicode(
        "idle", help="idle, running, done, failed or cancelled").tag(sync=True)
    files_done = traitlets.Int(0, help="tasks read so far").tag(sync=True)
    files_total = traitlets.Int(0, help="tasks to read").tag(sync=True)
    bytes_done = traitlets.Int(0, help="compressed bytes read so far").tag(sync=True)
    error = traitlets.Unicode("", help='an error to show in the view ("" for none)').tag(
        sync=True)
    code = traitlets.Unicode("", help="the equivalent storage.gather call").tag(sync=True)

    def __init__(self, pattern: str | Sequence[str], member: str | None = None,
                 client: StorageClient | None = None, *, region: str = "",
                 height: int = 460, autorun: bool = True, **options: Any) -> None:
        _check_options(options)
        n = 0 if isinstance(pattern, str) else len(pattern)
        shown = pattern if isinstance(pattern, str) else f"{n} task{'' if n == 1 else 's'}"
        if member:
            shown = f"{shown} · {member}"
        super().__init__(client=client, pattern=shown, height=height, autorun=autorun)
        self._sources = pattern if isinstance(pattern, str) else list(pattern)
        self._member = member
        self._region = region or None
        self._options = options
        self._lock = threading.Lock()
        self._cancel: CancelToken | None = None
        self._result: GatherResult | None = None
        # Set by a widget that shows this view in a panel of its own: where the view is
        # reachable from the notebook ("browser.gather_view"), for the "Open as DataFrame" hint.
        self.reached_as: Callable[[], str] | None = None
        self.code = gather_code(self._sources, member,
                                {**({"region": region} if region else {}), **options})

    def __repr__(self) -> str:
        return f"GatherView({self.pattern!r}, state={self.state!r})"

    # -- Python API -----------------------------------------------------------------------------

    @property
    def result(self) -> GatherResult | None:
        """The last gather's result (None before the first one finished)."""
        return self._result

    @property
    def frame(self) -> pd.DataFrame | None:
        """The gathered table (None for text members or before a gather)."""
        return self._result.frame if self._result is not None else None

    @property
    def status(self) -> pd.DataFrame | None:
        """One row per folder: found, missing, error, cancelled or skipped, and why."""
        return self._result.status if self._result is not None else None

    def _progress(self, p: storage.TransferProgress) -> None:
        self.files_done, self.files_total, self.bytes_done = (
            p.files_done, p.files_total, p.bytes_done)

    # -- calls from the view ----------------------------------------------------------------------

    @rpc
    def run(self) -> dict[str, Any]:
        """Gather (again); returns the summary the view shows."""
        with self._lock:
            if self.state == "running":
                raise InvalidArgumentError("a gather is already running")
            self._cancel = CancelToken()
            self.state, self.error = "running", ""
            self.files_done = self.files_total = self.bytes_done = 0
        try:
            result = storage.gather(self._sources, self._member, region=self._region,
                                    progress=self._progress, cancel=self._cancel,
                                    client=self.client, **self._options)
        except storage.TransferCancelled:
            self.state = "cancelled"
            raise
        except Exception as exc:
            self.state, self.error = "failed", str(exc)
            raise
        self._result = result
        self.state = "done"
        return self.summary()

    @rpc
    def cancel(self) -> dict[str, Any]:
        """Stop the running gather (the tasks already read are dropped with it)."""
        token = self._cancel
        if token is not None:
            token.cancel()
        return {"cancelled": token is not None}

    @rpc
    def summary(self) -> dict[str, Any]:
        """What was gathered: kind, columns, numeric columns, one status row per folder
        (`skipped` says how many had no archive at all)."""
        result = self._require()
        frame = result.frame
        status = [{k: _json_value(v) for k, v in row.items()}
                  for row in result.status.to_dict("records")]
        # "9 tasks: 8 found, 1 missing · 4 folders without output.zip skipped": folders
        # with no archive are no tasks; the view shows their rows folded away.
        shown = result.counts().replace(", ", ": ", 1)
        skipped = result.skipped_note()
        if skipped:
            shown += f" · {skipped}"
        if frame is not None:
            shown += f" · {len(frame):,} rows"
        reply: dict[str, Any] = {"summary": shown, "kind": result.kind, "skipped": skipped,
                                 "status": status, "rows_total": 0, "columns": [],
                                 "numeric": [], "x": None}
        if frame is not None:
            own = [str(c) for c in frame.columns[2:]]
            numeric = [str(c) for c in frame.columns[2:]
                       if frame[c].dtype.kind in "iuf"]
            reply.update(rows_total=len(frame), columns=[str(c) for c in frame.columns],
                         numeric=numeric, x=own[0] if own else None)
        return reply

    @rpc
    def rows(self, offset: int = 0, limit: int = 50) -> dict[str, Any]:
        """Rows `offset .. offset+limit` of the gathered table (at most 200 at once)."""
        frame = self._require().frame
        if frame is None:
            raise InvalidArgumentError("this gather holds texts, not a table")
        offset, limit = max(0, int(offset)), max(1, min(int(limit), PAGE_ROWS))
        part = frame.iloc[offset : offset + limit]
        return {"offset": offset, "total": len(frame),
                "columns": [str(c) for c in frame.columns],
                "rows": [[_json_value(v) for v in row]
                         for row in part.itertuples(index=False, name=None)]}

    @rpc
    def series(self, y: str, max_points: int = SERIES_POINTS) -> dict[str, Any]:
        """Column `y` against the table's first column, one line per task.

        Longer series are cut into `max_points / 2` buckets, each kept as its lowest and
        highest point (in their order): peaks survive, and an oscillation is not aliased
        into a slower one as taking every n-th row would.
        """
        frame = self._require().frame
        if frame is None or y not in frame.columns[2:]:
            raise InvalidArgumentError(f"no column {y!r} to plot")
        x = frame.columns[2]
        buckets = max(1, int(max_points) // 2)
        lines = []
        for task, rows in frame.groupby("task", observed=True, sort=False):
            part = rows[[x, y]].reset_index(drop=True)
            if len(part) > 2 * buckets:
                values = part[y].astype("float64")
                group = part.index // -(-len(part) // buckets)
                keep = set(values.groupby(group).idxmin().dropna().astype(int))
                keep |= set(values.groupby(group).idxmax().dropna().astype(int))
                keep |= {0, len(part) - 1}  # the line spans the whole range of x
                part = part.loc[sorted(keep)]
            lines.append({"task": str(task),
                          "x": [_json_value(v) for v in part[x]],
                          "y": [_json_value(v) for v in part[y]]})
        return {"x": str(x), "y": y, "lines": lines}

    @rpc
    def texts(self) -> dict[str, Any]:
        """Each task's text (the first 64 KiB of it) for a text member."""
        result = self._require()
        return {"texts": [{"task": t, "text": s[:TEXT_BYTES], "cut": len(s) > TEXT_BYTES}
                          for t, s in result.texts.items()]}

    @rpc
    def open_frame(self) -> dict[str, Any]:
        """Where the gathered DataFrame is in the kernel (`<view>.frame`)."""
        frame = self._require().frame
        if frame is None:
            raise InvalidArgumentError("this gather holds texts, not a table")
        name = python_name(self, "")
        if not name:
            name = self.reached_as() if self.reached_as else self.default_python_name
        return {"python": f"{name}.frame", "shape": list(frame.shape)}

    def _require(self) -> GatherResult:
        if self._result is None:
            raise InvalidArgumentError("nothing gathered yet: press Gather")
        return self._result
