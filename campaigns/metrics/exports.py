"""One report, four forms: the printable page reads it, and this module writes it as PDF, CSV
and XLSX. The campaign report and the unit period report both describe themselves as a
``Document`` and call the writers here; nothing here knows what a campaign or a unit is.

API (everything a report needs):

``Document(title, locale, subtitle="", notes=[], figures=[], blocks=[], labels=Labels(...))``
    ``figures`` are the key numbers as ``Figure(label, value, note="")``; ``blocks`` are, in
    order, ``Table(title, header, rows, note="")`` and ``charts.Chart`` objects. A cell is
    text, ``int``, ``float``, ``Decimal``, ``date``, ``Percent`` (a fraction, shown 12.5 %) or
    ``None``, which means "not available" and is written as ``labels.not_available`` — never 0.
    ``labels`` carries the few words the writers print themselves, already translated.
``document_pdf(document) -> bytes``
    A4 PDF: title, subtitle, notes, the key figures as a two-column table, then each block;
    charts are drawn with fpdf2 primitives (``charts.draw``) and followed by their numbers.
    Vietnamese (and any script of ``press.typefaces``) prints.
``document_csv(document) -> bytes``
    Every table (key figures first, then tables and charts as tables), separated by a blank
    line and headed by its title; UTF-8 with BOM; cells made formula-safe.
``document_xlsx(document) -> bytes``
    One sheet for the key figures and one per table or chart; numbers stay numbers with a
    grouped format, percentages as percentages, "not available" as text.
``format_cell(value, locale, not_available) -> str``
    How a cell reads on a page (the HTML view uses it too, so every form reads the same).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent, get_group_symbol

from campaigns.metrics import charts
from campaigns.spreadsheets import csv_bytes, safe_row


class Percent(float):
    """A fraction shown as a percentage (0.125 → 12.5 %)."""


Cell = str | int | float | Decimal | date | Percent | None


@dataclass(frozen=True)
class Figure:
    label: str
    value: Cell
    note: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    note: str = ""


@dataclass(frozen=True)
class Labels:
    """The words the writers print themselves, in the document's language."""

    not_available: str = "not available"
    figure: str = "Figure"
    value: str = "Value"
    note: str = "Note"
    key_figures: str = "Key figures"
    label: str = "Label"
    page: str = "Page"


Block = Table | charts.Chart


@dataclass
class Document:
    title: str
    locale: str = "en"
    subtitle: str = ""
    notes: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    labels: Labels = field(default_factory=Labels)

    def tables(self) -> list[Table]:
        """The key figures and every block as tables, in order (charts give their numbers)."""
        result = []
        if self.figures:
            result.append(
                Table(
                    self.labels.key_figures,
                    [self.labels.figure, self.labels.value, self.labels.note],
                    [[f.label, f.value, f.note] for f in self.figures],
                )
            )
        for block in self.blocks:
            result.append(
                block.table(self.labels.label) if isinstance(block, charts.Chart) else block
            )
        return result


def format_cell(value: Cell, locale: str, not_available: str) -> str:
    """``value`` as text in ``locale``: grouped numbers, percentages, dates; None is
    ``not_available``."""
    if value is None:
        return not_available
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Percent):
        return format_percent(float(value), "#,##0.0 %", locale=locale)
    if isinstance(value, int):
        # Whole numbers are most of a report's cells: grouped here, with the locale's own
        # separator, rather than by Babel's general formatter (ten times slower).
        return f"{value:,}".replace(",", _group_symbol(locale))
    if isinstance(value, Decimal):
        return format_decimal(value, locale=locale)
    if isinstance(value, float):
        return format_decimal(round(value, 2), locale=locale)
    if isinstance(value, datetime):
        return format_date(value.date(), "medium", locale=locale)
    if isinstance(value, date):
        return format_date(value, "medium", locale=locale)
    return str(value)


@lru_cache(maxsize=32)
def _group_symbol(locale: str) -> str:
    return get_group_symbol(locale)


# --- CSV ---------------------------------------------------------------------------------------


def _plain(value: Cell, labels: Labels) -> Any:
    if value is None:
        return labels.not_available
    if isinstance(value, Percent):
        return round(float(value), 6)
    return value


def document_csv(document: Document) -> bytes:
    rows: list[list[Any]] = [[document.title]]
    if document.subtitle:
        rows.append([document.subtitle])
    rows += [[note] for note in document.notes]
    for table in document.tables():
        rows += [[], [table.title], list(table.header)]
        rows += [[_plain(cell, document.labels) for cell in row] for row in table.rows]
        if table.note:
            rows.append([table.note])
    return csv_bytes(rows)


# --- XLSX --------------------------------------------------------------------------------------

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", title).strip()[:28] or "Sheet"
    name, number = base, 2
    while name.lower() in taken:
        name, number = f"{base[:25]} ({number})", number + 1
    taken.add(name.lower())
    return name


