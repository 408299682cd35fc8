"""Signing in and out, the interface language, and each person's own profile and API tokens."""

from __future__ import annotations

import hashlib
import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_limiter.util import get_remote_address
from flask_login import login_required, login_user, logout_user
from werkzeug.wrappers import Response

from campaigns.db import utcnow
from campaigns.errors import HeraldError
from campaigns.i18n import N_
from campaigns.org import queries, services, telegram_links
from web.account.forms import EmptyForm, LoginForm, PasswordForm, PreferencesForm, TokenForm
from web.extensions import db, limiter
from web.forms import show_domain_error
from web.i18n import LANGUAGES, error_message
from web.security import SignedInPerson, actor

blueprint = Blueprint("account", __name__)

BOT_NOT_CONFIGURED = N_(
    "Herald's Telegram bot is not set up on this installation, so there is nothing to connect"
    " yet. An administrator can set it up (see “Connect a Telegram bot” in Herald's README)."
)


def _per_minute(setting: str):
    def limit() -> str:
        return f"{current_app.config[setting]}/minute"

    return limit


def _account() -> str:
    # A digest: the key is bounded and says nothing of the address typed, whatever the storage.
    email = (request.form.get("email") or "").strip().lower()
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def _account_key() -> str:
    return "account:" + _account()


def _account_and_address_key() -> str:
    return f"account-address:{_account()}:{get_remote_address()}"


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _too_many_attempts(limit) -> Response:
    wait = max(1, int(limit.reset_at - time.time()))
    form = LoginForm()
    flash(
        gettext("Too many failed sign-in attempts. Try again in %(seconds)d s.", seconds=wait),
        "error",
    )
    response = current_app.make_response((render_template("account/login.html", form=form), 429))
    response.headers["Retry-After"] = str(wait)
    return response


# Failed sign-ins are counted three ways. One account from one address (a person who forgot
# their password, or someone guessing it) waits first; one account from anywhere (guessing
# spread over many addresses) a little later; one address for every account only at a much
# higher rate, so that an office behind one address is not locked out by one person's typos.
_LOGIN_LIMITS = (
    ("HERALD_LOGIN_ATTEMPTS_PER_MINUTE", _account_and_address_key, "login-account-address"),
    ("HERALD_LOGIN_ACCOUNT_ATTEMPTS_PER_MINUTE", _account_key, "login-account"),
    ("HERALD_LOGIN_ADDRESS_ATTEMPTS_PER_MINUTE", get_remote_address, "login-address"),
)


def _throttled(view):
    for setting, key, scope in _LOGIN_LIMITS:
        view = limiter.limit(
            _per_minute(setting),
            key_func=key,
            methods=["POST"],
            deduct_when=_failed,
            on_breach=_too_many_attempts,
            scope=scope,
        )(view)
    return view


@blueprint.route("/login", methods=["GET", "POST"])
@_throttled
def login():
    form = LoginForm()
    if form.validate_on_submit():
        person = services.authenticate(
            db.session, email=form.email.data, password=form.password.data
        )
        if person is None:
            flash(
                gettext("The email or password is not right, or the account is inactive."), "error"
            )
            return render_template("account/login.html", form=form), 401
        db.session.commit()  # a re-hashed password, if argon2's parameters moved on
        session.clear()
        login_user(SignedInPerson(person))
        next_url = request.args.get("next", "")
        # Only a local path: never redirect to another site after signing in.
        if not next_url.startswith("/") or next_url.startswith("//"):
            next_url = url_for("main.dashboard")
        return redirect(next_url)
    return render_template("account/login.html", form=form)


@blueprint.post("/logout")
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
        session.clear()
    return redirect(url_for("account.login"))


