"""Effectiveness criteria sets and unit scores, in the Reports section: administrators define
the sets; admins and coordinators see every unit's ranking; everyone else sees their own unit's
score, its explanation and its period report (page, PDF, CSV, XLSX), and nothing of the others.

The criteria form adds and removes rows on the server (an "Add a row" button, a "Remove" box
per row), so it needs no script.
"""

from __future__ import annotations

from datetime import date

from babel import numbers
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale, gettext
from flask_login import login_required

from campaigns.db import parse_id, utcnow
from campaigns.errors import Invalid, NotFound
from campaigns.i18n import N_
from campaigns.metrics import criteria, scoring, unit_report
from campaigns.metrics.criteria import CriterionInput
from campaigns.metrics.models import CriteriaSet
from campaigns.org.models import LOCALES, Unit
from campaigns.permissions import can, require
from web.extensions import db
from web.i18n import LANGUAGES, field_errors
from web.loading import load_for
from web.reports.routes import FORMATS, render_document, send_document
from web.security import actor

blueprint = Blueprint("scores", __name__, url_prefix="/reports/scores")

# The most rows the criteria form keeps (the catalogue has fewer measures than this).
MAX_ROWS = 20


def _locale() -> str:
    return str(get_locale() or "vi")


@blueprint.record_once
def _make_cache(state) -> None:
    seconds = state.app.config.get("HERALD_SCORE_CACHE_SECONDS", 60)
    state.app.extensions["herald_score_cache"] = scoring.FiguresCache(seconds)


def figures_cache() -> scoring.FiguresCache:
    """This process's cache of ranking numbers (``HERALD_SCORE_CACHE_SECONDS``)."""
    return current_app.extensions["herald_score_cache"]


def office_zone() -> str:
    """The zone in which a period's days begin and end: the office's."""
    return current_app.config["HERALD_TIMEZONE"]


@blueprint.app_context_processor
def score_helpers():
    def score_sets() -> list[CriteriaSet]:
        person = actor()
        if person is None or not can(person, "criteria.view"):
            return []
        return criteria.list_criteria_sets(db.session, actor=person)

    # A measure's words as they are: they hold "%" signs, which the templates' _() would take
    # for placeholders.
    return {"score_sets": score_sets, "MEASURES": scoring.MEASURES, "message": gettext}


# --- the list ------------------------------------------------------------------------------------


@blueprint.get("/")
@login_required
def index():
    person = actor()
    return render_template(
        "scores/index.html",
        sets=criteria.list_criteria_sets(db.session, actor=person),
        may_manage=can(person, "criteria.manage"),
        may_rank=can(person, "score.rank"),
        own_unit=person.unit,
    )


# --- the criteria form ---------------------------------------------------------------------------


def _blank_row() -> dict[str, str]:
    return {"measure": "", "weight": "", "target": ""}


def _rows_of(criteria_set: CriteriaSet | None) -> list[dict[str, str]]:
    if criteria_set is None:
        return [
            {"measure": scoring.POSTS_ON_SCHEDULE, "weight": "20", "target": ""},
            {"measure": scoring.ENGAGEMENT_RATE, "weight": "30", "target": ""},
            {"measure": scoring.COVERAGE_ARTICLES, "weight": "30", "target": ""},
            {"measure": scoring.PLANNING_TASKS_ON_TIME, "weight": "20", "target": ""},
        ]
    return [
        {
            "measure": c.measure,
            "weight": str(c.weight),
            "target": criteria.target_text(c.target),
        }
        for c in criteria_set.criteria
    ]


def _values_of(criteria_set: CriteriaSet | None) -> dict[str, str]:
    if criteria_set is None:
        return {"name": "", "period_start": "", "period_end": "", "notes": ""}
    return {
        "name": criteria_set.name,
        "period_start": criteria_set.period_start.isoformat(),
        "period_end": criteria_set.period_end.isoformat(),
        "notes": criteria_set.notes,
    }


def _posted_rows() -> list[dict[str, str]]:
    """The rows as posted, without those marked for removal and those left empty."""
    count = parse_id(request.form.get("rows")) or 0
    rows = []
    for index in range(min(count, MAX_ROWS)):
        row = {
            key: request.form.get(f"criteria-{index}-{key}", "").strip()
            for key in ("measure", "weight", "target")
        }
        if request.form.get(f"criteria-{index}-remove") or not any(row.values()):
            continue
        rows.append(row)
    return rows


def _posted_day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name, "").strip())
    except ValueError:
        return None


def _render_form(criteria_set, values, rows, errors=None, status=200):
    return (
        render_template(
            "scores/set_form.html",
            criteria_set=criteria_set,
            values=values,
            rows=rows,
            errors=errors or {},
            measures=list(scoring.MEASURES.values()),
        ),
        status,
    )


def _form(criteria_set: CriteriaSet | None):
    person = actor()
    require(person, "criteria.manage")
    if request.method == "GET":
        return _render_form(criteria_set, _values_of(criteria_set), _rows_of(criteria_set))
    values = {key: request.form.get(key, "") for key in ("name", "period_start", "period_end")}
    values["notes"] = request.form.get("notes", "")
    rows = _posted_rows()
    if request.form.get("action") == "add_row":
        # Nothing is saved: the same form comes back with one more row to fill in.
        return _render_form(criteria_set, values, [*rows, _blank_row()][:MAX_ROWS])
    fields = {
        "name": values["name"],
        "period_start": _posted_day("period_start"),
        "period_end": _posted_day("period_end"),
        "notes": values["notes"],
        "criteria": [CriterionInput(r["measure"], r["weight"], r["target"]) for r in rows],
    }
    try:
        if criteria_set is None:
            criteria_set = criteria.create_criteria_set(
                db.session, actor=person, now=utcnow(), **fields
            )
            message = gettext("Criteria set created.")
        else:
            criteria.update_criteria_set(
                db.session, actor=person, now=utcnow(), criteria_set=criteria_set, **fields
            )
            message = gettext("Criteria set saved.")
    except Invalid as error:
        db.session.rollback()
        flash(gettext("Please correct the fields marked below."), "error")
        return _render_form(criteria_set, values, rows or [_blank_row()], field_errors(error), 422)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("scores.index"), code=303)


