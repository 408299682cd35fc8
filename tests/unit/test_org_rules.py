import pytest

from campaigns.errors import Invalid
from campaigns.org import rules
from campaigns.timezones import country_names, is_country, is_zone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ha.Nguyen@Example.ORG", "ha.nguyen@example.org"),
        ("  editor@mofa.gov.vn ", "editor@mofa.gov.vn"),
    ],
)
def test_valid_emails_are_normalised(raw, expected):
    assert rules.normalise_email(raw) == (expected, None)


@pytest.mark.parametrize("raw", ["", "not-an-email", "a@", "@b.org", "two@@example.org"])
def test_invalid_emails_get_a_message(raw):
    email, message = rules.normalise_email(raw)
    assert email is None
    assert message


@pytest.mark.parametrize("code", ["mission-us", "mofa-press", "abc", "prov-angiang-2"])
def test_unit_codes_accepted(code):
    _, errors = rules.check_unit_fields(
        code=code, name_vi="X", name_en="X", kind="mission", country="US", timezone="UTC"
    )
    assert "code" not in errors


@pytest.mark.parametrize("code", ["ab", "Mission US", "-lead", "trail-", "a" * 41, "mission_us"])
def test_unit_codes_refused(code):
    _, errors = rules.check_unit_fields(
        code=code, name_vi="X", name_en="X", kind="mission", country="US", timezone="UTC"
    )
    assert "code" in errors


def test_unit_fields_report_every_bad_field_at_once():
    _, errors = rules.check_unit_fields(
        code="ok-code", name_vi=" ", name_en="", kind="embassy", country="XX", timezone="Paris"
    )
    assert set(errors) == {"name_vi", "name_en", "kind", "country", "timezone"}


def test_zones_and_countries():
    assert is_zone("Asia/Ho_Chi_Minh")
    assert is_zone("Europe/Paris")
    assert not is_zone("Paris")
    assert not is_zone("")
    assert is_country("VN") and is_country("KH")
    assert not is_country("XX") and not is_country("vn")
    assert country_names("vi")["VN"] == "Việt Nam"
    assert country_names("en")["KH"] == "Cambodia"


def test_person_fields_require_a_unit_for_unit_scoped_roles():
    for role in ("editor", "field", "viewer"):
        errors = rules.check_person_fields(
            name="A", role=role, locale="vi", timezone="UTC", has_unit=False
        )
        assert "unit" in errors
    for role in ("admin", "coordinator"):
        assert not rules.check_person_fields(
            name="A", role=role, locale="vi", timezone="UTC", has_unit=False
        )


def test_passwords_shorter_than_ten_characters_are_refused():
    assert rules.check_password("123456789")
    assert rules.check_password(None)
    assert rules.check_password("1234567890") is None


def test_invalid_message_names_its_fields():
    error = Invalid.from_fields({"email": "bad", "timezone": "bad"})
    assert error.errors == {"email": "bad", "timezone": "bad"}
    assert "email" in error.message and "timezone" in error.message
