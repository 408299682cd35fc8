from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaigns.calendar.models import Event
from campaigns.errors import Conflict, Invalid, NotAllowed
from campaigns.org.models import AuditEntry
from campaigns.press import itinerary, queries, trips
from campaigns.press.models import Invitation, ItineraryItem, Trip
from campaigns.press.rules import ClashKind
from campaigns.social.models import Notification
from campaigns.social.notifications import notification_text
from tests.factories import create_person, create_unit
from tests.press_factories import add_item, create_journalist, create_trip, invite


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def trip_input(host_code: str, **overrides) -> trips.TripInput:
    values = {
        "title": "National Day 2027",
        "start_date": date(2027, 8, 30),
        "end_date": date(2027, 9, 3),
        "host_unit_code": host_code,
        "city": "Hà Nội",
    }
    values.update(overrides)
    return trips.TripInput(**values)


def test_a_coordinator_plans_a_trip_and_it_is_audited(session, now):
    host = create_unit(session, code="mofa-press", kind="ministry", country="VN")
    mission = create_unit(session, code="mission-fr")
    coordinator = create_person(session, role="coordinator")
    trip = trips.create_trip(
        session,
        actor=coordinator,
        now=now,
        data=trip_input(
            "mofa-press",
            nominating_unit_codes=["mission-fr"],
            coordinator_ids=[coordinator.id],
            key_messages="Open economy, Peace",
            budget_planned="120,000,000",
        ),
    )
    assert trip.status == "draft"
    assert trip.host_unit is host and trip.nominating_missions == [mission]
    assert trip.key_messages == ["Open economy", "Peace"]
    assert str(trip.budget_planned) == "120000000.00"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.target_type == "trip")).one()
    assert entry.actor_id == coordinator.id and entry.action == "create"


def test_dates_out_of_order_and_bad_fields_are_reported_and_nothing_is_saved(session, now):
    create_unit(session, code="mofa-press")
    with pytest.raises(Invalid) as caught:
        trips.create_trip(
            session,
            actor=None,
            now=now,
            data=trip_input(
                "mofa-press",
                title=" ",
                end_date=date(2027, 8, 1),
                currency="dong",
                budget_planned="lots",
                nominating_unit_codes=["mission-xx"],
            ),
        )
    assert set(caught.value.errors) == {
        "title",
        "end_date",
        "currency",
        "budget_planned",
        "nominating_unit_codes",
    }
    assert count(session, Trip) == 0


def test_an_editor_plans_only_trips_hosted_by_their_unit(session, now):
    mine = create_unit(session)
    create_unit(session, code="someone-else")
    editor = create_person(session, role="editor", unit=mine)
    trips.create_trip(session, actor=editor, now=now, data=trip_input(mine.code))
    with pytest.raises(Invalid) as caught:
        trips.create_trip(session, actor=editor, now=now, data=trip_input("someone-else"))
    assert "host_unit_code" in caught.value.errors
    with pytest.raises(NotAllowed):
        trips.create_trip(
            session, actor=create_person(session, role="field"), now=now, data=trip_input(mine.code)
        )


def test_the_trip_walks_its_whole_life_and_refuses_jumps(session, now):
    trip = create_trip(session)
    with pytest.raises(Invalid) as caught:
        trips.change_trip_status(session, actor=None, now=now, trip=trip, status="confirmed")
    assert "status" in caught.value.errors
    for status in (
        "planned",
        "inviting",
        "confirmed",
        "in_progress",
        "completed",
        "coverage_tracking",
        "closed",
    ):
        trips.change_trip_status(session, actor=None, now=now, trip=trip, status=status)
    assert trip.status == "closed"
    with pytest.raises(Invalid):
        trips.change_trip_status(session, actor=None, now=now, trip=trip, status="cancelled")
    actions = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.target_type == "trip", AuditEntry.target_id == trip.id
        )
    ).all()
    assert "status:closed" in actions


def test_a_postponed_trip_is_planned_again_or_cancelled(session, now):
    trip = create_trip(session)
    trips.change_trip_status(session, actor=None, now=now, trip=trip, status="postponed")
    with pytest.raises(Invalid):
        trips.change_trip_status(session, actor=None, now=now, trip=trip, status="inviting")
    trips.change_trip_status(session, actor=None, now=now, trip=trip, status="planned")
    trips.change_trip_status(session, actor=None, now=now, trip=trip, status="cancelled")
    with pytest.raises(Conflict):
        trips.update_trip(
            session, actor=None, now=now, trip=trip, data=trip_input(trip.host_unit.code)
        )


