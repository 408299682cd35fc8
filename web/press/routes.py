"""The press programme in the browser: journalists, outlets, trips, letters, coverage, reports
and the itinerary feeds."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy import select

from campaigns.calendar.models import Event, EventStatus
from campaigns.db import utcnow
from campaigns.errors import HeraldError, Invalid, NotAllowed
from campaigns.i18n import N_
from campaigns.org import queries as org_queries
from campaigns.permissions import can, require
from campaigns.press import coverage, documents, feeds, queries, reports, rules, services, trips
from campaigns.press.models import Affiliation, IdentityDocument
from campaigns.timezones import to_zone
from web import labels
from web.extensions import db
from web.forms import show_domain_error
from web.i18n import error_message, translate
from web.press import forms
from web.security import actor

blueprint = Blueprint("press", __name__, url_prefix="/press")


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _ints(values) -> list[int]:
    return [number for number in (_int(value) for value in values or []) if number is not None]


def _lines(value) -> list[str]:
    """A textarea's lines (or, when the form fell back to the object's value, that list)."""
    if isinstance(value, list):
        return value
    return [line.strip() for line in (value or "").splitlines()]


def _all_next(machine) -> dict[str, list[str]]:
    return {state: rules.next_states(machine, state) for state in machine}


def _clash_texts(clashes) -> list[str]:
    return [translate(clash.message, clash.params) for clash in clashes]


def _done(message: str, target: str):
    db.session.commit()
    flash(message, "success")
    return redirect(target, code=303)


def _failed(error: HeraldError, target: str):
    if isinstance(error, NotAllowed):
        raise error
    db.session.rollback()
    flash(error_message(error), "error")
    return redirect(target, code=303)


def _form_error(form, error: HeraldError, aliases: dict[str, str] | None = None) -> None:
    """Put a domain error next to the form's fields; a refusal stays a refusal (403)."""
    if isinstance(error, NotAllowed):
        raise error
    db.session.rollback()
    show_domain_error(form, error, aliases=aliases)


def _form_page(template: str, form, **context):
    # Clashes are not wrong input: the request conflicts with the plan until confirmed.
    status = 422 if form.errors else 409 if context.get("clashes") else 200
    return render_template(template, form=form, **context), status


@blueprint.get("/")
@login_required
def index():
    require(actor(), "press.view")
    return redirect(url_for("press.trips_list"))


# --- outlets -----------------------------------------------------------------------------------


@blueprint.get("/outlets")
@login_required
def outlets():
    require(actor(), "journalist.view")
    found = queries.list_outlets(
        db.session,
        search=request.args.get("q") or None,
        country=request.args.get("country") or None,
        kind=request.args.get("kind") or None,
    )
    return render_template("press/outlets.html", outlets=found, args=request.args)


def _outlet_input(form: forms.OutletForm) -> services.OutletInput:
    return services.OutletInput(
        name=form.name.data or "",
        country=form.country.data or "",
        kind=form.kind.data or "",
        languages=rules.split_list(form.languages.data),
        website=form.website.data or "",
        estimated_reach=form.estimated_reach.data,
    )


@blueprint.route("/outlets/new", methods=["GET", "POST"])
@blueprint.route("/outlets/<int:outlet_id>/edit", methods=["GET", "POST"])
@login_required
def outlet_form(outlet_id: int | None = None):
    require(actor(), "outlet.manage")
    outlet = queries.get_outlet(db.session, outlet_id) if outlet_id else None
    form = forms.OutletForm(obj=outlet)
    if request.method == "GET" and outlet is not None:
        form.languages.data = ", ".join(outlet.languages)
    if form.validate_on_submit():
        try:
            if outlet is None:
                services.create_outlet(
                    db.session, actor=actor(), now=utcnow(), data=_outlet_input(form)
                )
            else:
                services.update_outlet(
                    db.session, actor=actor(), now=utcnow(), outlet=outlet, data=_outlet_input(form)
                )
        except HeraldError as error:
            _form_error(form, error)
        else:
            return _done(gettext("The outlet was saved."), url_for("press.outlets"))
    title = gettext("Edit outlet") if outlet else gettext("New outlet")
    return _form_page("press/form.html", form, title=title, cancel=url_for("press.outlets"))


