"""Browser tests: a real Herald served on 127.0.0.1 (its own SQLite database with demo data)
driven by Debian's Chromium through Playwright. They skip where no Chromium is installed, unless
HERALD_REQUIRE_BROWSER=1 (CI), where a missing browser is a failure."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from campaigns.db import utcnow
from campaigns.demo import DEMO_PASSWORD, load_demo_data
from web import create_app
from web.cli import upgrade_database
from web.extensions import db

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class LiveServer:
    url: str
    app: Flask


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    database = tmp_path_factory.mktemp("e2e") / "herald-e2e.db"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "e2e-secret-key-that-is-long-enough-0123456789",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    upgrade_database(app)
    with app.app_context():
        db.session.info["door"] = "demo"
        load_demo_data(db.session, now=utcnow())
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    executable = _chromium()
    if executable is None:
        if os.environ.get("HERALD_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is not installed; CI requires the browser tests to run")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server: LiveServer):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form as one of the demo accounts."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
