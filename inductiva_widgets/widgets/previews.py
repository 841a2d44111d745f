"""Previews of single members of remote ZIP archives: presentation only.

What kind a member is (by name, then by sniffing), its head / next chunk / tail as text, a
CSV head as a typed table, an image as a `data:` URL, a hex dump of anything else, and how
many bytes of the archive the preview cost. All reading (by byte range, bounded, counted,
cached) is the client's `storage.MemberReader`.

`MemberPreviews` is the small helper a widget holds to serve them to its view (its `@rpc`
methods `preview`, `member_frame` and `download_member` delegate to it).
"""

from __future__ import annotations

import base64
import io
import posixpath
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
CSV_ROWS = 50  # rows shown of a CSV preview
CSV_MAX_HEAD = 1024 * 1024  # read up to this much to find CSV_ROWS complete rows
IMAGE_CAP = 20 * 1024 * 1024  # images larger than this are not inlined
HEX_BYTES = 512
SNIFF_BYTES = 4096
# A log's tail must inflate a compressed member from its start; above these, show its start.
AUTO_TAIL_MAX_COMPRESSED = 32 * 1024 * 1024
AUTO_TAIL_MAX_SIZE = 256 * 1024 * 1024  # declared; a lie is caught as soon as it is passed

TEXT_EXTENSIONS = {
    ".txt", ".log", ".out", ".err", ".md", ".rst", ".json", ".yaml", ".yml", ".toml", ".ini",
    ".cfg", ".conf", ".xml", ".html", ".htm", ".py", ".sh", ".c", ".h", ".cpp", ".f90",
    ".f", ".m", ".jl", ".r", ".js", ".ts", ".tex", ".gro", ".top", ".itp", ".mdp", ".pdb",
    ".dep", ".bot", ".xyz", ".stl", ".obj", ".hdr", ".inp", ".in", ".sif", ".geo", ".msh",
    ".foam", ".dict", ".cmd", ".bat", ".tcl", ".lammps", ".ndx", ".tbl",
}
TEXT_NAMES = {"readme", "print", "makefile", "license", "controldict", "fvschemes",
              "fvsolution", "blockmeshdict", "params", "input"}
LOG_NAMES = {"stdout.txt", "stderr.txt", "output.log", "stdout", "stderr"}
LOG_EXTENSIONS = {".log", ".err", ".out"}
CSV_EXTENSIONS = {".csv": ",", ".tsv": "\t"}
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp"}
BINARY_EXTENSIONS = {
    ".bin", ".gz", ".bz2", ".xz", ".zip", ".tar", ".tgz", ".7z", ".h5", ".hdf5",
    ".nc", ".npy", ".npz", ".pkl", ".pickle", ".exe", ".so", ".o", ".a", ".dll", ".pdf",
    ".xtc", ".trr", ".tpr", ".edr", ".cpt", ".vtu", ".vtp", ".pvd", ".mp4", ".avi",
}


# -- kinds and rendering --------------------------------------------------------------------------


def _ext(name: str) -> str:
    base = posixpath.basename(name).lower()
    return posixpath.splitext(base)[1]


def looks_binary(head: bytes) -> bool:
    """A NUL, or too many control characters, in the first bytes."""
    sample = head[:SNIFF_BYTES]
    if b"\x00" in sample:
        return True
    if not sample:
        return False
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return control / len(sample) > 0.1


def member_kind(name: str, head: bytes | None = None) -> str:
    """"log", "text", "csv", "image" or "binary": by name first, then by sniffing `head`.

    None means the name cannot tell and the first bytes are needed.
    """
    base = posixpath.basename(name).lower()
    ext = _ext(name)
    if ext in IMAGE_TYPES:
        return "image"
    if ext in CSV_EXTENSIONS:
        return "csv"
    if base in LOG_NAMES or ext in LOG_EXTENSIONS:
        return "log"
    if ext == ".dat" and head is not None and not looks_binary(head):
        first = next((ln for ln in head.splitlines() if ln.strip()
                      and not ln.lstrip().startswith(b"#")), b"")
        return "csv" if b"," in first else "text"
    if ext in BINARY_EXTENSIONS:
        return "binary"
    if head is None:
        if ext in TEXT_EXTENSIONS or base in TEXT_NAMES:
            return "text"
        return None  # type: ignore[return-value]
    return "binary" if looks_binary(head) else "text"


