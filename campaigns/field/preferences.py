"""How a person wants the field bot to reach them: ``/mute`` and ``/settings``.

A person without a ``BotPreferences`` row has the defaults (reminders 24 h and 1 h before, a
digest at 08:00 in their zone, not muted); the row is made the first time they change
something. Every change is audited (the bot's transaction names the door).

The parsers read what people type in the bot, in their own time zone, and raise ``Invalid``
with a message saying what would have worked: ``/mute 2h``, ``/mute 1h30m``, ``/mute until
18:00``, ``/mute off``; ``/settings reminders 24h 1h``, ``/settings reminders off``,
``/settings digest 7``, ``/settings digest off``.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.errors import Invalid
from campaigns.field.models import DEFAULT_DIGEST_HOUR, DEFAULT_REMINDER_LEADS, BotPreferences
from campaigns.i18n import N_
from campaigns.org.models import Person
from campaigns.permissions import require

MAX_MUTE = timedelta(days=30)
MAX_LEAD = timedelta(days=14)
MAX_LEADS = 4

BAD_MUTE = N_(
    "I did not understand how long to mute. Examples: /mute 2h, /mute 30m, /mute 1h30m,"
    " /mute until 18:00, /mute off."
)
MUTE_TOO_LONG = N_("You can mute the bot for at most 30 days.")
BAD_LEADS = N_(
    "Give one to four lead times before a start, for example /settings reminders 24h 1h"
    " (or 30m, 2d), or /settings reminders off."
)
BAD_DIGEST = N_(
    "Give the hour of your daily digest from 0 to 23, for example /settings digest 7,"
    " or /settings digest off, or /settings digest on."
)

_DURATION = re.compile(r"^(?:(\d{1,3})d)?(?:(\d{1,4})h)?(?:(\d{1,5})(?:m|min))?$")
_CLOCK = re.compile(r"^(\d{1,2})(?:[:h.](\d{2}))?$")


def preferences_of(session: Session, person: Person) -> BotPreferences:
    """The person's settings: their row, or (unsaved) the defaults."""
    found = session.scalar(select(BotPreferences).where(BotPreferences.person_id == person.id))
    if found is not None:
        return found
    return BotPreferences(
        person_id=person.id,
        person=person,
        reminder_leads=list(DEFAULT_REMINDER_LEADS),
        digest_enabled=True,
        digest_hour=DEFAULT_DIGEST_HOUR,
        muted_until=None,
    )


def is_muted(preferences: BotPreferences, now: datetime) -> bool:
    return preferences.muted_until is not None and preferences.muted_until > now


def _change(
    session: Session, *, actor: Person, now: datetime, person: Person, **values: object
) -> BotPreferences:
    require(actor, "person.self", person)
    preferences = preferences_of(session, person)
    stored = preferences.id is not None
    before = snapshot(preferences) if stored else None
    if stored and all(getattr(preferences, name) == value for name, value in values.items()):
        return preferences
    for name, value in values.items():
        setattr(preferences, name, value)
    preferences.updated_at = now
    if not stored:
        session.add(preferences)
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="update" if stored else "create",
        target=preferences,
        before=before,
    )
    return preferences


def mute(
    session: Session, *, actor: Person, now: datetime, person: Person, until: datetime | None
) -> BotPreferences:
    """Push nothing to ``person`` until ``until`` (None: unmute). Raises NotAllowed (someone
    else's settings) or Invalid (in the past, or more than ``MAX_MUTE`` ahead)."""
    if until is not None and not now < until <= now + MAX_MUTE:
        raise Invalid(MUTE_TOO_LONG if until > now else BAD_MUTE)
    return _change(session, actor=actor, now=now, person=person, muted_until=until)


