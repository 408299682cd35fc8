"""The dashboard and the sections that later work fills."""

from __future__ import annotations

import hmac
import ipaddress
import logging

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from campaigns.calendar import queries as calendar_queries
from campaigns.db import utcnow
from campaigns.health import queries as health_queries
from campaigns.org import queries
from campaigns.org.models import Unit
from campaigns.permissions import can, require
from campaigns.social import chains
from campaigns.timezones import to_zone
from web.account.forms import EmptyForm
from web.campaigns.forms import clearance_policy_form
from web.extensions import db
from web.loading import load_for
from web.security import actor
from web.telemetry import metrics_response

log = logging.getLogger(__name__)
blueprint = Blueprint("main", __name__)

# Sections of the navigation that are not built yet, with what they will hold. Each page says
# so plainly instead of showing an empty or fake screen.
UPCOMING_SECTIONS: tuple[str, ...] = ()
# Sections built since: their old address leads to them.
BUILT_SECTIONS = {"reports": "reports.index"}


@blueprint.get("/")
@login_required
def dashboard():
    person = actor()
    require(person, "dashboard.view")
    return render_template(
        "main/dashboard.html",
        person=person,
        unit_count=queries.count_visible_units(db.session, person),
        tasks=calendar_queries.open_planning_tasks(db.session, person),
        today=to_zone(utcnow(), person.timezone).date(),
        task_form=EmptyForm(),
    )


@blueprint.get("/section/<name>")
@login_required
def section(name: str):
    if name in BUILT_SECTIONS:
        return redirect(url_for(BUILT_SECTIONS[name]))
    if name not in UPCOMING_SECTIONS:
        abort(404)
    require(actor(), "dashboard.view")
    return render_template("main/upcoming.html", section=name)


def _bearer_matches(setting: str) -> bool:
    """The request's bearer token equals the configured one (never when none is configured)."""
    expected = current_app.config.get(setting) or ""
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    if not expected or scheme.lower() != "bearer" or not token.strip():
        return False
    return hmac.compare_digest(token.strip().encode(), expected.encode())


def _health_detail_allowed() -> bool:
    if _bearer_matches("HERALD_HEALTH_TOKEN"):
        return True
    return bool(current_user.is_authenticated and current_user.person.is_admin)


def _database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True


@blueprint.get("/healthz")
def healthz():
    """200 whenever the database answers, 503 only when it does not; "status" says whether the
    scheduler, workers and channels are all well. Anyone gets the status; the detail (hosts,
    process ids, channel names) only a signed-in admin or the bearer of HERALD_HEALTH_TOKEN."""
    try:
        report = health_queries.health_report(db.session, now=utcnow())
    except Exception:
        db.session.rollback()
        # Asked only when the report failed: a healthy answer costs the report's queries alone.
        if not _database_answers():
            log.exception("health check: the database did not answer")
            if not _health_detail_allowed():
                return {"status": "degraded"}, 503
            return {"database": "unreachable", "status": "degraded"}, 503
        # The database answers: that much is healthy; the log says the rest.
        log.exception("health check: the report failed")
        if not _health_detail_allowed():
            return {"status": "degraded"}, 200
        return {"database": "ok", "status": "degraded", "detail": "report unavailable"}, 200
    well = (
        report["scheduler"]["alive"]
        and report["workers"]["alive"]
        and not report["broken_channels"]
    )
    status = "ok" if well else "degraded"
    if not _health_detail_allowed():
        return {"status": status}, 200
    return {**report, "status": status}, 200


def _metrics_address_allowed() -> bool:
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in current_app.config["HERALD_METRICS_ALLOW"])


@blueprint.get("/metrics")
def metrics():
    """Prometheus text format: publications by status and due, attempts by outcome, platform
    errors by kind, living workers and scheduler, broken channels, backlogs (read from the
    database), and the processes' own figures: request latency by endpoint, dispatch lateness,
    bot updates. Counts only, nothing that names anyone; for the bearer of HERALD_METRICS_TOKEN
    or an address in HERALD_METRICS_ALLOW (loopback by default)."""
    if not (_bearer_matches("HERALD_METRICS_TOKEN") or _metrics_address_allowed()):
        return Response(
            "# forbidden: see HERALD_METRICS_TOKEN, HERALD_METRICS_ALLOW\n",
            403,
            mimetype="text/plain",
        )
    try:
        samples = health_queries.runtime_metrics(db.session, now=utcnow())
    except SQLAlchemyError:
        log.exception("metrics: the database did not answer")
        db.session.rollback()
        return Response("# the database did not answer\n", 503, mimetype="text/plain")
    return metrics_response(samples)


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
    unit = load_for("unit.view", Unit, code)
    members = queries.visible_people(db.session, person, unit_code=unit.code)
    return render_template(
        "main/unit.html",
        unit=unit,
        members=members,
        clearance_steps=chains.policy_steps(unit.clearance_policy),
        policy_form=clearance_policy_form(unit.clearance_policy, queries.all_units(db.session))
        if can(person, "clearance_policy.manage", unit)
        else None,
    )
