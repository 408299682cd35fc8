"""Reads for the social area: what the web, the API, the bot and the scheduler show or wait for.

None of these return channel credentials: ``Channel.credentials_encrypted`` is never decrypted
here (only ``credentials.channel_credentials`` does, for the adapter factory).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from campaigns.calendar.items import CalendarItem, ItemKind
from campaigns.errors import NotFound
from campaigns.i18n import N_
from campaigns.org.models import Person
from campaigns.permissions import can, require
from campaigns.social import rules
from campaigns.social.models import (
    Campaign,
    Channel,
    ChannelBudget,
    ChannelHealth,
    ChannelKind,
    Post,
    PostReview,
    PostStatus,
    PostVariant,
    PostVersionAuthor,
    Publication,
    PublicationStatus,
)

WAITING = (PublicationStatus.SCHEDULED, PublicationStatus.FAILED)
IN_FLIGHT = (PublicationStatus.PUBLISHING, PublicationStatus.RECONCILING)
NEEDS_A_PERSON = (PublicationStatus.HELD, PublicationStatus.DEAD)


def list_campaigns(session: Session, *, actor: Person, with_units: bool = True) -> list[Campaign]:
    """Every campaign, newest first, with its owner and participating units unless
    ``with_units`` is False (a list of names). Raises NotAllowed."""
    require(actor, "campaign.view")
    query = select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    if with_units:
        query = query.options(
            joinedload(Campaign.owner_unit), selectinload(Campaign.participating_units)
        )
    return list(session.scalars(query))


def get_campaign(session: Session, campaign_id: int, *, actor: Person) -> Campaign:
    """One campaign with its events and posts. Raises NotFound, NotAllowed."""
    require(actor, "campaign.view")
    campaign = session.get(
        Campaign,
        campaign_id,
        options=[selectinload(Campaign.events), selectinload(Campaign.anniversary_links)],
    )
    if campaign is None:
        raise NotFound(N_("There is no such campaign."))
    return campaign


def campaign_posts(session: Session, campaign: Campaign) -> list[Post]:
    """The campaign's posts with their variants and publications, for the timeline."""
    return list(
        session.scalars(
            select(Post)
            .where(Post.campaign_id == campaign.id)
            .options(
                selectinload(Post.variants).selectinload(PostVariant.attachments),
                selectinload(Post.publications),
                selectinload(Post.author),
                selectinload(Post.approved_by),
            )
            .order_by(Post.created_at, Post.id)
        )
    )


def get_post(session: Session, post_id: int, *, actor: Person) -> Post:
    """One post with variants, publications and their attempts. Raises NotFound, NotAllowed."""
    require(actor, "campaign.view")
    post = session.get(
        Post,
        post_id,
        options=[
            selectinload(Post.variants).selectinload(PostVariant.attachments),
            selectinload(Post.publications).selectinload(Publication.attempt_log),
            selectinload(Post.version_authors).selectinload(PostVersionAuthor.person),
            selectinload(Post.reviews).selectinload(PostReview.person),
        ],
    )
    if post is None:
        raise NotFound(N_("There is no such post."))
    return post


@dataclass
class VersionHistory:
    """One version of a post: what changed in it, who wrote it, and the clearance decisions."""

    version: int
    changes: list[PostVersionAuthor]
    # Everyone who changed the post since the clearance before this version.
    writers: list[Person]
    decisions: list[PostReview]


def version_history(post: Post) -> list[VersionHistory]:
    """The post's versions that someone wrote or decided on, newest first."""
    numbers = {row.version for row in post.version_authors} | {r.version for r in post.reviews}
    history = []
    for number in sorted(numbers, reverse=True):
        writers: dict[int, Person] = {}
        for row in post.writers_of(number):
            writers.setdefault(row.person_id, row.person)
        history.append(
            VersionHistory(
                version=number,
                changes=[row for row in post.version_authors if row.version == number],
                writers=list(writers.values()),
                decisions=[review for review in post.reviews if review.version == number],
            )
        )
    return history


def posts_awaiting_clearance(session: Session, *, actor: Person) -> list[Post]:
    """Posts in review that ``actor`` may clear (none of whose current version they wrote),
    rapid responses first."""
    if not can(actor, "post.approve"):
        return []
    waiting = session.scalars(
        select(Post)
        .where(Post.status == PostStatus.IN_REVIEW)
        .options(
            selectinload(Post.variants),
            selectinload(Post.version_authors).selectinload(PostVersionAuthor.person),
            selectinload(Post.reviews),
        )
        .order_by(Post.rapid_response.desc(), Post.submitted_at, Post.id)
    )
    return [post for post in waiting if can(actor, "post.approve", post)]


def count_publications_needing_a_person(session: Session) -> int:
    """How many ``publications_needing_a_person`` lists."""
    return (
        session.scalar(
            select(func.count(Publication.id)).where(Publication.status.in_(NEEDS_A_PERSON))
        )
        or 0
    )