# --- invitations -------------------------------------------------------------------------------


def test_an_invitation_goes_from_nomination_to_confirmation(session, now):
    trip = create_trip(session)
    journalist = create_journalist(session)
    invitation = invite(session, trip, journalist, status="invited")
    trips.change_invitation_status(
        session, actor=None, now=now, invitation=invitation, status="no_response"
    )
    # A late answer still counts.
    trips.change_invitation_status(
        session, actor=None, now=now, invitation=invitation, status="accepted"
    )
    trips.change_invitation_status(
        session, actor=None, now=now, invitation=invitation, status="confirmed"
    )
    assert invitation.status == "confirmed"


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("nominated", "invited"),
        ("shortlisted", "confirmed"),
        ("invited", "confirmed"),
        ("accepted", "replaced"),
    ],
)
def test_an_invitation_cannot_skip_steps(session, now, start, target):
    invitation = invite(session, create_trip(session), create_journalist(session), status=start)
    with pytest.raises(Invalid) as caught:
        trips.change_invitation_status(
            session, actor=None, now=now, invitation=invitation, status=target
        )
    assert "status" in caught.value.errors
    assert invitation.status == start


def test_a_confirmed_journalist_is_replaced_by_another(session, now):
    trip = create_trip(session)
    first = invite(session, trip, create_journalist(session))
    with pytest.raises(Invalid) as caught:
        trips.change_invitation_status(
            session, actor=None, now=now, invitation=first, status="replaced"
        )
    assert "replacement" in caught.value.errors
    substitute = create_journalist(session)
    trips.change_invitation_status(
        session, actor=None, now=now, invitation=first, status="replaced", replacement=substitute
    )
    assert first.status == "replaced"
    assert first.replaced_by.journalist is substitute
    assert first.replaced_by.status == "invited"


def test_the_same_journalist_cannot_be_nominated_twice_for_one_trip(session, now):
    trip = create_trip(session)
    journalist = create_journalist(session)
    invite(session, trip, journalist, status="nominated")
    with pytest.raises(Conflict):
        trips.nominate_journalist(session, actor=None, now=now, trip=trip, journalist=journalist)


def test_an_editor_of_a_nominating_mission_nominates_for_their_mission_only(session, now):
    mission = create_unit(session)
    other = create_unit(session)
    trip = create_trip(session, nominating_unit_codes=[mission.code, other.code])
    editor = create_person(session, role="editor", unit=mission)
    invitation = trips.nominate_journalist(
        session, actor=editor, now=now, trip=trip, journalist=create_journalist(session)
    )
    assert invitation.nominated_by is mission
    with pytest.raises(NotAllowed):
        trips.nominate_journalist(
            session,
            actor=editor,
            now=now,
            trip=trip,
            journalist=create_journalist(session),
            nominated_by_code=other.code,
        )
    stranger = create_person(session, role="editor")
    with pytest.raises(NotAllowed):
        trips.nominate_journalist(
            session, actor=stranger, now=now, trip=trip, journalist=create_journalist(session)
        )


def test_visa_case_walks_every_step_and_never_skips_one(session, now):
    invitation = invite(session, create_trip(session), create_journalist(session))
    with pytest.raises(Invalid) as caught:
        trips.change_visa_status(
            session, actor=None, now=now, invitation=invitation, status="granted"
        )
    assert "visa_status" in caught.value.errors
    for status in ("letter_requested", "letter_issued", "applied", "granted"):
        trips.change_visa_status(session, actor=None, now=now, invitation=invitation, status=status)
    assert invitation.visa_status == "granted"
    other = invite(session, create_trip(session), create_journalist(session))
    trips.change_visa_status(session, actor=None, now=now, invitation=other, status="not_needed")
    with pytest.raises(Invalid):
        trips.change_visa_status(session, actor=None, now=now, invitation=other, status="applied")


def test_logistics_are_kept_in_utc_from_the_trips_local_times(session, now):
    invitation = invite(session, create_trip(session), create_journalist(session))
    trips.update_logistics(
        session,
        actor=None,
        now=now,
        invitation=invitation,
        data=trips.LogisticsInput(
            accreditation="requested",
            arrival_flight="af 198",
            arrival_local=datetime(2027, 8, 29, 14, 5),  # noqa: DTZ001
            arrival_airport="han",
            departure_local=datetime(2027, 9, 4, 23, 50),  # noqa: DTZ001
            hotel="Hotel Metropole",
            dietary_needs="vegetarian",
            interpreter_language="FR",
        ),
    )
    assert invitation.arrival_at == datetime(2027, 8, 29, 7, 5, tzinfo=UTC)
    assert invitation.arrival_flight == "AF 198" and invitation.arrival_airport == "HAN"
    assert invitation.interpreter_language == "fr"
    with pytest.raises(Invalid) as caught:
        trips.update_logistics(
            session,
            actor=None,
            now=now,
            invitation=invitation,
            data=trips.LogisticsInput(
                accreditation="maybe",
                arrival_local=datetime(2027, 9, 5, 10, 0),  # noqa: DTZ001
                departure_local=datetime(2027, 9, 4, 10, 0),  # noqa: DTZ001
            ),
        )
    assert set(caught.value.errors) == {"accreditation", "departure_local"}
    assert invitation.hotel == "Hotel Metropole"