def set_reminder_leads(
    session: Session, *, actor: Person, now: datetime, person: Person, leads: list[int]
) -> BotPreferences:
    """Remind ``person`` these many minutes before each start (empty: no reminders).
    Raises NotAllowed or Invalid."""
    cleaned = sorted(set(leads), reverse=True)
    if len(cleaned) > MAX_LEADS or any(
        not 0 < lead <= MAX_LEAD.total_seconds() // 60 for lead in cleaned
    ):
        raise Invalid(BAD_LEADS)
    return _change(session, actor=actor, now=now, person=person, reminder_leads=cleaned)


def set_digest(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    person: Person,
    enabled: bool,
    hour: int | None = None,
) -> BotPreferences:
    """Turn the daily digest on or off, and set its hour (0–23, the person's zone).
    Raises NotAllowed or Invalid."""
    values: dict[str, object] = {"digest_enabled": enabled}
    if hour is not None:
        if not 0 <= hour <= 23:
            raise Invalid(BAD_DIGEST)
        values["digest_hour"] = hour
    return _change(session, actor=actor, now=now, person=person, **values)


# --- what people type ---------------------------------------------------------------------------


def parse_duration(text: str) -> timedelta | None:
    """``2h``, ``30m``, ``90min``, ``1h30m``, ``2d``: a positive duration, or None."""
    match = _DURATION.match(text.strip().lower().replace(" ", ""))
    if match is None or not any(match.groups()):
        return None
    days, hours, minutes = (int(part or 0) for part in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes)
    return duration if duration > timedelta(0) else None


def parse_mute(text: str, *, now: datetime, zone: str) -> datetime | None:
    """When a mute asked as ``text`` ends (None for ``off``): a duration from ``now``, or
    ``until HH:MM`` — the next such time in ``zone`` (tomorrow when it has passed today).
    Raises Invalid."""
    words = text.strip().lower().split()
    if words in (["off"], ["tắt"], ["no"]):
        return None
    if words and words[0] in ("until", "đến", "till"):
        until = _next_clock_time(" ".join(words[1:]), now=now, zone=zone)
        if until is None:
            raise Invalid(BAD_MUTE)
        return until
    duration = parse_duration("".join(words)) if words else None
    if duration is None:
        raise Invalid(BAD_MUTE)
    if duration > MAX_MUTE:
        raise Invalid(MUTE_TOO_LONG)
    return now + duration


def _next_clock_time(text: str, *, now: datetime, zone: str) -> datetime | None:
    match = _CLOCK.match(text.strip())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    tz = ZoneInfo(zone)
    local_now = now.astimezone(tz)
    day = local_now.date()
    for _ in range(2):
        candidate = datetime.combine(day, time(hour, minute), tzinfo=tz)
        if candidate > local_now:
            return candidate.astimezone(now.tzinfo)
        day += timedelta(days=1)
    return None


def parse_leads(words: list[str]) -> list[int]:
    """``["24h", "1h"]`` → ``[1440, 60]`` (minutes); ``["off"]`` → ``[]``. Raises Invalid."""
    if [word.lower() for word in words] in (["off"], ["tắt"], ["none"]):
        return []
    leads = []
    for word in words:
        duration = parse_duration(word)
        if duration is None:
            raise Invalid(BAD_LEADS)
        leads.append(int(duration.total_seconds() // 60))
    if not leads:
        raise Invalid(BAD_LEADS)
    return leads


def parse_digest(words: list[str]) -> tuple[bool, int | None]:
    """``["7"]`` → on at 7; ``["off"]`` → off; ``["on"]`` → on at the current hour.
    Raises Invalid."""
    if len(words) == 1:
        word = words[0].lower()
        if word in ("off", "tắt"):
            return False, None
        if word in ("on", "bật"):
            return True, None
        match = _CLOCK.match(word)
        if match and (match.group(2) in (None, "00")) and int(match.group(1)) <= 23:
            return True, int(match.group(1))
    raise Invalid(BAD_DIGEST)


def format_lead(minutes: int) -> str:
    """``1440`` → ``24h``, ``90`` → ``1h30m``, ``30`` → ``30m``: how /settings shows a lead."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h{rest}m" if rest else f"{hours}h"
