"""What a campaign achieved, computed in SQL: progress against its targets, the series per day,
top posts, breakdowns and which language variant did best at a fixed point.

Every figure is an aggregate over ``metric_publications`` (one row per published publication,
its latest numbers) or ``metric_snapshots`` at one point, grouped in the database; nothing here
loads rows to add them up. The indexes that serve them: ``ix_metric_publications_campaign``
(campaign_id, published_at) for everything per campaign and range, and
``ix_metric_snapshots_campaign_point`` (campaign_id, point, status) for the fixed points.

"Not available" is kept apart from 0 all the way: a ``Measure`` knows how many publications
gave the number (``available``) out of how many there were (``total``); a sum over none of
them is None, and a sum over some of them is ``partial``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from campaigns.errors import Invalid
from campaigns.i18n import N_
from campaigns.metrics.models import MetricSnapshot, PublicationMetrics
from campaigns.metrics.rules import (
    FIXED_POINTS,
    DayRange,
    SnapshotStatus,
    fixed_point_tolerance_seconds,
)
from campaigns.org.models import Person, Unit
from campaigns.press import queries as press_queries
from campaigns.press.models import CoverageItem, CoverageStatus, Outlet, Trip
from campaigns.social.models import (
    Campaign,
    Channel,
    Post,
    Publication,
    PublicationStatus,
)
from campaigns.social.services import ENGAGEMENT_RATE_SCALE

COUNTED_COVERAGE = (CoverageStatus.FOUND, CoverageStatus.VERIFIED)
TOP_POSTS = 10
# The point at which language variants of one post are compared by default.
COMPARISON_POINT = "24h"


# A dashboard's range (also a criteria set's period, in scoring).
Range = DayRange


# The longest range a dashboard, report or API answer covers, in days.
MAX_RANGE_DAYS = 400


def default_range(campaign: Campaign, zone: str, today: date) -> Range:
    """The campaign's dates, up to today while it runs, and at most its last MAX_RANGE_DAYS
    (a campaign typed as running from 1900 to 2200 must not make every page add up three
    centuries)."""
    end = min(campaign.ends_on, max(today, campaign.starts_on))
    start = max(campaign.starts_on, end - timedelta(days=MAX_RANGE_DAYS - 1))
    return Range(start, end, zone)


def choose_range(
    campaign: Campaign, zone: str, *, today: date, start: date | None, end: date | None
) -> Range:
    """The range asked for, each missing end taken from ``default_range``. Raises Invalid
    (on the field ``end``) when it ends before it starts or is longer than MAX_RANGE_DAYS."""
    default = default_range(campaign, zone, today)
    start, end = start or default.start, end or default.end
    if end < start:
        raise Invalid(N_("The range ends before it starts."), field="end")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise Invalid(N_("A range covers at most %(days)d days."), days=MAX_RANGE_DAYS)
    return Range(start, end, zone)


@dataclass(frozen=True)
class Measure:
    """A sum over the publications that have the number: None when none has it."""

    value: int | None
    available: int
    total: int

    @property
    def partial(self) -> bool:
        return 0 < self.available < self.total


@dataclass(frozen=True)
class Rate:
    """Engagements / reach over the publications that give both numbers."""

    engagements: int | None
    reach: int | None
    available: int
    total: int

    @property
    def value(self) -> float | None:
        if not self.reach or self.engagements is None:
            return None
        return self.engagements / self.reach

    @property
    def partial(self) -> bool:
        return 0 < self.available < self.total


@dataclass(frozen=True)
class Figures:
    """What a set of publications (a campaign, a channel, a language...) adds up to."""

    publications: int
    on_time: int
    reach: Measure
    engagements: Measure
    rate: Rate
    sandbox: int  # publications whose figures are made up (sandbox channels)


@dataclass(frozen=True)
class CoverageGroup:
    trip_id: int | None  # None: coverage linked to the campaign, not from one of its trips
    trip_title: str
    articles: int
    reach: Measure


@dataclass(frozen=True)
class Coverage:
    articles: int
    reach: Measure
    tone: dict[str, int]
    by_trip: tuple[CoverageGroup, ...] = ()


@dataclass(frozen=True)
class Progress:
    key: str
    target: float | None
    actual: float | None
    partial: bool = False
    available: int = 0  # publications (or articles) that gave the number, when partial
    total: int = 0

    @property
    def share(self) -> float | None:
        """How far the actual value is along the target (1.0 = reached)."""
        if not self.target or self.actual is None:
            return None
        return self.actual / self.target


@dataclass
class Summary:
    campaign: Campaign
    range: Range
    figures: Figures
    posts: int  # distinct posts with at least one publication out in the range
    due: int  # publications due in the range (not cancelled) up to now
    coverage: Coverage
    progress: list[Progress] = field(default_factory=list)

    @property
    def sandbox(self) -> bool:
        return self.figures.sandbox > 0


def _figure_columns():
    m = PublicationMetrics
    both = and_(m.reach.is_not(None), m.engagements.is_not(None))
    return (
        func.count().label("publications"),
        func.coalesce(func.sum(case((m.on_time, 1), else_=0)), 0).label("on_time"),
        func.sum(m.reach).label("reach"),
        func.count(m.reach).label("reach_available"),
        func.sum(m.engagements).label("engagements"),
        func.count(m.engagements).label("engagements_available"),
        func.sum(case((both, m.reach))).label("rate_reach"),
        func.sum(case((both, m.engagements))).label("rate_engagements"),
        func.coalesce(func.sum(case((both, 1), else_=0)), 0).label("rate_available"),
        func.coalesce(func.sum(case((m.sandbox, 1), else_=0)), 0).label("sandbox"),
    )


def _figures(row) -> Figures:
    total = int(row.publications or 0)

    def number(value) -> int | None:
        return None if value is None else int(value)

    return Figures(
        publications=total,
        on_time=int(row.on_time or 0),
        reach=Measure(number(row.reach), int(row.reach_available or 0), total),
        engagements=Measure(number(row.engagements), int(row.engagements_available or 0), total),
        rate=Rate(
            number(row.rate_engagements),
            number(row.rate_reach),
            int(row.rate_available or 0),
            total,
        ),
        sandbox=int(row.sandbox or 0),
    )


def _in_range(campaign: Campaign, period: Range):
    m = PublicationMetrics
    return and_(
        m.campaign_id == campaign.id,
        m.published_at >= period.starts_at,
        m.published_at < period.ends_at,
    )


# Every state of a publication that is neither published nor cancelled.
_NOT_OUT = tuple(
    status
    for status in PublicationStatus
    if status not in (PublicationStatus.PUBLISHED, PublicationStatus.CANCELLED)
)


def due(session: Session, campaign: Campaign, period: Range, now: datetime) -> int:
    """Publications that were due in the range up to now and not cancelled: those published in
    the range (the rollup rows the on-time count is taken from, so "on time" never exceeds
    "due", even for a post scheduled just before the range that went out inside it) and those
    scheduled in the range and still waiting, held or failed (few, found through the status
    index)."""
    until = min(period.ends_at, now)
    published = session.scalar(select(func.count()).where(_in_range(campaign, period)))
    waiting = session.scalar(
        select(func.count())
        .select_from(Publication)
        .join(Post, Post.id == Publication.post_id)
        .where(
            Publication.status.in_(_NOT_OUT),
            Post.campaign_id == campaign.id,
            Publication.scheduled_at >= period.starts_at,
            Publication.scheduled_at < until,
        )
    )
    return int(published or 0) + int(waiting or 0)


def coverage(
    session: Session, campaign: Campaign, period: Range, *, viewer: Person | None = None
) -> Coverage:
    """Coverage found or verified for the campaign (directly, or through one of its trips),
    published in the range (items without a date count by when they were reported); given a
    ``viewer``, only what they may see (``press.queries.coverage_seen_by``)."""
    reach = func.coalesce(CoverageItem.estimated_reach, Outlet.estimated_reach)
    base = (
        select()
        .select_from(CoverageItem)
        .outerjoin(Outlet, Outlet.id == CoverageItem.outlet_id)
        .outerjoin(Trip, Trip.id == CoverageItem.trip_id)
        .where(
            or_(CoverageItem.campaign_id == campaign.id, Trip.campaign_id == campaign.id),
            CoverageItem.status.in_(COUNTED_COVERAGE),
            or_(
                CoverageItem.published_on.between(period.start, period.end),
                and_(
                    CoverageItem.published_on.is_(None),
                    CoverageItem.created_at >= period.starts_at,
                    CoverageItem.created_at < period.ends_at,
                ),
            ),
        )
    )
    seen = press_queries.coverage_seen_by(viewer)
    if seen is not None:
        base = base.where(seen)
    # Grouped by trip and tone in SQL: a handful of rows, folded here.
    rows = session.execute(
        base.add_columns(
            CoverageItem.trip_id,
            Trip.title,
            CoverageItem.tone,
            func.count().label("articles"),
            func.sum(reach).label("reach"),
            func.count(reach).label("reach_available"),
        ).group_by(CoverageItem.trip_id, Trip.title, CoverageItem.tone)
    ).all()

    def total(selected) -> tuple[int, Measure]:
        articles = sum(int(row.articles) for row in selected)
        known = sum(int(row.reach_available) for row in selected)
        value = sum(int(row.reach) for row in selected if row.reach is not None) if known else None
        return articles, Measure(value, known, articles)

    articles, measure = total(rows)
    tone: dict[str, int] = {}
    for row in rows:
        tone[row.tone or "unknown"] = tone.get(row.tone or "unknown", 0) + int(row.articles)
    trips: dict[int | None, list] = {}
    for row in rows:
        trips.setdefault(row.trip_id, []).append(row)
    by_trip = tuple(
        CoverageGroup(trip_id, selected[0].title or "", *total(selected))
        for trip_id, selected in sorted(
            trips.items(), key=lambda item: (item[0] is None, item[1][0].title or "")
        )
    )
    return Coverage(articles, measure, tone, by_trip)


def summary(
    session: Session,
    campaign: Campaign,
    period: Range,
    *,
    now: datetime,
    overview: Overview | None = None,
    viewer: Person | None = None,
) -> Summary:
    """The campaign's figures in ``period`` and its progress against each target (from
    ``overview`` when the caller already has it)."""
    if overview is None:
        row = session.execute(
            select(
                *_figure_columns(), func.count(distinct(PublicationMetrics.post_id)).label("posts")
            )
            .select_from(PublicationMetrics)
            .where(_in_range(campaign, period))
        ).one()
        figures, posts = _figures(row), int(row.posts or 0)
    else:
        figures, posts = overview.total, overview.posts
    result = Summary(
        campaign=campaign,
        range=period,
        figures=figures,
        posts=posts,
        due=due(session, campaign, period, now),
        coverage=coverage(session, campaign, period, viewer=viewer),
    )
    result.progress = progress(campaign.kpi_targets or {}, result)
    return result


def summary_of(
    campaign: Campaign, period: Range, overview: Overview, *, due: int, coverage: Coverage
) -> Summary:
    """The summary from figures already gathered, compared with the campaign's targets now."""
    result = Summary(
        campaign=campaign,
        range=period,
        figures=overview.total,
        posts=overview.posts,
        due=due,
        coverage=coverage,
    )
    result.progress = progress(campaign.kpi_targets or {}, result)
    return result


