"""Pure rules of the social area: clearance, platform formats, send-time maths, retries, budgets."""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from campaigns.i18n import N_
from campaigns.social.models import ChannelKind, PostStatus

# --- clearance -----------------------------------------------------------------------------------

# Where each transition may start from. Editing is not here: any edit of an approved or scheduled
# post sends it back to review (see ``status_after_edit``).
_TRANSITIONS: dict[str, frozenset[str]] = {
    PostStatus.IN_REVIEW: frozenset({PostStatus.DRAFT, PostStatus.REJECTED}),
    PostStatus.APPROVED: frozenset({PostStatus.IN_REVIEW}),
    PostStatus.REJECTED: frozenset({PostStatus.IN_REVIEW}),
    PostStatus.SCHEDULED: frozenset({PostStatus.APPROVED, PostStatus.SCHEDULED}),
}


def can_move(current: str, target: str) -> bool:
    return current in _TRANSITIONS.get(target, frozenset())


def status_after_edit(current: str) -> str:
    """A cleared post that changes must be cleared again; a rejected one becomes a draft."""
    if current in (PostStatus.APPROVED, PostStatus.SCHEDULED, PostStatus.IN_REVIEW):
        return PostStatus.IN_REVIEW
    return PostStatus.DRAFT


# --- language tags -------------------------------------------------------------------------------

_BCP47 = re.compile(
    r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|[0-9]{3}))?(-[A-Za-z0-9]{5,8})*$"
)


def normalise_language(tag: str) -> str | None:
    """A BCP 47 tag in its conventional case (``zh-Hant-TW``), or None when it is not one."""
    tag = (tag or "").strip().replace("_", "-")
    if not _BCP47.match(tag):
        return None
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


# --- platform formats ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformFormat:
    name: str  # the platform's own name, the same in every language
    max_length: int
    max_caption_length: int  # when the text goes with images
    max_images: int
    weighted: bool  # X counts URLs as 23 and CJK characters as 2


PLATFORM_FORMATS: dict[str, PlatformFormat] = {
    ChannelKind.X: PlatformFormat("X", 280, 280, 4, weighted=True),
    ChannelKind.TELEGRAM: PlatformFormat("Telegram", 4096, 1024, 10, weighted=False),
    # Mastodon's defaults; each channel's instance may say otherwise (``Channel.platform_limits``,
    # read by "test connection" from ``/api/v2/instance``).
    ChannelKind.MASTODON: PlatformFormat("Mastodon", 500, 500, 4, weighted=False),
    ChannelKind.SANDBOX: PlatformFormat("Sandbox", 4096, 4096, 4, weighted=False),
}

# No platform takes more; longer texts are refused when saved.
MAX_TEXT_LENGTH = max(rule.max_length for rule in PLATFORM_FORMATS.values())
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# An image's alt text: Mastodon takes up to 1,500 characters of description.
MAX_ALT_TEXT_LENGTH = 1500


def x_weighted_length(text: str) -> int:
    """X's own count (twitter-text): URLs 23, CJK and emoji 2, most Latin characters 1."""
    # Imported on first use: twitter-text builds its emoji table at import (~0.4 s of CPU),
    # which every process start (each CLI command, each worker) would otherwise pay.
    from twitter_text import parse_tweet

    return parse_tweet(text).weightedLength


# What Mastodon counts as a link (its own pattern is Twitter's, restricted to http and https).
_MASTODON_URL = re.compile(r"(?<![\w/@])https?://[^\s<>\"'`]+[^\s<>\"'`.,:;!?)\]}]", re.IGNORECASE)
MASTODON_URL_LENGTH = 23


def mastodon_length(text: str, reserved_per_url: int = MASTODON_URL_LENGTH) -> int:
    """Mastodon's count: characters (code points), every link counted as ``reserved_per_url``
    whatever its length. (A ``@user@domain`` mention counts as ``@user``.)"""
    text = _MASTODON_URL.sub("x" * reserved_per_url, text)
    text = re.sub(r"(@\w+)@[\w.-]+\w", r"\1", text)
    return len(text)


def text_length(kind: str, text: str, limits: Mapping[str, int] | None = None) -> int:
    if PLATFORM_FORMATS[kind].weighted:
        return x_weighted_length(text)
    if kind == ChannelKind.MASTODON:
        reserved = (limits or {}).get("characters_reserved_per_url") or MASTODON_URL_LENGTH
        return mastodon_length(text, int(reserved))
    # Telegram counts UTF-16 code units, as its entities do.
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class LengthCheck:
    kind: str
    length: int
    limit: int
    images: int
    max_images: int

    @property
    def ok(self) -> bool:
        return self.length <= self.limit and self.images <= self.max_images


