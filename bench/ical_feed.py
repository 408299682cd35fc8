"""Benchmark: a calendar feed of 10,000 events.

Run: .venv/bin/python bench/ical_feed.py [--events 10000] [--runs 5]

Builds a temporary SQLite database through the migrations, inserts the events in bulk, then in
one run measures, each as the median of several runs:

1. our feed through the Flask test client: cold (nothing cached: query, load, render), after
   one event changed (a new data version: no cached body, but the other events' texts are
   cached), and warm (the body comes from the cache);
2. a bare icalendar build + serialisation (``Calendar``/``Event``/``add``/``to_ical``) of the
   same events, loaded beforehand, and the ratio bare / ours;
3. a conditional GET (``If-None-Match``) answered 304, through the test client and through a
   real local HTTP server (werkzeug's, a new connection per request).

Targets (issue #3): render <= 1 s, ratio >= 0.5, 304 median <= 10 ms.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import platform
import secrets
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import icalendar
from sqlalchemy import insert, select, update
from werkzeug.serving import make_server

from campaigns.calendar import feeds, ical
from campaigns.calendar.models import Event
from campaigns.org import services as org_services
from web import create_app
from web.cli import upgrade_database
from web.extensions import db
from web.feeds.routes import feed_url, paused_garbage_collector

ZONES = ("Asia/Ho_Chi_Minh", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney")
KINDS = ("political", "diplomatic", "conference", "cultural", "deadline", "other")
VISIBILITIES = ("public", "internal", "internal", "restricted")
STATUSES = ("planned", "confirmed", "confirmed", "postponed", "cancelled")
TARGET_RENDER_S = 1.0
TARGET_RATIO = 0.5
TARGET_NOT_MODIFIED_MS = 10.0


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def _timed(function, runs: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        samples.append(time.perf_counter() - started)
    return _median(samples), result


def _event_rows(count: int, unit_ids: list[int], now: datetime) -> list[dict]:
    """Events spread over the feed's window: most timed in five zones, one in five all-day."""
    start = now - timedelta(days=300)
    rows = []
    for number in range(count):
        zone = ZONES[number % len(ZONES)]
        begins = (start + timedelta(hours=number * 2 + 9)).replace(
            minute=0, second=0, microsecond=0
        )
        all_day = number % 5 == 0
        local_day = begins.astimezone(ZoneInfo(zone)).date()
        changed = now - timedelta(minutes=count - number)
        rows.append(
            {
                "uid": f"{secrets.token_hex(12)}@herald.bench",
                "title": f"Hội nghị thông tin đối ngoại số {number}, phiên {number % 7}",
                "description": "Chương trình làm việc, danh sách đại biểu; điểm cầu các tỉnh.\n"
                "Ghi chú: phóng viên nước ngoài đăng ký trước.",
                "translations": {"en": {"title": f"External information conference {number}"}},
                "kind": KINDS[number % len(KINDS)],
                "all_day": all_day,
                "starts_at": None if all_day else begins,
                "ends_at": None if all_day else begins + timedelta(hours=2),
                "start_date": local_day if all_day else None,
                "end_date": local_day + timedelta(days=number % 3) if all_day else None,
                "timezone": zone,
                "location": "Hà Nội, Trung tâm Hội nghị Quốc gia",
                "partner_countries": ["FR", "JP"],
                "owner_unit_id": unit_ids[number % len(unit_ids)],
                "priority": "normal",
                "visibility": VISIBILITIES[number % len(VISIBILITIES)],
                "status": STATUSES[number % len(STATUSES)],
                "tags": ["bench", f"t{number % 10}"],
                "sequence": number % 3,
                "created_at": changed - timedelta(days=1),
                "updated_at": changed,
            }
        )
    return rows


