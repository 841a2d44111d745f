"""Users' files on local disk: path resolution, listings, atomic writes, copy and delete.

Layout: `<root>/users/<user_id>/<region>/<storage path>`, and `<root>/.tmp/` for files
being written (same filesystem, so the final `os.replace` is atomic).
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..protocol.paths import InvalidPath, split_path
from . import fstree
from .listing import Entry, ListingCache

log = logging.getLogger("inductiva_widgets.server")
# Longest on-disk path the kernel takes (PATH_MAX includes the final NUL).
PATH_MAX = os.pathconf("/", "PC_PATH_MAX") if hasattr(os, "pathconf") else 4096


class StoreError(Exception):
    """A storage operation that cannot be done; `status` is the HTTP status to answer."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(StoreError):
    status = 404


class Conflict(StoreError):
    status = 409


class Invalid(StoreError):
    status = 422


class DiskFull(StoreError):
    status = 507


class Forbidden(StoreError):
    status = 403


@dataclass(frozen=True)
class Located:
    """A storage path checked and placed on disk."""

    segments: tuple[str, ...]
    fs_path: Path
    region_root: Path

    @property
    def storage_path(self) -> str:
        return "/".join(self.segments)


@dataclass(frozen=True)
class FolderTotals:
    size: int
    earliest: float | None


