"""Outgoing webhooks, for administrators: endpoints (secret shown once), test pings, and each
endpoint's delivery log with every attempt's answer. The rules are in ``campaigns.webhooks``."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from campaigns import webhooks
from campaigns.db import utcnow
from campaigns.errors import HeraldError
from campaigns.permissions import require
from campaigns.webhooks import WebhookEndpoint
from web.extensions import db
from web.forms import show_domain_error
from web.i18n import error_message
from web.loading import load_for
from web.security import actor
from web.webhooks.forms import EndpointForm

blueprint = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")

DELIVERIES_SHOWN = 50
STATUS_LABELS = {
    webhooks.DeliveryStatus.PENDING: _l("Waiting"),
    webhooks.DeliveryStatus.SENDING: _l("Being sent"),
    webhooks.DeliveryStatus.DELIVERED: _l("Delivered"),
    webhooks.DeliveryStatus.FAILED: _l("Failed: deliver again by hand"),
}


def _app_secret() -> str:
    return current_app.config["SECRET_KEY"]


def _shown_once(endpoint: WebhookEndpoint, secret: str):
    """The page that shows a secret, once: never cached, never put in a flash or a link."""
    response = current_app.make_response(
        render_template("webhooks/secret.html", hook=endpoint, secret=secret)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/")
@login_required
def endpoints():
    person = actor()
    return render_template(
        "webhooks/endpoints.html",
        endpoints=webhooks.list_endpoints(db.session, actor=person),
        labels=webhooks.EVENT_LABELS,
    )


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
def new_endpoint():
    require(actor(), "webhooks.manage")
    form = EndpointForm()
    if form.validate_on_submit():
        try:
            endpoint, secret = webhooks.create_endpoint(
                db.session,
                actor=actor(),
                now=utcnow(),
                url=form.url.data or "",
                events=form.events.data or [],
                description=form.description.data or "",
                active=form.active.data,
                app_secret=_app_secret(),
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            return _shown_once(endpoint, secret)
    elif request.method == "GET":
        form.events.data = [webhooks.EventType.PUBLICATION_PUBLISHED]
    status = 422 if form.errors else 200
    return render_template("webhooks/endpoint_form.html", form=form, hook=None), status


@blueprint.route("/<int:endpoint_id>/edit", methods=["GET", "POST"])
@login_required
def edit_endpoint(endpoint_id: int):
    endpoint = load_for("webhooks.manage", WebhookEndpoint, endpoint_id)
    form = EndpointForm(obj=endpoint)
    if form.validate_on_submit():
        try:
            webhooks.update_endpoint(
                db.session,
                actor=actor(),
                now=utcnow(),
                endpoint_id=endpoint.id,
                url=form.url.data or "",
                events=form.events.data or [],
                description=form.description.data or "",
                active=form.active.data,
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(gettext("The endpoint was saved."), "success")
            return redirect(url_for("webhooks.endpoint_page", endpoint_id=endpoint_id))
    status = 422 if form.errors else 200
    return render_template("webhooks/endpoint_form.html", form=form, hook=endpoint), status


@blueprint.get("/<int:endpoint_id>")
@login_required
def endpoint_page(endpoint_id: int):
    endpoint = load_for("webhooks.manage", WebhookEndpoint, endpoint_id)
    status = request.args.get("status") or None
    if status not in (None, *webhooks.DeliveryStatus):
        status = None
    return render_template(
        "webhooks/endpoint.html",
        hook=endpoint,
        labels=webhooks.EVENT_LABELS,
        status=status,
        statuses=list(webhooks.DeliveryStatus),
        status_labels=STATUS_LABELS,
        deliveries=webhooks.endpoint_deliveries(
            db.session,
            actor=actor(),
            endpoint_id=endpoint.id,
            status=status,
            limit=DELIVERIES_SHOWN,
        ),
    )


@blueprint.post("/<int:endpoint_id>/rotate")
@login_required
def rotate_secret(endpoint_id: int):
    endpoint = load_for("webhooks.manage", WebhookEndpoint, endpoint_id)
    _, secret = webhooks.rotate_secret(
        db.session, actor=actor(), now=utcnow(), endpoint_id=endpoint.id, app_secret=_app_secret()
    )
    db.session.commit()
    return _shown_once(endpoint, secret)


@blueprint.post("/<int:endpoint_id>/ping")
@login_required
def ping(endpoint_id: int):
    endpoint = load_for("webhooks.manage", WebhookEndpoint, endpoint_id)
    webhooks.send_test_ping(db.session, actor=actor(), now=utcnow(), endpoint_id=endpoint.id)
    db.session.commit()
    flash(gettext("A test ping is on its way; its answer appears below."), "success")
    return redirect(url_for("webhooks.endpoint_page", endpoint_id=endpoint_id))


@blueprint.post("/<int:endpoint_id>/delete")
@login_required
def delete_endpoint(endpoint_id: int):
    endpoint = load_for("webhooks.manage", WebhookEndpoint, endpoint_id)
    webhooks.delete_endpoint(db.session, actor=actor(), now=utcnow(), endpoint_id=endpoint.id)
    db.session.commit()
    flash(gettext("The endpoint and its delivery log were deleted."), "success")
    return redirect(url_for("webhooks.endpoints"))


@blueprint.post("/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver")
@login_required
def redeliver(endpoint_id: int, delivery_id: int):
    endpoint = load_for("webhooks.manage", WebhookEndpoint, endpoint_id)
    try:
        webhooks.redeliver(
            db.session,
            actor=actor(),
            now=utcnow(),
            delivery_id=delivery_id,
            endpoint_id=endpoint.id,
        )
    except HeraldError as error:
        db.session.rollback()
        flash(error_message(error), "error")
    else:
        db.session.commit()
        flash(gettext("The delivery will be sent again."), "success")
    return redirect(url_for("webhooks.endpoint_page", endpoint_id=endpoint_id))
