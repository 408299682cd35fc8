from datetime import timedelta

import pytest
from sqlalchemy import func, select

from campaigns.errors import Conflict, Invalid, NotAllowed, NotFound
from campaigns.org import queries, services
from campaigns.org.models import AuditEntry, Person, Unit
from tests.factories import PASSWORD, create_person, create_unit


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def unit_values(**overrides):
    values = {
        "code": "mission-fr",
        "name_vi": "Đại sứ quán tại Pháp",
        "name_en": "Embassy in France",
        "kind": "mission",
        "country": "FR",
        "timezone": "Europe/Paris",
    }
    values.update(overrides)
    return values


def test_admin_creates_a_unit_and_the_audit_log_records_it(session, now):
    admin = create_person(session, role="admin")
    unit = services.create_unit(session, actor=admin, now=now, **unit_values())
    assert unit.code == "mission-fr" and unit.timezone == "Europe/Paris"
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "unit", AuditEntry.actor_id == admin.id)
    ).one()
    assert entry.action == "create"
    assert entry.after["code"] == "mission-fr"
    assert entry.occurred_at == now


@pytest.mark.parametrize("role", ["coordinator", "editor", "field", "viewer"])
def test_only_admins_manage_units(session, now, role):
    person = create_person(session, role=role)
    with pytest.raises(NotAllowed):
        services.create_unit(session, actor=person, now=now, **unit_values())


def test_bad_unit_fields_are_all_reported_and_nothing_is_saved(session, now):
    create_unit(session, code="mission-fr")
    before = count(session, Unit)
    with pytest.raises(Invalid) as caught:
        services.create_unit(
            session,
            actor=None,
            now=now,
            **unit_values(timezone="Europe/Pariss", country="ZZ", name_en=" "),
        )
    assert set(caught.value.errors) == {"code", "timezone", "country", "name_en"}
    assert count(session, Unit) == before


def test_unit_update_records_before_and_after(session, now):
    unit = create_unit(session, code="mission-jp", timezone="Asia/Tokyo", country="JP")
    later = now + timedelta(hours=1)
    services.update_unit(
        session,
        actor=None,
        now=later,
        unit=unit,
        **unit_values(
            code="mission-jp", country="JP", timezone="Asia/Tokyo", name_en="Embassy in Japan"
        ),
    )
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.target_id == unit.id)
    ).one()
    assert entry.changed_fields == ["name_en", "name_vi"]
    assert entry.after["name_en"] == "Embassy in Japan"
    assert unit.updated_at == later


def test_a_unit_cannot_be_its_own_ancestor(session, now):
    parent = create_unit(session, code="parent-unit")
    child = create_unit(session, code="child-unit", parent_code="parent-unit")
    with pytest.raises(Invalid) as caught:
        services.update_unit(
            session,
            actor=None,
            now=now,
            unit=parent,
            **unit_values(code="parent-unit", parent_code=child.code),
        )
    assert "parent" in caught.value.errors
    assert parent.parent is None


def test_unknown_parent_unit_is_refused(session, now):
    with pytest.raises(Invalid) as caught:
        services.create_unit(session, actor=None, now=now, **unit_values(parent_code="nope"))
    assert "parent" in caught.value.errors


def test_people_have_unique_case_insensitive_emails(session, now):
    create_person(session, email="ha@example.org")
    with pytest.raises(Invalid) as caught:
        create_person(session, email="HA@Example.org")
    assert set(caught.value.errors) == {"email"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"name": "  "}, "name"),
        ({"timezone": "Hanoi"}, "timezone"),
        ({"unit_code": "no-such-unit"}, "unit"),
        ({"role": "superuser"}, "role"),
        ({"locale": "fr"}, "locale"),
        ({"password": "short"}, "password"),
    ],
)
def test_bad_person_fields_are_named_and_nothing_is_saved(session, now, fields, field):
    unit = create_unit(session)
    before = count(session, Person)
    values = {
        "name": "Nguyễn Văn A",
        "email": "a@example.org",
        "role": "editor",
        "unit_code": unit.code,
        "locale": "vi",
        "timezone": "Asia/Ho_Chi_Minh",
        "password": PASSWORD,
    }
    values.update(fields)
    with pytest.raises(Invalid) as caught:
        services.create_person(session, actor=None, now=now, **values)
    assert field in caught.value.errors
    assert count(session, Person) == before


def test_editor_field_and_viewer_need_a_unit(session, now):
    for role in ("editor", "field", "viewer"):
        with pytest.raises(Invalid) as caught:
            services.create_person(
                session,
                actor=None,
                now=now,
                name="X",
                email=f"{role}@example.org",
                role=role,
                unit_code=None,
            )
        assert "unit" in caught.value.errors
    coordinator = services.create_person(
        session,
        actor=None,
        now=now,
        name="C",
        email="c@example.org",
        role="coordinator",
        unit_code=None,
    )
    assert coordinator.unit is None


def test_changing_a_persons_unit_to_one_that_does_not_exist_changes_nothing(session, now):
    person = create_person(session, role="editor")
    original = person.unit
    session.commit()
    with pytest.raises(Invalid) as caught:
        services.update_person(
            session,
            actor=None,
            now=now,
            person=person,
            name=person.name,
            email=person.email,
            role="editor",
            unit_code="ghost-unit",
            locale="en",
            timezone="UTC",
            active=True,
        )
    assert "unit" in caught.value.errors
    session.rollback()
    assert session.get(Person, person.id).unit_id == original.id


