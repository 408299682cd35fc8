"""``POST /telegram/webhook/<secret>``: an update Telegram posts goes through the real
python-telegram-bot stack of the web process's field bot, which answers through the fake
Telegram Bot API; a wrong secret is a 404 and a body that is no update a 400."""

from __future__ import annotations

import itertools
import time

import pytest
from sqlalchemy import select

from campaigns.db import utcnow
from campaigns.org import telegram_links
from campaigns.org.models import TelegramLink
from tests.factories import create_person
from tests.fakes.telegram import FakeTelegram
from web.cli import install_telegram_webhook
from web.config import ConfigurationError, webhook_secret
from web.telegram.routes import RECEIVER, SECRET_HEADER, webhook_secrets

TOKEN = "777000:herald-field-bot-token"
WEBHOOK_SECRET = "webhook-secret-for-the-field-bot-0123456789"
CHAT = 818_181
_update_ids = itertools.count(1)


@pytest.fixture
def fake_telegram():
    with FakeTelegram(bot_username="herald_field_bot") as fake:
        yield fake


@pytest.fixture
def webhook_app(make_app, fake_telegram):
    """An app in webhook mode, wired as ``herald web`` wires it (its bot stopped afterwards)."""
    application = make_app(
        HERALD_TELEGRAM_BOT_TOKEN=TOKEN,
        HERALD_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        HERALD_TELEGRAM_API_BASE=fake_telegram.base_url,
        HERALD_PLATFORM_TIMEOUT=2.0,
        WTF_CSRF_ENABLED=True,  # Telegram sends no CSRF token: the route must not need one
    )
    assert install_telegram_webhook(application)
    yield application
    application.extensions[RECEIVER].stop()


@pytest.fixture
def secrets(webhook_app):
    return webhook_secrets(webhook_app.config)


def message_update(text: str, chat_id: int = CHAT) -> dict:
    person = {"id": chat_id, "first_name": "Linh", "username": "linh_paris"}
    message = {
        "message_id": next(_update_ids),
        "date": int(time.time()),
        "chat": {**person, "type": "private"},
        "from": {**person, "is_bot": False},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": next(_update_ids), "message": message}


def post(client, secrets, body=None, *, path=None, header=None, **kwargs):
    return client.post(
        f"/telegram/webhook/{path if path is not None else secrets.path}",
        headers={SECRET_HEADER: header if header is not None else secrets.header},
        json=body,
        **kwargs,
    )


def test_an_update_goes_through_the_bot_which_links_the_chat_and_answers(
    webhook_app, secrets, session, fake_telegram
):
    person = create_person(session, name="Vũ Mai Linh", locale="en")
    _, code = telegram_links.create_link_code(session, actor=person, now=utcnow(), person=person)
    session.commit()
    client = webhook_app.test_client()

    started = time.monotonic()
    response = post(client, secrets, message_update(f"/start {code}"))

    assert response.status_code == 200
    answers = fake_telegram.wait_for_messages(CHAT, 1)
    assert answers and answers[0].text.startswith("Hello Vũ Mai Linh: this chat is now linked")
    assert time.monotonic() - started < 10
    session.expire_all()
    assert session.scalars(select(TelegramLink)).one().person_id == person.id
    assert telegram_links.bot_username(session) == "herald_field_bot"


@pytest.mark.parametrize(
    "path, header",
    [
        ("wrong-path-secret", None),  # the header is right
        (None, "wrong-header-secret"),  # the path is right
        (None, ""),  # no header at all
        ("ünïcode", None),
    ],
)
def test_a_wrong_secret_is_a_404_that_says_nothing(
    webhook_app, secrets, fake_telegram, path, header
):
    response = post(
        webhook_app.test_client(), secrets, message_update("/help"), path=path, header=header
    )

    assert response.status_code == 404
    assert "secret" not in response.get_data(as_text=True).lower()
    assert fake_telegram.wait_for_messages(CHAT, 1, timeout=0.5) == []


def test_without_webhook_mode_the_address_does_not_exist(client, secrets):
    response = client.post(
        f"/telegram/webhook/{secrets.path}",
        headers={SECRET_HEADER: secrets.header},
        json=message_update("/help"),
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'{"no": "update_id"}',
        b'{"update_id": "12"}',
        b'{"update_id": 12, "message": "a string"}',
    ],
)
def test_a_body_that_is_no_update_is_a_400_without_a_traceback(webhook_app, secrets, body):
    response = webhook_app.test_client().post(
        f"/telegram/webhook/{secrets.path}",
        headers={SECRET_HEADER: secrets.header},
        data=body,
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_guessable_webhook_secret_stops_the_start_with_a_clear_message():
    with pytest.raises(ConfigurationError, match="HERALD_TELEGRAM_WEBHOOK_SECRET is too weak"):
        webhook_secret("telegram")
    assert webhook_secret("") == ""
    assert webhook_secret(f" {WEBHOOK_SECRET} ") == WEBHOOK_SECRET
