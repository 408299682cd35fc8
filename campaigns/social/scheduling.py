"""Scheduling cleared posts, what people do with publications (retry, release, cancel), and what
happens to publications when the calendar's events move or are cancelled.

Every service takes the session, the acting person (``None`` for the system: the scheduler, the
calendar's own services) and ``now``; it flushes, never commits, and audits every change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.calendar.models import Event, EventStatus
from campaigns.errors import Conflict, Invalid
from campaigns.i18n import N_
from campaigns.org.models import Person
from campaigns.permissions import require
from campaigns.social import rules
from campaigns.social.models import (
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
from campaigns.social.notifications import notify, post_link
from campaigns.social.platform import fingerprint
from campaigns.timezones import is_zone

# Publications that have not gone out and are not being sent: an edit or a move may change them.
PENDING = (PublicationStatus.SCHEDULED, PublicationStatus.FAILED, PublicationStatus.HELD)
IN_FLIGHT = (PublicationStatus.PUBLISHING, PublicationStatus.RECONCILING)


def _authorise(actor: Person | None, action: str, target: object = None) -> None:
    if actor is not None:
        require(actor, action, target)


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
            errors["countries"] = N_("Use two-letter ISO 3166 country codes, e.g. VN or FR.")
        data.countries = countries
    if errors:
        raise Invalid.from_fields(errors)
    return event


def _frozen_text(variant: PostVariant, channel: Channel) -> tuple[str, str]:
    text = variant.text_for(channel.id)
    return text, fingerprint(text, [attachment.sha256 for attachment in variant.attachments])


def _check_channel_fit(post: Post, channels: list[Channel]) -> dict[int, PostVariant]:
    """The variant each channel publishes; Invalid naming the first channel that cannot."""
    chosen = {}
    for channel in channels:
        if channel.health == ChannelHealth.BROKEN:
            raise Invalid(
                N_("%(channel)s is broken (%(error)s): fix its credentials first."),
                channel=channel.name,
                error=channel.last_error,
            )
        variant = post.variant(channel.language)
        if variant is None:
            raise Invalid(
                N_("%(channel)s publishes in %(language)s: write that variant first."),
                channel=channel.name,
                language=channel.language,
            )
        problem = rules.format_problem(
            rules.check_format(channel.kind, variant.text_for(channel.id), len(variant.attachments))
        )
        if problem is not None:
            template, params = problem
            raise Invalid(template, **params)
        chosen[channel.id] = variant
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
        raise Invalid(N_("This time has already passed (%(where)s)."), where=where)
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
    unschedule(session, post=post, now=now, actor=actor, keep=created)
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


def unschedule(
    session: Session,
    *,
    post: Post,
    now: datetime,
    actor: Person | None,
    keep: Sequence[Publication] = (),
) -> list[Publication]:
    """Cancel the post's publications that have not gone out (all but ``keep``); audited."""
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
    refusal: str,
    status: str,
    action: str,
    send_again: bool = False,
) -> Publication:
    _authorise(actor, "publication.manage", publication)
    if publication.status not in allowed_from:
        raise Conflict(refusal)
    if send_again:
        _check_still_cleared(publication)
    before = snapshot(publication)
    publication.status = status
    publication.held_reason = None
    publication.claimed_by = None
    publication.lease_until = None
    publication.updated_at = now
    if send_again:
        # A person's decision starts a fresh series: a new window from now, a new count of
        # failures towards "dead", and reconcile looks only from the next send on.
        publication.next_attempt_at = now
        publication.misfire_deadline = rules.misfire_deadline(
            now, publication.post.misfire_window_minutes
        )
        publication.first_sent_at = None
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
    """Send a dead publication again, now, with a fresh window and a fresh count of failures.

    Raises NotAllowed, Conflict (not dead; post changed; channel broken).
    """
    return _publication_change(
        session,
        actor=actor,
        now=now,
        publication=publication,
        allowed_from=(PublicationStatus.DEAD,),
        refusal=N_("Only a publication that gave up can be tried again."),
        status=PublicationStatus.SCHEDULED,
        action="retry",
        send_again=True,
    )


def release_publication(
    session: Session, *, actor: Person, now: datetime, publication: Publication
) -> Publication:
    """Let a held publication go out now (late, on a person's decision), with a fresh window.

    Raises NotAllowed, Conflict (not held; post changed; channel broken).
    """
    return _publication_change(
        session,
        actor=actor,
        now=now,
        publication=publication,
        allowed_from=(PublicationStatus.HELD,),
        refusal=N_("Only a held publication can be released."),
        status=PublicationStatus.SCHEDULED,
        action="release",
        send_again=True,
    )


def _cancel_refusal(status: str) -> str:
    """Why a publication in this status can no longer be cancelled."""
    if status == PublicationStatus.PUBLISHED:
        return N_("This publication is already published: it can no longer be cancelled.")
    if status == PublicationStatus.CANCELLED:
        return N_("This publication is already cancelled.")
    return N_("This publication is being sent right now: it can no longer be cancelled.")


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
        refusal=_cancel_refusal(publication.status),
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
