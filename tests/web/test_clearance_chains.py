"""Clearance chains through the web and the API: an administrator gives a unit a chain (legal
reviewer, then the head of unit); the post page shows the chain and where it stands; each step
is taken by its own person; the API shows the chain and approves per step."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from campaigns.org import services as org_services
from campaigns.social import chains, services
from campaigns.social.chains import StepInput
from campaigns.social.models import Post
from tests.factories import create_person, create_unit, login
from tests.social_factories import create_campaign, create_post

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@pytest.fixture
def world(session):
    unit = create_unit(session, code="mofa", kind="ministry", country="VN")
    people = {
        "admin": create_person(session, "admin", name="Admin"),
        "head": create_person(session, "coordinator", unit=unit, name="Trưởng phòng Hải"),
        "lawyer": create_person(
            session, "editor", unit=unit, name="Luật sư Mai", legal_reviewer=True
        ),
        "editor": create_person(session, "editor", unit=unit, name="Biên tập Lan"),
    }
    campaign = create_campaign(session, owner_unit=unit)
    session.commit()
    return unit, campaign, people


def _switch(client, person):
    client.post("/logout")
    login(client, person)


def _field(html: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="(\d*)"', html).group(1)


def test_an_admin_defines_the_chain_and_each_step_is_taken_on_the_post_page(client, session, world):
    unit, campaign, people = world
    login(client, people["admin"])
    page = client.get("/units/mofa").get_data(as_text=True)
    assert 'id="clearance-policy-form"' in page
    response = client.post(
        "/social/units/mofa/clearance",
        data={"steps-0-kind": "legal", "steps-1-kind": "unit", "steps-1-unit_code": "mofa"},
    )
    assert response.status_code == 303
    session.refresh(unit)
    assert [step["kind"] for step in unit.clearance_policy] == ["legal", "unit"]
    # A policy that a legal review alone would clear is refused, and nothing changes.
    response = client.post("/social/units/mofa/clearance", data={"steps-0-kind": "legal"})
    assert response.status_code == 303
    session.refresh(unit)
    assert len(unit.clearance_policy) == 2
    # Everyone sees the unit's chain on the campaign page; only administrators may change it.
    _switch(client, people["editor"])
    page = client.get(f"/social/campaigns/{campaign.id}").get_data(as_text=True)
    assert "A legal reviewer" in page and 'id="clearance-policy-form"' not in page
    assert client.post("/social/units/mofa/clearance", data={}).status_code == 403

    post = create_post(session, campaign=campaign, author=people["editor"], now=NOW)
    services.submit_post(session, actor=people["editor"], now=NOW, post=post)
    session.commit()
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert 'id="clearance-chain"' in page
    step_one = re.search(r'<li id="chain-step-1" class="next">(.*?)</li>', page, re.S).group(1)
    assert "a legal reviewer" in step_one and "Luật sư Mai" in step_one

    # The head of unit may not take step 1: the page says why, and a forged form is refused.
    _switch(client, people["head"])
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert 'id="approve-form"' not in page
    assert "Step 1 of this post&#39;s clearance is for a legal reviewer." in page
    forged = client.post(f"/social/posts/{post.id}/approve", data={"expected_version": "1"})
    assert forged.status_code == 403

    _switch(client, people["lawyer"])
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert "Take step 1 of 2" in page
    response = client.post(
        f"/social/posts/{post.id}/approve",
        data={"expected_version": _field(page, "expected_version"),
              "expected_step": _field(page, "expected_step")},
    )  # fmt: skip
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Post, post.id).clearance_steps_taken == 1
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert "Step 1 of 2 of the clearance is taken" in page
    assert re.search(r'id="chain-step-1" class="taken">.*?taken by Luật sư Mai', page, re.S)

    _switch(client, people["head"])
    queue = client.get("/social/clearance").get_data(as_text=True)
    assert post.title in queue and "Clearance step 2 of 2" in queue
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    step_two = re.search(r'<li id="chain-step-2" class="next">(.*?)</li>', page, re.S).group(1)
    assert "a coordinator of mofa" in step_two and "Trưởng phòng Hải" in step_two
    assert "Clear this version" in page
    response = client.post(
        f"/social/posts/{post.id}/approve",
        data={"expected_version": _field(page, "expected_version"),
              "expected_step": _field(page, "expected_step")},
    )  # fmt: skip
    assert response.status_code == 303
    session.expire_all()
    cleared = session.get(Post, post.id)
    assert (cleared.status, cleared.approved_by_id) == ("approved", people["head"].id)


def _token(session, person) -> dict[str, str]:
    _, plaintext = org_services.create_api_token(
        session, actor=None, now=NOW, person=person, name="test"
    )
    session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def test_the_api_shows_the_chain_and_approves_per_step(client, session, world, monkeypatch):
    monkeypatch.setattr("web.api.social.utcnow", lambda: NOW)
    unit, campaign, people = world
    chains.set_clearance_policy(
        session,
        actor=None,
        now=NOW,
        target=campaign,
        steps=[StepInput("coordinator"), StepInput("unit", "mofa")],
    )
    post = create_post(session, campaign=campaign, author=people["editor"], now=NOW)
    services.submit_post(session, actor=people["editor"], now=NOW, post=post)
    other = create_person(session, "coordinator", name="Other")
    headers = {name: _token(session, people[name]) for name in ("head", "editor")}
    headers["other"] = _token(session, other)
    url = f"/api/v1/posts/{post.id}"

    shown = client.get(url, headers=headers["editor"]).get_json()
    assert [(s["position"], s["kind"], s["unit_code"], s["is_next"]) for s in
            shown["clearance_chain"]] == [(1, "coordinator", None, True),
                                          (2, "unit", "mofa", False)]  # fmt: skip
    taken = client.post(f"{url}/approve", json={"expected_version": 1, "expected_step": 1},
                        headers=headers["head"])  # fmt: skip
    assert taken.status_code == 200, taken.get_json()
    body = taken.get_json()
    assert (body["status"], body["clearance_steps_taken"]) == ("in_review", 1)
    assert body["clearance_chain"][0]["taken_by_id"] == people["head"].id
    assert body["reviews"][-1]["decision"] == "step" and body["reviews"][-1]["step"] == 1
    # The head may not take step 2 as well; the other coordinator is not of the unit.
    twice = client.post(f"{url}/approve", json={"expected_version": 1}, headers=headers["head"])
    assert twice.status_code == 403 and "earlier step" in twice.get_json()["message"]
    wrong = client.post(f"{url}/approve", json={"expected_version": 1}, headers=headers["other"])
    assert wrong.status_code == 403 and "coordinator of mofa" in wrong.get_json()["message"]
    deputy = _token(session, create_person(session, "coordinator", unit=unit, name="Deputy"))
    stale = client.post(f"{url}/approve", json={"expected_version": 1, "expected_step": 1},
                        headers=deputy)  # fmt: skip
    assert stale.status_code == 409
    cleared = client.post(f"{url}/approve", json={"expected_version": 1, "expected_step": 2},
                          headers=deputy)  # fmt: skip
    assert cleared.status_code == 200 and cleared.get_json()["status"] == "approved"
    assert [s["is_next"] for s in cleared.get_json()["clearance_chain"]] == [False, False]


def test_an_admin_marks_a_legal_reviewer_through_the_api_and_the_person_form(
    client, session, world
):
    _, _, people = world
    editor = people["editor"]
    marked = client.patch(
        f"/api/v1/people/{editor.id}",
        json={"legal_reviewer": True},
        headers=_token(session, people["admin"]),
    )
    assert marked.status_code == 200 and marked.get_json()["legal_reviewer"] is True
    session.expire_all()
    assert session.get(type(editor), editor.id).legal_reviewer is True
    # Another change that does not name the flag keeps it.
    client.patch(
        f"/api/v1/people/{editor.id}",
        json={"timezone": "Asia/Tokyo"},
        headers=_token(session, people["admin"]),
    )
    session.expire_all()
    assert session.get(type(editor), editor.id).legal_reviewer is True
    refused = client.patch(
        f"/api/v1/people/{editor.id}",
        json={"legal_reviewer": False},
        headers=_token(session, people["head"]),
    )
    assert refused.status_code == 403
    login(client, people["admin"])
    page = client.get(f"/admin/people/{editor.id}/edit").get_data(as_text=True)
    assert 'name="legal_reviewer"' in page and "Legal reviewer" in page
