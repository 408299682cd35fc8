"""National online conferences: setting one up, its connected sites, their readiness and
attendance, the programme of talks, and the readiness reminders.

Who: the organiser unit's coordinators (and administrators) run the conference
(``conference.manage``); a site's own people update their site only (``conference_site.update``).

Concurrency: on the day, up to thousands of sites report within a minute. Each report is one
conditional ``UPDATE`` of its own site's row (no read-modify-write in Python), and the board's
totals are sums over the rows, so no report can overwrite another.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.calendar.models import Event, EventKind
from campaigns.errors import Conflict, Invalid
from campaigns.field.models import BotDelivery
from campaigns.i18n import N_
from campaigns.org.models import Person, Unit, UnitKind
from campaigns.permissions import can, require
from campaigns.programme.conference_models import Conference, ConferenceSite, ConferenceTalk
from campaigns.social.notifications import notify
from campaigns.timezones import is_zone, to_zone

MAX_ATTENDANCE = 1_000_000
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
#: Before the readiness deadline, a site that is not ready is reminded at each of these leads
#: (only the shortest one passed, once), and once more when the deadline has passed.
REMINDER_LEADS = (timedelta(days=3), timedelta(days=1))
READINESS_REMINDER = N_(
    "Conference “%(title)s”: your site (%(site)s) is not ready yet. Please confirm the room, the"
    " connection test, the chair and the documents by %(due)s."
)
READINESS_OVERDUE = N_(
    "Conference “%(title)s”: the readiness deadline (%(due)s) has passed and your site"
    " (%(site)s) is not ready yet. Please update its checklist."
)
CHECKS = ("room_ready", "connection_tested", "chair_confirmed", "documents_received")

# Documents distributed to the sites: office documents and PDFs, recognised by their content.
_DOCUMENT_TYPES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"PK\x03\x04", "application/zip", "zip"),  # docx, xlsx, pptx, odt: refined by name below
    (b"\xd0\xcf\x11\xe0", "application/msword", "doc"),
)
_OFFICE_EXTENSIONS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "odp": "application/vnd.oasis.opendocument.presentation",
}


class Readiness:
    READY = "ready"
    NOT_READY = "not_ready"
    NO_ANSWER = "no_answer"
    ALL = ("ready", "not_ready", "no_answer")


READINESS_LABELS = {
    Readiness.READY: N_("Ready"),
    Readiness.NOT_READY: N_("Not ready"),
    Readiness.NO_ANSWER: N_("No answer"),
}


def readiness_of(site: ConferenceSite) -> str:
    """Ready (all four checks), not ready (answered, something missing), or no answer."""
    if site.readiness_answered_at is None:
        return Readiness.NO_ANSWER
    if all(getattr(site, check) for check in CHECKS):
        return Readiness.READY
    return Readiness.NOT_READY


@dataclass(frozen=True)
class SiteInput:
    chair_name: str = ""
    chair_title: str = ""
    technical_contact: str = ""
    expected_attendance: int | str | None = 0
    timezone: str = ""


def check_site(data: SiteInput, *, default_zone: str) -> tuple[dict[str, object], dict[str, str]]:
    """The site's fields cleaned, and the errors (field -> message) of what breaks a rule."""
    errors: dict[str, str] = {}
    cleaned: dict[str, object] = {
        "chair_name": (data.chair_name or "").strip()[:200],
        "chair_title": (data.chair_title or "").strip()[:200],
        "technical_contact": (data.technical_contact or "").strip()[:300],
    }
    attendance = parse_count(data.expected_attendance)
    if attendance is None:
        errors["expected_attendance"] = N_("Write the expected attendance as a whole number.")
    cleaned["expected_attendance"] = attendance or 0
    zone = (data.timezone or "").strip() or default_zone
    if not is_zone(zone):
        errors["timezone"] = N_("Give an IANA time zone, such as Asia/Ho_Chi_Minh.")
    cleaned["timezone"] = zone
    for name in ("chair_name", "chair_title", "technical_contact"):
        if "\x00" in str(cleaned[name]):
            errors[name] = N_("This text contains a NUL character, which is not allowed.")
    return cleaned, errors


