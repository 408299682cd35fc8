"""The press blueprint and what its views share: parsing form values, answering with a
flash or the form again, and the labels every press template uses."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template

from campaigns.db import fits_integer
from campaigns.errors import HeraldError, NotAllowed
from campaigns.permissions import can
from campaigns.press import rules
from campaigns.social import queries as social_queries
from web import labels
from web.extensions import db
from web.forms import show_domain_error
from web.i18n import error_message, translate

blueprint = Blueprint("press", __name__, url_prefix="/press")


def visible_campaigns(person) -> list:
    """Campaigns a trip or an article may be linked to, for those who may see campaigns."""
    if not can(person, "campaign.view"):
        return []
    return social_queries.list_campaigns(db.session, actor=person)


def to_int(value) -> int | None:
    """A form's or query string's number, or None (empty, not a number, beyond an INTEGER)."""
    try:
        number = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return number if number is None or fits_integer(number) else None


def to_ints(values) -> list[int]:
    return [number for number in (to_int(value) for value in values or []) if number is not None]


def lines_of(value) -> list[str]:
    """A textarea's lines (or, when the form fell back to the object's value, that list)."""
    if isinstance(value, list):
        return value
    return [line.strip() for line in (value or "").splitlines()]


def next_states_of(machine) -> dict[str, list[str]]:
    return {state: rules.next_states(machine, state) for state in machine}


def clash_texts(clashes) -> list[str]:
    return [translate(clash.message, clash.params) for clash in clashes]


def done(message: str, target: str):
    db.session.commit()
    flash(message, "success")
    return redirect(target, code=303)


def failed(error: HeraldError, target: str):
    if isinstance(error, NotAllowed):
        raise error
    db.session.rollback()
    flash(error_message(error), "error")
    return redirect(target, code=303)


def form_error(form, error: HeraldError, aliases: dict[str, str] | None = None) -> None:
    """Put a domain error next to the form's fields; a refusal stays a refusal (403)."""
    if isinstance(error, NotAllowed):
        raise error
    db.session.rollback()
    show_domain_error(form, error, aliases=aliases)


def form_page(template: str, form, **context):
    # Clashes are not wrong input: the request conflicts with the plan until confirmed.
    status = 422 if form.errors else 409 if context.get("clashes") else 200
    return render_template(template, form=form, **context), status


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
