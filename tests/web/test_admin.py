from sqlalchemy import func, select

from campaigns.org.models import AuditEntry, Person, Unit
from tests.factories import create_person, create_unit, login


def signed_in_admin(client, session):
    admin = create_person(session, role="admin")
    session.commit()
    login(client, admin)
    return admin


UNIT_FORM = {
    "code": "mission-de",
    "name_vi": "Đại sứ quán tại Đức",
    "name_en": "Embassy in Germany",
    "kind": "mission",
    "country": "DE",
    "timezone": "Europe/Berlin",
    "parent": "",
}


def test_admin_creates_a_unit_through_the_form(client, session):
    signed_in_admin(client, session)
    response = client.post("/admin/units/new", data=UNIT_FORM)
    assert response.status_code == 302
    unit = session.scalars(select(Unit).where(Unit.code == "mission-de")).one()
    assert unit.timezone == "Europe/Berlin"
    assert "mission-de" in client.get("/admin/units").text


def test_bad_zone_is_shown_next_to_the_field_and_nothing_is_saved(client, session):
    signed_in_admin(client, session)
    response = client.post("/admin/units/new", data={**UNIT_FORM, "timezone": "Berlin"})
    assert response.status_code == 422
    page = response.text
    field = page[page.index('name="timezone"') :]
    assert "IANA" in field[: field.index("</div>")]
    assert 'aria-invalid="true"' in page
    # The flash message does not name fields by their names in the code.
    assert "Please correct the fields marked below." in page
    assert "Please correct these fields" not in page
    assert session.scalar(select(func.count()).select_from(Unit)) == 0


def test_person_form_refuses_duplicate_email_and_unknown_unit(client, session):
    signed_in_admin(client, session)
    unit = create_unit(session, code="mission-fr")
    existing = create_person(session, role="editor", unit=unit, email="taken@example.org")
    session.commit()
    before = session.scalar(select(func.count()).select_from(Person))
    form = {
        "name": "Nguyễn Văn B",
        "email": "TAKEN@example.org",
        "role": "editor",
        "unit": "ghost-unit",
        "locale": "vi",
        "timezone": "Asia/Ho_Chi_Minh",
        "active": "y",
        "password": "",
    }
    response = client.post("/admin/people/new", data=form)
    assert response.status_code == 422
    assert "Another person already uses this email address." in response.text
    assert "There is no unit with this code." in response.text
    assert session.scalar(select(func.count()).select_from(Person)) == before
    assert existing.email == "taken@example.org"


def test_admin_edits_a_person_and_the_audit_log_shows_before_and_after(client, session):
    signed_in_admin(client, session)
    unit = create_unit(session, code="mission-fr")
    person = create_person(session, role="field", unit=unit, name="Vũ Mai Linh")
    session.commit()
    form = {
        "name": "Vũ Mai Linh",
        "email": person.email,
        "role": "editor",
        "unit": "mission-fr",
        "locale": "vi",
        "timezone": "Europe/Paris",
        "active": "y",
        "password": "",
    }
    response = client.post(f"/admin/people/{person.id}/edit", data=form)
    assert response.status_code == 302
    assert session.get(Person, person.id).role == "editor"
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.target_id == person.id, AuditEntry.action == "update")
    ).one()
    assert entry.before["role"] == "field" and entry.after["role"] == "editor"
    assert entry.door == "web"
    page = client.get("/admin/audit?target_type=person&action=update").text
    assert "Vũ Mai Linh" in page or person.email in page
    assert "role" in page


def test_admin_deactivates_a_person(client, session):
    signed_in_admin(client, session)
    person = create_person(session, role="viewer")
    session.commit()
    form = {
        "name": person.name,
        "email": person.email,
        "role": "viewer",
        "unit": person.unit.code,
        "locale": "en",
        "timezone": "UTC",
        "password": "",
    }  # the "active" checkbox left unticked
    assert client.post(f"/admin/people/{person.id}/edit", data=form).status_code == 302
    assert session.get(Person, person.id).active is False


def test_audit_log_filters_and_survives_bad_dates(client, session):
    signed_in_admin(client, session)
    create_unit(session, code="mission-it", country="IT", timezone="Europe/Rome")
    session.commit()
    response = client.get("/admin/audit?since=not-a-date&target_type=unit")
    assert response.status_code == 200
    assert "mission-it" in response.text
    assert "YYYY-MM-DD" in response.text


def test_unit_page_lists_its_people(client, session):
    unit = create_unit(session, code="mission-fr")
    editor = create_person(session, role="editor", unit=unit, name="Phạm Lan Anh")
    session.commit()
    login(client, editor)
    page = client.get("/units/mission-fr").text
    assert "Phạm Lan Anh" in page


def test_the_audit_log_reads_in_words_in_the_readers_language(client, session):
    admin = signed_in_admin(client, session)
    admin.locale = "vi"
    session.commit()
    assert client.post("/admin/units/new", data=UNIT_FORM).status_code == 302
    page = client.get("/admin/audit?target_type=unit").text
    row = page[page.index("<tbody>") : page.index("</tbody>")]
    # The door, the action and the kind of object in words, not their codes.
    assert "<td>Web</td>" in row and "<td>Đã thêm</td>" in row and "Đơn vị <strong>" in row
    assert "<td>create</td>" not in row and "<td>web</td>" not in row
