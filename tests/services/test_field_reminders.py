"""What the field bot pushes, to whom and when: reminders at each lead time in the person's
zone, planning tasks, the daily digest; mute; each message claimed once, across a restart and
between two racing bots."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from babel.support import Translations
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from campaigns.calendar import anniversaries
from campaigns.calendar.models import PlanningTask
from campaigns.errors import Invalid, NotAllowed
from campaigns.field import preferences, reminders
from campaigns.field.models import BotDelivery, BotPreferences
from campaigns.org.models import AuditEntry
from campaigns.press import itinerary
from campaigns.social.models import PublicationStatus
from campaigns.social.telegram_alerts import pending_telegram_alerts
from tests.factories import create_event, create_person, create_unit
from tests.press_factories import add_item, create_journalist, create_trip, invite
from tests.social_factories import create_channel, create_post, scheduled_post
from tests.telegram_factories import link_telegram, notify_person

CATALOGS = Path(__file__).resolve().parents[2] / "web" / "translations"
BASE_URL = "https://herald.example.gov.vn"
# The factories' event: 10:00–12:00 on 1 Dec 2026 in Paris, i.e. 09:00 UTC.
EVENT_START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LINKED_AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def translations(locale: str):
    return Translations.load(str(CATALOGS), [locale]).gettext


def due(session: Session, now: datetime) -> list[reminders.Push]:
    return reminders.due_pushes(session, now=now, translations=translations, base_url=BASE_URL)


def send_round(session: Session, now: datetime) -> list[reminders.Push]:
    """What a bot's round sends: each due message claimed (committed), sent, marked sent."""
    sent = []
    for push in due(session, now):
        delivery_id = reminders.claim_push(session, push, now=now)
        session.commit()
        if delivery_id is None:
            continue
        sent.append(push)
        reminders.record_sent(session, delivery_id, now=now)
        session.commit()
    return sent


@pytest.fixture
def unit(session):
    return create_unit(session, timezone="Europe/Paris")


@pytest.fixture
def officer(session, unit):
    person = create_person(session, "field", unit=unit, timezone="Europe/Paris", locale="en")
    link_telegram(session, person, now=LINKED_AT, chat_id=700_001)
    session.commit()
    return person


def no_digest(session, person) -> None:
    preferences.set_digest(session, actor=person, now=LINKED_AT, person=person, enabled=False)
    session.commit()


# --- reminders ----------------------------------------------------------------------------------


def test_an_event_of_the_unit_is_reminded_a_day_and_an_hour_before_in_the_persons_zone(
    session, unit, officer
):
    no_digest(session, officer)
    event = create_event(session, owner=unit, title="Lễ kỷ niệm", location="Ambassade")
    session.commit()

    assert send_round(session, EVENT_START - timedelta(hours=25)) == []
    [day_before] = send_round(session, EVENT_START - timedelta(hours=24))
    assert send_round(session, EVENT_START - timedelta(hours=23)) == []
    [hour_before] = send_round(session, EVENT_START - timedelta(minutes=59))
    assert send_round(session, EVENT_START - timedelta(minutes=10)) == []
    assert send_round(session, EVENT_START + timedelta(minutes=1)) == []

    assert day_before.chat_id == 700_001
    assert day_before.text == (
        "Reminder: “Lễ kỷ niệm” starts 01/12 10:00 (in 24h).\nWhere: Ambassade\n"
        f"{BASE_URL}/calendar/events/{event.id}"
    )
    assert "(in 59m)" in hour_before.text
    assert day_before.key != hour_before.key


def test_an_event_created_half_an_hour_ahead_gets_one_reminder_not_two(session, unit, officer):
    no_digest(session, officer)
    create_event(session, owner=unit)
    session.commit()

    sent = send_round(session, EVENT_START - timedelta(minutes=30))

    assert [push.kind for push in sent] == ["reminder"]
    assert "(in 30m)" in sent[0].text
    assert send_round(session, EVENT_START - timedelta(minutes=5)) == []


