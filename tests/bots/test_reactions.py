"""Reactions to Telegram channel posts through the fake Telegram Bot API: a reaction poller
(python-telegram-bot's Bot, long polling with ``allowed_updates``) and the field bot, which
polls its own token, both reach the publication's rollup."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import sessionmaker

from bots.reactions import ReactionPoller, ReactionPollers, database_recorder
from campaigns.metrics.models import PublicationMetrics
from tests.collection_factories import published
from tests.fakes.telegram import FakeTelegram
from tests.social_factories import SECRET, at_utc, create_channel

TOKEN = "555000:herald-channel-bot"
OTHER_TOKEN = "555001:another-bot"
FIELD_TOKEN = "777000:herald-field-bot-token"
AT = at_utc(2026, 12, 1, 9, 0)
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def fake_telegram():
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def sessions(app, database_url):
    from campaigns.db import create_engine

    engine = create_engine(database_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def poll(poller: ReactionPoller, fake: FakeTelegram) -> int:
    async def once() -> int:
        bot = poller._bot()
        await bot.initialize()
        try:
            return await poller.poll_once(bot)
        finally:
            await bot.shutdown()

    return asyncio.run(once())


def channel_post(session, handle: str, message_id: int, token: str = TOKEN):
    channel = create_channel(
        session, kind="telegram", handle=handle, credentials={"bot_token": token}
    )
    publication = published(session, channel, at=AT, platform_id=str(message_id))
    session.commit()
    return channel, publication


def test_a_reaction_update_reaches_the_posts_rollup(session, sessions, fake_telegram):
    _, publication = channel_post(session, "@herald_news", 5)
    fake_telegram.add_chat("@herald_news")
    fake_telegram.push_reaction_count("@herald_news", 5, {"👍": 3, "custom:77": 1})
    poller = ReactionPoller(
        token=TOKEN,
        record=database_recorder(sessions, clock=lambda: NOW),
        api_base=fake_telegram.base_url,
        poll_timeout=timedelta(seconds=1),
    )

    assert poll(poller, fake_telegram) == 1

    session.expire_all()
    rollup = session.get(PublicationMetrics, publication.id)
    assert rollup is not None  # planned on the spot
    assert rollup.reactions == 4
    assert rollup.raw["reactions"] == {"👍": 3, "custom:77": 1}
    assert rollup.measured_at == NOW
    assert rollup.reach is None  # Telegram gives bots no views
    asked = fake_telegram.requests_to("getUpdates")[-1]
    assert "message_reaction_count" in asked.param("allowed_updates")


def test_a_numeric_chat_handle_matches_too_and_other_chats_change_nothing(
    session, sessions, fake_telegram
):
    chat = fake_telegram.add_chat("@herald_numeric")
    _, publication = channel_post(session, str(chat.id), 9)
    fake_telegram.push_reaction_count("@herald_numeric", 9, {"❤": 2})
    fake_telegram.push_reaction_count("@somebody_else", 9, {"❤": 50})
    poller = ReactionPoller(
        token=TOKEN,
        record=database_recorder(sessions, clock=lambda: NOW),
        api_base=fake_telegram.base_url,
        poll_timeout=timedelta(seconds=1),
    )

    poll(poller, fake_telegram)

    session.expire_all()
    assert session.get(PublicationMetrics, publication.id).reactions == 2


def test_a_bot_that_did_not_ask_for_reactions_never_gets_them(fake_telegram):
    import httpx

    fake_telegram.push_reaction_count("@c", 1, {"👍": 1})
    base = f"{fake_telegram.base_url}/bot{TOKEN}"
    with httpx.Client(trust_env=False) as http:
        default = http.post(f"{base}/getUpdates").json()["result"]
        fake_telegram.push_reaction_count("@c", 1, {"👍": 2})
        asked = http.post(
            f"{base}/getUpdates", data={"allowed_updates": '["message_reaction_count"]'}
        ).json()["result"]
    assert default == []
    assert [u["message_reaction_count"]["reactions"][0]["total_count"] for u in asked] == [2]


def test_one_poller_per_token_and_none_for_the_field_bots(session, database_url):
    create_channel(session, kind="telegram", credentials={"bot_token": TOKEN})
    create_channel(session, kind="telegram", credentials={"bot_token": TOKEN})
    create_channel(session, kind="telegram", credentials={"bot_token": OTHER_TOKEN})
    create_channel(session, kind="telegram", credentials={"bot_token": FIELD_TOKEN})
    session.commit()
    pollers = ReactionPollers(database_url=database_url, secret=SECRET, field_bot_token=FIELD_TOKEN)
    try:
        assert pollers.tokens() == {TOKEN, OTHER_TOKEN}
    finally:
        pollers.close()


def test_the_field_bot_records_reactions_to_channels_on_its_own_token(
    session, app, database_url, fake_telegram
):
    from bots.fieldbot import FieldBot, catalog_translations
    from tests.bots.field_bots import CATALOGS

    _, publication = channel_post(session, "@herald_field_news", 12, token=FIELD_TOKEN)
    bot = FieldBot(
        token=FIELD_TOKEN,
        database_url=database_url,
        base_url="https://herald.example.gov.vn",
        translations=catalog_translations(CATALOGS),
        api_base=fake_telegram.base_url,
        timeout=2.0,
        delivery_seconds=None,
        poll_timeout=timedelta(seconds=1),
        clock=lambda: NOW,
    )
    thread = threading.Thread(target=bot.run, daemon=True)
    thread.start()
    try:
        assert bot.ready.wait(10)
        fake_telegram.push_reaction_count("@herald_field_news", 12, {"🔥": 7})
        recorded = threading.Event()
        for _ in range(100):
            session.expire_all()
            rollup = session.get(PublicationMetrics, publication.id)
            if rollup is not None and rollup.reactions == 7:
                recorded.set()
                break
            session.rollback()
            recorded.wait(0.05)
        assert recorded.is_set(), "the field bot did not record the reactions"
    finally:
        bot.stop()
        thread.join(10)
