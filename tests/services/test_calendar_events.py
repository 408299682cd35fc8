"""Events: creation across time zones and DST, validation, overlap warnings, SEQUENCE,
postponing and cancelling, and who may see a restricted event."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaigns.calendar import queries, services
from campaigns.calendar.models import Event
from campaigns.calendar.services import EventInput, OverlapWarning
from campaigns.errors import Conflict, Invalid, NotAllowed, NotFound
from campaigns.org.models import AuditEntry
from campaigns.permissions import can
from tests.factories import create_event, create_person, create_unit


def wall(*parts: int) -> datetime:
    """A wall-clock time: naive on purpose, its zone is given apart."""
    return datetime(*parts)  # noqa: DTZ001


def event_input(owner_code: str, **fields) -> EventInput:
    values = {
        "title": "Hội thảo",
        "kind": "conference",
        "all_day": False,
        "starts_local": wall(2026, 12, 3, 9, 0),
        "ends_local": wall(2026, 12, 3, 11, 0),
        "timezone": "Europe/Paris",
        "owner_unit_code": owner_code,
    }
    values.update(fields)
    return EventInput(**values)


def count_events(session) -> int:
    return session.scalar(select(func.count()).select_from(Event))


# --- creating ----------------------------------------------------------------------------------


def test_a_timed_event_keeps_its_zone_and_stores_utc_instants(session, now):
    unit = create_unit(session)
    coordinator = create_person(session, role="coordinator")
    event = services.create_event(
        session,
        actor=coordinator,
        now=now,
        data=event_input(
            unit.code,
            partner_countries=["fr", "FR", "vn"],
            tags=["press", "press", "visit"],
            translations={"en": {"title": "Seminar"}},
        ),
    )
    assert event.timezone == "Europe/Paris"
    assert event.starts_at == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert event.partner_countries == ["FR", "VN"]
    assert event.tags == ["press", "visit"]
    assert event.title_in("en") == "Seminar"
    assert event.sequence == 0
    assert event.uid.endswith("@herald")
    assert (event.created_at, event.updated_at, event.created_by_id) == (now, now, coordinator.id)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.target_type == "event"))
    assert (entry.action, entry.actor_id, entry.target_id) == ("create", coordinator.id, event.id)


def test_an_all_day_event_spans_inclusive_dates(session, now):
    unit = create_unit(session)
    event = services.create_event(
        session,
        actor=None,
        now=now,
        data=event_input(
            unit.code,
            all_day=True,
            starts_local=None,
            ends_local=None,
            start_date=date(2026, 9, 1),
            end_date=date(2026, 9, 2),
            timezone="Asia/Ho_Chi_Minh",
        ),
    )
    assert (event.all_day, event.start_date, event.end_date) == (
        True,
        date(2026, 9, 1),
        date(2026, 9, 2),
    )
    assert event.starts_at is None
    one_day = services.create_event(
        session,
        actor=None,
        now=now,
        data=event_input(
            unit.code, all_day=True, start_date=date(2026, 9, 2), timezone="Asia/Ho_Chi_Minh"
        ),
    )
    assert one_day.end_date == date(2026, 9, 2)


def test_a_time_skipped_by_dst_is_refused_and_nothing_is_saved(session, now):
    unit = create_unit(session)
    with pytest.raises(Invalid) as caught:
        services.create_event(
            session,
            actor=None,
            now=now,
            data=event_input(
                unit.code, starts_local=wall(2026, 3, 29, 2, 30), ends_local=wall(2026, 3, 29, 4)
            ),
        )
    assert "does not exist in Europe/Paris" in caught.value.errors["starts_local"]
    assert count_events(session) == 0


def test_a_time_that_happens_twice_is_the_first_one(session, now):
    unit = create_unit(session)
    event = services.create_event(
        session,
        actor=None,
        now=now,
        data=event_input(
            unit.code, starts_local=wall(2026, 10, 25, 2, 30), ends_local=wall(2026, 10, 25, 3, 30)
        ),
    )
    assert event.starts_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # CEST, UTC+2
    assert event.ends_at == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)  # CET, UTC+1
    assert event.ends_at - event.starts_at == timedelta(hours=2)


def test_field_errors_name_the_fields_of_the_input(session, now):
    unit = create_unit(session)
    with pytest.raises(Invalid) as caught:
        services.create_event(
            session,
            actor=None,
            now=now,
            data=event_input(
                "no-such-unit",
                title=" ",
                kind="party",
                timezone="Mars/Olympus",
                partner_countries=["XX"],
                participant_codes=[unit.code, "nowhere"],
                priority="urgent",
                visibility="secret",
                status="maybe",
            ),
        )
    assert set(caught.value.errors) == {
        "title",
        "kind",
        "timezone",
        "partner_countries",
        "owner_unit_code",
        "participant_codes",
        "priority",
        "visibility",
        "status",
    }
    with pytest.raises(Invalid) as caught:
        services.create_event(
            session,
            actor=None,
            now=now,
            data=event_input(unit.code, ends_local=wall(2026, 12, 3, 8, 0)),
        )
    assert set(caught.value.errors) == {"ends_local"}
    with pytest.raises(Invalid) as caught:
        services.create_event(
            session,
            actor=None,
            now=now,
            data=event_input(unit.code, all_day=True, starts_local=None),
        )
    assert set(caught.value.errors) == {"start_date"}
    assert count_events(session) == 0


def test_editors_plan_events_of_their_own_unit_and_viewers_none(session, now):
    own, other = create_unit(session), create_unit(session)
    editor = create_person(session, role="editor", unit=own)
    viewer = create_person(session, role="viewer", unit=own)
    assert services.create_event(session, actor=editor, now=now, data=event_input(own.code))
    with pytest.raises(Invalid) as caught:
        services.create_event(session, actor=editor, now=now, data=event_input(other.code))
    assert "owner_unit_code" in caught.value.errors
    with pytest.raises(NotAllowed):
        services.create_event(session, actor=viewer, now=now, data=event_input(own.code))


# --- overlap warnings --------------------------------------------------------------------------


def test_an_overlap_with_a_national_event_of_a_shared_country_warns_and_saves_nothing(session, now):
    mofa, mission = create_unit(session), create_unit(session)
    visit = create_event(
        session, owner=mofa, title="State visit", priority="national", partner_countries=["FR"]
    )
    before = count_events(session)
    data = event_input(
        mission.code,
        partner_countries=["FR"],
        starts_local=wall(2026, 12, 1, 11),
        ends_local=wall(2026, 12, 1, 13),
    )
    with pytest.raises(OverlapWarning) as caught:
        services.create_event(session, actor=None, now=now, data=data)
    assert caught.value.clashes == [visit]
    assert "State visit" in caught.value.message
    assert count_events(session) == before
    saved = services.create_event(session, actor=None, now=now, data=data, confirm_overlap=True)
    assert saved.id is not None
    assert count_events(session) == before + 1


def test_an_overlap_with_a_high_event_of_the_same_owner_unit_warns(session, now):
    unit = create_unit(session)
    meeting = create_event(session, owner=unit, priority="high")
    with pytest.raises(OverlapWarning) as caught:
        services.create_event(
            session,
            actor=None,
            now=now,
            data=event_input(
                unit.code, starts_local=wall(2026, 12, 1, 9), ends_local=wall(2026, 12, 1, 10, 30)
            ),
        )
    assert caught.value.clashes == [meeting]


def test_an_all_day_national_event_clashes_with_a_timed_event_on_its_days(session, now):
    unit = create_unit(session)
    session_days = create_event(
        session,
        owner=unit,
        priority="national",
        all_day=True,
        starts_local=None,
        ends_local=None,
        start_date=date(2026, 12, 1),
        end_date=date(2026, 12, 3),
        timezone="Asia/Ho_Chi_Minh",
    )
    with pytest.raises(OverlapWarning) as caught:
        services.create_event(
            session,
            actor=None,
            now=now,
            data=event_input(
                unit.code,
                starts_local=wall(2026, 12, 3, 20),
                ends_local=wall(2026, 12, 3, 21),
                timezone="Asia/Ho_Chi_Minh",
            ),
        )
    assert caught.value.clashes == [session_days]
    # 4 December in Ho Chi Minh City is after the session.
    assert services.create_event(
        session,
        actor=None,
        now=now,
        data=event_input(
            unit.code,
            starts_local=wall(2026, 12, 4, 8),
            ends_local=wall(2026, 12, 4, 9),
            timezone="Asia/Ho_Chi_Minh",
        ),
    )


def test_no_warning_for_normal_cancelled_unrelated_or_separate_events(session, now):
    unit, elsewhere = create_unit(session), create_unit(session)
    create_event(session, owner=unit, priority="normal")
    cancelled = create_event(session, owner=unit, priority="national")
    services.cancel_event(session, actor=None, now=now, event=cancelled)
    create_event(session, owner=elsewhere, priority="national", partner_countries=["JP"])
    create_event(
        session,
        owner=unit,
        priority="national",
        starts_local=wall(2026, 12, 1, 12),
        ends_local=wall(2026, 12, 1, 13),
    )
    event = services.create_event(
        session,
        actor=None,
        now=now,
        data=event_input(
            unit.code,
            partner_countries=["FR"],
            starts_local=wall(2026, 12, 1, 10),
            ends_local=wall(2026, 12, 1, 12),  # ends as the national one starts
        ),
    )
    assert event.id is not None


def test_a_warning_never_reveals_a_restricted_event_to_someone_who_cannot_see_it(session, now):
    owner, other = create_unit(session), create_unit(session)
    create_event(
        session, owner=owner, priority="national", visibility="restricted", partner_countries=["FR"]
    )
    outsider = create_person(session, role="editor", unit=other)
    event = services.create_event(
        session,
        actor=outsider,
        now=now,
        data=event_input(
            other.code,
            partner_countries=["FR"],
            starts_local=wall(2026, 12, 1, 10),
            ends_local=wall(2026, 12, 1, 11),
        ),
    )
    assert event.id is not None


def test_saving_an_event_again_warns_only_about_new_clashes(session, now):
    unit = create_unit(session)
    create_event(session, owner=unit, priority="high", title="Known clash")
    event = create_event(session, owner=unit, title="Mine")  # confirmed at creation
    data = event_input(
        unit.code,
        title="Mine, renamed",
        starts_local=wall(2026, 12, 1, 10),
        ends_local=wall(2026, 12, 1, 12),
    )
    services.update_event(session, actor=None, now=now, event=event, data=data)
    later = create_event(
        session,
        owner=unit,
        priority="high",
        title="New clash",
        starts_local=wall(2026, 12, 1, 14),
        ends_local=wall(2026, 12, 1, 15),
    )
    data = replace(data, ends_local=wall(2026, 12, 1, 14, 30))
    with pytest.raises(OverlapWarning) as caught:
        services.update_event(session, actor=None, now=now, event=event, data=data)
    assert caught.value.clashes == [later]
    assert event.ends_at == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)  # nothing saved


# --- updating, SEQUENCE, postponing, cancelling ------------------------------------------------


def test_sequence_rises_when_time_place_or_status_changes_not_for_the_title(session, now):
    unit = create_unit(session)
    event = create_event(session, owner=unit, title="Talks")
    data = event_input(
        unit.code,
        title="Talks",
        kind="diplomatic",
        starts_local=wall(2026, 12, 1, 10),
        ends_local=wall(2026, 12, 1, 12),
    )
    later = now + timedelta(hours=1)
    services.update_event(
        session, actor=None, now=later, event=event, data=replace(data, title="Talks (round 2)")
    )
    assert (event.sequence, event.updated_at) == (0, later)
    services.update_event(
        session,
        actor=None,
        now=later,
        event=event,
        data=replace(data, title="Talks (round 2)", starts_local=wall(2026, 12, 1, 9)),
    )
    assert event.sequence == 1
    assert event.starts_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    services.update_event(
        session,
        actor=None,
        now=later,
        event=event,
        data=replace(
            data, title="Talks (round 2)", starts_local=wall(2026, 12, 1, 9), location="Lyon"
        ),
    )
    assert event.sequence == 2
    services.update_event(
        session,
        actor=None,
        now=later,
        event=event,
        data=replace(
            data,
            title="Talks (round 2)",
            starts_local=wall(2026, 12, 1, 9),
            location="Lyon",
            status="confirmed",
        ),
    )
    assert event.sequence == 3


def test_saving_without_changes_changes_nothing(session, now):
    unit = create_unit(session)
    event = create_event(session, owner=unit, title="Same")
    audit_before = session.scalar(select(func.count()).select_from(AuditEntry))
    services.update_event(
        session,
        actor=None,
        now=now + timedelta(days=1),
        event=event,
        data=event_input(
            unit.code,
            title="Same",
            kind="diplomatic",
            starts_local=wall(2026, 12, 1, 10),
            ends_local=wall(2026, 12, 1, 12),
        ),
    )
    assert event.updated_at != now + timedelta(days=1)
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before


def test_cancelling_keeps_the_event_raises_sequence_and_records_the_reason(session, now):
    unit = create_unit(session)
    event = create_event(session, owner=unit)
    services.cancel_event(session, actor=None, now=now, event=event, reason="Venue flooded")
    assert session.get(Event, event.id) is event
    assert (event.status, event.sequence, event.updated_at) == ("cancelled", 1, now)
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "cancel", AuditEntry.target_id == event.id)
    )
    assert entry.comment == "Venue flooded"
    with pytest.raises(Conflict):
        services.cancel_event(session, actor=None, now=now, event=event)
    assert queries.visible_events(session, None, include_cancelled=False) == []


def test_postponing_marks_the_event_and_can_move_it(session, now):
    unit = create_unit(session)
    event = create_event(session, owner=unit)
    services.postpone_event(session, actor=None, now=now, event=event)
    assert (event.status, event.sequence) == ("postponed", 1)
    services.postpone_event(
        session,
        actor=None,
        now=now,
        event=event,
        data=event_input(
            unit.code,
            starts_local=wall(2027, 1, 12, 10),
            ends_local=wall(2027, 1, 12, 11),
            status="confirmed",
        ),
    )
    assert (event.status, event.sequence) == ("postponed", 2)
    assert event.starts_at == datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
    services.cancel_event(session, actor=None, now=now, event=event)
    with pytest.raises(Conflict):
        services.postpone_event(session, actor=None, now=now, event=event)


def test_editors_change_only_their_own_units_events(session, now):
    own, other = create_unit(session), create_unit(session)
    editor = create_person(session, role="editor", unit=own)
    coordinator = create_person(session, role="coordinator")
    mine, theirs = create_event(session, owner=own), create_event(session, owner=other)
    assert can(editor, "event.edit", mine) and not can(editor, "event.edit", theirs)
    assert can(coordinator, "event.edit", theirs)
    services.cancel_event(session, actor=editor, now=now, event=mine)
    with pytest.raises(NotAllowed):
        services.cancel_event(session, actor=editor, now=now, event=theirs)
    with pytest.raises(NotAllowed):
        services.update_event(
            session, actor=editor, now=now, event=theirs, data=event_input(other.code)
        )
    assert theirs.status == "planned"


# --- visibility --------------------------------------------------------------------------------


@pytest.fixture
def restricted_world(session):
    owner, audience, outside = create_unit(session), create_unit(session), create_unit(session)
    restricted = create_event(
        session,
        owner=owner,
        title="Restricted planning",
        visibility="restricted",
        audience_codes=[audience.code],
    )
    internal = create_event(session, owner=owner, title="Internal", visibility="internal")
    public = create_event(session, owner=owner, title="Public", visibility="public")
    return {
        "restricted": restricted,
        "internal": internal,
        "public": public,
        "owner": create_person(session, role="viewer", unit=owner),
        "audience": create_person(session, role="field", unit=audience),
        "outsider": create_person(session, role="editor", unit=outside),
        "coordinator": create_person(session, role="coordinator"),
    }


def titles(events) -> set[str]:
    return {event.title for event in events}


def test_a_restricted_event_is_invisible_outside_its_units(session, restricted_world):
    world = restricted_world
    restricted = world["restricted"]
    assert titles(queries.visible_events(session, world["outsider"])) == {"Internal", "Public"}
    with pytest.raises(NotFound):
        queries.get_event(session, restricted.id, actor=world["outsider"])
    assert not can(world["outsider"], "event.view", restricted)
    for who in ("owner", "audience", "coordinator"):
        assert titles(queries.visible_events(session, world[who])) == {
            "Restricted planning",
            "Internal",
            "Public",
        }, who
        assert queries.get_event(session, restricted.id, actor=world[who]) is restricted
        assert can(world[who], "event.view", restricted)


def test_the_public_sees_public_events_only(session, restricted_world):
    world = restricted_world
    assert titles(queries.visible_events(session, None)) == {"Public"}
    with pytest.raises(NotFound):
        queries.get_event(session, world["internal"].id, actor=None)
    assert queries.get_event(session, world["public"].id, actor=None) is world["public"]
    with pytest.raises(NotFound):
        queries.get_event(session, 999_999, actor=world["coordinator"])


def test_a_deactivated_person_sees_only_what_the_public_sees(session, restricted_world):
    world = restricted_world
    world["owner"].active = False
    assert titles(queries.visible_events(session, world["owner"])) == {"Public"}


# --- listing -----------------------------------------------------------------------------------


def test_events_are_found_by_the_local_days_of_the_viewers_zone(session):
    unit = create_unit(session)
    late = create_event(
        session,
        owner=unit,
        starts_local=wall(2026, 12, 1, 23, 30),
        ends_local=wall(2026, 12, 2, 0, 30),
        timezone="UTC",
    )
    day = date(2026, 12, 1)
    assert queries.visible_events(session, None, since=day, until=day, zone="UTC") == []
    coordinator = create_person(session, role="coordinator")
    assert queries.visible_events(session, coordinator, since=day, until=day, zone="UTC") == [late]
    # 23:30 UTC is already 2 December in Ho Chi Minh City, and still 1 December in New York.
    next_day = date(2026, 12, 2)
    in_hcm = queries.visible_events(
        session, coordinator, since=next_day, until=next_day, zone="Asia/Ho_Chi_Minh"
    )
    assert in_hcm == [late]
    assert (
        queries.visible_events(session, coordinator, since=day, until=day, zone="Asia/Ho_Chi_Minh")
        == []
    )
    assert queries.visible_events(
        session, coordinator, since=day, until=day, zone="America/New_York"
    ) == [late]


def test_all_day_events_are_found_on_each_of_their_days_and_sorted_by_start(session):
    unit = create_unit(session)
    coordinator = create_person(session, role="coordinator")
    three_days = create_event(
        session,
        owner=unit,
        all_day=True,
        start_date=date(2026, 12, 1),
        end_date=date(2026, 12, 3),
        timezone="Asia/Ho_Chi_Minh",
    )
    morning = create_event(
        session,
        owner=unit,
        starts_local=wall(2026, 12, 2, 9),
        ends_local=wall(2026, 12, 2, 10),
        timezone="Asia/Ho_Chi_Minh",
    )

    def on(first, last):
        return queries.visible_events(
            session, coordinator, since=first, until=last, zone="Asia/Ho_Chi_Minh"
        )

    assert on(date(2026, 12, 3), date(2026, 12, 3)) == [three_days]
    assert on(date(2026, 12, 4), date(2026, 12, 9)) == []
    assert on(date(2026, 11, 1), date(2026, 12, 1)) == [three_days]
    assert on(date(2026, 12, 2), date(2026, 12, 2)) == [three_days, morning]


def test_filters_by_unit_kind_country_priority_and_tag(session):
    owner, participant = create_unit(session), create_unit(session)
    coordinator = create_person(session, role="coordinator")
    talks = create_event(
        session,
        owner=owner,
        title="Talks",
        kind="diplomatic",
        partner_countries=["JP"],
        priority="high",
        tags=["Trade"],
        participant_codes=[participant.code],
    )
    create_event(session, owner=owner, title="Concert", kind="cultural")

    def find(**filters):
        return queries.visible_events(session, coordinator, **filters)

    assert find(unit_code=participant.code) == [talks]
    assert titles(find(unit_code=owner.code)) == {"Talks", "Concert"}
    assert find(kind="diplomatic") == [talks]
    assert find(country="jp") == [talks]
    assert find(priority="high") == [talks]
    assert find(tag="trade") == [talks]
    assert find(tag="culture") == []
    loaded = find(kind="diplomatic")[0]
    assert [unit.code for unit in loaded.participants] == [participant.code]