def test_a_moved_event_is_reminded_again_at_its_new_time(session, unit, officer):
    no_digest(session, officer)
    event = create_event(session, owner=unit)
    session.commit()
    assert len(send_round(session, EVENT_START - timedelta(minutes=50))) == 1

    _move(session, event, timedelta(minutes=30))  # as the web's edit form moves it
    session.commit()

    [again] = send_round(session, EVENT_START - timedelta(minutes=20))
    assert "starts 01/12 10:30" in again.text


def _move(session, event, by: timedelta) -> None:
    event.starts_at += by
    event.ends_at += by
    session.flush()


def test_an_event_the_person_may_not_see_is_never_reminded(session, unit, officer):
    no_digest(session, officer)
    other = create_unit(session)
    restricted = create_event(session, owner=other, visibility="restricted", title="Secret")
    restricted.participants.append(unit)
    session.commit()

    assert send_round(session, EVENT_START - timedelta(minutes=30)) == []


def test_itinerary_items_and_interviews_are_reminded_to_their_escort_and_interpreter(session):
    escort = create_person(session, "field", timezone="Asia/Ho_Chi_Minh", locale="en")
    interpreter = create_person(session, "field", timezone="Asia/Ho_Chi_Minh", locale="en")
    bystander = create_person(session, "field", timezone="Asia/Ho_Chi_Minh", locale="en")
    for chat, person in enumerate((escort, interpreter, bystander), start=800_001):
        link_telegram(session, person, now=LINKED_AT, chat_id=chat)
        no_digest(session, person)
    trip = create_trip(session, start=date(2026, 12, 2), title="Mekong")
    item = add_item(
        session,
        trip,
        starts_local=datetime(2026, 12, 2, 9, 0),  # noqa: DTZ001 (a wall clock)
        escort=escort,
        interpreter=interpreter,
        activity="Visit the port",
        place="Cảng Cát Lái",
    )
    session.commit()

    sent = send_round(session, item.starts_at - timedelta(minutes=45))

    by_chat = {push.chat_id: push.text for push in sent}
    assert set(by_chat) == {800_001, 800_002}
    assert by_chat[800_001].startswith(
        "Reminder: “Visit the port” — Mekong — starts 02/12 09:00 (in 45m)."
    )
    assert "You escort." in by_chat[800_001] and "You interpret." not in by_chat[800_001]
    assert "You interpret." in by_chat[800_002]


def test_an_interview_is_reminded_to_the_trips_coordinator(session):
    coordinator = create_person(session, "coordinator", timezone="Asia/Ho_Chi_Minh", locale="en")
    link_telegram(session, coordinator, now=LINKED_AT, chat_id=810_001)
    no_digest(session, coordinator)
    trip = create_trip(session, start=date(2026, 12, 2), title="Mekong")
    trip.coordinators.append(coordinator)
    item = add_item(
        session,
        trip,
        starts_local=datetime(2026, 12, 2, 15, 0),  # noqa: DTZ001 (a wall clock)
        activity="Interview",
        interviewee="Deputy Minister",
    )
    journalist = create_journalist(session)
    invite(session, trip, journalist)
    interview = itinerary.request_interview(
        session,
        actor=None,
        now=LINKED_AT,
        trip=trip,
        journalist=journalist,
        interviewee="Deputy Minister",
    )
    interview.item_id = item.id
    session.commit()

    [sent] = send_round(session, item.starts_at - timedelta(hours=1))

    assert sent.text.startswith("Reminder: interview with Deputy Minister — Mekong")


def test_lead_times_are_the_persons_own(session, unit, officer):
    no_digest(session, officer)
    preferences.set_reminder_leads(
        session, actor=officer, now=LINKED_AT, person=officer, leads=[30]
    )
    create_event(session, owner=unit)
    session.commit()

    assert send_round(session, EVENT_START - timedelta(hours=24)) == []
    assert send_round(session, EVENT_START - timedelta(minutes=31)) == []
    assert len(send_round(session, EVENT_START - timedelta(minutes=30))) == 1

    preferences.set_reminder_leads(session, actor=officer, now=LINKED_AT, person=officer, leads=[])
    session.commit()
    assert send_round(session, EVENT_START - timedelta(minutes=5)) == []


