"""Use cases of the calendar's events: creating, editing, postponing and cancelling them (with
overlap warnings), and importing them from iCalendar files. Anniversaries, their dataset and
planning tasks live in ``campaigns.calendar.anniversaries`` and are re-exported here, so every
door finds the calendar's use cases in one place.

Every service takes the session, the acting person (``None`` for the system: CLI, demo,
scheduler) and ``now``; it flushes, never commits.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns import webhooks
from campaigns.audit import record_change, snapshot
from campaigns.calendar import ics_import, queries, rules
from campaigns.calendar.anniversaries import (
    CSV_COLUMNS,
    DATASET_COLUMNS,
    AnniversaryInput,
    ImportResult,
    assign_anniversary_owner,
    complete_planning_task,
    create_anniversary,
    create_due_planning_tasks,
    dataset_bytes,
    import_anniversaries_csv,
    import_anniversary_dataset,
    lead_times,
    set_lead_times,
    update_anniversary,
)
from campaigns.calendar.models import Event, EventKind, EventStatus, Priority, Visibility
from campaigns.errors import Conflict, Invalid
from campaigns.i18n import N_
from campaigns.org.models import Person, Unit
from campaigns.org.queries import unit_by_code
from campaigns.org.rules import check_text
from campaigns.permissions import can, may_see_event, require, sees_all_units
from campaigns.social import scheduling as social_scheduling
from campaigns.timezones import is_country, is_zone

__all__ = [
    "CSV_COLUMNS",
    "DATASET_COLUMNS",
    "AnniversaryInput",
    "EventInput",
    "ImportResult",
    "OverlapWarning",
    "assign_anniversary_owner",
    "cancel_event",
    "check_import_settings",
    "complete_planning_task",
    "create_anniversary",
    "create_due_planning_tasks",
    "create_event",
    "dataset_bytes",
    "import_anniversaries_csv",
    "import_anniversary_dataset",
    "import_ics",
    "lead_times",
    "postpone_event",
    "set_lead_times",
    "update_anniversary",
    "update_event",
]


def _authorise(actor: Person | None, action: str, target: object = None) -> None:
    if actor is not None:
        require(actor, action, target)


# --- events ------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class EventInput:
    """What a person enters for an event. Field names match the keys of ``Invalid.errors``."""

    title: str
    description: str = ""
    # Other languages: {"en": {"title": "...", "description": "..."}}
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    kind: str
    all_day: bool
    starts_local: datetime | None = None  # wall clock in ``timezone``
    ends_local: datetime | None = None
    start_date: date | None = None
    end_date: date | None = None  # inclusive
    timezone: str
    location: str = ""
    partner_countries: list[str] = field(default_factory=list)
    owner_unit_code: str
    participant_codes: list[str] = field(default_factory=list)
    priority: str = Priority.NORMAL
    visibility: str = Visibility.INTERNAL
    audience_codes: list[str] = field(default_factory=list)
    status: str = EventStatus.PLANNED
    tags: list[str] = field(default_factory=list)


class OverlapWarning(Conflict):
    """The event overlaps national or high-priority events of its unit or partner countries.

    Raised before anything is saved; saving again with ``confirm_overlap=True`` goes ahead.
    """

    def __init__(self, clashes: list[Event]) -> None:
        self.clashes = clashes
        super().__init__(
            N_(
                "National or high-priority events of the same unit or partner country at the same "
                "time: %(titles)s. Save again to keep this event anyway."
            ),
            titles="; ".join(event.title for event in clashes),
        )


MAX_EVENT_DAYS = 366
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_MAX_TAG_LENGTH = 40


def _units_by_codes(
    session: Session, codes: list[str], field_name: str, errors: dict[str, str]
) -> list[Unit]:
    units = []
    for code in dict.fromkeys(code.strip().lower() for code in codes or [] if code.strip()):
        unit = unit_by_code(session, code)
        if unit is None:
            errors[field_name] = N_("There is no unit with this code.")
        else:
            units.append(unit)
    return units


def _clean_translations(raw: Any, errors: dict[str, str]) -> dict[str, dict[str, str]]:
    cleaned: dict[str, dict[str, str]] = {}
    if not isinstance(raw, dict):
        errors["translations"] = N_("Give translations per language, e.g. en: title.")
        return cleaned
    for language, values in raw.items():
        if not isinstance(language, str) or not _LANGUAGE_TAG.match(language):
            errors["translations"] = N_("Use language tags such as en, fr or zh-Hans.")
            continue
        if not isinstance(values, dict):
            errors["translations"] = N_("Give translations per language, e.g. en: title.")
            continue
        title = str(values.get("title") or "").strip()
        description = str(values.get("description") or "").strip()
        if len(title) > 300:
            errors["translations"] = N_("A translated title is too long.")
        if title or description:
            cleaned[language] = {"title": title, "description": description}
    return cleaned


def _clean_event(session: Session, actor: Person | None, data: EventInput) -> SimpleNamespace:
    """Validate ``data``; return the event's column values and units. Raises Invalid."""
    errors: dict[str, str] = {}
    title, error = check_text(data.title, max_length=300)
    if error:
        errors["title"] = error
    description = (data.description or "").strip()
    if len(description) > 20000:
        errors["description"] = N_("This field is too long.")
    translations = _clean_translations(data.translations or {}, errors)
    if data.kind not in set(EventKind):
        errors["kind"] = N_("Choose a kind of event from the list.")
    if data.priority not in set(Priority):
        errors["priority"] = N_("Choose a priority from the list.")
    if data.visibility not in set(Visibility):
        errors["visibility"] = N_("Choose who may see the event.")
    if data.status not in set(EventStatus):
        errors["status"] = N_("Choose a status from the list.")
    timezone = (data.timezone or "").strip()
    if not is_zone(timezone):
        errors["timezone"] = N_("Use an IANA time zone name, e.g. Asia/Ho_Chi_Minh.")
    location = (data.location or "").strip()
    if len(location) > 300:
        errors["location"] = N_("This field is too long.")
    countries = list(dict.fromkeys(c.strip().upper() for c in data.partner_countries or []))
    countries = [country for country in countries if country]
    if any(not is_country(country) for country in countries):
        errors["partner_countries"] = N_("Use two-letter ISO 3166 country codes, e.g. US or FR.")
    tags = list(dict.fromkeys(t.strip() for t in data.tags or [] if t and t.strip()))
    if any(len(tag) > _MAX_TAG_LENGTH for tag in tags):
        errors["tags"] = N_("Keep each tag under 40 characters.")

    owner = unit_by_code(session, data.owner_unit_code)
    if owner is None:
        errors["owner_unit_code"] = N_("There is no unit with this code.")
    elif actor is not None and not sees_all_units(actor) and owner.id != actor.unit_id:
        errors["owner_unit_code"] = N_("You can only plan events of your own unit.")
    participants = _units_by_codes(session, data.participant_codes, "participant_codes", errors)
    audience = _units_by_codes(session, data.audience_codes, "audience_codes", errors)

    values: dict[str, Any] = {
        "all_day": bool(data.all_day),
        "starts_at": None,
        "ends_at": None,
        "start_date": None,
        "end_date": None,
    }
    if data.all_day:
        if data.start_date is None:
            errors["start_date"] = N_("Enter the first day of the event.")
        else:
            end_date = data.end_date or data.start_date
            if end_date < data.start_date:
                errors["end_date"] = N_("The event cannot end before it starts.")
            elif (end_date - data.start_date).days >= MAX_EVENT_DAYS:
                errors["end_date"] = N_("An event lasts at most a year.")
            values.update(start_date=data.start_date, end_date=end_date)
    elif data.starts_local is None:
        errors["starts_local"] = N_("Enter when the event starts.")
    elif "timezone" not in errors:
        try:
            starts_at = rules.local_instant(data.starts_local, timezone, field="starts_local")
            ends_at = starts_at
            if data.ends_local is not None:
                ends_at = rules.local_instant(data.ends_local, timezone, field="ends_local")
        except Invalid as invalid:
            errors.update(invalid.errors)
        else:
            if ends_at < starts_at:
                errors["ends_local"] = N_("The event cannot end before it starts.")
            elif ends_at - starts_at > timedelta(days=MAX_EVENT_DAYS):
                errors["ends_local"] = N_("An event lasts at most a year.")
            values.update(starts_at=starts_at, ends_at=ends_at)
    if errors:
        raise Invalid.from_fields(errors)
    assert owner is not None
    values.update(
        title=title,
        description=description,
        translations=translations,
        kind=data.kind,
        timezone=timezone,
        location=location,
        partner_countries=countries,
        owner_unit_id=owner.id,
        priority=data.priority,
        visibility=data.visibility,
        status=data.status,
        tags=tags,
    )
    return SimpleNamespace(values=values, owner=owner, participants=participants, audience=audience)


