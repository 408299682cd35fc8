"""Benchmark: overlap detection across every unit's annual plan — the steering committee's list
of open overlaps and one unit's warnings — with the plans of a whole country.

Run: .venv/bin/python bench/plan_overlaps.py [--units 100] [--activities 20] [--repeat 20]
     [--database-url sqlite:////tmp/plan_overlaps.db | postgresql://...]

The database is emptied and migrated (a PostgreSQL URL: its public schema is dropped; point it
at a database of your own), then ``--units`` units under one steering committee each get a plan
with ``--activities`` activities: kinds, countries (8), themes and month-long windows drawn with
a fixed seed, so that some pairs overlap. Printed: how many overlaps, and per call the CPU time
(process time) and the wall time, median and max of ``--repeat`` calls, for
``overlaps.open_overlaps`` (every pair, all units) and ``overlaps.overlaps_of_unit``.
No target in the issue: the figures say whether the pages that call them stay interactive.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from campaigns.org import services as org_services
from campaigns.programme import overlaps, plans
from campaigns.programme.plan_models import ACTIVITY_KINDS, THEMES
from web import create_app
from web.cli import upgrade_database
from web.extensions import db

NOW = datetime(2026, 12, 8, tzinfo=UTC)
COUNTRIES = ("KH", "LA", "TH", "CN", "JP", "US", "FR", "RU")


def _empty(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).unlink(missing_ok=True)
        return
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _fill(session, units: int, activities: int) -> None:
    chance = random.Random(13)
    org_services.create_unit(
        session,
        actor=None,
        now=NOW,
        code="steering",
        name_vi="Ban Chỉ đạo",
        name_en="Steering",
        kind="steering",
        country="VN",
        timezone="Asia/Ho_Chi_Minh",
    )
    for number in range(units):
        unit = org_services.create_unit(
            session,
            actor=None,
            now=NOW,
            code=f"unit-{number:04d}",
            name_vi=f"Đơn vị {number}",
            name_en=f"Unit {number}",
            kind="province",
            country="VN",
            timezone="Asia/Ho_Chi_Minh",
            parent_code="steering",
        )
        plan = plans.create_plan(
            session,
            actor=None,
            now=NOW,
            unit=unit,
            year=2027,
            fields=plans.PlanFields(title=f"Kế hoạch {number}"),
        )
        for item in range(activities):
            start = date(2027, 1, 1) + timedelta(days=chance.randrange(330))
            plans.add_activity(
                session,
                actor=None,
                now=NOW,
                plan=plan,
                fields=plans.ActivityFields(
                    title=f"Hoạt động {number}-{item}",
                    kind=chance.choice(list(ACTIVITY_KINDS)),
                    country=chance.choice(COUNTRIES),
                    theme=chance.choice(list(THEMES)),
                    starts_on=start,
                    ends_on=start + timedelta(days=chance.randrange(1, 31)),
                    budget_planned=chance.randrange(10, 500) * 1_000_000,
                ),
            )
    session.commit()


def _measure(call, repeat: int) -> tuple[float, float, float, float, object]:
    cpu, wall, result = [], [], None
    for _ in range(repeat):
        db.session.expire_all()
        started_cpu, started = time.process_time(), time.perf_counter()
        result = call()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return statistics.median(cpu), max(cpu), statistics.median(wall), max(wall), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--activities", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default="sqlite:////tmp/plan_overlaps.db")
    arguments = parser.parse_args()
    _empty(arguments.database_url)
    app = create_app(
        {"SECRET_KEY": secrets.token_urlsafe(48), "SQLALCHEMY_DATABASE_URI": arguments.database_url}
    )
    upgrade_database(app)
    with app.app_context():
        started = time.perf_counter()
        _fill(db.session, arguments.units, arguments.activities)
        total = arguments.units * arguments.activities
        print(
            f"{arguments.units} plans, {total} activities, filled in {time.perf_counter() - started:.1f} s"
        )
        steering = org_services.create_person(
            db.session,
            actor=None,
            now=NOW,
            name="Steering",
            email="steering@example.org",
            role="coordinator",
            unit_code="steering",
            locale="en",
            timezone="UTC",
            password="bench-password-0123",
        )
        from campaigns.org.queries import unit_by_code

        unit = unit_by_code(db.session, "unit-0000")
        db.session.commit()
        for name, call in (
            (
                "open_overlaps (all units)",
                lambda: overlaps.open_overlaps(db.session, actor=steering),
            ),
            (
                "overlaps_of_unit (one unit)",
                lambda: overlaps.overlaps_of_unit(db.session, actor=steering, unit=unit),
            ),
        ):
            cpu, cpu_max, wall, wall_max, result = _measure(call, arguments.repeat)
            print(
                f"{name}: {len(result)} overlaps; CPU median {cpu:.1f} ms (max {cpu_max:.1f}),"
                f" wall median {wall:.1f} ms (max {wall_max:.1f})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
