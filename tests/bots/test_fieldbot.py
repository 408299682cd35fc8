"""The field-staff bot: the real python-telegram-bot Application, long polling the fake Telegram
Bot API, on the test database. People link and unlink their chats; their alerts reach them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bots.fieldbot import HELP, HOW_TO_LINK, BotCannotStart, FieldBot
from campaigns.field.start_limits import TOO_MANY_TRIES
from campaigns.org import telegram_links
from campaigns.org.models import TelegramBot, TelegramLink
from campaigns.social.models import Notification
from campaigns.social.telegram_alerts import AlertOutcome
from tests.bots.field_bots import BASE_URL, TOKEN, FieldBots, translations
from tests.factories import create_person
from tests.fakes import telegram as faults
from tests.fakes.telegram import FakeTelegram
from tests.telegram_factories import link_telegram, notify_person

CHAT = 515_151
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def in_both_languages(message: str) -> str:
    return f"{translations('vi')(message)}\n\n{translations('en')(message)}"


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(bot_username="herald_field_bot") as fake:
        yield fake


@pytest.fixture
def start_bot(app, database_url, fake_telegram) -> Iterator[Callable[..., FieldBot]]:
    """Runs field bots in threads, as ``herald bot`` runs one; all stopped after the test."""
    bots = FieldBots(database_url=database_url, api_base=fake_telegram.base_url, clock=lambda: NOW)
    yield bots.start
    bots.stop_all()


def reply(fake: FakeTelegram, chat: int, count: int = 1) -> str:
    messages = fake.wait_for_messages(chat, count)
    assert len(messages) >= count, "the bot did not answer"
    return messages[count - 1].text


def new_code(session, person) -> str:
    _, code = telegram_links.create_link_code(session, actor=person, now=NOW, person=person)
    session.commit()
    return code


def test_start_with_a_code_links_the_chat_and_answers_in_the_persons_language(
    session, start_bot, fake_telegram
):
    person = create_person(session, name="Vũ Mai Linh", locale="en")
    code = new_code(session, person)
    start_bot()

    fake_telegram.push_message(CHAT, f"/start {code}", username="linh_paris")

    text = reply(fake_telegram, CHAT)
    assert text.startswith("Hello Vũ Mai Linh: this chat is now linked to your Herald account")
    session.expire_all()
    link = session.scalars(select(TelegramLink)).one()
    assert (link.person_id, link.chat_id, link.username, link.linked_at) == (
        person.id,
        CHAT,
        "linh_paris",
        NOW,
    )


def test_a_wrong_code_gets_a_clear_answer_in_both_languages_and_links_nothing(
    session, start_bot, fake_telegram
):
    person = create_person(session)
    new_code(session, person)
    start_bot()

    fake_telegram.push_message(CHAT, "/start NOTACODE99")

    text = reply(fake_telegram, CHAT)
    vietnamese, english = text.split("\n\n")
    assert english.startswith("This code is unknown or was already used.")
    assert vietnamese == translations("vi")(
        "This code is unknown or was already used. Make a new one on your profile page in Herald."
    )
    assert vietnamese != english
    assert session.scalars(select(TelegramLink)).first() is None


def test_start_without_a_code_explains_how_to_link_in_both_languages(start_bot, fake_telegram):
    start_bot()

    fake_telegram.push_message(CHAT, "/start")

    assert reply(fake_telegram, CHAT) == in_both_languages(HOW_TO_LINK)


def test_a_code_sent_in_a_group_is_refused(session, start_bot, fake_telegram):
    person = create_person(session)
    code = new_code(session, person)
    start_bot()

    fake_telegram.push_message(-4_000_123, f"/start {code}", chat_type="group")

    assert "private chat" in reply(fake_telegram, -4_000_123)
    assert session.scalars(select(TelegramLink)).first() is None


def test_stop_unlinks_the_chat_and_help_speaks_the_persons_language(
    session, start_bot, fake_telegram
):
    person = create_person(session, locale="vi")
    link_telegram(session, person, now=NOW, chat_id=CHAT)
    session.commit()
    start_bot()

    fake_telegram.push_message(CHAT, "/help")
    assert reply(fake_telegram, CHAT, 1) == translations("vi")(HELP)
    fake_telegram.push_message(CHAT, "/stop")
    stopped = reply(fake_telegram, CHAT, 2)
    fake_telegram.push_message(CHAT, "/stop")
    again = reply(fake_telegram, CHAT, 3)

    assert stopped == translations("vi")(
        "This chat is unlinked: Herald sends nothing more here. To link it again, make a new"
        " code on your profile page in Herald."
    )
    assert "not linked" in again
    session.expire_all()
    assert session.scalars(select(TelegramLink)).first() is None


def test_the_bot_records_who_it_is_for_the_web(session, start_bot):
    start_bot()

    bot = session.scalars(select(TelegramBot)).one()
    assert (bot.telegram_id, bot.username, bot.started_at) == (777000, "herald_field_bot", NOW)
    assert telegram_links.bot_username(session) == "herald_field_bot"


def test_a_notification_reaches_the_linked_chat_once(session, start_bot, fake_telegram):
    person = create_person(session, locale="en")
    link_telegram(session, person, now=NOW, chat_id=CHAT)
    notification = notify_person(session, person, now=NOW, link="/social/posts/9")
    session.commit()
    bot = start_bot()

    assert bot.deliver_round(NOW) == [AlertOutcome.SENT]
    assert bot.deliver_round(NOW) == []

    [message] = fake_telegram.messages(CHAT)
    assert message.text == (
        "A post waits for clearance: Quốc khánh 2/9\nhttps://herald.example.gov.vn/social/posts/9"
    )
    session.expire_all()
    assert session.get(Notification, notification.id).telegram_sent_at == NOW


def test_the_repeating_job_delivers_without_being_asked(session, start_bot, fake_telegram):
    person = create_person(session)
    link_telegram(session, person, now=NOW, chat_id=CHAT)
    session.commit()
    start_bot(delivery_seconds=0.05)

    notify_person(session, person, now=NOW, params={"title": "Lễ kỷ niệm"})
    session.commit()

    assert "Lễ kỷ niệm" in reply(fake_telegram, CHAT)


def test_a_person_who_blocked_the_bot_is_unlinked(session, start_bot, fake_telegram):
    person = create_person(session)
    link_telegram(session, person, now=NOW, chat_id=CHAT)
    notify_person(session, person, now=NOW)
    notify_person(session, person, now=NOW)
    session.commit()
    fake_telegram.block(CHAT)
    bot = start_bot()

    assert bot.deliver_round(NOW) == [AlertOutcome.UNLINKED, AlertOutcome.NOT_DUE]

    session.expire_all()
    assert session.scalars(select(TelegramLink)).first() is None
    assert len(fake_telegram.requests_to("sendMessage")) == 1
    assert bot.deliver_round(NOW) == []


def test_flood_control_pauses_delivery_for_as_long_as_telegram_asks(
    session, start_bot, fake_telegram
):
    person = create_person(session)
    link_telegram(session, person, now=NOW, chat_id=CHAT)
    first = notify_person(session, person, now=NOW)
    notify_person(session, person, now=NOW)
    session.commit()
    fake_telegram.inject(faults.flood(retry_after=7))
    bot = start_bot()

    assert bot.deliver_round(NOW) == [AlertOutcome.RATE_LIMITED]
    assert bot.deliver_round(NOW + timedelta(seconds=6)) == []
    assert bot.deliver_round(NOW + timedelta(seconds=7)) == [AlertOutcome.SENT] * 2

    session.expire_all()
    assert session.get(Notification, first.id).telegram_attempts == 0
    assert len(fake_telegram.messages(CHAT)) == 2


def test_a_refused_token_stops_the_bot_with_a_clear_message(app, database_url, fake_telegram):
    fake_telegram.revoke(TOKEN)
    bot = FieldBot(
        token=TOKEN,
        database_url=database_url,
        base_url=BASE_URL,
        translations=translations,
        api_base=fake_telegram.base_url,
        timeout=2.0,
    )

    with pytest.raises(BotCannotStart) as caught:
        bot.run()

    assert "refused the bot token" in str(caught.value)
    assert TOKEN not in str(caught.value)


def _herald(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from web.cli import main; main()", *args],
        env={
            "PATH": "/usr/bin:/bin",
            "HERALD_SECRET_KEY": "a-bot-test-secret-that-is-long-1234567",
            **env,
        },
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_herald_bot_without_a_token_says_so_in_one_line(tmp_path):
    result = _herald(["bot"], {"HERALD_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}, tmp_path)

    assert result.returncode == 1
    assert "HERALD_TELEGRAM_BOT_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_herald_bot_with_a_refused_token_says_so_without_the_token(tmp_path, fake_telegram):
    fake_telegram.revoke(TOKEN)
    database = {"HERALD_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    _herald(["db", "upgrade"], database, tmp_path)

    result = _herald(
        ["bot"],
        {
            **database,
            "HERALD_TELEGRAM_BOT_TOKEN": TOKEN,
            "HERALD_TELEGRAM_API_BASE": fake_telegram.base_url,
        },
        tmp_path,
    )

    assert result.returncode == 1
    assert "refused the bot token" in result.stderr
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stderr + result.stdout


def test_anything_else_said_in_private_gets_the_list_of_commands(start_bot, fake_telegram):
    start_bot()

    fake_telegram.push_message(CHAT, "xin chào")
    fake_telegram.push_message(CHAT, "/frobnicate")

    assert reply(fake_telegram, CHAT, 1) == in_both_languages(HELP)
    assert reply(fake_telegram, CHAT, 2) == in_both_languages(HELP)


def test_a_chat_that_sent_five_wrong_codes_is_told_to_wait_even_with_the_right_one(
    session, start_bot, fake_telegram
):
    person = create_person(session, locale="en")
    code = new_code(session, person)
    start_bot()
    for attempt in range(5):
        fake_telegram.push_message(CHAT, f"/start WRONGCODE{attempt}")
        reply(fake_telegram, CHAT, attempt + 1)

    fake_telegram.push_message(CHAT, f"/start {code}")

    vietnamese, english = reply(fake_telegram, CHAT, 6).split("\n\n")
    assert english == (
        "Too many wrong codes from this chat. Try again in 15 min, with a new code from your"
        " profile page in Herald."
    )
    assert vietnamese == translations("vi")(TOO_MANY_TRIES) % {"minutes": 15}
    session.expire_all()
    assert session.scalars(select(TelegramLink)).first() is None
