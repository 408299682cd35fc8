"""Benchmark: the pages that read measurement, through HTTP on loopback, on a large history.

Run: .venv/bin/python bench/dashboard.py [--requests 200] [--publications 143000]
     [--database-url postgresql://postgres@127.0.0.1:5432/bench_dashboard] [--keep]

Needs PostgreSQL (the database is emptied and migrated, unless ``--keep`` reuses the data of a
previous run). The history is generated with set-based SQL (``generate_series``): posts with two
language variants, one publication per variant, its rollup row in ``metric_publications`` and
its seven snapshots in ``metric_snapshots`` (15 min ... 30 d). Seven points per publication
means 1,000,000 snapshots need at least 142,858 publications, so the default data set holds
143,000 publications and 1,001,000 snapshots, over 50 campaigns; the measured campaign holds a
fifth of everything (28,600 publications over half a year: the heavy case), a typical one a
fiftieth (2,860 publications).

Herald runs in gunicorn (``web.wsgi:app``, 2 sync workers) on 127.0.0.1, with the figures
cache as shipped (``HERALD_REPORT_CACHE_SECONDS`` 60; ``--cache-seconds 0`` turns it off); a signed-in
coordinator asks each page ``--requests`` times after a warm-up, one request at a time, and
the benchmark prints p50 / p95 / max per page.

Target (issue #10): each page p95 <= 150 ms, on the typical campaign; the heavy one is
printed for information. Pages are listed in ``PAGES``: each entry is a
name and a function from the ``World`` (ids of what was generated) to the path asked for; the
unit ranking adds its entry there.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from sqlalchemy import create_engine, text

from bench.databases import prepare_postgres

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/bench_dashboard"
SECRET = "bench-dashboard-secret-key-0123456789-abcdefghij"
CAMPAIGNS = 50
CHANNELS = 20
TARGET_P95_MS = 150.0
PASSWORD = "correct-horse-battery"
CAMPAIGN_START = date(2026, 6, 1)
CAMPAIGN_DAYS = 183


@dataclass(frozen=True)
class World:
    campaign_id: int  # the heavy campaign: a fifth of everything
    unit_id: int
    start: date
    end: date

    @property
    def typical_campaign_id(self) -> int:
        """A campaign with a fiftieth of the posts (2,860 publications by default)."""
        return self.campaign_id + 1


# (name, path, whether the p95 target applies). The unit ranking adds its line here.
PAGES: list[tuple[str, Callable[[World], str], bool]] = [
    ("campaign dashboard", lambda w: f"/reports/campaigns/{w.typical_campaign_id}", True),
    (
        "campaign report (HTML)",
        lambda w: f"/reports/campaigns/{w.typical_campaign_id}/report",
        True,
    ),
    ("heavy campaign dashboard", lambda w: f"/reports/campaigns/{w.campaign_id}", False),
    ("heavy campaign report (HTML)", lambda w: f"/reports/campaigns/{w.campaign_id}/report", False),
]


def _base_objects(url: str) -> tuple[World, str]:
    """Units, a coordinator, channels and campaigns through the services; returns the world and
    the coordinator's email."""
    from campaigns.social.models import Campaign
    from tests.factories import create_person, create_unit
    from tests.social_factories import create_campaign, create_channel
    from web import create_app
    from web.cli import upgrade_database
    from web.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    upgrade_database(app)
    with app.app_context():
        session = db.session
        existing = session.scalar(text("SELECT min(id) FROM social_campaigns"))
        if existing is not None:
            campaign = session.get(Campaign, existing)
            email = session.scalar(text("SELECT email FROM people WHERE role = 'coordinator'"))
            world = World(campaign.id, campaign.owner_unit_id, campaign.starts_on, campaign.ends_on)
            db.engine.dispose()
            return world, email
        units = [
            create_unit(session, code=f"bench-{n}", kind="mission", country="FR") for n in range(10)
        ]
        person = create_person(
            session, "coordinator", email="bench@example.org", timezone="Asia/Ho_Chi_Minh"
        )
        kinds = ("x", "telegram", "sandbox")
        for n in range(CHANNELS):
            create_channel(
                session,
                kinds[n % 3],
                owner_unit=units[n % len(units)],
                language="en" if n % 2 == 0 else "vi",
            )
        campaigns = [
            create_campaign(
                session,
                owner_unit=units[n % len(units)],
                starts_on=CAMPAIGN_START,
                ends_on=date.fromordinal(CAMPAIGN_START.toordinal() + CAMPAIGN_DAYS - 1),
                kpi_targets={
                    "posts": 5000,
                    "impressions": 50_000_000,
                    "engagements": 1_000_000,
                    "coverage_articles": 40,
                },
            )
            for n in range(CAMPAIGNS)
        ]
        session.commit()
        world = World(
            campaigns[0].id,
            campaigns[0].owner_unit_id,
            campaigns[0].starts_on,
            campaigns[0].ends_on,
        )
        email = person.email
        db.engine.dispose()
    return world, email


