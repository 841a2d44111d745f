""""Gather from all tasks": one member of one task's archive, gathered from every task
(or from the tasks selected in the StorageBrowser's table).

`task_pattern` turns `<folders>/<task>/output.zip/<member>` into the `storage.gather`
pattern `<folders>/*/output.zip/<member>`; `task_sources` checks a list of task folders
beside it (what the view sends is not trusted). `GatherHost` is the base of the widgets
that offer it (StorageBrowser, ZipExplorer): it holds the `GatherView` in a synced trait,
and the view shows it in a panel of its own (anywidget's widget composition: the trait
travels as "anywidget:<model id>" and the view renders it with `host.getWidget`).
"""

from __future__ import annotations

import posixpath
from typing import Any

import anywidget
import traitlets

from ..storage import InvalidArgumentError, InvalidPathError
from ..storage.paths import archive_part, normalize, split_member
from ..storage.tasks import TASK_FILES, TASK_OUTPUT_ZIP
from ._rpc import rpc
from .gather_view import GatherView
from .member_calls import MemberCalls
from .previews import python_name

_GLOB = set("*?[")
PANEL_HEAD = 34  # pixels of the panel's own header, left out of the GatherView's height
MAX_TASKS = 1000  # the most task folders one "Gather from the selected tasks" names
MAX_PATH = 1024  # characters of one task folder's path (longer ones are refused unread)
ALL_TASKS = "Gathered from all tasks"


def _literal(segment: str) -> str:
    """A folder name as a glob that matches only itself (`[` → `[[]`, `*` → `[*]`)."""
    return "".join(f"[{c}]" if c in _GLOB else c for c in segment)


def task_pattern(member_path: str) -> str:
    """The `storage.gather` pattern for a member of a task archive: its task folder
    replaced by `*`, at the same depth.

        task_pattern("t1/output.zip/artifacts/x.csv")      -> "*/output.zip/artifacts/x.csv"
        task_pattern("runs/t1/output.zip/artifacts/x.csv") -> "runs/*/output.zip/artifacts/x.csv"

    Raises InvalidArgumentError for a path that is not a file inside a task folder's
    input.zip or output.zip (InvalidPathError for a malformed path).
    """
    path = normalize(member_path, allow_root=False, what="member path")
    inside = split_member(path)
    if inside is None or not inside[1].strip("/"):
        raise InvalidArgumentError(
            f"{path} is not a member of an archive: select a file inside a task's output.zip")
    archive, member = inside
    folder, name = posixpath.split(archive)
    if name not in TASK_FILES or not folder:
        raise InvalidArgumentError(
            f"{archive} is not a task archive (the {' or '.join(sorted(TASK_FILES))} of a "
            "task folder): there are no other tasks to gather its members from")
    if _GLOB & set(member):
        raise InvalidArgumentError(
            f"the member name {member!r} holds a wildcard character (* ? [), which "
            "storage.gather patterns cannot name")
    parents = [_literal(p) for p in folder.split("/")[:-1]]
    return "/".join([*parents, "*", name, member])


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}…{text[-12:]}"


def task_sources(member_path: str, tasks: object) -> tuple[list[str], str]:
    """The `storage.gather` sources and member for `member_path` gathered from `tasks`
    only: task folders beside the member's own (the same parent folder).

        task_sources("runs/t1/output.zip/x.csv", ["runs/t1", "runs/t3"])
            -> (["runs/t1", "runs/t3"], "x.csv")
        task_sources("t1/input.zip/sim/INPUT", ["t1", "t2"])
            -> (["t1/input.zip", "t2/input.zip"], "sim/INPUT")

    `tasks` may come from a view: it must be a list of at most `MAX_TASKS` folder paths,
    each normalized, none inside an archive, all in the member's task's parent folder
    (duplicates are dropped). InvalidArgumentError says what is wrong otherwise.
    """
    task_pattern(member_path)  # the member path itself: a member of a task archive
    path = normalize(member_path, allow_root=False, what="member path")
    archive, member = split_member(path) or ("", "")
    folder, name = posixpath.split(archive)
    parent = posixpath.dirname(folder)
    where = f"in {parent}/" if parent else "at the root"
    if not isinstance(tasks, (list, tuple)) or not all(isinstance(t, str) for t in tasks):
        raise InvalidArgumentError("tasks must be a list of task folder paths")
    if not tasks:
        raise InvalidArgumentError("tasks is empty: name the task folders to gather from")
    if len(tasks) > MAX_TASKS:
        raise InvalidArgumentError(f"{len(tasks):,} tasks named; at most {MAX_TASKS:,} can be "
                                   "gathered by name (use the pattern for all of them)")
    folders = []
    for i, task in enumerate(tasks):
        if len(task) > MAX_PATH:
            raise InvalidArgumentError(f"tasks[{i}] is longer than {MAX_PATH} characters")
        try:
            normal = normalize(task, allow_root=False, what="task folder")
        except InvalidPathError as exc:
            raise InvalidArgumentError(f"tasks[{i}]: {exc}") from None
        if archive_part(normal) is not None:
            raise InvalidArgumentError(f"tasks[{i}] {_short(task)} is an archive or inside "
                                       "one; name task folders")
        if posixpath.dirname(normal) != parent:
            raise InvalidArgumentError(f"tasks[{i}] {_short(task)} is not beside {folder}: "
                                       f"the tasks must be folders {where}")
        folders.append(normal)
    folders = list(dict.fromkeys(folders))
    # A folder stands for its output.zip in `storage.gather`; other archives are named.
    sources = folders if name == TASK_OUTPUT_ZIP else [f"{f}/{name}" for f in folders]
    return sources, member


class GatherHost(MemberCalls):
    """A widget whose view can show a `GatherView` of its own ("Gather from all tasks")."""

    default_python_name = "widget"  # the name hints use when no notebook variable holds it

    gather_view = anywidget.WidgetTrait().tag(sync=True)
    # WidgetTrait takes no arguments: its help is set on the instance.
    gather_view.help = "the GatherView shown in the widget's gather panel (None: no panel)"
    gather_title = traitlets.Unicode(
        ALL_TASKS, help="the gather panel's title: which tasks it gathered from").tag(sync=True)

    def _show_gather(self, member_path: str, region: str, height: int,
                     tasks: list[str] | None = None) -> GatherView:
        """Open a `GatherView` of every task's copy of `member_path` (or of the `tasks`
        named, see `task_sources`) in the panel (the one shown before is closed); `height`
        is the host widget's."""
        size = max(320, height - PANEL_HEAD)
        if tasks is None:
            view = GatherView(task_pattern(member_path), client=self.client, region=region,
                              height=size)
            title = ALL_TASKS
        else:
            sources, member = task_sources(member_path, tasks)
            view = GatherView(sources, member, client=self.client, region=region, height=size)
            n = len(sources)
            title = f"Gathered from {n} selected task{'' if n == 1 else 's'}"
        view.reached_as = lambda: f"{python_name(self, self.default_python_name)}.gather_view"
        self.close_gather()
        self.gather_title = title  # before the view: the panel shows both at once
        self.gather_view = view
        return view

    @rpc
    def close_gather(self) -> dict[str, Any]:
        """Close the gather panel: its gather is cancelled and its widget closed."""
        view, self.gather_view = self.gather_view, None
        if isinstance(view, GatherView):
            view.cancel()
            view.close()
        return {"closed": view is not None}
