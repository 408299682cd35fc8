"""Use cases for outlets and journalists: records, affiliations, merging duplicates, and the
letterheads printed on letters. Privacy (identity documents, retention, export, erasure) lives
in ``privacy``, the CSV import in ``csv_import``; trips and coverage have their own modules.

Every service takes the session, the acting person (``None`` for the system) and ``now``; it
flushes, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.errors import Conflict, Invalid
from campaigns.i18n import N_
from campaigns.org.models import Person
from campaigns.permissions import require
from campaigns.press import queries, rules
from campaigns.press.models import (
    Affiliation,
    CoverageItem,
    IdentityDocument,
    InterviewRequest,
    Invitation,
    Journalist,
    Letterhead,
    Outlet,
    OutletKind,
)
from campaigns.timezones import is_country, zone

# Dates the office reasons about (retention, card expiry) are days in Hanoi.
OFFICE_ZONE = "Asia/Ho_Chi_Minh"


def authorise(actor: Person | None, action: str, target: object = None) -> None:
    if actor is not None:
        require(actor, action, target)


def clean_text(
    value: str | None, *, max_length: int, required: bool = False
) -> tuple[str, str | None]:
    value = (value or "").strip()
    if required and not value:
        return value, N_("This field cannot be empty.")
    if len(value) > max_length:
        return value, N_("This field is too long.")
    return value, None


def office_today(now: datetime) -> date:
    return now.astimezone(zone(OFFICE_ZONE)).date()


# --- outlets -----------------------------------------------------------------------------------


@dataclass
class OutletInput:
    name: str
    country: str
    kind: str
    languages: list[str] = field(default_factory=list)
    website: str = ""
    estimated_reach: int | None = None


def _clean_outlet(data: OutletInput) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    cleaned["name"], error = clean_text(data.name, max_length=200, required=True)
    if error:
        errors["name"] = error
    cleaned["country"] = (data.country or "").strip().upper()
    if not is_country(cleaned["country"]):
        errors["country"] = N_("Use a two-letter ISO 3166 country code, e.g. VN or FR.")
    if data.kind not in set(OutletKind):
        errors["kind"] = N_("Choose a kind of outlet from the list.")
    cleaned["kind"] = data.kind
    cleaned["languages"] = [tag.lower() for tag in rules.split_list(data.languages)]
    if error := rules.check_languages(cleaned["languages"]):
        errors["languages"] = error
    website = (data.website or "").strip()
    if website:
        _, error = rules.normalise_url(website)
        if error:
            errors["website"] = error
    cleaned["website"] = website
    if data.estimated_reach is not None and data.estimated_reach < 0:
        errors["estimated_reach"] = N_("Enter a number of zero or more.")
    cleaned["estimated_reach"] = data.estimated_reach
    if errors:
        raise Invalid.from_fields(errors)
    return cleaned


def create_outlet(
    session: Session, *, actor: Person | None, now: datetime, data: OutletInput
) -> Outlet:
    """Add an outlet. Raises NotAllowed or Invalid."""
    authorise(actor, "outlet.manage")
    outlet = Outlet(**_clean_outlet(data), created_at=now, updated_at=now)
    session.add(outlet)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=outlet)
    return outlet


def update_outlet(
    session: Session, *, actor: Person | None, now: datetime, outlet: Outlet, data: OutletInput
) -> Outlet:
    """Change an outlet. Raises NotAllowed or Invalid; nothing changes on error."""
    authorise(actor, "outlet.manage")
    before = snapshot(outlet)
    for key, value in _clean_outlet(data).items():
        setattr(outlet, key, value)
    session.flush()
    if snapshot(outlet) != before:
        outlet.updated_at = now
        record_change(session, actor=actor, now=now, action="update", target=outlet, before=before)
    return outlet


# --- journalists -------------------------------------------------------------------------------


@dataclass
class JournalistInput:
    name_latin: str
    country: str
    name_native: str = ""
    languages: list[str] = field(default_factory=list)
    beats: list[str] = field(default_factory=list)
    email: str = ""
    phone: str = ""
    press_card_number: str = ""
    press_card_expires_on: date | None = None
    notes: str = ""
    consent_basis: str = ""
    consent_on: date | None = None


def check_journalist(data: JournalistInput) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name, limit, required in (
        ("name_latin", 200, True),
        ("name_native", 200, False),
        ("phone", 50, False),
        ("press_card_number", 60, False),
        ("consent_basis", 200, False),
        ("notes", 5000, False),
    ):
        cleaned[name], error = clean_text(getattr(data, name), max_length=limit, required=required)
        if error:
            errors[name] = error
    cleaned["country"] = (data.country or "").strip().upper()
    if not is_country(cleaned["country"]):
        errors["country"] = N_("Use a two-letter ISO 3166 country code, e.g. VN or FR.")
    cleaned["languages"] = [tag.lower() for tag in rules.split_list(data.languages)]
    if error := rules.check_languages(cleaned["languages"]):
        errors["languages"] = error
    cleaned["beats"] = rules.split_list(data.beats)
    email = (data.email or "").strip()
    if email:
        from campaigns.org.rules import normalise_email

        normalised, error = normalise_email(email)
        if error:
            errors["email"] = error
        email = normalised or email
    cleaned["email"] = email
    cleaned["press_card_expires_on"] = data.press_card_expires_on
    cleaned["consent_on"] = data.consent_on
    if data.consent_on is not None and not cleaned["consent_basis"]:
        errors["consent_basis"] = N_("Say on what basis the journalist agreed.")
    if errors:
        raise Invalid.from_fields(errors)
    return cleaned


def create_journalist(
    session: Session, *, actor: Person | None, now: datetime, data: JournalistInput
) -> Journalist:
    """Add a journalist. Raises NotAllowed or Invalid."""
    authorise(actor, "journalist.manage")
    journalist = Journalist(**check_journalist(data), created_at=now, updated_at=now)
    session.add(journalist)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=journalist)
    return journalist


def update_journalist(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    journalist: Journalist,
    data: JournalistInput,
) -> Journalist:
    """Change a journalist's record. Raises NotAllowed, Invalid, or Conflict (erased)."""
    authorise(actor, "journalist.manage")
    ensure_not_erased(journalist)
    before = snapshot(journalist)
    for key, value in check_journalist(data).items():
        setattr(journalist, key, value)
    session.flush()
    if snapshot(journalist) != before:
        journalist.updated_at = now
        record_change(
            session, actor=actor, now=now, action="update", target=journalist, before=before
        )
    return journalist


