"""Channels in the browser: health panels, write-only credentials, test connection, pause,
and the sandbox page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from campaigns.db import utcnow
from campaigns.social import checks
from campaigns.social.models import Channel, SandboxPost
from campaigns.social.platform import ErrorKind, PlatformError
from tests.factories import create_person, create_unit, login
from tests.social_factories import create_channel, scheduled_post

SECRETS = {
    "consumer_key": "CK-very-secret-1",
    "consumer_secret": "CS-very-secret-2",
    "access_token": "AT-very-secret-3",
    "access_token_secret": "ATS-very-secret-4",
}


@pytest.fixture
def people(session):
    unit = create_unit(session, code="mofa", kind="ministry", country="VN",
                       timezone="Asia/Ho_Chi_Minh")  # fmt: skip
    coordinator = create_person(session, "coordinator", unit=unit)
    editor = create_person(session, "editor", unit=unit)
    session.commit()
    return {"unit": unit, "coordinator": coordinator, "editor": editor}


def _new_x_channel(client, **changes):
    data = {"kind": "x", "name": "MOFA Viet Nam on X", "handle": "@MOFAVietNam", "language": "en",
            "owner_unit_code": "mofa", "owner_person_id": "", **SECRETS, **changes}  # fmt: skip
    return client.post("/social/channels/new", data=data)


def test_credentials_are_saved_encrypted_and_never_shown_again(client, session, people):
    login(client, people["coordinator"])
    response = _new_x_channel(client)
    assert response.status_code == 303
    channel = session.scalar(select(Channel))
    assert channel.has_credentials
    assert not any(secret in channel.credentials_encrypted for secret in SECRETS.values())
    pages = [
        client.get(url).get_data(as_text=True)
        for url in (
            "/social/channels",
            f"/social/channels/{channel.id}",
            f"/social/channels/{channel.id}/edit",
        )
    ]
    for page in pages:
        assert not any(secret in page for secret in SECRETS.values())
    assert "Saved (never shown)" in pages[1]

    response = client.post(
        f"/social/channels/{channel.id}/credentials",
        data={**SECRETS, "access_token": "AT-new-secret-5"},
    )
    assert response.status_code == 303
    assert "AT-new-secret-5" not in client.get(f"/social/channels/{channel.id}").get_data(
        as_text=True
    )


def test_a_missing_credential_is_named_and_nothing_is_saved(client, session, people):
    login(client, people["coordinator"])
    response = _new_x_channel(client, access_token_secret="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This credential is required." in html
    # What was typed is not sent back into the page either.
    assert SECRETS["consumer_key"] not in html
    assert session.scalar(select(Channel)) is None


def test_a_telegram_channel_needs_its_chat(client, session, people):
    login(client, people["coordinator"])
    response = client.post(
        "/social/channels/new",
        data={"kind": "telegram", "name": "Kênh", "handle": "", "language": "vi",
              "owner_unit_code": "mofa", "bot_token": "123:abc"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "@username or chat id" in response.get_data(as_text=True)


def test_test_connection_is_asked_of_a_worker_and_its_answer_shown(client, session, people):
    channel = create_channel(session, "x", owner_unit=people["unit"])
    session.commit()
    login(client, people["coordinator"])
    assert "Never tested." in client.get(f"/social/channels/{channel.id}").get_data(as_text=True)
    assert client.post(f"/social/channels/{channel.id}/check").status_code == 303
    assert "Waiting for a worker" in client.get(f"/social/channels/{channel.id}").get_data(
        as_text=True
    )
    check = checks.latest_connection_check(session, channel=channel)
    now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    checks.finish_connection_check(
        session, check=check, now=now, account="@MOFAVietNam", error=None
    )
    session.commit()
    assert "signed in as @MOFAVietNam" in client.get(f"/social/channels/{channel.id}").get_data(
        as_text=True
    )
    client.post(f"/social/channels/{channel.id}/check")
    check = checks.latest_connection_check(session, channel=channel)
    checks.finish_connection_check(
        session, check=check, now=now, account=None,
        error=PlatformError(ErrorKind.AUTH, "Invalid or expired token", status=401),
    )  # fmt: skip
    session.commit()
    page = client.get(f"/social/channels/{channel.id}").get_data(as_text=True)
    assert "Failed: Invalid or expired token" in page and "health-broken" in page
    listing = client.get("/social/channels").get_data(as_text=True)
    assert "Invalid or expired token" in listing


def test_pause_and_resume_a_channel(client, session, people):
    channel = create_channel(session, owner_unit=people["unit"])
    session.commit()
    login(client, people["coordinator"])
    client.post(f"/social/channels/{channel.id}/pause")
    session.refresh(channel)
    assert channel.paused
    client.post(f"/social/channels/{channel.id}/resume")
    session.refresh(channel)
    assert not channel.paused


def test_editors_see_channels_but_do_not_manage_them(client, session, people):
    channel = create_channel(session, owner_unit=people["unit"])
    session.commit()
    login(client, people["editor"])
    assert client.get("/social/channels").status_code == 200
    page = client.get(f"/social/channels/{channel.id}").get_data(as_text=True)
    assert 'data-action="check"' not in page
    assert client.get("/social/channels/new").status_code == 403
    assert client.post(f"/social/channels/{channel.id}/pause").status_code == 403
    assert client.post(f"/social/channels/{channel.id}/check").status_code == 403
    assert _new_x_channel(client).status_code == 403


def test_the_sandbox_page_lists_what_was_published(client, session, people):
    sandbox = create_channel(session, owner_unit=people["unit"], name="Rehearsal")
    x = create_channel(session, "x", owner_unit=people["unit"])
    session.add(
        SandboxPost(channel_id=sandbox.id, text="Chào mừng 60 năm", media=[], fingerprint="f" * 64,
                    published_at=datetime(2026, 11, 22, 2, 0, tzinfo=UTC))
    )  # fmt: skip
    session.commit()
    login(client, people["editor"])
    page = client.get(f"/sandbox/{sandbox.id}").get_data(as_text=True)
    assert "Chào mừng 60 năm" in page and 'id="post-' in page
    assert client.get(f"/sandbox/{x.id}").status_code == 404


def test_a_channel_form_sets_whom_the_channel_addresses(client, session, people):
    login(client, people["coordinator"])
    response = _new_x_channel(client, audience_countries=["FR", "BE"], audience_zone="")
    assert response.status_code == 303
    channel = session.scalar(select(Channel))
    assert (channel.audience_countries, channel.audience_zone) == (["FR", "BE"], "Europe/Paris")
    page = client.get(f"/social/channels/{channel.id}").get_data(as_text=True)
    assert "FR, BE · Europe/Paris" in page
    form = client.get(f"/social/channels/{channel.id}/edit").get_data(as_text=True)
    assert '<option selected value="BE">' in form and 'value="Europe/Paris"' in form

    edit = {"name": channel.name, "handle": channel.handle, "language": "en",
            "owner_unit_code": "mofa", "owner_person_id": ""}  # fmt: skip
    refused = client.post(f"/social/channels/{channel.id}/edit",
                          data={**edit, "audience_countries": ["FR"], "audience_zone": "Paris"})  # fmt: skip
    assert refused.status_code == 422 and "This time zone does not exist." in refused.get_data(
        as_text=True
    )
    session.refresh(channel)
    assert channel.audience_zone == "Europe/Paris"
    # Without countries it addresses the home audience, on the office's clock.
    response = client.post(f"/social/channels/{channel.id}/edit", data=edit)
    assert response.status_code == 303
    session.refresh(channel)
    assert (channel.audience_countries, channel.audience_zone) == ([], "Asia/Ho_Chi_Minh")
    assert "Home audience (VN)" in client.get(f"/social/channels/{channel.id}").get_data(
        as_text=True
    )


@pytest.mark.parametrize("owner", ["³", "99999999999999999999"])
def test_a_forged_owner_id_is_no_owner_not_a_crash(client, session, people, owner):
    login(client, people["coordinator"])
    response = _new_x_channel(client, owner_person_id=owner)
    assert response.status_code in (303, 422)
    channel = session.scalar(select(Channel))
    assert channel is None or channel.owner_person_id is None


def test_a_channel_with_a_backlog_says_when_the_last_of_it_can_go_out(client, session, people):
    channel = create_channel(
        session, owner_unit=people["unit"], rate_limit_posts=2, rate_window_seconds=3600
    )
    now = utcnow()
    for _ in range(5):
        scheduled_post(
            session, [channel], at=now - timedelta(minutes=1), now=now - timedelta(hours=1)
        )
    session.commit()
    login(client, people["coordinator"])

    page = client.get(f"/social/channels/{channel.id}").get_data(as_text=True)

    # Two an hour: two now, two in the next window, the last in the one after.
    assert 'id="channel-drain"' in page
    assert "5 posts are due now" in page


def test_a_channel_the_platform_holds_back_says_until_when(client, session, people):
    channel = create_channel(session, owner_unit=people["unit"])
    now = utcnow()
    for _ in range(3):
        scheduled_post(
            session, [channel], at=now - timedelta(minutes=1), now=now - timedelta(hours=1)
        )
    channel.rate_limited_until = now + timedelta(minutes=12)
    session.commit()
    login(client, people["coordinator"])

    page = client.get(f"/social/channels/{channel.id}").get_data(as_text=True)

    # The burst is spread over the platform's windows, and the page says so.
    assert 'id="channel-platform-limit"' in page
    assert "no more posts before" in page
    assert "3 posts are due now" in page
