"""Mastodon's length rules: characters, every link as the instance's reserved length, the
instance's own limits replacing the defaults, and a channel refused when its variant does not
fit."""

from __future__ import annotations

from campaigns.metrics.rules import mastodon_reading
from campaigns.social import rules
from campaigns.social.models import ChannelKind

MASTODON = ChannelKind.MASTODON


def test_characters_are_code_points_not_utf16_units_nor_weights():
    assert rules.text_length(MASTODON, "Chào bạn") == 8
    assert rules.text_length(MASTODON, "越南") == 2  # X would count 4
    assert rules.text_length(MASTODON, "🇻🇳") == 2  # two regional indicators
    assert rules.text_length(ChannelKind.TELEGRAM, "😀") == 2  # Telegram: UTF-16 units


def test_every_link_counts_as_23_whatever_its_length():
    short, long = "https://t.vn", "https://mofa.gov.vn/tin-tuc/" + "a" * 200 + "?id=1&x=2"

    assert rules.mastodon_length(f"Xem {short}") == 4 + 23
    assert rules.mastodon_length(f"Xem {long}.") == 4 + 23 + 1  # the full stop is not the link's
    assert rules.mastodon_length(f"{long} và {short}") == 23 + 4 + 23
    assert rules.mastodon_length("mofa.gov.vn") == 11  # no scheme: Mastodon does not link it


def test_a_remote_mention_counts_its_username_only():
    assert rules.mastodon_length("@mofa@social.example chào") == len("@mofa chào")


def test_the_defaults_are_mastodons_500_and_4_images():
    check = rules.check_format(MASTODON, "a" * 500, images=4)
    assert (check.length, check.limit, check.max_images, check.ok) == (500, 500, 4, True)
    assert not rules.check_format(MASTODON, "a" * 501).ok
    assert not rules.check_format(MASTODON, "a", images=5).ok


def test_the_instances_own_limits_replace_the_defaults():
    limits = {"max_characters": 1000, "characters_reserved_per_url": 30, "max_media_attachments": 8}
    text = "b" * 900 + " https://example.org/x"

    check = rules.check_format(MASTODON, text, images=6, limits=limits)

    assert (check.length, check.limit, check.max_images, check.ok) == (931, 1000, 8, True)
    assert not rules.check_format(MASTODON, text, limits={"max_characters": 900}).ok
    # Herald stores at most 4096 characters, whatever an instance allows.
    assert rules.check_format(MASTODON, "a", limits={"max_characters": 100_000}).limit == 4096


def test_a_variant_too_long_is_refused_with_a_message_naming_mastodon():
    check = rules.check_format(MASTODON, "ố" * 41, limits={"max_characters": 40})

    template, params = rules.format_problem(check)

    assert template % params == "Too long for Mastodon: 41 of 40 characters."


def test_mastodon_is_reconcilable_with_a_budget_below_its_limits():
    assert MASTODON in rules.RECONCILABLE_KINDS
    posts, window = rules.DEFAULT_RATE_BUDGETS[MASTODON]
    assert posts / window * 3 * 3600 < 300  # statuses: 300 per 3 hours
    assert posts / window * 30 * 60 <= 30  # media uploads: 30 per 30 minutes (one image each)
    assert rules.CREDENTIAL_FIELDS[MASTODON] == ("instance_url", "mastodon_token")


def test_a_statuses_numbers_are_its_favourites_boosts_and_replies():
    reading = mastodon_reading({"favourites_count": 7, "reblogs_count": 2, "replies_count": 1})

    assert (reading.reactions, reading.redistribution, reading.conversation) == (7, 2, 1)
    assert reading.reach is None and reading.saves is None and reading.engagements == 10