def progress(targets: dict, summary: Summary) -> list[Progress]:
    """One line per KPI key, in order: the target (None when unset) and what was achieved."""
    figures, coverage = summary.figures, summary.coverage
    rate = figures.rate
    actual: dict[str, tuple[float | None, Measure | Rate | None]] = {
        "posts": (summary.posts, None),
        "impressions": (figures.reach.value, figures.reach),
        "engagements": (figures.engagements.value, figures.engagements),
        "engagement_rate": (None if rate.value is None else rate.value * 100, rate),
        "coverage_articles": (coverage.articles, None),
        "coverage_reach": (coverage.reach.value, coverage.reach),
    }
    wanted = dict(targets)
    if wanted.get("engagement_rate") is not None:
        wanted["engagement_rate"] = wanted["engagement_rate"] / ENGAGEMENT_RATE_SCALE
    return [
        Progress(
            key,
            wanted.get(key),
            value,
            partial=bool(source and source.partial),
            available=source.available if source else 0,
            total=source.total if source else 0,
        )
        for key, (value, source) in actual.items()
    ]


# --- the series per day ------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    day: date
    publications: int
    reach: Measure
    engagements: Measure


def _day_of(session: Session, column, period: Range):
    """The day on the range's clock of an instant column, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(literal(period.zone), column), Date)
    # SQLite stores UTC without an offset: shift by the zone's offset at the range's start
    # (SQLite runs the one-process demo; PostgreSQL follows summer time exactly).
    offset = ZoneInfo(period.zone).utcoffset(datetime.combine(period.start, time()))
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return func.date(column, f"{minutes:+d} minutes")


def daily(session: Session, campaign: Campaign, period: Range) -> list[Day]:
    """Publications, reach and engagements per day of publication, every day of the range."""
    m = PublicationMetrics
    day = _day_of(session, m.published_at, period).label("day")
    rows = session.execute(
        select(
            day,
            func.count().label("publications"),
            func.sum(m.reach).label("reach"),
            func.count(m.reach).label("reach_available"),
            func.sum(m.engagements).label("engagements"),
            func.count(m.engagements).label("engagements_available"),
        )
        .where(_in_range(campaign, period))
        .group_by(day)
    ).all()
    by_day = {}
    for row in rows:
        key = row.day if isinstance(row.day, date) else date.fromisoformat(str(row.day))
        by_day[key] = row
    return [_day(current, by_day.get(current)) for current in period.days()]


def _int(value) -> int | None:
    return None if value is None else int(value)


# --- breakdowns and top posts -------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    figures: Figures
    label_vi: str | None = None  # a unit's Vietnamese name; other labels read the same in both

    def label_in(self, locale: str) -> str:
        return self.label_vi if locale == "vi" and self.label_vi else self.label


BREAKDOWNS = ("channel", "language", "country", "unit")


def breakdown(session: Session, campaign: Campaign, period: Range, by: str) -> list[Group]:
    """The campaign's figures per channel, language variant, audience country or unit."""
    m = PublicationMetrics
    if by == "channel":
        key, label, join = m.channel_id, Channel.name, (Channel, Channel.id == m.channel_id)
    elif by == "unit":
        key, label, join = m.unit_id, Unit.name_en, (Unit, Unit.id == m.unit_id)
    elif by == "language":
        key, label, join = m.language, m.language, None
    elif by == "country":
        key, label, join = m.audience_country, m.audience_country, None
    elif by == "kind":
        key, label, join = m.channel_kind, m.channel_kind, None
    else:
        raise ValueError(by)
    label_vi = Unit.name_vi if by == "unit" else literal_column("NULL")
    query = select(
        key.label("key"), label.label("label"), label_vi.label("label_vi"), *_figure_columns()
    ).select_from(m)
    if join is not None:
        query = query.join(*join)
    grouping = (key, label, Unit.name_vi) if by == "unit" else (key, label)
    rows = session.execute(
        query.where(_in_range(campaign, period)).group_by(*grouping).order_by(label)
    ).all()
    return [
        Group(str(row.key or ""), str(row.label or "—"), _figures(row), row.label_vi)
        for row in rows
    ]


