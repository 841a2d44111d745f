"""Storage path rules shared by the client and the bundled server.

A storage path is relative to the user's root and `/`-separated. A single leading `/`
names the root (the `inductiva` client sends `"/"` and `"/task/"`); it is never a
filesystem root. A trailing `/` marks a folder. Everything that could escape the root or
mean two things is refused: `..`, `.`, empty segments (`a//b`), backslashes, NUL and other
control characters, drive letters.
"""

from __future__ import annotations

import re

__all__ = [
    "InvalidPath",
    "archive_part",
    "join_path",
    "safe_member_path",
    "split_path",
    "split_zip_path",
]

MAX_PATH_LENGTH = 4096
MAX_SEGMENT_BYTES = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DRIVE = re.compile(r"^[A-Za-z]:")


class InvalidPath(ValueError):
    """A storage path that is malformed or would escape the user's root."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"invalid path {path!r}: {reason}")
        self.path = path
        self.reason = reason


def split_path(path: str, *, allow_root: bool = True) -> tuple[str, ...]:
    """Validate a storage path and return its segments (`()` for the root)."""
    if not isinstance(path, str):
        raise InvalidPath(repr(path), "a path must be a string")
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidPath(path[:64] + "...", f"longer than {MAX_PATH_LENGTH} characters")
    if "\\" in path:
        raise InvalidPath(path, "backslashes are not allowed, use '/'")
    if _CONTROL.search(path):
        raise InvalidPath(path, "control characters (NUL included) are not allowed")
    if _DRIVE.match(path):
        raise InvalidPath(path, "drive letters are not allowed")
    body = path[1:] if path.startswith("/") else path
    body = body[:-1] if body.endswith("/") else body
    if body == "":
        if path.startswith("//"):
            raise InvalidPath(path, "empty path segment")
        if not allow_root:
            raise InvalidPath(path, "the storage root is not allowed here")
        return ()
    segments = tuple(body.split("/"))
    for segment in segments:
        if segment == "":
            raise InvalidPath(path, "empty path segment")
        if segment in (".", ".."):
            raise InvalidPath(path, f"'{segment}' segments are not allowed")
        if len(segment.encode("utf-8", "surrogatepass")) > MAX_SEGMENT_BYTES:
            raise InvalidPath(path, f"a segment is longer than {MAX_SEGMENT_BYTES} bytes")
    return segments


def join_path(*parts: str) -> str:
    """Join storage path parts with single slashes, dropping empty parts."""
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


def split_zip_path(path: str) -> tuple[str, str] | None:
    """Split `<folder>/<archive>.zip/<member>` into `(archive path, member path)`.

    Returns None when no segment before the last one ends with `.zip` (a plain path).
    """
    segments = split_path(path, allow_root=False)
    for i, segment in enumerate(segments[:-1]):
        if segment.lower().endswith(".zip"):
            return "/".join(segments[: i + 1]), "/".join(segments[i + 1 :])
    return None


def archive_part(path: str) -> tuple[str, str] | None:
    """`(archive, folder inside it)` when `path` is a `.zip` or lies inside one, else None.

    Unlike `split_zip_path`, the archive itself counts: `t/output.zip` gives
    `("t/output.zip", "")`.
    """
    segments = split_path(path)
    for i, segment in enumerate(segments):
        if segment.lower().endswith(".zip"):
            return "/".join(segments[: i + 1]), "/".join(segments[i + 1 :])
    return None


def safe_member_path(name: str) -> tuple[str, ...]:
    """Segments of a ZIP member name that stays inside the folder it is extracted to.

    Raises InvalidPath for absolute names, `..`, drive letters and backslashes
    (the zip-slip attack).
    """
    if name.startswith("/"):
        raise InvalidPath(name, "absolute member names are not allowed")
    return split_path(name, allow_root=False)
