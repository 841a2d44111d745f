"""The text `listdir` and `get_space_used` print, line for line as `inductiva.storage`.

Units, date format, `n/a` for unknown cells, the bold header and the summary lines are the
reference's, so that a user who swaps the import sees the same output. The table is drawn
by `tabulate` with the reference's own table format.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from typing import Any

from tabulate import DataRow, TableFormat, tabulate

from ._feedback import in_kernel

_FORMAT = TableFormat(lineabove=None, linebelowheader=None, linebetweenrows=None,
                      linebelow=None, headerrow=DataRow("", "   ", ""),
                      datarow=DataRow("", "   ", ""), padding=0, with_header_hide=None)
_BOLD, _RESET = "\033[1m", "\033[0m"
CURRENCY_SYMBOL = "US$"


def format_bytes(n_bytes: int | float | None) -> str | None:
    """`12.35 MB`-style sizes in powers of 1000, as the reference; None stays None."""
    if n_bytes is None:
        return None
    value = float(n_bytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1000
    return f"{value:.2f} PB"


def format_time(value: datetime | None) -> str | None:
    """`29/09, 14:12:00`: the reference's date format (as the API sent it, UTC)."""
    return value.strftime("%d/%m, %H:%M:%S") if value is not None else None


def format_currency(amount: float) -> str:
    """`0.0012 US$`: two significant decimals below 0.1, else two decimals."""
    if amount == 0:
        return f"0 {CURRENCY_SYMBOL}"
    decimals = f"{amount:.15f}".split(".")[1]
    first = next((i for i, digit in enumerate(decimals) if digit != "0"), 10)
    if amount < 0.1:
        return f"{amount:.{max(2, first + 2)}f} {CURRENCY_SYMBOL}"
    return f"{amount:.2f} {CURRENCY_SYMBOL}"


def _ansi() -> bool:
    """Bold headers where the reference uses them: notebooks and terminals."""
    if os.environ.get("INDUCTIVA_DISABLE_ANSI", "").lower() in ("1", "true", "yes", "on"):
        return False
    return in_kernel() or (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())


def contents_table(rows: list[dict[str, Any]]) -> str:
    """The listing table, a blank line above and below, indented by one space."""
    bold = _ansi()
    headers = [f"{_BOLD}{h.upper()}{_RESET}" if bold else h.upper()
               for h in ("Name", "Size", "Creation Time", "Provider", "Region")]
    data = [[r["name"], format_bytes(r["size"]), format_time(r["creation_time"]),
             r["provider"], r["region"]] for r in rows]
    table = tabulate(data, headers=headers, missingval="n/a", numalign="left",
                     tablefmt=_FORMAT)
    return "\n" + " " + table.replace("\n", "\n ") + "\n"


def listing_summary(count: int, order_by: str, region: str | None,
                    available: list[str]) -> list[str]:
    """The lines printed after the table."""
    return [f"Listed {count} folder(s). Ordered by {order_by}.\n"
            "Use --max-results/-m to control the number of results displayed.",
            f"\nCurrent region(s): {region}",
            f"\nYou have storage in the following regions: {', '.join(available)}"]


def size_and_cost(used_bytes: int, monthly_cost: float) -> list[str]:
    """The storage summary `listdir` and `get_space_used` print."""
    return ["\nTotal storage size used across all regions:",
            f"\tVolume: {format_bytes(used_bytes)}",
            f"\tCost: {format_currency(monthly_cost)}/month\n"]
