"""Conferences: the list, setting one up, the organiser's live board (a page and the JSON its
script polls), adding sites (from unit lists or CSV), each site's page (details, readiness,
attendance), the programme and its documents, and the attendance report (page, PDF, XLSX)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import force_locale, get_locale, gettext
from flask_login import login_required

from campaigns.calendar.rules import local_instant
from campaigns.db import utcnow
from campaigns.errors import HeraldError, Invalid, NotFound
from campaigns.i18n import N_
from campaigns.metrics import exports
from campaigns.org import queries as org_queries
from campaigns.org.models import LOCALES, UnitKind
from campaigns.permissions import can, require
from campaigns.programme import (
    conference_imports,
    conference_queries,
    conference_reports,
    conferences,
)
from campaigns.programme.conference_models import Conference, ConferenceSite, ConferenceTalk
from campaigns.programme.conference_queries import BoardFilter
from campaigns.programme.conferences import CHECKS, READINESS_LABELS
from campaigns.spreadsheets import MAX_CSV_BYTES
from campaigns.timezones import to_zone
from web.account.forms import EmptyForm
from web.campaigns.routes import media_root
from web.conferences.forms import (
    AttendanceForm,
    ConferenceForm,
    DeadlineForm,
    ReadinessForm,
    SiteForm,
    SitesCsvForm,
    SitesFromUnitsForm,
    TalkForm,
)
from web.extensions import db
from web.forms import choices, show_domain_error
from web.i18n import LANGUAGES, translate
from web.labels import UNIT_KIND_LABELS
from web.loading import load_for
from web.reports.routes import render_document, send_document
from web.security import actor

blueprint = Blueprint("conferences", __name__, url_prefix="/conferences")

REPORT_FORMATS = ("pdf", "xlsx")
#: How often the board's script asks for news (milliseconds); the JSON answers 304 when
#: nothing changed, so polling costs one aggregate query.
POLL_MILLISECONDS = 5000


def _locale() -> str:
    return str(get_locale() or "vi")


def _done(message: str, target: str):
    db.session.commit()
    flash(message, "success")
    return redirect(target, code=303)


def _site_in(conference: Conference, site_id: int, action: str = "conference_site.view"):
    site = load_for(action, ConferenceSite, site_id)
    if site.conference_id != conference.id:
        raise NotFound(N_("There is no such site."))
    return site


# --- the list and setting one up ----------------------------------------------------------------


@blueprint.get("/")
@login_required
def index():
    person = actor()
    found = conference_queries.conferences_for(db.session, person)
    return render_template(
        "conferences/list.html",
        conferences=found,
        manages={c.id: can(person, "conference.manage", c) for c in found},
        own_sites={
            c.id: conference_queries.site_of_unit(db.session, c, person.unit_id) for c in found
        },
        can_create=bool(conference_queries.events_to_set_up(db.session, person)),
        zone=person.timezone,
        to_zone=to_zone,
    )


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
def new():
    person = actor()
    events = conference_queries.events_to_set_up(db.session, person)
    if not events:
        raise NotFound(N_("There is no conference event for you to set up."))
    form = ConferenceForm()
    form.event_id.choices = choices(
        (str(event.id), f"{event.title_in(_locale())} ({_when(event.starts_at, person.timezone)})")
        for event in events
    )
    if form.validate_on_submit():
        chosen = {str(event.id): event for event in events}.get(form.event_id.data or "")
        try:
            if chosen is None:
                raise Invalid(N_("Choose an event."), field="event_id")
            if form.readiness_due_local.data is None:
                raise Invalid(N_("Give the readiness deadline."), field="readiness_due_local")
            due = local_instant(
                form.readiness_due_local.data, person.timezone, field="readiness_due_local"
            )
            conference = conferences.create_conference(
                db.session, actor=person, now=utcnow(), event=chosen, readiness_due_at=due
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error, {"readiness_due_at": "readiness_due_local"})
        else:
            return _done(
                gettext("The conference is set up. Add its sites."),
                url_for("conferences.sites", conference_id=conference.id),
            )
    elif request.method == "GET" and events and events[0].starts_at:
        form.readiness_due_local.data = to_zone(
            events[0].starts_at - timedelta(days=2), person.timezone
        ).replace(tzinfo=None)
    status = 422 if form.errors else 200
    return render_template("conferences/new.html", form=form), status


def _instant(text: str) -> datetime | None:
    """An aware instant from the board's script (``since``); None for anything else."""
    try:
        instant = datetime.fromisoformat(text[:40])
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None


