"""The schema is created only through the migrations, and they agree with the models."""

import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from campaigns.db import Base
from web.extensions import db


def test_latest_migration_matches_the_models(session):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_every_model_table_exists_after_upgrade(session):
    tables = set(inspect(db.engine).get_table_names())
    assert {table.name for table in Base.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_existing_channels_address_their_owner_units_country_on_its_clock(tmp_path):
    """0009: a channel made before audiences existed serves its owner unit's country."""
    from flask_migrate import upgrade
    from sqlalchemy import text as sql

    from tests.conftest import make_test_config
    from web import MIGRATIONS_DIRECTORY, create_app

    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'old.db'}"))
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIRECTORY, revision="0008")
        stamp = "2026-01-01 00:00:00.000000"
        with db.engine.begin() as connection:
            for number, code, country, zone in ((1, "mofa", "VN", "Asia/Ho_Chi_Minh"),
                                                (2, "mission-kh", "KH", "Asia/Phnom_Penh")):  # fmt: skip
                connection.execute(
                    sql("INSERT INTO units (id, code, name_vi, name_en, kind, country, timezone, "
                        "created_at, updated_at) VALUES (:id, :code, :code, :code, 'mission', "
                        ":country, :zone, :at, :at)"),
                    {"id": number, "code": code, "country": country, "zone": zone, "at": stamp},
                )  # fmt: skip
                connection.execute(
                    sql("INSERT INTO social_channels (id, kind, name, handle, language, "
                        "owner_unit_id, account_name, rate_limit_posts, rate_window_seconds, "
                        "health, last_error, paused, created_at, updated_at) VALUES (:id, "
                        "'sandbox', :code, '', 'en', :id, '', 10, 60, 'ok', '', false, :at, :at)"),
                    {"id": number, "code": code, "at": stamp},
                )  # fmt: skip
        upgrade(directory=MIGRATIONS_DIRECTORY)
        with db.engine.connect() as connection:
            rows = connection.execute(
                sql("SELECT id, audience_countries, audience_zone FROM social_channels ORDER BY id")
            ).all()
        db.engine.dispose()
    assert [(row[0], json.loads(row[1]), row[2]) for row in rows] == [
        (1, ["VN"], "Asia/Ho_Chi_Minh"),
        (2, ["KH"], "Asia/Phnom_Penh"),
    ]


def test_one_account_no_longer_holds_the_same_post_twice_after_the_upgrade(session):
    """0009: "09:00 per audience" used to make one publication per channel *and* audience; the
    upgrade keeps one pending publication per post and channel (its own country's) and cancels
    the others, so no account posts the same text twice."""
    import importlib.util
    from pathlib import Path

    from sqlalchemy import select

    from campaigns.social.models import Publication
    from tests.social_factories import at_utc, cleared_post, create_channel
    from web import MIGRATIONS_DIRECTORY

    path = Path(MIGRATIONS_DIRECTORY) / "versions" / "0009_channel_audiences.py"
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)

    channel = create_channel(session, audience_countries=["KH"])
    other = create_channel(session, audience_countries=["FR"])
    post = cleared_post(session)
    variant = post.variants[0]

    def pending(on, country, hour):
        publication = Publication(
            post=post, variant=variant, channel=on, scheduled_at=at_utc(2027, 6, 24, hour),
            audience_zone="Europe/Paris", audience_country=country,
            misfire_deadline=at_utc(2027, 6, 24, hour + 1), status="scheduled",
            text=variant.text, fingerprint=f"f{hour}", created_at=at_utc(2026, 12, 1, 0),
            updated_at=at_utc(2026, 12, 1, 0),
        )  # fmt: skip
        session.add(publication)
        return publication

    first, second, alone = (
        pending(channel, "FR", 2),
        pending(channel, "KH", 7),
        pending(other, "FR", 7),
    )
    session.flush()
    expected = {first.id: "cancelled", second.id: "scheduled", alone.id: "scheduled"}
    migration.cancel_doubles(session.connection())
    session.expire_all()
    statuses = dict(
        session.execute(
            select(Publication.id, Publication.status).where(Publication.id.in_(expected))
        ).all()
    )
    # The channel's own country's publication stays although it is later; the double on the
    # same account is cancelled; a publication alone on its channel is untouched.
    assert statuses == expected
