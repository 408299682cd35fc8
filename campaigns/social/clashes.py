"""Publication clashes, found when a post is scheduled: two publications of one channel closer
than its clash interval, or a publication on a day the office marks as quiet.

A clash warns; it does not forbid. An interval clash is shown and the schedule is saved; a
quiet day must be confirmed (``scheduling.schedule_post``). A clash never reveals a post its
asker may not see: it then says only "another publication of this channel".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.calendar.models import QuietDay
from campaigns.calendar.quiet_days import clash_interval, quiet_days_around
from campaigns.org.models import Person
from campaigns.permissions import can
from campaigns.social.models import Channel, Post, Publication, PublicationStatus
from campaigns.timezones import to_zone

# Publications that will not go out (or never did) clash with nothing.
_GONE = (PublicationStatus.CANCELLED, PublicationStatus.DEAD)


class ClashKind(StrEnum):
    INTERVAL = "interval"
    QUIET_DAY = "quiet_day"


@dataclass(frozen=True)
class PublicationClash:
    """One warning about one planned publication (``channel`` at ``instant``)."""

    kind: ClashKind
    channel: Channel
    instant: datetime
    # Interval clashes: the minutes asked for, and the other publication when the asker may
    # see its post (otherwise all three are None: "another publication of this channel").
    minutes: int | None = None
    other_post_id: int | None = None
    other_title: str | None = None
    other_instant: datetime | None = None
    quiet_day: QuietDay | None = None

    @property
    def key(self) -> str:
        """Names the clash in a plan's digest: a quiet day added after a person looked at the
        plan makes them look again."""
        if self.kind is ClashKind.QUIET_DAY:
            return f"quiet:{self.quiet_day.id}:{self.channel.id}"
        return f"interval:{self.channel.id}:{self.instant.isoformat()}"


def publication_clashes(
    session: Session,
    *,
    actor: Person | None,
    post: Post,
    planned: Sequence[tuple[Channel, datetime]],
) -> list[PublicationClash]:
    """The clashes of ``post``'s publications ``planned`` (channel, instant) with the other
    posts' publications and with quiet days, by instant. Two queries, whatever the plan's size.
    ``actor`` None is the system, which sees every post."""
    if not planned:
        return []
    clashes = _interval_clashes(session, actor, post, planned)
    clashes += _quiet_day_clashes(session, planned)
    clashes.sort(key=lambda clash: (clash.instant, clash.channel.id, clash.kind))
    return clashes


def clashes_of_post(
    session: Session, *, actor: Person | None, post: Post
) -> list[PublicationClash]:
    """The clashes of ``post``'s publications that are still to go out (for its page)."""
    waiting = (PublicationStatus.SCHEDULED, PublicationStatus.FAILED, PublicationStatus.HELD)
    planned = [
        (publication.channel, publication.scheduled_at)
        for publication in post.publications
        if publication.status in waiting
    ]
    return publication_clashes(session, actor=actor, post=post, planned=planned)


def _interval(session: Session, channel: Channel, default: int | None) -> int:
    if channel.clash_interval_minutes is not None:
        return channel.clash_interval_minutes
    return default if default is not None else clash_interval(session)


def _interval_clashes(session, actor, post, planned) -> list[PublicationClash]:
    default = None
    if any(channel.clash_interval_minutes is None for channel, _ in planned):
        default = clash_interval(session)
    minutes = {channel.id: _interval(session, channel, default) for channel, _ in planned}
    widest = timedelta(minutes=max(minutes.values()))
    if not widest:
        return []
    instants = [instant for _, instant in planned]
    rows = session.execute(
        select(Publication.channel_id, Publication.scheduled_at, Post)
        .join(Post, Publication.post_id == Post.id)
        .where(
            Publication.channel_id.in_([channel.id for channel, _ in planned]),
            Publication.post_id != post.id,
            Publication.status.not_in(_GONE),
            Publication.scheduled_at > min(instants) - widest,
            Publication.scheduled_at < max(instants) + widest,
        )
        .order_by(Publication.scheduled_at, Publication.id)
    ).all()
    clashes = []
    for channel, instant in planned:
        window = timedelta(minutes=minutes[channel.id])
        for channel_id, other_at, other in rows:
            if channel_id != channel.id or abs(other_at - instant) >= window:
                continue
            seen = actor is None or can(actor, "campaign.view", other)
            clashes.append(
                PublicationClash(
                    kind=ClashKind.INTERVAL,
                    channel=channel,
                    instant=instant,
                    minutes=minutes[channel.id],
                    other_post_id=other.id if seen else None,
                    other_title=other.title if seen else None,
                    other_instant=other_at if seen else None,
                )
            )
    return clashes


def _quiet_day_clashes(session, planned) -> list[PublicationClash]:
    days = [instant.date() for _, instant in planned]
    quiet = quiet_days_around(
        session,
        first=min(days),
        last=max(days),
        unit_ids={channel.owner_unit_id for channel, _ in planned},
    )
    return [
        PublicationClash(
            kind=ClashKind.QUIET_DAY, channel=channel, instant=instant, quiet_day=quiet_day
        )
        for channel, instant in planned
        for quiet_day in quiet
        if quiet_day.unit_id in (None, channel.owner_unit_id)
        and quiet_day.covers(to_zone(instant, quiet_day.timezone).date())
    ]
