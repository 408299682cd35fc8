"""Upgrading a database that holds the previous release's schema *with data*: every table of
revision 0013 (the last released: the field bot) gets a row, the database is migrated to
head, every row must be as it was; then downgraded back to 0013, and again. Runs on SQLite, and
on PostgreSQL when HERALD_TEST_DATABASE_URL points there (in a database of its own)."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import JSON, MetaData, Table, create_engine, select, text
from sqlalchemy.engine import make_url

from tests.conftest import make_test_config
from web import MIGRATIONS_DIRECTORY, create_app

PREVIOUS_RELEASE = "0013"
STAMP = datetime(2026, 9, 2, 2, 0, tzinfo=UTC)

# What a real office has, in a few words (the other required columns get a plain value).
REPRESENTATIVE = {
    "units": {
        "code": "mofa",
        "name_vi": "Bộ Ngoại giao",
        "name_en": "Ministry",
        "kind": "ministry",
        "country": "VN",
        "timezone": "Asia/Ho_Chi_Minh",
    },
    "people": {
        "name": "Nguyễn Thị Lan",
        "email": "lan@example.gov.vn",
        "role": "coordinator",
        "locale": "vi",
        "timezone": "Asia/Ho_Chi_Minh",
        "active": True,
    },
    "events": {"title_vi": "Quốc khánh", "title_en": "National Day"},
    "social_campaigns": {
        "name_vi": "Quốc khánh 2/9",
        "name_en": "National Day",
        "hashtags": ["#VietNam"],
        "languages": ["vi", "en"],
    },
    "social_channels": {
        "kind": "x",
        "name": "Embassy X",
        "handle": "@embassy",
        "language": "en",
        "rate_limit_posts": 50,
        "rate_window_seconds": 900,
        "health": "ok",
        "audience_countries": ["FR"],
        "audience_zone": "Europe/Paris",
    },
    "social_posts": {"title": "Chúc mừng Quốc khánh", "status": "published", "version": 2},
    "social_post_variants": {"language": "fr", "text": "Bonne fête nationale ! 🇻🇳"},
    "social_publications": {
        "status": "published",
        "attempts": 1,
        "text": "Bonne fête nationale ! 🇻🇳",
        "fingerprint": "f" * 64,
        "platform_id": "1789",
        "url": "https://x.com/embassy/status/1789",
        "audience_zone": "Europe/Paris",
    },
    "press_journalists": {
        "name_native": "Jeanne Dupont",
        "name_latin": "Jeanne Dupont",
        "country": "FR",
        "languages": ["fr", "en"],
        "email": "jeanne@example.fr",
    },
    "press_trips": {
        "title": "Press tour: Ha Long",
        "start_date": date(2026, 10, 1),
        "end_date": date(2026, 10, 5),
        "timezone": "Asia/Ho_Chi_Minh",
        "city": "Hạ Long",
        "currency": "VND",
        "status": "confirmed",
    },
}


def _plain_value(column) -> Any:
    """A value any column of its type accepts."""
    if isinstance(column.type, JSON):
        return []
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return []
    if kind is bool:
        return False
    if kind is int:
        return 1  # ids, and every foreign key: the row with id 1 of the table it names
    if kind is float:
        return 1.0
    if kind is datetime:
        return STAMP
    if kind is date:
        return date(2026, 9, 2)
    if kind in (dict, list):
        return []
    if kind is bytes:
        return b"journalist,email\n"
    length = getattr(column.type, "length", None) or 40
    return (f"{column.table.name[:8]}-{column.name}")[:length]


def _row(table: Table) -> dict[str, Any]:
    values = {"id": 1} if "id" in table.c else {}
    for column in table.columns:
        if column.name in values or column.nullable or column.server_default is not None:
            continue
        values[column.name] = _plain_value(column)
    values.update(
        {
            name: value
            for name, value in REPRESENTATIVE.get(table.name, {}).items()
            if name in table.c
        }
    )
    return values


def _snapshot(engine, tables: list[Table]) -> dict[str, list[tuple]]:
    """Every row of ``tables`` (their columns at the previous release), in order."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))
            ]
            for table in tables
        }


@pytest.fixture
def database() -> Iterator[str]:
    """A database of this test's own: a file, or a PostgreSQL database made and dropped here."""
    url = os.environ.get("HERALD_TEST_DATABASE_URL")
    if not url:
        path = Path(os.environ.get("TMPDIR", "/tmp")) / f"herald-upgrade-{uuid.uuid4().hex}.db"
        yield f"sqlite:///{path}"
        path.unlink(missing_ok=True)
        return
    name = f"{make_url(url).database}_upgrade_{uuid.uuid4().hex[:8]}"
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_every_migration_can_be_undone():
    script = ScriptDirectory(str(Path(MIGRATIONS_DIRECTORY)))
    for revision in script.walk_revisions():
        source = Path(revision.path).read_text()
        body = source.split("def downgrade():", 1)[1]
        assert re.search(r"\bop\.\w+\(", body), f"{revision.revision} undoes nothing"


def test_the_previous_releases_data_survives_the_upgrade_and_the_way_back(database):
    app = create_app(make_test_config(database))
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIRECTORY, revision=PREVIOUS_RELEASE)
        engine = create_engine(database)
        metadata = MetaData()
        metadata.reflect(engine)
        tables = [table for table in metadata.sorted_tables if table.name != "alembic_version"]
        with engine.begin() as connection:
            for table in tables:
                connection.execute(table.insert(), [_row(table)])
        before = _snapshot(engine, tables)
        assert before["social_publications"] and before["press_trips"]

        upgrade(directory=MIGRATIONS_DIRECTORY)
        assert _snapshot(engine, tables) == before

        downgrade(directory=MIGRATIONS_DIRECTORY, revision=PREVIOUS_RELEASE)
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert revision == PREVIOUS_RELEASE
        assert _snapshot(engine, tables) == before
        engine.dispose()
        from web.extensions import db

        db.engine.dispose()
