"""Imports in the browser: upload, preview with matches, confirm; a small file is imported at
once, a large one by a worker while the page shows its progress; then the report."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from campaigns.calendar.models import Event
from campaigns.org.import_jobs import ImportJob
from campaigns.press.models import Journalist
from scheduler.imports import ImportWorker
from scheduler.transactions import Transactions
from tests.factories import create_person, create_unit, login
from tests.press_factories import create_journalist, create_outlet


@pytest.fixture
def transactions(database_url) -> Iterator[Transactions]:
    transactions = Transactions.for_url(database_url, door="worker")
    yield transactions
    transactions.engine.dispose()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def upload_csv(client, content: bytes):
    return client.post(
        "/press/journalists/import",
        data={"file": (io.BytesIO(content), "journalists.csv")},
        content_type="multipart/form-data",
    )


def confirm_csv(client, content: bytes, **choices):
    data = {"content": base64.b64encode(content).decode(), "confirm": "1", **choices}
    return client.post("/press/journalists/import", data=data)


def test_a_second_import_shows_the_matches_and_updates_them(client, session):
    editor = create_person(session, role="editor")
    le_monde = create_outlet(session, name="Le Monde")
    create_journalist(session, le_monde, name_latin="Pierre Martin", email="")
    create_journalist(session, name_latin="Anna Schmidt", email="anna@example.de")
    session.commit()
    login(client, editor)
    content = (
        b"name_latin,country,email,outlet,beats\n"
        b"Anna Schmidt,DE,anna@example.de,,culture\n"
        b"Pierre Martin,FR,,Le Monde,economy\n"
        b"New Person,VN,new@example.vn,,\n"
        b"Anna Schmidt,DE,ANNA@example.de,,\n"
    )
    preview = upload_csv(client, content)
    assert preview.status_code == 200
    assert "3 rows match journalists already in Herald" in preview.text
    assert "1 row repeats an earlier row" in preview.text
    assert "Same email as Anna Schmidt" in preview.text
    assert "Same name and outlet as Pierre Martin" in preview.text
    assert 'name="row-5"' in preview.text and 'name="row-4"' not in preview.text
    response = confirm_csv(client, content, on_match="update", **{"row-3": "skip"})
    assert response.status_code == 303
    job = session.scalars(select(ImportJob)).one()
    assert response.headers["Location"].endswith(f"/imports/{job.id}")
    assert job.status == "done"  # four rows: imported while the person waited
    report = client.get(f"/imports/{job.id}")
    assert report.status_code == 200
    assert "Created" in report.text and "Updated" in report.text
    assert "skipped: the same journalist as line 2" in report.text
    assert count(session, Journalist) == 3
    anna = session.scalars(select(Journalist).where(Journalist.name_latin == "Anna Schmidt")).one()
    assert anna.beats == ["culture"]


def test_a_large_file_goes_to_a_worker_and_the_page_follows_it(client, session, transactions):
    editor = create_person(session, role="editor")
    other = create_person(session, role="editor")
    session.commit()
    login(client, editor)
    rows = [f"Journalist {n},FR,j{n}@example.org" for n in range(2000)]
    content = ("name_latin,country,email\n" + "\n".join(rows) + "\n").encode()
    assert upload_csv(client, content).status_code == 200
    response = confirm_csv(client, content)
    assert response.status_code == 303
    job_url = response.headers["Location"]
    page = client.get(job_url)
    assert page.status_code == 200
    assert "<progress" in page.text and "Waiting for a worker" in page.text
    assert "js/imports.js" in page.text
    status = client.get(job_url + "/status").json
    assert status == {
        "status": "queued",
        "label": "Waiting for a worker",
        "done": 0,
        "total": 2000,
        "finished": False,
    }
    assert count(session, Journalist) == 0
    assert ImportWorker(transactions, worker_id="w").run_once()
    status = client.get(job_url + "/status").json
    assert (status["status"], status["done"], status["finished"]) == ("done", 2000, True)
    report = client.get(job_url)
    assert "<progress" not in report.text
    assert re.search(r"Created</th><td>2000<", report.text)
    assert count(session, Journalist) == 2000
    # Someone else's import is not theirs to see.
    client.post("/logout")
    login(client, other)
    assert client.get(job_url).status_code == 404
    assert client.get(job_url + "/status").status_code == 404


ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//EN\r
BEGIN:VEVENT\r
UID:in@example.org\r
DTSTART:20261210T090000Z\r
SUMMARY:Inside\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:out@example.org\r
DTSTART:20280310T090000Z\r
SUMMARY:Much later\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:nostart@example.org\r
SUMMARY:Somewhen\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_an_ics_import_reports_each_event_left_out_in_the_readers_language(client, session):
    create_unit(session, "mission-fr")
    coordinator = create_person(session, role="coordinator", locale="vi")
    session.commit()
    login(client, coordinator)
    response = client.post(
        "/calendar/import",
        data={
            "file": (io.BytesIO(ICS), "agenda.ics"),
            "since": "2026-12-01",
            "until": "2026-12-31",
            "owner_unit_code": "mission-fr",
            "visibility": "public",
            "kind": "cultural",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert count(session, Event) == 1
    coordinator.locale = "en"
    session.commit()
    report = client.get(response.headers["Location"])
    assert "Much later" in report.text and "Somewhen" in report.text
    assert "it lies outside the window (2026-12-01 – 2026-12-31)" in report.text
    assert "it has no start (DTSTART)" in report.text


def test_a_calendar_with_repeating_events_is_imported_by_a_worker(client, session, transactions):
    create_unit(session, "mission-fr")
    coordinator = create_person(session, role="coordinator")
    session.commit()
    login(client, coordinator)
    daily = ICS.replace(b"SUMMARY:Inside\r\n", b"SUMMARY:Daily\r\nRRULE:FREQ=DAILY;COUNT=20\r\n")
    response = client.post(
        "/calendar/import",
        data={
            "file": (io.BytesIO(daily), "agenda.ics"),
            "since": "2026-12-01",
            "until": "2026-12-31",
            "owner_unit_code": "mission-fr",
            "visibility": "internal",
            "kind": "other",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    status_url = response.headers["Location"] + "/status"
    assert client.get(status_url).json["status"] == "queued"
    assert count(session, Event) == 0
    assert ImportWorker(transactions, worker_id="w").run_once()
    assert client.get(status_url).json["finished"] is True
    assert count(session, Event) == 20


@pytest.mark.parametrize("field", ["row-²", "row-" + "9" * 5000])
def test_a_forged_row_choice_is_ignored_not_a_crash(client, session, field):
    editor = create_person(session, role="editor")
    session.commit()
    login(client, editor)
    content = b"name_latin,country,email\nAnna Schmidt,DE,anna@example.de\n"
    response = confirm_csv(client, content, **{field: "skip"})
    assert response.status_code == 303
    assert count(session, Journalist) == 1
