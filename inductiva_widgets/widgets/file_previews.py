"""Previews of stored files (not inside an archive), by HTTP Range on their signed URL.

The same previews as members get (`previews.render_preview`: text head / next chunk /
tail, CSV head as a table, image, hex dump, and the bytes they cost), read with the public
`storage.read_range` and `storage.read_tail`: a preview never receives more than it shows
(64 KiB of text, a tail by suffix ranges, up to 1 MiB for a CSV head, 512 bytes of hex),
whatever the file's size. Only an image is read whole, up to `previews.IMAGE_CAP`.
"""

from __future__ import annotations

import posixpath
from typing import Any

from .. import storage
from ..storage import ByteMeter, StorageClient, ValidationError
from ..storage.paths import archive_part, normalize
from . import code_snippets
from .previews import CSV_MAX_HEAD, PreviewSource, check_mode, render_preview

__all__ = ["FileSource", "preview_file"]


class FileSource(PreviewSource):
    """A stored file, read by byte range."""

    def __init__(self, client: StorageClient, path: str, size: int,
                 region: str | None = None) -> None:
        self.client, self.path, self.region = client, path, region
        self.name, self.size = posixpath.basename(path), size
        self.meter = ByteMeter()

    def read(self, offset: int, nbytes: int) -> bytes:
        nbytes = max(0, min(nbytes, self.size - offset))  # nothing asked past the end
        if nbytes == 0:
            return b""
        return storage.read_range(self.path, offset, nbytes, self.region, meter=self.meter,
                                  client=self.client)

    def tail(self, lines: int, keep: int) -> tuple[bytes, int]:
        return storage.read_tail(self.path, lines, self.size, keep, self.region,
                                 meter=self.meter, client=self.client)

    def before(self, end: int, nbytes: int) -> tuple[bytes, int]:
        start = max(0, end - nbytes)
        data = self.read(start, end - start)
        cut = data.find(b"\n") if start > 0 else -1
        return (data[cut + 1 :], start + cut + 1) if cut >= 0 else (data, start)

    def read_all(self) -> bytes:
        return self.read(0, self.size)

    def code_range(self, start: int, nbytes: int) -> str:
        return code_snippets.file_range(self.path, start, nbytes, self.region)

    def code_tail(self, lines: int) -> str:
        return code_snippets.file_tail(self.path, lines, self.region)

    def code_csv(self, sep: str) -> str:
        return code_snippets.file_csv(self.path, sep, CSV_MAX_HEAD, self.region)

    def code_read(self) -> str:
        return code_snippets.file_range(self.path, 0, self.size, self.region)


def preview_file(client: StorageClient, path: str, mode: str = "auto", offset: int = 0, *,
                 region: str | None = None) -> dict[str, Any]:
    """A preview of a stored file; the reply is a member preview's, with `file` (its path)
    instead of `archive`/`member`. Modes as `previews.preview_member`."""
    check_mode(mode)
    path = normalize(path, allow_root=False)
    inside = archive_part(path)
    if inside and inside[1]:
        raise ValidationError(f"{path} is inside an archive: preview it as a member",
                              status_code=422)
    entry = storage.stat(path, region, client=client)
    if entry.get("is_directory"):
        raise ValidationError(f"{path} is a folder: there is nothing to preview",
                              status_code=422)
    size = int(entry.get("size_bytes") or 0)
    reply: dict[str, Any] = {"file": path, "size": size, "region": entry.get("region"),
                             "note": ""}
    # Read where the file is: a listing of every region says which one that is.
    where = entry.get("region") if region == "all" else region
    return render_preview(FileSource(client, path, size, where), mode, int(offset), reply)
