"""The ``herald`` command: one Flask CLI group for every process and admin task."""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate.cli import db as migrate_commands
from werkzeug.serving import run_simple

from campaigns.db import utcnow
from campaigns.errors import HeraldError, Invalid
from web.config import ConfigurationError


def _create_app(**config: Any) -> Flask:
    """The app of every command. Without HERALD_SECRET_KEY, a command run where ``herald demo``
    ran uses the demo's key, as the demo itself does."""
    from web import create_app

    return create_app({"HERALD_USE_DEMO_KEY": True, **config})


def _listening_on(host: str, port: int) -> dict[str, Any]:
    """Without HERALD_BASE_URL, links (feeds, webcal, Telegram alerts) name the address this
    server listens on, in the web and in every process the demo starts."""
    from web.links import listening_base_url

    if os.environ.get("HERALD_BASE_URL"):
        return {}
    return {"HERALD_BASE_URL": listening_base_url(host, port)}


class HeraldGroup(FlaskGroup):
    """Lists its own commands without building the app, so ``herald --help`` always works."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return sorted(self.commands)


cli = HeraldGroup(
    name="herald",
    help="Herald: calendar, press programme and campaigns of an external-information office.",
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=True,
    set_debug_flag=False,
)


cli.add_command(migrate_commands, name="db")


def _log_to_stderr() -> None:
    """INFO lines on stderr, secrets redacted (create_app already quietened the chatty loggers:
    httpx writes every request's URL, and Telegram's URLs carry the bot token)."""
    from campaigns.log_redaction import install_log_redaction

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    install_log_redaction()


def _door(door: str) -> None:
    from web.extensions import db

    db.session.info["door"] = door


def _fail(error: HeraldError) -> None:
    click.secho(f"Error: {error.message}", fg="red", err=True)
    if isinstance(error, Invalid):
        for field, message in error.errors.items():
            click.secho(f"  {field}: {message}", fg="red", err=True)
    sys.exit(1)


def _metrics_options(command: Any) -> Any:
    """``--metrics-port`` / ``--metrics-host``: a process's own /metrics (docs/operations.md)."""
    command = click.option(
        "--metrics-host",
        default="127.0.0.1",
        show_default=True,
        help="address of --metrics-port (loopback: only this machine's Prometheus reads it)",
    )(command)
    return click.option(
        "--metrics-port",
        type=click.IntRange(1, 65535),
        default=None,
        help="serve this process's metrics (dispatch lateness, bot updates) on this port",
    )(command)


def _serve_metrics(port: int | None, host: str) -> None:
    """This process's figures over HTTP, or, with PROMETHEUS_MULTIPROC_DIR, those of every
    Herald process of this machine that shares the folder."""
    if port is None:
        return
    from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    try:
        start_http_server(port, addr=host, registry=registry)
    except OSError as error:
        click.secho(f"Error: cannot serve metrics on {host}:{port}: {error}", fg="red", err=True)
        sys.exit(1)
    click.echo(f"  metrics:  http://{host}:{port}/metrics")


def upgrade_database(app: Flask) -> None:
    """Bring the schema to the latest migration (the only way Herald creates tables)."""
    from flask_migrate import upgrade

    from web import MIGRATIONS_DIRECTORY

    with app.app_context():
        upgrade(directory=MIGRATIONS_DIRECTORY)


