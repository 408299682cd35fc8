"""The iCalendar text of a feed (RFC 5545, with RFC 7986's calendar NAME).

Calendar apps fetch feeds every few minutes to hours, so the text is built to be cached: it
depends only on the data (``DTSTAMP`` comes from the item's last change, never from the clock)
and items are written in a fixed order, so an unchanged calendar gives the same bytes.

The content lines are written here rather than through icalendar's ``Component`` objects: that
path spends ~0.25 ms per event (mostly folding lines character by character), 2.5 s for a
10,000-event feed. icalendar still writes each ``VTIMEZONE`` (from the zoneinfo database), and
the tests parse and expand every feed with icalendar and recurring-ical-events.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

from icalendar import Timezone

from campaigns.calendar.items import CalendarItem
from campaigns.calendar.models import Event, EventStatus, Visibility
from campaigns.calendar.rules import AnniversaryOccurrence

# Raise when the text written for the same data changes, so cached copies and ETags move on.
FORMAT_VERSION = 1

PRODID = "-//Herald//Calendar feeds//EN"
REFRESH_INTERVAL = "PT1H"


@dataclass
class FeedContents:
    """What one feed carries (campaigns.calendar.feeds decides it for each feed and person)."""

    events: list[Event] = field(default_factory=list)
    occurrences: list[AnniversaryOccurrence] = field(default_factory=list)
    # anniversary id -> last change, which dates its occurrences (DTSTAMP, LAST-MODIFIED).
    anniversary_changes: dict[int, datetime] = field(default_factory=dict)
    # Things of other areas (press trips, publications) the web adds for the feed's person.
    items: list[CalendarItem] = field(default_factory=list)


_UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Universal", "Etc/Zulu"})

_EVENT_STATUS = {
    EventStatus.PLANNED: "TENTATIVE",
    EventStatus.CONFIRMED: "CONFIRMED",
    EventStatus.POSTPONED: "TENTATIVE",
    EventStatus.CANCELLED: "CANCELLED",
}

_CLASS = {
    Visibility.PUBLIC: "PUBLIC",
    Visibility.INTERNAL: "PRIVATE",
    Visibility.RESTRICTED: "CONFIDENTIAL",
}


class EventFragment(NamedTuple):
    """One event's VEVENT text, and the zones (with first and last local year) it uses."""

    text: bytes
    zones: tuple[tuple[str, int, int], ...]


class FragmentStore(Protocol):
    """Where event texts are kept between renders (the web keeps a bounded LRU)."""

    def get(self, key: Hashable) -> EventFragment | None: ...

    def put(self, key: Hashable, value: EventFragment, size: int) -> None: ...


def render_feed(
    contents: FeedContents,
    *,
    name: str,
    locale: str,
    labels: Mapping[str, str] | None = None,
    fragments: FragmentStore | None = None,
) -> bytes:
    """The VCALENDAR text of ``contents``: one VEVENT per event and per anniversary occurrence,
    one VTIMEZONE per zone a time is written in. ``labels`` turns codes (kinds, tiers,
    categories) into the words shown in CATEGORIES. With a ``fragments`` store, an event's
    text is written once per change and reused by every feed that carries it."""
    labels = labels or {}
    zones = _ZoneUse()
    body: list[bytes] = []
    for event in sorted(contents.events, key=lambda item: item.id):
        fragment = _event_fragment(event, locale, labels, fragments)
        body.append(fragment.text)
        for zone, first, last in fragment.zones:
            zones.add(zone, first)
            zones.add(zone, last)
    for occurrence in sorted(
        contents.occurrences, key=lambda item: (item.date, item.occurrence_uid)
    ):
        changed = contents.anniversary_changes[occurrence.anniversary_id]
        body.append(_lines(_occurrence_lines(occurrence, changed, locale, labels)))
    for item in sorted(contents.items, key=lambda item: item.uid):
        body.append(_lines(_item_lines(item, labels, zones)))
    calendar_name = " ".join(name.split())  # NAME is one line, whatever the unit is called
    head = _lines(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{PRODID}",
            "CALSCALE:GREGORIAN",
            f"NAME:{_text(calendar_name)}",
            f"X-WR-CALNAME:{_text(calendar_name)}",
            f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH_INTERVAL}",
            f"X-PUBLISHED-TTL:{REFRESH_INTERVAL}",
        ]
    )
    timezones = [
        vtimezone(zone, first, last) for zone, (first, last) in sorted(zones.years.items())
    ]
    return b"".join([head, *timezones, *body, b"END:VCALENDAR\r\n"])


