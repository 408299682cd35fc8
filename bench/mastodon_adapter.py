"""CPU per Mastodon status through the real Mastodon.py client against the fake instance run
in its own process (so the client's CPU is measured alone):

    python -m tests.fakes.mastodon --port 18784 &
    python bench/mastodon_adapter.py [--base http://127.0.0.1:18784]

Keeps under the fake's default 300 requests / 5 min per account (a longer run meets its 429).
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime, timedelta

from bots.mastodon import MastodonClient
from campaigns.social import rules
from campaigns.social.platform import OutgoingPost, fingerprint

COUNT = 120


def post(number: int, key: str) -> OutgoingPost:
    text = f"Bench status {number} https://mofa.gov.vn/tin-tuc/{number}"
    return OutgoingPost(text, (), fingerprint(text, []), key)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:18784")
    options = parser.parse_args()
    client = MastodonClient(instance_url=options.base, access_token="bench-token")
    client.check_connection()

    cpu, wall = time.process_time(), time.perf_counter()
    for number in range(COUNT):
        client.publish(post(number, f"bench-{number}"))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"publish: CPU {1000 * cpu / COUNT:.2f} ms/status, wall {1000 * wall / COUNT:.2f} ms")

    cpu = time.process_time()
    for number in range(COUNT):
        client.publish(post(number, f"bench-{number}"))
    print(f"same key again: CPU {1000 * (time.process_time() - cpu) / COUNT:.2f} ms/status")

    cpu, wall = time.process_time(), time.perf_counter()
    found = client.find_published(post(0, ""), since=datetime.now(UTC) - timedelta(hours=1))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"reconcile (found: {found is not None}): CPU {1000 * cpu:.1f} ms, wall {1000 * wall:.1f}"
    )

    sample = "Chào " * 80 + " https://example.org/" + "a" * 100
    cpu = time.process_time()
    for _ in range(10_000):
        rules.check_format("mastodon", sample)
    per_check = 1e6 * (time.process_time() - cpu) / 10_000
    print(f"length check: {per_check:.1f} µs per text of {len(sample)} characters")
    print("load average:", os.getloadavg())
    client.close()


if __name__ == "__main__":
    main()