# --- journalists -------------------------------------------------------------------------------


@blueprint.get("/journalists")
@login_required
def journalists():
    require(actor(), "journalist.view")
    wanted = queries.JournalistFilter(
        text=request.args.get("q") or None,
        country=request.args.get("country") or None,
        outlet_id=_int(request.args.get("outlet")),
        language=request.args.get("language") or None,
        beat=request.args.get("beat") or None,
    )
    return render_template(
        "press/journalists.html",
        journalists=queries.search_journalists(db.session, wanted),
        outlets=queries.list_outlets(db.session),
        countries=forms.country_choices(gettext("All")),
        args=request.args,
        today=utcnow().date(),
    )


def _journalist_input(form: forms.JournalistForm) -> services.JournalistInput:
    return services.JournalistInput(
        name_latin=form.name_latin.data or "",
        name_native=form.name_native.data or "",
        country=form.country.data or "",
        languages=rules.split_list(form.languages.data),
        beats=rules.split_list(form.beats.data),
        email=form.email.data or "",
        phone=form.phone.data or "",
        press_card_number=form.press_card_number.data or "",
        press_card_expires_on=form.press_card_expires_on.data,
        consent_basis=form.consent_basis.data or "",
        consent_on=form.consent_on.data,
        notes=form.notes.data or "",
    )


@blueprint.route("/journalists/new", methods=["GET", "POST"])
@blueprint.route("/journalists/<int:journalist_id>/edit", methods=["GET", "POST"])
@login_required
def journalist_form(journalist_id: int | None = None):
    require(actor(), "journalist.manage")
    journalist = queries.get_journalist(db.session, journalist_id) if journalist_id else None
    form = forms.JournalistForm(obj=journalist)
    if request.method == "GET" and journalist is not None:
        form.languages.data = ", ".join(journalist.languages)
        form.beats.data = ", ".join(journalist.beats)
    if form.validate_on_submit():
        try:
            if journalist is None:
                journalist = services.create_journalist(
                    db.session, actor=actor(), now=utcnow(), data=_journalist_input(form)
                )
            else:
                services.update_journalist(
                    db.session,
                    actor=actor(),
                    now=utcnow(),
                    journalist=journalist,
                    data=_journalist_input(form),
                )
        except HeraldError as error:
            _form_error(form, error)
        else:
            target = url_for("press.journalist", journalist_id=journalist.id)
            return _done(gettext("The journalist was saved."), target)
    title = gettext("Edit journalist") if journalist else gettext("New journalist")
    return _form_page("press/form.html", form, title=title, cancel=url_for("press.journalists"))


def _journalist_page(journalist, *, affiliation_form=None, identity_form=None, merge_form=None):
    person = actor()
    coordinated = [
        trip
        for trip in queries.visible_trips(db.session, person)
        if can(person, "identity.manage", trip)
    ]
    affiliation_form = affiliation_form or forms.AffiliationForm(
        outlets=queries.list_outlets(db.session), prefix="affiliation"
    )
    identity_form = identity_form or forms.IdentityDocumentForm(
        trips=coordinated, admin=person.is_admin, prefix="identity"
    )
    merge_form = merge_form or forms.MergeForm(
        candidates=queries.possible_duplicates(db.session, journalist), prefix="merge"
    )
    status = 422 if (affiliation_form.errors or identity_form.errors or merge_form.errors) else 200
    page = render_template(
        "press/journalist.html",
        journalist=journalist,
        invitations=queries.invitations_of(db.session, journalist),
        documents=queries.readable_identity_documents(db.session, person, journalist),
        may_add_documents=person.is_admin or bool(coordinated),
        affiliation_form=affiliation_form,
        identity_form=identity_form,
        merge_form=merge_form,
        confirm_form=forms.ConfirmForm(),
        today=utcnow().date(),
    )
    return page, status


@blueprint.get("/journalists/<int:journalist_id>")
@login_required
def journalist(journalist_id: int):
    require(actor(), "journalist.view")
    return _journalist_page(queries.get_journalist(db.session, journalist_id))