def _when(instant, zone: str) -> str:
    return f"{to_zone(instant, zone):%d/%m/%Y %H:%M}" if instant else ""


# --- the board ----------------------------------------------------------------------------------


@blueprint.get("/<int:conference_id>")
@login_required
def board(conference_id: int):
    """The organiser's board; a site's people are taken to their own site's page."""
    person = actor()
    conference = load_for("conference.view", Conference, conference_id)
    if not can(person, "conference.manage", conference):
        site = conference_queries.site_of_unit(db.session, conference, person.unit_id)
        if site is None:
            abort(404)
        return redirect(url_for("conferences.site", conference_id=conference.id, site_id=site.id))
    filters = BoardFilter.of(request.args)
    seen = conference_queries.board(db.session, conference, filters=filters)
    return render_template(
        "conferences/board.html",
        conference=conference,
        board=seen,
        filters=filters,
        kinds=[(kind.value, UNIT_KIND_LABELS.get(kind.value, kind.value)) for kind in UnitKind],
        states=READINESS_LABELS,
        state_words={state: gettext(label) for state, label in READINESS_LABELS.items()},
        count=lambda value: exports.format_cell(value, _locale(), "—"),
        since=seen.totals.changed_at.isoformat() if seen.totals.changed_at else "",
        site_link=url_for("conferences.site", conference_id=conference.id, site_id=0)[:-1],
        locale=_locale(),
        poll=current_app.config.get("HERALD_BOARD_POLL_MILLISECONDS", POLL_MILLISECONDS),
        deadline=_when(conference.readiness_due_at, person.timezone),
        starts=_when(conference.event.starts_at, person.timezone),
        deadline_form=DeadlineForm(
            readiness_due_local=to_zone(conference.readiness_due_at, person.timezone).replace(
                tzinfo=None
            )
        ),
    )


@blueprint.get("/<int:conference_id>/board.json")
@login_required
def board_json(conference_id: int):
    """The board's numbers and rows for its script: 304 when nothing changed since the
    version (ETag) the browser holds."""
    conference = load_for("conference.manage", Conference, conference_id)
    totals = conference_queries.board_totals(db.session, conference)
    etag = f'"{totals.version}-{request.query_string.decode("latin-1")}-{_locale()}"'
    if request.if_none_match and etag.strip('"') in request.if_none_match:
        response = make_response("", 304)
        response.set_etag(etag.strip('"'))
        return response
    filters = BoardFilter.of(request.args)
    since = _instant(request.args.get("since", ""))
    seen = conference_queries.board(
        db.session, conference, filters=filters, totals=totals, changed_since=since
    )
    locale = _locale()
    labels = {state: gettext(label) for state, label in READINESS_LABELS.items()}
    body = {
        "full": since is None,
        "since": totals.changed_at.isoformat() if totals.changed_at else "",
        "totals": {
            "sites": totals.sites,
            "ready": totals.ready,
            "not_ready": totals.not_ready,
            "no_answer": totals.no_answer,
            "connected": totals.connected,
            "delegates": totals.delegates,
            "expected": totals.expected,
        },
        "sites": [
            {
                "id": row.id,
                "name": row.name(locale),
                "code": row.unit_code,
                "kind": row.kind,
                "central": row.is_central,
                "chair": ", ".join(part for part in (row.chair_name, row.chair_title) if part),
                "expected": row.expected,
                "timezone": row.timezone,
                "checks": list(row.checks),
                "state": row.state,
                "state_label": labels[row.state],
                "connected": row.connected_at is not None,
                "attendance": row.attendance,
            }
            for row in seen.rows
        ],
    }
    response = jsonify(body)
    response.set_etag(etag.strip('"'))
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@blueprint.post("/<int:conference_id>/deadline")
@login_required
def deadline(conference_id: int):
    person = actor()
    conference = load_for("conference.manage", Conference, conference_id)
    form = DeadlineForm()
    back = url_for("conferences.board", conference_id=conference.id)
    if not form.validate_on_submit() or form.readiness_due_local.data is None:
        flash(gettext("Give the readiness deadline as a date and a time."), "error")
        return redirect(back, code=303)
    try:
        due = local_instant(form.readiness_due_local.data, person.timezone)
        conferences.set_readiness_deadline(
            db.session, actor=person, now=utcnow(), conference=conference, due_at=due
        )
    except Invalid as error:
        db.session.rollback()
        flash(translate(error.template, error.params), "error")
        return redirect(back, code=303)
    return _done(gettext("The readiness deadline was changed."), back)


