"""Linking a person's Telegram chat: one-time codes, linking, moving, unlinking, the audit log."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns.errors import Invalid, NotAllowed, NotFound
from campaigns.org import telegram_links
from campaigns.org.models import AuditEntry, TelegramLink, TelegramLinkCode
from tests.factories import create_person
from tests.telegram_factories import link_telegram

CHAT = 424_242


def audit(session, target_type: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.target_type == target_type).order_by(AuditEntry.id)
        )
    )


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_code_links_the_chat_once_and_the_audit_log_says_who_and_through_which_door(session, now):
    person = create_person(session, role="field")
    session.info["door"] = "web"
    _, code = telegram_links.create_link_code(session, actor=person, now=now, person=person)
    session.info["door"] = "bot"

    result = telegram_links.link_chat(
        session, code=code, chat_id=CHAT, username="@linh_paris", now=now + timedelta(minutes=3)
    )

    link = telegram_links.telegram_link_of(session, person)
    assert link is result.link
    assert (link.chat_id, link.username) == (CHAT, "linh_paris")
    assert link.linked_at == now + timedelta(minutes=3)
    assert result.previous_person is None
    assert count(session, TelegramLinkCode) == 0
    [made] = audit(session, "telegram_link_code")
    assert (made.action, made.door, made.actor_id) == ("create", "web", person.id)
    assert "code_digest" not in made.after
    [linked] = audit(session, "telegram_link")
    assert (linked.action, linked.door, linked.actor_id) == ("create", "bot", person.id)
    assert linked.target_label == "@linh_paris"
    with pytest.raises(NotFound):
        telegram_links.link_chat(session, code=code, chat_id=CHAT + 1, username="", now=now)


def test_the_code_is_random_short_typed_loosely_and_only_its_digest_is_stored(session, now):
    person = create_person(session)
    other = create_person(session)
    _, other_code = telegram_links.create_link_code(session, actor=other, now=now, person=other)
    code_row, code = telegram_links.create_link_code(session, actor=person, now=now, person=person)

    assert code != other_code
    assert len(code) == telegram_links.CODE_LENGTH
    assert set(code) <= set(telegram_links.CODE_ALPHABET)
    assert code not in code_row.code_digest
    assert code_row.expires_at == now + telegram_links.CODE_LIFETIME
    typed = f" {code[:5].lower()}-{code[5:]} "
    telegram_links.link_chat(session, code=typed, chat_id=CHAT, username="", now=now)
    assert telegram_links.telegram_link_of(session, person).chat_id == CHAT


def test_an_expired_code_is_refused_and_changes_nothing(session, now):
    person = create_person(session)
    _, code = telegram_links.create_link_code(session, actor=person, now=now, person=person)
    entries = count(session, AuditEntry)

    with pytest.raises(Invalid) as caught:
        telegram_links.link_chat(
            session, code=code, chat_id=CHAT, username="", now=now + timedelta(minutes=15)
        )

    assert "expired" in caught.value.message
    assert telegram_links.telegram_link_of(session, person) is None
    assert count(session, AuditEntry) == entries


@pytest.mark.parametrize("code", ["WRONGCODE2", "", "   ", "/start"])
def test_an_unknown_code_is_refused(session, now, code):
    person = create_person(session)
    telegram_links.create_link_code(session, actor=person, now=now, person=person)

    with pytest.raises(NotFound) as caught:
        telegram_links.link_chat(session, code=code, chat_id=CHAT, username="", now=now)

    assert "profile page" in caught.value.message
    assert count(session, TelegramLink) == 0


def test_a_new_code_replaces_the_previous_one(session, now):
    person = create_person(session)
    _, first = telegram_links.create_link_code(session, actor=person, now=now, person=person)
    _, second = telegram_links.create_link_code(session, actor=person, now=now, person=person)

    assert count(session, TelegramLinkCode) == 1
    with pytest.raises(NotFound):
        telegram_links.link_chat(session, code=first, chat_id=CHAT, username="", now=now)
    telegram_links.link_chat(session, code=second, chat_id=CHAT, username="", now=now)


def test_nobody_makes_a_code_for_someone_else_and_inactive_people_get_none(session, now):
    person = create_person(session)
    admin = create_person(session, role="admin")
    with pytest.raises(NotAllowed):
        telegram_links.create_link_code(session, actor=admin, now=now, person=person)
    person.active = False
    with pytest.raises(NotAllowed):
        telegram_links.create_link_code(session, actor=person, now=now, person=person)


def test_a_code_of_a_person_deactivated_since_is_refused(session, now):
    person = create_person(session)
    _, code = telegram_links.create_link_code(session, actor=person, now=now, person=person)
    person.active = False

    with pytest.raises(NotAllowed):
        telegram_links.link_chat(session, code=code, chat_id=CHAT, username="", now=now)
    assert count(session, TelegramLink) == 0


def test_a_chat_linked_to_someone_else_moves_to_the_person_whose_code_it_sends(session, now):
    first = create_person(session, name="Trần Văn An")
    second = create_person(session, name="Vũ Mai Linh")
    link_telegram(session, first, now=now, chat_id=CHAT)
    later = now + timedelta(hours=1)
    _, code = telegram_links.create_link_code(session, actor=second, now=later, person=second)

    result = telegram_links.link_chat(session, code=code, chat_id=CHAT, username="", now=later)

    assert result.previous_person is first
    assert telegram_links.telegram_link_of(session, first) is None
    assert telegram_links.telegram_link_for_chat(session, CHAT).person is second
    ended = audit(session, "telegram_link")[-2]
    assert (ended.action, ended.comment, ended.actor_id) == (
        "delete",
        "moved to another person",
        second.id,
    )
    assert ended.before["person_id"] == first.id


def test_linking_another_chat_replaces_the_persons_previous_chat(session, now):
    person = create_person(session)
    link_telegram(session, person, now=now, chat_id=CHAT)
    link_telegram(session, person, now=now + timedelta(hours=1), chat_id=CHAT + 1)

    assert count(session, TelegramLink) == 1
    link = telegram_links.telegram_link_of(session, person)
    assert link.chat_id == CHAT + 1
    assert link.linked_at == now + timedelta(hours=1)
    assert audit(session, "telegram_link")[-2].comment == "replaced by another chat"


def test_the_same_chat_again_keeps_its_link_and_its_linking_time(session, now):
    person = create_person(session)
    link_telegram(session, person, now=now, chat_id=CHAT, username="old_name")
    link_telegram(session, person, now=now + timedelta(hours=1), chat_id=CHAT, username="new")

    link = telegram_links.telegram_link_of(session, person)
    assert (link.username, link.linked_at) == ("new", now)
    assert [entry.action for entry in audit(session, "telegram_link")] == ["create", "update"]


def test_stop_unlinks_the_chat_as_its_person(session, now):
    person = create_person(session)
    link_telegram(session, person, now=now, chat_id=CHAT)
    session.info["door"] = "bot"

    ended = telegram_links.unlink_chat(session, chat_id=CHAT, now=now)

    assert ended.person is person
    assert telegram_links.telegram_link_of(session, person) is None
    entry = audit(session, "telegram_link")[-1]
    assert (entry.action, entry.actor_id, entry.door, entry.comment) == (
        "delete",
        person.id,
        "bot",
        "/stop",
    )
    assert telegram_links.unlink_chat(session, chat_id=CHAT, now=now) is None


def test_a_blocked_bot_unlinks_the_chat_with_no_person_as_actor(session, now):
    person = create_person(session)
    link_telegram(session, person, now=now, chat_id=CHAT)

    telegram_links.unlink_chat(session, chat_id=CHAT, now=now, blocked=True)

    entry = audit(session, "telegram_link")[-1]
    assert (entry.actor_id, entry.comment) == (None, "the bot was blocked")


def test_disconnecting_from_the_web_touches_only_ones_own_link(session, now):
    person = create_person(session)
    other = create_person(session, role="admin")
    link_telegram(session, person, now=now, chat_id=CHAT)

    with pytest.raises(NotAllowed):
        telegram_links.disconnect_telegram(session, actor=other, now=now, person=person)
    assert telegram_links.telegram_link_of(session, person) is not None

    session.info["door"] = "web"
    telegram_links.disconnect_telegram(session, actor=person, now=now, person=person)
    assert telegram_links.telegram_link_of(session, person) is None
    entry = audit(session, "telegram_link")[-1]
    assert (entry.action, entry.door, entry.comment) == ("delete", "web", "disconnected")
    with pytest.raises(NotFound):
        telegram_links.disconnect_telegram(session, actor=person, now=now, person=person)


def test_the_bot_username_is_the_one_of_the_bot_that_started_last(session, now):
    assert telegram_links.bot_username(session) is None
    telegram_links.record_bot_identity(session, telegram_id=1, username="old_bot", now=now)
    telegram_links.record_bot_identity(
        session, telegram_id=2, username="@herald_bot", now=now + timedelta(days=1)
    )
    assert telegram_links.bot_username(session) == "herald_bot"
    telegram_links.record_bot_identity(
        session, telegram_id=1, username="old_bot", now=now + timedelta(days=2)
    )
    assert telegram_links.bot_username(session) == "old_bot"