def _event_fragment(
    event: Event, locale: str, labels: Mapping[str, str], fragments: FragmentStore | None
) -> EventFragment:
    # Everything the text depends on; services move updated_at on every change.
    key = (
        FORMAT_VERSION,
        event.id,
        event.updated_at,
        event.sequence,
        event.status,
        locale,
        labels.get(event.kind),
    )
    fragment = fragments.get(key) if fragments is not None else None
    if fragment is None:
        zones = _ZoneUse()
        text = _lines(_event_lines(event, locale, labels, zones))
        used = tuple((zone, first, last) for zone, (first, last) in zones.years.items())
        fragment = EventFragment(text, used)
        if fragments is not None:
            fragments.put(key, fragment, len(text))
    return fragment


def _event_lines(
    event: Event, locale: str, labels: Mapping[str, str], zones: _ZoneUse
) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_text(event.uid)}",
        f"DTSTAMP:{_utc(event.updated_at)}",
        f"CREATED:{_utc(event.created_at)}",
        f"LAST-MODIFIED:{_utc(event.updated_at)}",
        f"SEQUENCE:{event.sequence or 0}",
        f"SUMMARY:{_text(event.title_in(locale))}",
    ]
    if event.all_day:
        first = event.start_date
        last = event.end_date or first
        lines.append(f"DTSTART;VALUE=DATE:{first:%Y%m%d}")
        # DTEND of a date is exclusive; Herald's end date is the last day, as people say it.
        lines.append(f"DTEND;VALUE=DATE:{last + timedelta(days=1):%Y%m%d}")
    else:
        lines.append(_instant_line("DTSTART", event.starts_at, event.timezone, zones))
        if event.ends_at is not None:
            lines.append(_instant_line("DTEND", event.ends_at, event.timezone, zones))
    description = ((event.translations or {}).get(locale) or {}).get("description")
    description = description or event.description
    if description:
        lines.append(f"DESCRIPTION:{_text(description)}")
    if event.location:
        lines.append(f"LOCATION:{_text(event.location)}")
    lines.append(f"STATUS:{_EVENT_STATUS.get(event.status, 'CONFIRMED')}")
    lines.append(f"CLASS:{_CLASS.get(event.visibility, 'PRIVATE')}")
    categories = [labels.get(event.kind, event.kind), *(event.tags or [])]
    lines.append(f"CATEGORIES:{_text_list(categories)}")
    lines.append("END:VEVENT")
    return lines


def _occurrence_lines(
    occurrence: AnniversaryOccurrence,
    changed: datetime,
    locale: str,
    labels: Mapping[str, str],
) -> list[str]:
    other = "en" if locale == "vi" else "vi"
    return [
        "BEGIN:VEVENT",
        f"UID:{_text(occurrence.occurrence_uid)}",
        f"DTSTAMP:{_utc(changed)}",
        f"LAST-MODIFIED:{_utc(changed)}",
        "SEQUENCE:0",
        f"SUMMARY:{_text(occurrence.label(locale))}",
        f"DESCRIPTION:{_text(occurrence.label(other))}",
        f"DTSTART;VALUE=DATE:{occurrence.date:%Y%m%d}",
        f"DTEND;VALUE=DATE:{occurrence.date + timedelta(days=1):%Y%m%d}",
        "TRANSP:TRANSPARENT",
        "CLASS:PUBLIC",
        "CATEGORIES:"
        + _text_list(
            [
                labels.get(occurrence.tier, occurrence.tier),
                labels.get(occurrence.category, occurrence.category),
            ]
        ),
        "END:VEVENT",
    ]


