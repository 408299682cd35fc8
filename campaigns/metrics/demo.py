"""Measurement demo data: a campaign that has been running for five weeks on the demo's sandbox
channels, with its posts published (a few of them late) and every snapshot already due taken,
with sandbox figures — so that dashboards, rankings and reports have content on a fresh
``herald demo``. The snapshots still to come are planned, and the demo's collector takes them.

Deterministic and quick: the history is written in a few statements (posts through the social
services, so they are cleared by a second person as any published post is; publications,
sandbox posts and snapshots directly), relative to ``now``. Loading is idempotent: the campaign
is found by its English name, and nothing is written when it exists.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from campaigns.audit import snapshot
from campaigns.metrics.models import MetricSnapshot, PublicationMetrics
from campaigns.metrics.planning import plan_snapshots
from campaigns.metrics.rules import POINTS, SnapshotStatus, TrackingStatus
from campaigns.metrics.sandbox import sandbox_reading
from campaigns.org.models import Person, Unit, UnitKind
from campaigns.press.demo import PAST_TOUR_TITLE
from campaigns.press.models import Trip
from campaigns.press.trips import touch
from campaigns.social import services
from campaigns.social.models import (
    Campaign,
    Channel,
    ChannelKind,
    Post,
    PostStatus,
    Publication,
    PublicationStatus,
    SandboxPost,
)
from campaigns.social.platform import fingerprint
from campaigns.social.rules import wall_to_utc
from campaigns.timezones import to_zone

NAME_VI = "Việt Nam – Điểm đến an toàn, thân thiện (chiến dịch số)"
NAME_EN = "Viet Nam – a safe, friendly destination (digital campaign)"
AUTHOR = "editor@example.org"
APPROVER = "coordinator2@example.org"
PRESS_UNIT = "mofa-press"
OFFICE_ZONE = "Asia/Ho_Chi_Minh"
WEEKS = 5
# Every this many days a post went out, at 09:00 on the office's clock.
EVERY_DAYS = 2
# One publication in this many went out late (after the on-time tolerance).
LATE_EVERY = 6

TOPICS = (
    ("Ha Long Bay at dawn", "Vịnh Hạ Long lúc bình minh", "Ha Long Bay at dawn"),
    ("Hoi An lantern night", "Đêm hội đèn lồng Hội An", "Lantern night in Hoi An"),
    ("Street food in Hanoi", "Ẩm thực đường phố Hà Nội", "Street food in Hanoi"),
    ("Mekong Delta markets", "Chợ nổi miền Tây", "The floating markets of the Mekong Delta"),
    ("Sapa rice terraces", "Ruộng bậc thang Sa Pa", "The rice terraces of Sa Pa"),
    ("Hue imperial city", "Kinh thành Huế", "The imperial city of Hue"),
    ("Phong Nha caves", "Hang động Phong Nha", "The caves of Phong Nha"),
    ("Coffee culture", "Văn hoá cà phê Việt", "Viet Nam's coffee culture"),
    ("Ao dai week", "Tuần lễ áo dài", "Ao dai week"),
    ("Visa on arrival", "Thị thực điện tử 90 ngày", "90-day e-visas for every visitor"),
    ("Safe travels", "Du lịch an toàn", "Travelling safely in Viet Nam"),
    ("Festival season", "Mùa lễ hội", "The festival season"),
    ("Con Dao islands", "Quần đảo Côn Đảo", "The Con Dao islands"),
    ("Da Lat flowers", "Mùa hoa Đà Lạt", "Flower season in Da Lat"),
    ("Craft villages", "Làng nghề truyền thống", "Traditional craft villages"),
    ("Water puppets", "Múa rối nước", "Water puppetry"),
    ("Cycling the coast", "Đạp xe dọc bờ biển", "Cycling the coast"),
    ("Thank you, visitors", "Cảm ơn du khách", "Thank you, visitors"),
)


def load_metrics_demo(session: Session, *, now: datetime) -> Campaign | None:
    """Create the measured campaign's history unless it exists. Returns the campaign (None
    when the demo people or sandbox channels are missing)."""
    if session.scalar(select(Campaign).where(Campaign.name_en == NAME_EN)) is not None:
        return None
    author = session.scalar(select(Person).where(Person.email == AUTHOR))
    approver = session.scalar(select(Person).where(Person.email == APPROVER))
    press = session.scalar(select(Unit).where(Unit.code == PRESS_UNIT))
    channels = list(
        session.scalars(
            select(Channel)
            .join(Unit, Unit.id == Channel.owner_unit_id)
            .where(Channel.kind == ChannelKind.SANDBOX)
            .order_by(Unit.kind != UnitKind.MINISTRY, Unit.code)
        )
    )
    if author is None or approver is None or press is None or len(channels) < 2:
        return None
    home, missions = channels[0], channels[1:]
    today = to_zone(now, OFFICE_ZONE).date()
    first_day = today - timedelta(weeks=WEEKS)
    mission_units = sorted({channel.owner_unit.code for channel in missions})
    campaign = services.create_campaign(
        session,
        actor=None,
        now=now,
        data=services.CampaignInput(
            name_vi=NAME_VI,
            name_en=NAME_EN,
            starts_on=first_day,
            ends_on=today + timedelta(weeks=2),
            owner_unit_code=press.code,
            goal="Show Viet Nam as a safe, friendly destination, in Vietnamese and English.",
            hashtags=["VisitVietNam"],
            participant_codes=mission_units,
            target_countries=["VN", "US", "FR", "JP"],
            languages=["vi", "en"],
            kpi_targets={"posts": 60, "impressions": 400_000, "engagements": 15_000},
        ),
    )
    publications = []
    for index, (title, text_vi, text_en) in enumerate(TOPICS):
        day = first_day + timedelta(days=1 + EVERY_DAYS * index)
        scheduled_at = wall_to_utc(day, time(9, 0), OFFICE_ZONE)
        if scheduled_at + timedelta(minutes=20) > now:
            break
        post = services.create_post(
            session,
            actor=author,
            now=scheduled_at - timedelta(days=2),
            campaign=campaign,
            title=title,
            variants={"vi": f"{text_vi} #VisitVietNam", "en": f"{text_en} #VisitVietNam"},
        )
        services.submit_post(session, actor=author, now=scheduled_at - timedelta(days=2), post=post)
        services.approve_post(
            session,
            actor=approver,
            now=scheduled_at - timedelta(days=1),
            post=post,
            expected_version=post.version,
        )
        post.status = PostStatus.PUBLISHED
        targets = [home, missions[index % len(missions)], missions[(index + 2) % len(missions)]]
        for channel in dict.fromkeys(targets):
            publications.append((post, channel, scheduled_at, len(publications)))
    session.flush()
    _count_the_past_tour(session, campaign, now=now)
    ids = _publish(session, publications)
    plan_snapshots(session, now=now, publication_ids=ids)
    _take_due_snapshots(session, ids, now=now)
    return campaign


def _count_the_past_tour(session: Session, campaign: Campaign, *, now: datetime) -> None:
    """The press demo's tour of last month was part of this campaign: its coverage (articles,
    reach, tone) shows on the campaign's dashboard and report."""
    tour = session.scalar(select(Trip).where(Trip.title == PAST_TOUR_TITLE))
    if tour is None or tour.campaign_id is not None:
        return
    before = snapshot(tour)
    tour.campaign_id = campaign.id
    touch(session, actor=None, now=now, target=tour, before=before)


