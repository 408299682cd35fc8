"""Reading annual plans: which a person may see, how far each activity got (counted from the
work linked to it where Herald holds the data), the mid-year and year-end reviews of a unit and
the roll-up of the units below, as ``exports.Document`` for the page, PDF and XLSX."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.orm import Session

from campaigns.calendar.models import Event, EventStatus
from campaigns.errors import NotAllowed, NotFound
from campaigns.i18n import N_
from campaigns.metrics import exports
from campaigns.metrics.scoring import COUNTED_COVERAGE
from campaigns.org.models import Person, Role, Unit
from campaigns.permissions import can
from campaigns.press import queries as press_queries
from campaigns.press.models import CoverageItem, Trip, TripStatus
from campaigns.programme.plan_models import (
    ACTIVITY_KINDS,
    ACTIVITY_STATUS_TITLES,
    COUNTED_MEASURES,
    INDICATOR_MEASURES,
    PLAN_STATUS_TITLES,
    THEMES,
    ActivityIndicator,
    ActivityLink,
    ActivityStatus,
    AnnualPlan,
    PlanActivity,
)
from campaigns.programme.plan_rules import Change, plan_changes
from campaigns.social.models import Post, Publication, PublicationStatus

Translate = Callable[[str], str]
HELD_TRIPS = (
    TripStatus.IN_PROGRESS,
    TripStatus.COMPLETED,
    TripStatus.COVERAGE_TRACKING,
    TripStatus.CLOSED,
)
REVIEWS = {"mid-year": N_("Mid-year review"), "year-end": N_("Year-end review")}


# --- which plans -----------------------------------------------------------------------------------


def descendant_ids(session: Session, unit_id: int) -> list[int]:
    """The ids of every unit below ``unit_id`` (children, grandchildren, ...)."""
    children: dict[int | None, list[int]] = {}
    for unit_id_, parent_id in session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id_)
    found, queue = [], list(children.get(unit_id, []))
    while queue:
        current = queue.pop()
        if current not in found and current != unit_id:
            found.append(current)
            queue.extend(children.get(current, []))
    return found


def visible_unit_ids(session: Session, actor: Person) -> list[int] | None:
    """The units whose plans ``actor`` sees (None: every unit)."""
    if actor.role == Role.ADMIN:
        return None
    if actor.unit_id is None:
        return []
    if actor.role == Role.COORDINATOR:
        return [actor.unit_id, *descendant_ids(session, actor.unit_id)]
    return [actor.unit_id]


def visible_plans(session: Session, *, actor: Person, year: int | None = None) -> list[AnnualPlan]:
    """The plans ``actor`` may see (their unit's; a coordinator's also the units' below)."""
    units = visible_unit_ids(session, actor)
    statement = select(AnnualPlan).join(Unit, Unit.id == AnnualPlan.unit_id)
    if units is not None:
        statement = statement.where(AnnualPlan.unit_id.in_(units))
    if year is not None:
        statement = statement.where(AnnualPlan.year == year)
    return list(session.scalars(statement.order_by(AnnualPlan.year.desc(), Unit.code)))


def plan_years(session: Session, *, actor: Person) -> list[int]:
    return sorted({plan.year for plan in visible_plans(session, actor=actor)}, reverse=True)


def get_plan(session: Session, plan_id: int | None, *, actor: Person | None) -> AnnualPlan:
    """The plan, if the person may see it. Raises NotFound otherwise (the two answer alike)."""
    plan = session.get(AnnualPlan, plan_id) if plan_id else None
    if plan is None or (actor is not None and not can(actor, "plan.view", plan)):
        raise NotFound(N_("There is no such plan."))
    return plan


def get_activity(
    session: Session, activity_id: int | None, *, actor: Person | None
) -> PlanActivity:
    activity = session.get(PlanActivity, activity_id) if activity_id else None
    if activity is None or (actor is not None and not can(actor, "plan.view", activity.plan)):
        raise NotFound(N_("There is no such activity."))
    return activity


def _part_of_activity(model):
    def get(session: Session, key: int | None, *, actor: Person | None):
        found = session.get(model, key) if key else None
        if found is None or (
            actor is not None and not can(actor, "plan.view", found.activity.plan)
        ):
            raise NotFound(N_("There is no such activity."))
        return found

    return get


get_link = _part_of_activity(ActivityLink)
get_indicator = _part_of_activity(ActivityIndicator)


def plans_of_units_below(
    session: Session, *, actor: Person, unit: Unit, year: int
) -> list[AnnualPlan]:
    """The plans for ``year`` of every unit below ``unit`` (the roll-up). Raises NotAllowed
    unless the person sees the plans of the units below (a coordinator of the unit or above)."""
    below = descendant_ids(session, unit.id)
    if actor.role != Role.ADMIN and not (
        actor.role == Role.COORDINATOR and can(actor, "plan.view", unit)
    ):
        raise NotAllowed(N_("Only the unit's coordinators see the plans of the units below it."))
    return list(
        session.scalars(
            select(AnnualPlan)
            .join(Unit, Unit.id == AnnualPlan.unit_id)
            .where(AnnualPlan.unit_id.in_(below), AnnualPlan.year == year)
            .order_by(Unit.code)
        )
    )


def link_label(session: Session, link: ActivityLink, *, actor: Person, locale: str) -> str:
    """What a link points at, by name when the reader may see it (the same rule as the pages
    of events, campaigns, trips and posts), else only by number."""
    from campaigns.programme.plans import _LINK_TARGETS

    getter, _model = _LINK_TARGETS[link.kind]
    try:
        target = getter(session, link.target_id, actor=actor)
    except (NotFound, NotAllowed):
        return f"#{link.target_id}"
    if link.kind == "campaign":
        return target.name(locale)
    return target.title


# --- progress --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    posts: int
    coverage_articles: int
    trips_held: int
    events_held: int
    linked: int  # how many links the counts come from
    status: str
    by_hand: bool

    def count(self, measure: str) -> int | None:
        return getattr(self, measure) if measure in COUNTED_MEASURES else None


def _end_of(day: date) -> datetime:
    # Days end at midnight UTC here: a review's cut-off is a date, and a few hours either side
    # of it do not change a year's counts.
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def activity_progress(
    session: Session,
    activity: PlanActivity,
    *,
    today: date,
    until: date | None = None,
    viewer: Person | None = None,
) -> Progress:
    """How far the activity got by ``until`` (default today): posts published, coverage
    articles found, trips and events held, counted from its linked work — only the work and
    the coverage ``viewer`` may see (None: all); and its status, by hand if someone set one,
    else from those counts and its window."""
    until = min(until or today, today)
    ids: dict[str, list[int]] = {"event": [], "campaign": [], "trip": [], "post": []}
    for link in activity.links:
        target = link.event or link.trip
        if viewer is not None and target is not None:
            action = "event.view" if link.kind == "event" else "trip.view"
            if not can(viewer, action, target):
                continue
        ids[link.kind].append(link.target_id)
    seen = press_queries.coverage_seen_by(viewer)
    posts = coverage = trips = events = 0
    if ids["post"] or ids["campaign"]:
        posts = (
            session.scalar(
                select(func.count(distinct(Publication.post_id)))
                .join(Post, Post.id == Publication.post_id)
                .where(
                    Publication.status == PublicationStatus.PUBLISHED,
                    Publication.published_at < _end_of(until),
                    or_(Post.id.in_(ids["post"]), Post.campaign_id.in_(ids["campaign"])),
                )
            )
            or 0
        )
    if ids["campaign"] or ids["trip"]:
        coverage = (
            session.scalar(
                select(func.count(CoverageItem.id)).where(
                    CoverageItem.status.in_(COUNTED_COVERAGE),
                    or_(CoverageItem.published_on.is_(None), CoverageItem.published_on <= until),
                    or_(
                        CoverageItem.campaign_id.in_(ids["campaign"]),
                        CoverageItem.trip_id.in_(ids["trip"]),
                    ),
                    *([] if seen is None else [seen]),
                )
            )
            or 0
        )
    if ids["trip"]:
        trips = (
            session.scalar(
                select(func.count(Trip.id)).where(
                    Trip.id.in_(ids["trip"]), Trip.status.in_(HELD_TRIPS), Trip.start_date <= until
                )
            )
            or 0
        )
    if ids["event"]:
        for event in session.scalars(select(Event).where(Event.id.in_(ids["event"]))):
            first_day = event.start_date or (event.starts_at.date() if event.starts_at else None)
            if event.status != EventStatus.CANCELLED and first_day and first_day <= until:
                events += 1
    if activity.status_by_hand:
        status, by_hand = activity.status_by_hand, True
    else:
        by_hand = False
        if posts or coverage or trips or events:
            status = ActivityStatus.DONE if until > activity.ends_on else ActivityStatus.IN_PROGRESS
        elif until < activity.starts_on:
            status = ActivityStatus.PLANNED
        else:
            status = ActivityStatus.NOT_REPORTED
    return Progress(posts, coverage, trips, events, len(activity.links), status, by_hand)


def indicator_achieved(indicator: ActivityIndicator, progress: Progress) -> int | None:
    counted = progress.count(indicator.measure)
    return counted if counted is not None else indicator.achieved_by_hand


def indicator_label(indicator: ActivityIndicator, _: Translate) -> str:
    if indicator.measure == "manual":
        return indicator.label
    title = _(INDICATOR_MEASURES.get(indicator.measure, indicator.measure))
    return f"{title} ({indicator.label})" if indicator.label else title


# --- versions --------------------------------------------------------------------------------------


def changes_since_approval(plan: AnnualPlan) -> list[Change]:
    """What differs now from the last approved version (nothing when none was approved)."""
    from campaigns.programme.plans import plan_snapshot

    if not plan.versions:
        return []
    return plan_changes(plan.versions[-1].snapshot, plan_snapshot(plan))


def version_history(plan: AnnualPlan) -> list[tuple[object, list[Change]]]:
    """Each approved version, newest first, with what changed from the one before."""
    history, previous = [], None
    for version in plan.versions:
        changes = plan_changes(previous, version.snapshot) if previous is not None else []
        history.append((version, changes))
        previous = version.snapshot
    return list(reversed(history))


# --- review and roll-up documents ------------------------------------------------------------------


def review_cutoff(plan_year: int, review: str) -> date:
    return date(plan_year, 6, 30) if review == "mid-year" else date(plan_year, 12, 31)


def _labels(_: Translate) -> exports.Labels:
    return exports.Labels(
        not_available=_(N_("not available")),
        figure=_(N_("Figure")),
        value=_(N_("Value")),
        note=_(N_("Note")),
        key_figures=_(N_("Key figures")),
        label=_(N_("Label")),
        page=_(N_("Page")),
    )


def review_document(
    session: Session,
    plan: AnnualPlan,
    *,
    review: str,
    today: date,
    _: Translate,
    locale: str,
    viewer: Person | None = None,
) -> exports.Document:
    """A unit's mid-year (to 30 June) or year-end review of its plan: every activity with its
    status, budget and counts, then every indicator against its target."""
    cutoff = review_cutoff(plan.year, review)
    activities, results, indicators = [], [], []
    planned = spent = done = 0
    for activity in plan.activities:
        progress = activity_progress(session, activity, today=today, until=cutoff, viewer=viewer)
        planned += activity.budget_planned
        spent += activity.budget_spent
        done += progress.status == ActivityStatus.DONE
        status = _(ACTIVITY_STATUS_TITLES.get(progress.status, progress.status))
        if progress.by_hand:
            status = f"{status} ({_(N_('by hand'))})"
        activities.append(
            [
                activity.title,
                _(ACTIVITY_KINDS.get(activity.kind, activity.kind)),
                f"{activity.country} · {_(THEMES.get(activity.theme, activity.theme))}",
                activity.starts_on,
                activity.ends_on,
                activity.lead_unit.name(locale),
                status,
            ]
        )
        results.append(
            [
                activity.title,
                activity.budget_planned,
                activity.budget_spent,
                progress.posts,
                progress.coverage_articles,
                progress.trips_held,
            ]
        )
        for indicator in activity.indicators:
            indicators.append(
                [
                    activity.title,
                    indicator_label(indicator, _),
                    indicator.target,
                    indicator_achieved(indicator, progress),
                    _(N_("counted by Herald"))
                    if indicator.measure in COUNTED_MEASURES
                    else _(N_("by hand")),
                ]
            )
    title = _(N_("%(review)s of the %(year)s plan: %(unit)s")) % {
        "review": _(REVIEWS[review]),
        "year": plan.year,
        "unit": plan.unit.name(locale),
    }
    return exports.Document(
        title=title,
        locale=locale,
        subtitle=f"{plan.title} · {_(PLAN_STATUS_TITLES.get(plan.status, plan.status))}",
        notes=[
            _(
                N_(
                    "Counted from the work linked to each activity up to %(day)s; by hand where Herald has no data."
                )
            )
            % {"day": exports.format_cell(cutoff, locale, "")}
        ],
        figures=[
            exports.Figure(_(N_("Activities")), len(plan.activities)),
            exports.Figure(_(N_("Activities done")), done),
            exports.Figure(_(N_("Budget planned (VND)")), planned),
            exports.Figure(_(N_("Budget spent (VND)")), spent),
        ],
        blocks=[
            exports.Table(
                _(N_("Activities")),
                [
                    _(N_("Activity")),
                    _(N_("Kind")),
                    _(N_("Country and theme")),
                    _(N_("From")),
                    _(N_("To")),
                    _(N_("Lead unit")),
                    _(N_("Status")),
                ],
                activities,
            ),
            exports.Table(
                _(N_("Budget and results")),
                [
                    _(N_("Activity")),
                    _(N_("Budget planned (VND)")),
                    _(N_("Budget spent (VND)")),
                    _(N_("Posts published")),
                    _(N_("Press coverage articles")),
                    _(N_("Press trips held")),
                ],
                results,
            ),
            exports.Table(
                _(N_("Indicators")),
                [
                    _(N_("Activity")),
                    _(N_("Indicator")),
                    _(N_("Target")),
                    _(N_("Achieved")),
                    _(N_("Source")),
                ],
                indicators,
            ),
        ],
        labels=_labels(_),
    )


def rollup_document(
    session: Session,
    unit: Unit,
    plans: list[AnnualPlan],
    *,
    year: int,
    today: date,
    _: Translate,
    locale: str,
    viewer: Person | None = None,
) -> exports.Document:
    """The plans of the units below ``unit`` for ``year``, one line each."""
    rows = []
    for plan in plans:
        progress = [
            activity_progress(session, item, today=today, viewer=viewer) for item in plan.activities
        ]
        rows.append(
            [
                plan.unit.name(locale),
                _(PLAN_STATUS_TITLES.get(plan.status, plan.status)),
                plan.version,
                len(plan.activities),
                sum(item.status == ActivityStatus.DONE for item in progress),
                sum(item.budget_planned for item in plan.activities),
                sum(item.budget_spent for item in plan.activities),
                sum(item.posts for item in progress),
                sum(item.coverage_articles for item in progress),
                sum(item.trips_held for item in progress),
            ]
        )
    return exports.Document(
        title=_(N_("Plans %(year)s of the units below %(unit)s"))
        % {"year": year, "unit": unit.name(locale)},
        locale=locale,
        figures=[
            exports.Figure(_(N_("Plans")), len(plans)),
            exports.Figure(_(N_("Budget planned (VND)")), sum(row[5] for row in rows)),
            exports.Figure(_(N_("Budget spent (VND)")), sum(row[6] for row in rows)),
        ],
        blocks=[
            exports.Table(
                _(N_("Plans")),
                [
                    _(N_("Unit")),
                    _(N_("Status")),
                    _(N_("Version")),
                    _(N_("Activities")),
                    _(N_("Activities done")),
                    _(N_("Budget planned (VND)")),
                    _(N_("Budget spent (VND)")),
                    _(N_("Posts published")),
                    _(N_("Press coverage articles")),
                    _(N_("Press trips held")),
                ],
                rows,
            )
        ],
        labels=_labels(_),
    )
