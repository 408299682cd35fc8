"""Fake platform servers for tests, demos and benchmarks: real HTTP servers on 127.0.0.1.

- ``tests.fakes.x.FakeX``: X API v2 (tweets, users/me, user timeline) and v1.1 media upload.
- ``tests.fakes.telegram.FakeTelegram``: the Telegram Bot API (getMe, getUpdates, getChat,
  getChatMember, sendMessage, sendPhoto, sendMediaGroup).

Both record every request (``fake.requests``), keep real rate limits (``set_rate_limit``) and
play injected faults (``fake.inject(fault, times=N, route=...)`` with the fault factories of each
module), and run alone: ``python -m tests.fakes.x --port 8081``,
``python -m tests.fakes.telegram --port 8082``. ``tests.fakes.server`` holds what they share.
"""