def _publish(
    session: Session, publications: list[tuple[Post, Channel, datetime, int]]
) -> list[int]:
    """Sandbox posts and published publications, as the sandbox adapter would have left them."""
    ids = []
    for post, channel, scheduled_at, number in publications:
        variant = post.variant(channel.language) or post.variants[0]
        late = number % LATE_EVERY == LATE_EVERY - 1
        published_at = scheduled_at + (
            timedelta(minutes=9) if late else timedelta(seconds=1 + number % 7)
        )
        text = variant.text_for(channel.id)
        digest = fingerprint(text, [])
        sandbox_post = SandboxPost(
            channel_id=channel.id,
            text=text,
            media=[],
            fingerprint=digest,
            published_at=published_at,
        )
        session.add(sandbox_post)
        session.flush()
        publication_id = session.scalar(
            insert(Publication)
            .values(
                post_id=post.id,
                variant_id=variant.id,
                channel_id=channel.id,
                scheduled_at=scheduled_at,
                audience_zone=channel.audience_zone,
                audience_country=(channel.audience_countries or ["VN"])[0],
                misfire_deadline=scheduled_at + timedelta(minutes=post.misfire_window_minutes),
                status=PublicationStatus.PUBLISHED,
                attempts=1,
                first_sent_at=published_at,
                text=text,
                fingerprint=digest,
                platform_id=str(sandbox_post.id),
                url=f"/sandbox/{channel.id}#post-{sandbox_post.id}",
                published_at=published_at,
                last_error="",
                created_at=scheduled_at - timedelta(days=1),
                updated_at=published_at,
            )
            .returning(Publication.id)
        )
        ids.append(publication_id)
    return ids


