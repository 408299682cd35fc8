"""Absolute links (feeds, webcal, Telegram alerts) come from HERALD_BASE_URL when it is set, else
from the address the demo or web server listens on."""

from __future__ import annotations

import pytest

from tests.factories import create_person, login
from web import cli
from web.links import listening_base_url


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 5101, "http://127.0.0.1:5101"),
        ("0.0.0.0", 8000, "http://127.0.0.1:8000"),
        ("::", 8000, "http://[::1]:8000"),
        ("::1", 5101, "http://[::1]:5101"),
        ("herald.local", 80, "http://herald.local:80"),
    ],
)
def test_the_listening_address_as_a_base_url(host, port, expected):
    assert listening_base_url(host, port) == expected


def test_the_listening_address_counts_only_without_herald_base_url(monkeypatch):
    monkeypatch.delenv("HERALD_BASE_URL", raising=False)
    assert cli._listening_on("127.0.0.1", 5101) == {"HERALD_BASE_URL": "http://127.0.0.1:5101"}

    monkeypatch.setenv("HERALD_BASE_URL", "https://herald.example.gov.vn")
    assert cli._listening_on("127.0.0.1", 5101) == {}


def test_feed_links_and_the_bots_links_use_the_base_url(make_app, session):
    app = make_app(
        HERALD_BASE_URL="http://127.0.0.1:5101",
        HERALD_TELEGRAM_BOT_TOKEN="123456:links-test-token-0123456789abcdef",
    )
    person = create_person(session)
    session.commit()
    client = app.test_client()
    login(client, person)

    page = client.get("/profile").text

    assert "http://127.0.0.1:5101/feeds/" in page
    assert "webcal://127.0.0.1:5101/feeds/" in page
    assert "127.0.0.1:5000" not in page and "localhost/feeds" not in page
    bot = cli._field_bot(app)
    assert bot._base_url == "http://127.0.0.1:5101"  # the links of its Telegram alerts
    bot._engine.dispose()
    assert app.config["HERALD_BASE_URL"] == "http://127.0.0.1:5101"
