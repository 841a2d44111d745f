"""Previews of single members of remote ZIP archives (and, through `PreviewSource`, of
stored files: `file_previews`): presentation only.

What kind a member is (`preview_kinds`), its head / next chunk / tail as text, a CSV head
as a typed table, an image as a `data:` URL, a hex dump of anything else, and how many
bytes the preview cost. All reading (by byte range, bounded, counted, cached) is the
client's: `storage.MemberReader` for members, `storage.read_range` for files.

`MemberPreviews` is the small helper a widget holds to serve them to its view (its `@rpc`
methods `preview`, `member_frame` and `download_member` delegate to it).
"""

from __future__ import annotations

import base64
import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import storage
from ..storage import (
    ByteMeter,
    Member,
    MemberReader,
    StorageClient,
    ValidationError,
    method_name,
)
from . import code_snippets
from .preview_kinds import (  # noqa: F401 - _utf8_cut and looks_binary: the tests' names
    CSV_ROWS,
    IMAGE_TYPES,
    SNIFF_BYTES,
    _chunk_end,
    _csv_sep,
    _ext,
    _utf8_cut,
    csv_table,
    hexdump,
    looks_binary,
    member_kind,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CSV_ROWS", "HEAD_BYTES", "HEX_BYTES", "IMAGE_CAP", "TAIL_KEEP", "TAIL_LINES",
    "MemberPreviews", "hexdump", "member_dataframe", "member_kind", "method_name",
    "preview_member", "python_name",
]

HEAD_BYTES = 64 * 1024  # one text chunk ("Load more" fetches the next one)
TAIL_LINES = 200  # the default view of a log
TAIL_KEEP = 256 * 1024  # at most this much text is kept for a tail
CSV_MAX_HEAD = 1024 * 1024  # read up to this much to find CSV_ROWS complete rows
IMAGE_CAP = 20 * 1024 * 1024  # images larger than this are not inlined
HEX_BYTES = 512
# A log's tail must inflate a compressed member from its start; above these, show its start.
AUTO_TAIL_MAX_COMPRESSED = 32 * 1024 * 1024
AUTO_TAIL_MAX_SIZE = 256 * 1024 * 1024  # declared; a lie is caught as soon as it is passed


# -- previews -------------------------------------------------------------------------------------


MODES = ("auto", "head", "more", "tail", "earlier")


class PreviewSource:
    """What a preview reads: one member of an archive, or one stored file (`file_previews`).

    Every read is by byte range and counted in `meter`; the `code_*` methods give the
    storage call that reads the same bytes ("Show code").
    """

    name: str  # its name, to tell its kind by
    size: int  # uncompressed bytes
    meter: ByteMeter
    noun = "file"
    costly_tail = False  # its end can only be reached by reading all of it

    def read(self, offset: int, nbytes: int) -> bytes:
        raise NotImplementedError

    def tail(self, lines: int, keep: int) -> tuple[bytes, int]:
        raise NotImplementedError

    def before(self, end: int, nbytes: int) -> tuple[bytes, int]:
        raise NotImplementedError

    def read_all(self) -> bytes:
        raise NotImplementedError

    def code_range(self, start: int, nbytes: int) -> str:
        raise NotImplementedError

    def code_tail(self, lines: int) -> str:
        raise NotImplementedError

    def code_csv(self, sep: str) -> str:
        raise NotImplementedError

    def code_read(self) -> str:
        raise NotImplementedError


