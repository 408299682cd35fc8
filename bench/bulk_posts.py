"""Benchmark: the preview of a 1,000-row file of posts (issue #14, bulk scheduling: <= 2 s).

Run: .venv/bin/python bench/bulk_posts.py [--rows 1000] [--runs 7]
     [--database-url postgresql://postgres@127.0.0.1:5432/bench_bulk]

Without ``--database-url`` a fresh SQLite file in a temporary folder is used (the database is
emptied and migrated). Made here: one unit and its editor, 20 campaigns, 30 channels (X and
Telegram, in vi, en and fr, some addressing France). The file: ``--rows`` rows, two language
variants per post (vi and en), channels named per row, half at one zone's time and half "per
audience", texts of 80-260 characters with a link (X counts them its own way). The preview is
run ``--runs`` times, each in a new transaction (nothing cached between runs); prints the wall
and CPU time of each and their medians, the number of SQL statements of one preview, then the
time of confirming the file once (creating every post and sending each for clearance).
Local only, bounded by ``--rows`` (at most 5,000, the upload's limit).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, text

from campaigns.db import utcnow
from campaigns.org import services as org_services
from campaigns.social import bulk, services
from campaigns.social import channels as channel_services
from scheduler.transactions import Transactions

SECRET = "bench-secret-key-that-is-long-enough-0123456789"


def prepare(url: str) -> str:
    from web import create_app
    from web.cli import upgrade_database

    if url.startswith("postgresql"):
        from bench.databases import prepare_postgres

        url = prepare_postgres(url, bench="bulk_posts.py")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_urlsafe(48)})
    upgrade_database(app)
    return url


def world(transactions: Transactions) -> int:
    """The editor's id, after making their unit, campaigns and channels."""
    now = utcnow()
    with transactions() as session:
        unit = org_services.create_unit(
            session,
            actor=None,
            now=now,
            code="bench-unit",
            name_vi="Đơn vị",
            name_en="Unit",
            kind="ministry",
            country="VN",
            timezone="Asia/Ho_Chi_Minh",
            parent_code=None,
        )
        editor = org_services.create_person(
            session,
            actor=None,
            now=now,
            name="Bench Editor",
            email="bench@example.org",
            role="editor",
            unit_code=unit.code,
            locale="en",
            timezone="Asia/Ho_Chi_Minh",
            password="bench-password-0123",
        )
        for number in range(20):
            services.create_campaign(
                session,
                actor=None,
                now=now,
                data=services.CampaignInput(
                    name_vi=f"Chiến dịch {number}",
                    name_en=f"Campaign {number}",
                    starts_on=now.date(),
                    ends_on=now.date().replace(year=now.year + 2),
                    owner_unit_code=unit.code,
                    target_countries=["VN", "FR"],
                    languages=["vi", "en"],
                ),
            )
        for number in range(30):
            kind = "x" if number % 2 else "telegram"
            language = ("vi", "en", "fr")[number % 3]
            channel_services.create_channel(
                session,
                actor=None,
                now=now,
                data=channel_services.ChannelInput(
                    kind=kind,
                    name=f"Channel {number} {kind} {language}",
                    language=language,
                    owner_unit_code=unit.code,
                    handle=f"@bench{number}",
                    audience_countries=["FR"] if number % 5 == 0 else [],
                ),
                credentials={"bot_token": f"123:tg-{number}"}
                if kind == "telegram"
                else {
                    "consumer_key": "k",
                    "consumer_secret": "s",
                    "access_token": "t",
                    "access_token_secret": "u",
                },
                secret=SECRET,
            )
        return editor.id


def posts_file(rows: int, year: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(bulk.COLUMNS)
    vi_channels = [f"Channel {n} {'x' if n % 2 else 'telegram'} vi" for n in range(0, 30, 3)]
    en_channels = [f"Channel {n} {'x' if n % 2 else 'telegram'} en" for n in range(1, 30, 3)]
    for number in range(rows):
        post, language = divmod(number, 2)
        names = vi_channels if language == 0 else en_channels
        channels = f"{names[post % 10]}, {names[(post + 3) % 10]}"
        words = ("Chúc mừng ngày hội " if language == 0 else "Celebrating the day ") * 10
        body = f"{words[: 60 + post % 180]} https://example.org/p/{post}"
        when = f"{year}-{1 + post % 12:02d}-{1 + post % 28:02d} {8 + post % 10:02d}:00" + (
            " Asia/Ho_Chi_Minh" if post % 2 else " per audience"
        )
        writer.writerow(
            [
                f"post-{post}",
                f"Campaign {post % 20}",
                ("vi", "en")[language],
                body,
                channels,
                "",
                "",
                when if language == 0 else "",
                "",
            ]
        )
    return buffer.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", default="")
    options = parser.parse_args()
    rows = max(2, min(options.rows, bulk.MAX_ROWS))
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{folder}/bench.db"
        url = prepare(url)
        transactions = Transactions.for_url(url, door="web")
        editor_id = world(transactions)
        content = posts_file(rows, utcnow().year + 1)
        statements = 0

        def count(*_args) -> None:
            nonlocal statements
            statements += 1

        print(f"load average: {os.getloadavg()}")
        print(f"file: {rows} rows, {len(content):,} bytes")
        walls, cpus = [], []
        for run in range(options.runs):
            with transactions() as session:
                from campaigns.org.models import Person

                editor = session.get(Person, editor_id)
                session.expire_all()
                editor = session.get(Person, editor_id)
                statements = 0
                event.listen(session.bind, "before_cursor_execute", count)
                started, cpu = time.perf_counter(), time.process_time()
                preview = bulk.preview_bulk_posts(
                    session, actor=editor, now=utcnow(), content=content
                )
                wall, used = time.perf_counter() - started, time.process_time() - cpu
                event.remove(session.bind, "before_cursor_execute", count)
                assert preview.valid, [row.errors for row in preview.rows if row.errors][:3]
                session.rollback()
            walls.append(wall)
            cpus.append(used)
            print(f"preview {run + 1}: wall {wall * 1000:.0f} ms, CPU {used * 1000:.0f} ms")
        print(
            f"preview of {rows} rows ({len(preview.posts)} posts): median wall "
            f"{statistics.median(walls) * 1000:.0f} ms, median CPU "
            f"{statistics.median(cpus) * 1000:.0f} ms, {statements} SQL statements "
            f"(target: 2,000 ms)"
        )
        with transactions() as session:
            from campaigns.org.models import Person

            editor = session.get(Person, editor_id)
            started, cpu = time.perf_counter(), time.process_time()
            done = bulk.create_bulk_posts(session, actor=editor, now=utcnow(), content=content)
            wall, used = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"confirm: {len(done.created)} posts created and sent for clearance: wall "
            f"{wall * 1000:.0f} ms, CPU {used * 1000:.0f} ms"
        )
        with transactions() as session:
            session.execute(text("SELECT 1"))


if __name__ == "__main__":
    main()
