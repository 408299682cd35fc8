"""The X adapter driving the real tweepy clients against the fake X server."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from bots.x import comparable_text, may_have_arrived
from campaigns.social.platform import ErrorKind, PlatformError
from tests.bots.conftest import X_TOKEN
from tests.fakes import x as fake_x_faults
from tests.fakes.server import Fault
from tests.fakes.x import GET_ME, POST_TWEET, UPLOAD_MEDIA

FIXED_EPOCH = 1_800_000_000.0


def publish_error(client, post) -> PlatformError:
    with pytest.raises(PlatformError) as caught:
        client.publish(post)
    return caught.value


def test_publish_posts_the_text_and_returns_the_id_and_url(fake_x, x_client, outgoing):
    published = x_client.publish(outgoing("Chào mừng 50 năm quan hệ ngoại giao"))

    [tweet] = fake_x.tweets()
    assert published.platform_id == tweet.id
    assert published.url == f"https://x.com/i/web/status/{tweet.id}"
    assert tweet.posted_text == "Chào mừng 50 năm quan hệ ngoại giao"
    [request] = fake_x.requests_to(POST_TWEET)
    assert request.json == {"text": "Chào mừng 50 năm quan hệ ngoại giao"}
    assert 'oauth_token="1000-herald-access-token"' in request.headers["Authorization"]


def test_the_url_names_the_account_once_it_is_known(fake_x, x_client, outgoing):
    assert x_client.check_connection() == "@herald_office"

    published = x_client.publish(outgoing("Hello"))

    assert published.url == f"https://x.com/herald_office/status/{published.platform_id}"


def test_media_is_uploaded_through_v1_1_and_attached(fake_x, x_client, outgoing, image):
    picture = image("poster.png", width=3, height=2)

    published = x_client.publish(outgoing("With a poster", picture))

    [upload] = fake_x.requests_to(UPLOAD_MEDIA)
    with open(picture.path, "rb") as file:
        assert upload.files["media"].data == file.read()
    [tweet] = fake_x.tweets()
    assert tweet.id == published.platform_id
    [media_id] = tweet.media_ids
    assert fake_x.media(media_id).data == upload.files["media"].data
    [request] = fake_x.requests_to(POST_TWEET)
    assert request.json["media"] == {"media_ids": [media_id]}


def test_server_errors_are_transient_until_the_platform_recovers(fake_x, x_client, outgoing):
    fake_x.inject(fake_x_faults.server_error(503), times=2)
    post = outgoing("Retry me")

    first = publish_error(x_client, post)
    second = publish_error(x_client, post)
    published = x_client.publish(post)

    assert (first.kind, first.status) == (ErrorKind.TRANSIENT, 503)
    assert (second.kind, second.status) == (ErrorKind.TRANSIENT, 503)
    assert [tweet.id for tweet in fake_x.tweets()] == [published.platform_id]
    assert len(fake_x.requests_to(POST_TWEET)) == 3


@pytest.mark.parametrize("status", [500, 502, 504])
def test_every_5xx_is_transient(fake_x, x_client, outgoing, status):
    fake_x.inject(fake_x_faults.server_error(status))

    error = publish_error(x_client, outgoing("Hello"))

    assert (error.kind, error.status) == (ErrorKind.TRANSIENT, status)


def test_a_401_is_an_auth_failure(fake_x, x_client, outgoing):
    fake_x.inject(fake_x_faults.unauthorized())

    error = publish_error(x_client, outgoing("Hello"))

    assert (error.kind, error.status) == (ErrorKind.AUTH, 401)
    assert fake_x.tweets() == []


def test_a_revoked_token_is_an_auth_failure_everywhere(fake_x, x_client, outgoing, image):
    fake_x.revoke(X_TOKEN)

    for call in (
        lambda: x_client.publish(outgoing("Hello")),
        lambda: x_client.publish(outgoing("Hello", image())),  # fails at the media upload
        x_client.check_connection,
        lambda: x_client.find_published(outgoing("Hello"), since=datetime.now(UTC)),
    ):
        with pytest.raises(PlatformError) as caught:
            call()
        assert caught.value.kind is ErrorKind.AUTH
    assert fake_x.tweets() == []


def test_an_injected_429_waits_until_x_rate_limit_reset(fake_x, x_client, outgoing):
    fault = fake_x_faults.rate_limited(reset_in=600)
    fake_x.inject(fault)

    error = publish_error(x_client, outgoing("Hello"))

    reset = int(fault.headers["x-rate-limit-reset"])
    assert (error.kind, error.status) == (ErrorKind.RATE_LIMITED, 429)
    assert error.retry_at == datetime.fromtimestamp(reset, UTC)


def test_the_fakes_own_rate_limit_sends_real_headers(fake_x, x_client, outgoing):
    fake_x.clock = lambda: FIXED_EPOCH
    fake_x.set_rate_limit(POST_TWEET, 2, 900)

    x_client.publish(outgoing("one"))
    x_client.publish(outgoing("two"))
    error = publish_error(x_client, outgoing("three"))

    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_at == datetime.fromtimestamp(FIXED_EPOCH + 900, UTC)
    assert [tweet.posted_text for tweet in fake_x.tweets()] == ["one", "two"]


def test_a_spent_daily_allowance_waits_for_the_24_hour_reset(fake_x, x_client, outgoing):
    window_reset, daily_reset = 1_800_000_900, 1_800_050_000
    fake_x.inject(
        Fault(
            status=429,
            body={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
            headers={
                "x-rate-limit-reset": str(window_reset),
                "x-user-limit-24hour-limit": "17",
                "x-user-limit-24hour-remaining": "0",
                "x-user-limit-24hour-reset": str(daily_reset),
            },
        )
    )

    error = publish_error(x_client, outgoing("Hello"))

    assert error.retry_at == datetime.fromtimestamp(daily_reset, UTC)


def test_retry_after_is_used_when_there_is_no_reset_header(fake_x, make_x_client, outgoing):
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    client = make_x_client(clock=lambda: now)
    fake_x.inject(
        Fault(status=429, body={"detail": "Too Many Requests"}, headers={"Retry-After": "30"})
    )

    error = publish_error(client, outgoing("Hello"))

    assert error.retry_at == now + timedelta(seconds=30)


def test_duplicate_content_is_rejected_with_the_platforms_message(fake_x, x_client, outgoing):
    fake_x.inject(fake_x_faults.duplicate_content())

    error = publish_error(x_client, outgoing("Hello"))

    assert (error.kind, error.status) == (ErrorKind.REJECTED, 403)
    assert error.message == "You are not allowed to create a Tweet with duplicate content."


def test_the_fake_refuses_duplicates_when_asked_to(fake_x, x_client, outgoing):
    fake_x.reject_duplicates = True
    x_client.publish(outgoing("Same words"))

    error = publish_error(x_client, outgoing("Same words"))

    assert error.kind is ErrorKind.REJECTED
    assert "duplicate content" in error.message
    assert len(fake_x.tweets()) == 1


def test_a_403_about_app_permissions_is_an_auth_failure(fake_x, x_client, outgoing):
    fake_x.inject(
        fake_x_faults.forbidden(
            "Your client app is not configured with the appropriate oauth1 app permissions "
            "for this endpoint."
        )
    )

    assert publish_error(x_client, outgoing("Hello")).kind is ErrorKind.AUTH


def test_a_400_is_rejected_content(fake_x, x_client, outgoing):
    fake_x.inject(fake_x_faults.bad_request("Your media IDs are invalid."))

    error = publish_error(x_client, outgoing("Hello"))

    assert (error.kind, error.status) == (ErrorKind.REJECTED, 400)
    assert "media IDs are invalid" in error.message


def test_a_timeout_is_transient_and_does_not_wait_for_the_server(fake_x, make_x_client, outgoing):
    client = make_x_client(timeout=0.3)
    fake_x.inject(fake_x_faults.timeout(0.6))

    started = time.monotonic()
    error = publish_error(client, outgoing("Hello"))

    assert (error.kind, error.status) == (ErrorKind.TRANSIENT, None)  # no answer
    assert time.monotonic() - started < 0.55
    assert fake_x.tweets() == []


def test_a_timeout_of_the_media_upload_is_transient(fake_x, make_x_client, outgoing, image):
    client = make_x_client(timeout=0.3)
    fake_x.inject(fake_x_faults.timeout(0.6), route=UPLOAD_MEDIA)

    error = publish_error(client, outgoing("Hello", image()))

    assert error.kind is ErrorKind.TRANSIENT
    assert fake_x.requests_to(POST_TWEET) == []


def test_an_unreachable_server_is_transient_and_certainly_not_posted(fake_x, x_client, outgoing):
    fake_x.stop()

    with pytest.raises(PlatformError) as caught:
        x_client.publish(outgoing("Hello"))

    assert caught.value.kind is ErrorKind.TRANSIENT
    assert may_have_arrived(caught.value.__cause__) is False
    assert caught.value.unsent and not caught.value.may_have_published


def test_a_post_accepted_before_the_connection_dropped_is_found_again(fake_x, x_client, outgoing):
    since = datetime.now(UTC) - timedelta(seconds=1)
    post = outgoing("Kỷ niệm 30 năm: https://mofa.gov.vn/tin-tuc?id=1 & more")
    fake_x.add_tweet(X_TOKEN, "Kỷ niệm 30 năm & more")  # not it: the link is missing
    fake_x.inject(fake_x_faults.accept_then_drop())

    published = x_client.publish(post)  # no answer, but the timeline shows the tweet
    found = x_client.find_published(post, since=since)

    tweet = fake_x.tweets()[-1]
    assert "t.co" in tweet.text and "&amp;" in tweet.text  # what X really sends back
    assert published.platform_id == found.platform_id == tweet.id
    assert found.url.endswith(f"/status/{tweet.id}")
    assert found.published_at == tweet.created_at.replace(
        microsecond=tweet.created_at.microsecond // 1000 * 1000
    )
    assert len(fake_x.requests_to(POST_TWEET)) == 1


def test_a_slow_answer_after_the_tweet_was_created_is_not_a_failure(
    fake_x, make_x_client, outgoing
):
    client = make_x_client(timeout=0.3)
    fake_x.inject(fake_x_faults.timeout(0.6, accept=True))

    published = client.publish(outgoing("Slow but done"))

    assert [tweet.id for tweet in fake_x.tweets()] == [published.platform_id]


def test_a_connection_dropped_before_the_tweet_was_created_is_transient(fake_x, x_client, outgoing):
    fake_x.inject(Fault(drop=True))

    error = publish_error(x_client, outgoing("Never arrived"))

    assert error.kind is ErrorKind.TRANSIENT
    assert fake_x.tweets() == []
    assert len(fake_x.requests_to("GET /2/users/:id/tweets")) == 1  # it looked, found nothing


def test_when_the_timeline_cannot_be_read_the_drop_stays_transient(fake_x, x_client, outgoing):
    x_client.check_connection()
    fake_x.inject(fake_x_faults.accept_then_drop())
    fake_x.inject(fake_x_faults.server_error(503), route="GET /2/users/:id/tweets")

    error = publish_error(x_client, outgoing("Maybe published"))

    assert (error.kind, error.status) == (ErrorKind.TRANSIENT, None)
    assert fake_x.pending_faults() == 0
    assert len(fake_x.tweets()) == 1  # the outbox must reconcile before any retry


def test_an_answer_from_x_is_never_second_guessed(fake_x, x_client, outgoing):
    fake_x.inject(fake_x_faults.server_error(503))

    publish_error(x_client, outgoing("Hello"))

    assert fake_x.requests_to("GET /2/users/:id/tweets") == []


def test_a_post_with_media_is_found_again(fake_x, x_client, outgoing, image):
    since = datetime.now(UTC) - timedelta(seconds=1)
    post = outgoing("Poster", image())
    fake_x.inject(fake_x_faults.accept_then_drop())

    published = x_client.publish(post)

    assert published.platform_id == fake_x.tweets()[0].id
    assert x_client.find_published(post, since=since).platform_id == published.platform_id
    assert x_client.find_published(outgoing("Poster"), since=since) is None


def test_find_published_is_none_when_the_post_never_arrived(fake_x, x_client, outgoing):
    fake_x.add_tweet(X_TOKEN, "Something else")

    assert (
        x_client.find_published(outgoing("Hello"), since=datetime.now(UTC) - timedelta(hours=1))
        is None
    )


def test_find_published_ignores_tweets_before_since(fake_x, x_client, outgoing):
    fake_x.add_tweet(X_TOKEN, "Hello", created_at=datetime.now(UTC) - timedelta(days=2))

    assert (
        x_client.find_published(outgoing("Hello"), since=datetime.now(UTC) - timedelta(hours=1))
        is None
    )


def test_find_published_reads_past_the_first_page(fake_x, x_client, outgoing):
    since = datetime.now(UTC) - timedelta(minutes=1)
    target = fake_x.add_tweet(X_TOKEN, "The one we lost")
    for number in range(150):
        fake_x.add_tweet(X_TOKEN, f"Later post {number}")

    found = x_client.find_published(outgoing("The one we lost"), since=since)

    assert found is not None and found.platform_id == target.id
    assert len(fake_x.requests_to("GET /2/users/:id/tweets")) == 2


def test_check_connection_names_the_account(fake_x, x_client):
    assert x_client.check_connection() == "@herald_office"
    assert len(fake_x.requests_to(GET_ME)) == 1


def test_check_connection_reports_an_outage_as_transient(fake_x, x_client):
    fake_x.inject(fake_x_faults.server_error(503), route=GET_ME)

    with pytest.raises(PlatformError) as caught:
        x_client.check_connection()

    assert caught.value.kind is ErrorKind.TRANSIENT


def test_comparable_text_removes_links_escapes_and_spacing():
    assert comparable_text("A  https://t.co/abc &amp; B\n") == comparable_text(
        "A https://x.org/p & B"
    )
    assert comparable_text("A & B") != comparable_text("A & C")
