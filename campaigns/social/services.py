"""Use cases for campaigns, posts and their clearance, scheduling, and what people do with
publications (retry, release, cancel). Channels live in ``channels.py``, the outbox in ``outbox.py``.

Every service takes the session, the acting person (``None`` for the system: the scheduler, the
calendar's own services) and ``now``; it flushes, never commits, and audits every change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.calendar.models import Anniversary, Event, EventStatus
from campaigns.errors import Conflict, Invalid, NotAllowed, NotFound
from campaigns.i18n import N_
from campaigns.org.models import Person, Role, Unit
from campaigns.permissions import require
from campaigns.social import rules
from campaigns.social.models import (
    Attachment,
    Campaign,
    CampaignAnniversary,
    Channel,
    ChannelHealth,
    HeldReason,
    Post,
    PostStatus,
    PostVariant,
    Publication,
    PublicationStatus,
    ScheduleMode,
)
from campaigns.social.notifications import notify, people_with_roles
from campaigns.social.platform import fingerprint
from campaigns.timezones import is_country, is_zone

# Publications that have not gone out and are not being sent: an edit or a move may change them.
PENDING = (PublicationStatus.SCHEDULED, PublicationStatus.FAILED, PublicationStatus.HELD)
IN_FLIGHT = (PublicationStatus.PUBLISHING, PublicationStatus.RECONCILING)
KPI_KEYS = ("posts", "impressions", "engagements", "coverage_articles")


def post_link(post: Post | int) -> str:
    return f"/social/posts/{post if isinstance(post, int) else post.id}"


def _authorise(actor: Person | None, action: str, target: object = None) -> None:
    if actor is not None:
        require(actor, action, target)


# --- campaigns -----------------------------------------------------------------------------------


@dataclass
class CampaignInput:
    name_vi: str
    name_en: str
    starts_on: date | None
    ends_on: date | None
    owner_unit_code: str
    goal: str = ""
    hashtags: list[str] = field(default_factory=list)
    participant_codes: list[str] = field(default_factory=list)
    target_countries: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    kpi_targets: dict[str, int] = field(default_factory=dict)
    event_ids: list[int] = field(default_factory=list)
    # (anniversary id, occurrence date)
    anniversaries: list[tuple[int, date]] = field(default_factory=list)


def _unit(session: Session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == (code or "").strip()))


def _validated_campaign(session: Session, data: CampaignInput) -> dict:
    errors: dict[str, str] = {}
    name_vi, name_en = data.name_vi.strip(), data.name_en.strip()
    if not name_vi:
        errors["name_vi"] = N_("Give the campaign a name.")
    if not name_en:
        errors["name_en"] = N_("Give the campaign a name.")
    if data.starts_on is None:
        errors["starts_on"] = N_("Give a start date.")
    if data.ends_on is None:
        errors["ends_on"] = N_("Give an end date.")
    elif data.starts_on is not None and data.ends_on < data.starts_on:
        errors["ends_on"] = N_("The campaign cannot end before it starts.")
    owner = _unit(session, data.owner_unit_code)
    if owner is None:
        errors["owner_unit_code"] = N_("There is no unit with this code.")
    participants = []
    for code in data.participant_codes:
        unit = _unit(session, code)
        if unit is None:
            errors["participant_codes"] = N_("There is no unit with the code %(code)s.") % {
                "code": code
            }
        elif unit not in participants and unit is not owner:
            participants.append(unit)
    countries = [code.strip().upper() for code in data.target_countries if code.strip()]
    bad = [code for code in countries if not is_country(code)]
    if bad:
        errors["target_countries"] = N_("Unknown country codes: %(codes)s") % {
            "codes": ", ".join(bad)
        }
    languages = []
    for tag in data.languages:
        normalised = rules.normalise_language(tag)
        if normalised is None:
            errors["languages"] = N_("%(tag)s is not a language tag (vi, en, zh-Hant...).") % {
                "tag": tag
            }
        elif normalised not in languages:
            languages.append(normalised)
    targets = {}
    for key, value in data.kpi_targets.items():
        if key not in KPI_KEYS or not isinstance(value, int) or value < 0:
            errors["kpi_targets"] = N_(
                "Targets are whole numbers of posts, impressions, "
                "engagements and coverage articles."
            )
        else:
            targets[key] = value
    events = []
    for event_id in data.event_ids:
        event = session.get(Event, event_id)
        if event is None:
            errors["event_ids"] = N_("There is no such event.")
        elif event not in events:
            events.append(event)
    anniversary_links = []
    for anniversary_id, occurrence_date in data.anniversaries:
        if session.get(Anniversary, anniversary_id) is None:
            errors["anniversaries"] = N_("There is no such anniversary.")
        elif (anniversary_id, occurrence_date) not in anniversary_links:
            anniversary_links.append((anniversary_id, occurrence_date))
    if errors:
        raise Invalid.from_fields(errors)
    hashtags = []
    for tag in data.hashtags:
        tag = tag.strip().lstrip("#")
        if tag and f"#{tag}" not in hashtags:
            hashtags.append(f"#{tag}")
    return {
        "fields": {
            "name_vi": name_vi,
            "name_en": name_en,
            "goal": data.goal.strip(),
            "hashtags": hashtags,
            "starts_on": data.starts_on,
            "ends_on": data.ends_on,
            "owner_unit": owner,
            "target_countries": countries,
            "languages": languages,
            "kpi_targets": targets,
            "participating_units": participants,
            "events": events,
        },
        "anniversaries": anniversary_links,
    }


def _apply_campaign(campaign: Campaign, cleaned: dict) -> None:
    for name, value in cleaned["fields"].items():
        setattr(campaign, name, value)
    wanted = set(cleaned["anniversaries"])
    campaign.anniversary_links = [
        link
        for link in campaign.anniversary_links
        if (link.anniversary_id, link.occurrence_date) in wanted
    ]
    present = {(link.anniversary_id, link.occurrence_date) for link in campaign.anniversary_links}
    for anniversary_id, occurrence_date in cleaned["anniversaries"]:
        if (anniversary_id, occurrence_date) not in present:
            campaign.anniversary_links.append(
                CampaignAnniversary(anniversary_id=anniversary_id, occurrence_date=occurrence_date)
            )


def create_campaign(
    session: Session, *, actor: Person | None, now: datetime, data: CampaignInput
) -> Campaign:
    """Create a campaign. Raises NotAllowed (not a coordinator) or Invalid (field errors)."""
    _authorise(actor, "campaign.manage")
    cleaned = _validated_campaign(session, data)
    campaign = Campaign(created_by_id=actor.id if actor else None, created_at=now, updated_at=now)
    _apply_campaign(campaign, cleaned)
    session.add(campaign)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=campaign)
    return campaign


def update_campaign(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    campaign: Campaign,
    data: CampaignInput,
) -> Campaign:
    """Change a campaign's fields. Raises NotAllowed or Invalid."""
    _authorise(actor, "campaign.manage", campaign)
    cleaned = _validated_campaign(session, data)
    before = snapshot(campaign)
    _apply_campaign(campaign, cleaned)
    campaign.updated_at = now
    session.flush()
    record_change(session, actor=actor, now=now, action="update", target=campaign, before=before)
    return campaign