@blueprint.post("/language/<code>")
def language(code: str):
    """Switch the interface language; saved on the person when signed in."""
    if code not in LANGUAGES or not EmptyForm().validate_on_submit():
        return redirect(request.referrer or url_for("main.dashboard"))
    person = actor()
    if person is not None:
        services.update_preferences(db.session, actor=person, now=utcnow(), locale=code)
        db.session.commit()
    session["locale"] = code
    target = request.form.get("back", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.dashboard")
    return redirect(target)


@blueprint.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    person = actor()
    form = PreferencesForm(obj=person)
    if form.validate_on_submit():
        try:
            services.update_preferences(
                db.session,
                actor=person,
                now=utcnow(),
                locale=form.locale.data,
                timezone=form.timezone.data,
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            session["locale"] = person.locale
            flash(gettext("Your preferences were saved."), "success")
            return redirect(url_for("account.profile"))
    return _profile_page(person, preferences=form)


def _profile_page(
    person, *, preferences=None, password=None, token=None, new_token=None, telegram_code=None
):
    return render_template(
        "account/profile.html",
        person=person,
        preferences=preferences or PreferencesForm(obj=person, formdata=None),
        password_form=password or PasswordForm(formdata=None),
        token_form=token or TokenForm(formdata=None),
        tokens=queries.tokens_of(db.session, person),
        new_token=new_token,
        revoke_form=EmptyForm(),
        telegram_link=telegram_links.telegram_link_of(db.session, person),
        telegram_bot=telegram_links.bot_username(db.session),
        telegram_configured=_telegram_configured(),
        bot_not_configured=BOT_NOT_CONFIGURED,
        telegram_code=telegram_code,
        telegram_code_minutes=int(telegram_links.CODE_LIFETIME.total_seconds() // 60),
    )


@blueprint.post("/profile/password")
@login_required
def change_password():
    person = actor()
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(
                db.session,
                actor=person,
                now=utcnow(),
                person=person,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            # The new password came with a new session token: this browser keeps going under
            # it, every other one is signed out.
            login_user(SignedInPerson(person))
            flash(gettext("Your password was changed."), "success")
            return redirect(url_for("account.profile"))
    return _profile_page(person, password=form), 422


@blueprint.post("/profile/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every session of the signed-in person, on every device (this one too)."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("account.profile"))
    person = actor()
    services.sign_out_everywhere(db.session, actor=person, now=utcnow(), person=person)
    db.session.commit()
    logout_user()
    session.clear()
    flash(gettext("You are signed out on every device."), "success")
    return redirect(url_for("account.login"))


@blueprint.post("/profile/tokens")
@login_required
def create_token():
    person = actor()
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _, plaintext = services.create_api_token(
                db.session, actor=person, now=utcnow(), person=person, name=form.name.data
            )
        except HeraldError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            return _profile_page(person, new_token=plaintext)
    return _profile_page(person, token=form), 422


@blueprint.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("account.profile"))
    try:
        services.revoke_api_token(db.session, actor=actor(), now=utcnow(), token_id=token_id)
    except HeraldError as error:
        db.session.rollback()
        flash(error_message(error), "error")
    else:
        db.session.commit()
        flash(gettext("The token was revoked. Programs using it are now refused."), "success")
    return redirect(url_for("account.profile"))


def _telegram_configured() -> bool:
    """Whether this Herald has a field bot at all (without a token, a code links nothing)."""
    return bool(current_app.config["HERALD_TELEGRAM_BOT_TOKEN"])


@blueprint.post("/profile/telegram")
@login_required
def connect_telegram():
    """A one-time code to send to the bot; shown once, on the page this answers with."""
    person = actor()
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("account.profile"))
    if not _telegram_configured():
        flash(gettext(BOT_NOT_CONFIGURED), "error")
        return redirect(url_for("account.profile") + "#telegram")
    try:
        _, code = telegram_links.create_link_code(
            db.session, actor=person, now=utcnow(), person=person
        )
    except HeraldError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return redirect(url_for("account.profile"))
    db.session.commit()
    return _profile_page(person, telegram_code=code)


@blueprint.post("/profile/telegram/disconnect")
@login_required
def disconnect_telegram():
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("account.profile"))
    person = actor()
    try:
        telegram_links.disconnect_telegram(db.session, actor=person, now=utcnow(), person=person)
    except HeraldError as error:
        db.session.rollback()
        flash(error_message(error), "error")
    else:
        db.session.commit()
        flash(gettext("Telegram is disconnected: Herald sends you nothing there now."), "success")
    return redirect(url_for("account.profile") + "#telegram")
