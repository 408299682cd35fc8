"""Webhook mode against the fake Telegram Bot API: ``herald bot --set-webhook`` registers the
web's address and secret, long polling refuses to start while a webhook is set (it would
delete it), and ``--delete-webhook`` gives the token back to long polling."""

from __future__ import annotations

import pytest

from bots.fieldbot import ALLOWED_UPDATES, BotCannotStart, BotNotRunning, FieldBot
from bots.webhook import RESTART_SECONDS, WebhookBot, set_webhook
from tests.bots.test_fieldbot import BASE_URL, TOKEN, _herald, translations
from tests.fakes.telegram import FakeTelegram
from web.telegram.routes import webhook_secrets

WEBHOOK_SECRET = "webhook-secret-for-the-field-bot-0123456789"


@pytest.fixture
def fake_telegram():
    with FakeTelegram(bot_username="herald_field_bot") as fake:
        yield fake


@pytest.fixture
def herald(tmp_path, fake_telegram):
    """``herald ...`` in a subprocess, on a fresh SQLite database, with the bot's settings."""
    env = {
        "HERALD_DATABASE_URL": f"sqlite:///{tmp_path}/herald.db",
        "HERALD_TELEGRAM_BOT_TOKEN": TOKEN,
        "HERALD_TELEGRAM_API_BASE": fake_telegram.base_url,
        "HERALD_BASE_URL": BASE_URL,
    }

    def run(*args: str, **more_env: str):
        return _herald(list(args), {**env, **more_env}, tmp_path)

    return run


def test_set_webhook_registers_the_webs_address_secret_and_update_types(herald, fake_telegram):
    result = herald("bot", "--set-webhook", HERALD_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET)

    assert result.returncode == 0, result.stderr
    secrets = webhook_secrets(
        {"HERALD_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET, "HERALD_TELEGRAM_BOT_TOKEN": TOKEN}
    )
    assert fake_telegram.webhook == {
        "url": f"{BASE_URL}/telegram/webhook/{secrets.path}",
        "secret_token": secrets.header,
        "allowed_updates": list(ALLOWED_UPDATES),
    }
    assert secrets.path != secrets.header
    assert secrets.path not in result.stdout + result.stderr  # the secret is not printed
    assert TOKEN not in result.stdout + result.stderr


def test_set_webhook_without_a_secret_says_what_to_set_and_sets_nothing(herald, fake_telegram):
    result = herald("bot", "--set-webhook")

    assert result.returncode == 1
    assert "HERALD_TELEGRAM_WEBHOOK_SECRET is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert fake_telegram.webhook is None


def test_long_polling_refuses_to_start_while_a_webhook_is_set(app, database_url, fake_telegram):
    set_webhook(
        token=TOKEN,
        url=f"{BASE_URL}/telegram/webhook/some-secret-path",
        secret_token="header-secret",
        api_base=fake_telegram.base_url,
    )
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

    assert "herald bot --delete-webhook" in str(caught.value)
    assert "some-secret-path" not in str(caught.value)
    assert fake_telegram.webhook is not None  # still set: polling did not take it away


def test_herald_bot_under_a_webhook_says_so_and_delete_webhook_gives_it_back(herald, fake_telegram):
    assert herald("db", "upgrade").returncode == 0
    herald("bot", "--set-webhook", HERALD_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET)

    polling = herald("bot")
    assert polling.returncode == 1
    assert "herald bot --delete-webhook" in polling.stderr
    assert "Traceback" not in polling.stderr

    in_webhook_mode = herald("bot", HERALD_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET)
    assert in_webhook_mode.returncode == 1
    assert "One mode per token" in in_webhook_mode.stderr

    deleted = herald("bot", "--delete-webhook")
    assert deleted.returncode == 0, deleted.stderr
    assert fake_telegram.webhook is None


def test_a_webhook_bot_that_cannot_start_is_tried_again_only_after_a_while(
    app, database_url, fake_telegram
):
    fake_telegram.revoke(TOKEN)
    made = []
    clock = [1000.0]

    def make_bot() -> FieldBot:
        made.append(
            FieldBot(
                token=TOKEN,
                database_url=database_url,
                base_url=BASE_URL,
                translations=translations,
                api_base=fake_telegram.base_url,
                timeout=2.0,
                webhook=True,
            )
        )
        return made[-1]

    receiver = WebhookBot(make_bot, start_wait=5.0, clock=lambda: clock[0])
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 1}}}
    try:
        with pytest.raises(BotNotRunning):
            receiver.submit(update)  # the token is refused: the bot never gets ready
        with pytest.raises(BotNotRunning):
            receiver.submit(update)
        assert len(made) == 1  # not a new bot (and a getMe) per request

        clock[0] += RESTART_SECONDS
        with pytest.raises(BotNotRunning):
            receiver.submit(update)
        assert len(made) == 2
    finally:
        receiver.stop()
