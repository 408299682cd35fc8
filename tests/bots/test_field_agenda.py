"""The field bot's agenda commands through the real python-telegram-bot stack, long polling the
fake Telegram Bot API: /today, /week, /upcoming, and /trip with its Done and Delay buttons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from babel.dates import format_time
from sqlalchemy import select

from bots import field_agenda as desk
from bots.field_reports import NOT_LINKED
from campaigns.org.models import AuditEntry
from campaigns.press import feeds, itinerary
from campaigns.press.models import ItineraryItem
from campaigns.social.models import Notification
from tests.bots.field_bots import BASE_URL, FieldBots, translations
from tests.factories import create_anniversary, create_event, create_person
from tests.fakes.telegram import FakeMessage, FakeTelegram
from tests.press_factories import add_item, create_trip
from tests.telegram_factories import link_telegram

CHAT = 626_262
STRANGER = 727_272
# 10:00 on Sunday 22 November 2026 in Hà Nội.
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
english = translations("en")


def wall(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in November 2026 (the trip's zone: Hà Nội)."""
    return datetime(2026, 11, day, hour, minute)  # noqa: DTZ001 (a wall clock)


def clock(day: int, hour: int, minute: int = 0) -> str:
    """How an English reader sees that wall-clock time."""
    return format_time(wall(day, hour, minute), format="short", locale="en")


def say(message: str, **params) -> str:
    translated = english(message)
    return translated % params if params else translated


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(bot_username="herald_field_bot") as fake:
        yield fake


@pytest.fixture
def start_bot(app, database_url, fake_telegram):
    bots = FieldBots(database_url=database_url, api_base=fake_telegram.base_url, clock=lambda: NOW)
    yield bots.start
    bots.stop_all()


class Chat:
    """One chat with the bot: what is said, and the bot's answers as they come."""

    def __init__(self, fake: FakeTelegram, chat_id: int = CHAT) -> None:
        self.fake, self.chat_id, self.seen, self.pressed = fake, chat_id, 0, 0

    def say(self, text: str) -> FakeMessage:
        self.fake.push_message(self.chat_id, text)
        self.seen += 1
        messages = self.fake.wait_for_messages(self.chat_id, self.seen, timeout=10)
        assert len(messages) >= self.seen, "the bot did not answer"
        return messages[self.seen - 1]

    def press(self, message: FakeMessage, data: str) -> str:
        """Press a button under ``message``; the answer the bot gives to the press."""
        self.fake.push_callback_query(self.chat_id, message.message_id, data)
        self.pressed += 1
        answers = self.fake.wait_for_callback_answers(self.pressed)
        assert len(answers) >= self.pressed, "the bot did not answer the press"
        return answers[self.pressed - 1]["text"]

    def current(self, message: FakeMessage) -> FakeMessage:
        """The message as it is now (after edits)."""
        return next(
            m for m in self.fake.messages(self.chat_id) if m.message_id == message.message_id
        )


@pytest.fixture
def escort_on_trip(session):
    """An escort (linked, English, Hà Nội) on a trip running today, with a coordinator."""
    escort = create_person(session, role="field", name="Vũ Mai Linh", locale="en")
    coordinator = create_person(session, role="coordinator", name="Trần Hùng")
    trip = create_trip(
        session,
        start=date(2026, 11, 21),
        days=4,
        title="Press trip to Huế",
        coordinator_ids=[coordinator.id],
    )
    market = add_item(session, trip, wall(22, 9), escort=escort, activity="Market", city="Huế")
    fields = add_item(session, trip, wall(22, 14), escort=escort, activity="Rice fields")
    temple = add_item(session, trip, wall(23, 9), escort=escort, activity="Temple visit")
    for item in (fields, temple):
        itinerary.change_item_status(session, actor=None, now=NOW, item=item, status="confirmed")
    link_telegram(session, escort, now=NOW, chat_id=CHAT)
    session.commit()
    return escort, coordinator, trip, (market, fields, temple)


def trip_link(trip) -> str:
    return f"{BASE_URL}/press/trips/{trip.id}#itinerary"


