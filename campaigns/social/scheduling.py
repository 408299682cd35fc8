"""Scheduling cleared posts, what people do with publications (retry, release, cancel), and what
happens to publications when the calendar's events move or are cancelled.

Every service takes the session, the acting person (``None`` for the system: the scheduler, the
calendar's own services) and ``now``; it flushes, never commits, and audits every change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns import webhooks
from campaigns.audit import record_change, snapshot
from campaigns.calendar.models import Event, EventStatus
from campaigns.errors import Conflict, Invalid
from campaigns.i18n import N_
from campaigns.org.models import Person
from campaigns.permissions import may_see_event, require
from campaigns.social import rules, webhook_events
from campaigns.social.clashes import ClashKind, PublicationClash, publication_clashes
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
    before the event's day), at ``local_time``; in one ``zone`` (mode "at") or on each channel's
    own audience clock (mode "per_audience"): then ``countries`` (default: the campaign's target
    countries) are the audiences, and each channel that addresses one of them publishes once, at
    ``local_time`` in its ``audience_zone``. Each channel publishes the variant in its language.
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
class PlannedPublication:
    """One line of a plan: ``channel`` publishes ``variant`` at ``instant`` (``local_time`` on the
    clock of ``zone``) for the audiences ``countries`` (none in mode "at")."""

    channel: Channel
    variant: PostVariant
    zone: str
    countries: tuple[str, ...]
    instant: datetime


@dataclass(frozen=True)
class SchedulePlan:
    """What scheduling would create, and what it would leave out.

    ``idle_channels`` were chosen but address none of the chosen audiences: they publish nothing.
    ``unserved_countries`` are chosen audiences that none of the chosen channels addresses.
    ``clashes`` warn of other publications too close on a channel, and of quiet days.
    """

    publications: list[PlannedPublication]
    idle_channels: list[Channel]
    unserved_countries: list[str]
    clashes: list[PublicationClash] = field(default_factory=list)

    @property
    def quiet_days(self) -> list[PublicationClash]:
        return [clash for clash in self.clashes if clash.kind is ClashKind.QUIET_DAY]

    @property
    def digest(self) -> str:
        """Names this plan: a save can insist on creating exactly the plan a person saw, and
        the quiet days they were shown (saving it confirms them)."""
        lines = sorted(
            f"{item.channel.id}|{item.variant.language}|{item.zone}|{','.join(item.countries)}|"
            f"{item.instant.isoformat()}"
            for item in self.publications
        )
        lines += sorted(clash.key for clash in self.quiet_days)
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]


class QuietDayNotConfirmed(Conflict):
    """A publication falls on a quiet day and nobody confirmed it: look at the plan (its
    clashes name the days and why), then save it with its digest or ``confirm_quiet_days``."""

    def __init__(self, plan: SchedulePlan) -> None:
        self.plan = plan
        first = plan.quiet_days[0].quiet_day
        super().__init__(
            N_("%(day)s is a quiet day (%(reason)s): look at the plan and confirm to schedule "
               "on it anyway."),
            day=first.start_date.isoformat(),
            reason=first.reason,
        )  # fmt: skip


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


def _schedule_day(*, local_date: date | None, event: Event | None, offset_days: int) -> date:
    if event is None:
        assert local_date is not None
        return local_date
    return rules.event_day(
        all_day=event.all_day,
        start_date=event.start_date,
        starts_at=event.starts_at,
        zone=event.timezone,
    ) + timedelta(days=offset_days)


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
        countries = list(dict.fromkeys(str(code or "").strip().upper() for code in countries))
        countries = [code for code in countries if code]
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
            rules.check_format(
                channel.kind,
                variant.text_for(channel.id),
                len(variant.attachments),
                channel.platform_limits,
            )
        )
        if problem is not None:
            template, params = problem
            raise Invalid(template, **params)
        chosen[channel.id] = variant
    return chosen


def _plan(
    post: Post,
    channels: list[Channel],
    *,
    mode: str,
    zone: str | None,
    day: date,
    local_time: time,
    countries: Sequence[str],
) -> SchedulePlan:
    """One publication per channel, in the order the channels were chosen (the outbox sends what
    is due at one instant in that order): at ``local_time`` in ``zone`` (mode "at"), or on the
    clock of the channel's own audience when it addresses one of ``countries`` (per_audience)."""
    reaching: list[tuple[Channel, str, tuple[str, ...]]] = []
    idle = []
    if mode == ScheduleMode.PER_AUDIENCE:
        for channel in channels:
            served = rules.served_audiences(channel.served_countries, countries)
            if served:
                reaching.append((channel, channel.audience_zone, tuple(served)))
            else:
                idle.append(channel)
        reached = {country for _, _, served in reaching for country in served}
        unserved = [country for country in countries if country not in reached]
    else:
        assert zone is not None
        reaching = [(channel, zone, ()) for channel in channels]
        unserved = []
    variants = _check_channel_fit(post, [channel for channel, _, _ in reaching])
    publications = [
        PlannedPublication(
            channel=channel,
            variant=variants[channel.id],
            zone=channel_zone,
            countries=served,
            instant=rules.wall_to_utc(day, local_time, channel_zone),
        )
        for channel, channel_zone, served in reaching
    ]
    return SchedulePlan(publications, idle, unserved)


