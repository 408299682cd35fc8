"""Factories for national online conferences: a conference event of an organiser unit, its
coordinator, and sites hosted by other units."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from campaigns.org.models import Unit
from campaigns.programme import conferences
from campaigns.programme.conference_models import Conference, ConferenceSite
from tests.factories import create_event, create_unit

#: The conference starts at 08:00 in Hanoi on 15 Dec 2026; readiness is due two days before.
STARTS_LOCAL = datetime(2026, 12, 15, 8, 0)  # noqa: DTZ001 (a wall clock)
READINESS_DUE = datetime(2026, 12, 13, 10, 0, tzinfo=UTC)


def create_conference(session: Session, organiser: Unit | None = None, **fields) -> Conference:
    organiser = organiser or create_unit(
        session, kind="ministry", country="VN", timezone="Asia/Ho_Chi_Minh"
    )
    event = create_event(
        session,
        owner=organiser,
        kind="conference",
        title=fields.pop("title", "National conference on external information"),
        starts_local=fields.pop("starts_local", STARTS_LOCAL),
        ends_local=fields.pop("ends_local", datetime(2026, 12, 15, 11, 30)),  # noqa: DTZ001
        timezone="Asia/Ho_Chi_Minh",
    )
    return conferences.create_conference(
        session,
        actor=None,
        now=fields.pop("now", datetime(2026, 12, 1, tzinfo=UTC)),
        event=event,
        readiness_due_at=fields.pop("readiness_due_at", READINESS_DUE),
    )


def add_site(
    session: Session, conference: Conference, unit: Unit | None = None, **fields
) -> ConferenceSite:
    unit = unit or create_unit(session, kind="province", country="VN", timezone="Asia/Ho_Chi_Minh")
    return conferences.add_site(
        session,
        actor=None,
        now=datetime(2026, 12, 1, tzinfo=UTC),
        conference=conference,
        unit=unit,
        data=conferences.SiteInput(**fields),
    )
