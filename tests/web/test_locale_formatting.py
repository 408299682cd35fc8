"""Figures, amounts, days and times read the way the reader writes them, on every page: a
Vietnamese reader sees 1.250.000.000 ₫ and 30 thg 8, 2027, an English one ₫1,250,000,000 and
Aug 30, 2027; nothing is formatted by hand in one page and by Babel in the next."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask import render_template_string
from flask_babel import force_locale

from campaigns.press import coverage, trips
from tests.factories import create_person, create_unit, login
from tests.press_factories import add_item, create_journalist, create_outlet, create_trip, invite
from tests.social_factories import create_campaign, create_channel, scheduled_post

NOW = datetime(2026, 1, 1, tzinfo=UTC)

# What each reader sees, and what they must never see (the other language's way).
EXPECTED = {
    "vi": {
        "budget": "1.250.000.000\u00a0₫",
        "day": "30 thg 8, 2027",
        "reach": "2.000.000",
        "item": "09:00 30/8/27–11:00",
        "arrival": "14:30 29/8/27",
        "published": "5 thg 9, 2027",
        "not": ["1,250,000,000", "2,000,000", "2027-08-30"],
    },
    "en": {
        "budget": "₫1,250,000,000",
        "day": "Aug 30, 2027",
        "reach": "2,000,000",
        "item": "8/30/27, 9:00\u202fAM–11:00\u202fAM",
        "arrival": "8/29/27, 2:30\u202fPM",
        "published": "Sep 5, 2027",
        "not": ["1.250.000.000", "2.000.000", "2027-08-30"],
    },
}


@pytest.fixture
def press(session):
    host = create_unit(
        session, code="mofa-press", kind="ministry", country="VN", timezone="Asia/Ho_Chi_Minh"
    )
    trip = create_trip(session, host=host, budget_planned="1250000000", currency="VND")
    outlet = create_outlet(session, name="Tokyo Shimpo", estimated_reach=2_000_000)
    journalist = create_journalist(session, outlet=outlet, name_latin="Tanaka Yuki")
    invitation = invite(session, trip, journalist)
    trips.update_logistics(
        session,
        actor=None,
        now=NOW,
        invitation=invitation,
        data=trips.LogisticsInput(
            arrival_local=datetime(2027, 8, 29, 14, 30),  # noqa: DTZ001 - the trip's wall clock
            arrival_flight="JL 751",
        ),
    )
    add_item(session, trip, activity="Ba Đình Square")
    coverage.record_coverage(
        session,
        actor=None,
        now=datetime(2027, 12, 1, tzinfo=UTC),
        status="found",
        data=coverage.CoverageInput(
            url="https://tokyo-shimpo.example/vn",
            trip_id=trip.id,
            journalist_id=journalist.id,
            outlet_id=outlet.id,
            headline="Hanoi celebrates",
            published_on=date(2027, 9, 5),
        ),
    )
    session.commit()
    return trip


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_press_pages_show_amounts_days_and_times_in_the_readers_way(client, session, press, locale):
    coordinator = create_person(session, role="coordinator", locale=locale)
    session.commit()
    login(client, coordinator)
    expected = EXPECTED[locale]

    trip_page = client.get(f"/press/trips/{press.id}").text
    assert expected["budget"] in trip_page
    assert expected["day"] in trip_page
    assert expected["item"] in trip_page
    assert expected["arrival"] in trip_page
    report = client.get(f"/press/trips/{press.id}/report").text
    assert expected["reach"] in report and expected["day"] in report
    assert expected["published"] in report
    assert expected["budget"] in report  # one article: its cost is the whole budget
    listing = client.get("/press/trips").text
    assert expected["day"] in listing
    assert expected["reach"] in client.get("/press/outlets").text
    assert expected["published"] in client.get("/press/coverage").text
    for page in (trip_page, report, listing):
        for wrong in expected["not"]:
            assert wrong not in _visible(page), wrong


def _visible(page: str) -> str:
    """The page without its tags' attributes (a date input's value is ISO on purpose)."""
    return re.sub(r"<[^>]*>", " ", page)


@pytest.mark.parametrize(
    ("locale", "figure", "scheduled"),
    [("vi", "1.500.000", "09:00 1/9/27"), ("en", "1,500,000", "9/1/27, 9:00\u202fAM")],
)
def test_campaign_targets_and_post_times_are_in_the_readers_way(
    client, session, locale, figure, scheduled
):
    owner = create_unit(session, code="mofa-press", kind="ministry", country="VN")
    campaign = create_campaign(
        session, owner_unit=owner, kpi_targets={"impressions": 1_500_000, "posts": 12}
    )
    channel = create_channel(session, owner_unit=owner)
    post = scheduled_post(
        session, [channel], at=datetime(2027, 9, 1, 9, 0, tzinfo=UTC), now=NOW, campaign=campaign
    )
    coordinator = create_person(session, role="coordinator", locale=locale)
    session.commit()
    login(client, coordinator)

    assert figure in client.get(f"/social/campaigns/{campaign.id}").text
    post_page = _visible(client.get(f"/social/posts/{post.id}").text)
    assert scheduled in post_page
    assert "2027-09-01 09:00" not in post_page


@pytest.mark.parametrize(("locale", "expected"), [("vi", "20.000"), ("en", "20,000")])
def test_counts_in_sentences_are_grouped_the_readers_way(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        text = render_template_string("{{ ngettext('%(num)s entry', '%(num)s entries', 20000) }}")
    assert text.startswith(expected + " ")
    with app.test_request_context(), force_locale(locale):
        # A template may still name the count itself.
        named = render_template_string(
            "{{ ngettext('%(num)s entry', '%(num)s entries', 2, num='two') }}"
        )
    assert named.startswith("two ")
