"""How log lines look: plain text (the default, and always for ``herald demo``), or one JSON
object a line for a log collector (``HERALD_LOG_FORMAT=json``, docs/operations.md, "Logs").

A JSON line carries the record's ``extra`` fields as keys: a request's line has ``request_id``,
``method``, ``endpoint``, ``status``, ``duration_ms`` and ``person_id``; a publication attempt's
has ``publication_id``, ``channel_id``, ``platform``, ``outcome``, ``error_kind`` and
``duration_ms``. Secrets are redacted as in plain text (``campaigns.log_redaction``), in the
message, the traceback and every text field alike.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from campaigns.log_redaction import install_log_redaction, redact

JSON = "json"


class JsonLines(JsonFormatter):
    """One JSON object per record: ``timestamp`` (UTC, ISO 8601), ``level``, ``logger``,
    ``message``, the record's extra fields, and ``exc_info`` for a traceback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", True)
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "herald_redacted"])
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact(super().formatStack(stack_info))

    def process_log_record(self, log_record: dict[str, Any]) -> dict[str, Any]:
        return {
            key: redact(value) if isinstance(value, str) else value
            for key, value in log_record.items()
        }


def use_json_logs(level: int = logging.INFO) -> None:
    """JSON lines on stderr for the whole process (idempotent). A root logger that already has
    handlers (gunicorn's logging configuration, a test runner's capture) keeps them."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
        root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    install_log_redaction()


def gunicorn_logging(level: str = "INFO") -> dict[str, Any]:
    """gunicorn's ``logconfig_dict`` for JSON logs: its own lines and the application's, one
    handler on stderr (its access log is off: Herald writes one line per request itself)."""
    handler = {"class": "logging.StreamHandler", "formatter": JSON, "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {JSON: {"()": f"{__name__}.JsonLines"}},
        "handlers": {"console": handler, "error_console": handler},
        "root": {"level": level, "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": level, "handlers": [], "propagate": False},
        },
    }