@blueprint.post("/journalists/<int:journalist_id>/affiliations")
@login_required
def add_affiliation(journalist_id: int):
    require(actor(), "journalist.manage")
    journalist = queries.get_journalist(db.session, journalist_id)
    form = forms.AffiliationForm(outlets=queries.list_outlets(db.session), prefix="affiliation")
    if form.validate_on_submit():
        try:
            services.add_affiliation(
                db.session,
                actor=actor(),
                now=utcnow(),
                journalist=journalist,
                outlet=queries.get_outlet(db.session, _int(form.outlet.data)),
                role=form.role.data or "",
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
        except HeraldError as error:
            _form_error(form, error, aliases={"outlet_id": "outlet"})
        else:
            target = url_for("press.journalist", journalist_id=journalist.id)
            return _done(gettext("The affiliation was added."), target)
    return _journalist_page(journalist, affiliation_form=form)


@blueprint.post("/affiliations/<int:affiliation_id>/end")
@login_required
def end_affiliation(affiliation_id: int):
    require(actor(), "journalist.manage")
    affiliation = db.session.get(Affiliation, affiliation_id) or abort(404)
    target = url_for("press.journalist", journalist_id=affiliation.journalist_id)
    try:
        services.end_affiliation(
            db.session,
            actor=actor(),
            now=utcnow(),
            affiliation=affiliation,
            ends_on=utcnow().date(),
        )
    except HeraldError as error:
        return _failed(error, target)
    return _done(gettext("The affiliation was ended today."), target)


@blueprint.post("/journalists/<int:journalist_id>/identity")
@login_required
def add_identity_document(journalist_id: int):
    person = actor()
    require(person, "journalist.view")
    journalist = queries.get_journalist(db.session, journalist_id)
    coordinated = [
        trip
        for trip in queries.visible_trips(db.session, person)
        if can(person, "identity.manage", trip)
    ]
    if not person.is_admin and not coordinated:
        raise NotAllowed(N_("You are not allowed to do this."))
    form = forms.IdentityDocumentForm(trips=coordinated, admin=person.is_admin, prefix="identity")
    if form.validate_on_submit():
        upload = form.photo.data
        photo = upload.read(services.MAX_PHOTO_BYTES + 1) if upload else None
        trip_id = _int(form.trip.data)
        try:
            if trip_id is None and not person.is_admin:
                raise Invalid(N_("Choose the trip the document is for."), field="trip")
            services.add_identity_document(
                db.session,
                actor=person,
                now=utcnow(),
                journalist=journalist,
                trip=queries.get_trip(db.session, trip_id, actor=person) if trip_id else None,
                number=form.number.data or "",
                nationality=form.nationality.data or "",
                expires_on=form.expires_on.data,
                photo=photo or None,
                photo_type=upload.mimetype if upload else "",
            )
        except HeraldError as error:
            _form_error(form, error)
        else:
            target = url_for("press.journalist", journalist_id=journalist.id)
            return _done(gettext("The identity document was recorded."), target)
    return _journalist_page(journalist, identity_form=form)


def _readable_document(document_id: int) -> IdentityDocument:
    document = db.session.get(IdentityDocument, document_id)
    if document is None or not can(actor(), "identity.manage", document.trip):
        abort(404)
    return document


@blueprint.get("/identity/<int:document_id>/photo")
@login_required
def identity_photo(document_id: int):
    document = _readable_document(document_id)
    if not document.photo:
        abort(404)
    response = Response(document.photo, mimetype=document.photo_type)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/identity/<int:document_id>/delete")
@login_required
def delete_identity_document(document_id: int):
    document = _readable_document(document_id)
    target = url_for("press.journalist", journalist_id=document.journalist_id)
    services.delete_identity_document(db.session, actor=actor(), now=utcnow(), document=document)
    return _done(gettext("The identity document was deleted."), target)


@blueprint.get("/journalists/<int:journalist_id>/export.json")
@login_required
def export_journalist(journalist_id: int):
    journalist = queries.get_journalist(db.session, journalist_id)
    data = services.export_journalist(
        db.session, actor=actor(), now=utcnow(), journalist=journalist
    )
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="journalist-{journalist.id}.json"'
    )
    return response


