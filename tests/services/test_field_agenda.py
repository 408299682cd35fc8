"""A person's agenda for the field bot: their days in their own zone, only what they may see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from campaigns.calendar import services as calendar_services
from campaigns.calendar.models import Tier
from campaigns.field import agenda
from campaigns.field.agenda import EntryKind
from campaigns.press import itinerary, trips
from tests.factories import create_anniversary, create_event, create_person, create_unit
from tests.press_factories import add_item, create_journalist, create_trip, invite
from tests.social_factories import create_campaign, create_channel, scheduled_post

# 13:00 in Paris, 19:00 in Hà Nội: the same day, 1 December, in both.
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def wall(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute)  # noqa: DTZ001 (a wall clock)


def make_event(session, owner, **fields):
    """An event of ``owner``, an hour long unless told otherwise."""
    if fields.get("starts_local") and "ends_local" not in fields:
        fields["ends_local"] = fields["starts_local"] + timedelta(hours=1)
    return create_event(session, owner=owner, **fields)


def titles(entries) -> list[str]:
    return [entry.title for entry in entries]


def test_events_of_the_persons_unit_as_owner_or_participant_are_on_their_day(session):
    unit = create_unit(session, code="paris")
    other = create_unit(session, code="berlin")
    person = create_person(session, role="field", unit=unit, timezone="Europe/Paris")
    make_event(
        session,
        unit,
        title="Reception",
        translations={"vi": {"title": "Tiệc chiêu đãi"}},
        location="Embassy",
        starts_local=wall(2026, 12, 1, 18),
        ends_local=wall(2026, 12, 1, 20),
    )
    make_event(
        session,
        other,
        participant_codes=["paris"],
        title="Joint forum",
        starts_local=wall(2026, 12, 1, 9),
    )
    make_event(session, other, title="Not ours", starts_local=wall(2026, 12, 1, 11))
    make_event(session, unit, title="Tomorrow", starts_local=wall(2026, 12, 2, 9))
    make_event(
        session, unit, title="Cancelled", status="cancelled", starts_local=wall(2026, 12, 1, 14)
    )

    today = agenda.agenda(session, actor=person, now=NOW)

    assert titles(today) == ["Joint forum", "Reception"]
    reception = today[1]
    assert reception.kind == EntryKind.EVENT
    assert reception.starts_at == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    assert reception.ends_at == datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    assert reception.location == "Embassy"
    assert reception.path.startswith("/calendar/events/")
    person.locale = "vi"
    assert "Tiệc chiêu đãi" in titles(agenda.agenda(session, actor=person, now=NOW))


def test_restricted_events_reach_only_those_allowed(session):
    owner = create_unit(session, code="owner")
    participant = create_unit(session, code="participant")
    insider = create_unit(session, code="insider")
    make_event(
        session,
        owner,
        participant_codes=["participant", "insider"],
        audience_codes=["insider"],
        visibility="restricted",
        title="Closed-door talks",
        starts_local=wall(2026, 12, 1, 15),
    )
    outsider = create_person(session, role="field", unit=participant)
    allowed = create_person(session, role="field", unit=insider)
    of_the_owner = create_person(session, role="editor", unit=owner)

    assert agenda.agenda(session, actor=outsider, now=NOW) == []
    assert titles(agenda.agenda(session, actor=allowed, now=NOW)) == ["Closed-door talks"]
    assert titles(agenda.agenda(session, actor=of_the_owner, now=NOW)) == ["Closed-door talks"]


def test_days_are_the_persons_own_days_paris_and_hanoi(session):
    unit = create_unit(session, code="shared")
    paris = create_person(session, role="field", unit=unit, timezone="Europe/Paris")
    hanoi = create_person(session, role="field", unit=unit, timezone="Asia/Ho_Chi_Minh")
    # 22:30 UTC: 23:30 on 1 December in Paris, 05:30 on 2 December in Hà Nội.
    make_event(
        session,
        unit,
        title="Late call",
        timezone="UTC",
        starts_local=wall(2026, 12, 1, 22, 30),
        ends_local=wall(2026, 12, 1, 23, 0),
    )
    # 23:30 UTC on 30 November: 00:30 on 1 December in Paris, 06:30 in Hà Nội.
    make_event(
        session,
        unit,
        title="Early call",
        timezone="UTC",
        starts_local=wall(2026, 11, 30, 23, 30),
        ends_local=wall(2026, 11, 30, 23, 45),
    )

    assert titles(agenda.agenda(session, actor=paris, now=NOW)) == ["Early call", "Late call"]
    assert titles(agenda.agenda(session, actor=hanoi, now=NOW)) == ["Early call"]
    week = agenda.agenda(session, actor=hanoi, now=NOW, days=7)
    assert [(e.title, e.local_day("Asia/Ho_Chi_Minh")) for e in week] == [
        ("Early call", date(2026, 12, 1)),
        ("Late call", date(2026, 12, 2)),
    ]
    # Just after midnight in Hà Nội it is already 2 December there, still 1 December in Paris.
    after_midnight = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
    assert titles(agenda.agenda(session, actor=hanoi, now=after_midnight)) == ["Late call"]
    assert "Early call" in titles(agenda.agenda(session, actor=paris, now=after_midnight))


def test_all_day_events_count_on_their_dates(session):
    unit = create_unit(session)
    person = create_person(session, role="field", unit=unit, timezone="Asia/Ho_Chi_Minh")
    make_event(
        session,
        unit,
        title="National day",
        all_day=True,
        starts_local=None,
        ends_local=None,
        start_date=date(2026, 12, 1),
        end_date=date(2026, 12, 1),
        timezone="Asia/Ho_Chi_Minh",
    )

    [entry] = agenda.agenda(session, actor=person, now=NOW)
    assert entry.all_day and entry.title == "National day"


def test_itinerary_items_they_escort_or_interpret_and_interviews_on_their_trips(session):
    escort = create_person(session, role="field", timezone="Asia/Ho_Chi_Minh")
    interpreter = create_person(session, role="field", timezone="Asia/Ho_Chi_Minh")
    stranger = create_person(session, role="field", timezone="Asia/Ho_Chi_Minh")
    trip = create_trip(session, start=date(2026, 11, 30), title="Mekong trip")
    visit = add_item(
        session, trip, wall(2026, 12, 1, 9), escort=escort, activity="Rice fields", city="Cần Thơ"
    )
    add_item(session, trip, wall(2026, 12, 1, 14), interpreter=interpreter, activity="Market")
    interview_item = add_item(
        session, trip, wall(2026, 12, 1, 16), interpreter=interpreter, activity="Interview slot"
    )
    add_item(session, trip, wall(2026, 12, 2, 9), escort=escort, activity="Next day")
    journalist = create_journalist(session, name_latin="Anna Weber")
    invite(session, trip, journalist)
    request = itinerary.request_interview(
        session,
        actor=None,
        now=NOW,
        trip=trip,
        journalist=journalist,
        interviewee="Provincial chairman",
    )
    for status in ("approved", "scheduled"):
        itinerary.change_interview_status(
            session, actor=None, now=NOW, request=request, status=status, item=interview_item
        )

    mine = agenda.agenda(session, actor=escort, now=NOW)

    assert [(e.kind, e.title) for e in mine] == [
        (EntryKind.ITINERARY, "Rice fields"),
        (EntryKind.INTERVIEW, "Interview slot — Provincial chairman (Anna Weber)"),
    ]
    assert mine[0].starts_at == visit.starts_at and mine[0].ends_at == visit.ends_at
    assert mine[0].location == "Temple of Literature, Cần Thơ"
    assert mine[0].path == f"/press/trips/{trip.id}#itinerary"
    assert mine[0].context == "Mekong trip"
    assert titles(agenda.agenda(session, actor=interpreter, now=NOW)) == [
        "Market",
        "Interview slot — Provincial chairman (Anna Weber)",
    ]
    assert agenda.agenda(session, actor=stranger, now=NOW) == []


def test_cancelled_items_and_trips_are_left_out(session):
    escort = create_person(session, role="field", timezone="Asia/Ho_Chi_Minh")
    trip = create_trip(session, start=date(2026, 11, 30))
    item = add_item(session, trip, wall(2026, 12, 1, 9), escort=escort)
    itinerary.change_item_status(session, actor=None, now=NOW, item=item, status="cancelled")

    assert agenda.agenda(session, actor=escort, now=NOW) == []


def test_publications_of_the_persons_unit_going_out_that_day(session):
    unit = create_unit(session, code="mission")
    person = create_person(session, role="editor", unit=unit, timezone="Europe/Paris")
    campaign = create_campaign(session, owner_unit=unit, name_vi="Chiến dịch Tết", name_en="Tết")
    channel = create_channel(session, owner_unit=unit, name="X @embassy")
    post = scheduled_post(
        session,
        [channel],
        at=datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
        now=NOW - timedelta(days=3),
        campaign=campaign,
        title="Greetings",
    )
    # Another unit's campaign on another unit's channel: not theirs.
    scheduled_post(
        session,
        [create_channel(session)],
        at=datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
        now=NOW - timedelta(days=3),
        title="Someone else's",
    )
    # The next day in Paris.
    scheduled_post(
        session,
        [channel],
        at=datetime(2026, 12, 1, 23, 30, tzinfo=UTC),
        now=NOW - timedelta(days=3),
        campaign=campaign,
        title="Tomorrow's",
    )

    [entry] = agenda.agenda(session, actor=person, now=NOW)

    assert entry.kind == EntryKind.PUBLICATION
    assert (entry.title, entry.location, entry.context) == ("Greetings", "X @embassy", "Tết")
    assert entry.starts_at == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    assert entry.path == f"/social/posts/{post.id}"
    assert agenda.agenda(session, actor=create_person(session, role="field"), now=NOW) == []


def test_an_inactive_person_or_one_without_a_unit_sees_nothing_of_a_unit(session):
    unit = create_unit(session)
    person = create_person(session, role="field", unit=unit)
    make_event(session, unit, visibility="public", starts_local=wall(2026, 12, 1, 15))
    coordinator = create_person(session, role="coordinator")
    person.active = False

    assert agenda.agenda(session, actor=person, now=NOW) == []
    assert agenda.agenda(session, actor=coordinator, now=NOW) == []


# --- upcoming ----------------------------------------------------------------------------------


def test_upcoming_lists_the_units_anniversaries_with_tier_countdown_and_task(session):
    unit = create_unit(session, code="washington")
    person = create_person(session, role="field", unit=unit, timezone="America/New_York")
    relations = create_anniversary(
        session,
        title_en="Viet Nam–US diplomatic relations",
        title_vi="Quan hệ ngoại giao Việt Nam – Hoa Kỳ",
        origin_date=date(1997, 7, 12),
        owner_unit_code="washington",
    )
    create_anniversary(session, origin_date=date(1990, 1, 5))  # nobody's
    create_anniversary(
        session, origin_date=date(2000, 3, 1), owner_unit_code=create_unit(session).code
    )
    create_anniversary(
        session,
        title_en="Consulate opened",
        origin_date=date(2011, 2, 1),
        owner_unit_code="washington",
    )
    make_event(
        session, unit, kind="deadline", title="Report due", starts_local=wall(2027, 1, 15, 17)
    )
    # 2027-01-01: the 30th anniversary (major) is 192 days away, in its 180-day lead time on 13 Jan.
    now = datetime(2027, 1, 20, 12, 0, tzinfo=UTC)
    tasks = calendar_services.create_due_planning_tasks(session, now=now)
    [task] = [task for task in tasks if task.anniversary_id == relations.id]

    found = agenda.upcoming(session, actor=person, now=now)

    assert [(e.title, e.date, e.tier, e.days_left, e.task_status) for e in found] == [
        ("16th anniversary of Consulate opened", date(2027, 2, 1), Tier.REGULAR, 12, "open"),
        (
            "30th anniversary of Viet Nam–US diplomatic relations",
            date(2027, 7, 12),
            Tier.MAJOR,
            173,
            "open",
        ),
        ("17th anniversary of Consulate opened", date(2028, 2, 1), Tier.REGULAR, 377, None),
        (
            "31st anniversary of Viet Nam–US diplomatic relations",
            date(2028, 7, 12),
            Tier.REGULAR,
            539,
            None,
        ),
    ]
    calendar_services.complete_planning_task(session, actor=None, now=now, task=task)
    assert agenda.upcoming(session, actor=person, now=now, limit=2)[1].task_status == "done"
    person.locale = "vi"
    assert agenda.upcoming(session, actor=person, now=now)[1].title == (
        "30 năm Quan hệ ngoại giao Việt Nam – Hoa Kỳ"
    )
    assert agenda.upcoming(session, actor=create_person(session, role="field"), now=now) == []


def test_upcoming_counts_deadlines_of_the_unit_as_milestones(session):
    unit = create_unit(session)
    person = create_person(session, role="field", unit=unit, timezone="Asia/Ho_Chi_Minh")
    deadline_event = make_event(
        session, unit, kind="deadline", title="Annual plan due", starts_local=wall(2026, 12, 10, 17)
    )
    make_event(session, unit, kind="cultural", title="Concert", starts_local=wall(2026, 12, 5, 20))

    [deadline] = agenda.upcoming(session, actor=person, now=NOW)

    assert (deadline.title, deadline.days_left, deadline.tier, deadline.task_status) == (
        "Annual plan due",
        9,
        None,
        None,
    )
    assert deadline.path == f"/calendar/events/{deadline_event.id}"


# --- the current trip ----------------------------------------------------------------------------


def test_current_trip_is_the_one_in_progress_else_the_next(session):
    escort = create_person(session, role="field")
    later = create_trip(session, start=date(2026, 12, 20), title="Later")
    add_item(session, later, escort=escort)
    assert agenda.current_trip(session, actor=escort, now=NOW).trip == later

    now_trip = create_trip(session, start=date(2026, 11, 30), title="Now")
    confirmed = add_item(session, now_trip, wall(2026, 12, 1, 20), escort=escort)
    itinerary.change_item_status(session, actor=None, now=NOW, item=confirmed, status="confirmed")
    tentative = add_item(session, now_trip, wall(2026, 12, 2, 9), escort=escort)
    someone_elses = add_item(session, now_trip, wall(2026, 12, 2, 14))
    finished = add_item(session, now_trip, wall(2026, 11, 30, 9), escort=escort)
    for status in ("confirmed", "done"):
        itinerary.change_item_status(session, actor=None, now=NOW, item=finished, status=status)
    cancelled = add_item(session, now_trip, wall(2026, 12, 3, 9), escort=escort)
    itinerary.change_item_status(session, actor=None, now=NOW, item=cancelled, status="cancelled")

    current = agenda.current_trip(session, actor=escort, now=NOW)

    assert current.trip == now_trip and current.path == f"/press/trips/{now_trip.id}#itinerary"
    assert [(t.item, t.may_finish, t.may_delay) for t in current.items] == [
        (finished, False, False),
        (confirmed, True, True),
        (tentative, False, True),
        (someone_elses, False, False),
    ]
    assert agenda.current_trip(session, actor=create_person(session, role="field"), now=NOW) is None


def test_cancelled_trips_are_never_current(session):
    escort = create_person(session, role="field")
    trip = create_trip(session, start=date(2026, 11, 30))
    add_item(session, trip, escort=escort)
    trips.change_trip_status(session, actor=None, now=NOW, trip=trip, status="cancelled")

    assert agenda.current_trip(session, actor=escort, now=NOW) is None
