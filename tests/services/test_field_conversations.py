"""Field-bot conversations live in the database: begin, advance, end, idle ones forgotten."""

from datetime import timedelta

from campaigns.field import conversations
from campaigns.field.models import BotConversation
from tests.factories import create_person


def test_a_conversation_is_kept_and_advanced(session, now):
    person = create_person(session)
    conversations.begin(
        session, chat_id=42, person=person, kind="report", step="target", now=now, data={"a": 1}
    )
    session.commit()
    session.expunge_all()
    found = conversations.current(session, 42, now=now + timedelta(minutes=5))
    assert (found.kind, found.step, found.data) == ("report", "target", {"a": 1})
    conversations.advance(found, step="content", now=now + timedelta(minutes=6), data={"b": 2})
    session.commit()
    session.expunge_all()
    found = conversations.current(session, 42, now=now + timedelta(minutes=7))
    assert (found.step, found.data) == ("content", {"a": 1, "b": 2})
    assert conversations.end(session, 42) is True
    assert conversations.end(session, 42) is False
    assert conversations.current(session, 42, now=now) is None


def test_a_new_conversation_replaces_the_one_in_progress(session, now):
    person = create_person(session)
    conversations.begin(session, chat_id=42, person=person, kind="report", step="a", now=now)
    conversations.begin(session, chat_id=42, person=person, kind="reject", step="b", now=now)
    session.commit()
    assert session.query(BotConversation).count() == 1
    assert conversations.current(session, 42, now=now).kind == "reject"


def test_an_idle_conversation_is_forgotten(session, now):
    person = create_person(session)
    conversations.begin(session, chat_id=42, person=person, kind="report", step="a", now=now)
    later = now + conversations.IDLE_LIMIT + timedelta(seconds=1)
    assert conversations.current(session, 42, now=later) is None
    assert session.query(BotConversation).count() == 0
