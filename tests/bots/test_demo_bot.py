"""``herald demo`` with HERALD_TELEGRAM_BOT_TOKEN and HERALD_TELEGRAM_API_BASE runs the field bot:
a real demo process, its bot talking to the fake Telegram Bot API, in long polling and in
webhook mode. A real process, stopped at the end."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request

import pytest

from bots.fieldbot import HOW_TO_LINK
from tests import processes
from tests.bots.test_fieldbot import TOKEN, in_both_languages
from tests.conftest import TEST_SECRET
from tests.fakes.telegram import FakeTelegram

CHAT = 919_191


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def fake_telegram():
    with FakeTelegram(bot_username="herald_demo_bot") as fake:
        yield fake


def start_demo(tmp_path, fake_telegram, **more_env: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    environment = {
        "PATH": "/usr/bin:/bin",
        "HERALD_DATABASE_URL": f"sqlite:///{tmp_path}/demo.db",
        "HERALD_INSTANCE_PATH": str(tmp_path / "instance"),
        "HERALD_TELEGRAM_BOT_TOKEN": TOKEN,
        "HERALD_TELEGRAM_API_BASE": fake_telegram.base_url,
        **more_env,
    }
    process = processes.start(
        [sys.executable, "-c", "from web.cli import main; main()", "demo", "--port", str(port)],
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, port


def stop_demo(process: subprocess.Popen) -> str:
    processes.stop(process, timeout=20)
    output = process.stdout.read()
    process.stdout.close()
    return output


def test_the_demo_runs_the_bot_when_a_token_is_set(tmp_path, fake_telegram):
    process, _ = start_demo(tmp_path, fake_telegram)
    try:
        fake_telegram.push_message(CHAT, "/start")
        # The demo loads its data before the bot polls: give a loaded machine time.
        answers = fake_telegram.wait_for_messages(CHAT, 1, timeout=120)
        assert process.poll() is None
    finally:
        output = stop_demo(process)

    assert answers, f"the demo's bot did not answer:\n{output}"
    assert answers[0].text == in_both_languages(HOW_TO_LINK)
    assert "the Telegram bot runs too" in output
    assert "Traceback" not in output
    assert TOKEN not in output


def test_the_demo_in_webhook_mode_answers_updates_posted_to_its_webhook(tmp_path, fake_telegram):
    secret = "webhook-secret-for-the-demo-0123456789"
    process, port = start_demo(tmp_path, fake_telegram, HERALD_TELEGRAM_WEBHOOK_SECRET=secret)
    base_url = f"http://127.0.0.1:{port}"
    try:
        registered = subprocess.run(
            [sys.executable, "-c", "from web.cli import main; main()", "bot", "--set-webhook"],
            env={
                "PATH": "/usr/bin:/bin",
                "HERALD_DATABASE_URL": f"sqlite:///{tmp_path}/demo.db",
                "HERALD_INSTANCE_PATH": str(tmp_path / "instance"),
                "HERALD_TELEGRAM_BOT_TOKEN": TOKEN,
                "HERALD_TELEGRAM_API_BASE": fake_telegram.base_url,
                "HERALD_TELEGRAM_WEBHOOK_SECRET": secret,
                "HERALD_BASE_URL": base_url,
                # Its own key: the demo may not have written its key under instance/ yet, and
                # the webhook's path and header come from the webhook secret, not from this key.
                "HERALD_SECRET_KEY": TEST_SECRET,
            },
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert registered.returncode == 0, registered.stderr
        webhook = fake_telegram.webhook
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 1_800_000_000,
                "chat": {"id": CHAT, "type": "private", "first_name": "Linh"},
                "from": {"id": CHAT, "is_bot": False, "first_name": "Linh"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        request = urllib.request.Request(
            webhook["url"],
            data=json.dumps(update).encode(),
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": webhook["secret_token"],
            },
            method="POST",
        )
        status = None
        for _ in range(240):  # the demo may still be loading its data
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    status = answer.status
                break
            except urllib.error.HTTPError as error:
                status = error.code
                break
            except OSError:
                if process.poll() is not None:
                    break
                fake_telegram.wait_for_messages(CHAT, 1, timeout=0.5)  # a pause, without sleep
        answers = fake_telegram.wait_for_messages(CHAT, 1, timeout=30)
    finally:
        output = stop_demo(process)

    assert status == 200, output
    assert answers and answers[0].text == in_both_languages(HOW_TO_LINK)
    assert "takes its updates from the webhook" in output
    assert "Traceback" not in output