# Set-based generation. :posts posts; post p belongs to campaign 1 + (p % 5 = 0 ? 0 : p % 50)
# (a fifth to the measured one), written by the coordinator, with an en and a vi variant; each
# variant goes out once on a channel of its language, at a time spread over the campaign's days.
_GENERATE = [
    """
    INSERT INTO social_posts (id, campaign_id, title, author_id, status, version, rapid_response,
        misfire_window_minutes, review_comment, schedule_countries, schedule_channel_ids,
        created_at, updated_at)
    SELECT 100000 + p,
           CASE WHEN p % 5 = 0 THEN :first ELSE :first + p % :campaigns END,
           'Bench post ' || p, :author, 'scheduled', 1, false, 30, '', '[]', '[]', :now, :now
    FROM generate_series(1, :posts) AS p
    """,
    """
    INSERT INTO social_post_variants (id, post_id, language, text, channel_overrides, created_at,
        updated_at)
    SELECT 200000 + p * 2 + v, 100000 + p, CASE v WHEN 0 THEN 'en' ELSE 'vi' END,
           'Bench text ' || p, '{}', :now, :now
    FROM generate_series(1, :posts) AS p, generate_series(0, 1) AS v
    """,
    """
    INSERT INTO social_publications (id, post_id, variant_id, channel_id, scheduled_at,
        audience_zone, audience_country, misfire_deadline, status, attempts, text, fingerprint,
        platform_id, published_at, last_error, created_at, updated_at)
    SELECT 300000 + p * 2 + v, 100000 + p, 200000 + p * 2 + v,
           (SELECT id FROM social_channels ORDER BY id OFFSET ((p + v) % :channels) LIMIT 1),
           at, 'UTC', (ARRAY['FR','US','JP','DE',NULL])[1 + (p % 5)], at + interval '30 minutes',
           'published', 1, 'Bench text ' || p, md5((p * 2 + v)::text), (p * 2 + v)::text,
           at + ((p % 7) * interval '1 minute'), '', :now, :now
    FROM generate_series(1, :posts) AS p, generate_series(0, 1) AS v,
         LATERAL (SELECT :start + ((p * 7919) % (:days * 1440)) * interval '1 minute' AS at) t
    """,
    """
    INSERT INTO metric_publications (publication_id, campaign_id, post_id, channel_id, unit_id,
        channel_kind, language, audience_country, scheduled_at, published_at, on_time, sandbox,
        status, gone_reason, measured_at, reach, reactions, redistribution, conversation, saves,
        engagements, raw)
    SELECT pub.id, post.campaign_id, pub.post_id, pub.channel_id, ch.owner_unit_id, ch.kind,
           var.language, pub.audience_country, pub.scheduled_at, pub.published_at,
           pub.published_at <= pub.scheduled_at + interval '5 minutes', ch.kind = 'sandbox',
           'done', '', pub.published_at + interval '30 days',
           CASE WHEN ch.kind = 'telegram' THEN NULL ELSE 1000 + pub.id % 5000 END,
           10 + pub.id % 90,
           CASE WHEN ch.kind = 'telegram' THEN NULL ELSE pub.id % 20 END,
           CASE WHEN ch.kind = 'telegram' THEN NULL ELSE pub.id % 10 END,
           CASE WHEN ch.kind = 'telegram' THEN NULL ELSE pub.id % 5 END,
           CASE WHEN ch.kind = 'telegram' THEN 10 + pub.id % 90
                ELSE 10 + pub.id % 90 + pub.id % 20 + pub.id % 10 + pub.id % 5 END,
           '{}'
    FROM social_publications pub
    JOIN social_posts post ON post.id = pub.post_id
    JOIN social_post_variants var ON var.id = pub.variant_id
    JOIN social_channels ch ON ch.id = pub.channel_id
    """,
    """
    INSERT INTO metric_snapshots (publication_id, campaign_id, channel_id, point, due_at,
        not_before, status, attempts, taken_at, late_seconds, skipped_reason, last_error, reach,
        reactions, redistribution, conversation, saves, engagements, raw)
    SELECT m.publication_id, m.campaign_id, m.channel_id, point.name,
           m.published_at + point.delay, m.published_at + point.delay, 'taken', 1,
           m.published_at + point.delay, 0, '', '',
           m.reach * point.share / 100, m.reactions * point.share / 100,
           m.redistribution * point.share / 100, m.conversation * point.share / 100,
           m.saves * point.share / 100, m.engagements * point.share / 100, '{}'
    FROM metric_publications m,
         (VALUES ('15m', interval '15 minutes', 10), ('1h', interval '1 hour', 25),
                 ('6h', interval '6 hours', 50), ('24h', interval '24 hours', 75),
                 ('3d', interval '3 days', 90), ('7d', interval '7 days', 97),
                 ('30d', interval '30 days', 100)) AS point(name, delay, share)
    """,
    "SELECT setval(pg_get_serial_sequence('social_posts', 'id'), (SELECT max(id) FROM social_posts))",
    "SELECT setval(pg_get_serial_sequence('social_post_variants', 'id'), "
    "(SELECT max(id) FROM social_post_variants))",
    "SELECT setval(pg_get_serial_sequence('social_publications', 'id'), "
    "(SELECT max(id) FROM social_publications))",
    "ANALYZE",
]