def _utf8_cut(data: bytes) -> int:
    """A length <= len(data) that does not split a UTF-8 sequence."""
    cut = len(data)
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:
            continue
        if byte & 0x80:  # a lead byte: is its sequence complete?
            need = 2 if byte & 0xE0 == 0xC0 else 3 if byte & 0xF0 == 0xE0 else 4
            if back < need:
                cut = len(data) - back
        break
    return cut


def _chunk_end(data: bytes, at_eof: bool) -> int:
    """Where a text chunk should stop: after its last newline (whole lines), if any."""
    if at_eof:
        return len(data)
    newline = data.rfind(b"\n")
    return newline + 1 if newline >= 0 else _utf8_cut(data)


def hexdump(data: bytes, base: int = 0) -> str:
    """Classic 16-bytes-a-line hex and ASCII dump."""
    lines = []
    for i in range(0, len(data), 16):
        row = data[i : i + 16]
        hexes = " ".join(f"{b:02x}" for b in row)
        hexes = f"{hexes[:23]} {hexes[23:]}" if len(row) > 8 else hexes
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
        lines.append(f"{base + i:08x}  {hexes:<48}  |{text}|")
    return "\n".join(lines)


def _csv_sep(name: str, head: bytes) -> str:
    return CSV_EXTENSIONS.get(_ext(name), ",")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "NaN" if value != value else repr(value)
    return str(value)


def csv_table(data: bytes, sep: str, complete: bool, rows: int = CSV_ROWS) -> dict[str, Any]:
    """The first `rows` rows of CSV bytes, typed by pandas; a partial last line is dropped."""
    import pandas as pd

    if not complete:
        newline = data.rfind(b"\n")
        data = data[: newline + 1] if newline >= 0 else b""
    try:
        frame = pd.read_csv(io.BytesIO(data), sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
            ValueError) as exc:
        raise ValidationError(f"cannot read the start of this member as CSV: {exc}",
                              status_code=422) from None
    shown = frame.head(rows)
    return {
        "columns": [str(c) for c in frame.columns],
        "dtypes": [str(t) for t in frame.dtypes],
        "rows": [[_cell(v) for v in row] for row in shown.itertuples(index=False, name=None)],
        "rows_shown": len(shown),
        "rows_parsed": len(frame),
    }


# -- previews -------------------------------------------------------------------------------------


MODES = ("auto", "head", "more", "tail", "earlier")


def preview_member(reader: MemberReader, archive: str, member: str | Member,
                   mode: str = "auto", offset: int = 0, *, region: str | None = None,
                   archive_size: int | None = None) -> dict[str, Any]:
    """A preview of one member, by byte range only; see the module doc for the reply's shape.

    mode: "auto" (a log's tail, anything else's head), "head", "more" (the text chunk at
    uncompressed `offset`), "tail" (the last TAIL_LINES lines), "earlier" (the text chunk
    ending at `offset`).
    """
    if mode not in MODES:
        raise ValidationError(f"unknown preview mode {mode!r} (one of {', '.join(MODES)})",
                              status_code=422)
    located = member if isinstance(member, Member) else reader.locate(archive, member, region)
    if archive_size is None:
        archive_size = reader.archive_size(archive, located.region)
    info = located.info
    meter = ByteMeter()
    size = info.size or 0
    reply: dict[str, Any] = {
        "archive": archive, "member": located.name, "size": info.size,
        "compressed_size": located.compressed_size, "compress_type": info.compress_type,
        "method": method_name(info.compress_type), "archive_size": archive_size,
        "note": "",
    }
    kind = member_kind(located.name)
    sniffed = None  # the first bytes, when the name could not tell the kind
    if kind is None or _ext(located.name) == ".dat":
        sniffed = reader.head(located, SNIFF_BYTES, meter=meter)
        kind = member_kind(located.name, sniffed)
    if mode in ("more", "tail", "earlier") and kind in ("csv", "binary", "image"):
        kind = "text"  # asked for explicitly: a CSV's (or anything's) raw text

    if kind == "image":
        reply.update(_image(reader, located, meter))
    elif kind == "binary":
        head = sniffed[:HEX_BYTES] if sniffed is not None else reader.head(
            located, HEX_BYTES, meter=meter)
        reply.update(kind="binary", mode="head", hex=hexdump(head), head_bytes=len(head),
                     code=code_snippets.member_range(archive, located.name, 0, HEX_BYTES,
                                                     located.region))
    elif kind == "csv" and mode in ("auto", "head"):
        reply.update(_csv(reader, located, archive, meter))
    else:
        is_log = kind == "log"
        if mode == "auto":
            mode = "tail" if is_log else "head"
            heavy = located.compressed_size > AUTO_TAIL_MAX_COMPRESSED or size > AUTO_TAIL_MAX_SIZE
            if is_log and info.compress_type and heavy:
                mode = "head"
                reply["note"] = ("Showing the start: the end of a compressed member can only "
                                 f"be reached by reading all of it ({size:,} bytes).")
        reply.update(_text(reader, located, archive, mode, offset, meter, sniffed))
        reply["log"] = is_log
    reply["bytes_fetched"] = meter.n
    if size == 0:
        reply["note"] = reply["note"] or "This member is empty."
    return reply


