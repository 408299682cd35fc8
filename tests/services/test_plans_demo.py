"""The demo's annual plans walk journey 8: the embassy in Cambodia and Tay Ninh province both
plan a photo exhibition on Cambodia in June; each sees the other named; the steering committee
sees the open overlap; the press department's approved plan has changed since (version 2)."""

from __future__ import annotations

from datetime import date

from campaigns.demo import load_demo_data
from campaigns.org import queries
from campaigns.programme import overlaps, plan_queries
from campaigns.programme.plan_models import AnnualPlan


def test_the_demo_has_three_plans_one_open_overlap_and_a_changed_approved_plan(session, now):
    load_demo_data(session, now=now)
    plans = {plan.unit.code: plan for plan in session.query(AnnualPlan)}
    assert set(plans) == {"mofa-press", "mission-kh", "prov-tayninh"}
    assert {plan.year for plan in plans.values()} == {2027}  # written in December for next year
    steering = queries.person_by_email(session, "coordinator2@example.org")
    (overlap,) = overlaps.open_overlaps(session, actor=steering)
    assert {overlap.first.plan.unit.code, overlap.second.plan.unit.code} == {
        "mission-kh",
        "prov-tayninh",
    }
    embassy_editor = queries.person_by_email(session, "editor.kh@example.org")
    (warning,) = overlaps.overlaps_of_unit(
        session, actor=embassy_editor, unit=plans["mission-kh"].unit
    )
    assert warning.other_unit.code == "prov-tayninh" and warning.lead_unit is None
    ministry = plans["mofa-press"]
    assert ministry.version == 2 and [v.number for v in ministry.versions] == [1]
    changed = {change.field for change in plan_queries.changes_since_approval(ministry)}
    assert changed == {"added", "budget_planned"}
    campaign_activity = next(a for a in ministry.activities if a.kind == "social_campaign")
    progress = plan_queries.activity_progress(session, campaign_activity, today=date(2027, 12, 31))
    assert progress.linked == 1


def test_the_plans_demo_loads_once(session, now):
    load_demo_data(session, now=now)
    load_demo_data(session, now=now)
    assert session.query(AnnualPlan).count() == 3