class MemberSource(PreviewSource):
    """A member of a remote archive, read with the widget's `MemberReader`."""

    noun = "member"

    def __init__(self, reader: MemberReader, member: Member, archive: str) -> None:
        self.reader, self.member, self.archive = reader, member, archive
        self.name, self.size = member.name, member.info.size or 0
        self.meter = ByteMeter()
        heavy = (member.compressed_size > AUTO_TAIL_MAX_COMPRESSED
                 or self.size > AUTO_TAIL_MAX_SIZE)
        self.costly_tail = bool(member.info.compress_type) and heavy

    def read(self, offset: int, nbytes: int) -> bytes:
        return self.reader.read(self.member, offset, nbytes, meter=self.meter)

    def tail(self, lines: int, keep: int) -> tuple[bytes, int]:
        return self.reader.tail(self.member, lines, keep, meter=self.meter)

    def before(self, end: int, nbytes: int) -> tuple[bytes, int]:
        return self.reader.before(self.member, end, nbytes, meter=self.meter)

    def read_all(self) -> bytes:
        return self.reader.read_all(self.member, meter=self.meter)

    def code_range(self, start: int, nbytes: int) -> str:
        return code_snippets.member_range(self.archive, self.name, start, nbytes,
                                          self.member.region)

    def code_tail(self, lines: int) -> str:
        return code_snippets.member_tail(self.archive, self.name, lines, self.member.region)

    def code_csv(self, sep: str) -> str:
        return code_snippets.member_csv(self.archive, self.name, sep, self.member.region)

    def code_read(self) -> str:
        return code_snippets.member_read(self.archive, self.name, self.member.region)


def preview_member(reader: MemberReader, archive: str, member: str | Member,
                   mode: str = "auto", offset: int = 0, *, region: str | None = None,
                   archive_size: int | None = None) -> dict[str, Any]:
    """A preview of one member, by byte range only; see the module doc for the reply's shape.

    mode: "auto" (a log's tail, anything else's head), "head", "more" (the text chunk at
    uncompressed `offset`), "tail" (the last TAIL_LINES lines), "earlier" (the text chunk
    ending at `offset`).
    """
    check_mode(mode)
    located = member if isinstance(member, Member) else reader.locate(archive, member, region)
    if archive_size is None:
        archive_size = reader.archive_size(archive, located.region)
    info = located.info
    reply: dict[str, Any] = {
        "archive": archive, "member": located.name, "size": info.size,
        "compressed_size": located.compressed_size, "compress_type": info.compress_type,
        "method": method_name(info.compress_type), "archive_size": archive_size,
        "note": "",
    }
    return render_preview(MemberSource(reader, located, archive), mode, offset, reply)


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValidationError(f"unknown preview mode {mode!r} (one of {', '.join(MODES)})",
                              status_code=422)


def render_preview(src: PreviewSource, mode: str, offset: int, reply: dict[str, Any]
                   ) -> dict[str, Any]:
    """Fill `reply` with the preview of `src` (its kind, its bytes, what they cost)."""
    check_mode(mode)
    kind = member_kind(src.name)
    sniffed = None  # the first bytes, when the name could not tell the kind
    if kind is None or _ext(src.name) == ".dat":
        sniffed = src.read(0, SNIFF_BYTES)
        kind = member_kind(src.name, sniffed)
    if mode in ("more", "tail", "earlier") and kind in ("csv", "binary", "image"):
        kind = "text"  # asked for explicitly: a CSV's (or anything's) raw text

    if kind == "image":
        reply.update(_image(src))
    elif kind == "binary":
        head = sniffed[:HEX_BYTES] if sniffed is not None else src.read(0, HEX_BYTES)
        reply.update(kind="binary", mode="head", hex=hexdump(head), head_bytes=len(head),
                     code=src.code_range(0, HEX_BYTES))
    elif kind == "csv" and mode in ("auto", "head"):
        reply.update(_csv(src))
    else:
        is_log = kind == "log"
        if mode == "auto":
            mode = "tail" if is_log else "head"
            if is_log and src.costly_tail:
                mode = "head"
                reply["note"] = ("Showing the start: the end of a compressed member can only "
                                 f"be reached by reading all of it ({src.size:,} bytes).")
        reply.update(_text(src, mode, offset, sniffed))
        reply["log"] = is_log
    reply["bytes_fetched"] = src.meter.n
    if src.size == 0:
        reply["note"] = reply.get("note") or f"This {src.noun} is empty."
    return reply


