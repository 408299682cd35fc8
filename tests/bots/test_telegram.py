"""The Telegram adapter driving the real python-telegram-bot ``Bot`` against the fake Bot API."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from telegram.error import ChatMigrated, RetryAfter
from telegram.warnings import PTBDeprecationWarning

from bots.telegram import classify_telegram_error
from campaigns.social.platform import ErrorKind, PlatformError
from tests.bots.conftest import CHANNEL, TELEGRAM_TOKEN
from tests.fakes import telegram as faults
from tests.fakes.telegram import SEND

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
FIXED_EPOCH = 1_800_000_000.0


def publish_error(client, post) -> PlatformError:
    with pytest.raises(PlatformError) as caught:
        client.publish(post)
    return caught.value


def test_publish_sends_the_text_once_and_returns_the_link(fake_telegram, telegram_client, outgoing):
    published = telegram_client.publish(outgoing("Chào mừng Quốc khánh 2/9"))

    [message] = fake_telegram.messages(CHANNEL)
    assert message.text == "Chào mừng Quốc khánh 2/9"
    assert published.platform_id == str(message.message_id)
    assert published.url == f"https://t.me/herald_channel/{message.message_id}"
    assert published.published_at == datetime.fromtimestamp(message.date, UTC)
    [request] = fake_telegram.requests_to("sendMessage")
    assert request.path == f"/bot{TELEGRAM_TOKEN}/sendMessage"


def test_a_private_channel_gets_a_t_me_c_link(fake_telegram, make_telegram_client, outgoing):
    client = make_telegram_client(chat_id=-1001234567890)

    published = client.publish(outgoing("Hello"))

    assert published.url == "https://t.me/c/1234567890/1"
    assert len(fake_telegram.messages(-1001234567890)) == 1


def test_one_image_is_sent_as_a_photo_with_the_text_as_caption(
    fake_telegram, telegram_client, outgoing, image
):
    picture = image("poster.png", width=2, height=2)

    telegram_client.publish(outgoing("Poster", picture))

    [message] = fake_telegram.messages(CHANNEL)
    assert message.caption == "Poster"
    with open(picture.path, "rb") as file:
        assert message.photos == [file.read()]
    assert (
        fake_telegram.requests_to("sendPhoto")[0]
        .headers["Content-Type"]
        .startswith("multipart/form-data")
    )


def test_several_images_are_one_album_with_the_caption_on_the_first(
    fake_telegram, telegram_client, outgoing, image
):
    first, second = image("a.png"), image("b.png", colour=b"\x00\x00\xff")

    published = telegram_client.publish(outgoing("Album", first, second))

    messages = fake_telegram.messages(CHANNEL)
    assert [m.caption for m in messages] == ["Album", None]
    assert len({m.media_group_id for m in messages}) == 1
    assert published.platform_id == str(messages[0].message_id)


def test_flood_control_waits_for_retry_after(fake_telegram, make_telegram_client, outgoing):
    client = make_telegram_client(clock=lambda: NOW)
    fake_telegram.inject(faults.flood(retry_after=7))

    error = publish_error(client, outgoing("Hello"))

    assert (error.kind, error.status) == (ErrorKind.RATE_LIMITED, 429)
    assert error.retry_at == NOW + timedelta(seconds=7)
    assert fake_telegram.messages(CHANNEL) == []


def test_the_fakes_own_rate_limit_is_per_chat(fake_telegram, make_telegram_client, outgoing):
    fake_telegram.clock = lambda: FIXED_EPOCH
    fake_telegram.set_rate_limit(SEND, 1, 60)
    client = make_telegram_client(clock=lambda: NOW)
    other = make_telegram_client(chat_id="@other_channel")

    client.publish(outgoing("one"))
    error = publish_error(client, outgoing("two"))
    other.publish(outgoing("elsewhere"))

    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_at == NOW + timedelta(seconds=60)
    assert [m.text for m in fake_telegram.messages(CHANNEL)] == ["one"]


def test_server_errors_are_transient_and_the_message_goes_out_once(
    fake_telegram, telegram_client, outgoing
):
    fake_telegram.inject(faults.server_error(500), times=2)
    post = outgoing("Retry me")

    kinds = [publish_error(telegram_client, post).kind for _ in range(2)]
    telegram_client.publish(post)

    assert kinds == [ErrorKind.TRANSIENT, ErrorKind.TRANSIENT]
    assert fake_telegram.pending_faults() == 0
    assert [m.text for m in fake_telegram.messages(CHANNEL)] == ["Retry me"]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_answer_is_transient_and_known_not_to_have_published(
    fake_telegram, telegram_client, outgoing, status
):
    fake_telegram.inject(faults.server_error(status))

    error = publish_error(telegram_client, outgoing("Hello"))

    # Telegram answered: unlike after a timeout, the message certainly did not go out.
    assert (error.kind, error.status) == (ErrorKind.TRANSIENT, status)


def test_a_revoked_token_is_an_auth_failure_that_never_shows_the_token(
    fake_telegram, telegram_client, outgoing
):
    fake_telegram.revoke(TELEGRAM_TOKEN)

    error = publish_error(telegram_client, outgoing("Hello"))

    assert (error.kind, error.status) == (ErrorKind.AUTH, 401)
    assert TELEGRAM_TOKEN not in str(error) and TELEGRAM_TOKEN.split(":")[1] not in error.message


def test_an_injected_401_is_an_auth_failure(fake_telegram, telegram_client, outgoing):
    fake_telegram.inject(faults.unauthorized())

    assert publish_error(telegram_client, outgoing("Hello")).kind is ErrorKind.AUTH


def test_a_bot_removed_from_the_channel_is_an_auth_failure(
    fake_telegram, telegram_client, outgoing
):
    fake_telegram.kick(CHANNEL)

    error = publish_error(telegram_client, outgoing("Hello"))

    assert error.kind is ErrorKind.AUTH
    assert "not a member" in error.message


def test_a_bad_request_is_rejected_with_telegrams_message(fake_telegram, telegram_client, outgoing):
    fake_telegram.inject(faults.bad_request("Bad Request: message is too long"))

    error = publish_error(telegram_client, outgoing("Hello"))

    assert (error.kind, error.status) == (ErrorKind.REJECTED, 400)
    assert error.message == "Message is too long"


def test_an_unknown_chat_is_rejected(make_telegram_client, fake_telegram, outgoing):
    fake_telegram.strict_chats = True
    client = make_telegram_client(chat_id="@nobody_here")

    assert publish_error(client, outgoing("Hello")).kind is ErrorKind.REJECTED


def test_a_timeout_is_transient(fake_telegram, make_telegram_client, outgoing):
    client = make_telegram_client(timeout=0.3)
    fake_telegram.inject(faults.timeout(0.6))

    started = time.monotonic()
    error = publish_error(client, outgoing("Hello"))

    assert (error.kind, error.status) == (ErrorKind.TRANSIENT, None)  # no answer
    assert time.monotonic() - started < 0.55
    assert fake_telegram.messages(CHANNEL) == []


def test_an_unreachable_server_is_transient_and_certainly_not_sent(
    fake_telegram, telegram_client, outgoing
):
    fake_telegram.stop()  # connection refused: the request never left

    error = publish_error(telegram_client, outgoing("Hello"))

    assert error.kind is ErrorKind.TRANSIENT and error.unsent
    assert error.may_have_published is False  # retried, not held for a person


def test_a_dropped_connection_is_transient_and_cannot_be_reconciled(
    fake_telegram, telegram_client, outgoing
):
    post = outgoing("Sent, but we never heard")
    fake_telegram.inject(faults.accept_then_drop())

    error = publish_error(telegram_client, post)

    assert (error.kind, error.status) == (ErrorKind.TRANSIENT, None)  # may have gone out
    assert error.may_have_published
    assert [m.text for m in fake_telegram.messages(CHANNEL)] == ["Sent, but we never heard"]
    # Telegram offers no history to look in: the adapter says so rather than guess.
    assert telegram_client.reconcilable is False
    assert telegram_client.find_published(post, since=NOW - timedelta(hours=1)) is None


def test_the_client_keeps_working_after_a_failure(fake_telegram, telegram_client, outgoing):
    fake_telegram.inject(faults.accept_then_drop())
    publish_error(telegram_client, outgoing("first"))

    telegram_client.publish(outgoing("second"))

    assert [m.text for m in fake_telegram.messages(CHANNEL)] == ["first", "second"]


def test_a_closed_client_can_be_used_again(fake_telegram, telegram_client, outgoing):
    telegram_client.publish(outgoing("before"))
    telegram_client.close()

    telegram_client.publish(outgoing("after"))

    assert [m.text for m in fake_telegram.messages(CHANNEL)] == ["before", "after"]


def test_check_connection_names_the_bot_and_the_channel(telegram_client):
    assert telegram_client.check_connection() == "@herald_test_bot → Herald Channel"


def test_check_connection_fails_when_the_bot_was_removed(fake_telegram, telegram_client):
    fake_telegram.kick(CHANNEL)

    with pytest.raises(PlatformError) as caught:
        telegram_client.check_connection()

    assert caught.value.kind is ErrorKind.AUTH
    assert "kicked" in caught.value.message


def test_check_connection_fails_for_a_revoked_token(fake_telegram, telegram_client):
    fake_telegram.revoke(TELEGRAM_TOKEN)

    with pytest.raises(PlatformError) as caught:
        telegram_client.check_connection()

    assert caught.value.kind is ErrorKind.AUTH


def test_retry_after_raised_by_the_library_is_still_rate_limited():
    with pytest.warns(PTBDeprecationWarning):
        error = RetryAfter(12)

    classified = classify_telegram_error(error, now=NOW)

    assert classified.kind is ErrorKind.RATE_LIMITED
    assert classified.retry_at == NOW + timedelta(seconds=12)


def test_a_migrated_group_is_an_auth_failure_that_says_what_to_do():
    classified = classify_telegram_error(ChatMigrated(-1009876), now=NOW)

    assert classified.kind is ErrorKind.AUTH
    assert "-1009876" in classified.message
