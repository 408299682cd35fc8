"""Which adapter serves a channel, built from the channel's decrypted credentials and the
application's configuration.

``config`` is the Flask configuration (or any mapping with the same keys):

- ``SECRET_KEY`` (from ``HERALD_SECRET_KEY``): decrypts the channel's credentials;
- ``HERALD_X_API_BASE``, ``HERALD_TELEGRAM_API_BASE``: where the platforms are (tests, demos and
  staging point them at the fakes in ``tests/fakes``); a Mastodon channel talks to the instance
  in its credentials, unless ``HERALD_MASTODON_API_BASE`` sends every instance to a fake;
- ``HERALD_PLATFORM_TIMEOUT`` (optional, seconds, default 10): how long one platform call may take.

The adapters read no environment themselves. X and Telegram clients hold connection pools (and
the Telegram client an event loop): keep one per channel while working and ``close()`` it after.
A sandbox client writes through the session the channel was loaded in, so it is part of the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import object_session

from bots.mastodon import MastodonClient
from bots.sandbox import SandboxClient
from bots.telegram import DEFAULT_API_BASE as TELEGRAM_API_BASE
from bots.telegram import TelegramClient
from bots.x import DEFAULT_API_BASE as X_API_BASE
from bots.x import XClient
from campaigns.errors import Invalid
from campaigns.social.credentials import channel_credentials
from campaigns.social.models import Channel, ChannelKind
from campaigns.social.platform import ErrorKind, PlatformClient, PlatformError
from campaigns.social.rules import CREDENTIAL_FIELDS

DEFAULT_TIMEOUT = 10.0


def _secret(config: Mapping[str, Any]) -> str:
    return config.get("SECRET_KEY") or config.get("HERALD_SECRET_KEY") or ""


def client_for(
    channel: Channel,
    *,
    config: Mapping[str, Any],
    clock: Callable[[], datetime] | None = None,
) -> PlatformClient:
    """The platform client of ``channel``.

    Raises PlatformError(AUTH) when the channel has no credentials or they cannot be decrypted
    with this server's secret (the channel is then broken until someone enters them again), and
    ValueError for a kind Herald does not know or when ``config`` has no secret.
    """
    timeout = float(config.get("HERALD_PLATFORM_TIMEOUT") or DEFAULT_TIMEOUT)
    if channel.kind == ChannelKind.SANDBOX:
        session = object_session(channel)
        if session is None:
            raise ValueError("a sandbox channel must be loaded in a session")
        return SandboxClient(session=session, channel=channel, clock=clock)
    if channel.kind not in (ChannelKind.X, ChannelKind.TELEGRAM, ChannelKind.MASTODON):
        raise ValueError(f"unknown channel kind {channel.kind!r}")
    credentials = _credentials(channel, config)
    if channel.kind == ChannelKind.MASTODON:
        return MastodonClient(
            instance_url=config.get("HERALD_MASTODON_API_BASE") or credentials["instance_url"],
            access_token=credentials["mastodon_token"],
            visibility=channel.visibility or "public",
            language=channel.language.split("-")[0] or None,
            timeout=timeout,
            clock=clock,
        )
    if channel.kind == ChannelKind.X:
        return XClient(
            consumer_key=credentials["consumer_key"],
            consumer_secret=credentials["consumer_secret"],
            access_token=credentials["access_token"],
            access_token_secret=credentials["access_token_secret"],
            api_base=config.get("HERALD_X_API_BASE") or X_API_BASE,
            timeout=timeout,
            username=channel.handle.removeprefix("@") or None,
            clock=clock,
        )
    return TelegramClient(
        token=credentials["bot_token"],
        chat_id=channel.handle,
        api_base=config.get("HERALD_TELEGRAM_API_BASE") or TELEGRAM_API_BASE,
        timeout=timeout,
        clock=clock,
    )


def _credentials(channel: Channel, config: Mapping[str, Any]) -> dict[str, str]:
    try:
        credentials = channel_credentials(channel, secret=_secret(config))
    except Invalid as error:
        raise PlatformError(ErrorKind.AUTH, str(error)) from error
    missing = [name for name in CREDENTIAL_FIELDS[channel.kind] if not credentials.get(name)]
    if missing:
        raise PlatformError(
            ErrorKind.AUTH, f"The channel has no credentials ({', '.join(missing)}); enter them."
        )
    return credentials