def ensure_not_erased(journalist: Journalist) -> None:
    if journalist.erased_at is not None:
        raise Conflict(N_("This journalist's record was erased."))


def add_affiliation(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    journalist: Journalist,
    outlet: Outlet,
    starts_on: date | None,
    ends_on: date | None = None,
    role: str = "",
) -> Affiliation:
    """Record that a journalist works (or worked) for an outlet. Raises NotAllowed or Invalid
    (missing start, dates out of order)."""
    authorise(actor, "journalist.manage")
    ensure_not_erased(journalist)
    errors: dict[str, str] = {}
    if starts_on is None:
        errors["starts_on"] = N_("Enter the date the journalist started there.")
    elif ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = N_("The end date is before the start date.")
    role, error = clean_text(role, max_length=100)
    if error:
        errors["role"] = error
    if errors:
        raise Invalid.from_fields(errors)
    affiliation = Affiliation(
        journalist=journalist, outlet=outlet, role=role, starts_on=starts_on, ends_on=ends_on
    )
    session.add(affiliation)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=affiliation)
    return affiliation


def end_affiliation(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    affiliation: Affiliation,
    ends_on: date,
) -> Affiliation:
    """Close an affiliation on ``ends_on``. Raises NotAllowed or Invalid."""
    authorise(actor, "journalist.manage")
    if ends_on < affiliation.starts_on:
        raise Invalid(N_("The end date is before the start date."), field="ends_on")
    before = snapshot(affiliation)
    affiliation.ends_on = ends_on
    session.flush()
    record_change(session, actor=actor, now=now, action="update", target=affiliation, before=before)
    return affiliation


