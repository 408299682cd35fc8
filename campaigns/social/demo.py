"""Social demo data, relative to ``now``: a campaign around the next major anniversary of
diplomatic relations, a sandbox channel per mission (and one for the press department), and a few
posts in different states, one of them due in the next minutes.

Loading is idempotent: the campaign is found by its English name, channels by name, posts by
title within the campaign; what exists is left as it is. It expects the demo units and people
(``campaigns.demo``) and the calendar demo (anniversaries, events) to be loaded first.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.calendar import queries as calendar_queries
from campaigns.calendar.models import AnniversaryCategory, Event, EventStatus, Tier
from campaigns.calendar.rules import AnniversaryOccurrence
from campaigns.org.models import Person, Unit, UnitKind
from campaigns.social import bulk, chains, channels, scheduling, services
from campaigns.social.models import Campaign, Channel, ChannelKind, Post, ScheduleMode
from campaigns.timezones import to_zone

OFFICE_ZONE = "Asia/Ho_Chi_Minh"
AUTHOR = "editor@example.org"
MISSION_AUTHOR = "editor.kh@example.org"
APPROVER = "coordinator2@example.org"  # of the steering committee (bcd-ttdn)
HEAD_OF_PRESS = "coordinator@example.org"  # a coordinator of the press department
PRESS_UNIT = "mofa-press"
PRESS_CHANNEL = "Bộ Ngoại giao – Sandbox (vi)"
# Border provinces take part in campaigns with neighbouring countries.
PROVINCES_FOR = {"KH": ("prov-tayninh", "prov-angiang")}
# The post due in the next minutes: how far ahead of ``now``.
DUE_SOON = timedelta(minutes=5)


def load_social_demo(session: Session, *, now: datetime) -> Campaign | None:
    """Create whatever of the social demo does not exist yet. Returns the demo campaign (None
    when the demo people or the anniversary dataset are missing)."""
    author = _person(session, AUTHOR)
    approver = _person(session, APPROVER)
    press = session.scalar(select(Unit).where(Unit.code == PRESS_UNIT))
    if author is None or approver is None or press is None:
        return None
    sandboxes = _load_channels(session, now=now, press=press, owner=approver)
    occurrence = _next_major_anniversary(session, now)
    if occurrence is None:
        return None
    campaign = _load_campaign(session, now=now, occurrence=occurrence, press=press)
    _load_posts(session, now=now, campaign=campaign, author=author, approver=approver,
                sandboxes=sandboxes)  # fmt: skip
    head = _person(session, HEAD_OF_PRESS)
    if head is not None:
        _load_statements(session, now=now, press=press, author=author, steering=approver)
    return campaign


def _load_statements(
    session: Session, *, now: datetime, press: Unit, author: Person, steering: Person
) -> None:
    """The spokesperson's statements: a campaign whose posts pass two steps, a member of the
    steering committee then the head of the press department; one statement waits at step 2
    (step 1 taken by the steering committee's coordinator, the head of the department asked)."""
    name_en = "Spokesperson's statements"
    campaign = session.scalar(select(Campaign).where(Campaign.name_en == name_en))
    if campaign is not None:
        return
    today = to_zone(now, OFFICE_ZONE).date()
    campaign = services.create_campaign(
        session,
        actor=None,
        now=now,
        data=services.CampaignInput(
            name_vi="Phát ngôn của Người Phát ngôn Bộ Ngoại giao",
            name_en=name_en,
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=335),
            owner_unit_code=press.code,
            goal="Viet Nam's official positions, cleared by the steering committee and the head "
            "of the press department before they go out.",
            target_countries=["VN"],
            languages=["vi", "en"],
        ),
    )
    chains.set_clearance_policy(
        session,
        actor=None,
        now=now,
        target=campaign,
        steps=[chains.StepInput("steering"), chains.StepInput("unit", press.code)],
    )
    post = services.create_post(
        session,
        actor=author,
        now=now,
        campaign=campaign,
        title="Statement on the East Sea",
        variants={
            "vi": "Việt Nam kiên định giải quyết các tranh chấp bằng biện pháp hòa bình, "
            "trên cơ sở luật pháp quốc tế, trong đó có UNCLOS 1982.",
            "en": "Viet Nam consistently settles disputes by peaceful means, on the basis of "
            "international law, including UNCLOS 1982.",
        },
    )
    services.submit_post(session, actor=author, now=now, post=post)
    services.approve_post(
        session,
        actor=steering,
        now=now,
        post=post,
        expected_version=post.version,
        comment="Ban Chỉ đạo đồng ý.",
    )


def _person(session: Session, email: str) -> Person | None:
    return session.scalar(select(Person).where(Person.email == email))


