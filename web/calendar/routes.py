"""The political calendar: month, week, agenda and year-ahead views; events; anniversaries;
imports; lead times. Every view shows times on the viewer's own wall clock."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from flask_login import login_required

from campaigns.calendar import ics_import, ics_jobs, queries, services
from campaigns.calendar.items import DEFAULT_KINDS, ItemKind, kinds_from
from campaigns.calendar.models import Anniversary, Event, EventKind, PlanningTask, Tier
from campaigns.db import utcnow
from campaigns.errors import HeraldError
from campaigns.field import reports as field_reports
from campaigns.org import queries as org_queries
from campaigns.org.models import Person
from campaigns.permissions import can, require
from campaigns.timezones import country_names, to_zone
from web.account.forms import EmptyForm
from web.calendar import combined, layout
from web.calendar.forms import (
    AnniversaryFilterForm,
    AnniversaryForm,
    AnniversaryImportForm,
    CalendarFilterForm,
    CancelForm,
    EventForm,
    IcsImportForm,
    LeadTimesForm,
    PostponeForm,
)
from web.calendar.inputs import event_as_input, split_tags
from web.extensions import db
from web.forms import show_domain_error
from web.i18n import error_message, field_errors
from web.imports.routes import start as start_import
from web.labels import (
    ANNIVERSARY_CATEGORY_LABELS,
    CALENDAR_ITEM_KIND_LABELS,
    EVENT_KIND_LABELS,
    EVENT_STATUS_LABELS,
    PRIORITY_LABELS,
    PUBLICATION_STATUS_LABELS,
    TIER_LABELS,
    TRIP_STATUS_LABELS,
    VISIBILITY_LABELS,
)
from web.loading import load_for
from web.security import actor

blueprint = Blueprint("calendar", __name__, url_prefix="/calendar")

AGENDA_DAYS = 30
# A month cell shows this many entries, then "N more on this day" (the agenda of that day):
# a big office has some thirty events a day, which no cell shows readably, and rendering every
# one of a month's thousand made the page take seconds.
MONTH_ENTRIES_PER_DAY = 6
YEAR_AHEAD_MONTHS = (12, 24)
FILTERS = ("unit", "kind", "country", "priority", "tag")
# Names the services use for a field, and the form field that shows the message.
EVENT_ALIASES = {"translations": "title_en"}


@blueprint.context_processor
def calendar_labels() -> dict[str, Any]:
    return {
        "EVENT_KINDS": EVENT_KIND_LABELS,
        "PRIORITIES": PRIORITY_LABELS,
        "VISIBILITIES": VISIBILITY_LABELS,
        "EVENT_STATUSES": EVENT_STATUS_LABELS,
        "CATEGORIES": ANNIVERSARY_CATEGORY_LABELS,
        "TIERS": TIER_LABELS,
        "ITEM_KINDS": CALENDAR_ITEM_KIND_LABELS,
        "TRIP_STATUSES": TRIP_STATUS_LABELS,
        "PUBLICATION_STATUSES": PUBLICATION_STATUS_LABELS,
        "country_name": _country_name,
        "locale": _locale(),
    }


def _locale() -> str:
    return str(get_locale() or "vi")


def _country_name(code: str | None) -> str:
    if not code:
        return ""
    return country_names(_locale()).get(code, code)


def _today(zone: str) -> date:
    return to_zone(utcnow(), zone).date()


# Views move by months and years from their anchor; far-away dates are not worth a traceback.
FIRST_YEAR, LAST_YEAR = 1900, 2199


def _anchor(zone: str) -> date:
    """The day a view is centred on: ?date=YYYY-MM-DD, else today."""
    try:
        anchor = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return _today(zone)
    return anchor if FIRST_YEAR <= anchor.year <= LAST_YEAR else _today(zone)


# --- the views ---------------------------------------------------------------------------------


def _filter_form() -> CalendarFilterForm:
    form = CalendarFilterForm(request.args, units=org_queries.all_units(db.session))
    form.validate()
    return form


def _active_filters(form: CalendarFilterForm) -> dict[str, str]:
    values = {name: (getattr(form, name).data or "").strip() for name in FILTERS}
    active = {name: value for name, value in values.items() if value}
    # Which kinds of things are shown: ?show=events,trips (or one ?show= per kind, as the
    # filter form's boxes send them); carried along in every link like the other filters.
    kinds = _shown_kinds(active)
    if kinds != DEFAULT_KINDS:
        active["show"] = ",".join(kind.value for kind in ItemKind if kind in kinds)
    return active


def _shown_kinds(filters: dict[str, str]) -> frozenset[ItemKind]:
    if "show" in filters:
        return kinds_from([filters["show"]])
    named = request.args.getlist("show")
    # The form sends an empty ?show= beside the boxes, so that unticking every box is heard.
    return kinds_from(named) if named else DEFAULT_KINDS


def _shows_anniversaries(filters: dict[str, str]) -> bool:
    # Anniversaries have no priority, tag or event kind; a filter on those hides them.
    if filters.get("kind") not in (None, EventKind.ANNIVERSARY):
        return False
    return not ({"unit", "priority", "tag"} & filters.keys())


def _days(
    person: Person, dates: list[date], filters: dict[str, str], in_period=lambda day: True
) -> list[layout.Day]:
    """The viewer's days with the events they may see, anniversaries, public holidays, and the
    press trips and publications they may see: the kinds the filters show."""
    zone = person.timezone
    since, until = dates[0], dates[-1]
    locale = _locale()
    kinds = _shown_kinds(filters)
    events = []
    if ItemKind.EVENT in kinds:
        events = queries.visible_events(
            db.session,
            person,
            since=since,
            until=until,
            zone=zone,
            unit_code=filters.get("unit"),
            kind=filters.get("kind"),
            country=filters.get("country"),
            priority=filters.get("priority"),
            tag=filters.get("tag"),
        )
    occurrences = []
    if ItemKind.ANNIVERSARY in kinds and _shows_anniversaries(filters):
        occurrences = queries.occurrences(
            db.session, since=since, until=until, country=filters.get("country")
        )
    return layout.lay_out(
        dates,
        zone=zone,
        today=_today(zone),
        events=events,
        occurrences=occurrences,
        holidays=queries.holidays_between(since, until, locale)
        if ItemKind.HOLIDAY in kinds
        else (),
        items=combined.other_items(
            db.session, person, since=since, until=until, zone=zone, kinds=kinds, filters=filters
        ),
        event_title=lambda event: event.title_in(locale),
        occurrence_title=lambda occurrence: occurrence.label(locale),
        in_period=in_period,
    )


def _view_page(template: str, *, form: CalendarFilterForm, filters: dict, **context):
    """A calendar view with its navigation, its filters and the viewer's zone."""
    zone = actor().timezone
    return render_template(
        template,
        today=_today(zone),
        zone=zone,
        filter_form=form,
        filters=filters,
        shown_kinds=_shown_kinds(filters),
        **context,
    )


