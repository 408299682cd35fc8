"""A trip's itinerary items and interview requests."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import request, url_for
from flask_babel import gettext, ngettext
from flask_login import login_required

from campaigns.db import utcnow
from campaigns.errors import HeraldError
from campaigns.press import itinerary, queries, trips
from campaigns.press.models import InterviewRequest, ItineraryItem, Journalist, Trip
from campaigns.timezones import to_zone
from web.extensions import db
from web.loading import load_for
from web.press import forms
from web.press.common import (
    blueprint,
    clash_texts,
    done,
    failed,
    form_error,
    form_page,
    to_int,
    to_ints,
)
from web.security import actor

# --- itinerary ---------------------------------------------------------------------------------


def _item_form(trip, item=None) -> forms.ItemForm:
    return forms.ItemForm(
        obj=item, people=queries.staff_candidates(db.session), invitations=trip.invitations
    )


def _item_input(form: forms.ItemForm) -> itinerary.ItemInput:
    return itinerary.ItemInput(
        activity=form.activity.data or "",
        starts_local=form.starts_local.data,
        ends_local=form.ends_local.data,
        timezone=(form.timezone.data or "").strip(),
        place=form.place.data or "",
        city=form.city.data or "",
        interviewee=form.interviewee.data or "",
        escort_id=to_int(form.escort.data),
        interpreter_id=to_int(form.interpreter.data),
        participant_ids=to_ints(form.participants.data),
    )


_ITEM_ALIASES = {
    "escort_id": "escort",
    "interpreter_id": "interpreter",
    "participant_ids": "participants",
}


@blueprint.route("/trips/<int:trip_id>/items/new", methods=["GET", "POST"])
@blueprint.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def item_form(trip_id: int | None = None, item_id: int | None = None):
    person = actor()
    item = load_for("trip.edit", ItineraryItem, item_id) if item_id else None
    trip = item.trip if item else load_for("trip.edit", Trip, trip_id)
    form = _item_form(trip, item)
    if request.method == "GET":
        if item is None:
            form.timezone.data = trip.timezone
            start = datetime.combine(trip.start_date, datetime.min.time()).replace(hour=9)
            form.starts_local.data = start
            form.ends_local.data = start + timedelta(hours=1)
        else:
            form.starts_local.data = to_zone(item.starts_at, item.timezone).replace(tzinfo=None)
            form.ends_local.data = to_zone(item.ends_at, item.timezone).replace(tzinfo=None)
            form.escort.data = str(item.escort_id or "")
            form.interpreter.data = str(item.interpreter_id or "")
            form.participants.data = [str(i.id) for i in item.participants]
    clashes: list[str] = []
    if form.validate_on_submit():
        confirm = bool(form.confirm_clashes.data)
        try:
            if item is None:
                itinerary.create_itinerary_item(
                    db.session,
                    actor=person,
                    now=utcnow(),
                    trip=trip,
                    data=_item_input(form),
                    confirm_clashes=confirm,
                )
            else:
                itinerary.update_itinerary_item(
                    db.session,
                    actor=person,
                    now=utcnow(),
                    item=item,
                    data=_item_input(form),
                    confirm_clashes=confirm,
                )
        except trips.ClashWarning as warning:
            db.session.rollback()
            clashes = clash_texts(warning.clashes)
        except HeraldError as error:
            form_error(form, error, aliases=_ITEM_ALIASES)
        else:
            target = url_for("press.trip", trip_id=trip.id) + "#itinerary"
            return done(gettext("The itinerary item was saved."), target)
    if not clashes:
        del form.confirm_clashes
    return form_page(
        "press/form.html",
        form,
        title=gettext("Itinerary of %(title)s", title=trip.title),
        lead=gettext("Trip days: %(start)s to %(end)s.", start=trip.start_date, end=trip.end_date),
        cancel=url_for("press.trip", trip_id=trip.id),
        clashes=clashes,
    )


@blueprint.post("/items/<int:item_id>/status")
@login_required
def item_status(item_id: int):
    item = load_for("item.run", ItineraryItem, item_id)
    target = url_for("press.trip", trip_id=item.trip_id) + "#itinerary"
    try:
        itinerary.change_item_status(
            db.session,
            actor=actor(),
            now=utcnow(),
            item=item,
            status=request.form.get("status", ""),
        )
    except HeraldError as error:
        return failed(error, target)
    return done(gettext("The itinerary item was updated."), target)


@blueprint.post("/items/<int:item_id>/delay")
@login_required
def delay_item(item_id: int):
    item = load_for("item.run", ItineraryItem, item_id)
    target = url_for("press.trip", trip_id=item.trip_id) + "#itinerary"
    minutes = to_int(request.form.get("delay-minutes")) or 0
    try:
        itinerary.delay_itinerary_item(
            db.session, actor=actor(), now=utcnow(), item=item, minutes=minutes
        )
    except HeraldError as error:
        return failed(error, target)
    return done(
        ngettext(
            "%(activity)s was delayed by %(num)d minute; calendars follow on their next refresh.",
            "%(activity)s was delayed by %(num)d minutes; calendars follow on their next refresh.",
            minutes,
            activity=item.activity,
        ),
        target,
    )


# --- interviews --------------------------------------------------------------------------------


@blueprint.route("/trips/<int:trip_id>/interviews/new", methods=["GET", "POST"])
@login_required
def new_interview(trip_id: int):
    person = actor()
    trip = load_for("trip.edit", Trip, trip_id)
    form = forms.InterviewForm(journalists=[i.journalist for i in trip.invitations])
    if form.validate_on_submit():
        try:
            itinerary.request_interview(
                db.session,
                actor=person,
                now=utcnow(),
                trip=trip,
                journalist=load_for(None, Journalist, to_int(form.journalist.data)),
                interviewee=form.interviewee.data or "",
                subject=form.subject.data or "",
            )
        except HeraldError as error:
            form_error(form, error, aliases={"journalist_id": "journalist"})
        else:
            target = url_for("press.trip", trip_id=trip.id) + "#interviews"
            return done(gettext("The interview request was recorded."), target)
    return form_page(
        "press/form.html",
        form,
        title=gettext("Interview request for %(title)s", title=trip.title),
        cancel=url_for("press.trip", trip_id=trip.id),
    )


@blueprint.post("/interviews/<int:interview_id>/status")
@login_required
def interview_status(interview_id: int):
    interview = load_for("trip.edit", InterviewRequest, interview_id)
    target = url_for("press.trip", trip_id=interview.trip_id) + "#interviews"
    item_id = to_int(request.form.get("schedule-item"))
    try:
        itinerary.change_interview_status(
            db.session,
            actor=actor(),
            now=utcnow(),
            request=interview,
            status=request.form.get("status", ""),
            item=load_for(None, ItineraryItem, item_id) if item_id else None,
        )
    except HeraldError as error:
        return failed(error, target)
    return done(gettext("The interview request was updated."), target)
