"""Factories for the social area: a campaign, a channel, a cleared post, an event, in one line."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from campaigns.calendar.models import Event
from campaigns.org.models import Person, Unit
from campaigns.social import channels as channel_services
from campaigns.social import scheduling, services
from campaigns.social.models import Campaign, Channel, Post
from tests.factories import create_person, create_unit

SECRET = "test-secret-key-that-is-long-enough-0123456789"
_sequence = itertools.count(1)
_NOW = datetime(2026, 1, 1, tzinfo=UTC)


def create_campaign(session: Session, owner_unit: Unit | None = None, **fields) -> Campaign:
    number = next(_sequence)
    owner_unit = owner_unit or create_unit(session)
    values = {
        "name_vi": f"Chiến dịch {number}",
        "name_en": f"Campaign {number}",
        "starts_on": date(2027, 1, 1),
        "ends_on": date(2027, 12, 31),
        "owner_unit_code": owner_unit.code,
        "target_countries": ["VN", "FR"],
        "languages": ["vi", "en"],
    }
    values.update(fields)
    return services.create_campaign(
        session, actor=None, now=_NOW, data=services.CampaignInput(**values)
    )


def create_channel(
    session: Session,
    kind: str = "sandbox",
    owner_unit: Unit | None = None,
    owner: Person | None = None,
    credentials: dict[str, str] | None = None,
    **fields,
) -> Channel:
    number = next(_sequence)
    owner_unit = owner_unit or create_unit(session)
    if credentials is None:
        credentials = {
            "x": {
                "consumer_key": f"ck-{number}",
                "consumer_secret": f"cs-{number}",
                "access_token": f"at-{number}",
                "access_token_secret": f"ats-{number}",
            },
            "telegram": {"bot_token": f"123:tg-{number}"},
            "mastodon": {
                "instance_url": "https://social.example",
                "mastodon_token": f"masto-{number}",
            },
            "sandbox": {},
        }[kind]
    values = {
        "kind": kind,
        "name": f"Channel {number}",
        "language": "en",
        "owner_unit_code": owner_unit.code,
        "handle": f"@channel{number}",
        "owner_person_id": owner.id if owner else None,
    }
    values.update(fields)
    return channel_services.create_channel(
        session,
        actor=None,
        now=_NOW,
        data=channel_services.ChannelInput(**values),
        credentials=credentials,
        secret=SECRET,
    )


def create_post(
    session: Session,
    campaign: Campaign | None = None,
    author: Person | None = None,
    variants: dict[str, str] | None = None,
    now: datetime = _NOW,
    **fields,
) -> Post:
    campaign = campaign or create_campaign(session)
    author = author or create_person(session, "editor", unit=campaign.owner_unit)
    number = next(_sequence)
    return services.create_post(
        session,
        actor=author,
        now=now,
        campaign=campaign,
        title=fields.pop("title", f"Post {number}"),
        variants=variants or {"vi": f"Bài viết số {number}", "en": f"Post number {number}"},
        **fields,
    )


def cleared_post(
    session: Session,
    campaign: Campaign | None = None,
    author: Person | None = None,
    approver: Person | None = None,
    now: datetime = _NOW,
    **fields,
) -> Post:
    """A post written, submitted and approved by a second person."""
    post = create_post(session, campaign=campaign, author=author, now=now, **fields)
    services.submit_post(session, actor=post.author, now=now, post=post)
    approver = approver or create_person(session, "coordinator")
    services.approve_post(
        session, actor=approver, now=now, post=post, expected_version=post.version
    )
    return post


def scheduled_post(
    session: Session,
    channels: list[Channel],
    at: datetime,
    now: datetime,
    campaign: Campaign | None = None,
    **fields,
) -> Post:
    """A cleared post with one publication per channel at the instant ``at`` (UTC)."""
    post = cleared_post(session, campaign=campaign, now=now, **fields)
    scheduling.schedule_post(
        session,
        actor=None,
        now=now,
        post=post,
        data=scheduling.ScheduleInput(
            channel_ids=[channel.id for channel in channels],
            local_time=at.time().replace(tzinfo=None),
            local_date=at.date(),
            zone="UTC",
        ),
    )
    return post


def create_event(
    session: Session,
    owner_unit: Unit | None = None,
    starts_at: datetime | None = None,
    zone: str = "Europe/Paris",
    **fields,
) -> Event:
    owner_unit = owner_unit or create_unit(session)
    starts_at = starts_at or datetime(2027, 6, 24, 8, 0, tzinfo=UTC)
    event = Event(
        uid=f"{uuid.uuid4()}@herald.test",
        title=fields.pop("title", "State visit"),
        kind="diplomatic",
        all_day=False,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        timezone=zone,
        owner_unit_id=owner_unit.id,
        created_at=_NOW,
        updated_at=_NOW,
        **fields,
    )
    session.add(event)
    session.flush()
    return event


def at_utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


NINE = time(9, 0)
