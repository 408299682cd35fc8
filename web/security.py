"""Sessions, the current person, the door of each request, and security headers."""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import LoginManager, UserMixin, current_user

from campaigns.org import services
from campaigns.org.models import Person
from campaigns.permissions import can
from web.extensions import db


class SignedInPerson(UserMixin):
    """Flask-Login's view of a Person. The session (and the remember-me cookie) stores only the
    person's random session token: a new one (password changed, person deactivated, "sign out
    everywhere") ends every session that carried the old one."""

    def __init__(self, person: Person) -> None:
        self.person = person

    def get_id(self) -> str:
        return self.person.session_token

    @property
    def is_active(self) -> bool:
        return self.person.active

    def __getattr__(self, name: str):
        return getattr(self.person, name)


def load_user(session_token: str) -> SignedInPerson | None:
    person = services.person_for_session(db.session, session_token)
    return SignedInPerson(person) if person is not None else None


def actor() -> Person | None:
    """The person acting in this request: signed in (web) or bearer-token holder (API)."""
    if getattr(g, "api_person", None) is not None:
        return g.api_person
    if current_user.is_authenticated:
        return current_user.person
    return None


def _content_security_policy() -> str:
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'; object-src 'none'"
    )


def init_app(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "account.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @app.before_request
    def name_the_door() -> None:
        door = "api" if request.path.startswith("/api/") else "web"
        db.session.info["door"] = door

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Content-Security-Policy", _content_security_policy())
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # API answers, health reports and anything seen signed in stay out of every cache
        # (browsers, proxies): they carry people's data or the state of the installation.
        private = request.path.startswith("/api/") or request.endpoint in (
            "main.healthz",
            "main.metrics",
        )
        if private:
            headers["Cache-Control"] = "no-store"
        elif current_user.is_authenticated and request.endpoint != "static":
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.context_processor
    def permissions_in_templates():
        return {"can": lambda action, target=None: can(actor(), action, target), "actor": actor}
