"""`herald demo`, as the README runs it: no configuration, SQLite, demo data, a page in
Vietnamese on the chosen port. A real process, stopped at the end."""

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests import processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("run", ["first", "second"])
def test_demo_starts_without_any_configuration_and_again_on_the_same_database(tmp_path, run):
    database = tmp_path.parent / "demo-command.db"
    if run == "first":
        database.unlink(missing_ok=True)
    port = free_port()
    environment = {
        "PATH": "/usr/bin:/bin",
        "HERALD_DATABASE_URL": f"sqlite:///{database}",
        "HERALD_INSTANCE_PATH": str(tmp_path.parent / "demo-command-instance"),
    }
    process = processes.start(
        [sys.executable, "-c", "from web.cli import main; main()", "demo", "--port", str(port)],
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as answer:
                    page = answer.read().decode()
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2
                ) as answer:
                    servers = json.loads(answer.read())["servers"]
                break
            except OSError:
                time.sleep(0.5)
        assert process.poll() is None, process.stdout.read()
        assert page is not None, "the demo did not answer within 90 s"
        assert "Đăng nhập vào Herald" in page
        # Absolute links name the port the demo listens on, not a default one.
        assert servers == [{"url": f"http://127.0.0.1:{port}"}]
    finally:
        processes.stop(process, timeout=20)
        output = process.stdout.read()
        process.stdout.close()
    assert "coordinator@example.org" in output
    assert f"http://127.0.0.1:{port}/" in output
    assert "herald-demo" in output
    assert "Traceback" not in output
    # Any command run after the demo finds the demo's key, as the demo does.
    token = subprocess.run(
        [sys.executable, "-c", "from web.cli import main; main()", "token", "create",
         "--email", "coordinator@example.org"],
        env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().splitlines()[-1].startswith("hrd_")