def document_xlsx(document: Document) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for table in document.tables():
        sheet = workbook.create_sheet(_sheet_title(table.title, taken))
        sheet.append(safe_row([table.title]))
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append(safe_row(table.header))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for number, row in enumerate(table.rows, start=3):
            sheet.append(safe_row([_plain(cell, document.labels) for cell in row]))
            # The row just written, by its number: sheet.max_row would scan every cell.
            for source, cell in zip(row, sheet[number], strict=False):
                if isinstance(source, Percent):
                    cell.number_format = "0.0%"
                elif isinstance(source, bool):
                    pass
                elif isinstance(source, int | Decimal):
                    cell.number_format = "#,##0"
                elif isinstance(source, float):
                    cell.number_format = "#,##0.00"
                elif isinstance(source, date):
                    cell.number_format = "mm-dd-yy"
        if table.note:
            sheet.append(safe_row([table.note]))
        for column in sheet.iter_cols(min_row=2):
            width = max(len(str(cell.value or "")) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- PDF ---------------------------------------------------------------------------------------

_MARGIN = 15
_CHART_HEIGHT = 62


def _all_text(document: Document) -> str:
    words = [document.title, document.subtitle, *document.notes]
    for table in document.tables():
        words += [table.title, table.note, *map(str, table.header)]
        words += [str(cell) for row in table.rows for cell in row if isinstance(cell, str)]
    for block in document.blocks:
        if isinstance(block, charts.Chart):
            words += [s.name for s in block.series] + [str(label) for label in block.labels]
    words.append(document.labels.not_available)
    return "\n".join(words)


def document_pdf(document: Document) -> bytes:
    from fpdf import FPDF

    from campaigns.press.typefaces import PRIMARY_FAMILY, fallbacks_for, install_fonts

    class _Pages(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(PRIMARY_FAMILY, "", 8)
            self.cell(0, 5, f"{document.labels.page} {self.page_no()}", align="C")

    with TemporaryDirectory() as workdir:
        pdf = _Pages(format="A4")
        pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
        pdf.set_auto_page_break(True, margin=18)
        install_fonts(
            pdf, _all_text(document), fallbacks=fallbacks_for(None), workdir=Path(workdir)
        )
        pdf.set_title(document.title)
        pdf.add_page()
        width = pdf.w - 2 * _MARGIN
        pdf.set_font(PRIMARY_FAMILY, "B", 15)
        pdf.multi_cell(width, 8, document.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(PRIMARY_FAMILY, "", 10)
        for line in [document.subtitle, *document.notes]:
            if line:
                pdf.multi_cell(width, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        if document.figures:
            _heading(pdf, document.labels.key_figures, PRIMARY_FAMILY, width)
            _table(pdf, document, document.tables()[0], PRIMARY_FAMILY, width)
        for block in document.blocks:
            if isinstance(block, charts.Chart):
                if pdf.will_page_break(_CHART_HEIGHT + 14):
                    pdf.add_page()
                _heading(pdf, block.title, PRIMARY_FAMILY, width)
                top = pdf.get_y()
                charts.draw(
                    pdf, block, x=_MARGIN, y=top, w=width, h=_CHART_HEIGHT, font=PRIMARY_FAMILY
                )
                pdf.set_xy(_MARGIN, top + _CHART_HEIGHT + 2)
                _table(pdf, document, block.table(document.labels.label), PRIMARY_FAMILY, width)
            else:
                _heading(pdf, block.title, PRIMARY_FAMILY, width)
                _table(pdf, document, block, PRIMARY_FAMILY, width)
        return bytes(pdf.output())


def _heading(pdf: Any, title: str, font: str, width: float) -> None:
    if pdf.will_page_break(20):
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(font, "B", 12)
    pdf.multi_cell(width, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _table(pdf: Any, document: Document, table: Table, font: str, width: float) -> None:
    """A table with a bold header row repeated on every page; numbers right-aligned."""
    pdf.set_font(font, "", 8.5)
    with pdf.table(
        width=width,
        line_height=4.8,
        text_align="LEFT",
        first_row_as_headings=True,
        headings_style=_headings_style(font),
        repeat_headings=1,
    ) as grid:
        header = grid.row()
        for title in table.header:
            header.cell(str(title))
        for row in table.rows:
            line = grid.row()
            for value in row:
                text = format_cell(value, document.locale, document.labels.not_available)
                numeric = value is not None and not isinstance(value, str)
                line.cell(text, align="RIGHT" if numeric else "LEFT")
    if table.note:
        pdf.set_font(font, "", 8)
        pdf.multi_cell(width, 4, table.note, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _headings_style(font: str) -> Any:
    from fpdf.fonts import FontFace

    return FontFace(family=font, emphasis="BOLD", fill_color=(235, 235, 235))
