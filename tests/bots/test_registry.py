"""The adapter factory: a channel row and the configuration in, a working client out; and the
sandbox adapter writing into Herald's own database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bots.registry import client_for
from bots.sandbox import SandboxClient
from bots.telegram import TelegramClient
from bots.x import XClient
from campaigns.social.channels import ChannelInput, create_channel, sandbox_posts
from campaigns.social.platform import ErrorKind, PlatformClient, PlatformError
from tests.bots.conftest import CHANNEL, TELEGRAM_TOKEN, X_TOKEN
from tests.conftest import TEST_SECRET
from tests.factories import create_unit

X_CREDENTIALS = {
    "consumer_key": "consumer-key",
    "consumer_secret": "consumer-secret",
    "access_token": X_TOKEN,
    "access_token_secret": "access-secret",
}


@pytest.fixture
def config(fake_x, fake_telegram):
    return {
        "SECRET_KEY": TEST_SECRET,
        "HERALD_X_API_BASE": fake_x.base_url,
        "HERALD_TELEGRAM_API_BASE": fake_telegram.base_url,
        "HERALD_PLATFORM_TIMEOUT": 2,
    }


@pytest.fixture
def make_channel(session, now):
    unit = create_unit(session)

    def make(kind: str, handle: str = "", credentials: dict[str, str] | None = None):
        data = ChannelInput(
            kind=kind,
            name=f"{kind} channel",
            language="vi",
            owner_unit_code=unit.code,
            handle=handle,
        )
        return create_channel(
            session, actor=None, now=now, data=data, credentials=credentials, secret=TEST_SECRET
        )

    return make


def test_an_x_channel_publishes_to_the_configured_api(make_channel, config, fake_x, outgoing):
    channel = make_channel("x", handle="@herald_office", credentials=X_CREDENTIALS)

    with client_for(channel, config=config) as client:
        assert isinstance(client, XClient) and isinstance(client, PlatformClient)
        published = client.publish(outgoing("From the registry"))

    [tweet] = fake_x.tweets(username="herald_office")
    assert published.url == f"https://x.com/herald_office/status/{tweet.id}"


def test_a_telegram_channel_posts_into_its_chat(make_channel, config, fake_telegram, outgoing):
    channel = make_channel("telegram", handle=CHANNEL, credentials={"bot_token": TELEGRAM_TOKEN})

    with client_for(channel, config=config) as client:
        assert isinstance(client, TelegramClient)
        assert client.reconcilable is False
        client.publish(outgoing("From the registry"))

    assert [m.text for m in fake_telegram.messages(CHANNEL)] == ["From the registry"]


def test_credentials_that_the_secret_cannot_read_are_an_auth_failure(make_channel, config):
    channel = make_channel("x", credentials=X_CREDENTIALS)

    with pytest.raises(PlatformError) as caught:
        client_for(channel, config={**config, "SECRET_KEY": "another-secret-" + "x" * 32})

    assert caught.value.kind is ErrorKind.AUTH
    assert "consumer-secret" not in str(caught.value)


def test_a_channel_without_credentials_is_an_auth_failure(make_channel, config):
    channel = make_channel("telegram", handle=CHANNEL, credentials={"bot_token": TELEGRAM_TOKEN})
    channel.credentials_encrypted = None

    with pytest.raises(PlatformError) as caught:
        client_for(channel, config=config)

    assert caught.value.kind is ErrorKind.AUTH


def test_a_sandbox_channel_publishes_into_the_database(
    make_channel, config, session, now, outgoing
):
    channel = make_channel("sandbox")
    client = client_for(channel, config=config, clock=lambda: now)
    post = outgoing("Rehearsal")

    published = client.publish(post)

    assert isinstance(client, SandboxClient) and client.reconcilable
    [row] = sandbox_posts(session, channel=channel)
    assert (row.text, published.platform_id) == ("Rehearsal", str(row.id))
    assert client.find_published(post, since=now - timedelta(minutes=1)) == published
    assert client.check_connection() == "sandbox: sandbox channel"


def test_the_sandbox_refuses_the_same_content_twice(make_channel, config, now, outgoing):
    client = client_for(make_channel("sandbox"), config=config, clock=lambda: now)
    client.publish(outgoing("Once"))

    with pytest.raises(PlatformError) as caught:
        client.publish(outgoing("Once"))

    assert caught.value.kind is ErrorKind.REJECTED