def _lateness(snapshot_id: int, point: str) -> timedelta:
    """A few seconds, as a worker's pass takes; the same every time."""
    digest = hashlib.sha256(f"{snapshot_id}:{point}".encode()).digest()
    return timedelta(seconds=2 + digest[0] % 40)


def _take_due_snapshots(session: Session, publication_ids: list[int], *, now: datetime) -> None:
    rows = session.execute(
        select(
            MetricSnapshot.id,
            MetricSnapshot.publication_id,
            MetricSnapshot.point,
            MetricSnapshot.due_at,
            Publication.platform_id,
            Publication.published_at,
        )
        .join(Publication, Publication.id == MetricSnapshot.publication_id)
        .where(MetricSnapshot.publication_id.in_(publication_ids), MetricSnapshot.due_at <= now)
        .order_by(MetricSnapshot.due_at)
    ).all()
    taken, latest = [], {}
    for row in rows:
        taken_at = min(row.due_at + _lateness(row.id, row.point), now)
        reading = sandbox_reading(row.platform_id, published_at=row.published_at, at=taken_at)
        values = {f"v_{name}": value for name, value in reading.as_columns().items()}
        late_seconds = int((taken_at - row.due_at).total_seconds())
        taken.append({"key": row.id, "v_taken_at": taken_at, "v_late": late_seconds, **values})
        latest[row.publication_id] = {
            "key": row.publication_id,
            "v_measured_at": taken_at,
            "v_status": TrackingStatus.DONE
            if row.point == POINTS[-1][0]
            else TrackingStatus.TRACKING,
            **values,
        }
    measures = (
        "reach",
        "reactions",
        "redistribution",
        "conversation",
        "saves",
        "engagements",
        "raw",
    )
    snapshot_table = MetricSnapshot.__table__
    if taken:
        session.execute(
            update(snapshot_table)
            .where(snapshot_table.c.id == bindparam("key"))
            .values(
                status=SnapshotStatus.TAKEN,
                taken_at=bindparam("v_taken_at"),
                late_seconds=bindparam("v_late"),
                **{name: bindparam(f"v_{name}") for name in measures},
            ),
            taken,
        )
    rollup_table = PublicationMetrics.__table__
    if latest:
        session.execute(
            update(rollup_table)
            .where(rollup_table.c.publication_id == bindparam("key"))
            .values(
                measured_at=bindparam("v_measured_at"),
                status=bindparam("v_status"),
                **{name: bindparam(f"v_{name}") for name in measures},
            ),
            list(latest.values()),
        )
    session.flush()