def _visible_clashes(
    session: Session, actor: Person | None, candidate: Any, *, before: Any = None
) -> list[Event]:
    """Clashes of ``candidate`` that ``actor`` may see (a restricted event's title must not
    leak through a warning), minus those the event already had when it was last saved."""
    if candidate.status == EventStatus.CANCELLED:
        return []
    clashes = queries.find_clashes(session, candidate)
    if before is not None and before.status != EventStatus.CANCELLED:
        known = {event.id for event in queries.find_clashes(session, before)}
        clashes = [event for event in clashes if event.id not in known]
    if actor is None:
        return clashes
    return [event for event in clashes if may_see_event(actor, event)]


def create_event(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    data: EventInput,
    confirm_overlap: bool = False,
    uid: str | None = None,
) -> Event:
    """Create an event. ``uid`` is for loaders that need a stable UID (the demo); a new one is
    made otherwise, never to change again.

    Raises NotAllowed, Invalid (field errors; a wall-clock time skipped by DST is one), or
    OverlapWarning (nothing saved) unless ``confirm_overlap``.
    """
    _authorise(actor, "event.create")
    cleaned = _clean_event(session, actor, data)
    candidate = SimpleNamespace(id=None, **cleaned.values)
    clashes = _visible_clashes(session, actor, candidate)
    if clashes and not confirm_overlap:
        raise OverlapWarning(clashes)
    event = Event(
        uid=uid or f"event-{uuid.uuid4().hex}@herald",
        **cleaned.values,
        participants=cleaned.participants,
        audience=cleaned.audience,
        sequence=0,
        created_by_id=actor.id if actor is not None else None,
        created_at=now,
        updated_at=now,
    )
    session.add(event)
    session.flush()
    record_change(
        session, actor=actor, now=now, action="create", target=event, comment=_units_note(event)
    )
    return event


