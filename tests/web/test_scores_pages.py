"""Criteria sets, unit scores, the ranking and the unit period report in the browser."""

from __future__ import annotations

import io
import re

import pypdfium2
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from campaigns.metrics.models import CriteriaSet
from tests.factories import login
from tests.score_world import build


@pytest.fixture
def world(session):
    made = build(session)
    session.commit()
    return made


def _set_form(**changes):
    form = {
        "name": "Q2 2026",
        "period_start": "2026-04-01",
        "period_end": "2026-06-30",
        "notes": "",
        "rows": "2",
        "criteria-0-measure": "posts_on_schedule",
        "criteria-0-weight": "40",
        "criteria-1-measure": "reach",
        "criteria-1-weight": "60",
        "criteria-1-target": "10000",
        "action": "save",
    }
    form.update(changes)
    return form


def _sets(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(CriteriaSet))


def test_an_admin_creates_a_set_through_the_form(client, session, world):
    login(client, world.admin)
    assert client.get("/reports/scores/sets/new").status_code == 200
    response = client.post("/reports/scores/sets/new", data=_set_form())
    assert response.status_code == 303
    assert _sets(session) == 2
    page = client.get("/reports/scores/").get_data(as_text=True)
    assert "Q2 2026" in page and "Ranking of units" in page


def test_the_form_adds_and_removes_rows_without_saving(client, session, world):
    login(client, world.admin)
    page = client.post(
        "/reports/scores/sets/new", data=_set_form(action="add_row", **{"criteria-0-remove": "1"})
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="rows" value="2"' in text  # reach kept, posts on schedule removed, one new row
    assert 'name="criteria-1-measure"' in text and 'name="criteria-2-measure"' not in text
    assert _sets(session) == 1


def test_weights_not_adding_up_are_shown_and_nothing_is_saved(client, session, world):
    login(client, world.admin)
    response = client.post(
        "/reports/scores/sets/new",
        data=_set_form(**{"criteria-1-weight": "50", "period_end": "2026-03-01"}),
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The weights must add up to exactly 100 (they add up to 90)." in text
    assert "The period must end on or after the day it starts." in text
    assert _sets(session) == 1


def test_an_unknown_measure_and_a_missing_target_are_shown(client, session, world):
    login(client, world.admin)
    response = client.post(
        "/reports/scores/sets/new",
        data=_set_form(**{"criteria-0-measure": "followers", "criteria-1-target": ""}),
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a measure from the list." in text
    assert "give a target greater than 0" in text
    assert _sets(session) == 1


def test_an_admin_edits_and_deletes_a_set(client, session, world):
    login(client, world.admin)
    set_id = world.criteria_set.id
    assert client.get(f"/reports/scores/sets/{set_id}/edit").status_code == 200
    response = client.post(f"/reports/scores/sets/{set_id}/edit", data=_set_form(name="Renamed"))
    assert response.status_code == 303
    session.expire_all()
    assert session.get(CriteriaSet, set_id).name == "Renamed"
    assert client.post(f"/reports/scores/sets/{set_id}/delete").status_code == 303
    assert _sets(session) == 0


@pytest.mark.parametrize("who", ["coordinator", "editor_alpha", "viewer_alpha"])
def test_only_admins_reach_the_criteria_forms(client, world, who):
    login(client, getattr(world, who))
    set_id = world.criteria_set.id
    assert client.get("/reports/scores/sets/new").status_code == 403
    assert client.post("/reports/scores/sets/new", data=_set_form()).status_code == 403
    assert client.get(f"/reports/scores/sets/{set_id}/edit").status_code == 403
    assert client.post(f"/reports/scores/sets/{set_id}/delete").status_code == 403


def test_the_ranking_page_for_coordinators(client, world):
    login(client, world.coordinator)
    text = client.get(f"/reports/scores/sets/{world.criteria_set.id}/ranking").get_data(
        as_text=True
    )
    assert re.search(r'id="unit-alpha">\s*<td class="num">1</td>', text)
    assert "65.17" in text and "Gamma mission" in text and "no data" in text


def test_an_editor_sees_their_own_units_score_and_nothing_else(client, world):
    login(client, world.editor_alpha)
    set_id, alpha, beta = world.criteria_set.id, world.alpha.id, world.beta.id
    own = client.get(f"/reports/scores/sets/{set_id}/units/{alpha}")
    text = own.get_data(as_text=True)
    assert own.status_code == 200
    assert "65.17" in text and "Publications published on time: 3" in text
    assert "weight × share" in text
    assert client.get(f"/reports/scores/sets/{set_id}/ranking").status_code == 403
    for path in (
        f"/reports/scores/sets/{set_id}/units/{beta}",
        f"/reports/scores/sets/{set_id}/units/{beta}/report",
        f"/reports/scores/sets/{set_id}/units/{beta}/report.pdf",
        f"/reports/scores/sets/{set_id}/units/{world.gamma.id}/report.xlsx",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert "Gamma" not in response.get_data(as_text=True)
    index = client.get("/reports/scores/").get_data(as_text=True)
    assert "Ranking of units" not in index and "Your unit" in index
    mine = client.get(f"/reports/scores/sets/{set_id}/mine")
    assert mine.status_code == 302 and mine.headers["Location"].endswith(f"/units/{alpha}")


def test_the_unit_period_report_as_page_pdf_csv_and_xlsx(client, world):
    login(client, world.viewer_alpha)
    base = f"/reports/scores/sets/{world.criteria_set.id}/units/{world.alpha.id}/report"
    page = client.get(base + "?lang=en").get_data(as_text=True)
    assert "Unit period report: Alpha mission" in page and "65.17" in page
    assert "<svg" in page and "Points by criterion" in page  # drawn on the server

    pdf = client.get(base + ".pdf?lang=en")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    document = pypdfium2.PdfDocument(pdf.data)
    text = "".join(page.get_textpage().get_text_range() for page in document)
    document.close()
    for expected in (
        "65.17",
        "Alpha mission",
        "22.5",
        "Publications published on time: 3",
        "Points by criterion",
    ):
        assert expected in text.replace("\r", "").replace("\n", " ")

    xlsx = client.get(base + ".xlsx?lang=en")
    workbook = load_workbook(io.BytesIO(xlsx.data))
    cells = [
        cell for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row
    ]
    assert 65.17 in cells and 22.5 in cells and 3 in cells

    csv = client.get(base + ".csv?lang=en").data.decode("utf-8-sig")
    assert "65.17" in csv and "Article 3" in csv

    vietnamese = client.get(base + "?lang=vi").get_data(as_text=True)
    assert "Cơ quan Alpha" in vietnamese
    assert f"{base}?lang=en" in vietnamese  # the same report in English
    assert client.get(base + ".docx").status_code == 404


def test_the_reports_section_lists_unit_reports(client, world):
    set_id = world.criteria_set.id
    login(client, world.editor_alpha)
    text = client.get("/reports/").get_data(as_text=True)
    assert "Unit scores and period reports" in text
    assert f"/reports/scores/sets/{set_id}/units/{world.alpha.id}/report" in text
    assert f"/reports/scores/sets/{set_id}/ranking" not in text
    client.post("/logout")
    login(client, world.coordinator)
    text = client.get("/reports/").get_data(as_text=True)
    assert f"/reports/scores/sets/{set_id}/ranking" in text