def set_campaign_paused(
    session: Session, *, actor: Person | None, now: datetime, campaign: Campaign, paused: bool
) -> Campaign:
    """Pause (nothing of it is claimed for publishing) or resume a whole campaign.

    Publications that come due while paused wait; on resume the misfire rule applies to them.
    Raises NotAllowed.
    """
    _authorise(actor, "campaign.manage", campaign)
    if campaign.paused == paused:
        return campaign
    before = snapshot(campaign)
    campaign.paused = paused
    campaign.updated_at = now
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="pause" if paused else "resume",
        target=campaign,
        before=before,
    )
    return campaign


# --- posts and variants --------------------------------------------------------------------------


def _check_expected_version(post: Post, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != post.version:
        raise Conflict(
            N_(
                "This post changed since you opened it (you saw version %(seen)s, it is now "
                "version %(current)s). Open it again and review the changes."
            ),
            seen=expected_version,
            current=post.version,
        )


def _validated_text(language: str, text: str) -> tuple[str, str]:
    errors = {}
    normalised = rules.normalise_language(language)
    if normalised is None:
        errors["language"] = N_("This is not a language tag (vi, en, zh-Hant...).")
    text = (text or "").strip()
    if not text:
        errors["text"] = N_("Write the text of the post.")
    elif len(text) > rules.MAX_TEXT_LENGTH:
        errors["text"] = N_("Too long: no platform takes more than %(limit)s characters.") % {
            "limit": rules.MAX_TEXT_LENGTH
        }
    if errors:
        raise Invalid.from_fields(errors)
    return normalised, text


def _validated_overrides(overrides: dict[str, str] | None) -> dict[str, str]:
    cleaned = {}
    for channel_id, text in (overrides or {}).items():
        text = (text or "").strip()
        if not text:
            continue
        if len(text) > rules.MAX_TEXT_LENGTH:
            raise Invalid(N_("A channel's wording is too long."), field="channel_overrides")
        cleaned[str(int(channel_id))] = text
    return cleaned


def _window(minutes: int) -> int:
    if not isinstance(minutes, int) or not 1 <= minutes <= 24 * 60:
        raise Invalid(
            N_("The misfire window is between 1 minute and 24 hours."),
            field="misfire_window_minutes",
        )
    return minutes


def create_post(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    campaign: Campaign,
    title: str,
    variants: dict[str, str],
    misfire_window_minutes: int = 30,
    rapid_response: bool = False,
) -> Post:
    """Write a post (a draft) with its language variants ``{"vi": "...", "en": "..."}``.

    Raises NotAllowed (not on the campaign) or Invalid (empty or over-long text, bad tag).
    """
    require(actor, "post.create", campaign)
    errors = {}
    if not (title or "").strip():
        errors["title"] = N_("Give the post a title (for the office, not published).")
    if not variants:
        errors["variants"] = N_("Write the post in at least one language.")
    if errors:
        raise Invalid.from_fields(errors)
    cleaned = [_validated_text(language, text) for language, text in variants.items()]
    post = Post(
        campaign=campaign,
        title=title.strip()[:200],
        author_id=actor.id,
        status=PostStatus.DRAFT,
        version=1,
        rapid_response=rapid_response,
        misfire_window_minutes=_window(misfire_window_minutes),
        created_at=now,
        updated_at=now,
    )
    for language, text in cleaned:
        if post.variant(language) is not None:
            raise Invalid(N_("Each language appears once."), field="variants")
        post.variants.append(
            PostVariant(
                language=language, text=text, channel_overrides={}, created_at=now, updated_at=now
            )
        )
    session.add(post)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=post)
    return post


