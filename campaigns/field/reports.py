"""Field reports: what someone in the field sends about a trip, an event or a campaign they may
see — a short note, a photo with its caption, or the link to an article (which is also logged as
``expected`` coverage, deduplicated by link as the web's coverage form does).

Who may see what is never decided here: a target is loaded through its own area's query
(``get_trip``, ``get_event``, ``get_campaign``), which applies the same rule as the web's pages,
and a report is seen by whoever may see its target.

A link on an event or a campaign: coverage belongs to a trip (or, without one, to a campaign),
so a link on a campaign becomes coverage of that campaign, and a link on an event coverage with
neither (the event's page lists the report, which points at the item). Coverage outside a trip
is logged by the press desk (``coverage.add``): when the person may not log it, the report keeps
the link alone and says so, rather than refusing what they saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from campaigns.audit import record_change
from campaigns.calendar import queries as calendar_queries
from campaigns.calendar.models import Event, EventStatus
from campaigns.calendar.rules import event_span
from campaigns.errors import Invalid, NotAllowed, NotFound
from campaigns.field.models import FieldReport
from campaigns.i18n import N_
from campaigns.images import sniff_image, store_image
from campaigns.org.models import Person
from campaigns.permissions import can
from campaigns.press import coverage as press_coverage
from campaigns.press import queries as press_queries
from campaigns.press.models import CoverageItem, Trip, TripStatus
from campaigns.press.rules import normalise_url
from campaigns.social import queries as social_queries
from campaigns.social.models import Campaign
from campaigns.social.rules import MAX_IMAGE_BYTES
from campaigns.timezones import to_zone

TARGET_KINDS = ("trip", "event", "campaign")
REPORT_KINDS = ("note", "photo", "link")
#: the same limit as a post's images: a field photo may end up in one
MAX_PHOTO_BYTES = MAX_IMAGE_BYTES
MAX_TEXT_LENGTH = 4000  # a Telegram message holds 4096 characters
# Which trips, events and campaigns are worth a button: what runs now, starts soon or just ended.
RECENT_DAYS = 14
SOON_DAYS = 7
EVENT_DAYS = 3
OPTIONS_PER_KIND = 4

_NOT_A_LINK = N_("That is not a link: send a web link starting with http:// or https://.")


@dataclass(frozen=True)
class ReportTarget:
    """What a report is about: ``kind`` (trip, event, campaign) and its id."""

    kind: str
    id: int


@dataclass(frozen=True)
class TargetOption:
    """A trip, event or campaign someone may report on, for a button."""

    target: ReportTarget
    label: str
    first_day: date
    last_day: date


@dataclass(frozen=True)
class FiledReport:
    report: FieldReport
    #: the coverage item of a link (new, or the one that already had the link), or None
    coverage: CoverageItem | None = None
    coverage_created: bool = False


# --- targets -------------------------------------------------------------------------------------


def load_target(session: Session, actor: Person, target: ReportTarget) -> Trip | Event | Campaign:
    """The trip, event or campaign, if ``actor`` may see it. Raises NotFound (also for what
    they may not see: its existence is not revealed) or NotAllowed."""
    if target.kind == "trip":
        return press_queries.get_trip(session, target.id, actor=actor)
    if target.kind == "event":
        return calendar_queries.get_event(session, target.id, actor=actor)
    if target.kind == "campaign":
        return social_queries.get_campaign(session, target.id, actor=actor)
    raise NotFound(N_("There is nothing like this to report on."))


def target_of(report: FieldReport) -> ReportTarget:
    if report.trip_id is not None:
        return ReportTarget("trip", report.trip_id)
    if report.event_id is not None:
        return ReportTarget("event", report.event_id)
    return ReportTarget("campaign", report.campaign_id or 0)


def target_path(target: ReportTarget) -> str:
    """The target's page in Herald's web, for a link back from the bot."""
    return {
        "trip": f"/press/trips/{target.id}",
        "event": f"/calendar/events/{target.id}",
        "campaign": f"/social/campaigns/{target.id}",
    }[target.kind]


def target_label(found: Trip | Event | Campaign, locale: str) -> str:
    if isinstance(found, Event):
        return found.title_in(locale)
    if isinstance(found, Campaign):
        return found.name(locale)
    return found.title


def report_targets(
    session: Session, actor: Person, *, now: datetime, limit: int = OPTIONS_PER_KIND
) -> list[TargetOption]:
    """What ``actor`` may report on from the field: their trips, events and campaigns that run
    today, start within a week or ended within two (events: within three days), at most
    ``limit`` of each kind; trips first, what runs today before the rest, then the closest.
    Days are the person's own (their time zone)."""
    today = to_zone(now, actor.timezone).date()
    since, until = today - timedelta(days=RECENT_DAYS), today + timedelta(days=SOON_DAYS)
    trips = [
        _option("trip", trip.id, trip.title, trip.start_date, trip.end_date)
        for trip in press_queries.visible_trips(session, actor)
        if trip.status not in (TripStatus.CANCELLED, TripStatus.POSTPONED)
        and trip.start_date <= until
        and trip.end_date >= since
    ]
    events = [
        _option("event", event.id, event.title_in(actor.locale), *_local_days(event, actor))
        for event in calendar_queries.visible_events(
            session,
            actor,
            since=today - timedelta(days=EVENT_DAYS),
            until=today + timedelta(days=EVENT_DAYS),
            zone=actor.timezone,
            include_cancelled=False,
        )
        if event.status != EventStatus.CANCELLED
    ]
    campaigns = [
        _option("campaign", campaign.id, campaign.name(actor.locale), *_campaign_days(campaign))
        for campaign in social_queries.list_campaigns(session, actor=actor)
        if campaign.starts_on <= until and campaign.ends_on >= since
    ]
    chosen: list[TargetOption] = []
    for options in (trips, events, campaigns):
        options.sort(key=lambda option: _distance(option, today))
        chosen.extend(options[:limit])
    return chosen


