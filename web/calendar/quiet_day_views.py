"""Quiet days (the office's sensitive dates) and the office-wide clash interval of
publications: what scheduling warns about."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required

from campaigns.calendar import quiet_days
from campaigns.calendar.models import QuietDay
from campaigns.db import utcnow
from campaigns.errors import HeraldError
from campaigns.org import queries as org_queries
from campaigns.permissions import require
from web.account.forms import EmptyForm
from web.calendar.forms import ClashIntervalForm, QuietDayForm
from web.calendar.routes import blueprint
from web.extensions import db
from web.forms import show_domain_error
from web.i18n import error_message
from web.loading import load_for
from web.security import actor


def _page(form: QuietDayForm, interval_form: ClashIntervalForm, status: int = 200):
    person = actor()
    return (
        render_template(
            "calendar/quiet_days.html",
            form=form,
            interval_form=interval_form,
            quiet_days=quiet_days.list_quiet_days(db.session),
            delete_form=EmptyForm(formdata=None),
            view="calendar.quiet_days",
            zone=person.timezone,
        ),
        status,
    )


def _quiet_day_form(**kwargs) -> QuietDayForm:
    return QuietDayForm(units=org_queries.all_units(db.session), **kwargs)


def _interval_form(**kwargs) -> ClashIntervalForm:
    return ClashIntervalForm(minutes=quiet_days.clash_interval(db.session), **kwargs)


@blueprint.get("/quiet-days")
@login_required
def quiet_days_page():
    require(actor(), "quiet_day.manage")
    return _page(_quiet_day_form(formdata=None), _interval_form(formdata=None))


@blueprint.post("/quiet-days")
@login_required
def add_quiet_day():
    person = actor()
    require(person, "quiet_day.manage")
    form = _quiet_day_form()
    interval_form = _interval_form(formdata=None)
    if not form.validate_on_submit():
        return _page(form, interval_form, 422)
    data = quiet_days.QuietDayInput(
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        reason=form.reason.data or "",
        unit_code=form.unit_code.data or "",
        timezone=form.timezone.data or "",
    )
    try:
        quiet_days.create_quiet_day(db.session, actor=person, now=utcnow(), data=data)
    except HeraldError as error:
        db.session.rollback()
        show_domain_error(form, error)
        return _page(form, interval_form, error.status)
    db.session.commit()
    flash(
        gettext("The quiet days were added: scheduling on them now asks for confirmation."),
        "success",
    )
    return redirect(url_for("calendar.quiet_days_page"))


@blueprint.post("/quiet-days/<int:quiet_day_id>/delete")
@login_required
def delete_quiet_day(quiet_day_id: int):
    person = actor()
    require(person, "quiet_day.manage")
    if EmptyForm().validate_on_submit():
        try:
            found = load_for("quiet_day.manage", QuietDay, quiet_day_id)
            quiet_days.delete_quiet_day(db.session, actor=person, now=utcnow(), quiet_day=found)
        except HeraldError as error:
            db.session.rollback()
            flash(error_message(error), "error")
        else:
            db.session.commit()
            flash(gettext("The quiet days were taken off the list."), "success")
    return redirect(url_for("calendar.quiet_days_page"))


@blueprint.post("/quiet-days/interval")
@login_required
def clash_interval():
    person = actor()
    require(person, "quiet_day.manage")
    form = ClashIntervalForm()
    if form.validate_on_submit():
        try:
            quiet_days.set_clash_interval(
                db.session, actor=person, now=utcnow(), minutes=form.minutes.data
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(gettext("The clash interval was saved."), "success")
            return redirect(url_for("calendar.quiet_days_page"))
    return _page(_quiet_day_form(formdata=None), form, 422)
