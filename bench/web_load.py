"""Benchmark: page throughput of ``herald web`` under 8 concurrent connections, against a bare
Flask "hello" served the same way in the same run.

Run: .venv/bin/python bench/web_load.py [--dataset demo|office|both] [--seconds 4] [--rounds 3]
     [--connections 8] [--database-url postgresql://postgres@127.0.0.1:5432/bench_web] [--keep]

Two datasets:

- ``demo``: the SQLite demo data (``campaigns/demo.py``, as ``herald demo`` loads it), in a
  temporary instance directory.
- ``office``: PostgreSQL holding a year of a big office: 10,000 events, 5,000 journalists,
  100,000 publications (50 campaigns, 20 channels), generated with set-based SQL in seconds. The
  database is emptied and migrated unless ``--keep`` reuses a previous run's data.

Herald is started with ``herald web`` itself (gunicorn, its worker count and settings); the bare
app with the same gunicorn settings (``_BareServer``). Both bind 127.0.0.1 on free ports and are
stopped at the end. The load generator is ``wrk`` when installed (``apt-get install wrk``),
else a small threaded client; each page is driven for ``--seconds`` at ``--connections``
connections, in ``--rounds`` rounds, each round measuring the bare app first. Pages are asked
for as a signed-in coordinator (session cookie; the API with a bearer token); the public iCal
feed with its ETag, so that it answers 304.

Printed per page: medians over the rounds of req/s, p50 and p95 (ms), and of the ratio to the
bare app's req/s in the same round; and the servers' CPU time per request (gunicorn master and
workers, from /proc) with its ratio to the bare app's, steadier than req/s when other work
shares the cores. Between pages the server is drained: requests wrk gave up on would otherwise
still be queued in gunicorn's backlog and be charged to the next page. Targets (issue #12): main pages >= 0.1 of bare and p95 <= 150
ms; ``/healthz`` and the feed 304 >= 0.3. The machine is shared and has 2 cores: the load
generator competes with the servers for them, so ratios are the steadier figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/bench_web"
SECRET = "bench-web-load-secret-key-0123456789-abcdefghijkl"
USER_AGENT = "herald-bench-web-load"
WORKERS = 2  # `herald web`'s default
MAIN_TARGET_RATIO = 0.1
LIGHT_TARGET_RATIO = 0.3
TARGET_P95_MS = 150.0


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    headers: dict[str, str]
    target_ratio: float
    expected_status: int = 200
    p95_target: bool = True


# --- the bare app, served the way `herald web` serves Herald -------------------------------------


def bare_app():
    from flask import Flask

    app = Flask("bare")

    @app.get("/")
    def hello() -> str:
        return "hello"

    return app


def serve_bare(port: int) -> None:
    """gunicorn with the settings of ``herald web`` (web/cli.py), serving ``bare_app``."""
    from gunicorn.app.base import BaseApplication

    app = bare_app()

    class _BareServer(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"127.0.0.1:{port}")
            self.cfg.set("workers", WORKERS)
            self.cfg.set("accesslog", "-")
            self.cfg.set("limit_request_line", 8190)

        def load(self):
            return app

    _BareServer().run()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(server: subprocess.Popen, port: int, name: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"{name} exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit(f"{name} did not start")


def start_herald(port: int, environment: dict[str, str]) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "herald"), "web", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(WORKERS)],
        env={**os.environ, **environment, "HERALD_BASE_URL": f"http://127.0.0.1:{port}"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,  # the access log, a line per request (the bare one's too)
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _wait_until_up(server, port, "herald web")
    return server


def start_bare(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve-bare", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_until_up(server, port, "bare Flask")
    return server


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# --- the data sets -------------------------------------------------------------------------------


def _app(url: str, instance: Path | None = None):
    from web import create_app
    from web.cli import upgrade_database

    if instance is not None:
        os.environ["HERALD_INSTANCE_PATH"] = str(instance)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    upgrade_database(app)
    return app


def _credentials(app, email: str) -> tuple[str, str]:
    """A bearer token of the person of ``email``, and the public feed's path."""
    from campaigns.org import queries, services
    from web.extensions import db
    from web.feeds.routes import feed_url

    with app.test_request_context():
        person = queries.person_by_email(db.session, email)
        _, token = services.create_api_token(
            db.session, actor=person, now=datetime.now(UTC), person=person, name="bench"
        )
        db.session.commit()
        feed = feed_url(None, "public")
        db.session.remove()
    return token, feed


