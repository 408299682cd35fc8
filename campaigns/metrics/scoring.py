"""Unit scoring against an effectiveness criteria set (bộ tiêu chí đánh giá hiệu quả).

``MEASURES`` is the catalogue of what Herald computes from its own data for a unit over a
period. A criterion scores ``weight × ratio`` points, where the ratio is the share itself for a
share measure and ``min(1, achieved ÷ target)`` for a measure against a target; a unit's score is
the sum, 0–100. Every score carries its explanation: per criterion the inputs (numbers with what
they count), the formula, the target, the weight and the points.

Each measure is one SQL statement grouped by unit, for one unit or for all of them at once (the
ranking), so no publication is ever loaded into Python.

**No data.** When a measure has nothing to measure for a unit (no publication was due, no
publication gave its reach, no planning task fell due), the criterion says "no data" and earns
**no points**: a unit is scored on the work it can show, and a criterion nobody could measure
must not lift a unit above one that was measured. The weights of the other criteria are not
stretched to fill the gap, so every unit of a set is scored out of the same 100.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import Date, case, cast, func, select, union
from sqlalchemy.orm import Session

from campaigns.calendar.models import PlanningTask
from campaigns.errors import NotFound
from campaigns.i18n import N_
from campaigns.metrics.models import CriteriaSet, Criterion, PublicationMetrics
from campaigns.metrics.rules import DayRange
from campaigns.org.models import Person, Unit
from campaigns.permissions import require
from campaigns.press.models import CoverageItem, CoverageStatus, Trip, TripStatus
from campaigns.social.models import Campaign, Channel, Publication, PublicationStatus


class MeasureKind(StrEnum):
    SHARE = "share"  # a share of what was due: the share itself is the ratio, no target
    TARGET = "target"  # an amount compared with the criterion's target


@dataclass(frozen=True)
class Measure:
    key: str
    kind: MeasureKind
    name: str
    definition: str
    formula: str
    # What the target counts ("publications", "articles"), for forms and explanations.
    target_unit: str = ""

    @property
    def needs_target(self) -> bool:
        return self.kind == MeasureKind.TARGET


POSTS_ON_SCHEDULE = "posts_on_schedule"
ENGAGEMENT_RATE = "engagement_rate"
REACH = "reach"
ENGAGEMENTS = "engagements"
POSTS_PUBLISHED = "posts_published"
COVERAGE_ARTICLES = "coverage_articles"
PLANNING_TASKS_ON_TIME = "planning_tasks_on_time"
TRIPS_HELD = "trips_held"

MEASURES: dict[str, Measure] = {
    measure.key: measure
    for measure in (
        Measure(
            POSTS_ON_SCHEDULE,
            MeasureKind.SHARE,
            N_("Posts published on schedule"),
            N_(
                "Of the unit's publications scheduled in the period (on the channels it owns), "
                "the share that went out on time (within 5 minutes of the scheduled instant). "
                "A publication held, failed or given up counts as due and not on time; a "
                "cancelled one does not count."
            ),
            N_("share = published on time ÷ due; points = weight × share"),
        ),
        Measure(
            ENGAGEMENT_RATE,
            MeasureKind.TARGET,
            N_("Engagement rate against target"),
            N_(
                "Engagements (reactions, reposts, replies, saves) divided by reach, over the "
                "unit's publications published in the period whose platform gives both numbers "
                "(Telegram gives no views, so its posts do not count here)."
            ),
            N_("rate = engagements ÷ reach × 100 %; points = weight × min(1, rate ÷ target rate)"),
            N_("engagement rate in percent"),
        ),
        Measure(
            REACH,
            MeasureKind.TARGET,
            N_("Reach against target"),
            N_(
                "The latest reach (impressions, views) of the unit's publications published in "
                "the period, added up; publications whose platform gives no reach are left out."
            ),
            N_("points = weight × min(1, reach ÷ target)"),
            N_("people reached"),
        ),
        Measure(
            ENGAGEMENTS,
            MeasureKind.TARGET,
            N_("Engagements against target"),
            N_(
                "The latest engagements (reactions, reposts, replies, saves) of the unit's "
                "publications published in the period, added up."
            ),
            N_("points = weight × min(1, engagements ÷ target)"),
            N_("engagements"),
        ),
        Measure(
            POSTS_PUBLISHED,
            MeasureKind.TARGET,
            N_("Posts published against target"),
            N_("The unit's publications (a post on one of its channels) published in the period."),
            N_("points = weight × min(1, publications ÷ target)"),
            N_("publications"),
        ),
        Measure(
            COVERAGE_ARTICLES,
            MeasureKind.TARGET,
            N_("Coverage articles against target"),
            N_(
                "Press coverage found or verified, published in the period, that belongs to a "
                "campaign the unit owns or a press trip it hosts (each article counted once)."
            ),
            N_("points = weight × min(1, articles ÷ target)"),
            N_("articles"),
        ),
        Measure(
            PLANNING_TASKS_ON_TIME,
            MeasureKind.SHARE,
            N_("Planning tasks done on time"),
            N_(
                "Of the unit's planning tasks whose anniversary falls in the period and has "
                "come (or that are already done), the share done on or before the anniversary "
                "day."
            ),
            N_("share = done on time ÷ due; points = weight × share"),
        ),
        Measure(
            TRIPS_HELD,
            MeasureKind.TARGET,
            N_("Press trips held against target"),
            N_(
                "Press trips hosted by the unit that started in the period and took place (in "
                "progress, completed, tracking coverage or closed)."
            ),
            N_("points = weight × min(1, trips ÷ target)"),
            N_("trips"),
        ),
    )
}

NO_DATA = N_("No data: nothing to measure for this unit in the period, so no points.")
NO_REACH = N_(
    "No data: none of the unit's publications in the period has a reach from its platform, so "
    "no rate and no points."
)

HELD_TRIP_STATUSES = (
    TripStatus.IN_PROGRESS,
    TripStatus.COMPLETED,
    TripStatus.COVERAGE_TRACKING,
    TripStatus.CLOSED,
)
MISSED_STATUSES = (PublicationStatus.HELD, PublicationStatus.DEAD, PublicationStatus.FAILED)
COUNTED_COVERAGE = (CoverageStatus.FOUND, CoverageStatus.VERIFIED)


@dataclass(frozen=True)
class Input:
    """One number that went into a criterion, with what it counts (a message template)."""

    key: str
    label: str
    value: int | float | None


@dataclass(frozen=True)
class CriterionScore:
    criterion_id: int | None
    measure: Measure
    weight: int
    target: float | None
    inputs: list[Input]
    # The share (0–1) for a share measure; the amount (a rate in percent) for a target measure.
    achieved: float | None
    ratio: float | None  # what the weight is multiplied by (0–1); None: no data
    points: float
    note: str = ""  # why there are no points, when there is no data

    @property
    def no_data(self) -> bool:
        return self.ratio is None


@dataclass
class UnitScore:
    unit: Unit
    criteria: list[CriterionScore] = field(default_factory=list)
    rank: int | None = None

    @property
    def total(self) -> float:
        return _hundredths(sum((_exact(c.points) for c in self.criteria), Decimal(0)))


# A set's period as instants: [first day 00:00, day after the last 00:00) in its zone.
Period = DayRange


# --- one statement per measure, grouped by unit ---------------------------------------------------

Values = dict[int, dict[str, int | float | None]]


def _only(statement, column, unit_id: int | None):
    return statement if unit_id is None else statement.where(column == unit_id)


# What each measure reads of ``metric_publications``: the columns of one pass over the table.
_PUBLICATION_COLUMNS = {
    POSTS_ON_SCHEDULE: ("scheduled", "on_time"),
    ENGAGEMENT_RATE: ("published", "with_both", "rate_reach", "rate_engagements"),
    REACH: ("published", "with_reach", "reach"),
    ENGAGEMENTS: ("published", "engagements"),
    POSTS_PUBLISHED: ("published",),
}


def _publication_totals(
    session: Session, period: Period, unit_id: int | None, measures: set[str]
) -> Values:
    """Per unit, in one pass over the rollup: publications published in the period, their
    reach and engagements (only the numbers platforms gave), reach and engagements of those that
    gave both; and publications scheduled in the period that went out, and how many on time.
    Only the columns ``measures`` need are computed."""
    metrics = PublicationMetrics
    published_in = (metrics.published_at >= period.starts_at) & (
        metrics.published_at < period.ends_at
    )
    scheduled_in = (metrics.scheduled_at >= period.starts_at) & (
        metrics.scheduled_at < period.ends_at
    )
    both = published_in & metrics.reach.is_not(None) & metrics.engagements.is_not(None)
    available = {
        "published": func.count().filter(published_in),
        "with_reach": func.count(metrics.reach).filter(published_in),
        "reach": func.sum(metrics.reach).filter(published_in),
        "engagements": func.sum(metrics.engagements).filter(published_in),
        "with_both": func.count().filter(both),
        "rate_reach": func.sum(metrics.reach).filter(both),
        "rate_engagements": func.sum(metrics.engagements).filter(both),
        "scheduled": func.count().filter(scheduled_in),
        "on_time": func.count().filter(scheduled_in & metrics.on_time),
    }
    names = sorted({name for key in measures for name in _PUBLICATION_COLUMNS.get(key, ())})
    if not names:
        return {}
    if POSTS_ON_SCHEDULE not in measures:
        where = published_in
    elif measures & (set(_PUBLICATION_COLUMNS) - {POSTS_ON_SCHEDULE}):
        where = published_in | scheduled_in
    else:
        where = scheduled_in
    statement = (
        select(metrics.unit_id, *(available[name].label(name) for name in names))
        .where(where)
        .group_by(metrics.unit_id)
    )
    statement = _only(statement, metrics.unit_id, unit_id)
    return {row.unit_id: dict(row._mapping) for row in session.execute(statement)}


def _missed_totals(session: Session, period: Period, now: datetime, unit_id: int | None) -> Values:
    """Per unit: publications due in the period that did not go out (held, failed, given up).
    Few rows, found through ``ix_social_publications_due`` (status first)."""
    missed = (
        select(Channel.owner_unit_id.label("unit_id"), func.count().label("missed"))
        .select_from(Publication)
        .join(Channel, Channel.id == Publication.channel_id)
        .where(
            Publication.status.in_(MISSED_STATUSES),
            Publication.scheduled_at >= period.starts_at,
            Publication.scheduled_at < min(period.ends_at, now),
        )
        .group_by(Channel.owner_unit_id)
    )
    missed = _only(missed, Channel.owner_unit_id, unit_id)
    return {row.unit_id: {"missed": row.missed} for row in session.execute(missed)}


def _coverage_totals(session: Session, period: Period, unit_id: int | None) -> Values:
    """Per unit: coverage articles published in the period, of its campaigns or its trips."""
    counted = (
        CoverageItem.status.in_(COUNTED_COVERAGE),
        CoverageItem.published_on >= period.start,
        CoverageItem.published_on <= period.end,
    )
    by_campaign = (
        select(Campaign.owner_unit_id.label("unit_id"), CoverageItem.id.label("item_id"))
        .join(Campaign, Campaign.id == CoverageItem.campaign_id)
        .where(*counted)
    )
    by_trip = (
        select(Trip.host_unit_id.label("unit_id"), CoverageItem.id.label("item_id"))
        .join(Trip, Trip.id == CoverageItem.trip_id)
        .where(*counted)
    )
    if unit_id is not None:
        by_campaign = by_campaign.where(Campaign.owner_unit_id == unit_id)
        by_trip = by_trip.where(Trip.host_unit_id == unit_id)
    # UNION (not UNION ALL): an article of a unit's trip and of its campaign counts once.
    items = union(by_campaign, by_trip).subquery()
    statement = select(items.c.unit_id, func.count().label("articles")).group_by(items.c.unit_id)
    return {row.unit_id: {"articles": row.articles} for row in session.execute(statement)}


def _done_day(session: Session, period: Period):
    """The day a planning task was done, on the office's wall clock, as SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(period.zone, PlanningTask.done_at), Date)
    # SQLite (the embedded default) knows no zones: the zone's offset at the start of the
    # period stands for it (a DST change inside the period may shift a midnight by an hour).
    offset = period.starts_at.astimezone(ZoneInfo(period.zone)).utcoffset() or timedelta()
    return func.date(PlanningTask.done_at, f"{int(offset.total_seconds() // 60):+d} minutes")


