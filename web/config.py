"""Configuration read from ``HERALD_*`` environment variables (and a ``.env`` file)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MIN_SECRET_LENGTH = 32
# Secrets that circulate in examples and tutorials; refusing them catches copy-paste deployments.
WEAK_SECRETS = frozenset({"secret", "changeme", "change-me", "dev", "development", "herald"})


class ConfigurationError(Exception):
    """The configuration cannot run safely; the message says what to set."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DEFAULT_METRICS_ALLOW = "127.0.0.1/8,::1/128"


def parse_networks(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Addresses and networks, comma- or space-separated (``10.0.0.0/8, 192.0.2.7``)."""
    networks = []
    for item in value.replace(",", " ").split():
        try:
            networks.append(ip_network(item, strict=False))
        except ValueError as error:
            raise ConfigurationError(
                f"HERALD_METRICS_ALLOW: {item!r} is not an address or a network ({error})."
            ) from None
    return tuple(networks)


LOG_FORMATS = ("text", "json")


def parse_log_format(value: str) -> str:
    """HERALD_LOG_FORMAT: ``text`` (the default) or ``json``."""
    chosen = value.strip().lower() or "text"
    if chosen not in LOG_FORMATS:
        raise ConfigurationError(f"HERALD_LOG_FORMAT: {value!r} is neither 'text' nor 'json'.")
    return chosen


MIN_WEBHOOK_SECRET_LENGTH = 24


def webhook_secret(value: str) -> str:
    """HERALD_TELEGRAM_WEBHOOK_SECRET, refused when guessable: it is all that stands between
    the internet and the bot's updates."""
    value = value.strip()
    if value and (len(value) < MIN_WEBHOOK_SECRET_LENGTH or len(set(value)) < 8):
        raise ConfigurationError(
            "HERALD_TELEGRAM_WEBHOOK_SECRET is too weak: use a random value of at least"
            f" {MIN_WEBHOOK_SECRET_LENGTH} characters, for example the output of:"
            " python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return value


def config_from_env(environ: Mapping[str, str], instance_path: Path) -> dict[str, Any]:
    """Flask configuration from ``HERALD_*`` variables, with embedded (SQLite) defaults."""
    base_url = (environ.get("HERALD_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    https = urlsplit(base_url).scheme == "https"
    database_url = environ.get("HERALD_DATABASE_URL") or f"sqlite:///{instance_path / 'herald.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        "SECRET_KEY": environ.get("HERALD_SECRET_KEY", ""),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "HERALD_BASE_URL": base_url,
        "HERALD_TIMEZONE": environ.get("HERALD_TIMEZONE", "Asia/Ho_Chi_Minh"),
        "HERALD_TELEGRAM_BOT_TOKEN": environ.get("HERALD_TELEGRAM_BOT_TOKEN", ""),
        # Set: the field bot takes its updates from the web's webhook (herald bot --set-webhook).
        "HERALD_TELEGRAM_WEBHOOK_SECRET": webhook_secret(
            environ.get("HERALD_TELEGRAM_WEBHOOK_SECRET", "")
        ),
        "HERALD_TELEGRAM_API_BASE": environ.get(
            "HERALD_TELEGRAM_API_BASE", "https://api.telegram.org"
        ),
        "HERALD_X_API_BASE": environ.get("HERALD_X_API_BASE", "https://api.twitter.com"),
        # Empty: each Mastodon channel talks to the instance in its credentials (a fake's
        # address here sends them all there, for demos and staging).
        "HERALD_MASTODON_API_BASE": environ.get("HERALD_MASTODON_API_BASE", ""),
        "HERALD_PLATFORM_TIMEOUT": float(environ.get("HERALD_PLATFORM_TIMEOUT", "10")),
        # Metric reads per X account and 15 minutes (GET /2/tweets); empty: Herald's default.
        "HERALD_X_METRIC_READS": environ.get("HERALD_X_METRIC_READS", ""),
        "HERALD_MEDIA_ROOT": environ.get("HERALD_MEDIA_ROOT") or str(instance_path / "media"),
        # How long a web process reuses the numbers of a unit ranking (0: never).
        "HERALD_SCORE_CACHE_SECONDS": float(environ.get("HERALD_SCORE_CACHE_SECONDS", "60")),
        # How long a web process reuses a campaign dashboard's figures (0: never).
        "HERALD_REPORT_CACHE_SECONDS": float(environ.get("HERALD_REPORT_CACHE_SECONDS", "60")),
        # Per-process caches of rendered calendar feeds (whole bodies; single events).
        "HERALD_FEED_CACHE_BYTES": int(environ.get("HERALD_FEED_CACHE_BYTES", 64 * 1024 * 1024)),
        "HERALD_FEED_FRAGMENT_CACHE_BYTES": int(
            environ.get("HERALD_FEED_FRAGMENT_CACHE_BYTES", 32 * 1024 * 1024)
        ),
        "HERALD_DEMO": False,
        # /healthz detail and /metrics for monitoring systems (see docs/operations.md).
        "HERALD_HEALTH_TOKEN": environ.get("HERALD_HEALTH_TOKEN", ""),
        "HERALD_METRICS_TOKEN": environ.get("HERALD_METRICS_TOKEN", ""),
        # "json": one JSON object a line (requests, publication attempts); else plain text.
        "HERALD_LOG_FORMAT": parse_log_format(environ.get("HERALD_LOG_FORMAT", "")),
        "HERALD_METRICS_ALLOW": parse_networks(
            environ.get("HERALD_METRICS_ALLOW", DEFAULT_METRICS_ALLOW)
        ),
        "RATELIMIT_STORAGE_URI": environ.get("HERALD_RATELIMIT_STORAGE_URI", "memory://"),
        # Failed sign-ins a minute: one account from one address; one account from anywhere;
        # one address, every account together.
        "HERALD_LOGIN_ATTEMPTS_PER_MINUTE": int(
            environ.get("HERALD_LOGIN_ATTEMPTS_PER_MINUTE", "10")
        ),
        "HERALD_LOGIN_ACCOUNT_ATTEMPTS_PER_MINUTE": int(
            environ.get("HERALD_LOGIN_ACCOUNT_ATTEMPTS_PER_MINUTE", "30")
        ),
        "HERALD_LOGIN_ADDRESS_ATTEMPTS_PER_MINUTE": int(
            environ.get("HERALD_LOGIN_ADDRESS_ATTEMPTS_PER_MINUTE", "100")
        ),
        "SESSION_COOKIE_SECURE": _bool(environ.get("HERALD_SECURE_COOKIES"), default=https),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(environ.get("HERALD_SECURE_COOKIES"), default=https),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "MAX_CONTENT_LENGTH": 60 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        # flask-smorest
        "API_TITLE": "Herald API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }


def check_secret_key(config: Mapping[str, Any]) -> None:
    """Refuse to run a real deployment with a missing or guessable secret key."""
    if config.get("TESTING") or config.get("HERALD_DEMO"):
        return
    key = config.get("SECRET_KEY") or ""
    if not key:
        raise ConfigurationError(
            "HERALD_SECRET_KEY is not set. Set it (in the environment or in .env) to a random "
            "value of at least 32 characters, for example the output of: "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if len(key) < MIN_SECRET_LENGTH or key.lower() in WEAK_SECRETS or len(set(key)) < 8:
        raise ConfigurationError(
            "HERALD_SECRET_KEY is too weak: use a random value of at least 32 characters, for "
            "example the output of: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )


def existing_demo_secret_key(instance_path: Path) -> str:
    """The key ``herald demo`` keeps under instance/, or "" when no demo ran there."""
    path = instance_path / DEMO_SECRET_KEY_FILE
    return path.read_text().strip() if path.exists() else ""


DEMO_SECRET_KEY_FILE = "demo-secret-key"


def demo_secret_key(instance_path: Path) -> str:
    """A random key kept under instance/ so demo sessions survive a restart."""
    path = instance_path / DEMO_SECRET_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    os.chmod(path, 0o600)
    return key
