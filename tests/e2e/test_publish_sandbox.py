"""Journeys 1 and 3 in the browser: an editor writes a post in Vietnamese and English (the
counter follows X's weighted length as she types), a coordinator who is not the author clears
it and schedules it a few seconds ahead on two sandbox channels, and a real outbox worker
publishes it there. Then a rapid response: a coordinator writes it, a second one clears it and
publishes it now. Selectors avoid interface wording, which changes with the person's language.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import create_engine, select

from bots.registry import client_for
from campaigns.db import utcnow
from campaigns.org.models import Person
from campaigns.social import services
from campaigns.social.demo import APPROVER, PRESS_CHANNEL, load_social_demo
from campaigns.social.models import Campaign, Channel
from scheduler.transactions import Transactions
from scheduler.worker import run_workers
from tests.e2e.conftest import sign_in
from web.extensions import db

# How far ahead the post is scheduled, and how long the worker gets to publish it.
AHEAD = timedelta(seconds=20)
PUBLISH_TIMEOUT = timedelta(seconds=60)


@pytest.fixture
def worker(live_server, tmp_path):
    """One outbox worker against the live server's database, as `herald worker` runs it."""
    app = live_server.app
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    stop = threading.Event()
    threads = run_workers(
        Transactions(engine, door="worker"),
        partial(client_for, config=app.config),
        stop=stop,
        concurrency=1,
        media_root=tmp_path,
    )
    yield
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    engine.dispose()


@pytest.fixture
def social_demo(live_server):
    with live_server.app.app_context():
        db.session.info["door"] = "demo"
        campaign = load_social_demo(db.session, now=utcnow())
        db.session.commit()
        vi = db.session.scalar(select(Channel).where(Channel.name == PRESS_CHANNEL))
        en = db.session.scalar(
            select(Channel).where(Channel.language == "en", Channel.kind == "sandbox")
        )
        return {"campaign": campaign.id, "vi": vi.id, "en": en.id}


def submit(page, selector: str = "main form button[type=submit].primary") -> None:
    page.click(selector)
    page.wait_for_load_state()


def published_on(page, channel: int, text: str) -> bool:
    page.goto(f"/sandbox/{channel}")
    feed = page.locator("#sandbox-posts")
    return feed.count() > 0 and text in feed.inner_text()


def sign_out(page) -> None:
    page.click("form[action$='/logout'] button")
    page.wait_for_load_state()


def test_a_cleared_post_is_published_on_the_sandbox_at_its_time(page, social_demo, worker):
    marker = uuid.uuid4().hex[:8]
    text_vi = f"Chào mừng kỷ niệm quan hệ hữu nghị ({marker})"
    text_en = f"Celebrating our friendship https://example.org/{'a' * 60} ({marker})"

    sign_in(page, "editor@example.org")
    page.goto(f"/social/campaigns/{social_demo['campaign']}/posts/new")
    page.fill("input[name=title]", f"Browser test {marker}")
    page.fill("textarea[name=text_vi]", text_vi)
    page.type("textarea[name=text_en]", text_en)
    # X counts the link as 23 whatever its length: the counter says so while she types.
    expected = len(text_en) - len(f"https://example.org/{'a' * 60}") + 23
    counter = page.locator("[data-length-for=text_en] [data-kind=x] [data-length]")
    page.wait_for_function(
        "([element, value]) => element.textContent === value",
        arg=[counter.element_handle(), str(expected)],
    )
    submit(page)
    post_url = page.url
    assert "/social/posts/" in post_url
    submit(page, "button[data-action=submit]")
    assert page.locator("button[data-action=approve]").count() == 0  # never her own
    sign_out(page)

    sign_in(page, "coordinator@example.org")
    page.goto(post_url)
    submit(page, "button[data-action=approve]")
    assert page.locator("#schedule").count() == 1
    due = datetime.now(UTC).replace(microsecond=0) + AHEAD
    schedule = page.locator("#schedule form").first
    schedule.locator("select[name=channel_ids]").select_option(
        [str(social_demo["vi"]), str(social_demo["en"])]
    )
    schedule.locator("input[name=mode][value=at]").check()
    schedule.locator("input[name=zone]").fill("UTC")
    schedule.locator("input[name=local_date]").fill(due.date().isoformat())
    schedule.locator("input[name=local_time]").fill(due.strftime("%H:%M:%S"))
    # The plan is shown before anything is saved, then exactly that plan is scheduled.
    submit(page, "#schedule button[name=action][value=preview]")
    assert page.locator("#schedule-preview tr.planned").count() == 2
    submit(page, "#schedule button[name=action][value=save]")
    assert page.locator("#publications tr.publication").count() == 2

    for channel, text in ((social_demo["en"], text_en), (social_demo["vi"], text_vi)):
        deadline = datetime.now(UTC) + PUBLISH_TIMEOUT
        while not published_on(page, channel, text):
            assert datetime.now(UTC) < deadline, f"not published on channel {channel}"
            page.wait_for_timeout(1000)
        published = page.locator(f"#sandbox-posts li:has-text('{marker}') time")
        published_at = datetime.fromisoformat(published.get_attribute("datetime"))
        assert due <= published_at < due + timedelta(seconds=15)

    page.goto(post_url)
    assert page.locator("#publications tr.publication.status-published").count() == 2


