"""Use cases for campaigns, posts and their language variants, and four-eyes clearance.

Scheduling, what people do with publications and the calendar's hooks live in ``scheduling.py``,
channels in ``channels.py``, the outbox in ``outbox/``.

Every service takes the session, the acting person (``None`` for the system: the scheduler, the
calendar's own services) and ``now``; it flushes, never commits, and audits every change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.calendar.models import Anniversary
from campaigns.calendar.queries import events_to_link
from campaigns.db import INTEGER_MAX, parse_id
from campaigns.errors import Conflict, Invalid, NotFound
from campaigns.i18n import N_
from campaigns.images import sniff_image, store_image
from campaigns.org.models import Person, Unit
from campaigns.permissions import next_step, require
from campaigns.social import chains, rules, webhook_events
from campaigns.social.models import (
    Attachment,
    AuthorChange,
    Campaign,
    CampaignAnniversary,
    Post,
    PostReview,
    PostStatus,
    PostVariant,
    PostVersionAuthor,
    PublicationStatus,
    ReviewDecision,
)
from campaigns.social.notifications import (
    has_clearance_request,
    notify,
    post_link,
    resolve_clearance_requests,
)
from campaigns.social.scheduling import IN_FLIGHT, PENDING, unschedule
from campaigns.timezones import is_country

KPI_KEYS = (
    "posts",
    "impressions",
    "engagements",
    "engagement_rate",
    "coverage_articles",
    "coverage_reach",
)
# The engagement-rate target is kept in hundredths of a percent (250 = 2.5 %), so every
# target stays a whole number.
ENGAGEMENT_RATE_SCALE = 100


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


def _validated_campaign(
    session: Session, actor: Person | None, data: CampaignInput, campaign: Campaign | None = None
) -> dict:
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
            errors["participant_codes"] = N_("One of these unit codes does not exist.")
        elif unit not in participants and unit is not owner:
            participants.append(unit)
    countries = [code.strip().upper() for code in data.target_countries if code.strip()]
    bad = [code for code in countries if not is_country(code)]
    if bad:
        errors["target_countries"] = N_("Use two-letter ISO 3166 country codes, e.g. VN or FR.")
    languages = []
    for tag in data.languages:
        normalised = rules.normalise_language(tag)
        if normalised is None:
            errors["languages"] = N_("Use language tags such as vi, en or zh-Hant.")
        elif normalised not in languages:
            languages.append(normalised)
    targets = {}
    for key, value in data.kpi_targets.items():
        if (
            key not in KPI_KEYS
            or not isinstance(value, int)
            or isinstance(value, bool)
            or value < 0
            or value > INTEGER_MAX
            or (key == "engagement_rate" and value > 100 * ENGAGEMENT_RATE_SCALE)
        ):
            errors["kpi_targets"] = N_(
                "Targets are whole numbers of posts, impressions, engagements, coverage articles "
                "and coverage reach, and an engagement rate between 0 and 100 per cent."
            )
        else:
            targets[key] = value
    # Linking needs the right to see the event; the same check at creation and at every change.
    events = events_to_link(
        session, actor, data.event_ids, linked=campaign.events if campaign is not None else ()
    )
    if events is None:
        errors["event_ids"] = N_("There is no such event.")
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
    cleaned = _validated_campaign(session, actor, data)
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
    cleaned = _validated_campaign(session, actor, data, campaign)
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
        errors["text"] = N_("Too long: no platform takes more than 4096 characters.")
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
        number = parse_id(str(channel_id))
        if number is None:
            raise Invalid(
                N_("Give each channel's wording under the channel's number."),
                field="channel_overrides",
            )
        cleaned[str(number)] = text
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
    _record_authorship(session, actor=actor, now=now, post=post, change=AuthorChange.CREATED)
    return post


def _record_authorship(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    post: Post,
    change: str,
    language: str | None = None,
) -> None:
    """``actor`` wrote part of the post's current version: they may not clear it."""
    if actor is None:
        return
    row = PostVersionAuthor(
        version=post.version,
        person_id=actor.id,
        change=change,
        language=language,
        door=session.info.get("door", "system"),
        changed_at=now,
    )
    post.version_authors.append(row)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=row)


