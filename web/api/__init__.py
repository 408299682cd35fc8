"""The JSON API under /api/v1: bearer tokens, flask-smorest blueprints, generated OpenAPI."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from web.extensions import csrf

BEARER = {"type": "http", "scheme": "bearer", "description": "A personal API token (hrd_...)."}


def register_api(app: Flask) -> Api:
    api = Api(
        app,
        spec_kwargs={
            "info": {"description": "Herald's JSON API. Authenticate with a personal token."},
            "servers": [{"url": app.config["HERALD_BASE_URL"]}],
            "security": [{"bearerAuth": []}],
        },
    )
    api.spec.components.security_scheme("bearerAuth", BEARER)

    from web.api.org import me_blueprint, people_blueprint, units_blueprint

    for blueprint in (me_blueprint, units_blueprint, people_blueprint):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)

    from web.api.press import PRESS_BLUEPRINTS

    for blueprint in PRESS_BLUEPRINTS:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)

    from web.api.calendar import CALENDAR_BLUEPRINTS

    for blueprint in CALENDAR_BLUEPRINTS:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)

    from web.api.social import SOCIAL_BLUEPRINTS

    for blueprint in SOCIAL_BLUEPRINTS:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)

    from web.api.scores import SCORES_BLUEPRINTS

    for blueprint in SCORES_BLUEPRINTS:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)

    from web.api.metrics import METRICS_BLUEPRINTS

    for blueprint in METRICS_BLUEPRINTS:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    from web.api.webhooks import WEBHOOKS_BLUEPRINTS

    for blueprint in WEBHOOKS_BLUEPRINTS:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    from web.api.docs import blueprint as reference_blueprint

    app.register_blueprint(reference_blueprint)
    app.extensions["herald_api"] = api
    return api