def test_today_lists_the_persons_day_in_their_zone_with_links(
    session, start_bot, fake_telegram, escort_on_trip
):
    escort, _, trip, (_market, _fields, _) = escort_on_trip
    event = create_event(
        session,
        owner=escort.unit,
        title="Reception",
        location="Residence",
        timezone="Asia/Ho_Chi_Minh",
        starts_local=wall(22, 18),
        ends_local=wall(22, 20),
    )
    session.commit()
    start_bot()

    answer = Chat(fake_telegram).say("/today")

    assert answer.text == "\n\n".join(
        [
            say(desk.TODAY_TITLE, day="Sunday, November 22, 2026"),
            f"🚐 {clock(22, 9)}–{clock(22, 11)} Market · Temple of Literature, Huế"
            f" (Press trip to Huế)\n{trip_link(trip)}",
            f"🚐 {clock(22, 14)}–{clock(22, 16)} Rice fields · Temple of Literature, Hà Nội"
            f" (Press trip to Huế)\n{trip_link(trip)}",
            f"📅 {clock(22, 18)}–{clock(22, 20)} Reception · Residence"
            f"\n{BASE_URL}/calendar/events/{event.id}",
        ]
    )
    assert fake_telegram.buttons(answer) == []


def test_week_groups_the_next_seven_days_by_day(session, start_bot, fake_telegram, escort_on_trip):
    escort, _, _trip, _ = escort_on_trip
    create_event(
        session,
        owner=escort.unit,
        title="Too far",
        timezone="Asia/Ho_Chi_Minh",
        starts_local=wall(29, 9),
        ends_local=wall(29, 10),
    )
    create_event(
        session,
        owner=escort.unit,
        title="Last day",
        timezone="Asia/Ho_Chi_Minh",
        starts_local=wall(28, 23),
        ends_local=wall(28, 23, 30),
    )
    session.commit()
    start_bot()

    text = Chat(fake_telegram).say("/week").text

    lines = text.split("\n")
    assert lines[0] == say(desk.WEEK_TITLE)
    headers = [line for line in lines if line.startswith("— ")]
    assert headers == [
        "— Sunday, November 22, 2026 —",
        "— Monday, November 23, 2026 —",
        "— Saturday, November 28, 2026 —",
    ]
    assert text.index("Rice fields") < text.index("Monday") < text.index("Temple visit")
    assert "Last day" in text and "Too far" not in text


def test_upcoming_shows_the_units_anniversaries_with_tier_countdown_and_task(
    session, start_bot, fake_telegram, escort_on_trip
):
    escort = escort_on_trip[0]
    create_anniversary(
        session,
        title_en="Viet Nam–France strategic partnership",
        origin_date=date(2013, 9, 25),
        owner_unit_code=escort.unit.code,
    )
    create_anniversary(
        session,
        title_en="Consulate opened",
        origin_date=date(1996, 11, 23),
        owner_unit_code=escort.unit.code,
    )
    create_anniversary(session, title_en="Someone else's", origin_date=date(2000, 11, 25))
    session.commit()
    start_bot()

    text = Chat(fake_telegram).say("/upcoming").text

    assert text.split("\n\n") == [
        say(desk.UPCOMING_TITLE),
        "📌 30th anniversary of Consulate opened\n"
        f"Monday, November 23, 2026 ({say(desk.TOMORROW)}) · {say('Major milestone')}\n"
        f"{BASE_URL}/calendar/year-ahead",
        "📌 14th anniversary of Viet Nam–France strategic partnership\n"
        f"Saturday, September 25, 2027 ({say(desk.IN_DAYS, days=307)}) · {say('Regular')}\n"
        f"{BASE_URL}/calendar/year-ahead",
        "📌 31st anniversary of Consulate opened\n"
        f"Tuesday, November 23, 2027 ({say(desk.IN_DAYS, days=366)}) · {say('Regular')}\n"
        f"{BASE_URL}/calendar/year-ahead",
        "📌 15th anniversary of Viet Nam–France strategic partnership\n"
        f"Monday, September 25, 2028 ({say(desk.IN_DAYS, days=673)}) · {say('Round year')}\n"
        f"{BASE_URL}/calendar/year-ahead",
    ]


