"""Press trips and their invitations: plan, status, nominations, visa cases, logistics and
the letters."""

from __future__ import annotations

from flask import Response, current_app, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import login_required

from campaigns.calendar import queries as calendar_queries
from campaigns.db import utcnow
from campaigns.errors import HeraldError
from campaigns.field import reports as field_reports
from campaigns.org import queries as org_queries
from campaigns.permissions import can, require
from campaigns.press import documents, feeds, queries, rules, trips
from campaigns.press.models import Invitation, Journalist, Trip
from campaigns.timezones import to_zone
from web.calendar import drafts
from web.extensions import db
from web.links import absolute_url
from web.loading import load_for
from web.press import forms
from web.press.common import (
    blueprint,
    clash_texts,
    done,
    failed,
    form_error,
    form_page,
    lines_of,
    next_states_of,
    to_int,
    to_ints,
    visible_campaigns,
)
from web.security import actor

# --- trips -------------------------------------------------------------------------------------


@blueprint.get("/trips")
@login_required
def trips_list():
    person = actor()
    require(person, "press.view")
    return render_template(
        "press/trips.html",
        trips=queries.visible_trips(
            db.session,
            person,
            status=request.args.get("status") or None,
            search=request.args.get("q") or None,
        ),
        args=request.args,
    )


def _trip_form(trip=None) -> forms.TripForm:
    person = actor()
    host = trip.host_unit if trip is not None else person.unit
    return forms.TripForm(
        obj=trip,
        units=org_queries.all_units(db.session),
        people=queries.coordinator_candidates(db.session, host),
        events=queries.linkable_events(db.session, person, around=utcnow()),
        campaigns=visible_campaigns(person),
    )


def _trip_input(form: forms.TripForm) -> trips.TripInput:
    return trips.TripInput(
        title=form.title.data or "",
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        host_unit_code=form.host_unit.data or "",
        campaign_id=to_int(form.campaign.data),
        timezone=(form.timezone.data or "").strip(),
        city=form.city.data or "",
        nominating_unit_codes=form.nominating_missions.data or [],
        coordinator_ids=to_ints(form.coordinators.data),
        event_ids=to_ints(form.events.data),
        theme=form.theme.data or "",
        key_messages=lines_of(form.key_messages.data),
        budget_planned=form.budget_planned.data or None,
        budget_actual=form.budget_actual.data or None,
        currency=form.currency.data or "",
    )


_TRIP_ALIASES = {
    "host_unit_code": "host_unit",
    "nominating_unit_codes": "nominating_missions",
    "coordinator_ids": "coordinators",
    "event_ids": "events",
    "campaign_id": "campaign",
}


@blueprint.route("/trips/new", methods=["GET", "POST"])
@login_required
def new_trip():
    person = actor()
    require(person, "trip.create")
    form = _trip_form()
    if request.method == "GET":
        form.timezone.data = "Asia/Ho_Chi_Minh"
        form.currency.data = "VND"
        form.city.data = "Hà Nội"
        form.host_unit.data = person.unit.code if person.unit else ""
        draft = drafts.milestone_from_query(person)
        if draft is not None:
            drafts.fill_trip_form(form, draft, locale=str(get_locale() or "vi"))
    if form.validate_on_submit():
        try:
            trip = trips.create_trip(db.session, actor=person, now=utcnow(), data=_trip_input(form))
        except HeraldError as error:
            form_error(form, error, aliases=_TRIP_ALIASES)
        else:
            return done(gettext("The trip was created."), url_for("press.trip", trip_id=trip.id))
    del form.confirm_clashes
    return form_page(
        "press/form.html", form, title=gettext("New press trip"), cancel=url_for("press.trips_list")
    )


