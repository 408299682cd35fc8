"""The campaign report: everything the dashboard and the leadership report show for one
campaign and range, gathered once (``campaign_report``), then drawn as charts and written as
an ``exports.Document`` (PDF, CSV, XLSX) in the reader's language.

Words are English msgids marked with ``N_`` and translated by the ``translate`` function the
door passes in (the web passes Flask-Babel's ``gettext``), as ``press.reports`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.i18n import N_
from campaigns.metrics import charts, exports, queries
from campaigns.metrics.exports import Percent
from campaigns.metrics.queries import Figures, Measure, Range
from campaigns.metrics.scoring import FiguresCache
from campaigns.org.models import Person
from campaigns.press import queries as press_queries
from campaigns.social.models import Campaign

Translate = Callable[[str], str]

BREAKDOWN_TITLES = {
    "channel": N_("By channel"),
    "language": N_("By language variant"),
    "country": N_("By audience country"),
    "unit": N_("By unit"),
}
KPI_TITLES = {
    "posts": N_("Posts published"),
    "impressions": N_("Reach (impressions, views)"),
    "engagements": N_("Engagements"),
    "engagement_rate": N_("Engagement rate, in per cent"),
    "coverage_articles": N_("Press coverage articles"),
    "coverage_reach": N_("Reach of press coverage"),
}
TONE_TITLES = {
    "positive": N_("Positive"),
    "neutral": N_("Neutral"),
    "negative": N_("Negative"),
    "unknown": N_("Tone not assessed"),
}
NOT_AVAILABLE = N_("not available")
PARTIAL = N_("from %(available)d of %(total)d publications")
PARTIAL_ARTICLES = N_("from %(available)d of %(total)d articles")
SANDBOX_NOTE = N_(
    "Includes sandbox figures: %(count)d publications went to sandbox channels, whose numbers "
    "are made up for demonstration."
)
TELEGRAM_NOTE = N_(
    "Telegram gives bots no views and no forwards of channel posts: their reach is not "
    "available, and only reactions count as engagements."
)


@dataclass
class CampaignReport:
    campaign: Campaign
    range: Range
    summary: queries.Summary
    days: list[queries.Day]
    top: list[queries.TopPost]
    breakdowns: dict[str, list[queries.Group]]
    variants: list[queries.VariantComparison]
    kinds: list[queries.Group]  # per platform, for the notes (Telegram gives no reach)


def campaign_report(
    session: Session,
    campaign: Campaign,
    period: Range,
    *,
    now: datetime,
    cache: FiguresCache | None = None,
    viewer: Person | None = None,
) -> CampaignReport:
    """Every figure of the campaign in ``period``, each computed in SQL. With ``cache``, the
    figures gathered less than its lifetime ago for the same campaign and range are reused;
    targets are compared afresh every time, so a changed target shows at once."""

    def gather() -> dict:
        return {
            "overview": queries.overview(session, campaign, period),
            "variants": queries.variant_comparison(session, campaign, period),
            "due": queries.due(session, campaign, period, now),
            "coverage": queries.coverage(session, campaign, period, viewer=viewer),
        }

    if cache is None:
        figures = gather()
    else:
        # Coverage depends on who asks (field staff see their trips' only): such a viewer's
        # figures are kept apart from everyone else's.
        sees = "all" if press_queries.coverage_seen_by(viewer) is None else viewer.id
        key = ("campaign", campaign.id, period.start, period.end, period.zone, sees)
        figures, _ = cache.figures(key, now, gather)
    everything = figures["overview"]
    return CampaignReport(
        campaign=campaign,
        range=period,
        summary=queries.summary_of(
            campaign, period, everything, due=figures["due"], coverage=figures["coverage"]
        ),
        days=everything.days,
        top=everything.top,
        breakdowns={by: everything.groups[by] for by in queries.BREAKDOWNS},
        variants=figures["variants"],
        kinds=everything.groups["kind"],
    )


def partial_note(measure: Measure | queries.Rate, _: Translate, *, template: str = PARTIAL) -> str:
    """Says "from 3 of 4 publications" when a figure was computed from partial availability."""
    if not measure.partial:
        return ""
    return _(template) % {"available": measure.available, "total": measure.total}


def rate_percent(rate: queries.Rate) -> Percent | None:
    return None if rate.value is None else Percent(rate.value)


def report_charts(report: CampaignReport, _: Translate, locale: str) -> list[charts.Chart]:
    """The report's charts: reach and engagements per day, publications per day, and
    engagements and reach per channel."""
    from babel.dates import get_month_names

    # Month names looked up once: a half-year range has 183 labels.
    months = get_month_names("abbreviated", context="format", locale=locale)
    labels = [f"{day.day.day} {months[day.day.month]}" for day in report.days]
    channels = report.breakdowns["channel"]
    return [
        charts.Chart(
            _(N_("Reach and engagements per day")),
            _(N_("Reach and engagements of the publications that went out each day.")),
            labels,
            [
                charts.Series(_(N_("Reach")), [day.reach.value for day in report.days]),
                charts.Series(_(N_("Engagements")), [day.engagements.value for day in report.days]),
            ],
            identifier="chart-daily-reach",
        ),
        charts.Chart(
            _(N_("Publications per day")),
            _(N_("How many publications went out each day.")),
            labels,
            [charts.Series(_(N_("Publications")), [day.publications for day in report.days])],
            kind="bar",
            identifier="chart-daily-publications",
        ),
        charts.Chart(
            _(N_("Engagements by channel")),
            _(N_("Engagements of each channel's publications in the range.")),
            [group.label for group in channels],
            [
                charts.Series(
                    _(N_("Engagements")), [group.figures.engagements.value for group in channels]
                )
            ],
            kind="bar",
            identifier="chart-channels",
        ),
    ]


def _figure_row(label: str, figures: Figures) -> list:
    return [
        label,
        figures.publications,
        figures.on_time,
        figures.reach.value,
        figures.engagements.value,
        rate_percent(figures.rate),
    ]


def report_document(report: CampaignReport, _: Translate, locale: str) -> exports.Document:
    """The report as a document the writers of ``exports`` turn into PDF, CSV or XLSX."""
    from babel.dates import format_date

    summary, figures = report.summary, report.summary.figures
    period = report.range
    notes = []
    if summary.sandbox:
        notes.append(_(SANDBOX_NOTE) % {"count": figures.sandbox})
    if any(group.key == "telegram" for group in report.kinds):
        notes.append(_(TELEGRAM_NOTE))
    key_figures = [
        exports.Figure(
            _(N_("Publications on time / due")),
            f"{exports.format_cell(figures.on_time, locale, '')} / "
            f"{exports.format_cell(summary.due, locale, '')}",
            _(N_("%(count)d publications went out in the range")) % {"count": figures.publications},
        ),
        exports.Figure(_(N_("Posts published")), summary.posts),
        exports.Figure(_(N_("Reach")), figures.reach.value, partial_note(figures.reach, _)),
        exports.Figure(
            _(N_("Engagements")), figures.engagements.value, partial_note(figures.engagements, _)
        ),
        exports.Figure(
            _(N_("Engagement rate")), rate_percent(figures.rate), partial_note(figures.rate, _)
        ),
        exports.Figure(_(N_("Press coverage articles")), summary.coverage.articles),
        exports.Figure(
            _(N_("Reach of press coverage")),
            summary.coverage.reach.value,
            partial_note(summary.coverage.reach, _, template=PARTIAL_ARTICLES),
        ),
    ]
    progress = exports.Table(
        _(N_("Progress against targets")),
        [_(N_("Target")), _(N_("Planned")), _(N_("Achieved")), _(N_("Share of target"))],
        [
            [
                _(KPI_TITLES[line.key]),
                line.target,
                line.actual if line.key != "engagement_rate" else _round(line.actual),
                None if line.share is None else Percent(line.share),
            ]
            for line in summary.progress
            if line.target is not None
        ],
    )
    columns = [
        _(N_("Publications")),
        _(N_("On time")),
        _(N_("Reach")),
        _(N_("Engagements")),
        _(N_("Engagement rate")),
    ]
    blocks: list[exports.Block] = [progress, *report_charts(report, _, locale)]
    blocks.append(
        exports.Table(
            _(N_("Top posts (latest figures)")),
            [
                _(N_("Post")),
                _(N_("Publications")),
                _(N_("Reach, latest")),
                _(N_("Engagements, latest")),
            ],
            [
                [
                    post.title + (" (" + _(N_("sandbox")) + ")" if post.sandbox else ""),
                    post.publications,
                    post.reach.value,
                    post.engagements.value,
                ]
                for post in report.top
            ],
        )
    )
    for by, groups in report.breakdowns.items():
        blocks.append(
            exports.Table(
                _(BREAKDOWN_TITLES[by]),
                [_(N_("Name")), *columns],
                [_figure_row(group.label_in(locale), group.figures) for group in groups],
            )
        )
    blocks.append(
        exports.Table(
            _(N_("Language variants of the same post at %(point)s"))
            % {"point": queries.COMPARISON_POINT},
            [
                _(N_("Post")),
                _(N_("Language")),
                _(N_("Reach")),
                _(N_("Engagements")),
                _(N_("Engagement rate")),
                _(N_("Best")),
            ],
            [
                [
                    comparison.title,
                    variant.language,
                    variant.reach,
                    variant.engagements,
                    None if variant.rate is None else Percent(variant.rate),
                    "★" if variant.language == comparison.best else "",
                ]
                for comparison in report.variants
                for variant in comparison.variants
            ],
        )
    )
    blocks.append(
        exports.Table(
            _(N_("Press coverage by press trip")),
            [_(N_("Press trip")), _(N_("Articles")), _(N_("Estimated reach"))],
            [
                [
                    group.trip_title if group.trip_id else _(N_("Not from a press trip")),
                    group.articles,
                    group.reach.value,
                ]
                for group in summary.coverage.by_trip
            ],
        )
    )
    blocks.append(
        exports.Table(
            _(N_("Press coverage by tone")),
            [_(N_("Tone")), _(N_("Articles"))],
            [
                [_(TONE_TITLES.get(tone, tone)), count]
                for tone, count in sorted(summary.coverage.tone.items())
            ],
        )
    )
    return exports.Document(
        title=_(N_("Campaign report: %(name)s")) % {"name": report.campaign.name(locale)},
        locale=locale,
        subtitle=f"{format_date(period.start, 'medium', locale=locale)} – "
        f"{format_date(period.end, 'medium', locale=locale)} ({period.zone})",
        notes=notes,
        figures=key_figures,
        blocks=blocks,
        labels=exports.Labels(
            not_available=_(NOT_AVAILABLE),
            figure=_(N_("Figure")),
            value=_(N_("Value")),
            note=_(N_("Note")),
            key_figures=_(N_("Key figures")),
            label=_(N_("Label")),
            page=_(N_("Page")),
        ),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