def _content_changed(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    post: Post,
    change: str,
    language: str | None = None,
) -> None:
    """After any change of content: new version, written (also) by ``actor``; a cleared post
    goes back to review, and whoever may clear the new version is asked to."""
    before = snapshot(post)
    post.version += 1
    post.updated_at = now
    chains.restart_chain(post)
    new_status = rules.status_after_edit(post.status)
    was_cleared = post.status in (PostStatus.APPROVED, PostStatus.SCHEDULED)
    post.status = new_status
    if was_cleared:
        post.approved_by_id = None
        post.approved_at = None
        post.approved_version = None
        unschedule(session, post=post, now=now, actor=actor)
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
    _record_authorship(session, actor=actor, now=now, post=post, change=change, language=language)
    _ask_for_clearance(session, post=post, now=now)


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
        change = AuthorChange.LANGUAGE_ADDED
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
        text_changed = variant.text != text
        overrides_changed = (variant.channel_overrides or {}) != overrides
        change = (
            AuthorChange.TEXT_AND_OVERRIDES
            if text_changed and overrides_changed
            else AuthorChange.TEXT
            if text_changed
            else AuthorChange.OVERRIDES
        )
        variant.text = text
        variant.channel_overrides = overrides
        variant.updated_at = now
    session.flush()
    _content_changed(session, actor=actor, now=now, post=post, change=change, language=language)
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
    _content_changed(
        session,
        actor=actor,
        now=now,
        post=post,
        change=AuthorChange.LANGUAGE_REMOVED,
        language=variant.language,
    )
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
    alt_text: str = "",
) -> Attachment:
    """Attach an image (checked by its content, at most 5 MB) to one language of the post,
    with its alt text (what it shows, at most 1,500 characters, Mastodon's limit).

    The file is stored under ``media_root`` by its SHA-256. Raises NotAllowed, NotFound,
    Invalid (not an image, too large, alt text too long), Conflict.
    """
    require(actor, "post.edit", post)
    _check_expected_version(post, expected_version)
    _refuse_if_sent(post)
    variant = post.variant(rules.normalise_language(language) or language)
    if variant is None:
        raise NotFound(N_("This post has no text in that language."))
    alt_text = " ".join((alt_text or "").split())
    if len(alt_text) > rules.MAX_ALT_TEXT_LENGTH:
        raise Invalid(
            N_("The alt text is longer than %(limit)s characters."),
            field="alt_text",
            limit=rules.MAX_ALT_TEXT_LENGTH,
        )
    if len(content) > rules.MAX_IMAGE_BYTES:
        raise Invalid(N_("The image is larger than 5 MB."), field="image")
    mime_type = sniff_image(content)
    if mime_type is None:
        raise Invalid(N_("This file is not an image (PNG, JPEG, GIF or WebP)."), field="image")
    stored = store_image(content, mime_type, media_root)
    attachment = Attachment(
        position=len(variant.attachments),
        path=stored.path,
        original_name=Path(filename or "image").name[:255],
        mime_type=mime_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        alt_text=alt_text,
        created_at=now,
    )
    variant.attachments.append(attachment)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=attachment)
    _content_changed(
        session,
        actor=actor,
        now=now,
        post=post,
        change=AuthorChange.IMAGE_ADDED,
        language=variant.language,
    )
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
    language = attachment.variant.language
    attachment.variant.attachments.remove(attachment)
    session.flush()
    _content_changed(
        session,
        actor=actor,
        now=now,
        post=post,
        change=AuthorChange.IMAGE_REMOVED,
        language=language,
    )
    return post


# --- clearance -----------------------------------------------------------------------------------


def _transition(post: Post, *, target: str, refusal: str, now: datetime) -> dict:
    """Move the post along the clearance path; the snapshot from before, for the audit.

    ``refusal`` is the whole sentence a person reads when the post is not where the step starts.
    """
    if not rules.can_move(post.status, target):
        raise Conflict(refusal)
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
    """Ask for clearance; whoever may take the first step of its chain (never the author) is
    told. The chain is the policy that applies now, frozen (campaigns/social/chains.py).

    Raises NotAllowed, Conflict (wrong state, stale form), Invalid (a language with no text).
    """
    require(actor, "post.edit", post)
    _check_expected_version(post, expected_version)
    if not post.variants:
        raise Invalid(N_("Write the post in at least one language."), field="variants")
    before = _transition(
        post,
        target=PostStatus.IN_REVIEW,
        refusal=N_("Only a draft or a post that was sent back can be sent for clearance."),
        now=now,
    )
    post.submitted_at = now
    post.review_comment = ""
    chains.freeze_chain(post)
    session.flush()
    record_change(session, actor=actor, now=now, action="submit", target=post, before=before)
    _ask_for_clearance(session, post=post, now=now)
    return post