@blueprint.route("/trips/<int:trip_id>/edit", methods=["GET", "POST"])
@login_required
def edit_trip(trip_id: int):
    person = actor()
    trip = load_for("trip.edit", Trip, trip_id)
    form = _trip_form(trip)
    if request.method == "GET":
        form.host_unit.data = trip.host_unit.code
        form.campaign.data = str(trip.campaign_id or "")
        form.nominating_missions.data = [unit.code for unit in trip.nominating_missions]
        form.coordinators.data = [str(p.id) for p in trip.coordinators]
        form.events.data = [
            str(event.id) for event in calendar_queries.events_seen_by(person, trip.events)
        ]
        form.key_messages.data = "\n".join(trip.key_messages)
    clashes: list[str] = []
    if form.validate_on_submit():
        try:
            trips.update_trip(
                db.session,
                actor=person,
                now=utcnow(),
                trip=trip,
                data=_trip_input(form),
                confirm_clashes=bool(form.confirm_clashes.data),
            )
        except trips.ClashWarning as warning:
            db.session.rollback()
            clashes = clash_texts(warning.clashes)
        except HeraldError as error:
            form_error(form, error, aliases=_TRIP_ALIASES)
        else:
            return done(gettext("The trip was saved."), url_for("press.trip", trip_id=trip.id))
    if not clashes:
        del form.confirm_clashes
    return form_page(
        "press/form.html",
        form,
        title=gettext("Edit %(title)s", title=trip.title),
        cancel=url_for("press.trip", trip_id=trip.id),
        clashes=clashes,
    )


def _feed_url(endpoint: str, **values) -> str:
    return absolute_url(endpoint, **values)


@blueprint.get("/trips/<int:trip_id>")
@login_required
def trip(trip_id: int):
    person = actor()
    trip = load_for("trip.view", Trip, trip_id)
    editable = can(person, "trip.edit", trip)
    secret = current_app.config["SECRET_KEY"]
    staff_link = _feed_url(
        "press.staff_feed", trip_id=trip.id, token=feeds.staff_feed_token(secret, trip, person)
    )
    journalist_links = (
        {
            invitation.id: _feed_url(
                "press.journalist_feed",
                invitation_id=invitation.id,
                token=feeds.journalist_feed_token(secret, invitation),
            )
            for invitation in trip.invitations
        }
        if editable
        else {}
    )
    invitations = trip.invitations
    linked_events = calendar_queries.events_seen_by(person, trip.events)
    return render_template(
        "press/trip.html",
        trip=trip,
        field_reports=field_reports.reports_about(
            db.session, person, field_reports.ReportTarget("trip", trip.id)
        ),
        editable=editable,
        linked_events=linked_events,
        hidden_events=len(trip.events) - len(linked_events),
        sees_logistics=can(person, "trip.logistics", trip),
        may_nominate=can(person, "trip.nominate", trip),
        clashes=clash_texts(queries.trip_clashes(db.session, trip, actor=person)),
        trip_next=rules.next_states(rules.TRIP_TRANSITIONS, trip.status),
        invitation_next={
            i.id: rules.next_states(rules.INVITATION_TRANSITIONS, i.status) for i in invitations
        },
        visa_next={
            i.id: rules.next_states(rules.VISA_TRANSITIONS, i.visa_status) for i in invitations
        },
        item_next={
            item.id: rules.next_states(rules.ITEM_TRANSITIONS, item.status) for item in trip.items
        },
        interviews=queries.interviews_of(db.session, trip),
        interview_next=next_states_of(rules.INTERVIEW_TRANSITIONS),
        staff_link=staff_link,
        journalist_links=journalist_links,
        confirm_form=forms.ConfirmForm(),
        replace_form=forms.ReplaceForm(
            journalists=queries.search_journalists(db.session), prefix="replace"
        ),
        schedule_form=forms.ScheduleInterviewForm(items=trip.items, prefix="schedule"),
        delay_form=forms.DelayForm(prefix="delay"),
        coverage_count=len(queries.coverage_of_trip(db.session, trip)),
    )


@blueprint.post("/trips/<int:trip_id>/status")
@login_required
def trip_status(trip_id: int):
    trip = load_for("trip.edit", Trip, trip_id)
    target = url_for("press.trip", trip_id=trip.id)
    try:
        trips.change_trip_status(
            db.session,
            actor=actor(),
            now=utcnow(),
            trip=trip,
            status=request.form.get("status", ""),
        )
    except HeraldError as error:
        return failed(error, target)
    return done(gettext("The trip's status was changed."), target)


# --- invitations -------------------------------------------------------------------------------


