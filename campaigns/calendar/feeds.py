"""Calendar feeds: which items each feed carries for whom, over which window, and the data
version that says when a feed's text (campaigns.calendar.ical) must be written again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.calendar import queries
from campaigns.calendar.ical import FORMAT_VERSION, FeedContents
from campaigns.calendar.models import Anniversary, Event, EventKind, Visibility
from campaigns.errors import NotFound
from campaigns.i18n import N_
from campaigns.org.models import Person, Unit
from campaigns.org.queries import unit_by_code
from campaigns.permissions import can, require

# What a feed covers, counted from the first day of the current month: calendar apps keep what
# they fetched, so a year of history is plenty; two years ahead covers the planning horizon.
PAST_MONTHS = 12
FUTURE_MONTHS = 24


class FeedKind(StrEnum):
    PERSONAL = "personal"
    PUBLIC = "public"
    UNIT = "unit"
    EVENT_KIND = "kind"
    ANNIVERSARIES = "anniversaries"


@dataclass(frozen=True)
class Feed:
    """One feed: its kind, language, and the unit or event kind it is narrowed to."""

    kind: FeedKind
    locale: str = "vi"
    unit_code: str | None = None
    event_kind: str | None = None

    def key(self) -> tuple[str, ...]:
        return (self.kind.value, self.locale, self.unit_code or "", self.event_kind or "")


@dataclass(frozen=True)
class DataVersion:
    """A cheap summary of everything feeds are made of: it changes when any of it changes."""

    changed_at: datetime | None
    fingerprint: str


def feed_window(today: date) -> tuple[date, date]:
    """The days a feed covers (inclusive): 12 months back to 24 months ahead, whole months."""
    month_index = today.year * 12 + today.month - 1
    first = month_index - PAST_MONTHS
    after_last = month_index + FUTURE_MONTHS + 1
    since = date(first // 12, first % 12 + 1, 1)
    until = date(after_last // 12, after_last % 12 + 1, 1) - timedelta(days=1)
    return since, until


def feed_contents(
    session: Session,
    feed: Feed,
    *,
    viewer: Person | None,
    since: date,
    until: date,
    zone: str,
) -> FeedContents:
    """The events and anniversary occurrences ``feed`` carries for ``viewer`` in [since, until].

    Only the public feed is for nobody in particular; every other feed is what ``viewer`` may
    see. Raises NotAllowed (no viewer, or one who may not use feeds) or NotFound (unknown unit
    or event kind).
    """
    if feed.kind is FeedKind.PUBLIC:
        viewer = None
    else:
        require(viewer, "feeds.use")
    unit = None
    if feed.kind is FeedKind.UNIT:
        unit = unit_by_code(session, feed.unit_code)
        if unit is None:
            raise NotFound(N_("There is no unit with this code."))
    if feed.kind is FeedKind.EVENT_KIND and feed.event_kind not in set(EventKind):
        raise NotFound(N_("There is no such kind of event."))

    contents = FeedContents()
    if feed.kind is not FeedKind.ANNIVERSARIES:
        events = queries.visible_events(
            session,
            viewer,
            since=since,
            until=until,
            zone=zone,
            unit_code=unit.code if unit else None,
            kind=feed.event_kind if feed.kind is FeedKind.EVENT_KIND else None,
        )
        contents.events = [event for event in events if _may_see(viewer, event)]
    if feed.kind is not FeedKind.EVENT_KIND:
        occurrences = queries.occurrences(session, since=since, until=until)
        if unit is not None:
            occurrences = [item for item in occurrences if item.owner_unit_id == unit.id]
        contents.occurrences = occurrences
        ids = {item.anniversary_id for item in occurrences}
        if ids:
            rows = session.execute(
                select(Anniversary.id, Anniversary.updated_at).where(Anniversary.id.in_(ids))
            )
            contents.anniversary_changes = {row.id: row.updated_at for row in rows}
    return contents


def _may_see(viewer: Person | None, event: Event) -> bool:
    # A second check behind the query's own filter: a feed leaves the building, unlike a page.
    if viewer is None:
        return event.visibility == Visibility.PUBLIC
    return can(viewer, "event.view", event)


# Built once: a statement built anew per request costs more than the indexed query itself
# (SQLAlchemy computes a new statement's cache key; this one's is kept).
_DATA_VERSION = select(
    select(func.count(Event.id)).scalar_subquery(),
    select(func.max(Event.id)).scalar_subquery(),
    select(func.max(Event.updated_at)).scalar_subquery(),
    select(func.count(Anniversary.id)).scalar_subquery(),
    select(func.max(Anniversary.updated_at)).scalar_subquery(),
    select(func.count(Unit.id)).scalar_subquery(),
    select(func.max(Unit.updated_at)).scalar_subquery(),
)


def data_version(session: Session) -> DataVersion:
    """Counts and last changes of events, anniversaries and units, in one indexed round trip,
    cheap enough to run before answering every feed request.

    Services move ``updated_at`` forward on every change; a deletion moves a count.
    """
    row = session.execute(_DATA_VERSION).one()
    instants = [value for value in (row[2], row[4], row[6]) if value is not None]
    fingerprint = "|".join(_stable(value) for value in row)
    return DataVersion(changed_at=max(instants, default=None), fingerprint=fingerprint)


def _stable(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)


def cache_key(feed: Feed, *parts: object) -> str:
    """A short strong validator (ETag) for ``feed`` built from everything its text depends on."""
    text = repr((FORMAT_VERSION, feed.key(), *(_stable(part) for part in parts)))
    return hashlib.sha256(text.encode()).hexdigest()[:40]
