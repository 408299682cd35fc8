"""Restricted data: who may be named on a trip (and so see passports), the host unit at every
change, links to restricted events, and answers (clashes, duplicates, logistics) that reveal only
what the asker may see."""

from datetime import UTC, date, datetime

import pytest

from campaigns.calendar import queries as calendar_queries
from campaigns.errors import Invalid, NotAllowed
from campaigns.permissions import can
from campaigns.press import coverage, privacy, queries, trips
from campaigns.social import services as social_services
from tests.factories import create_event, create_person, create_unit
from tests.press_factories import add_item, create_journalist, create_trip, invite

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def trip_input(trip, **overrides) -> trips.TripInput:
    """The trip as it is, with some fields changed: what a PATCH sends to the service."""
    values = {
        "title": trip.title,
        "start_date": trip.start_date,
        "end_date": trip.end_date,
        "host_unit_code": trip.host_unit.code,
        "city": trip.city,
        "coordinator_ids": [person.id for person in trip.coordinators],
        "event_ids": [event.id for event in trip.events],
    }
    values.update(overrides)
    return trips.TripInput(**values)


@pytest.fixture
def world(session):
    host = create_unit(session, code="mofa-press", kind="ministry", country="VN")
    mission = create_unit(session, code="mission-kh", kind="mission", country="KH")
    people = {
        "admin": create_person(session, role="admin"),
        "coordinator": create_person(session, role="coordinator", unit=host),
        "host_editor": create_person(session, role="editor", unit=host),
        "trip_coordinator": create_person(session, role="editor", unit=host),
        "mission_editor": create_person(session, role="editor", unit=mission),
        "viewer": create_person(session, role="viewer", unit=mission),
        "escort": create_person(session, role="field", unit=mission),
    }
    trip = create_trip(session, host=host, coordinator_ids=[people["trip_coordinator"].id])
    return host, mission, people, trip


# --- who may coordinate a trip, and so see its passports ----------------------------------------


def test_only_people_who_may_run_the_trip_can_be_named_its_coordinators(session, world):
    _host, _, people, trip = world
    for outsider in ("viewer", "escort", "mission_editor"):
        with pytest.raises(Invalid) as caught:
            trips.update_trip(
                session,
                actor=people["coordinator"],
                now=NOW,
                trip=trip,
                data=trip_input(trip, coordinator_ids=[people[outsider].id]),
            )
        assert set(caught.value.errors) == {"coordinator_ids"}
    assert trip.coordinators == [people["trip_coordinator"]]
    trips.update_trip(
        session,
        actor=people["coordinator"],
        now=NOW,
        trip=trip,
        data=trip_input(trip, coordinator_ids=[people["host_editor"].id, people["coordinator"].id]),
    )
    assert set(trip.coordinators) == {people["host_editor"], people["coordinator"]}


def test_a_host_editor_cannot_put_themselves_on_a_trips_passport_list(session, world):
    _, _, people, trip = world
    editor = people["host_editor"]
    assert can(editor, "trip.edit", trip)
    with pytest.raises(NotAllowed):
        trips.update_trip(
            session,
            actor=editor,
            now=NOW,
            trip=trip,
            data=trip_input(trip, coordinator_ids=[people["trip_coordinator"].id, editor.id]),
        )
    assert trip.coordinators == [people["trip_coordinator"]]
    # The same editor may still change the rest of the plan.
    trips.update_trip(session, actor=editor, now=NOW, trip=trip, data=trip_input(trip, city="Huế"))
    assert trip.city == "Huế"
    # The trip's own coordinator hands over.
    trips.update_trip(
        session,
        actor=people["trip_coordinator"],
        now=NOW,
        trip=trip,
        data=trip_input(trip, coordinator_ids=[editor.id]),
    )
    assert trip.coordinators == [editor]


def test_identity_documents_stay_with_admins_and_coordinators_who_may_still_run_the_trip(
    session, world
):
    _host, mission, people, trip = world
    journalist = create_journalist(session)
    document = privacy.add_identity_document(
        session, actor=None, now=NOW, journalist=journalist, trip=trip, number="P1",
        nationality="FR",
    )  # fmt: skip
    readers = {
        name
        for name, person in people.items()
        if queries.readable_identity_documents(session, person, journalist) == [document]
    }
    assert readers == {"admin", "trip_coordinator"}
    # Moved to a mission, the former coordinator no longer runs the trip, nor sees passports.
    people["trip_coordinator"].unit = mission
    session.flush()
    assert not can(people["trip_coordinator"], "identity.manage", trip)


