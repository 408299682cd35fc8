"""Things of other areas that the calendar shows beside its own events, anniversaries and
holidays: press trips, publications.

The calendar may not import the areas above it (press, social); they describe their things in
this shape instead (``campaigns.press.queries.trips_in_calendar``,
``campaigns.social.queries.publications_in_calendar``) and the web puts them side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class ItemKind(StrEnum):
    """The kinds of things a calendar view or feed can show or leave out."""

    EVENT = "events"
    ANNIVERSARY = "anniversaries"
    HOLIDAY = "holidays"
    TRIP = "trips"
    PUBLICATION = "publications"


# Publications are many and short: shown only when a person asks for them.
DEFAULT_KINDS = frozenset({ItemKind.EVENT, ItemKind.ANNIVERSARY, ItemKind.HOLIDAY, ItemKind.TRIP})


def kinds_from(values: list[str] | tuple[str, ...] | None) -> frozenset[ItemKind]:
    """The kinds named in ``values`` (each may be a comma-separated list); unknown names are
    ignored; nothing named at all means the default kinds."""
    if not values:
        return DEFAULT_KINDS
    named = {part.strip() for value in values for part in (value or "").split(",")}
    return frozenset(kind for kind in ItemKind if kind.value in named)


@dataclass(frozen=True)
class CalendarItem:
    """One thing of another area on the calendar: all-day (``start_date`` to ``end_date``,
    inclusive) or at an instant (``starts_at``, shown on the viewer's clock)."""

    kind: ItemKind
    target_id: int
    uid: str  # stable across changes, for calendar apps
    title: str
    changed_at: datetime
    status: str
    timezone: str
    start_date: date | None = None
    end_date: date | None = None
    starts_at: datetime | None = None
    location: str = ""
    description: str = ""
    cancelled: bool = False