def test_trip_shows_the_itinerary_with_buttons_for_the_items_the_escort_runs(
    session, start_bot, fake_telegram, escort_on_trip
):
    _, _, trip, (market, fields, temple) = escort_on_trip
    start_bot()

    message = Chat(fake_telegram).say("/trip")

    assert message.text.split("\n")[:2] == [
        say(desk.TRIP_TITLE, trip="Press trip to Huế", start="Sat, Nov 21", end="Tue, Nov 24"),
        trip_link(trip),
    ]
    assert f"• {clock(22, 9)}–{clock(22, 11)} Market · Temple of Literature, Huế" in message.text
    delays = [say(desk.DELAY_BUTTON, minutes=minutes) for minutes in (15, 30, 60)]
    assert fake_telegram.buttons(message) == [
        (f"{clock(22, 9)} · {delays[0]}", f"trip:delay:{market.id}:15"),
        (delays[1], f"trip:delay:{market.id}:30"),
        (delays[2], f"trip:delay:{market.id}:60"),
        (say(desk.DONE_BUTTON, item=f"{clock(22, 14)} Rice fields"), f"trip:done:{fields.id}"),
        *[(delays[i], f"trip:delay:{fields.id}:{m}") for i, m in enumerate((15, 30, 60))],
        (say(desk.DONE_BUTTON, item=f"{clock(23, 9)} Temple visit"), f"trip:done:{temple.id}"),
        *[(delays[i], f"trip:delay:{temple.id}:{m}") for i, m in enumerate((15, 30, 60))],
    ]


def test_delay_30_moves_the_item_bumps_the_feed_and_tells_the_coordinator(
    session, start_bot, fake_telegram, escort_on_trip
):
    escort, coordinator, _trip, (_, fields, _) = escort_on_trip
    sequence = fields.sequence
    start_bot()
    chat = Chat(fake_telegram)
    message = chat.say("/trip")
    assert f"{clock(22, 14)}–{clock(22, 16)} Rice fields" in message.text

    answer = chat.press(message, f"trip:delay:{fields.id}:30")

    assert answer == say(desk.DELAYED, item="Rice fields", minutes=30, time=clock(22, 14, 30))
    session.expire_all()
    item = session.get(ItineraryItem, fields.id)
    assert item.starts_at == datetime(2026, 11, 22, 7, 30, tzinfo=UTC)
    assert item.ends_at == datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    assert item.sequence == sequence + 1
    feed = feeds.staff_feed(item.trip).decode()
    assert (
        f"SEQUENCE:{sequence + 1}" in feed
        and "DTSTART;TZID=Asia/Ho_Chi_Minh:20261122T143000" in feed
    )
    [told] = session.scalars(
        select(Notification).where(Notification.kind == "itinerary_delayed")
    ).all()
    assert told.person_id == coordinator.id
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "delay", AuditEntry.target_id == item.id)
    ).one()
    assert (audit.door, audit.actor_id) == ("bot", escort.id)
    edited = chat.current(message)
    assert edited.edits == 1
    assert f"{clock(22, 14, 30)}–{clock(22, 16, 30)} Rice fields" in edited.text
    assert f"{clock(22, 14)}–{clock(22, 16)} Rice fields" not in edited.text


def test_done_marks_the_item_and_takes_its_buttons_away(
    session, start_bot, fake_telegram, escort_on_trip
):
    _, _, _, (_market, fields, temple) = escort_on_trip
    start_bot()
    chat = Chat(fake_telegram)
    message = chat.say("/trip")

    answer = chat.press(message, f"trip:done:{fields.id}")

    assert answer == say(desk.MARKED_DONE, item="Rice fields")
    session.expire_all()
    assert session.get(ItineraryItem, fields.id).status == "done"
    edited = chat.current(message)
    assert f"✅ {clock(22, 14)}–{clock(22, 16)} Rice fields" in edited.text
    assert not [data for _, data in fake_telegram.buttons(edited) if f":{fields.id}" in data]
    assert f"trip:done:{temple.id}" in [data for _, data in fake_telegram.buttons(edited)]


def test_a_stale_button_answers_and_changes_nothing(
    session, start_bot, fake_telegram, escort_on_trip
):
    _, _, _, (market, fields, temple) = escort_on_trip
    someone_else = create_person(session, role="field")
    session.commit()
    start_bot()
    chat = Chat(fake_telegram)
    message = chat.say("/trip")
    # Since the message was sent: the temple visit went to another escort, the market was
    # deleted from the itinerary.
    session.get(ItineraryItem, temple.id).escort_id = someone_else.id
    session.delete(session.get(ItineraryItem, market.id))
    session.commit()
    temple_before = session.get(ItineraryItem, temple.id).starts_at

    no_longer_mine = chat.press(message, f"trip:delay:{temple.id}:30")
    gone = chat.press(message, f"trip:delay:{market.id}:15")
    garbled = chat.press(message, "trip:delay:12:lots")
    tentative = chat.press(message, f"trip:done:{fields.id}")  # fine: it is confirmed

    assert no_longer_mine == gone == garbled == say(desk.STALE_BUTTON)
    assert tentative == say(desk.MARKED_DONE, item="Rice fields")
    session.expire_all()
    temple_now = session.get(ItineraryItem, temple.id)
    assert (temple_now.starts_at, temple_now.status) == (temple_before, "confirmed")
    assert session.scalars(select(Notification)).all() == []