def test_a_muted_person_gets_nothing_until_the_mute_ends_then_what_is_still_ahead(
    session, unit, officer
):
    no_digest(session, officer)
    create_event(session, owner=unit)
    muted_at = EVENT_START - timedelta(hours=25)
    preferences.mute(
        session, actor=officer, now=muted_at, person=officer, until=EVENT_START - timedelta(hours=2)
    )
    session.commit()

    assert send_round(session, EVENT_START - timedelta(hours=24)) == []
    [late] = send_round(session, EVENT_START - timedelta(hours=2))

    assert "(in 2h)" in late.text


def test_nobody_without_a_link_or_inactive_is_reminded(session, unit, officer):
    no_digest(session, officer)
    create_person(session, "field", unit=unit)  # not linked
    create_event(session, owner=unit)
    officer.active = False
    session.commit()

    assert send_round(session, EVENT_START - timedelta(minutes=30)) == []


# --- planning tasks -----------------------------------------------------------------------------


def test_a_new_planning_task_of_the_unit_is_pushed_once(session, unit, officer):
    no_digest(session, officer)
    other = create_unit(session)
    now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    anniversary = anniversaries.create_anniversary(
        session,
        actor=None,
        now=now,
        data=anniversaries.AnniversaryInput(
            title_vi="Quan hệ ngoại giao",
            title_en="Diplomatic relations",
            category="diplomatic_relations",
            origin_date=date(1996, 12, 20),
            partner_country="FR",
            owner_unit_code=unit.code,
        ),
    )
    ours = PlanningTask(
        anniversary_id=anniversary.id,
        occurrence_date=date(2026, 12, 20),
        years=30,
        tier="major",
        unit_id=unit.id,
        title_vi="Chuẩn bị",
        title_en="Prepare the 30th anniversary",
        created_at=now,
    )
    theirs = PlanningTask(
        anniversary_id=anniversary.id,
        occurrence_date=date(2027, 12, 20),
        years=31,
        tier="regular",
        unit_id=other.id,
        title_vi="Khác",
        title_en="Not yours",
        created_at=now,
    )
    session.add_all([ours, theirs])
    session.commit()

    [pushed] = send_round(session, now + timedelta(minutes=1))
    assert pushed.text.startswith(
        "New planning task for your unit: Prepare the 30th anniversary (on 20/12/2026)."
    )
    assert send_round(session, now + timedelta(minutes=2)) == []
    assert send_round(session, now + timedelta(days=2)) == []


# --- the digest ---------------------------------------------------------------------------------


def test_the_digest_comes_at_the_persons_hour_in_their_zone_once_a_day(session, unit, officer):
    create_event(session, owner=unit, title="Réception")
    session.commit()
    paris_eight = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 08:00 in Paris

    def digests(now: datetime) -> list[reminders.Push]:
        return [push for push in send_round(session, now) if push.kind == "digest"]

    assert digests(paris_eight - timedelta(minutes=1)) == []
    [digest] = digests(paris_eight)
    assert digests(paris_eight + timedelta(hours=1)) == []

    assert digest.text.splitlines()[:2] == ["Your day, 01/12/2026", "• 10:00 Réception"]
    assert digest.key == f"digest:person:{officer.id}:2026-12-01"


def test_the_digest_hour_is_the_persons_choice_and_can_be_turned_off(session, officer):
    preferences.set_digest(
        session, actor=officer, now=LINKED_AT, person=officer, enabled=True, hour=6
    )
    session.commit()
    paris_six = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)

    [digest] = send_round(session, paris_six)
    assert "Nothing on your agenda today." in digest.text

    no_digest(session, officer)
    assert send_round(session, paris_six + timedelta(days=1)) == []