def publications_between(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    campaign_id: int | None = None,
    include_cancelled: bool = False,
) -> list[Publication]:
    """Publications scheduled in [since, until), for the combined calendar and the timeline."""
    statement = (
        select(Publication)
        .where(Publication.scheduled_at >= since, Publication.scheduled_at < until)
        .options(joinedload(Publication.channel), joinedload(Publication.post))
        .order_by(Publication.scheduled_at, Publication.id)
    )
    if campaign_id is not None:
        statement = statement.join(Post).where(Post.campaign_id == campaign_id)
    if not include_cancelled:
        statement = statement.where(Publication.status != PublicationStatus.CANCELLED)
    return list(session.scalars(statement))


def publications_in_calendar(
    session: Session,
    actor: Person,
    *,
    since: datetime,
    until: datetime,
    concerned_only: bool = False,
) -> list[CalendarItem]:
    """The publications scheduled in [since, until) that ``actor`` may see, as calendar items
    ("post title · channel"); cancelled ones left out. With ``concerned_only``, only those on
    channels of ``actor``'s unit or of posts they wrote: their personal feed. One query."""
    if not can(actor, "campaign.view"):
        return []
    statement = (
        select(Publication, Post.title, Channel.name)
        .join(Post, Publication.post_id == Post.id)
        .join(Channel, Publication.channel_id == Channel.id)
        .where(
            Publication.scheduled_at >= since,
            Publication.scheduled_at < until,
            Publication.status != PublicationStatus.CANCELLED,
        )
        .order_by(Publication.scheduled_at, Publication.id)
    )
    if concerned_only:
        statement = statement.where(
            or_(Post.author_id == actor.id, Channel.owner_unit_id == actor.unit_id)
        )
    return [
        CalendarItem(
            kind=ItemKind.PUBLICATION,
            target_id=publication.post_id,
            uid=f"herald-publication-{publication.id}",
            title=f"{title} · {channel_name}",
            changed_at=publication.updated_at,
            status=publication.status,
            timezone=publication.audience_zone,
            starts_at=publication.scheduled_at,
        )
        for publication, title, channel_name in session.execute(statement)
    ]


_PUBLICATION_VERSION = select(
    select(func.count(Publication.id)).scalar_subquery(),
    select(func.max(Publication.updated_at)).scalar_subquery(),
    # A post's title is in its publications' lines.
    select(func.max(Post.updated_at)).scalar_subquery(),
)


def publications_version(session: Session) -> tuple[Any, ...]:
    """Counts and last changes of publications and posts, in one round trip (for cached
    calendar feeds)."""
    return tuple(session.execute(_PUBLICATION_VERSION).one())


def publications_needing_a_person(session: Session) -> list[Publication]:
    """Held and dead publications: a coordinator releases, retries or cancels them."""
    return list(
        session.scalars(
            select(Publication)
            .where(Publication.status.in_(NEEDS_A_PERSON))
            .options(selectinload(Publication.channel), selectinload(Publication.post))
            .order_by(Publication.scheduled_at, Publication.id)
        )
    )


def list_channels(session: Session, *, actor: Person) -> list[Channel]:
    """Every channel, by kind and name. Raises NotAllowed."""
    require(actor, "channel.view")
    return list(session.scalars(select(Channel).order_by(Channel.kind, Channel.name)))


def get_channel(session: Session, channel_id: int, *, actor: Person) -> Channel:
    """One channel. Raises NotFound, NotAllowed."""
    require(actor, "channel.view")
    channel = session.get(Channel, channel_id)
    if channel is None:
        raise NotFound(N_("There is no such channel."))
    return channel


# Built once: /healthz asks it on every poll (statement and cache key cost more than the query).
_BROKEN_CHANNELS = (
    select(Channel).where(Channel.health == ChannelHealth.BROKEN).order_by(Channel.id)
)


def broken_channels(session: Session) -> list[Channel]:
    """For /healthz and the dashboard."""
    return list(session.scalars(_BROKEN_CHANNELS))


@dataclass(frozen=True)
class ChannelPanel:
    """A channel's health panel: its state, the budget used in this window, its queue."""

    channel: Channel
    budget_used: int
    budget_limit: int
    waiting: int
    failed: int
    held: int
    dead: int
    due_now: int = 0  # waiting publications whose instant has come
    drains_at: datetime | None = None  # when that backlog will be out, within the budget
    # The platform said the account may post no more before then (its headers, or a 429).
    platform_reset_at: datetime | None = None