def test_a_coordinator_who_moved_away_does_not_lock_the_host_editors_out(session, world):
    _host, mission, people, trip = world
    people["trip_coordinator"].unit = mission
    session.flush()
    editor = people["host_editor"]
    # The form still names the former coordinator: the change goes through and they drop off.
    trips.update_trip(session, actor=editor, now=NOW, trip=trip, data=trip_input(trip, city="Huế"))
    assert trip.city == "Huế" and trip.coordinators == []
    # ...but the editor still cannot name themselves in their place.
    with pytest.raises(NotAllowed):
        trips.update_trip(
            session, actor=editor, now=NOW, trip=trip,
            data=trip_input(trip, coordinator_ids=[editor.id]),
        )  # fmt: skip


def test_a_budget_that_is_not_a_number_is_a_field_error(session, world):
    _, _, people, trip = world
    for amount in ("NaN", "sNaN", "-Infinity"):
        with pytest.raises(Invalid) as caught:
            trips.update_trip(
                session, actor=people["coordinator"], now=NOW, trip=trip,
                data=trip_input(trip, budget_planned=amount),
            )  # fmt: skip
        assert set(caught.value.errors) == {"budget_planned"}


# --- the same checks at creation and at every change --------------------------------------------


def test_a_trip_cannot_be_moved_to_another_units_letterhead(session, world):
    _host, mission, people, _ = world
    editor = people["mission_editor"]
    trip = trips.create_trip(
        session,
        actor=editor,
        now=NOW,
        data=trips.TripInput(
            title="Angkor", start_date=date(2027, 3, 1), end_date=date(2027, 3, 3),
            host_unit_code="mission-kh",
        ),
    )  # fmt: skip
    with pytest.raises(Invalid) as caught:
        trips.update_trip(
            session, actor=editor, now=NOW, trip=trip, data=trip_input(trip, host_unit_code="mofa-press")
        )  # fmt: skip
    assert set(caught.value.errors) == {"host_unit_code"}
    assert trip.host_unit is mission
    with pytest.raises(Invalid):
        trips.create_trip(
            session, actor=editor, now=NOW, data=trip_input(trip, host_unit_code="mofa-press")
        )


# --- restricted events --------------------------------------------------------------------------


@pytest.fixture
def secret_event(session):
    owner = create_unit(session, code="bcd-ttdn", kind="steering", country="VN")
    return create_event(session, owner=owner, title="SECRET visit", visibility="restricted")


def test_linking_an_event_needs_the_right_to_see_it(session, world, secret_event):
    _, _, people, trip = world
    editor = people["host_editor"]
    assert secret_event not in queries.linkable_events(session, editor, around=NOW)
    assert secret_event in queries.linkable_events(session, people["coordinator"], around=NOW)
    with pytest.raises(Invalid) as caught:
        trips.update_trip(
            session, actor=editor, now=NOW, trip=trip, data=trip_input(trip, event_ids=[secret_event.id])
        )  # fmt: skip
    # Refused exactly as an event that does not exist.
    with pytest.raises(Invalid) as missing:
        trips.update_trip(
            session, actor=editor, now=NOW, trip=trip, data=trip_input(trip, event_ids=[999999])
        )
    assert caught.value.errors == missing.value.errors
    assert trip.events == []


def test_a_hidden_linked_event_stays_linked_and_unnamed(session, world, secret_event):
    _, _, people, trip = world
    public = create_event(session, title="Open day", visibility="public")
    trips.update_trip(
        session,
        actor=people["coordinator"],
        now=NOW,
        trip=trip,
        data=trip_input(trip, event_ids=[secret_event.id]),
    )
    editor = people["host_editor"]
    assert calendar_queries.events_seen_by(editor, trip.events) == []
    # The editor's form does not carry the event it cannot see: it stays linked all the same.
    trips.update_trip(
        session, actor=editor, now=NOW, trip=trip, data=trip_input(trip, event_ids=[public.id])
    )
    assert set(trip.events) == {public, secret_event}
    assert calendar_queries.events_seen_by(editor, trip.events) == [public]
    # Naming the hidden event is refused exactly like naming one that does not exist: the
    # answer does not tell that it is linked.
    for named in (secret_event.id, 999_999):
        with pytest.raises(Invalid) as caught:
            trips.update_trip(
                session, actor=editor, now=NOW, trip=trip,
                data=trip_input(trip, event_ids=[public.id, named]),
            )  # fmt: skip
        assert caught.value.errors == {"event_ids": "One of these events does not exist."}


