"""Recording what the platform said: successes in batches, failures by their kind."""

from __future__ import annotations

import random as random_module
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, case, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from campaigns import telemetry, webhooks
from campaigns.audit import change_values, record_change, record_changes, snapshot
from campaigns.i18n import N_
from campaigns.social import rules, webhook_events
from campaigns.social.models import (
    Channel,
    ChannelHealth,
    HeldReason,
    Post,
    PostStatus,
    Publication,
    PublicationAttempt,
    PublicationStatus,
)
from campaigns.social.notifications import channel_link, notify, post_link
from campaigns.social.outbox.budgets import give_back_budget
from campaigns.social.outbox.common import (
    WAITING,
    audit_publication,
    conditional_update,
    finish_attempt,
    owners_of,
)
from campaigns.social.outbox.holding import alert_held
from campaigns.social.platform import (
    ErrorKind,
    PlatformError,
    PublishedPost,
)


class Sent(NamedTuple):
    """A post the platform accepted, waiting to be recorded: what it said and when."""

    publication: Publication
    result: PublishedPost
    at: datetime


def _by_id(values: dict[int, Any], column: Any) -> Any:
    """``CASE id WHEN ... THEN ... END``: one value per publication in a single UPDATE, bound
    with the column's own type (instants stay UTC on SQLite)."""
    return case(
        {key: bindparam(None, value, type_=column.type) for key, value in values.items()},
        value=Publication.id,
    )


def record_successes(
    session: Session,
    sent: Sequence[Sent],
    *,
    worker_id: str,
    now: datetime,
    outcome: str = "published",
    comment: str | None = None,
) -> list[Publication]:
    """The platform accepted these posts: keep their ids and URLs, mark them published.

    A worker's hot path, so a whole batch costs a handful of statements, loading nothing: one
    conditional UPDATE of the publications, one of their open attempts, one of the channels'
    health, one of the posts that are now wholly published, and the audit entries in one
    insert. Recorded whatever happened meanwhile (a lease that ran out, a person who held or
    cancelled it): the post did go out. Idempotent: a publication already recorded as published
    is left as it is. Returns the publications this call marked published.
    """
    by_id = {item.publication.id: item for item in sent}
    if not by_id:
        return []
    published_at = {key: item.result.published_at or item.at for key, item in by_id.items()}
    changed = set(
        session.scalars(
            update(Publication)
            .where(
                Publication.id.in_(list(by_id)),
                Publication.status != PublicationStatus.PUBLISHED,
            )
            .values(
                status=PublicationStatus.PUBLISHED,
                platform_id=_by_id(
                    {key: item.result.platform_id for key, item in by_id.items()},
                    Publication.platform_id,
                ),
                url=_by_id({key: item.result.url for key, item in by_id.items()}, Publication.url),
                published_at=_by_id(published_at, Publication.published_at),
                claimed_by=None,
                lease_until=None,
                held_reason=None,
                updated_at=now,
            )
            .returning(Publication.id)
            .execution_options(synchronize_session=False)
        )
    )
    recorded, audit = [], []
    for key, item in by_id.items():
        publication = item.publication
        if key not in changed:
            session.refresh(publication)  # already published: show it as it is
            continue
        before = snapshot(publication)
        for name, value in (
            ("status", PublicationStatus.PUBLISHED),
            ("platform_id", item.result.platform_id),
            ("url", item.result.url),
            ("published_at", published_at[key]),
            ("claimed_by", None),
            ("lease_until", None),
            ("held_reason", None),
            ("updated_at", now),
        ):
            set_committed_value(publication, name, value)
        audit.append(
            change_values(
                session,
                actor=None,
                now=now,
                action="publish",
                target=publication,
                before=before,
                comment=comment or worker_id,
            )
        )
        recorded.append(publication)
    telemetry.observe_published((publication, by_id[publication.id].at) for publication in recorded)
    if not recorded:
        return []
    finished = set(
        session.scalars(
            update(PublicationAttempt)
            .where(
                PublicationAttempt.publication_id.in_(changed),
                PublicationAttempt.worker_id == worker_id,
                PublicationAttempt.finished_at.is_(None),
            )
            .values(
                finished_at=case(
                    {
                        key: bindparam(
                            None, by_id[key].at, type_=PublicationAttempt.finished_at.type
                        )
                        for key in changed
                    },
                    value=PublicationAttempt.publication_id,
                ),
                outcome=outcome,
            )
            .returning(PublicationAttempt.publication_id)
            .execution_options(synchronize_session=False)
        )
    )
    unlogged = [publication for publication in recorded if publication.id not in finished]
    if unlogged:  # a worker that never logged its start (or another worker's claim)
        session.execute(
            insert(PublicationAttempt),
            [
                {
                    "publication_id": publication.id,
                    "number": publication.attempts,
                    "worker_id": worker_id,
                    "started_at": by_id[publication.id].at,
                    "finished_at": by_id[publication.id].at,
                    "outcome": outcome,
                }
                for publication in unlogged
            ],
        )
    record_changes(session, audit)
    webhook_events.publications_changed(
        session, webhooks.EventType.PUBLICATION_PUBLISHED, recorded, now=now
    )
    session.execute(
        update(Channel)
        .where(
            Channel.id.in_({publication.channel_id for publication in recorded}),
            Channel.health == ChannelHealth.DEGRADED,
        )
        .values(health=ChannelHealth.OK, updated_at=now)
    )
    unfinished = (
        select(Publication.id)
        .where(
            Publication.post_id == Post.id,
            Publication.status.not_in([PublicationStatus.PUBLISHED, PublicationStatus.CANCELLED]),
        )
        .exists()
    )
    done_posts = session.scalars(
        update(Post)
        .where(Post.id.in_({publication.post_id for publication in recorded}), ~unfinished)
        .values(status=PostStatus.PUBLISHED, updated_at=now)
        .returning(Post.id)
        .execution_options(synchronize_session=False)
    ).all()
    for post_id in done_posts:  # a post this session holds shows its new status
        post = session.identity_map.get(identity_key(Post, post_id))
        if post is not None:
            set_committed_value(post, "status", PostStatus.PUBLISHED)
            set_committed_value(post, "updated_at", now)
    session.flush()
    return recorded