# --- adding sites -------------------------------------------------------------------------------


@blueprint.route("/<int:conference_id>/sites", methods=["GET", "POST"])
@login_required
def sites(conference_id: int):
    """Add sites from a unit list (GET shows both ways; POST is the unit list)."""
    person = actor()
    conference = load_for("conference.manage", Conference, conference_id)
    units_form, csv_form = SitesFromUnitsForm(prefix="units"), SitesCsvForm(prefix="csv")
    if request.method == "POST" and units_form.validate_on_submit():
        try:
            under = None
            if units_form.selection.data == "under":
                code = (units_form.under.data or "").strip()
                under = org_queries.unit_by_code(db.session, code) if code else None
                if under is None:
                    raise Invalid(N_("There is no unit with this code."), field="under")
            added = conferences.add_sites_from_units(
                db.session,
                actor=person,
                now=utcnow(),
                conference=conference,
                selection=units_form.selection.data or "",
                under=under,
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(units_form, error)
        else:
            return _done(
                gettext("%(count)s site(s) added.", count=len(added)),
                url_for("conferences.board", conference_id=conference.id),
            )
    status = 422 if units_form.errors else 200
    return render_template(
        "conferences/sites.html",
        conference=conference,
        units_form=units_form,
        csv_form=csv_form,
        result=None,
    ), status


@blueprint.post("/<int:conference_id>/sites/import")
@login_required
def import_sites(conference_id: int):
    person = actor()
    conference = load_for("conference.manage", Conference, conference_id)
    units_form, csv_form = SitesFromUnitsForm(prefix="units"), SitesCsvForm(prefix="csv")
    result = None
    if csv_form.validate_on_submit():
        upload = csv_form.file.data
        content = upload.read(MAX_CSV_BYTES + 1) if upload and upload.filename else b""
        try:
            result = conference_imports.import_sites_csv(
                db.session, actor=person, now=utcnow(), conference=conference, content=content
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(csv_form, error)
        else:
            if result.applied:
                return _done(
                    gettext("%(count)s row(s) imported.", count=len(result.rows)),
                    url_for("conferences.board", conference_id=conference.id),
                )
            db.session.rollback()
            flash(
                gettext(
                    "Nothing was imported: %(count)s row(s) have errors. Correct them and"
                    " send the file again.",
                    count=result.error_count,
                ),
                "error",
            )
    return render_template(
        "conferences/sites.html",
        conference=conference,
        units_form=units_form,
        csv_form=csv_form,
        result=result,
        message=translate,
    ), 422


# --- a site -------------------------------------------------------------------------------------


@blueprint.route("/<int:conference_id>/sites/<int:site_id>", methods=["GET", "POST"])
@login_required
def site(conference_id: int, site_id: int):
    """A site's page: its details (POST changes them), readiness and attendance forms."""
    person = actor()
    conference = load_for("conference.view", Conference, conference_id)
    found = _site_in(conference, site_id)
    details = SiteForm(prefix="site", obj=found if request.method == "GET" else None)
    if request.method == "POST":
        require(person, "conference_site.update", found)
        if details.validate_on_submit():
            try:
                conferences.update_site(
                    db.session,
                    actor=person,
                    now=utcnow(),
                    site=found,
                    data=conferences.SiteInput(
                        chair_name=details.chair_name.data or "",
                        chair_title=details.chair_title.data or "",
                        technical_contact=details.technical_contact.data or "",
                        expected_attendance=details.expected_attendance.data or "",
                        timezone=details.timezone.data or "",
                    ),
                )
            except HeraldError as error:
                db.session.rollback()
                show_domain_error(details, error)
            else:
                return _done(gettext("The site's details were saved."), request.path)
    return _render_site(conference, found, details=details)


def _render_site(conference, found, *, details=None, readiness=None, attendance=None):
    person = actor()
    readiness = readiness or ReadinessForm(
        prefix="ready",
        data={check: getattr(found, check) for check in CHECKS} | {"note": found.readiness_note},
    )
    attendance = attendance or AttendanceForm(
        prefix="attend",
        data={
            "connected": found.connected_at is not None or found.attendance is None,
            "attendance": "" if found.attendance is None else str(found.attendance),
        },
    )
    status = 422 if any(f.errors for f in (details, readiness, attendance) if f) else 200
    return render_template(
        "conferences/site.html",
        conference=conference,
        site=found,
        details=details or SiteForm(prefix="site", obj=found),
        readiness=readiness,
        attendance=attendance,
        state=conferences.readiness_of(found),
        states=READINESS_LABELS,
        may_update=can(person, "conference_site.update", found),
        manages=can(person, "conference.manage", conference),
        talks=conference_queries.talks_of(db.session, conference),
        deadline=_when(conference.readiness_due_at, found.timezone),
        starts=_when(conference.event.starts_at, found.timezone),
        connected=_when(found.connected_at, found.timezone),
        locale=_locale(),
        remove_form=EmptyForm(),
    ), status


@blueprint.post("/<int:conference_id>/sites/<int:site_id>/readiness")
@login_required
def readiness(conference_id: int, site_id: int):
    person = actor()
    conference = load_for("conference.view", Conference, conference_id)
    found = _site_in(conference, site_id, "conference_site.update")
    form = ReadinessForm(prefix="ready")
    if not form.validate_on_submit():
        return _render_site(conference, found, readiness=form)
    conferences.report_readiness(
        db.session,
        actor=person,
        now=utcnow(),
        site=found,
        room_ready=form.room_ready.data,
        connection_tested=form.connection_tested.data,
        chair_confirmed=form.chair_confirmed.data,
        documents_received=form.documents_received.data,
        note=form.note.data or "",
    )
    return _done(gettext("The site's readiness was saved."), _site_url(found))


@blueprint.post("/<int:conference_id>/sites/<int:site_id>/attendance")
@login_required
def attendance(conference_id: int, site_id: int):
    person = actor()
    conference = load_for("conference.view", Conference, conference_id)
    found = _site_in(conference, site_id, "conference_site.update")
    form = AttendanceForm(prefix="attend")
    if form.validate_on_submit():
        try:
            conferences.report_attendance(
                db.session,
                actor=person,
                now=utcnow(),
                site=found,
                connected=form.connected.data,
                attendance=form.attendance.data or "",
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            return _done(gettext("The site's attendance was reported."), _site_url(found))
    return _render_site(conference, found, attendance=form)


@blueprint.post("/<int:conference_id>/sites/<int:site_id>/remove")
@login_required
def remove_site(conference_id: int, site_id: int):
    person = actor()
    conference = load_for("conference.manage", Conference, conference_id)
    found = _site_in(conference, site_id)
    back = url_for("conferences.board", conference_id=conference.id)
    try:
        conferences.remove_site(db.session, actor=person, now=utcnow(), site=found)
    except Invalid as error:
        db.session.rollback()
        flash(translate(error.template, error.params), "error")
        return redirect(back, code=303)
    return _done(gettext("The site was removed."), back)


def _site_url(found: ConferenceSite) -> str:
    return url_for("conferences.site", conference_id=found.conference_id, site_id=found.id)


# --- the programme ------------------------------------------------------------------------------


@blueprint.route("/<int:conference_id>/programme", methods=["GET", "POST"])
@login_required
def programme(conference_id: int):
    person = actor()
    conference = load_for("conference.view", Conference, conference_id)
    manages = can(person, "conference.manage", conference)
    form = TalkForm()
    if request.method == "POST":
        require(person, "conference.manage", conference)
        if form.validate_on_submit():
            upload = form.document.data
            content = (
                upload.read(conferences.MAX_DOCUMENT_BYTES + 1)
                if upload and upload.filename
                else None
            )
            try:
                conferences.add_talk(
                    db.session,
                    actor=person,
                    now=utcnow(),
                    conference=conference,
                    data=conferences.TalkInput(
                        speaker_name=form.speaker_name.data or "",
                        speaker_title=form.speaker_title.data or "",
                        title=form.title.data or "",
                        minutes=form.minutes.data or "",
                    ),
                    document=content,
                    document_name=(upload.filename or "") if content else "",
                    media_root=media_root(),
                )
            except HeraldError as error:
                db.session.rollback()
                show_domain_error(form, error)
            else:
                return _done(gettext("The talk was added to the programme."), request.path)
    status = 422 if form.errors else 200
    return render_template(
        "conferences/programme.html",
        conference=conference,
        talks=conference_queries.talks_of(db.session, conference),
        form=form,
        manages=manages,
        remove_form=EmptyForm(),
    ), status


@blueprint.post("/<int:conference_id>/programme/<int:talk_id>/remove")
@login_required
def remove_talk(conference_id: int, talk_id: int):
    person = actor()
    conference = load_for("conference.manage", Conference, conference_id)
    talk = load_for(None, ConferenceTalk, talk_id)
    if talk.conference_id != conference.id:
        abort(404)
    conferences.remove_talk(db.session, actor=person, now=utcnow(), talk=talk)
    return _done(
        gettext("The talk was taken off the programme."),
        url_for("conferences.programme", conference_id=conference.id),
    )


@blueprint.get("/<int:conference_id>/programme/<int:talk_id>/document")
@login_required
def talk_document(conference_id: int, talk_id: int):
    """A talk's document, for the organiser and every site (never from a public path)."""
    conference = load_for("conference.view", Conference, conference_id)
    talk = load_for(None, ConferenceTalk, talk_id)
    if talk.conference_id != conference.id or not talk.document_path:
        abort(404)
    response = send_from_directory(
        media_root(),
        talk.document_path,
        mimetype=talk.document_type,
        as_attachment=True,
        download_name=talk.document_name,
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# --- the attendance report ----------------------------------------------------------------------


@blueprint.get("/<int:conference_id>/report")
@blueprint.get("/<int:conference_id>/report.<fmt>")
@login_required
def report(conference_id: int, fmt: str | None = None):
    """The attendance report, in the reader's language or ``?lang=vi|en``: page, PDF, XLSX."""
    if fmt is not None and fmt not in REPORT_FORMATS:
        abort(404)
    conference = load_for("conference.manage", Conference, conference_id)
    language = request.args.get("lang", "")
    language = language if language in LOCALES else _locale()
    with force_locale(language):
        document = conference_reports.attendance_document(db.session, conference, gettext, language)
        if fmt is not None:
            return send_document(document, fmt, f"conference-{conference.id}-attendance-{language}")
        downloads = [
            (
                name.upper(),
                url_for("conferences.report", conference_id=conference.id, fmt=name, lang=language),
            )
            for name in REPORT_FORMATS
        ]
        downloads += [
            (LANGUAGES[code], url_for("conferences.report", conference_id=conference.id, lang=code))
            for code in LOCALES
            if code != language
        ]
        return render_document(
            document,
            downloads=downloads,
            back=url_for("conferences.board", conference_id=conference.id),
        )