def demo_data(directory: Path) -> tuple[dict[str, str], str, str]:
    """The demo world in SQLite under ``directory``; returns the server's environment, the
    coordinator's email and password."""
    from campaigns.demo import DEMO_PASSWORD, load_demo_data
    from web.extensions import db

    url = f"sqlite:///{directory / 'herald.db'}"
    app = _app(url, directory)
    with app.app_context():
        db.session.info["door"] = "demo"
        load_demo_data(db.session, now=datetime.now(UTC))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    environment = {
        "HERALD_DATABASE_URL": url,
        "HERALD_SECRET_KEY": SECRET,
        "HERALD_INSTANCE_PATH": str(directory),
    }
    return environment, "coordinator@example.org", DEMO_PASSWORD


OFFICE_UNITS = 30
OFFICE_CHANNELS = 20
OFFICE_CAMPAIGNS = 50
OFFICE_PASSWORD = "bench-web-password-0123456789"

# A year around today: 10,000 events (one every 52 minutes, one in five all-day), 5,000
# journalists at 200 outlets, 50,000 posts with two language variants, one publication each
# (100,000) on a channel of the variant's language, spread over the year; those in the past
# published, the rest scheduled.
_OFFICE_SQL = [
    """
    INSERT INTO events (uid, title, description, translations, kind, all_day, starts_at, ends_at,
        start_date, end_date, timezone, location, partner_countries, owner_unit_id, priority,
        visibility, status, tags, sequence, created_at, updated_at)
    SELECT 'bench-' || n || '@herald.bench',
           'Hội nghị thông tin đối ngoại số ' || n,
           'Chương trình làm việc, danh sách đại biểu; điểm cầu các tỉnh.',
           '{"en": {"title": "External information conference"}}',
           (ARRAY['political','diplomatic','conference','cultural','deadline','other'])[1 + n % 6],
           n % 5 = 0,
           CASE WHEN n % 5 = 0 THEN NULL ELSE at END,
           CASE WHEN n % 5 = 0 THEN NULL ELSE at + interval '2 hours' END,
           CASE WHEN n % 5 = 0 THEN at::date END,
           CASE WHEN n % 5 = 0 THEN at::date + n % 3 END,
           (ARRAY['Asia/Ho_Chi_Minh','Europe/Paris','America/New_York','Asia/Tokyo'])[1 + n % 4],
           'Hà Nội, Trung tâm Hội nghị Quốc gia', '["FR", "JP"]',
           (:unit_ids)[1 + n % :units], 'normal',
           (ARRAY['public','internal','internal','restricted'])[1 + n % 4],
           (ARRAY['planned','confirmed','confirmed','postponed','cancelled'])[1 + n % 5],
           '["bench"]', 0, :now, :now
    FROM generate_series(1, :events) AS n,
         LATERAL (SELECT :start + n * interval '52 minutes' AS at) t
    """,
    """
    INSERT INTO press_outlets (name, country, languages, kind, website, created_at, updated_at)
    SELECT 'Outlet ' || n, (ARRAY['FR','US','JP','DE','KR'])[1 + n % 5], '["en"]',
           (ARRAY['newspaper','tv','radio','online','agency'])[1 + n % 5], '', :now, :now
    FROM generate_series(1, 200) AS n
    """,
    """
    INSERT INTO press_journalists (name_native, name_latin, country, languages, beats, email,
        phone, press_card_number, notes, consent_basis, created_at, updated_at)
    SELECT '', 'Journalist ' || n, (ARRAY['FR','US','JP','DE','KR'])[1 + n % 5], '["en", "fr"]',
           '["politics"]', 'journalist' || n || '@example.org', '', '', '', 'legitimate interest',
           :now, :now
    FROM generate_series(1, :journalists) AS n
    """,
    """
    INSERT INTO press_affiliations (journalist_id, outlet_id, role, starts_on)
    SELECT j.id, o.id, 'correspondent', DATE '2020-01-01'
    FROM press_journalists j
    JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS slot FROM press_outlets) o
      ON o.slot = j.id % 200
    """,
    """
    INSERT INTO social_posts (id, campaign_id, title, author_id, status, version, rapid_response,
        misfire_window_minutes, review_comment, schedule_countries, schedule_channel_ids,
        created_at, updated_at)
    SELECT 100000 + p, (:campaign_ids)[1 + p % :campaigns], 'Bench post ' || p, :author,
           'scheduled', 1, false, 30, '', '[]', '[]', :now, :now
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
           (:channel_ids)[1 + (p * 2 + v) % :channels], at, 'UTC', NULL,
           at + interval '30 minutes',
           CASE WHEN at < :now THEN 'published' ELSE 'scheduled' END, 0, 'Bench text ' || p,
           md5((p * 2 + v)::text), CASE WHEN at < :now THEN (p * 2 + v)::text END,
           CASE WHEN at < :now THEN at END, '', :now, :now
    FROM generate_series(1, :posts) AS p, generate_series(0, 1) AS v,
         LATERAL (SELECT :start + ((p * 7919) % (365 * 1440)) * interval '1 minute' AS at) t
    """,
    "SELECT setval(pg_get_serial_sequence('social_posts', 'id'), (SELECT max(id) FROM social_posts))",
    "SELECT setval(pg_get_serial_sequence('social_post_variants', 'id'), "
    "(SELECT max(id) FROM social_post_variants))",
    "SELECT setval(pg_get_serial_sequence('social_publications', 'id'), "
    "(SELECT max(id) FROM social_publications))",
    "ANALYZE",
]


