"""Pure calendar rules: anniversary arithmetic, the Vietnamese lunar calendar, wall clocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from holidays.calendars.chinese import VIETNAMESE_CALENDAR, _ChineseLunisolar

from campaigns.calendar import lunar, rules
from campaigns.calendar.ics_import import rule_steps
from campaigns.calendar.models import Tier
from campaigns.errors import Invalid


def wall(*parts: int) -> datetime:
    """A wall-clock time: naive on purpose, its zone is given apart."""
    return datetime(*parts)  # noqa: DTZ001


def anniversary(**fields):
    values = {
        "id": 1,
        "uid": "anniversary-test@herald",
        "title_vi": "Ngày thiết lập quan hệ ngoại giao Việt Nam – Hoa Kỳ",
        "title_en": "Vietnam–United States diplomatic relations",
        "category": "diplomatic_relations",
        "origin_date": date(1995, 7, 12),
        "lunar_month": None,
        "lunar_day": None,
        "origin_year": None,
        "partner_country": "US",
        "owner_unit_id": None,
    }
    values.update(fields)
    return SimpleNamespace(**values)


def hung_kings(**fields):
    values = {
        "title_vi": "Giỗ Tổ Hùng Vương",
        "title_en": "Hung Kings' Commemoration Day",
        "category": "national",
        "origin_date": None,
        "lunar_month": 3,
        "lunar_day": 10,
        "partner_country": None,
    }
    return anniversary(**{**values, **fields})


# --- tiers and ordinals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("years", "tier"),
    [
        (None, Tier.REGULAR),
        (0, Tier.REGULAR),
        (1, Tier.REGULAR),
        (5, Tier.ROUND),
        (10, Tier.MAJOR),
        (15, Tier.ROUND),
        (25, Tier.MAJOR),
        (30, Tier.MAJOR),
        (53, Tier.REGULAR),
        (65, Tier.ROUND),
        (75, Tier.MAJOR),
        (80, Tier.MAJOR),
        (95, Tier.ROUND),
        (125, Tier.MAJOR),
        (135, Tier.ROUND),
    ],
)
def test_tier_major_for_tens_and_quarter_centuries_round_for_other_fives(years, tier):
    assert rules.tier_for(years) == tier


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
     (21, "21st"), (22, "22nd"), (23, "23rd"), (101, "101st"), (111, "111th"), (112, "112th")],
)  # fmt: skip
def test_english_ordinals(number, text):
    assert rules.ordinal_en(number) == text


# --- solar occurrences -------------------------------------------------------------------------


def test_solar_occurrence_has_ordinal_tier_and_labels_in_both_languages():
    occurrence = rules.occurrence_in(anniversary(), 2025)
    assert occurrence.date == date(2025, 7, 12)
    assert (occurrence.years, occurrence.tier) == (30, Tier.MAJOR)
    assert (
        occurrence.label("en") == "30th anniversary of Vietnam–United States diplomatic relations"
    )
    assert occurrence.label("vi") == "30 năm Ngày thiết lập quan hệ ngoại giao Việt Nam – Hoa Kỳ"
    assert occurrence.planning_title("en") == (
        "Prepare the 30th anniversary of Vietnam–United States diplomatic relations — 12 Jul 2025"
    )
    assert occurrence.planning_title("vi") == (
        "Chuẩn bị kỷ niệm 30 năm Ngày thiết lập quan hệ ngoại giao Việt Nam – Hoa Kỳ — 12/07/2025"
    )
    assert occurrence.occurrence_uid == "anniversary-test@herald-2025"


def test_the_origin_year_and_earlier_have_no_occurrence():
    assert rules.occurrence_date(anniversary(), 1995) is None
    assert rules.occurrence_date(anniversary(), 1990) is None
    assert rules.occurrence_date(anniversary(), 1996) == date(1996, 7, 12)


def test_29_february_falls_on_28_february_in_common_years():
    leap_day = anniversary(origin_date=date(2000, 2, 29))
    assert rules.occurrence_date(leap_day, 2023) == date(2023, 2, 28)
    assert rules.occurrence_date(leap_day, 2024) == date(2024, 2, 29)
    assert rules.occurrence_date(leap_day, 2100) == date(2100, 2, 28)  # not a leap year
    found = rules.occurrences_between([leap_day], date(2023, 1, 1), date(2025, 12, 31))
    assert [(o.date, o.years) for o in found] == [
        (date(2023, 2, 28), 23),
        (date(2024, 2, 29), 24),
        (date(2025, 2, 28), 25),
    ]
    assert found[-1].tier == Tier.MAJOR


def test_occurrences_between_is_inclusive_and_sorted_by_date_then_title():
    first = anniversary(id=1, title_en="B relations", origin_date=date(1973, 9, 21))
    second = anniversary(id=2, title_en="A relations", origin_date=date(1975, 9, 21))
    third = anniversary(id=3, title_en="C relations", origin_date=date(1950, 1, 18))
    found = rules.occurrences_between([first, second, third], date(2025, 9, 21), date(2026, 1, 18))
    assert [(o.date, o.title_en) for o in found] == [
        (date(2025, 9, 21), "A relations"),
        (date(2025, 9, 21), "B relations"),
        (date(2026, 1, 18), "C relations"),
    ]


# --- lunar occurrences -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2023, date(2023, 4, 29)),
        (2024, date(2024, 4, 18)),
        (2025, date(2025, 4, 7)),
        (2026, date(2026, 4, 26)),
        (2027, date(2027, 4, 16)),
    ],
)
def test_hung_kings_day_moves_with_the_lunar_calendar(year, expected):
    assert rules.occurrence_date(hung_kings(), year) == expected


def test_lunar_anniversary_without_origin_year_has_no_ordinal():
    occurrence = rules.occurrence_in(hung_kings(), 2025)
    assert (occurrence.years, occurrence.tier) == (None, Tier.REGULAR)
    assert occurrence.label("en") == "Hung Kings' Commemoration Day"
    assert occurrence.label("vi") == "Giỗ Tổ Hùng Vương"
    assert occurrence.planning_title("en") == "Prepare Hung Kings' Commemoration Day — 7 Apr 2025"
    assert occurrence.planning_title("vi") == "Chuẩn bị Giỗ Tổ Hùng Vương — 07/04/2025"


def test_lunar_anniversary_with_origin_year_counts_lunar_years():
    founding = hung_kings(origin_year=1975, title_en="Lunar founding")
    occurrence = rules.occurrence_in(founding, 2025)
    assert (occurrence.date, occurrence.years, occurrence.tier) == (
        date(2025, 4, 7),
        50,
        Tier.MAJOR,
    )
    assert rules.occurrence_date(founding, 1975) is None


def test_lunar_dates_after_a_leap_month():
    # 2025 has a leap 6th month, so the 15th day of the 7th month (Vu Lan) is in September.
    assert lunar.solar_date(2025, 7, 15) == date(2025, 9, 6)
    assert lunar.solar_date(2024, 7, 15) == date(2024, 8, 18)
    assert lunar.solar_date(2025, 8, 15) == date(2025, 10, 6)  # Mid-Autumn
    assert lunar.solar_date(2024, 8, 15) == date(2024, 9, 17)


def test_a_late_lunar_month_lands_in_the_next_solar_year_with_a_stable_uid():
    kitchen_gods = anniversary(
        origin_date=None, lunar_month=12, lunar_day=23, partner_country=None, category="other"
    )
    assert rules.occurrence_date(kitchen_gods, 2025) == date(2026, 2, 10)
    found = rules.occurrences_between([kitchen_gods], date(2026, 1, 1), date(2026, 12, 31))
    assert [o.date for o in found] == [date(2026, 2, 10)]
    assert found[0].occurrence_uid == "anniversary-test@herald-2025"


def test_a_30th_lunar_day_in_a_29_day_month_is_its_last_day():
    # Lunar 12/2024 has 29 days: Tết 2025 is on 29 January.
    assert lunar.solar_date(2024, 12, 30) == date(2025, 1, 28)
    assert lunar.solar_date(2025, 1, 1) == date(2025, 1, 29)
    # Lunar 2/2024 has 30 days.
    assert lunar.solar_date(2024, 2, 30) == date(2024, 4, 8)


def test_computed_lunar_calendar_agrees_with_the_holidays_library_for_two_centuries():
    library = _ChineseLunisolar(VIETNAMESE_CALENDAR)
    for year in range(1901, 2100):
        assert lunar.computed_solar_date(year, 1, 1) == library.lunar_new_year_date(year)[0], year
        assert lunar.computed_solar_date(year, 3, 10) == library.hung_kings_date(year)[0], year


def test_lunar_dates_outside_the_known_years_have_no_occurrence():
    assert rules.occurrence_date(hung_kings(), 2300) is None


# --- lead times --------------------------------------------------------------------------------


def test_an_occurrence_is_due_from_its_lead_time_until_its_day():
    occurrence = rules.occurrence_in(anniversary(origin_date=date(1967, 6, 24)), 2027)
    assert occurrence.tier == Tier.MAJOR
    leads = dict(rules.DEFAULT_LEAD_TIMES)
    assert not rules.is_due(occurrence, date(2026, 12, 25), leads)  # 181 days ahead
    assert rules.is_due(occurrence, date(2026, 12, 26), leads)  # 180 days ahead
    assert rules.is_due(occurrence, date(2027, 6, 24), leads)
    assert not rules.is_due(occurrence, date(2027, 6, 25), leads)


def test_the_office_day_is_the_day_in_ho_chi_minh_city():
    assert rules.office_today(datetime(2026, 12, 25, 17, 30, tzinfo=UTC)) == date(2026, 12, 26)
    assert rules.office_today(datetime(2026, 12, 25, 16, 59, tzinfo=UTC)) == date(2026, 12, 25)


def test_add_months_keeps_the_day_or_takes_the_last_of_a_short_month():
    assert rules.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert rules.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert rules.add_months(date(2025, 11, 22), 24) == date(2027, 11, 22)


# --- wall clocks and DST -----------------------------------------------------------------------


def test_wall_clock_to_utc():
    assert rules.local_instant(wall(2025, 7, 1, 9, 0), "Asia/Ho_Chi_Minh") == datetime(
        2025, 7, 1, 2, 0, tzinfo=UTC
    )
    assert rules.local_instant(wall(2025, 1, 15, 10, 0), "Europe/Paris") == datetime(
        2025, 1, 15, 9, 0, tzinfo=UTC
    )
    assert rules.local_instant(wall(2025, 7, 15, 10, 0), "Europe/Paris") == datetime(
        2025, 7, 15, 8, 0, tzinfo=UTC
    )


def test_a_time_skipped_by_the_spring_dst_change_is_refused():
    with pytest.raises(Invalid) as caught:
        rules.local_instant(wall(2025, 3, 30, 2, 30), "Europe/Paris")
    assert "does not exist in Europe/Paris" in caught.value.errors["starts_local"]
    assert "2025-03-30 02:30" in caught.value.message
    with pytest.raises(Invalid) as caught:
        rules.local_instant(wall(2025, 3, 9, 2, 0), "America/New_York", field="ends_local")
    assert "ends_local" in caught.value.errors
    # Either side of the gap is fine.
    assert rules.local_instant(wall(2025, 3, 30, 1, 59), "Europe/Paris") == datetime(
        2025, 3, 30, 0, 59, tzinfo=UTC
    )
    assert rules.local_instant(wall(2025, 3, 30, 3, 0), "Europe/Paris") == datetime(
        2025, 3, 30, 1, 0, tzinfo=UTC
    )


def test_a_time_that_happens_twice_in_autumn_means_the_first_one():
    first = rules.local_instant(wall(2025, 10, 26, 2, 30), "Europe/Paris")
    assert first == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # still summer time (UTC+2)
    assert rules.local_instant(wall(2025, 10, 26, 3, 30), "Europe/Paris") == datetime(
        2025, 10, 26, 2, 30, tzinfo=UTC
    )


def test_local_days_across_a_dst_change_are_23_and_25_hours_long():
    start, end = rules.local_day_bounds(date(2025, 3, 30), date(2025, 3, 30), "Europe/Paris")
    assert end - start == timedelta(hours=23)
    start, end = rules.local_day_bounds(date(2025, 10, 26), date(2025, 10, 26), "Europe/Paris")
    assert end - start == timedelta(hours=25)


def test_an_all_day_event_covers_its_days_in_its_own_zone():
    event = SimpleNamespace(
        all_day=True,
        starts_at=None,
        ends_at=None,
        start_date=date(2025, 9, 1),
        end_date=date(2025, 9, 2),
        timezone="Asia/Ho_Chi_Minh",
    )
    assert rules.event_span(event) == (
        datetime(2025, 8, 31, 17, 0, tzinfo=UTC),
        datetime(2025, 9, 2, 17, 0, tzinfo=UTC),
    )


def test_an_event_starts_where_its_span_starts():
    all_day = SimpleNamespace(
        all_day=True,
        starts_at=None,
        ends_at=None,
        start_date=date(2025, 9, 1),
        end_date=None,
        timezone="Asia/Tokyo",
    )
    timed = SimpleNamespace(
        all_day=False,
        starts_at=datetime(2025, 9, 1, 7, 30, tzinfo=UTC),
        ends_at=None,
        start_date=None,
        end_date=None,
        timezone="Europe/Paris",
    )
    for event in (all_day, timed):
        assert rules.event_start(event) == rules.event_span(event)[0]
    assert rules.event_start(all_day) == datetime(2025, 8, 31, 15, 0, tzinfo=UTC)


def test_spans_that_only_touch_do_not_overlap():
    nine, ten, eleven = (datetime(2025, 1, 1, hour, tzinfo=UTC) for hour in (9, 10, 11))
    assert not rules.spans_overlap((nine, ten), (ten, eleven))
    assert rules.spans_overlap((nine, eleven), (ten, eleven))


def test_sequence_changes_with_time_place_or_status_only():
    before = {"starts_at": "a", "location": "Paris", "status": "planned", "title": "x"}
    assert not rules.sequence_changes(before, {**before, "title": "y"})
    assert rules.sequence_changes(before, {**before, "starts_at": "b"})
    assert rules.sequence_changes(before, {**before, "location": "Lyon"})
    assert rules.sequence_changes(before, {**before, "status": "cancelled"})


# --- recurrence budget -------------------------------------------------------------------------


def test_rule_steps_bound_the_walk_from_dtstart_to_the_window_end():
    window_end = wall(2027, 1, 1)
    hourly_since_1990 = {"FREQ": ["HOURLY"]}
    assert rule_steps(hourly_since_1990, wall(1990, 1, 1), window_end) > 300_000
    weekly = {"FREQ": ["WEEKLY"], "BYDAY": ["MO", "WE", "FR"]}
    assert rule_steps(weekly, wall(2020, 1, 1), window_end) < 2_000
    a_million_minutes = {"FREQ": ["MINUTELY"], "COUNT": [1_000_000]}
    assert rule_steps(a_million_minutes, wall(2025, 1, 1), window_end) == 1_000_000
    ten_days = {"FREQ": ["DAILY"], "COUNT": [10]}
    assert rule_steps(ten_days, wall(1990, 1, 1), window_end) == 10
    ended = {"FREQ": ["DAILY"], "UNTIL": [datetime(1990, 2, 1, tzinfo=UTC)]}
    assert rule_steps(ended, wall(1990, 1, 1), window_end) == 32