def _planning_totals(session: Session, period: Period, today: date, unit_id: int | None) -> Values:
    """Per unit: planning tasks due in the period (anniversary in it and come, or done) and
    how many were done on or before the anniversary day."""
    task = PlanningTask
    done = task.status == "done"
    on_time = done & (_done_day(session, period) <= task.occurrence_date)
    statement = (
        select(
            task.unit_id,
            func.count().label("due"),
            func.sum(case((done, 1), else_=0)).label("done"),
            func.sum(case((on_time, 1), else_=0)).label("on_time"),
        )
        .where(
            task.unit_id.is_not(None),
            task.occurrence_date >= period.start,
            task.occurrence_date <= period.end,
            done | (task.occurrence_date <= today),
        )
        .group_by(task.unit_id)
    )
    statement = _only(statement, task.unit_id, unit_id)
    return {row.unit_id: dict(row._mapping) for row in session.execute(statement)}


def _trip_totals(session: Session, period: Period, unit_id: int | None) -> Values:
    statement = (
        select(Trip.host_unit_id.label("unit_id"), func.count().label("trips"))
        .where(
            Trip.status.in_(HELD_TRIP_STATUSES),
            Trip.start_date >= period.start,
            Trip.start_date <= period.end,
        )
        .group_by(Trip.host_unit_id)
    )
    statement = _only(statement, Trip.host_unit_id, unit_id)
    return {row.unit_id: {"trips": row.trips} for row in session.execute(statement)}