# --- itinerary and clashes ---------------------------------------------------------------------


def test_an_item_with_an_unknown_escort_or_reversed_times_is_refused(session, now):
    trip = create_trip(session)
    start = datetime(2027, 8, 31, 9, 0)  # noqa: DTZ001
    with pytest.raises(Invalid) as caught:
        itinerary.create_itinerary_item(
            session,
            actor=None,
            now=now,
            trip=trip,
            data=itinerary.ItemInput(
                activity="Visit",
                starts_local=start,
                ends_local=start - timedelta(hours=1),
                timezone=trip.timezone,
                escort_id=987654,
            ),
        )
    assert set(caught.value.errors) == {"ends_local", "escort_id"}
    assert count(session, ItineraryItem) == 0


def test_an_item_outside_the_trip_dates_is_a_clash_shown_before_saving(session, now):
    trip = create_trip(session, start=date(2027, 8, 30), days=5)
    with pytest.raises(trips.ClashWarning) as caught:
        add_item(session, trip, datetime(2027, 9, 5, 10, 0), confirm_clashes=False)  # noqa: DTZ001
    assert [clash.kind for clash in caught.value.clashes] == [ClashKind.OUTSIDE_TRIP_DATES]
    assert count(session, ItineraryItem) == 0
    item = add_item(session, trip, datetime(2027, 9, 5, 10, 0), confirm_clashes=True)  # noqa: DTZ001
    assert [clash.kind for clash in queries.trip_clashes(session, trip)] == [
        ClashKind.OUTSIDE_TRIP_DATES
    ]
    assert queries.trip_clashes(session, trip)[0].item_id == item.id


def test_an_escort_booked_twice_is_a_clash_across_trips(session, now):
    escort = create_person(session, role="field")
    first = create_trip(session)
    second = create_trip(session)
    day3 = datetime(2027, 9, 1, 9, 0)  # noqa: DTZ001
    add_item(session, first, day3, hours=3, escort=escort, activity="Ba Đình")
    with pytest.raises(trips.ClashWarning) as caught:
        add_item(
            session,
            second,
            day3 + timedelta(hours=2),
            interpreter=escort,
            activity="Interview",
            confirm_clashes=False,
        )
    clash = caught.value.clashes[0]
    assert clash.kind == ClashKind.STAFF_DOUBLE_BOOKED
    assert clash.params["person"] == escort.name and clash.params["other"] == "Ba Đình"
    # Back to back is not a clash.
    add_item(session, second, day3 + timedelta(hours=3), escort=escort, confirm_clashes=False)


def test_a_cancelled_item_frees_its_escort(session, now):
    escort = create_person(session, role="field")
    trip = create_trip(session)
    day = datetime(2027, 9, 1, 9, 0)  # noqa: DTZ001
    item = add_item(session, trip, day, escort=escort)
    itinerary.change_item_status(session, actor=None, now=now, item=item, status="cancelled")
    add_item(session, trip, day, escort=escort, confirm_clashes=False)


def test_an_item_overlapping_a_national_priority_event_in_the_same_city(session, now):
    trip = create_trip(session, city="Hà Nội")
    owner = create_unit(session)
    session.add(
        Event(
            uid="national-day@herald",
            title="Lễ kỷ niệm Quốc khánh",
            kind="political",
            all_day=False,
            starts_at=datetime(2027, 9, 2, 1, 0, tzinfo=UTC),
            ends_at=datetime(2027, 9, 2, 4, 0, tzinfo=UTC),
            timezone="Asia/Ho_Chi_Minh",
            location="Quảng trường Ba Đình, Ha Noi",
            owner_unit_id=owner.id,
            priority="national",
            visibility="public",
            status="confirmed",
            created_at=now,
            updated_at=now,
        )
    )
    session.flush()
    with pytest.raises(trips.ClashWarning) as caught:
        add_item(session, trip, datetime(2027, 9, 2, 9, 0), confirm_clashes=False)  # noqa: DTZ001
    assert caught.value.clashes[0].kind == ClashKind.NATIONAL_EVENT
    # Elsewhere, or at another time, it is not a clash.
    add_item(session, trip, datetime(2027, 9, 2, 9, 0), city="Huế", confirm_clashes=False)  # noqa: DTZ001
    add_item(session, trip, datetime(2027, 9, 2, 14, 0), confirm_clashes=False)  # noqa: DTZ001


