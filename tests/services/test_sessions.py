"""Browser sessions name a person by a random token, never by anything derived from the
password; a new password, a deactivation or "sign out everywhere" ends every session."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaigns.errors import NotAllowed
from campaigns.org import services
from campaigns.org.models import AuditEntry
from tests.factories import PASSWORD, create_person


def _deactivate(session, admin, person, now, active=False):
    services.update_person(
        session,
        actor=admin,
        now=now,
        person=person,
        name=person.name,
        email=person.email,
        role=person.role,
        unit_code=person.unit.code if person.unit else None,
        locale=person.locale,
        timezone=person.timezone,
        active=active,
    )


def test_each_person_has_an_opaque_token_unrelated_to_the_password(session):
    first, second = create_person(session), create_person(session)

    assert len(first.session_token) >= 40
    assert first.session_token != second.session_token
    assert first.session_token not in (first.password_hash or "")
    assert str(first.id) != first.session_token
    assert services.person_for_session(session, first.session_token) is first
    assert services.person_for_session(session, "") is None
    assert services.person_for_session(session, f"{first.id}:{first.password_hash[-12:]}") is None


def test_a_new_password_ends_every_session(session, now):
    person = create_person(session)
    old = person.session_token

    services.set_password(
        session,
        actor=person,
        now=now,
        person=person,
        current_password=PASSWORD,
        new_password="another-long-password",
    )

    assert person.session_token != old
    assert services.person_for_session(session, old) is None


def test_an_admin_setting_the_password_ends_every_session_too(session, now):
    admin, person = create_person(session, role="admin"), create_person(session)
    old = person.session_token

    services.set_password(
        session, actor=admin, now=now, person=person, new_password="set-by-the-admin"
    )

    assert services.person_for_session(session, old) is None


def test_deactivation_ends_sessions_for_good_even_after_reactivation(session, now):
    admin, person = create_person(session, role="admin"), create_person(session, role="viewer")
    old = person.session_token

    _deactivate(session, admin, person, now)
    assert services.person_for_session(session, person.session_token) is None  # inactive
    _deactivate(session, admin, person, now, active=True)

    assert services.person_for_session(session, old) is None
    assert services.person_for_session(session, person.session_token) is person


def test_other_edits_keep_sessions(session, now):
    admin, person = create_person(session, role="admin"), create_person(session, role="viewer")
    old = person.session_token

    _deactivate(session, admin, person, now, active=True)
    services.authenticate(session, email=person.email, password=PASSWORD)

    assert person.session_token == old


def test_sign_out_everywhere_is_audited_and_only_for_oneself_or_an_admin(session, now):
    person, other = create_person(session), create_person(session, role="editor")
    old = person.session_token

    with pytest.raises(NotAllowed):
        services.sign_out_everywhere(session, actor=other, now=now, person=person)
    assert person.session_token == old
    services.sign_out_everywhere(session, actor=person, now=now, person=person)

    assert services.person_for_session(session, old) is None
    comments = session.scalars(
        select(AuditEntry.comment).where(AuditEntry.target_id == person.id)
    ).all()
    assert "signed out everywhere" in comments
    entry = session.scalars(select(AuditEntry).where(AuditEntry.target_id == person.id)).all()[-1]
    assert "session_token" not in (entry.before or {}) | (entry.after or {})
