"""Conference pages: setting one up, the organiser's board and its JSON, adding sites, a site's
own page and its reports, bad input, the programme's documents and the attendance report."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from sqlalchemy import select

from campaigns.programme.conference_models import Conference, ConferenceSite, ConferenceTalk
from tests.conference_factories import add_site, create_conference
from tests.factories import create_event, create_person, create_unit, login


def _organised(session):
    ministry = create_unit(session, kind="ministry", country="VN", timezone="Asia/Ho_Chi_Minh")
    coordinator = create_person(session, "coordinator", unit=ministry)
    conference = create_conference(session, organiser=ministry)
    return conference, coordinator


def test_a_coordinator_sets_up_a_conference_from_a_conference_event(client, session):
    ministry = create_unit(session, kind="ministry", country="VN", timezone="Asia/Ho_Chi_Minh")
    coordinator = create_person(session, "coordinator", unit=ministry, timezone="Asia/Ho_Chi_Minh")
    event = create_event(session, owner=ministry, kind="conference", title="Hội nghị toàn quốc")
    session.commit()
    login(client, coordinator)
    page = client.get("/conferences/new")
    assert page.status_code == 200 and "Hội nghị toàn quốc" in page.text
    late = client.post(
        "/conferences/new",
        data={"event_id": str(event.id), "readiness_due_local": "2026-12-02T09:00"},
    )
    assert late.status_code == 422
    assert "before the conference starts" in late.text
    assert session.scalar(select(Conference.id)) is None
    done = client.post(
        "/conferences/new",
        data={"event_id": str(event.id), "readiness_due_local": "2026-11-29T09:00"},
    )
    assert done.status_code == 303
    conference = session.scalar(select(Conference))
    assert conference.readiness_due_at == datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def test_the_board_shows_every_site_and_its_json_the_totals(client, session):
    conference, coordinator = _organised(session)
    silent = add_site(session, conference, expected_attendance=300)
    reporting = add_site(session, conference, chair_name="Trần Văn B", expected_attendance=500)
    session.commit()
    login(client, coordinator)
    page = client.get(f"/conferences/{conference.id}")
    assert page.status_code == 200
    assert f'id="site-{silent.id}"' in page.text and "Trần Văn B" in page.text
    assert "js/conference-board.js" in page.text
    before = client.get(f"/conferences/{conference.id}/board.json").json
    assert before["full"] and len(before["sites"]) == 3
    field = create_person(session, "field", unit=reporting.unit)
    session.commit()
    client.post("/logout")
    login(client, field)
    reported = client.post(
        f"/conferences/{conference.id}/sites/{reporting.id}/attendance",
        data={"attend-connected": "y", "attend-attendance": "480"},
    )
    assert reported.status_code == 303
    client.post("/logout")
    login(client, coordinator)
    answer = client.get(f"/conferences/{conference.id}/board.json")
    assert answer.status_code == 200
    totals = answer.json["totals"]
    assert (totals["sites"], totals["connected"], totals["delegates"], totals["expected"]) == (
        3,
        1,
        480,
        800,
    )
    by_id = {site["id"]: site for site in answer.json["sites"]}
    assert by_id[reporting.id]["connected"] and by_id[reporting.id]["attendance"] == 480
    assert by_id[silent.id]["state"] == "no_answer"
    # what the board's script asks next: the sites changed since its last answer (and those
    # changed at that very instant, sent again rather than missed)
    changes = client.get(
        f"/conferences/{conference.id}/board.json", query_string={"since": before["since"]}
    ).json
    assert not changes["full"] and reporting.id in [site["id"] for site in changes["sites"]]
    assert changes["totals"]["delegates"] == 480
    later = client.get(
        f"/conferences/{conference.id}/board.json", query_string={"since": changes["since"]}
    ).json
    assert [site["id"] for site in later["sites"]] == [reporting.id]
    garbled = client.get(f"/conferences/{conference.id}/board.json?since=yesterday").json
    assert garbled["full"] and len(garbled["sites"]) == 3
    # the same version again: 304, nothing re-sent
    again = client.get(
        f"/conferences/{conference.id}/board.json",
        headers={"If-None-Match": answer.headers["ETag"]},
    )
    assert again.status_code == 304
    filtered = client.get(f"/conferences/{conference.id}/board.json?connection=connected")
    assert [site["id"] for site in filtered.json["sites"]] == [reporting.id]
    nonsense = client.get(f"/conferences/{conference.id}?state=bogus&kind=%00")
    assert nonsense.status_code in (200, 400)


def test_a_sites_people_reach_their_own_site_only(client, session):
    conference, _ = _organised(session)
    mine, theirs = add_site(session, conference), add_site(session, conference)
    editor = create_person(session, "editor", unit=mine.unit)
    outsider = create_person(session, "coordinator", unit=create_unit(session))
    session.commit()
    login(client, editor)
    board = client.get(f"/conferences/{conference.id}")
    assert board.status_code == 302 and board.headers["Location"].endswith(f"/sites/{mine.id}")
    assert client.get(f"/conferences/{conference.id}/board.json").status_code in (403, 404)
    other = client.get(f"/conferences/{conference.id}/sites/{theirs.id}")
    assert other.status_code == 404 and theirs.unit.name_en not in other.text
    assert (
        client.post(
            f"/conferences/{conference.id}/sites/{theirs.id}/readiness",
            data={"ready-room_ready": "y"},
        ).status_code
        == 404
    )
    ready = client.post(
        f"/conferences/{conference.id}/sites/{mine.id}/readiness",
        data={
            "ready-room_ready": "y",
            "ready-connection_tested": "y",
            "ready-chair_confirmed": "y",
            "ready-documents_received": "y",
        },
    )
    assert ready.status_code == 303
    session.expire_all()
    assert session.get(ConferenceSite, mine.id).readiness_answered_at is not None
    client.post("/logout")
    login(client, outsider)
    assert client.get(f"/conferences/{conference.id}").status_code == 404
    assert conference.event.title not in client.get("/conferences/").text


def test_bad_attendance_and_details_say_what_is_wrong_and_change_nothing(client, session):
    conference, _ = _organised(session)
    site = add_site(session, conference, chair_name="Before")
    editor = create_person(session, "editor", unit=site.unit)
    session.commit()
    login(client, editor)
    bad = client.post(
        f"/conferences/{conference.id}/sites/{site.id}/attendance",
        data={"attend-connected": "y", "attend-attendance": "lots"},
    )
    assert bad.status_code == 422 and "whole number" in bad.text
    details = client.post(
        f"/conferences/{conference.id}/sites/{site.id}",
        data={
            "site-chair_name": "After",
            "site-timezone": "Mars/Base",
            "site-expected_attendance": "9",
        },
    )
    assert details.status_code == 422 and "IANA" in details.text
    session.expire_all()
    found = session.get(ConferenceSite, site.id)
    assert (found.connected_at, found.attendance, found.chair_name) == (None, None, "Before")


def test_sites_from_units_and_a_bad_csv_on_the_page(client, session):
    conference, coordinator = _organised(session)
    for _ in range(3):
        create_unit(session, kind="province")
    session.commit()
    login(client, coordinator)
    added = client.post(
        f"/conferences/{conference.id}/sites", data={"units-selection": "provinces"}
    )
    assert added.status_code == 303
    assert len(session.scalars(select(ConferenceSite)).all()) == 4
    missing = client.post(
        f"/conferences/{conference.id}/sites",
        data={"units-selection": "under", "units-under": "no-such-unit"},
    )
    assert missing.status_code == 422 and "no unit with this code" in missing.text
    bad = client.post(
        f"/conferences/{conference.id}/sites/import",
        data={
            "csv-file": (io.BytesIO(b"unit_code,expected_attendance\nnowhere,12\n"), "sites.csv")
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert "There is no unit with this code." in bad.text and 'id="import-errors"' in bad.text
    wrong = client.post(
        f"/conferences/{conference.id}/sites/import",
        data={"csv-file": (io.BytesIO(b"\xff\xfe\x00bad"), "sites.csv")},
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422 and "UTF-8" in wrong.text
    assert len(session.scalars(select(ConferenceSite)).all()) == 4


def test_the_programme_distributes_documents_to_sites_and_refuses_others(
    client, session, app, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "HERALD_MEDIA_ROOT", str(tmp_path / "media"))
    conference, coordinator = _organised(session)
    site = add_site(session, conference)
    field = create_person(session, "field", unit=site.unit)
    outsider = create_person(session, "editor")
    session.commit()
    login(client, coordinator)
    refused = client.post(
        f"/conferences/{conference.id}/programme",
        data={
            "speaker_name": "Bộ trưởng",
            "title": "Tham luận",
            "document": (io.BytesIO(b"MZ\x90\x00 not a document"), "tool.exe"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "PDF" in refused.text
    added = client.post(
        f"/conferences/{conference.id}/programme",
        data={
            "speaker_name": "Bộ trưởng",
            "speaker_title": "Bộ Ngoại giao",
            "title": "Thông tin đối ngoại năm 2027",
            "minutes": "15",
            "document": (io.BytesIO(b"%PDF-1.4 the talk"), "tham-luan.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert added.status_code == 303
    talk = session.scalar(select(ConferenceTalk))
    client.post("/logout")
    login(client, field)
    page = client.get(f"/conferences/{conference.id}/sites/{site.id}")
    assert "tham-luan.pdf" in page.text
    document = client.get(f"/conferences/{conference.id}/programme/{talk.id}/document")
    assert document.status_code == 200 and document.data == b"%PDF-1.4 the talk"
    document.close()
    client.post("/logout")
    login(client, outsider)
    assert (
        client.get(f"/conferences/{conference.id}/programme/{talk.id}/document").status_code == 404
    )


def test_the_attendance_report_in_both_languages_and_formats(client, session):
    conference, coordinator = _organised(session)
    add_site(session, conference, expected_attendance=1200)
    session.commit()
    login(client, coordinator)
    page = client.get(f"/conferences/{conference.id}/report?lang=en")
    assert page.status_code == 200 and "Attendance report" in page.text
    pdf = client.get(f"/conferences/{conference.id}/report.pdf?lang=vi")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    xlsx = client.get(f"/conferences/{conference.id}/report.xlsx?lang=en")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert client.get(f"/conferences/{conference.id}/report.docx").status_code == 404