def _content_changed(session: Session, *, actor: Person | None, now: datetime, post: Post) -> None:
    """After any change of content: new version; a cleared post goes back to review."""
    before = snapshot(post)
    post.version += 1
    post.updated_at = now
    new_status = rules.status_after_edit(post.status)
    was_cleared = post.status in (PostStatus.APPROVED, PostStatus.SCHEDULED)
    post.status = new_status
    if was_cleared:
        post.approved_by_id = None
        post.approved_at = None
        post.approved_version = None
        _unschedule(session, post=post, now=now, actor=actor)
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="edit",
        target=post,
        before=before,
        comment="back to review: it changed after clearance" if was_cleared else None,
    )


def _refuse_if_sent(post: Post) -> None:
    statuses = {publication.status for publication in post.publications}
    if statuses & set(IN_FLIGHT):
        raise Conflict(N_("This post is being published right now; try again in a minute."))
    if PublicationStatus.PUBLISHED in statuses or post.status == PostStatus.PUBLISHED:
        raise Conflict(N_("This post has been published; write a new post instead."))


def save_variant(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    post: Post,
    language: str,
    text: str,
    channel_overrides: dict[str, str] | None = None,
    expected_version: int | None = None,
) -> PostVariant:
    """Add or change the post's text in one language.

    A cleared post goes back to review and its publications are un-scheduled. Raises NotAllowed,
    Invalid, or Conflict (stale form; already published).
    """
    require(actor, "post.edit", post)
    _check_expected_version(post, expected_version)
    _refuse_if_sent(post)
    language, text = _validated_text(language, text)
    overrides = _validated_overrides(channel_overrides)
    variant = post.variant(language)
    if variant is None:
        variant = PostVariant(
            language=language,
            text=text,
            channel_overrides=overrides,
            created_at=now,
            updated_at=now,
        )
        post.variants.append(variant)
    elif variant.text == text and (variant.channel_overrides or {}) == overrides:
        return variant
    else:
        variant.text = text
        variant.channel_overrides = overrides
        variant.updated_at = now
    session.flush()
    _content_changed(session, actor=actor, now=now, post=post)
    return variant


def remove_variant(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    post: Post,
    language: str,
    expected_version: int | None = None,
) -> Post:
    """Drop one language. Raises NotAllowed, NotFound, Invalid (the last one), Conflict."""
    require(actor, "post.edit", post)
    _check_expected_version(post, expected_version)
    _refuse_if_sent(post)
    variant = post.variant(language)
    if variant is None:
        raise NotFound(N_("This post has no text in that language."))
    if len(post.variants) == 1:
        raise Invalid(N_("A post keeps at least one language."), field="variants")
    if any(publication.variant_id == variant.id for publication in post.publications):
        # Publications, even cancelled ones, keep the text they were planned with.
        raise Conflict(N_("Publications were planned in this language: change its text instead."))
    post.variants.remove(variant)
    session.flush()
    _content_changed(session, actor=actor, now=now, post=post)
    return post


