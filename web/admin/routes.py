"""Administration: units, people and the audit log. Admins only."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import login_required

from campaigns.db import utcnow
from campaigns.errors import HeraldError
from campaigns.org import queries, services
from campaigns.org.models import Person, Unit
from campaigns.permissions import require
from web.admin.forms import AuditFilterForm, PersonForm, UnitForm
from web.extensions import db
from web.forms import show_domain_error
from web.loading import load_for
from web.security import actor

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_PAGE_SIZE = 50
MAX_AUDIT_PAGE = 1_000_000


@blueprint.get("/")
@login_required
def index():
    require(actor(), "unit.manage")
    return render_template("admin/index.html")


# --- units -------------------------------------------------------------------------------------


@blueprint.get("/units")
@login_required
def units():
    require(actor(), "unit.manage")
    return render_template("admin/units.html", units=queries.all_units(db.session))


def _unit_fields(form: UnitForm) -> dict:
    return {
        "code": form.code.data or "",
        "name_vi": form.name_vi.data or "",
        "name_en": form.name_en.data or "",
        "kind": form.kind.data or "",
        "country": form.country.data or "",
        "timezone": form.timezone.data or "",
        "parent_code": form.parent.data or None,
    }


@blueprint.route("/units/new", methods=["GET", "POST"])
@login_required
def new_unit():
    require(actor(), "unit.manage")
    form = UnitForm(units=queries.all_units(db.session))
    if form.validate_on_submit():
        try:
            unit = services.create_unit(
                db.session, actor=actor(), now=utcnow(), **_unit_fields(form)
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error, aliases={"parent_code": "parent"})
        else:
            db.session.commit()
            flash(gettext("Unit %(code)s was created.", code=unit.code), "success")
            return redirect(url_for("admin.units"))
    elif request.method == "GET":
        form.timezone.data = "Asia/Ho_Chi_Minh"
        form.country.data = "VN"
    status = 422 if form.errors else 200
    return render_template("admin/unit_form.html", form=form, unit=None), status


@blueprint.route("/units/<code>/edit", methods=["GET", "POST"])
@login_required
def edit_unit(code: str):
    require(actor(), "unit.manage")
    unit = load_for("unit.manage", Unit, code)
    others = [other for other in queries.all_units(db.session) if other.id != unit.id]
    form = UnitForm(obj=unit, units=others)
    if request.method == "GET":
        form.parent.data = unit.parent.code if unit.parent else ""
    if form.validate_on_submit():
        try:
            services.update_unit(
                db.session, actor=actor(), now=utcnow(), unit=unit, **_unit_fields(form)
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error, aliases={"parent_code": "parent"})
        else:
            db.session.commit()
            flash(gettext("Unit %(code)s was saved.", code=unit.code), "success")
            return redirect(url_for("admin.units"))
    status = 422 if form.errors else 200
    return render_template("admin/unit_form.html", form=form, unit=unit), status


# --- people ------------------------------------------------------------------------------------


@blueprint.get("/people")
@login_required
def people():
    person = actor()
    require(person, "person.manage")
    active_filter = request.args.get("active")
    found = queries.visible_people(
        db.session,
        person,
        unit_code=request.args.get("unit") or None,
        role=request.args.get("role") or None,
        search=request.args.get("q") or None,
        active={"yes": True, "no": False}.get(active_filter or ""),
    )
    return render_template(
        "admin/people.html", people=found, units=queries.all_units(db.session), args=request.args
    )


def _person_fields(form: PersonForm) -> dict:
    return {
        "name": form.name.data or "",
        "email": form.email.data or "",
        "role": form.role.data or "",
        "unit_code": form.unit.data or None,
        "locale": form.locale.data or "",
        "timezone": form.timezone.data or "",
        "active": bool(form.active.data),
        "legal_reviewer": bool(form.legal_reviewer.data),
    }


@blueprint.route("/people/new", methods=["GET", "POST"])
@login_required
def new_person():
    require(actor(), "person.manage")
    form = PersonForm(units=queries.all_units(db.session))
    if form.validate_on_submit():
        try:
            person = services.create_person(
                db.session,
                actor=actor(),
                now=utcnow(),
                password=form.password.data or None,
                **_person_fields(form),
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(gettext("%(name)s was added.", name=person.name), "success")
            return redirect(url_for("admin.people"))
    elif request.method == "GET":
        form.timezone.data = "Asia/Ho_Chi_Minh"
        form.role.data = "editor"
    status = 422 if form.errors else 200
    return render_template("admin/person_form.html", form=form, person=None), status


@blueprint.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
def edit_person(person_id: int):
    require(actor(), "person.manage")
    person = load_for("person.manage", Person, person_id)
    form = PersonForm(obj=person, units=queries.all_units(db.session))
    if request.method == "GET":
        form.unit.data = person.unit.code if person.unit else ""
    if form.validate_on_submit():
        try:
            services.update_person(
                db.session, actor=actor(), now=utcnow(), person=person, **_person_fields(form)
            )
            if form.password.data:
                services.set_password(
                    db.session,
                    actor=actor(),
                    now=utcnow(),
                    person=person,
                    new_password=form.password.data,
                )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error, aliases={"new_password": "password"})
        else:
            db.session.commit()
            flash(gettext("%(name)s was saved.", name=person.name), "success")
            return redirect(url_for("admin.people"))
    status = 422 if form.errors else 200
    return render_template("admin/person_form.html", form=form, person=person), status


# --- audit log ---------------------------------------------------------------------------------


@blueprint.get("/audit")
@login_required
def audit():
    require(actor(), "audit.view")
    form = AuditFilterForm(request.args)
    form.validate()
    # Past the last page the list is empty; a page number beyond any offset is not an error.
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_AUDIT_PAGE)
    audit_filter = queries.AuditFilter(
        target_type=form.target_type.data or None,
        action=(form.action.data or "").strip() or None,
        actor_email=(form.actor_email.data or "").strip() or None,
        door=form.door.data or None,
        since=form.since.data if not form.since.errors else None,
        until=form.until.data if not form.until.errors else None,
        text=(form.text.data or "").strip() or None,
    )
    entries, total = queries.audit_entries(
        db.session, audit_filter, limit=AUDIT_PAGE_SIZE, offset=(page - 1) * AUDIT_PAGE_SIZE
    )
    pages = max(1, -(-total // AUDIT_PAGE_SIZE))
    return render_template(
        "admin/audit.html", form=form, entries=entries, total=total, page=page, pages=pages
    )
