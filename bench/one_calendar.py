"""Benchmark: what the one calendar's trips and publications cost the month view.

Run: .venv/bin/python bench/one_calendar.py [--requests 30]

The SQLite demo data (as ``herald demo`` loads it) in a temporary directory; the month that
holds the demo's press trips is asked for as the demo coordinator through Flask's test client,
in one process, with three choices of kinds: the calendar's own (events, anniversaries,
holidays), the default (those and the trips), and everything (publications too). Printed: the
CPU time per request (process time, steadier than wall-clock time on a shared machine) and its
ratio to the calendar's own kinds, measured in the same run, interleaved.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from campaigns.db import utcnow  # noqa: E402
from campaigns.demo import DEMO_PASSWORD, load_demo_data  # noqa: E402
from campaigns.press.models import Trip  # noqa: E402
from web import create_app  # noqa: E402
from web.cli import upgrade_database  # noqa: E402
from web.extensions import db  # noqa: E402

CHOICES = {
    "own kinds": "events,anniversaries,holidays",
    "default (+ trips)": None,
    "all (+ publications)": "events,anniversaries,holidays,trips,publications",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        app = create_app(
            {
                "SECRET_KEY": "bench-one-calendar-0123456789abcdefghijklmnop",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(directory) / 'bench.db'}",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        upgrade_database(app)
        with app.app_context():
            load_demo_data(db.session, now=utcnow())
            db.session.commit()
            first_trip = db.session.scalars(select(Trip).order_by(Trip.start_date)).first()
            month = first_trip.start_date.replace(day=1).isoformat()
        client = app.test_client()
        client.post("/login", data={"email": "coordinator@example.org", "password": DEMO_PASSWORD})
        for anchor in sorted({month, utcnow().date().replace(day=1).isoformat()}):
            _measure(client, anchor, arguments.requests)


def _measure(client, month: str, requests: int) -> None:
    urls = {
        name: f"/calendar/?date={month}" + (f"&show={show}" if show else "")
        for name, show in CHOICES.items()
    }
    shown = {}
    for name, url in urls.items():  # warm up: templates compiled, caches filled
        page = client.get(url)
        assert page.status_code == 200
        shown[name] = (page.text.count("entry-trip"), page.text.count("entry-publication"))
    times: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(requests):
        for name, url in urls.items():
            started = time.process_time()
            response = client.get(url)
            times[name].append(time.process_time() - started)
            assert response.status_code == 200
    base = statistics.median(times["own kinds"])
    print(f"month {month}, {requests} requests each, CPU ms per request (median)")
    for name, values in times.items():
        median = statistics.median(values)
        trips, publications = shown[name]
        print(
            f"  {name:22} {median * 1000:7.1f} ms   x{median / base:.2f}"
            f"   ({trips} trip lines, {publications} publication lines)"
        )


if __name__ == "__main__":
    main()
