"""Lead-time planning tasks: created once per occurrence for the owner unit, even when the job
runs twice or races another process; lead times per tier; completing a task."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from campaigns.calendar import anniversaries, queries, services
from campaigns.calendar.models import Anniversary, PlanningTask, Tier
from campaigns.errors import Conflict, Invalid, NotAllowed
from campaigns.org.models import Unit
from tests.factories import create_anniversary, create_person, create_unit

# 10:00 in Ho Chi Minh City on 26 December 2026: 180 days before 24 June 2027.
SIX_MONTHS_BEFORE_CAMBODIA_60 = datetime(2026, 12, 26, 3, 0, tzinfo=UTC)


def tasks(session) -> list[PlanningTask]:
    return list(session.scalars(select(PlanningTask).order_by(PlanningTask.id)))


@pytest.fixture
def dataset_with_owners(session, now):
    services.import_anniversary_dataset(session, actor=None, now=now)
    mission_kh = create_unit(session, code="mission-kh", country="KH", timezone="Asia/Phnom_Penh")
    cambodia = session.scalar(select(Anniversary).where(Anniversary.dataset_key == "relations-kh"))
    services.assign_anniversary_owner(
        session, actor=None, now=now, anniversary=cambodia, owner_unit_code=mission_kh.code
    )
    return mission_kh


def test_six_months_before_the_60th_with_cambodia_a_task_appears_for_the_owner_unit(
    session, dataset_with_owners
):
    mission_kh = dataset_with_owners
    day_before = datetime(2026, 12, 25, 3, 0, tzinfo=UTC)
    created = services.create_due_planning_tasks(session, now=day_before)
    assert not [task for task in created if task.unit_id == mission_kh.id]

    created = services.create_due_planning_tasks(session, now=SIX_MONTHS_BEFORE_CAMBODIA_60)
    (task,) = [task for task in created if task.unit_id == mission_kh.id]
    assert (task.occurrence_date, task.years, task.tier, task.status) == (
        date(2027, 6, 24),
        60,
        Tier.MAJOR,
        "open",
    )
    assert task.title_en == (
        "Prepare the 60th anniversary of Vietnam–Cambodia diplomatic relations — 24 Jun 2027"
    )
    assert task.title_vi == (
        "Chuẩn bị kỷ niệm 60 năm Ngày thiết lập quan hệ ngoại giao Việt Nam – Campuchia"
        " — 24/06/2027"
    )
    editor_kh = create_person(session, role="editor", unit=mission_kh)
    assert task in queries.open_planning_tasks(session, editor_kh)


def test_the_office_day_decides_not_the_utc_day(session, dataset_with_owners):
    # 00:30 on 26 December in Ho Chi Minh City is still 25 December in UTC.
    created = services.create_due_planning_tasks(
        session, now=datetime(2026, 12, 25, 17, 30, tzinfo=UTC)
    )
    assert any(task.occurrence_date == date(2027, 6, 24) for task in created)


def test_each_occurrence_gets_its_task_exactly_once(session, dataset_with_owners):
    first = services.create_due_planning_tasks(session, now=SIX_MONTHS_BEFORE_CAMBODIA_60)
    assert first
    assert services.create_due_planning_tasks(session, now=SIX_MONTHS_BEFORE_CAMBODIA_60) == []
    assert services.create_due_planning_tasks(session, now=datetime(2027, 1, 5, tzinfo=UTC)) != []
    keys = [(task.anniversary_id, task.occurrence_date) for task in tasks(session)]
    assert len(keys) == len(set(keys))


def test_a_task_inserted_by_a_racing_process_is_skipped_and_the_transaction_survives(
    session, dataset_with_owners, monkeypatch
):
    first = services.create_due_planning_tasks(session, now=SIX_MONTHS_BEFORE_CAMBODIA_60)
    session.commit()
    # The other process inserted its rows after our check: our check sees none of them.
    monkeypatch.setattr(anniversaries, "_existing_tasks", lambda *args: set())
    again = services.create_due_planning_tasks(session, now=SIX_MONTHS_BEFORE_CAMBODIA_60)
    assert again == []
    # The savepoint kept the transaction usable: it can still read and write.
    create_unit(session, code="after-the-race")
    session.commit()
    assert len(tasks(session)) == len(first)
    assert session.scalar(
        select(func.count()).select_from(Unit).where(Unit.code == "after-the-race")
    )


def test_lead_times_decide_when_tasks_appear(session, now):
    admin = create_person(session, role="admin")
    assert services.lead_times(session) == {Tier.MAJOR: 180, Tier.ROUND: 90, Tier.REGULAR: 30}
    create_anniversary(session, title_en="Regular", origin_date=date(1994, 1, 20))  # 33rd
    today = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 50 days before 20 January 2027
    assert services.create_due_planning_tasks(session, now=today) == []
    services.set_lead_times(session, actor=admin, now=now, major=365, round=120, regular=60)
    assert services.lead_times(session)[Tier.REGULAR] == 60
    (task,) = services.create_due_planning_tasks(session, now=today)
    assert (task.tier, task.years, task.unit_id) == (Tier.REGULAR, 33, None)


def test_lead_times_are_validated_and_admin_only(session, now):
    coordinator = create_person(session, role="coordinator")
    with pytest.raises(NotAllowed):
        services.set_lead_times(session, actor=coordinator, now=now, major=1, round=1, regular=1)
    with pytest.raises(Invalid) as caught:
        services.set_lead_times(session, actor=None, now=now, major=0, round=731, regular=30)
    assert set(caught.value.errors) == {"major", "round"}
    assert services.lead_times(session)[Tier.MAJOR] == 180


def test_open_tasks_are_scoped_to_the_units_a_person_sees(session, now):
    own, other = create_unit(session), create_unit(session)
    create_anniversary(
        session, title_en="Own", origin_date=date(1995, 12, 20), owner_unit_code=own.code
    )
    create_anniversary(
        session, title_en="Other", origin_date=date(1995, 12, 21), owner_unit_code=other.code
    )
    create_anniversary(session, title_en="Nobody's", origin_date=date(1995, 12, 22))
    services.create_due_planning_tasks(session, now=now)
    editor = create_person(session, role="editor", unit=own)
    coordinator = create_person(session, role="coordinator")
    assert [t.title_en for t in queries.open_planning_tasks(session, editor)] == [
        "Prepare the 31st anniversary of Own — 20 Dec 2026"
    ]
    assert [t.occurrence_date.day for t in queries.open_planning_tasks(session, coordinator)] == [
        20,
        21,
        22,
    ]


def test_completing_a_task(session, now):
    own, other = create_unit(session), create_unit(session)
    create_anniversary(session, origin_date=date(1995, 12, 20), owner_unit_code=own.code)
    (task,) = services.create_due_planning_tasks(session, now=now)
    outsider = create_person(session, role="editor", unit=other)
    editor = create_person(session, role="editor", unit=own)
    with pytest.raises(NotAllowed):
        services.complete_planning_task(session, actor=outsider, now=now, task=task)
    services.complete_planning_task(session, actor=editor, now=now, task=task)
    assert (task.status, task.done_at, task.done_by_id) == ("done", now, editor.id)
    assert queries.open_planning_tasks(session, editor) == []
    with pytest.raises(Conflict):
        services.complete_planning_task(session, actor=editor, now=now, task=task)