@blueprint.get("/")
@login_required
def month():
    person = actor()
    require(person, "calendar.view")
    anchor = _anchor(person.timezone).replace(day=1)
    form = _filter_form()
    filters = _active_filters(form)
    weeks = layout.month_weeks(anchor)
    dates = [day for week in weeks for day in week]
    days = _days(person, dates, filters, in_period=lambda day: day.month == anchor.month)
    return _view_page(
        "calendar/month.html",
        view="calendar.month",
        anchor=anchor,
        previous=layout.add_months(anchor, -1),
        following=layout.add_months(anchor, 1),
        weeks=[days[index : index + 7] for index in range(0, len(days), 7)],
        empty=not any(day.entries for day in days),
        entries_per_day=MONTH_ENTRIES_PER_DAY,
        form=form,
        filters=filters,
    )


@blueprint.get("/week")
@login_required
def week():
    person = actor()
    require(person, "calendar.view")
    anchor = _anchor(person.timezone)
    form = _filter_form()
    filters = _active_filters(form)
    dates = layout.week_of(anchor)
    return _view_page(
        "calendar/week.html",
        view="calendar.week",
        anchor=dates[0],
        previous=dates[0] - timedelta(days=7),
        following=dates[0] + timedelta(days=7),
        days=_days(person, dates, filters),
        form=form,
        filters=filters,
    )