@blueprint.route("/trips/<int:trip_id>/invitations/new", methods=["GET", "POST"])
@login_required
def nominate(trip_id: int):
    person = actor()
    trip = load_for("trip.nominate", Trip, trip_id)
    units = [trip.host_unit, *trip.nominating_missions]
    form = forms.NominateForm(journalists=queries.search_journalists(db.session), units=units)
    if request.method == "GET" and person.unit is not None:
        form.nominated_by.data = person.unit.code
    clashes: list[str] = []
    if form.validate_on_submit():
        try:
            trips.nominate_journalist(
                db.session,
                actor=person,
                now=utcnow(),
                trip=trip,
                journalist=load_for(None, Journalist, to_int(form.journalist.data)),
                nominated_by_code=form.nominated_by.data or None,
                confirm_clashes=bool(form.confirm_clashes.data),
            )
        except trips.ClashWarning as warning:
            db.session.rollback()
            clashes = clash_texts(warning.clashes)
        except HeraldError as error:
            form_error(form, error)
        else:
            return done(
                gettext("The journalist was nominated."), url_for("press.trip", trip_id=trip.id)
            )
    if not clashes:
        del form.confirm_clashes
    return form_page(
        "press/form.html",
        form,
        title=gettext("Nominate a journalist for %(title)s", title=trip.title),
        cancel=url_for("press.trip", trip_id=trip.id),
        clashes=clashes,
    )


@blueprint.post("/invitations/<int:invitation_id>/status")
@login_required
def invitation_status(invitation_id: int):
    invitation = load_for("trip.edit", Invitation, invitation_id)
    target = url_for("press.trip", trip_id=invitation.trip_id) + "#participants"
    status = request.form.get("status", "")
    replacement = None
    if status == "replaced" and to_int(request.form.get("replace-replacement")):
        replacement = load_for(None, Journalist, to_int(request.form.get("replace-replacement")))
    try:
        trips.change_invitation_status(
            db.session,
            actor=actor(),
            now=utcnow(),
            invitation=invitation,
            status=status,
            replacement=replacement,
        )
    except HeraldError as error:
        return failed(error, target)
    return done(gettext("The invitation was updated."), target)


@blueprint.post("/invitations/<int:invitation_id>/visa")
@login_required
def visa_status(invitation_id: int):
    invitation = load_for("trip.edit", Invitation, invitation_id)
    target = url_for("press.trip", trip_id=invitation.trip_id) + "#participants"
    try:
        trips.change_visa_status(
            db.session,
            actor=actor(),
            now=utcnow(),
            invitation=invitation,
            status=request.form.get("status", ""),
        )
    except HeraldError as error:
        return failed(error, target)
    return done(gettext("The visa case was updated."), target)


@blueprint.route("/invitations/<int:invitation_id>/logistics", methods=["GET", "POST"])
@login_required
def logistics(invitation_id: int):
    person = actor()
    invitation = load_for("trip.edit", Invitation, invitation_id)
    zone = invitation.trip.timezone
    form = forms.LogisticsForm(obj=invitation)
    if request.method == "GET":
        for name in ("arrival", "departure"):
            instant = getattr(invitation, f"{name}_at")
            if instant is not None:
                getattr(form, f"{name}_local").data = to_zone(instant, zone).replace(tzinfo=None)
    if form.validate_on_submit():
        data = trips.LogisticsInput(
            **{
                name: getattr(form, name).data or ""
                for name in (
                    "accreditation",
                    "arrival_flight",
                    "arrival_airport",
                    "departure_flight",
                    "departure_airport",
                    "hotel",
                    "dietary_needs",
                    "interpreter_language",
                )
            },
            arrival_local=form.arrival_local.data,
            departure_local=form.departure_local.data,
        )
        try:
            trips.update_logistics(
                db.session, actor=person, now=utcnow(), invitation=invitation, data=data
            )
        except HeraldError as error:
            form_error(form, error)
        else:
            target = url_for("press.trip", trip_id=invitation.trip_id) + "#participants"
            return done(gettext("The logistics were saved."), target)
    return form_page(
        "press/form.html",
        form,
        title=gettext("Logistics: %(name)s", name=invitation.journalist.display_name()),
        lead=gettext("Times are local to the trip (%(zone)s).", zone=zone),
        cancel=url_for("press.trip", trip_id=invitation.trip_id),
    )


@blueprint.get("/invitations/<int:invitation_id>/<kind>.pdf")
@login_required
def letter(invitation_id: int, kind: str):
    invitation = load_for("trip.edit", Invitation, invitation_id)
    body = documents.render_letter(
        invitation,
        kind=kind,
        locale=request.args.get("lang", "vi"),
        letterhead=queries.letterhead_of(db.session, invitation.trip.host_unit_id),
        today=utcnow().date(),
    )
    response = Response(body, mimetype="application/pdf")
    filename = f"{kind}-{invitation.id}-{request.args.get('lang', 'vi')}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
