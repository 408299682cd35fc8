"""Herald's web door: the Flask application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

import campaigns.models  # noqa: F401  (the whole schema, mapped once)
import migrations
from campaigns.db import ENGINE_OPTIONS
from campaigns.log_format import use_json_logs
from campaigns.log_redaction import install_log_redaction
from web import telemetry
from web.config import (
    check_secret_key,
    config_from_env,
    demo_secret_key,
    existing_demo_secret_key,
)
from web.extensions import babel, csrf, db, limiter, login_manager, migrate

MIGRATIONS_DIRECTORY = str(Path(migrations.__file__).parent)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` overrides what the environment says (tests, demo)."""
    install_log_redaction()
    # HERALD_INSTANCE_PATH: where SQLite, media, the demo's key and the scheduler lock live
    # (default: instance/ beside the code).
    instance_setting = os.environ.get("HERALD_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=str(Path(instance_setting).resolve()) if instance_setting else None,
    )
    instance_path = Path(app.instance_path)
    app.config.update(config_from_env(os.environ, instance_path))
    app.config.update(config or {})
    if not app.config["SECRET_KEY"]:
        if app.config["HERALD_DEMO"]:
            app.config["SECRET_KEY"] = demo_secret_key(instance_path)
        elif app.config.get("HERALD_USE_DEMO_KEY"):
            # `herald token create` (any command) after `herald demo`: the demo's own key, so
            # its sessions, feed links and channel credentials stay readable.
            app.config["SECRET_KEY"] = existing_demo_secret_key(instance_path)
    check_secret_key(app.config)
    if app.config["HERALD_DEMO"]:
        app.config["HERALD_LOG_FORMAT"] = "text"  # the demo talks to a person at a terminal
    elif app.config.get("HERALD_LOG_FORMAT") == "json":
        use_json_logs()
    # Whatever the configuration says, a database error never logs the statement's values.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **ENGINE_OPTIONS,
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        "hide_parameters": True,
    }
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        instance_path.mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIRECTORY, render_as_batch=True)
    # First, so that a request refused by the CSRF check or the rate limiter is measured too.
    telemetry.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    from web import guards, i18n, security

    guards.init_app(app)
    i18n.init_app(app, babel)
    from web.forms import country_filter_options

    app.jinja_env.globals["country_filter_options"] = country_filter_options
    security.init_app(app, login_manager)

    from web.account.routes import blueprint as account_blueprint
    from web.admin.routes import blueprint as admin_blueprint
    from web.main.routes import blueprint as main_blueprint

    app.register_blueprint(main_blueprint)
    app.register_blueprint(account_blueprint)
    app.register_blueprint(admin_blueprint)

    from web.webhooks.routes import blueprint as webhooks_blueprint

    app.register_blueprint(webhooks_blueprint)

    from web.press.routes import blueprint as press_blueprint

    app.register_blueprint(press_blueprint)

    from web.calendar import milestone_views, quiet_day_views  # noqa: F401  (register views)
    from web.calendar.routes import blueprint as calendar_blueprint

    app.register_blueprint(calendar_blueprint)

    from web.imports.routes import blueprint as imports_blueprint

    app.register_blueprint(imports_blueprint)

    from web.feeds.routes import blueprint as feeds_blueprint

    app.register_blueprint(feeds_blueprint)

    from web.campaigns.routes import blueprint as campaigns_blueprint
    from web.channels.routes import blueprint as channels_blueprint

    app.register_blueprint(campaigns_blueprint)

    from web.reports.routes import blueprint as reports_blueprint

    app.register_blueprint(reports_blueprint)
    app.register_blueprint(channels_blueprint)

    from web.scores.routes import blueprint as scores_blueprint

    app.register_blueprint(scores_blueprint)

    from web.plans.routes import blueprint as plans_blueprint

    app.register_blueprint(plans_blueprint)

    from web.conferences.routes import blueprint as conferences_blueprint
    from web.field.routes import blueprint as field_blueprint

    app.register_blueprint(field_blueprint)
    app.register_blueprint(conferences_blueprint)

    from web.telegram.routes import blueprint as telegram_blueprint

    app.register_blueprint(telegram_blueprint)

    from web.api import register_api

    register_api(app)

    from web.errors import register_error_handlers

    register_error_handlers(app)
    return app
