"""Campaigns, posts and their language variants, channels, publications and the outbox rows."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.calendar.models import Anniversary, Event
from campaigns.db import Base, UTCDateTime
from campaigns.org.models import Person, Unit


class PostStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    REJECTED = "rejected"


class PublicationStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its instant
    PUBLISHING = "publishing"  # claimed by a worker, under lease
    RECONCILING = "reconciling"  # its lease expired: ask the platform before any retry
    PUBLISHED = "published"
    FAILED = "failed"  # will retry at next_attempt_at
    DEAD = "dead"  # gave up: a person decides
    HELD = "held"  # not sent (missed its window, broken channel, cancelled event): a person decides
    CANCELLED = "cancelled"


class AuthorChange(StrEnum):
    """What a writer changed in a version of a post (text, media, channel wording)."""

    CREATED = "created"
    CONTENT = "content"  # before Herald kept the detail (migration 0010)
    LANGUAGE_ADDED = "language_added"
    TEXT = "text"
    OVERRIDES = "overrides"
    TEXT_AND_OVERRIDES = "text_and_overrides"
    LANGUAGE_REMOVED = "language_removed"
    IMAGE_ADDED = "image_added"
    IMAGE_REMOVED = "image_removed"


class ReviewDecision(StrEnum):
    APPROVED = "approved"  # the version is cleared (the last step of its chain was taken)
    REJECTED = "rejected"
    STEP = "step"  # one step of a longer chain was taken; the version still waits


class HeldReason(StrEnum):
    MISSED_WINDOW = "missed_window"
    CHANNEL_BROKEN = "channel_broken"
    EVENT_CANCELLED = "event_cancelled"
    EVENT_MOVED_TO_PAST = "event_moved_to_past"
    AUDIENCE_TIME_PASSED = "audience_time_passed"  # its channel's new audience clock is past it
    UNRECONCILABLE = "unreconcilable"


class ChannelKind(StrEnum):
    X = "x"
    TELEGRAM = "telegram"
    MASTODON = "mastodon"
    SANDBOX = "sandbox"


class Visibility(StrEnum):
    """Who sees a Mastodon channel's statuses: everyone, in the public timelines or not."""

    PUBLIC = "public"
    UNLISTED = "unlisted"


# A channel that names no audience country addresses the home audience (on the office's clock).
HOME_COUNTRY = "VN"


