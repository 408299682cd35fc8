"""Many publications at once, and real ``herald worker`` processes to publish them: shared by the
exactly-once proof (tests/scheduler/test_exactly_once.py) and bench/dispatch.py.

Publications are inserted in bulk (posts already cleared, one English variant, one publication
per channel, each text unique so the fake X's record shows any double), because building
thousands through the clearance services would take longer than publishing them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaigns.social.models import Channel, Post, PostVariant, Publication, PublicationAttempt
from campaigns.social.platform import fingerprint
from tests import processes
from tests.factories import create_person
from tests.fakes.x import FakeX
from tests.social_factories import SECRET, create_campaign, create_channel

HERALD = str(Path(sys.executable).with_name("herald"))


def x_channels(session: Session, fake: FakeX, count: int, *, prefix: str) -> list[Channel]:
    """``count`` X channels, each its own account on the fake, with a budget that never binds."""
    channels = []
    for index in range(count):
        token = f"{prefix}-token-{index}"
        username = f"{prefix}_{index}"
        fake.add_account(token, username=username)
        channels.append(
            create_channel(
                session,
                "x",
                handle=f"@{username}",
                rate_limit_posts=10_000,
                rate_window_seconds=60,
                credentials={
                    "consumer_key": "ck",
                    "consumer_secret": "cs",
                    "access_token": token,
                    "access_token_secret": "ats",
                },
            )
        )
    return channels


def due_publications(
    session: Session,
    channels: Sequence[Channel],
    count: int,
    *,
    due_at: datetime,
    tag: str,
    spread: timedelta = timedelta(0),
    now: datetime,
) -> list[int]:
    """``count`` scheduled publications over ``channels`` (round robin), due from ``due_at``
    and spread evenly over ``spread``; returns their ids."""
    campaign = create_campaign(session)
    author = create_person(session, "editor", unit=campaign.owner_unit)
    approver = create_person(session, "coordinator")
    per_post = len(channels)
    posts: list[tuple[Post, PostVariant]] = []
    for number in range(0, count, per_post):
        post = Post(
            campaign_id=campaign.id,
            title=f"{tag} {number // per_post}",
            author_id=author.id,
            status="scheduled",
            version=1,
            approved_by_id=approver.id,
            approved_at=now,
            approved_version=1,
            created_at=now,
            updated_at=now,
        )
        variant = PostVariant(
            post=post, language="en", text=post.title, created_at=now, updated_at=now
        )
        session.add(post)
        posts.append((post, variant))
    session.flush()
    publications: list[Publication] = []
    for (post, variant), number in zip(posts, range(0, count, per_post), strict=True):
        for index in range(number, min(number + per_post, count)):
            channel = channels[index % per_post]
            offset = spread * index / count if count else timedelta(0)
            scheduled_at = due_at + offset
            text = f"Herald {tag}: publication {index} on {channel.handle}"
            publications.append(
                Publication(
                    post_id=post.id,
                    variant_id=variant.id,
                    channel_id=channel.id,
                    scheduled_at=scheduled_at,
                    audience_zone="UTC",
                    misfire_deadline=scheduled_at + timedelta(minutes=30),
                    status="scheduled",
                    attempts=0,
                    next_attempt_at=scheduled_at,
                    text=text,
                    fingerprint=fingerprint(text, []),
                    last_error="",
                    created_at=now,
                    updated_at=now,
                )
            )
    session.add_all(publications)
    session.flush()
    return [publication.id for publication in publications]


def count_published(session: Session, ids: Sequence[int]) -> int:
    session.expire_all()
    return session.scalar(
        select(func.count()).where(Publication.id.in_(ids), Publication.status == "published")
    )


def reconciled(session: Session, ids: Sequence[int]) -> int:
    """How many of these publications were taken over after their worker died."""
    return session.scalar(
        select(func.count(func.distinct(PublicationAttempt.publication_id))).where(
            PublicationAttempt.publication_id.in_(ids),
            PublicationAttempt.outcome.in_(["reconciled_found", "reconciled_missing"]),
        )
    )


@dataclass(frozen=True)
class ExactlyOnce:
    published: int
    tweets: int
    duplicated: list[str]  # fingerprints the fake received more than once
    missing: int  # publications whose text the fake never received
    mismatched: int  # publications whose platform id is not their tweet's


def check_exactly_once(session: Session, fake: FakeX, ids: Sequence[int]) -> ExactlyOnce:
    session.expire_all()
    publications = session.scalars(select(Publication).where(Publication.id.in_(ids))).all()
    wanted = {publication.fingerprint: publication for publication in publications}
    tweets = [tweet for tweet in fake.tweets() if fingerprint(tweet.posted_text, []) in wanted]
    received = Counter(fingerprint(tweet.posted_text, []) for tweet in tweets)
    tweet_ids = {fingerprint(tweet.posted_text, []): tweet.id for tweet in tweets}
    return ExactlyOnce(
        published=sum(1 for p in publications if p.status == "published"),
        tweets=len(tweets),
        duplicated=sorted(key for key, times in received.items() if times > 1),
        missing=sum(1 for key in wanted if key not in received),
        mismatched=sum(
            1
            for key, publication in wanted.items()
            if key in tweet_ids and publication.platform_id != tweet_ids[key]
        ),
    )


def start_worker(
    database_url: str,
    x_api_base: str,
    *,
    log_path: Path,
    lease_seconds: int = 120,
    concurrency: int = 1,
    batch: int = 50,
    sends: int | None = None,
    telegram_api_base: str | None = None,
) -> subprocess.Popen:
    """A real ``herald worker`` process on the given database and fake X (and fake Telegram)."""
    environment = {
        **os.environ,
        "HERALD_DATABASE_URL": database_url,
        "HERALD_SECRET_KEY": SECRET,
        "HERALD_X_API_BASE": x_api_base,
    }
    if telegram_api_base:
        environment["HERALD_TELEGRAM_API_BASE"] = telegram_api_base
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [
                HERALD,
                "worker",
                "--concurrency",
                str(concurrency),
                "--lease-seconds",
                str(lease_seconds),
                "--batch",
                str(batch),
                *(["--sends", str(sends)] if sends is not None else []),
            ],
            env=environment,
            cwd=log_path.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_workers(workers: Sequence[subprocess.Popen], timeout: float = 15) -> None:
    """SIGTERM (a graceful stop), then SIGKILL whatever is still running."""
    processes.stop_all(workers, timeout)
