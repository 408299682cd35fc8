"""``/report`` through the real python-telegram-bot stack, long polling the fake Telegram Bot API:
a link, a photo and a note filed in a guided conversation, cancelled at any step, carried on
across a bot restart, and nothing for a chat that is nobody's."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from PIL import Image
from sqlalchemy import func, select

from bots import field_reports as flow
from bots.fieldbot import HELP
from campaigns.field.models import BotConversation, FieldReport
from campaigns.org.models import AuditEntry
from campaigns.press.models import CoverageItem
from tests.bots.field_bots import BASE_URL, FieldBots, translations
from tests.factories import create_person
from tests.fakes.telegram import FakeMessage, FakeTelegram
from tests.press_factories import add_item, create_trip
from tests.telegram_factories import link_telegram

CHAT = 616_161
STRANGER = 717_171
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
english = translations("en")


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(bot_username="herald_field_bot") as fake:
        yield fake


@pytest.fixture
def bots(app, database_url, fake_telegram, tmp_path) -> Iterator[FieldBots]:
    """Field bots run in threads as ``herald bot`` runs one; each stopped at the end."""
    made = FieldBots(
        database_url=database_url,
        api_base=fake_telegram.base_url,
        clock=lambda: NOW,
        media_root=tmp_path / "media",
    )
    yield made
    made.stop_all()


@pytest.fixture
def escort_on_trip(session):
    """An escort whose chat is linked, on a trip that runs today."""
    escort = create_person(session, role="field", name="Vũ Mai Linh", locale="en")
    trip = create_trip(session, start=date(2026, 11, 21), days=4, title="Press trip to Huế")
    add_item(session, trip, escort=escort)
    link_telegram(session, escort, now=NOW, chat_id=CHAT)
    session.commit()
    return escort, trip


class Chat:
    """One chat with the bot: what is said, and the bot's answers as they come."""

    def __init__(self, fake: FakeTelegram, chat_id: int = CHAT) -> None:
        self.fake, self.chat_id, self.seen = fake, chat_id, 0

    def say(self, text: str) -> FakeMessage:
        self.fake.push_message(self.chat_id, text)
        return self.answer()

    def send_photo(self, data: bytes, **options) -> FakeMessage:
        self.fake.push_photo(self.chat_id, data, **options)
        return self.answer()

    def press(self, message: FakeMessage, data: str) -> FakeMessage:
        self.fake.push_callback_query(self.chat_id, message.message_id, data)
        return self.answer()

    def answer(self) -> FakeMessage:
        self.seen += 1
        messages = self.fake.wait_for_messages(self.chat_id, self.seen, timeout=10)
        assert len(messages) >= self.seen, "the bot did not answer"
        return messages[self.seen - 1]


