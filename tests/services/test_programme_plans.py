"""Annual plans: writing, approval through the unit hierarchy, versions after approval, the
overlap warning between two units and its resolution, progress counted from linked work, and
who sees what."""

from __future__ import annotations

from datetime import date

import pytest

from campaigns.errors import Conflict, Invalid, NotAllowed, NotFound
from campaigns.org.models import AuditEntry
from campaigns.press.models import CoverageItem
from campaigns.programme import overlaps, plan_queries, plans
from campaigns.programme.plan_models import ActivityStatus, OverlapAgreement, PlanStatus
from campaigns.social.models import PublicationStatus
from tests.factories import create_person
from tests.plan_factories import NOW, activity_fields, add_activity, create_plan, unit_tree
from tests.press_factories import create_trip
from tests.social_factories import at_utc, create_campaign, create_channel, scheduled_post


@pytest.fixture
def world(session):
    units = unit_tree(session)
    people = {
        "kh_editor": create_person(session, "editor", unit=units["mission_kh"]),
        "fr_editor": create_person(session, "editor", unit=units["mission_fr"]),
        "province_editor": create_person(session, "editor", unit=units["province"]),
        "ministry_coordinator": create_person(session, "coordinator", unit=units["ministry"]),
        "steering_coordinator": create_person(session, "coordinator", unit=units["steering"]),
        "province_coordinator": create_person(session, "coordinator", unit=units["province"]),
        "kh_viewer": create_person(session, "viewer", unit=units["mission_kh"]),
    }
    return units, people


def _submitted(session, units, people):
    plan = create_plan(session, units["mission_kh"])
    add_activity(session, plan)
    plans.submit_plan(session, actor=people["kh_editor"], now=NOW, plan=plan)
    return plan


# --- writing ---------------------------------------------------------------------------------------


def test_an_editor_writes_their_units_plan_with_budgets_in_whole_dong(session, world):
    units, people = world
    plan = plans.create_plan(
        session,
        actor=people["kh_editor"],
        now=NOW,
        unit=units["mission_kh"],
        year=2027,
        fields=plans.PlanFields(
            title="Kế hoạch 2027", themes=["friendship", "culture"], target_countries=["kh", "LA"]
        ),
    )
    activity = plans.add_activity(
        session,
        actor=people["kh_editor"],
        now=NOW,
        plan=plan,
        fields=activity_fields(
            lead_unit_code=units["mission_kh"].code,
            supporting_unit_codes=[units["province"].code],
            budget_planned="1.250.000.000",
        ),
    )
    assert plan.target_countries == ["KH", "LA"]
    assert activity.budget_planned == 1_250_000_000
    assert [unit.code for unit in activity.supporting_units] == [units["province"].code]
    assert session.query(AuditEntry).filter_by(target_type="plan_activity").count() == 1


def test_an_editor_of_another_unit_cannot_write_the_plan(session, world):
    units, people = world
    with pytest.raises(NotAllowed):
        plans.create_plan(
            session,
            actor=people["fr_editor"],
            now=NOW,
            unit=units["mission_kh"],
            year=2027,
            fields=plans.PlanFields(title="X"),
        )
    plan = create_plan(session, units["mission_kh"])
    with pytest.raises(NotAllowed):
        plans.add_activity(
            session, actor=people["fr_editor"], now=NOW, plan=plan, fields=activity_fields()
        )
    with pytest.raises(NotAllowed):  # a viewer of the unit reads, does not write
        plans.add_activity(
            session, actor=people["kh_viewer"], now=NOW, plan=plan, fields=activity_fields()
        )


@pytest.mark.parametrize(
    "field, value",
    [
        ("kind", "parade"),
        ("country", "XX"),
        ("theme", "anything"),
        ("starts_on", date(2026, 12, 1)),
        ("ends_on", date(2027, 5, 1)),
        ("budget_planned", "-5"),
        ("budget_planned", "12,5 triệu"),
        ("title", ""),
    ],
)
def test_bad_activity_fields_are_refused_by_name(session, world, field, value):
    units, _ = world
    plan = create_plan(session, units["mission_kh"])
    with pytest.raises(Invalid) as raised:
        add_activity(session, plan, **{field: value})
    assert raised.value.errors
    assert plan.activities == []


def test_one_plan_per_unit_and_year(session, world):
    units, _ = world
    create_plan(session, units["mission_kh"])
    with pytest.raises(Conflict):
        create_plan(session, units["mission_kh"])
    create_plan(session, units["mission_kh"], year=2028)