def parse_count(raw: int | str | None) -> int | None:
    """A head count from a form or a file (blank is 0); None when it is not one."""
    if raw is None or raw == "":
        return 0
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    else:
        text = str(raw).strip().replace(" ", "").replace(",", "").replace(".", "")
        if not text.isdigit():
            return None
        value = int(text)
    return value if 0 <= value <= MAX_ATTENDANCE else None


# --- the conference -----------------------------------------------------------------------------


def create_conference(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    event: Event,
    readiness_due_at: datetime,
) -> Conference:
    """Run ``event`` (of kind conference) as a national online conference, with the organiser
    unit as its central site. Raises NotAllowed, Invalid (not a conference, a deadline after
    the start) or Conflict (already set up)."""
    if actor is not None:
        require(actor, "conference.create", event)
    if event.kind != EventKind.CONFERENCE:
        raise Invalid(N_("Only an event of kind conference can have connected sites."))
    _check_deadline(event, readiness_due_at)
    if session.scalar(select(Conference.id).where(Conference.event_id == event.id)) is not None:
        raise Conflict(N_("This event already has its connected sites."))
    conference = Conference(
        event_id=event.id, readiness_due_at=readiness_due_at, created_at=now, updated_at=now
    )
    conference.event = event
    session.add(conference)
    session.flush()
    central = build_site(conference, event.owner_unit, now, is_central=True)
    session.add(central)
    session.flush()
    forget_site_units(conference)
    record_change(session, actor=actor, now=now, action="create", target=conference)
    return conference


def set_readiness_deadline(
    session: Session, *, actor: Person, now: datetime, conference: Conference, due_at: datetime
) -> Conference:
    """Move the readiness deadline (reminders follow the new one). Raises NotAllowed, Invalid."""
    require(actor, "conference.manage", conference)
    _check_deadline(conference.event, due_at)
    before = snapshot(conference)
    conference.readiness_due_at = due_at
    conference.updated_at = now
    session.flush()
    record_change(session, actor=actor, now=now, action="update", target=conference, before=before)
    return conference


def _check_deadline(event: Event, due_at: datetime) -> None:
    starts_at = event.starts_at
    if starts_at is not None and due_at >= starts_at:
        raise Invalid(
            N_("The readiness deadline must come before the conference starts."),
            field="readiness_due_at",
        )


def build_site(conference: Conference, unit: Unit, now: datetime, **fields) -> ConferenceSite:
    values = {
        "conference_id": conference.id,
        "unit_id": unit.id,
        "timezone": unit.timezone,
        "is_central": False,
        "expected_attendance": 0,
        "created_at": now,
        "updated_at": now,
    }
    values.update(fields)
    site = ConferenceSite(**values)
    site.unit = unit
    return site


def forget_site_units(conference: Conference) -> None:
    conference.__dict__.pop("_site_unit_ids", None)


# --- sites --------------------------------------------------------------------------------------


class UnitSelection:
    PROVINCES = "provinces"
    MISSIONS = "missions"
    MINISTRIES = "ministries"
    UNDER = "under"
    ALL = ("provinces", "missions", "ministries", "under")


def units_for_selection(
    session: Session, selection: str, *, under: Unit | None = None
) -> list[Unit]:
    """The units a selection names: every province, every mission abroad, every ministry or
    central agency, or every unit below ``under`` in the tree (at any depth)."""
    kinds = {
        UnitSelection.PROVINCES: (UnitKind.PROVINCE,),
        UnitSelection.MISSIONS: (UnitKind.MISSION,),
        UnitSelection.MINISTRIES: (UnitKind.MINISTRY, UnitKind.PRESS_AGENCY),
    }
    if selection in kinds:
        return list(
            session.scalars(select(Unit).where(Unit.kind.in_(kinds[selection])).order_by(Unit.code))
        )
    if selection != UnitSelection.UNDER or under is None:
        raise Invalid(N_("Choose which units to add."), field="selection")
    children: dict[int | None, list[Unit]] = {}
    for unit in session.scalars(select(Unit).order_by(Unit.code)):
        children.setdefault(unit.parent_id, []).append(unit)
    found, stack = [], list(children.get(under.id, []))
    while stack:
        unit = stack.pop(0)
        found.append(unit)
        stack.extend(children.get(unit.id, []))
    return found


