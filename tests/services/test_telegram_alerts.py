"""Which notifications go to Telegram, how they read there, and what each failure does."""

from datetime import timedelta
from pathlib import Path

import pytest
from babel.support import Translations
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from campaigns.org import telegram_links
from campaigns.org.models import AuditEntry
from campaigns.social.models import HeldReason
from campaigns.social.platform import ErrorKind, PlatformError
from campaigns.social.telegram_alerts import (
    MAX_AGE,
    MAX_ATTEMPTS,
    AlertOutcome,
    deliver_telegram_alert,
    pending_telegram_alerts,
    telegram_alert_text,
)
from tests.factories import create_person
from tests.telegram_factories import link_telegram, notify_person

CATALOGS = Path(__file__).resolve().parents[2] / "web" / "translations"
BASE_URL = "https://herald.example.gov.vn"
HELD = "Held, not sent: %(title)s on %(channel)s (%(reason)s). Release or cancel it."


def translations(locale: str):
    return Translations.load(str(CATALOGS), [locale]).gettext


class Outbox:
    """A ``send`` that records messages, or raises the errors it was given, in order."""

    def __init__(self, *errors: PlatformError) -> None:
        self.sent: list[tuple[int, str]] = []
        self.errors = list(errors)

    def __call__(self, chat_id: int, text: str) -> None:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append((chat_id, text))


def deliver(session, notification, now, send):
    return deliver_telegram_alert(
        session,
        notification_id=notification.id,
        now=now,
        send=send,
        translations=translations,
        base_url=BASE_URL,
    )


@pytest.fixture
def linked(session, now):
    person = create_person(session, role="coordinator", locale="en")
    link_telegram(session, person, now=now, chat_id=777)
    return person


def test_only_notifications_of_active_linked_people_made_since_they_linked_are_due(session, now):
    linked = create_person(session)
    unlinked = create_person(session)
    inactive = create_person(session)
    before_link = notify_person(session, linked, now=now - timedelta(minutes=1))
    link_telegram(session, linked, now=now)
    link_telegram(session, inactive, now=now)
    due = notify_person(session, linked, now=now)
    notify_person(session, unlinked, now=now)
    for_inactive = notify_person(session, inactive, now=now)
    inactive.active = False
    session.flush()

    assert pending_telegram_alerts(session, now=now) == [due.id]
    inactive.active = True
    session.flush()
    assert set(pending_telegram_alerts(session, now=now)) == {due.id, for_inactive.id}
    assert before_link.id not in pending_telegram_alerts(session, now=now)


def test_sent_read_given_up_waiting_or_stale_notifications_are_not_due(session, now, linked):
    sent, read, gave_up, waiting, fresh = (
        notify_person(session, linked, now=now) for _ in range(5)
    )
    sent.telegram_sent_at = now
    read.read_at = now
    gave_up.telegram_gave_up_at = now
    waiting.telegram_retry_at = now + timedelta(seconds=5)
    later = now + MAX_AGE + timedelta(seconds=1)
    session.flush()

    assert pending_telegram_alerts(session, now=now) == [fresh.id]
    assert fresh.id not in pending_telegram_alerts(session, now=later)
    assert waiting.id in pending_telegram_alerts(session, now=now + timedelta(seconds=5))


def test_an_alert_is_sent_once_in_english_with_an_absolute_link(session, now, linked):
    notification = notify_person(session, linked, now=now, link="/social/posts/12")
    send = Outbox()

    assert deliver(session, notification, now, send) == AlertOutcome.SENT
    assert deliver(session, notification, now, send) == AlertOutcome.NOT_DUE

    assert send.sent == [
        (
            777,
            "A post waits for clearance: Quốc khánh 2/9\nhttps://herald.example.gov.vn/social/posts/12",
        )
    ]
    assert notification.telegram_sent_at == now
    assert pending_telegram_alerts(session, now=now) == []


def test_a_vietnamese_reader_gets_it_in_vietnamese(session, now):
    person = create_person(session, locale="vi")
    link_telegram(session, person, now=now, chat_id=778)
    notification = notify_person(session, person, now=now, link="")
    send = Outbox()

    deliver(session, notification, now, send)

    [(_, text)] = send.sent
    assert text == translations("vi")("A post waits for clearance: %(title)s") % {
        "title": "Quốc khánh 2/9"
    }
    assert text != "A post waits for clearance: Quốc khánh 2/9"
    assert "http" not in text


@pytest.mark.parametrize(
    ("locale", "reason_words"),
    [("en", "it missed its window"), ("vi", None)],
)
def test_a_held_reason_reads_as_words_not_as_its_code(session, now, locale, reason_words):
    person = create_person(session, locale=locale)
    link_telegram(session, person, now=now)
    params = {"title": "Tết", "channel": "X @mofa", "reason": HeldReason.MISSED_WINDOW.value}
    notification = notify_person(session, person, now=now, message=HELD, params=params)

    text = telegram_alert_text(notification, translations(locale), base_url=BASE_URL)

    expected_words = reason_words or translations("vi")("it missed its window")
    assert f"({expected_words})" in text
    assert "missed_window" not in text
    assert text.endswith("\nhttps://herald.example.gov.vn/social/posts/7")