# --- approval through the hierarchy ------------------------------------------------------------------


def test_the_parent_units_coordinator_approves(session, world):
    units, people = world
    plan = _submitted(session, units, people)
    version = plans.approve_plan(
        session, actor=people["ministry_coordinator"], now=NOW, plan=plan, comment="Tốt"
    )
    assert plan.status == PlanStatus.APPROVED
    assert (
        version.number == 1 and version.snapshot["activities"][0]["budget_planned"] == 150_000_000
    )
    entry = session.query(AuditEntry).filter_by(target_type="annual_plan", action="approve").one()
    assert entry.actor_id == people["ministry_coordinator"].id


def test_a_grandparent_units_coordinator_approves_too(session, world):
    units, people = world
    plan = _submitted(session, units, people)
    plans.approve_plan(session, actor=people["steering_coordinator"], now=NOW, plan=plan)
    assert plan.status == PlanStatus.APPROVED


@pytest.mark.parametrize("who", ["province_coordinator", "kh_editor", "fr_editor"])
def test_a_coordinator_not_above_the_unit_or_the_units_own_people_cannot_approve(
    session, world, who
):
    units, people = world
    plan = _submitted(session, units, people)
    with pytest.raises(NotAllowed):
        plans.approve_plan(session, actor=people[who], now=NOW, plan=plan)
    assert plan.status == PlanStatus.SUBMITTED


def test_a_returned_plan_carries_the_comment_and_can_be_submitted_again(session, world):
    units, people = world
    plan = _submitted(session, units, people)
    with pytest.raises(Invalid):
        plans.return_plan(
            session, actor=people["ministry_coordinator"], now=NOW, plan=plan, comment=" "
        )
    plans.return_plan(
        session, actor=people["ministry_coordinator"], now=NOW, plan=plan, comment="Thêm ngân sách"
    )
    assert plan.status == PlanStatus.RETURNED and plan.review_comment == "Thêm ngân sách"
    plans.submit_plan(session, actor=people["kh_editor"], now=NOW, plan=plan)
    assert plan.status == PlanStatus.SUBMITTED


def test_a_submitted_plan_does_not_change_while_it_waits(session, world):
    units, people = world
    plan = _submitted(session, units, people)
    with pytest.raises(Conflict):
        add_activity(session, plan, title="Another")
    with pytest.raises(Conflict):
        plans.submit_plan(session, actor=people["kh_editor"], now=NOW, plan=plan)


def test_an_empty_plan_cannot_be_submitted(session, world):
    units, people = world
    plan = create_plan(session, units["mission_kh"])
    with pytest.raises(Invalid):
        plans.submit_plan(session, actor=people["kh_editor"], now=NOW, plan=plan)


def test_a_top_unit_is_approved_by_an_administrator_only(session, world):
    units, people = world
    plan = create_plan(session, units["steering"])
    add_activity(session, plan)
    plans.submit_plan(session, actor=None, now=NOW, plan=plan)
    with pytest.raises(NotAllowed):
        plans.approve_plan(session, actor=people["steering_coordinator"], now=NOW, plan=plan)
    plans.approve_plan(session, actor=create_person(session, "admin"), now=NOW, plan=plan)


# --- versions --------------------------------------------------------------------------------------


def test_a_change_after_approval_starts_the_next_version_and_shows_what_changed(session, world):
    units, people = world
    plan = _submitted(session, units, people)
    plans.approve_plan(session, actor=people["ministry_coordinator"], now=NOW, plan=plan)
    activity = plan.activities[0]
    plans.update_activity(
        session,
        actor=people["kh_editor"],
        now=NOW,
        activity=activity,
        fields=activity_fields(budget_planned="200000000"),
    )
    add_activity(session, plan, title="Hội thảo", kind="conference")
    assert plan.status == PlanStatus.DRAFT and plan.version == 2
    changes = plan_queries.changes_since_approval(plan)
    assert ("budget_planned", 150_000_000, 200_000_000) in [
        (change.field, change.before, change.after) for change in changes
    ]
    assert [change.where for change in changes if change.field == "added"] == ["Hội thảo"]
    plans.submit_plan(session, actor=people["kh_editor"], now=NOW, plan=plan)
    plans.approve_plan(session, actor=people["ministry_coordinator"], now=NOW, plan=plan)
    history = plan_queries.version_history(plan)
    assert [version.number for version, _ in history] == [2, 1]
    assert history[1][0].snapshot["activities"][0]["budget_planned"] == 150_000_000
    assert {change.field for change in history[0][1]} == {"budget_planned", "added"}
    assert plan_queries.changes_since_approval(plan) == []


