"""What kind a previewed file is, and how its bytes are shown: presentation only.

By name first (extension, well-known names), then by sniffing the first bytes; a hex dump
of anything binary, a CSV head as a typed table. Shared by member and file previews
(`previews`, `file_previews`).
"""

from __future__ import annotations

import io
import posixpath
from typing import Any

from ..storage import ValidationError

__all__ = ["CSV_ROWS", "SNIFF_BYTES", "csv_table", "hexdump", "looks_binary", "member_kind"]

CSV_ROWS = 50  # rows shown of a CSV preview
SNIFF_BYTES = 4096

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