def update_post(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    post: Post,
    title: str | None = None,
    misfire_window_minutes: int | None = None,
    expected_version: int | None = None,
) -> Post:
    """Change the post's office title or misfire window (neither is published content, so the
    clearance stands; pending publications get the new window). Raises NotAllowed, Invalid,
    Conflict."""
    require(actor, "post.edit", post)
    _check_expected_version(post, expected_version)
    before = snapshot(post)
    if title is not None:
        if not title.strip():
            raise Invalid(N_("Give the post a title."), field="title")
        post.title = title.strip()[:200]
    if misfire_window_minutes is not None:
        post.misfire_window_minutes = _window(misfire_window_minutes)
        for publication in post.publications:
            if publication.status in PENDING:
                publication.misfire_deadline = rules.misfire_deadline(
                    publication.scheduled_at, post.misfire_window_minutes
                )
    post.updated_at = now
    session.flush()
    record_change(session, actor=actor, now=now, action="update", target=post, before=before)
    return post


def add_attachment(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    post: Post,
    language: str,
    filename: str,
    content: bytes,
    media_root: Path,
    expected_version: int | None = None,
) -> Attachment:
    """Attach an image (checked by its content, at most 5 MB) to one language of the post.

    The file is stored under ``media_root`` by its SHA-256. Raises NotAllowed, NotFound,
    Invalid (not an image, too large), Conflict.
    """
    require(actor, "post.edit", post)
    _check_expected_version(post, expected_version)
    _refuse_if_sent(post)
    variant = post.variant(rules.normalise_language(language) or language)
    if variant is None:
        raise NotFound(N_("This post has no text in that language."))
    if len(content) > rules.MAX_IMAGE_BYTES:
        raise Invalid(N_("The image is larger than 5 MB."), field="image")
    mime_type = rules.sniff_image(content)
    if mime_type is None:
        raise Invalid(N_("This file is not an image (PNG, JPEG, GIF or WebP)."), field="image")
    digest = hashlib.sha256(content).hexdigest()
    extension = mime_type.split("/")[1].replace("jpeg", "jpg")
    relative = f"{digest[:2]}/{digest}.{extension}"
    target = Path(media_root) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".part")
        temporary.write_bytes(content)
        temporary.replace(target)
    attachment = Attachment(
        position=len(variant.attachments),
        path=relative,
        original_name=Path(filename or "image").name[:255],
        mime_type=mime_type,
        size_bytes=len(content),
        sha256=digest,
        created_at=now,
    )
    variant.attachments.append(attachment)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=attachment)
    _content_changed(session, actor=actor, now=now, post=post)
    return attachment


def remove_attachment(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    attachment: Attachment,
    expected_version: int | None = None,
) -> Post:
    """Remove an image from its variant (the file stays: another post may share it)."""
    post = attachment.variant.post
    require(actor, "post.edit", post)
    _check_expected_version(post, expected_version)
    _refuse_if_sent(post)
    record_change(
        session,
        actor=actor,
        now=now,
        action="delete",
        target=attachment,
        before=snapshot(attachment),
    )
    attachment.variant.attachments.remove(attachment)
    session.flush()
    _content_changed(session, actor=actor, now=now, post=post)
    return post


# --- clearance -----------------------------------------------------------------------------------


def _transition(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    post: Post,
    target: str,
    action: str,
    comment: str | None = None,
) -> dict:
    if not rules.can_move(post.status, target):
        raise Conflict(
            N_("A post that is %(status)s cannot be %(action)s."),
            status=post.status,
            action=action,
        )
    before = snapshot(post)
    post.status = target
    post.updated_at = now
    return before


def submit_post(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    post: Post,
    expected_version: int | None = None,
) -> Post:
    """Ask for clearance; coordinators (other than the author) are told.

    Raises NotAllowed, Conflict (wrong state, stale form), Invalid (a language with no text).
    """
    require(actor, "post.edit", post)
    _check_expected_version(post, expected_version)
    if not post.variants:
        raise Invalid(N_("Write the post in at least one language."), field="variants")
    before = _transition(
        session, actor=actor, now=now, post=post, target=PostStatus.IN_REVIEW, action="submitted"
    )
    post.submitted_at = now
    post.review_comment = ""
    session.flush()
    record_change(session, actor=actor, now=now, action="submit", target=post, before=before)
    notify(
        session,
        people=people_with_roles(session, [Role.COORDINATOR]),
        kind="rapid_review_requested" if post.rapid_response else "review_requested",
        message=N_("Rapid response to clear: %(title)s")
        if post.rapid_response
        else N_("A post waits for clearance: %(title)s"),
        params={"title": post.title},
        link=post_link(post),
        now=now,
        skip=post.author,
    )
    return post