def _ask_for_clearance(session: Session, *, post: Post, now: datetime) -> None:
    """Keep the clearance requests true: those for a version or a step no longer waiting are
    resolved; a version waiting for clearance has one request for each person who may take the
    step it waits for (never its writers nor who took an earlier step; administrators when
    nobody else may)."""
    resolve_clearance_requests(session, post=post, now=now)
    if post.status != PostStatus.IN_REVIEW or has_clearance_request(session, post=post):
        return
    notify(
        session,
        people=chains.people_for_next_step(session, post),
        kind="rapid_review_requested" if post.rapid_response else "review_requested",
        message=N_("Rapid response to clear: %(title)s")
        if post.rapid_response
        else N_("A post waits for clearance: %(title)s"),
        params={"title": post.title, "version": post.version},
        link=post_link(post),
        now=now,
        post_id=post.id,
        post_version=post.version,
        post_step=post.clearance_steps_taken,
    )


def _record_review(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    post: Post,
    decision: str,
    comment: str,
    step: int | None = None,
) -> PostReview:
    review = PostReview(
        version=post.version,
        decision=decision,
        person_id=actor.id,
        writer_ids=sorted(post.writer_ids()),
        step=step,
        comment=comment,
        door=session.info.get("door", "system"),
        decided_at=now,
    )
    post.reviews.append(review)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=review)
    return review


def _writers_and_author(post: Post) -> list[Person | None]:
    """Everyone told about a decision on the post's current version."""
    return [post.author, *(row.person for row in post.writers_of())]


def approve_post(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    post: Post,
    expected_version: int,
    comment: str = "",
    expected_step: int | None = None,
) -> Post:
    """Take the step of the post's clearance chain it waits for, on the version the approver
    saw (``expected_version``; ``expected_step``, when given, the step they saw waiting). The
    last step clears the post; an earlier one leaves it in review and asks whoever may take the
    next step. With no policy the chain is one step: four eyes, as before.

    Every step (``post.approve`` in campaigns/permissions.py): a person the step is for, who
    wrote no part of this version and took no earlier step of it. Raises NotAllowed (a writer of
    the version, a second step, wrong role or unit), Conflict (stale form: the post changed, or
    the step was taken, since it was opened; not in review).
    """
    require(actor, "post.approve", post)
    _check_expected_version(post, expected_version)
    if post.status != PostStatus.IN_REVIEW:
        raise Conflict(N_("Only a post waiting for clearance can be cleared."))
    upcoming = next_step(post)
    if expected_step is not None and upcoming is not None and upcoming[0] != expected_step:
        raise Conflict(
            N_(
                "Step %(seen)s of this post's clearance was taken since you opened it; it now "
                "waits for step %(current)s. Open it again."
            ),
            seen=expected_step,
            current=upcoming[0],
        )
    comment = comment.strip()
    before = snapshot(post)
    position, last = chains.take_step(post, actor=actor, now=now)
    if not last:
        post.updated_at = now
        session.flush()
        record_change(
            session,
            actor=actor,
            now=now,
            action="clear_step",
            target=post,
            before=before,
            comment=comment or None,
        )
        _record_review(
            session,
            actor=actor,
            now=now,
            post=post,
            decision=ReviewDecision.STEP,
            comment=comment,
            step=position,
        )
        _ask_for_clearance(session, post=post, now=now)
        return post
    post.status = PostStatus.APPROVED
    post.updated_at = now
    post.approved_by_id = actor.id
    post.approved_at = now
    post.approved_version = post.version
    post.review_comment = comment
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="approve",
        target=post,
        before=before,
        comment=comment or None,
    )
    _record_review(
        session,
        actor=actor,
        now=now,
        post=post,
        decision=ReviewDecision.APPROVED,
        comment=comment,
        step=position,
    )
    _ask_for_clearance(session, post=post, now=now)
    webhook_events.post_cleared(session, post, now=now)
    notify(
        session,
        people=_writers_and_author(post),
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
    """Send the post back to its writers with a comment (required).

    Any coordinator or administrator may, a writer of the version too (it publishes nothing).
    Raises NotAllowed, Invalid (no comment), Conflict (stale form; not in review).
    """
    require(actor, "post.reject", post)
    if not (comment or "").strip():
        raise Invalid(N_("Say what should change."), field="comment")
    _check_expected_version(post, expected_version)
    before = _transition(
        post,
        target=PostStatus.REJECTED,
        refusal=N_("Only a post waiting for clearance can be sent back."),
        now=now,
    )
    post.review_comment = comment.strip()
    upcoming = next_step(post)
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
    _record_review(
        session,
        actor=actor,
        now=now,
        post=post,
        decision=ReviewDecision.REJECTED,
        comment=comment.strip(),
        step=upcoming[0] if upcoming is not None else None,
    )
    _ask_for_clearance(session, post=post, now=now)
    notify(
        session,
        people=_writers_and_author(post),
        kind="post_rejected",
        message=N_("Your post was sent back: %(title)s — %(comment)s"),
        params={"title": post.title, "comment": comment.strip()},
        link=post_link(post),
        now=now,
        skip=actor,
    )
    return post
