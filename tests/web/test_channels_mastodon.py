"""A Mastodon channel in the browser: created with its instance and token (encrypted, never
shown), its visibility, "test connection" answered by a worker keeping the instance's limits,
and the editor's counter counting against them."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bots.registry import client_for
from campaigns.org import services as org_services
from campaigns.social import checks
from campaigns.social.credentials import channel_credentials
from campaigns.social.models import Channel
from tests.bots.conftest import png_bytes
from tests.factories import create_person, create_unit, login
from tests.fakes.mastodon import FakeMastodon
from tests.social_factories import SECRET, create_campaign, create_post

TOKEN = "masto-very-secret-token"


@pytest.fixture
def people(session):
    unit = create_unit(session, code="mofa", kind="ministry", country="VN",
                       timezone="Asia/Ho_Chi_Minh")  # fmt: skip
    coordinator = create_person(session, "coordinator", unit=unit)
    editor = create_person(session, "editor", unit=unit)
    session.commit()
    return {"unit": unit, "coordinator": coordinator, "editor": editor}


@pytest.fixture
def fake_mastodon():
    with FakeMastodon() as fake:
        fake.add_account(TOKEN, username="mofa_vn", display_name="MOFA Viet Nam")
        yield fake


def _new_channel(client, **changes):
    data = {"kind": "mastodon", "name": "MOFA on Mastodon", "handle": "@mofa_vn@social.example",
            "language": "vi", "owner_unit_code": "mofa", "owner_person_id": "",
            "visibility": "unlisted", "instance_url": "https://social.example/",
            "mastodon_token": TOKEN, **changes}  # fmt: skip
    return client.post("/social/channels/new", data=data)


def test_a_mastodon_channel_is_created_with_its_instance_token_and_visibility(
    client, session, people
):
    login(client, people["coordinator"])
    assert "Mastodon access token" in client.get("/social/channels/new").get_data(as_text=True)

    response = _new_channel(client)

    assert response.status_code == 303
    channel = session.scalar(select(Channel))
    assert (channel.kind, channel.visibility) == ("mastodon", "unlisted")
    assert TOKEN not in channel.credentials_encrypted
    assert channel_credentials(channel, secret=client.application.config["SECRET_KEY"]) == {
        "instance_url": "https://social.example",
        "mastodon_token": TOKEN,
    }
    page = client.get(f"/social/channels/{channel.id}").get_data(as_text=True)
    assert TOKEN not in page
    assert "Unlisted (public, but not in the public timelines)" in page
    assert "counts against Mastodon's defaults (500 characters, links as 23)" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"instance_url": "ftp://social.example"}, "Give the instance&#39;s address"),
        ({"instance_url": "https://social.example/@mofa"}, "Give the instance&#39;s address"),
        ({"mastodon_token": ""}, "This credential is required."),
        ({"visibility": "direct"}, "Choose public or unlisted."),
    ],
)
def test_a_bad_mastodon_channel_is_refused_with_a_clear_message(
    client, session, people, changes, message
):
    login(client, people["coordinator"])

    response = _new_channel(client, **changes)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(Channel)) is None


def test_test_connection_shows_the_account_and_the_instances_limits(
    client, session, people, fake_mastodon
):
    login(client, people["coordinator"])
    _new_channel(client, instance_url=fake_mastodon.base_url)
    channel = session.scalar(select(Channel))
    fake_mastodon.max_characters = 1000
    assert client.post(f"/social/channels/{channel.id}/check").status_code == 303
    check = checks.latest_connection_check(session, channel=channel)

    # What the worker does with the check (tests/scheduler/test_worker_mastodon.py runs it).
    mastodon = client_for(channel, config={"SECRET_KEY": client.application.config["SECRET_KEY"]})
    try:
        account, limits = mastodon.check_connection(), mastodon.platform_limits()
    finally:
        mastodon.close()
    checks.finish_connection_check(
        session,
        check=check,
        now=datetime(2026, 12, 8, 1, 0, tzinfo=UTC),
        account=account,
        error=None,
        limits=limits,
    )
    session.commit()

    page = client.get(f"/social/channels/{channel.id}").get_data(as_text=True)
    assert "signed in as @mofa_vn" in page
    assert "The instance allows 1000 characters per status (a link counts as 23)" in page
    login(client, people["editor"])
    url = "https://example.org/" + "a" * 100
    report = client.post("/social/length", json={"text": "Chào " + url}).get_json()
    assert report["mastodon"] == {
        "length": 5 + 23, "limit": 1000, "images": 0, "max_images": 4, "ok": True
    }  # fmt: skip
    long = client.post("/social/length", json={"text": "ố" * 1001}).get_json()
    assert long["mastodon"]["ok"] is False and long["x"]["ok"] is False


def test_the_counter_uses_mastodons_defaults_before_any_test(client, session, people):
    login(client, people["editor"])
    report = client.post("/social/length", json={"text": "a" * 501}).get_json()
    assert report["mastodon"]["limit"] == 500 and not report["mastodon"]["ok"]
    assert SECRET  # the factories' secret is not the app's: nothing here decrypts


def test_the_api_creates_a_mastodon_channel_and_a_change_keeps_its_visibility(
    client, session, people
):
    _, plaintext = org_services.create_api_token(
        session, actor=None, now=datetime(2026, 12, 8, tzinfo=UTC), person=people["coordinator"],
        name="test",
    )  # fmt: skip
    session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}
    created = client.post(
        "/api/v1/channels",
        json={"kind": "mastodon", "name": "MOFA on Mastodon", "handle": "@mofa_vn@social.example",
              "language": "vi", "owner_unit_code": "mofa", "visibility": "unlisted",
              "credentials": {"instance_url": "social.example", "mastodon_token": TOKEN}},
        headers=headers,
    )  # fmt: skip
    assert created.status_code == 201, created.get_json()
    channel = created.get_json()
    assert (channel["visibility"], channel["platform_limits"]) == ("unlisted", {})
    assert TOKEN not in created.get_data(as_text=True)

    renamed = client.patch(
        f"/api/v1/channels/{channel['id']}", json={"name": "MOFA (Mastodon)"}, headers=headers
    ).get_json()
    public = client.patch(
        f"/api/v1/channels/{channel['id']}", json={"visibility": "public"}, headers=headers
    ).get_json()

    assert renamed["visibility"] == "unlisted"
    assert public["visibility"] == "public"
    stored = session.get(Channel, channel["id"])
    session.refresh(stored)
    assert (
        channel_credentials(stored, secret=client.application.config["SECRET_KEY"])["instance_url"]
        == "https://social.example"
    )


def _png_file():
    return (io.BytesIO(png_bytes()), "flag.png")


def test_an_image_is_uploaded_with_its_alt_text_and_a_too_long_one_is_refused(
    client, session, people
):
    campaign = create_campaign(session, owner_unit=people["unit"])
    post = create_post(session, campaign=campaign, author=people["editor"])
    session.commit()
    login(client, people["editor"])
    url = f"/social/posts/{post.id}/attachments"

    too_long = client.post(
        url,
        data={"language": "en", "expected_version": "1", "alt_text": "a" * 1501,
              "image": _png_file()},
        content_type="multipart/form-data",
    )  # fmt: skip
    saved = client.post(
        url,
        data={"language": "en", "expected_version": "1",
              "alt_text": "Lá cờ Tổ quốc lúc bình minh", "image": _png_file()},
        content_type="multipart/form-data",
    )  # fmt: skip

    assert too_long.status_code == 422
    assert "The alt text is longer than 1500 characters." in too_long.get_data(as_text=True)
    assert saved.status_code == 303
    page = client.get(f"/social/posts/{post.id}").get_data(as_text=True)
    assert 'alt="Lá cờ Tổ quốc lúc bình minh"' in page
    assert "Alt text: Lá cờ Tổ quốc lúc bình minh" in page
