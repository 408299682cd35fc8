"""Fixtures shared by every test: one database per run (SQLite, or PostgreSQL when
HERALD_TEST_DATABASE_URL says so), created through the migrations, emptied after each test."""

from __future__ import annotations

import contextvars
import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from campaigns.db import Base
from campaigns.org import services
from web import create_app
from web.cli import upgrade_database
from web.extensions import db, limiter

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"

# Argon2 with its production cost makes every factory-made person take tens of milliseconds;
# the tests check behaviour, not the cost, so they hash cheaply.
services.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _reset_postgres_schema(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _database_of_this_worker(url: str) -> str:
    """Under pytest-xdist each worker process gets a database of its own beside the one
    named (``test`` → ``test_gw0``), made here when missing: workers empty their tables
    after every test and must not empty each other's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    server = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("HERALD_TEST_DATABASE_URL")
    if url:
        from web.config import config_from_env

        url = config_from_env({"HERALD_DATABASE_URL": url}, tmp_path_factory.getbasetemp())[
            "SQLALCHEMY_DATABASE_URI"
        ]
        url = _database_of_this_worker(url)
        _reset_postgres_schema(url)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'herald-test.db'}"


def make_test_config(database_url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        # Every test sees the figures it just wrote (a ranking's numbers are otherwise reused).
        "HERALD_SCORE_CACHE_SECONDS": 0,
        "HERALD_REPORT_CACHE_SECONDS": 0,
        **overrides,
    }


@pytest.fixture
def make_app(database_url: str) -> Iterator:
    """Another app on the test database, with some configuration changed. Its engine is
    disposed at the end, so no connection is left for the garbage collector to close."""
    made: list[Flask] = []

    def make(**overrides) -> Flask:
        application = create_app(make_test_config(database_url, **overrides))
        application.test_client_class = IsolatedClient
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    application = create_app(make_test_config(database_url))
    upgrade_database(application)
    yield application
    with application.app_context():
        db.engine.dispose()


def empty_all_tables() -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        # DELETE, children first, and the sequences back to 1, in one round trip: about 10 ms
        # against ~1 s for a TRUNCATE of fifty tables (each one new files on disk), which made
        # the PostgreSQL suite three times slower than SQLite's.
        deletes = "; ".join(f"DELETE FROM {table.name}" for table in tables)
        db.session.connection().exec_driver_sql(
            f"{deletes}; SELECT setval(c.oid::regclass, 1, false) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
        )
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        db.session.rollback()
        empty_all_tables()
        limiter.reset()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The Flask-SQLAlchemy session inside an app context, as every entrypoint uses it."""
    with app.app_context():
        db.session.info["door"] = "system"
        yield db.session
        db.session.rollback()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context and database session, as in production, even
    while the test holds one open; afterwards the test's session re-reads what changed."""

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright keeps an event loop in the main thread while its
    browser lives, which the asyncio-based Telegram client of earlier tests must not meet."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path))