def test_deactivating_is_audited_as_such_and_stops_sign_in(session, now):
    admin = create_person(session, role="admin")
    person = create_person(session, role="viewer")
    assert services.authenticate(session, email=person.email, password=PASSWORD) is person
    services.update_person(
        session,
        actor=admin,
        now=now,
        person=person,
        name=person.name,
        email=person.email,
        role=person.role,
        unit_code=person.unit.code,
        locale=person.locale,
        timezone=person.timezone,
        active=False,
    )
    assert services.authenticate(session, email=person.email, password=PASSWORD) is None
    actions = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.target_id == person.id, AuditEntry.target_type == "person"
        )
    ).all()
    assert "deactivate" in actions


def test_admins_cannot_lock_themselves_out(session, now):
    admin = create_person(session, role="admin")
    with pytest.raises(Conflict):
        services.update_person(
            session,
            actor=admin,
            now=now,
            person=admin,
            name=admin.name,
            email=admin.email,
            role="admin",
            unit_code=None,
            locale="en",
            timezone="UTC",
            active=False,
        )


def test_authentication_needs_the_right_password(session):
    person = create_person(session)
    assert services.authenticate(session, email=person.email.upper(), password=PASSWORD) is person
    assert services.authenticate(session, email=person.email, password="wrong-password") is None
    assert services.authenticate(session, email="nobody@example.org", password=PASSWORD) is None
    assert person.password_hash.startswith("$argon2")


def test_changing_your_own_password_needs_the_current_one(session, now):
    person = create_person(session)
    with pytest.raises(Invalid) as caught:
        services.set_password(
            session,
            actor=person,
            now=now,
            person=person,
            current_password="wrong",
            new_password="a-new-password",
        )
    assert "current_password" in caught.value.errors
    services.set_password(
        session,
        actor=person,
        now=now,
        person=person,
        current_password=PASSWORD,
        new_password="a-new-password",
    )
    assert services.authenticate(session, email=person.email, password="a-new-password")
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "password")).one()
    assert "password_hash" not in entry.after


def test_api_tokens_are_stored_as_digests_and_revocable(session, now):
    person = create_person(session)
    token, plaintext = services.create_api_token(
        session, actor=person, now=now, person=person, name="reporting"
    )
    assert plaintext.startswith("hrd_") and plaintext not in token.token_digest
    assert services.person_for_token(session, plaintext=plaintext, now=now) is person
    assert token.last_used_at == now
    assert services.person_for_token(session, plaintext=plaintext + "x", now=now) is None
    services.revoke_api_token(session, actor=person, now=now, token_id=token.id)
    assert services.person_for_token(session, plaintext=plaintext, now=now) is None
    with pytest.raises(Conflict):
        services.revoke_api_token(session, actor=person, now=now, token_id=token.id)


def test_tokens_of_deactivated_people_stop_working(session, now):
    person = create_person(session)
    _, plaintext = services.create_api_token(session, actor=None, now=now, person=person, name="t")
    person.active = False
    assert services.person_for_token(session, plaintext=plaintext, now=now) is None


def test_nobody_revokes_someone_elses_token(session, now):
    owner = create_person(session)
    other = create_person(session)
    token, _ = services.create_api_token(session, actor=owner, now=now, person=owner, name="t")
    with pytest.raises(NotFound):
        services.revoke_api_token(session, actor=other, now=now, token_id=token.id)
    with pytest.raises(NotAllowed):
        services.create_api_token(session, actor=other, now=now, person=owner, name="t")


def test_visibility_of_units_and_people(session):
    paris = create_unit(session, code="mission-fr")
    tokyo = create_unit(session, code="mission-jp", country="JP", timezone="Asia/Tokyo")
    editor = create_person(session, role="editor", unit=paris)
    colleague = create_person(session, role="field", unit=paris)
    stranger = create_person(session, role="editor", unit=tokyo)
    coordinator = create_person(session, role="coordinator")

    assert [unit.code for unit in queries.visible_units(session, editor)] == ["mission-fr"]
    assert {unit.code for unit in queries.visible_units(session, coordinator)} >= {
        "mission-fr",
        "mission-jp",
    }
    seen = queries.visible_people(session, editor)
    assert colleague in seen and stranger not in seen
    assert stranger in queries.visible_people(session, coordinator)
    with pytest.raises(NotFound):
        queries.get_unit(session, "mission-jp", actor=editor)
    with pytest.raises(NotFound):
        queries.get_person(session, stranger.id, actor=editor)


def test_audit_filter(session, now):
    admin = create_person(session, role="admin", email="boss@example.org")
    services.create_unit(session, actor=admin, now=now, **unit_values())
    entries, total = queries.audit_entries(
        session, queries.AuditFilter(target_type="unit", actor_email="BOSS@example.org")
    )
    assert total == 1 and entries[0].target_label == "mission-fr"
    entries, total = queries.audit_entries(
        session, queries.AuditFilter(since=(now + timedelta(days=2)).date())
    )
    assert total == 0
