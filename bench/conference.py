"""Benchmark: a national online conference with 2,000 connected sites, on PostgreSQL.

Run: .venv/bin/python bench/conference.py [--sites 2000] [--requests 100] [--threads 16]
     [--database-url postgresql://postgres@127.0.0.1:5432/bench_conf_h]

The database is created if missing, emptied and migrated, then filled: an organiser ministry
and its coordinator, ``--sites`` units (provinces, ministries, missions in a dozen zones), one
editor per unit, a conference event next month with a site for every unit (plus the central
one), readiness mixed (two thirds ready, a quarter not ready, the rest silent).

1. The board, through HTTP (werkzeug's threaded server on 127.0.0.1, one keep-alive connection,
   a signed-in coordinator): the JSON the board's script polls (every site, full body), the
   same JSON when nothing changed (``If-None-Match``: 304), and the full board page (every
   site's row rendered). ``--requests`` each after 10 warm-up requests: p50, p95, max, and the
   process CPU per request (client and server share the process).
2. The day: every site reports "connected" and its attendance at once, from ``--threads``
   threads, each report its own transaction as the web's form makes it (load the site and the
   person, ``report_attendance``, commit). Printed: elapsed time, reports per second, and the
   board's totals against what was reported — they must be exact.

Targets (issue #13): the board answers in <= 150 ms p95 with 2,000 sites; 2,000 sites reporting
within one minute lose nothing. Bounded: the reporting threads are given two minutes.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from argon2 import PasswordHasher
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from bench.databases import prepare_postgres
from campaigns.calendar import services as calendar_services
from campaigns.org import services as org_services
from campaigns.org.models import Person, Unit
from campaigns.programme import conference_queries, conferences
from campaigns.programme.conference_models import Conference, ConferenceSite
from web import create_app
from web.cli import upgrade_database
from web.extensions import db

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/bench_conf_h"
PASSWORD = "bench-password-long-enough"
ZONES = (
    "Asia/Ho_Chi_Minh", "Asia/Tokyo", "Europe/Paris", "America/New_York", "Europe/Moscow",
    "Asia/Phnom_Penh", "Asia/Shanghai", "Asia/Seoul", "Europe/Berlin", "Europe/London",
    "Australia/Sydney", "Asia/Kolkata",
)  # fmt: skip
KINDS = ("province", "ministry", "mission")


def _fill(app, sites: int) -> int:
    """The organiser, the units and their people, the conference; returns its id."""
    now = datetime.now(UTC)
    with app.app_context():
        session = db.session
        session.info["door"] = "system"
        org_services.create_unit(
            session, actor=None, now=now, code="ministry", name_vi="Bộ Ngoại giao",
            name_en="Ministry of Foreign Affairs", kind="ministry", country="VN",
            timezone="Asia/Ho_Chi_Minh", parent_code=None,
        )  # fmt: skip
        org_services.create_person(
            session, actor=None, now=now, name="Coordinator", email="coordinator@example.org",
            role="coordinator", unit_code="ministry", locale="vi", timezone="Asia/Ho_Chi_Minh",
            password=PASSWORD,
        )  # fmt: skip
        parent_id = session.scalar(select(Unit.id).where(Unit.code == "ministry"))
        session.execute(
            insert(Unit),
            [
                {
                    "code": f"site-{number:04d}",
                    "name_vi": f"Điểm cầu số {number}",
                    "name_en": f"Site number {number}",
                    "kind": KINDS[number % 3],
                    "country": "VN",
                    "timezone": ZONES[number % len(ZONES)],
                    "parent_id": parent_id,
                    "created_at": now,
                    "updated_at": now,
                }
                for number in range(sites)
            ],
        )
        units = session.execute(select(Unit.id, Unit.code).where(Unit.parent_id == parent_id)).all()
        session.execute(
            insert(Person),
            [
                {
                    "name": f"Editor {code}",
                    "email": f"{code}@example.org",
                    "unit_id": unit_id,
                    "role": "editor",
                    "locale": "vi",
                    "timezone": "Asia/Ho_Chi_Minh",
                    "active": True,
                    "feed_key": secrets.token_urlsafe(24),
                    "session_token": secrets.token_urlsafe(32),
                    "created_at": now,
                    "updated_at": now,
                }
                for unit_id, code in units
            ],
        )
        day = datetime.now(UTC).date() + timedelta(days=30)
        event = calendar_services.create_event(
            session,
            actor=None,
            now=now,
            data=calendar_services.EventInput(
                title="Hội nghị trực tuyến toàn quốc",
                kind="conference",
                all_day=False,
                starts_local=datetime.combine(day, wall_time(8, 0)),
                ends_local=datetime.combine(day, wall_time(11, 30)),
                timezone="Asia/Ho_Chi_Minh",
                owner_unit_code="ministry",
            ),
            confirm_overlap=True,
        )
        conference = conferences.create_conference(
            session,
            actor=None,
            now=now,
            event=event,
            readiness_due_at=event.starts_at - timedelta(days=2),
        )
        ministry = session.get(Unit, parent_id)
        conferences.add_sites_from_units(
            session, actor=None, now=now, conference=conference, selection="under", under=ministry
        )
        for bucket, values in (
            (range(0, 6), {"room_ready": True, "connection_tested": True, "chair_confirmed": True,
                           "documents_received": True, "readiness_answered_at": now}),
            (range(6, 8), {"room_ready": True, "readiness_answered_at": now}),
        ):  # fmt: skip
            session.execute(
                update(ConferenceSite)
                .where(
                    ConferenceSite.conference_id == conference.id,
                    (ConferenceSite.id % 9).in_(list(bucket)),
                )
                .values(expected_attendance=ConferenceSite.id % 1500 + 20, **values)
            )
        session.commit()
        return conference.id


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _measure(http: requests.Session, url: str, count: int, **kwargs) -> tuple[list[float], float]:
    for _ in range(10):
        http.get(url, **kwargs)
    samples = []
    cpu = time.process_time()
    for _ in range(count):
        started = time.perf_counter()
        answer = http.get(url, **kwargs)
        if answer.status_code not in (200, 304):
            sys.exit(f"{url}: {answer.status_code}")
        samples.append((time.perf_counter() - started) * 1000)
    return samples, (time.process_time() - cpu) * 1000 / count


def _print(label: str, samples: list[float], cpu: float) -> None:
    print(
        f"{label:40} {statistics.median(samples):8.1f} {_percentile(samples, 0.95):8.1f}"
        f" {max(samples):8.1f} {cpu:11.1f}"
    )


def _report(engine, work: list[tuple[int, int, int]], errors: list[Exception], barrier) -> None:
    try:
        barrier.wait(timeout=60)
        with Session(engine) as session:
            for site_id, person_id, attendance in work:
                with session.begin():
                    session.info["door"] = "web"
                    site = session.get(ConferenceSite, site_id)
                    person = session.get(Person, person_id)
                    conferences.report_attendance(
                        session,
                        actor=person,
                        now=datetime.now(UTC),
                        site=site,
                        connected=True,
                        attendance=attendance,
                    )
                session.expunge_all()
    except Exception as error:  # reported by the main thread
        errors.append(error)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    arguments = parser.parse_args()

    org_services.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    url = prepare_postgres(arguments.database_url, bench="conference.py")
    app = create_app(
        {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": arguments.threads + 4},
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SESSION_COOKIE_SECURE": False,
        }
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    upgrade_database(app)
    started = time.perf_counter()
    conference_id = _fill(app, arguments.sites)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"filled {arguments.sites} sites in {time.perf_counter() - started:.1f} s")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    http = requests.Session()
    signed_in = http.post(
        f"{base}/login",
        data={"email": "coordinator@example.org", "password": PASSWORD},
        allow_redirects=False,
    )
    if signed_in.status_code not in (302, 303):
        sys.exit(f"could not sign in: {signed_in.status_code}")
    json_url = f"{base}/conferences/{conference_id}/board.json"
    first = http.get(json_url)
    rows = len(first.json()["sites"])
    etag = first.headers["ETag"]
    pages = [
        ("board JSON (every site)", json_url, {}),
        ("board JSON, nothing changed (304)", json_url, {"headers": {"If-None-Match": etag}}),
        ("board page (every site's row)", f"{base}/conferences/{conference_id}", {}),
        ("board JSON, filter: no answer", f"{json_url}?state=no_answer", {}),
    ]
    print(f"{rows} sites on the board; {arguments.requests} requests each after 10 warm-up")
    print(f"{'request':40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU ms/req':>11}")
    for label, address, kwargs in pages:
        _print(label, *_measure(http, address, arguments.requests, **kwargs))

    with app.app_context():
        work = [
            (site_id, person_id, (site_id * 37) % 2000 + 1)
            for site_id, person_id in db.session.execute(
                select(ConferenceSite.id, Person.id)
                .join(Person, Person.unit_id == ConferenceSite.unit_id)
                .where(
                    ConferenceSite.conference_id == conference_id,
                    ConferenceSite.is_central.is_(False),
                )
            )
        ]
        db.session.remove()
        engine = db.engine
        errors: list[Exception] = []
        barrier = threading.Barrier(arguments.threads)
        threads = [
            threading.Thread(
                target=_report, args=(engine, work[n :: arguments.threads], errors, barrier)
            )
            for n in range(arguments.threads)
        ]
        began = time.perf_counter()
        for worker in threads:
            worker.start()
        for worker in threads:
            worker.join(timeout=120)
        elapsed = time.perf_counter() - began
        if any(worker.is_alive() for worker in threads):
            print("reporting threads did not finish within two minutes")
            return 1
        conference = db.session.get(Conference, conference_id)
        totals = conference_queries.board_totals(db.session, conference)
        expected_delegates = sum(attendance for _, _, attendance in work)
        exact = (
            not errors and totals.connected == len(work) and totals.delegates == expected_delegates
        )
        print(
            f"{len(work)} sites reported from {arguments.threads} threads in {elapsed:.2f} s"
            f" ({len(work) / elapsed:.0f} reports/s); errors: {len(errors)}"
        )
        print(
            f"board totals: {totals.connected} connected (expected {len(work)}),"
            f" {totals.delegates} delegates (expected {expected_delegates}):"
            f" {'exact' if exact else 'LOST UPDATES'}"
        )
        since = (totals.changed_at - timedelta(seconds=5)).isoformat()
        db.session.remove()
    # A poll during the burst: the script asks for what changed since its last answer, five
    # seconds before the last report (plus the five seconds' overlap the query adds).
    delta = http.get(json_url, params={"since": since}).json()
    _print(
        f"board JSON, changes ({len(delta['sites'])} sites)",
        *_measure(http, json_url, arguments.requests, params={"since": since}),
    )
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
