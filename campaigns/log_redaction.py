"""Secrets never reach a log line, in any process.

Every Herald process (demo, web, worker, scheduler, bot) calls :func:`install_log_redaction`
once, through the application factory. It does two things:

* every log record is rewritten as it is made, whatever logger made it (httpx, SQLAlchemy,
  gunicorn, python-telegram-bot, Herald's own) and whatever handler prints it: Telegram bot
  tokens, bearer and API tokens, calendar-feed links, passwords, password hashes, feed keys,
  session tokens and database passwords become ``[redacted]``;
* loggers that write a URL per request at INFO (httpx: Telegram's URLs carry the bot token)
  are raised to WARNING, so a busy worker does not write a line per message sent.

Redacting at record creation (a record factory) rather than in one handler's filter is on
purpose: handlers come and go (basicConfig, gunicorn, pytest's capture), a factory sees all.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"

# Loggers that announce every HTTP request with its full URL at INFO.
_CHATTY_LOGGERS = ("httpx", "httpcore", "telegram.ext.ExtBot", "apscheduler")

_NAMED_SECRETS = (
    "password",
    "password_hash",
    "new_password",
    "current_password",
    "feed_key",
    "session_token",
    "secret_key",
    "api_key",
    "access_token",
    "token",
    "authorization",
    "bot_token",
    "photo",
    "document_number",
    "passport_number",
)

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram's URLs: https://api.telegram.org/bot123456:ABC.../sendMessage
    (re.compile(r"(/bot)\d+:[^/\s'\"]+"), r"\1" + REDACTED),
    # A bare Telegram bot token: digits, a colon, 30+ URL-safe characters.
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}"), REDACTED),
    # Authorization headers.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + REDACTED),
    # Herald's API tokens.
    (re.compile(r"\bhrd_[A-Za-z0-9_-]{8,}"), REDACTED),
    # Argon2 (and other crypt-style) password hashes.
    (re.compile(r"\$argon2[a-z]*\$[A-Za-z0-9$=,.+/_-]+"), REDACTED),
    # Signed calendar and itinerary feed links: /feeds/<token>/..., /feeds/trips/1/<token>.ics
    (
        re.compile(r"(/feeds/)(?!public\.ics|trips/|invitations/|\[redacted\])[^/\s?'\"]+(/)"),
        r"\1" + REDACTED + r"\2",
    ),
    (
        re.compile(r"(/feeds/(?:trips|invitations)/\d+/)[^/\s?'\"]+(\.ics)"),
        r"\1" + REDACTED + r"\2",
    ),
    # Passwords inside database URLs: postgresql://user:secret@host/db
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/\s@]+:)[^@\s/]+(@)"), r"\1" + REDACTED + r"\2"),
    # PostgreSQL's details quote the values of the row or key at fault.
    (re.compile(r"(Failing row contains )\(.*\)"), r"\1(" + REDACTED + ")"),
    (
        re.compile(r"(Key \([^)]*\)=)\(.*?\)( already exists| is not present|)"),
        r"\1(" + REDACTED + r")\2",
    ),
    # key=value, key: value, 'key': 'value', "key": "value" for names that hold secrets.
    (
        re.compile(
            r"(?i)(['\"]?\b(?:" + "|".join(_NAMED_SECRETS) + r")\b['\"]?\s*[:=]\s*)"
            r"(b?'[^']*'|b?\"[^\"]*\"|[^\s,;&)}\]]+)"
        ),
        r"\1" + REDACTED,
    ),
)


def redact(text: str) -> str:
    """``text`` with every secret Herald knows the shape of replaced by ``[redacted]``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record's message (and its traceback) without secrets; never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    if getattr(record, "herald_redacted", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a malformed call to the logger: keep what it said, without the args
        message = str(record.msg)
    record.msg = redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record.herald_redacted = True
    return record


_installed = False


def install_log_redaction() -> None:
    """Redact every log record made in this process from now on (idempotent; call it again
    after adding handlers to the root logger)."""
    global _installed
    for name in _CHATTY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    # Records built by hand (logging.makeLogRecord, other processes' pickled records) skip the
    # record factory; the root's handlers catch those.
    for handler in logging.getLogger().handlers:
        if not any(isinstance(existing, RedactSecrets) for existing in handler.filters):
            handler.addFilter(RedactSecrets())
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def make_redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(make_record(*args, **kwargs))

    logging.setLogRecordFactory(make_redacted_record)
    _installed = True
