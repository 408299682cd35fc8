"""The pure rules of measurement: when snapshots are taken, what the metric groups are, and how
a platform's own numbers map onto them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

# The decaying schedule after a publication went out: (name, delay). Names are stored.
POINTS: tuple[tuple[str, timedelta], ...] = (
    ("15m", timedelta(minutes=15)),
    ("1h", timedelta(hours=1)),
    ("6h", timedelta(hours=6)),
    ("24h", timedelta(hours=24)),
    ("3d", timedelta(days=3)),
    ("7d", timedelta(days=7)),
    ("30d", timedelta(days=30)),
)
POINT_DELAYS: dict[str, timedelta] = dict(POINTS)
# Values at the same age, so posts published at different times compare fairly.
FIXED_POINTS: tuple[str, ...] = ("1h", "24h", "7d")

# A fixed point taken later than this share of its delay after its instant (an outage, a
# backlog) holds a later value than its name says: comparisons leave it out.
FIXED_POINT_TOLERANCE = 0.1


def fixed_point_tolerance_seconds(point: str) -> int:
    """How late a snapshot at ``point`` may be taken and still stand for that point."""
    return int(POINT_DELAYS[point].total_seconds() * FIXED_POINT_TOLERANCE)


# A publication that went out within this long of its scheduled instant went out on time.
ON_TIME_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class DayRange:
    """Days ``start`` to ``end`` (inclusive) on the clock of ``zone``: a dashboard's range, a
    criteria set's period. As instants: [first day 00:00, the day after the last 00:00)."""

    start: date
    end: date
    zone: str = "Asia/Ho_Chi_Minh"

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(), ZoneInfo(self.zone)).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        """The first instant after the range."""
        following = self.end + timedelta(days=1)
        return datetime.combine(following, time(), ZoneInfo(self.zone)).astimezone(UTC)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


class MetricGroup(StrEnum):
    """The normalised groups, the same on every platform; each publication keeps raw too."""

    REACH = "reach"  # impressions / views
    REACTIONS = "reactions"  # likes / reactions
    REDISTRIBUTION = "redistribution"  # reposts, quotes, forwards
    CONVERSATION = "conversation"  # replies
    SAVES = "saves"  # bookmarks


GROUPS: tuple[str, ...] = tuple(group.value for group in MetricGroup)
# Engagements are every group but reach.
ENGAGEMENT_GROUPS: tuple[str, ...] = tuple(group for group in GROUPS if group != MetricGroup.REACH)


class SnapshotStatus(StrEnum):
    PLANNED = "planned"  # waiting for its instant (or for the platform to answer again)
    TAKEN = "taken"
    SKIPPED = "skipped"  # the post is gone, or the publication no longer published


class TrackingStatus(StrEnum):
    TRACKING = "tracking"  # snapshots still to come
    DONE = "done"  # the last point is taken
    DELETED = (
        "deleted"  # the platform says the post is gone (deleted, protected): never asked again
    )


@dataclass(frozen=True)
class Reading:
    """What a platform said about one post at one instant: the normalised groups (None where the
    platform does not give the number: "not available", never 0) and its raw numbers."""

    reach: int | None = None
    reactions: int | None = None
    redistribution: int | None = None
    conversation: int | None = None
    saves: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def engagements(self) -> int | None:
        """The sum of the engagement groups the platform gives; None when it gives none."""
        values = [getattr(self, group) for group in ENGAGEMENT_GROUPS]
        known = [value for value in values if value is not None]
        return sum(known) if known else None

    def as_columns(self) -> dict[str, Any]:
        columns: dict[str, Any] = {group: getattr(self, group) for group in GROUPS}
        columns["engagements"] = self.engagements
        columns["raw"] = dict(self.raw)
        return columns


@dataclass(frozen=True)
class Gone:
    """The platform answered that the post is not there any more (deleted, protected)."""

    reason: str


def x_reading(
    metrics: Mapping[str, Any], *, extra: Mapping[str, Mapping[str, Any]] | None = None
) -> Reading:
    """X API v2 ``public_metrics`` (and, where the credentials allow, ``non_public_metrics`` /
    ``organic_metrics``) as a reading.

    ``impression_count`` is public since 2023; when it is missing the reach is not available.
    """
    extra = extra or {}

    def number(name: str) -> int | None:
        value = metrics.get(name)
        return (
            int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
        )

    reposts, quotes = number("retweet_count"), number("quote_count")
    redistribution = None if reposts is None and quotes is None else (reposts or 0) + (quotes or 0)
    raw: dict[str, Any] = {"public_metrics": dict(metrics)}
    raw.update({name: dict(values) for name, values in extra.items()})
    return Reading(
        reach=number("impression_count"),
        reactions=number("like_count"),
        redistribution=redistribution,
        conversation=number("reply_count"),
        saves=number("bookmark_count"),
        raw=raw,
    )


MASTODON_COUNTS = ("favourites_count", "reblogs_count", "replies_count")


def mastodon_reading(status: Mapping[str, Any]) -> Reading:
    """A Mastodon status's public numbers: favourites (reactions), boosts (redistribution) and
    replies (conversation). Mastodon tells no one how many saw a status: reach is not
    available; nor are bookmarks, which only the bookmarking person sees."""

    def number(name: str) -> int | None:
        value = status.get(name)
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else None

    return Reading(
        reactions=number("favourites_count"),
        redistribution=number("reblogs_count"),
        conversation=number("replies_count"),
        raw={name: status.get(name) for name in MASTODON_COUNTS if name in status},
    )


def telegram_reading(reactions: Mapping[str, int]) -> Reading:
    """A Telegram channel post as bots see it: reactions only. The Bot API gives no views and
    no forwards of channel posts, so reach and redistribution are not available."""
    return Reading(reactions=sum(reactions.values()), raw={"reactions": dict(reactions)})


def plan(published_at: datetime) -> list[tuple[str, datetime]]:
    """Every point of a publication that went out at ``published_at``, with its due instant."""
    return [(name, published_at + delay) for name, delay in POINTS]


def lateness(due_at: datetime, taken_at: datetime) -> int:
    """How late a snapshot was taken, in whole seconds (never negative)."""
    return max(0, int((taken_at - due_at).total_seconds()))
