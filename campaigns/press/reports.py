"""The trip report: what the coverage of a trip adds up to, and its CSV and XLSX exports.

Only coverage that was found or verified counts; expected articles are promises, not results.
Identity documents are not part of any report.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision
from sqlalchemy.orm import Session

from campaigns.i18n import N_
from campaigns.press import queries
from campaigns.press.models import CoverageItem, CoverageStatus, Tone, Trip
from campaigns.spreadsheets import csv_bytes, safe_row

COUNTED = (CoverageStatus.FOUND, CoverageStatus.VERIFIED)


@dataclass(frozen=True)
class Row:
    label: str
    articles: int
    reach: int


@dataclass
class TripReport:
    trip: Trip
    items: list[CoverageItem]
    expected: int = 0
    by_journalist: list[Row] = field(default_factory=list)
    by_country: list[Row] = field(default_factory=list)
    by_language: list[Row] = field(default_factory=list)
    tone: dict[str, int] = field(default_factory=dict)
    key_messages: list[Row] = field(default_factory=list)

    @property
    def articles(self) -> int:
        return len(self.items)

    @property
    def reach(self) -> int:
        return sum(reach_of(item) for item in self.items)

    @property
    def cost(self) -> Decimal | None:
        return (
            self.trip.budget_actual
            if self.trip.budget_actual is not None
            else (self.trip.budget_planned)
        )

    @property
    def cost_is_actual(self) -> bool:
        return self.trip.budget_actual is not None

    @property
    def cost_per_article(self) -> Decimal | None:
        if self.cost is None or not self.items:
            return None
        return (self.cost / len(self.items)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def reach_of(item: CoverageItem) -> int:
    """The item's own estimate, else its outlet's, else nothing."""
    if item.estimated_reach is not None:
        return item.estimated_reach
    if item.outlet is not None and item.outlet.estimated_reach is not None:
        return item.outlet.estimated_reach
    return 0


def _rows(items: list[CoverageItem], key: Callable[[CoverageItem], str]) -> list[Row]:
    articles: Counter[str] = Counter()
    reach: Counter[str] = Counter()
    for item in items:
        label = key(item)
        articles[label] += 1
        reach[label] += reach_of(item)
    return [
        Row(label, count, reach[label])
        for label, count in sorted(articles.items(), key=lambda pair: (-pair[1], pair[0]))
    ]


def _country(item: CoverageItem) -> str:
    if item.outlet is not None:
        return item.outlet.country
    if item.journalist is not None:
        return item.journalist.country
    return "—"


def trip_report(session: Session, trip: Trip) -> TripReport:
    """Articles per journalist, country and language; reach; tone mix; key-message pick-up;
    cost per article (actual budget when known, else planned)."""
    everything = queries.coverage_of_trip(session, trip)
    items = [item for item in everything if item.status in COUNTED]
    report = TripReport(trip=trip, items=items, expected=len(everything) - len(items))
    report.by_journalist = _rows(
        items, lambda item: item.journalist.name_latin if item.journalist else "—"
    )
    report.by_country = _rows(items, _country)
    report.by_language = _rows(items, lambda item: item.language or "—")
    tones = Counter(item.tone or "unknown" for item in items)
    report.tone = {tone: tones.get(tone, 0) for tone in [*Tone, "unknown"]}
    report.key_messages = [
        Row(
            message,
            sum(1 for item in items if message in item.key_messages),
            sum(reach_of(item) for item in items if message in item.key_messages),
        )
        for message in trip.key_messages
    ]
    return report


# --- exports -----------------------------------------------------------------------------------

Translate = Callable[[str], str]


def _tables(report: TripReport, _: Translate) -> list[tuple[str, list[str], list[list]]]:
    """The report as named tables (title, header, rows), shared by CSV and XLSX."""
    summary = [
        [_(N_("Articles")), report.articles],
        [_(N_("Expected, not yet found")), report.expected],
        [_(N_("Languages")), len(report.by_language)],
        [_(N_("Estimated reach")), report.reach],
        [_(N_("Cost")), report.cost if report.cost is not None else ""],
        [_(N_("Currency")), report.trip.currency],
        [
            _(N_("Cost per article")),
            report.cost_per_article if report.cost_per_article is not None else "",
        ],
    ]
    breakdown = [_(N_("Articles")), _(N_("Estimated reach"))]

    def rows(source: list[Row]) -> list[list]:
        return [[row.label, row.articles, row.reach] for row in source]

    articles = [
        [
            item.published_on or "",
            item.outlet.name if item.outlet else "",
            item.journalist.name_latin if item.journalist else "",
            item.language,
            item.headline,
            item.headline_translation,
            item.tone or "",
            reach_of(item),
            item.status,
            item.url,
        ]
        for item in report.items
    ]
    return [
        (_(N_("Summary")), [_(N_("Figure")), _(N_("Value"))], summary),
        (_(N_("By journalist")), [_(N_("Journalist")), *breakdown], rows(report.by_journalist)),
        (_(N_("By country")), [_(N_("Country")), *breakdown], rows(report.by_country)),
        (_(N_("By language")), [_(N_("Language")), *breakdown], rows(report.by_language)),
        (
            _(N_("Tone")),
            [_(N_("Tone")), _(N_("Articles"))],
            [[tone, count] for tone, count in report.tone.items()],
        ),
        (_(N_("Key messages")), [_(N_("Key message")), *breakdown], rows(report.key_messages)),
        (
            _(N_("Articles")),
            [
                _(N_("Published on")),
                _(N_("Outlet")),
                _(N_("Journalist")),
                _(N_("Language")),
                _(N_("Headline")),
                _(N_("Translation")),
                _(N_("Tone")),
                _(N_("Estimated reach")),
                _(N_("Status")),
                _(N_("Link")),
            ],
            articles,
        ),
    ]


def report_csv(report: TripReport, translate: Translate = str) -> bytes:
    """The report as one CSV file (UTF-8 with BOM, so spreadsheets read Vietnamese right)."""
    rows: list[list] = [[report.trip.title]]
    for title, header, table in _tables(report, translate):
        rows += [[], [title], header, *table]
    return csv_bytes(rows)


# Excel's built-in date format 14 (openpyxl writes "mm-dd-yy" as that id).
_LOCALE_DATE = "mm-dd-yy"


def _cell_format(value: object, money: str) -> str | None:
    """How a spreadsheet shows a cell: figures grouped, amounts with the currency's decimals,
    days as the reader's spreadsheet writes dates (Excel's format 14 follows the reader's
    locale: 30/08/2027 in Vietnamese, 8/30/2027 in US English)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return money
    if isinstance(value, int | float):
        return "#,##0"
    if isinstance(value, date):
        return _LOCALE_DATE
    return None


def report_xlsx(report: TripReport, translate: Translate = str) -> bytes:
    """The report as a workbook with one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    decimals = get_currency_precision(report.trip.currency) if report.trip.currency else 2
    money = "#,##0" + ("." + "0" * decimals if decimals else "")
    for title, header, rows in _tables(report, translate):
        sheet = workbook.create_sheet(title[:31])
        sheet.append(safe_row(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(safe_row(row))
            for cell in sheet[sheet.max_row]:
                cell.number_format = _cell_format(cell.value, money) or cell.number_format
        for column in sheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
