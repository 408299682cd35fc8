"""Factories: make a valid unit or person in one line, overriding only what the test is about."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from campaigns.calendar import services as calendar_services
from campaigns.calendar.models import Anniversary, Event
from campaigns.org import services
from campaigns.org.models import Person, Unit

PASSWORD = "correct-horse-battery"
_sequence = itertools.count(1)
_NOW = datetime(2026, 1, 1, tzinfo=UTC)


def create_unit(session: Session, code: str | None = None, **fields) -> Unit:
    number = next(_sequence)
    values = {
        "code": code or f"unit-{number}",
        "name_vi": f"Đơn vị {number}",
        "name_en": f"Unit {number}",
        "kind": "mission",
        "country": "FR",
        "timezone": "Europe/Paris",
        "parent_code": None,
    }
    values.update(fields)
    return services.create_unit(session, actor=None, now=_NOW, **values)


def create_person(
    session: Session, role: str = "editor", unit: Unit | None = None, **fields
) -> Person:
    number = next(_sequence)
    if unit is None and role in ("editor", "field", "viewer"):
        unit = create_unit(session)
    values = {
        "name": f"Person {number}",
        "email": f"person{number}@example.org",
        "role": role,
        "unit_code": unit.code if unit else None,
        "locale": "en",
        "timezone": "Asia/Ho_Chi_Minh",
        "password": PASSWORD,
    }
    values.update(fields)
    return services.create_person(session, actor=None, now=_NOW, **values)


def login(client: FlaskClient, person: Person, password: str = PASSWORD):
    return client.post("/login", data={"email": person.email, "password": password})


def create_event(session: Session, owner: Unit | None = None, **fields) -> Event:
    """An event (10:00–12:00 on 1 Dec 2026 in Europe/Paris unless told otherwise); overlap
    warnings are confirmed unless ``confirm_overlap=False``."""
    number = next(_sequence)
    owner = owner or create_unit(session)
    confirm_overlap = fields.pop("confirm_overlap", True)
    actor = fields.pop("actor", None)
    now = fields.pop("now", _NOW)
    values = {
        "title": f"Event {number}",
        "kind": "diplomatic",
        "all_day": False,
        "starts_local": datetime(2026, 12, 1, 10, 0),  # noqa: DTZ001 (a wall clock)
        "ends_local": datetime(2026, 12, 1, 12, 0),  # noqa: DTZ001
        "timezone": "Europe/Paris",
        "owner_unit_code": owner.code,
    }
    values.update(fields)
    return calendar_services.create_event(
        session,
        actor=actor,
        now=now,
        data=calendar_services.EventInput(**values),
        confirm_overlap=confirm_overlap,
    )


def create_anniversary(session: Session, **fields) -> Anniversary:
    """Diplomatic relations with the US from 12 Jul 1995 unless told otherwise (give
    ``lunar_month`` and ``lunar_day`` for a lunar one)."""
    number = next(_sequence)
    lunar = "lunar_month" in fields
    values = {
        "title_vi": f"Ngày kỷ niệm {number}",
        "title_en": f"Anniversary {number}",
        "category": "other" if lunar else "diplomatic_relations",
        "origin_date": None if lunar else date(1995, 7, 12),
        "partner_country": None if lunar else "US",
    }
    values.update(fields)
    return calendar_services.create_anniversary(
        session, actor=None, now=_NOW, data=calendar_services.AnniversaryInput(**values)
    )


def bearer(session: Session, person: Person) -> dict[str, str]:
    """Headers that sign ``person`` in to /api/v1 with a fresh personal token."""
    _, plaintext = services.create_api_token(
        session, actor=person, now=datetime(2026, 11, 22, tzinfo=UTC), person=person, name="test"
    )
    session.commit()
    return {"Authorization": f"Bearer {plaintext}"}