def test_a_button_the_service_refuses_gets_the_services_reason(
    session, start_bot, fake_telegram, escort_on_trip
):
    _, _, _, (market, _, _) = escort_on_trip
    start_bot()
    chat = Chat(fake_telegram)
    message = chat.say("/trip")

    # Only a confirmed item can be done: the market is tentative.
    answer = chat.press(message, f"trip:done:{market.id}")

    assert answer and answer != say(desk.MARKED_DONE, item="Market")
    session.expire_all()
    assert session.get(ItineraryItem, market.id).status == "tentative"
    assert chat.current(message).edits == 0


def test_a_strangers_chat_gets_how_to_link_and_nothing_else(
    session, start_bot, fake_telegram, escort_on_trip
):
    _, _, _, (_, fields, _) = escort_on_trip
    start_bot()
    chat = Chat(fake_telegram, STRANGER)
    not_linked = "\n\n".join(translations(locale)(NOT_LINKED) for locale in ("vi", "en"))

    for command in ("/today", "/week", "/upcoming", "/trip"):
        answer = chat.say(command)
        assert answer.text == not_linked, command
        assert fake_telegram.buttons(answer) == []
    pressed = chat.press(chat.say("/trip"), f"trip:delay:{fields.id}:60")

    assert pressed == not_linked[:200]
    session.expire_all()
    assert session.get(ItineraryItem, fields.id).sequence == fields.sequence
    assert session.scalars(select(Notification)).all() == []


def test_nothing_today_and_no_trip_get_a_friendly_line(session, start_bot, fake_telegram):
    person = create_person(session, role="field", locale="en")
    link_telegram(session, person, now=NOW, chat_id=CHAT)
    session.commit()
    start_bot()
    chat = Chat(fake_telegram)

    assert chat.say("/today").text == say(desk.TODAY_NOTHING)
    assert chat.say("/week").text == say(desk.WEEK_NOTHING)
    assert chat.say("/upcoming").text == say(desk.UPCOMING_NOTHING)
    assert chat.say("/trip").text == say(desk.NO_TRIP)


def test_a_long_day_stays_under_telegrams_limit_and_links_to_the_rest(
    session, start_bot, fake_telegram
):
    person = create_person(session, role="field", locale="en")
    for number in range(40):
        create_event(
            session,
            owner=person.unit,
            title=f"Meeting {number:02d} " + "about the programme " * 13,
            timezone="Asia/Ho_Chi_Minh",
            starts_local=wall(22, 8, number),
            ends_local=wall(22, 9, number),
            confirm_overlap=True,
        )
    link_telegram(session, person, now=NOW, chat_id=CHAT)
    session.commit()
    start_bot()

    text = Chat(fake_telegram).say("/today").text

    assert len(text.encode("utf-16-le")) // 2 <= 4096  # as Telegram counts
    shown = text.count("📅")
    assert 5 < shown < 40
    assert text.endswith(
        "\n\n" + say(desk.MORE, count=40 - shown, link=f"{BASE_URL}/calendar/agenda")
    )


def test_button_data_fits_in_telegrams_64_bytes():
    longest = f"trip:delay:{2_147_483_647}:{max(desk.DELAYS)}"
    assert len(longest.encode()) <= 64 and desk._TRIP_DATA.match(longest)


def test_a_vietnamese_reader_gets_vietnamese_dates_and_a_24_hour_clock(
    session, start_bot, fake_telegram, escort_on_trip
):
    escort = escort_on_trip[0]
    escort.locale = "vi"
    session.commit()
    start_bot()

    text = Chat(fake_telegram).say("/today").text

    vietnamese = translations("vi")
    assert text.startswith(vietnamese(desk.TODAY_TITLE) % {"day": "Chủ Nhật, 22 tháng 11, 2026"})
    assert "🚐 14:00–16:00 Rice fields" in text
