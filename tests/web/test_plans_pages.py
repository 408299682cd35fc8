"""Annual plans in the browser: writing a plan and its activities, approval from the unit
above, the overlap warning and its resolution, bad input, and the reviews as PDF and XLSX."""

from __future__ import annotations

import io

import pypdfium2
import pytest
from openpyxl import load_workbook

from campaigns.org.models import AuditEntry
from campaigns.programme import plans
from campaigns.programme.plan_models import AnnualPlan, PlanActivity
from tests.factories import create_person, login
from tests.plan_factories import NOW, add_activity, create_plan, unit_tree

ACTIVITY_FORM = {
    "title": "Triển lãm ảnh “Việt Nam – Campuchia: tình hữu nghị”",
    "kind": "photo_exhibition",
    "country": "KH",
    "theme": "friendship",
    "audience": "Công chúng Phnôm Pênh",
    "starts_on": "2027-06-01",
    "ends_on": "2027-06-30",
    "budget_planned": "150.000.000",
}


@pytest.fixture
def world(session):
    units = unit_tree(session)
    people = {
        "kh_editor": create_person(session, "editor", unit=units["mission_kh"], locale="vi"),
        "fr_editor": create_person(session, "editor", unit=units["mission_fr"]),
        "province_editor": create_person(session, "editor", unit=units["province"]),
        "ministry_coordinator": create_person(session, "coordinator", unit=units["ministry"]),
        "steering_coordinator": create_person(session, "coordinator", unit=units["steering"]),
    }
    session.commit()
    return units, people


def _plan(session, world):
    units, _ = world
    plan = create_plan(session, units["mission_kh"])
    add_activity(session, plan, title=ACTIVITY_FORM["title"])
    session.commit()
    return plan


def test_an_editor_writes_a_plan_and_its_activity_through_the_forms(client, session, world):
    _units, people = world
    login(client, people["kh_editor"])
    assert client.get("/plans/new").status_code == 200
    response = client.post(
        "/plans/new",
        data={
            "year": "2027",
            "title": "Kế hoạch TTĐN 2027",
            "themes": ["friendship"],
            "target_countries": "KH LA",
        },
    )
    assert response.status_code == 303
    plan = session.query(AnnualPlan).one()
    response = client.post(f"/plans/{plan.id}/activities/new", data=ACTIVITY_FORM)
    assert response.status_code == 303
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Triển lãm ảnh" in page and "150.000.000" in page
    response = client.post(f"/plans/{plan.id}/submit")
    assert response.status_code == 303
    session.expire_all()
    assert session.get(AnnualPlan, plan.id).status == "submitted"


@pytest.mark.parametrize(
    "change",
    [{"budget_planned": "một trăm"}, {"starts_on": "2026-13-01"}, {"kind": ""}, {"country": "ZZ"}],
)
def test_bad_activity_input_shows_the_form_again_and_saves_nothing(client, session, world, change):
    units, people = world
    plan = create_plan(session, units["mission_kh"])
    session.commit()
    login(client, people["kh_editor"])
    response = client.post(f"/plans/{plan.id}/activities/new", data={**ACTIVITY_FORM, **change})
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert session.query(PlanActivity).count() == 0


def test_bad_plan_input_and_a_second_plan_for_the_year_change_nothing(client, session, world):
    _units, people = world
    _plan(session, world)
    login(client, people["kh_editor"])
    response = client.post("/plans/new", data={"year": "2027", "title": "Again"})
    assert response.status_code == 422
    response = client.post("/plans/new", data={"year": "abc", "title": ""})
    assert response.status_code == 422
    assert session.query(AnnualPlan).count() == 1


def test_returning_without_a_comment_flashes_and_changes_nothing(client, session, world):
    _units, people = world
    plan = _plan(session, world)
    plans.submit_plan(session, actor=None, now=NOW, plan=plan)
    session.commit()
    login(client, people["ministry_coordinator"])
    response = client.post(f"/plans/{plan.id}/return", data={"comment": ""}, follow_redirects=True)
    assert response.status_code == 200
    assert "Say what the unit should change." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(AnnualPlan, plan.id).status == "submitted"
    response = client.post(f"/plans/{plan.id}/approve", data={"comment": "Đồng ý"})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(AnnualPlan, plan.id).status == "approved"
    assert session.query(AuditEntry).filter_by(action="approve").count() == 1


def test_a_sibling_units_editor_gets_not_found(client, session, world):
    _units, people = world
    plan = _plan(session, world)
    login(client, people["fr_editor"])
    assert client.get(f"/plans/{plan.id}").status_code == 404
    assert client.get(f"/plans/{plan.id}/review/mid-year.pdf").status_code == 404
    assert plan.title not in client.get("/plans/").get_data(as_text=True)


