"""Criteria sets: validation names every wrong field and saves nothing; admins only; audited."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from campaigns.errors import Invalid, NotAllowed
from campaigns.metrics import criteria
from campaigns.metrics.criteria import CriterionInput
from campaigns.metrics.models import CriteriaSet, Criterion
from campaigns.org.models import AuditEntry
from tests.factories import create_person

NOW = datetime(2027, 3, 20, tzinfo=UTC)
GOOD = [
    CriterionInput("posts_on_schedule", 20),
    CriterionInput("engagement_rate", "30", "3.5"),
    CriterionInput("coverage_articles", 30, 25),
    CriterionInput("planning_tasks_on_time", 20),
]


def _create(session, actor, **changes):
    values = {
        "name": "2027 plan",
        "period_start": date(2027, 1, 1),
        "period_end": date(2027, 12, 31),
        "notes": "Agreed by the steering committee",
        "criteria": GOOD,
    }
    values.update(changes)
    return criteria.create_criteria_set(session, actor=actor, now=NOW, **values)


def _refused(session, actor, **changes) -> dict[str, str]:
    with pytest.raises(Invalid) as caught:
        _create(session, actor, **changes)
    assert session.scalar(select(func.count()).select_from(CriteriaSet)) == 0
    assert session.scalar(select(func.count()).select_from(Criterion)) == 0
    return caught.value.errors


def test_an_admin_defines_a_set_and_it_is_audited(session):
    admin = create_person(session, "admin")
    made = _create(session, admin)
    assert [(c.measure, c.weight, c.target) for c in made.criteria] == [
        ("posts_on_schedule", 20, None),
        ("engagement_rate", 30, 3.5),
        ("coverage_articles", 30, 25.0),
        ("planning_tasks_on_time", 20, None),
    ]
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "criteria_set")
    ).one()
    assert entry.action == "create" and entry.actor_id == admin.id
    assert entry.after["criteria"][1] == {"measure": "engagement_rate", "weight": 30, "target": 3.5}


def test_weights_must_add_up_to_100(session):
    admin = create_person(session, "admin")
    errors = _refused(
        session,
        admin,
        criteria=[
            CriterionInput("posts_on_schedule", 50),
            CriterionInput("posts_published", 40, 10),
        ],
    )
    assert errors["criteria"] == "The weights must add up to exactly 100 (they add up to 90)."


@pytest.mark.parametrize("weight", [0, 101, -5, "ten", "2.5", "", None, True, "١٠"])
def test_a_weight_is_a_whole_percent_from_1_to_100(session, weight):
    admin = create_person(session, "admin")
    rows = [CriterionInput("posts_on_schedule", weight), *GOOD[1:]]
    errors = _refused(session, admin, criteria=rows)
    assert errors["criteria-0-weight"] == criteria.BAD_WEIGHT


def test_a_backwards_period_and_missing_dates_are_refused(session):
    admin = create_person(session, "admin")
    errors = _refused(session, admin, period_start=date(2027, 5, 1), period_end=date(2027, 4, 30))
    assert errors == {"period_end": criteria.PERIOD_BACKWARDS}
    errors = _refused(session, admin, period_start=None, period_end=date(9999, 12, 31))
    assert errors == {
        "period_start": criteria.MISSING_DATE,
        "period_end": criteria.DATE_OUT_OF_RANGE,
    }


def test_unknown_and_repeated_measures_are_refused(session):
    admin = create_person(session, "admin")
    errors = _refused(
        session,
        admin,
        criteria=[
            CriterionInput("followers", 50),
            CriterionInput("posts_on_schedule", 25),
            CriterionInput("posts_on_schedule", 25),
        ],
    )
    assert errors["criteria-0-measure"] == criteria.UNKNOWN_MEASURE
    assert errors["criteria-2-measure"] == criteria.REPEATED_MEASURE
    assert "criteria-1-measure" not in errors


@pytest.mark.parametrize(
    "target",
    # "1,000" could be a thousand or one; 0.00001 would be stored as 0.
    [None, "", 0, -3, "nan", "inf", "1e12", "many", "1,000", "1.000,5", 0.00001, "0.00004"],
)
def test_a_measure_against_a_target_needs_a_positive_target(session, target):
    admin = create_person(session, "admin")
    rows = [GOOD[0], CriterionInput("engagement_rate", 30, target), *GOOD[2:]]
    errors = _refused(session, admin, criteria=rows)
    assert errors["criteria-1-target"] in (criteria.MISSING_TARGET, criteria.BAD_TARGET)


@pytest.mark.parametrize(("typed", "stored"), [("2,5", 2.5), ("2.5", 2.5), ("1234567", 1234567)])
def test_a_target_is_stored_as_typed_and_shown_back_the_same(session, typed, stored):
    admin = create_person(session, "admin")
    rows = [GOOD[0], CriterionInput("engagement_rate", 30, typed), *GOOD[2:]]
    made = criteria.create_criteria_set(
        session,
        actor=admin,
        now=datetime(2026, 1, 1, tzinfo=UTC),
        name="Targets",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        criteria=rows,
    )
    target = made.criteria[1].target
    assert target == stored
    # The form shows it back so that saving it unchanged stores the same number.
    assert criteria.target_text(target) in {typed.replace(",", "."), typed}


def test_no_criteria_and_no_name_are_refused(session):
    admin = create_person(session, "admin")
    errors = _refused(session, admin, name="  ", criteria=[])
    assert errors == {"name": criteria.MISSING_NAME, "criteria": criteria.NO_CRITERIA}


@pytest.mark.parametrize("role", ["coordinator", "editor", "viewer", "field"])
def test_only_admins_define_change_and_delete_sets(session, role):
    admin = create_person(session, "admin")
    made = _create(session, admin)
    person = create_person(session, role)
    with pytest.raises(NotAllowed):
        _create(session, person)
    with pytest.raises(NotAllowed):
        criteria.update_criteria_set(
            session,
            actor=person,
            now=NOW,
            criteria_set=made,
            name="x",
            period_start=date(2027, 1, 1),
            period_end=date(2027, 1, 2),
            criteria=GOOD,
        )
    with pytest.raises(NotAllowed):
        criteria.delete_criteria_set(session, actor=person, now=NOW, criteria_set=made)


def test_changing_and_deleting_a_set_is_audited_with_its_criteria(session):
    admin = create_person(session, "admin")
    made = _create(session, admin)
    with pytest.raises(Invalid):
        criteria.update_criteria_set(
            session,
            actor=admin,
            now=NOW,
            criteria_set=made,
            name="Changed",
            period_start=date(2027, 1, 1),
            period_end=date(2027, 12, 31),
            criteria=[CriterionInput("posts_on_schedule", 100), CriterionInput("reach", 0, 5)],
        )
    assert made.name == "2027 plan" and len(made.criteria) == 4
    criteria.update_criteria_set(
        session,
        actor=admin,
        now=NOW,
        criteria_set=made,
        name="Changed",
        period_start=date(2027, 1, 1),
        period_end=date(2027, 6, 30),
        criteria=[CriterionInput("posts_on_schedule", 60), CriterionInput("reach", 40, 5000)],
    )
    session.flush()
    assert session.scalar(select(func.count()).select_from(Criterion)) == 2
    set_id = made.id
    criteria.delete_criteria_set(session, actor=admin, now=NOW, criteria_set=made)
    assert session.get(CriteriaSet, set_id) is None
    assert session.scalar(select(func.count()).select_from(Criterion)) == 0
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "criteria_set").order_by(AuditEntry.id)
    ).all()
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert entries[1].before["name"] == "2027 plan"
    assert entries[1].after["criteria"] == [
        {"measure": "posts_on_schedule", "weight": 60, "target": None},
        {"measure": "reach", "weight": 40, "target": 5000.0},
    ]
    assert len(entries[2].before["criteria"]) == 2 and entries[2].after is None
