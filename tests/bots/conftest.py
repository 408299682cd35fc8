"""Fixtures for the platform adapters: the fake servers, clients pointed at them, images."""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from bots.mastodon import MastodonClient
from bots.telegram import TelegramClient
from bots.x import XClient
from campaigns.social.platform import MediaFile, OutgoingPost, fingerprint
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.telegram import FakeTelegram
from tests.fakes.x import FakeX

X_TOKEN = "1000-herald-access-token"
TELEGRAM_TOKEN = "123456:TEST-telegram-bot-token"
CHANNEL = "@herald_channel"
MASTODON_TOKEN = "herald-mastodon-access-token"


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    with FakeX() as fake:
        fake.add_account(X_TOKEN, username="herald_office", name="Herald Office")
        yield fake


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        fake.add_chat(CHANNEL, title="Herald Channel")
        yield fake


@pytest.fixture
def fake_mastodon() -> Iterator[FakeMastodon]:
    with FakeMastodon() as fake:
        fake.add_account(MASTODON_TOKEN, username="herald_office", display_name="Herald Office")
        yield fake


@pytest.fixture
def make_mastodon_client(fake_mastodon: FakeMastodon) -> Iterator[Callable[..., MastodonClient]]:
    """Builds Mastodon clients on the fake (closed after the test)."""
    with ExitStack() as clients:

        def make(
            *, access_token: str = MASTODON_TOKEN, timeout: float = 2.0, **options
        ) -> MastodonClient:
            client = MastodonClient(
                instance_url=fake_mastodon.base_url,
                access_token=access_token,
                timeout=timeout,
                **options,
            )
            return clients.enter_context(client)

        yield make


@pytest.fixture
def make_x_client(fake_x: FakeX) -> Iterator[Callable[..., XClient]]:
    """Builds X clients on the fake (closed after the test): ``make_x_client(timeout=0.3)``."""
    with ExitStack() as clients:

        def make(*, access_token: str = X_TOKEN, timeout: float = 2.0, **options) -> XClient:
            client = XClient(
                consumer_key="consumer-key",
                consumer_secret="consumer-secret",
                access_token=access_token,
                access_token_secret="access-secret",
                api_base=fake_x.base_url,
                timeout=timeout,
                **options,
            )
            return clients.enter_context(client)

        yield make


@pytest.fixture
def make_telegram_client(fake_telegram: FakeTelegram) -> Iterator[Callable[..., TelegramClient]]:
    """Builds Telegram clients on the fake (closed after the test)."""
    with ExitStack() as clients:

        def make(
            *,
            token: str = TELEGRAM_TOKEN,
            chat_id: str | int = CHANNEL,
            timeout: float = 2.0,
            **options,
        ) -> TelegramClient:
            client = TelegramClient(
                token=token,
                chat_id=chat_id,
                api_base=fake_telegram.base_url,
                timeout=timeout,
                **options,
            )
            return clients.enter_context(client)

        yield make


@pytest.fixture
def x_client(make_x_client) -> XClient:
    return make_x_client()


@pytest.fixture
def telegram_client(make_telegram_client) -> TelegramClient:
    return make_telegram_client()


@pytest.fixture
def image(tmp_path: Path) -> Callable[..., MediaFile]:
    """Writes a small PNG and describes it: ``image("a.png", colour=b"\\0\\0\\xff")``."""

    def make(name: str = "image.png", **options) -> MediaFile:
        data = png_bytes(**options)
        path = tmp_path / name
        path.write_bytes(data)
        return MediaFile(str(path), "image/png", hashlib.sha256(data).hexdigest())

    return make


def png_bytes(width: int = 1, height: int = 1, colour: bytes = b"\xff\x00\x00") -> bytes:
    """A valid PNG image, made without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + colour * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def outgoing() -> Callable[..., OutgoingPost]:
    """An OutgoingPost with its fingerprint: ``outgoing("text", image())``."""

    def make(text: str, *media: MediaFile) -> OutgoingPost:
        return OutgoingPost(text, tuple(media), fingerprint(text, [m.sha256 for m in media]))

    return make


@pytest.fixture
def mastodon_client(make_mastodon_client) -> MastodonClient:
    return make_mastodon_client()
