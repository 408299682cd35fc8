"""The Mastodon adapter (Mastodon.py) against the fake instance: publishing with Idempotency-Key,
images with alt text, each error class, reconcile after a crash, the instance's limits, metrics."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from bots.mastodon import comparable_text, plain_text
from campaigns.metrics.rules import Gone, Reading
from campaigns.social.platform import ErrorKind, MediaFile, PlatformError
from tests.bots.conftest import MASTODON_TOKEN
from tests.fakes import mastodon as faults
from tests.fakes.mastodon import (
    ACCOUNT_STATUSES,
    POST_MEDIA,
    POST_STATUS,
    content_html,
)


def publish_error(client, post) -> PlatformError:
    with pytest.raises(PlatformError) as caught:
        client.publish(post)
    return caught.value


def keyed(post, key: str):
    return type(post)(post.text, post.media, post.fingerprint, key)


def test_publish_posts_the_status_with_the_channels_visibility_and_language(
    fake_mastodon, make_mastodon_client, outgoing
):
    client = make_mastodon_client(visibility="unlisted", language="vi")

    published = client.publish(keyed(outgoing("Xin chào từ Hà Nội"), "herald-publication-1"))

    [status] = fake_mastodon.statuses()
    assert (status.text, status.visibility, status.language) == (
        "Xin chào từ Hà Nội",
        "unlisted",
        "vi",
    )
    assert published.platform_id == status.id
    assert published.url == f"https://social.example/@herald_office/{status.id}"
    assert published.published_at is not None
    [request] = fake_mastodon.requests_to(POST_STATUS)
    assert request.headers["Authorization"] == f"Bearer {MASTODON_TOKEN}"
    assert request.headers["Idempotency-Key"] == "herald-publication-1"


def test_a_retry_of_the_same_publication_never_posts_twice(
    fake_mastodon, mastodon_client, outgoing
):
    post = keyed(outgoing("Một lần thôi"), "herald-publication-7-abc")

    first = mastodon_client.publish(post)
    again = mastodon_client.publish(post)  # the outbox retried: same key, same status
    other = mastodon_client.publish(keyed(post, "herald-publication-8-abc"))

    assert first.platform_id == again.platform_id != other.platform_id
    assert len(fake_mastodon.statuses()) == 2
    assert len(fake_mastodon.requests_to(POST_STATUS)) == 3


def test_without_a_key_the_fingerprint_is_the_key(fake_mastodon, mastodon_client, outgoing):
    post = outgoing("No publication behind it")

    mastodon_client.publish(post)

    [request] = fake_mastodon.requests_to(POST_STATUS)
    assert request.headers["Idempotency-Key"] == f"herald-{post.fingerprint}"


def test_images_are_uploaded_with_their_alt_text_and_attached(
    fake_mastodon, mastodon_client, outgoing, image
):
    first, second = image("a.png"), image("b.png", colour=b"\x00\x00\xff")
    described = MediaFile(first.path, first.mime_type, first.sha256, "Lễ thượng cờ ở Trường Sa")

    mastodon_client.publish(outgoing("Two pictures", described, second))

    [status] = fake_mastodon.statuses()
    assert len(status.media_ids) == 2
    media = [fake_mastodon.media(media_id) for media_id in status.media_ids]
    assert media[0].description == "Lễ thượng cờ ở Trường Sa"
    assert media[1].description is None
    assert media[0].data.startswith(b"\x89PNG") and media[0].content_type == "image/png"
    assert len(fake_mastodon.requests_to(POST_MEDIA)) == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_transient(fake_mastodon, mastodon_client, outgoing, status):
    fake_mastodon.inject(faults.server_error(status))

    error = publish_error(mastodon_client, outgoing("Hello"))

    assert (error.kind, error.status) == (ErrorKind.TRANSIENT, status)
    assert not error.may_have_published
    assert fake_mastodon.statuses() == []


def test_a_429_waits_until_x_ratelimit_reset(fake_mastodon, mastodon_client, outgoing):
    fake_mastodon.inject(faults.rate_limited(reset_in=240))
    before = datetime.now(UTC)

    error = publish_error(mastodon_client, outgoing("Hello"))

    assert (error.kind, error.status) == (ErrorKind.RATE_LIMITED, 429)
    assert error.retry_at is not None
    assert before + timedelta(seconds=200) < error.retry_at < before + timedelta(seconds=260)


def test_the_fakes_own_rate_limit_is_rate_limited(fake_mastodon, mastodon_client, outgoing):
    fake_mastodon.set_rate_limit(POST_STATUS, 1, 300)
    mastodon_client.publish(outgoing("One"))

    error = publish_error(mastodon_client, outgoing("Two"))

    assert error.kind is ErrorKind.RATE_LIMITED and error.retry_at is not None


def test_a_revoked_token_is_an_auth_failure(fake_mastodon, mastodon_client, outgoing, image):
    fake_mastodon.revoke(MASTODON_TOKEN)

    error = publish_error(mastodon_client, outgoing("Hello", image()))
    with pytest.raises(PlatformError) as check:
        mastodon_client.check_connection()

    assert (error.kind, error.status) == (ErrorKind.AUTH, 401)
    assert check.value.kind is ErrorKind.AUTH
    assert "revoked" in check.value.message


def test_a_403_about_the_token_is_auth_and_another_is_rejected(
    fake_mastodon, mastodon_client, outgoing
):
    fake_mastodon.inject(faults._error(403, "This action is outside the authorized scopes"))
    fake_mastodon.inject(faults.forbidden())

    scope = publish_error(mastodon_client, outgoing("One"))
    other = publish_error(mastodon_client, outgoing("Two"))

    assert scope.kind is ErrorKind.AUTH
    assert other.kind is ErrorKind.REJECTED


def test_a_text_too_long_for_the_instance_is_rejected_with_its_message(
    fake_mastodon, mastodon_client, outgoing
):
    fake_mastodon.max_characters = 50

    error = publish_error(mastodon_client, outgoing("x" * 51))

    assert (error.kind, error.status) == (ErrorKind.REJECTED, 422)
    assert error.message == "Validation failed: Text character limit of 50 exceeded"


def test_the_instance_counts_a_link_as_23(fake_mastodon, mastodon_client, outgoing):
    fake_mastodon.max_characters = 30
    long_link = "https://example.com/" + "a" * 200

    mastodon_client.publish(outgoing(f"Read {long_link}"))  # 5 + 23 characters

    assert len(fake_mastodon.statuses()) == 1


def test_a_timeout_is_transient_may_have_published_and_quick(
    fake_mastodon, make_mastodon_client, outgoing
):
    client = make_mastodon_client(timeout=0.3)
    fake_mastodon.inject(faults.timeout(0.6))
    fake_mastodon.inject(faults.server_error(503), route=ACCOUNT_STATUSES)

    started = time.monotonic()
    error = publish_error(client, outgoing("Hello"))

    assert (error.kind, error.status) == (ErrorKind.TRANSIENT, None)
    assert error.may_have_published
    assert time.monotonic() - started < 1.5
    assert fake_mastodon.statuses() == []


def test_an_unreachable_instance_is_transient_and_unsent(fake_mastodon, mastodon_client, outgoing):
    fake_mastodon.stop()

    error = publish_error(mastodon_client, outgoing("Hello"))

    assert error.kind is ErrorKind.TRANSIENT
    assert error.unsent and not error.may_have_published


def test_a_status_accepted_before_the_connection_dropped_is_found_again(
    fake_mastodon, mastodon_client, outgoing
):
    since = datetime.now(UTC) - timedelta(seconds=1)
    post = outgoing('Kỷ niệm 30 năm: https://mofa.gov.vn/tin-tuc?id=1&x=2 & "more"\nDòng hai')
    fake_mastodon.add_status(MASTODON_TOKEN, "Kỷ niệm 30 năm & more", created_at=since)
    fake_mastodon.inject(faults.accept_then_drop())

    published = mastodon_client.publish(post)  # no answer, but the account shows the status
    found = mastodon_client.find_published(post, since=since)

    status = fake_mastodon.statuses()[-1]
    assert "&amp;" in content_html(status.text) and "<br />" in content_html(status.text)
    assert published.platform_id == found.platform_id == status.id
    assert len(fake_mastodon.requests_to(POST_STATUS)) == 1


def test_when_the_account_cannot_be_read_the_retry_with_the_same_key_finds_the_status(
    fake_mastodon, mastodon_client, outgoing
):
    post = keyed(outgoing("Sent once"), "herald-publication-3-ff")
    fake_mastodon.inject(faults.accept_then_drop())
    fake_mastodon.inject(faults.server_error(503), route=ACCOUNT_STATUSES)

    error = publish_error(mastodon_client, post)
    retried = mastodon_client.publish(post)

    assert error.may_have_published
    [status] = fake_mastodon.statuses()
    assert retried.platform_id == status.id


def test_reconcile_after_a_crash_finds_the_status_already_on_the_account(
    fake_mastodon, mastodon_client, outgoing, image
):
    since = datetime.now(UTC) - timedelta(minutes=5)
    post = outgoing("Tuyên bố của Người Phát ngôn <Bộ Ngoại giao>", image())
    # A first worker posted it and died before recording the answer.
    make_first = type(mastodon_client)
    first = make_first(instance_url=fake_mastodon.base_url, access_token=MASTODON_TOKEN)
    first.publish(post)
    first.close()
    for number in range(45):  # later statuses push it to the second page
        fake_mastodon.add_status(MASTODON_TOKEN, f"Later {number}", created_at=datetime.now(UTC))

    found = mastodon_client.find_published(post, since=since)
    without_image = mastodon_client.find_published(
        outgoing("Tuyên bố của Người Phát ngôn <Bộ Ngoại giao>"), since=since
    )

    assert found is not None and found.platform_id == fake_mastodon.statuses()[0].id
    assert without_image is None
    assert len(fake_mastodon.requests_to(POST_STATUS)) == 1


def test_find_published_ignores_statuses_before_since(fake_mastodon, mastodon_client, outgoing):
    old = datetime.now(UTC) - timedelta(hours=2)
    fake_mastodon.add_status(MASTODON_TOKEN, "Hello", created_at=old)

    assert mastodon_client.find_published(outgoing("Hello"), since=old + timedelta(hours=1)) is None


def test_check_connection_names_the_account_and_reads_the_instances_limits(
    fake_mastodon, mastodon_client
):
    fake_mastodon.max_characters = 5000
    fake_mastodon.characters_reserved_per_url = 30

    assert mastodon_client.check_connection() == "@herald_office"
    assert mastodon_client.platform_limits() == {
        "max_characters": 5000,
        "characters_reserved_per_url": 30,
        "max_media_attachments": 4,
        "image_size_limit": 16_777_216,
    }


def test_metrics_are_favourites_boosts_and_replies(fake_mastodon, mastodon_client, outgoing):
    published = mastodon_client.publish(outgoing("Count me"))
    gone = mastodon_client.publish(outgoing("Delete me"))
    fake_mastodon.set_metrics(
        published.platform_id, favourites_count=12, reblogs_count=5, replies_count=3
    )
    fake_mastodon.delete_status(gone.platform_id)

    results = mastodon_client.read_metrics(
        [published.platform_id, gone.platform_id], at=datetime.now(UTC)
    )

    reading = results[published.platform_id]
    assert isinstance(reading, Reading)
    assert (reading.reactions, reading.redistribution, reading.conversation) == (12, 5, 3)
    assert reading.reach is None and reading.engagements == 20
    assert isinstance(results[gone.platform_id], Gone)


def test_metrics_during_an_outage_raise_transient(fake_mastodon, mastodon_client, outgoing):
    published = mastodon_client.publish(outgoing("Count me"))
    fake_mastodon.inject(faults.server_error(502), route="GET /api/v1/statuses/:id")

    with pytest.raises(PlatformError) as caught:
        mastodon_client.read_metrics([published.platform_id], at=datetime.now(UTC))

    assert caught.value.kind is ErrorKind.TRANSIENT


def test_plain_text_undoes_mastodons_html():
    text = 'Một & hai <ba> "bốn"\nnăm https://example.com/' + "x" * 60 + "\n\nĐoạn hai"

    assert plain_text(content_html(text)) == text
    assert comparable_text(plain_text(content_html(text))) == comparable_text(text)