def _units_note(event: Event) -> str | None:
    parts = []
    if event.participants:
        parts.append("participants: " + ", ".join(sorted(u.code for u in event.participants)))
    if event.audience:
        parts.append("audience: " + ", ".join(sorted(u.code for u in event.audience)))
    return "; ".join(parts) or None


def _apply(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    event: Event,
    values: dict[str, Any],
    participants: list[Unit] | None = None,
    audience: list[Unit] | None = None,
    action: str = "update",
    comment: str | None = None,
) -> bool:
    """Write ``values`` to the event; raise its SEQUENCE when time, place or status changed;
    record the change. Returns whether anything changed."""
    before = snapshot(event)
    units_before = _units_note(event)
    for key, value in values.items():
        setattr(event, key, value)
    if participants is not None:
        event.participants = participants
    if audience is not None:
        event.audience = audience
    session.flush()
    after = snapshot(event)
    units_after = _units_note(event)
    if after == before and units_after == units_before:
        return False
    if rules.sequence_changes(before, after):
        event.sequence = (event.sequence or 0) + 1
    event.updated_at = now
    session.flush()
    if units_after != units_before:
        comment = "; ".join(filter(None, [comment, units_after or "no participants"]))
    record_change(
        session, actor=actor, now=now, action=action, target=event, before=before, comment=comment
    )
    _tell_other_systems(session, event=event, before=before, now=now)
    _follow_with_publications(session, actor=actor, now=now, event=event, before=before)
    return True


def _tell_other_systems(session: Session, *, event: Event, before: dict, now: datetime) -> None:
    """``event.cancelled`` when the event has just been cancelled, else ``event.changed``. A
    restricted event is told by its id, status and link only (its details are for people
    cleared to see them, not for every subscribed system)."""
    cancelled = event.status == EventStatus.CANCELLED and before["status"] != EventStatus.CANCELLED
    data: dict[str, Any] = {
        "id": event.id,
        "uid": event.uid,
        "status": event.status,
        "sequence": event.sequence,
        "visibility": event.visibility,
    }
    if event.visibility != Visibility.RESTRICTED:
        data.update(
            title=event.title,
            kind=event.kind,
            all_day=event.all_day,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            start_date=event.start_date,
            end_date=event.end_date,
            timezone=event.timezone,
            location=event.location,
        )
    webhooks.enqueue(
        session,
        event_type=(
            webhooks.EventType.EVENT_CANCELLED if cancelled else webhooks.EventType.EVENT_CHANGED
        ),
        data={"event": data, "links": {"event": f"/calendar/events/{event.id}"}},
        now=now,
    )


