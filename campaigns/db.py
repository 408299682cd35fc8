"""The declarative base shared by every process, and the column types Herald relies on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from itertools import chain
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    event,
    inspect,
)
from sqlalchemy import create_engine as _sqlalchemy_create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from campaigns.errors import Invalid, Message
from campaigns.i18n import N_

# The range of an INTEGER column (every id) and of a BIGINT column, on PostgreSQL.
INTEGER_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1

# Stable constraint names, so Alembic autogenerate and PostgreSQL agree across machines.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """An instant: refuses naive datetimes, stores UTC, always returns an aware UTC datetime.

    SQLite keeps no offset, so the value is normalised to UTC on the way in and marked UTC on
    the way out; PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} given where an instant is required")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: Options every engine Herald creates carries. ``hide_parameters``: a database error must not
#: write the statement's values (password hashes, feed keys, passport numbers, photos) to a log.
ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}


def create_engine(database_url: str, **options: Any) -> Engine:
    """An engine with Herald's options; ``options`` add to them but cannot show parameters."""
    return _sqlalchemy_create_engine(database_url, **{**ENGINE_OPTIONS, **options, **_HIDDEN})


_HIDDEN = {"hide_parameters": True}


def utcnow() -> datetime:
    """The current instant, timezone-aware. Entrypoints call this; services receive ``now``."""
    return datetime.now(UTC)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    # SQLite ignores foreign keys unless asked, and WAL lets the web read while a worker writes.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def parse_id(text: str | None) -> int | None:
    """A database id written in ASCII digits, or None: not digits, or beyond any id."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if number <= INTEGER_MAX else None


def fits_integer(number: int) -> bool:
    """Whether an INTEGER column can hold ``number``."""
    return -INTEGER_MAX - 1 <= number <= INTEGER_MAX


# --- values the database would refuse --------------------------------------------------------
# PostgreSQL refuses a NUL character in text, a string longer than its column, and a number
# beyond its column's range; SQLite keeps them all. Refusing them here, before any SQL, turns what
# would be a server error on one database and silent garbage on the other into a field error,
# whichever door (form, API, import, bot) the value came through.

TEXT_HAS_NUL = N_("This text contains a NUL character, which is not allowed.")
TEXT_TOO_LONG = N_("This text is too long (at most %(count)s characters).")
NUMBER_OUT_OF_RANGE = N_("This number is out of range.")


def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings_in(key)
            yield from _strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings_in(item)


def _problem(column_type: Any, value: Any) -> Message | str | None:
    if value is None:
        return None
    if isinstance(column_type, String) and isinstance(value, str):
        if "\x00" in value:
            return TEXT_HAS_NUL
        if column_type.length and len(value) > column_type.length:
            return Message(TEXT_TOO_LONG, count=column_type.length)
    elif isinstance(column_type, JSON):
        if any("\x00" in text for text in _strings_in(value)):
            return TEXT_HAS_NUL
    elif isinstance(column_type, Integer) and isinstance(value, int):
        limit = BIGINT_MAX if isinstance(column_type, BigInteger) else INTEGER_MAX
        if not -limit - 1 <= value <= limit:
            return NUMBER_OUT_OF_RANGE
    elif (
        isinstance(column_type, Numeric)
        and isinstance(value, Decimal | int | float)
        and column_type.precision is not None
    ):
        whole_digits = column_type.precision - (column_type.scale or 0)
        if not abs(value) < 10**whole_digits:
            return NUMBER_OUT_OF_RANGE
    return None


@event.listens_for(Session, "before_flush")
def _refuse_what_the_database_cannot_hold(session: Session, flush_context: Any, instances: Any):
    errors: dict[str, str] = {}
    for obj in chain(session.new, session.dirty):
        state = inspect(obj)
        changed = state.dict.keys() if state.pending else state.committed_state.keys()
        for key in changed:
            attribute = state.mapper.column_attrs.get(key)
            if attribute is None or key not in state.dict:
                continue
            problem = _problem(attribute.columns[0].type, state.dict[key])
            if problem is not None:
                errors.setdefault(key, problem)
    if errors:
        raise Invalid.from_fields(errors)
