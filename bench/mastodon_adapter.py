"""CPU per Mastodon status through the real Mastodon.py client against the fake instance run
in its own process (so the client's CPU is measured alone):

    python -m tests.fakes.mastodon --port 18784 &
    python bench/mastodon_adapter.py

Keeps under the fake's default 300 requests / 5 min per account (a longer run meets its 429).
"""

import os, time
from bots.mastodon import MastodonClient
from campaigns.social.platform import OutgoingPost, fingerprint
from campaigns.social import rules
c = MastodonClient(instance_url="http://127.0.0.1:18784", access_token="bench-token")
c.check_connection()
N = 120
cpu0, wall0 = time.process_time(), time.perf_counter()
for i in range(N):
    text = f"Bench status {i} https://mofa.gov.vn/tin-tuc/{i}"
    c.publish(OutgoingPost(text, (), fingerprint(text, []), f"bench-{i}"))
cpu1, wall1 = time.process_time(), time.perf_counter()
print(f"publish: {N} statuses, CPU {1000*(cpu1-cpu0)/N:.2f} ms/status, wall {1000*(wall1-wall0)/N:.2f} ms/status")
cpu0 = time.process_time()
for i in range(N):
    text = f"Bench status {i} https://mofa.gov.vn/tin-tuc/{i}"
    c.publish(OutgoingPost(text, (), fingerprint(text, []), f"bench-{i}"))
print(f"idempotent retry: CPU {1000*(time.process_time()-cpu0)/N:.2f} ms/status")
from datetime import datetime, UTC, timedelta
text = "Bench status 0 https://mofa.gov.vn/tin-tuc/0"
cpu0 = time.process_time(); w=time.perf_counter()
found = c.find_published(OutgoingPost(text, (), fingerprint(text, []), ""), since=datetime.now(UTC)-timedelta(hours=1))
print(f"reconcile reading 3 pages of 40 statuses (found: {found is not None}): CPU {1000*(time.process_time()-cpu0):.1f} ms, wall {1000*(time.perf_counter()-w):.1f} ms")
sample = "Chào " * 80 + " https://example.org/" + "a" * 100
cpu0 = time.process_time()
for _ in range(10000): rules.check_format("mastodon", sample)
print(f"length check: {1e6*(time.process_time()-cpu0)/10000:.1f} µs per text of {len(sample)} chars")
print("load average:", os.getloadavg())
