"""Use cases for press trips: the trip and its invitations (with visa case and logistics).
The itinerary and interview requests are in ``itinerary``.

Every service takes the session, the acting person (``None`` for the system) and ``now``;
it flushes, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.calendar.queries import events_to_link
from campaigns.errors import Conflict, Invalid, NotAllowed
from campaigns.i18n import N_
from campaigns.org.models import Person, Role, Unit
from campaigns.org.queries import unit_by_code
from campaigns.permissions import can, require
from campaigns.press import queries, rules
from campaigns.press.models import (
    AccreditationStatus,
    Invitation,
    InvitationStatus,
    ItemStatus,
    Journalist,
    Trip,
    TripStatus,
)
from campaigns.press.rules import Clash
from campaigns.social.models import Campaign
from campaigns.timezones import is_zone


class ClashWarning(Conflict):
    """Saving would create clashes; nothing was saved. Repeat with ``confirm_clashes=True``
    to save anyway. Carries ``.clashes``."""

    def __init__(self, clashes: list[Clash]) -> None:
        self.clashes = clashes
        super().__init__(N_("Check the clashes below, then save again to confirm."))


def authorise(actor: Person | None, action: str, target: object = None) -> None:
    if actor is not None:
        require(actor, action, target)


def touch(session, *, actor, now, target, before, action: str = "update") -> None:
    session.flush()
    if snapshot(target) != before:
        target.updated_at = now
        record_change(session, actor=actor, now=now, action=action, target=target, before=before)


# --- trips -------------------------------------------------------------------------------------


@dataclass
class TripInput:
    title: str
    start_date: date | None
    end_date: date | None
    host_unit_code: str
    timezone: str = "Asia/Ho_Chi_Minh"
    city: str = ""
    campaign_id: int | None = None
    nominating_unit_codes: list[str] = field(default_factory=list)
    coordinator_ids: list[int] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)
    theme: str = ""
    key_messages: list[str] = field(default_factory=list)
    budget_planned: Decimal | str | None = None
    budget_actual: Decimal | str | None = None
    currency: str = "VND"


def _money(value: Decimal | str | None, name: str, errors: dict[str, str]) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        errors[name] = N_("Enter an amount such as 125000000 or 4500.50.")
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        errors[name] = N_("Enter an amount such as 125000000 or 4500.50.")
        return None
    return amount.quantize(Decimal("0.01"))


def _clean_trip(
    session: Session, actor: Person | None, data: TripInput, trip: Trip | None = None
) -> dict[str, Any]:
    """Validate ``data`` for a new trip or for ``trip``: the same checks at creation and at
    every change. Raises Invalid, or NotAllowed (coordinators changed by someone who may not)."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    title = (data.title or "").strip()
    if not title:
        errors["title"] = N_("This field cannot be empty.")
    elif len(title) > 300:
        errors["title"] = N_("This field is too long.")
    cleaned["title"] = title
    if data.start_date is None:
        errors["start_date"] = N_("Enter the first day of the trip.")
    if data.end_date is None:
        errors["end_date"] = N_("Enter the last day of the trip.")
    elif data.start_date is not None and data.end_date < data.start_date:
        errors["end_date"] = N_("The last day is before the first day.")
    elif data.start_date is not None and (data.end_date - data.start_date).days > 60:
        errors["end_date"] = N_("A press trip lasts at most 60 days.")
    cleaned["start_date"], cleaned["end_date"] = data.start_date, data.end_date
    if not is_zone(data.timezone):
        errors["timezone"] = N_("Use an IANA time zone name, e.g. Asia/Ho_Chi_Minh.")
    cleaned["timezone"] = data.timezone
    cleaned["city"] = (data.city or "").strip()[:100]
    host = unit_by_code(session, data.host_unit_code)
    if host is None:
        errors["host_unit_code"] = N_("There is no unit with this code.")
    elif actor is not None and not can(actor, "trip.run", host):
        errors["host_unit_code"] = N_("You can only plan trips hosted by your unit.")
    cleaned["host_unit"] = host
    cleaned["campaign"] = session.get(Campaign, data.campaign_id) if data.campaign_id else None
    if data.campaign_id and cleaned["campaign"] is None:
        errors["campaign_id"] = N_("There is no such campaign.")
    missions: list[Unit] = []
    for code in rules.split_list(data.nominating_unit_codes):
        unit = unit_by_code(session, code)
        if unit is None:
            errors["nominating_unit_codes"] = N_("One of these unit codes does not exist.")
        else:
            missions.append(unit)
    cleaned["nominating_missions"] = missions
    coordinators: list[Person] = []
    current = list(trip.coordinators) if trip is not None else []

    def may_coordinate(person: Person) -> bool:
        return person.active and (host is None or can(person, "trip.run", host))

    # A coordinator who may no longer run the trip (moved to another unit, deactivated) drops
    # off: keeping them named must not lock the trip's other editors out of every change.
    lapsed = {person.id for person in current if not may_coordinate(person)}
    for person_id in dict.fromkeys(data.coordinator_ids):
        if person_id in lapsed:
            continue
        person = session.get(Person, person_id)
        if person is None or not person.active:
            errors["coordinator_ids"] = N_("One of these people does not exist or is inactive.")
        elif host is not None and not can(person, "trip.run", host):
            errors["coordinator_ids"] = N_(
                "Only coordinators and editors of the host unit can coordinate a trip."
            )
        else:
            coordinators.append(person)
    if (
        actor is not None
        and trip is not None
        and {p.id for p in coordinators} != {p.id for p in current} - lapsed
        and not can(actor, "trip.appoint", trip)
    ):
        raise NotAllowed(N_("Only the trip's coordinators can change who coordinates it."))
    cleaned["coordinators"] = coordinators
    events = events_to_link(
        session, actor, data.event_ids, linked=trip.events if trip is not None else ()
    )
    if events is None:
        errors["event_ids"] = N_("One of these events does not exist.")
    cleaned["events"] = events or []
    cleaned["theme"] = (data.theme or "").strip()
    cleaned["key_messages"] = [m[:300] for m in rules.split_list(data.key_messages)]
    cleaned["budget_planned"] = _money(data.budget_planned, "budget_planned", errors)
    cleaned["budget_actual"] = _money(data.budget_actual, "budget_actual", errors)
    currency = (data.currency or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        errors["currency"] = N_("Use a three-letter currency code, e.g. VND, USD or EUR.")
    cleaned["currency"] = currency
    if errors:
        raise Invalid.from_fields(errors)
    return cleaned


def create_trip(session: Session, *, actor: Person | None, now: datetime, data: TripInput) -> Trip:
    """Plan a press trip (status draft). Raises NotAllowed or Invalid."""
    authorise(actor, "trip.create")
    cleaned = _clean_trip(session, actor, data)
    trip = Trip(**cleaned, status=TripStatus.DRAFT, created_at=now, updated_at=now)
    session.add(trip)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=trip)
    return trip