class Store:
    """All users' storage under one root folder."""

    def __init__(self, root: Path, regions: tuple[str, ...], *, max_totals: int = 10_000) -> None:
        self.root = Path(root)
        self.regions = regions
        self.users_dir = self.root / "users"
        self.tmp_dir = self.root / ".tmp"
        for folder in (self.root, self.users_dir, self.tmp_dir):
            folder.mkdir(mode=fstree.DIR_MODE, parents=True, exist_ok=True)
            # Private on every start, also when an older version made them world-readable.
            os.chmod(folder, fstree.DIR_MODE)
        self._clean_temp()
        self.listings = ListingCache()
        self._generation: dict[str, int] = {}
        self._totals: OrderedDict[str, tuple[int, FolderTotals]] = OrderedDict()
        self._max_totals = max_totals
        self._lock = threading.Lock()
        # Files stored by older versions may be 0644: fix them without delaying the start
        # (the root is already 0700, so nobody else can reach them meanwhile).
        threading.Thread(target=fstree.make_private, args=(self.users_dir,), daemon=True,
                         name="storage-modes").start()

    def _clean_temp(self) -> None:
        """Drop what a crash left half-written: nothing in the temp area is ever final."""
        removed = 0
        with os.scandir(self.tmp_dir) as it:
            for item in list(it):
                fstree.remove_tree(Path(item.path))
                removed += 1
        if removed:
            log.info("removed %d unfinished item(s) left in the temp area", removed)

    # -- locating -----------------------------------------------------------------

    def region_root(self, user_id: str, region: str) -> Path:
        """The user's folder for `region`, made if missing; a symbolic link there is refused."""
        if region not in self.regions:
            raise Invalid(f"unknown region {region!r}; this server has {', '.join(self.regions)}")
        path = self.users_dir / user_id / region
        for level in (path.parent, path):
            try:
                mode = os.lstat(level).st_mode
            except FileNotFoundError:
                level.mkdir(mode=fstree.DIR_MODE, exist_ok=True)
                continue
            if not stat.S_ISDIR(mode):
                # Checked on every request: a link swapped in later must not be followed.
                log.warning("refusing storage folder that is not a plain folder: %s", level)
                raise Forbidden("this storage is not available: one of its folders on the "
                                "server is a symbolic link or a file, which is never followed")
        return path

    def user_regions(self, user_id: str) -> list[str]:
        """Regions where the user has at least one folder (links never count)."""
        base = self.users_dir / user_id
        found = []
        for region in self.regions:
            try:
                if not stat.S_ISDIR(os.lstat(base / region).st_mode):
                    continue
                with os.scandir(base / region) as it:
                    if next(it, None) is not None:
                        found.append(region)
            except (FileNotFoundError, NotADirectoryError):
                continue
        return found

    def locate(self, user_id: str, region: str, path: str, *, allow_root: bool = True) -> Located:
        """Check a storage path and place it under the user's root (symlinks refused)."""
        try:
            segments = split_path(path, allow_root=allow_root)
        except InvalidPath as exc:
            raise Invalid(str(exc)) from None
        root = self.region_root(user_id, region)
        fs_path = root.joinpath(*segments)
        # The temp name beside it is longer than the path itself; keep room for it.
        if len(os.fsencode(fs_path)) + 64 >= PATH_MAX:
            raise Invalid(f"invalid path {path[:64]!r}...: too long for the server's filesystem "
                          f"(at most about {PATH_MAX - 64 - len(os.fsencode(root))} bytes)")
        # Walk the existing part of the path: a symlink anywhere could lead outside the root.
        probe = root
        for segment in segments:
            probe = probe / segment
            if probe.is_symlink():
                raise Invalid(f"invalid path {path!r}: it goes through a symbolic link")
            if not probe.exists():
                break
        return Located(segments, fs_path, root)

    # -- reading ------------------------------------------------------------------

    def listing(self, loc: Located, sort_by: str) -> tuple[list[Entry], bool]:
        """Entries of a folder sorted ascending, or the one entry of a file.

        The flag tells whether `loc` is a folder.
        """
        if loc.fs_path.is_dir():
            return self.listings.sorted_entries(loc.fs_path, sort_by), True
        if loc.fs_path.is_file():
            st = loc.fs_path.stat()
            return [Entry(loc.fs_path.name, False, st.st_size, st.st_mtime)], False
        raise NotFound(f"no such file or folder: {loc.storage_path or '/'}")

    def folder_totals(self, user_id: str, folder: Path) -> FolderTotals:
        """Total bytes and earliest file time beneath a folder, cached until the next write."""
        key = str(folder)
        generation = self._generation.get(user_id, 0)
        with self._lock:
            cached = self._totals.get(key)
            if cached and cached[0] == generation:
                self._totals.move_to_end(key)
                return cached[1]
        size, earliest = 0, None
        for _rel, st in fstree.walk_files(folder):
            size += st.st_size
            earliest = st.st_mtime if earliest is None else min(earliest, st.st_mtime)
        totals = FolderTotals(size, earliest)
        with self._lock:
            self._totals[key] = (generation, totals)
            while len(self._totals) > self._max_totals:
                self._totals.popitem(last=False)
        return totals

    def used_bytes(self, user_id: str) -> int:
        base = self.users_dir / user_id
        try:
            if not stat.S_ISDIR(os.lstat(base).st_mode):
                return 0
        except FileNotFoundError:
            return 0
        return self.folder_totals(user_id, base).size

    def files_beneath(self, loc: Located) -> Iterator[str]:
        """Storage paths of every file at or beneath `loc`, sorted; links are skipped."""
        if loc.fs_path.is_file():
            yield loc.storage_path
            return
        if not loc.fs_path.is_dir():
            raise NotFound(f"no such file or folder: {loc.storage_path or '/'}")
        prefix = loc.storage_path + "/" if loc.segments else ""
        for rel, _st in fstree.walk_files(loc.fs_path):
            yield prefix + rel

    def file(self, loc: Located) -> Path:
        if not loc.fs_path.is_file():
            raise NotFound(f"no such file: {loc.storage_path}")
        return loc.fs_path

    # -- writing ------------------------------------------------------------------

    def _changed(self, user_id: str, *paths: Path) -> None:
        with self._lock:
            self._generation[user_id] = self._generation.get(user_id, 0) + 1
        for path in paths:
            self.listings.invalidate(path.parent)
            self.listings.invalidate(path)

    def check_file_target(self, loc: Located) -> None:
        if len(loc.segments) < 2:
            raise Invalid(
                f"invalid path {loc.storage_path!r}: files must be inside a folder "
                "(the storage root holds folders only)"
            )
        if loc.fs_path.is_dir():
            raise Conflict(f"{loc.storage_path} is a folder; a file cannot replace it")

    def _temp_path(self) -> Path:
        return self.tmp_dir / f"{uuid.uuid4().hex}.part"

    def _install(self, user_id: str, temp: Path, loc: Located) -> None:
        """Move a finished temp file or folder to its final name in one step."""
        try:
            _make_parents(loc.fs_path.parent, loc.region_root)
            os.replace(temp, loc.fs_path)
        except (FileExistsError, NotADirectoryError):
            raise Conflict(
                f"cannot write {loc.storage_path}: a file is in the way of its folder"
            ) from None
        except OSError as exc:
            if exc.errno in (errno.EISDIR, errno.ENOTEMPTY, errno.EEXIST):
                # Another request made a folder of that name while this one was writing.
                raise Conflict(f"cannot write {loc.storage_path}: a folder of that name "
                               "appeared meanwhile; nothing was replaced") from None
            raise
        self._changed(user_id, loc.fs_path)

    @contextmanager
    def writer(self, user_id: str, loc: Located) -> Iterator[BinaryIO]:
        """A file object whose bytes appear under `loc` only if the block ends cleanly."""
        self.check_file_target(loc)
        temp = self._temp_path()
        try:
            with _disk_errors(), fstree.open_new_private(temp) as fh:
                yield fh
            self._install(user_id, temp, loc)
        finally:
            temp.unlink(missing_ok=True)

    def copy(
        self, user_id: str, source: Located, target: Located, *, into: bool = False
    ) -> None:
        """Copy a file or a folder (recursively) server-side.

        A file copied onto an existing folder, or with `into` (the target was written with a
        trailing `/`), lands inside it under its own name. Everything is first copied into
        the temp area, so a full disk or a crash while copying leaves no part of it under
        the target; only the final renames (no data moved) happen one file at a time when
        a folder is merged into an existing one.
        """
        if not source.segments:
            raise Invalid("cannot copy the whole storage root")
        if source.fs_path.is_file():
            if into or target.fs_path.is_dir():
                target = Located(
                    target.segments + (source.segments[-1],),
                    target.fs_path / source.segments[-1],
                    target.region_root,
                )
            self.check_file_target(target)
            temp = self._temp_path()
            try:
                with _disk_errors():
                    fstree.copy_file(source.fs_path, temp)
                self._install(user_id, temp, target)
            finally:
                temp.unlink(missing_ok=True)
            return
        if not source.fs_path.is_dir():
            raise NotFound(f"no such file or folder: {source.storage_path}")
        if not target.segments:
            raise Invalid("the target of a folder copy must be a folder path, not the root")
        if target.segments[: len(source.segments)] == source.segments:
            raise Invalid(f"cannot copy {source.storage_path} into itself")
        if target.fs_path.is_file():
            raise Conflict(f"{target.storage_path} is a file; a folder cannot replace it")
        temp = self._temp_path()
        try:
            with _disk_errors():
                copied = fstree.copy_tree(source.fs_path, temp)
            if target.fs_path.is_dir():
                self._merge_staged(user_id, temp, copied, target)
            else:
                self._install(user_id, temp, target)
        finally:
            fstree.remove_tree(temp)

    def _merge_staged(self, user_id: str, staged: Path, files: list[str],
                      target: Located) -> None:
        """Move staged files into an existing folder, after checking that all of them fit."""
        for rel in files:
            dest = target.fs_path.joinpath(rel)
            if dest.is_dir():
                raise Conflict(f"cannot copy into {target.storage_path}: "
                               f"{target.storage_path}/{rel} is a folder; nothing was copied")
            parent = dest.parent
            while parent != target.fs_path:
                if parent.exists() and not parent.is_dir():
                    raise Conflict(f"cannot copy into {target.storage_path}: a file is in the "
                                   "way of one of the folders; nothing was copied")
                parent = parent.parent
        for rel in files:
            segments = tuple(rel.split("/"))
            self._install(user_id, staged.joinpath(rel),
                          Located(target.segments + segments, target.fs_path.joinpath(*segments),
                                  target.region_root))

    def delete(self, user_id: str, loc: Located) -> None:
        """Remove a file or a folder; a folder vanishes at once, then is cleaned up."""
        if not loc.segments:
            raise Invalid("refusing to delete the whole storage root; delete folders one by one")
        if loc.fs_path.is_file():
            loc.fs_path.unlink()
        elif loc.fs_path.is_dir():
            trash = self._temp_path()
            os.replace(loc.fs_path, trash)
            # Whatever a crash leaves here is removed at the next start.
            fstree.remove_tree(trash)
        else:
            raise NotFound(f"no such file or folder: {loc.storage_path}")
        self._changed(user_id, loc.fs_path)

    def install_file(self, user_id: str, temp: Path, loc: Located) -> None:
        """Move a file written elsewhere in `tmp_dir` to `loc` (used by remote fetches)."""
        self.check_file_target(loc)
        self._install(user_id, temp, loc)

    def new_temp(self) -> Path:
        return self._temp_path()


def _make_parents(folder: Path, region_root: Path) -> None:
    """Create the missing folders between the region root and `folder`, private."""
    missing = []
    while folder != region_root and not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        try:
            os.mkdir(path, fstree.DIR_MODE)
        except FileExistsError:
            if not path.is_dir():
                raise


@contextmanager
def _disk_errors() -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull("the server's disk is full; nothing was written") from exc
        raise