def test_the_overlap_warning_names_the_other_unit_and_is_resolved_from_the_page(
    client, session, world
):
    units, people = world
    embassy = _plan(session, world)
    province = create_plan(session, units["province"])
    theirs = add_activity(session, province, title="Triển lãm ảnh Tây Ninh")
    session.commit()
    mine = embassy.activities[0]
    login(client, people["province_editor"])
    page = client.get(f"/plans/{province.id}").get_data(as_text=True)
    assert (
        units["mission_kh"].name_en in page
        and ACTIVITY_FORM["title"].replace("“", "&#34;")[:10] in page
    )
    assert "Warning" in page
    response = client.post(
        f"/plans/overlaps/{mine.id}-{theirs.id}/lead",
        data={"lead_unit": str(units["mission_kh"].id), "note": "Đại sứ quán chủ trì"},
    )
    assert response.status_code == 303
    page = client.get(f"/plans/{province.id}").get_data(as_text=True)
    assert "Resolved" in page
    login(client, people["steering_coordinator"])
    page = client.get("/plans/overlaps").get_data(as_text=True)
    assert "No open overlap." in page


def test_the_steering_committee_lists_open_overlaps_and_others_may_not(client, session, world):
    units, people = world
    _plan(session, world)
    province = create_plan(session, units["province"])
    add_activity(session, province, title="Triển lãm ảnh Tây Ninh")
    session.commit()
    login(client, people["steering_coordinator"])
    page = client.get("/plans/overlaps").get_data(as_text=True)
    assert "Triển lãm ảnh Tây Ninh" in page
    login(client, people["fr_editor"])
    assert client.get("/plans/overlaps").status_code == 403


@pytest.mark.parametrize("lang, heading", [("vi", "Rà soát giữa năm"), ("en", "Mid-year review")])
def test_the_review_exports_as_pdf_and_xlsx_with_vietnamese_text(
    client, session, world, lang, heading
):
    _, people = world
    plan = _plan(session, world)
    login(client, people["kh_editor"])
    page = client.get(f"/plans/{plan.id}/review/mid-year?lang={lang}")
    assert page.status_code == 200
    pdf = client.get(f"/plans/{plan.id}/review/mid-year.pdf?lang={lang}")
    assert pdf.mimetype == "application/pdf"
    text = "".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(pdf.data))
    # Narrow columns wrap the activity's title; the plan's title is a line of its own.
    assert "Kế hoạch TTĐN 2027" in text and "Campuchia" in text
    xlsx = client.get(f"/plans/{plan.id}/review/year-end.xlsx?lang={lang}")
    workbook = load_workbook(io.BytesIO(xlsx.data))
    cells = [
        cell for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row
    ]
    assert any(isinstance(cell, str) and "Việt Nam – Campuchia" in cell for cell in cells)
    assert 150_000_000 in cells
    if lang == "en":
        assert heading in page.get_data(as_text=True)


def test_the_roll_up_is_for_coordinators_above(client, session, world):
    units, people = world
    _plan(session, world)
    login(client, people["steering_coordinator"])
    response = client.get(f"/plans/units/{units['steering'].code}/2027/roll-up.xlsx?lang=vi")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    names = [
        cell for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row
    ]
    assert units["mission_kh"].name_vi in names
    assert client.get(f"/plans/units/{units['steering'].code}/2027/roll-up.pdf").mimetype == (
        "application/pdf"
    )
    login(client, people["kh_editor"])
    assert client.get(f"/plans/units/{units['ministry'].code}/2027/roll-up").status_code == 404


def test_the_editor_links_a_campaign_and_the_activity_shows_it_by_name(client, session, world):
    from campaigns.programme.plan_models import ActivityLink
    from tests.social_factories import create_campaign

    units, people = world
    plan = _plan(session, world)
    activity = plan.activities[0]
    campaign = create_campaign(session, owner_unit=units["mission_kh"], name_vi="Chiến dịch 60 năm")
    session.commit()
    login(client, people["kh_editor"])
    page = client.get(f"/plans/activities/{activity.id}").get_data(as_text=True)
    assert "Chiến dịch 60 năm" in page  # offered in the list
    response = client.post(
        f"/plans/activities/{activity.id}/links", data={"kind": "post", "target": "99999"}
    )
    assert response.status_code == 303 and session.query(ActivityLink).count() == 0
    response = client.post(
        f"/plans/activities/{activity.id}/links",
        data={"kind": "campaign", "target": str(campaign.id)},
        follow_redirects=True,
    )
    assert response.status_code == 200 and session.query(ActivityLink).count() == 1
    assert "Chiến dịch: Chiến dịch 60 năm" in response.get_data(as_text=True) or (
        "Campaign: Chiến dịch 60 năm" in response.get_data(as_text=True)
    )
