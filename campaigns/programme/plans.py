"""Use cases of annual plans: write a unit's plan and its activities, submit it, and approve or
return it from a unit above; every approved version is kept, and a change after approval starts
the next version. Links, indicators and progress record the work done: they change at any time
and start no version.

Every service checks ``can`` (``plan.*``), flushes, writes the audit log and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.calendar import queries as calendar_queries
from campaigns.calendar.models import Event
from campaigns.errors import Conflict, Invalid, NotFound
from campaigns.i18n import N_
from campaigns.metrics.models import Criterion
from campaigns.org.models import Person, Unit
from campaigns.org.queries import unit_by_code
from campaigns.org.rules import check_text
from campaigns.permissions import require
from campaigns.press import queries as press_queries
from campaigns.press.models import Trip
from campaigns.programme.plan_models import (
    ACTIVITY_KINDS,
    HAND_STATUSES,
    INDICATOR_MEASURES,
    THEMES,
    ActivityIndicator,
    ActivityLink,
    AnnualPlan,
    PlanActivity,
    PlanStatus,
    PlanVersion,
)
from campaigns.programme.plan_rules import FIRST_YEAR, LAST_YEAR, parse_amount
from campaigns.social import queries as social_queries
from campaigns.social.models import Campaign, Post
from campaigns.timezones import is_country

LINK_KINDS = ("event", "campaign", "trip", "post")
_LINK_TARGETS = {
    "event": (calendar_queries.get_event, Event),
    "campaign": (social_queries.get_campaign, Campaign),
    "trip": (press_queries.get_trip, Trip),
    "post": (social_queries.get_post, Post),
}


@dataclass
class PlanFields:
    title: str = ""
    objectives: str = ""
    key_messages: str = ""
    themes: list[str] | None = None
    target_countries: list[str] | None = None
    target_audiences: str = ""


@dataclass
class ActivityFields:
    title: str = ""
    kind: str = ""
    country: str = ""
    theme: str = ""
    audience: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    lead_unit_code: str = ""
    supporting_unit_codes: list[str] | None = None
    budget_planned: str | int = ""


# --- plans ---------------------------------------------------------------------------------------


def _clean_plan(fields: PlanFields) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title, error = check_text(fields.title, max_length=300)
    if error:
        errors["title"] = error
    themes = list(dict.fromkeys(fields.themes or []))
    if any(theme not in THEMES for theme in themes):
        errors["themes"] = N_("Choose the themes from the list.")
    countries = list(
        dict.fromkeys(
            code.strip().upper() for code in fields.target_countries or [] if code.strip()
        )
    )
    if any(not is_country(code) for code in countries):
        errors["target_countries"] = N_("Use two-letter ISO 3166 country codes, e.g. KH or FR.")
    if errors:
        raise Invalid.from_fields(errors)
    return {
        "title": title,
        "objectives": (fields.objectives or "").strip(),
        "key_messages": (fields.key_messages or "").strip(),
        "themes": themes,
        "target_countries": countries,
        "target_audiences": (fields.target_audiences or "").strip(),
    }


def create_plan(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    unit: Unit,
    year: int | None,
    fields: PlanFields,
) -> AnnualPlan:
    """Start ``unit``'s plan for ``year`` as a draft. Raises NotAllowed (not an editor or
    coordinator of the unit), Invalid, Conflict (the unit has a plan for that year)."""
    if actor is not None:
        require(actor, "plan.create", unit)
    cleaned = _clean_plan(fields)
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(N_("Give the plan's year, e.g. 2027."), field="year")
    if session.query(AnnualPlan.id).filter_by(unit_id=unit.id, year=year).first() is not None:
        raise Conflict(N_("This unit already has a plan for %(year)s: open it instead."), year=year)
    plan = AnnualPlan(
        unit=unit,
        year=year,
        status=PlanStatus.DRAFT,
        version=1,
        created_at=now,
        updated_at=now,
        **cleaned,
    )
    session.add(plan)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=plan)
    return plan


def _open_for_changes(session: Session, plan: AnnualPlan, *, now: datetime) -> None:
    """A change to an approved plan starts its next version; a submitted plan waits for its
    review."""
    if plan.status == PlanStatus.SUBMITTED:
        raise Conflict(
            N_("This plan is waiting for approval: it can change once it is approved or returned.")
        )
    if plan.status == PlanStatus.APPROVED:
        plan.status = PlanStatus.DRAFT
        plan.version += 1
        plan.review_comment = ""
    plan.updated_at = now


def update_plan(
    session: Session, *, actor: Person | None, now: datetime, plan: AnnualPlan, fields: PlanFields
) -> AnnualPlan:
    """Change the plan's objectives, themes, countries and audiences. Raises NotAllowed,
    Invalid, Conflict (waiting for approval)."""
    if actor is not None:
        require(actor, "plan.edit", plan)
    cleaned = _clean_plan(fields)
    before = snapshot(plan)
    if all(getattr(plan, key) == value for key, value in cleaned.items()):
        return plan
    _open_for_changes(session, plan, now=now)
    for key, value in cleaned.items():
        setattr(plan, key, value)
    session.flush()
    record_change(session, actor=actor, now=now, action="update", target=plan, before=before)
    return plan


def submit_plan(session: Session, *, actor: Person | None, now: datetime, plan: AnnualPlan) -> None:
    """Send the plan to the units above for approval. Raises NotAllowed, Conflict (not a draft
    or returned plan), Invalid (no activity yet)."""
    if actor is not None:
        require(actor, "plan.submit", plan)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        raise Conflict(N_("Only a draft or a returned plan can be submitted."))
    if not plan.activities:
        raise Invalid(N_("Add at least one activity before submitting the plan."))
    before = snapshot(plan)
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_at, plan.submitted_by_id = now, actor.id if actor else None
    plan.updated_at = now
    session.flush()
    record_change(session, actor=actor, now=now, action="submit", target=plan, before=before)


def _review(plan: AnnualPlan, actor: Person | None) -> None:
    if actor is not None:
        require(actor, "plan.review", plan)
    if plan.status != PlanStatus.SUBMITTED:
        raise Conflict(N_("Only a submitted plan can be approved or returned."))


def plan_snapshot(plan: AnnualPlan) -> dict[str, Any]:
    """The plan's content as approved: its fields and its activities (by id)."""
    return {
        "title": plan.title,
        "objectives": plan.objectives,
        "key_messages": plan.key_messages,
        "themes": list(plan.themes),
        "target_countries": list(plan.target_countries),
        "target_audiences": plan.target_audiences,
        "activities": [
            {
                "id": item.id,
                "title": item.title,
                "kind": item.kind,
                "country": item.country,
                "theme": item.theme,
                "audience": item.audience,
                "starts_on": item.starts_on.isoformat(),
                "ends_on": item.ends_on.isoformat(),
                "lead_unit": item.lead_unit.code,
                "supporting_units": sorted(unit.code for unit in item.supporting_units),
                "budget_planned": item.budget_planned,
            }
            for item in plan.activities
        ],
    }