def add_sites_from_units(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    conference: Conference,
    selection: str,
    under: Unit | None = None,
) -> list[ConferenceSite]:
    """Add a site for each unit of ``selection`` that has none yet (its zone is the unit's);
    returns the sites added. Raises NotAllowed, Invalid."""
    if actor is not None:
        require(actor, "conference.manage", conference)
    units = units_for_selection(session, selection, under=under)
    taken = set(
        session.scalars(
            select(ConferenceSite.unit_id).where(ConferenceSite.conference_id == conference.id)
        )
    )
    added = [build_site(conference, unit, now) for unit in units if unit.id not in taken]
    session.add_all(added)
    session.flush()
    forget_site_units(conference)
    if added:
        record_change(
            session,
            actor=actor,
            now=now,
            action="add_sites",
            target=conference,
            comment=", ".join(site.unit.code for site in added)[:2000],
        )
    return added


def add_site(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    conference: Conference,
    unit: Unit,
    data: SiteInput,
) -> ConferenceSite:
    """Add one unit's site. Raises NotAllowed, Invalid, Conflict (the unit has one)."""
    if actor is not None:
        require(actor, "conference.manage", conference)
    cleaned, errors = check_site(data, default_zone=unit.timezone)
    if errors:
        raise Invalid(Invalid.FIELDS_MESSAGE, errors=errors, fields=", ".join(errors))
    existing = session.scalar(
        select(ConferenceSite.id).where(
            ConferenceSite.conference_id == conference.id, ConferenceSite.unit_id == unit.id
        )
    )
    if existing is not None:
        raise Conflict(N_("This unit already has a site in this conference."))
    site = build_site(conference, unit, now, **cleaned)
    session.add(site)
    session.flush()
    forget_site_units(conference)
    record_change(session, actor=actor, now=now, action="create", target=site)
    return site


def update_site(
    session: Session, *, actor: Person, now: datetime, site: ConferenceSite, data: SiteInput
) -> ConferenceSite:
    """Change a site's chair, technical contact, expected attendance and zone. Raises
    NotAllowed, Invalid."""
    require(actor, "conference_site.update", site)
    cleaned, errors = check_site(data, default_zone=site.unit.timezone)
    if errors:
        raise Invalid(Invalid.FIELDS_MESSAGE, errors=errors, fields=", ".join(errors))
    before = snapshot(site)
    for name, value in cleaned.items():
        setattr(site, name, value)
    site.updated_at = now
    session.flush()
    record_change(session, actor=actor, now=now, action="update", target=site, before=before)
    return site


def remove_site(session: Session, *, actor: Person, now: datetime, site: ConferenceSite) -> None:
    """Take a site out of the conference (not the central one). Raises NotAllowed, Invalid."""
    require(actor, "conference.manage", site.conference)
    if site.is_central:
        raise Invalid(N_("The central site cannot be removed."))
    record_change(
        session, actor=actor, now=now, action="delete", target=site, before=snapshot(site)
    )
    conference = site.conference
    session.delete(site)
    session.flush()
    forget_site_units(conference)


def report_readiness(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    site: ConferenceSite,
    room_ready: bool,
    connection_tested: bool,
    chair_confirmed: bool,
    documents_received: bool,
    note: str = "",
) -> ConferenceSite:
    """Answer the site's readiness checklist (the site's people or the organiser). Raises
    NotAllowed."""
    require(actor, "conference_site.update", site)
    before = snapshot(site)
    site.room_ready = bool(room_ready)
    site.connection_tested = bool(connection_tested)
    site.chair_confirmed = bool(chair_confirmed)
    site.documents_received = bool(documents_received)
    site.readiness_note = (note or "").strip()[:2000]
    site.readiness_answered_at = now
    site.updated_at = now
    session.flush()
    record_change(session, actor=actor, now=now, action="readiness", target=site, before=before)
    return site


