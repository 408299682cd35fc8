"""How calendar items are laid out on the viewer's days: month grids, weeks, agenda days.

Presentation only: which events the viewer may see, and when anniversaries fall, come from
``campaigns.calendar.queries``; this module places what it is given on the viewer's wall clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from campaigns.calendar.items import CalendarItem
from campaigns.calendar.models import Event, EventStatus
from campaigns.timezones import to_zone

# Weeks start on Monday, as in Vietnam and most of the places the office works with.
WEEK_LENGTH = 7


@dataclass(frozen=True)
class Entry:
    """One line on a day: an event, an anniversary occurrence, a public holiday, or a thing of
    another area (a press trip, a publication)."""

    kind: str  # "event", "anniversary", "holiday", "trip" or "publication"
    title: str
    sort_key: tuple
    starts: datetime | None = None  # the local start, on the day it starts (timed events)
    continued: bool = False  # a day after the first of a multi-day item
    event: Event | None = None
    occurrence: Any = None
    item: CalendarItem | None = None

    @property
    def cancelled(self) -> bool:
        return self.event is not None and self.event.status == EventStatus.CANCELLED


@dataclass
class Day:
    date: date
    entries: list[Entry] = field(default_factory=list)
    in_period: bool = True  # False for the leading/trailing days of a month grid
    today: bool = False

    @property
    def holidays(self) -> list[Entry]:
        return [entry for entry in self.entries if entry.kind == "holiday"]

    @property
    def items(self) -> list[Entry]:
        return [entry for entry in self.entries if entry.kind != "holiday"]


def month_weeks(anchor: date) -> list[list[date]]:
    """The weeks (Monday to Sunday) that show the month of ``anchor``."""
    first = anchor.replace(day=1)
    start = first - timedelta(days=first.weekday())
    next_month = add_months(first, 1)
    weeks = []
    day = start
    while day < next_month:
        weeks.append([day + timedelta(days=offset) for offset in range(WEEK_LENGTH)])
        day += timedelta(days=WEEK_LENGTH)
    return weeks


def week_of(anchor: date) -> list[date]:
    start = anchor - timedelta(days=anchor.weekday())
    return [start + timedelta(days=offset) for offset in range(WEEK_LENGTH)]


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clipped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def local_span(event: Event, zone: str) -> tuple[date, date, datetime | None]:
    """The first and last local day an event covers for a viewer in ``zone``, and its local start.

    An event ending exactly at midnight does not cover the day that begins then.
    """
    if event.all_day or event.starts_at is None:
        first = event.start_date
        return first, event.end_date or first, None
    starts = to_zone(event.starts_at, zone)
    ends = to_zone(event.ends_at, zone) if event.ends_at else starts
    last = ends.date()
    if ends > starts and ends.time() == time(0):
        last -= timedelta(days=1)
    return starts.date(), max(last, starts.date()), starts


def lay_out(
    days: Iterable[date],
    *,
    zone: str,
    today: date,
    events: Iterable[Event] = (),
    occurrences: Iterable[Any] = (),
    holidays: Iterable[Any] = (),
    items: Iterable[CalendarItem] = (),
    event_title: Callable[[Event], str],
    occurrence_title: Callable[[Any], str],
    in_period: Callable[[date], bool] = lambda day: True,
) -> list[Day]:
    """Days in order, each with its holidays first, then all-day items, then timed ones by time."""
    shown = [Day(date=day, in_period=in_period(day), today=day == today) for day in days]
    by_date = {day.date: day for day in shown}

    def put(day: date, entry: Entry) -> None:
        if day in by_date:
            by_date[day].entries.append(entry)

    for holiday in holidays:
        put(holiday.date, Entry(kind="holiday", title=holiday.name, sort_key=(0, holiday.name)))
    for occurrence in occurrences:
        title = occurrence_title(occurrence)
        put(
            occurrence.date,
            Entry(kind="anniversary", title=title, sort_key=(1, title), occurrence=occurrence),
        )
    if not shown:
        return shown
    window_first, window_last = shown[0].date, shown[-1].date
    for event in events:
        first, last, starts = local_span(event, zone)
        title = event_title(event)
        day = max(first, window_first)
        while day <= min(last, window_last):
            if day in by_date:
                timed = starts is not None and day == first
                key = (3, starts.time(), title) if timed else (2, title)
                put(
                    day,
                    Entry(
                        kind="event",
                        title=title,
                        sort_key=key,
                        starts=starts if timed else None,
                        continued=day != first,
                        event=event,
                    ),
                )
            day += timedelta(days=1)
    for item in items:
        _put_item(item, put, zone=zone, first_shown=window_first, last_shown=window_last)
    for day in shown:
        day.entries.sort(key=lambda entry: entry.sort_key)
    return shown


def _put_item(item: CalendarItem, put, *, zone: str, first_shown: date, last_shown: date) -> None:
    """An all-day item on each of its days (among the dates shown), a timed one on the viewer's
    local day at its local time; both sort beside events of the same sort."""
    kind = item.kind.value.removesuffix("s")
    if item.starts_at is not None:
        starts = to_zone(item.starts_at, zone)
        put(
            starts.date(),
            Entry(
                kind=kind,
                title=item.title,
                sort_key=(3, starts.time(), item.title),
                starts=starts,
                item=item,
            ),
        )
        return
    first = item.start_date
    day = max(first, first_shown)
    while day <= min(item.end_date or first, last_shown):
        entry = Entry(
            kind=kind, title=item.title, sort_key=(2, item.title), continued=day != first, item=item
        )
        put(day, entry)
        day += timedelta(days=1)