@dataclass(frozen=True)
class TopPost:
    post_id: int
    title: str
    publications: int
    reach: Measure
    engagements: Measure
    sandbox: bool


def top_posts(
    session: Session, campaign: Campaign, period: Range, *, limit: int = TOP_POSTS
) -> list[TopPost]:
    """The posts with the most engagements (then reach) in the range; posts whose numbers are
    not available come last."""
    return _top_posts(session, campaign, period, limit)[0]


def _top_posts(
    session: Session, campaign: Campaign, period: Range, limit: int
) -> tuple[list[TopPost], int]:
    """The top posts, and how many posts had a publication in the range (counted by the same
    grouping: one scan for both)."""
    m = PublicationMetrics
    engagements, reach = func.sum(m.engagements), func.sum(m.reach)
    ranked = (
        select(
            m.post_id,
            func.count().label("publications"),
            reach.label("reach"),
            func.count(m.reach).label("reach_available"),
            engagements.label("engagements"),
            func.count(m.engagements).label("engagements_available"),
            func.max(case((m.sandbox, 1), else_=0)).label("sandbox"),
            func.count().over().label("posts"),
        )
        .where(_in_range(campaign, period))
        .group_by(m.post_id)
        .order_by(func.coalesce(engagements, -1).desc(), func.coalesce(reach, -1).desc(), m.post_id)
        .limit(limit)
        .subquery()
    )
    rows = session.execute(
        select(ranked, Post.title)
        .join(Post, Post.id == ranked.c.post_id)
        .order_by(
            func.coalesce(ranked.c.engagements, -1).desc(),
            func.coalesce(ranked.c.reach, -1).desc(),
            ranked.c.post_id,
        )
    ).all()
    posts = int(rows[0].posts) if rows else 0
    return [
        TopPost(
            row.post_id,
            row.title,
            int(row.publications),
            Measure(_int(row.reach), int(row.reach_available), int(row.publications)),
            Measure(_int(row.engagements), int(row.engagements_available), int(row.publications)),
            bool(row.sandbox),
        )
        for row in rows
    ], posts


