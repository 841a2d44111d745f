"""Folder trees on disk, walked without recursion and without following symbolic links.

Users can build trees thousands of levels deep (each upload may add a level), so every walk
here keeps its own stack: Python's recursion limit, hit by `os.walk`, `shutil.rmtree` and
`shutil.copytree` on such trees, must never turn into a 500. Symbolic links are skipped,
never followed, at every level. Files are created 0600 and folders 0700: storage is private
to the server's account.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def walk_files(top: Path) -> Iterator[tuple[str, os.stat_result]]:
    """`(relative posix path, lstat)` of every regular file beneath `top`, sorted per folder.

    `top` itself must be a real folder (not a link); links beneath it are skipped.
    """
    stack: list[tuple[str, str]] = [("", os.fspath(top))]
    while stack:
        rel, folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                items = sorted(it, key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            continue  # removed or replaced while we walked
        subfolders = []
        for item in items:
            try:
                st = item.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            name = f"{rel}/{item.name}" if rel else item.name
            if stat.S_ISREG(st.st_mode):
                yield name, st
            elif stat.S_ISDIR(st.st_mode):
                subfolders.append((name, item.path))
        # Reversed so that the stack pops them in name order.
        stack.extend(reversed(subfolders))


def walk_dirs(top: Path) -> Iterator[str]:
    """Every folder beneath `top` (relative posix paths), parents before children."""
    stack = [("", os.fspath(top))]
    while stack:
        rel, folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                subs = [(f"{rel}/{e.name}" if rel else e.name, e.path) for e in it
                        if e.is_dir(follow_symlinks=False)]
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name, path in subs:
            yield name
            stack.append((name, path))


def remove_tree(top: Path) -> None:
    """Delete a folder and everything in it (links are removed, never followed)."""
    top = os.fspath(top)
    if not os.path.lexists(top):
        return
    if not os.path.isdir(top) or os.path.islink(top):
        os.unlink(top)
        return
    # Depth-first by hand: remove files as we go, then folders deepest first.
    folders = [top]
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                items = list(it)
        except FileNotFoundError:
            continue
        for item in items:
            if item.is_dir(follow_symlinks=False):
                folders.append(item.path)
                stack.append(item.path)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(item.path)
    for folder in reversed(folders):
        with contextlib.suppress(FileNotFoundError):
            os.rmdir(folder)


def copy_tree(source: Path, target: Path) -> list[str]:
    """Copy the files and folders beneath `source` into a new folder `target`.

    Returns the relative paths of the files copied. Links are skipped. On any error the
    caller removes `target`.
    """
    os.mkdir(target, DIR_MODE)
    for rel in walk_dirs(source):
        os.mkdir(os.path.join(target, rel), DIR_MODE)
    copied = []
    for rel, _st in walk_files(source):
        copy_file(Path(source, rel), Path(target, rel))
        copied.append(rel)
    return copied


def copy_file(source: Path, target: Path) -> None:
    """Copy one file's bytes and times to a new private file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    read_flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    with open(os.open(source, read_flags), "rb") as src, \
            open(os.open(target, flags, FILE_MODE), "wb") as dst:
        shutil.copyfileobj(src, dst, 1024 * 1024)
    st = os.stat(source)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))


def open_new_private(path: Path):
    """A new file, readable and writable by the server's account only."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return open(os.open(path, flags, FILE_MODE), "wb")


def make_private(top: Path) -> int:
    """Set files to 0600 and folders to 0700 beneath `top`; returns how many changed."""
    changed = 0
    for rel, st in walk_files(top):
        if stat.S_IMODE(st.st_mode) != FILE_MODE:
            try:
                os.chmod(os.path.join(top, rel), FILE_MODE, follow_symlinks=False)
                changed += 1
            except (FileNotFoundError, NotImplementedError):
                pass
    for rel in walk_dirs(top):
        path = os.path.join(top, rel)
        try:
            if stat.S_IMODE(os.lstat(path).st_mode) != DIR_MODE:
                os.chmod(path, DIR_MODE)
                changed += 1
        except FileNotFoundError:
            pass
    return changed