def record_success(
    session: Session,
    *,
    publication: Publication,
    worker_id: str,
    result: PublishedPost,
    now: datetime,
) -> Publication:
    """The platform accepted one post (``record_successes`` for a batch of one)."""
    record_successes(session, [Sent(publication, result, now)], worker_id=worker_id, now=now)
    return publication


def break_channel(session: Session, channel: Channel, *, message: str, now: datetime) -> None:
    """Auth failure: the channel is broken, its queue held, its owner alerted (once: a channel
    already broken, say by another worker's call at the same moment, alerts nobody again)."""
    session.refresh(channel)  # as it is now, not as this worker last read it
    already_broken = channel.health == ChannelHealth.BROKEN
    before = snapshot(channel)
    channel.health = ChannelHealth.BROKEN
    channel.last_error = message
    channel.last_error_at = now
    channel.updated_at = now
    session.flush()
    record_change(
        session,
        actor=None,
        now=now,
        action="broken",
        target=channel,
        before=before,
        comment=message,
    )
    waiting = session.scalars(
        select(Publication).where(
            Publication.channel_id == channel.id, Publication.status.in_(WAITING)
        )
    ).all()
    held: list[Publication] = []
    for other in waiting:
        before = snapshot(other)
        if conditional_update(
            session,
            other.id,
            where=[Publication.status.in_(WAITING)],
            values={
                "status": PublicationStatus.HELD,
                "held_reason": HeldReason.CHANNEL_BROKEN,
                "updated_at": now,
            },
        ):
            session.refresh(other)
            audit_publication(
                session, other, "hold", before, now, comment=HeldReason.CHANNEL_BROKEN
            )
            held.append(other)
    webhook_events.publications_changed(session, webhooks.EventType.PUBLICATION_HELD, held, now=now)
    if already_broken:
        return
    notify(
        session,
        people=owners_of(session, channel),
        kind="channel_broken",
        message=N_(
            "%(channel)s is broken: %(error)s. Its queue is held until its credentials are fixed."
        ),
        params={"channel": channel.name, "error": message},
        link=channel_link(channel),
        now=now,
    )


def _degrade(channel: Channel, error: PlatformError, now: datetime) -> None:
    if channel.health == ChannelHealth.OK:
        channel.health = ChannelHealth.DEGRADED
    channel.last_error = error.message[:2000]
    channel.last_error_at = now


def _transient_failures(session: Session, publication: Publication) -> int:
    """Transient failures of the current series (since the first send, or a person's retry)."""
    since = publication.first_sent_at
    statement = select(func.count()).where(
        PublicationAttempt.publication_id == publication.id,
        PublicationAttempt.error_kind == ErrorKind.TRANSIENT,
    )
    if since is not None:
        statement = statement.where(PublicationAttempt.started_at >= since)
    return session.scalar(statement) or 0