# --- everything at once --------------------------------------------------------------------------


@dataclass
class Overview:
    """The campaign's figures in a range: in total, per day and per breakdown."""

    total: Figures
    days: list[Day]
    groups: dict[str, list[Group]]
    top: list[TopPost]
    posts: int


_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")


def overview(session: Session, campaign: Campaign, period: Range) -> Overview:
    """Everything the dashboard adds up, in as few scans as the database allows: on PostgreSQL
    one statement with GROUPING SETS gives the total, the days and every breakdown (the
    campaign's rows are read once), and one more the top posts with the number of posts."""
    top, posts = _top_posts(session, campaign, period, TOP_POSTS)
    if session.get_bind().dialect.name != "postgresql":
        row = session.execute(
            select(*_figure_columns())
            .select_from(PublicationMetrics)
            .where(_in_range(campaign, period))
        ).one()
        return Overview(
            _figures(row),
            daily(session, campaign, period),
            {by: breakdown(session, campaign, period, by) for by in (*BREAKDOWNS, "kind")},
            top,
            posts,
        )
    m = PublicationMetrics
    if not _ZONE_NAME.match(period.zone):
        raise ValueError(period.zone)
    # The zone is written into the statement: GROUPING SETS needs the day expression to be the
    # same text in the select list and in the grouping (two bound parameters are not).
    day = cast(func.timezone(literal_column(f"'{period.zone}'"), m.published_at), Date)
    dimensions = {
        "day": day,
        "channel": m.channel_id,
        "language": m.language,
        "country": m.audience_country,
        "unit": m.unit_id,
        "kind": m.channel_kind,
    }
    rows = session.execute(
        select(
            *(column.label(name) for name, column in dimensions.items()),
            func.grouping(*dimensions.values()).label("grouping"),
            *_figure_columns(),
        )
        .where(_in_range(campaign, period))
        .group_by(func.grouping_sets(*dimensions.values(), text("()")))
    ).all()
    names = list(dimensions)
    everything = (1 << len(names)) - 1
    total = None
    per: dict[str, list] = {name: [] for name in names}
    for row in rows:
        if row.grouping == everything:
            total = row
            continue
        # GROUPING() sets a bit for every dimension *not* grouped in this row's set.
        grouped = next(
            name
            for position, name in enumerate(names)
            if not row.grouping & (1 << (len(names) - 1 - position))
        )
        per[grouped].append(row)
    channel_names = dict(
        session.execute(
            select(Channel.id, Channel.name).where(
                Channel.id.in_([row.channel for row in per["channel"]])
            )
        ).all()
    )
    unit_names = {
        unit_id: (name_en, name_vi)
        for unit_id, name_en, name_vi in session.execute(
            select(Unit.id, Unit.name_en, Unit.name_vi).where(
                Unit.id.in_([row.unit for row in per["unit"]])
            )
        ).all()
    }
    labels = {
        "channel": lambda row: channel_names.get(row.channel, "—"),
        "unit": lambda row: unit_names.get(row.unit, ("—", None))[0],
    }
    groups = {}
    for name in (*BREAKDOWNS, "kind"):
        label = labels.get(name, lambda row, name=name: getattr(row, name) or "—")
        groups[name] = sorted(
            (
                Group(
                    str(getattr(row, name) or ""),
                    str(label(row)),
                    _figures(row),
                    unit_names.get(row.unit, (None, None))[1] if name == "unit" else None,
                )
                for row in per[name]
            ),
            key=lambda group: group.label,
        )
    by_day = {row.day: row for row in per["day"]}
    days = [_day(current, by_day.get(current)) for current in period.days()]
    if total is None:  # no row at all: PostgreSQL still answers the empty grouping set
        raise AssertionError("GROUPING SETS gave no total")
    return Overview(_figures(total), days, groups, top, posts)


