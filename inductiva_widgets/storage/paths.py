"""Storage paths as the client checks them: one place, one error type.

Wraps the rules shared with the server (`inductiva_widgets.protocol.paths`) so that every
refusal is an `InvalidPathError` (a `StorageError` and a `ValueError`), whichever function
or widget the path came through. A path is checked once, on its way down; the functions
below take and return normalised paths (no leading or trailing `/`).
"""

from __future__ import annotations

from pathlib import Path

from ..protocol import paths as _rules
from ._exceptions import InvalidPathError, UnsafeArchiveError

__all__ = ["archive_part", "join", "local_target", "normalize", "segments", "split_member"]


def _refuse(exc: _rules.InvalidPath, what: str, path: object) -> InvalidPathError:
    return InvalidPathError(f"invalid {what}: {exc.reason} ({path!r})", status=422)


def segments(path: str, *, allow_root: bool = True, what: str = "path") -> tuple[str, ...]:
    """The checked segments of a storage path (`()` for the root)."""
    try:
        return _rules.split_path(path, allow_root=allow_root)
    except _rules.InvalidPath as exc:
        raise _refuse(exc, what, path) from None


def normalize(path: str, *, allow_root: bool = True, what: str = "path") -> str:
    """A checked storage path without leading or trailing slash (`""` for the root)."""
    return "/".join(segments(path, allow_root=allow_root, what=what))


def join(*parts: str) -> str:
    """Join path parts with single slashes, dropping empty parts (not checked)."""
    return _rules.join_path(*parts)


def split_member(path: str) -> tuple[str, str] | None:
    """`(archive, member)` for `<folder>/<archive>.zip/<member>`, else None."""
    try:
        return _rules.split_zip_path(path)
    except _rules.InvalidPath as exc:
        raise _refuse(exc, "path", path) from None


def archive_part(path: str) -> tuple[str, str] | None:
    """`(archive, folder inside it)` when `path` is a `.zip` or lies inside one, else None."""
    try:
        return _rules.archive_part(path)
    except _rules.InvalidPath as exc:
        raise _refuse(exc, "path", path) from None


def local_target(local_dir: Path, relative: str) -> Path:
    """Where `relative` (a storage or member path) lands under `local_dir`; never outside."""
    try:
        return local_dir.joinpath(*_rules.safe_member_path(relative))
    except _rules.InvalidPath as exc:
        raise UnsafeArchiveError(f"refusing to write {relative!r} outside {local_dir}") from exc