# --- merging duplicates ------------------------------------------------------------------------


def merge_journalists(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    keep: Journalist,
    duplicate: Journalist,
) -> Journalist:
    """Fold ``duplicate`` into ``keep``: its affiliations, invitations, interviews, coverage and
    documents move over, empty fields of ``keep`` are filled from it, and it is deleted.

    Raises NotAllowed, Invalid (same record) or Conflict (both on one trip, or erased).
    """
    authorise(actor, "journalist.manage")
    if keep.id == duplicate.id:
        raise Invalid(N_("Choose two different journalists."), field="duplicate")
    ensure_not_erased(keep)
    ensure_not_erased(duplicate)
    keep_trips = {invitation.trip_id for invitation in queries.invitations_of(session, keep)}
    shared = [
        invitation
        for invitation in queries.invitations_of(session, duplicate)
        if invitation.trip_id in keep_trips
    ]
    if shared:
        raise Conflict(
            N_("Both records are invited to “%(trip)s”; withdraw one invitation first."),
            trip=shared[0].trip.title,
        )
    before = snapshot(keep)
    for name in ("name_native", "email", "phone", "press_card_number", "notes", "consent_basis"):
        if not getattr(keep, name) and getattr(duplicate, name):
            setattr(keep, name, getattr(duplicate, name))
    for name in ("press_card_expires_on", "consent_on"):
        if getattr(keep, name) is None:
            setattr(keep, name, getattr(duplicate, name))
    keep.languages = rules.split_list([*keep.languages, *duplicate.languages])
    keep.beats = rules.split_list([*keep.beats, *duplicate.beats])
    for model in (Affiliation, Invitation, InterviewRequest, CoverageItem, IdentityDocument):
        session.execute(
            update(model)
            .where(model.journalist_id == duplicate.id)
            .values(journalist_id=keep.id)
            .execution_options(synchronize_session=False)
        )
    record_change(
        session,
        actor=actor,
        now=now,
        action="delete",
        target=duplicate,
        comment=f"merged into journalist #{keep.id}",
    )
    # Its collections were emptied in the database above; reload them before deleting it.
    session.expire(duplicate)
    session.delete(duplicate)
    keep.updated_at = now
    session.flush()
    session.expire(keep)
    record_change(
        session,
        actor=actor,
        now=now,
        action="merge",
        target=keep,
        before=before,
        comment=f"journalist #{duplicate.id} merged in",
    )
    return keep


# --- letterheads -------------------------------------------------------------------------------

LETTERHEAD_FIELDS = {
    "address": 300,
    "city": 100,
    "phone": 50,
    "email": 254,
    "website": 200,
    "signatory_name": 200,
    "signatory_title_vi": 200,
    "signatory_title_en": 200,
}


def save_letterhead(
    session: Session, *, actor: Person | None, now: datetime, unit: Any, **fields: str
) -> Letterhead:
    """Set what a unit prints on its letters (address, contacts, signatory). Raises NotAllowed
    or Invalid."""
    authorise(actor, "letterhead.manage", unit)
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for name, limit in LETTERHEAD_FIELDS.items():
        cleaned[name], error = clean_text(fields.get(name), max_length=limit)
        if error:
            errors[name] = error
    if errors:
        raise Invalid.from_fields(errors)
    letterhead = queries.letterhead_of(session, unit.id)
    before = snapshot(letterhead) if letterhead is not None else None
    if letterhead is None:
        letterhead = Letterhead(unit=unit, updated_at=now)
        session.add(letterhead)
    for name, value in cleaned.items():
        setattr(letterhead, name, value)
    letterhead.updated_at = now
    session.flush()
    if before is None or snapshot(letterhead) != before:
        action = "create" if before is None else "update"
        record_change(
            session, actor=actor, now=now, action=action, target=letterhead, before=before
        )
    return letterhead