def test_campaigns_link_only_events_their_manager_may_see(session, world, secret_event):
    _, _, people, _ = world
    data = social_services.CampaignInput(
        name_vi="Chiến dịch", name_en="Campaign", starts_on=date(2026, 11, 1),
        ends_on=date(2026, 12, 31), owner_unit_code="mofa-press", event_ids=[secret_event.id],
    )  # fmt: skip
    # Only coordinators and admins manage campaigns, and they see every event; the rule is the
    # same function the trip uses, so an editor is refused as in the trip's test.
    campaign = social_services.create_campaign(
        session, actor=people["coordinator"], now=NOW, data=data
    )
    assert campaign.events == [secret_event]
    assert (
        calendar_queries.events_to_link(session, people["host_editor"], [secret_event.id]) is None
    )
    assert calendar_queries.events_seen_by(people["viewer"], campaign.events) == []


# --- answers that reveal only what the asker may see --------------------------------------------


def test_clashes_do_not_name_trips_the_asker_may_not_see(session, world):
    host, _, people, trip = world
    escort = people["escort"]
    add_item(session, trip, escort=escort)
    secret = create_trip(session, host=host, title="SECRET talks", start=trip.start_date)
    journalist = create_journalist(session)
    invite(session, trip, journalist)
    invite(session, secret, journalist)
    add_item(session, secret, escort=escort)
    assert can(escort, "trip.view", trip) and can(escort, "trip.view", secret)
    # The escort works on both trips; a field officer who works on the first only asks.
    other_field = create_person(session, role="field")
    add_item(session, trip, interpreter=other_field, starts_local=datetime(2027, 8, 31, 9))  # noqa: DTZ001
    assert not can(other_field, "trip.view", secret)
    texts = [str(clash.params) for clash in queries.trip_clashes(session, trip, actor=other_field)]
    assert len(texts) == 2 and not any("SECRET" in text for text in texts)
    everything = [str(c.params) for c in queries.trip_clashes(session, trip, actor=people["admin"])]
    assert any("SECRET" in text for text in everything)


def test_a_duplicate_link_does_not_hand_out_another_trips_coverage(session, world):
    host, _, people, trip = world
    escort = people["escort"]
    add_item(session, trip, escort=escort)
    other_trip = create_trip(session, host=host)
    item, _ = coverage.record_coverage(
        session, actor=None, now=NOW,
        data=coverage.CoverageInput(url="https://news.example/secret", trip_id=other_trip.id),
    )  # fmt: skip
    with pytest.raises(Invalid) as caught:
        coverage.record_coverage(
            session, actor=escort, now=NOW,
            data=coverage.CoverageInput(url="https://news.example/secret", trip_id=trip.id),
        )  # fmt: skip
    assert set(caught.value.errors) == {"url"}
    again, created = coverage.record_coverage(
        session, actor=people["host_editor"], now=NOW,
        data=coverage.CoverageInput(url="https://news.example/secret"),
    )  # fmt: skip
    assert again is item and not created


def test_logistics_are_for_the_trips_people_and_those_who_run_it(session, world):
    _, _, people, trip = world
    add_item(session, trip, escort=people["escort"])
    allowed = {name for name, person in people.items() if can(person, "trip.logistics", trip)}
    assert allowed == {"admin", "coordinator", "host_editor", "trip_coordinator", "escort"}


def test_a_read_only_viewer_cannot_be_made_one_of_a_trips_people(session, world):
    _, _, people, trip = world
    with pytest.raises(Invalid) as caught:
        add_item(session, trip, escort=people["viewer"])
    assert set(caught.value.errors) == {"escort_id"}
    assert people["viewer"] not in queries.staff_candidates(session)
    assert not can(people["viewer"], "trip.logistics", trip)
