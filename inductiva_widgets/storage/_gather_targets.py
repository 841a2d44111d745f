"""`gather`'s targets: which archives a pattern or a list names, and each one's task name.

A wildcard segment of a pattern costs one folder listing per matching parent; literal
segments cost nothing (an archive that is not there is reported by the gather itself).
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Sequence

from . import paths
from ._client import StorageClient
from ._exceptions import InvalidArgumentError, NotFoundError
from ._progress import CancelToken
from .tasks import TASK_OUTPUT_ZIP

__all__ = ["expand", "split_pattern", "targets_from", "task_names"]

_GLOB = set("*?[")


def split_pattern(pattern: str, member: str | None) -> tuple[list[str], str]:
    """(segments of the archive glob, member) from `<glob>.zip/<member>` or `<folder glob>`
    with `member=` (the folders' output.zip)."""
    segments = [s for s in pattern.strip().strip("/").split("/") if s]
    zips = [i for i, s in enumerate(segments) if s.lower().endswith(".zip")]
    if zips:
        cut = zips[0] + 1
        inner = "/".join(segments[cut:])
        if inner and member:
            raise InvalidArgumentError(f"the pattern {pattern!r} names a member already; "
                                       "leave member= out")
        member = inner or member
        segments = segments[:cut]
    else:
        segments = [*segments, TASK_OUTPUT_ZIP]
    if not member:
        raise InvalidArgumentError(f"name the member: '<folder>/output.zip/<member>' or "
                                   f"member=... (got {pattern!r})")
    if _GLOB & set(member):
        raise InvalidArgumentError(f"the member {member!r} must be a plain path (wildcards "
                                   "go in the folders)")
    return segments, paths.normalize(member, allow_root=False, what="member")


def expand(client: StorageClient, segments: list[str], region: str | None,
            cancel: CancelToken | None) -> list[str]:
    """Archive paths matching the segments: each wildcard segment is one folder listing
    (per matching parent); literal segments cost nothing."""
    prefixes = [""]
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if not _GLOB & set(segment):
            paths.normalize(segment, allow_root=False, what="pattern")
            prefixes = [f"{p}/{segment}" if p else segment for p in prefixes]
            continue
        found = []
        for prefix in prefixes:
            if cancel is not None:
                cancel.check()
            try:
                entries = list(client.iter_contents(prefix or "/", sort_by="name",
                                                    order="asc", region=region))
            except NotFoundError:
                continue
            found += [f"{prefix}/{e['name']}" if prefix else e["name"] for e in entries
                      if bool(e.get("is_directory")) != last
                      and fnmatch.fnmatchcase(e["name"], segment)]
        prefixes = sorted(found)
    return prefixes


def targets_from(sources: Sequence[str], member: str | None) -> tuple[list[str], str]:
    """Archives and member from a list of task folders, archives (with `member=`), or
    member paths (`<folder>/output.zip/<member>`, all naming the same member)."""
    archives = []
    for source in sources:
        inside = paths.split_member(source)
        if inside is not None:
            archive, named = inside
            if member and named.strip("/") != member.strip("/"):
                raise InvalidArgumentError(f"{source!r} names another member than "
                                           f"member={member!r}")
            member = member or named
            archives.append(paths.normalize(archive, allow_root=False, what="archive"))
            continue
        path = paths.normalize(source, allow_root=False, what="folder or archive")
        archives.append(path if path.lower().endswith(".zip")
                        else f"{path}/{TASK_OUTPUT_ZIP}")
    if not member:
        raise InvalidArgumentError("with a list of folders or archives, name the member= "
                                   "to gather")
    return list(dict.fromkeys(archives)), paths.normalize(member, allow_root=False,
                                                          what="member")


def task_names(archives: list[str]) -> list[str]:
    """Each archive's folder; the archive's own path where folders repeat."""
    folders = [posixpath.dirname(a) or a for a in archives]
    if len(set(folders)) == len(folders):
        return folders
    return [a[: -len(".zip")] if a.lower().endswith(".zip") else a for a in archives]