def channel_panels(session: Session, *, now: datetime) -> list[ChannelPanel]:
    channels = session.scalars(select(Channel).order_by(Channel.kind, Channel.name)).all()
    counts: dict[tuple[int, str], int] = {
        (channel_id, status): count
        for channel_id, status, count in session.execute(
            select(Publication.channel_id, Publication.status, func.count())
            .where(
                Publication.status.in_([*WAITING, PublicationStatus.HELD, PublicationStatus.DEAD])
            )
            .group_by(Publication.channel_id, Publication.status)
        )
    }
    due_now: dict[int, int] = dict(
        session.execute(
            select(Publication.channel_id, func.count())
            .where(Publication.status.in_(WAITING), Publication.next_attempt_at <= now)
            .group_by(Publication.channel_id)
        ).all()
    )
    panels = []
    for channel in channels:
        start, _ = rules.budget_window(now, channel.rate_window_seconds)
        used = session.scalar(
            select(ChannelBudget.used).where(
                ChannelBudget.channel_id == channel.id, ChannelBudget.window_start == start
            )
        )
        backlog = due_now.get(channel.id, 0)
        panels.append(
            ChannelPanel(
                channel=channel,
                budget_used=used or 0,
                budget_limit=channel.rate_limit_posts,
                waiting=counts.get((channel.id, PublicationStatus.SCHEDULED), 0),
                failed=counts.get((channel.id, PublicationStatus.FAILED), 0),
                held=counts.get((channel.id, PublicationStatus.HELD), 0),
                dead=counts.get((channel.id, PublicationStatus.DEAD), 0),
                due_now=backlog,
                drains_at=rules.queue_drains_at(
                    due=backlog,
                    used=used or 0,
                    capacity=channel.rate_limit_posts,
                    window_seconds=channel.rate_window_seconds,
                    now=now,
                    not_before=channel.rate_limited_until,
                ),
                platform_reset_at=(
                    channel.rate_limited_until
                    if channel.rate_limited_until is not None and channel.rate_limited_until > now
                    else None
                ),
            )
        )
    return panels


def next_due_at(session: Session, *, now: datetime | None = None) -> datetime | None:
    """The next instant the outbox has something to do (a due publication or a lease running
    out), so the workers can sleep until then.

    A publication nobody may send yet does not count: on a paused or broken channel, in a paused
    campaign, or on a channel told to wait (429), whose instant is then the platform's reset. A
    backlog blocked on one channel would otherwise look due at every pass and keep every worker
    polling, late for the other channels. Given ``now``, a channel whose rate budget is spent
    waits until its window ends."""
    waits_until: Any = case(
        (
            Channel.rate_limited_until > Publication.next_attempt_at,
            Channel.rate_limited_until,
        ),
        else_=Publication.next_attempt_at,
    )
    if now is not None:
        budget_spent_until = (
            select(ChannelBudget.window_end)
            .where(
                ChannelBudget.channel_id == Publication.channel_id,
                ChannelBudget.window_start <= now,
                ChannelBudget.window_end > now,
                ChannelBudget.used >= Channel.rate_limit_posts,
            )
            .limit(1)
            .scalar_subquery()
        )
        waits_until = case(
            (budget_spent_until > waits_until, budget_spent_until), else_=waits_until
        )
    due = session.scalar(
        select(func.min(waits_until))
        .select_from(Publication)
        .join(Channel, Channel.id == Publication.channel_id)
        .join(Post, Post.id == Publication.post_id)
        .join(Campaign, Campaign.id == Post.campaign_id)
        .where(
            Publication.status.in_(WAITING),
            Channel.paused.is_(False),
            Channel.health != ChannelHealth.BROKEN,
            Campaign.paused.is_(False),
        )
    )
    lease = session.scalar(
        select(func.min(Publication.lease_until)).where(Publication.status.in_(IN_FLIGHT))
    )
    candidates = [instant for instant in (due, lease) if instant is not None]
    return min(candidates) if candidates else None


def count_due(session: Session, *, now: datetime) -> int:
    """How many publications are due now (for /metrics and the dispatch tick)."""
    return (
        session.scalar(
            select(func.count()).where(
                or_(
                    Publication.status.in_(WAITING) & (Publication.next_attempt_at <= now),
                    Publication.status.in_(IN_FLIGHT) & (Publication.lease_until < now),
                )
            )
        )
        or 0
    )


def length_report(
    text: str, images: int = 0, limits: dict[str, dict[str, int]] | None = None
) -> dict[str, rules.LengthCheck]:
    """What the counter beside the editor shows: each platform's count, limit and verdict.
    ``limits``: by kind, the platform's own limits (``platform_limits_by_kind``)."""
    limits = limits or {}
    return {
        kind.value: rules.check_format(kind, text, images, limits.get(kind.value))
        for kind in ChannelKind
    }


def platform_limits_by_kind(session: Session) -> dict[str, dict[str, int]]:
    """The strictest limits the channels' platforms declared, by kind (Mastodon instances each
    say their own): what a text must fit to go out on every channel of that kind."""
    merged: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(Channel.kind, Channel.platform_limits).where(Channel.kind == ChannelKind.MASTODON)
    )
    for kind, limits in rows:
        if not limits:
            continue
        current = merged.setdefault(kind, {})
        for name, value in limits.items():
            if not isinstance(value, int):
                continue
            if name == "characters_reserved_per_url":
                current[name] = max(current.get(name, value), value)
            else:
                current[name] = min(current.get(name, value), value)
    return merged