def report_on_trip(chat: Chat, trip) -> FakeMessage:
    question = chat.say("/report")
    assert question.text == english(flow.CHOOSE)
    assert chat.fake.buttons(question) == [
        ("✈️ Press trip to Huế", f"report:target:trip:{trip.id}"),
        ("Cancel", "report:cancel"),
    ]
    prompt = chat.press(question, f"report:target:trip:{trip.id}")
    assert prompt.text == english(flow.SEND) % {"target": "Press trip to Huế"}
    assert chat.fake.buttons(prompt) == [("Cancel", "report:cancel")]
    # The question's buttons are gone: each is pressed once.
    assert chat.fake.messages(CHAT)[question.message_id - 1].reply_markup is None
    return prompt


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 9), (10, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_a_link_is_filed_and_logged_as_expected_coverage(
    session, bots, fake_telegram, escort_on_trip
):
    escort, trip = escort_on_trip
    bots.start()
    chat = Chat(fake_telegram)
    report_on_trip(chat, trip)

    saved = chat.say("https://www.lemonde.fr/asie/hue?utm_source=tg Page 3 of today's paper")

    assert saved.text == english(flow.SAVED_LINK) % {
        "target": "Press trip to Huế",
        "link": f"{BASE_URL}/press/trips/{trip.id}",
    }
    session.expire_all()
    report = session.scalars(select(FieldReport)).one()
    item = session.scalars(select(CoverageItem)).one()
    assert (report.kind, report.url, report.text, report.trip_id, report.coverage_id) == (
        "link", "https://www.lemonde.fr/asie/hue?utm_source=tg", "Page 3 of today's paper",
        trip.id, item.id,
    )  # fmt: skip
    assert (item.status, item.trip_id, item.reported_by_id) == ("expected", trip.id, escort.id)
    doors = session.scalars(select(AuditEntry.door).where(AuditEntry.target_type == "field_report"))
    assert list(doors) == ["bot"]
    assert count(session, BotConversation) == 0


def test_a_photo_with_its_caption_is_filed(session, bots, fake_telegram, escort_on_trip, tmp_path):
    _, trip = escort_on_trip
    bots.start()
    chat = Chat(fake_telegram)
    report_on_trip(chat, trip)
    picture = jpeg()

    saved = chat.send_photo(picture, caption="At the Citadel")

    assert saved.text.startswith("Saved: your photo on Press trip to Huế is in Herald.")
    session.expire_all()
    report = session.scalars(select(FieldReport)).one()
    assert (report.kind, report.text) == ("photo", "At the Citadel")
    assert (tmp_path / "media" / report.photo_path).read_bytes() == picture


def test_a_photo_over_the_limit_is_refused_before_it_is_fetched(
    session, bots, fake_telegram, escort_on_trip
):
    _, trip = escort_on_trip
    bots.start()
    chat = Chat(fake_telegram)
    report_on_trip(chat, trip)

    refused = chat.send_photo(jpeg(), file_size=6 * 1024 * 1024)
    not_an_image = chat.send_photo(b"%PDF-1.7 a letter, not a photo")

    assert refused.text == english(flow.PHOTO_TOO_LARGE) % {"limit": 5}
    assert len(fake_telegram.requests_to("getFile")) == 1  # the second photo's only
    assert not_an_image.text.startswith("This file is not an image (PNG, JPEG, GIF or WebP).")
    assert count(session, FieldReport) == 0
    # Still on the same step: a note now is filed.
    assert chat.say("Photos later: the hall is dark").text.startswith("Saved: your note")
    assert count(session, FieldReport) == 1


def test_a_note_and_a_link_that_is_not_one(session, bots, fake_telegram, escort_on_trip):
    _, trip = escort_on_trip
    bots.start()
    chat = Chat(fake_telegram)
    report_on_trip(chat, trip)

    not_a_link = chat.say("www.lemonde.fr/asie/hue")
    assert not_a_link.text == english(flow.TRY_AGAIN) % {
        "problem": "That is not a link: send a web link starting with http:// or https://."
    }
    assert count(session, FieldReport) == 0

    saved = chat.say("The delegation arrived at 10:05, interviews moved to 15:00.")

    assert saved.text == english(flow.SAVED_NOTE) % {
        "target": "Press trip to Huế",
        "link": f"{BASE_URL}/press/trips/{trip.id}",
    }
    session.expire_all()
    report = session.scalars(select(FieldReport)).one()
    assert (report.kind, report.text) == (
        "note",
        "The delegation arrived at 10:05, interviews moved to 15:00.",
    )


def test_cancel_at_every_step_saves_nothing_and_free_text_gets_the_help_again(
    session, bots, fake_telegram, escort_on_trip
):
    _, trip = escort_on_trip
    bots.start()
    chat = Chat(fake_telegram)

    chat.say("/report")
    assert chat.say("/cancel").text == english(flow.CANCELLED)
    question = chat.say("/report")
    assert chat.press(question, "report:cancel").text == english(flow.CANCELLED)
    prompt = report_on_trip(chat, trip)
    assert chat.say("/cancel").text == english(flow.CANCELLED)
    # The prompt's Cancel button, pressed after the conversation ended.
    assert chat.press(prompt, "report:cancel").text == english(flow.OLD_BUTTON)

    assert chat.say("https://lemonde.fr/too-late").text == english(HELP)
    assert count(session, FieldReport) == count(session, BotConversation) == 0
    assert count(session, CoverageItem) == 0


def test_a_restart_in_the_middle_carries_on_where_it_was(
    session, bots, fake_telegram, escort_on_trip
):
    _, trip = escort_on_trip
    first = bots.start()
    chat = Chat(fake_telegram)
    report_on_trip(chat, trip)

    bots.stop(first)
    bots.start()

    assert chat.say("Nothing new since this morning.").text.startswith("Saved: your note")
    session.expire_all()
    assert session.scalars(select(FieldReport.trip_id)).one() == trip.id


def test_a_button_for_a_trip_one_may_not_see_is_refused(
    session, bots, fake_telegram, escort_on_trip
):
    hidden = create_trip(session, start=date(2026, 11, 21), title="Someone else's trip")
    session.commit()
    bots.start()
    chat = Chat(fake_telegram)
    question = chat.say("/report")
    assert "Someone else's trip" not in str(fake_telegram.buttons(question))

    refused = chat.press(question, f"report:target:trip:{hidden.id}")

    assert refused.text == "There is no such trip."
    assert "Someone else's trip" not in refused.text
    assert fake_telegram.buttons(fake_telegram.messages(CHAT)[0])  # still there to choose
    assert count(session, FieldReport) == 0


def test_a_strangers_chat_gets_how_to_link_and_nothing_else(
    session, bots, fake_telegram, escort_on_trip
):
    bots.start()
    chat = Chat(fake_telegram, STRANGER)

    answer = chat.say("/report")

    assert answer.text.split("\n\n")[1] == english(flow.NOT_LINKED)
    assert fake_telegram.buttons(answer) == []
    assert chat.say("https://lemonde.fr/x").text == "\n\n".join(
        translations(locale)(HELP) for locale in ("vi", "en")
    )
    assert count(session, FieldReport) == count(session, BotConversation) == 0


def test_a_person_with_nothing_current_is_told_so(session, bots, fake_telegram):
    person = create_person(session, role="field", locale="en")
    link_telegram(session, person, now=NOW, chat_id=CHAT)
    session.commit()
    bots.start()

    assert Chat(fake_telegram).say("/report").text == english(flow.NOTHING_TO_REPORT_ON)
    assert count(session, BotConversation) == 0


@pytest.mark.parametrize("kind", ["trip", "event", "campaign"])
def test_button_data_fits_in_telegrams_64_bytes(kind):
    data = flow._target_data(flow.ReportTarget(kind, 2_147_483_647))
    assert len(data.encode()) <= 64 and flow._TARGET_DATA.match(data)