def office_data(url: str, keep: bool) -> tuple[dict[str, str], str, str]:
    """A year of a big office in PostgreSQL; returns the server's environment, a coordinator's
    email and password."""
    from sqlalchemy import text

    from bench.databases import prepare_postgres
    from tests.factories import create_person, create_unit
    from tests.social_factories import create_campaign, create_channel
    from web.extensions import db

    url = prepare_postgres(url, bench="web_load.py", keep=keep)
    app = _app(url)
    email = "bench-coordinator@example.org"
    environment = {"HERALD_DATABASE_URL": url, "HERALD_SECRET_KEY": SECRET}
    with app.app_context():
        session = db.session
        if session.scalar(text("SELECT count(*) FROM events")):
            db.engine.dispose()
            return environment, email, OFFICE_PASSWORD
        started = time.perf_counter()
        now = datetime.now(UTC)
        units = [
            create_unit(session, code=f"bench-{n}", kind="mission", country="FR")
            for n in range(OFFICE_UNITS)
        ]
        author = create_person(
            session,
            "coordinator",
            email=email,
            password=OFFICE_PASSWORD,
            locale="vi",
            timezone="Asia/Ho_Chi_Minh",
        )
        kinds = ("x", "telegram", "sandbox")
        channels = [
            create_channel(
                session,
                kinds[n % 3],
                owner_unit=units[n % len(units)],
                language="en" if n % 2 == 0 else "vi",
            )
            for n in range(OFFICE_CHANNELS)
        ]
        year_start = (now - timedelta(days=182)).date()
        campaigns = [
            create_campaign(
                session,
                owner_unit=units[n % len(units)],
                starts_on=year_start + timedelta(days=7 * n),
                ends_on=year_start + timedelta(days=7 * n + 60),
            )
            for n in range(OFFICE_CAMPAIGNS)
        ]
        session.flush()
        params = {
            "unit_ids": [unit.id for unit in units],
            "units": len(units),
            "campaign_ids": [campaign.id for campaign in campaigns],
            "campaigns": len(campaigns),
            "channel_ids": [channel.id for channel in channels],
            "channels": len(channels),
            "author": author.id,
            "now": now,
            "start": datetime.combine(year_start, datetime.min.time(), UTC),
            "events": 10_000,
            "journalists": 5_000,
            "posts": 50_000,
        }
        for statement in _OFFICE_SQL:
            session.execute(text(statement), params)
        session.commit()
        counts = {
            table: session.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("events", "press_journalists", "social_publications")
        }
        db.session.remove()
        db.engine.dispose()
    print(
        f"generated in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{table} {count:,}" for table, count in counts.items())
    )
    return environment, email, OFFICE_PASSWORD


# --- signing in ----------------------------------------------------------------------------------


def _request(port: int, method: str, path: str, headers: dict[str, str], body: str = ""):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(
        method, path, body=body or None, headers={"User-Agent": USER_AGENT, **headers}
    )
    answer = connection.getresponse()
    data = answer.read()
    connection.close()
    return answer, data