def _option(kind: str, key: int, label: str, first: date, last: date) -> TargetOption:
    return TargetOption(ReportTarget(kind, key), label, first, last)


def _local_days(event: Event, actor: Person) -> tuple[date, date]:
    start, end = event_span(event)
    return to_zone(start, actor.timezone).date(), to_zone(end, actor.timezone).date()


def _campaign_days(campaign: Campaign) -> tuple[date, date]:
    return campaign.starts_on, campaign.ends_on


def _distance(option: TargetOption, today: date) -> tuple[int, int]:
    """0 for what runs today; otherwise the days until it starts or since it ended."""
    if option.first_day <= today <= option.last_day:
        return 0, -option.target.id
    gap = (option.first_day - today) if option.first_day > today else (today - option.last_day)
    return gap.days, -option.target.id


# --- filing --------------------------------------------------------------------------------------


def split_link(message: str) -> tuple[str, str] | None:
    """``(link, comment)`` when a message is meant as a link — its first word is shaped like one
    (a scheme, or ``www.``) — else None: the message is a note. Whether the link is a real web
    link is for ``file_report`` to say."""
    words = (message or "").strip().split(maxsplit=1)
    if not words:
        return None
    first = words[0]
    if "://" not in first and not first.lower().startswith(("www.", "http:", "https:")):
        return None
    return first, words[1].strip() if len(words) > 1 else ""