def _day(current: date, row) -> Day:
    if row is None:
        return Day(current, 0, Measure(None, 0, 0), Measure(None, 0, 0))
    total = int(row.publications)
    return Day(
        current,
        total,
        Measure(_int(row.reach), int(row.reach_available), total),
        Measure(_int(row.engagements), int(row.engagements_available), total),
    )


# --- language variants at a fixed point ----------------------------------------------------------


@dataclass(frozen=True)
class VariantResult:
    language: str
    publications: int
    reach: int | None
    engagements: int | None
    # The engagement rate's two parts, over the publications that gave both numbers (a
    # Telegram post's engagements have no reach beside them and would inflate the rate).
    rate_reach: int | None = None
    rate_engagements: int | None = None

    @property
    def rate(self) -> float | None:
        if not self.rate_reach or self.rate_engagements is None:
            return None
        return self.rate_engagements / self.rate_reach


@dataclass(frozen=True)
class VariantComparison:
    post_id: int
    title: str
    point: str
    variants: list[VariantResult]
    best: str | None  # the language that did best, None when no number is available


def _score(result: VariantResult) -> tuple[float, float]:
    # Engagement rate where reach is known (Telegram gives none), else engagements alone.
    rate = result.rate
    return (rate if rate is not None else -1.0, float(result.engagements or -1))