def approve_post(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    post: Post,
    expected_version: int,
    comment: str = "",
) -> Post:
    """Clear the post as the approver saw it (``expected_version``).

    Four eyes: a coordinator or administrator who is not the author. Raises NotAllowed (author,
    wrong role), Conflict (stale form: the post changed since it was opened; not in review).
    """
    refusal = rules.approval_refusal(
        approver_id=actor.id, approver_role=actor.role, author_id=post.author_id
    )
    if refusal is not None or not actor.active:
        raise NotAllowed(refusal or N_("You are not allowed to do this."))
    require(actor, "post.approve", post)
    _check_expected_version(post, expected_version)
    before = _transition(
        session, actor=actor, now=now, post=post, target=PostStatus.APPROVED, action="approved"
    )
    post.approved_by_id = actor.id
    post.approved_at = now
    post.approved_version = post.version
    post.review_comment = comment.strip()
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="approve",
        target=post,
        before=before,
        comment=comment.strip() or None,
    )
    notify(
        session,
        people=[post.author],
        kind="post_approved",
        message=N_("Your post was cleared: %(title)s"),
        params={"title": post.title},
        link=post_link(post),
        now=now,
        skip=actor,
    )
    return post


def reject_post(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    post: Post,
    expected_version: int,
    comment: str,
) -> Post:
    """Send the post back to its author with a comment (required).

    Raises NotAllowed, Invalid (no comment), Conflict (stale form; not in review).
    """
    refusal = rules.approval_refusal(
        approver_id=actor.id, approver_role=actor.role, author_id=post.author_id
    )
    if refusal is not None:
        raise NotAllowed(refusal)
    require(actor, "post.approve", post)
    if not (comment or "").strip():
        raise Invalid(N_("Say what should change."), field="comment")
    _check_expected_version(post, expected_version)
    before = _transition(
        session, actor=actor, now=now, post=post, target=PostStatus.REJECTED, action="rejected"
    )
    post.review_comment = comment.strip()
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="reject",
        target=post,
        before=before,
        comment=comment.strip(),
    )
    notify(
        session,
        people=[post.author],
        kind="post_rejected",
        message=N_("Your post was sent back: %(title)s — %(comment)s"),
        params={"title": post.title, "comment": comment.strip()},
        link=post_link(post),
        now=now,
        skip=actor,
    )
    return post


# --- scheduling ----------------------------------------------------------------------------------


@dataclass
class ScheduleInput:
    """When and where to publish an approved post.

    Either a day (``local_date``) or an event (``event_id`` and ``offset_days``: -3 is three days
    before the event's day), at ``local_time``; in one ``zone`` (mode "at") or in each target
    country's zone (mode "per_audience"; ``countries`` default to the campaign's targets).
    Each channel publishes the variant in its own language.
    """

    channel_ids: list[int]
    local_time: time | None
    mode: str = ScheduleMode.AT
    zone: str | None = None
    local_date: date | None = None
    event_id: int | None = None
    offset_days: int = 0
    countries: list[str] | None = None


@dataclass(frozen=True)
class _Slot:
    instant: datetime
    zone: str
    country: str | None


def _channels(session: Session, channel_ids: Sequence[int]) -> list[Channel]:
    channels = []
    for channel_id in dict.fromkeys(channel_ids):
        channel = session.get(Channel, channel_id)
        if channel is None:
            raise Invalid(N_("There is no such channel."), field="channel_ids")
        channels.append(channel)
    if not channels:
        raise Invalid(N_("Choose at least one channel."), field="channel_ids")
    return channels


def _compute_slots(
    *,
    mode: str,
    zone: str | None,
    local_date: date | None,
    local_time: time,
    countries: Sequence[str],
    event: Event | None,
    offset_days: int,
) -> list[_Slot]:
    if event is None:
        assert local_date is not None
        day = local_date
    else:
        day = rules.event_day(
            all_day=event.all_day,
            start_date=event.start_date,
            starts_at=event.starts_at,
            zone=event.timezone,
        ) + timedelta(days=offset_days)
    if mode == ScheduleMode.PER_AUDIENCE:
        return [
            _Slot(slot.instant, slot.zone, slot.country)
            for slot in rules.audience_slots(day, local_time, countries)
        ]
    assert zone is not None
    return [_Slot(rules.wall_to_utc(day, local_time, zone), zone, None)]


def _slots_for(post: Post, *, event: Event | None) -> list[_Slot]:
    """The instants the post's stored schedule means now (recomputed when an event moves)."""
    assert post.schedule_local_time is not None and post.schedule_mode is not None
    return _compute_slots(
        mode=post.schedule_mode,
        zone=post.schedule_zone,
        local_date=post.schedule_local_date,
        local_time=post.schedule_local_time,
        countries=post.schedule_countries,
        event=event,
        offset_days=post.event_offset_days or 0,
    )


