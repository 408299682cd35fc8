"""Connecting Telegram from the profile page, and alerts that read as words on the web."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.db import utcnow
from campaigns.org import telegram_links
from campaigns.org.models import AuditEntry, TelegramLink, TelegramLinkCode
from campaigns.social.models import HeldReason
from tests.factories import create_person, login
from tests.telegram_factories import link_telegram, notify_person

START = re.compile(r"/start ([A-Z0-9]{10})")


@pytest.fixture(autouse=True)
def a_bot_is_configured(app, monkeypatch):
    """Codes are handed out only where a field bot exists (a token is set)."""
    monkeypatch.setitem(app.config, "HERALD_TELEGRAM_BOT_TOKEN", "777000:herald-field-bot-token")


def connect(client) -> tuple[str, str]:
    page = client.post("/profile/telegram").get_data(as_text=True)
    match = START.search(page)
    assert match, "the page shows no /start CODE"
    return match.group(1), page


def test_connect_shows_a_one_time_code_and_the_bots_link(client, session):
    person = create_person(session)
    telegram_links.record_bot_identity(
        session, telegram_id=1, username="herald_field_bot", now=utcnow()
    )
    session.commit()
    login(client, person)
    assert "Connect Telegram" in client.get("/profile").get_data(as_text=True)

    code, page = connect(client)

    assert "@herald_field_bot" in page
    assert f'href="https://t.me/herald_field_bot?start={code}"' in page
    assert "15 minutes" in page
    assert code not in client.get("/profile").get_data(as_text=True)  # shown once
    result = telegram_links.link_chat(session, code=code, chat_id=31337, username="", now=utcnow())
    assert result.link.person_id == person.id
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "telegram_link_code")
    ).one()
    assert (entry.door, entry.actor_id) == ("web", person.id)


def test_before_any_bot_has_run_the_page_still_says_what_to_send(client, session):
    person = create_person(session)
    session.commit()
    login(client, person)

    _, page = connect(client)

    assert "t.me/" not in page
    assert "Herald&#39;s bot" in page or "Herald's bot" in page
    assert session.scalars(select(TelegramLinkCode)).one().person_id == person.id


def test_a_linked_person_sees_the_account_and_can_disconnect(client, session):
    person = create_person(session)
    link_telegram(session, person, now=utcnow() - timedelta(days=2), username="linh_paris")
    session.commit()
    login(client, person)

    page = client.get("/profile").get_data(as_text=True)
    assert "Connected as @linh_paris since" in page
    assert "Connect Telegram" not in page

    response = client.post("/profile/telegram/disconnect", follow_redirects=True)

    assert "Telegram is disconnected" in response.get_data(as_text=True)
    assert session.scalars(select(TelegramLink)).first() is None
    assert "Connect Telegram" in client.get("/profile").get_data(as_text=True)


def test_nobody_can_disconnect_someone_elses_telegram(client, session):
    owner = create_person(session)
    other = create_person(session, role="admin")
    link_telegram(session, owner, now=utcnow())
    session.commit()
    login(client, other)

    response = client.post("/profile/telegram/disconnect", follow_redirects=True)

    assert "No Telegram chat is connected" in response.get_data(as_text=True)
    assert session.scalars(select(TelegramLink)).one().person_id == owner.id


def test_connecting_needs_a_sign_in(client):
    response = client.post("/profile/telegram")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_held_publication_alert_shows_its_reason_in_words(client, session):
    person = create_person(session, role="coordinator", locale="en")
    notify_person(
        session,
        person,
        now=utcnow(),
        message="Held, not sent: %(title)s on %(channel)s (%(reason)s). Release or cancel it.",
        params={"title": "Tết", "channel": "X", "reason": HeldReason.CHANNEL_BROKEN.value},
    )
    session.commit()
    login(client, person)

    page = client.get("/social/notifications").get_data(as_text=True)

    assert "(the channel is broken)" in page
    assert "channel_broken" not in page


def test_without_a_bot_token_the_page_says_the_bot_is_not_set_up_and_hands_out_no_code(
    app, client, session, monkeypatch
):
    monkeypatch.setitem(app.config, "HERALD_TELEGRAM_BOT_TOKEN", "")
    person = create_person(session, locale="en")
    session.commit()
    login(client, person)

    page = client.get("/profile").get_data(as_text=True)
    assert "Telegram bot is not set up on this installation" in page
    assert "Connect Telegram" not in page

    answer = client.post("/profile/telegram", follow_redirects=True).get_data(as_text=True)
    assert "Telegram bot is not set up on this installation" in answer
    assert START.search(answer) is None
    assert session.scalars(select(TelegramLinkCode)).first() is None