def test_recording_progress_starts_no_version(session, world):
    units, people = world
    plan = _submitted(session, units, people)
    plans.approve_plan(session, actor=people["ministry_coordinator"], now=NOW, plan=plan)
    plans.record_progress(
        session,
        actor=people["kh_editor"],
        now=NOW,
        activity=plan.activities[0],
        status_by_hand="done",
        budget_spent="90.000.000",
    )
    assert plan.status == PlanStatus.APPROVED and plan.version == 1
    assert plan.activities[0].budget_spent == 90_000_000


# --- overlaps --------------------------------------------------------------------------------------


def _two_plans(session, units, **second):
    embassy = create_plan(session, units["mission_kh"])
    province = create_plan(session, units["province"])
    mine = add_activity(session, embassy)
    theirs = add_activity(
        session,
        province,
        title="Triển lãm ảnh Tây Ninh – Campuchia",
        **{"starts_on": date(2027, 6, 20), "ends_on": date(2027, 7, 10), **second},
    )
    return mine, theirs


def test_both_units_see_the_overlap_naming_the_other(session, world):
    units, people = world
    mine, theirs = _two_plans(session, units)
    seen = overlaps.overlaps_of_unit(session, actor=people["kh_editor"], unit=units["mission_kh"])
    assert [(w.activity.id, w.other_unit.id, w.other_title) for w in seen] == [
        (mine.id, units["province"].id, "Triển lãm ảnh Tây Ninh – Campuchia")
    ]
    other_side = overlaps.overlaps_of_unit(
        session, actor=people["province_editor"], unit=units["province"]
    )
    assert [(w.activity.id, w.other_unit.id) for w in other_side] == [
        (theirs.id, units["mission_kh"].id)
    ]
    assert other_side[0].other_starts_on == date(2027, 6, 1)


@pytest.mark.parametrize(
    "difference",
    [
        {"starts_on": date(2027, 7, 1), "ends_on": date(2027, 7, 31)},  # the next month
        {"country": "LA"},
        {"theme": "economy"},
        {"kind": "conference"},
    ],
)
def test_no_overlap_when_window_country_theme_or_kind_differ(session, world, difference):
    units, people = world
    _two_plans(session, units, **difference)
    assert (
        overlaps.overlaps_of_unit(session, actor=people["kh_editor"], unit=units["mission_kh"])
        == []
    )
    assert overlaps.open_overlaps(session, actor=people["steering_coordinator"]) == []


def test_windows_sharing_one_day_overlap(session, world):
    units, people = world
    _two_plans(session, units, starts_on=date(2027, 6, 30), ends_on=date(2027, 6, 30))
    assert len(overlaps.open_overlaps(session, actor=people["steering_coordinator"])) == 1


def test_one_units_own_activities_never_overlap_each_other(session, world):
    units, people = world
    plan = create_plan(session, units["mission_kh"])
    add_activity(session, plan)
    add_activity(session, plan, title="Second")
    assert overlaps.open_overlaps(session, actor=people["steering_coordinator"]) == []


def test_agreeing_a_lead_resolves_the_overlap_for_both_and_the_steering_list(session, world):
    units, people = world
    mine, theirs = _two_plans(session, units)
    assert len(overlaps.open_overlaps(session, actor=people["steering_coordinator"])) == 1
    overlap = overlaps.get_overlap(session, theirs.id, mine.id, actor=people["province_editor"])
    with pytest.raises(Invalid):
        overlaps.agree_lead(
            session,
            actor=people["province_editor"],
            now=NOW,
            overlap=overlap,
            lead_unit_id=units["ministry"].id,
        )
    overlaps.agree_lead(
        session,
        actor=people["province_editor"],
        now=NOW,
        overlap=overlap,
        lead_unit_id=units["mission_kh"].id,
        note="Đại sứ quán chủ trì",
    )
    assert overlaps.open_overlaps(session, actor=people["steering_coordinator"]) == []
    for person, unit in (("kh_editor", "mission_kh"), ("province_editor", "province")):
        (warning,) = overlaps.overlaps_of_unit(session, actor=people[person], unit=units[unit])
        assert warning.lead_unit.id == units["mission_kh"].id
    assert session.query(AuditEntry).filter_by(action="agree_lead").count() == 1