def _bare_icalendar(events: list[Event]) -> bytes:
    """What a straightforward icalendar feed does: one Event component per event, added by
    property name, the whole calendar serialised at once (no VTIMEZONE, no caching)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//bench//bare icalendar//EN")
    calendar.add("version", "2.0")
    for event in events:
        component = icalendar.Event()
        component.add("uid", event.uid)
        component.add("dtstamp", event.updated_at)
        component.add("last-modified", event.updated_at)
        component.add("sequence", event.sequence)
        component.add("summary", event.title)
        if event.all_day:
            component.add("dtstart", event.start_date)
            component.add("dtend", (event.end_date or event.start_date) + timedelta(days=1))
        else:
            zone = ZoneInfo(event.timezone)
            component.add("dtstart", event.starts_at.astimezone(zone))
            component.add("dtend", event.ends_at.astimezone(zone))
        component.add("description", event.description)
        component.add("location", event.location)
        component.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
        component.add("categories", [event.kind, *event.tags])
        calendar.add_component(component)
    return calendar.to_ical()


def _not_modified_over_http(app, url: str, etag: str, requests: int = 200) -> float:
    """Median milliseconds of a 304 through a real local HTTP server, a new connection each."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    samples = []
    try:
        for _ in range(requests):
            connection = http.client.HTTPConnection("127.0.0.1", server.server_port)
            started = time.perf_counter()
            connection.request("GET", url, headers={"If-None-Match": etag})
            answer = connection.getresponse()
            answer.read()
            samples.append(time.perf_counter() - started)
            connection.close()
            if answer.status != 304:
                raise RuntimeError(f"the server answered {answer.status}, not 304")
    finally:
        server.shutdown()
        thread.join(timeout=5)
    return _median(samples) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="runs of each slow measurement")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": secrets.token_urlsafe(48),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(directory) / 'bench.db'}",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_STORAGE_URI": "memory://",
            }
        )
        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade_database(app)
        now = datetime.now(UTC)
        with app.app_context():
            units = [
                org_services.create_unit(
                    db.session,
                    actor=None,
                    now=now,
                    code=f"bench-{number}",
                    name_vi=f"Đơn vị {number}",
                    name_en=f"Unit {number}",
                    kind="mission",
                    country="FR",
                    timezone="Europe/Paris",
                    parent_code=None,
                )
                for number in range(4)
            ]
            # A coordinator sees every event, restricted ones included: the feed holds them all.
            person = org_services.create_person(
                db.session,
                actor=None,
                now=now,
                name="Bench Coordinator",
                email="bench@example.org",
                role="coordinator",
                unit_code=None,
                locale="vi",
                timezone="Asia/Ho_Chi_Minh",
                password="bench-password-not-used",
            )
            started = time.perf_counter()
            db.session.execute(
                insert(Event), _event_rows(arguments.events, [unit.id for unit in units], now)
            )
            db.session.commit()
            inserted = time.perf_counter() - started
            url = feed_url(person)
            events = list(db.session.scalars(select(Event).order_by(Event.id)))
            bare_s, bare_body = _timed(partial(_bare_icalendar, events), arguments.runs)
            del events  # a web process does not hold them; a bigger heap slows every GC pass
            db.session.remove()

        client = app.test_client()
        bodies = app.extensions["herald_feed_cache"]
        fragments = app.extensions["herald_feed_fragments"]

        def cold():
            bodies.clear()
            fragments.clear()
            return client.get(url)

        cold_s, response = _timed(cold, arguments.runs)
        body, etag = response.data, response.headers["ETag"]
        count = body.count(b"BEGIN:VEVENT")
        if response.status_code != 200 or count < arguments.events:
            print(
                f"unexpected feed: status {response.status_code}, {count} VEVENTs", file=sys.stderr
            )
            return 1

        changes = iter(range(1, 1_000_000))

        def after_one_change():
            # What follows any edit: a new data version (so no cached body), while every other
            # event's text is still in the fragment cache.
            number = next(changes)
            with app.app_context():
                db.session.execute(
                    update(Event)
                    .where(Event.id == number)
                    .values(title=f"Changed {number}", updated_at=now + timedelta(seconds=number))
                )
                db.session.commit()
                db.session.remove()
            started = time.perf_counter()
            answer = client.get(url)
            return time.perf_counter() - started, answer

        changed = [after_one_change() for _ in range(arguments.runs)]
        changed_s = _median([seconds for seconds, _ in changed])
        if b"Changed" not in changed[-1][1].data:
            print("the feed did not show a changed event", file=sys.stderr)
            return 1

        latest = client.get(url)
        etag = latest.headers["ETag"]
        warm_s, warm = _timed(lambda: client.get(url), arguments.runs * 4)
        if warm.data != latest.data:
            print("the cached body differs from the rendered one", file=sys.stderr)
            return 1
        not_modified = [
            _timed(lambda: client.get(url, headers={"If-None-Match": etag}), 1)[0]
            for _ in range(200)
        ]
        last = client.get(url, headers={"If-None-Match": etag})
        if last.status_code != 304:
            print(f"conditional GET answered {last.status_code}, not 304", file=sys.stderr)
            return 1
        over_http = _not_modified_over_http(app, url, etag)

        # The parts of a cold request, to see where its time goes; each load in a new session,
        # as a request has (an identity map already holding the events would flatter it).
        zone = app.config["HERALD_TIMEZONE"]
        since, until = feeds.feed_window(now.astimezone(ZoneInfo(zone)).date())
        feed = feeds.Feed(feeds.FeedKind.PERSONAL, locale="vi")

        def load():
            db.session.remove()
            viewer = db.session.get(type(person), person.id)
            return feeds.feed_contents(
                db.session, feed, viewer=viewer, since=since, until=until, zone=zone
            )

        with app.app_context(), paused_garbage_collector():  # as the route does
            load_s, contents = _timed(load, arguments.runs)
            render_s, _ = _timed(
                lambda: ical.render_feed(contents, name="bench", locale="vi"), arguments.runs
            )
            fragments_s, _ = _timed(
                lambda: ical.render_feed(contents, name="bench", locale="vi", fragments=fragments),
                arguments.runs,
            )
            version_s, _ = _timed(lambda: feeds.data_version(db.session), 50)
            db.session.remove()

    not_modified_ms = _median(not_modified) * 1000
    print(f"machine: {platform.machine()}, {_cores()} cores, Python {platform.python_version()}")
    print(
        f"events: {arguments.events} (inserted in {inserted:.2f} s), feed {len(body) / 1e6:.1f} MB"
    )
    print(f"our feed, cold (nothing cached):          {cold_s:.3f} s")
    print(f"  load (visible_events + checks):         {load_s:.3f} s")
    print(f"  render_feed from scratch:               {render_s:.3f} s")
    print(f"  render_feed from cached event texts:    {fragments_s:.3f} s")
    print(f"our feed, after one event changed:        {changed_s:.3f} s")
    print(f"our feed, warm (cached body):             {warm_s * 1000:.1f} ms")
    print(
        f"bare icalendar build + to_ical:           {bare_s:.3f} s ({len(bare_body) / 1e6:.1f} MB)"
    )
    print(f"ratio bare / ours, cold:                  {bare_s / cold_s:.2f}")
    print(f"ratio bare / ours, after one change:      {bare_s / changed_s:.2f}")
    print(f"ratio bare / ours, warm:                  {bare_s / warm_s:.0f}")
    print(f"data version query:                       {version_s * 1000:.2f} ms")
    print(f"304 conditional GET, median of 200:       {not_modified_ms:.2f} ms (test client)")
    print(f"                                          {over_http:.2f} ms (local HTTP server)")
    verdicts = [
        ("render (cold) <= 1 s", cold_s <= TARGET_RENDER_S),
        ("ratio bare/ours (cold) >= 0.5", bare_s / cold_s >= TARGET_RATIO),
        ("304 median <= 10 ms", not_modified_ms <= TARGET_NOT_MODIFIED_MS),
    ]
    for label, met in verdicts:
        print(f"target {label}: {'met' if met else 'MISSED'}")
    return 0 if all(met for _, met in verdicts) else 2


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    sys.exit(main())