@blueprint.get("/agenda")
@login_required
def agenda():
    person = actor()
    require(person, "calendar.view")
    anchor = _anchor(person.timezone)
    form = _filter_form()
    filters = _active_filters(form)
    dates = [anchor + timedelta(days=offset) for offset in range(AGENDA_DAYS)]
    days = [day for day in _days(person, dates, filters) if day.entries]
    return _view_page(
        "calendar/agenda.html",
        view="calendar.agenda",
        anchor=anchor,
        previous=anchor - timedelta(days=AGENDA_DAYS),
        following=anchor + timedelta(days=AGENDA_DAYS),
        until=dates[-1],
        days=days,
        form=form,
        filters=filters,
    )


@blueprint.get("/year-ahead")
@login_required
def year_ahead():
    person = actor()
    require(person, "calendar.view")
    months = request.args.get("months", YEAR_AHEAD_MONTHS[0], type=int)
    if months not in YEAR_AHEAD_MONTHS:
        months = YEAR_AHEAD_MONTHS[0]
    today = _today(person.timezone)
    by_tier = queries.year_ahead(db.session, today=today, months=months)
    return render_template(
        "calendar/year_ahead.html",
        tiers=[(tier, by_tier.get(tier, [])) for tier in Tier],
        months=months,
        month_choices=YEAR_AHEAD_MONTHS,
        today=today,
        zone=person.timezone,
        view="calendar.year_ahead",
    )


# --- events ------------------------------------------------------------------------------------


def _event_input(form: EventForm, *, keep_translations: dict | None = None) -> services.EventInput:
    """The form's values as the service takes them. Other languages than English are kept."""
    translations = {
        language: texts for language, texts in (keep_translations or {}).items() if language != "en"
    }
    title_en = (form.title_en.data or "").strip()
    description_en = (form.description_en.data or "").strip()
    if title_en or description_en:
        translations["en"] = {"title": title_en, "description": description_en}
    all_day = bool(form.all_day.data)
    return services.EventInput(
        title=form.title.data or "",
        description=form.description.data or "",
        translations=translations,
        kind=form.kind.data or "",
        all_day=all_day,
        starts_local=None if all_day else form.starts_local.data,
        ends_local=None if all_day else form.ends_local.data,
        start_date=form.start_date.data if all_day else None,
        end_date=(form.end_date.data or form.start_date.data) if all_day else None,
        timezone=(form.timezone.data or "").strip(),
        location=form.location.data or "",
        partner_countries=list(form.partner_countries.data or []),
        owner_unit_code=form.owner_unit_code.data or "",
        participant_codes=list(form.participant_codes.data or []),
        priority=form.priority.data or "",
        visibility=form.visibility.data or "",
        audience_codes=list(form.audience_codes.data or []),
        status=form.status.data or "",
        tags=split_tags(form.tags.data),
    )


def _event_form_data(event: Event) -> dict[str, Any]:
    values = dataclasses.asdict(event_as_input(event))
    english = (event.translations or {}).get("en", {})
    values.update(
        title_en=english.get("title", ""),
        description_en=english.get("description", ""),
        tags=", ".join(values["tags"]),
    )
    return values


def _event_units():
    # Any unit may take part in an event or be its audience, so every unit is offered.
    return org_queries.all_units(db.session)


def _render_event_form(form: EventForm, *, event: Event | None, clashes=()):
    status = 200
    if clashes:
        status = 409
    elif form.errors:
        status = 422
    return (
        render_template("calendar/event_form.html", form=form, event=event, clashes=clashes),
        status,
    )