def update_trip(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    trip: Trip,
    data: TripInput,
    confirm_clashes: bool = False,
) -> Trip:
    """Change a trip's plan. New dates are checked first: journalists who would be on another
    trip at the same time, itinerary items left outside the dates.

    Raises NotAllowed, Invalid, Conflict (closed or cancelled) or ClashWarning (new dates that
    clash, unless ``confirm_clashes``). Nothing changes when it raises.
    """
    authorise(actor, "trip.edit", trip)
    if trip.status in (TripStatus.CLOSED, TripStatus.CANCELLED):
        raise Conflict(N_("A closed or cancelled trip cannot be changed."))
    cleaned = _clean_trip(session, actor, data, trip)
    moved = (cleaned["start_date"], cleaned["end_date"]) != (trip.start_date, trip.end_date)
    if moved and not confirm_clashes:
        clashes = _date_clashes(
            session, trip, cleaned["start_date"], cleaned["end_date"], actor=actor
        )
        if clashes:
            raise ClashWarning(clashes)
    before = snapshot(trip)
    for key, value in cleaned.items():
        setattr(trip, key, value)
    touch(session, actor=actor, now=now, target=trip, before=before)
    return trip


def _date_clashes(
    session: Session, trip: Trip, start: date, end: date, *, actor: Person | None
) -> list[Clash]:
    clashes: list[Clash] = []
    for invitation in trip.invitations:
        if invitation.status in rules.ACTIVE_INVITATIONS:
            clashes.extend(
                queries.journalist_clashes(
                    session, trip, invitation.journalist, start=start, end=end, actor=actor
                )
            )
    for item in trip.items:
        if item.status != ItemStatus.CANCELLED:
            outside = queries.outside_dates_clash(queries.probe_of(item), start, end)
            if outside is not None:
                clashes.append(outside)
    return clashes