def _create_publications(
    session: Session, *, post: Post, planned: Sequence[PlannedPublication], now: datetime
) -> list[Publication]:
    created = []
    for item in planned:
        text, digest = _frozen_text(item.variant, item.channel)
        publication = Publication(
            post=post,
            variant=item.variant,
            channel=item.channel,
            scheduled_at=item.instant,
            audience_zone=item.zone,
            audience_country=item.countries[0] if item.countries else None,
            misfire_deadline=rules.misfire_deadline(item.instant, post.misfire_window_minutes),
            status=PublicationStatus.SCHEDULED,
            attempts=0,
            next_attempt_at=item.instant,
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


def plan_schedule(
    session: Session, *, actor: Person | None, now: datetime, post: Post, data: ScheduleInput
) -> SchedulePlan:
    """What ``schedule_post`` would create for ``data``, changing nothing.

    Raises what ``schedule_post`` raises: NotAllowed, Conflict (not cleared), Invalid (past time,
    unknown zone or country, none of the channels addresses the chosen audiences, missing
    variant, text too long for a channel, broken channel).
    """
    _authorise(actor, "post.schedule", post)
    _ready_to_schedule(post)
    event = _validated_schedule(session, post, data)
    channels = _channels(session, data.channel_ids)
    assert data.local_time is not None
    day = _schedule_day(local_date=data.local_date, event=event, offset_days=data.offset_days)
    countries = data.countries or []
    if data.mode == ScheduleMode.PER_AUDIENCE and not any(
        rules.served_audiences(channel.served_countries, countries) for channel in channels
    ):
        raise Invalid(
            N_("None of these channels addresses %(countries)s: choose channels of these "
               "audiences, or set the channels' audiences."),
            field="channel_ids",
            countries=", ".join(countries),
        )  # fmt: skip
    plan = _plan(
        post,
        channels,
        mode=data.mode,
        zone=data.zone,
        day=day,
        local_time=data.local_time,
        countries=countries,
    )
    past = [item for item in plan.publications if item.instant <= now]
    if past:
        where = ", ".join(dict.fromkeys(", ".join(item.countries) or item.zone for item in past))
        raise Invalid(N_("This time has already passed (%(where)s)."), where=where)
    clashes = publication_clashes(
        session,
        actor=actor,
        post=post,
        planned=[(item.channel, item.instant) for item in plan.publications],
    )
    return replace(plan, clashes=clashes)


def schedule_post(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    post: Post,
    data: ScheduleInput,
    expected_plan: str | None = None,
    confirm_quiet_days: bool = False,
) -> list[Publication]:
    """Plan the publications of a cleared post (replacing any it had that have not gone out).

    One publication per channel: at the one time of mode "at", or, in mode "per_audience", at the
    local time of the channel's own audience, for the channels that address one of the chosen
    audiences (see ``plan_schedule``). With ``expected_plan`` (a ``SchedulePlan.digest`` shown to a
    person), anything but exactly that plan is refused.

    Clashes (``plan_schedule``) warn: publications too close on a channel are saved anyway; a
    publication on a quiet day is saved only when confirmed, by ``confirm_quiet_days`` or by an
    ``expected_plan`` (whose digest names the quiet days the person was shown).

    Raises NotAllowed, Conflict (not cleared; the plan changed since it was shown), Invalid (as
    ``plan_schedule``), QuietDayNotConfirmed (a Conflict).
    """
    plan = plan_schedule(session, actor=actor, now=now, post=post, data=data)
    if expected_plan is not None and expected_plan != plan.digest:
        raise Conflict(
            N_("The plan changed since it was shown (a channel, its audience, the event or the "
               "quiet days changed): look at it again before scheduling.")
        )  # fmt: skip
    if plan.quiet_days and expected_plan is None and not confirm_quiet_days:
        raise QuietDayNotConfirmed(plan)
    before = snapshot(post)
    post.schedule_mode = data.mode
    post.schedule_zone = data.zone if data.mode == ScheduleMode.AT else None
    post.schedule_local_date = data.local_date if data.event_id is None else None
    post.schedule_local_time = data.local_time
    post.schedule_countries = (
        list(data.countries or []) if data.mode == ScheduleMode.PER_AUDIENCE else []
    )
    post.schedule_channel_ids = list(dict.fromkeys(data.channel_ids))
    post.event_id = data.event_id
    post.event_offset_days = data.offset_days if data.event_id is not None else None
    return _replace_publications(
        session, actor=actor, now=now, post=post, planned=plan.publications, before=before
    )


def _replace_publications(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    post: Post,
    planned: Sequence[PlannedPublication],
    before: dict,
) -> list[Publication]:
    created = _create_publications(session, post=post, planned=planned, now=now)
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
    variants = _check_channel_fit(post, channels)
    before = snapshot(post)
    post.schedule_mode = ScheduleMode.AT
    post.schedule_zone = "UTC"
    post.schedule_local_date = now.date()
    post.schedule_local_time = now.time().replace(tzinfo=None)
    post.schedule_countries = []
    post.schedule_channel_ids = [channel.id for channel in channels]
    post.event_id = None
    post.event_offset_days = None
    planned = [
        PlannedPublication(channel, variants[channel.id], "UTC", (), now) for channel in channels
    ]
    return _replace_publications(
        session, actor=actor, now=now, post=post, planned=planned, before=before
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


# --- a channel now addresses another audience -----------------------------------------------------


def _record_follow(
    session: Session,
    *,
    publication: Publication,
    before: dict,
    action: str,
    message: str,
    params: dict,
    comment: str,
    actor: Person | None,
    now: datetime,
) -> None:
    """A publication followed its channel (moved, held, switched language or cancelled): audit
    it and tell the post's author and approver."""
    post = publication.post
    publication.updated_at = now
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action=action,
        target=publication,
        before=before,
        comment=comment,
    )
    if action == "hold":
        webhook_events.publications_changed(
            session, webhooks.EventType.PUBLICATION_HELD, [publication], now=now
        )
    notify(
        session,
        people=[post.author, post.approved_by],
        kind="publications_moved",
        message=message,
        params=params,
        link=post_link(post),
        now=now,
    )


def follow_channel_audience(
    session: Session, *, channel: Channel, now: datetime, actor: Person | None = None
) -> list[Publication]:
    """The channel's audience (countries or zone) changed: its pending publications planned at
    each audience's local time follow it. Still addressing one of the post's audiences, it keeps
    the same wall time on the new clock (held when that time has passed); addressing none of them,
    the publication is cancelled. Authors and approvers are told. Returns what changed."""
    pending = session.scalars(
        select(Publication)
        .join(Post, Publication.post_id == Post.id)
        .where(
            Publication.channel_id == channel.id,
            Publication.status.in_((PublicationStatus.SCHEDULED, PublicationStatus.FAILED)),
            Post.status == PostStatus.SCHEDULED,
            Post.schedule_mode == ScheduleMode.PER_AUDIENCE,
        )
        .order_by(Publication.id)
    ).all()
    changed = []
    for publication in pending:
        post = publication.post
        served = rules.served_audiences(channel.served_countries, post.schedule_countries or [])
        before = snapshot(publication)
        if not served:
            publication.status = PublicationStatus.CANCELLED
            action, message = (
                "unschedule",
                N_(
                    "%(channel)s no longer addresses the audiences of %(title)s: its publication "
                    "there was cancelled."
                ),
            )
        else:
            assert post.schedule_local_time is not None
            day = _schedule_day(
                local_date=post.schedule_local_date,
                event=post.event,
                offset_days=post.event_offset_days or 0,
            )
            instant = rules.wall_to_utc(day, post.schedule_local_time, channel.audience_zone)
            if (instant, served[0], channel.audience_zone) == (
                publication.scheduled_at,
                publication.audience_country,
                publication.audience_zone,
            ):
                continue
            publication.scheduled_at = instant
            publication.next_attempt_at = instant
            publication.misfire_deadline = rules.misfire_deadline(
                instant, post.misfire_window_minutes
            )
            publication.audience_zone = channel.audience_zone
            publication.audience_country = served[0]
            action, message = (
                "move",
                N_(
                    "%(channel)s now addresses another audience: the publication of %(title)s "
                    "follows its clock."
                ),
            )
            if instant <= now:
                publication.status = PublicationStatus.HELD
                publication.held_reason = HeldReason.AUDIENCE_TIME_PASSED
                action = "hold"
        _record_follow(
            session,
            publication=publication,
            before=before,
            action=action,
            message=message,
            params={"channel": channel.name, "title": post.title},
            comment=f"channel {channel.id} audience changed",
            actor=actor,
            now=now,
        )
        changed.append(publication)
    return changed


def follow_channel_language(
    session: Session, *, channel: Channel, now: datetime, actor: Person | None = None
) -> list[Publication]:
    """The channel now publishes in another language: its pending publications take the post's
    variant in that language (its text frozen again), or are cancelled when the post has none
    or it does not fit the platform. Authors and approvers are told. Returns what changed."""
    pending = session.scalars(
        select(Publication)
        .where(
            Publication.channel_id == channel.id,
            Publication.status.in_((PublicationStatus.SCHEDULED, PublicationStatus.FAILED)),
        )
        .order_by(Publication.id)
    ).all()
    changed = []
    for publication in pending:
        post = publication.post
        variant = post.variant(channel.language)
        if variant is not None and variant.id == publication.variant_id:
            continue
        fits = variant is not None and (
            rules.format_problem(
                rules.check_format(
                    channel.kind,
                    variant.text_for(channel.id),
                    len(variant.attachments),
                    channel.platform_limits,
                )
            )
            is None
        )
        before = snapshot(publication)
        if fits:
            assert variant is not None
            publication.variant = variant
            publication.text, publication.fingerprint = _frozen_text(variant, channel)
            action, message = (
                "update",
                N_(
                    "%(channel)s now publishes in %(language)s: %(title)s goes out in that language."
                ),
            )
        else:
            publication.status = PublicationStatus.CANCELLED
            action, message = (
                "unschedule",
                N_(
                    "%(channel)s now publishes in %(language)s, and %(title)s has no variant in it "
                    "that fits: its publication there was cancelled."
                ),
            )
        _record_follow(
            session,
            publication=publication,
            before=before,
            action=action,
            message=message,
            params={"channel": channel.name, "language": channel.language, "title": post.title},
            comment=f"channel {channel.id} language changed",
            actor=actor,
            now=now,
        )
        changed.append(publication)
    return changed


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
        assert post.schedule_local_time is not None
        day = _schedule_day(local_date=None, event=event, offset_days=post.event_offset_days or 0)
        moved = []
        for publication in post.publications:
            if publication.status not in (PublicationStatus.SCHEDULED, PublicationStatus.FAILED):
                continue
            # Each publication keeps the clock it was planned on (its channel's audience's, or
            # the one zone of mode "at"): the same wall time on the event's new day.
            instant = rules.wall_to_utc(day, post.schedule_local_time, publication.audience_zone)
            if instant == publication.scheduled_at:
                continue
            before = snapshot(publication)
            publication.scheduled_at = instant
            publication.misfire_deadline = rules.misfire_deadline(
                instant, post.misfire_window_minutes
            )
            publication.next_attempt_at = instant
            publication.updated_at = now
            action = "move"
            if instant <= now:
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
            if action == "hold":
                webhook_events.publications_changed(
                    session, webhooks.EventType.PUBLICATION_HELD, [publication], now=now
                )
            moved.append(publication)
        if moved:
            _tell_about_event(
                session,
                post=post,
                event=event,
                kind="publications_moved",
                named=N_("%(event)s moved: the publications of %(title)s moved with it."),
                unnamed=N_("Its event moved: the publications of %(title)s moved with it."),
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
            _tell_about_event(
                session,
                post=post,
                event=event,
                kind="publications_held",
                named=N_("%(event)s was cancelled: the publications of %(title)s are held."),
                unnamed=N_("Its event was cancelled: the publications of %(title)s are held."),
                now=now,
            )
            held.extend(post_held)
    webhook_events.publications_changed(session, webhooks.EventType.PUBLICATION_HELD, held, now=now)
    return held


def _tell_about_event(
    session: Session,
    *,
    post: Post,
    event: Event,
    kind: str,
    named: str,
    unnamed: str,
    now: datetime,
) -> None:
    """Tell the post's author and approver what the event did to its publications, naming
    the event only to those who may see it (a restricted event's title never travels)."""
    for person in {p.id: p for p in (post.author, post.approved_by) if p is not None}.values():
        seen = may_see_event(person, event)
        notify(
            session,
            people=[person],
            kind=kind,
            message=named if seen else unnamed,
            params={"event": event.title, "title": post.title} if seen else {"title": post.title},
            link=post_link(post),
            now=now,
        )