def _validated_schedule(session: Session, post: Post, data: ScheduleInput) -> Event | None:
    errors: dict[str, str] = {}
    if data.mode not in tuple(ScheduleMode):
        errors["mode"] = N_("Choose one time zone or each audience's local time.")
    if data.local_time is None:
        errors["local_time"] = N_("Give a time.")
    if data.mode == ScheduleMode.AT and not is_zone(data.zone):
        errors["zone"] = N_("This time zone does not exist.")
    event = None
    if data.event_id is not None:
        event = session.get(Event, data.event_id)
        if event is None:
            errors["event_id"] = N_("There is no such event.")
        elif event.status == EventStatus.CANCELLED:
            errors["event_id"] = N_("This event is cancelled.")
        if not -366 <= data.offset_days <= 366:
            errors["offset_days"] = N_("Stay within a year of the event.")
    elif data.local_date is None:
        errors["local_date"] = N_("Give a date, or choose an event.")
    if data.mode == ScheduleMode.PER_AUDIENCE:
        countries = data.countries if data.countries is not None else post.campaign.target_countries
        countries = [code.strip().upper() for code in countries if code.strip()]
        if not countries:
            errors["countries"] = N_("The campaign has no target countries: choose some.")
        bad = [code for code in countries if rules.zone_for_country(code) is None]
        if bad:
            errors["countries"] = N_("No time zone is known for: %(codes)s") % {
                "codes": ", ".join(bad)
            }
        data.countries = countries
    if errors:
        raise Invalid.from_fields(errors)
    return event


def _frozen_text(variant: PostVariant, channel: Channel) -> tuple[str, str]:
    text = variant.text_for(channel.id)
    return text, fingerprint(text, [attachment.sha256 for attachment in variant.attachments])


def _check_channel_fit(post: Post, channels: list[Channel]) -> dict[int, PostVariant]:
    errors: dict[str, str] = {}
    chosen = {}
    for channel in channels:
        if channel.health == ChannelHealth.BROKEN:
            errors[f"channel_{channel.id}"] = N_(
                "%(channel)s is broken (%(error)s): fix its credentials first."
            ) % {"channel": channel.name, "error": channel.last_error}
            continue
        variant = post.variant(channel.language)
        if variant is None:
            errors[f"channel_{channel.id}"] = N_(
                "%(channel)s publishes in %(language)s: write that variant first."
            ) % {"channel": channel.name, "language": channel.language}
            continue
        problem = rules.format_problem(
            rules.check_format(channel.kind, variant.text_for(channel.id), len(variant.attachments))
        )
        if problem is not None:
            template, params = problem
            errors[f"channel_{channel.id}"] = template % params
            continue
        chosen[channel.id] = variant
    if errors:
        raise Invalid.from_fields(errors)
    return chosen


def _create_publications(
    session: Session, *, post: Post, channels: list[Channel], slots: list[_Slot], now: datetime
) -> list[Publication]:
    variants = _check_channel_fit(post, channels)
    created = []
    for channel in channels:
        variant = variants[channel.id]
        text, digest = _frozen_text(variant, channel)
        for slot in slots:
            publication = Publication(
                post=post,
                variant=variant,
                channel=channel,
                scheduled_at=slot.instant,
                audience_zone=slot.zone,
                audience_country=slot.country,
                misfire_deadline=rules.misfire_deadline(slot.instant, post.misfire_window_minutes),
                status=PublicationStatus.SCHEDULED,
                attempts=0,
                next_attempt_at=slot.instant,
                text=text,
                fingerprint=digest,
                last_error="",
                created_at=now,
                updated_at=now,
            )
            session.add(publication)
            created.append(publication)
    return created


def _ready_to_schedule(post: Post) -> None:
    if post.status not in (PostStatus.APPROVED, PostStatus.SCHEDULED):
        raise Conflict(N_("Only a cleared post can be scheduled."))
    if post.approved_version != post.version:
        raise Conflict(N_("This post changed after it was cleared; it needs clearance again."))
    if any(publication.status in IN_FLIGHT for publication in post.publications):
        raise Conflict(N_("This post is being published right now; try again in a minute."))