def check_format(
    kind: str, text: str, images: int = 0, limits: Mapping[str, int] | None = None
) -> LengthCheck:
    """Length and image count of ``text`` against ``kind``'s rules (what the counter shows).

    ``limits``: the platform's own limits as a channel's "test connection" read them (a Mastodon
    instance's ``max_characters``, ``characters_reserved_per_url``, ``max_media_attachments``);
    they replace the kind's defaults, capped at what Herald stores.
    """
    rule = PLATFORM_FORMATS[kind]
    limit = rule.max_caption_length if images else rule.max_length
    max_images = rule.max_images
    limits = limits or {}
    if kind == ChannelKind.MASTODON:
        if limits.get("max_characters"):
            limit = min(int(limits["max_characters"]), MAX_TEXT_LENGTH)
        if limits.get("max_media_attachments"):
            max_images = int(limits["max_media_attachments"])
    return LengthCheck(kind, text_length(kind, text, limits), limit, images, max_images)


def format_problem(check: LengthCheck) -> tuple[str, dict[str, object]] | None:
    """A message (template, params) for a text that does not fit, or None."""
    platform = PLATFORM_FORMATS[check.kind].name
    if check.length > check.limit:
        return N_("Too long for %(platform)s: %(length)s of %(limit)s characters."), {
            "platform": platform,
            "length": check.length,
            "limit": check.limit,
        }
    if check.images > check.max_images:
        return N_("%(platform)s takes at most %(limit)s images."), {
            "platform": platform,
            "limit": check.max_images,
        }
    return None


# --- credentials ---------------------------------------------------------------------------------

# What each kind of channel needs to talk to its platform (the adapters read these keys).
CREDENTIAL_FIELDS: dict[str, tuple[str, ...]] = {
    ChannelKind.X: ("consumer_key", "consumer_secret", "access_token", "access_token_secret"),
    ChannelKind.TELEGRAM: ("bot_token",),
    ChannelKind.MASTODON: ("instance_url", "mastodon_token"),
    ChannelKind.SANDBOX: (),
}

# Telegram offers a bot no way to read a channel's history, so after a crash mid-publish nobody
# can tell whether the message went out: such publications wait for a person instead of a retry.
RECONCILABLE_KINDS = frozenset({ChannelKind.X, ChannelKind.MASTODON, ChannelKind.SANDBOX})


# --- send-time maths -----------------------------------------------------------------------------

# Countries that span several zones: "09:00 for the audience in X" means 09:00 in the capital.
# Every country that tzdata lists with more than one zone must appear here (a test checks it);
# single-zone countries take their one zone from tzdata's zone.tab.
CAPITAL_ZONES: dict[str, str] = {
    "AQ": "Antarctica/McMurdo",  # no capital; the main research station's zone
    "AR": "America/Argentina/Buenos_Aires",
    "AU": "Australia/Sydney",  # Canberra
    "BR": "America/Sao_Paulo",  # Brasília
    "CA": "America/Toronto",  # Ottawa
    "CD": "Africa/Kinshasa",
    "CL": "America/Santiago",
    "CN": "Asia/Shanghai",  # Beijing
    "CY": "Asia/Nicosia",
    "DE": "Europe/Berlin",
    "EC": "America/Guayaquil",  # Quito
    "ES": "Europe/Madrid",
    "FM": "Pacific/Pohnpei",  # Palikir
    "GL": "America/Nuuk",
    "ID": "Asia/Jakarta",
    "KI": "Pacific/Tarawa",
    "KZ": "Asia/Almaty",  # Astana shares Almaty's zone
    "MH": "Pacific/Majuro",
    "MN": "Asia/Ulaanbaatar",
    "MX": "America/Mexico_City",
    "MY": "Asia/Kuala_Lumpur",
    "NZ": "Pacific/Auckland",  # Wellington
    "PF": "Pacific/Tahiti",  # Papeete
    "PG": "Pacific/Port_Moresby",
    "PS": "Asia/Hebron",  # Ramallah
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "UM": "Pacific/Wake",
    "US": "America/New_York",  # Washington
    "UZ": "Asia/Tashkent",
}


@cache
def tzdata_country_zones() -> dict[str, tuple[str, ...]]:
    """Country code -> its zones, from the zone.tab shipped with tzdata."""
    table = importlib.resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text("utf-8")
    zones: dict[str, list[str]] = {}
    for line in table.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        country, _coordinates, zone, *_ = line.split("\t")
        zones.setdefault(country, []).append(zone)
    return {country: tuple(names) for country, names in zones.items()}


def zone_for_country(country: str) -> str | None:
    """The IANA zone an audience in ``country`` lives by, or None for an unknown code."""
    country = (country or "").upper()
    if country in CAPITAL_ZONES:
        return CAPITAL_ZONES[country]
    zones = tzdata_country_zones().get(country)
    return zones[0] if zones else None


