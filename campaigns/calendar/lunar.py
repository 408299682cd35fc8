"""The Vietnamese lunisolar calendar (âm lịch): a lunar month and day to its solar date.

The ``holidays`` library carries Viet Nam's calendar, but only as tables of festival dates
(Tết on 1/1 and Giỗ Tổ Hùng Vương on 10/3, confirmed by the government for many years). Those
dates are taken from it. Any other lunar month and day is computed the way the Vietnamese
calendar is defined: months begin on the day of the new moon at UTC+7, and the leap month is
the first month after the 11th without a major solar term (the algorithm published by Hồ Ngọc
Đức, built on Meeus' astronomical formulas). The tests check that both agree on every Tết and
every Hùng Kings day the library knows.
"""

from __future__ import annotations

import math
from datetime import date
from functools import cache

from holidays.calendars.chinese import VIETNAMESE_CALENDAR, _ChineseLunisolar

_TIME_ZONE = 7.0  # Viet Nam's calendar has been computed at UTC+7 since 1968
_JULIAN_DAY_OF_ORDINAL_ZERO = 1721425  # date.toordinal() + this = Julian day number
_LIBRARY = _ChineseLunisolar(VIETNAMESE_CALENDAR)


def _julian_day(day: date) -> int:
    return day.toordinal() + _JULIAN_DAY_OF_ORDINAL_ZERO


def _from_julian_day(julian_day: int) -> date:
    return date.fromordinal(julian_day - _JULIAN_DAY_OF_ORDINAL_ZERO)


def _new_moon_day(k: int) -> int:
    """Julian day number (local to UTC+7) of the k-th new moon after 1 January 1900."""
    t = k / 1236.85
    t2, t3 = t * t, t * t * t
    dr = math.pi / 180
    jd = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * dr)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * dr) + 0.0021 * math.sin(2 * dr * m)
    c1 += -0.4068 * math.sin(mpr * dr) + 0.0161 * math.sin(dr * 2 * mpr)
    c1 += -0.0004 * math.sin(dr * 3 * mpr)
    c1 += 0.0104 * math.sin(dr * 2 * f) - 0.0051 * math.sin(dr * (m + mpr))
    c1 += -0.0074 * math.sin(dr * (m - mpr)) + 0.0004 * math.sin(dr * (2 * f + m))
    c1 += -0.0004 * math.sin(dr * (2 * f - m)) - 0.0006 * math.sin(dr * (2 * f + mpr))
    c1 += 0.0010 * math.sin(dr * (2 * f - mpr)) + 0.0005 * math.sin(dr * (2 * mpr + m))
    if t < -11:
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    return math.floor(jd + c1 - delta_t + 0.5 + _TIME_ZONE / 24)


def _sun_longitude_sector(julian_day: int) -> int:
    """Which of the 12 major solar terms (30° sectors) the sun is in at the start of the day."""
    t = (julian_day - 2451545.5 - _TIME_ZONE / 24) / 36525
    t2 = t * t
    dr = math.pi / 180
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(dr * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(dr * 2 * m) + 0.000290 * math.sin(dr * 3 * m)
    longitude = (l0 + dl) * dr
    longitude -= 2 * math.pi * math.floor(longitude / (2 * math.pi))
    return math.floor(longitude / math.pi * 6)


@cache
def _month_eleven_start(year: int) -> int:
    """Julian day on which the 11th lunar month (the one holding the winter solstice) begins."""
    offset = _julian_day(date(year, 12, 31)) - 2415021
    k = math.floor(offset / 29.530588853)
    new_moon = _new_moon_day(k)
    if _sun_longitude_sector(new_moon) >= 9:
        new_moon = _new_moon_day(k - 1)
    return new_moon


def _leap_month_offset(month_eleven: int) -> int:
    k = math.floor((month_eleven - 2415021.076998695) / 29.530588853 + 0.5)
    i = 1
    sector = _sun_longitude_sector(_new_moon_day(k + i))
    while True:
        last = sector
        i += 1
        sector = _sun_longitude_sector(_new_moon_day(k + i))
        if sector == last or i >= 14:
            return i - 1


def _month_start_and_length(year: int, month: int) -> tuple[int, int]:
    """Julian day on which (non-leap) ``month`` of lunar ``year`` begins, and its length."""
    if month < 11:
        first, second = _month_eleven_start(year - 1), _month_eleven_start(year)
    else:
        first, second = _month_eleven_start(year), _month_eleven_start(year + 1)
    k = math.floor(0.5 + (first - 2415021.076998695) / 29.530588853)
    offset = (month - 11) % 12
    if second - first > 365 and offset >= _leap_month_offset(first):
        offset += 1  # a leap month comes before this one: skip it
    start = _new_moon_day(k + offset)
    return start, _new_moon_day(k + offset + 1) - start


def computed_solar_date(year: int, month: int, day: int) -> date:
    """Day ``day`` of lunar month ``month`` in the lunar year whose Tết falls in solar ``year``.

    A 30th day in a month of 29 days falls on the 29th (as families keep a giỗ).
    """
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise ValueError(f"no lunar day {day}/{month}")
    start, length = _month_start_and_length(year, month)
    return _from_julian_day(start + min(day, length) - 1)


def library_solar_date(year: int, month: int, day: int) -> date | None:
    """The date from the ``holidays`` library's Vietnamese tables, where it has one."""
    if (month, day) == (1, 1):
        return _LIBRARY.lunar_new_year_date(year)[0]
    if (month, day) == (3, 10):
        return _LIBRARY.hung_kings_date(year)[0]
    return None


def solar_date(year: int, month: int, day: int) -> date:
    """Solar date of lunar ``day``/``month`` in the lunar year that begins in solar ``year``."""
    return library_solar_date(year, month, day) or computed_solar_date(year, month, day)