@blueprint.post("/journalists/<int:journalist_id>/erase")
@login_required
def erase_journalist(journalist_id: int):
    journalist = queries.get_journalist(db.session, journalist_id)
    target = url_for("press.journalist", journalist_id=journalist.id)
    try:
        services.erase_journalist(db.session, actor=actor(), now=utcnow(), journalist=journalist)
    except HeraldError as error:
        return _failed(error, target)
    return _done(gettext("The journalist's personal data was erased."), target)


@blueprint.post("/journalists/<int:journalist_id>/merge")
@login_required
def merge_journalist(journalist_id: int):
    require(actor(), "journalist.manage")
    keep = queries.get_journalist(db.session, journalist_id)
    form = forms.MergeForm(candidates=queries.possible_duplicates(db.session, keep), prefix="merge")
    if form.validate_on_submit():
        try:
            duplicate = queries.get_journalist(db.session, _int(form.duplicate.data))
            services.merge_journalists(
                db.session, actor=actor(), now=utcnow(), keep=keep, duplicate=duplicate
            )
        except HeraldError as error:
            _form_error(form, error)
        else:
            target = url_for("press.journalist", journalist_id=keep.id)
            return _done(gettext("The duplicate was merged into this record."), target)
    return _journalist_page(keep, merge_form=form)


@blueprint.route("/journalists/import", methods=["GET", "POST"])
@login_required
def import_journalists():
    require(actor(), "journalist.manage")
    form = forms.ImportForm()
    preview = None
    if form.validate_on_submit():
        confirming = bool(form.content.data) and "confirm" in request.form
        try:
            if confirming:
                content = base64.b64decode(form.content.data.encode(), validate=True)
            else:
                upload = form.file.data
                content = upload.read(services.MAX_CSV_BYTES + 1) if upload else b""
        except (binascii.Error, ValueError):
            content = b""
        try:
            preview = services.import_journalists_csv(
                db.session, actor=actor(), now=utcnow(), content=content, apply=confirming
            )
        except Invalid as error:
            _form_error(form, error, aliases={"file": "file"})
        else:
            if confirming and preview.created:
                return _done(
                    gettext("%(count)d journalists were imported.", count=preview.created),
                    url_for("press.journalists"),
                )
            form.content.data = base64.b64encode(content).decode()
    status = 422 if form.errors or (preview is not None and not preview.valid) else 200
    return render_template(
        "press/import.html",
        form=form,
        preview=preview,
        columns=services.CSV_COLUMNS,
        translate=translate,
    ), status


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


def _linkable_events(around: datetime) -> list[Event]:
    since, until = around - timedelta(days=400), around + timedelta(days=800)
    return list(
        db.session.scalars(
            select(Event)
            .where(
                Event.status != EventStatus.CANCELLED,
                ((Event.starts_at >= since) & (Event.starts_at <= until))
                | ((Event.start_date >= since.date()) & (Event.start_date <= until.date())),
            )
            .order_by(Event.start_date, Event.starts_at)
            .limit(300)
        )
    )


def _trip_form(trip=None) -> forms.TripForm:
    return forms.TripForm(
        obj=trip,
        units=org_queries.all_units(db.session),
        people=queries.staff_candidates(db.session),
        events=_linkable_events(utcnow()),
    )


def _trip_input(form: forms.TripForm) -> trips.TripInput:
    return trips.TripInput(
        title=form.title.data or "",
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        host_unit_code=form.host_unit.data or "",
        timezone=(form.timezone.data or "").strip(),
        city=form.city.data or "",
        nominating_unit_codes=form.nominating_missions.data or [],
        coordinator_ids=_ints(form.coordinators.data),
        event_ids=_ints(form.events.data),
        theme=form.theme.data or "",
        key_messages=_lines(form.key_messages.data),
        budget_planned=form.budget_planned.data or None,
        budget_actual=form.budget_actual.data or None,
        currency=form.currency.data or "",
    )