# Which statements each measure reads; measures that share one run it once.
_SOURCES: dict[str, tuple[str, ...]] = {
    POSTS_ON_SCHEDULE: ("publications", "missed"),
    ENGAGEMENT_RATE: ("publications",),
    REACH: ("publications",),
    ENGAGEMENTS: ("publications",),
    POSTS_PUBLISHED: ("publications",),
    COVERAGE_ARTICLES: ("coverage",),
    PLANNING_TASKS_ON_TIME: ("planning",),
    TRIPS_HELD: ("trips",),
}


def _gather(
    session: Session, measures: Iterable[str], period: Period, now: datetime, unit_id: int | None
) -> dict[str, Values]:
    measures = set(measures)
    today = now.astimezone(ZoneInfo(period.zone)).date()
    readers = {
        "publications": lambda: _publication_totals(session, period, unit_id, measures),
        "missed": lambda: _missed_totals(session, period, now, unit_id),
        "coverage": lambda: _coverage_totals(session, period, unit_id),
        "planning": lambda: _planning_totals(session, period, today, unit_id),
        "trips": lambda: _trip_totals(session, period, unit_id),
    }
    sources = {source for key in measures for source in _SOURCES[key]}
    return {source: readers[source]() for source in sources}


# --- from numbers to points ----------------------------------------------------------------------


