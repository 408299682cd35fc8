"""The benchmarks' PostgreSQL database: created if missing and emptied, one way for all."""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def prepare_postgres(url: str, *, bench: str, keep: bool = False) -> str:
    """Create the database of ``url`` if need be and empty its schema (unless ``keep``: a
    previous run's data is reused); returns the URL Herald uses. Exits with a message when
    ``url`` is not PostgreSQL (``bench`` names the benchmark in it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        sys.exit(f"bench/{bench} needs PostgreSQL (--database-url)")
    server = create_engine(
        parsed.set(drivername="postgresql+psycopg", database="postgres"),
        isolation_level="AUTOCOMMIT",
    )
    with server.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    server.dispose()
    herald_url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if not keep:
        engine = create_engine(herald_url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    return herald_url