def change_trip_status(
    session: Session, *, actor: Person | None, now: datetime, trip: Trip, status: str
) -> Trip:
    """Move a trip one step along draft → planned → inviting → confirmed → in_progress →
    completed → coverage_tracking → closed (or to postponed / cancelled).

    Raises NotAllowed or Invalid (a step that does not exist from here).
    """
    authorise(actor, "trip.edit", trip)
    rules.check_transition(rules.TRIP_TRANSITIONS, trip.status, status, field="status")
    before = snapshot(trip)
    trip.status = status
    touch(session, actor=actor, now=now, target=trip, before=before, action=f"status:{status}")
    return trip


# --- invitations -------------------------------------------------------------------------------


def nominate_journalist(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    trip: Trip,
    journalist: Journalist,
    nominated_by_code: str | None = None,
    confirm_clashes: bool = False,
) -> Invitation:
    """A mission (or the host) puts a journalist forward for a trip.

    Raises NotAllowed, Invalid (unknown unit), Conflict (already on this trip, erased record,
    trip closed) or ClashWarning (on another trip at the same time; unless confirmed).
    """
    authorise(actor, "trip.nominate", trip)
    if trip.status in (TripStatus.CLOSED, TripStatus.CANCELLED, TripStatus.COMPLETED):
        raise Conflict(N_("This trip no longer takes nominations."))
    if journalist.erased_at is not None:
        raise Conflict(N_("This journalist's record was erased."))
    existing = session.scalar(
        select(Invitation).where(
            Invitation.trip_id == trip.id, Invitation.journalist_id == journalist.id
        )
    )
    if existing is not None:
        raise Conflict(
            N_("%(journalist)s is already on this trip."), journalist=journalist.name_latin
        )
    unit = None
    if nominated_by_code:
        unit = unit_by_code(session, nominated_by_code)
        if unit is None:
            raise Invalid(N_("There is no unit with this code."), field="nominated_by")
    elif actor is not None and actor.unit is not None:
        unit = actor.unit
    if (
        actor is not None
        and actor.role == Role.EDITOR
        and unit is not None
        and unit.id != actor.unit_id
    ):
        raise NotAllowed(N_("You can nominate only on behalf of your own unit."))
    clashes = queries.journalist_clashes(
        session, trip, journalist, start=trip.start_date, end=trip.end_date, actor=actor
    )
    if clashes and not confirm_clashes:
        raise ClashWarning(clashes)
    invitation = Invitation(
        trip=trip,
        journalist=journalist,
        nominated_by=unit,
        status=InvitationStatus.NOMINATED,
        created_at=now,
        updated_at=now,
    )
    session.add(invitation)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=invitation)
    return invitation