def _load_channels(
    session: Session, *, now: datetime, press: Unit, owner: Person
) -> dict[str, Channel]:
    """One sandbox channel per mission (in English, addressing the mission's country on its
    clock) and one for the press department (in Vietnamese, for the home audience), keyed by
    unit code."""
    wanted = [(press, PRESS_CHANNEL, "vi")]
    missions = session.scalars(
        select(Unit).where(Unit.kind == UnitKind.MISSION).order_by(Unit.code)
    ).all()
    wanted += [(unit, f"{unit.name_en} – Sandbox", "en") for unit in missions]
    found = {}
    for unit, name, language in wanted:
        channel = session.scalar(select(Channel).where(Channel.name == name))
        if channel is None:
            channel = channels.create_channel(
                session,
                actor=None,
                now=now,
                data=channels.ChannelInput(
                    kind=ChannelKind.SANDBOX,
                    name=name,
                    language=language,
                    owner_unit_code=unit.code,
                    handle=f"@{unit.code}",
                    owner_person_id=owner.id,
                    audience_countries=[unit.country] if unit.kind == UnitKind.MISSION else [],
                    audience_zone=unit.timezone,
                ),
                credentials={},
                secret="",  # a sandbox has no credentials to encrypt
            )
        found[unit.code] = channel
    return found


def _next_major_anniversary(session: Session, now: datetime) -> AnniversaryOccurrence | None:
    today = to_zone(now, OFFICE_ZONE).date()
    candidates = [
        occurrence
        for occurrence in calendar_queries.occurrences(
            session,
            since=today + timedelta(days=7),
            until=today + timedelta(days=3 * 366),
            category=AnniversaryCategory.DIPLOMATIC_RELATIONS,
        )
        if occurrence.tier == Tier.MAJOR and occurrence.country
    ]
    return candidates[0] if candidates else None


def _campaign_name(occurrence: AnniversaryOccurrence) -> tuple[str, str]:
    return occurrence.label("vi"), occurrence.label("en")


def _load_campaign(
    session: Session, *, now: datetime, occurrence: AnniversaryOccurrence, press: Unit
) -> Campaign:
    name_vi, name_en = _campaign_name(occurrence)
    campaign = session.scalar(select(Campaign).where(Campaign.name_en == name_en))
    if campaign is not None:
        return campaign
    today = to_zone(now, OFFICE_ZONE).date()
    country = occurrence.country or ""
    mission = session.scalar(
        select(Unit).where(Unit.kind == UnitKind.MISSION, Unit.country == country)
    )
    participants = [mission.code] if mission else []
    participants += [
        code
        for code in PROVINCES_FOR.get(country, ())
        if session.scalar(select(Unit).where(Unit.code == code)) is not None
    ]
    starts_on = today
    ends_on = occurrence.date + timedelta(days=30)
    events = [
        event.id
        for event in session.scalars(select(Event).where(Event.status != EventStatus.CANCELLED))
        if country in (event.partner_countries or [])
        and _event_date(event) is not None
        and starts_on <= _event_date(event) <= ends_on
    ]
    return services.create_campaign(
        session,
        actor=None,
        now=now,
        data=services.CampaignInput(
            name_vi=name_vi,
            name_en=name_en,
            starts_on=starts_on,
            ends_on=ends_on,
            owner_unit_code=press.code,
            goal=(
                "Make the anniversary known in both countries and in Europe: the history of the "
                "relations, today's cooperation, the people behind it."
            ),
            hashtags=[f"VietNam{country}"]
            + ([f"{occurrence.years}Years"] if occurrence.years else []),
            participant_codes=participants,
            target_countries=["VN", country, "FR"] if country != "FR" else ["VN", "FR"],
            languages=["vi", "en"] + (["km"] if country == "KH" else []),
            kpi_targets={
                "posts": 40,
                "impressions": 500_000,
                "engagements": 20_000,
                "coverage_articles": 25,
            },
            event_ids=events,
            anniversaries=[(occurrence.anniversary_id, occurrence.date)],
        ),
    )


def _event_date(event: Event) -> date | None:
    if event.all_day:
        return event.start_date
    return to_zone(event.starts_at, event.timezone).date() if event.starts_at else None


def _existing(session: Session, campaign: Campaign, title: str) -> Post | None:
    return session.scalar(select(Post).where(Post.campaign_id == campaign.id, Post.title == title))


def _write(session: Session, *, now, campaign, author, title, variants) -> Post | None:
    """The post, or None when it exists already (then nothing else is done with it)."""
    if _existing(session, campaign, title) is not None:
        return None
    return services.create_post(
        session, actor=author, now=now, campaign=campaign, title=title, variants=variants
    )


def _clear(session: Session, *, now, post: Post, approver: Person) -> None:
    services.submit_post(session, actor=post.author, now=now, post=post)
    services.approve_post(
        session,
        actor=approver,
        now=now,
        post=post,
        expected_version=post.version,
        comment="Đồng ý.",
    )


