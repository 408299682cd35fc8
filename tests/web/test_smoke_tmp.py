from tests.factories import create_person, login


def test_smoke(app, client, session):
    person = create_person(session, role="admin")
    session.commit()
    r = client.get("/login")
    assert r.status_code == 200, r.text
    r = login(client, person)
    assert r.status_code == 302, r.text
    for url in [
        "/",
        "/section/calendar",
        "/units",
        "/admin/",
        "/admin/units",
        "/admin/units/new",
        "/admin/people",
        "/admin/people/new",
        "/admin/audit",
        "/profile",
        f"/admin/people/{person.id}/edit",
        "/api/v1/openapi.json",
        "/nope",
    ]:
        r = client.get(url)
        print(url, r.status_code)
        assert r.status_code in (200, 404), r.text[:3000]