@cli.command(with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    """Run everything in one process on SQLite, with demo data."""
    from campaigns.demo import DEMO_PASSWORD, load_demo_data
    from web import create_app
    from web.extensions import db

    app = create_app({"HERALD_DEMO": True, **_listening_on(host, port)})
    upgrade_database(app)
    with app.app_context():
        _door("demo")
        accounts = load_demo_data(db.session, now=utcnow(), app_secret=app.config["SECRET_KEY"])
        db.session.commit()
    click.echo("")
    click.secho("Herald demo", bold=True)
    click.echo(f"  database: {app.config['SQLALCHEMY_DATABASE_URI']}")
    click.echo(f"  open:     {app.config['HERALD_BASE_URL']}/")
    click.echo(f"  demo accounts (password for all: {DEMO_PASSWORD}):")
    for account in accounts:
        click.echo(f"    {account.role:<12} {account.email:<28} {account.name} ({account.unit})")
    click.echo("")
    from scheduler.clock import start_in_background

    start_in_background(
        app.config["SQLALCHEMY_DATABASE_URI"],
        _scheduler_lock_file(app),
        singleton=_reaction_pollers(app),
    )
    import threading

    _start_workers(app, threading.Event(), concurrency=1)
    if install_telegram_webhook(app):
        click.echo(
            "  the Telegram bot takes its updates from the webhook (herald bot --set-webhook)"
        )
    elif app.config["HERALD_TELEGRAM_BOT_TOKEN"]:
        _start_bot_in_background(app)
    # Not app.run(): under a Flask CLI group it returns at once, by Flask's design.
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@cli.command(with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn workers")
def web(host: str, port: int, workers: int) -> None:
    """Serve the web UI, the API and the feeds with gunicorn."""
    from gunicorn.app.base import BaseApplication

    app = _create_app(**_listening_on(host, port))
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        click.echo(
            "herald web: PROMETHEUS_MULTIPROC_DIR is not set, so /metrics shows the request"
            " figures of whichever gunicorn worker answers it (see docs/operations.md, Metrics)."
        )
    install_telegram_webhook(app)

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            if app.config["HERALD_LOG_FORMAT"] == "json":
                from campaigns.log_format import gunicorn_logging

                # Herald writes one JSON line per request itself; gunicorn's own lines as JSON.
                self.cfg.set("logconfig_dict", gunicorn_logging())
            else:
                self.cfg.set("accesslog", "-")
            # gunicorn's largest request line (its default is half): long filtered API queries.
            self.cfg.set("limit_request_line", 8190)

        def load(self) -> Any:
            return app

    Server().run()


def _scheduler_lock_file(app: Flask) -> Path:
    return Path(app.instance_path) / "scheduler.lock"


@cli.command(with_appcontext=False)
def scheduler() -> None:
    """The single clock process (a second one waits, and takes over when the first dies)."""
    from scheduler.clock import run_forever

    app = _create_app()
    _log_to_stderr()
    click.echo(
        "herald scheduler: planning tasks, missed-window holds, retention, heartbeats and"
        " reactions to Telegram channel posts; Ctrl-C stops it."
    )
    run_forever(
        app.config["SQLALCHEMY_DATABASE_URI"],
        _scheduler_lock_file(app),
        singleton=_reaction_pollers(app),
    )


def _reaction_pollers(app: Flask) -> Any:
    """What only the scheduler lock's holder runs: a reaction poller per bot token of the
    Telegram channels, except the field bot's (``herald bot`` polls that one)."""
    from functools import partial

    from bots.reactions import start_reaction_pollers

    return partial(start_reaction_pollers, config=app.config)


def _media_root(app: Flask) -> Path:
    return Path(app.config["HERALD_MEDIA_ROOT"])


def _start_workers(
    app: Flask,
    stop: Any,
    *,
    concurrency: int,
    max_attempts: int = 5,
    lease_seconds: int = 120,
    batch: int = 50,
    sends: int = 50,
) -> list:
    """Outbox workers as threads of this process, publishing through ``bots``' adapters, one
    import worker (large CSV and .ics imports), one metrics collector and one webhook sender."""
    from functools import partial

    from bots.registry import client_for
    from campaigns.db import create_engine
    from campaigns.social.rules import RetryPolicy
    from scheduler.imports import start_import_worker
    from scheduler.metrics import start_metrics_collector
    from scheduler.transactions import Transactions
    from scheduler.webhooks import start_webhook_sender
    from scheduler.worker import run_workers, worker_name

    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=max(5, concurrency))
    threads = run_workers(
        Transactions(engine, door="worker"),
        partial(client_for, config=app.config),
        stop=stop,
        concurrency=concurrency,
        media_root=_media_root(app),
        policy=RetryPolicy(max_attempts=max_attempts),
        lease_seconds=lease_seconds,
        batch=batch,
        sends=sends,
    )
    # Large CSV and .ics imports: one at a time per process, beside the publishing threads.
    threads.append(
        start_import_worker(
            Transactions(engine, door="worker"), stop=stop, worker_id=worker_name(concurrency)
        )
    )
    # Metric snapshots: planned and taken beside publishing, never in its threads.
    threads.append(
        start_metrics_collector(
            Transactions(engine, door="worker"),
            partial(client_for, config=app.config),
            stop=stop,
            worker_id=worker_name(concurrency + 1),
            budgets=_metric_read_budgets(app),
        )
    )
    # Outgoing webhooks: their own thread, so a slow receiver never holds up a post.
    threads.append(
        start_webhook_sender(
            Transactions(engine, door="worker"),
            stop=stop,
            worker_id=worker_name(concurrency + 2),
            app_secret=app.config["SECRET_KEY"],
        )
    )
    return threads


def _metric_read_budgets(app: Flask) -> dict[str, tuple[int, int]] | None:
    """HERALD_X_METRIC_READS (calls per 15 minutes per X account; default in
    campaigns.metrics.collection.READ_BUDGETS): lower it for X's Basic tier."""
    reads = app.config.get("HERALD_X_METRIC_READS")
    return {"x": (int(reads), 15 * 60)} if reads else None


@cli.command(with_appcontext=False)
@click.option(
    "--concurrency", default=1, show_default=True, type=click.IntRange(1, 64), help="threads"
)
@click.option(
    "--max-attempts",
    default=5,
    show_default=True,
    type=click.IntRange(1, 100),
    help="transient failures before a publication is dead",
)
@click.option(
    "--lease-seconds",
    default=120,
    show_default=True,
    type=click.IntRange(2, 3600),
    help="how long a claim lasts before another worker reconciles it",
)
@click.option(
    "--batch",
    default=50,
    show_default=True,
    type=click.IntRange(1, 500),
    help="most publications claimed at a time (less when little is due: workers share it)",
)
@click.option(
    "--sends",
    default=50,
    show_default=True,
    type=click.IntRange(1, 500),
    help="platform calls a thread has in flight at once (one per channel)",
)
@_metrics_options
def worker(
    concurrency: int,
    max_attempts: int,
    lease_seconds: int,
    batch: int,
    sends: int,
    metrics_port: int | None,
    metrics_host: str,
) -> None:
    """Claim due publications and publish them, and run queued imports (SIGTERM or Ctrl-C
    stops after the batch)."""
    import gc
    import signal
    import threading

    # SIGTERM and Ctrl-C are taken in turn by the main thread (sigwait), never by a handler: a
    # handler that sets the stop event while the main thread is inside that event's wait() would
    # wait for a lock its own thread holds, and the worker would never stop. Blocked before any
    # thread starts, so that every thread inherits the mask and none is interrupted instead.
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    app = _create_app()
    _log_to_stderr()
    stop = threading.Event()
    # What exists now (the app, its models, the libraries) lives as long as the process: keep it
    # out of the garbage collector's way, or every full collection walks it again (~5 % of a
    # busy worker's CPU, measured with bench/dispatch.py).
    gc.collect()
    gc.freeze()
    threads = _start_workers(
        app,
        stop,
        concurrency=concurrency,
        max_attempts=max_attempts,
        lease_seconds=lease_seconds,
        batch=batch,
        sends=sends,
    )
    click.echo(
        f"herald worker: {concurrency} thread(s) publishing, one importing, one collecting"
        " metrics; Ctrl-C stops them."
    )
    _serve_metrics(metrics_port, metrics_host)
    signal.sigwait(stop_signals)
    stop.set()
    # A second SIGTERM or Ctrl-C while the batches in hand finish ends the process at once.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, stop_signals)
    for thread in threads:
        thread.join()


def _field_bot(app: Flask, *, webhook: bool = False) -> Any:
    """The field-staff bot of HERALD_TELEGRAM_BOT_TOKEN, speaking with the web's catalogs."""
    from bots.field_push import PUSH_SECONDS
    from bots.fieldbot import FieldBot, catalog_translations

    return FieldBot(
        token=app.config["HERALD_TELEGRAM_BOT_TOKEN"],
        database_url=app.config["SQLALCHEMY_DATABASE_URI"],
        base_url=app.config["HERALD_BASE_URL"],
        translations=catalog_translations(Path(app.root_path) / "translations"),
        api_base=app.config["HERALD_TELEGRAM_API_BASE"],
        timeout=float(app.config["HERALD_PLATFORM_TIMEOUT"]),
        media_root=app.config["HERALD_MEDIA_ROOT"],
        webhook=webhook,
        push_seconds=PUSH_SECONDS,
    )


def install_telegram_webhook(app: Flask) -> bool:
    """In webhook mode (a bot token and HERALD_TELEGRAM_WEBHOOK_SECRET), give the web's
    webhook route a field bot to hand updates to: one per process, started by the first request
    that process serves (it also delivers alerts from then on). Returns whether it did.

    The wiring lives here because this is the one module of the web that may start ``bots``
    (DESIGN.md); web/wsgi.py calls it too, for ``gunicorn web.wsgi:app``.
    """
    from functools import partial

    from web.telegram.routes import RECEIVER, webhook_secrets

    if webhook_secrets(app.config) is None:
        return False
    from bots.webhook import WebhookBot

    receiver = WebhookBot(partial(_field_bot, app, webhook=True))
    app.extensions[RECEIVER] = receiver

    @app.before_request
    def start_the_field_bot() -> None:
        receiver.ensure_started()

    return True


def _start_bot_in_background(app: Flask) -> None:
    """For ``herald demo``: the bot in a thread of the web process."""
    import threading

    from bots.fieldbot import BotCannotStart

    field_bot = _field_bot(app)

    def run() -> None:
        try:
            field_bot.run()
        except BotCannotStart as error:
            click.secho(f"herald demo: the Telegram bot did not start: {error}", fg="red", err=True)

    threading.Thread(target=run, name="herald-bot", daemon=True).start()
    click.echo("  the Telegram bot runs too (HERALD_TELEGRAM_BOT_TOKEN is set)")


@cli.command(with_appcontext=False)
@_metrics_options
@click.option(
    "--set-webhook",
    "set_webhook",
    is_flag=True,
    help="Have Telegram post the bot's updates to the web app (HERALD_BASE_URL) and exit.",
)
@click.option(
    "--delete-webhook",
    "delete_webhook",
    is_flag=True,
    help="Stop the webhook (updates wait for long polling again) and exit.",
)
def bot(
    metrics_port: int | None, metrics_host: str, set_webhook: bool, delete_webhook: bool
) -> None:
    """The field-staff Telegram bot: links people's chats, sends their alerts (long polling,
    unless a webhook is set: then the web app runs it)."""
    import signal

    from bots.fieldbot import BotCannotStart

    app = _create_app()
    if not app.config["HERALD_TELEGRAM_BOT_TOKEN"]:
        click.secho(
            "Error: HERALD_TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather in"
            " Telegram and set its token (in the environment or in .env).",
            fg="red",
            err=True,
        )
        sys.exit(1)
    if set_webhook and delete_webhook:
        click.secho("Error: --set-webhook or --delete-webhook, not both.", fg="red", err=True)
        sys.exit(2)
    if set_webhook or delete_webhook:
        try:
            if set_webhook:
                _register_webhook(app)
            else:
                _remove_webhook(app)
        except BotCannotStart as error:
            click.secho(f"Error: {error}", fg="red", err=True)
            sys.exit(1)
        return
    if app.config["HERALD_TELEGRAM_WEBHOOK_SECRET"]:
        click.secho(
            "Error: HERALD_TELEGRAM_WEBHOOK_SECRET is set: the bot runs in webhook mode, in the"
            " web processes. One mode per token: unset it (and run `herald bot --delete-webhook`)"
            " to use long polling.",
            fg="red",
            err=True,
        )
        sys.exit(1)
    _log_to_stderr()
    field_bot = _field_bot(app)

    def ask_to_stop(signum: int, frame: Any) -> None:
        field_bot.stop()

    signal.signal(signal.SIGTERM, ask_to_stop)
    signal.signal(signal.SIGINT, ask_to_stop)
    click.echo("herald bot: linking people's chats and sending their alerts; Ctrl-C stops it.")
    _serve_metrics(metrics_port, metrics_host)
    try:
        field_bot.run()
    except BotCannotStart as error:
        click.secho(f"Error: {error}", fg="red", err=True)
        sys.exit(1)


def _register_webhook(app: Flask) -> None:
    from bots.fieldbot import ALLOWED_UPDATES
    from bots.webhook import set_webhook
    from web.telegram.routes import webhook_path, webhook_secrets

    secrets = webhook_secrets(app.config)
    if secrets is None:
        click.secho(
            "Error: HERALD_TELEGRAM_WEBHOOK_SECRET is not set. Set it to a random value (for"
            " example the output of: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            " for the bot and every web process, then run this again.",
            fg="red",
            err=True,
        )
        sys.exit(1)
    base_url = app.config["HERALD_BASE_URL"]
    if not base_url.startswith("https://"):
        click.secho(
            f"Warning: HERALD_BASE_URL is {base_url}: Telegram posts only to public https"
            " addresses (ports 443, 80, 88 or 8443).",
            fg="yellow",
            err=True,
        )
    set_webhook(
        token=app.config["HERALD_TELEGRAM_BOT_TOKEN"],
        url=base_url + webhook_path(app.config),
        secret_token=secrets.header,
        api_base=app.config["HERALD_TELEGRAM_API_BASE"],
        timeout=float(app.config["HERALD_PLATFORM_TIMEOUT"]),
        allowed_updates=ALLOWED_UPDATES,
    )
    click.echo(
        f"Telegram now posts the bot's updates to {base_url}/telegram/webhook/… : the web"
        " processes run the bot (do not run `herald bot` as well)."
    )


def _remove_webhook(app: Flask) -> None:
    from bots.webhook import delete_webhook

    delete_webhook(
        token=app.config["HERALD_TELEGRAM_BOT_TOKEN"],
        api_base=app.config["HERALD_TELEGRAM_API_BASE"],
        timeout=float(app.config["HERALD_PLATFORM_TIMEOUT"]),
    )
    click.echo(
        "The webhook is deleted: updates wait for `herald bot` (long polling). Unset"
        " HERALD_TELEGRAM_WEBHOOK_SECRET so the web processes stop running the bot."
    )


def _herald_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("herald")
    except PackageNotFoundError:
        return "unknown"


@cli.command(with_appcontext=False)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Where to write the archive (default: instance/backups/herald-<time>.tar.gz).",
)
def backup(output: Path | None) -> None:
    """Archive the database (SQLite online backup, or pg_dump) and the media files, with a
    manifest naming the schema revision; Herald may keep running meanwhile."""
    from web.backups import BackupError, create_backup

    app = _create_app()
    now = utcnow()
    output = output or (
        Path(app.instance_path) / "backups" / f"herald-{now.strftime('%Y%m%dT%H%M%SZ')}.tar.gz"
    )
    try:
        manifest = create_backup(
            database_url=app.config["SQLALCHEMY_DATABASE_URI"],
            media_root=_media_root(app),
            output=output,
            now=now,
            herald_version=_herald_version(),
        )
    except BackupError as error:
        click.secho(f"Error: {error}; nothing was written.", fg="red", err=True)
        sys.exit(1)
    click.echo(
        f"Backup written to {output} (schema {manifest['schema_revision']},"
        f" {manifest['media_files']} media files)"
    )


