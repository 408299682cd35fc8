"""HERALD_LOG_FORMAT=json: one JSON line per request and per publication attempt, with their
ids and never a secret; plain text otherwise, and always for ``herald demo``."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from campaigns.log_format import JsonLines
from tests.factories import create_person, login
from web.config import ConfigurationError, parse_log_format

BOT_TOKEN = "7012345678:AAHfake-Telegram-bot-token-0123456789abc"


def _line(record: logging.LogRecord) -> dict:
    text = JsonLines().format(record)
    assert "\n" not in text
    return json.loads(text)


@pytest.fixture
def json_client(make_app):
    return make_app(HERALD_LOG_FORMAT="json").test_client()


def test_one_json_line_per_request_with_its_ids(json_client, session, caplog):
    person = create_person(session, role="editor")
    session.commit()
    login(json_client, person)
    caplog.set_level(logging.INFO, logger="herald.requests")

    response = json_client.get("/units/no-such-unit", headers={"X-Request-ID": "edge-7"})
    anonymous = json_client.application.test_client().get("/healthz")

    *_, first, second = (r for r in caplog.records if r.name == "herald.requests")
    line = _line(first)
    assert {key: line[key] for key in ("method", "endpoint", "status", "request_id")} == {
        "method": "GET",
        "endpoint": "main.unit_page",
        "status": response.status_code,
        "request_id": "edge-7",
    }
    assert line["person_id"] == person.id and line["duration_ms"] >= 0
    assert {"timestamp", "level", "logger", "message"} <= set(line)
    assert "no-such-unit" not in json.dumps(line)  # the endpoint, never the path
    assert _line(second)["person_id"] is None
    assert _line(second)["request_id"] == anonymous.headers["X-Request-ID"]


def test_plain_text_logs_write_no_request_lines(client, session, caplog):
    caplog.set_level(logging.INFO, logger="herald.requests")
    client.get("/healthz")
    assert not [r for r in caplog.records if r.name == "herald.requests"]


def test_a_json_line_never_carries_a_secret():
    try:
        raise RuntimeError(f"Telegram said no to /bot{BOT_TOKEN}/sendMessage")
    except RuntimeError:
        record = logging.getLogger("herald.test").makeRecord(
            "herald.test",
            logging.ERROR,
            __file__,
            1,
            "token %s refused",
            (BOT_TOKEN,),
            sys.exc_info(),
            extra={"url": f"https://api.telegram.org/bot{BOT_TOKEN}/getMe"},
        )
    text = JsonLines().format(record)
    assert BOT_TOKEN.split(":")[1] not in text
    line = json.loads(text)
    assert line["level"] == "ERROR" and "exc_info" in line and "[redacted]" in line["url"]


def test_a_misspelt_log_format_stops_the_start_with_a_clear_message():
    assert parse_log_format("") == "text" and parse_log_format(" JSON ") == "json"
    with pytest.raises(ConfigurationError, match="HERALD_LOG_FORMAT"):
        parse_log_format("jsn")


_PROCESS = """
import logging, sys
from tests.conftest import make_test_config
from web import create_app
create_app(make_test_config("sqlite://", HERALD_DEMO=sys.argv[1] == "demo"))
logging.getLogger("herald.check").info("ready with Bearer abcdefghijklmnop")
"""


@pytest.mark.parametrize("kind", ["web", "demo"])
def test_a_process_writes_json_lines_on_stderr_except_the_demo(kind):
    environment = {**os.environ, "HERALD_LOG_FORMAT": "json"}
    result = subprocess.run(
        [sys.executable, "-c", _PROCESS, kind],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    if kind == "demo":
        assert not [line for line in lines if line.startswith("{")]
        return
    (line,) = [json.loads(line) for line in lines if "herald.check" in line]
    assert line["message"] == "ready with Bearer [redacted]" and line["level"] == "INFO"
