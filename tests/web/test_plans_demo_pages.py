"""The demo's annual plans in the browser (journey 8): the embassy's editor sees the overlap
naming Tay Ninh and records the lead; the steering committee's coordinator sees the open
overlap, every plan below, the press department's changed plan and the roll-up."""

from __future__ import annotations

from campaigns.demo import DEMO_PASSWORD, load_demo_data
from campaigns.org import queries
from campaigns.programme.plan_models import AnnualPlan
from tests.factories import login


def test_journey_8_on_the_demo(client, session, now):
    load_demo_data(session, now=now)
    session.commit()
    plans = {plan.unit.code: plan for plan in session.query(AnnualPlan)}
    embassy_editor = queries.person_by_email(session, "editor.kh@example.org")
    steering = queries.person_by_email(session, "coordinator2@example.org")
    tay_ninh = queries.unit_by_code(session, "prov-tayninh")
    embassy = queries.unit_by_code(session, "mission-kh")

    login(client, embassy_editor, DEMO_PASSWORD)
    listing = client.get("/plans/").get_data(as_text=True)
    assert plans["mission-kh"].title in listing and plans["prov-tayninh"].title not in listing
    page = client.get(f"/plans/{plans['mission-kh'].id}").get_data(as_text=True)
    assert tay_ninh.name_vi in page and "Tây Ninh – Campuchia" in page
    assert client.get(f"/plans/{plans['prov-tayninh'].id}").status_code == 404
    mine = plans["mission-kh"].activities[-1]
    theirs = plans["prov-tayninh"].activities[0]
    assert mine.kind == theirs.kind == "photo_exhibition"

    login(client, steering, DEMO_PASSWORD)
    overlaps_page = client.get("/plans/overlaps").get_data(as_text=True)
    assert embassy.name_vi in overlaps_page and tay_ninh.name_vi in overlaps_page
    listing = client.get("/plans/").get_data(as_text=True)
    assert all(plan.title in listing for plan in plans.values())
    versions = client.get(f"/plans/{plans['mofa-press'].id}/versions").get_data(as_text=True)
    assert "950.000.000" in versions and "850.000.000" in versions
    assert "12 thg 10, 2027" in versions  # the added activity's window, in the reader's style
    response = client.post(
        f"/plans/overlaps/{min(mine.id, theirs.id)}-{max(mine.id, theirs.id)}/lead",
        data={"lead_unit": str(embassy.id), "back": "overlaps"},
    )
    assert response.status_code == 303
    assert "Tây Ninh – Campuchia" not in client.get("/plans/overlaps").get_data(as_text=True)
    rollup = client.get("/plans/units/bcd-ttdn/2027/roll-up.pdf")
    assert rollup.mimetype == "application/pdf"


def test_the_audit_log_names_plan_changes(client, session, now):
    load_demo_data(session, now=now)
    session.commit()
    login(client, queries.person_by_email(session, "admin@example.org"), DEMO_PASSWORD)
    page = client.get("/admin/audit?target_type=annual_plan")
    assert page.status_code == 200
    assert "Kế hoạch năm" in page.get_data(as_text=True)  # the label of "annual_plan", in vi


def test_the_plans_list_shows_what_waits_for_review_and_the_open_overlaps(client, session, now):
    load_demo_data(session, now=now)
    session.commit()
    tay_ninh = queries.unit_by_code(session, "prov-tayninh")
    login(client, queries.person_by_email(session, "coordinator2@example.org"), DEMO_PASSWORD)
    page = client.get("/plans/").get_data(as_text=True)
    review = page.split('id="to-review"')[1].split("</section>")[0]
    assert tay_ninh.name_vi in review  # submitted to the steering committee
    login(client, queries.person_by_email(session, "editor.tayninh@example.org"), DEMO_PASSWORD)
    page = client.get("/plans/").get_data(as_text=True)
    warnings = page.split('id="open-warnings"')[1].split("</section>")[0]
    assert queries.unit_by_code(session, "mission-kh").name_vi in warnings
