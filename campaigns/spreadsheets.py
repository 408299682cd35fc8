"""Every table Herald hands to a spreadsheet (CSV, XLSX) goes through here, so that no cell is
ever read as a formula.

Spreadsheets (Excel, LibreOffice, Google Sheets) run a cell that starts with ``=``, ``+``,
``-`` or ``@`` as a formula, and some also after a leading tab, carriage return or line feed,
or with the full-width forms of those signs. A trip title ``=HYPERLINK("http://…","Click")``
or a headline ``=cmd|' /C calc'!A0`` typed by anyone would run on the machine of whoever opens
the export. Such text cells get a leading ``'``: the spreadsheet shows the text as typed.
Numbers stay numbers (a negative reach is a number, not a formula).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Control characters an XLSX file may not hold (openpyxl refuses them): a title typed with a
# stray vertical tab would otherwise make the whole export fail. Tab and line ends stay.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet may show it: text that would start a formula gets a ``'``,
    and control characters no spreadsheet can hold are dropped."""
    if not isinstance(value, str):
        return value
    value = CONTROL_CHARACTERS.sub("", value)
    if value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(cell) for cell in row]


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as one CSV file, every cell made safe, UTF-8 with a BOM (so spreadsheets read
    Vietnamese right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(safe_row(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