class ChannelHealth(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    BROKEN = "broken"


class ScheduleMode(StrEnum):
    AT = "at"  # one wall-clock time in one chosen zone
    PER_AUDIENCE = "per_audience"  # the same wall-clock time in each target country's zone


campaign_events = Table(
    "social_campaign_events",
    Base.metadata,
    Column("campaign_id", ForeignKey("social_campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
)

campaign_units = Table(
    "social_campaign_units",
    Base.metadata,
    Column("campaign_id", ForeignKey("social_campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)


class Campaign(Base):
    """A communication campaign around events and anniversaries, with targets to measure."""

    __tablename__ = "social_campaigns"
    __audit_type__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    goal: Mapped[str] = mapped_column(Text, default="")
    hashtags: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # inclusive
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    target_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # {"posts": 40, "impressions": 500000, "engagements": 20000, "coverage_articles": 25}
    kpi_targets: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # Its own clearance steps, instead of its owner unit's (None: the unit's policy applies).
    clearance_policy: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    owner_unit: Mapped[Unit] = relationship(foreign_keys=[owner_unit_id])
    participating_units: Mapped[list[Unit]] = relationship(secondary=campaign_units)
    events: Mapped[list[Event]] = relationship(secondary=campaign_events)
    anniversary_links: Mapped[list[CampaignAnniversary]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan"
    )
    posts: Mapped[list[Post]] = relationship(back_populates="campaign")

    @property
    def unit(self) -> Unit:
        return self.owner_unit

    @property
    def title(self) -> str:
        return self.name_vi

    def name(self, locale: str) -> str:
        return self.name_vi if locale == "vi" else self.name_en

    def unit_ids(self) -> set[int]:
        return {self.owner_unit_id} | {unit.id for unit in self.participating_units}

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.name_en!r}>"


class CampaignAnniversary(Base):
    """One occurrence of an anniversary a campaign works towards (the 60th, on 24 June 2027)."""

    __tablename__ = "social_campaign_anniversaries"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("social_campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    anniversary_id: Mapped[int] = mapped_column(ForeignKey("anniversaries.id"), primary_key=True)
    occurrence_date: Mapped[date] = mapped_column(Date, primary_key=True)

    campaign: Mapped[Campaign] = relationship(back_populates="anniversary_links")
    anniversary: Mapped[Anniversary] = relationship()


class Post(Base):
    """Something to say, in several languages, cleared by a second person before it goes out.

    ``version`` rises with every change of content, so an approval given on an older version
    (a stale form) is refused. The schedule is kept on the post so an event move can recompute it.
    """

    __tablename__ = "social_posts"
    __audit_type__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("social_campaigns.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=PostStatus.DRAFT)
    version: Mapped[int] = mapped_column(Integer, default=1)
    rapid_response: Mapped[bool] = mapped_column(Boolean, default=False)
    misfire_window_minutes: Mapped[int] = mapped_column(Integer, default=30)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_version: Mapped[int | None] = mapped_column(Integer)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    # The clearance chain, frozen when the post is sent for clearance (campaigns/social/chains.py):
    # its steps in order, each with who took it for the current version. None: four eyes.
    clearance_chain: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # How many steps of the chain were taken for the current version (0 when none).
    clearance_steps_taken: Mapped[int] = mapped_column(Integer, default=0)
    # The last schedule asked for (kept after an edit un-schedules, to offer it again).
    schedule_mode: Mapped[str | None] = mapped_column(String(12))
    schedule_zone: Mapped[str | None] = mapped_column(String(64))
    schedule_local_date: Mapped[date | None] = mapped_column(Date)
    schedule_local_time: Mapped[time | None] = mapped_column(Time)
    schedule_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    schedule_channel_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    event_offset_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    campaign: Mapped[Campaign] = relationship(back_populates="posts")
    author: Mapped[Person] = relationship(foreign_keys=[author_id])
    approved_by: Mapped[Person | None] = relationship(foreign_keys=[approved_by_id])
    event: Mapped[Event | None] = relationship()
    variants: Mapped[list[PostVariant]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="PostVariant.id"
    )
    publications: Mapped[list[Publication]] = relationship(
        back_populates="post", order_by="Publication.scheduled_at"
    )
    version_authors: Mapped[list[PostVersionAuthor]] = relationship(
        back_populates="post",
        cascade="all, delete-orphan",
        order_by="PostVersionAuthor.id",
    )
    reviews: Mapped[list[PostReview]] = relationship(
        back_populates="post",
        cascade="all, delete-orphan",
        order_by="PostReview.id",
    )

    @property
    def unit(self) -> Unit:
        return self.campaign.owner_unit

    def variant(self, language: str) -> PostVariant | None:
        return next((v for v in self.variants if v.language == language), None)

    def last_cleared_version(self) -> int:
        """The last version a second person cleared (0: never cleared)."""
        return max(
            (r.version for r in self.reviews if r.decision == ReviewDecision.APPROVED), default=0
        )

    def writers_of(self, version: int | None = None) -> list[PostVersionAuthor]:
        """Who changed text, media or channel wording of ``version`` (default: the current one)
        since the clearance before it: the people who may not clear that version."""
        version = self.version if version is None else version
        since = max(
            (
                r.version
                for r in self.reviews
                if r.decision == ReviewDecision.APPROVED and r.version < version
            ),
            default=0,
        )
        return [row for row in self.version_authors if since < row.version <= version]

    def writer_ids(self, version: int | None = None) -> set[int]:
        """The people who may not clear ``version``: its writers since the clearance before
        it, and always the post's author, whose words every later version builds on."""
        ids = {row.person_id for row in self.writers_of(version)}
        if self.author_id is not None:
            ids.add(self.author_id)
        return ids

    @property
    def current_writer_ids(self) -> list[int]:
        return sorted(self.writer_ids())

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.status} v{self.version}>"


class PostVariant(Base):
    """The post in one language (any BCP 47 tag), with optional per-channel wording."""

    __tablename__ = "social_post_variants"
    __audit_type__ = "post_variant"
    __table_args__ = (UniqueConstraint("post_id", "language", name="uq_social_post_variants"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("social_posts.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(35))
    text: Mapped[str] = mapped_column(Text)
    # {"<channel id>": "wording for that channel"}
    channel_overrides: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    post: Mapped[Post] = relationship(back_populates="variants")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="variant", cascade="all, delete-orphan", order_by="Attachment.position"
    )

    @property
    def name(self) -> str:
        return f"post {self.post_id} [{self.language}]"

    def text_for(self, channel_id: int) -> str:
        return (self.channel_overrides or {}).get(str(channel_id)) or self.text


class Attachment(Base):
    """An image attached to a variant; the file lives under the media root, named by its digest."""

    __tablename__ = "social_attachments"
    __audit_type__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(
        ForeignKey("social_post_variants.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str] = mapped_column(String(300))  # relative to the media root
    original_name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # What the image shows, for people who cannot see it: sent as the image's description
    # where the platform takes one (Mastodon); empty when nobody wrote it.
    alt_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    variant: Mapped[PostVariant] = relationship(back_populates="attachments")

    @property
    def name(self) -> str:
        return self.original_name


class PostVersionAuthor(Base):
    """One change of a post's published content (text, media, channel wording) by one person.

    ``version`` is the version the change produced. The writers of a version are everyone who
    changed the post since the clearance before it (``Post.writers_of``); none of them may clear it.
    """

    __tablename__ = "social_post_version_authors"
    __audit_type__ = "post_version_author"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("social_posts.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    change: Mapped[str] = mapped_column(String(30))
    language: Mapped[str | None] = mapped_column(String(35))
    door: Mapped[str] = mapped_column(String(20), default="system")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    post: Mapped[Post] = relationship(back_populates="version_authors")
    person: Mapped[Person] = relationship()

    @property
    def name(self) -> str:
        return f"post {self.post_id} v{self.version}"


class PostReview(Base):
    """A clearance decision on one version: cleared or sent back, by whom, with who wrote it."""

    __tablename__ = "social_post_reviews"
    __audit_type__ = "post_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("social_posts.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # The writers of the version decided on, as they were then.
    writer_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # The step of the clearance chain this decision was taken at (1 = the first).
    step: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    door: Mapped[str] = mapped_column(String(20), default="system")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())

    post: Mapped[Post] = relationship(back_populates="reviews")
    person: Mapped[Person] = relationship()

    @property
    def name(self) -> str:
        return f"post {self.post_id} v{self.version}"


class Channel(Base):
    """An account the organisation owns on a platform, with its encrypted credentials."""

    __tablename__ = "social_channels"
    __audit_type__ = "channel"
    # Credentials never reach the audit log, even encrypted.
    __audit_exclude__ = ("credentials_encrypted",)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    # Public address: "@VietnamMFA" on X; the chat ("@channel" or "-100...") on Telegram.
    handle: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(35))
    # Whom it addresses: ISO 3166 codes; empty means the home audience (rules.HOME_COUNTRY). Its
    # audience lives by ``audience_zone``: "09:00 for each audience" is 09:00 on that clock.
    audience_countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience_zone: Mapped[str] = mapped_column(String(64))
    owner_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    credentials_encrypted: Mapped[str | None] = mapped_column(Text)
    account_name: Mapped[str] = mapped_column(String(200), default="")  # from "test connection"
    rate_limit_posts: Mapped[int] = mapped_column(Integer)
    rate_window_seconds: Mapped[int] = mapped_column(Integer)
    # Two publications on this channel closer than this warn; None: the office's default.
    clash_interval_minutes: Mapped[int | None] = mapped_column(Integer)
    # The platform said "wait until then" (429): nobody claims for this channel before it.
    rate_limited_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    health: Mapped[str] = mapped_column(String(10), default=ChannelHealth.OK)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # Mastodon: who sees its statuses (``Visibility``); empty for platforms without the choice.
    visibility: Mapped[str] = mapped_column(String(10), default="")
    # What "test connection" read of the platform's own limits (a Mastodon instance's
    # ``max_characters``, ``characters_reserved_per_url``, ``max_media_attachments``...),
    # so the editor counts against them; empty until a check succeeded.
    platform_limits: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    owner_person: Mapped[Person | None] = relationship()
    owner_unit: Mapped[Unit] = relationship()

    @property
    def unit(self) -> Unit:
        return self.owner_unit

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)

    @property
    def served_countries(self) -> list[str]:
        """The audiences it reaches: its countries, or the home country when it names none."""
        return list(self.audience_countries or [HOME_COUNTRY])

    def __repr__(self) -> str:
        return f"<Channel {self.id} {self.kind} {self.name!r}>"


class ChannelBudget(Base):
    """How many posts a channel has used in one rate window; shared by every worker."""

    __tablename__ = "social_channel_budgets"
    __table_args__ = (
        UniqueConstraint("channel_id", "window_start", name="uq_social_channel_budgets_window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("social_channels.id", ondelete="CASCADE"), index=True
    )
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer, default=0)


class Publication(Base):
    """One variant on one channel at one instant: the outbox row a worker claims."""

    __tablename__ = "social_publications"
    __audit_type__ = "publication"
    __table_args__ = (
        Index("ix_social_publications_due", "status", "next_attempt_at"),
        Index("ix_social_publications_lease", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("social_posts.id"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("social_post_variants.id"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("social_channels.id"), index=True)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    audience_zone: Mapped[str] = mapped_column(String(64))
    audience_country: Mapped[str | None] = mapped_column(String(2))
    # Past this instant it is held, not sent late (scheduled_at + the post's misfire window).
    misfire_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default=PublicationStatus.SCHEDULED)
    held_reason: Mapped[str | None] = mapped_column(String(30))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the first publish call may have started: reconcile looks for the post from then on.
    first_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)  # as it will be sent, frozen at scheduling
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    platform_id: Mapped[str | None] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_kind: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    post: Mapped[Post] = relationship(back_populates="publications")
    variant: Mapped[PostVariant] = relationship()
    channel: Mapped[Channel] = relationship()
    attempt_log: Mapped[list[PublicationAttempt]] = relationship(
        back_populates="publication",
        # A take-over after a crash keeps the attempt's number: the id breaks the tie.
        order_by=lambda: (PublicationAttempt.number, PublicationAttempt.id),
    )

    @property
    def name(self) -> str:
        return f"post {self.post_id} on channel {self.channel_id}"

    def __repr__(self) -> str:
        return f"<Publication {self.id} {self.status} at {self.scheduled_at:%Y-%m-%d %H:%M}Z>"


class PublicationAttempt(Base):
    """One try at publishing (or reconciling), with its outcome and the platform's message."""

    __tablename__ = "social_publication_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("social_publications.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    worker_id: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # publishing | sending | published | failed | reconciling | reconciled_found |
    # reconciled_missing | reconcile_failed | unreconcilable | never_sent
    outcome: Mapped[str] = mapped_column(String(20))
    error_kind: Mapped[str | None] = mapped_column(String(20))
    http_status: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text, default="")

    publication: Mapped[Publication] = relationship(back_populates="attempt_log")


class SandboxPost(Base):
    """What the sandbox platform 'published': Herald's own safe place to rehearse."""

    __tablename__ = "social_sandbox_posts"
    __table_args__ = (Index("ix_social_sandbox_posts_channel", "channel_id", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("social_channels.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())

    channel: Mapped[Channel] = relationship()


class Notification(Base):
    """Something a person should know (an alert, a review request); the web and the bot show it.

    ``message`` is an English template with ``params`` kept apart, so each door translates it.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_person_unread", "person_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A request to clear a post concerns one version of it; it is resolved (and no longer shown
    # or sent) once that version is no longer waiting for clearance.
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("social_posts.id", ondelete="CASCADE"), index=True
    )
    post_version: Mapped[int | None] = mapped_column(Integer)
    # ... and the step of its clearance chain (how many steps were taken when it was asked).
    post_step: Mapped[int | None] = mapped_column(Integer)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Delivery to the person's Telegram chat (campaigns/social/telegram_alerts.py).
    telegram_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    telegram_attempts: Mapped[int] = mapped_column(Integer, default=0)
    telegram_error: Mapped[str] = mapped_column(Text, default="")
    telegram_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    telegram_gave_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship()

    @property
    def text(self) -> str:
        return self.message % self.params if self.params else self.message


class BulkUpload(Base):
    """A file of posts someone confirmed (campaigns/social/bulk.py): the same file twice
    creates its posts once."""

    __tablename__ = "social_bulk_uploads"
    __audit_type__ = "bulk_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    rows: Mapped[int] = mapped_column(Integer)
    post_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def title(self) -> str:
        return self.filename or self.sha256[:12]
