""""Gather from the N selected tasks": the StorageBrowser remembers the last selection of two
or more sibling folders in its table, while the user opens one of them and its archive.

The memory is Python's (the view only shows what a preview reply offers): the `selected`
trait says which rows are selected, the pages served say which of them are folders, and
the `path` trait says where the user is. It is forgotten when the user goes outside the
folders' parent, and replaced by the next selection of two or more folders or files there
(a selection inside an archive, of members, leaves it alone).
"""

from __future__ import annotations

import posixpath
import threading
from collections.abc import Iterable
from typing import Any

from ..storage.paths import archive_part
from ..storage.tasks import TASK_FILES
from .gather_entry import MAX_TASKS

KNOWN_ROWS = 20_000  # the most rows whose folder-or-not is remembered (then started over)


def _inside(path: str, parent: str) -> bool:
    here = "" if path in ("", "/") else path.strip("/")
    return not parent or here == parent or here.startswith(f"{parent}/")


class TaskSelection:
    """The remembered selection of sibling task folders, and what a preview may offer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dirs: dict[str, bool] = {}  # row path -> is a folder, from the pages served
        self._parent = ""
        self._tasks: list[str] = []

    @property
    def tasks(self) -> list[str]:
        """The folders remembered ([] when none are)."""
        return list(self._tasks)

    def seen(self, rows: Iterable[dict[str, Any]]) -> None:
        """Rows sent to the view: which paths are folders."""
        with self._lock:
            for row in rows:
                if len(self._dirs) >= KNOWN_ROWS:
                    self._dirs.clear()
                self._dirs[row["path"]] = bool(row["is_dir"])

    def select(self, paths: list[str]) -> None:
        """The table's selection changed: two or more folders side by side are remembered."""
        if len(paths) < 2 or any((archive_part(p) or ("", ""))[1] for p in paths):
            return  # one row (opening a folder selects it), or members of an archive
        parents = {posixpath.dirname(p) for p in paths}
        with self._lock:
            folders = all(self._dirs.get(p) for p in paths)
            if folders and len(parents) == 1 and len(paths) <= MAX_TASKS:
                self._parent, self._tasks = parents.pop(), list(dict.fromkeys(paths))
            else:
                self._parent, self._tasks = "", []

    def follow(self, path: str) -> None:
        """The browser shows `path`: outside the folders' parent, they are forgotten."""
        if self._tasks and not _inside(path, self._parent):
            self._parent, self._tasks = "", []

    def offer(self, archive: str, member: str) -> dict[str, Any] | None:
        """The `open_gather` arguments for "Gather from the N selected tasks", when `archive`
        is a task archive of one of the remembered folders (None otherwise)."""
        folder, name = posixpath.split(archive)
        tasks = self._tasks
        if name not in TASK_FILES or folder not in tasks:
            return None
        return {"path": f"{archive}/{member}", "tasks": list(tasks)}