def _text(src: PreviewSource, mode: str, offset: int, sniffed: bytes | None = None
          ) -> dict[str, Any]:
    size = src.size
    if mode == "tail":
        data, start = src.tail(TAIL_LINES, TAIL_KEEP)
        end = size
        code = src.code_tail(TAIL_LINES)
    elif mode == "earlier":
        end = max(0, min(int(offset), size))
        data, start = src.before(end, HEAD_BYTES)
        code = src.code_range(start, end - start)
    else:
        start = 0 if mode == "head" else max(0, min(int(offset), size))
        known = sniffed if start == 0 and sniffed is not None else b""
        data = known + src.read(start + len(known), HEAD_BYTES - len(known))
        data = data[: _chunk_end(data, start + len(data) >= size)]
        end = start + len(data)
        code = src.code_range(start, HEAD_BYTES)
    return {"kind": "text", "mode": mode, "text": data.decode("utf-8", "replace"),
            "offset": start, "next_offset": end, "at_start": start == 0, "eof": end >= size,
            "code": code}


def _csv(src: PreviewSource) -> dict[str, Any]:
    size = src.size
    want = HEAD_BYTES
    while True:
        data = src.read(0, want)
        complete = len(data) >= size
        if complete or data.count(b"\n") > CSV_ROWS + 1 or want >= CSV_MAX_HEAD:
            break
        want *= 4
    sep = _csv_sep(src.name, data)
    table = csv_table(data, sep, complete)
    used = len(data) if complete else data.rfind(b"\n") + 1
    return {"kind": "csv", "mode": "head", "sep": sep, **table, "head_bytes": used,
            "complete": complete, "offset": 0, "next_offset": used,
            "code": src.code_csv(sep)}


def _image(src: PreviewSource) -> dict[str, Any]:
    mime = IMAGE_TYPES[_ext(src.name)]
    code = src.code_read()
    if src.size > IMAGE_CAP:
        return {"kind": "image", "mode": "full", "mime": mime, "data_url": None,
                "too_large": True, "code": code,
                "note": f"Not shown: images above {IMAGE_CAP // (1024 * 1024)} MiB are not "
                        f"inlined; download the {src.noun} instead."}
    data = src.read_all()
    encoded = base64.b64encode(data).decode("ascii")
    return {"kind": "image", "mode": "full", "mime": mime, "too_large": False,
            "data_url": f"data:{mime};base64,{encoded}", "code": code}


def member_dataframe(reader: MemberReader, archive: str, member: str | Member, *,
                     region: str | None = None, meter: ByteMeter | None = None
                     ) -> pd.DataFrame:
    """A whole CSV/TSV member as a pandas DataFrame (only the member's bytes are fetched)."""
    import pandas as pd

    located = member if isinstance(member, Member) else reader.locate(archive, member, region)
    data = reader.read_all(located, meter=meter)
    sep = _csv_sep(located.name, data[:SNIFF_BYTES])
    try:
        return pd.read_csv(io.BytesIO(data), sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
            ValueError) as exc:
        raise ValidationError(f"{located.name} cannot be read as CSV: {exc}",
                              status_code=422) from None


# -- the widget helper ------------------------------------------------------------------------


