"""Pure rules of the social area: clearance, formats, send-time maths across DST, retries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from campaigns.errors import Invalid
from campaigns.org.models import Person
from campaigns.permissions import can, clearance_refusal
from campaigns.social import rules
from campaigns.social.credentials import decrypt_credentials, encrypt_credentials
from campaigns.social.models import Post, PostReview, PostVersionAuthor, ReviewDecision
from campaigns.social.platform import ErrorKind, PlatformError, fingerprint, normalise_text


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- clearance -----------------------------------------------------------------------------------


def test_clearance_moves_only_forward_through_review():
    assert rules.can_move("draft", "in_review")
    assert rules.can_move("in_review", "approved")
    assert rules.can_move("in_review", "rejected")
    assert rules.can_move("rejected", "in_review")
    assert not rules.can_move("draft", "approved")
    assert not rules.can_move("rejected", "approved")
    assert not rules.can_move("approved", "approved")


@pytest.mark.parametrize(
    ("current", "after"),
    [
        ("approved", "in_review"),
        ("scheduled", "in_review"),
        ("in_review", "in_review"),
        ("rejected", "draft"),
        ("draft", "draft"),
    ],
)
def test_an_edit_sends_a_cleared_post_back_to_review(current, after):
    assert rules.status_after_edit(current) == after


def _person(person_id: int, role: str) -> Person:
    return Person(id=person_id, role=role, active=True)


def _post(version: int, writers: list[tuple[int, int]], cleared: list[int] = ()) -> Post:
    """A post at ``version``; ``writers`` are (version, person id); ``cleared`` the versions a
    second person cleared."""
    post = Post(id=1, author_id=writers[0][1], version=version)
    post.version_authors = [
        PostVersionAuthor(version=number, person_id=person_id, change="text")
        for number, person_id in writers
    ]
    post.reviews = [
        PostReview(version=number, decision=ReviewDecision.APPROVED, person_id=99)
        for number in cleared
    ]
    return post


def test_nobody_who_wrote_part_of_a_version_clears_it():
    post = _post(2, [(1, 1), (2, 2)])
    assert clearance_refusal(_person(1, "coordinator"), post)  # the author
    assert "one of its writers" in clearance_refusal(_person(2, "coordinator"), post)
    assert clearance_refusal(_person(3, "editor"), post)
    assert clearance_refusal(_person(3, "coordinator"), post) is None
    assert clearance_refusal(_person(3, "admin"), post) is None
    assert not can(_person(2, "coordinator"), "post.approve", post)
    assert can(_person(2, "coordinator"), "post.reject", post)


def test_after_a_clearance_only_the_later_changes_make_writers_and_the_author_stays_one():
    post = _post(3, [(1, 1), (2, 2), (3, 3)], cleared=[2])
    assert post.writer_ids() == {1, 3}
    assert post.writer_ids(2) == {1, 2}
    # Who changed version 2 may clear version 3; the author never clears any version.
    assert clearance_refusal(_person(2, "coordinator"), post) is None
    assert "You wrote this post" in clearance_refusal(_person(1, "coordinator"), post)
    assert clearance_refusal(_person(3, "coordinator"), post)


# --- formats -------------------------------------------------------------------------------------


def test_x_counts_a_url_as_23_whatever_its_length():
    short = "Read https://example.org"
    long = "Read https://example.org/" + "a" * 200
    assert rules.x_weighted_length(short) == 5 + 23
    assert rules.x_weighted_length(long) == 5 + 23


def test_x_counts_cjk_characters_twice():
    assert rules.x_weighted_length("越南") == 4
    assert rules.x_weighted_length("ベトナム") == 8
    # Vietnamese letters with two diacritics (ệ, U+1EC7) sit outside X's light ranges: 2 each.
    assert rules.x_weighted_length("Viet Nam") == 8
    assert rules.x_weighted_length("Việt Nam") == 9


def test_a_text_that_fits_in_280_characters_may_not_fit_in_x_weighted():
    text = "中" * 141  # 141 characters, weighted 282
    assert len(text) <= 280
    check = rules.check_format("x", text)
    assert (check.length, check.limit, check.ok) == (282, 280, False)
    _template, params = rules.format_problem(check)
    assert params == {"platform": "X", "length": 282, "limit": 280}
    assert rules.check_format("telegram", text).ok


def test_telegram_allows_4096_characters_but_1024_in_a_caption():
    text = "a" * 2000
    assert rules.check_format("telegram", text).ok
    captioned = rules.check_format("telegram", text, images=1)
    assert (captioned.limit, captioned.ok) == (1024, False)


def test_image_counts_per_platform():
    assert not rules.check_format("x", "hi", images=5).ok
    assert rules.check_format("x", "hi", images=4).ok
    problem = rules.format_problem(rules.check_format("x", "hi", images=5))
    assert problem[1] == {"platform": "X", "limit": 4}


@pytest.mark.parametrize(
    ("tag", "normalised"),
    [
        ("vi", "vi"),
        ("EN", "en"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("pt_br", "pt-BR"),
        ("es-419", "es-419"),
    ],
)
def test_language_tags_are_normalised(tag, normalised):
    assert rules.normalise_language(tag) == normalised


@pytest.mark.parametrize("tag", ["", "english", "e", "vi-", "12"])
def test_what_is_not_a_language_tag(tag):
    assert rules.normalise_language(tag) is None


# --- send-time maths -----------------------------------------------------------------------------


def test_nine_in_paris_moves_in_utc_across_the_spring_change():
    # Europe/Paris springs forward on 28 March 2027.
    assert rules.wall_to_utc(date(2027, 3, 27), time(9), "Europe/Paris") == utc(2027, 3, 27, 8)
    assert rules.wall_to_utc(date(2027, 3, 29), time(9), "Europe/Paris") == utc(2027, 3, 29, 7)


def test_a_wall_time_in_the_spring_gap_moves_forward_by_the_gap():
    # 02:30 does not exist in Paris on 28 March 2027 nor in New York on 14 March 2027.
    assert rules.wall_to_utc(date(2027, 3, 28), time(2, 30), "Europe/Paris") == utc(
        2027, 3, 28, 1, 30
    )  # = 03:30 CEST
    assert rules.wall_to_utc(date(2027, 3, 14), time(2, 30), "America/New_York") == utc(
        2027, 3, 14, 7, 30
    )  # = 03:30 EDT


def test_a_wall_time_that_happens_twice_is_its_first_occurrence():
    # 02:30 happens twice in Paris on 31 October 2027, 01:30 twice in New York on 7 November.
    assert rules.wall_to_utc(date(2027, 10, 31), time(2, 30), "Europe/Paris") == utc(
        2027, 10, 31, 0, 30
    )  # CEST
    assert rules.wall_to_utc(date(2027, 11, 7), time(1, 30), "America/New_York") == utc(
        2027, 11, 7, 5, 30
    )  # EDT


def test_a_channel_serves_the_chosen_audiences_it_addresses_in_its_own_order():
    assert rules.served_audiences(["KH"], ["KH", "FR"]) == ["KH"]
    assert rules.served_audiences(["fr", "BE"], ["be", "KH", "FR"]) == ["FR", "BE"]
    assert rules.served_audiences(["VN"], ["KH", "FR"]) == []
    assert rules.served_audiences(["VN", "KH"], ["VN", "KH", "VN"]) == ["VN", "KH"]


def test_capital_clocks_follow_each_zone_across_dst():
    # Between 14 March (US change) and 28 March (EU change) the gap between Paris and New York
    # is five hours, not six.
    paris, new_york = rules.zone_for_country("FR"), rules.zone_for_country("US")
    assert rules.wall_to_utc(date(2027, 3, 20), time(9), paris) == utc(2027, 3, 20, 8)
    assert rules.wall_to_utc(date(2027, 3, 20), time(9), new_york) == utc(2027, 3, 20, 13)
    assert rules.wall_to_utc(date(2027, 3, 29), time(9), paris) == utc(2027, 3, 29, 7)
    assert rules.wall_to_utc(date(2027, 3, 29), time(9), new_york) == utc(2027, 3, 29, 13)


def test_multi_zone_countries_use_their_capitals_zone():
    assert rules.zone_for_country("US") == "America/New_York"
    assert rules.zone_for_country("RU") == "Europe/Moscow"
    assert rules.zone_for_country("VN") == "Asia/Ho_Chi_Minh"
    assert rules.zone_for_country("fr") == "Europe/Paris"
    assert rules.zone_for_country("XX") is None


def test_every_country_with_several_zones_has_a_chosen_one():
    several = {c for c, zones in rules.tzdata_country_zones().items() if len(zones) > 1}
    assert several <= set(rules.CAPITAL_ZONES)
    for country, zone in rules.CAPITAL_ZONES.items():
        assert zone in rules.tzdata_country_zones()[country], country


# --- retries -------------------------------------------------------------------------------------


def test_backoff_grows_exponentially_with_equal_jitter_and_a_cap():
    policy = rules.RetryPolicy(base_delay=timedelta(seconds=10), max_delay=timedelta(minutes=1))
    low, high = (lambda: 0.0), (lambda: 0.999999)
    assert rules.backoff_delay(1, policy, low) == timedelta(seconds=5)
    assert rules.backoff_delay(2, policy, low) == timedelta(seconds=10)
    assert rules.backoff_delay(3, policy, low) == timedelta(seconds=20)
    assert rules.backoff_delay(3, policy, high) == pytest.approx(
        timedelta(seconds=40), abs=timedelta(milliseconds=1)
    )
    assert rules.backoff_delay(10, policy, low) == timedelta(seconds=30)
    assert rules.backoff_delay(10, policy, high) <= timedelta(minutes=1)


def test_a_platforms_retry_time_is_honoured():
    now = utc(2027, 1, 1, 12)
    policy = rules.RetryPolicy()
    reset = now + timedelta(minutes=7)
    rate_limited = rules.next_attempt_after_failure(
        attempts=1, now=now, retry_at=reset, rate_limited=True, policy=policy, random=lambda: 0.5
    )
    assert rate_limited == reset
    transient = rules.next_attempt_after_failure(
        attempts=1, now=now, retry_at=reset, rate_limited=False, policy=policy, random=lambda: 0.5
    )
    assert transient == reset  # later than the backoff, so it wins
    soon = rules.next_attempt_after_failure(
        attempts=1, now=now, retry_at=None, rate_limited=False, policy=policy, random=lambda: 0.5
    )
    assert soon == now + timedelta(seconds=11.25)


def test_budget_windows_are_fixed_and_aligned():
    start, end = rules.budget_window(utc(2027, 1, 1, 12, 7), 15 * 60)
    assert (start, end) == (utc(2027, 1, 1, 12, 0), utc(2027, 1, 1, 12, 15))


# --- platform vocabulary and credentials ---------------------------------------------------------


def test_fingerprint_ignores_spacing_but_not_content_or_media():
    assert normalise_text("  Hello   world \r\n next ") == "Hello world\nnext"
    assert fingerprint("Hello  world", []) == fingerprint("Hello world ", [])
    assert fingerprint("Hello world", []) != fingerprint("Hello world!", [])
    assert fingerprint("Hello", ["ab"]) != fingerprint("Hello", ["cd"])
    assert fingerprint("Hello", ["AB"]) == fingerprint("Hello", ["ab"])


def test_a_platform_error_needs_an_aware_retry_time():
    error = PlatformError(ErrorKind.RATE_LIMITED, "slow down", retry_at=utc(2027, 1, 1), status=429)
    assert (error.kind, error.status) == (ErrorKind.RATE_LIMITED, 429)
    with pytest.raises(ValueError):
        PlatformError(ErrorKind.RATE_LIMITED, "x", retry_at=datetime(2027, 1, 1))  # noqa: DTZ001


def test_credentials_round_trip_and_refuse_another_secret():
    token = encrypt_credentials({"bot_token": "123:secret"}, secret="a" * 40)
    assert "123:secret" not in token
    assert decrypt_credentials(token, secret="a" * 40) == {"bot_token": "123:secret"}
    with pytest.raises(Invalid):
        decrypt_credentials(token, secret="b" * 40)


def test_a_backlog_drains_within_the_budget_window_by_window():
    now = datetime(2026, 9, 2, 2, 5, tzinfo=UTC)  # 5 minutes into a 15-minute window
    window = 15 * 60

    def drains(due, used=0, capacity=50, not_before=None):
        return rules.queue_drains_at(
            due=due,
            used=used,
            capacity=capacity,
            window_seconds=window,
            now=now,
            not_before=not_before,
        )

    assert drains(0) is None
    assert drains(30, used=20) == now  # room for all of it in this window
    assert drains(31, used=20) == datetime(2026, 9, 2, 2, 15, tzinfo=UTC)  # one more window
    assert drains(120) == datetime(2026, 9, 2, 2, 30, tzinfo=UTC)  # 50 now, 50, then 20
    # A platform's reset in a later window: that window's whole budget is there.
    reset = datetime(2026, 9, 2, 2, 40, tzinfo=UTC)
    assert drains(50, used=50, not_before=reset) == reset
    assert drains(51, used=50, not_before=reset) == datetime(2026, 9, 2, 2, 45, tzinfo=UTC)