def _load_posts(
    session: Session,
    *,
    now: datetime,
    campaign: Campaign,
    author: Person,
    approver: Person,
    sandboxes: dict[str, Channel],
) -> None:
    name_vi, name_en = campaign.name_vi, campaign.name_en
    tags = " ".join(campaign.hashtags)
    mission = next((sandboxes[u.code] for u in campaign.participating_units if u.code in sandboxes),
                   None)  # fmt: skip
    targets = [sandboxes[PRESS_UNIT]] + ([mission] if mission else [])

    # A draft, still being written.
    _write(session, now=now, campaign=campaign, author=author,
           title="Draft: the history of the relations",
           variants={"vi": f"Nhìn lại chặng đường {name_vi}. {tags}",
                     "en": f"Looking back: {name_en}. {tags}"})  # fmt: skip

    # Waiting for clearance (a coordinator sees it in the queue).
    post = _write(session, now=now, campaign=campaign, author=author,
                  title="Photo exhibition opens",
                  variants={"vi": f"Khai mạc triển lãm ảnh chào mừng {name_vi}. {tags}",
                            "en": f"A photo exhibition opens for the {name_en}. {tags}"})  # fmt: skip
    if post is not None:
        services.submit_post(session, actor=author, now=now, post=post)

    # Cleared and scheduled at 09:00 local time for each audience, two days from now: the press
    # department's channel for Viet Nam, each target country's mission for its own public (Hanoi
    # and Phnom Penh share a clock, Paris does not), each channel once.
    audience_channels = [targets[0]] + [
        channel
        for channel in sandboxes.values()
        if set(channel.audience_countries) & set(campaign.target_countries)
    ]
    post = _write(session, now=now, campaign=campaign, author=author,
                  title="Countdown: 09:00 in each capital",
                  variants={"vi": f"Đếm ngược tới {name_vi}. {tags}",
                            "en": f"Counting down to the {name_en}. {tags}"})  # fmt: skip
    if post is not None:
        _clear(session, now=now, post=post, approver=approver)
        scheduling.schedule_post(
            session,
            actor=approver,
            now=now,
            post=post,
            data=scheduling.ScheduleInput(
                channel_ids=[channel.id for channel in audience_channels],
                local_time=time(9, 0),
                mode=ScheduleMode.PER_AUDIENCE,
                local_date=to_zone(now, OFFICE_ZONE).date() + timedelta(days=2),
                countries=list(campaign.target_countries),
            ),
        )

    # Cleared and due in the next minutes: the demo's worker publishes it on the sandboxes.
    post = _write(session, now=now, campaign=campaign, author=author,
                  title="Today: the anniversary website opens",
                  variants={"vi": f"Trang thông tin về {name_vi} chính thức ra mắt. {tags}",
                            "en": f"The website of the {name_en} is live. {tags}"})  # fmt: skip
    if post is not None:
        _clear(session, now=now, post=post, approver=approver)
        due = (now + DUE_SOON).replace(microsecond=0)
        scheduling.schedule_post(
            session,
            actor=approver,
            now=now,
            post=post,
            data=scheduling.ScheduleInput(
                channel_ids=[channel.id for channel in targets],
                local_time=due.time().replace(tzinfo=None),
                mode=ScheduleMode.AT,
                zone="UTC",
                local_date=due.date(),
            ),
        )

    _load_bulk(session, now=now, campaign=campaign, author=author, targets=targets)


BULK_TITLES = ("Week of friendship: day 1", "Week of friendship: day 2")


def _load_bulk(
    session: Session, *, now: datetime, campaign: Campaign, author: Person, targets: list[Channel]
) -> None:
    """Two posts uploaded from a file (campaigns/social/bulk.py) by the editor: waiting for
    clearance, with 09:00 per audience kept for whoever schedules them."""
    if _existing(session, campaign, BULK_TITLES[0]) is not None:
        return
    day = to_zone(now, OFFICE_ZONE).date() + timedelta(days=5)
    channel_names = ", ".join(channel.name for channel in targets)
    lines = [",".join(bulk.COLUMNS)]
    for number, title in enumerate(BULK_TITLES):
        when = f"{day + timedelta(days=number)} 09:00 per audience"
        lines.append(f'{title},{campaign.id},vi,"Tuần hữu nghị, ngày {number + 1}.",'
                     f'"{channel_names}",,,{when},')  # fmt: skip
        lines.append(f'{title},,en,"Friendship week, day {number + 1}.",,,,,')
    content = ("\n".join(lines) + "\n").encode()
    preview = bulk.preview_bulk_posts(session, actor=author, now=now, content=content)
    if preview.valid:
        bulk.create_bulk_posts(
            session, actor=author, now=now, content=content, filename="friendship-week.csv"
        )
