"""The organisation's own accounts in the browser: health panels, create and edit, write-only
credentials, "test connection" (performed by a worker, never by the web), pause and resume, and
the sandbox platform's local page per channel."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required

from campaigns.db import parse_id, utcnow
from campaigns.errors import HeraldError, NotAllowed
from campaigns.org import queries as org_queries
from campaigns.permissions import can, require
from campaigns.social import channels as services
from campaigns.social import checks, queries
from campaigns.social.models import Channel, ChannelKind
from campaigns.social.rules import CREDENTIAL_FIELDS
from web.account.forms import EmptyForm
from web.channels import forms
from web.extensions import db
from web.forms import show_domain_error
from web.loading import load_for
from web.security import actor

blueprint = Blueprint("channels", __name__)


def _done(message: str, target: str):
    db.session.commit()
    flash(message, "success")
    return redirect(target, code=303)


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


@blueprint.get("/social/channels")
@login_required
def channel_list():
    person = actor()
    require(person, "channel.view")
    return render_template(
        "channels/list.html",
        panels=queries.channel_panels(db.session, now=utcnow()),
        zone=person.timezone,
    )


def _channel_form(channel: Channel | None) -> forms.ChannelForm:
    person = actor()
    form = forms.ChannelForm(
        units=org_queries.all_units(db.session),
        people=org_queries.visible_people(db.session, person, active=True),
    )
    if channel is not None:
        form.kind.render_kw = {"disabled": True}
    return form


def _fill(form: forms.ChannelForm, channel: Channel) -> None:
    form.kind.data = channel.kind
    form.name.data = channel.name
    form.handle.data = channel.handle
    form.language.data = channel.language
    form.visibility.data = channel.visibility or "public"
    form.audience_countries.data = list(channel.audience_countries or [])
    form.audience_zone.data = channel.audience_zone
    form.owner_unit_code.data = channel.owner_unit.code
    form.owner_person_id.data = str(channel.owner_person_id or "")
    form.rate_limit_posts.data = channel.rate_limit_posts
    form.rate_window_seconds.data = channel.rate_window_seconds
    form.clash_interval_minutes.data = channel.clash_interval_minutes


def _channel_input(form: forms.ChannelForm, channel: Channel | None) -> services.ChannelInput:
    owner = form.owner_person_id.data
    return services.ChannelInput(
        kind=channel.kind if channel is not None else form.kind.data or "",
        name=form.name.data or "",
        language=form.language.data or "",
        owner_unit_code=form.owner_unit_code.data or "",
        handle=form.handle.data or "",
        owner_person_id=parse_id(owner),
        rate_limit_posts=form.rate_limit_posts.data,
        rate_window_seconds=form.rate_window_seconds.data,
        clash_interval_minutes=form.clash_interval_minutes.data,
        audience_countries=list(form.audience_countries.data or []),
        audience_zone=(form.audience_zone.data or "").strip() or None,
        visibility=form.visibility.data or "",
    )


@blueprint.route("/social/channels/new", methods=["GET", "POST"])
@blueprint.route("/social/channels/<int:channel_id>/edit", methods=["GET", "POST"])
@login_required
def channel_form(channel_id: int | None = None):
    person = actor()
    if channel_id is None:
        require(person, "channel.manage")
        channel = None
    else:
        channel = load_for("channel.manage", Channel, channel_id)
    form = _channel_form(channel)
    if channel is not None and not form.is_submitted():
        _fill(form, channel)
    if form.validate_on_submit():
        try:
            data = _channel_input(form, channel)
            if channel is None:
                channel = services.create_channel(
                    db.session,
                    actor=person,
                    now=utcnow(),
                    data=data,
                    credentials=form.credentials(),
                    secret=_secret(),
                )
            else:
                services.update_channel(
                    db.session, actor=person, now=utcnow(), channel=channel, data=data
                )
        except HeraldError as error:
            if isinstance(error, NotAllowed):
                raise
            db.session.rollback()
            show_domain_error(form, error)
        else:
            return _done(
                gettext("The channel was saved."),
                url_for("channels.channel_page", channel_id=channel.id),
            )
    title = gettext("Edit channel") if channel else gettext("New channel")
    return (
        render_template("channels/form.html", form=form, channel=channel, title=title),
        422 if form.errors else 200,
    )


def _panel(channel: Channel):
    return next(
        panel
        for panel in queries.channel_panels(db.session, now=utcnow())
        if panel.channel.id == channel.id
    )


def _channel_page(channel: Channel, credentials_form=None, status: int = 200):
    person = actor()
    return (
        render_template(
            "channels/channel.html",
            channel=channel,
            panel=_panel(channel),
            check=checks.latest_connection_check(db.session, channel=channel),
            credentials_form=credentials_form or forms.CredentialsForm(formdata=None),
            credential_fields=CREDENTIAL_FIELDS[channel.kind],
            action_form=EmptyForm(),
            can_manage=can(person, "channel.manage", channel),
            zone=person.timezone,
        ),
        status,
    )


@blueprint.get("/social/channels/<int:channel_id>")
@login_required
def channel_page(channel_id: int):
    return _channel_page(load_for("channel.view", Channel, channel_id))


@blueprint.post("/social/channels/<int:channel_id>/credentials")
@login_required
def channel_credentials(channel_id: int):
    person = actor()
    channel = load_for("channel.manage", Channel, channel_id)
    form = forms.CredentialsForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_channel_credentials(
            db.session,
            actor=person,
            now=utcnow(),
            channel=channel,
            credentials=form.credentials(),
            secret=_secret(),
        )
    except HeraldError as error:
        if isinstance(error, NotAllowed):
            raise
        db.session.rollback()
        channel = load_for("channel.manage", Channel, channel_id)
        show_domain_error(form, error)
        return _channel_page(channel, credentials_form=form, status=error.status)
    return _done(
        gettext("The credentials were saved. They are never shown again."),
        url_for("channels.channel_page", channel_id=channel.id),
    )


@blueprint.post("/social/channels/<int:channel_id>/<any(pause, resume):action>")
@login_required
def channel_pause(channel_id: int, action: str):
    person = actor()
    channel = load_for("channel.manage", Channel, channel_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.set_channel_paused(
        db.session, actor=person, now=utcnow(), channel=channel, paused=action == "pause"
    )
    message = (
        gettext("The channel is paused: nothing is published on it until it resumes.")
        if action == "pause"
        else gettext("The channel resumed.")
    )
    return _done(message, url_for("channels.channel_page", channel_id=channel.id))


@blueprint.post("/social/channels/<int:channel_id>/check")
@login_required
def channel_check(channel_id: int):
    person = actor()
    channel = load_for("channel.manage", Channel, channel_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    checks.request_connection_check(db.session, actor=person, now=utcnow(), channel=channel)
    return _done(
        gettext("A worker is testing the connection; reload this page in a moment."),
        url_for("channels.channel_page", channel_id=channel.id),
    )


@blueprint.get("/sandbox/<int:channel_id>")
@login_required
def sandbox(channel_id: int):
    person = actor()
    channel = load_for("channel.view", Channel, channel_id)
    if channel.kind != ChannelKind.SANDBOX:
        abort(404)
    return render_template(
        "channels/sandbox.html",
        channel=channel,
        posts=services.sandbox_posts(db.session, channel=channel),
        zone=person.timezone,
    )
