"""Whatever door a value comes through, what the database cannot hold is a field error before
any SQL: PostgreSQL would refuse it with a server error, SQLite would keep it silently."""

import pytest
from sqlalchemy import func, select

from campaigns.db import parse_id
from campaigns.errors import Invalid
from campaigns.press.models import Journalist, Outlet
from tests.press_factories import create_journalist, create_outlet


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_nul_character_is_refused_with_the_field(session):
    with pytest.raises(Invalid) as caught:
        create_journalist(session, name_latin="A\x00B")
    assert set(caught.value.errors) == {"name_latin"}
    session.rollback()
    assert count(session, Journalist) == 0


def test_a_nul_character_inside_json_is_refused(session):
    with pytest.raises(Invalid) as caught:
        create_outlet(session, languages=["f\x00r"])
    assert "languages" in caught.value.errors


def test_text_longer_than_its_column_is_refused(session):
    outlet = create_outlet(session)
    outlet.name = "x" * 100_000  # past what the service checks, as a careless door might
    with pytest.raises(Invalid) as caught:
        session.flush()
    assert caught.value.errors["name"].params == {"count": 200}


def test_a_number_beyond_its_column_is_refused(session):
    with pytest.raises(Invalid) as caught:
        create_outlet(session, estimated_reach=10**30)
    assert set(caught.value.errors) == {"estimated_reach"}
    session.rollback()
    assert count(session, Outlet) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("42", 42), ("2147483647", 2147483647), ("2147483648", None), ("99999999999", None),
     ("²", None), ("-1", None), ("", None), ("4a", None)],
)  # fmt: skip
def test_ids_are_read_only_within_an_id_columns_range(text, expected):
    assert parse_id(text) == expected
