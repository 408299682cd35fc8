"""Factories: make a valid unit or person in one line, overriding only what the test is about."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

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
