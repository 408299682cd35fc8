"""How a campaign's posts and events, and the combined calendar, fall on the reader's days.

Presentation only: what exists and who may see it comes from the queries; this module places
what it is given on the reader's wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from campaigns.calendar.models import Event
from campaigns.social.models import Post, Publication, PublicationStatus
from campaigns.timezones import to_zone


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "event" or "post"
    day: date
    at: datetime | None  # local time on that day, when there is one
    item: Any


def event_day(event: Event, zone: str) -> date:
    if event.all_day or event.starts_at is None:
        return event.start_date
    return to_zone(event.starts_at, zone).date()


def post_instant(post: Post) -> datetime | None:
    """When the post goes (or went) out first: its earliest publication that is not cancelled."""
    instants = [
        publication.scheduled_at
        for publication in post.publications
        if publication.status != PublicationStatus.CANCELLED
    ]
    return min(instants) if instants else None


def campaign_timeline(
    events: list[Event], posts: list[Post], zone: str, anniversary_links: list[Any] = ()
) -> tuple[list[TimelineEntry], list[Post]]:
    """Anniversaries, events and scheduled posts in one date order; posts with no time yet
    apart."""
    entries = [
        TimelineEntry("anniversary", link.occurrence_date, None, link) for link in anniversary_links
    ]
    for event in events:
        at = None if event.all_day or event.starts_at is None else to_zone(event.starts_at, zone)
        entries.append(TimelineEntry("event", event_day(event, zone), at, event))
    unscheduled = []
    for post in posts:
        instant = post_instant(post)
        if instant is None:
            unscheduled.append(post)
            continue
        local = to_zone(instant, zone)
        entries.append(TimelineEntry("post", local.date(), local, post))
    entries.sort(key=lambda e: (e.day, e.at.time() if e.at else datetime.min.time(), e.kind))
    return entries, unscheduled


@dataclass
class CalendarDay:
    date: date
    events: list[Event] = field(default_factory=list)
    publications: list[tuple[datetime, Publication]] = field(default_factory=list)
    today: bool = False


def combined_days(
    *,
    since: date,
    days: int,
    events: list[Event],
    publications: list[Publication],
    zone: str,
    today: date,
) -> list[CalendarDay]:
    """Each day of [since, since + days) that has something, with its events and its
    publications at the reader's local time."""
    by_day = {
        since + timedelta(days=n): CalendarDay(since + timedelta(days=n)) for n in range(days)
    }
    for event in events:
        first = event_day(event, zone)
        last = event.end_date if event.all_day and event.end_date else first
        day = first
        while day <= last:
            if day in by_day:
                by_day[day].events.append(event)
            day += timedelta(days=1)
    for publication in publications:
        local = to_zone(publication.scheduled_at, zone)
        if local.date() in by_day:
            by_day[local.date()].publications.append((local, publication))
    for day in by_day.values():
        day.today = day.date == today
    return [day for day in by_day.values() if day.events or day.publications or day.today]