def python_name(widget: object, default: str) -> str:
    """The notebook variable holding `widget`, for "explorer.frames[...]" hints."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            for key, value in list(shell.user_ns.items()):
                if value is widget and not key.startswith("_"):
                    return key
    except Exception:  # noqa: BLE001 - only a hint
        pass
    return default


class MemberPreviews:
    """The member preview calls a widget's view makes, held by the widget.

    The widget's `@rpc` methods `preview`, `member_frame` and `download_member` delegate
    here in a line. Everything the helper needs is passed in:

    Args:
        client: returns the `StorageClient` to read with (asked when first needed).
        region: returns the region to read from (None for the server's default).
        python_name: returns the notebook variable holding the widget (for hints).
        on_frame: called with a member's name once its DataFrame is in `frames`.
        on_download_folder: called with the folder a member was downloaded into.
        locate: optional `(archive, member) -> Member | None`, for members the widget
            already knows (None: look the member up in the archive).
        archive_size: optional `(archive) -> int | None`, the same for archive sizes.
    """

    def __init__(self, *, client: Callable[[], StorageClient],
                 region: Callable[[], str | None], python_name: Callable[[], str],
                 on_frame: Callable[[str], None], on_download_folder: Callable[[str], None],
                 locate: Callable[[str, str], Member | None] | None = None,
                 archive_size: Callable[[str], int | None] | None = None) -> None:
        self._client = client
        self._region = region
        self._python_name = python_name
        self._on_frame = on_frame
        self._on_download_folder = on_download_folder
        self._known_member = locate
        self._known_size = archive_size
        self._reader: MemberReader | None = None
        self._reader_lock = threading.Lock()
        #: DataFrames opened with "Open as DataFrame" (or `dataframe()`), by member name.
        self.frames: dict[str, pd.DataFrame] = {}

    @property
    def reader(self) -> MemberReader:
        """The ranged, cached member reader (made on first use, with the client then)."""
        with self._reader_lock:
            if self._reader is None:
                self._reader = MemberReader(self._client())
            return self._reader

    def clear(self) -> None:
        """Forget cached member lists and bytes (after an archive changed)."""
        self.reader.clear()

    def locate(self, archive: str, member: str) -> Member:
        found = self._known_member(archive, member) if self._known_member else None
        return found if found is not None else self.reader.locate(archive, member,
                                                                   self._region())

    def archive_size(self, archive: str) -> int | None:
        if self._known_size is not None:
            size = self._known_size(archive)
            if size is not None:
                return size
        return self.reader.archive_size(archive, self._region())

    def preview(self, archive: str, member: str, mode: str = "auto",
                offset: int = 0) -> dict[str, Any]:
        """A preview of `member` of `archive` (see `preview_member`)."""
        return preview_member(self.reader, archive, self.locate(archive, member), mode,
                              int(offset), region=self._region(),
                              archive_size=self.archive_size(archive))

    def dataframe(self, archive: str, member: str,
                  meter: ByteMeter | None = None) -> tuple[Member, pd.DataFrame]:
        """A whole CSV/TSV member as a DataFrame, also kept in `frames[name]`."""
        located = self.locate(archive, member)
        frame = member_dataframe(self.reader, archive, located, region=self._region(),
                                 meter=meter)
        self.frames[located.name] = frame
        self._on_frame(located.name)
        return located, frame

    def member_frame(self, archive: str, member: str) -> dict[str, Any]:
        """Read a whole CSV/TSV member into `frames[name]`; returns its shape and dtypes."""
        meter = ByteMeter()
        located, frame = self.dataframe(archive, member, meter)
        python = f"{self._python_name()}.frames[{located.name!r}]"
        return {"name": located.name, "python": python, "shape": list(frame.shape),
                "columns": [str(c) for c in frame.columns],
                "dtypes": [str(t) for t in frame.dtypes], "bytes_fetched": meter.n,
                "code": code_snippets.member_csv(archive, located.name,
                                                 _csv_sep(located.name, b""), self._region())}

    def download_member(self, archive: str, member: str,
                        folder: str = "./downloads") -> dict[str, Any]:
        """Download one member into the kernel-side `folder`; returns the local path."""
        located = self.locate(archive, member)
        folder = folder.strip() or "./downloads"
        paths = storage.download(f"{archive}/{located.name}", folder,
                                 region=self._region(), client=self._client())
        local = Path(paths[0]).resolve()
        self._on_download_folder(folder)
        return {"path": str(local), "size": local.stat().st_size,
                "bytes_fetched": located.compressed_size,
                "code": code_snippets.member_download(archive, located.name, folder,
                                                      self._region())}
