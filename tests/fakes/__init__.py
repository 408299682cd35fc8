"""Fake platform servers for tests, demos and benchmarks: real HTTP servers on 127.0.0.1.

- ``tests.fakes.x.FakeX``: X API v2 (tweets, users/me, user timeline) and v1.1 media upload.
- ``tests.fakes.telegram.FakeTelegram``: the Telegram Bot API (getMe, getUpdates, getChat,
  getChatMember, sendMessage, sendPhoto, sendMediaGroup).

Both record every request (``fake.requests``), keep real rate limits (``set_rate_limit``) and
play injected faults (``fake.inject(fault, times=N, route=...)`` with the fault factories of each
module), and run alone: ``python -m tests.fakes.x --port 8081``,
``python -m tests.fakes.telegram --port 8082``. A fake in another process is steered and read
over HTTP: ``POST /_fake/faults`` with ``{"fault": "server_error", "args": {"status": 503},
"times": 2}``, ``GET /_fake/state`` (what was published; X lists ``duplicate_texts``),
``POST /_fake/reset``. ``tests.fakes.server`` holds what they share.
"""
