import re

import pytest
from sqlalchemy import select

from campaigns.org.models import ApiToken, Person
from tests.factories import PASSWORD, create_person, login


def test_login_page_speaks_vietnamese_to_a_visitor(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text
    assert "Đăng nhập vào Herald" in response.text


def test_pages_need_a_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_sign_in_and_out(client, session):
    person = create_person(session, role="coordinator", name="Nguyễn Thu Hà")
    session.commit()
    response = login(client, person)
    assert response.status_code == 302
    assert "Nguyễn Thu Hà" in client.get("/").text
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(client, session):
    person = create_person(session)
    session.commit()
    response = login(client, person, password="wrong-password")
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_next_parameter_cannot_send_you_to_another_site(client, session):
    person = create_person(session)
    session.commit()
    response = client.post(
        "/login?next=//evil.example/x", data={"email": person.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_deactivated_people_cannot_sign_in_and_lose_their_session(client, session):
    person = create_person(session)
    session.commit()
    login(client, person)
    assert client.get("/").status_code == 200
    session.get(Person, person.id).active = False
    session.commit()
    assert client.get("/").status_code == 302
    assert login(client, person).status_code == 401


def test_ten_failed_sign_ins_per_account_then_a_clear_wait(client, session):
    person = create_person(session)
    session.commit()
    for _ in range(10):
        assert login(client, person, password="wrong-password").status_code == 401
    response = login(client, person)  # even the right password waits now
    assert response.status_code == 429
    assert re.search(r"Thử lại sau \d+ giây|Try again in \d+ s", response.text)
    assert int(response.headers["Retry-After"]) > 0


def test_one_accounts_failures_do_not_lock_out_the_others_behind_the_same_address(client, session):
    person = create_person(session)
    admin = create_person(session, role="admin")
    session.commit()
    for _ in range(10):
        assert login(client, person, password="wrong-password").status_code == 401

    assert login(client, person).status_code == 429
    assert login(client, admin).status_code == 302  # the office keeps working


def _sign_in_from(client, person, address, password="wrong-password"):
    return client.post(
        "/login",
        data={"email": person.email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_one_address_is_throttled_across_accounts_only_at_a_high_rate(make_app, session):
    client = make_app(HERALD_LOGIN_ADDRESS_ATTEMPTS_PER_MINUTE=5).test_client()
    people = [create_person(session) for _ in range(6)]
    session.commit()
    for person in people[:5]:
        assert _sign_in_from(client, person, "198.51.100.4").status_code == 401

    assert _sign_in_from(client, people[5], "198.51.100.4", PASSWORD).status_code == 429
    assert _sign_in_from(client, people[5], "198.51.100.5", PASSWORD).status_code == 302


def test_config_default_rates_per_address_are_much_higher_than_per_account(app):
    assert app.config["HERALD_LOGIN_ADDRESS_ATTEMPTS_PER_MINUTE"] >= 100
    assert app.config["HERALD_LOGIN_ATTEMPTS_PER_MINUTE"] == 10


def test_one_account_guessed_from_many_addresses_is_throttled(make_app, session):
    client = make_app(
        HERALD_LOGIN_ATTEMPTS_PER_MINUTE=3, HERALD_LOGIN_ACCOUNT_ATTEMPTS_PER_MINUTE=5
    ).test_client()
    person, other = create_person(session), create_person(session)
    session.commit()
    for _ in range(3):
        assert _sign_in_from(client, person, "192.0.2.1").status_code == 401
    assert _sign_in_from(client, person, "192.0.2.1").status_code == 429  # this pair waits
    assert _sign_in_from(client, person, "192.0.2.2").status_code == 401
    assert _sign_in_from(client, person, "192.0.2.3").status_code == 401

    assert _sign_in_from(client, person, "192.0.2.4", PASSWORD).status_code == 429
    assert _sign_in_from(client, other, "192.0.2.1", PASSWORD).status_code == 302


def test_email_case_and_spaces_do_not_escape_the_account_limit(client, session):
    person = create_person(session)
    session.commit()
    for number in range(10):
        email = person.email.upper() if number % 2 else f"  {person.email} "
        response = client.post("/login", data={"email": email, "password": "wrong-password"})
        assert response.status_code == 401

    assert login(client, person).status_code == 429


def test_successful_sign_ins_are_not_counted(client, session):
    person = create_person(session)
    session.commit()
    for _ in range(12):
        assert login(client, person).status_code == 302
        client.post("/logout")


def test_language_switch_is_saved_on_the_person(client, session):
    person = create_person(session, locale="vi")
    session.commit()
    login(client, person)
    assert '<html lang="vi">' in client.get("/").text
    response = client.post("/language/en", data={"back": "/profile"})
    assert response.headers["Location"] == "/profile"
    assert session.get(Person, person.id).locale == "en"
    assert '<html lang="en">' in client.get("/").text


def test_visitor_language_choice_is_kept_in_the_session(client):
    client.post("/language/en", data={"back": "/login"})
    assert "Sign in to Herald" in client.get("/login").text


def test_profile_preferences_refuse_an_unknown_zone(client, session):
    person = create_person(session)
    session.commit()
    login(client, person)
    response = client.post("/profile", data={"locale": "en", "timezone": "Mars/Olympus"})
    assert response.status_code == 200
    assert session.get(Person, person.id).timezone == "Asia/Ho_Chi_Minh"
    response = client.post("/profile", data={"locale": "en", "timezone": "Europe/Paris"})
    assert response.status_code == 302
    assert session.get(Person, person.id).timezone == "Europe/Paris"


def test_tokens_are_shown_once_and_can_be_revoked(client, session):
    person = create_person(session)
    session.commit()
    login(client, person)
    response = client.post("/profile/tokens", data={"name": "reporting script"})
    token = re.search(r"hrd_[\w-]{20,}", response.text).group(0)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in client.get("/profile").text
    stored = session.scalars(select(ApiToken)).one()
    client.post(f"/profile/tokens/{stored.id}/revoke")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_empty_token_name_is_refused(client, session):
    person = create_person(session)
    session.commit()
    login(client, person)
    response = client.post("/profile/tokens", data={"name": ""})
    assert response.status_code == 422
    assert session.scalars(select(ApiToken)).first() is None


def test_password_change(client, session):
    person = create_person(session)
    session.commit()
    login(client, person)
    response = client.post(
        "/profile/password", data={"current_password": "nope-nope-nope", "new_password": "x" * 12}
    )
    assert response.status_code == 422
    response = client.post(
        "/profile/password", data={"current_password": PASSWORD, "new_password": "brand-new-pass"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # still signed in under the new password


@pytest.fixture
def csrf_client(make_app):
    return make_app(WTF_CSRF_ENABLED=True).test_client()


def test_forms_without_a_csrf_token_are_refused(csrf_client, session):
    person = create_person(session)
    session.commit()
    response = csrf_client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Traceback" not in response.text
    page = csrf_client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = csrf_client.post(
        "/login", data={"email": person.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_security_headers_and_cookie_flags(client, session):
    response = client.get("/login")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    person = create_person(session)
    session.commit()
    cookie = login(client, person).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_behind_https(make_app):
    application = make_app(SESSION_COOKIE_SECURE=True, HERALD_BASE_URL="https://herald.example.org")
    response = application.test_client().get("/login")
    assert "Strict-Transport-Security" in response.headers


def test_friendly_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.text


def test_friendly_500_page_without_traceback(make_app, caplog):
    application = make_app()

    @application.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = application.test_client().get("/boom-for-test")
    assert response.status_code == 500
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert "Đã có lỗi xảy ra" in response.text
    assert "secret internals" in caplog.text  # the operators still get the traceback in the log