def _save_event(form: EventForm, save) -> tuple[Event | None, list[Event]]:
    """Run ``save(confirm_overlap)``: the saved event, or the clashes to confirm, or neither
    (the errors are then next to the fields)."""
    try:
        saved = save(bool(form.confirm_overlap.data))
    except services.OverlapWarning as warning:
        db.session.rollback()
        return None, list(warning.clashes)
    except HeraldError as error:
        db.session.rollback()
        show_domain_error(form, error, aliases=EVENT_ALIASES)
        return None, []
    db.session.commit()
    return saved, []


@blueprint.route("/events/new", methods=["GET", "POST"])
@login_required
def new_event():
    person = actor()
    require(person, "event.create")
    form = EventForm(units=_event_units())
    clashes: list = []
    if form.validate_on_submit():
        data = _event_input(form)
        event, clashes = _save_event(
            form,
            lambda confirm: services.create_event(
                db.session, actor=person, now=utcnow(), data=data, confirm_overlap=confirm
            ),
        )
        if event is not None:
            flash(gettext("The event was added to the calendar."), "success")
            return redirect(url_for("calendar.event", event_id=event.id))
    elif request.method == "GET":
        day = _anchor(person.timezone)
        form.timezone.data = person.timezone
        form.owner_unit_code.data = person.unit.code if person.unit else ""
        form.kind.data = EventKind.OTHER.value
        form.priority.data = "normal"
        form.visibility.data = "internal"
        form.status.data = "planned"
        form.start_date.data = form.end_date.data = day
    return _render_event_form(form, event=None, clashes=clashes)


@blueprint.get("/events/<int:event_id>")
@login_required
def event(event_id: int):
    person = actor()
    found = load_for("event.view", Event, event_id)
    return render_template(
        "calendar/event.html",
        event=found,
        field_reports=field_reports.reports_about(
            db.session, person, field_reports.ReportTarget("event", found.id)
        ),
        zone=person.timezone,
        can_edit=can(person, "event.edit", found),
        starts=_in_zone(found.starts_at, person.timezone),
        ends=_in_zone(found.ends_at, person.timezone),
        starts_there=_in_zone(found.starts_at, found.timezone),
        ends_there=_in_zone(found.ends_at, found.timezone),
    )


def _in_zone(instant, zone: str):
    return to_zone(instant, zone) if instant else None


@blueprint.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit_event(event_id: int):
    person = actor()
    found = load_for("event.edit", Event, event_id)
    form = EventForm(units=_event_units(), data=_event_form_data(found))
    clashes: list = []
    if form.validate_on_submit():
        data = _event_input(form, keep_translations=found.translations)
        saved, clashes = _save_event(
            form,
            lambda confirm: services.update_event(
                db.session,
                actor=person,
                now=utcnow(),
                event=found,
                data=data,
                confirm_overlap=confirm,
            ),
        )
        if saved is not None:
            flash(gettext("The event was saved."), "success")
            return redirect(url_for("calendar.event", event_id=saved.id))
    return _render_event_form(form, event=found, clashes=clashes)


@blueprint.route("/events/<int:event_id>/postpone", methods=["GET", "POST"])
@login_required
def postpone_event(event_id: int):
    person = actor()
    found = load_for("event.edit", Event, event_id)
    current = event_as_input(found)
    form = PostponeForm(data=dataclasses.asdict(current))
    if form.validate_on_submit():
        data = None
        if form.new_times_known.data:
            all_day = bool(form.all_day.data)
            data = dataclasses.replace(
                current,
                all_day=all_day,
                starts_local=None if all_day else form.starts_local.data,
                ends_local=None if all_day else form.ends_local.data,
                start_date=form.start_date.data if all_day else None,
                end_date=(form.end_date.data or form.start_date.data) if all_day else None,
                timezone=(form.timezone.data or "").strip(),
            )
        try:
            services.postpone_event(db.session, actor=person, now=utcnow(), event=found, data=data)
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(gettext("The event was postponed."), "success")
            return redirect(url_for("calendar.event", event_id=found.id))
    status = 422 if form.errors else 200
    return render_template("calendar/postpone.html", form=form, event=found), status