_ITEM_STATUS = {"postponed": "TENTATIVE", "draft": "TENTATIVE", "planned": "TENTATIVE"}


def _item_lines(item: CalendarItem, labels: Mapping[str, str], zones: _ZoneUse) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_text(item.uid)}",
        f"DTSTAMP:{_utc(item.changed_at)}",
        f"LAST-MODIFIED:{_utc(item.changed_at)}",
        # Items have no revision count of their own; their last change orders the versions.
        f"SEQUENCE:{int(item.changed_at.timestamp()) // 60 % 2_000_000_000}",
        f"SUMMARY:{_text(item.title)}",
    ]
    if item.starts_at is not None:
        lines.append(_instant_line("DTSTART", item.starts_at, item.timezone, zones))
        lines.append(_instant_line("DTEND", item.starts_at, item.timezone, zones))
    else:
        last = item.end_date or item.start_date
        lines.append(f"DTSTART;VALUE=DATE:{item.start_date:%Y%m%d}")
        lines.append(f"DTEND;VALUE=DATE:{last + timedelta(days=1):%Y%m%d}")
    if item.description:
        lines.append(f"DESCRIPTION:{_text(item.description)}")
    if item.location:
        lines.append(f"LOCATION:{_text(item.location)}")
    lines.append(f"STATUS:{_ITEM_STATUS.get(item.status, 'CONFIRMED')}")
    lines.append("CLASS:PRIVATE")
    lines.append(f"CATEGORIES:{_text_list([labels.get(item.kind, item.kind)])}")
    lines.append("END:VEVENT")
    return lines


class _ZoneUse:
    """The zones times were written in, with the first and last local year seen in each."""

    def __init__(self) -> None:
        self.years: dict[str, tuple[int, int]] = {}

    def add(self, zone: str, year: int) -> None:
        first, last = self.years.get(zone, (year, year))
        self.years[zone] = (min(first, year), max(last, year))


def _instant_line(name: str, instant: datetime, zone: str, zones: _ZoneUse) -> str:
    if zone in _UTC_ZONES:
        return f"{name}:{_utc(instant)}"
    local = instant.astimezone(ZoneInfo(zone))
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        # The second pass through an hour repeated when clocks go back: a local time would
        # mean the first pass (RFC 5545 3.3.5), so say the instant in UTC.
        return f"{name}:{_utc(instant)}"
    zones.add(zone, local.year)
    return f"{name};TZID={zone}:{local:%Y%m%dT%H%M%S}"


def vtimezone(zone: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE of ``zone`` valid over whole decades around [first_year, last_year].

    icalendar's default window is 1970-2038; feeds may hold older or later times, and decades
    keep the text (and caches) stable while the feed's window slides.
    """
    return _vtimezone(zone, first_year // 10 * 10, (last_year // 10 + 1) * 10)


@lru_cache(maxsize=128)
def _vtimezone(zone: str, first_year: int, after_last_year: int) -> bytes:
    component = Timezone.from_tzid(
        zone, first_date=date(first_year, 1, 1), last_date=date(after_last_year, 1, 1)
    )
    return component.to_ical()


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 3.3.11 says (line breaks become ``\\n``)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _text_list(values: Iterable[str]) -> str:
    return ",".join(_text(value) for value in values if value)


def _lines(lines: list[str]) -> bytes:
    return b"".join(_fold(line) + b"\r\n" for line in lines)


def _fold(line: str) -> bytes:
    """One content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character
    nor between a backslash and the character it escapes."""
    data = line.encode()
    if len(data) <= 75:
        return data
    pieces = []
    start, limit = 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: the cut would split a character
            end -= 1
        escape = end
        while escape > start and data[escape - 1] == 0x5C:  # backslashes just before the cut
            escape -= 1
        if (end - escape) % 2:  # an odd run ends with an escape's first half
            end -= 1
        pieces.append(data[start:end])
        start, limit = end, 74  # continuation lines start with a space
    pieces.append(data[start:])
    return b"\r\n ".join(pieces)
