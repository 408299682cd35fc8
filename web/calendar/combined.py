"""One calendar: the press trips and publications a person may see, beside the calendar's own
events, anniversaries and holidays.

The calendar area may not import press or social (they import it); the web may import all
three, so the views and feeds put them together here. Each kind costs one query.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy.orm import Session

from campaigns.calendar.items import CalendarItem, ItemKind
from campaigns.calendar.rules import local_day_bounds
from campaigns.org.models import Person
from campaigns.org.queries import unit_by_code
from campaigns.press import queries as press_queries
from campaigns.social import queries as social_queries

# What trips and publications do not have: a filter on these leaves them out, as it leaves out
# anniversaries. (A unit filter keeps the trips that unit hosts.)
EVENT_ONLY_FILTERS = frozenset({"kind", "country", "priority", "tag"})


def other_items(
    session: Session,
    person: Person,
    *,
    since: date,
    until: date,
    zone: str,
    kinds: Collection[ItemKind],
    filters: dict[str, str] | None = None,
    concerned_only: bool = False,
) -> list[CalendarItem]:
    """The trips and publications of the local days [since, until] of ``zone`` that ``person``
    may see, of the ``kinds`` asked for, narrowed by a view's ``filters``."""
    filters = filters or {}
    if EVENT_ONLY_FILTERS & filters.keys():
        return []
    found: list[CalendarItem] = []
    unit_code = filters.get("unit")
    if ItemKind.TRIP in kinds:
        host_unit_id = None
        if unit_code:
            unit = unit_by_code(session, unit_code)
            if unit is None:
                return []
            host_unit_id = unit.id
        found += press_queries.trips_in_calendar(
            session,
            person,
            since=since,
            until=until,
            concerned_only=concerned_only,
            host_unit_id=host_unit_id,
        )
    if ItemKind.PUBLICATION in kinds and not unit_code:
        start, end = local_day_bounds(since, until, zone)
        found += social_queries.publications_in_calendar(
            session, person, since=start, until=end, concerned_only=concerned_only
        )
    return found


def other_items_version(session: Session, kinds: Collection[ItemKind]) -> tuple[object, ...]:
    """What the trips and publications of a feed depend on: changes when any of them does."""
    version: tuple[object, ...] = ()
    if ItemKind.TRIP in kinds:
        version += press_queries.trips_version(session)
    if ItemKind.PUBLICATION in kinds:
        version += social_queries.publications_version(session)
    return version
