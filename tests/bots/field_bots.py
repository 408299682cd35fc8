"""Field bots for tests: run in threads against the fake Telegram, as ``herald bot`` runs one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bots.fieldbot import FieldBot, TranslationsFor, catalog_translations

TOKEN = "777000:herald-field-bot-token"
BASE_URL = "https://herald.example.gov.vn"
CATALOGS = Path(__file__).resolve().parents[2] / "web" / "translations"
translations: TranslationsFor = catalog_translations(CATALOGS)


class FieldBots:
    """Starts field bots (``start(**options)`` overrides the defaults given here) and stops
    them: one with ``stop(bot)``, the rest with ``stop_all()`` after the test."""

    def __init__(
        self, *, database_url: str, api_base: str, clock: Callable[[], datetime], **defaults: Any
    ) -> None:
        self.options: dict[str, Any] = {
            "token": TOKEN,
            "database_url": database_url,
            "base_url": BASE_URL,
            "translations": translations,
            "api_base": api_base,
            "timeout": 2.0,
            "delivery_seconds": None,
            "poll_timeout": timedelta(seconds=1),
            "clock": clock,
            **defaults,
        }
        self.running: list[tuple[FieldBot, threading.Thread]] = []

    def start(self, **options: Any) -> FieldBot:
        bot = FieldBot(**{**self.options, **options})
        thread = threading.Thread(target=bot.run, daemon=True)
        thread.start()
        self.running.append((bot, thread))
        assert bot.ready.wait(10), "the bot did not start"
        return bot

    def stop(self, bot: FieldBot) -> None:
        for candidate, thread in self.running:
            if candidate is bot:
                bot.stop()
                thread.join(10)
                assert not thread.is_alive()

    def stop_all(self) -> None:
        for bot, _ in self.running:
            self.stop(bot)