_TRIP_ALIASES = {
    "host_unit_code": "host_unit",
    "nominating_unit_codes": "nominating_missions",
    "coordinator_ids": "coordinators",
    "event_ids": "events",
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
    if form.validate_on_submit():
        try:
            trip = trips.create_trip(db.session, actor=person, now=utcnow(), data=_trip_input(form))
        except HeraldError as error:
            _form_error(form, error, aliases=_TRIP_ALIASES)
        else:
            return _done(gettext("The trip was created."), url_for("press.trip", trip_id=trip.id))
    return _form_page(
        "press/form.html", form, title=gettext("New press trip"), cancel=url_for("press.trips_list")
    )


@blueprint.route("/trips/<int:trip_id>/edit", methods=["GET", "POST"])
@login_required
def edit_trip(trip_id: int):
    person = actor()
    trip = queries.get_trip(db.session, trip_id, actor=person)
    require(person, "trip.edit", trip)
    form = _trip_form(trip)
    if request.method == "GET":
        form.host_unit.data = trip.host_unit.code
        form.nominating_missions.data = [unit.code for unit in trip.nominating_missions]
        form.coordinators.data = [str(p.id) for p in trip.coordinators]
        form.events.data = [str(event.id) for event in trip.events]
        form.key_messages.data = "\n".join(trip.key_messages)
    if form.validate_on_submit():
        try:
            trips.update_trip(
                db.session, actor=person, now=utcnow(), trip=trip, data=_trip_input(form)
            )
        except HeraldError as error:
            _form_error(form, error, aliases=_TRIP_ALIASES)
        else:
            return _done(gettext("The trip was saved."), url_for("press.trip", trip_id=trip.id))
    return _form_page(
        "press/form.html",
        form,
        title=gettext("Edit %(title)s", title=trip.title),
        cancel=url_for("press.trip", trip_id=trip.id),
    )


def _feed_url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


@blueprint.get("/trips/<int:trip_id>")
@login_required
def trip(trip_id: int):
    person = actor()
    trip = queries.get_trip(db.session, trip_id, actor=person)
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
    return render_template(
        "press/trip.html",
        trip=trip,
        editable=editable,
        may_nominate=can(person, "trip.nominate", trip),
        clashes=_clash_texts(queries.trip_clashes(db.session, trip)),
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
        interview_next=_all_next(rules.INTERVIEW_TRANSITIONS),
        staff_link=staff_link,
        journalist_links=journalist_links,
        confirm_form=forms.ConfirmForm(),
        replace_form=forms.ReplaceForm(
            journalists=queries.search_journalists(db.session), prefix="replace"
        ),
        schedule_form=forms.ScheduleInterviewForm(items=trip.items, prefix="schedule"),
        delay_form=forms.DelayForm(prefix="delay"),
        coverage_count=len(queries.coverage_of_trip(db.session, trip)),
        local=lambda instant, zone: to_zone(instant, zone) if instant else None,
    )


@blueprint.post("/trips/<int:trip_id>/status")
@login_required
def trip_status(trip_id: int):
    trip = queries.get_trip(db.session, trip_id, actor=actor())
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
        return _failed(error, target)
    return _done(gettext("The trip's status was changed."), target)


# --- invitations -------------------------------------------------------------------------------


@blueprint.route("/trips/<int:trip_id>/invitations/new", methods=["GET", "POST"])
@login_required
def nominate(trip_id: int):
    person = actor()
    trip = queries.get_trip(db.session, trip_id, actor=person)
    require(person, "trip.nominate", trip)
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
                journalist=queries.get_journalist(db.session, _int(form.journalist.data)),
                nominated_by_code=form.nominated_by.data or None,
                confirm_clashes=bool(form.confirm_clashes.data),
            )
        except trips.ClashWarning as warning:
            db.session.rollback()
            clashes = _clash_texts(warning.clashes)
        except HeraldError as error:
            _form_error(form, error)
        else:
            return _done(
                gettext("The journalist was nominated."), url_for("press.trip", trip_id=trip.id)
            )
    if not clashes:
        del form.confirm_clashes
    return _form_page(
        "press/form.html",
        form,
        title=gettext("Nominate a journalist for %(title)s", title=trip.title),
        cancel=url_for("press.trip", trip_id=trip.id),
        clashes=clashes,
    )


