"""The platform clients a worker thread keeps, one per channel (the outbox worker and the
metrics collector alike).

Clients hold connection pools and are not thread-safe, so each thread has its own cache. A
client is kept while its channel's settings (credentials, handle) are unchanged and it is in use:
platforms close keep-alive connections that sat idle (the fake X after 30 s), and a post sent
just as the server closes its connection gets no answer and must be reconciled after a backoff,
so a client idle longer than ``CLIENT_IDLE`` starts again with fresh connections. A sandbox
client writes through the session it was made in, so it is made each time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from campaigns.social.models import Channel, ChannelKind

log = logging.getLogger(__name__)

CLIENT_IDLE = timedelta(seconds=20)


@dataclass
class _Cached:
    key: tuple[int, Any]
    client: Any
    used_at: datetime


class ChannelClients:
    """Each channel's client from ``factory``, kept as the module docstring says."""

    def __init__(self, factory: Callable[[Channel], Any]) -> None:
        self.factory = factory
        self._cached: dict[int, _Cached] = {}

    def get(self, channel: Channel, now: datetime) -> Any:
        if channel.kind == ChannelKind.SANDBOX:
            return self.factory(channel)
        key = (channel.id, channel.updated_at)
        cached = self._cached.get(channel.id)
        if cached is not None and cached.key == key and now - cached.used_at < CLIENT_IDLE:
            cached.used_at = now
            return cached.client
        self.forget(channel.id)
        client = self.factory(channel)
        self._cached[channel.id] = _Cached(key, client, now)
        return client

    def forget(self, channel_id: int) -> None:
        """Close the channel's client (its credentials failed, or it is to be tried afresh)."""
        cached = self._cached.pop(channel_id, None)
        if cached is not None:
            close_client(cached.client)

    def close(self) -> None:
        """Release every client's connections."""
        for channel_id in list(self._cached):
            self.forget(channel_id)


def close_client(client: Any) -> None:
    close = getattr(client, "close", None)
    if close is not None:
        try:
            close()
        except Exception:
            log.exception("closing a platform client failed")
