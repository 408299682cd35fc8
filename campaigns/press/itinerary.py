"""Use cases for a trip's itinerary (items, their status, delays) and interview requests.

Every service takes the session, the acting person (``None`` for the system) and ``now``;
it flushes, never commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.errors import Invalid
from campaigns.i18n import N_
from campaigns.org.models import Person
from campaigns.permissions import can
from campaigns.press import queries, rules
from campaigns.press.models import (
    InterviewRequest,
    InterviewStatus,
    ItemStatus,
    ItineraryItem,
    Journalist,
    Trip,
)
from campaigns.press.trips import ClashWarning, authorise, touch
from campaigns.social.notifications import notify
from campaigns.timezones import is_zone, to_zone

ITEM_DELAYED = N_(
    "%(activity)s (%(trip)s) was delayed by %(minutes)s min: it now starts at %(starts)s."
)

# --- itinerary ---------------------------------------------------------------------------------


@dataclass
class ItemInput:
    activity: str
    starts_local: datetime | None
    ends_local: datetime | None
    timezone: str = "Asia/Ho_Chi_Minh"
    place: str = ""
    city: str = ""
    interviewee: str = ""
    escort_id: int | None = None
    interpreter_id: int | None = None
    participant_ids: list[int] = field(default_factory=list)


def _clean_item(session: Session, trip: Trip, data: ItemInput) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    activity = (data.activity or "").strip()
    if not activity:
        errors["activity"] = N_("Say what happens, e.g. “Visit to the Temple of Literature”.")
    elif len(activity) > 300:
        errors["activity"] = N_("This field is too long.")
    cleaned["activity"] = activity
    for name, limit in (("place", 300), ("city", 100), ("interviewee", 200)):
        cleaned[name] = (getattr(data, name) or "").strip()
        if len(cleaned[name]) > limit:
            errors[name] = N_("This field is too long.")
    cleaned["city"] = cleaned["city"] or trip.city
    cleaned["timezone"] = data.timezone
    starts_at = ends_at = None
    if not is_zone(data.timezone):
        errors["timezone"] = N_("Use an IANA time zone name, e.g. Asia/Ho_Chi_Minh.")
    else:
        for name, wall in (("starts_local", data.starts_local), ("ends_local", data.ends_local)):
            if wall is None:
                errors[name] = N_("Enter a date and time.")
                continue
            try:
                instant = rules.local_to_utc(wall, data.timezone, field=name)
            except Invalid as error:
                errors.update(error.errors)
                continue
            if name == "starts_local":
                starts_at = instant
            else:
                ends_at = instant
    if starts_at and ends_at:
        if ends_at <= starts_at:
            errors["ends_local"] = N_("The end is not after the start.")
        elif ends_at - starts_at > timedelta(hours=24):
            errors["ends_local"] = N_("An itinerary item lasts at most 24 hours.")
    cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
    for name in ("escort_id", "interpreter_id"):
        person_id = getattr(data, name)
        person = session.get(Person, person_id) if person_id else None
        if person_id and (person is None or not person.active):
            errors[name] = N_("There is no such person among Herald's active users.")
        elif person is not None and not can(person, "trip.staff", trip):
            errors[name] = N_("A read-only viewer cannot escort or interpret on a trip.")
        cleaned[name.removesuffix("_id")] = person
    participants = []
    by_id = {invitation.id: invitation for invitation in trip.invitations}
    for invitation_id in dict.fromkeys(data.participant_ids):
        if invitation_id not in by_id:
            errors["participant_ids"] = N_("Choose participants among this trip's journalists.")
        else:
            participants.append(by_id[invitation_id])
    cleaned["participants"] = participants
    if errors:
        raise Invalid.from_fields(errors)
    return cleaned


def _probe(trip: Trip, cleaned: dict[str, Any], item_id: int | None) -> queries.ItemProbe:
    return queries.ItemProbe(
        starts_at=cleaned["starts_at"],
        ends_at=cleaned["ends_at"],
        timezone=cleaned["timezone"],
        city=cleaned["city"] or trip.city,
        activity=cleaned["activity"],
        escort_id=cleaned["escort"].id if cleaned["escort"] else None,
        interpreter_id=cleaned["interpreter"].id if cleaned["interpreter"] else None,
        item_id=item_id,
    )


def create_itinerary_item(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    trip: Trip,
    data: ItemInput,
    confirm_clashes: bool = False,
) -> ItineraryItem:
    """Add an item to a trip's itinerary (status tentative).

    Raises NotAllowed, Invalid (times, unknown escort...) or ClashWarning (outside the trip
    dates, escort/interpreter double-booked, national-priority event in the same city) unless
    ``confirm_clashes``. Nothing is saved when it raises.
    """
    authorise(actor, "trip.edit", trip)
    cleaned = _clean_item(session, trip, data)
    clashes = queries.item_clashes(session, trip, _probe(trip, cleaned, None), actor=actor)
    if clashes and not confirm_clashes:
        raise ClashWarning(clashes)
    item = ItineraryItem(
        **cleaned,
        trip=trip,
        uid=f"press-item-{uuid.uuid4()}@herald",
        status=ItemStatus.TENTATIVE,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=item)
    return item


_SEQUENCED = ("starts_at", "ends_at", "place", "city", "status", "timezone")


def _bump_sequence(item: ItineraryItem, before: dict[str, Any]) -> None:
    after = snapshot(item)
    if any(before.get(name) != after.get(name) for name in _SEQUENCED):
        item.sequence += 1


def update_itinerary_item(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    item: ItineraryItem,
    data: ItemInput,
    confirm_clashes: bool = False,
) -> ItineraryItem:
    """Change an itinerary item. Raises NotAllowed, Invalid or ClashWarning (see create)."""
    authorise(actor, "trip.edit", item.trip)
    cleaned = _clean_item(session, item.trip, data)
    clashes = queries.item_clashes(
        session, item.trip, _probe(item.trip, cleaned, item.id), actor=actor
    )
    if clashes and not confirm_clashes:
        raise ClashWarning(clashes)
    before = snapshot(item)
    for key, value in cleaned.items():
        setattr(item, key, value)
    session.flush()
    _bump_sequence(item, before)
    touch(session, actor=actor, now=now, target=item, before=before)
    return item


def _may_run_item(actor: Person | None, item: ItineraryItem) -> None:
    authorise(actor, "item.run", item)


def change_item_status(
    session: Session, *, actor: Person | None, now: datetime, item: ItineraryItem, status: str
) -> ItineraryItem:
    """Confirm, cancel or mark done an itinerary item. Raises NotAllowed or Invalid."""
    _may_run_item(actor, item)
    rules.check_transition(rules.ITEM_TRANSITIONS, item.status, status, field="status")
    before = snapshot(item)
    item.status = status
    item.sequence += 1
    touch(session, actor=actor, now=now, target=item, before=before, action=f"status:{status}")
    return item


def delay_itinerary_item(
    session: Session, *, actor: Person | None, now: datetime, item: ItineraryItem, minutes: int
) -> ItineraryItem:
    """Shift an item (and its end) by ``minutes`` (1 to 720), e.g. "delayed 30 min" from the
    escort. Calendars pick it up through the feed; the trip's coordinators (but whoever
    delayed it) get a notification, in the web and in Telegram. Raises NotAllowed or Invalid."""
    _may_run_item(actor, item)
    if not 1 <= minutes <= 720:
        raise Invalid(N_("Delay by 1 to 720 minutes."), field="minutes")
    if item.status in (ItemStatus.DONE, ItemStatus.CANCELLED):
        raise Invalid(N_("This item is already over."), field="minutes")
    before = snapshot(item)
    item.starts_at += timedelta(minutes=minutes)
    item.ends_at += timedelta(minutes=minutes)
    item.sequence += 1
    touch(session, actor=actor, now=now, target=item, before=before, action="delay")
    _tell_coordinators_of_delay(session, actor=actor, now=now, item=item, minutes=minutes)
    return item


def _tell_coordinators_of_delay(
    session: Session, *, actor: Person | None, now: datetime, item: ItineraryItem, minutes: int
) -> None:
    # The new start on the item's own wall clock: where the coordinators will meet it.
    starts = to_zone(item.starts_at, item.timezone).strftime("%d/%m %H:%M")
    notify(
        session,
        people=item.trip.coordinators,
        kind="itinerary_delayed",
        message=ITEM_DELAYED,
        params={
            "activity": item.activity,
            "trip": item.trip.title,
            "minutes": minutes,
            "starts": f"{starts} ({item.timezone})",
        },
        link=f"/press/trips/{item.trip_id}#itinerary",
        now=now,
        skip=actor,
    )


# --- interview requests ------------------------------------------------------------------------


def request_interview(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    trip: Trip,
    journalist: Journalist,
    interviewee: str,
    subject: str = "",
) -> InterviewRequest:
    """A journalist of the trip asks to interview someone. Raises NotAllowed or Invalid."""
    authorise(actor, "trip.edit", trip)
    errors: dict[str, str] = {}
    interviewee = (interviewee or "").strip()
    if not interviewee:
        errors["interviewee"] = N_("Say whom the journalist wants to interview.")
    elif len(interviewee) > 200:
        errors["interviewee"] = N_("This field is too long.")
    if not any(invitation.journalist_id == journalist.id for invitation in trip.invitations):
        errors["journalist_id"] = N_("Choose one of this trip's journalists.")
    if errors:
        raise Invalid.from_fields(errors)
    request = InterviewRequest(
        trip=trip,
        journalist=journalist,
        interviewee=interviewee,
        subject=(subject or "").strip(),
        status=InterviewStatus.REQUESTED,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=request)
    return request


def change_interview_status(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    request: InterviewRequest,
    status: str,
    item: ItineraryItem | None = None,
) -> InterviewRequest:
    """requested → approved | declined → scheduled (needs the itinerary ``item``) → done.

    Raises NotAllowed or Invalid (skipped step, no item, an item of another trip).
    """
    authorise(actor, "trip.edit", request.trip)
    rules.check_transition(rules.INTERVIEW_TRANSITIONS, request.status, status, field="status")
    if status == InterviewStatus.SCHEDULED and (item is None or item.trip_id != request.trip_id):
        raise Invalid(N_("Choose the itinerary item of this trip."), field="item_id")
    before = snapshot(request)
    if status == InterviewStatus.SCHEDULED:
        request.item = item
    request.status = status
    touch(session, actor=actor, now=now, target=request, before=before, action=f"status:{status}")
    return request
