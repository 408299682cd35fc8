"""Fuzz the JSON API with schemathesis against a real server on PostgreSQL.

    HERALD_FUZZ_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/herald_fuzz \
        .venv/bin/python tests/api_fuzz.py [extra schemathesis options]

The database is emptied, migrated and filled with the demo data; ``herald web`` serves it on a
free port on 127.0.0.1; schemathesis runs every phase (examples, coverage, fuzzing, stateful)
with a fixed seed and a bounded number of examples, as the admin. The run fails on any response
500 and on any response that breaks the OpenAPI document (schema, status, content type, headers).
The server's log is kept in ``instance/fuzz-server.log`` for the tracebacks.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SEED = 20261207
MAX_EXAMPLES = 30
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "allow_header_conformance",
)
SECRET = "fuzz-secret-key-that-is-long-enough-0123456789"


def _engine_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _fresh_database(url: str) -> None:
    engine = create_engine(_engine_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


SETUP = """
from campaigns.db import utcnow
from campaigns.demo import load_demo_data
from campaigns.org import queries, services
from web import create_app
from web.cli import upgrade_database
from web.extensions import db

app = create_app()
upgrade_database(app)
with app.app_context():
    load_demo_data(db.session, now=utcnow())
    admin = queries.person_by_email(db.session, "admin@example.org")
    _, token = services.create_api_token(
        db.session, actor=None, now=utcnow(), person=admin, name="fuzz"
    )
    db.session.commit()
    print(token)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(base: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"herald web stopped ({server.returncode}); see instance/fuzz-server.log"
            )
        try:
            if requests.get(f"{base}/api/v1/openapi.json", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise SystemExit("herald web did not answer within a minute")


def _run_and_count(command: list[str]) -> int:
    """Run schemathesis, echoing it, and close with a plain 'N passed, N failed' line (test
    cases without and with a failure)."""
    runner = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    generated = failing = None
    assert runner.stdout is not None
    for line in runner.stdout:
        sys.stdout.write(line)
        found = re.search(r"(\d+) generated(?:, (\d+) found)?", line)
        if found:
            generated, failing = int(found[1]), int(found[2] or 0)
    returncode = runner.wait()
    if generated is not None:
        print(f"api_fuzz: {generated - failing} passed, {failing} failed", flush=True)
    return returncode


def main(extra: list[str]) -> int:
    url = os.environ.get("HERALD_FUZZ_DATABASE_URL")
    if not url:
        raise SystemExit("Set HERALD_FUZZ_DATABASE_URL (a PostgreSQL database this run empties).")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    environ = {
        **os.environ,
        "HERALD_DATABASE_URL": url,
        "HERALD_SECRET_KEY": SECRET,
        "HERALD_BASE_URL": base,
        "HERALD_MEDIA_ROOT": str(ROOT / "instance" / "fuzz-media"),
        # The fuzzer sends thousands of requests from one address.
        "HERALD_LOGIN_ATTEMPTS_PER_MINUTE": "100000",
    }
    _fresh_database(url)
    setup = subprocess.run(
        [sys.executable, "-c", SETUP], env=environ, cwd=ROOT, capture_output=True, text=True
    )
    if setup.returncode != 0:
        sys.stderr.write(setup.stderr)
        return setup.returncode
    token = setup.stdout.strip().splitlines()[-1]
    (ROOT / "instance").mkdir(exist_ok=True)
    log = (ROOT / "instance" / "fuzz-server.log").open("w")
    server = subprocess.Popen(
        [str(VENV_BIN / "herald"), "web", "--port", str(port), "--workers", "2"],
        env=environ,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_until_up(base, server)
        command = [
            str(VENV_BIN / "schemathesis"),
            "run",
            f"{base}/api/v1/openapi.json",
            "--url",
            base,
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            ",".join(CHECKS),
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--workers",
            "2",
            "--request-timeout",
            "30",
            "--suppress-health-check",
            "all",
            "--output-truncate",
            "true",
            "--warnings",
            "off",
            *extra,
        ]
        printable = [
            part if not part.startswith("Authorization") else "Authorization: …" for part in command
        ]
        print(" ".join(printable), flush=True)
        return _run_and_count(command)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
