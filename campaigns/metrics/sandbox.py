"""Sandbox figures: made-up numbers for posts on sandbox channels, so that the demo shows
measurement working end to end. They are marked as such (``raw["sandbox"]``, and the rollup's
``sandbox`` column), never mistaken for a platform's.

Deterministic: the same post at the same age always has the same numbers. Each post draws its
own audience size and rates from a hash of its platform id, and its numbers grow with its age
on a saturating curve (most of a post's reach comes in its first day), never going down.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from campaigns.metrics.rules import Reading

# Half of a post's final reach is there after this long.
HALF_LIFE = timedelta(hours=8)


def _draw(platform_id: str, salt: str, low: float, high: float) -> float:
    digest = hashlib.sha256(f"{salt}:{platform_id}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return low + (high - low) * fraction


def sandbox_reading(platform_id: str, *, published_at: datetime, at: datetime) -> Reading:
    """The sandbox post ``platform_id``'s numbers at instant ``at``."""
    age = max((at - published_at).total_seconds(), 0.0)
    grown = 1 - math.pow(0.5, age / HALF_LIFE.total_seconds())
    audience = _draw(platform_id, "audience", 800, 25_000)
    reach = int(audience * grown)
    reactions = int(reach * _draw(platform_id, "reactions", 0.01, 0.06))
    reposts = int(reach * _draw(platform_id, "reposts", 0.002, 0.012))
    quotes = int(reach * _draw(platform_id, "quotes", 0.0, 0.003))
    replies = int(reach * _draw(platform_id, "replies", 0.001, 0.008))
    saves = int(reach * _draw(platform_id, "saves", 0.001, 0.01))
    return Reading(
        reach=reach,
        reactions=reactions,
        redistribution=reposts + quotes,
        conversation=replies,
        saves=saves,
        raw={
            "sandbox": True,
            "impressions": reach,
            "likes": reactions,
            "reposts": reposts,
            "quotes": quotes,
            "replies": replies,
            "bookmarks": saves,
        },
    )