def generate(url: str, world: World, publications: int) -> dict[str, float]:
    """The history, by set-based SQL; returns seconds per statement kind."""
    engine = create_engine(url)
    timings = {}
    with engine.begin() as connection:
        if connection.scalar(text("SELECT count(*) FROM metric_publications")):
            engine.dispose()
            return timings
        author = connection.scalar(text("SELECT id FROM people WHERE role = 'coordinator'"))
        params = {
            "first": world.campaign_id,
            "campaigns": CAMPAIGNS,
            "posts": publications // 2,
            "author": author,
            "now": datetime.now(UTC),
            "channels": CHANNELS,
            "start": datetime.combine(world.start, datetime.min.time(), UTC),
            "days": CAMPAIGN_DAYS,
        }
        for statement in _GENERATE:
            started = time.perf_counter()
            connection.execute(text(statement), params)
            table = re.search(r"INSERT INTO (\w+)", statement)
            name = table.group(1) if table else statement.split()[0].lower()
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
    with engine.connect() as connection:
        counts = {
            table: connection.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("social_publications", "metric_publications", "metric_snapshots")
        }
        counts["measured campaign publications"] = connection.scalar(
            text("SELECT count(*) FROM metric_publications WHERE campaign_id = :id"),
            {"id": world.campaign_id},
        )
    engine.dispose()
    print("generated:", ", ".join(f"{name} {count:,}" for name, count in counts.items()))
    return timings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(url: str, port: int, cache_seconds: float) -> subprocess.Popen:
    environment = {
        **os.environ,
        "HERALD_REPORT_CACHE_SECONDS": str(cache_seconds),
        "HERALD_DATABASE_URL": url,
        "HERALD_SECRET_KEY": SECRET,
        "HERALD_BASE_URL": f"http://127.0.0.1:{port}",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers", "2",
            "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning",
            "web.wsgi:app",
        ],
        env=environment,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/login", timeout=10)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not start")


def sign_in(base: str, email: str) -> requests.Session:
    client = requests.Session()
    form = client.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form) or re.search(
        r'name="csrf_token" value="([^"]+)"', form
    )
    answer = client.post(
        f"{base}/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1) if token else ""},
        allow_redirects=False,
    )
    if answer.status_code not in (302, 303):
        sys.exit(f"could not sign in: {answer.status_code}")
    return client


def measure(client: requests.Session, url: str, count: int, warm: int = 20) -> list[float]:
    for _ in range(warm):
        client.get(url).raise_for_status()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        answer = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
    return samples


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--publications", type=int, default=143_000)
    parser.add_argument("--keep", action="store_true", help="reuse the data of a previous run")
    parser.add_argument(
        "--cache-seconds",
        type=float,
        default=60,
        help="HERALD_REPORT_CACHE_SECONDS of the server (0: every request adds up afresh)",
    )
    args = parser.parse_args()

    url = prepare_postgres(args.database_url, bench="dashboard.py", keep=args.keep)
    world, email = _base_objects(url)
    started = time.perf_counter()
    timings = generate(url, world, args.publications)
    if timings:
        print(f"generation: {time.perf_counter() - started:.1f} s (" + ", ".join(
            f"{name} {seconds:.1f} s" for name, seconds in timings.items()) + ")")  # fmt: skip
    port = _free_port()
    server = start_server(url, port, args.cache_seconds)
    failed = False
    try:
        base = f"http://127.0.0.1:{port}"
        client = sign_in(base, email)
        print(
            f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target p95 <= {TARGET_P95_MS:.0f} ms"
        )
        for name, path, targeted in PAGES:
            samples = measure(client, base + path(world), args.requests)
            p95 = _percentile(samples, 0.95)
            verdict = ("ok" if p95 <= TARGET_P95_MS else "OVER") if targeted else "(no target)"
            failed |= targeted and p95 > TARGET_P95_MS
            print(
                f"{name:<30} {statistics.median(samples):8.1f} {p95:8.1f} {max(samples):8.1f}"
                f"  {verdict}"
            )
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