def test_a_digest_missed_all_morning_is_not_sent_at_night(session, officer):
    assert send_round(session, datetime(2026, 12, 1, 19, 0, tzinfo=UTC)) == []


def test_the_digest_lists_posts_waiting_for_clearance_and_held_publications_of_their_channels(
    session,
):
    unit = create_unit(session, timezone="Asia/Ho_Chi_Minh")
    coordinator = create_person(
        session, "coordinator", unit=unit, timezone="Asia/Ho_Chi_Minh", locale="en"
    )
    link_telegram(session, coordinator, now=LINKED_AT, chat_id=900_001)
    post = create_post(session, title="Tết greetings")
    from campaigns.social import services as social

    social.submit_post(session, actor=post.author, now=LINKED_AT, post=post)
    ours = create_channel(session, owner_unit=unit, name="Our channel")
    theirs = create_channel(session, name="Someone else's")
    held = scheduled_post(
        session,
        [ours, theirs],
        at=datetime(2026, 12, 3, 3, 0, tzinfo=UTC),
        now=LINKED_AT,
        title="Held one",
    )
    for publication in held.publications:
        publication.status = PublicationStatus.HELD
    session.commit()

    [digest] = send_round(session, datetime(2026, 12, 1, 1, 0, tzinfo=UTC))  # 08:00 in Hà Nội

    assert "Waiting for your clearance:" in digest.text
    assert f"• Tết greetings {BASE_URL}/social/posts/{post.id}" in digest.text
    assert "• Our channel: Held one" in digest.text
    assert "Someone else's" not in digest.text


# --- claimed once -------------------------------------------------------------------------------


def test_a_claimed_message_is_not_sent_again_after_a_restart_and_a_failed_one_is_retried(
    session, unit, officer
):
    no_digest(session, officer)
    create_event(session, owner=unit)
    session.commit()
    now = EVENT_START - timedelta(minutes=50)
    [push] = due(session, now)
    delivery_id = reminders.claim_push(session, push, now=now)
    session.commit()

    # The process "restarts": the claim is in the database, the message is not due again.
    assert due(session, now) == []
    assert reminders.claim_push(session, push, now=now) is None
    # A claim never marked sent (the process died mid-send) is retried after the lease.
    assert due(session, now + reminders.CLAIM_LEASE - timedelta(seconds=1)) == []
    later = now + reminders.CLAIM_LEASE
    assert [p.key for p in due(session, later)] == [push.key]

    reminders.record_failure(session, delivery_id, now=later, error="Telegram said 502")
    session.commit()
    assert due(session, later + timedelta(seconds=30)) == []
    retry_at = later + reminders.RETRY_DELAY
    assert reminders.claim_push(session, push, now=retry_at) == delivery_id
    reminders.record_sent(session, delivery_id, now=retry_at)
    session.commit()
    assert due(session, retry_at + timedelta(minutes=5)) == []
    delivery = session.get(BotDelivery, delivery_id)
    session.refresh(delivery)
    assert (delivery.attempts, delivery.sent_at) == (1, retry_at)


def test_a_message_refused_for_good_is_not_retried(session, unit, officer):
    no_digest(session, officer)
    create_event(session, owner=unit)
    session.commit()
    now = EVENT_START - timedelta(minutes=50)
    [push] = due(session, now)
    delivery_id = reminders.claim_push(session, push, now=now)
    reminders.record_failure(session, delivery_id, now=now, error="400", final=True)
    session.commit()

    assert due(session, now + timedelta(minutes=30)) == []