def schedule_post(
    session: Session, *, actor: Person | None, now: datetime, post: Post, data: ScheduleInput
) -> list[Publication]:
    """Plan the publications of a cleared post (replacing any it had that have not gone out).

    One publication per channel, or per channel and distinct audience instant in mode
    "per_audience" (countries whose clocks agree share one). Raises NotAllowed, Conflict (not
    cleared), Invalid (past time, unknown zone or country, missing variant, text too long for a
    channel, broken channel).
    """
    _authorise(actor, "post.schedule", post)
    _ready_to_schedule(post)
    event = _validated_schedule(session, post, data)
    channels = _channels(session, data.channel_ids)
    assert data.local_time is not None
    slots = _compute_slots(
        mode=data.mode,
        zone=data.zone,
        local_date=data.local_date,
        local_time=data.local_time,
        countries=data.countries or [],
        event=event,
        offset_days=data.offset_days,
    )
    past = [slot for slot in slots if slot.instant <= now]
    if past:
        where = ", ".join(slot.country or slot.zone for slot in past)
        raise Invalid(
            N_("This time has already passed (%(where)s)."), field="local_time", where=where
        )
    before = snapshot(post)
    post.schedule_mode = data.mode
    post.schedule_zone = data.zone if data.mode == ScheduleMode.AT else None
    post.schedule_local_date = data.local_date if event is None else None
    post.schedule_local_time = data.local_time
    post.schedule_countries = (
        list(data.countries or []) if data.mode == ScheduleMode.PER_AUDIENCE else []
    )
    post.schedule_channel_ids = [channel.id for channel in channels]
    post.event_id = event.id if event is not None else None
    post.event_offset_days = data.offset_days if event is not None else None
    return _replace_publications(
        session, actor=actor, now=now, post=post, channels=channels, slots=slots, before=before
    )


def _replace_publications(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    post: Post,
    channels: list[Channel],
    slots: list[_Slot],
    before: dict,
) -> list[Publication]:
    created = _create_publications(session, post=post, channels=channels, slots=slots, now=now)
    _unschedule(session, post=post, now=now, actor=actor, keep=created)
    post.status = PostStatus.SCHEDULED
    post.updated_at = now
    session.flush()
    for publication in created:
        record_change(session, actor=actor, now=now, action="schedule", target=publication)
    record_change(session, actor=actor, now=now, action="schedule", target=post, before=before)
    return created


def publish_post_now(
    session: Session, *, actor: Person, now: datetime, post: Post, channel_ids: list[int]
) -> list[Publication]:
    """The rapid-response path: publish a cleared post on these channels as soon as a worker can.

    Same rules as any post (it must have been cleared by a second person). Raises NotAllowed,
    Conflict (not cleared), Invalid.
    """
    require(actor, "post.schedule", post)
    _ready_to_schedule(post)
    channels = _channels(session, channel_ids)
    before = snapshot(post)
    post.schedule_mode = ScheduleMode.AT
    post.schedule_zone = "UTC"
    post.schedule_local_date = now.date()
    post.schedule_local_time = now.time().replace(tzinfo=None)
    post.schedule_countries = []
    post.schedule_channel_ids = [channel.id for channel in channels]
    post.event_id = None
    post.event_offset_days = None
    return _replace_publications(
        session,
        actor=actor,
        now=now,
        post=post,
        channels=channels,
        slots=[_Slot(now, "UTC", None)],
        before=before,
    )


def _unschedule(
    session: Session,
    *,
    post: Post,
    now: datetime,
    actor: Person | None,
    keep: Sequence[Publication] = (),
) -> list[Publication]:
    cancelled = []
    for publication in post.publications:
        if publication.status in PENDING and publication not in keep:
            before = snapshot(publication)
            publication.status = PublicationStatus.CANCELLED
            publication.held_reason = None
            publication.updated_at = now
            cancelled.append((publication, before))
    session.flush()
    for publication, before in cancelled:
        record_change(
            session, actor=actor, now=now, action="unschedule", target=publication, before=before
        )
    return [publication for publication, _ in cancelled]


# --- what people do with publications -------------------------------------------------------------


def _publication_change(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    publication: Publication,
    allowed_from: tuple[str, ...],
    status: str,
    action: str,
    next_attempt_at: datetime | None = None,
) -> Publication:
    _authorise(actor, "publication.manage", publication)
    if publication.status not in allowed_from:
        raise Conflict(
            N_("A publication that is %(status)s cannot be %(action)s."),
            status=publication.status,
            action=action,
        )
    before = snapshot(publication)
    publication.status = status
    publication.held_reason = None
    publication.next_attempt_at = next_attempt_at
    publication.claimed_by = None
    publication.lease_until = None
    publication.updated_at = now
    session.flush()
    record_change(session, actor=actor, now=now, action=action, target=publication, before=before)
    return publication


def _check_still_cleared(publication: Publication) -> None:
    post = publication.post
    if post.status != PostStatus.SCHEDULED or post.approved_version != post.version:
        raise Conflict(N_("This post changed after it was cleared; it needs clearance again."))
    if publication.channel.health == ChannelHealth.BROKEN:
        raise Conflict(N_("The channel is broken: fix its credentials first."))


