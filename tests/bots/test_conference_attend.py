"""``/attend`` on a conference day: a site's people report their connection and attendance
from Telegram, through the same service and permission as the site's web form."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from bots.conference_attend import ATTEND_DONE, ATTEND_HOW, ATTEND_NO_SITE, ATTEND_OFF
from bots.fieldbot import FieldBot
from campaigns.programme import conference_queries
from campaigns.programme.conference_models import ConferenceSite
from tests.bots.field_bots import FieldBots, translations
from tests.conference_factories import add_site, create_conference
from tests.factories import create_person, create_unit
from tests.fakes.telegram import FakeTelegram
from tests.telegram_factories import link_telegram

# 08:30 in Hanoi on the conference's day, half an hour after it opened.
NOW = datetime(2026, 12, 15, 1, 30, tzinfo=UTC)
CHAT, VIEWER_CHAT, STRANGER_CHAT = 4101, 4102, 4103
english = translations("en")


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(bot_username="herald_field_bot") as fake:
        yield fake


@pytest.fixture
def start_bot(app, database_url, fake_telegram) -> Iterator[Callable[[], FieldBot]]:
    bots = FieldBots(database_url=database_url, api_base=fake_telegram.base_url, clock=lambda: NOW)
    yield bots.start
    bots.stop_all()


def say(fake: FakeTelegram, text: str, count: int, chat: int = CHAT) -> str:
    fake.push_message(chat, text)
    messages = fake.wait_for_messages(chat, count, timeout=10)
    assert len(messages) >= count, "the bot did not answer"
    return messages[count - 1].text or ""


def test_a_site_reports_its_attendance_from_telegram(session, start_bot, fake_telegram):
    conference = create_conference(session)
    province = create_unit(session, kind="province", name_en="Tay Ninh")
    site = add_site(session, conference, province)
    officer = create_person(session, "field", unit=province, locale="en")
    viewer = create_person(session, "viewer", unit=province, locale="en")
    elsewhere = create_person(session, "editor", unit=create_unit(session), locale="en")
    link_telegram(session, officer, now=NOW - timedelta(days=3), chat_id=CHAT)
    link_telegram(session, viewer, now=NOW - timedelta(days=3), chat_id=VIEWER_CHAT)
    link_telegram(session, elsewhere, now=NOW - timedelta(days=3), chat_id=STRANGER_CHAT)
    session.commit()
    start_bot()
    names = {"site": "Tay Ninh", "title": conference.event.title}

    assert say(fake_telegram, "/attend", 1) == english(ATTEND_HOW)
    assert say(fake_telegram, "/attend 1.250", 2) == english(ATTEND_DONE) % {**names, "count": 1250}
    assert say(fake_telegram, "/attend lots", 3) == english(
        "Write the attendance as a whole number."
    )
    session.expire_all()
    reported = session.get(ConferenceSite, site.id)
    assert reported.connected_at == NOW and reported.attendance == 1250
    assert say(fake_telegram, "/attend off", 4) == english(ATTEND_OFF) % names
    session.expire_all()
    assert conference_queries.board_totals(session, conference).connected == 0

    # a viewer may not report; a unit without a site is told so
    assert say(fake_telegram, "/attend 3", 1, chat=VIEWER_CHAT) == english(
        "You are not allowed to do this."
    )
    assert say(fake_telegram, "/attend 3", 1, chat=STRANGER_CHAT) == english(ATTEND_NO_SITE)
    session.expire_all()
    assert session.get(ConferenceSite, site.id).attendance == 1250
