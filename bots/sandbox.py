"""The sandbox adapter: "publishes" into Herald's own database, shown on a local page per channel.

It is the demo's default platform and a safe place to rehearse: the same outbox, the same errors
(the sandbox refuses the same content twice within a day, like X), no account anywhere. The
writes happen in the caller's session, inside the worker's own transaction, so a publication and
its sandbox post are committed together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.metrics.rules import Gone, Reading
from campaigns.metrics.sandbox import sandbox_reading
from campaigns.social.channels import find_sandbox_post, record_sandbox_post
from campaigns.social.models import Channel, SandboxPost
from campaigns.social.platform import OutgoingPost, PublishedPost


class SandboxClient:
    """One sandbox channel, writing through ``session``."""

    reconcilable = True
    # The outbox worker calls it in its own thread: the session is not to be shared.
    uses_caller_session = True

    def __init__(
        self,
        *,
        session: Session,
        channel: Channel,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._session = session
        self._channel = channel
        self._clock = clock or (lambda: datetime.now(UTC))

    def close(self) -> None:
        """Nothing to release: the session belongs to the caller."""

    def __enter__(self) -> SandboxClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def publish(self, post: OutgoingPost) -> PublishedPost:
        """Record the post on the channel's page; raises ``PlatformError`` (REJECTED for the
        same content twice within a day)."""
        return record_sandbox_post(
            self._session, channel=self._channel, post=post, now=self._clock()
        )

    def find_published(self, post: OutgoingPost, *, since: datetime) -> PublishedPost | None:
        return find_sandbox_post(self._session, channel=self._channel, post=post, since=since)

    def check_connection(self) -> str:
        return f"sandbox: {self._channel.name}"

    def read_metrics(
        self, platform_ids: Sequence[str], *, at: datetime, private: bool = True
    ) -> dict[str, Reading | Gone]:
        """Sandbox figures (``campaigns.metrics.sandbox``) of the channel's posts at ``at``;
        a post that is not on the channel's page is ``Gone``."""
        wanted = {str(platform_id) for platform_id in platform_ids}
        numbers = [int(platform_id) for platform_id in wanted if platform_id.isdigit()]
        rows = self._session.execute(
            select(SandboxPost.id, SandboxPost.published_at).where(
                SandboxPost.channel_id == self._channel.id, SandboxPost.id.in_(numbers)
            )
        ).all()
        results: dict[str, Reading | Gone] = {
            str(row.id): sandbox_reading(str(row.id), published_at=row.published_at, at=at)
            for row in rows
        }
        for platform_id in wanted - set(results):
            results[platform_id] = Gone("The post is no longer on the sandbox channel.")
        return results
