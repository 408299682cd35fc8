"""Use cases for coverage: articles and broadcasts logged against a trip, deduplicated by link.

Every service takes the session, the acting person (``None`` for the system) and ``now``;
it flushes, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaigns import webhooks
from campaigns.audit import record_change, snapshot
from campaigns.errors import Invalid
from campaigns.i18n import N_
from campaigns.org.models import Person
from campaigns.permissions import require
from campaigns.press import queries, rules
from campaigns.press.models import (
    CoverageItem,
    CoverageStatus,
    InterviewRequest,
    Journalist,
    Outlet,
    Tone,
    Trip,
)
from campaigns.social.models import Campaign


@dataclass
class CoverageInput:
    url: str
    trip_id: int | None = None
    journalist_id: int | None = None
    outlet_id: int | None = None
    interview_id: int | None = None
    campaign_id: int | None = None
    published_on: date | None = None
    language: str = ""
    headline: str = ""
    headline_translation: str = ""
    tone: str | None = None
    key_messages: list[str] = field(default_factory=list)
    estimated_reach: int | None = None


def _latest_today(now: datetime) -> date:
    # The date somewhere on Earth right now (UTC+14), so that no newsroom's "today" is refused.
    return (now + timedelta(hours=14)).date()


def _clean(session: Session, data: CoverageInput, *, today: date) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    normalised, error = rules.normalise_url(data.url)
    if error:
        errors["url"] = error
    cleaned["url"] = (data.url or "").strip()
    cleaned["normalised_url"] = normalised
    references = (
        ("trip", Trip, data.trip_id, N_("There is no such trip.")),
        ("journalist", Journalist, data.journalist_id, N_("There is no such journalist.")),
        ("outlet", Outlet, data.outlet_id, N_("There is no such outlet.")),
        ("interview", InterviewRequest, data.interview_id, N_("There is no such interview.")),
        ("campaign", Campaign, data.campaign_id, N_("There is no such campaign.")),
    )
    for name, model, key, message in references:
        cleaned[name] = session.get(model, key) if key else None
        if key and cleaned[name] is None:
            errors[f"{name}_id"] = message
    journalist, trip = cleaned["journalist"], cleaned["trip"]
    if cleaned["campaign"] is None and trip is not None:
        # An article from a trip counts for the campaign the trip belongs to.
        cleaned["campaign"] = trip.campaign
    if cleaned["outlet"] is None and journalist is not None:
        outlets = journalist.current_outlets(data.published_on or today)
        cleaned["outlet"] = outlets[0] if outlets else None
    if data.published_on is not None and data.published_on > today:
        errors["published_on"] = N_("The publication date is in the future.")
    cleaned["published_on"] = data.published_on
    language = (data.language or "").strip().lower()
    if not language and cleaned["outlet"] is not None and cleaned["outlet"].languages:
        language = cleaned["outlet"].languages[0]
    if language and (error := rules.check_languages([language])):
        errors["language"] = error
    cleaned["language"] = language
    for name in ("headline", "headline_translation"):
        cleaned[name] = (getattr(data, name) or "").strip()
        if len(cleaned[name]) > 500:
            errors[name] = N_("This field is too long.")
    if data.tone and data.tone not in set(Tone):
        errors["tone"] = N_("Choose positive, neutral or negative.")
    cleaned["tone"] = data.tone or None
    messages = rules.split_list(data.key_messages)
    if messages and (trip is None or any(m not in trip.key_messages for m in messages)):
        errors["key_messages"] = N_("Pick key messages from the trip's list.")
    cleaned["key_messages"] = messages
    if data.estimated_reach is not None and data.estimated_reach < 0:
        errors["estimated_reach"] = N_("Enter a number of zero or more.")
    cleaned["estimated_reach"] = data.estimated_reach
    interview = cleaned["interview"]
    if interview is not None and (trip is None or interview.trip_id != trip.id):
        errors["interview_id"] = N_("Choose an interview of the same trip.")
    if errors:
        raise Invalid.from_fields(errors)
    return cleaned


def record_coverage(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    data: CoverageInput,
    status: str = CoverageStatus.EXPECTED,
) -> tuple[CoverageItem, bool]:
    """Log an article by its link. Returns ``(item, created)``: when the link (normalised) is
    already recorded, the existing item comes back unchanged and ``created`` is False.

    Raises NotAllowed (field staff outside their trips) or Invalid (not an http(s) link, a link
    already recorded on coverage the actor may not see: its item is not handed out...).
    """
    cleaned = _clean(session, data, today=_latest_today(now))
    if actor is not None:
        require(actor, "coverage.add", cleaned["trip"])
    existing = queries.coverage_by_url(session, cleaned["normalised_url"])
    if existing is not None:
        return _already_recorded(actor, existing), False
    if status not in (CoverageStatus.EXPECTED, CoverageStatus.FOUND):
        raise Invalid(N_("New coverage starts as expected or found."), field="status")
    item = CoverageItem(**cleaned, status=status, reported_by=actor, created_at=now, updated_at=now)
    try:
        # A colleague may log the same link at the same moment: the unique index decides.
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        existing = queries.coverage_by_url(session, cleaned["normalised_url"])
        if existing is None:
            raise
        return _already_recorded(actor, existing), False
    record_change(session, actor=actor, now=now, action="create", target=item)
    webhooks.enqueue(
        session,
        event_type=webhooks.EventType.COVERAGE_ADDED,
        data={
            "coverage": {
                "id": item.id,
                "url": item.url,
                "headline": item.headline,
                "language": item.language,
                "published_on": item.published_on,
                "status": item.status,
                "outlet_id": item.outlet_id,
                "journalist_id": item.journalist_id,
                "trip_id": item.trip_id,
                "campaign_id": item.campaign_id,
            },
            "links": {"coverage": f"/press/coverage/{item.id}/edit"},
        },
        now=now,
    )
    return item, True


def _already_recorded(actor: Person | None, existing: CoverageItem) -> CoverageItem:
    """The item already holding the link, if ``actor`` may see it; otherwise only the fact."""
    if not queries.may_see_coverage(actor, existing):
        raise Invalid(N_("Another coverage item already has this link."), field="url")
    return existing


def update_coverage(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    item: CoverageItem,
    data: CoverageInput,
) -> CoverageItem:
    """Change a coverage item. Raises NotAllowed or Invalid (including a link that another
    item already has)."""
    if actor is not None:
        require(actor, "coverage.verify")
    cleaned = _clean(session, data, today=_latest_today(now))
    other = queries.coverage_by_url(session, cleaned["normalised_url"])
    if other is not None and other.id != item.id:
        raise Invalid(N_("Another coverage item already has this link."), field="url")
    before = snapshot(item)
    for key, value in cleaned.items():
        setattr(item, key, value)
    session.flush()
    if snapshot(item) != before:
        item.updated_at = now
        record_change(session, actor=actor, now=now, action="update", target=item, before=before)
    return item


def change_coverage_status(
    session: Session, *, actor: Person | None, now: datetime, item: CoverageItem, status: str
) -> CoverageItem:
    """expected → found → verified, one step at a time. Raises NotAllowed or Invalid."""
    if actor is not None:
        require(actor, "coverage.verify")
    rules.check_transition(rules.COVERAGE_TRANSITIONS, item.status, status, field="status")
    before = snapshot(item)
    item.status = status
    item.updated_at = now
    session.flush()
    record_change(
        session, actor=actor, now=now, action=f"status:{status}", target=item, before=before
    )
    return item