def report_attendance(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    site: ConferenceSite,
    connected: bool,
    attendance: int | str | None,
) -> None:
    """On the day: the site says it is connected (or not any more) and how many delegates are in
    its room. One conditional UPDATE of the site's own row: reports of different sites never
    overwrite each other; the first connection time is kept. Raises NotAllowed, Invalid."""
    require(actor, "conference_site.update", site)
    count = parse_count(attendance)
    if count is None:
        raise Invalid(N_("Write the attendance as a whole number."), field="attendance")
    values: dict[str, object] = {
        "attendance": count,
        "reported_at": now,
        "reported_by_id": actor.id,
        "updated_at": now,
    }
    if connected:
        values["connected_at"] = func.coalesce(ConferenceSite.connected_at, now)
    else:
        values["connected_at"] = None
    session.execute(
        update(ConferenceSite)
        .where(ConferenceSite.id == site.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.expire(site)


# --- the programme ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TalkInput:
    speaker_name: str
    title: str
    speaker_title: str = ""
    minutes: int | str | None = None


def sniff_document(content: bytes, filename: str) -> tuple[str, str] | None:
    """(mime type, extension) of a document Herald distributes, by its content; None otherwise."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    for magic, mime_type, default_extension in _DOCUMENT_TYPES:
        if content.startswith(magic):
            if default_extension == "zip":
                if extension in _OFFICE_EXTENSIONS:
                    return _OFFICE_EXTENSIONS[extension], extension
                return None
            return mime_type, default_extension
    return None


def store_document(content: bytes, extension: str, media_root: Path | str) -> str:
    """Keep ``content`` under ``media_root`` named by its SHA-256 (as images are): written to a
    temporary name first, so nobody reads half a file. Returns the path relative to the root."""
    digest = hashlib.sha256(content).hexdigest()
    relative = f"documents/{digest[:2]}/{digest}.{extension}"
    target = Path(media_root) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".part")
        temporary.write_bytes(content)
        temporary.replace(target)
    return relative


def add_talk(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    conference: Conference,
    data: TalkInput,
    document: bytes | None = None,
    document_name: str = "",
    media_root: Path | str | None = None,
) -> ConferenceTalk:
    """Add a speaker and their presentation to the programme, with the document the sites
    receive (PDF or an office document). Raises NotAllowed, Invalid."""
    require(actor, "conference.manage", conference)
    errors: dict[str, str] = {}
    speaker = (data.speaker_name or "").strip()
    title = (data.title or "").strip()
    if not speaker:
        errors["speaker_name"] = N_("Name the speaker.")
    if not title:
        errors["title"] = N_("Give the presentation a title.")
    minutes = parse_count(data.minutes) if data.minutes not in (None, "") else None
    if data.minutes not in (None, "") and (minutes is None or minutes > 600):
        errors["minutes"] = N_("Write the length in minutes, as a whole number.")
    found = None
    if document:
        if len(document) > MAX_DOCUMENT_BYTES:
            errors["document"] = N_("The document is larger than 20 MB.")
        else:
            found = sniff_document(document, document_name)
            if found is None:
                errors["document"] = N_(
                    "Send the document as PDF, DOC, DOCX, PPTX, XLSX, ODT or ODP."
                )
    if errors:
        raise Invalid(Invalid.FIELDS_MESSAGE, errors=errors, fields=", ".join(errors))
    position = session.scalar(
        select(ConferenceTalk.position)
        .where(ConferenceTalk.conference_id == conference.id)
        .order_by(ConferenceTalk.position.desc())
        .limit(1)
    )
    talk = ConferenceTalk(
        conference_id=conference.id,
        position=(position or 0) + 1,
        speaker_name=speaker[:200],
        speaker_title=(data.speaker_title or "").strip()[:200],
        title=title[:300],
        minutes=minutes,
        created_at=now,
    )
    if document and found is not None and media_root is not None:
        mime_type, extension = found
        talk.document_path = store_document(document, extension, media_root)
        talk.document_name = (document_name or f"document.{extension}")[-255:]
        talk.document_type = mime_type
        talk.document_size = len(document)
    session.add(talk)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=talk)
    return talk


def remove_talk(session: Session, *, actor: Person, now: datetime, talk: ConferenceTalk) -> None:
    """Take a talk off the programme. Raises NotAllowed."""
    require(actor, "conference.manage", talk.conference)
    record_change(
        session, actor=actor, now=now, action="delete", target=talk, before=snapshot(talk)
    )
    session.delete(talk)
    session.flush()


# --- reminders ----------------------------------------------------------------------------------


def _reminder_stage(conference: Conference, now: datetime) -> str | None:
    """Which reminder is due at ``now``: the shortest lead passed before the deadline
    (``"lead-1440"``), ``"overdue"`` between the deadline and the start, or None."""
    starts_at = conference.event.starts_at
    if starts_at is not None and now >= starts_at:
        return None
    due = conference.readiness_due_at
    if now >= due:
        return "overdue"
    passed = [lead for lead in REMINDER_LEADS if due - lead <= now]
    if not passed:
        return None
    return f"lead-{int(min(passed).total_seconds() // 60)}"


def send_readiness_reminders(session: Session, *, now: datetime) -> int:
    """Remind the people of every site that is not ready (or never answered) of the readiness
    deadline: a web notification, which the field bot also delivers to their Telegram chat.

    Sent once: each reminder is claimed by a ``bot_deliveries`` key naming the site, the
    deadline, the stage and the person, in the same transaction as its notification, so a
    second run (or a second scheduler) finds the claim and sends nothing. Returns how many."""
    conferences = session.scalars(
        select(Conference)
        .join(Event, Event.id == Conference.event_id)
        .where(Event.status != "cancelled", Conference.readiness_due_at > now - timedelta(days=30))
    ).all()
    sent = 0
    for conference in conferences:
        stage = _reminder_stage(conference, now)
        if stage is None:
            continue
        sites = session.scalars(
            select(ConferenceSite).where(
                ConferenceSite.conference_id == conference.id,
                ConferenceSite.is_central.is_(False),
            )
        ).all()
        waiting = [site for site in sites if readiness_of(site) != Readiness.READY]
        if not waiting:
            continue
        people_by_unit: dict[int, list[Person]] = {}
        for person in session.scalars(
            select(Person).where(
                Person.active.is_(True),
                Person.unit_id.in_({site.unit_id for site in waiting}),
            )
        ):
            people_by_unit.setdefault(person.unit_id, []).append(person)  # type: ignore[arg-type]
        deadline = int(conference.readiness_due_at.timestamp())
        for site in waiting:
            for person in people_by_unit.get(site.unit_id, []):
                if not can(person, "conference_site.update", site):
                    continue
                key = f"conference:{site.id}:{deadline}:{stage}:person:{person.id}"
                if not _claim(session, key, person, now):
                    continue
                due = to_zone(conference.readiness_due_at, site.timezone)
                notify(
                    session,
                    people=[person],
                    kind="conference_readiness",
                    message=READINESS_OVERDUE if stage == "overdue" else READINESS_REMINDER,
                    params={
                        "title": conference.event.title,
                        "site": site.unit.name(person.locale),
                        "due": f"{due:%d/%m/%Y %H:%M} ({site.timezone})",
                    },
                    link=f"/conferences/{conference.id}/sites/{site.id}",
                    now=now,
                )
                sent += 1
    return sent


def _claim(session: Session, key: str, person: Person, now: datetime) -> bool:
    """Insert the reminder's delivery row (unique key): False when it exists already."""
    if session.scalar(select(BotDelivery.id).where(BotDelivery.key == key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                BotDelivery(
                    key=key,
                    person_id=person.id,
                    kind="conference",
                    claimed_at=now,
                    sent_at=now,
                    attempts=1,
                    error="",
                )
            )
            session.flush()
    except IntegrityError:
        return False
    return True
