"""``POST /telegram/webhook/<secret>``: Telegram posts the field bot's updates here in webhook
mode (``herald bot --set-webhook``; docs/operations.md).

Webhook mode is on when HERALD_TELEGRAM_BOT_TOKEN and HERALD_TELEGRAM_WEBHOOK_SECRET are both
set. Two values are derived from that secret (and the token): the last part of the path, and the
``secret_token`` Telegram sends back in the ``X-Telegram-Bot-Api-Secret-Token`` header. Both are
compared in constant time; either one wrong is a 404, as for an address that does not exist. Two
values rather than one: a proxy's access log that keeps the path does not give away the header.

The route only checks and hands the update over: the field bot of this process (installed in
``app.extensions`` by web/cli.py, the one module of the web that may start ``bots``) runs the
handlers on its own event loop, so Telegram gets its 200 at once.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Blueprint, abort, current_app, request

from campaigns.signing import link_signature
from web.extensions import csrf

log = logging.getLogger(__name__)
blueprint = Blueprint("telegram", __name__)

#: ``app.extensions`` key of this process's update receiver (see ``UpdateReceiver``)
RECEIVER = "herald_telegram_webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class UpdateReceiver(Protocol):
    def submit(self, data: Any) -> None:
        """Process the update. Raises ValueError (not an update) or any error when the bot
        cannot take it now (Telegram retries)."""


@dataclass(frozen=True)
class WebhookSecrets:
    path: str  # /telegram/webhook/<path>
    header: str  # setWebhook's secret_token


def webhook_secrets(config: Mapping[str, Any]) -> WebhookSecrets | None:
    """The webhook's two secrets, or None when webhook mode is off."""
    secret = config.get("HERALD_TELEGRAM_WEBHOOK_SECRET") or ""
    token = config.get("HERALD_TELEGRAM_BOT_TOKEN") or ""
    if not (secret and token):
        return None
    # The bot's numeric id (before the colon) ties the values to the bot, not its whole token.
    bot_id = token.partition(":")[0]
    return WebhookSecrets(
        path=link_signature(secret, "telegram-webhook-path", bot_id),
        header=link_signature(secret, "telegram-webhook-header", bot_id),
    )


def webhook_path(config: Mapping[str, Any]) -> str | None:
    secrets = webhook_secrets(config)
    return f"/telegram/webhook/{secrets.path}" if secrets else None


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


@blueprint.post("/telegram/webhook/<secret>")
@csrf.exempt
def webhook(secret: str):
    """One update from Telegram: 200 once handed to the bot, 400 when the body is no update,
    503 when this process's bot cannot take it (Telegram sends it again later)."""
    expected = webhook_secrets(current_app.config)
    header = request.headers.get(SECRET_HEADER, "")
    if expected is None or not (_same(secret, expected.path) & _same(header, expected.header)):
        abort(404)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return {"message": "This is not a Telegram update."}, 400
    receiver: UpdateReceiver | None = current_app.extensions.get(RECEIVER)
    if receiver is None:
        log.error("telegram webhook: this web process runs no field bot (see web/cli.py)")
        return {"message": "The bot is not running here."}, 503
    try:
        receiver.submit(data)
    except ValueError:
        return {"message": "This is not a Telegram update."}, 400
    except Exception:
        log.exception("telegram webhook: the bot could not take the update")
        return {"message": "The bot cannot take updates now."}, 503
    return {"ok": True}, 200
