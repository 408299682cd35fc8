"""The vocabulary shared by the outbox and the platform adapters in ``bots/``.

The domain never imports a platform client; the adapters (X, Telegram, sandbox) implement
``PlatformClient`` and speak to the outbox only through these types. Errors are classified once,
in the adapter, so the outbox can decide what a failure means without knowing the platform.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable


class ErrorKind(StrEnum):
    """How a platform failure is handled (DESIGN.md, "The publishing pipeline")."""

    TRANSIENT = "transient"  # 5xx, timeout, network: retry with backoff and jitter
    RATE_LIMITED = "rate_limited"  # 429: wait until the reset, hold the channel's budget
    AUTH = "auth"  # 401, revoked token: channel broken, queue held, owner alerted
    REJECTED = "rejected"  # 400/403, duplicate content: dead with the platform's message


class PlatformError(Exception):
    """A classified failure of a platform call.

    ``retry_at`` is the aware UTC instant the platform asked us to wait for (``Retry-After``,
    Telegram's ``retry_after``, X's ``x-rate-limit-reset``), when it said so.
    ``status`` is the HTTP status of the platform's answer; None when there was no answer.
    ``unsent``: the request never reached the platform (connection refused, name not resolved,
    no connection within the timeout), so nothing can have been published.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        retry_at: datetime | None = None,
        status: int | None = None,
        unsent: bool = False,
    ) -> None:
        if retry_at is not None and (retry_at.tzinfo is None or retry_at.utcoffset() is None):
            raise ValueError("retry_at must be an aware instant")
        self.kind = ErrorKind(kind)
        self.message = message
        self.retry_at = retry_at
        self.status = status
        self.unsent = unsent
        super().__init__(message)

    @property
    def may_have_published(self) -> bool:
        """A transient failure without any HTTP answer after the request went out (timeout,
        dropped connection): the platform may have accepted the post, so it must be looked for
        before any retry. A request that never left (``unsent``) is simply retried."""
        return self.kind == ErrorKind.TRANSIENT and self.status is None and not self.unsent

    def __repr__(self) -> str:
        return f"PlatformError({self.kind.value!r}, {self.message!r}, status={self.status!r})"


@dataclass(frozen=True)
class MediaFile:
    """An image to attach: where it is on disk, its type, and its content digest."""

    path: str
    mime_type: str
    sha256: str
    # The image's text alternative for people who cannot see it (alt text), when one was written.
    description: str = ""


@dataclass(frozen=True)
class OutgoingPost:
    """What an adapter publishes: the final text, the media, and the fingerprint to find it by."""

    text: str
    media: tuple[MediaFile, ...]
    fingerprint: str
    # The publication's identity: a platform that deduplicates requests by key (Mastodon's
    # ``Idempotency-Key``) is sent this, so a retry of one publication can never post twice.
    idempotency_key: str = ""


@dataclass(frozen=True)
class PublishedPost:
    """What a platform says it published.

    ``allowance``: what the platform said with its answer about the account's own rate limit
    (X's ``x-rate-limit-remaining`` / ``x-rate-limit-reset``), when it said so.
    """

    platform_id: str
    url: str
    published_at: datetime | None = None
    allowance: Allowance | None = None


@dataclass(frozen=True)
class Allowance:
    """The platform's own rate limit as its last answer showed it: ``remaining`` more posts are
    allowed until ``reset_at`` (of ``limit`` per window, when it said)."""

    remaining: int
    reset_at: datetime
    limit: int | None = None


@runtime_checkable
class PlatformClient(Protocol):
    """One channel's connection to its platform. Every method raises ``PlatformError``."""

    def publish(self, post: OutgoingPost) -> PublishedPost: ...

    def find_published(self, post: OutgoingPost, *, since: datetime) -> PublishedPost | None: ...

    def check_connection(self) -> str: ...


def normalise_text(text: str) -> str:
    """The form of a text that survives a platform's round trip: NFC, trimmed, single-spaced.

    Platforms trim trailing whitespace and some collapse runs of blanks, so comparing published
    text with ours needs the same normal form on both sides.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(lines).strip()


def fingerprint(text: str, media_sha256: Iterable[str]) -> str:
    """The publication's identity on a platform: sha256 hex of normalised text + media digests."""
    digest = hashlib.sha256()
    digest.update(normalise_text(text).encode("utf-8"))
    for media_digest in media_sha256:
        digest.update(b"\x00")
        digest.update(media_digest.lower().encode("ascii"))
    return digest.hexdigest()