def approve_plan(
    session: Session, *, actor: Person | None, now: datetime, plan: AnnualPlan, comment: str = ""
) -> PlanVersion:
    """Approve the submitted plan and keep this version. Raises NotAllowed (not a coordinator
    of a unit above), Conflict (not submitted)."""
    _review(plan, actor)
    before = snapshot(plan)
    plan.status = PlanStatus.APPROVED
    plan.reviewed_at, plan.reviewed_by_id = now, actor.id if actor else None
    plan.review_comment = (comment or "").strip()
    plan.updated_at = now
    version = PlanVersion(
        plan=plan,
        number=plan.version,
        approved_at=now,
        approved_by_id=plan.reviewed_by_id,
        snapshot=plan_snapshot(plan),
    )
    session.add(version)
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="approve",
        target=plan,
        before=before,
        comment=plan.review_comment or None,
    )
    return version


def return_plan(
    session: Session, *, actor: Person | None, now: datetime, plan: AnnualPlan, comment: str
) -> None:
    """Send the submitted plan back to its unit with a comment saying what to change. Raises
    NotAllowed, Conflict (not submitted), Invalid (no comment)."""
    _review(plan, actor)
    comment = (comment or "").strip()
    if not comment:
        raise Invalid(N_("Say what the unit should change."), field="comment")
    before = snapshot(plan)
    plan.status = PlanStatus.RETURNED
    plan.reviewed_at, plan.reviewed_by_id = now, actor.id if actor else None
    plan.review_comment = comment
    plan.updated_at = now
    session.flush()
    record_change(
        session, actor=actor, now=now, action="return", target=plan, before=before, comment=comment
    )


# --- activities ----------------------------------------------------------------------------------


def _unit(session: Session, code: str, field: str) -> Unit:
    unit = unit_by_code(session, (code or "").strip())
    if unit is None:
        raise Invalid(N_("Choose a unit from the list."), field=field)
    return unit