@blueprint.route("/sets/new", methods=["GET", "POST"])
@login_required
def set_new():
    return _form(None)


@blueprint.route("/sets/<int:set_id>/edit", methods=["GET", "POST"])
@login_required
def set_edit(set_id: int):
    return _form(load_for("criteria.manage", CriteriaSet, set_id))


@blueprint.post("/sets/<int:set_id>/delete")
@login_required
def set_delete(set_id: int):
    person = actor()
    criteria_set = load_for("criteria.manage", CriteriaSet, set_id)
    criteria.delete_criteria_set(db.session, actor=person, now=utcnow(), criteria_set=criteria_set)
    db.session.commit()
    flash(gettext("Criteria set deleted."), "success")
    return redirect(url_for("scores.index"), code=303)


# --- scores --------------------------------------------------------------------------------------


@blueprint.get("/sets/<int:set_id>/ranking")
@login_required
def ranking(set_id: int):
    person = actor()
    criteria_set = load_for("score.rank", CriteriaSet, set_id)
    ranked = scoring.ranking(
        db.session,
        actor=person,
        criteria_set=criteria_set,
        zone=office_zone(),
        now=utcnow(),
        cache=figures_cache(),
    )
    return render_template(
        "scores/ranking.html",
        criteria_set=criteria_set,
        ranked=ranked,
        locale=_locale(),
        points=points_formatter(_locale()),
        cache_seconds=int(current_app.config.get("HERALD_SCORE_CACHE_SECONDS", 60)),
    )


def points_formatter(locale: str):
    """Points (0–100, two decimals) in the reader's style: the ranking shows hundreds of them,
    and Babel's general formatter costs ~60 µs a number (a third of the page's time)."""
    decimal = numbers.get_decimal_symbol(locale)

    def points(value: float) -> str:
        return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", decimal)

    return points


@blueprint.get("/sets/<int:set_id>/mine")
@login_required
def mine(set_id: int):
    person = actor()
    criteria_set = load_for("criteria.view", CriteriaSet, set_id)
    if person.unit_id is None:
        raise NotFound(N_("You belong to no unit, so there is no score of yours to show."))
    return redirect(url_for("scores.unit", set_id=criteria_set.id, unit_id=person.unit_id))


def _unit_score(set_id: int, unit_id: int):
    person = actor()
    criteria_set = load_for("criteria.view", CriteriaSet, set_id)
    unit = db.session.get(Unit, unit_id)
    if unit is None or not can(person, "score.view", unit):
        # Another unit's score is refused like a missing one: the answer says nothing of it.
        raise NotFound(N_("There is no such score to show."))
    score = scoring.unit_score(
        db.session,
        actor=person,
        criteria_set=criteria_set,
        unit=unit,
        zone=office_zone(),
        now=utcnow(),
    )
    return criteria_set, unit, score


@blueprint.get("/sets/<int:set_id>/units/<int:unit_id>")
@login_required
def unit(set_id: int, unit_id: int):
    criteria_set, unit, score = _unit_score(set_id, unit_id)
    locale = _locale()
    return render_template(
        "scores/unit.html",
        criteria_set=criteria_set,
        unit=unit,
        score=score,
        locale=locale,
        rows=unit_report.explanation_rows(score, gettext, locale),
        header=unit_report.explanation_header(gettext),
        may_rank=can(actor(), "score.rank"),
    )


@blueprint.get("/sets/<int:set_id>/units/<int:unit_id>/report")
@blueprint.get("/sets/<int:set_id>/units/<int:unit_id>/report.<fmt>")
@login_required
def unit_period_report(set_id: int, unit_id: int, fmt: str | None = None):
    """The unit period report for leadership, in the reader's language or ``?lang=vi|en``."""
    if fmt is not None and fmt not in FORMATS:
        abort(404)
    criteria_set, unit, score = _unit_score(set_id, unit_id)
    language = request.args.get("lang", "")
    language = language if language in LOCALES else _locale()
    report = unit_report.unit_report(
        db.session,
        criteria_set=criteria_set,
        score=score,
        zone=office_zone(),
        viewer=actor(),
    )
    with force_locale(language):
        document = unit_report.report_document(report, gettext, language)
        if fmt is not None:
            filename = f"unit-{unit.code}-{criteria_set.period_start}-{criteria_set.period_end}"
            return send_document(document, fmt, filename)
        links = [
            (
                name.upper(),
                url_for(
                    "scores.unit_period_report",
                    set_id=criteria_set.id,
                    unit_id=unit.id,
                    fmt=name,
                    lang=language,
                ),
            )
            for name in FORMATS
        ]
        links += [
            (
                LANGUAGES[code],
                url_for(
                    "scores.unit_period_report", set_id=criteria_set.id, unit_id=unit.id, lang=code
                ),
            )
            for code in LOCALES
            if code != language
        ]
        return render_document(document, downloads=links)
