"""Journalists and outlets: search, records, affiliations, identity documents (restricted),
export and erasure, merging duplicates, CSV import."""

from __future__ import annotations

import base64
import binascii
import json

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from campaigns.db import parse_id, utcnow
from campaigns.errors import HeraldError, Invalid, NotAllowed
from campaigns.i18n import N_
from campaigns.permissions import can, require
from campaigns.press import csv_import, privacy, queries, rules, services
from campaigns.press.models import Affiliation, IdentityDocument, Journalist, Outlet, Trip
from campaigns.spreadsheets import MAX_CSV_BYTES
from web.extensions import db
from web.i18n import translate
from web.imports.routes import start as start_import
from web.loading import load_for
from web.press import forms
from web.press.common import blueprint, done, failed, form_error, form_page, to_int
from web.security import actor

JOURNALISTS_PER_PAGE = 100
MAX_PAGE = 1_000_000


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
    outlet = load_for("outlet.manage", Outlet, outlet_id) if outlet_id else None
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
            form_error(form, error)
        else:
            return done(gettext("The outlet was saved."), url_for("press.outlets"))
    title = gettext("Edit outlet") if outlet else gettext("New outlet")
    return form_page("press/form.html", form, title=title, cancel=url_for("press.outlets"))


# --- journalists -------------------------------------------------------------------------------


