"""Bearer-token authentication for every API blueprint."""

from __future__ import annotations

from flask import g, request
from flask_babel import gettext

from campaigns.db import utcnow
from campaigns.org import services
from web.errors import json_error
from web.extensions import db


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
    # A moved last-used time is the only write a read request may cause; keep it.
    db.session.commit()
    g.api_person = person
    return None
