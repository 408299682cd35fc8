"""Personal data of journalists: identity documents (restricted, deleted after the trip),
the retention job, export on request and erasure on request.

Every service takes the session, the acting person (``None`` for the system) and ``now``; it
flushes, never commits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.calendar.models import Setting
from campaigns.errors import Invalid
from campaigns.i18n import N_
from campaigns.images import sniff_image
from campaigns.org.models import AuditEntry, Person
from campaigns.press import queries
from campaigns.press.models import (
    Affiliation,
    CoverageItem,
    IdentityDocument,
    InterviewRequest,
    Invitation,
    Journalist,
    Trip,
)
from campaigns.press.services import authorise, clean_text, ensure_not_erased, office_today
from campaigns.timezones import is_country

RETENTION_SETTING = "press.identity_retention_days"
DEFAULT_RETENTION_DAYS = 30
MAX_PHOTO_BYTES = 2 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png")

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
    authorise(actor, "identity.manage", trip)
    ensure_not_erased(journalist)
    errors: dict[str, str] = {}
    number, error = clean_text(number, max_length=60, required=True)
    if error:
        errors["number"] = error
    nationality = (nationality or "").strip().upper()
    if not is_country(nationality):
        errors["nationality"] = N_("Use a two-letter ISO 3166 country code, e.g. VN or FR.")
    if photo:
        # The type is read from the content; what the browser declared is not trusted.
        photo_type = sniff_image(photo) or ""
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
    authorise(actor, "identity.manage", document.trip)
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
    authorise(actor, "settings.manage")
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
    today = office_today(now)
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


def _plain(value: Any) -> Any:
    """A value as JSON has it: dates and instants in ISO 8601."""
    return value.isoformat() if isinstance(value, date | datetime) else value


def export_journalist(
    session: Session, *, actor: Person | None, now: datetime, journalist: Journalist
) -> dict[str, Any]:
    """Everything Herald holds about a journalist, as JSON-safe data (a subject-access request).

    Identity documents are deliberately left out: they never leave Herald. Raises NotAllowed.
    """
    authorise(actor, "journalist.erase")
    data: dict[str, Any] = {name: _plain(getattr(journalist, name)) for name in _EXPORTED_FIELDS}
    data["affiliations"] = [
        {
            "outlet": affiliation.outlet.name,
            "role": affiliation.role,
            "starts_on": _plain(affiliation.starts_on),
            "ends_on": _plain(affiliation.ends_on),
        }
        for affiliation in journalist.affiliations
    ]
    data["trips"] = [
        {
            "trip": invitation.trip.title,
            "start_date": _plain(invitation.trip.start_date),
            "end_date": _plain(invitation.trip.end_date),
            "status": invitation.status,
            "visa_status": invitation.visa_status,
            "arrival_flight": invitation.arrival_flight,
            "arrival_at": _plain(invitation.arrival_at),
            "departure_flight": invitation.departure_flight,
            "departure_at": _plain(invitation.departure_at),
            "hotel": invitation.hotel,
            "dietary_needs": invitation.dietary_needs,
            "interpreter_language": invitation.interpreter_language,
        }
        for invitation in queries.invitations_of(session, journalist)
    ]
    data["coverage"] = [
        {"url": item.url, "headline": item.headline, "published_on": _plain(item.published_on)}
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
    authorise(actor, "journalist.erase")
    ensure_not_erased(journalist)
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