@blueprint.get("/journalists")
@login_required
def journalists():
    require(actor(), "journalist.view")
    wanted = queries.JournalistFilter(
        text=request.args.get("q") or None,
        country=request.args.get("country") or None,
        outlet_id=to_int(request.args.get("outlet")),
        language=request.args.get("language") or None,
        beat=request.args.get("beat") or None,
    )
    # A big office keeps thousands: a page of them at a time (past the last one, an empty page).
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_PAGE)
    listed = queries.journalists_page(db.session, wanted, page=page, per_page=JOURNALISTS_PER_PAGE)
    return render_template(
        "press/journalists.html",
        journalists=listed.journalists,
        listed=listed,
        outlets=queries.list_outlets(db.session),
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
    journalist = load_for("journalist.manage", Journalist, journalist_id) if journalist_id else None
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
            form_error(form, error)
        else:
            target = url_for("press.journalist", journalist_id=journalist.id)
            return done(gettext("The journalist was saved."), target)
    title = gettext("Edit journalist") if journalist else gettext("New journalist")
    return form_page("press/form.html", form, title=title, cancel=url_for("press.journalists"))


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
    return _journalist_page(load_for("journalist.view", Journalist, journalist_id))


@blueprint.post("/journalists/<int:journalist_id>/affiliations")
@login_required
def add_affiliation(journalist_id: int):
    journalist = load_for("journalist.manage", Journalist, journalist_id)
    form = forms.AffiliationForm(outlets=queries.list_outlets(db.session), prefix="affiliation")
    if form.validate_on_submit():
        try:
            services.add_affiliation(
                db.session,
                actor=actor(),
                now=utcnow(),
                journalist=journalist,
                outlet=load_for(None, Outlet, to_int(form.outlet.data)),
                role=form.role.data or "",
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
        except HeraldError as error:
            form_error(form, error, aliases={"outlet_id": "outlet"})
        else:
            target = url_for("press.journalist", journalist_id=journalist.id)
            return done(gettext("The affiliation was added."), target)
    return _journalist_page(journalist, affiliation_form=form)


@blueprint.post("/affiliations/<int:affiliation_id>/end")
@login_required
def end_affiliation(affiliation_id: int):
    affiliation = load_for("journalist.manage", Affiliation, affiliation_id)
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
        return failed(error, target)
    return done(gettext("The affiliation was ended today."), target)


@blueprint.post("/journalists/<int:journalist_id>/identity")
@login_required
def add_identity_document(journalist_id: int):
    person = actor()
    journalist = load_for("journalist.view", Journalist, journalist_id)
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
        photo = upload.read(privacy.MAX_PHOTO_BYTES + 1) if upload else None
        trip_id = to_int(form.trip.data)
        try:
            if trip_id is None and not person.is_admin:
                raise Invalid(N_("Choose the trip the document is for."), field="trip")
            privacy.add_identity_document(
                db.session,
                actor=person,
                now=utcnow(),
                journalist=journalist,
                trip=load_for(None, Trip, trip_id) if trip_id else None,
                number=form.number.data or "",
                nationality=form.nationality.data or "",
                expires_on=form.expires_on.data,
                photo=photo or None,
                photo_type=upload.mimetype if upload else "",
            )
        except HeraldError as error:
            form_error(form, error)
        else:
            target = url_for("press.journalist", journalist_id=journalist.id)
            return done(gettext("The identity document was recorded."), target)
    return _journalist_page(journalist, identity_form=form)


@blueprint.get("/identity/<int:document_id>/photo")
@login_required
def identity_photo(document_id: int):
    document = load_for("identity.manage", IdentityDocument, document_id)
    if not document.photo:
        abort(404)
    response = Response(document.photo, mimetype=document.photo_type)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.post("/identity/<int:document_id>/delete")
@login_required
def delete_identity_document(document_id: int):
    document = load_for("identity.manage", IdentityDocument, document_id)
    target = url_for("press.journalist", journalist_id=document.journalist_id)
    privacy.delete_identity_document(db.session, actor=actor(), now=utcnow(), document=document)
    return done(gettext("The identity document was deleted."), target)


@blueprint.get("/journalists/<int:journalist_id>/export.json")
@login_required
def export_journalist(journalist_id: int):
    journalist = load_for("journalist.erase", Journalist, journalist_id)
    data = privacy.export_journalist(db.session, actor=actor(), now=utcnow(), journalist=journalist)
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
    journalist = load_for("journalist.erase", Journalist, journalist_id)
    target = url_for("press.journalist", journalist_id=journalist.id)
    try:
        privacy.erase_journalist(db.session, actor=actor(), now=utcnow(), journalist=journalist)
    except HeraldError as error:
        return failed(error, target)
    return done(gettext("The journalist's personal data was erased."), target)


@blueprint.post("/journalists/<int:journalist_id>/merge")
@login_required
def merge_journalist(journalist_id: int):
    keep = load_for("journalist.manage", Journalist, journalist_id)
    form = forms.MergeForm(candidates=queries.possible_duplicates(db.session, keep), prefix="merge")
    if form.validate_on_submit():
        try:
            duplicate = load_for(None, Journalist, to_int(form.duplicate.data))
            services.merge_journalists(
                db.session, actor=actor(), now=utcnow(), keep=keep, duplicate=duplicate
            )
        except HeraldError as error:
            form_error(form, error)
        else:
            target = url_for("press.journalist", journalist_id=keep.id)
            return done(gettext("The duplicate was merged into this record."), target)
    return _journalist_page(keep, merge_form=form)


# The preview lists this many rows that need a look (errors, matches, repeats); counts cover all.
PREVIEW_ROWS = 500


def _row_choices() -> dict[int, str]:
    """What the person chose per row in the preview (``row-<line>``); "" keeps the default."""
    choices = {}
    for name, value in request.form.items():
        line = parse_id(name.removeprefix("row-")) if name.startswith("row-") else None
        if line is not None and value in set(csv_import.RowAction):
            choices[line] = value
    return choices


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
                content = upload.read(MAX_CSV_BYTES + 1) if upload else b""
                form.filename.data = (upload.filename or "")[:255] if upload else ""
        except (binascii.Error, ValueError):
            content = b""
        on_match = form.on_match.data or csv_import.RowAction.UPDATE
        try:
            if confirming:
                job = csv_import.queue_journalist_import(
                    db.session,
                    actor=actor(),
                    now=utcnow(),
                    content=content,
                    filename=form.filename.data or "",
                    on_match=on_match,
                    choices=_row_choices(),
                )
                db.session.commit()
                return redirect(start_import(job), code=303)
            preview = csv_import.import_journalists_csv(
                db.session, actor=actor(), now=utcnow(), content=content, on_match=on_match
            )
        except Invalid as error:
            form_error(form, error, aliases={"file": "file"})
        else:
            form.content.data = base64.b64encode(content).decode()
    status = 422 if form.errors or (preview is not None and not preview.valid) else 200
    attention = []
    if preview is not None:
        attention = [row for row in preview.rows if row.errors or row.needs_choice]
    return render_template(
        "press/import.html",
        form=form,
        preview=preview,
        attention=attention[:PREVIEW_ROWS],
        unlisted=max(0, len(attention) - PREVIEW_ROWS),
        columns=csv_import.CSV_COLUMNS,
        translate=translate,
    ), status