@cli.command(with_appcontext=False)
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that is not empty.")
def restore(archive: Path, force: bool) -> None:
    """Put back a `herald backup` archive: the database and the media files. Stop the web,
    scheduler, workers and bot first."""
    from web import MIGRATIONS_DIRECTORY
    from web.backups import BackupError, restore_backup

    app = _create_app()
    try:
        restored = restore_backup(
            archive_path=archive,
            database_url=app.config["SQLALCHEMY_DATABASE_URI"],
            media_root=_media_root(app),
            migrations_directory=MIGRATIONS_DIRECTORY,
            force=force,
            now=utcnow(),
        )
    except BackupError as error:
        click.secho(f"Error: {error}", fg="red", err=True)
        sys.exit(1)
    click.echo(
        f"Restored the database (schema {restored.schema_revision}) and"
        f" {restored.media_files} media files from {archive}."
    )
    if restored.media_set_aside is not None:
        click.echo(f"The media folder that was there is kept as {restored.media_set_aside}.")
    if restored.upgrade_needed:
        click.echo("This backup is of an older schema: run `herald db upgrade` before starting.")


@cli.group()
def user() -> None:
    """Manage people from the command line."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "coordinator", "editor", "field", "viewer"]),
)
@click.option("--unit", "unit_code", default=None, help="Unit code (editor, field, viewer).")
@click.option("--locale", default="vi", show_default=True, type=click.Choice(["vi", "en"]))
@click.option("--timezone", default=None, help="IANA zone; defaults to HERALD_TIMEZONE.")
@click.password_option("--password", help="At least 10 characters.")
@with_appcontext
def create_user(
    email: str,
    name: str,
    role: str,
    unit_code: str | None,
    locale: str,
    timezone: str | None,
    password: str,
) -> None:
    """Add a person who can sign in."""
    from flask import current_app

    from campaigns.org import services
    from web.extensions import db

    _door("cli")
    try:
        person = services.create_person(
            db.session,
            actor=None,
            now=utcnow(),
            name=name,
            email=email,
            role=role,
            unit_code=unit_code,
            locale=locale,
            timezone=timezone or current_app.config["HERALD_TIMEZONE"],
            password=password,
        )
    except HeraldError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    click.echo(f"Created {person.role} {person.email} (id {person.id}).")


@cli.group()
def token() -> None:
    """Manage personal API tokens."""


@token.command("create")
@click.option("--email", required=True)
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@with_appcontext
def create_token(email: str, name: str) -> None:
    """Create a token for a person; the token is printed on the last line."""
    from campaigns.org import queries, services
    from web.extensions import db

    _door("cli")
    person = queries.person_by_email(db.session, email)
    if person is None or not person.active:
        click.secho(f"Error: there is no active person with the email {email}.", fg="red", err=True)
        sys.exit(1)
    try:
        _, plaintext = services.create_api_token(
            db.session, actor=None, now=utcnow(), person=person, name=name
        )
    except HeraldError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    click.echo(f"Token for {person.email} (shown once, keep it secret):")
    click.echo(plaintext)


@cli.group("calendar")
def calendar_group() -> None:
    """The political calendar: anniversaries and imported events."""


def _print_import(result) -> None:
    click.echo(
        f"Imported: {result.created} new, {result.updated} updated, {result.unchanged} unchanged."
    )
    skipped = getattr(result, "skipped", [])
    if skipped:
        click.echo(f"Skipped: {len(skipped)}")
        for item in skipped:
            click.echo(f"  {item.event}: {item.reason}")


@calendar_group.command("import-dataset")
@with_appcontext
def import_dataset() -> None:
    """Load Herald's anniversaries: national days and diplomatic relations (safe to rerun)."""
    from campaigns.calendar import services
    from web.extensions import db

    _door("cli")
    try:
        result = services.import_anniversary_dataset(db.session, actor=None, now=utcnow())
    except HeraldError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    _print_import(result)