def test_a_journalist_on_two_overlapping_trips_is_a_clash(session, now):
    journalist = create_journalist(session)
    first = create_trip(session, start=date(2027, 8, 30), days=5)
    second = create_trip(session, start=date(2027, 9, 3), days=3)
    invite(session, first, journalist, status="invited")
    with pytest.raises(trips.ClashWarning) as caught:
        trips.nominate_journalist(session, actor=None, now=now, trip=second, journalist=journalist)
    assert caught.value.clashes[0].kind == ClashKind.JOURNALIST_ON_TWO_TRIPS
    assert count(session, Invitation) == 1
    trips.nominate_journalist(
        session, actor=None, now=now, trip=second, journalist=journalist, confirm_clashes=True
    )
    kinds = [clash.kind for clash in queries.trip_clashes(session, first)]
    assert kinds == [ClashKind.JOURNALIST_ON_TWO_TRIPS]


def test_a_declined_invitation_does_not_clash(session, now):
    journalist = create_journalist(session)
    first = create_trip(session)
    invitation = invite(session, first, journalist, status="invited")
    trips.change_invitation_status(
        session, actor=None, now=now, invitation=invitation, status="declined"
    )
    trips.nominate_journalist(
        session, actor=None, now=now, trip=create_trip(session), journalist=journalist
    )


def test_moving_an_item_raises_its_sequence_and_delay_shifts_it(session, now):
    escort = create_person(session, role="field")
    trip = create_trip(session)
    item = add_item(session, trip, escort=escort)
    starts = item.starts_at
    itinerary.delay_itinerary_item(session, actor=escort, now=now, item=item, minutes=30)
    assert item.starts_at == starts + timedelta(minutes=30) and item.sequence == 1
    with pytest.raises(Invalid):
        itinerary.delay_itinerary_item(session, actor=escort, now=now, item=item, minutes=0)
    with pytest.raises(NotAllowed):
        itinerary.delay_itinerary_item(
            session, actor=create_person(session, role="field"), now=now, item=item, minutes=5
        )
    for status in ("confirmed", "done"):
        itinerary.change_item_status(session, actor=escort, now=now, item=item, status=status)
    with pytest.raises(Invalid):
        itinerary.change_item_status(session, actor=None, now=now, item=item, status="tentative")


def test_a_delay_tells_the_trips_coordinators_but_not_whoever_delayed(session, now):
    first, second = (create_person(session, role="coordinator") for _ in range(2))
    escort = create_person(session, role="field")
    trip = create_trip(session, coordinator_ids=[first.id, second.id], title="Mekong trip")
    item = add_item(session, trip, escort=escort, activity="Rice fields")  # 30 Aug, 09:00

    itinerary.delay_itinerary_item(session, actor=escort, now=now, item=item, minutes=30)
    itinerary.delay_itinerary_item(session, actor=first, now=now, item=item, minutes=15)

    told = session.scalars(
        select(Notification)
        .where(Notification.kind == "itinerary_delayed")
        .order_by(Notification.id)
    ).all()
    assert [(n.person_id, n.params["minutes"], n.params["starts"]) for n in told] == [
        (first.id, 30, "30/08 09:30 (Asia/Ho_Chi_Minh)"),
        (second.id, 30, "30/08 09:30 (Asia/Ho_Chi_Minh)"),
        (second.id, 15, "30/08 09:45 (Asia/Ho_Chi_Minh)"),
    ]
    assert told[0].link == f"/press/trips/{trip.id}#itinerary"
    assert notification_text(told[0], lambda message: message) == (
        "Rice fields (Mekong trip) was delayed by 30 min: it now starts at"
        " 30/08 09:30 (Asia/Ho_Chi_Minh)."
    )