def _number(value: int | float | None) -> int:
    return int(value or 0)


def _exact(value: int | float | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _share(criterion: Criterion, measure: Measure, part: int, whole: int, inputs: list[Input]):
    if whole <= 0:
        return _scored(criterion, measure, inputs, None, None, NO_DATA)
    share = Decimal(part) / Decimal(whole)
    return _scored(criterion, measure, inputs, share, share)


def _against_target(
    criterion: Criterion,
    measure: Measure,
    achieved: int | Decimal | None,
    inputs: list[Input],
    note: str = "",
):
    if achieved is None:
        return _scored(criterion, measure, inputs, None, None, note or NO_DATA)
    target = _exact(criterion.target or 0)
    # A target is required and positive (criteria.validate); a broken row scores nothing.
    ratio = min(Decimal(1), _exact(achieved) / target) if target > 0 else Decimal(0)
    return _scored(criterion, measure, inputs, achieved, ratio)


def _hundredths(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _scored(criterion, measure, inputs, achieved, ratio, note=""):
    # Decimal arithmetic, rounded half up once: 25 × 210 ÷ 400 is 13.13 points, as on paper.
    points = _hundredths(criterion.weight * ratio) if ratio is not None else 0.0
    return CriterionScore(
        criterion_id=criterion.id,
        measure=measure,
        weight=criterion.weight,
        target=criterion.target if measure.needs_target else None,
        inputs=inputs,
        achieved=float(achieved) if achieved is not None else None,
        ratio=float(ratio) if ratio is not None else None,
        points=points,
        note=note,
    )


def score_criterion(
    criterion: Criterion, values: dict[str, Values], unit_id: int
) -> CriterionScore:
    """One criterion for one unit, from the gathered numbers, with its explanation."""
    measure = MEASURES[criterion.measure]
    source = values[_SOURCES[measure.key][0]].get(unit_id, {})
    if measure.key == POSTS_ON_SCHEDULE:
        published, on_time = (_number(source.get(k)) for k in ("scheduled", "on_time"))
        missed = _number(values["missed"].get(unit_id, {}).get("missed"))
        inputs = [
            Input("on_time", N_("Publications published on time"), on_time),
            Input("late", N_("Publications published late"), published - on_time),
            Input("missed", N_("Publications due and not published (held, failed)"), missed),
            Input("due", N_("Publications due in the period"), published + missed),
        ]
        return _share(criterion, measure, on_time, published + missed, inputs)
    if measure.key == PLANNING_TASKS_ON_TIME:
        due, done, on_time = (_number(source.get(k)) for k in ("due", "done", "on_time"))
        inputs = [
            Input("on_time", N_("Planning tasks done on time"), on_time),
            Input("late", N_("Planning tasks done late"), done - on_time),
            Input("open", N_("Planning tasks still open after their day"), due - done),
            Input("due", N_("Planning tasks due in the period"), due),
        ]
        return _share(criterion, measure, on_time, due, inputs)
    if measure.key == ENGAGEMENT_RATE:
        reach, engagements = (
            _number(source.get("rate_reach")),
            _number(source.get("rate_engagements")),
        )
        inputs = [
            Input("engagements", N_("Engagements"), engagements),
            Input("reach", N_("Reach"), reach),
            Input(
                "measured", N_("Publications with both numbers"), _number(source.get("with_both"))
            ),
            Input(
                "published",
                N_("Publications published in the period"),
                _number(source.get("published")),
            ),
        ]
        rate = Decimal(engagements) * 100 / Decimal(reach) if reach > 0 else None
        return _against_target(criterion, measure, rate, inputs, NO_REACH)
    if measure.key == REACH:
        with_reach = _number(source.get("with_reach"))
        inputs = [
            Input("reach", N_("Reach"), _number(source.get("reach"))),
            Input("measured", N_("Publications with a reach"), with_reach),
            Input(
                "published",
                N_("Publications published in the period"),
                _number(source.get("published")),
            ),
        ]
        achieved = _number(source.get("reach")) if with_reach else None
        return _against_target(criterion, measure, achieved, inputs, NO_REACH)
    if measure.key == ENGAGEMENTS:
        inputs = [
            Input("engagements", N_("Engagements"), _number(source.get("engagements"))),
            Input(
                "published",
                N_("Publications published in the period"),
                _number(source.get("published")),
            ),
        ]
        return _against_target(criterion, measure, _number(source.get("engagements")), inputs)
    if measure.key == POSTS_PUBLISHED:
        published = _number(source.get("published"))
        inputs = [Input("published", N_("Publications published in the period"), published)]
        return _against_target(criterion, measure, published, inputs)
    if measure.key == COVERAGE_ARTICLES:
        articles = _number(source.get("articles"))
        inputs = [Input("articles", N_("Coverage articles"), articles)]
        return _against_target(criterion, measure, articles, inputs)
    trips = _number(source.get("trips"))
    inputs = [Input("trips", N_("Press trips held"), trips)]
    return _against_target(criterion, measure, trips, inputs)


def _known_criteria(criteria_set: CriteriaSet) -> list[Criterion]:
    return [criterion for criterion in criteria_set.criteria if criterion.measure in MEASURES]


def _score(criteria: list[Criterion], values: dict[str, Values], unit: Unit) -> UnitScore:
    return UnitScore(unit, [score_criterion(criterion, values, unit.id) for criterion in criteria])


class FiguresCache:
    """The gathered numbers of recent rankings, kept ``seconds`` (a web process keeps one).

    A ranking over a year reads every publication of the year (~50 ms of aggregation for
    100,000 on a small machine); leadership views it again and again while the figures move
    only as snapshots are collected. So the *numbers* are kept a short while, keyed by the
    measures, the period, the zone and the day; the criteria's weights and targets are applied
    afresh on every request, so a changed set shows at once. ``now`` decides expiry (time is
    passed in, as everywhere).
    """

    def __init__(self, seconds: float, size: int = 64) -> None:
        self.lifetime = timedelta(seconds=seconds)
        self.size = size
        self._entries: dict[tuple, tuple[datetime, dict[str, Values]]] = {}
        self._lock = threading.Lock()

    def figures(self, key: tuple, now: datetime, compute) -> tuple[dict[str, Values], datetime]:
        """The numbers for ``key`` and when they were computed; computed now if need be."""
        if self.lifetime > timedelta(0):
            with self._lock:
                entry = self._entries.get(key)
            if entry is not None and timedelta(0) <= now - entry[0] < self.lifetime:
                return entry[1], entry[0]
        values = compute()
        if self.lifetime > timedelta(0):
            with self._lock:
                if len(self._entries) >= self.size:
                    self._entries.pop(next(iter(self._entries)))
                self._entries[key] = (now, values)
        return values, now

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# --- the doors' questions -------------------------------------------------------------------------


def unit_score(
    session: Session,
    *,
    actor: Person,
    criteria_set: CriteriaSet,
    unit: Unit,
    zone: str,
    now: datetime,
) -> UnitScore:
    """``unit``'s score for ``criteria_set``'s period, with its explanation. ``zone`` is the
    office's zone, in which the period's days begin and end. Raises NotAllowed (another unit's
    score, for anyone but admins and coordinators)."""
    require(actor, "score.view", unit)
    criteria = _known_criteria(criteria_set)
    period = Period(criteria_set.period_start, criteria_set.period_end, zone)
    values = _gather(session, (c.measure for c in criteria), period, now, unit.id)
    return _score(criteria, values, unit)


def ranking(
    session: Session,
    *,
    actor: Person,
    criteria_set: CriteriaSet,
    zone: str,
    now: datetime,
    cache: FiguresCache | None = None,
) -> list[UnitScore]:
    """Every unit's score for the set's period, best first; equal scores share a rank
    (1, 1, 3). With ``cache``, numbers gathered less than its lifetime ago are reused.
    Raises NotAllowed (admins and coordinators only)."""
    require(actor, "score.rank")
    criteria = _known_criteria(criteria_set)
    period = Period(criteria_set.period_start, criteria_set.period_end, zone)
    measures = frozenset(c.measure for c in criteria)

    def gather() -> dict[str, Values]:
        return _gather(session, measures, period, now, None)

    if cache is None:
        values = gather()
    else:
        today = now.astimezone(ZoneInfo(zone)).date()
        values, _ = cache.figures((measures, period, today), now, gather)
    units = session.scalars(select(Unit).order_by(Unit.code)).all()
    scores = sorted(
        (_score(criteria, values, unit) for unit in units),
        key=lambda score: (-score.total, score.unit.code),
    )
    previous: float | None = None
    for position, score in enumerate(scores, start=1):
        if score.total != previous:
            rank = position
            previous = score.total
        score.rank = rank
    return scores


def own_unit_score(
    session: Session, *, actor: Person, criteria_set: CriteriaSet, zone: str, now: datetime
) -> UnitScore:
    """The actor's own unit's score. Raises NotFound when the actor belongs to no unit."""
    if actor.unit is None:
        raise NotFound(N_("You belong to no unit, so there is no score of yours to show."))
    return unit_score(
        session, actor=actor, criteria_set=criteria_set, unit=actor.unit, zone=zone, now=now
    )