def test_a_rapid_response_is_cleared_by_a_second_coordinator_and_goes_out_now(
    page, social_demo, worker
):
    marker = uuid.uuid4().hex[:8]
    sign_in(page, "coordinator@example.org")
    page.goto("/social/rapid")
    page.select_option("select[name=campaign]", str(social_demo["campaign"]))
    page.fill("input[name=title]", f"Official position {marker}")
    page.fill("textarea[name=text_vi]", f"Lập trường chính thức ({marker})")
    page.fill("textarea[name=text_en]", f"Official position ({marker})")
    submit(page)
    post_url = page.url
    assert page.locator("button[data-action=approve]").count() == 0  # not by its author
    sign_out(page)

    sign_in(page, "coordinator2@example.org")
    page.goto(post_url)
    submit(page, "button[data-action=approve]")
    page.locator("#publish-now-form select[name=channel_ids]").select_option(
        [str(social_demo["vi"]), str(social_demo["en"])]
    )
    submit(page, "button[data-action=publish-now]")
    deadline = datetime.now(UTC) + PUBLISH_TIMEOUT
    while page.locator("#publications tr.publication.status-published").count() < 2:
        assert datetime.now(UTC) < deadline, "the rapid response was not published"
        page.wait_for_timeout(500)
        page.goto(post_url)
    assert published_on(page, social_demo["en"], f"Official position ({marker})")


def test_nine_local_for_each_audience_is_previewed_then_scheduled_once_per_channel(
    page, social_demo, live_server
):
    """Journey 1: Hanoi and Phnom Penh share a clock, Paris does not; each channel once."""
    marker = uuid.uuid4().hex[:8]
    with live_server.app.app_context():
        editor = db.session.scalar(select(Person).where(Person.email == "editor@example.org"))
        approver = db.session.scalar(select(Person).where(Person.email == APPROVER))
        campaign = db.session.get(Campaign, social_demo["campaign"])
        post = services.create_post(db.session, actor=editor, now=utcnow(), campaign=campaign,
                                    title=f"Audiences {marker}",
                                    variants={"vi": f"Xin chào {marker}", "en": f"Hello {marker}"})  # fmt: skip
        services.submit_post(db.session, actor=editor, now=utcnow(), post=post)
        services.approve_post(db.session, actor=approver, now=utcnow(), post=post,
                              expected_version=post.version)  # fmt: skip
        db.session.commit()
        post_id = post.id
        channels = {
            channel.owner_unit.code: str(channel.id)
            for channel in db.session.scalars(select(Channel).where(Channel.kind == "sandbox"))
        }
    day = date(utcnow().year + 1, 6, 24)
    sign_in(page, "coordinator@example.org")
    page.goto(f"/social/posts/{post_id}")
    schedule = page.locator("#schedule form").first
    chosen = [channels["mofa-press"], channels["mission-kh"], channels["mission-fr"]]
    schedule.locator("select[name=channel_ids]").select_option(chosen)
    schedule.locator("input[name=mode][value=per_audience]").check()
    schedule.locator("select[name=countries]").select_option(["VN", "KH", "FR", "US"])
    schedule.locator("input[name=local_date]").fill(day.isoformat())
    schedule.locator("input[name=local_time]").fill("09:00")
    submit(page, "#schedule button[name=action][value=preview]")
    rows = page.locator("#schedule-preview tr.planned")
    assert rows.count() == 3
    # Each row's local and UTC instants, as the <time> elements state them exactly.
    times = [
        [stamp.get_attribute("datetime") for stamp in rows.nth(i).locator("time").all()]
        for i in range(3)
    ]
    assert sorted((local[11:16], utc[11:16]) for local, utc in times) == [
        ("09:00", "02:00"),
        ("09:00", "02:00"),
        ("09:00", "07:00"),
    ]
    assert page.locator("#schedule-warnings [data-unserved-country=US]").count() == 1
    submit(page, "#schedule button[name=action][value=save]")
    assert page.locator("#publications tr.publication").count() == 3
