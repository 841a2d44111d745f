"""Text formatting shared by the generated logs, decks and metadata."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def iso(t: datetime) -> str:
    """``t`` as ISO 8601 to the second, as the metadata stores times."""
    return t.isoformat(timespec="seconds")


def ctime(t: datetime) -> str:
    """``t`` in C ``ctime`` style (``Mon Nov 24 12:00:00 2026``), as simulators print dates.

    Built by hand because %a/%b follow the process locale and would break determinism.
    """
    return f"{_DAY_NAMES[t.weekday()]} {MONTH_NAMES[t.month - 1]} {t.day:2d} {t:%H:%M:%S} {t.year}"


def fill_template(template: str, **values: object) -> str:
    """Substitute ``<<name>>`` markers; decks are full of braces, so str.format does not fit."""
    for key, value in values.items():
        template = template.replace(f"<<{key}>>", str(value))
    return template


def join_lines(lines: Sequence[str]) -> str:
    """The lines joined into one text, each ending in a newline."""
    return "\n".join(lines) + "\n"
