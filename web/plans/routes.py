"""Annual plans: a unit's plan for the year, its activities and their progress, approval by the
units above, the overlap warnings between units, the steering committee's list of open overlaps,
and the mid-year / year-end reviews and the roll-up of the units below (page, PDF, XLSX, vi/en).

Routes are thin: form → one service → flash and redirect, or the form again with its errors.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale, gettext
from flask_login import login_required

from campaigns.db import parse_id, utcnow
from campaigns.errors import Conflict, Invalid, NotFound
from campaigns.i18n import N_
from campaigns.metrics.models import CriteriaSet
from campaigns.org import queries as org_queries
from campaigns.org.models import LOCALES, Unit
from campaigns.permissions import can, require
from campaigns.press import queries as press_queries
from campaigns.programme import overlaps, plan_queries, plans
from campaigns.programme.overlaps import Overlap
from campaigns.programme.plan_models import (
    ACTIVITY_KINDS,
    ACTIVITY_STATUS_TITLES,
    HAND_STATUSES,
    INDICATOR_MEASURES,
    PLAN_STATUS_TITLES,
    THEMES,
    ActivityIndicator,
    ActivityLink,
    AnnualPlan,
    PlanActivity,
    PlanStatus,
)
from campaigns.programme.plan_rules import parse_day
from campaigns.social import queries as social_queries
from campaigns.timezones import to_zone
from web.extensions import db
from web.i18n import LANGUAGES, day, error_message, field_errors
from web.loading import load_for
from web.reports.routes import render_document, send_document
from web.security import actor

blueprint = Blueprint("plans", __name__, url_prefix="/plans")

# Reviews and roll-ups are printed and kept: PDF and XLSX (the page is the third form).
EXPORTS = ("pdf", "xlsx")


@blueprint.app_context_processor
def plan_words():
    return {
        "ACTIVITY_KINDS": ACTIVITY_KINDS,
        "THEMES": THEMES,
        "PLAN_STATUS_TITLES": PLAN_STATUS_TITLES,
        "ACTIVITY_STATUS_TITLES": ACTIVITY_STATUS_TITLES,
        "INDICATOR_MEASURES": INDICATOR_MEASURES,
    }


@blueprint.app_template_filter("iso_day")
def iso_day(value: str | None) -> str:
    """A day kept in a version's snapshot (ISO text) in the reader's date style."""
    parsed = parse_day(value)
    return day(parsed) if parsed else (value or "—")


def _locale() -> str:
    return str(get_locale() or "vi")


def _today() -> date:
    return to_zone(utcnow(), actor().timezone).date()


def _done(call: Callable[[], object], message: str, back: str):
    """Run one service: commit and flash ``message``, or flash why not (nothing changed)."""
    try:
        call()
    except (Invalid, Conflict, NotFound) as error:
        db.session.rollback()
        problems = field_errors(error)
        flash(" ".join([error_message(error), *problems.values()]).strip(), "error")
        return redirect(back, code=303)
    db.session.commit()
    flash(message, "success")
    return redirect(back, code=303)


# --- the list --------------------------------------------------------------------------------------


@blueprint.get("/")
@login_required
def index():
    person = actor()
    year = parse_id(request.args.get("year"))
    shown = plan_queries.visible_plans(db.session, actor=person, year=year)
    own_unit = person.unit
    warnings = []
    if own_unit is not None and can(person, "plan.view", own_unit):
        warnings = overlaps.overlaps_of_unit(db.session, actor=person, unit=own_unit)
    return render_template(
        "plans/index.html",
        plans=shown,
        to_review=[
            plan
            for plan in shown
            if plan.status == PlanStatus.SUBMITTED and can(person, "plan.review", plan)
        ],
        open_warnings=[warning for warning in warnings if warning.lead_unit is None],
        year=year,
        years=plan_queries.plan_years(db.session, actor=person),
        own_unit=own_unit,
        may_create=own_unit is not None and can(person, "plan.create", own_unit),
        may_list_overlaps=can(person, "overlap.list_all"),
        may_roll_up=own_unit is not None
        and person.role in ("coordinator", "admin")
        and bool(plan_queries.descendant_ids(db.session, own_unit.id)),
        this_year=_today().year,
    )


# --- a plan ----------------------------------------------------------------------------------------


def _plan_fields() -> plans.PlanFields:
    return plans.PlanFields(
        title=request.form.get("title", ""),
        objectives=request.form.get("objectives", ""),
        key_messages=request.form.get("key_messages", ""),
        themes=request.form.getlist("themes"),
        target_countries=request.form.get("target_countries", "").replace(",", " ").split(),
        target_audiences=request.form.get("target_audiences", ""),
    )


def _plan_values(plan: AnnualPlan | None) -> dict:
    if plan is None:
        return {
            "year": str(_today().year + 1),
            "title": "",
            "objectives": "",
            "key_messages": "",
            "themes": [],
            "target_countries": "",
            "target_audiences": "",
        }
    return {
        "year": str(plan.year),
        "title": plan.title,
        "objectives": plan.objectives,
        "key_messages": plan.key_messages,
        "themes": plan.themes,
        "target_countries": " ".join(plan.target_countries),
        "target_audiences": plan.target_audiences,
    }


def _plan_form(plan: AnnualPlan | None, values: dict, errors: dict | None = None, status=200):
    return render_template(
        "plans/plan_form.html", plan=plan, values=values, errors=errors or {}
    ), status


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
def plan_new():
    person = actor()
    unit = person.unit
    if unit is None:
        raise NotFound(N_("You belong to no unit, so there is no plan of yours to write."))
    require(person, "plan.create", unit)
    if request.method == "GET":
        return _plan_form(None, _plan_values(None))
    values = {**request.form.to_dict(), "themes": request.form.getlist("themes")}
    try:
        plan = plans.create_plan(
            db.session,
            actor=person,
            now=utcnow(),
            unit=unit,
            year=parse_id(request.form.get("year")),
            fields=_plan_fields(),
        )
    except (Invalid, Conflict) as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return _plan_form(None, values, field_errors(error), 422)
    db.session.commit()
    flash(gettext("Plan created: add its activities."), "success")
    return redirect(url_for("plans.plan", plan_id=plan.id), code=303)


@blueprint.get("/<int:plan_id>")
@login_required
def plan(plan_id: int):
    person = actor()
    plan = load_for("plan.view", AnnualPlan, plan_id)
    today = _today()
    warnings = [
        warning
        for warning in overlaps.overlaps_of_unit(db.session, actor=person, unit=plan.unit)
        if warning.activity.plan_id == plan.id
    ]
    return render_template(
        "plans/plan.html",
        plan=plan,
        progress={
            item.id: plan_queries.activity_progress(db.session, item, today=today, viewer=person)
            for item in plan.activities
        },
        warnings=warnings,
        changes=plan_queries.changes_since_approval(plan),
        may_edit=can(person, "plan.edit", plan),
        may_review=can(person, "plan.review", plan),
        may_resolve=lambda warning: can(person, "overlap.resolve", _pair(warning, plan)),
        budget_planned=sum(item.budget_planned for item in plan.activities),
        budget_spent=sum(item.budget_spent for item in plan.activities),
    )


class _pair:
    """What ``overlap.resolve`` needs to know of a warning: the two units."""

    def __init__(self, warning, plan: AnnualPlan) -> None:
        self.unit_ids = (plan.unit_id, warning.other_unit.id)


@blueprint.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def plan_edit(plan_id: int):
    person = actor()
    plan = load_for("plan.edit", AnnualPlan, plan_id)
    if request.method == "GET":
        return _plan_form(plan, _plan_values(plan))
    values = {**request.form.to_dict(), "themes": request.form.getlist("themes"), "year": plan.year}
    try:
        plans.update_plan(db.session, actor=person, now=utcnow(), plan=plan, fields=_plan_fields())
    except (Invalid, Conflict) as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return _plan_form(plan, values, field_errors(error), 422)
    db.session.commit()
    flash(gettext("Plan saved."), "success")
    return redirect(url_for("plans.plan", plan_id=plan.id), code=303)


@blueprint.post("/<int:plan_id>/submit")
@login_required
def plan_submit(plan_id: int):
    person = actor()
    plan = load_for("plan.submit", AnnualPlan, plan_id)
    return _done(
        lambda: plans.submit_plan(db.session, actor=person, now=utcnow(), plan=plan),
        gettext("Plan submitted for approval."),
        url_for("plans.plan", plan_id=plan.id),
    )


@blueprint.post("/<int:plan_id>/approve")
@login_required
def plan_approve(plan_id: int):
    person = actor()
    plan = load_for("plan.review", AnnualPlan, plan_id)
    return _done(
        lambda: plans.approve_plan(
            db.session,
            actor=person,
            now=utcnow(),
            plan=plan,
            comment=request.form.get("comment", ""),
        ),
        gettext("Plan approved."),
        url_for("plans.plan", plan_id=plan.id),
    )


@blueprint.post("/<int:plan_id>/return")
@login_required
def plan_return(plan_id: int):
    person = actor()
    plan = load_for("plan.review", AnnualPlan, plan_id)
    return _done(
        lambda: plans.return_plan(
            db.session,
            actor=person,
            now=utcnow(),
            plan=plan,
            comment=request.form.get("comment", ""),
        ),
        gettext("Plan returned to the unit with your comment."),
        url_for("plans.plan", plan_id=plan.id),
    )


@blueprint.get("/<int:plan_id>/versions")
@login_required
def plan_versions(plan_id: int):
    plan = load_for("plan.view", AnnualPlan, plan_id)
    return render_template(
        "plans/versions.html",
        plan=plan,
        history=plan_queries.version_history(plan),
        changes=plan_queries.changes_since_approval(plan),
    )


# --- activities ------------------------------------------------------------------------------------


def _activity_fields() -> plans.ActivityFields:
    return plans.ActivityFields(
        title=request.form.get("title", ""),
        kind=request.form.get("kind", ""),
        country=request.form.get("country", ""),
        theme=request.form.get("theme", ""),
        audience=request.form.get("audience", ""),
        starts_on=parse_day(request.form.get("starts_on")),
        ends_on=parse_day(request.form.get("ends_on")),
        lead_unit_code=request.form.get("lead_unit", ""),
        supporting_unit_codes=request.form.getlist("supporting_units"),
        budget_planned=request.form.get("budget_planned", ""),
    )


def _activity_values(plan: AnnualPlan, activity: PlanActivity | None) -> dict:
    if activity is None:
        return {
            "lead_unit": plan.unit.code,
            "supporting_units": [],
            "country": "",
            "kind": "",
            "theme": "",
        }
    return {
        "title": activity.title,
        "kind": activity.kind,
        "country": activity.country,
        "theme": activity.theme,
        "audience": activity.audience,
        "starts_on": activity.starts_on.isoformat(),
        "ends_on": activity.ends_on.isoformat(),
        "lead_unit": activity.lead_unit.code,
        "supporting_units": [unit.code for unit in activity.supporting_units],
        "budget_planned": str(activity.budget_planned),
    }


def _activity_form(plan, activity, values, errors=None, status=200):
    return (
        render_template(
            "plans/activity_form.html",
            plan=plan,
            activity=activity,
            values=values,
            errors=errors or {},
            units=org_queries.all_units(db.session),
        ),
        status,
    )


def _activity_save(plan: AnnualPlan, activity: PlanActivity | None):
    person = actor()
    if request.method == "GET":
        return _activity_form(plan, activity, _activity_values(plan, activity))
    values = {
        **request.form.to_dict(),
        "supporting_units": request.form.getlist("supporting_units"),
    }
    try:
        if activity is None:
            activity = plans.add_activity(
                db.session, actor=person, now=utcnow(), plan=plan, fields=_activity_fields()
            )
        else:
            plans.update_activity(
                db.session, actor=person, now=utcnow(), activity=activity, fields=_activity_fields()
            )
    except (Invalid, Conflict) as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return _activity_form(plan, activity, values, field_errors(error), 422)
    db.session.commit()
    flash(gettext("Activity saved."), "success")
    return redirect(url_for("plans.plan", plan_id=plan.id) + f"#activity-{activity.id}", code=303)


@blueprint.route("/<int:plan_id>/activities/new", methods=["GET", "POST"])
@login_required
def activity_new(plan_id: int):
    return _activity_save(load_for("plan.edit", AnnualPlan, plan_id), None)


@blueprint.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@login_required
def activity_edit(activity_id: int):
    activity = load_for(None, PlanActivity, activity_id)
    require(actor(), "plan.edit", activity.plan)
    return _activity_save(activity.plan, activity)


@blueprint.post("/activities/<int:activity_id>/delete")
@login_required
def activity_delete(activity_id: int):
    person = actor()
    activity = load_for(None, PlanActivity, activity_id)
    require(person, "plan.edit", activity.plan)
    plan_id = activity.plan_id
    return _done(
        lambda: plans.delete_activity(db.session, actor=person, now=utcnow(), activity=activity),
        gettext("Activity removed."),
        url_for("plans.plan", plan_id=plan_id),
    )


@blueprint.get("/activities/<int:activity_id>")
@login_required
def activity(activity_id: int):
    person = actor()
    activity = load_for(None, PlanActivity, activity_id)
    may_edit = can(person, "plan.edit", activity.plan)
    criteria_sets = [] if not can(person, "criteria.view") else db.session.query(CriteriaSet).all()
    return render_template(
        "plans/activity.html",
        activity=activity,
        plan=activity.plan,
        progress=plan_queries.activity_progress(
            db.session, activity, today=_today(), viewer=person
        ),
        achieved=plan_queries.indicator_achieved,
        indicator_label=lambda indicator: plan_queries.indicator_label(indicator, gettext),
        may_edit=may_edit,
        hand_statuses=HAND_STATUSES,
        criteria=[(s, c) for s in criteria_sets for c in s.criteria],
        link_label=lambda link: plan_queries.link_label(
            db.session, link, actor=person, locale=_locale()
        ),
        campaigns=social_queries.list_campaigns(db.session, actor=person) if may_edit else [],
        trips=press_queries.visible_trips(db.session, person) if may_edit else [],
    )


def _on_activity(activity_id: int) -> PlanActivity:
    activity = load_for(None, PlanActivity, activity_id)
    require(actor(), "plan.edit", activity.plan)
    return activity


@blueprint.post("/activities/<int:activity_id>/progress")
@login_required
def activity_progress(activity_id: int):
    activity = _on_activity(activity_id)
    status = request.form.get("status", "") or None
    return _done(
        lambda: plans.record_progress(
            db.session,
            actor=actor(),
            now=utcnow(),
            activity=activity,
            status_by_hand=status,
            budget_spent=request.form.get("budget_spent", ""),
            progress_note=request.form.get("progress_note", ""),
        ),
        gettext("Progress recorded."),
        url_for("plans.activity", activity_id=activity.id),
    )


@blueprint.post("/activities/<int:activity_id>/links")
@login_required
def activity_link(activity_id: int):
    activity = _on_activity(activity_id)
    return _done(
        lambda: plans.link_activity(
            db.session,
            actor=actor(),
            now=utcnow(),
            activity=activity,
            kind=request.form.get("kind", ""),
            target_id=parse_id(request.form.get("target")),
        ),
        gettext("Linked."),
        url_for("plans.activity", activity_id=activity.id),
    )


@blueprint.post("/links/<int:link_id>/delete")
@login_required
def link_delete(link_id: int):
    link = load_for(None, ActivityLink, link_id)
    require(actor(), "plan.edit", link.activity.plan)
    activity_id = link.activity_id
    return _done(
        lambda: plans.unlink_activity(db.session, actor=actor(), now=utcnow(), link=link),
        gettext("Link removed."),
        url_for("plans.activity", activity_id=activity_id),
    )


@blueprint.post("/activities/<int:activity_id>/indicators")
@login_required
def indicator_add(activity_id: int):
    activity = _on_activity(activity_id)
    return _done(
        lambda: plans.add_indicator(
            db.session,
            actor=actor(),
            now=utcnow(),
            activity=activity,
            measure=request.form.get("measure", ""),
            label=request.form.get("label", ""),
            target=request.form.get("target", ""),
            criterion_id=parse_id(request.form.get("criterion")),
        ),
        gettext("Indicator added."),
        url_for("plans.activity", activity_id=activity.id),
    )


def _indicator(indicator_id: int) -> ActivityIndicator:
    indicator = load_for(None, ActivityIndicator, indicator_id)
    require(actor(), "plan.edit", indicator.activity.plan)
    return indicator


@blueprint.post("/indicators/<int:indicator_id>")
@login_required
def indicator_record(indicator_id: int):
    indicator = _indicator(indicator_id)
    return _done(
        lambda: plans.record_indicator(
            db.session,
            actor=actor(),
            now=utcnow(),
            indicator=indicator,
            achieved=request.form.get("achieved", ""),
        ),
        gettext("Indicator recorded."),
        url_for("plans.activity", activity_id=indicator.activity_id),
    )


@blueprint.post("/indicators/<int:indicator_id>/delete")
@login_required
def indicator_delete(indicator_id: int):
    indicator = _indicator(indicator_id)
    activity_id = indicator.activity_id
    return _done(
        lambda: plans.delete_indicator(
            db.session, actor=actor(), now=utcnow(), indicator=indicator
        ),
        gettext("Indicator removed."),
        url_for("plans.activity", activity_id=activity_id),
    )


# --- overlaps --------------------------------------------------------------------------------------


@blueprint.get("/overlaps")
@login_required
def overlap_list():
    person = actor()
    return render_template(
        "plans/overlaps.html", overlaps=overlaps.open_overlaps(db.session, actor=person)
    )


@blueprint.post("/overlaps/<int:first_id>-<int:second_id>/lead")
@login_required
def overlap_lead(first_id: int, second_id: int):
    person = actor()
    overlap = load_for("overlap.resolve", Overlap, (first_id, second_id))
    back = request.form.get("back", "")
    if back not in ("overlaps",) and person.unit_id in overlap.unit_ids:
        mine = overlap.first if overlap.first.plan.unit_id == person.unit_id else overlap.second
        target = url_for("plans.plan", plan_id=mine.plan_id)
    else:
        target = url_for("plans.overlap_list")
    return _done(
        lambda: overlaps.agree_lead(
            db.session,
            actor=person,
            now=utcnow(),
            overlap=overlap,
            lead_unit_id=parse_id(request.form.get("lead_unit")),
            note=request.form.get("note", ""),
        ),
        gettext("The lead is recorded: the warning shows as resolved for both units."),
        target,
    )


# --- reviews and the roll-up -----------------------------------------------------------------------


def _language() -> str:
    language = request.args.get("lang", "")
    return language if language in LOCALES else _locale()


def _downloads(endpoint: str, language: str, **args) -> list[tuple[str, str]]:
    links = [(fmt.upper(), url_for(endpoint, fmt=fmt, lang=language, **args)) for fmt in EXPORTS]
    links += [
        (LANGUAGES[code], url_for(endpoint, lang=code, **args))
        for code in LOCALES
        if code != language
    ]
    return links


@blueprint.get("/<int:plan_id>/review/<any('mid-year', 'year-end'):review>")
@blueprint.get("/<int:plan_id>/review/<any('mid-year', 'year-end'):review>.<fmt>")
@login_required
def plan_review(plan_id: int, review: str, fmt: str | None = None):
    """The unit's mid-year or year-end review, in the reader's language or ``?lang=vi|en``."""
    if fmt is not None and fmt not in EXPORTS:
        abort(404)
    plan = load_for("plan.view", AnnualPlan, plan_id)
    language = _language()
    with force_locale(language):
        document = plan_queries.review_document(
            db.session,
            plan,
            review=review,
            today=_today(),
            _=gettext,
            locale=language,
            viewer=actor(),
        )
        if fmt is not None:
            return send_document(document, fmt, f"plan-{plan.unit.code}-{plan.year}-{review}")
        return render_document(
            document,
            downloads=_downloads("plans.plan_review", language, plan_id=plan.id, review=review),
        )


@blueprint.get("/units/<code>/<int:year>/roll-up")
@blueprint.get("/units/<code>/<int:year>/roll-up.<fmt>")
@login_required
def rollup(code: str, year: int, fmt: str | None = None):
    """The plans for ``year`` of the units below a unit, for its coordinators."""
    if fmt is not None and fmt not in EXPORTS:
        abort(404)
    person = actor()
    unit: Unit | None = org_queries.unit_by_code(db.session, code)
    if unit is None or not can(person, "plan.view", unit):
        raise NotFound(N_("There is no such unit."))
    below = plan_queries.plans_of_units_below(db.session, actor=person, unit=unit, year=year)
    language = _language()
    with force_locale(language):
        document = plan_queries.rollup_document(
            db.session,
            unit,
            below,
            year=year,
            today=_today(),
            _=gettext,
            locale=language,
            viewer=person,
        )
        if fmt is not None:
            return send_document(document, fmt, f"plans-{unit.code}-{year}")
        return render_document(
            document,
            downloads=_downloads("plans.rollup", language, code=unit.code, year=year),
        )