def _text(reader: MemberReader, member: Member, archive: str, mode: str, offset: int,
          meter: ByteMeter, sniffed: bytes | None = None) -> dict[str, Any]:
    size, region = member.info.size or 0, member.region
    if mode == "tail":
        data, start = reader.tail(member, TAIL_LINES, TAIL_KEEP, meter=meter)
        end = size
        code = code_snippets.member_tail(archive, member.name, TAIL_LINES, region)
    elif mode == "earlier":
        end = max(0, min(int(offset), size))
        data, start = reader.before(member, end, HEAD_BYTES, meter=meter)
        code = code_snippets.member_range(archive, member.name, start, end - start, region)
    else:
        start = 0 if mode == "head" else max(0, min(int(offset), size))
        known = sniffed if start == 0 and sniffed is not None else b""
        data = known + reader.read(member, start + len(known), HEAD_BYTES - len(known),
                                   meter=meter)
        data = data[: _chunk_end(data, start + len(data) >= size)]
        end = start + len(data)
        code = code_snippets.member_range(archive, member.name, start, HEAD_BYTES, region)
    return {"kind": "text", "mode": mode, "text": data.decode("utf-8", "replace"),
            "offset": start, "next_offset": end, "at_start": start == 0, "eof": end >= size,
            "code": code}


def _csv(reader: MemberReader, member: Member, archive: str, meter: ByteMeter
         ) -> dict[str, Any]:
    size, region = member.info.size or 0, member.region
    want = HEAD_BYTES
    while True:
        data = reader.head(member, want, meter=meter)
        complete = len(data) >= size
        if complete or data.count(b"\n") > CSV_ROWS + 1 or want >= CSV_MAX_HEAD:
            break
        want *= 4
    sep = _csv_sep(member.name, data)
    table = csv_table(data, sep, complete)
    used = len(data) if complete else data.rfind(b"\n") + 1
    return {"kind": "csv", "mode": "head", "sep": sep, **table, "head_bytes": used,
            "complete": complete, "offset": 0, "next_offset": used,
            "code": code_snippets.member_csv(archive, member.name, sep, region)}


def _image(reader: MemberReader, member: Member, meter: ByteMeter) -> dict[str, Any]:
    mime = IMAGE_TYPES[_ext(member.name)]
    size = member.info.size or 0
    code = code_snippets.member_read(member.archive, member.name, member.region)
    if size > IMAGE_CAP:
        return {"kind": "image", "mode": "full", "mime": mime, "data_url": None,
                "too_large": True, "code": code,
                "note": f"Not shown: images above {IMAGE_CAP // (1024 * 1024)} MiB are not "
                        "inlined; download the member instead."}
    data = reader.read_all(member, meter=meter)
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
