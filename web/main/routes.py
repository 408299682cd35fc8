"""The dashboard and the sections that later work fills."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, render_template
from flask_login import login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from campaigns.calendar import queries as calendar_queries
from campaigns.db import utcnow
from campaigns.org import queries
from campaigns.permissions import require
from campaigns.timezones import to_zone
from web.account.forms import EmptyForm
from web.extensions import db
from web.security import actor

log = logging.getLogger(__name__)
blueprint = Blueprint("main", __name__)

# Sections of the navigation that are not built yet, with what they will hold. Each page says
# so plainly instead of showing an empty or fake screen.
UPCOMING_SECTIONS = ("campaigns", "channels", "reports")


@blueprint.get("/")
@login_required
def dashboard():
    person = actor()
    require(person, "dashboard.view")
    units = queries.visible_units(db.session, person)
    return render_template(
        "main/dashboard.html",
        person=person,
        units=units,
        tasks=calendar_queries.open_planning_tasks(db.session, person),
        today=to_zone(utcnow(), person.timezone).date(),
        task_form=EmptyForm(),
    )


@blueprint.get("/section/<name>")
@login_required
def section(name: str):
    if name not in UPCOMING_SECTIONS:
        abort(404)
    require(actor(), "dashboard.view")
    return render_template("main/upcoming.html", section=name)


@blueprint.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        log.exception("health check: the database did not answer")
        database = "unreachable"
    status = 200 if database == "ok" else 503
    return {"database": database, "status": "ok" if status == 200 else "degraded"}, status


@blueprint.get("/units")
@login_required
def unit_directory():
    person = actor()
    require(person, "units.list")
    return render_template("main/units.html", units=queries.visible_units(db.session, person))


@blueprint.get("/units/<code>")
@login_required
def unit_page(code: str):
    person = actor()
    unit = queries.get_unit(db.session, code, actor=person)
    members = queries.visible_people(db.session, person, unit_code=unit.code)
    return render_template("main/unit.html", unit=unit, members=members)