def variant_comparison(
    session: Session,
    campaign: Campaign,
    period: Range,
    *,
    point: str = COMPARISON_POINT,
    limit: int = TOP_POSTS,
) -> list[VariantComparison]:
    """For posts published in more than one language in the range, each language's numbers
    at the same fixed ``point`` after publication (the 24 h snapshot by default) and the
    language that did best: highest engagement rate, else most engagements.

    The posts are chosen from the rollup (those out in several languages, the most engaging
    first: one pass over the campaign's rollup rows), and only their snapshots at ``point`` are
    read, through the snapshots' (publication, point) key: a campaign's whole series at 24 h is
    never joined. A few more posts than shown are taken, for those not yet that old."""
    if point not in FIXED_POINTS:
        raise ValueError(point)
    s, m = MetricSnapshot, PublicationMetrics
    both = and_(s.reach.is_not(None), s.engagements.is_not(None))
    chosen = (
        select(m.post_id)
        .where(_in_range(campaign, period))
        .group_by(m.post_id)
        .having(func.count(func.distinct(m.language)) > 1)
        .order_by(func.max(func.coalesce(m.engagements, 0)).desc(), m.post_id)
        .limit(limit * 3)
    )
    rows = session.execute(
        select(
            m.post_id,
            m.language,
            func.count().label("publications"),
            func.sum(s.reach).label("reach"),
            func.sum(s.engagements).label("engagements"),
            func.sum(case((both, s.reach))).label("rate_reach"),
            func.sum(case((both, s.engagements))).label("rate_engagements"),
        )
        .select_from(m)
        .join(s, and_(s.publication_id == m.publication_id, s.point == point))
        .where(
            m.post_id.in_(chosen.scalar_subquery()),
            _in_range(campaign, period),
            s.status == SnapshotStatus.TAKEN,
            # A point taken long after its instant (after an outage) holds a later value:
            # it would not compare fairly, so it is left out.
            s.late_seconds <= fixed_point_tolerance_seconds(point),
        )
        .group_by(m.post_id, m.language)
    ).all()
    several: dict[int, list[VariantResult]] = {}
    for row in rows:
        several.setdefault(row.post_id, []).append(
            VariantResult(
                row.language,
                int(row.publications),
                _int(row.reach),
                _int(row.engagements),
                _int(row.rate_reach),
                _int(row.rate_engagements),
            )
        )
    ranked = sorted(
        ((post, results) for post, results in several.items() if len(results) > 1),
        key=lambda item: (-max(r.engagements or 0 for r in item[1]), item[0]),
    )[:limit]
    titles = dict(
        session.execute(
            select(Post.id, Post.title).where(Post.id.in_([post for post, _ in ranked]))
        ).all()
    )
    comparisons = []
    for post_id, results in ranked:
        results.sort(key=lambda r: r.language)
        known = [r for r in results if r.engagements is not None]
        best = max(known, key=_score).language if known else None
        comparisons.append(
            VariantComparison(post_id, titles.get(post_id, ""), point, results, best)
        )
    return comparisons


# --- one post's publications ---------------------------------------------------------------------


@dataclass(frozen=True)
class PublicationNumbers:
    metrics: PublicationMetrics
    points: dict[str, MetricSnapshot]  # fixed point → its snapshot, taken or not


def post_numbers(session: Session, post: Post) -> dict[int, PublicationNumbers]:
    """Each published publication of ``post`` (by id): its latest numbers and its snapshots
    at the fixed points."""
    rows = session.scalars(
        select(PublicationMetrics).where(PublicationMetrics.post_id == post.id)
    ).all()
    snapshots = session.scalars(
        select(MetricSnapshot).where(
            MetricSnapshot.publication_id.in_([row.publication_id for row in rows]),
            MetricSnapshot.point.in_(FIXED_POINTS),
        )
    ).all()
    points: dict[int, dict[str, MetricSnapshot]] = {}
    for snapshot in snapshots:
        points.setdefault(snapshot.publication_id, {})[snapshot.point] = snapshot
    return {
        row.publication_id: PublicationNumbers(row, points.get(row.publication_id, {}))
        for row in rows
    }
