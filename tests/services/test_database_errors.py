"""A database error never writes the statement's values: password hashes, feed keys, passport
numbers and photos stay out of logs and tracebacks, whichever process made the engine."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bots.fieldbot import FieldBot
from campaigns.db import create_engine
from scheduler.transactions import Transactions
from tests.factories import create_person
from web.extensions import db


def test_every_engine_herald_creates_hides_parameters(app, database_url):
    with app.app_context():
        assert db.engine.hide_parameters
    engine = create_engine(database_url, hide_parameters=False)
    assert engine.hide_parameters
    engine.dispose()
    assert Transactions.for_url(database_url, door="worker").engine.hide_parameters
    bot = FieldBot(
        token="1:x", database_url=database_url, base_url="http://h", translations=lambda _: None
    )
    assert bot._engine.hide_parameters
    bot._engine.dispose()


def test_a_failing_statement_logs_no_value(session, caplog):
    person = create_person(session, "editor")
    session.commit()
    caplog.set_level(logging.DEBUG)
    secret = "PASSPORT-C0123456-and-a-secret-hash"

    with pytest.raises(SQLAlchemyError) as raised:
        session.execute(
            text(
                "INSERT INTO people (id, name, email, role, password_hash) VALUES (:i, :n, :e, :r, :p)"
            ),
            {"i": person.id, "n": "Dup", "e": person.email, "r": "editor", "p": secret},
        )
    session.rollback()
    log = logging.getLogger("herald.test")
    log.error("database error: %s", raised.value)
    try:
        raise raised.value
    except SQLAlchemyError:
        log.exception("the request failed")

    assert "SQL parameters hidden" in str(raised.value)
    # PostgreSQL's own detail ("Failing row contains (...)") quotes the values: the log does not.
    assert secret not in caplog.text
    assert "the request failed" in caplog.text
