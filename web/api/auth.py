"""Bearer-token authentication for every API blueprint."""

from __future__ import annotations

import functools

from flask import g, request
from flask_babel import gettext

from campaigns.db import utcnow
from campaigns.org import services
from campaigns.permissions import require
from web.errors import json_error
from web.extensions import db
from web.security import actor


def authenticate_bearer():
    """Every API request carries ``Authorization: Bearer <token>`` of an active person."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    person = None
    if scheme.lower() == "bearer" and token.strip():
        person = services.person_for_token(db.session, plaintext=token.strip(), now=utcnow())
    if person is None:
        response = json_error(
            401, gettext("A valid API token is required (Authorization: Bearer ...).")
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="herald"'
        return response
    # A moved last-used time is the only write a read request may cause; keep it. (Only then:
    # a commit expires every loaded object, and the view would load the person again.)
    if db.session.dirty:
        db.session.commit()
    g.api_person = person
    return None


def requires(action: str):
    """Check a permission before the request body is even read: no rights, 403, whatever sent."""

    def decorate(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            require(actor(), action)
            return view(*args, **kwargs)

        return checked

    return decorate
