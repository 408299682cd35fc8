"""Benchmark: a 20,000-row journalist CSV imported by the import worker (issue #9).

Run: .venv/bin/python bench/journalist_import.py [--rows 20000]
     [--database-url postgresql://postgres@127.0.0.1:5432/bench_imports]

Without ``--database-url`` a fresh SQLite file in a temporary folder is used. The database is
emptied and migrated. The file is generated (about 65 bytes a row: 20,000 rows are ~1.3 MB,
more than the 858 KB of the issue), previewed and queued as the page does (both in the request),
then one ``scheduler.imports.ImportWorker`` pass imports it. Prints the time of each step, and the
time of importing the same file again (every row matches: all unchanged).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text

from campaigns.db import utcnow
from campaigns.org.import_jobs import ImportJob
from campaigns.press import csv_import
from campaigns.press.models import Journalist
from scheduler.imports import ImportWorker
from scheduler.transactions import Transactions


def journalists_csv(rows: int) -> bytes:
    lines = ["name_latin,country,languages,beats,email"]
    lines += [
        f'Journalist {n:05d},FR,"fr,en",politics,journalist{n:05d}@example.org' for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def prepare(url: str) -> None:
    from web import create_app
    from web.cli import upgrade_database

    if url.startswith("postgresql"):
        from sqlalchemy import create_engine

        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_urlsafe(48)})
    upgrade_database(app)


def run(url: str, rows: int) -> None:
    content = journalists_csv(rows)
    transactions = Transactions.for_url(url, door="worker")
    worker = ImportWorker(transactions, worker_id="bench")
    for attempt in ("first import", "same file again"):
        started = time.perf_counter()
        with transactions() as session:  # the page's preview, in the request
            csv_import.import_journalists_csv(session, actor=None, now=utcnow(), content=content)
        previewed = time.perf_counter()
        with transactions() as session:
            job = csv_import.queue_journalist_import(
                session, actor=None, now=utcnow(), content=content, filename="bench.csv"
            )
            job_id = job.id
        queued = time.perf_counter()
        assert worker.run_once()
        finished = time.perf_counter()
        with transactions() as session:
            job = session.get(ImportJob, job_id)
            assert job is not None and job.status == "done", job and job.error
            counts = job.result["counts"]
            total = session.scalar(select(func.count()).select_from(Journalist))
        print(
            f"{attempt:>16}: preview {previewed - started:5.1f} s, "
            f"queue {queued - previewed:5.1f} s, "
            f"background import {finished - queued:5.1f} s, counts {counts}, "
            f"{total:,} journalists"
        )
    transactions.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    url = options.database_url
    folder = None
    if not url:
        folder = tempfile.TemporaryDirectory()
        url = f"sqlite:///{folder.name}/bench-imports.db"
    prepare(url)
    print(
        f"{options.rows:,} rows, {len(journalists_csv(options.rows)) / 1024:.0f} KB, "
        f"{url.split(':')[0]}"
    )
    run(url, options.rows)
    if folder is not None:
        folder.cleanup()


if __name__ == "__main__":
    main()