def test_two_bots_racing_claim_each_message_once(session, database_url, unit):
    people = []
    for chat in range(20):
        person = create_person(session, "field", unit=unit, timezone="Europe/Paris")
        link_telegram(session, person, now=LINKED_AT, chat_id=950_000 + chat)
        people.append(person)
    create_event(session, owner=unit)
    session.commit()
    now = EVENT_START - timedelta(minutes=50)
    pushes = due(session, now)
    assert len(pushes) == 40  # a reminder and the morning's digest each

    engine = create_engine(database_url)
    sessions = sessionmaker(engine)
    barrier = threading.Barrier(2)
    won: list[list[str]] = [[], []]
    errors: list[BaseException] = []

    def bot(number: int) -> None:
        try:
            barrier.wait(5)
            for push in pushes:
                with sessions() as own:
                    if reminders.claim_push(own, push, now=now) is not None:
                        won[number].append(push.key)
                    own.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=bot, args=(number,)) for number in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    engine.dispose()

    assert errors == []
    assert sorted(won[0] + won[1]) == sorted(push.key for push in pushes)
    assert not set(won[0]) & set(won[1])
    session.expire_all()
    assert len(session.scalars(select(BotDelivery)).all()) == 40


# --- settings -----------------------------------------------------------------------------------


NOW = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # 16:30 in Paris, 22:30 in Hà Nội


@pytest.mark.parametrize(
    ("typed", "until"),
    [
        ("2h", NOW + timedelta(hours=2)),
        ("30m", NOW + timedelta(minutes=30)),
        ("1h30m", NOW + timedelta(minutes=90)),
        ("90min", NOW + timedelta(minutes=90)),
        ("2d", NOW + timedelta(days=2)),
        ("until 18:00", datetime(2026, 12, 1, 17, 0, tzinfo=UTC)),
        ("until 9", datetime(2026, 12, 2, 8, 0, tzinfo=UTC)),  # tomorrow: 09:00 has passed
        ("off", None),
    ],
)
def test_mute_reads_durations_and_clock_times_in_the_persons_zone(typed, until):
    assert preferences.parse_mute(typed, now=NOW, zone="Europe/Paris") == until


@pytest.mark.parametrize("typed", ["", "soon", "until", "until 25:00", "2x", "0m", "-1h", "31d"])
def test_mute_refuses_what_it_cannot_read(typed):
    with pytest.raises(Invalid):
        preferences.parse_mute(typed, now=NOW, zone="Europe/Paris")


def test_settings_are_stored_audited_and_only_the_persons_own(session, officer):
    stranger = create_person(session, "field")

    preferences.mute(
        session, actor=officer, now=NOW, person=officer, until=NOW + timedelta(hours=2)
    )
    preferences.set_reminder_leads(
        session, actor=officer, now=NOW, person=officer, leads=preferences.parse_leads(["2d", "3h"])
    )
    preferences.set_digest(session, actor=officer, now=NOW, person=officer, enabled=True, hour=7)
    with pytest.raises(NotAllowed):
        preferences.mute(session, actor=stranger, now=NOW, person=officer, until=None)
    with pytest.raises(Invalid):
        preferences.set_digest(
            session, actor=officer, now=NOW, person=officer, enabled=True, hour=24
        )
    with pytest.raises(Invalid):
        preferences.parse_leads(["soon"])
    with pytest.raises(Invalid):
        preferences.set_reminder_leads(
            session, actor=officer, now=NOW, person=officer, leads=[60 * 24 * 15]
        )
    session.commit()

    stored = session.scalars(select(BotPreferences)).one()
    assert (
        stored.muted_until,
        stored.reminder_leads,
        stored.digest_enabled,
        stored.digest_hour,
    ) == (
        NOW + timedelta(hours=2),
        [2880, 180],
        True,
        7,
    )
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.target_type == "bot_preferences")
        .order_by(AuditEntry.id)
    ).all()
    assert [entry.action for entry in entries] == ["create", "update", "update"]
    assert {entry.actor_id for entry in entries} == {officer.id}


def test_alerts_wait_while_the_person_is_muted(session, officer):
    notification = notify_person(session, officer, now=NOW)
    preferences.mute(
        session, actor=officer, now=NOW, person=officer, until=NOW + timedelta(hours=1)
    )
    session.commit()

    assert pending_telegram_alerts(session, now=NOW + timedelta(minutes=59)) == []
    assert pending_telegram_alerts(session, now=NOW + timedelta(hours=1)) == [notification.id]
