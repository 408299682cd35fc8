"""Use cases for outlets and journalists: records, affiliations, identity documents, CSV
import, merging duplicates, export and erasure, and the retention job.

Trips and coverage have their own modules (``trips``, ``coverage``). Every service takes the
session, the acting person (``None`` for the system) and ``now``; it flushes, never commits.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.calendar.models import Setting
from campaigns.errors import Conflict, Invalid
from campaigns.i18n import N_
from campaigns.org.models import AuditEntry, Person
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
    Trip,
)
from campaigns.timezones import is_country, zone

RETENTION_SETTING = "press.identity_retention_days"
DEFAULT_RETENTION_DAYS = 30
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_PHOTO_BYTES = 2 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png")
# Dates the office reasons about (retention, card expiry) are days in Hanoi.
OFFICE_ZONE = "Asia/Ho_Chi_Minh"


def _authorise(actor: Person | None, action: str, target: object = None) -> None:
    if actor is not None:
        require(actor, action, target)


def _text(value: str | None, *, max_length: int, required: bool = False) -> tuple[str, str | None]:
    value = (value or "").strip()
    if required and not value:
        return value, N_("This field cannot be empty.")
    if len(value) > max_length:
        return value, N_("This field is too long.")
    return value, None


def _office_today(now: datetime) -> date:
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
    cleaned["name"], error = _text(data.name, max_length=200, required=True)
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
    _authorise(actor, "outlet.manage")
    outlet = Outlet(**_clean_outlet(data), created_at=now, updated_at=now)
    session.add(outlet)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=outlet)
    return outlet


def update_outlet(
    session: Session, *, actor: Person | None, now: datetime, outlet: Outlet, data: OutletInput
) -> Outlet:
    """Change an outlet. Raises NotAllowed or Invalid; nothing changes on error."""
    _authorise(actor, "outlet.manage")
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


def _clean_journalist(data: JournalistInput) -> dict[str, Any]:
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
        cleaned[name], error = _text(getattr(data, name), max_length=limit, required=required)
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
    _authorise(actor, "journalist.manage")
    journalist = Journalist(**_clean_journalist(data), created_at=now, updated_at=now)
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
    _authorise(actor, "journalist.manage")
    _not_erased(journalist)
    before = snapshot(journalist)
    for key, value in _clean_journalist(data).items():
        setattr(journalist, key, value)
    session.flush()
    if snapshot(journalist) != before:
        journalist.updated_at = now
        record_change(
            session, actor=actor, now=now, action="update", target=journalist, before=before
        )
    return journalist


def _not_erased(journalist: Journalist) -> None:
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
    _authorise(actor, "journalist.manage")
    _not_erased(journalist)
    errors: dict[str, str] = {}
    if starts_on is None:
        errors["starts_on"] = N_("Enter the date the journalist started there.")
    elif ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = N_("The end date is before the start date.")
    role, error = _text(role, max_length=100)
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
    _authorise(actor, "journalist.manage")
    if ends_on < affiliation.starts_on:
        raise Invalid(N_("The end date is before the start date."), field="ends_on")
    before = snapshot(affiliation)
    affiliation.ends_on = ends_on
    session.flush()
    record_change(session, actor=actor, now=now, action="update", target=affiliation, before=before)
    return affiliation


# --- identity documents ------------------------------------------------------------------------


def add_identity_document(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    journalist: Journalist,
    trip: Trip | None,
    number: str,
    nationality: str,
    expires_on: date | None = None,
    photo: bytes | None = None,
    photo_type: str = "",
) -> IdentityDocument:
    """Keep a journalist's passport details for a trip (admins and the trip's coordinators).

    Raises NotAllowed or Invalid (empty number, unknown nationality, photo too large or not an
    image). The audit log records that it was added, not its contents.
    """
    _authorise(actor, "identity.manage", trip)
    _not_erased(journalist)
    errors: dict[str, str] = {}
    number, error = _text(number, max_length=60, required=True)
    if error:
        errors["number"] = error
    nationality = (nationality or "").strip().upper()
    if not is_country(nationality):
        errors["nationality"] = N_("Use a two-letter ISO 3166 country code, e.g. VN or FR.")
    if photo:
        if len(photo) > MAX_PHOTO_BYTES:
            errors["photo"] = N_("The photo is larger than 2 MB.")
        elif photo_type not in PHOTO_TYPES:
            errors["photo"] = N_("Upload the photo as JPEG or PNG.")
    if errors:
        raise Invalid.from_fields(errors)
    document = IdentityDocument(
        journalist=journalist,
        trip=trip,
        number=number,
        nationality=nationality,
        expires_on=expires_on,
        photo=photo or None,
        photo_type=photo_type if photo else "",
        created_at=now,
    )
    session.add(document)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=document)
    return document


def delete_identity_document(
    session: Session, *, actor: Person | None, now: datetime, document: IdentityDocument
) -> None:
    """Delete an identity document now. Raises NotAllowed."""
    _authorise(actor, "identity.manage", document.trip)
    record_change(session, actor=actor, now=now, action="delete", target=document)
    session.delete(document)
    session.flush()


def identity_retention_days(session: Session) -> int:
    setting = session.scalar(select(Setting).where(Setting.key == RETENTION_SETTING))
    return int(setting.value) if setting is not None else DEFAULT_RETENTION_DAYS


def set_identity_retention_days(
    session: Session, *, actor: Person | None, now: datetime, days: int | None
) -> Setting:
    """How many days after a trip its identity documents are kept (admins; 1 to 365).

    Raises NotAllowed or Invalid.
    """
    _authorise(actor, "settings.manage")
    if days is None or not 1 <= days <= 365:
        raise Invalid(N_("Enter a number of days from 1 to 365."), field="days")
    setting = session.scalar(select(Setting).where(Setting.key == RETENTION_SETTING))
    before = snapshot(setting) if setting is not None else None
    if setting is None:
        setting = Setting(key=RETENTION_SETTING, value=days, updated_at=now)
        session.add(setting)
    else:
        setting.value = days
        setting.updated_at = now
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="create" if before is None else "update",
        target=setting,
        before=before,
    )
    return setting


def purge_expired_identity_documents(session: Session, *, now: datetime) -> int:
    """Delete identity documents kept longer than allowed; return how many went.

    A document collected for a trip goes ``retention`` days after the trip's last day; one
    kept without a trip goes ``retention`` days after it was recorded. Safe to run repeatedly.
    """
    days = identity_retention_days(session)
    today = _office_today(now)
    expired = list(
        session.scalars(
            select(IdentityDocument)
            .outerjoin(Trip, IdentityDocument.trip_id == Trip.id)
            .where(
                ((Trip.id.is_not(None)) & (Trip.end_date < today - timedelta(days=days)))
                | (
                    (IdentityDocument.trip_id.is_(None))
                    & (IdentityDocument.created_at < now - timedelta(days=days))
                )
            )
        )
    )
    for document in expired:
        record_change(
            session,
            actor=None,
            now=now,
            action="delete",
            target=document,
            comment="retention period over",
        )
        session.delete(document)
    session.flush()
    return len(expired)


# --- export and erasure ------------------------------------------------------------------------

_EXPORTED_FIELDS = (
    "id",
    "name_latin",
    "name_native",
    "country",
    "languages",
    "beats",
    "email",
    "phone",
    "press_card_number",
    "press_card_expires_on",
    "notes",
    "consent_basis",
    "consent_on",
    "created_at",
    "updated_at",
)


def export_journalist(
    session: Session, *, actor: Person | None, now: datetime, journalist: Journalist
) -> dict[str, Any]:
    """Everything Herald holds about a journalist, as JSON-safe data (a subject-access request).

    Identity documents are deliberately left out: they never leave Herald. Raises NotAllowed.
    """
    _authorise(actor, "journalist.erase")
    from campaigns.audit import _json_value

    data: dict[str, Any] = {
        name: _json_value(getattr(journalist, name)) for name in _EXPORTED_FIELDS
    }
    data["affiliations"] = [
        {
            "outlet": affiliation.outlet.name,
            "role": affiliation.role,
            "starts_on": _json_value(affiliation.starts_on),
            "ends_on": _json_value(affiliation.ends_on),
        }
        for affiliation in journalist.affiliations
    ]
    data["trips"] = [
        {
            "trip": invitation.trip.title,
            "start_date": _json_value(invitation.trip.start_date),
            "end_date": _json_value(invitation.trip.end_date),
            "status": invitation.status,
            "visa_status": invitation.visa_status,
            "arrival_flight": invitation.arrival_flight,
            "arrival_at": _json_value(invitation.arrival_at),
            "departure_flight": invitation.departure_flight,
            "departure_at": _json_value(invitation.departure_at),
            "hotel": invitation.hotel,
            "dietary_needs": invitation.dietary_needs,
            "interpreter_language": invitation.interpreter_language,
        }
        for invitation in queries.invitations_of(session, journalist)
    ]
    data["coverage"] = [
        {"url": item.url, "headline": item.headline, "published_on": _json_value(item.published_on)}
        for item in session.scalars(
            select(CoverageItem).where(CoverageItem.journalist_id == journalist.id)
        )
    ]
    data["exported_at"] = now.isoformat()
    record_change(
        session, actor=actor, now=now, action="export", target=journalist, before=None
    ).after = None
    return data


def erase_journalist(
    session: Session, *, actor: Person | None, now: datetime, journalist: Journalist
) -> Journalist:
    """Forget a journalist on request. The row stays, anonymised, so coverage statistics
    (articles, countries, tone, reach) keep adding up; names, contacts, notes, identity
    documents, travel details and the personal data in past audit entries are removed.

    Raises NotAllowed or Conflict (already erased).
    """
    _authorise(actor, "journalist.erase")
    _not_erased(journalist)
    session.execute(delete(IdentityDocument).where(IdentityDocument.journalist_id == journalist.id))
    for invitation in queries.invitations_of(session, journalist):
        for name in (
            "arrival_flight",
            "arrival_airport",
            "departure_flight",
            "departure_airport",
            "hotel",
            "dietary_needs",
        ):
            setattr(invitation, name, "")
        invitation.arrival_at = None
        invitation.departure_at = None
    label = f"erased journalist #{journalist.id}"
    journalist.name_latin = label
    journalist.name_native = ""
    journalist.email = ""
    journalist.phone = ""
    journalist.press_card_number = ""
    journalist.press_card_expires_on = None
    journalist.notes = ""
    journalist.beats = []
    journalist.consent_basis = ""
    journalist.consent_on = None
    journalist.erased_at = now
    journalist.updated_at = now
    session.flush()
    # Past snapshots in the audit log held the same personal data, and labels held the name.
    _scrub_audit(session, "journalist", [journalist.id], label, snapshots=True)
    _scrub_audit(session, "invitation", _ids_of(session, Invitation, journalist), label, True)
    _scrub_audit(session, "affiliation", _ids_of(session, Affiliation, journalist), label, False)
    _scrub_audit(
        session, "interview_request", _ids_of(session, InterviewRequest, journalist), label, False
    )
    record_change(
        session,
        actor=actor,
        now=now,
        action="erase",
        target=journalist,
        comment="erased on request",
    ).after = None
    session.flush()
    return journalist


def _ids_of(session: Session, model: Any, journalist: Journalist) -> list[int]:
    return list(session.scalars(select(model.id).where(model.journalist_id == journalist.id)))


def _scrub_audit(
    session: Session, target_type: str, ids: list[int], label: str, snapshots: bool
) -> None:
    if not ids:
        return
    values: dict[str, Any] = {"target_label": label}
    if snapshots:
        values.update(before=None, after=None)
    session.execute(
        update(AuditEntry)
        .where(AuditEntry.target_type == target_type, AuditEntry.target_id.in_(ids))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


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
    _authorise(actor, "journalist.manage")
    if keep.id == duplicate.id:
        raise Invalid(N_("Choose two different journalists."), field="duplicate")
    _not_erased(keep)
    _not_erased(duplicate)
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


# --- CSV import --------------------------------------------------------------------------------

CSV_COLUMNS = (
    "name_latin",
    "name_native",
    "country",
    "languages",
    "beats",
    "email",
    "phone",
    "outlet",
    "press_card_number",
    "press_card_expires_on",
    "consent_basis",
    "consent_on",
    "notes",
)
REQUIRED_CSV_COLUMNS = ("name_latin", "country")


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    created: int = 0

    @property
    def valid(self) -> bool:
        return bool(self.rows) and not any(row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)


def _csv_date(raw: str) -> tuple[date | None, bool]:
    raw = (raw or "").strip()
    if not raw:
        return None, True
    try:
        return date.fromisoformat(raw), True
    except ValueError:
        return None, False


def _decode_csv(content: bytes) -> str:
    if not content.strip():
        raise Invalid(N_("The file is empty."), field="file")
    if len(content) > MAX_CSV_BYTES:
        raise Invalid(N_("The file is larger than 2 MB."), field="file")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(
            N_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."), field="file"
        ) from None


def import_journalists_csv(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    content: bytes,
    apply: bool = False,
) -> ImportPreview:
    """Read journalists from CSV (UTF-8, header row with the names in ``CSV_COLUMNS``).

    Returns the rows with their errors. With ``apply`` and no errors at all, creates them
    (with an affiliation to the named outlet from today); with any error, creates nothing.
    Raises NotAllowed, or Invalid for a file that cannot be read at all (size, encoding,
    missing or unknown columns).
    """
    _authorise(actor, "journalist.manage")
    text = _decode_csv(content)
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = [name.strip() for name in (reader.fieldnames or [])]
    except csv.Error:
        raise Invalid(N_("The file is not valid CSV."), field="file") from None
    missing = [name for name in REQUIRED_CSV_COLUMNS if name not in header]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if missing or unknown:
        raise Invalid(
            N_(
                "Wrong columns. Missing: %(missing)s. Unknown: %(unknown)s. Expected: %(expected)s."
            ),
            field="file",
            missing=", ".join(missing) or "—",
            unknown=", ".join(unknown) or "—",
            expected=", ".join(CSV_COLUMNS),
        )
    outlets = {outlet.name.lower(): outlet for outlet in queries.list_outlets(session)}
    preview = ImportPreview(rows=[])
    prepared: list[tuple[JournalistInput, Outlet | None]] = []
    try:
        for raw in reader:
            values = {
                (key or "").strip(): (value or "").strip()
                for key, value in raw.items()
                if not isinstance(value, list)
            }
            row = ImportRow(line=reader.line_num, values=values)
            preview.rows.append(row)
            if None in raw:
                row.errors["file"] = N_("This row has more cells than the header.")
                continue
            expires_on, ok_expiry = _csv_date(values.get("press_card_expires_on", ""))
            consent_on, ok_consent = _csv_date(values.get("consent_on", ""))
            if not ok_expiry:
                row.errors["press_card_expires_on"] = N_("Write dates as YYYY-MM-DD.")
            if not ok_consent:
                row.errors["consent_on"] = N_("Write dates as YYYY-MM-DD.")
            data = JournalistInput(
                name_latin=values.get("name_latin", ""),
                name_native=values.get("name_native", ""),
                country=values.get("country", ""),
                languages=rules.split_list(values.get("languages", "")),
                beats=rules.split_list(values.get("beats", "")),
                email=values.get("email", ""),
                phone=values.get("phone", ""),
                press_card_number=values.get("press_card_number", ""),
                press_card_expires_on=expires_on,
                consent_basis=values.get("consent_basis", ""),
                consent_on=consent_on,
                notes=values.get("notes", ""),
            )
            try:
                _clean_journalist(data)
            except Invalid as error:
                row.errors.update(error.errors)
            outlet_name = values.get("outlet", "")
            outlet = outlets.get(outlet_name.lower()) if outlet_name else None
            if outlet_name and outlet is None:
                row.errors["outlet"] = N_("There is no outlet with this name; add it first.")
            prepared.append((data, outlet))
    except csv.Error:
        raise Invalid(N_("The file is not valid CSV."), field="file") from None
    if not preview.rows:
        raise Invalid(N_("The file has a header but no rows."), field="file")
    if apply and preview.valid:
        today = _office_today(now)
        for data, outlet in prepared:
            journalist = create_journalist(session, actor=actor, now=now, data=data)
            if outlet is not None:
                add_affiliation(
                    session,
                    actor=actor,
                    now=now,
                    journalist=journalist,
                    outlet=outlet,
                    starts_on=today,
                )
        preview.created = len(prepared)
    return preview


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
    _authorise(actor, "letterhead.manage", unit)
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for name, limit in LETTERHEAD_FIELDS.items():
        cleaned[name], error = _text(fields.get(name), max_length=limit)
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