def test_a_third_unit_neither_sees_nor_resolves_the_overlap(session, world):
    units, people = world
    mine, theirs = _two_plans(session, units)
    with pytest.raises(NotFound):
        overlaps.get_overlap(session, mine.id, theirs.id, actor=people["fr_editor"])
    with pytest.raises(NotAllowed):
        overlaps.open_overlaps(session, actor=people["fr_editor"])
    overlap = overlaps.get_overlap(session, mine.id, theirs.id, actor=people["kh_editor"])
    with pytest.raises(NotAllowed):
        overlaps.agree_lead(
            session,
            actor=people["fr_editor"],
            now=NOW,
            overlap=overlap,
            lead_unit_id=units["mission_kh"].id,
        )


def test_a_cancelled_activity_overlaps_nothing(session, world):
    units, people = world
    mine, _ = _two_plans(session, units)
    plans.record_progress(
        session, actor=None, now=NOW, activity=mine, status_by_hand="cancelled", budget_spent=0
    )
    assert overlaps.open_overlaps(session, actor=people["steering_coordinator"]) == []


# --- progress --------------------------------------------------------------------------------------


def test_progress_is_counted_from_the_linked_posts_coverage_and_trips(session, world):
    units, people = world
    plan = create_plan(session, units["mission_kh"])
    activity = add_activity(session, plan, starts_on=date(2027, 3, 1), ends_on=date(2027, 3, 31))
    campaign = create_campaign(session, owner_unit=units["mission_kh"])
    channel = create_channel(session, owner_unit=units["mission_kh"])
    post = scheduled_post(session, [channel], at_utc(2027, 3, 5, 9), NOW, campaign=campaign)
    publication = post.publications[0]
    publication.status, publication.published_at = (
        PublicationStatus.PUBLISHED,
        at_utc(2027, 3, 5, 9),
    )
    trip = create_trip(session, host=units["mission_kh"], start=date(2027, 3, 10))
    trip.status = "completed"
    session.add(
        CoverageItem(
            url="https://example.com/a",
            normalised_url="example.com/a",
            trip_id=trip.id,
            published_on=date(2027, 3, 20),
            status="found",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    session.flush()
    for kind, target in (("campaign", campaign), ("trip", trip)):
        plans.link_activity(
            session,
            actor=people["kh_editor"],
            now=NOW,
            activity=activity,
            kind=kind,
            target_id=target.id,
        )
    plans.add_indicator(
        session, actor=people["kh_editor"], now=NOW, activity=activity, measure="posts", target="5"
    )
    during = plan_queries.activity_progress(session, activity, today=date(2027, 3, 25))
    assert (during.posts, during.coverage_articles, during.trips_held) == (1, 1, 1)
    assert during.status == ActivityStatus.IN_PROGRESS
    after = plan_queries.activity_progress(session, activity, today=date(2027, 4, 2))
    assert after.status == ActivityStatus.DONE
    assert plan_queries.indicator_achieved(activity.indicators[0], after) == 1
    before = plan_queries.activity_progress(session, activity, today=date(2027, 3, 4))
    assert (before.posts, before.coverage_articles) == (0, 0)
    assert before.status == ActivityStatus.NOT_REPORTED


def test_without_linked_work_the_status_is_planned_then_not_reported_then_by_hand(session, world):
    units, people = world
    plan = create_plan(session, units["mission_kh"])
    activity = add_activity(session, plan)
    early = plan_queries.activity_progress(session, activity, today=date(2027, 1, 5))
    late = plan_queries.activity_progress(session, activity, today=date(2027, 7, 5))
    assert (early.status, late.status) == (ActivityStatus.PLANNED, ActivityStatus.NOT_REPORTED)
    plans.record_progress(
        session,
        actor=people["kh_editor"],
        now=NOW,
        activity=activity,
        status_by_hand="done",
        budget_spent="",
    )
    done = plan_queries.activity_progress(session, activity, today=date(2027, 7, 5))
    assert (done.status, done.by_hand) == (ActivityStatus.DONE, True)


def test_only_what_the_editor_may_see_can_be_linked(session, world):
    units, people = world
    plan = create_plan(session, units["mission_kh"])
    activity = add_activity(session, plan)
    with pytest.raises(NotFound):
        plans.link_activity(
            session,
            actor=people["kh_editor"],
            now=NOW,
            activity=activity,
            kind="post",
            target_id=987654,
        )
    with pytest.raises(Invalid):
        plans.link_activity(
            session,
            actor=people["kh_editor"],
            now=NOW,
            activity=activity,
            kind="letter",
            target_id=1,
        )


# --- who sees what ---------------------------------------------------------------------------------


def test_a_sibling_unit_does_not_see_the_plan(session, world):
    units, people = world
    plan = create_plan(session, units["mission_kh"])
    with pytest.raises(NotFound):
        plan_queries.get_plan(session, plan.id, actor=people["fr_editor"])
    assert plan_queries.visible_plans(session, actor=people["fr_editor"]) == []
    with pytest.raises(NotAllowed):
        overlaps.overlaps_of_unit(session, actor=people["fr_editor"], unit=units["mission_kh"])


def test_coordinators_above_see_the_plans_below_and_not_beside(session, world):
    units, people = world
    kh = create_plan(session, units["mission_kh"])
    province = create_plan(session, units["province"])
    assert plan_queries.visible_plans(session, actor=people["steering_coordinator"]) == [
        plan for plan in sorted([kh, province], key=lambda p: p.unit.code)
    ]
    assert plan_queries.visible_plans(session, actor=people["ministry_coordinator"]) == [kh]
    assert plan_queries.visible_plans(session, actor=people["province_coordinator"]) == [province]
    assert plan_queries.visible_plans(session, actor=people["kh_viewer"]) == [kh]
    with pytest.raises(NotAllowed):
        plan_queries.plans_of_units_below(
            session, actor=people["kh_editor"], unit=units["ministry"], year=2027
        )
    below = plan_queries.plans_of_units_below(
        session, actor=people["steering_coordinator"], unit=units["steering"], year=2027
    )
    assert set(below) == {kh, province}


def test_reviews_and_roll_up_read_in_vietnamese(session, world):
    units, _ = world
    plan = create_plan(session, units["mission_kh"])
    add_activity(session, plan)
    document = plan_queries.review_document(
        session, plan, review="mid-year", today=date(2027, 12, 1), _=lambda s: s, locale="vi"
    )
    assert document.tables()[1].rows[0][0] == "Triển lãm ảnh Việt Nam – Campuchia"
    assert document.tables()[2].rows[0][1] == 150_000_000
    assert document.figures[2].value == 150_000_000
    rollup = plan_queries.rollup_document(
        session,
        units["ministry"],
        [plan],
        year=2027,
        today=date(2027, 12, 1),
        _=lambda s: s,
        locale="vi",
    )
    assert rollup.blocks[0].rows[0][5] == 150_000_000


def test_field_staff_count_only_the_trips_and_coverage_they_may_see(session, world):
    units, people = world
    plan = create_plan(session, units["mission_kh"])
    activity = add_activity(session, plan, starts_on=date(2027, 3, 1), ends_on=date(2027, 3, 31))
    trip = create_trip(session, host=units["mission_kh"], start=date(2027, 3, 10))
    trip.status = "completed"
    session.add(
        CoverageItem(
            url="https://example.com/b",
            normalised_url="example.com/b",
            trip_id=trip.id,
            published_on=date(2027, 3, 20),
            status="found",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    plans.link_activity(
        session, actor=None, now=NOW, activity=activity, kind="trip", target_id=trip.id
    )
    field = create_person(session, "field", unit=units["mission_kh"])
    today = date(2027, 4, 1)
    seen = plan_queries.activity_progress(session, activity, today=today, viewer=field)
    assert (seen.trips_held, seen.coverage_articles) == (0, 0)
    everything = plan_queries.activity_progress(
        session, activity, today=today, viewer=people["kh_editor"]
    )
    assert (everything.trips_held, everything.coverage_articles) == (1, 1)


def test_two_units_recording_a_lead_at_once_keep_one_agreement(session, world):
    units, people = world
    mine, theirs = _two_plans(session, units)
    seen_by_embassy = overlaps.get_overlap(session, mine.id, theirs.id, actor=people["kh_editor"])
    seen_by_province = overlaps.get_overlap(
        session, mine.id, theirs.id, actor=people["province_editor"]
    )
    overlaps.agree_lead(
        session,
        actor=people["kh_editor"],
        now=NOW,
        overlap=seen_by_embassy,
        lead_unit_id=units["mission_kh"].id,
    )
    # The province's page was loaded before the embassy's answer: it still says "no lead".
    assert seen_by_province.agreement is None
    overlaps.agree_lead(
        session,
        actor=people["province_editor"],
        now=NOW,
        overlap=seen_by_province,
        lead_unit_id=units["province"].id,
    )
    (agreement,) = session.query(OverlapAgreement).all()
    assert agreement.lead_unit_id == units["province"].id