_TIME_FIELDS = ("starts_at", "ends_at", "start_date", "end_date", "timezone", "all_day")


def _follow_with_publications(
    session: Session, *, actor: Person | None, now: datetime, event: Event, before: dict
) -> None:
    """Posts scheduled relative to this event follow it: they move when it moves (and stay
    cleared), and are held when it is cancelled."""
    after = snapshot(event)
    if after["status"] == EventStatus.CANCELLED and before["status"] != EventStatus.CANCELLED:
        social_scheduling.hold_for_cancelled_event(session, event=event, now=now, actor=actor)
    elif any(before.get(field) != after.get(field) for field in _TIME_FIELDS):
        social_scheduling.reschedule_for_event(session, event=event, now=now, actor=actor)


def update_event(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    event: Event,
    data: EventInput,
    confirm_overlap: bool = False,
) -> Event:
    """Change an event. Its SEQUENCE rises when its time, place or status changes.

    Raises NotAllowed, Invalid, or OverlapWarning (nothing saved) when the change brings a new
    clash, unless ``confirm_overlap``.
    """
    _authorise(actor, "event.edit", event)
    cleaned = _clean_event(session, actor, data)
    candidate = SimpleNamespace(id=event.id, **cleaned.values)
    clashes = _visible_clashes(session, actor, candidate, before=event)
    if clashes and not confirm_overlap:
        raise OverlapWarning(clashes)
    _apply(
        session,
        actor=actor,
        now=now,
        event=event,
        values=cleaned.values,
        participants=cleaned.participants,
        audience=cleaned.audience,
    )
    return event


def postpone_event(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    event: Event,
    data: EventInput | None = None,
) -> Event:
    """Mark an event postponed, optionally with its new details (``data``; its status is
    ignored). A clash at the new time does not stop a postponement.

    Raises NotAllowed, Invalid, or Conflict (a cancelled event cannot be postponed).
    """
    _authorise(actor, "event.edit", event)
    if event.status == EventStatus.CANCELLED:
        raise Conflict(N_("This event is cancelled; it cannot be postponed."))
    if data is None:
        _apply(
            session,
            actor=actor,
            now=now,
            event=event,
            values={"status": EventStatus.POSTPONED},
            action="postpone",
        )
        return event
    cleaned = _clean_event(session, actor, data)
    cleaned.values["status"] = EventStatus.POSTPONED
    _apply(
        session,
        actor=actor,
        now=now,
        event=event,
        values=cleaned.values,
        participants=cleaned.participants,
        audience=cleaned.audience,
        action="postpone",
    )
    return event


def cancel_event(
    session: Session, *, actor: Person | None, now: datetime, event: Event, reason: str = ""
) -> Event:
    """Cancel an event: it stays (struck through, STATUS:CANCELLED in feeds) and its SEQUENCE
    rises. Raises NotAllowed or Conflict (already cancelled)."""
    _authorise(actor, "event.edit", event)
    if event.status == EventStatus.CANCELLED:
        raise Conflict(N_("This event is already cancelled."))
    _apply(
        session,
        actor=actor,
        now=now,
        event=event,
        values={"status": EventStatus.CANCELLED},
        action="cancel",
        comment=(reason or "").strip()[:500] or None,
    )
    return event


# --- iCalendar import --------------------------------------------------------------------------