def test_interview_requests_walk_their_own_states(session, now):
    trip = create_trip(session)
    journalist = create_journalist(session)
    invite(session, trip, journalist)
    request = itinerary.request_interview(
        session, actor=None, now=now, trip=trip, journalist=journalist, interviewee="Minister"
    )
    with pytest.raises(Invalid):
        itinerary.change_interview_status(
            session, actor=None, now=now, request=request, status="done"
        )
    itinerary.change_interview_status(
        session, actor=None, now=now, request=request, status="approved"
    )
    with pytest.raises(Invalid) as caught:
        itinerary.change_interview_status(
            session, actor=None, now=now, request=request, status="scheduled"
        )
    assert "item_id" in caught.value.errors
    item = add_item(session, trip, interviewee="Minister")
    itinerary.change_interview_status(
        session, actor=None, now=now, request=request, status="scheduled", item=item
    )
    itinerary.change_interview_status(session, actor=None, now=now, request=request, status="done")
    assert request.status == "done" and request.item is item
    with pytest.raises(Invalid) as caught:
        itinerary.request_interview(
            session,
            actor=None,
            now=now,
            trip=trip,
            journalist=create_journalist(session),
            interviewee="",
        )
    assert set(caught.value.errors) == {"interviewee", "journalist_id"}


def test_field_staff_see_only_the_trips_they_are_assigned_to(session, now):
    escort = create_person(session, role="field")
    mine = create_trip(session)
    other = create_trip(session)
    add_item(session, mine, interpreter=escort)
    assert queries.visible_trips(session, escort) == [mine]
    assert queries.get_trip(session, mine.id, actor=escort) is mine
    from campaigns.errors import NotFound

    with pytest.raises(NotFound):
        queries.get_trip(session, other.id, actor=escort)
    viewer = create_person(session, role="viewer")
    assert set(queries.visible_trips(session, viewer)) == {mine, other}


def test_two_items_of_one_trip_with_the_same_escort_are_named_once(session, now):
    escort = create_person(session, role="field")
    trip = create_trip(session)
    day3 = datetime(2027, 9, 1, 9, 0)  # noqa: DTZ001
    add_item(session, trip, day3, hours=2, escort=escort, activity="Bát Tràng")
    add_item(session, trip, day3 + timedelta(hours=1), escort=escort, activity="VNA")
    staff = [
        c for c in queries.trip_clashes(session, trip) if c.kind == ClashKind.STAFF_DOUBLE_BOOKED
    ]
    assert len(staff) == 1
    assert {staff[0].params["activity"], staff[0].params["other"]} == {"Bát Tràng", "VNA"}


def test_new_trip_dates_that_clash_are_shown_before_saving(session, now):
    journalist = create_journalist(session)
    other = create_trip(session, start=date(2027, 9, 10), days=3, title="Later trip")
    invite(session, other, journalist, status="invited")
    trip = create_trip(session, start=date(2027, 8, 30), days=5)
    invite(session, trip, journalist, status="invited")
    add_item(session, trip, datetime(2027, 8, 30, 9, 0), activity="First-day visit")  # noqa: DTZ001
    moved = trip_input(
        trip.host_unit.code,
        title=trip.title,
        start_date=date(2027, 9, 8),
        end_date=date(2027, 9, 12),
    )
    with pytest.raises(trips.ClashWarning) as caught:
        trips.update_trip(session, actor=None, now=now, trip=trip, data=moved)
    kinds = sorted(clash.kind for clash in caught.value.clashes)
    assert kinds == [ClashKind.JOURNALIST_ON_TWO_TRIPS, ClashKind.OUTSIDE_TRIP_DATES]
    assert trip.start_date == date(2027, 8, 30)
    trips.update_trip(session, actor=None, now=now, trip=trip, data=moved, confirm_clashes=True)
    assert trip.start_date == date(2027, 9, 8)
    # Keeping the dates does not ask again.
    trips.update_trip(session, actor=None, now=now, trip=trip, data=moved)


def test_an_escorts_agenda_lists_their_items_of_the_day(session, now):
    escort = create_person(session, role="field")
    trip = create_trip(session)
    morning = add_item(session, trip, datetime(2027, 8, 31, 9, 0), escort=escort)  # noqa: DTZ001
    evening = add_item(session, trip, datetime(2027, 8, 31, 19, 0), interpreter=escort)  # noqa: DTZ001
    add_item(session, trip, datetime(2027, 9, 1, 9, 0), escort=escort)  # noqa: DTZ001
    cancelled = add_item(session, trip, datetime(2027, 8, 31, 14, 0), escort=escort)  # noqa: DTZ001
    itinerary.change_item_status(session, actor=None, now=now, item=cancelled, status="cancelled")
    day = datetime(2027, 8, 30, 17, 0, tzinfo=UTC)  # 31 August, 00:00 in Hanoi
    agenda = queries.items_for_staff(session, escort, since=day, until=day + timedelta(days=1))
    assert agenda == [morning, evening]
