"""The fake platform servers themselves: recording, rate-limit headers, faults, sockets, CLI."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests import processes
from tests.fakes import telegram as telegram_faults
from tests.fakes import x as x_faults
from tests.fakes.server import MAX_FAULT_DELAY, Fault
from tests.fakes.telegram import FakeTelegram
from tests.fakes.x import GET_ME, POST_TWEET, FakeX

ROOT = Path(__file__).resolve().parents[2]
OAUTH = {"Authorization": 'OAuth oauth_consumer_key="k", oauth_token="tok-1", oauth_signature="s"'}


@pytest.fixture
def http():
    with requests.Session() as session:
        session.trust_env = False
        yield session


def test_every_request_is_recorded_with_its_parsed_body(fake_x, http):
    response = http.post(f"{fake_x.base_url}/2/tweets", json={"text": "hi"}, headers=OAUTH)

    assert response.status_code == 201
    [request] = fake_x.requests
    assert (request.method, request.path, request.route) == ("POST", "/2/tweets", POST_TWEET)
    assert request.json == {"text": "hi"}
    assert request.headers["Authorization"].startswith("OAuth ")
    assert request.body == b'{"text": "hi"}'


def test_x_answers_carry_rate_limit_headers_that_count_down(fake_x, http):
    fake_x.set_rate_limit(GET_ME, 3, 900)

    remaining = [
        http.get(f"{fake_x.base_url}/2/users/me", headers=OAUTH).headers["x-rate-limit-remaining"]
        for _ in range(4)
    ]
    last = http.get(f"{fake_x.base_url}/2/users/me", headers=OAUTH)

    assert remaining == ["2", "1", "0", "0"]
    assert last.status_code == 429
    assert int(last.headers["x-rate-limit-reset"]) >= int(time.time())
    assert last.headers["x-rate-limit-limit"] == "3"


def test_rate_limits_are_counted_per_account(fake_x, http):
    fake_x.set_rate_limit(GET_ME, 1, 900)
    other = {"Authorization": OAUTH["Authorization"].replace("tok-1", "tok-2")}

    first = http.get(f"{fake_x.base_url}/2/users/me", headers=OAUTH)
    second = http.get(f"{fake_x.base_url}/2/users/me", headers=other)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["data"]["id"] != second.json()["data"]["id"]


def test_faults_play_in_order_then_the_server_behaves(fake_x, http):
    fake_x.inject(x_faults.server_error(503), times=2)
    fake_x.inject(x_faults.unauthorized())

    statuses = [
        http.post(f"{fake_x.base_url}/2/tweets", json={"text": f"t{i}"}, headers=OAUTH).status_code
        for i in range(4)
    ]

    assert statuses == [503, 503, 401, 201]
    assert fake_x.pending_faults() == 0
    assert [tweet.posted_text for tweet in fake_x.tweets()] == ["t3"]


def test_a_fault_on_the_publish_routes_is_taken_by_whichever_is_called(fake_telegram, http):
    base = f"{fake_telegram.base_url}/bot1:abc"
    fake_telegram.inject(telegram_faults.server_error(500))

    photo = http.post(f"{base}/sendPhoto", data={"chat_id": "@one", "photo": "file-id"})
    text = http.post(f"{base}/sendMessage", data={"chat_id": "@one", "text": "a"})

    assert (photo.status_code, text.status_code) == (500, 200)
    assert fake_telegram.pending_faults() == 0


def test_faults_only_touch_their_route(fake_x, http):
    fake_x.inject(x_faults.server_error(500))

    assert http.get(f"{fake_x.base_url}/2/users/me", headers=OAUTH).status_code == 200
    assert fake_x.pending_faults(POST_TWEET) == 1


def test_an_accepting_fault_processes_the_request_then_answers_its_status(fake_x, http):
    fake_x.inject(Fault(status=500, accept=True))

    response = http.post(f"{fake_x.base_url}/2/tweets", json={"text": "done anyway"}, headers=OAUTH)

    assert response.status_code == 500
    assert [tweet.posted_text for tweet in fake_x.tweets()] == ["done anyway"]


def test_accept_then_drop_closes_the_connection_without_an_answer(fake_x, http):
    fake_x.inject(x_faults.accept_then_drop())

    with pytest.raises(requests.ConnectionError):
        http.post(f"{fake_x.base_url}/2/tweets", json={"text": "lost answer"}, headers=OAUTH)

    assert [tweet.posted_text for tweet in fake_x.tweets()] == ["lost answer"]


def test_fault_delays_are_bounded():
    with FakeX() as fake, pytest.raises(ValueError):
        fake.inject(Fault(delay=MAX_FAULT_DELAY + 1))


def test_accepted_sockets_have_nagle_turned_off(fake_x, http):
    http.get(f"{fake_x.base_url}/2/users/me", headers=OAUTH)  # the connection stays open

    connections = list(fake_x._connections)
    assert connections
    assert all(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for c in connections)


def test_sequential_requests_are_not_slowed_by_delayed_acks(fake_x, http):
    started = time.perf_counter()
    for number in range(25):
        http.post(f"{fake_x.base_url}/2/tweets", json={"text": f"n{number}"}, headers=OAUTH)

    # With Nagle and delayed ACKs each request costs ~40 ms (1 s for 25).
    assert time.perf_counter() - started < 0.5


def test_concurrent_clients_are_all_served(fake_x):
    def post(number: int) -> None:
        with requests.Session() as session:
            session.trust_env = False
            for index in range(10):
                session.post(
                    f"{fake_x.base_url}/2/tweets", json={"text": f"{number}-{index}"}, headers=OAUTH
                )

    threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    texts = [tweet.posted_text for tweet in fake_x.tweets()]
    assert len(texts) == len(set(texts)) == 80
    assert len({tweet.id for tweet in fake_x.tweets()}) == 80


def test_unknown_paths_are_404_and_recorded(fake_x, http):
    response = http.get(f"{fake_x.base_url}/2/nothing", headers=OAUTH)

    assert response.status_code == 404
    assert fake_x.requests[0].route is None


def test_strict_tokens_refuse_unknown_accounts(http):
    with FakeX(strict_tokens=True) as fake:
        response = http.get(f"{fake.base_url}/2/users/me", headers=OAUTH)

    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"


def test_the_state_lists_what_was_published_and_flags_duplicates(fake_x, http):
    for text in ("a", "b", "a"):
        http.post(f"{fake_x.base_url}/2/tweets", json={"text": text}, headers=OAUTH)

    state = http.get(f"{fake_x.base_url}/_fake/state").json()

    assert [tweet["text"] for tweet in state["tweets"]] == ["a", "b", "a"]
    assert state["duplicate_texts"] == ["a"]
    assert state["requests"] == 3  # control requests are not recorded


def test_an_unknown_fault_name_is_refused(fake_telegram, http):
    response = http.post(f"{fake_telegram.base_url}/_fake/faults", json={"fault": "meteor"})

    assert response.status_code == 400
    assert fake_telegram.pending_faults() == 0


def test_x_looks_up_tweets_by_id(fake_x, http):
    tweet = fake_x.add_tweet("tok-1", "Hello & welcome")

    response = http.get(
        f"{fake_x.base_url}/2/tweets",
        params={"ids": f"{tweet.id},42", "tweet.fields": "created_at,author_id"},
        headers=OAUTH,
    ).json()

    [found] = response["data"]
    assert (found["id"], found["text"], found["author_id"]) == (
        tweet.id,
        "Hello &amp; welcome",
        tweet.author_id,
    )
    assert found["created_at"].endswith("Z")
    assert response["errors"][0]["resource_id"] == "42"


def test_reset_forgets_everything(fake_x, http):
    http.post(f"{fake_x.base_url}/2/tweets", json={"text": "x"}, headers=OAUTH)
    fake_x.inject(x_faults.server_error())

    fake_x.reset()

    assert (fake_x.requests, fake_x.tweets(), fake_x.pending_faults()) == ([], [], 0)


def test_telegram_records_messages_per_chat(fake_telegram, http):
    base = f"{fake_telegram.base_url}/bot1:abc"

    http.post(f"{base}/sendMessage", data={"chat_id": "@one", "text": "a"})
    http.post(f"{base}/sendMessage", json={"chat_id": "@two", "text": "b"})
    http.get(f"{base}/sendMessage", params={"chat_id": "@one", "text": "c"})

    assert [m.text for m in fake_telegram.messages("@one")] == ["a", "c"]
    assert [m.message_id for m in fake_telegram.messages("@two")] == [1]


def test_telegram_errors_have_telegrams_shape(fake_telegram, http):
    fake_telegram.inject(telegram_faults.flood(retry_after=3))
    base = f"{fake_telegram.base_url}/bot1:abc"

    flood = http.post(f"{base}/sendMessage", data={"chat_id": "@one", "text": "a"})
    malformed = http.post(f"{fake_telegram.base_url}/botnot-a-token/getMe")
    unknown = http.post(f"{base}/deleteEverything")

    assert flood.status_code == 429
    assert flood.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    assert (malformed.status_code, unknown.status_code) == (404, 404)


def test_telegram_get_updates_hands_out_updates_until_confirmed(fake_telegram, http):
    base = f"{fake_telegram.base_url}/bot1:abc"
    first = fake_telegram.push_update({"message": {"text": "/today"}})
    fake_telegram.push_update({"message": {"text": "/trip"}})

    everything = http.post(f"{base}/getUpdates").json()["result"]
    after_first = http.post(f"{base}/getUpdates", data={"offset": first + 1}).json()["result"]

    assert [u["message"]["text"] for u in everything] == ["/today", "/trip"]
    assert [u["message"]["text"] for u in after_first] == ["/trip"]


def test_telegram_long_polling_is_capped(fake_telegram, http):
    started = time.monotonic()
    result = http.post(
        f"{fake_telegram.base_url}/bot1:abc/getUpdates", data={"timeout": 0.2}
    ).json()

    assert result == {"ok": True, "result": []}
    assert 0.15 < time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("module", "route"), [("tests.fakes.x", GET_ME), ("tests.fakes.telegram", "getMe")]
)
def test_each_fake_runs_from_the_command_line(module, route):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    with processes.running(
        [sys.executable, "-m", module, "--port", "0"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        path = "/2/users/me" if module.endswith(".x") else "/bot1:abc/getMe"
        with requests.Session() as session:
            session.trust_env = False
            response = session.get(base_url + path, headers=OAUTH, timeout=2)
            assert response.status_code == 200
            # A fake in another process is steered and read over HTTP.
            order = {"fault": "server_error", "args": {"status": 503}, "times": 2, "route": route}
            steered = session.post(f"{base_url}/_fake/faults", json=order, timeout=2)
            statuses = [
                session.get(base_url + path, headers=OAUTH, timeout=2).status_code for _ in range(3)
            ]
            state = session.get(f"{base_url}/_fake/state", timeout=2).json()
        assert steered.json() == {"ok": True, "pending": 2}
        assert statuses == [503, 503, 200]
        assert state["requests"] == 4
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0


def _ignoring_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_fake_started_as_a_background_job_still_stops_on_a_signal(signum):
    # A shell's background job inherits SIGINT ignored (as when the test command runs with &).
    with processes.running(
        [sys.executable, "-m", "tests.fakes.telegram", "--port", "0"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_ignoring_sigint,
    ) as process:
        assert process.stdout.readline().startswith("http://127.0.0.1:")
        process.send_signal(signum)
        assert process.wait(timeout=5) == 0


def test_telegram_fakes_can_also_run_alone():
    with FakeTelegram() as fake:
        assert fake.base_url.startswith("http://127.0.0.1:")


def test_telegram_buttons_files_and_webhooks_through_python_telegram_bot(fake_telegram):
    """What the field bot needs, driven by python-telegram-bot's own client: inline keyboards
    recorded and edited, button presses answered, photos downloaded, a webhook set."""
    import asyncio

    from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.error import BadRequest, Conflict

    async def scenario() -> None:
        bot = Bot(
            "1:abc",
            base_url=f"{fake_telegram.base_url}/bot",
            base_file_url=f"{fake_telegram.base_url}/file/bot",
        )
        async with bot:
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Done", callback_data="t:1")]])
            sent = await bot.send_message(42, "Item", reply_markup=keyboard)
            assert sent.reply_markup == keyboard
            (recorded,) = fake_telegram.messages(42)
            assert fake_telegram.buttons(recorded) == [("Done", "t:1")]

            fake_telegram.push_callback_query(42, sent.message_id, "t:1")
            fake_telegram.push_photo(42, b"\xff\xd8picture", caption="At the embassy")
            fake_telegram.push_photo(42, b"big", file_size=25 * 1024 * 1024)
            press, photo, big = await bot.get_updates()
            assert press.callback_query.data == "t:1"
            assert press.callback_query.message.text == "Item"
            await bot.answer_callback_query(press.callback_query.id, text="Noted")
            assert fake_telegram.callback_answers[-1]["text"] == "Noted"
            edited = await bot.edit_message_text("Item (done)", chat_id=42, message_id=1)
            assert edited.text == "Item (done)" and fake_telegram.messages(42)[0].edits == 1
            with pytest.raises(BadRequest, match="not modified"):
                await bot.edit_message_text("Item (done)", chat_id=42, message_id=1)

            assert photo.message.caption == "At the embassy"
            file = await bot.get_file(photo.message.photo[-1].file_id)
            assert bytes(await file.download_as_bytearray()) == b"\xff\xd8picture"
            assert big.message.photo[-1].file_size == 25 * 1024 * 1024
            with pytest.raises(BadRequest, match="too big"):
                await bot.get_file(big.message.photo[-1].file_id)

            await bot.set_webhook(
                "https://herald.example.org/telegram/webhook/s3cret",
                secret_token="header-secret",
                allowed_updates=["message", "callback_query"],
            )
            assert fake_telegram.webhook == {
                "url": "https://herald.example.org/telegram/webhook/s3cret",
                "secret_token": "header-secret",
                "allowed_updates": ["message", "callback_query"],
            }
            assert (await bot.get_webhook_info()).url.endswith("/s3cret")
            with pytest.raises(Conflict):
                await bot.get_updates(offset=big.update_id + 1)
            await bot.delete_webhook()
            assert fake_telegram.webhook is None

    asyncio.run(scenario())
