"""The sign-in throttle counts in Redis when HERALD_RATELIMIT_STORAGE_URI says so: every web
worker sees the same counts. Runs where redis-server and the redis package are installed."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator

import pytest

from tests import processes
from tests.factories import PASSWORD, create_person, login
from web.extensions import limiter

redis = pytest.importorskip("redis")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = processes.start(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2)
        pause = threading.Event()
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert process.poll() is None, "redis-server stopped"
                pause.wait(0.05)
        else:
            pytest.fail("redis-server did not answer")
        client.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        processes.stop(process)


@pytest.fixture
def keep_the_limiter(monkeypatch):
    """The limiter is one object: give it back the storage it had before this test."""
    monkeypatch.setattr(limiter, "_storage", limiter._storage)
    monkeypatch.setattr(limiter, "_limiter", limiter._limiter)


def test_the_throttle_counts_in_redis(keep_the_limiter, make_app, session, redis_url):
    browser = make_app(RATELIMIT_STORAGE_URI=redis_url).test_client()
    person, colleague = create_person(session), create_person(session)
    session.commit()

    for _ in range(10):
        assert login(browser, person, password="wrong-password").status_code == 401

    assert login(browser, person, password=PASSWORD).status_code == 429
    assert login(browser, colleague).status_code == 302
    # The counts live in Redis, where every web worker on every machine reads them.
    keys = redis.Redis.from_url(redis_url).keys("*login*")
    scopes = {
        scope
        for scope in ("login-account-address", "login-account", "login-address")
        if any(scope.encode() + b"/" in key for key in keys)
    }
    assert scopes == {"login-account-address", "login-account", "login-address"}, keys
    assert not any(person.email.encode() in key for key in keys)
