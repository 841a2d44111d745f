""""Gather from all tasks": one member of one task's archive, gathered from every task.

`task_pattern` turns `<folders>/<task>/output.zip/<member>` into the `storage.gather`
pattern `<folders>/*/output.zip/<member>`. `GatherHost` is the base of the widgets that
offer it (StorageBrowser, ZipExplorer): it holds the `GatherView` in a synced trait, and
the view shows it in a panel of its own (anywidget's widget composition: the trait travels
as "anywidget:<model id>" and the view renders it with `host.getWidget`).
"""

from __future__ import annotations

import posixpath
from typing import Any

import anywidget

from ..storage import InvalidArgumentError
from ..storage.paths import normalize, split_member
from ..storage.tasks import TASK_FILES
from ._rpc import RpcWidget, rpc
from .gather_view import GatherView
from .previews import python_name

_GLOB = set("*?[")
PANEL_HEAD = 34  # pixels of the panel's own header, left out of the GatherView's height


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


class GatherHost(RpcWidget):
    """A widget whose view can show a `GatherView` of its own ("Gather from all tasks")."""

    default_python_name = "widget"  # the name hints use when no notebook variable holds it

    gather_view = anywidget.WidgetTrait().tag(sync=True)
    # WidgetTrait takes no arguments: its help is set on the instance.
    gather_view.help = "the GatherView shown in the widget's gather panel (None: no panel)"

    def _show_gather(self, member_path: str, region: str, height: int) -> GatherView:
        """Open a `GatherView` of every task's copy of `member_path` in the panel (the one
        shown before is closed); `height` is the host widget's."""
        view = GatherView(task_pattern(member_path), client=self.client, region=region,
                          height=max(320, height - PANEL_HEAD))
        view.reached_as = lambda: f"{python_name(self, self.default_python_name)}.gather_view"
        self.close_gather()
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