def record_failure(
    session: Session,
    *,
    publication: Publication,
    worker_id: str,
    error: PlatformError,
    now: datetime,
    policy: rules.RetryPolicy | None = None,
    random: Callable[[], float] = random_module.random,
) -> Publication:
    """The platform refused or could not be reached; act on the error's kind.

    transient -> retry with exponential backoff and jitter (never before the platform's own
    ``retry_at``), ``dead`` after ``policy.max_attempts`` transient failures; when the platform
    gave no answer at all (timeout, dropped connection) the post may be out, so instead of a blind
    retry it is reconciled first (held at once on a channel that cannot be reconciled); rate-limited ->
    retry exactly at ``retry_at`` and nobody claims for the channel before it (it does not count
    towards ``dead``); auth -> channel broken, its queue held, owner alerted; rejected -> ``dead``
    with the platform's message. A worker whose lease was taken over only logs its attempt.
    """
    policy = policy or rules.RetryPolicy()
    session.refresh(publication)
    finish_attempt(session, publication, worker_id, now=now, outcome="failed", error=error)
    session.flush()
    if publication.status != PublicationStatus.PUBLISHING or publication.claimed_by != worker_id:
        return publication
    before = snapshot(publication)
    channel = publication.channel
    post = publication.post
    publication.last_error = error.message[:2000]
    publication.last_error_kind = error.kind.value
    publication.claimed_by = None
    publication.lease_until = None
    publication.updated_at = now
    action = "fail"
    if error.kind == ErrorKind.AUTH:
        publication.status = PublicationStatus.HELD
        publication.held_reason = HeldReason.CHANNEL_BROKEN
        action = "hold"
    elif error.kind == ErrorKind.REJECTED or (
        error.kind == ErrorKind.TRANSIENT
        and _transient_failures(session, publication) >= policy.max_attempts
    ):
        publication.status = PublicationStatus.DEAD
        action = "dead"
    elif error.may_have_published and channel.kind not in rules.RECONCILABLE_KINDS:
        publication.status = PublicationStatus.HELD
        publication.held_reason = HeldReason.UNRECONCILABLE
        action = "hold"
    elif error.may_have_published:
        # No answer: the post may be out. Look for it before any retry, after a backoff (the
        # expired "lease" is what sends a publication to reconcile).
        publication.status = PublicationStatus.RECONCILING
        publication.lease_until = rules.next_attempt_after_failure(
            attempts=_transient_failures(session, publication),
            now=now,
            retry_at=error.retry_at,
            rate_limited=False,
            policy=policy,
            random=random,
        )
        _degrade(channel, error, now)
    else:
        rate_limited = error.kind == ErrorKind.RATE_LIMITED
        publication.status = PublicationStatus.FAILED
        publication.next_attempt_at = rules.next_attempt_after_failure(
            attempts=_transient_failures(session, publication),
            now=now,
            retry_at=error.retry_at,
            rate_limited=rate_limited,
            policy=policy,
            random=random,
        )
        if rate_limited:
            # The platform refused the call: it used none of the channel's posts.
            give_back_budget(
                session,
                channel_id=channel.id,
                window_seconds=channel.rate_window_seconds,
                now=publication.claimed_at or now,
            )
            if (
                channel.rate_limited_until is None
                or channel.rate_limited_until < publication.next_attempt_at
            ):
                channel.rate_limited_until = publication.next_attempt_at
        else:
            _degrade(channel, error, now)
    session.flush()
    audit_publication(
        session,
        publication,
        action,
        before,
        now,
        comment=f"{error.kind.value}: {error.message}"[:500],
    )
    if error.kind == ErrorKind.AUTH:
        webhook_events.publications_changed(
            session, webhooks.EventType.PUBLICATION_HELD, [publication], now=now
        )
        break_channel(session, channel, message=error.message, now=now)
    elif publication.status == PublicationStatus.HELD:
        alert_held(session, publication, now)
    elif publication.status == PublicationStatus.DEAD:
        webhook_events.publications_changed(
            session, webhooks.EventType.PUBLICATION_DEAD, [publication], now=now
        )
        notify(
            session,
            people=[*owners_of(session, channel), post.author],
            kind="publication_dead",
            message=N_("Not published: %(title)s on %(channel)s — %(error)s"),
            params={"title": post.title, "channel": channel.name, "error": error.message},
            link=post_link(post),
            now=now,
        )
    telemetry.observe_failed(publication, error_kind=error.kind.value, now=now)
    return publication
