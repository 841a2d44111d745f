"""The code behind every "Show code": the `inductiva_widgets.storage` call that does what a
widget action did. Written here only; the views show the `code` their replies carry.

Strings are Python literals (`repr`), so any path, quote or accent gives valid code.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from typing import Any

from ..storage import implied_prefix

__all__ = [
    "HEADER", "copy", "download", "download_call", "export", "file_csv", "file_range",
    "file_tail", "for_action", "member_csv",
    "member_download", "member_range", "member_read", "member_tail", "remove", "snippet",
    "upload", "upload_call", "upload_from_url", "zip_contents",
]

HEADER = "import inductiva_widgets.storage as storage\n"


def snippet(*lines: str) -> str:
    """Lines of calls, after the import they need."""
    return HEADER + "\n".join(lines)


def _region(region: str | None) -> str:
    return f", region={region!r}" if region else ""


# -- storage actions ------------------------------------------------------------------------


def download_call(path: str, folder: str, decompress: bool = True,
                  region: str | None = None) -> str:
    return f"storage.download({path!r}, {folder!r}, decompress={decompress!r}{_region(region)})"


def upload_call(local_path: str, folder: str, region: str | None = None) -> str:
    return f"storage.upload({local_path!r}, {folder!r}{_region(region)})"


def download(paths: Sequence[str], folder: str, decompress: bool = True,
             region: str | None = None) -> str:
    return snippet(*(download_call(p, folder, decompress, region) for p in paths))


def upload(local_path: str, folder: str, region: str | None = None) -> str:
    return snippet(upload_call(local_path or "<local path>", folder, region))


def upload_from_url(url: str, folder: str, name: str = "", region: str | None = None) -> str:
    file_name = f", file_name={name!r}" if name else ""
    return snippet(f"storage.upload_from_url({url!r}, {folder!r}{file_name}{_region(region)})")


def export(path: str, bucket: str, file_name: str = "", part_size: int = 128,
           region: str | None = None) -> str:
    name = f", file_name={file_name!r}" if file_name else ""
    return snippet(f"operation = storage.export({path!r}, storage.ExportDestination.AWS_S3, "
                   f"{bucket or '<bucket>'!r}{name}, part_size={int(part_size)!r}"
                   f"{_region(region)})", "operation.wait()")


def remove(paths: Sequence[str], region: str | None = None) -> str:
    return snippet(*(f"storage.remove({p!r}{_region(region)})" for p in paths))


def copy(paths: Sequence[str], target: str, region: str | None = None) -> str:
    folder = (target or "<folder>").rstrip("/")
    return snippet(*(f"storage.copy({p!r}, {folder + '/' + posixpath.basename(p)!r}"
                     f"{_region(region)})" for p in paths))


ACTIONS: dict[str, Callable[..., str]] = {
    "download": download, "upload": upload, "upload_from_url": upload_from_url,
    "export": export, "delete": remove, "copy": copy,
}


def for_action(action: str, args: dict[str, Any]) -> str:
    """The snippet of a StorageBrowser action, from the arguments its dialog holds."""
    try:
        write = ACTIONS[action]
    except KeyError:
        raise ValueError(f"no code for action {action!r} "
                         f"(one of {', '.join(sorted(ACTIONS))})") from None
    return write(**args)


# -- members of ZIP archives ------------------------------------------------------------------


def _short(archive: str, name: str) -> str:
    """A member's name without the task archive's implied folder (as the API takes it)."""
    prefix = implied_prefix(archive)
    return name[len(prefix):] if prefix and name.startswith(prefix) else name


def member_tail(archive: str, name: str, lines: int, region: str | None = None) -> str:
    return snippet(f"storage.tail_member({archive!r}, {_short(archive, name)!r}, "
                   f"lines={lines}{_region(region)})")


def member_range(archive: str, name: str, offset: int, nbytes: int,
                 region: str | None = None) -> str:
    a, m, r = repr(archive), repr(_short(archive, name)), _region(region)
    if offset == 0:
        return snippet(f"data = storage.read_member({a}, {m}{r}, max_bytes={nbytes})")
    return snippet(f"data = storage.read_member({a}, {m}{r}, max_bytes={offset + nbytes})"
                   f"[{offset}:]")


def member_read(archive: str, name: str, region: str | None = None) -> str:
    return snippet(f"data = storage.read_member({archive!r}, {_short(archive, name)!r}"
                   f"{_region(region)})")


def member_csv(archive: str, name: str, sep: str = ",", region: str | None = None) -> str:
    sep_arg = "" if sep == "," else f", sep={sep!r}"
    return ("import io\nimport pandas as pd\n" + snippet(
        f"df = pd.read_csv(io.BytesIO(storage.read_member({archive!r}, "
        f"{_short(archive, name)!r}{_region(region)})){sep_arg})"))


def member_download(archive: str, name: str, folder: str, region: str | None = None) -> str:
    return snippet(f"storage.download({archive + '/' + name!r}, {folder!r}{_region(region)})")


def zip_contents(archive: str, region: str | None = None) -> str:
    return snippet(f"storage.get_zip_contents({archive!r}, '', recursive=True"
                   f"{_region(region)})")


# -- stored files, by byte range --------------------------------------------------------------


def file_range(path: str, offset: int, nbytes: int, region: str | None = None) -> str:
    return snippet(f"data = storage.read_range({path!r}, {offset}, {nbytes}{_region(region)})")


def file_tail(path: str, lines: int, region: str | None = None) -> str:
    return snippet(f"data, offset = storage.read_tail({path!r}, lines={lines}"
                   f"{_region(region)})")


def file_csv(path: str, sep: str = ",", nbytes: int = 1024 * 1024,
             region: str | None = None) -> str:
    sep_arg = "" if sep == "," else f", sep={sep!r}"
    return ("import io\nimport pandas as pd\n" + snippet(
        f"head = storage.read_range({path!r}, 0, {nbytes}{_region(region)})",
        f"df = pd.read_csv(io.BytesIO(head[: head.rfind(b'\\n') + 1]){sep_arg})"))