def _clean_activity(session: Session, plan: AnnualPlan, fields: ActivityFields) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title, error = check_text(fields.title, max_length=300)
    if error:
        errors["title"] = error
    if fields.kind not in ACTIVITY_KINDS:
        errors["kind"] = N_("Choose a kind of activity from the list.")
    country = (fields.country or "").strip().upper()
    if not is_country(country):
        errors["country"] = N_("Use a two-letter ISO 3166 country code, e.g. KH or FR.")
    if fields.theme not in THEMES:
        errors["theme"] = N_("Choose a theme from the list.")
    audience = (fields.audience or "").strip()
    if len(audience) > 300:
        errors["audience"] = N_("This field is too long.")
    if fields.starts_on is None or fields.starts_on.year != plan.year:
        errors["starts_on"] = N_("The activity must begin in the plan's year (YYYY-MM-DD).")
    if fields.ends_on is None:
        errors["ends_on"] = N_("Give the last day as YYYY-MM-DD.")
    elif fields.starts_on is not None and fields.ends_on < fields.starts_on:
        errors["ends_on"] = N_("The last day cannot come before the first.")
    budget, error = parse_amount(fields.budget_planned)
    if error:
        errors["budget_planned"] = error
    lead = unit_by_code(session, (fields.lead_unit_code or "").strip()) or plan.unit
    if fields.lead_unit_code and lead.code != fields.lead_unit_code.strip():
        errors["lead_unit"] = N_("Choose a unit from the list.")
    supporting = []
    for code in dict.fromkeys(fields.supporting_unit_codes or []):
        unit = unit_by_code(session, code.strip())
        if unit is None:
            errors["supporting_units"] = N_("Choose the units from the list.")
        elif unit.id != lead.id:
            supporting.append(unit)
    if errors:
        raise Invalid.from_fields(errors)
    return {
        "title": title,
        "kind": fields.kind,
        "country": country,
        "theme": fields.theme,
        "audience": audience,
        "starts_on": fields.starts_on,
        "ends_on": fields.ends_on,
        "lead_unit": lead,
        "supporting_units": supporting,
        "budget_planned": budget,
    }


def add_activity(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    plan: AnnualPlan,
    fields: ActivityFields,
) -> PlanActivity:
    """Add an activity to the plan (an approved plan starts its next version). Raises
    NotAllowed, Invalid, Conflict (waiting for approval)."""
    if actor is not None:
        require(actor, "plan.edit", plan)
    cleaned = _clean_activity(session, plan, fields)
    _open_for_changes(session, plan, now=now)
    activity = PlanActivity(plan=plan, created_at=now, updated_at=now, **cleaned)
    session.add(activity)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=activity)
    return activity


def update_activity(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    activity: PlanActivity,
    fields: ActivityFields,
) -> PlanActivity:
    """Change an activity (an approved plan starts its next version). Raises NotAllowed,
    Invalid, Conflict."""
    plan = activity.plan
    if actor is not None:
        require(actor, "plan.edit", plan)
    cleaned = _clean_activity(session, plan, fields)
    before = snapshot(activity)
    unchanged = all(
        getattr(activity, key) == value
        for key, value in cleaned.items()
        if key != "supporting_units"
    ) and {unit.id for unit in activity.supporting_units} == {
        unit.id for unit in cleaned["supporting_units"]
    }
    if unchanged:
        return activity
    _open_for_changes(session, plan, now=now)
    for key, value in cleaned.items():
        setattr(activity, key, value)
    activity.updated_at = now
    session.flush()
    record_change(session, actor=actor, now=now, action="update", target=activity, before=before)
    return activity


def delete_activity(
    session: Session, *, actor: Person | None, now: datetime, activity: PlanActivity
) -> None:
    """Remove an activity from the plan. Raises NotAllowed, Conflict."""
    plan = activity.plan
    if actor is not None:
        require(actor, "plan.edit", plan)
    _open_for_changes(session, plan, now=now)
    record_change(
        session, actor=actor, now=now, action="delete", target=activity, before=snapshot(activity)
    )
    plan.activities.remove(activity)
    session.flush()


# --- the work that carries an activity out, and how far it got ------------------------------------


def _track(activity: PlanActivity, actor: Person | None) -> None:
    if actor is not None:
        require(actor, "plan.edit", activity.plan)


