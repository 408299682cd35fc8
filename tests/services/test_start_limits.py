"""Wrong ``/start`` codes, counted per chat: the sixth try within 15 minutes is not looked at."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns.errors import NotAllowed, NotFound
from campaigns.field import start_limits
from campaigns.field.models import BotStartFailure
from campaigns.org import telegram_links
from campaigns.org.models import TelegramLink
from tests.factories import create_person

CHAT = 616_161
OTHER_CHAT = 717_171


def try_code(session, code: str, *, at, chat_id: int = CHAT):
    """One ``/start CODE`` as the bot runs it: its transaction is committed, error or not."""
    try:
        return start_limits.link_chat_with_limit(
            session, code=code, chat_id=chat_id, username="", now=at
        )
    finally:
        session.commit()


def wrong_codes(session, count: int, *, at, chat_id: int = CHAT) -> None:
    for attempt in range(count):
        with pytest.raises(NotFound):
            try_code(session, f"WRONG{attempt:05d}", at=at, chat_id=chat_id)


def failures(session, chat_id: int = CHAT) -> int:
    return session.scalar(
        select(func.count()).select_from(BotStartFailure).where(BotStartFailure.chat_id == chat_id)
    )


def test_after_five_wrong_codes_even_the_right_one_waits_and_the_wait_is_named(session, now):
    person = create_person(session)
    _, code = telegram_links.create_link_code(session, actor=person, now=now, person=person)
    session.commit()
    wrong_codes(session, 5, at=now)

    with pytest.raises(NotAllowed) as refused:
        try_code(session, code, at=now + timedelta(minutes=3, seconds=30))

    assert refused.value.template == start_limits.TOO_MANY_TRIES
    assert refused.value.params == {"minutes": 12}  # 11 min 30 s, rounded up
    assert session.scalars(select(TelegramLink)).first() is None
    assert failures(session) == 5  # a refused try is not counted: the wait does not grow


def test_the_wait_ends_fifteen_minutes_after_the_first_wrong_code(session, now):
    person = create_person(session)
    wrong_codes(session, 5, at=now)
    _, code = telegram_links.create_link_code(
        session, actor=person, now=now + timedelta(minutes=15), person=person
    )
    session.commit()

    result = try_code(session, code, at=now + timedelta(minutes=15))

    assert result.link.chat_id == CHAT
    assert failures(session) == 0  # a chat that linked starts afresh


def test_four_wrong_codes_do_not_block_the_right_one(session, now):
    person = create_person(session)
    _, code = telegram_links.create_link_code(session, actor=person, now=now, person=person)
    session.commit()
    wrong_codes(session, 4, at=now)

    assert try_code(session, code, at=now).link.person_id == person.id


def test_the_count_is_per_chat(session, now):
    person = create_person(session)
    _, code = telegram_links.create_link_code(session, actor=person, now=now, person=person)
    session.commit()
    wrong_codes(session, 5, at=now, chat_id=OTHER_CHAT)

    assert try_code(session, code, at=now).link.chat_id == CHAT
    assert failures(session, OTHER_CHAT) == 5


def test_tries_older_than_the_window_are_forgotten(session, now):
    wrong_codes(session, 4, at=now, chat_id=OTHER_CHAT)
    wrong_codes(session, 4, at=now)

    wrong_codes(session, 1, at=now + timedelta(minutes=15))

    assert failures(session, OTHER_CHAT) == 0
    assert failures(session) == 1
    assert (
        start_limits.wait_before_next_try(session, chat_id=CHAT, now=now + timedelta(minutes=15))
        is None
    )
