"""Coverage, the trip report and its exports, letterheads, settings, and the itinerary feeds
(signed links, no session)."""

from __future__ import annotations

import hashlib

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from campaigns.db import utcnow
from campaigns.errors import HeraldError, NotAllowed
from campaigns.i18n import N_
from campaigns.org.models import Unit
from campaigns.permissions import can, require
from campaigns.press import coverage, feeds, privacy, queries, reports, rules, services
from campaigns.press.models import CoverageItem, Trip
from web.extensions import db
from web.loading import load_for
from web.press import forms
from web.press.common import (
    blueprint,
    done,
    failed,
    form_error,
    form_page,
    next_states_of,
    to_int,
    visible_campaigns,
)
from web.security import actor

# --- report ------------------------------------------------------------------------------------


@blueprint.get("/trips/<int:trip_id>/report")
@blueprint.get("/trips/<int:trip_id>/report.<fmt>")
@login_required
def trip_report(trip_id: int, fmt: str | None = None):
    person = actor()
    require(person, "coverage.view")
    trip = load_for("trip.view", Trip, trip_id)
    report = reports.trip_report(db.session, trip)
    if fmt is None:
        return render_template("press/report.html", report=report, trip=trip)
    exporters = {
        "csv": (reports.report_csv, "text/csv; charset=utf-8"),
        "xlsx": (
            reports.report_xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    }
    if fmt not in exporters:
        abort(404)
    export, mimetype = exporters[fmt]
    response = Response(export(report, gettext), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="trip-{trip.id}-report.{fmt}"'
    return response


# --- coverage ----------------------------------------------------------------------------------


@blueprint.get("/coverage")
@login_required
def coverage_list():
    person = actor()
    require(person, "press.view")
    wanted = queries.CoverageFilter(
        trip_id=to_int(request.args.get("trip")),
        status=request.args.get("status") or None,
        tone=request.args.get("tone") or None,
        language=request.args.get("language") or None,
    )
    visible = queries.visible_trips(db.session, person)
    return render_template(
        "press/coverage.html",
        items=queries.coverage_items(db.session, person, wanted),
        trips=visible,
        may_log=_may_log_coverage(person, visible),
        args=request.args,
        may_verify=can(person, "coverage.verify"),
        confirm_form=forms.ConfirmForm(),
        coverage_next=next_states_of(rules.COVERAGE_TRANSITIONS),
    )


def _may_log_coverage(person, visible_trips) -> bool:
    return can(person, "coverage.add") or any(can(person, "coverage.add", t) for t in visible_trips)


def _coverage_form(trip_id: int | None, item=None) -> forms.CoverageForm:
    person = actor()
    visible = queries.visible_trips(db.session, person)
    trip = next((t for t in visible if t.id == trip_id), None)
    if can(person, "journalist.view"):
        journalists = queries.search_journalists(db.session)
    else:
        # Field staff name only the journalists of the trips they work on.
        on_their_trips = {i.journalist for t in visible for i in t.invitations}
        journalists = sorted(on_their_trips, key=lambda journalist: journalist.name_latin)
    return forms.CoverageForm(
        obj=item,
        trips=visible,
        journalists=journalists,
        outlets=queries.list_outlets(db.session),
        messages=trip.key_messages if trip else [],
        interviews=queries.interviews_of(db.session, trip) if trip else [],
        campaigns=visible_campaigns(person),
    )


def _drop_empty_choices(form: forms.CoverageForm) -> None:
    # Key messages and interviews belong to a trip: without one there is nothing to pick.
    if not form.key_messages.choices:
        del form.key_messages
    if len(form.interview.choices) <= 1:
        del form.interview


def _coverage_input(form: forms.CoverageForm) -> coverage.CoverageInput:
    return coverage.CoverageInput(
        url=form.url.data or "",
        trip_id=to_int(form.trip.data),
        journalist_id=to_int(form.journalist.data),
        outlet_id=to_int(form.outlet.data),
        campaign_id=to_int(form.campaign.data),
        published_on=form.published_on.data,
        language=form.language.data or "",
        headline=form.headline.data or "",
        headline_translation=form.headline_translation.data or "",
        tone=form.tone.data or None,
        key_messages=(form.key_messages.data if form.key_messages else None) or [],
        interview_id=to_int(form.interview.data) if form.interview else None,
        estimated_reach=form.estimated_reach.data,
    )


_COVERAGE_ALIASES = {
    "trip_id": "trip",
    "journalist_id": "journalist",
    "outlet_id": "outlet",
    "campaign_id": "campaign",
    "interview_id": "interview",
}


@blueprint.route("/coverage/new", methods=["GET", "POST"])
@login_required
def new_coverage():
    person = actor()
    require(person, "press.view")
    if request.method == "POST" and not _may_log_coverage(
        person, queries.visible_trips(db.session, person)
    ):
        raise NotAllowed(N_("You are not allowed to do this."))
    trip_id = to_int(request.values.get("trip"))
    form = _coverage_form(trip_id)
    if request.method == "GET" and trip_id:
        form.trip.data = str(trip_id)
    _drop_empty_choices(form)
    if form.validate_on_submit():
        try:
            item, created = coverage.record_coverage(
                db.session, actor=person, now=utcnow(), data=_coverage_input(form)
            )
        except HeraldError as error:
            form_error(form, error, aliases=_COVERAGE_ALIASES)
        else:
            message = (
                gettext("The coverage item was recorded.")
                if created
                else gettext("This link was already recorded; here it is.")
            )
            return done(
                message,
                url_for("press.coverage_list", trip=item.trip_id or "") + f"#coverage-{item.id}",
            )
    return form_page(
        "press/form.html",
        form,
        title=gettext("Log coverage"),
        lead=gettext("Choose the trip first to pick the key messages it carried.")
        if not trip_id
        else None,
        cancel=url_for("press.coverage_list"),
    )


@blueprint.route("/coverage/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_coverage(item_id: int):
    person = actor()
    item = load_for("coverage.verify", CoverageItem, item_id)
    form = _coverage_form(item.trip_id, item)
    if request.method == "GET":
        form.trip.data = str(item.trip_id or "")
        form.journalist.data = str(item.journalist_id or "")
        form.outlet.data = str(item.outlet_id or "")
        form.tone.data = item.tone or ""
        form.campaign.data = str(item.campaign_id or "")
        if item.interview_id:
            form.interview.data = str(item.interview_id)
    _drop_empty_choices(form)
    if form.validate_on_submit():
        try:
            coverage.update_coverage(
                db.session, actor=person, now=utcnow(), item=item, data=_coverage_input(form)
            )
        except HeraldError as error:
            form_error(form, error, aliases=_COVERAGE_ALIASES)
        else:
            return done(gettext("The coverage item was saved."), url_for("press.coverage_list"))
    return form_page(
        "press/form.html",
        form,
        title=gettext("Edit coverage"),
        cancel=url_for("press.coverage_list"),
    )


@blueprint.post("/coverage/<int:item_id>/status")
@login_required
def coverage_status(item_id: int):
    item = load_for("coverage.verify", CoverageItem, item_id)
    target = url_for("press.coverage_list") + f"#coverage-{item.id}"
    try:
        coverage.change_coverage_status(
            db.session,
            actor=actor(),
            now=utcnow(),
            item=item,
            status=request.form.get("status", ""),
        )
    except HeraldError as error:
        return failed(error, target)
    return done(gettext("The coverage item was updated."), target)


# --- letterheads and settings ------------------------------------------------------------------


@blueprint.route("/letterheads/<code>", methods=["GET", "POST"])
@login_required
def letterhead(code: str):
    person = actor()
    unit = load_for("letterhead.manage", Unit, code)
    form = forms.LetterheadForm(obj=queries.letterhead_of(db.session, unit.id))
    if form.validate_on_submit():
        try:
            services.save_letterhead(
                db.session,
                actor=person,
                now=utcnow(),
                unit=unit,
                **{name: getattr(form, name).data or "" for name in services.LETTERHEAD_FIELDS},
            )
        except HeraldError as error:
            form_error(form, error)
        else:
            return done(gettext("The letterhead was saved."), url_for("press.trips_list"))
    return form_page(
        "press/form.html",
        form,
        title=gettext("Letterhead of %(unit)s", unit=unit.code),
        cancel=url_for("press.trips_list"),
    )


@blueprint.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    require(actor(), "settings.manage")
    form = forms.RetentionForm()
    if request.method == "GET":
        form.days.data = privacy.identity_retention_days(db.session)
    if form.validate_on_submit():
        try:
            privacy.set_identity_retention_days(
                db.session, actor=actor(), now=utcnow(), days=form.days.data
            )
        except HeraldError as error:
            form_error(form, error)
        else:
            return done(gettext("The retention period was saved."), url_for("press.settings"))
    return form_page(
        "press/form.html",
        form,
        title=gettext("Press programme settings"),
        cancel=url_for("press.trips_list"),
    )


# --- itinerary feeds (no session: the signed link is the credential) --------------------------


def _ics(body: bytes, name: str, last_modified):
    etag = hashlib.sha256(body).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="text/calendar")
        response.headers["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response.set_etag(etag)
    response.last_modified = last_modified
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@blueprint.get("/feeds/trips/<int:trip_id>/<token>.ics")
def staff_feed(trip_id: int, token: str):
    trip = queries.get_trip(db.session, trip_id)
    person = feeds.staff_for_token(
        db.session, secret=current_app.config["SECRET_KEY"], trip=trip, token=token
    )
    if person is None:
        abort(404)
    changed = feeds.last_change(trip.items, trip.updated_at)
    return _ics(feeds.staff_feed(trip), f"trip-{trip.id}", changed)


@blueprint.get("/feeds/invitations/<int:invitation_id>/<token>.ics")
def journalist_feed(invitation_id: int, token: str):
    invitation = feeds.invitation_for_token(
        db.session,
        secret=current_app.config["SECRET_KEY"],
        invitation_id=invitation_id,
        token=token,
    )
    if invitation is None or invitation.status not in rules.ACTIVE_INVITATIONS:
        abort(404)
    items = queries.items_for_invitation(invitation)
    changed = feeds.last_change(items, invitation.trip.updated_at)
    return _ics(feeds.journalist_feed(invitation), f"trip-{invitation.trip_id}", changed)
