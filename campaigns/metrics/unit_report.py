"""The unit period report for leadership: a unit's score for a criteria set's period with its
explanation, what it published (per channel) and the press coverage it had, as an
``exports.Document`` that the page, the PDF, the CSV and the XLSX are written from.

The figures are grouped in SQL like the scores (``scoring``); the coverage list is the only
list of rows, and it is capped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from campaigns.i18n import N_
from campaigns.metrics import charts, exports
from campaigns.metrics.exports import Percent
from campaigns.metrics.models import CriteriaSet, PublicationMetrics
from campaigns.metrics.scoring import COUNTED_COVERAGE, CriterionScore, Period, UnitScore
from campaigns.org.models import Person, Unit
from campaigns.press import queries as press_queries
from campaigns.press.models import CoverageItem, Outlet, Trip
from campaigns.social.models import Campaign, Channel

Translate = Callable[[str], str]
# The longest coverage list a report prints; the count above it is exact.
COVERAGE_ROWS = 200

SCORING_NOTE = N_(
    "Each criterion scores weight × ratio points: the share itself for a share, "
    "min(1, achieved ÷ target) against a target. A criterion with no data earns no points, "
    "and the other weights are not stretched: every unit is scored out of the same 100."
)
COVERAGE_STATUS = {"found": N_("found"), "verified": N_("verified")}
SANDBOX_NOTE = N_(
    "%(count)s of these publications went to sandbox channels: their figures are made up."
)


@dataclass(frozen=True)
class ChannelLine:
    name: str
    kind: str
    publications: int
    on_time: int
    reach: int | None
    engagements: int | None


@dataclass(frozen=True)
class CoverageLine:
    published_on: date | None
    outlet: str
    headline: str
    status: str
    reach: int | None


@dataclass(frozen=True)
class UnitReport:
    criteria_set: CriteriaSet
    unit: Unit
    score: UnitScore
    channels: list[ChannelLine]
    coverage: list[CoverageLine]
    coverage_count: int
    coverage_reach: int | None
    sandbox: int


def channel_lines(session: Session, unit: Unit, period: Period) -> tuple[list[ChannelLine], int]:
    """The unit's publications published in the period, per channel, and how many of them
    were sandbox publications."""
    metrics = PublicationMetrics
    statement = (
        select(
            Channel.name,
            Channel.kind,
            func.count().label("publications"),
            func.sum(case((metrics.on_time, 1), else_=0)).label("on_time"),
            func.sum(metrics.reach).label("reach"),
            func.sum(metrics.engagements).label("engagements"),
            func.sum(case((metrics.sandbox, 1), else_=0)).label("sandbox"),
        )
        .select_from(metrics)
        .join(Channel, Channel.id == metrics.channel_id)
        .where(
            metrics.unit_id == unit.id,
            metrics.published_at >= period.starts_at,
            metrics.published_at < period.ends_at,
        )
        .group_by(Channel.id, Channel.name, Channel.kind)
        .order_by(Channel.name)
    )
    lines, sandbox = [], 0
    for row in session.execute(statement):
        sandbox += int(row.sandbox or 0)
        lines.append(
            ChannelLine(
                row.name,
                row.kind,
                int(row.publications),
                int(row.on_time or 0),
                None if row.reach is None else int(row.reach),
                None if row.engagements is None else int(row.engagements),
            )
        )
    return lines, sandbox


def coverage_lines(
    session: Session, unit: Unit, period: Period, *, viewer: Person | None = None
) -> tuple[list[CoverageLine], int, int | None]:
    """Coverage counted for the unit in the period (as ``scoring`` counts it), newest first:
    the first ``COVERAGE_ROWS`` lines, the exact count and the estimated reach added up."""
    owned_campaigns = select(Campaign.id).where(Campaign.owner_unit_id == unit.id)
    hosted_trips = select(Trip.id).where(Trip.host_unit_id == unit.id)
    belongs = (
        CoverageItem.status.in_(COUNTED_COVERAGE),
        CoverageItem.published_on >= period.start,
        CoverageItem.published_on <= period.end,
        or_(CoverageItem.campaign_id.in_(owned_campaigns), CoverageItem.trip_id.in_(hosted_trips)),
        # Only what the reader may see (field staff: their trips' coverage).
        *[
            condition
            for condition in [press_queries.coverage_seen_by(viewer)]
            if condition is not None
        ],
    )
    # An article's own estimate, else its outlet's (as the campaign report reckons reach).
    article_reach = func.coalesce(CoverageItem.estimated_reach, Outlet.estimated_reach)
    count, reach = session.execute(
        select(func.count(), func.sum(article_reach))
        .select_from(CoverageItem)
        .outerjoin(Outlet, Outlet.id == CoverageItem.outlet_id)
        .where(*belongs)
    ).one()
    rows = session.execute(
        select(
            CoverageItem.published_on,
            Outlet.name,
            CoverageItem.headline,
            CoverageItem.url,
            CoverageItem.status,
            article_reach,
        )
        .outerjoin(Outlet, Outlet.id == CoverageItem.outlet_id)
        .where(*belongs)
        .order_by(CoverageItem.published_on.desc(), CoverageItem.id.desc())
        .limit(COVERAGE_ROWS)
    )
    lines = [
        CoverageLine(row.published_on, row.name or "", row.headline or row.url, row.status, row[5])
        for row in rows
    ]
    return lines, int(count or 0), None if reach is None else int(reach)


def unit_report(
    session: Session,
    *,
    criteria_set: CriteriaSet,
    score: UnitScore,
    zone: str,
    viewer: Person | None = None,
) -> UnitReport:
    """The report of ``score``'s unit (a score the reader may see: ``scoring.unit_score``),
    its coverage lines limited to what ``viewer`` may see."""
    period = Period(criteria_set.period_start, criteria_set.period_end, zone)
    channels, sandbox = channel_lines(session, score.unit, period)
    coverage, count, reach = coverage_lines(session, score.unit, period, viewer=viewer)
    return UnitReport(criteria_set, score.unit, score, channels, coverage, count, reach, sandbox)


# --- words ---------------------------------------------------------------------------------------


def number_text(value: int | float | None, locale: str) -> str:
    return "—" if value is None else format_decimal(round(value, 2), locale=locale)


def achieved_text(criterion: CriterionScore, _: Translate, locale: str) -> str:
    """What the unit achieved, as the criterion compares it (a share, a rate, an amount)."""
    if criterion.no_data:
        return _(N_("no data"))
    if criterion.measure.key == "engagement_rate":
        return f"{number_text(criterion.achieved, locale)} %"
    if not criterion.measure.needs_target:
        return f"{number_text((criterion.achieved or 0) * 100, locale)} %"
    return number_text(criterion.achieved, locale)


def inputs_text(criterion: CriterionScore, _: Translate, locale: str) -> str:
    return "; ".join(
        f"{_(item.label)}: {number_text(item.value, locale)}" for item in criterion.inputs
    )


def target_text(criterion: CriterionScore, _: Translate, locale: str) -> str:
    if criterion.target is None:
        return ""
    if criterion.measure.key == "engagement_rate":
        return f"{number_text(criterion.target, locale)} %"
    return f"{number_text(criterion.target, locale)} {_(criterion.measure.target_unit)}".strip()


def explanation_rows(score: UnitScore, _: Translate, locale: str) -> list[list]:
    return [
        [
            _(criterion.measure.name),
            inputs_text(criterion, _, locale),
            _(criterion.measure.formula),
            target_text(criterion, _, locale),
            achieved_text(criterion, _, locale),
            criterion.weight,
            criterion.points,
            _(criterion.note) if criterion.note else "",
        ]
        for criterion in score.criteria
    ]


def explanation_header(_: Translate) -> list[str]:
    return [
        _(N_("Criterion")),
        _(N_("Inputs")),
        _(N_("Formula")),
        _(N_("Target")),
        _(N_("Achieved")),
        _(N_("Weight")),
        _(N_("Points")),
        _(N_("Note")),
    ]


def report_document(report: UnitReport, _: Translate, locale: str) -> exports.Document:
    """The report as a document for ``exports`` (and the printable page)."""
    unit, criteria_set, score = report.unit, report.criteria_set, report.score
    period = "{} – {}".format(
        format_date(criteria_set.period_start, "medium", locale=locale),
        format_date(criteria_set.period_end, "medium", locale=locale),
    )
    notes = [_(SCORING_NOTE)]
    if report.sandbox:
        notes.append(_(SANDBOX_NOTE) % {"count": report.sandbox})
    publications = sum(line.publications for line in report.channels)
    on_time = sum(line.on_time for line in report.channels)
    reaches = [line.reach for line in report.channels if line.reach is not None]
    engagements = [line.engagements for line in report.channels if line.engagements is not None]
    figures = [
        exports.Figure(_(N_("Score")), score.total, _(N_("out of 100"))),
        exports.Figure(_(N_("Publications published")), publications),
        exports.Figure(
            _(N_("Published on time")), Percent(on_time / publications) if publications else None
        ),
        exports.Figure(_(N_("Reach")), sum(reaches) if reaches else None),
        exports.Figure(_(N_("Engagements")), sum(engagements) if engagements else None),
        exports.Figure(_(N_("Press coverage articles")), report.coverage_count),
        exports.Figure(_(N_("Reach of press coverage")), report.coverage_reach),
    ]
    explanation = exports.Table(
        _(N_("Score and how it was computed")),
        explanation_header(_),
        [
            *explanation_rows(score, _, locale),
            [_(N_("Total")), "", "", "", "", 100, score.total, ""],
        ],
    )
    points_chart = charts.Chart(
        _(N_("Points by criterion")),
        _(N_("For each criterion, the points earned against its weight (the most it can earn).")),
        [_(criterion.measure.name) for criterion in score.criteria],
        [
            charts.Series(_(N_("Weight")), [criterion.weight for criterion in score.criteria]),
            charts.Series(_(N_("Points")), [criterion.points for criterion in score.criteria]),
        ],
        kind="bar",
        identifier="points-by-criterion",
    )
    channels = exports.Table(
        _(N_("Publications per channel")),
        [
            _(N_("Channel")),
            _(N_("Kind")),
            _(N_("Publications")),
            _(N_("On time")),
            _(N_("Reach")),
            _(N_("Engagements")),
        ],
        [
            [line.name, line.kind, line.publications, line.on_time, line.reach, line.engagements]
            for line in report.channels
        ],
    )
    coverage_note = ""
    if report.coverage_count > len(report.coverage):
        coverage_note = _(N_("The %(shown)s latest of %(count)s articles.")) % {
            "shown": len(report.coverage),
            "count": report.coverage_count,
        }
    coverage = exports.Table(
        _(N_("Press coverage")),
        [_(N_("Date")), _(N_("Outlet")), _(N_("Headline")), _(N_("Status")), _(N_("Reach"))],
        [
            [
                line.published_on,
                line.outlet,
                line.headline,
                _(COVERAGE_STATUS.get(line.status, line.status)),
                line.reach,
            ]
            for line in report.coverage
        ],
        coverage_note,
    )
    return exports.Document(
        title=_(N_("Unit period report: %(unit)s")) % {"unit": unit.name(locale)},
        locale=locale,
        subtitle=f"{criteria_set.name} · {period}",
        notes=notes,
        figures=figures,
        blocks=[explanation, points_chart, channels, coverage],
        labels=exports.Labels(
            not_available=_(N_("not available")),
            figure=_(N_("Figure")),
            value=_(N_("Value")),
            note=_(N_("Note")),
            key_figures=_(N_("Key figures")),
            label=_(N_("Label")),
            page=_(N_("Page")),
        ),
    )
