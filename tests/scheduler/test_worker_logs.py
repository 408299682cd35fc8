"""What a real ``herald worker`` writes to its log while it publishes to Telegram: no bot token,
and not a line per message sent."""

from __future__ import annotations

import threading
from datetime import timedelta

from campaigns.db import utcnow
from tests.fakes.telegram import FakeTelegram
from tests.scheduler.dispatch_load import (
    count_published,
    due_publications,
    start_worker,
    stop_workers,
)
from tests.social_factories import create_channel

BOT_TOKEN = "7012345678:AAHfake-Telegram-bot-token-0123456789abc"
MESSAGES = 5


def test_a_worker_publishing_to_telegram_never_logs_the_bot_token(session, database_url, tmp_path):
    with FakeTelegram() as fake:
        fake.add_chat("@herald_news", title="Herald News")
        channel = create_channel(
            session,
            "telegram",
            handle="@herald_news",
            credentials={"bot_token": BOT_TOKEN},
            rate_limit_posts=1000,
            rate_window_seconds=60,
        )
        now = utcnow()
        ids = due_publications(
            session, [channel], MESSAGES, due_at=now, tag="logs", now=now - timedelta(hours=1)
        )
        session.commit()
        log_path = tmp_path / "worker.log"
        worker = start_worker(
            database_url, "http://127.0.0.1:9", log_path=log_path, telegram_api_base=fake.base_url
        )
        try:
            pause = threading.Event()
            deadline = utcnow() + timedelta(seconds=60)
            while count_published(session, ids) < MESSAGES:
                assert worker.poll() is None, log_path.read_text()
                assert utcnow() < deadline, log_path.read_text()
                pause.wait(0.1)
            session.commit()
        finally:
            stop_workers([worker])
        assert len(fake.messages("@herald_news")) == MESSAGES

    output = log_path.read_text()
    assert "worker" in output  # the worker did log, so the log was read
    secret_part = BOT_TOKEN.split(":", 1)[1]
    assert secret_part not in output
    assert BOT_TOKEN.split(":", 1)[0] not in output
    assert "sendMessage" not in output  # no line per request