def change_invitation_status(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    invitation: Invitation,
    status: str,
    replacement: Journalist | None = None,
) -> Invitation:
    """Move an invitation one step (shortlist, invite, accept, confirm, withdraw...).

    Replacing a confirmed journalist needs ``replacement``: they get their own invitation
    (status invited) and this one points at it. Raises NotAllowed, Invalid (skipped step,
    missing replacement) or Conflict.
    """
    authorise(actor, "trip.edit", invitation.trip)
    rules.check_transition(rules.INVITATION_TRANSITIONS, invitation.status, status, field="status")
    if status == InvitationStatus.REPLACED and replacement is None:
        raise Invalid(N_("Choose who replaces this journalist."), field="replacement")
    before = snapshot(invitation)
    if status == InvitationStatus.REPLACED:
        successor = nominate_journalist(
            session,
            actor=actor,
            now=now,
            trip=invitation.trip,
            journalist=replacement,
            nominated_by_code=invitation.nominated_by.code if invitation.nominated_by else None,
            confirm_clashes=True,
        )
        successor.status = InvitationStatus.INVITED
        invitation.replaced_by = successor
    invitation.status = status
    touch(
        session, actor=actor, now=now, target=invitation, before=before, action=f"status:{status}"
    )
    return invitation


def change_visa_status(
    session: Session, *, actor: Person | None, now: datetime, invitation: Invitation, status: str
) -> Invitation:
    """Move a visa case one step: not_needed, or letter_requested → letter_issued → applied →
    granted | refused. Raises NotAllowed or Invalid (a skipped step)."""
    authorise(actor, "trip.edit", invitation.trip)
    rules.check_transition(
        rules.VISA_TRANSITIONS, invitation.visa_status, status, field="visa_status"
    )
    before = snapshot(invitation)
    invitation.visa_status = status
    touch(session, actor=actor, now=now, target=invitation, before=before, action=f"visa:{status}")
    return invitation


@dataclass
class LogisticsInput:
    accreditation: str = AccreditationStatus.NOT_REQUESTED
    arrival_flight: str = ""
    arrival_local: datetime | None = None
    arrival_airport: str = ""
    departure_flight: str = ""
    departure_local: datetime | None = None
    departure_airport: str = ""
    hotel: str = ""
    dietary_needs: str = ""
    interpreter_language: str = ""


def update_logistics(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    invitation: Invitation,
    data: LogisticsInput,
) -> Invitation:
    """Record a participant's accreditation, flights (local times in the trip's zone), hotel,
    dietary needs and interpreter language. Raises NotAllowed or Invalid."""
    authorise(actor, "trip.edit", invitation.trip)
    errors: dict[str, str] = {}
    if data.accreditation not in set(AccreditationStatus):
        errors["accreditation"] = N_("Choose a value from the list.")
    zone = invitation.trip.timezone
    times: dict[str, datetime | None] = {}
    for name in ("arrival", "departure"):
        wall = getattr(data, f"{name}_local")
        try:
            times[name] = rules.local_to_utc(wall, zone, field=f"{name}_local") if wall else None
        except Invalid as error:
            errors.update(error.errors)
    if times.get("arrival") and times.get("departure") and times["departure"] <= times["arrival"]:
        errors["departure_local"] = N_("The departure is before the arrival.")
    texts = {}
    for name, limit in (
        ("arrival_flight", 20),
        ("arrival_airport", 10),
        ("departure_flight", 20),
        ("departure_airport", 10),
        ("hotel", 200),
        ("dietary_needs", 200),
        ("interpreter_language", 20),
    ):
        texts[name] = (getattr(data, name) or "").strip()
        if len(texts[name]) > limit:
            errors[name] = N_("This field is too long.")
    if texts["interpreter_language"] and (
        error := rules.check_languages([texts["interpreter_language"].lower()])
    ):
        errors["interpreter_language"] = error
    if errors:
        raise Invalid.from_fields(errors)
    before = snapshot(invitation)
    invitation.accreditation = data.accreditation
    invitation.arrival_at = times["arrival"]
    invitation.departure_at = times["departure"]
    for name, value in texts.items():
        setattr(
            invitation, name, value.upper() if name.endswith(("_airport", "_flight")) else value
        )
    invitation.interpreter_language = texts["interpreter_language"].lower()
    touch(session, actor=actor, now=now, target=invitation, before=before)
    return invitation