def test_a_long_message_is_cut_to_telegrams_limit_and_keeps_its_link(session, now, linked):
    notification = notify_person(session, linked, now=now, params={"title": "x" * 5000})

    text = telegram_alert_text(notification, translations("en"), base_url=BASE_URL + "/")

    assert len(text) == 4096
    assert text.endswith("\nhttps://herald.example.gov.vn/social/posts/7")


def test_a_blocked_bot_unlinks_the_person_and_sends_them_nothing_more(session, now, linked):
    first, second = (notify_person(session, linked, now=now) for _ in range(2))
    blocked = PlatformError(ErrorKind.AUTH, "Forbidden: bot was blocked by the user", status=403)

    assert deliver(session, first, now, Outbox(blocked)) == AlertOutcome.UNLINKED

    assert telegram_links.telegram_link_of(session, linked) is None
    assert first.telegram_gave_up_at == now
    assert first.telegram_error == "Forbidden: bot was blocked by the user"
    assert pending_telegram_alerts(session, now=now) == []
    assert deliver(session, second, now, Outbox()) == AlertOutcome.NOT_DUE
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.target_type, entry.action, entry.comment) == (
        "telegram_link",
        "delete",
        "the bot was blocked",
    )


def test_flood_control_waits_exactly_as_long_as_telegram_asked(session, now, linked):
    notification = notify_person(session, linked, now=now)
    flood = PlatformError(
        ErrorKind.RATE_LIMITED, "Too Many Requests", retry_at=now + timedelta(seconds=7)
    )

    assert deliver(session, notification, now, Outbox(flood)) == AlertOutcome.RATE_LIMITED

    assert notification.telegram_retry_at == now + timedelta(seconds=7)
    assert notification.telegram_attempts == 0
    assert pending_telegram_alerts(session, now=now + timedelta(seconds=6)) == []
    send = Outbox()
    assert deliver(session, notification, now + timedelta(seconds=7), send) == AlertOutcome.SENT
    assert len(send.sent) == 1


def test_transient_errors_are_retried_with_a_growing_delay_then_given_up(session, now, linked):
    notification = notify_person(session, linked, now=now)
    outage = [PlatformError(ErrorKind.TRANSIENT, "Bad Gateway", status=502)] * MAX_ATTEMPTS
    send = Outbox(*outage)
    moment, delays = now, []

    outcomes = []
    for _ in range(MAX_ATTEMPTS):
        outcomes.append(deliver(session, notification, moment, send))
        if notification.telegram_retry_at is not None:
            delays.append(notification.telegram_retry_at - moment)
            moment = notification.telegram_retry_at

    assert outcomes == [AlertOutcome.RETRY_LATER] * (MAX_ATTEMPTS - 1) + [AlertOutcome.GAVE_UP]
    assert delays == sorted(delays) and delays[0] < delays[-1]
    assert notification.telegram_attempts == MAX_ATTEMPTS
    assert notification.telegram_gave_up_at == moment
    assert notification.telegram_error == "Bad Gateway"
    assert notification.telegram_sent_at is None
    assert pending_telegram_alerts(session, now=moment + timedelta(hours=1)) == []


def test_a_message_telegram_refuses_is_given_up_at_once(session, now, linked):
    notification = notify_person(session, linked, now=now)
    refused = PlatformError(ErrorKind.REJECTED, "Bad Request: chat not found", status=400)

    assert deliver(session, notification, now, Outbox(refused)) == AlertOutcome.GAVE_UP
    assert notification.telegram_error == "Bad Request: chat not found"
    assert telegram_links.telegram_link_of(session, linked) is not None


def test_a_refused_bot_token_stops_delivery_and_records_nothing(session, now, linked):
    notification = notify_person(session, linked, now=now)
    revoked = PlatformError(ErrorKind.AUTH, "Unauthorized", status=401)

    with pytest.raises(PlatformError):
        deliver(session, notification, now, Outbox(revoked))

    assert (notification.telegram_attempts, notification.telegram_error) == (0, "")
    assert pending_telegram_alerts(session, now=now) == [notification.id]


@pytest.mark.postgres_only
def test_a_notification_being_sent_is_skipped_by_a_second_bot(session, now, linked, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks need PostgreSQL (HERALD_TEST_DATABASE_URL)")
    notification = notify_person(session, linked, now=now)
    session.commit()
    engine = create_engine(database_url)
    outcomes_of_the_other_bot = []

    def send_while_another_bot_tries(chat_id: int, text: str) -> None:
        with Session(engine) as other:
            outcomes_of_the_other_bot.append(deliver(other, notification, now, Outbox()))

    try:
        with Session(engine) as first:
            outcome = deliver(first, notification, now, send_while_another_bot_tries)
            first.commit()
    finally:
        engine.dispose()

    assert (outcome, outcomes_of_the_other_bot) == (AlertOutcome.SENT, [AlertOutcome.NOT_DUE])