def retry_publication(
    session: Session, *, actor: Person, now: datetime, publication: Publication
) -> Publication:
    """Send a dead publication again, now, with a fresh window and attempt count.

    Raises NotAllowed, Conflict (not dead; post changed; channel broken).
    """
    _check_still_cleared(publication)
    publication.attempts = 0
    publication.misfire_deadline = rules.misfire_deadline(
        now, publication.post.misfire_window_minutes
    )
    return _publication_change(
        session,
        actor=actor,
        now=now,
        publication=publication,
        allowed_from=(PublicationStatus.DEAD,),
        status=PublicationStatus.SCHEDULED,
        action="retry",
        next_attempt_at=now,
    )


def release_publication(
    session: Session, *, actor: Person, now: datetime, publication: Publication
) -> Publication:
    """Let a held publication go out now (late, on a person's decision), with a fresh window.

    Raises NotAllowed, Conflict (not held; post changed; channel broken).
    """
    _check_still_cleared(publication)
    publication.misfire_deadline = rules.misfire_deadline(
        now, publication.post.misfire_window_minutes
    )
    return _publication_change(
        session,
        actor=actor,
        now=now,
        publication=publication,
        allowed_from=(PublicationStatus.HELD,),
        status=PublicationStatus.SCHEDULED,
        action="release",
        next_attempt_at=now,
    )


def cancel_publication(
    session: Session, *, actor: Person, now: datetime, publication: Publication
) -> Publication:
    """Never send this publication. Raises NotAllowed, Conflict (sent or being sent)."""
    return _publication_change(
        session,
        actor=actor,
        now=now,
        publication=publication,
        allowed_from=(*PENDING, PublicationStatus.DEAD),
        status=PublicationStatus.CANCELLED,
        action="cancel",
    )


# --- the calendar tells us: an event moved or was cancelled ---------------------------------------


def _event_posts(session: Session, event: Event) -> list[Post]:
    return list(
        session.scalars(
            select(Post)
            .where(Post.event_id == event.id, Post.status == PostStatus.SCHEDULED)
            .order_by(Post.id)
        )
    )


def reschedule_for_event(
    session: Session, *, event: Event, now: datetime, actor: Person | None = None
) -> list[Publication]:
    """The event moved: move its posts' pending publications with it (they stay cleared).

    Publications whose new time has passed are held for a person to decide. The author and the
    approver of each post are told. Returns the publications that moved or were held.
    """
    changed = []
    for post in _event_posts(session, event):
        slots = {(slot.zone, slot.country): slot for slot in _slots_for(post, event=event)}
        moved = []
        for publication in post.publications:
            if publication.status not in (PublicationStatus.SCHEDULED, PublicationStatus.FAILED):
                continue
            slot = slots.get((publication.audience_zone, publication.audience_country))
            if slot is None or slot.instant == publication.scheduled_at:
                continue
            before = snapshot(publication)
            publication.scheduled_at = slot.instant
            publication.misfire_deadline = rules.misfire_deadline(
                slot.instant, post.misfire_window_minutes
            )
            publication.next_attempt_at = slot.instant
            publication.updated_at = now
            action = "move"
            if slot.instant <= now:
                publication.status = PublicationStatus.HELD
                publication.held_reason = HeldReason.EVENT_MOVED_TO_PAST
                action = "hold"
            session.flush()
            record_change(
                session,
                actor=actor,
                now=now,
                action=action,
                target=publication,
                before=before,
                comment=f"event {event.id} moved",
            )
            moved.append(publication)
        if moved:
            notify(
                session,
                people=[post.author, post.approved_by],
                kind="publications_moved",
                message=N_("%(event)s moved: the publications of %(title)s moved with it."),
                params={"event": event.title, "title": post.title},
                link=post_link(post),
                now=now,
            )
            changed.extend(moved)
    return changed


def hold_for_cancelled_event(
    session: Session, *, event: Event, now: datetime, actor: Person | None = None
) -> list[Publication]:
    """The event was cancelled: hold its posts' pending publications; authors and approvers are
    told. Returns the held publications."""
    held = []
    for post in _event_posts(session, event):
        post_held = []
        for publication in post.publications:
            if publication.status not in (PublicationStatus.SCHEDULED, PublicationStatus.FAILED):
                continue
            before = snapshot(publication)
            publication.status = PublicationStatus.HELD
            publication.held_reason = HeldReason.EVENT_CANCELLED
            publication.updated_at = now
            session.flush()
            record_change(
                session,
                actor=actor,
                now=now,
                action="hold",
                target=publication,
                before=before,
                comment=f"event {event.id} cancelled",
            )
            post_held.append(publication)
        if post_held:
            notify(
                session,
                people=[post.author, post.approved_by],
                kind="publications_held",
                message=N_("%(event)s was cancelled: the publications of %(title)s are held."),
                params={"event": event.title, "title": post.title},
                link=post_link(post),
                now=now,
            )
            held.extend(post_held)
    return held