def record_progress(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    activity: PlanActivity,
    status_by_hand: str | None,
    budget_spent: str | int,
    progress_note: str = "",
) -> None:
    """Record by hand how the activity stands (``status_by_hand`` None: from Herald's data) and
    what it has spent. Raises NotAllowed, Invalid."""
    _track(activity, actor)
    errors: dict[str, str] = {}
    if status_by_hand not in (None, *HAND_STATUSES):
        errors["status"] = N_("Choose a status from the list.")
    spent, error = parse_amount(budget_spent)
    if error:
        errors["budget_spent"] = error
    if errors:
        raise Invalid.from_fields(errors)
    before = snapshot(activity)
    activity.status_by_hand = status_by_hand
    activity.budget_spent = spent
    activity.progress_note = (progress_note or "").strip()
    activity.updated_at = now
    session.flush()
    record_change(session, actor=actor, now=now, action="progress", target=activity, before=before)


def _load_link_target(session: Session, kind: str, target_id: int | None, actor: Person | None):
    # Only what the person may see may be linked: the same loaders as the pages use.
    if target_id is None:
        raise Invalid(N_("Give the number of the item to link."), field="target")
    getter, model = _LINK_TARGETS[kind]
    if actor is not None:
        return getter(session, target_id, actor=actor)
    found = session.get(model, target_id)
    if found is None:
        raise NotFound(N_("There is nothing with this number to link."))
    return found


def link_activity(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    activity: PlanActivity,
    kind: str,
    target_id: int | None,
) -> ActivityLink:
    """Link an event, campaign, trip or post (one the person may see) that carries the activity
    out. Raises NotAllowed, Invalid, NotFound, Conflict (already linked)."""
    _track(activity, actor)
    if kind not in LINK_KINDS:
        raise Invalid(
            N_("Choose what to link: an event, a campaign, a trip or a post."), field="kind"
        )
    target = _load_link_target(session, kind, target_id, actor)
    if any(link.kind == kind and link.target_id == target.id for link in activity.links):
        raise Conflict(N_("This is already linked to the activity."))
    link = ActivityLink(activity=activity, **{f"{kind}_id": target.id})
    session.add(link)
    session.flush()
    record_change(session, actor=actor, now=now, action="link", target=link)
    return link


def unlink_activity(
    session: Session, *, actor: Person | None, now: datetime, link: ActivityLink
) -> None:
    """Remove a link. Raises NotAllowed."""
    activity = link.activity
    _track(activity, actor)
    record_change(
        session, actor=actor, now=now, action="unlink", target=link, before=snapshot(link)
    )
    activity.links.remove(link)
    session.flush()


def add_indicator(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    activity: PlanActivity,
    measure: str,
    label: str = "",
    target: str | int | None = None,
    criterion_id: int | None = None,
) -> ActivityIndicator:
    """Add an indicator: counted from the linked work (posts, coverage, trips, events) or by
    hand (``manual``, with a label), optionally feeding an effectiveness criterion. Raises
    NotAllowed, Invalid."""
    _track(activity, actor)
    errors: dict[str, str] = {}
    if measure not in INDICATOR_MEASURES:
        errors["measure"] = N_("Choose what to count from the list.")
    label = (label or "").strip()
    if measure == "manual" and not label:
        errors["label"] = N_("Say what is counted by hand.")
    if len(label) > 200:
        errors["label"] = N_("This field is too long.")
    amount = None
    if target not in (None, ""):
        amount, error = parse_amount(target)
        if error:
            errors["target"] = error
    if criterion_id is not None and session.get(Criterion, criterion_id) is None:
        errors["criterion"] = N_("Choose a criterion from the list.")
    if errors:
        raise Invalid.from_fields(errors)
    indicator = ActivityIndicator(
        activity=activity, measure=measure, label=label, target=amount, criterion_id=criterion_id
    )
    session.add(indicator)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=indicator)
    return indicator


def record_indicator(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    indicator: ActivityIndicator,
    achieved: str | int | None,
) -> None:
    """Record by hand what an indicator achieved (empty: not known yet). Raises NotAllowed,
    Invalid."""
    _track(indicator.activity, actor)
    amount = None
    if achieved not in (None, ""):
        amount, error = parse_amount(achieved)
        if error:
            raise Invalid(error, field="achieved")
    before = snapshot(indicator)
    indicator.achieved_by_hand = amount
    session.flush()
    record_change(session, actor=actor, now=now, action="update", target=indicator, before=before)


def delete_indicator(
    session: Session, *, actor: Person | None, now: datetime, indicator: ActivityIndicator
) -> None:
    """Remove an indicator. Raises NotAllowed."""
    activity = indicator.activity
    _track(activity, actor)
    record_change(
        session, actor=actor, now=now, action="delete", target=indicator, before=snapshot(indicator)
    )
    activity.indicators.remove(indicator)
    session.flush()
