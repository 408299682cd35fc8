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

from campaigns.errors import Invalid
from campaigns.i18n import N_

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


# --- reading a table a person uploads ----------------------------------------------------------

XLSX_MAGIC = b"PK\x03\x04"


# An uploaded CSV of named columns (journalists, conference sites) may be this big.
MAX_CSV_BYTES = 2 * 1024 * 1024


def open_csv(
    content: bytes, *, columns: Sequence[str], required: Sequence[str]
) -> tuple[csv.DictReader, list[str]]:
    """A reader of an uploaded UTF-8 CSV file's rows, and its header. Raises Invalid (field
    ``file``) for a file that cannot be read at all: empty, over 2 MB, not UTF-8, not CSV, or
    with columns missing from ``required`` or not among ``columns``."""
    if not content.strip():
        raise Invalid(N_("The file is empty."), field="file")
    if len(content) > MAX_CSV_BYTES:
        raise Invalid(N_("The file is larger than 2 MB."), field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(
            N_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."), field="file"
        ) from None
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [name.strip() for name in (reader.fieldnames or [])]
    except csv.Error:
        raise Invalid(N_("The file is not valid CSV."), field="file") from None
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name not in columns]
    if missing or unknown:
        raise Invalid(
            N_(
                "Wrong columns. Missing: %(missing)s. Unknown: %(unknown)s. Expected: %(expected)s."
            ),
            field="file",
            missing=", ".join(missing) or "—",
            unknown=", ".join(unknown) or "—",
            expected=", ".join(columns),
        )
    return reader, header


class UnreadableTable(ValueError):
    """The file is not a table Herald can read; ``reason`` says why, in words for a person:
    ``"encoding"`` (not UTF-8), ``"csv"`` (broken CSV), ``"xlsx"`` (not a readable workbook)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        # A date or date-time typed in a workbook: as ISO text, without seconds when none.
        text = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
        return text[:-3] if text.endswith(":00") and text.count(":") == 2 else text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(content: bytes, *, filename: str = "", max_rows: int) -> list[list[str]]:
    """The rows (header first) of an uploaded CSV or XLSX file, every cell as text.

    CSV: UTF-8 with or without a BOM, cells separated by commas or (as spreadsheets set to
    Vietnamese or French save them) semicolons. XLSX: the first sheet, formulas never run (the
    text of a formula cell is read as text). At most ``max_rows`` rows after the header are read
    (one more is returned when there are more, for the caller to say so). Raises UnreadableTable.
    """
    if content.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        return _read_xlsx(content, max_rows)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableTable("encoding") from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if not any(cell.strip() for cell in row):
                continue
            rows.append(row)
            if len(rows) > max_rows + 1:
                break
    except csv.Error:
        raise UnreadableTable("csv") from None
    return rows


def _read_xlsx(content: bytes, max_rows: int) -> list[list[str]]:
    from openpyxl import load_workbook  # imported on use: only uploads of workbooks need it

    try:
        # data_only=False keeps a formula as its text ("=1+1"), never its computed value.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:
        raise UnreadableTable("xlsx") from None
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True):
            row = [_xlsx_cell(value) for value in values]
            if not any(cell.strip() for cell in row):
                continue
            rows.append(row)
            if len(rows) > max_rows + 1:
                break
        return rows
    except Exception:
        raise UnreadableTable("xlsx") from None
    finally:
        workbook.close()
