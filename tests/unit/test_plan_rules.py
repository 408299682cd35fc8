"""Pure rules of annual plans: amounts in đồng as people type them, windows that share a day,
and what changed between two versions."""

from __future__ import annotations

from datetime import date

import pytest

from campaigns.programme.plan_rules import parse_amount, plan_changes, windows_overlap


@pytest.mark.parametrize(
    "typed, amount",
    [
        ("1.250.000.000", 1_250_000_000),
        ("1,250,000,000", 1_250_000_000),
        ("1 250 000 000 ₫", 1_250_000_000),
        ("150000000 VND", 150_000_000),
        ("", 0),
        (None, 0),
        (42, 42),
    ],
)
def test_amounts_in_whole_dong(typed, amount):
    assert parse_amount(typed) == (amount, None)


@pytest.mark.parametrize("typed", ["-5", "12,5 triệu", "1e9", "9" * 20])
def test_what_is_not_an_amount_says_why(typed):
    amount, message = parse_amount(typed)
    assert amount == 0 and message


def test_windows_overlap_when_they_share_a_day():
    june = (date(2027, 6, 1), date(2027, 6, 30))
    assert windows_overlap(june, (date(2027, 6, 30), date(2027, 7, 5)))
    assert windows_overlap(june, (date(2027, 6, 10), date(2027, 6, 12)))
    assert not windows_overlap(june, (date(2027, 7, 1), date(2027, 7, 31)))
    assert not windows_overlap(june, (date(2027, 5, 1), date(2027, 5, 31)))


def test_plan_changes_name_fields_and_whole_activities():
    before = {
        "title": "Plan",
        "themes": ["friendship"],
        "activities": [
            {"id": 1, "title": "Exhibition", "budget_planned": 100},
            {"id": 2, "title": "Seminar", "budget_planned": 50},
        ],
    }
    after = {
        "title": "Plan",
        "themes": ["friendship", "culture"],
        "activities": [
            {"id": 1, "title": "Exhibition", "budget_planned": 120},
            {"id": 3, "title": "Festival", "budget_planned": 80},
        ],
    }
    changes = {(c.where, c.field): (c.before, c.after) for c in plan_changes(before, after)}
    assert changes[("", "themes")] == (["friendship"], ["friendship", "culture"])
    assert changes[("Exhibition", "budget_planned")] == (100, 120)
    assert changes[("Festival", "added")][1]["budget_planned"] == 80
    assert changes[("Seminar", "removed")][0]["title"] == "Seminar"
    assert len(changes) == 4
    assert plan_changes(after, after) == []
