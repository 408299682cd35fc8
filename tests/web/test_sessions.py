"""The session cookie names a person by an opaque token; passwords, deactivation and "sign out
everywhere" end the sessions of every browser."""

from __future__ import annotations

from campaigns.org.models import Person
from tests.factories import PASSWORD, create_person, login


def _browser(app):
    return app.test_client()


def test_the_session_carries_the_opaque_token_not_the_password_hash(client, session):
    person = create_person(session)
    session.commit()
    login(client, person)

    with client.session_transaction() as cookie_session:
        user_id = cookie_session["_user_id"]

    assert user_id == person.session_token
    assert person.password_hash[-12:] not in user_id
    assert not user_id.startswith(f"{person.id}:")


def test_changing_the_password_signs_out_the_other_browsers_only(app, client, session):
    person = create_person(session)
    session.commit()
    other = _browser(app)
    login(client, person)
    login(other, person)

    response = client.post(
        "/profile/password", data={"current_password": PASSWORD, "new_password": "brand-new-pass"}
    )

    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_sign_out_everywhere_ends_every_browser(app, client, session):
    person = create_person(session)
    session.commit()
    other = _browser(app)
    login(client, person)
    login(other, person)

    response = client.post("/profile/sign-out-everywhere")

    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    assert other.get("/").status_code == 302
    assert login(other, person).status_code == 302  # signing in again works


def test_a_reactivated_person_must_sign_in_again(app, client, session):
    admin = create_person(session, role="admin")
    person = create_person(session, role="coordinator")
    session.commit()
    login(client, person)
    admin_browser = _browser(app)
    login(admin_browser, admin)
    form = {
        "name": person.name,
        "email": person.email,
        "role": person.role,
        "unit": "",
        "locale": person.locale,
        "timezone": person.timezone,
    }

    admin_browser.post(f"/admin/people/{person.id}/edit", data=form)  # unticked: inactive
    assert not session.get(Person, person.id).active
    admin_browser.post(f"/admin/people/{person.id}/edit", data={**form, "active": "y"})

    assert session.get(Person, person.id).active
    assert client.get("/").status_code == 302
