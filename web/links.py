"""Absolute links (feeds, webcal, links sent in Telegram alerts): always from one base.

The base is ``HERALD_BASE_URL`` when it is set; otherwise ``herald demo`` and ``herald web``
set it to the address they actually listen on (``--host``/``--port``), so no link points at a
port nothing listens on. The address a request happened to use (its Host header) never counts:
links shown on a page, written in a calendar or sent to Telegram are the same everywhere.
"""

from __future__ import annotations

from typing import Any

from flask import current_app


def absolute_url(endpoint: str, **values: Any) -> str:
    """The full URL of ``endpoint`` under Herald's base URL."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["HERALD_BASE_URL"] + path


def listening_base_url(host: str, port: int) -> str:
    """The base URL of a server bound to ``host``:``port``; a wildcard address (all interfaces)
    is reached from this machine through loopback."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host in ("::", "[::]"):
        host = "[::1]"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"
