"""Secrets never reach a log line, whichever library writes it."""

from __future__ import annotations

import logging

import pytest

from campaigns.log_redaction import REDACTED, install_log_redaction, redact

BOT_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (
            f'HTTP Request: POST https://api.telegram.org/bot{BOT_TOKEN}/sendMessage "200"',
            BOT_TOKEN,
        ),
        (f"the bot {BOT_TOKEN} was refused", BOT_TOKEN),
        ("Authorization: Bearer hrd_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5", "Zm9vYmFyYmF6cXV4"),
        ("sent token hrd_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5 twice", "Zm9vYmFyYmF6cXV4"),
        (
            "[parameters: ('Ann', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g', 'x')]",
            "aGFzaGhhc2g",
        ),
        ("{'feed_key': 'kJ8s0dV1qZ2w3e4r5t6y7u8i9o0p', 'name': 'Ann'}", "kJ8s0dV1qZ2w3e4r"),
        ('{"password": "correct horse battery"}', "correct horse"),
        ("password=hunter2hunter2&email=a@b.c", "hunter2"),
        ("session_token=Qm9ndXMtc2Vzc2lvbi10b2tlbg", "Qm9ndXMtc2Vzc2lvbi10b2tlbg"),
        ('"GET /feeds/12-AbCdEfGhIjKl/personal.ics HTTP/1.1" 200', "12-AbCdEfGhIjKl"),
        ('"GET /feeds/trips/3/4-ZyXwVuTsRq.ics HTTP/1.1" 200', "4-ZyXwVuTsRq"),
        ("connecting to postgresql+psycopg://herald:s3cr3t-pw@db:5432/herald", "s3cr3t-pw"),
    ],
)
def test_secrets_are_redacted(line, secret):
    cleaned = redact(line)

    assert secret not in cleaned
    assert REDACTED in cleaned


def test_ordinary_lines_are_left_alone():
    line = "worker w-1: publication 42 failed; the token was revoked (/work/bots/fieldbot.py)"

    assert redact(line) == line
    assert redact('"GET /feeds/public.ics HTTP/1.1" 200') == '"GET /feeds/public.ics HTTP/1.1" 200'


def test_every_logger_and_traceback_is_redacted_once_installed(caplog):
    install_log_redaction()
    caplog.set_level(logging.INFO)

    logging.getLogger("some.library").warning("calling %s", f"/bot{BOT_TOKEN}/getMe")
    try:
        raise RuntimeError(f"refused: https://api.telegram.org/bot{BOT_TOKEN}/sendMessage")
    except RuntimeError:
        logging.getLogger("herald.test").exception("failed")

    text = caplog.text
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in text
    assert "calling /bot[redacted]/getMe" in text
    assert "RuntimeError: refused" in text


def test_request_urls_of_http_clients_are_not_logged_at_info():
    install_log_redaction()

    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("httpx").isEnabledFor(logging.WARNING)


def test_postgresql_details_lose_their_values():
    detail = (
        'null value in column "x" violates not-null constraint\n'
        "DETAIL:  Failing row contains (5, Dup, $argon2id$v=19$m=1$abc, kJ8s0dV1qZ2w3e4r, null).\n"
        "DETAIL:  Key (feed_key)=(kJ8s0dV1qZ2w3e4r) already exists."
    )

    cleaned = redact(detail)

    assert "kJ8s0dV1qZ2w3e4r" not in cleaned
    assert "Key (feed_key)=([redacted]) already exists." in cleaned
