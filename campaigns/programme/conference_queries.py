"""Reading conferences: which ones a person may see, one site or talk, and the organiser's board.

The board reads plain rows (no ORM objects) and computes its totals in one aggregate query, so
that it answers in milliseconds with 2,000 sites (bench/conference.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from campaigns.calendar.models import Event, EventKind
from campaigns.errors import NotFound
from campaigns.i18n import N_
from campaigns.org.models import Person, Role, Unit
from campaigns.permissions import can
from campaigns.programme.conference_models import Conference, ConferenceSite, ConferenceTalk
from campaigns.programme.conferences import Readiness

_ALL_CHECKS = and_(
    ConferenceSite.room_ready.is_(True),
    ConferenceSite.connection_tested.is_(True),
    ConferenceSite.chair_confirmed.is_(True),
    ConferenceSite.documents_received.is_(True),
)
_ANSWERED = ConferenceSite.readiness_answered_at.is_not(None)
_STATE_CLAUSES = {
    Readiness.READY: and_(_ANSWERED, _ALL_CHECKS),
    Readiness.NOT_READY: and_(_ANSWERED, ~_ALL_CHECKS),
    Readiness.NO_ANSWER: ConferenceSite.readiness_answered_at.is_(None),
}
CONNECTION_FILTERS = ("connected", "not_connected")
CHANGE_OVERLAP = timedelta(seconds=5)


def get_conference(session: Session, conference_id: int, *, actor: Person | None) -> Conference:
    """The conference, if ``actor`` organises it or hosts one of its sites. Raises NotFound
    otherwise (the same answer as for one that does not exist)."""
    conference = session.get(Conference, conference_id, options=[joinedload(Conference.event)])
    if conference is None or (actor is not None and not can(actor, "conference.view", conference)):
        raise NotFound(N_("There is no such conference."))
    return conference


def get_site(session: Session, site_id: int, *, actor: Person | None) -> ConferenceSite:
    """A site the actor may see (the conference's organiser, or that site's own people).
    Raises NotFound otherwise."""
    site = session.get(ConferenceSite, site_id)
    if site is None or (actor is not None and not can(actor, "conference_site.view", site)):
        raise NotFound(N_("There is no such site."))
    return site


def get_talk(session: Session, talk_id: int, *, actor: Person | None) -> ConferenceTalk:
    """A talk of a conference the actor may see (the programme is every site's). Raises
    NotFound otherwise."""
    talk = session.get(ConferenceTalk, talk_id)
    if talk is None or (actor is not None and not can(actor, "conference.view", talk.conference)):
        raise NotFound(N_("There is no such talk."))
    return talk


def site_of_unit(
    session: Session, conference: Conference, unit_id: int | None
) -> ConferenceSite | None:
    if unit_id is None:
        return None
    return session.scalar(
        select(ConferenceSite).where(
            ConferenceSite.conference_id == conference.id, ConferenceSite.unit_id == unit_id
        )
    )


def conferences_for(session: Session, actor: Person) -> list[Conference]:
    """Conferences the actor organises or hosts a site of, the soonest first."""
    query = (
        select(Conference)
        .join(Event, Event.id == Conference.event_id)
        .options(joinedload(Conference.event))
        .order_by(Event.starts_at, Conference.id)
    )
    if actor.role != Role.ADMIN:
        hosted = select(ConferenceSite.conference_id).where(ConferenceSite.unit_id == actor.unit_id)
        mine = Conference.id.in_(hosted)
        if actor.role == Role.COORDINATOR and actor.unit_id is not None:
            mine = or_(mine, Event.owner_unit_id == actor.unit_id)
        query = query.where(mine)
    return list(session.scalars(query).unique())


def events_to_set_up(session: Session, actor: Person) -> list[Event]:
    """Events of kind conference without connected sites yet that the actor may set up."""
    events = session.scalars(
        select(Event)
        .outerjoin(Conference, Conference.event_id == Event.id)
        .where(
            Event.kind == EventKind.CONFERENCE,
            Conference.id.is_(None),
            Event.status != "cancelled",
        )
        .order_by(Event.starts_at, Event.id)
    )
    return [event for event in events if can(actor, "conference.create", event)]


def talks_of(session: Session, conference: Conference) -> list[ConferenceTalk]:
    return list(
        session.scalars(
            select(ConferenceTalk)
            .where(ConferenceTalk.conference_id == conference.id)
            .order_by(ConferenceTalk.position, ConferenceTalk.id)
        )
    )


# --- the board ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardFilter:
    state: str = ""  # ready | not_ready | no_answer
    kind: str = ""  # a unit kind
    connection: str = ""  # connected | not_connected
    search: str = ""

    @classmethod
    def of(cls, args: Any) -> BoardFilter:
        """From a query string: anything unknown is ignored (the whole board)."""
        state = args.get("state", "")
        connection = args.get("connection", "")
        return cls(
            state=state if state in Readiness.ALL else "",
            kind=(args.get("kind", "") or "")[:20],
            connection=connection if connection in CONNECTION_FILTERS else "",
            search=(args.get("q", "") or "").strip()[:100],
        )


@dataclass(frozen=True)
class BoardRow:
    id: int
    unit_code: str
    name_vi: str
    name_en: str
    kind: str
    is_central: bool
    chair_name: str
    chair_title: str
    technical_contact: str
    expected: int
    timezone: str
    checks: tuple[bool, bool, bool, bool]
    state: str
    connected_at: datetime | None
    attendance: int | None

    def name(self, locale: str) -> str:
        return self.name_vi if locale == "vi" else self.name_en


@dataclass(frozen=True)
class Totals:
    sites: int = 0
    ready: int = 0
    not_ready: int = 0
    no_answer: int = 0
    connected: int = 0
    delegates: int = 0
    expected: int = 0
    version: str = ""
    changed_at: datetime | None = None  # the last change of any site


@dataclass
class Board:
    conference: Conference
    totals: Totals
    rows: list[BoardRow] = field(default_factory=list)


def board_totals(session: Session, conference: Conference) -> Totals:
    """Every site counted (whatever the filter): readiness, connections, delegates; and a
    version that changes whenever a site does (the ETag of the board's JSON)."""
    row = session.execute(
        select(
            func.count(),
            func.sum(case((_STATE_CLAUSES[Readiness.READY], 1), else_=0)),
            func.sum(case((_STATE_CLAUSES[Readiness.NOT_READY], 1), else_=0)),
            func.sum(case((_STATE_CLAUSES[Readiness.NO_ANSWER], 1), else_=0)),
            func.count(ConferenceSite.connected_at),
            func.coalesce(
                func.sum(
                    case((ConferenceSite.connected_at.is_not(None), ConferenceSite.attendance))
                ),
                0,
            ),
            func.coalesce(func.sum(ConferenceSite.expected_attendance), 0),
            func.max(ConferenceSite.updated_at),
        ).where(ConferenceSite.conference_id == conference.id)
    ).one()
    sites, ready, not_ready, no_answer, connected, delegates, expected, changed = row
    changed_text = changed.isoformat() if isinstance(changed, datetime) else str(changed or "")
    return Totals(
        sites=sites or 0,
        ready=int(ready or 0),
        not_ready=int(not_ready or 0),
        no_answer=int(no_answer or 0),
        connected=connected or 0,
        delegates=int(delegates or 0),
        expected=int(expected or 0),
        version=f"{conference.id}-{sites}-{changed_text}-{conference.updated_at.isoformat()}",
        changed_at=changed if isinstance(changed, datetime) else None,
    )


def board(
    session: Session,
    conference: Conference,
    *,
    filters: BoardFilter | None = None,
    totals: Totals | None = None,
    changed_since: datetime | None = None,
) -> Board:
    """The organiser's board: the totals of every site (``totals`` when the caller has just
    read them), and the sites the filter keeps (the central site first, then by kind and
    name). The caller checks ``conference.manage``.

    With ``changed_since``: only the sites changed since then, whatever the filter (the board's
    script applies the filter to them), so that polling costs what changed, not the whole
    board. A report's transaction may commit a moment after another's newer change, so the
    window reaches back ``CHANGE_OVERLAP`` before ``changed_since``: rows are sent again,
    never missed."""
    filters = filters or BoardFilter()
    query = (
        select(
            ConferenceSite.id,
            Unit.code,
            Unit.name_vi,
            Unit.name_en,
            Unit.kind,
            ConferenceSite.is_central,
            ConferenceSite.chair_name,
            ConferenceSite.chair_title,
            ConferenceSite.technical_contact,
            ConferenceSite.expected_attendance,
            ConferenceSite.timezone,
            ConferenceSite.room_ready,
            ConferenceSite.connection_tested,
            ConferenceSite.chair_confirmed,
            ConferenceSite.documents_received,
            ConferenceSite.readiness_answered_at,
            ConferenceSite.connected_at,
            ConferenceSite.attendance,
        )
        .join(Unit, Unit.id == ConferenceSite.unit_id)
        .where(ConferenceSite.conference_id == conference.id)
        .order_by(ConferenceSite.is_central.desc(), Unit.kind, Unit.name_vi, ConferenceSite.id)
    )
    if changed_since is not None:
        query = query.where(ConferenceSite.updated_at >= changed_since - CHANGE_OVERLAP)
        filters = BoardFilter()
    if filters.state:
        query = query.where(_STATE_CLAUSES[filters.state])
    if filters.kind:
        query = query.where(Unit.kind == filters.kind)
    if filters.connection == "connected":
        query = query.where(ConferenceSite.connected_at.is_not(None))
    elif filters.connection == "not_connected":
        query = query.where(ConferenceSite.connected_at.is_(None))
    if filters.search:
        pattern = f"%{filters.search.lower()}%"
        query = query.where(
            or_(
                func.lower(Unit.name_vi).like(pattern),
                func.lower(Unit.name_en).like(pattern),
                func.lower(Unit.code).like(pattern),
            )
        )
    rows = []
    for (
        site_id,
        code,
        name_vi,
        name_en,
        kind,
        is_central,
        chair_name,
        chair_title,
        contact,
        expected,
        zone,
        room,
        tested,
        chair,
        documents,
        answered_at,
        connected_at,
        attendance,
    ) in session.connection().execute(query):
        checks = (bool(room), bool(tested), bool(chair), bool(documents))
        state = (
            Readiness.NO_ANSWER
            if answered_at is None
            else Readiness.READY
            if all(checks)
            else Readiness.NOT_READY
        )
        rows.append(
            BoardRow(
                site_id,
                code,
                name_vi,
                name_en,
                kind,
                bool(is_central),
                chair_name,
                chair_title,
                contact,
                expected or 0,
                zone,
                checks,
                state,
                connected_at,
                attendance,
            )
        )
    return Board(
        conference=conference, totals=totals or board_totals(session, conference), rows=rows
    )


#: How far from a conference's start a site may report from the bot without naming it.
ON_THE_DAY = timedelta(hours=12)


def site_on_the_day(session: Session, person: Person, now: datetime) -> ConferenceSite | None:
    """The site of the person's unit in the conference starting nearest ``now`` (within
    ``ON_THE_DAY`` either way, not cancelled): what the bot's ``/attend`` reports for."""
    if person.unit_id is None:
        return None
    candidates = session.scalars(
        select(ConferenceSite)
        .join(Conference, Conference.id == ConferenceSite.conference_id)
        .join(Event, Event.id == Conference.event_id)
        .where(
            ConferenceSite.unit_id == person.unit_id,
            Event.status != "cancelled",
            Event.starts_at >= now - ON_THE_DAY,
            Event.starts_at <= now + ON_THE_DAY,
        )
    ).all()
    if not candidates:
        return None
    return min(candidates, key=lambda site: abs(site.conference.event.starts_at - now))