def wall_to_utc(day: date, at: time, zone: str) -> datetime:
    """The instant at which the wall clock of ``zone`` shows ``day`` ``at``.

    DST is resolved the same way every time: a wall time that does not exist (the spring-forward
    gap) moves forward by the gap (02:30 -> 03:30), and one that happens twice (the autumn
    overlap) is its first occurrence. Both follow PEP 495 with ``fold=0``.
    """
    local = datetime.combine(day, at.replace(tzinfo=None), tzinfo=ZoneInfo(zone))
    return local.replace(fold=0).astimezone(UTC)


def served_audiences(served: Iterable[str], chosen: Iterable[str]) -> list[str]:
    """The chosen audience countries that a channel addressing ``served`` reaches, in the
    channel's order (its first country is the one its clock defaults to). Empty: the channel
    serves none of them and publishes nothing for them."""
    wanted = {country.upper() for country in chosen}
    return [country for country in dict.fromkeys(c.upper() for c in served) if country in wanted]


def event_day(
    *, all_day: bool, start_date: date | None, starts_at: datetime | None, zone: str
) -> date:
    """The day an event happens on, as its own zone's calendar says."""
    if all_day:
        assert start_date is not None
        return start_date
    assert starts_at is not None
    return starts_at.astimezone(ZoneInfo(zone)).date()


def misfire_deadline(scheduled_at: datetime, window_minutes: int) -> datetime:
    return scheduled_at + timedelta(minutes=window_minutes)


# --- retries -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How the outbox retries: exponential backoff with jitter, then ``dead``."""

    max_attempts: int = 5
    base_delay: timedelta = timedelta(seconds=15)
    max_delay: timedelta = timedelta(minutes=15)
    # Ask for a retry no sooner than this after a rate limit without a reset time.
    rate_limit_delay: timedelta = timedelta(minutes=1)


def backoff_delay(attempts: int, policy: RetryPolicy, random: Callable[[], float]) -> timedelta:
    """The wait after the ``attempts``-th failed try: base * 2^(n-1), capped, with equal jitter.

    Half the delay is fixed and half random, so retries spread out without ever coming back at
    once; ``random`` returns a float in [0, 1) and is injected so tests can pin it.
    """
    exponent = max(attempts - 1, 0)
    ceiling = min(policy.base_delay * (2**exponent), policy.max_delay)
    return ceiling / 2 + ceiling / 2 * random()


def next_attempt_after_failure(
    *,
    attempts: int,
    now: datetime,
    retry_at: datetime | None,
    rate_limited: bool,
    policy: RetryPolicy,
    random: Callable[[], float],
) -> datetime:
    """When to try again. A platform's own ``retry_at`` is honoured exactly; it is never earlier."""
    if rate_limited:
        return (
            retry_at if retry_at is not None and retry_at > now else now + policy.rate_limit_delay
        )
    candidate = now + backoff_delay(attempts, policy, random)
    if retry_at is not None and retry_at > candidate:
        return retry_at
    return candidate


# --- rate budgets --------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def budget_window(now: datetime, window_seconds: int) -> tuple[datetime, datetime]:
    """The fixed window (aligned on the epoch) that ``now`` falls in: [start, end)."""
    elapsed = int((now - _EPOCH).total_seconds())
    start = _EPOCH + timedelta(seconds=elapsed - elapsed % window_seconds)
    return start, start + timedelta(seconds=window_seconds)


def queue_drains_at(
    *,
    due: int,
    used: int,
    capacity: int,
    window_seconds: int,
    now: datetime,
    not_before: datetime | None = None,
) -> datetime | None:
    """When the last of a channel's backlog of ``due`` publications can go out, sent
    within its rate budget (``capacity`` posts per fixed window, ``used`` in the current one)
    and not before ``not_before`` (a platform's reset). None when nothing is due; ``now`` when
    the current window has room for it all."""
    if due <= 0:
        return None
    start = max(now, not_before) if not_before is not None else now
    if capacity <= 0:
        return None
    window_start, window_end = budget_window(start, window_seconds)
    room = max(0, capacity - used) if window_start <= now < window_end else capacity
    if due <= room:
        return start
    left = due - room
    windows = -(-left // capacity)  # whole windows after this one; the last one's start
    return window_end + timedelta(seconds=window_seconds * (windows - 1))


# Below the platforms' published limits (X: 100 posts / 15 min per user on paid tiers,
# Telegram: ~20 messages / minute per group or channel; Mastodon: 300 requests / 5 min per
# account, 300 statuses / 3 h and 30 media uploads / 30 min: 15 posts per 30 min leaves the
# account's people room, and a post with images meets the media limit's 429 and its reset).
DEFAULT_RATE_BUDGETS: dict[str, tuple[int, int]] = {
    ChannelKind.X: (50, 15 * 60),
    ChannelKind.TELEGRAM: (15, 60),
    ChannelKind.MASTODON: (15, 30 * 60),
    ChannelKind.SANDBOX: (600, 60),
}