@blueprint.post("/invitations/<int:invitation_id>/status")
@login_required
def invitation_status(invitation_id: int):
    invitation = queries.get_invitation(db.session, invitation_id, actor=actor())
    target = url_for("press.trip", trip_id=invitation.trip_id) + "#participants"
    status = request.form.get("status", "")
    replacement = None
    if status == "replaced" and _int(request.form.get("replace-replacement")):
        replacement = queries.get_journalist(
            db.session, _int(request.form.get("replace-replacement"))
        )
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
        return _failed(error, target)
    return _done(gettext("The invitation was updated."), target)


@blueprint.post("/invitations/<int:invitation_id>/visa")
@login_required
def visa_status(invitation_id: int):
    invitation = queries.get_invitation(db.session, invitation_id, actor=actor())
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
        return _failed(error, target)
    return _done(gettext("The visa case was updated."), target)


@blueprint.route("/invitations/<int:invitation_id>/logistics", methods=["GET", "POST"])
@login_required
def logistics(invitation_id: int):
    person = actor()
    invitation = queries.get_invitation(db.session, invitation_id, actor=person)
    require(person, "trip.edit", invitation.trip)
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
            _form_error(form, error)
        else:
            target = url_for("press.trip", trip_id=invitation.trip_id) + "#participants"
            return _done(gettext("The logistics were saved."), target)
    return _form_page(
        "press/form.html",
        form,
        title=gettext("Logistics: %(name)s", name=invitation.journalist.display_name()),
        lead=gettext("Times are local to the trip (%(zone)s).", zone=zone),
        cancel=url_for("press.trip", trip_id=invitation.trip_id),
    )


@blueprint.get("/invitations/<int:invitation_id>/<kind>.pdf")
@login_required
def letter(invitation_id: int, kind: str):
    person = actor()
    invitation = queries.get_invitation(db.session, invitation_id, actor=person)
    require(person, "trip.edit", invitation.trip)
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


# --- itinerary ---------------------------------------------------------------------------------


def _item_form(trip, item=None) -> forms.ItemForm:
    return forms.ItemForm(
        obj=item, people=queries.staff_candidates(db.session), invitations=trip.invitations
    )