def file_report(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    target: ReportTarget,
    kind: str,
    text: str = "",
    url: str = "",
    photo: bytes | None = None,
    media_root: Path | str | None = None,
) -> FiledReport:
    """File a note, a photo (with ``text`` as its caption) or a link about ``target``.

    A link must be a web link (http or https); it is logged as ``expected`` coverage when the
    actor may log coverage there (see the module's docstring), or attached to the item that
    already has it, which is answered only when the actor may see it. A photo must be an image
    (PNG, JPEG, GIF, WebP) of at most ``MAX_PHOTO_BYTES``; it is kept under ``media_root``.

    Raises NotFound (a target the actor may not see), NotAllowed, Invalid (an empty note, not a
    link, a link already logged on coverage the actor may not see, not an image, too large).
    """
    found = load_target(session, actor, target)
    text = (text or "").strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise Invalid(N_("This text is too long."), field="text")
    report = FieldReport(kind=kind, text=text, created_by=actor, created_at=now)
    setattr(report, f"{target.kind}_id", found.id)
    filed = FiledReport(report)
    if kind == "note":
        if not text:
            raise Invalid(N_("Write a few words for the note."), field="text")
    elif kind == "link":
        filed = _with_coverage(session, actor=actor, now=now, report=report, found=found, url=url)
    elif kind == "photo":
        report.photo_path = _stored_photo(photo, media_root)
    else:
        raise Invalid(N_("A report is a note, a photo or a link."), field="kind")
    session.add(report)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=report)
    return filed


def _with_coverage(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    report: FieldReport,
    found: Trip | Event | Campaign,
    url: str,
) -> FiledReport:
    _, error = normalise_url(url)
    if error:
        raise Invalid(_NOT_A_LINK, field="url")
    report.url = url.strip()
    trip = found if isinstance(found, Trip) else None
    if not can(actor, "coverage.add", trip):
        return FiledReport(report)
    data = press_coverage.CoverageInput(
        url=report.url,
        trip_id=trip.id if trip else None,
        campaign_id=found.id if isinstance(found, Campaign) else None,
    )
    item, created = press_coverage.record_coverage(session, actor=actor, now=now, data=data)
    report.coverage_id = item.id
    return FiledReport(report, coverage=item, coverage_created=created)


def _stored_photo(content: bytes | None, media_root: Path | str | None) -> str:
    if not content:
        raise Invalid(N_("Send the photo itself."), field="photo")
    if len(content) > MAX_PHOTO_BYTES:
        raise Invalid(
            N_("This photo is larger than %(limit)s MB."),
            field="photo",
            limit=MAX_PHOTO_BYTES // 1024 // 1024,
        )
    mime_type = sniff_image(content)
    if mime_type is None:
        raise Invalid(N_("This file is not an image (PNG, JPEG, GIF or WebP)."), field="photo")
    if media_root is None:
        raise Invalid(N_("Herald has no folder for photos: ask an administrator."), field="photo")
    return store_image(content, mime_type, media_root).path


# --- reading -------------------------------------------------------------------------------------


def reports_about(
    session: Session, actor: Person, target: ReportTarget, *, limit: int = 100
) -> list[FieldReport]:
    """The reports on ``target``, newest first, with who filed them. Raises NotFound when the
    actor may not see the target."""
    load_target(session, actor, target)
    column = getattr(FieldReport, f"{target.kind}_id")
    return list(
        session.scalars(
            select(FieldReport)
            .where(column == target.id)
            .options(selectinload(FieldReport.created_by))
            .order_by(FieldReport.created_at.desc(), FieldReport.id.desc())
            .limit(limit)
        )
    )


def get_report(session: Session, report_id: int, *, actor: Person) -> FieldReport:
    """One report, if ``actor`` may see what it is about. Raises NotFound otherwise (alike for
    a report that does not exist and one about something hidden)."""
    report = session.get(FieldReport, report_id)
    try:
        if report is None:
            raise NotFound(N_("There is no such field report."))
        load_target(session, actor, target_of(report))
    except (NotFound, NotAllowed):
        raise NotFound(N_("There is no such field report.")) from None
    return report


def photo_type(report: FieldReport) -> str:
    """The MIME type of a report's stored photo, from its name (``store_image`` chose it)."""
    extension = Path(report.photo_path).suffix.lstrip(".")
    return {"jpg": "image/jpeg"}.get(extension, f"image/{extension}")
