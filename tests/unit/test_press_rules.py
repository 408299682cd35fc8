from datetime import UTC, date, datetime

import pytest

from campaigns.errors import Invalid
from campaigns.press import rules


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.LeMonde.fr/article/123/", "lemonde.fr/article/123"),
        ("http://lemonde.fr/article/123#comments", "lemonde.fr/article/123"),
        ("https://lemonde.fr/article/123?utm_source=x&b=2&a=1", "lemonde.fr/article/123?a=1&b=2"),
        ("https://lemonde.fr:443/article/123?fbclid=abc", "lemonde.fr/article/123"),
        ("https://news.example.org:8443/a", "news.example.org:8443/a"),
    ],
)
def test_links_to_one_article_normalise_to_one_key(raw, expected):
    assert rules.normalise_url(raw) == (expected, None)


@pytest.mark.parametrize(
    "raw", ["", "ftp://example.org/a", "javascript:alert(1)", "lemonde.fr/a", "https://"]
)
def test_only_http_links_are_accepted(raw):
    _, error = rules.normalise_url(raw)
    assert error


def test_a_visa_case_cannot_skip_a_step():
    with pytest.raises(Invalid) as caught:
        rules.check_transition(rules.VISA_TRANSITIONS, "letter_requested", "applied", field="visa")
    assert "not possible from the current status" in caught.value.message
    assert caught.value.errors == {"visa": caught.value.template}
    rules.check_transition(rules.VISA_TRANSITIONS, "letter_requested", "letter_issued", field="v")


def test_every_state_of_every_machine_is_declared():
    for machine in (
        rules.TRIP_TRANSITIONS,
        rules.INVITATION_TRANSITIONS,
        rules.VISA_TRANSITIONS,
        rules.ITEM_TRANSITIONS,
        rules.INTERVIEW_TRANSITIONS,
        rules.COVERAGE_TRANSITIONS,
    ):
        for targets in machine.values():
            assert targets <= set(machine)


def test_a_wall_time_skipped_by_daylight_saving_is_refused():
    with pytest.raises(Invalid) as caught:
        rules.local_to_utc(datetime(2027, 3, 28, 2, 30), "Europe/Paris", field="starts_local")  # noqa: DTZ001
    assert "starts_local" in caught.value.errors
    paris = rules.local_to_utc(datetime(2027, 3, 28, 3, 30), "Europe/Paris", field="s")  # noqa: DTZ001
    assert paris == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_outside_trip_uses_the_local_day_of_the_item():
    # 23:30 in Hanoi on 4 September is 16:30 UTC: still the trip's last day locally.
    starts = datetime(2027, 9, 4, 16, 30, tzinfo=UTC)
    ends = datetime(2027, 9, 4, 17, 0, tzinfo=UTC)
    assert not rules.outside_trip(
        starts, ends, "Asia/Ho_Chi_Minh", date(2027, 8, 31), date(2027, 9, 4)
    )
    later = datetime(2027, 9, 4, 17, 30, tzinfo=UTC)  # 00:30 on 5 September in Hanoi
    assert rules.outside_trip(
        later, later.replace(hour=18), "Asia/Ho_Chi_Minh", date(2027, 8, 31), date(2027, 9, 4)
    )


def test_cities_match_without_accents_or_case():
    assert rules.same_city("Hà Nội", "Quảng trường Ba Đình, Ha Noi")
    assert rules.same_city("Hanoi", "Nhà hát Lớn Hà Nội")
    assert not rules.same_city("Huế", "Hà Nội")
    assert not rules.same_city("", "Hà Nội")


def test_lists_are_split_and_deduplicated():
    assert rules.split_list("en, fr;; en ,") == ["en", "fr"]
    assert rules.check_languages(["en", "zh-Hant"]) is None
    assert rules.check_languages(["English"])