def check_import_settings(
    session: Session,
    *,
    actor: Person | None,
    owner_unit_code: str,
    since: date | None,
    until: date | None,
    visibility: str,
    kind: str,
) -> Unit:
    """The unit an import is for, once the actor may import and the settings are sound.
    Raises NotAllowed, or Invalid naming the fields."""
    _authorise(actor, "event.create")
    errors = ics_import.check_window(since, until)
    owner = unit_by_code(session, owner_unit_code)
    if owner is None:
        errors["owner_unit_code"] = N_("There is no unit with this code.")
    elif actor is not None and not sees_all_units(actor) and owner.id != actor.unit_id:
        errors["owner_unit_code"] = N_("You can only plan events of your own unit.")
    if visibility not in set(Visibility):
        errors["visibility"] = N_("Choose who may see the event.")
    if kind not in set(EventKind):
        errors["kind"] = N_("Choose a kind of event from the list.")
    if errors:
        raise Invalid.from_fields(errors)
    assert owner is not None
    return owner


def import_ics(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    content: bytes,
    owner_unit_code: str,
    since: date,
    until: date,
    visibility: str = Visibility.INTERNAL,
    kind: str = EventKind.OTHER,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import the events of an iCalendar file touching [since, until], recurring ones expanded,
    zones kept. Importing the same file again updates its events (matched by UID and
    RECURRENCE-ID) instead of adding them twice; instances that left the file are cancelled.

    Events Herald does not import (outside the window, without DTSTART, with a recurrence it
    cannot expand, a second one with the same UID) are listed in ``result.skipped`` with the
    reason; the others are imported. ``progress(done, total)`` is called now and then.

    Raises NotAllowed, or Invalid with nothing saved: bad window, unknown unit, a file that is
    too large, not UTF-8, not iCalendar, or expands to more than 5,000 instances.
    """
    owner = check_import_settings(
        session,
        actor=actor,
        owner_unit_code=owner_unit_code,
        since=since,
        until=until,
        visibility=visibility,
        kind=kind,
    )
    read = ics_import.read_ics(content, since=since, until=until, default_zone=owner.timezone)
    items = read.events

    existing: dict[tuple[str, str], Event] = {}
    uids = sorted({item.external_uid for item in items})
    for start in range(0, len(uids), 500):
        for event in session.scalars(
            select(Event).where(Event.external_uid.in_(uids[start : start + 500]))
        ):
            existing[event.external_uid, event.external_recurrence or ""] = event
    for event in existing.values():
        if actor is not None and not can(actor, "event.edit", event):
            raise Invalid(
                N_("This calendar was imported by another unit (%(unit)s); ask them to update it."),
                errors={"file": N_("This calendar was imported by another unit.")},
                unit=event.owner_unit.code,
            )

    result = ImportResult(skipped=list(read.skipped))
    seen: set[tuple[str, str]] = set()
    # One savepoint: a failure half-way leaves nothing behind, even if the caller commits.
    with session.begin_nested():
        for done, item in enumerate(items):
            if progress is not None and done % 200 == 0:
                progress(done, len(items))
            key = (item.external_uid, item.external_recurrence)
            seen.add(key)
            values = {
                "title": item.title,
                "description": item.description,
                "location": item.location,
                "all_day": item.all_day,
                "starts_at": item.starts_at,
                "ends_at": item.ends_at,
                "start_date": item.start_date,
                "end_date": item.end_date,
                "timezone": item.timezone,
                "status": item.status,
                "kind": kind,
                "visibility": visibility,
                "owner_unit_id": owner.id,
            }
            event = existing.get(key)
            if event is None:
                digest = hashlib.sha256(f"{key[0]}|{key[1]}".encode()).hexdigest()[:32]
                event = Event(
                    uid=f"import-{digest}@herald",
                    external_uid=item.external_uid,
                    external_recurrence=item.external_recurrence,
                    translations={},
                    partner_countries=[],
                    tags=[],
                    priority=Priority.NORMAL,
                    sequence=0,
                    created_by_id=actor.id if actor is not None else None,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
                session.add(event)
                session.flush()
                record_change(session, actor=actor, now=now, action="import", target=event)
                result.created += 1
            elif _apply(session, actor=actor, now=now, event=event, values=values):
                result.updated += 1
            else:
                result.unchanged += 1
        window = rules.local_day_bounds(since, until, owner.timezone)
        for key, event in existing.items():
            if (
                key not in seen
                and event.status != EventStatus.CANCELLED
                and rules.spans_overlap(window, rules.event_span(event))
            ):
                _apply(
                    session,
                    actor=actor,
                    now=now,
                    event=event,
                    values={"status": EventStatus.CANCELLED},
                    action="cancel",
                    comment="no longer in the imported calendar",
                )
                result.updated += 1
    return result
