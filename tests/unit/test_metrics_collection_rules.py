"""Pure parts of collection: sandbox figures, the backoff, reaction counts, batching by post."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from campaigns.metrics.collection import (
    BACKOFF_MAX,
    ClaimedSnapshot,
    SnapshotBatch,
    backoff_after,
    reaction_counts,
)
from campaigns.metrics.sandbox import sandbox_reading

PUBLISHED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_sandbox_figures_are_deterministic_and_grow_with_age():
    ages = [timedelta(minutes=15), timedelta(hours=1), timedelta(days=1), timedelta(days=30)]
    first = [sandbox_reading("41", published_at=PUBLISHED, at=PUBLISHED + age) for age in ages]
    again = [sandbox_reading("41", published_at=PUBLISHED, at=PUBLISHED + age) for age in ages]
    assert first == again
    reaches = [reading.reach for reading in first]
    assert reaches == sorted(reaches) and reaches[0] < reaches[-1]
    assert all(reading.raw["sandbox"] is True for reading in first)
    assert sandbox_reading("41", published_at=PUBLISHED, at=PUBLISHED).reach == 0
    other = sandbox_reading("42", published_at=PUBLISHED, at=PUBLISHED + ages[-1])
    assert other.reach != first[-1].reach  # each post has its own audience


def test_backoff_doubles_up_to_six_hours():
    assert [backoff_after(n) for n in (1, 2, 3)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert backoff_after(50) == BACKOFF_MAX == timedelta(hours=6)


def test_reaction_counts_of_a_message_reaction_count_update():
    update = {
        "reactions": [
            {"type": {"type": "emoji", "emoji": "👍"}, "total_count": 5},
            {"type": {"type": "custom_emoji", "custom_emoji_id": "99"}, "total_count": 2},
            {"type": {"type": "paid"}, "total_count": 1},
        ]
    }
    assert reaction_counts(update) == {"👍": 5, "custom:99": 2, "paid": 1}
    assert reaction_counts({}) == {}


def test_a_batch_reads_at_most_100_posts_per_call_keeping_a_posts_points_together():
    snapshots = [
        ClaimedSnapshot(n, n // 2, point, PUBLISHED, 0, str(n // 2), PUBLISHED)
        for n in range(300)
        for point in (["15m"] if n % 2 else ["1h"])
    ]
    chunks = SnapshotBatch(1, "x", snapshots).chunks()
    assert [len({s.platform_id for s in chunk}) for chunk in chunks] == [100, 50]
    assert sum(len(chunk) for chunk in chunks) == 300