def _item_input(form: forms.ItemForm) -> trips.ItemInput:
    return trips.ItemInput(
        activity=form.activity.data or "",
        starts_local=form.starts_local.data,
        ends_local=form.ends_local.data,
        timezone=(form.timezone.data or "").strip(),
        place=form.place.data or "",
        city=form.city.data or "",
        interviewee=form.interviewee.data or "",
        escort_id=_int(form.escort.data),
        interpreter_id=_int(form.interpreter.data),
        participant_ids=_ints(form.participants.data),
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
    item = queries.get_item(db.session, item_id, actor=person) if item_id else None
    trip = item.trip if item else queries.get_trip(db.session, trip_id, actor=person)
    require(person, "trip.edit", trip)
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
                trips.create_itinerary_item(
                    db.session,
                    actor=person,
                    now=utcnow(),
                    trip=trip,
                    data=_item_input(form),
                    confirm_clashes=confirm,
                )
            else:
                trips.update_itinerary_item(
                    db.session,
                    actor=person,
                    now=utcnow(),
                    item=item,
                    data=_item_input(form),
                    confirm_clashes=confirm,
                )
        except trips.ClashWarning as warning:
            db.session.rollback()
            clashes = _clash_texts(warning.clashes)
        except HeraldError as error:
            _form_error(form, error, aliases=_ITEM_ALIASES)
        else:
            target = url_for("press.trip", trip_id=trip.id) + "#itinerary"
            return _done(gettext("The itinerary item was saved."), target)
    if not clashes:
        del form.confirm_clashes
    return _form_page(
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
    item = queries.get_item(db.session, item_id, actor=actor())
    target = url_for("press.trip", trip_id=item.trip_id) + "#itinerary"
    try:
        trips.change_item_status(
            db.session,
            actor=actor(),
            now=utcnow(),
            item=item,
            status=request.form.get("status", ""),
        )
    except HeraldError as error:
        return _failed(error, target)
    return _done(gettext("The itinerary item was updated."), target)


@blueprint.post("/items/<int:item_id>/delay")
@login_required
def delay_item(item_id: int):
    item = queries.get_item(db.session, item_id, actor=actor())
    target = url_for("press.trip", trip_id=item.trip_id) + "#itinerary"
    try:
        trips.delay_itinerary_item(
            db.session,
            actor=actor(),
            now=utcnow(),
            item=item,
            minutes=_int(request.form.get("delay-minutes")) or 0,
        )
    except HeraldError as error:
        return _failed(error, target)
    return _done(gettext("The item was moved; calendars follow on their next refresh."), target)


# --- interviews --------------------------------------------------------------------------------


@blueprint.route("/trips/<int:trip_id>/interviews/new", methods=["GET", "POST"])
@login_required
def new_interview(trip_id: int):
    person = actor()
    trip = queries.get_trip(db.session, trip_id, actor=person)
    require(person, "trip.edit", trip)
    form = forms.InterviewForm(journalists=[i.journalist for i in trip.invitations])
    if form.validate_on_submit():
        try:
            trips.request_interview(
                db.session,
                actor=person,
                now=utcnow(),
                trip=trip,
                journalist=queries.get_journalist(db.session, _int(form.journalist.data)),
                interviewee=form.interviewee.data or "",
                subject=form.subject.data or "",
            )
        except HeraldError as error:
            _form_error(form, error, aliases={"journalist_id": "journalist"})
        else:
            target = url_for("press.trip", trip_id=trip.id) + "#interviews"
            return _done(gettext("The interview request was recorded."), target)
    return _form_page(
        "press/form.html",
        form,
        title=gettext("Interview request for %(title)s", title=trip.title),
        cancel=url_for("press.trip", trip_id=trip.id),
    )


@blueprint.post("/interviews/<int:interview_id>/status")
@login_required
def interview_status(interview_id: int):
    interview = queries.get_interview(db.session, interview_id, actor=actor())
    target = url_for("press.trip", trip_id=interview.trip_id) + "#interviews"
    item_id = _int(request.form.get("schedule-item"))
    try:
        trips.change_interview_status(
            db.session,
            actor=actor(),
            now=utcnow(),
            request=interview,
            status=request.form.get("status", ""),
            item=queries.get_item(db.session, item_id) if item_id else None,
        )
    except HeraldError as error:
        return _failed(error, target)
    return _done(gettext("The interview request was updated."), target)


# --- report ------------------------------------------------------------------------------------


@blueprint.get("/trips/<int:trip_id>/report")
@blueprint.get("/trips/<int:trip_id>/report.<fmt>")
@login_required
def trip_report(trip_id: int, fmt: str | None = None):
    person = actor()
    require(person, "coverage.view")
    trip = queries.get_trip(db.session, trip_id, actor=person)
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
        trip_id=_int(request.args.get("trip")),
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
        coverage_next=_all_next(rules.COVERAGE_TRANSITIONS),
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
    )


def _coverage_input(form: forms.CoverageForm) -> coverage.CoverageInput:
    return coverage.CoverageInput(
        url=form.url.data or "",
        trip_id=_int(form.trip.data),
        journalist_id=_int(form.journalist.data),
        outlet_id=_int(form.outlet.data),
        published_on=form.published_on.data,
        language=form.language.data or "",
        headline=form.headline.data or "",
        headline_translation=form.headline_translation.data or "",
        tone=form.tone.data or None,
        key_messages=(form.key_messages.data if form.key_messages else None) or [],
        estimated_reach=form.estimated_reach.data,
    )


_COVERAGE_ALIASES = {"trip_id": "trip", "journalist_id": "journalist", "outlet_id": "outlet"}


@blueprint.route("/coverage/new", methods=["GET", "POST"])
@login_required
def new_coverage():
    person = actor()
    require(person, "press.view")
    if request.method == "POST" and not _may_log_coverage(
        person, queries.visible_trips(db.session, person)
    ):
        raise NotAllowed(N_("You are not allowed to do this."))
    trip_id = _int(request.values.get("trip"))
    form = _coverage_form(trip_id)
    if request.method == "GET" and trip_id:
        form.trip.data = str(trip_id)
    if not form.key_messages.choices:
        del form.key_messages
    if form.validate_on_submit():
        try:
            item, created = coverage.record_coverage(
                db.session, actor=person, now=utcnow(), data=_coverage_input(form)
            )
        except HeraldError as error:
            _form_error(form, error, aliases=_COVERAGE_ALIASES)
        else:
            message = (
                gettext("The coverage item was recorded.")
                if created
                else gettext("This link was already recorded; here it is.")
            )
            return _done(
                message,
                url_for("press.coverage_list", trip=item.trip_id or "") + f"#coverage-{item.id}",
            )
    return _form_page(
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
    require(person, "coverage.verify")
    item = queries.get_coverage_item(db.session, item_id, actor=person)
    form = _coverage_form(item.trip_id, item)
    if request.method == "GET":
        form.trip.data = str(item.trip_id or "")
        form.journalist.data = str(item.journalist_id or "")
        form.outlet.data = str(item.outlet_id or "")
        form.tone.data = item.tone or ""
    if not form.key_messages.choices:
        del form.key_messages
    if form.validate_on_submit():
        try:
            coverage.update_coverage(
                db.session, actor=person, now=utcnow(), item=item, data=_coverage_input(form)
            )
        except HeraldError as error:
            _form_error(form, error, aliases=_COVERAGE_ALIASES)
        else:
            return _done(gettext("The coverage item was saved."), url_for("press.coverage_list"))
    return _form_page(
        "press/form.html",
        form,
        title=gettext("Edit coverage"),
        cancel=url_for("press.coverage_list"),
    )


@blueprint.post("/coverage/<int:item_id>/status")
@login_required
def coverage_status(item_id: int):
    item = queries.get_coverage_item(db.session, item_id, actor=actor())
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
        return _failed(error, target)
    return _done(gettext("The coverage item was updated."), target)


# --- letterheads and settings ------------------------------------------------------------------


@blueprint.route("/letterheads/<code>", methods=["GET", "POST"])
@login_required
def letterhead(code: str):
    person = actor()
    unit = org_queries.get_unit(db.session, code, actor=person)
    require(person, "letterhead.manage", unit)
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
            _form_error(form, error)
        else:
            return _done(gettext("The letterhead was saved."), url_for("press.trips_list"))
    return _form_page(
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
        form.days.data = services.identity_retention_days(db.session)
    if form.validate_on_submit():
        try:
            services.set_identity_retention_days(
                db.session, actor=actor(), now=utcnow(), days=form.days.data
            )
        except HeraldError as error:
            _form_error(form, error)
        else:
            return _done(gettext("The retention period was saved."), url_for("press.settings"))
    return _form_page(
        "press/form.html",
        form,
        title=gettext("Press programme settings"),
        cancel=url_for("press.trips_list"),
    )


# --- itinerary feeds (no session: the signed link is the credential) --------------------------


def _ics(body: bytes, name: str):
    etag = hashlib.sha256(body).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="text/calendar")
        response.headers["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response.set_etag(etag)
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
    return _ics(feeds.staff_feed(trip), f"trip-{trip.id}")


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
    return _ics(feeds.journalist_feed(invitation), f"trip-{invitation.trip_id}")


@blueprint.context_processor
def press_labels() -> dict:
    return {
        "OUTLET_KINDS": labels.OUTLET_KIND_LABELS,
        "TRIP_STATUSES": labels.TRIP_STATUS_LABELS,
        "INVITATION_STATUSES": labels.INVITATION_STATUS_LABELS,
        "VISA_STATUSES": labels.VISA_STATUS_LABELS,
        "ACCREDITATIONS": labels.ACCREDITATION_LABELS,
        "ITEM_STATUSES": labels.ITEM_STATUS_LABELS,
        "INTERVIEW_STATUSES": labels.INTERVIEW_STATUS_LABELS,
        "TONES": labels.TONE_LABELS,
        "COVERAGE_STATUSES": labels.COVERAGE_STATUS_LABELS,
    }