def sign_in(port: int, email: str, password: str) -> str:
    """The session cookie of a signed-in ``email`` (same User-Agent as the load: Flask-Login's
    session protection would otherwise rewrite the session on every request)."""
    from urllib.parse import urlencode

    answer, form = _request(port, "GET", "/login", {})
    cookie = answer.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', form)
    body = urlencode(
        {
            "email": email,
            "password": password,
            "csrf_token": token.group(1).decode() if token else "",
        }
    )
    answer, _ = _request(
        port,
        "POST",
        "/login",
        {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        body,
    )
    if answer.status not in (302, 303):
        sys.exit(f"could not sign in: {answer.status}")
    return answer.getheader("Set-Cookie").split(";")[0]


def pages(port: int, cookie: str, token: str, feed: str) -> list[Page]:
    signed_in = {"Cookie": cookie}
    answer, _ = _request(port, "GET", feed, {})
    if answer.status != 200:
        sys.exit(f"the public feed answered {answer.status}")
    conditional = {"If-None-Match": answer.getheader("ETag")}
    if answer.getheader("Last-Modified"):
        conditional["If-Modified-Since"] = answer.getheader("Last-Modified")
    main, light = MAIN_TARGET_RATIO, LIGHT_TARGET_RATIO
    return [
        Page("calendar month /calendar/", "/calendar/", signed_in, main),
        Page("publications calendar /social/calendar", "/social/calendar", signed_in, main),
        Page("journalists /press/journalists", "/press/journalists", signed_in, main),
        Page("dashboard /", "/", signed_in, main),
        Page("campaigns /social/campaigns", "/social/campaigns", signed_in, main),
        Page(
            "API GET /api/v1/events", "/api/v1/events", {"Authorization": f"Bearer {token}"}, main
        ),
        Page("/healthz", "/healthz", {}, light, p95_target=False),
        Page("public feed, 304", feed, conditional, light, 304, p95_target=False),
    ]


def check(port: int, page: Page) -> int:
    """One request: the page answers as expected (not a redirect to the login page); returns
    the body's size."""
    answer, body = _request(port, "GET", page.path, page.headers)
    if answer.status != page.expected_status:
        sys.exit(f"{page.path} answered {answer.status}, not {page.expected_status}")
    return len(body)


# --- the load ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    errors: int


_WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format('{"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(95) / 1e3, errors))
end
"""


def load_with_wrk(
    port: int, path: str, headers: dict, connections: int, seconds: float, script: Path
) -> Figures:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--timeout", "10s",
               "-s", str(script), "-H", f"User-Agent: {USER_AGENT}"]  # fmt: skip
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    return Figures(
        result["requests"] / result["seconds"], result["p50"], result["p95"], result["errors"]
    )


def load_with_threads(
    port: int, path: str, headers: dict, connections: int, seconds: float
) -> Figures:
    """The fallback client: ``connections`` threads, one request per connection (gunicorn's
    sync workers close it after each answer anyway)."""
    deadline = time.perf_counter() + seconds
    samples: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    sent = {"User-Agent": USER_AGENT, **headers}

    def drive(slot: int) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", path, headers=sent)
                answer = connection.getresponse()
                answer.read()
                connection.close()
                if answer.status >= 400:
                    errors[slot] += 1
            except OSError:
                errors[slot] += 1
            samples[slot].append((time.perf_counter() - started) * 1000)

    began = time.perf_counter()
    threads = [threading.Thread(target=drive, args=(slot,)) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    every = sorted(sample for slot in samples for sample in slot)
    p95 = every[min(len(every) - 1, round(0.95 * (len(every) - 1)))]
    return Figures(len(every) / elapsed, statistics.median(every), p95, sum(errors))


def _server_cpu_seconds(master: int) -> float:
    """User + system CPU time of a gunicorn master and its workers (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(entry.name), int(fields[1])
        if master in (pid, parent):
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _drain(port: int) -> None:
    """Wait until the server answers a fresh request: requests the client gave up on (slow
    pages) are still queued in gunicorn's backlog and would be charged to the next page."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            _request(port, "GET", "/login", {})
            return
        except OSError:
            time.sleep(0.5)


@dataclass(frozen=True)
class Run:
    figures: Figures
    ratio: float  # req/s over the bare app's in the same round
    cpu_ms: float  # server CPU per request (master and workers)
    cpu_ratio: float  # the bare app's CPU per request over this page's


def _measure(drive, server: subprocess.Popen, port: int, page_path: str, headers: dict,
             seconds: float) -> tuple[Figures, float]:  # fmt: skip
    _drain(port)
    before = _server_cpu_seconds(server.pid)
    figures = drive(port, page_path, headers, seconds)
    _drain(port)  # what was still running counts: its CPU is in the figure, not its request
    used = _server_cpu_seconds(server.pid) - before
    completed = max(1, round(figures.requests_per_second * seconds))
    return figures, used / completed * 1000


def run_dataset(name: str, environment: dict[str, str], email: str, password: str, token: str,
                feed: str, args: argparse.Namespace) -> bool:  # fmt: skip
    herald_port, bare_port = _free_port(), _free_port()
    herald = start_herald(herald_port, environment)
    bare = start_bare(bare_port)
    met = True
    try:
        cookie = sign_in(herald_port, email, password)
        measured = pages(herald_port, cookie, token, feed)
        sizes = {page.name: check(herald_port, page) for page in measured}
        use_wrk = shutil.which("wrk") is not None and not args.threads
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script_file:
            script_file.write(_WRK_SCRIPT)
        script = Path(script_file.name)

        def drive(port: int, path: str, headers: dict, seconds: float) -> Figures:
            if use_wrk:
                return load_with_wrk(port, path, headers, args.connections, seconds, script)
            return load_with_threads(port, path, headers, args.connections, seconds)

        # Warm-up: each worker compiles templates and fills its caches once.
        drive(bare_port, "/", {}, 1)
        for page in measured:
            drive(herald_port, page.path, page.headers, 1)
            _drain(herald_port)
        bare_runs: list[tuple[Figures, float]] = []
        runs: dict[str, list[Run]] = {page.name: [] for page in measured}
        for _ in range(args.rounds):
            bare_figures, bare_cpu = _measure(drive, bare, bare_port, "/", {}, args.seconds)
            bare_runs.append((bare_figures, bare_cpu))
            for page in measured:
                figures, cpu = _measure(
                    drive, herald, herald_port, page.path, page.headers, args.seconds
                )
                ratio = figures.requests_per_second / bare_figures.requests_per_second
                runs[page.name].append(Run(figures, ratio, cpu, bare_cpu / cpu))
        script.unlink()
        client = "wrk" if use_wrk else "threaded client"
        print(
            f"\n{name}: {args.connections} connections, {client}, {args.rounds} rounds of"
            f" {args.seconds:g} s per page"
        )
        print(
            f"{'page':<40} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'ratio':>6}"
            f" {'per round':<17} {'CPU ms':>6} {'CPU ratio':>9} {'KB':>6}  target"
        )
        median = statistics.median
        print(
            f"{'bare Flask hello':<40} {median(f.requests_per_second for f, _ in bare_runs):6.0f}"
            f" {median(f.p50_ms for f, _ in bare_runs):7.1f}"
            f" {median(f.p95_ms for f, _ in bare_runs):7.1f} {'':6} {'':17}"
            f" {median(cpu for _, cpu in bare_runs):6.2f}"
        )
        for page in measured:
            page_runs = runs[page.name]
            rps = median(run.figures.requests_per_second for run in page_runs)
            p95 = median(run.figures.p95_ms for run in page_runs)
            ratio = median(run.ratio for run in page_runs)
            errors = sum(run.figures.errors for run in page_runs)
            ok = (
                ratio >= page.target_ratio
                and (not page.p95_target or p95 <= TARGET_P95_MS)
                and not errors
            )
            met &= ok
            target = f">= {page.target_ratio:g}" + (
                f", p95 <= {TARGET_P95_MS:.0f}" if page.p95_target else ""
            )
            print(
                f"{page.name:<40} {rps:6.0f} {median(run.figures.p50_ms for run in page_runs):7.1f}"
                f" {p95:7.1f} {ratio:6.3f} {' '.join(f'{run.ratio:.3f}' for run in page_runs):<17}"
                f" {median(run.cpu_ms for run in page_runs):6.2f}"
                f" {median(run.cpu_ratio for run in page_runs):9.3f}"
                f" {sizes[page.name] / 1024:6.1f}  {target}: {'ok' if ok else 'NOT MET'}"
                + (f" ({errors} errors)" if errors else "")
            )
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        stop(herald)
        stop(bare)
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=("demo", "office", "both"), default="both")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--keep", action="store_true", help="reuse the office data of a previous run"
    )
    parser.add_argument("--seconds", type=float, default=4.0, help="per page and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", action="store_true", help="the threaded client even with wrk")
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return 0
    if not 1 <= args.connections <= 64 or not 0 < args.seconds <= 60 or not 1 <= args.rounds <= 10:
        sys.exit("bounded: 1-64 connections, up to 60 s per page, 1-10 rounds")
    met = True
    if args.dataset in ("demo", "both"):
        with tempfile.TemporaryDirectory() as directory:
            environment, email, password = demo_data(Path(directory))
            token, feed = _credentials(
                _app(environment["HERALD_DATABASE_URL"], Path(directory)), email
            )
            met &= run_dataset(
                "demo data (SQLite)", environment, email, password, token, feed, args
            )
    if args.dataset in ("office", "both"):
        environment, email, password = office_data(args.database_url, args.keep)
        token, feed = _credentials(_app(environment["HERALD_DATABASE_URL"]), email)
        met &= run_dataset(
            "a year of a big office (PostgreSQL)", environment, email, password, token, feed, args
        )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