@calendar_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_code", required=True, help="Code of the unit that owns the events.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First day of the window recurring events are expanded in (default: today).",
)
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of that window (default: a year after --since).",
)
@click.option(
    "--visibility",
    default="internal",
    show_default=True,
    type=click.Choice(["public", "internal", "restricted"]),
)
@click.option(
    "--kind",
    default="other",
    show_default=True,
    type=click.Choice(
        ["political", "diplomatic", "anniversary", "conference", "cultural", "deadline", "other"]
    ),
)
@with_appcontext
def import_calendar_file(
    file: Path,
    unit_code: str,
    since: datetime | None,
    until: datetime | None,
    visibility: str,
    kind: str,
) -> None:
    """Import the events of an .ics file; importing it again updates them."""
    from flask import current_app

    from campaigns.calendar import services
    from campaigns.timezones import to_zone
    from web.extensions import db

    _door("cli")
    first = (
        since.date() if since else to_zone(utcnow(), current_app.config["HERALD_TIMEZONE"]).date()
    )
    last = until.date() if until else first + timedelta(days=365)
    try:
        result = services.import_ics(
            db.session,
            actor=None,
            now=utcnow(),
            content=file.read_bytes(),
            owner_unit_code=unit_code,
            since=first,
            until=last,
            visibility=visibility,
            kind=kind,
        )
    except HeraldError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    _print_import(result)


def main() -> None:
    try:
        cli.main(prog_name="herald")
    except ConfigurationError as error:
        click.secho(f"Herald cannot start: {error}", fg="red", err=True)
        sys.exit(2)
