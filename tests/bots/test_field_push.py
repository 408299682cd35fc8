"""The field bot's pushed messages and their settings, through the real python-telegram-bot
stack against the fake Telegram Bot API: reminders and the digest arrive once, across a restart
and with two bots started by mistake; ``/mute`` and ``/settings``; a burst of 500 messages stays
within Telegram's limits; flood control and a blocked bot."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from telegram.ext import ExtBot

from bots.field_push import (
    MUTE_HOW,
    NOT_LINKED,
    SETTINGS_HOW,
    UNMUTED,
    PushOutcome,
)
from bots.fieldbot import FieldBot
from bots.limiter import Limit, OutgoingLimiter
from bots.telegram import TelegramRequest
from campaigns.field.models import BotDelivery, BotPreferences
from campaigns.field.preferences import BAD_MUTE
from campaigns.org.models import AuditEntry, TelegramLink
from tests.bots.field_bots import TOKEN, FieldBots, translations
from tests.factories import create_event, create_person, create_unit
from tests.fakes import telegram as faults
from tests.fakes.telegram import FakeTelegram
from tests.telegram_factories import link_telegram

CHAT = 616_161
# 08:00 in Paris: the digest's hour, two hours before the factories' event (10:00 Paris).
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
english = translations("en")


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(bot_username="herald_field_bot") as fake:
        yield fake


@pytest.fixture
def start_bot(app, database_url, fake_telegram) -> Iterator[Callable[..., FieldBot]]:
    """Runs field bots in threads, as ``herald bot`` runs one; ``stop(bot)`` ends one early."""
    bots = FieldBots(database_url=database_url, api_base=fake_telegram.base_url, clock=lambda: NOW)

    def start(*, push_seconds: float | None = None) -> FieldBot:
        return bots.start(push_seconds=push_seconds)

    start.stop = bots.stop  # type: ignore[attr-defined]
    yield start
    bots.stop_all()


@pytest.fixture
def officer(session):
    unit = create_unit(session, timezone="Europe/Paris")
    person = create_person(
        session, "field", unit=unit, timezone="Europe/Paris", locale="en", name="Linh"
    )
    link_telegram(session, person, now=NOW - timedelta(days=3), chat_id=CHAT)
    create_event(session, owner=unit, title="Réception")
    session.commit()
    return person


def texts(fake: FakeTelegram, chat: int = CHAT) -> list[str]:
    return [message.text or "" for message in fake.messages(chat)]


def say(fake: FakeTelegram, text: str, count: int, chat: int = CHAT) -> str:
    fake.push_message(chat, text)
    messages = fake.wait_for_messages(chat, count, timeout=10)
    assert len(messages) >= count, "the bot did not answer"
    return messages[count - 1].text or ""


# --- arriving once ------------------------------------------------------------------------------


def test_the_reminder_and_the_digest_arrive_once_across_a_bot_restart(
    session, start_bot, fake_telegram, officer
):
    first = start_bot()
    sent = first.push_round(NOW)
    start_bot.stop(first)
    second = start_bot()
    again = second.push_round(NOW)

    assert sorted(s.push.kind for s in sent) == ["digest", "reminder"]
    assert {s.outcome for s in sent} == {PushOutcome.SENT}
    assert again == []
    messages = texts(fake_telegram)
    assert len(messages) == 2
    [reminder] = [text for text in messages if text.startswith("Reminder")]
    assert reminder.startswith("Reminder: “Réception” starts 01/12 10:00 (in 2h).")
    [digest] = [text for text in messages if text.startswith("Your day")]
    assert digest.splitlines()[:2] == ["Your day, 01/12/2026", "• 10:00 Réception"]
    session.expire_all()
    assert all(d.sent_at == NOW for d in session.scalars(select(BotDelivery)))


def test_two_bots_started_by_mistake_push_each_message_once(
    session, start_bot, fake_telegram, officer
):
    one, other = start_bot(push_seconds=0.05), start_bot(push_seconds=0.05)

    assert len(fake_telegram.wait_for_messages(CHAT, 2, timeout=10)) >= 2
    # Both jobs have been running meanwhile; whatever either finds now is nothing.
    assert one.push_round(NOW) == other.push_round(NOW) == []
    assert len(texts(fake_telegram)) == 2
    assert len(fake_telegram.requests_to("sendMessage")) == 2


def test_a_person_who_blocked_the_bot_is_unlinked_and_the_message_not_retried(
    session, start_bot, fake_telegram, officer
):
    fake_telegram.block(CHAT)
    bot = start_bot()

    outcomes = {s.outcome for s in bot.push_round(NOW)}

    assert outcomes == {PushOutcome.UNLINKED}
    session.expire_all()
    assert session.scalars(select(TelegramLink)).first() is None
    assert bot.push_round(NOW + timedelta(minutes=10)) == []


def test_flood_control_pauses_then_the_message_goes(session, start_bot, fake_telegram, officer):
    fake_telegram.inject(faults.flood(retry_after=1))
    bot = start_bot()

    sent = bot.push_round(NOW)

    assert {s.outcome for s in sent} == {PushOutcome.SENT}
    assert len(texts(fake_telegram)) == 2
    requests = fake_telegram.requests_to("sendMessage")
    assert len(requests) == 3  # one refused with retry_after, then both
    refused, *_, retried = [r for r in requests if r.param("text") == requests[0].param("text")]
    assert retried.received_at - refused.received_at >= 1.0


# --- /mute and /settings ------------------------------------------------------------------------


def test_mute_keeps_the_bot_quiet_until_it_ends_or_is_turned_off(
    session, start_bot, fake_telegram, officer
):
    bot = start_bot()

    muted = say(fake_telegram, "/mute 2h", 1)
    assert muted == english(
        "Muted until %(time)s: no reminders, digest or alerts until then. Send /mute off to"
        " hear from me again."
    ) % {"time": "10:00 01/12"}
    assert bot.push_round(NOW) == []

    assert say(fake_telegram, "/mute soon", 2) == english(BAD_MUTE)
    assert say(fake_telegram, "/mute", 3).startswith(english(MUTE_HOW))
    assert say(fake_telegram, "/mute off", 4) == english(UNMUTED)
    assert len(bot.push_round(NOW)) == 2

    session.expire_all()
    preferences = session.scalars(select(BotPreferences)).one()
    assert preferences.muted_until is None
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.target_type == "bot_preferences")
    ).all()
    assert actions == ["create", "update"]
    assert {
        entry.door
        for entry in session.scalars(
            select(AuditEntry).where(AuditEntry.target_type == "bot_preferences")
        )
    } == {"bot"}


def test_settings_show_and_change_lead_times_and_the_digest(
    session, start_bot, fake_telegram, officer
):
    bot = start_bot()

    shown = say(fake_telegram, "/settings", 1)
    assert shown.splitlines()[:4] == [
        "Your settings:",
        "Reminders: 24h, 1h before each start",
        "Daily digest: at 08:00, Europe/Paris time",
        "Muted: no",
    ]
    changed = say(fake_telegram, "/settings digest 9", 2)
    assert changed.splitlines()[:4] == [
        "Saved.",
        "Your settings:",
        "Reminders: 24h, 1h before each start",
        "Daily digest: at 09:00, Europe/Paris time",
    ]
    assert "Reminders: 30m before each start" in say(fake_telegram, "/settings reminders 30m", 3)
    assert say(fake_telegram, "/settings colour blue", 4) == english(SETTINGS_HOW)
    assert say(fake_telegram, "/settings digest 25", 5).startswith("Give the hour")

    # Neither the 08:00 digest nor a reminder 2 hours ahead is due with these settings.
    assert bot.push_round(NOW) == []
    session.expire_all()
    stored = session.scalars(select(BotPreferences)).one()
    assert (stored.digest_hour, stored.reminder_leads) == (9, [30])


def test_a_stranger_cannot_mute_or_see_settings(start_bot, fake_telegram):
    start_bot()

    answer = say(fake_telegram, "/settings", 1, chat=999)

    assert english(NOT_LINKED) in answer
    assert "Reminders" not in answer


# --- staying within Telegram's limits -----------------------------------------------------------


def _most_in_any_window(instants: list[float], seconds: float) -> int:
    instants = sorted(instants)
    most, first = 0, 0
    for last, instant in enumerate(instants):
        while instant - instants[first] >= seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_a_burst_of_500_messages_stays_within_the_limits(fake_telegram):
    """Telegram's limits, faster (30 a second overall becomes 30 in half a second, 20 a minute to a
    group 20 in 3 s) so that the test is short; the 500 messages are real. (The fake takes some
    60 to 150 requests a second on this machine: a faster scale would not make the limit bind.)"""
    overall, group = Limit(30, 0.5), Limit(20, 3.0)
    limiter = OutgoingLimiter(overall=overall, group=group, private=Limit(10, 1.0))
    groups = [-4_000_001, -4_000_002]
    chats = [chat for chat in groups for _ in range(25)] + [
        710_000 + number % 150 for number in range(450)
    ]

    async def burst() -> None:
        bot = ExtBot(
            TOKEN,
            base_url=f"{fake_telegram.base_url}/bot",
            rate_limiter=limiter,
            request=TelegramRequest(connection_pool_size=32, httpx_kwargs={"trust_env": False}),
        )
        async with bot:
            await asyncio.gather(
                *(bot.send_message(chat, f"message {n}") for n, chat in enumerate(chats))
            )

    asyncio.run(burst())

    requests = fake_telegram.requests_to("sendMessage")
    assert len(requests) == len(fake_telegram.all_messages()) == 500
    instants = [request.received_at for request in requests]
    assert _most_in_any_window(instants, overall.seconds) <= overall.count
    for chat in groups:
        to_group = [r.received_at for r in requests if r.param("chat_id") == str(chat)]
        assert len(to_group) == 25
        assert _most_in_any_window(to_group, group.seconds) <= group.count
    # The group's last five waited for its window; the limiter never went below its pace.
    assert max(instants) - min(instants) >= group.seconds
