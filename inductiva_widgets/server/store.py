"""Users' files on local disk: path resolution, listings, atomic writes, copy and delete.

Layout: `<root>/users/<user_id>/<region>/<storage path>`, and `<root>/.tmp/` for files
being written (same filesystem, so the final `os.replace` is atomic).
"""

from __future__ import annotations

import errno
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..protocol.paths import InvalidPath, split_path
from .listing import Entry, ListingCache


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

    def __init__(self, root: Path, regions: tuple[str, ...]) -> None:
        self.root = Path(root)
        self.regions = regions
        self.users_dir = self.root / "users"
        self.tmp_dir = self.root / ".tmp"
        self.users_dir.mkdir(parents=True, exist_ok=True)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.listings = ListingCache()
        self._generation: dict[str, int] = {}
        self._totals: dict[str, tuple[int, FolderTotals]] = {}
        self._lock = threading.Lock()
        self._made: set[Path] = set()

    # -- locating -----------------------------------------------------------------

    def region_root(self, user_id: str, region: str) -> Path:
        if region not in self.regions:
            raise Invalid(f"unknown region {region!r}; this server has {', '.join(self.regions)}")
        path = self.users_dir / user_id / region
        if path not in self._made:
            path.mkdir(parents=True, exist_ok=True)
            self._made.add(path)
        return path

    def user_regions(self, user_id: str) -> list[str]:
        """Regions where the user has at least one folder."""
        base = self.users_dir / user_id
        return [r for r in self.regions if (base / r).is_dir() and any((base / r).iterdir())]

    def locate(self, user_id: str, region: str, path: str, *, allow_root: bool = True) -> Located:
        """Check a storage path and place it under the user's root (symlinks refused)."""
        try:
            segments = split_path(path, allow_root=allow_root)
        except InvalidPath as exc:
            raise Invalid(str(exc)) from None
        root = self.region_root(user_id, region)
        fs_path = root.joinpath(*segments)
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
        cached = self._totals.get(key)
        if cached and cached[0] == generation:
            return cached[1]
        size, earliest = 0, None
        for dirpath, _dirnames, filenames in os.walk(folder):
            for name in filenames:
                try:
                    st = os.lstat(os.path.join(dirpath, name))
                except FileNotFoundError:
                    continue
                size += st.st_size
                earliest = st.st_mtime if earliest is None else min(earliest, st.st_mtime)
        totals = FolderTotals(size, earliest)
        with self._lock:
            self._totals[key] = (generation, totals)
        return totals

    def used_bytes(self, user_id: str) -> int:
        base = self.users_dir / user_id
        return self.folder_totals(user_id, base).size if base.is_dir() else 0

    def files_beneath(self, loc: Located) -> list[str]:
        """Storage paths of every file at or beneath `loc`, sorted."""
        if loc.fs_path.is_file():
            return [loc.storage_path]
        if not loc.fs_path.is_dir():
            raise NotFound(f"no such file or folder: {loc.storage_path or '/'}")
        found = []
        for dirpath, dirnames, filenames in os.walk(loc.fs_path):
            dirnames.sort()
            rel = Path(dirpath).relative_to(loc.region_root).as_posix()
            for name in sorted(filenames):
                if not os.path.islink(os.path.join(dirpath, name)):
                    found.append(name if rel == "." else f"{rel}/{name}")
        return found

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
            loc.fs_path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise Conflict(
                f"cannot write {loc.storage_path}: a file is in the way of its folder"
            ) from None
        os.replace(temp, loc.fs_path)
        self._changed(user_id, loc.fs_path)

    @contextmanager
    def writer(self, user_id: str, loc: Located) -> Iterator[BinaryIO]:
        """A file object whose bytes appear under `loc` only if the block ends cleanly."""
        self.check_file_target(loc)
        temp = self._temp_path()
        try:
            with _disk_errors(), open(temp, "wb") as fh:
                yield fh
            self._install(user_id, temp, loc)
        finally:
            temp.unlink(missing_ok=True)

    def copy(
        self, user_id: str, source: Located, target: Located, *, into: bool = False
    ) -> None:
        """Copy a file or a folder (recursively) server-side.

        A file copied onto an existing folder, or with `into` (the target was written with a
        trailing `/`), lands inside it under its own name.
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
                    shutil.copyfile(source.fs_path, temp)
                    shutil.copystat(source.fs_path, temp)
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
        if target.fs_path.is_dir():
            self._merge_folder(user_id, source, target)
            return
        temp = self._temp_path()
        try:
            with _disk_errors():
                shutil.copytree(source.fs_path, temp, symlinks=False,
                                ignore=_ignore_symlinks)
            self._install(user_id, temp, target)
        finally:
            if temp.exists():
                shutil.rmtree(temp, ignore_errors=True)

    def _merge_folder(self, user_id: str, source: Located, target: Located) -> None:
        for rel in self.files_beneath(source):
            sub = rel.split("/")[len(source.segments) :]
            self.copy(
                user_id,
                Located(tuple(rel.split("/")), source.region_root.joinpath(rel),
                        source.region_root),
                Located(target.segments + tuple(sub), target.fs_path.joinpath(*sub),
                        target.region_root),
            )

    def delete(self, user_id: str, loc: Located) -> None:
        """Remove a file or a folder; a folder vanishes at once, then is cleaned up."""
        if not loc.segments:
            raise Invalid("refusing to delete the whole storage root; delete folders one by one")
        if loc.fs_path.is_file():
            loc.fs_path.unlink()
        elif loc.fs_path.is_dir():
            trash = self._temp_path()
            os.replace(loc.fs_path, trash)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            raise NotFound(f"no such file or folder: {loc.storage_path}")
        self._changed(user_id, loc.fs_path)

    def install_file(self, user_id: str, temp: Path, loc: Located) -> None:
        """Move a file written elsewhere in `tmp_dir` to `loc` (used by remote fetches)."""
        self.check_file_target(loc)
        self._install(user_id, temp, loc)

    def new_temp(self) -> Path:
        return self._temp_path()


def _ignore_symlinks(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if os.path.islink(os.path.join(folder, n))]


@contextmanager
def _disk_errors() -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull("the server's disk is full; nothing was written") from exc
        raise