@blueprint.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_event(event_id: int):
    person = actor()
    found = load_for("event.edit", Event, event_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            services.cancel_event(
                db.session,
                actor=person,
                now=utcnow(),
                event=found,
                reason=(form.reason.data or "").strip(),
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(
                gettext("The event was cancelled. It stays on the calendar, struck through."),
                "success",
            )
            return redirect(url_for("calendar.event", event_id=found.id))
    status = 422 if form.errors else 200
    return render_template("calendar/cancel.html", form=form, event=found), status


# --- import of .ics files ----------------------------------------------------------------------


def _import_summary(result) -> str:
    return gettext(
        "Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.",
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
    )


def _show_import_error(form, error: HeraldError) -> dict[str, str]:
    """Errors about a form field go next to it; the others (lines of the file) are returned
    to be listed under the file field, which says what is wrong overall."""
    db.session.rollback()
    problems = {}
    for name, message in field_errors(error).items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            problems[name] = message
    if problems or not form.errors:
        form.file.errors = [*form.file.errors, error_message(error)]
    return problems


@blueprint.route("/import", methods=["GET", "POST"])
@login_required
def import_ics():
    person = actor()
    require(person, "event.create")
    form = IcsImportForm(units=_event_units())
    problems: dict[str, str] = {}
    if form.validate_on_submit():
        upload = form.file.data
        today = _today(person.timezone)
        try:
            job = ics_jobs.queue_ics_import(
                db.session,
                actor=person,
                now=utcnow(),
                content=upload.read(ics_import.MAX_ICS_BYTES + 1) if upload else b"",
                filename=(upload.filename or "") if upload else "",
                owner_unit_code=form.owner_unit_code.data or "",
                since=form.since.data or today,
                until=form.until.data or layout.add_months(today, 12),
                visibility=form.visibility.data or "internal",
                kind=form.kind.data or "other",
            )
        except HeraldError as error:
            problems = _show_import_error(form, error)
        else:
            db.session.commit()
            return redirect(start_import(job), code=303)
    elif request.method == "GET":
        today = _today(person.timezone)
        form.since.data = today
        form.until.data = layout.add_months(today, 12)
        form.owner_unit_code.data = person.unit.code if person.unit else ""
        form.visibility.data = "internal"
        form.kind.data = EventKind.OTHER.value
    status = 422 if form.errors else 200
    return render_template("calendar/import.html", form=form, problems=problems), status


# --- anniversaries -----------------------------------------------------------------------------


@blueprint.get("/anniversaries")
@login_required
def anniversaries():
    person = actor()
    require(person, "calendar.view")
    form = AnniversaryFilterForm(request.args)
    found = queries.list_anniversaries(
        db.session,
        category=form.category.data or None,
        country=form.country.data or None,
        search=(form.q.data or "").strip() or None,
    )
    today = _today(person.timezone)
    upcoming = queries.occurrences(db.session, since=today, until=layout.add_months(today, 12))
    next_occurrence = {}
    for occurrence in upcoming:
        next_occurrence.setdefault(occurrence.anniversary_id, occurrence)
    return render_template(
        "calendar/anniversaries.html",
        anniversaries=found,
        next_occurrence=next_occurrence,
        filter_form=form,
        manage=can(person, "anniversary.manage"),
        button_form=EmptyForm(),
    )


def _anniversary_input(form: AnniversaryForm) -> services.AnniversaryInput:
    return services.AnniversaryInput(
        title_vi=form.title_vi.data or "",
        title_en=form.title_en.data or "",
        category=form.category.data or "",
        origin_date=form.origin_date.data,
        lunar_month=form.lunar_month.data,
        lunar_day=form.lunar_day.data,
        origin_year=form.origin_year.data,
        partner_country=form.partner_country.data or None,
        owner_unit_code=form.owner_unit_code.data or None,
        notes=form.notes.data or "",
        source=form.source.data or "",
    )


def _anniversary_form_page(form, anniversary):
    status = 422 if form.errors else 200
    return (
        render_template("calendar/anniversary_form.html", form=form, anniversary=anniversary),
        status,
    )


@blueprint.route("/anniversaries/new", methods=["GET", "POST"])
@login_required
def new_anniversary():
    person = actor()
    require(person, "anniversary.manage")
    form = AnniversaryForm(units=_event_units())
    if form.validate_on_submit():
        try:
            services.create_anniversary(
                db.session, actor=person, now=utcnow(), data=_anniversary_input(form)
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(gettext("The anniversary was added."), "success")
            return redirect(url_for("calendar.anniversaries"))
    return _anniversary_form_page(form, None)


@blueprint.route("/anniversaries/<int:anniversary_id>/edit", methods=["GET", "POST"])
@login_required
def edit_anniversary(anniversary_id: int):
    person = actor()
    anniversary = load_for("anniversary.manage", Anniversary, anniversary_id)
    form = AnniversaryForm(units=_event_units(), obj=anniversary)
    if request.method == "GET":
        form.owner_unit_code.data = anniversary.owner_unit.code if anniversary.owner_unit else ""
        form.partner_country.data = anniversary.partner_country or ""
    if form.validate_on_submit():
        try:
            services.update_anniversary(
                db.session,
                actor=person,
                now=utcnow(),
                anniversary=anniversary,
                data=_anniversary_input(form),
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(gettext("The anniversary was saved."), "success")
            return redirect(url_for("calendar.anniversaries"))
    return _anniversary_form_page(form, anniversary)


@blueprint.route("/anniversaries/import", methods=["GET", "POST"])
@login_required
def import_anniversaries():
    person = actor()
    require(person, "anniversary.manage")
    form = AnniversaryImportForm()
    problems: dict[str, str] = {}
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = services.import_anniversaries_csv(
                db.session, actor=person, now=utcnow(), content=upload.read() if upload else b""
            )
        except HeraldError as error:
            problems = _show_import_error(form, error)
        else:
            db.session.commit()
            flash(_import_summary(result), "success")
            return redirect(url_for("calendar.anniversaries"))
    status = 422 if form.errors else 200
    return render_template("calendar/anniversary_import.html", form=form, problems=problems), status


@blueprint.post("/anniversaries/dataset")
@login_required
def load_dataset():
    person = actor()
    require(person, "anniversary.manage")
    if EmptyForm().validate_on_submit():
        result = services.import_anniversary_dataset(db.session, actor=person, now=utcnow())
        db.session.commit()
        flash(_import_summary(result), "success")
    return redirect(url_for("calendar.anniversaries"))


# --- planning: lead times and tasks ------------------------------------------------------------


@blueprint.route("/lead-times", methods=["GET", "POST"])
@login_required
def lead_times():
    person = actor()
    require(person, "settings.manage")
    current = services.lead_times(db.session)
    form = LeadTimesForm(data={tier.value: days for tier, days in current.items()})
    if form.validate_on_submit():
        try:
            services.set_lead_times(
                db.session,
                actor=person,
                now=utcnow(),
                major=form.major.data,
                round=form.round.data,
                regular=form.regular.data,
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(gettext("The lead times were saved."), "success")
            return redirect(url_for("calendar.lead_times"))
    status = 422 if form.errors else 200
    return render_template("calendar/lead_times.html", form=form), status


@blueprint.post("/tasks/<int:task_id>/done")
@login_required
def complete_task(task_id: int):
    person = actor()
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("main.dashboard"))
    task = load_for("planning_task.complete", PlanningTask, task_id)
    try:
        services.complete_planning_task(db.session, actor=person, now=utcnow(), task=task)
    except HeraldError as error:
        db.session.rollback()
        flash(error_message(error), "error")
    else:
        db.session.commit()
        flash(gettext("Marked as done."), "success")
    return redirect(url_for("main.dashboard"))
