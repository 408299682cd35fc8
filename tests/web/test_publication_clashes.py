"""Publication clashes in the browser and the API: warnings at scheduling time, a quiet day to
confirm, and the quiet days page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from campaigns.calendar import quiet_days
from campaigns.calendar.models import QuietDay
from campaigns.social.models import Publication
from tests.factories import bearer, create_person, create_unit, login
from tests.social_factories import at_utc, cleared_post, create_channel, scheduled_post

DAY = date(2027, 6, 20)


@pytest.fixture
def world(session, now):
    unit = create_unit(session, code="mofa", kind="ministry", timezone="Asia/Ho_Chi_Minh")
    coordinator = create_person(session, "coordinator", unit=unit, timezone="UTC")
    channel = create_channel(session, owner_unit=unit, name="MOFA X")
    scheduled_post(session, [channel], at_utc(2027, 6, 20, 8), now, title="Ngày Báo chí")
    post = cleared_post(session)
    session.commit()
    return {"unit": unit, "coordinator": coordinator, "channel": channel, "post": post}


def _form(world, hour_minute: str, day: date = DAY) -> dict:
    return {"channel_ids": [str(world["channel"].id)], "mode": "at", "zone": "UTC",
            "local_date": day.isoformat(), "local_time": hour_minute}  # fmt: skip


def _shown(html: str) -> str:
    return re.search(r'name="expected_plan"[^>]*value="([0-9a-f]+)"', html).group(1)


def test_the_preview_warns_of_a_close_publication_and_the_post_page_keeps_saying_so(
    client, session, world
):
    login(client, world["coordinator"])
    url = f"/social/posts/{world['post'].id}/schedule"
    preview = client.post(url, data={**_form(world, "08:15"), "action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert 'data-clash-kind="interval"' in html
    assert "“Ngày Báo chí” goes out on this channel" in html and "30 minutes" in html

    saved = client.post(
        url, data={**_form(world, "08:15"), "action": "save", "expected_plan": _shown(html)}
    )
    assert saved.status_code == 303
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Scheduled with clashes" in page
    assert 'id="publication-clashes"' in page and "Ngày Báo chí" in page
    assert len(session.scalars(select(Publication)).all()) == 2


def test_no_clash_no_warning(client, world):
    login(client, world["coordinator"])
    url = f"/social/posts/{world['post'].id}/schedule"
    html = client.post(url, data={**_form(world, "10:00"), "action": "preview"}).get_data(
        as_text=True
    )
    assert "data-clash-kind" not in html


def test_a_quiet_day_is_shown_and_saving_the_plan_confirms_it(client, session, now, world):
    quiet_days.create_quiet_day(
        session,
        actor=None,
        now=now,
        data=quiet_days.QuietDayInput(start_date=DAY, end_date=None, reason="Quốc tang"),
    )
    session.commit()
    login(client, world["coordinator"])
    url = f"/social/posts/{world['post'].id}/schedule"
    html = client.post(url, data={**_form(world, "12:00"), "action": "preview"}).get_data(
        as_text=True
    )
    assert 'data-clash-kind="quiet_day"' in html and "Quốc tang" in html
    assert "needs your confirmation" in html
    saved = client.post(
        url, data={**_form(world, "12:00"), "action": "save", "expected_plan": _shown(html)}
    )
    assert saved.status_code == 303


def test_the_api_answers_clashes_and_refuses_an_unconfirmed_quiet_day(client, session, now, world):
    quiet_days.create_quiet_day(
        session,
        actor=None,
        now=now,
        data=quiet_days.QuietDayInput(start_date=DAY, end_date=None, reason="Quốc tang"),
    )
    headers = bearer(session, world["coordinator"])
    url = f"/api/v1/posts/{world['post'].id}/schedule"
    body = {"channel_ids": [world["channel"].id], "local_time": "08:10",
            "local_date": DAY.isoformat(), "zone": "UTC"}  # fmt: skip

    dry = client.post(url, json={**body, "dry_run": True}, headers=headers).get_json()
    kinds = sorted(clash["kind"] for clash in dry["clashes"])
    assert kinds == ["interval", "quiet_day"]
    interval = next(clash for clash in dry["clashes"] if clash["kind"] == "interval")
    assert interval["other_title"] == "Ngày Báo chí" and interval["minutes"] == 30
    assert "Ngày Báo chí" in interval["message"]

    refused = client.post(url, json=body, headers=headers)
    assert refused.status_code == 409 and "Quốc tang" in refused.get_json()["message"]
    assert len(session.scalars(select(Publication)).all()) == 1

    created = client.post(url, json={**body, "confirm_quiet_days": True}, headers=headers)
    assert created.status_code == 201
    (publication,) = created.get_json()
    assert sorted(clash["kind"] for clash in publication["clashes"]) == ["interval", "quiet_day"]


def test_quiet_days_page_adds_lists_and_removes(client, session, world):
    login(client, world["coordinator"])
    added = client.post(
        "/calendar/quiet-days",
        data={"start_date": "2027-06-20", "end_date": "2027-06-21", "reason": "Quốc tang",
              "unit_code": "mofa", "timezone": ""},
    )  # fmt: skip
    assert added.status_code == 302
    page = client.get("/calendar/quiet-days").get_data(as_text=True)
    assert "Quốc tang" in page and "mofa" in page
    quiet = session.scalar(select(QuietDay))
    assert (quiet.end_date, quiet.timezone) == (date(2027, 6, 21), "Asia/Ho_Chi_Minh")
    removed = client.post(f"/calendar/quiet-days/{quiet.id}/delete")
    assert removed.status_code == 302
    assert session.scalar(select(QuietDay)) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start_date": "2027-06-20", "reason": ""}, "Say why the day is quiet"),
        ({"start_date": "", "reason": "x"}, "Enter the first quiet day."),
        ({"start_date": "2027-06-20", "end_date": "2027-06-01", "reason": "x"}, "cannot be before"),
        ({"start_date": "2027-06-20", "reason": "x", "timezone": "Mars/Base"}, "time zone"),
        ({"start_date": "not a date", "reason": "x"}, "date"),
    ],
)
def test_bad_quiet_days_are_refused_next_to_the_field(client, session, world, data, message):
    login(client, world["coordinator"])
    response = client.post("/calendar/quiet-days", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(QuietDay)) is None


def test_the_office_interval_is_set_on_the_quiet_days_page(client, session, world):
    login(client, world["coordinator"])
    assert client.post("/calendar/quiet-days/interval", data={"minutes": "90"}).status_code == 302
    assert quiet_days.clash_interval(session) == 90
    refused = client.post("/calendar/quiet-days/interval", data={"minutes": "-5"})
    assert refused.status_code == 422 and "between 0 and 1440" in refused.get_data(as_text=True)
    assert quiet_days.clash_interval(session) == 90


def test_the_channel_form_takes_its_own_interval(client, session, world):
    login(client, world["coordinator"])
    channel = world["channel"]
    page = client.get(f"/social/channels/{channel.id}/edit").get_data(as_text=True)
    assert 'name="clash_interval_minutes"' in page
