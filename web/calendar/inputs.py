"""An event's current values in the shape the calendar services take them, so a door that
changes a few fields (the API's PATCH, the postpone form) can send the rest unchanged."""

from __future__ import annotations

from datetime import datetime

from campaigns.calendar.models import Event
from campaigns.calendar.services import EventInput
from campaigns.timezones import to_zone


def wall_clock(instant: datetime | None, zone: str) -> datetime | None:
    """An aware instant as the naive wall-clock time of ``zone`` (what the services take)."""
    if instant is None:
        return None
    return to_zone(instant, zone).replace(tzinfo=None)


def split_tags(text: str | None) -> list[str]:
    return [tag.strip() for tag in (text or "").split(",") if tag.strip()]


def event_as_input(event: Event) -> EventInput:
    """The event's values; times as wall clock in the event's own zone."""
    return EventInput(
        title=event.title,
        description=event.description or "",
        translations=dict(event.translations or {}),
        kind=event.kind,
        all_day=event.all_day,
        starts_local=None if event.all_day else wall_clock(event.starts_at, event.timezone),
        ends_local=None if event.all_day else wall_clock(event.ends_at, event.timezone),
        start_date=event.start_date if event.all_day else None,
        end_date=event.end_date if event.all_day else None,
        timezone=event.timezone,
        location=event.location or "",
        partner_countries=list(event.partner_countries or []),
        owner_unit_code=event.owner_unit.code,
        participant_codes=[unit.code for unit in event.participants],
        priority=event.priority,
        visibility=event.visibility,
        audience_codes=[unit.code for unit in event.audience],
        status=event.status,
        tags=list(event.tags or []),
    )
