"""A milestone's page (an anniversary in one year, or the planning task it caused): what it
is, and "create a campaign / a press trip from this milestone" with the forms filled in."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template
from flask_login import login_required

from campaigns.calendar import queries
from campaigns.calendar.models import Anniversary, PlanningTask
from campaigns.db import utcnow
from campaigns.errors import NotFound
from campaigns.permissions import require
from campaigns.timezones import to_zone
from web.account.forms import EmptyForm
from web.calendar.routes import blueprint
from web.extensions import db
from web.loading import load_for
from web.security import actor


@blueprint.get("/milestones/<int:anniversary_id>/<day>")
@login_required
def milestone(anniversary_id: int, day: str):
    person = actor()
    require(person, "calendar.view")
    anniversary = load_for(None, Anniversary, anniversary_id)
    try:
        occurrence = queries.occurrence_on(anniversary, date.fromisoformat(day))
    except (ValueError, NotFound):
        abort(404)
    return render_template(
        "calendar/milestone.html",
        occurrence=occurrence,
        anniversary=anniversary,
        task=queries.planning_task_of(db.session, occurrence, actor=person),
        task_form=EmptyForm(formdata=None),
        today=to_zone(utcnow(), person.timezone).date(),
        draft={"anniversary": anniversary_id, "date": occurrence.date.isoformat()},
    )


@blueprint.get("/tasks/<int:task_id>")
@login_required
def planning_task(task_id: int):
    """A planning task opens its milestone's page."""
    task = load_for(None, PlanningTask, task_id)
    return milestone(task.anniversary_id, task.occurrence_date.isoformat())
