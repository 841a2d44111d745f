"""`gather`'s tables: what kind a member is, and how to read it into a DataFrame.

A table is CSV, TSV, `;`/`|` separated or whitespace aligned (as simulators print gauge
tables), with or without a header row, with comment lines (`#`, `%`, `!`). When there is
no header row, the names may come from the last comment line before the data when it has
as many words as the table has columns (`% Time Watlev Vel`, as SWASH writes). Every
guess is a `read_csv` keyword; keywords the caller gives win over the guesses.
"""

from __future__ import annotations

import inspect
import io
import posixpath
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["auto", "table", "text", "bytes"]
KINDS = ("auto", "table", "text", "bytes")
TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".tab", ".tbl", ".dat", ".prn", ".xyz"})
TEXT_SUFFIXES = frozenset({".txt", ".log", ".out", ".err", ".json", ".md", ".yaml", ".yml",
                           ".xml", ".ini", ".cfg", ".in", ".sh", ".py", ".html"})
TEXT_NAMES = frozenset({"stdout", "stderr", "print", "input", "readme", "makefile"})
SNIFF_BYTES = 64 * 1024
SNIFF_LINES = 50
COMMENTS = ("#", "%", "!")
SEPARATORS = (",", "\t", ";", "|")
WHITESPACE = r"\s+"
# read_csv keywords that would make it return something other than one DataFrame.
_REFUSED = frozenset({"filepath_or_buffer", "iterator", "chunksize"})


def kind_of(member: str, kind: str, tail: int | None) -> str:
    """"table", "text", "bytes", or "auto" when only the bytes can tell (see `kind_of_data`)."""
    if kind not in KINDS:
        from ._exceptions import InvalidArgumentError

        raise InvalidArgumentError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if tail is not None:
        if kind in ("table", "bytes"):
            from ._exceptions import InvalidArgumentError

            raise InvalidArgumentError(f"tail= gives text; it cannot be used with kind={kind!r}")
        return "text"
    if kind != "auto":
        return kind
    base = posixpath.basename(member).lower()
    stem, suffix = posixpath.splitext(base)
    if suffix in TABLE_SUFFIXES:
        return "table"
    if suffix in TEXT_SUFFIXES or (not suffix and stem in TEXT_NAMES):
        return "text"
    return "auto"


def kind_of_data(contents: list[bytes]) -> str:
    """"text" when every member read decodes as UTF-8, else "bytes"."""
    for data in contents:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return "bytes"
    return "text"


def check_read_csv_kwargs(kwargs: dict[str, Any]) -> None:
    """TypeError for a keyword `pandas.read_csv` does not take (before any request)."""
    if not kwargs:
        return
    import pandas as pd

    known = set(inspect.signature(pd.read_csv).parameters) - _REFUSED
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise TypeError(f"gather() got keyword arguments that pandas.read_csv does not take "
                        f"here: {', '.join(unknown)}")


def _is_number(token: str) -> bool:
    try:
        float(token.strip().strip('"').strip("'"))
    except ValueError:
        return False
    return True


def _split(line: str, sep: str) -> list[str]:
    return line.split() if sep == WHITESPACE else line.split(sep)


def sniff(data: bytes, given: dict[str, Any]) -> dict[str, Any]:
    """`read_csv` keywords guessed from the first 64 KiB (what `given` sets is not guessed)."""
    head = data[:SNIFF_BYTES].decode("utf-8", "replace")
    lines = head.splitlines()
    if len(data) > SNIFF_BYTES and lines:
        lines.pop()  # cut by the window
    options: dict[str, Any] = {}
    comment = given.get("comment")
    if "comment" not in given:
        starts = [c for c in COMMENTS for line in lines if line.lstrip().startswith(c)]
        if starts:
            comment = max(COMMENTS, key=starts.count)
            options["comment"] = comment

    def is_comment(line: str) -> bool:
        return bool(comment) and line.lstrip().startswith(comment)

    data_lines = [s for s in lines if s.strip() and not is_comment(s)][:SNIFF_LINES]
    sep = given.get("sep", given.get("delimiter"))
    if sep is None:
        sep = WHITESPACE
        for candidate in SEPARATORS:
            counts = {s.count(candidate) for s in data_lines}
            if len(counts) == 1 and counts != {0}:
                sep = candidate
                break
        options["sep"] = sep
    if "header" in given or "names" in given or not data_lines:
        return options
    first = [t for t in _split(data_lines[0], sep) if t.strip()]
    if not all(_is_number(t) for t in first):
        options["header"] = 0
        return options
    options["header"] = None
    names = _names_from_comments(lines, is_comment, comment, len(first))
    options["names"] = names or [f"col{i}" for i in range(len(first))]
    return options


def _names_from_comments(lines: list[str], is_comment: Any, comment: str | None,
                         columns: int) -> list[str] | None:
    """Column names from the comment block just before the data: its first line with as
    many words as there are columns, none of them a number."""
    block: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        if not is_comment(line):
            break
        block.append(line.lstrip()[len(comment or ""):])
    for line in block:
        words = line.split()
        if len(words) == columns and not any(_is_number(w) for w in words):
            return words
    return None


def parse(data: bytes, given: dict[str, Any]) -> pd.DataFrame:
    """One member's table: guessed keywords, overridden by `given`."""
    import pandas as pd

    options = sniff(data, given)
    options.update(given)
    if options.get("sep") == WHITESPACE and "engine" not in options:
        options["engine"] = "c"
    return pd.read_csv(io.BytesIO(data), **options)
