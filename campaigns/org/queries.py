"""Reads for units, people, tokens and the audit log, scoped to what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from campaigns.errors import NotFound
from campaigns.i18n import N_
from campaigns.org.models import ApiToken, AuditEntry, Person, Unit
from campaigns.permissions import can, sees_all_units


def unit_by_code(session: Session, code: str | None) -> Unit | None:
    if not code:
        return None
    return session.scalar(select(Unit).where(Unit.code == code.strip().lower()))


def get_unit(session: Session, code: str, *, actor: Person | None = None) -> Unit:
    """The unit with this code, if the actor may see it. Raises NotFound."""
    unit = unit_by_code(session, code)
    if unit is None or (actor is not None and not can(actor, "unit.view", unit)):
        raise NotFound(N_("There is no unit with the code %(code)s."), code=code)
    return unit


def get_person(session: Session, person_id: int, *, actor: Person | None = None) -> Person:
    """The person with this id, if the actor may see them. Raises NotFound."""
    person = session.get(Person, person_id)
    if person is None or (actor is not None and not can(actor, "person.view", person)):
        raise NotFound(N_("There is no such person."))
    return person


def visible_units(session: Session, actor: Person) -> list[Unit]:
    """Units the actor may see, by code."""
    query = select(Unit).options(selectinload(Unit.parent)).order_by(Unit.code)
    if not sees_all_units(actor):
        query = query.where(Unit.id == actor.unit_id)
    return list(session.scalars(query))


def count_visible_units(session: Session, actor: Person) -> int:
    """How many units ``visible_units`` lists."""
    if not sees_all_units(actor):
        return 1 if actor.unit_id is not None else 0
    return session.scalar(select(func.count(Unit.id))) or 0


def all_units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.code)))


def _people_query(actor: Person) -> Select[Any]:
    query = select(Person).options(selectinload(Person.unit)).order_by(Person.name)
    if not sees_all_units(actor):
        query = query.where(or_(Person.unit_id == actor.unit_id, Person.id == actor.id))
    return query


def visible_people(
    session: Session,
    actor: Person,
    *,
    unit_code: str | None = None,
    role: str | None = None,
    search: str | None = None,
    active: bool | None = None,
) -> list[Person]:
    """People the actor may see, filtered by unit code, role, name/email text and active flag."""
    query = _people_query(actor)
    if unit_code:
        query = query.join(Unit, Person.unit_id == Unit.id).where(Unit.code == unit_code)
    if role:
        query = query.where(Person.role == role)
    if active is not None:
        query = query.where(Person.active == active)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(func.lower(Person.name).like(pattern), func.lower(Person.email).like(pattern))
        )
    return list(session.scalars(query))


def person_by_email(session: Session, email: str) -> Person | None:
    return session.scalar(select(Person).where(Person.email == (email or "").strip().lower()))


def tokens_of(session: Session, person: Person) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.person_id == person.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


@dataclass(frozen=True)
class AuditFilter:
    target_type: str | None = None
    action: str | None = None
    actor_email: str | None = None
    door: str | None = None
    since: date | None = None
    until: date | None = None
    text: str | None = None


def audit_entries(
    session: Session, audit_filter: AuditFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[AuditEntry], int]:
    """A page of audit entries, newest first, and how many match in all."""
    query = select(AuditEntry)
    if audit_filter.target_type:
        query = query.where(AuditEntry.target_type == audit_filter.target_type)
    if audit_filter.action:
        query = query.where(AuditEntry.action == audit_filter.action)
    if audit_filter.door:
        query = query.where(AuditEntry.door == audit_filter.door)
    if audit_filter.actor_email:
        query = query.join(Person, AuditEntry.actor_id == Person.id).where(
            Person.email == audit_filter.actor_email.strip().lower()
        )
    if audit_filter.since:
        query = query.where(AuditEntry.occurred_at >= _utc_midnight(audit_filter.since))
    if audit_filter.until:
        query = query.where(
            AuditEntry.occurred_at < _utc_midnight(audit_filter.until + timedelta(days=1))
        )
    if audit_filter.text:
        query = query.where(
            func.lower(AuditEntry.target_label).like(f"%{audit_filter.text.strip().lower()}%")
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    entries = session.scalars(
        query.options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(entries), total


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
