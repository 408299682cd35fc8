"""Use cases for channels (the organisation's own accounts) and the sandbox platform.

Credentials go in encrypted and never come back out of these services: only the adapter factory
in ``bots/`` decrypts them, through ``credentials.channel_credentials``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.calendar.rules import OFFICE_ZONE
from campaigns.errors import Invalid
from campaigns.i18n import N_
from campaigns.org.models import Person, Unit
from campaigns.permissions import require
from campaigns.social import rules, scheduling
from campaigns.social.credentials import encrypt_credentials
from campaigns.social.models import (
    Channel,
    ChannelHealth,
    ChannelKind,
    SandboxPost,
    Visibility,
)
from campaigns.social.platform import (
    ErrorKind,
    OutgoingPost,
    PlatformError,
    PublishedPost,
    normalise_text,
)
from campaigns.timezones import is_country, is_zone


@dataclass
class ChannelInput:
    kind: str
    name: str
    language: str
    owner_unit_code: str
    handle: str = ""
    owner_person_id: int | None = None
    rate_limit_posts: int | None = None  # default: below the platform's own limit
    rate_window_seconds: int | None = None
    # Whom it addresses (ISO 3166 codes; none: the home audience) and the zone they live by
    # (empty: the first country's capital, or the office's zone for the home audience).
    audience_countries: list[str] = field(default_factory=list)
    audience_zone: str | None = None
    visibility: str = ""  # Mastodon: public (default) or unlisted
    # Minutes two publications of the channel may be apart without a warning (None: the
    # office's default, 0: never warn).
    clash_interval_minutes: int | None = None


def _authorise(actor: Person | None, action: str, target: object = None) -> None:
    if actor is not None:
        require(actor, action, target)


def _validated_channel(session: Session, data: ChannelInput, channel: Channel | None) -> dict:
    errors: dict[str, str] = {}
    kind = channel.kind if channel is not None else data.kind
    if kind not in tuple(ChannelKind):
        errors["kind"] = N_("Choose X, Telegram, Mastodon or sandbox.")
    name = (data.name or "").strip()
    if not name:
        errors["name"] = N_("Give the channel a name.")
    language = rules.normalise_language(data.language)
    if language is None:
        errors["language"] = N_("This is not a language tag (vi, en, zh-Hant...).")
    handle = (data.handle or "").strip()
    if kind == ChannelKind.TELEGRAM and not handle:
        errors["handle"] = N_("Give the channel's @username or chat id.")
    owner_unit = session.scalar(
        select(Unit).where(Unit.code == (data.owner_unit_code or "").strip())
    )
    if owner_unit is None:
        errors["owner_unit_code"] = N_("There is no unit with this code.")
    owner_person = None
    if data.owner_person_id is not None:
        owner_person = session.get(Person, data.owner_person_id)
        if owner_person is None or not owner_person.active:
            errors["owner_person_id"] = N_("There is no such person.")
    default_posts, default_window = rules.DEFAULT_RATE_BUDGETS.get(kind, (10, 60))
    posts = data.rate_limit_posts if data.rate_limit_posts is not None else default_posts
    window = data.rate_window_seconds if data.rate_window_seconds is not None else default_window
    if not isinstance(posts, int) or not 1 <= posts <= 10_000:
        errors["rate_limit_posts"] = N_("Between 1 and 10,000 posts per window.")
    if not isinstance(window, int) or not 1 <= window <= 86_400:
        errors["rate_window_seconds"] = N_("A window between 1 second and 1 day.")
    interval = data.clash_interval_minutes
    if interval is not None and (
        not isinstance(interval, int) or isinstance(interval, bool) or not 0 <= interval <= 1440
    ):
        errors["clash_interval_minutes"] = N_("Enter a number of minutes between 0 and 1440.")
    countries, audience_zone = _validated_audience(data, errors, channel)
    visibility = ""
    if kind == ChannelKind.MASTODON:
        kept = channel.visibility if channel is not None else ""
        visibility = (data.visibility or "").strip() or kept or Visibility.PUBLIC
        if visibility not in tuple(Visibility):
            errors["visibility"] = N_("Choose public or unlisted.")
    if errors:
        raise Invalid.from_fields(errors)
    return {
        "kind": kind,
        "name": name[:200],
        "language": language,
        "handle": handle[:200],
        "owner_unit": owner_unit,
        "owner_person": owner_person,
        "rate_limit_posts": posts,
        "rate_window_seconds": window,
        "clash_interval_minutes": interval,
        "audience_countries": countries,
        "audience_zone": audience_zone,
        "visibility": visibility,
    }


def _default_audience_zone(countries: list[str]) -> str | None:
    """The clock of an audience nobody chose one for: the first country's capital, or the
    office's for the home audience (None for a country tzdata gives no zone)."""
    return rules.zone_for_country(countries[0]) if countries else OFFICE_ZONE


def _validated_audience(
    data: ChannelInput, errors: dict[str, str], channel: Channel | None
) -> tuple[list[str], str]:
    """The channel's audience countries (upper-case, once each) and the zone its audience lives by.

    Without countries the channel addresses the home audience; without a zone its audience lives by
    the first country's capital (the office's zone for the home audience). A zone that was only
    that default (nobody chose it) follows new countries, even when the form sends it back.
    """
    raw = data.audience_countries or []
    if isinstance(raw, str):
        raw = raw.replace(";", ",").split(",")
    countries = list(dict.fromkeys(str(code or "").strip().upper() for code in raw))
    countries = [code for code in countries if code]
    if any(not is_country(code) for code in countries):
        errors["audience_countries"] = N_("Use two-letter ISO 3166 country codes, e.g. VN or FR.")
        return [], OFFICE_ZONE
    if len(countries) > 50:
        errors["audience_countries"] = N_("At most 50 countries per channel.")
    zone = (data.audience_zone or "").strip()
    if channel is not None and countries != list(channel.audience_countries or []):
        old_default = _default_audience_zone(list(channel.audience_countries or []))
        if zone == channel.audience_zone == old_default:
            zone = ""
    if zone:
        if not is_zone(zone):
            errors["audience_zone"] = N_("This time zone does not exist.")
        return countries, zone
    default = _default_audience_zone(countries)
    if default is None:
        errors["audience_zone"] = N_("Give the time zone this audience lives by.")
        return countries, OFFICE_ZONE
    return countries, default


def _validated_credentials(kind: str, credentials: dict[str, str] | None) -> dict[str, str]:
    credentials = {key: (value or "").strip() for key, value in (credentials or {}).items()}
    missing = [key for key in rules.CREDENTIAL_FIELDS[kind] if not credentials.get(key)]
    if missing:
        raise Invalid.from_fields({key: N_("This credential is required.") for key in missing})
    if kind == ChannelKind.MASTODON:
        address = _instance_address(credentials["instance_url"])
        if address is None:
            raise Invalid(
                N_("Give the instance's address, for example https://mastodon.social."),
                field="instance_url",
            )
        credentials["instance_url"] = address
    return {key: credentials[key] for key in rules.CREDENTIAL_FIELDS[kind]}


def _instance_address(value: str) -> str | None:
    """A Mastodon instance's base address (``https://host[:port]``), or None when it is not
    one. A bare host name means https."""
    value = value.strip()
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username:
        return None
    if parts.query or parts.fragment or parts.path.strip("/"):
        return None
    host = parts.hostname if port is None else f"{parts.hostname}:{port}"
    return f"{parts.scheme}://{host}"


def create_channel(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    data: ChannelInput,
    credentials: dict[str, str] | None,
    secret: str,
) -> Channel:
    """Register an account the organisation owns, its credentials encrypted with ``secret``.

    Raises NotAllowed or Invalid (field errors, missing credentials).
    """
    _authorise(actor, "channel.manage")
    cleaned = _validated_channel(session, data, None)
    secrets = _validated_credentials(cleaned["kind"], credentials)
    channel = Channel(
        **cleaned,
        credentials_encrypted=encrypt_credentials(secrets, secret=secret) if secrets else None,
        health=ChannelHealth.OK,
        last_error="",
        paused=False,
        created_at=now,
        updated_at=now,
    )
    session.add(channel)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=channel)
    return channel


def update_channel(
    session: Session, *, actor: Person | None, now: datetime, channel: Channel, data: ChannelInput
) -> Channel:
    """Change a channel's name, language, audience, owner or rate budget (its kind stays). Its
    pending publications follow: a new language's variant, a new audience's local time.

    Raises NotAllowed or Invalid.
    """
    _authorise(actor, "channel.manage", channel)
    cleaned = _validated_channel(session, data, channel)
    before = snapshot(channel)
    audience = (list(channel.audience_countries or []), channel.audience_zone)
    language = channel.language
    for name, value in cleaned.items():
        setattr(channel, name, value)
    channel.updated_at = now
    session.flush()
    record_change(session, actor=actor, now=now, action="update", target=channel, before=before)
    if language != channel.language:
        scheduling.follow_channel_language(session, channel=channel, now=now, actor=actor)
    if audience != (channel.audience_countries, channel.audience_zone):
        scheduling.follow_channel_audience(session, channel=channel, now=now, actor=actor)
    return channel


def set_channel_credentials(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    channel: Channel,
    credentials: dict[str, str],
    secret: str,
) -> Channel:
    """Replace the channel's credentials (they are never shown again). A broken channel is
    trusted again; its held publications stay held for a person to release.

    Raises NotAllowed or Invalid (missing fields).
    """
    _authorise(actor, "channel.manage", channel)
    secrets = _validated_credentials(channel.kind, credentials)
    before = snapshot(channel)
    channel.credentials_encrypted = encrypt_credentials(secrets, secret=secret)
    channel.health = ChannelHealth.OK
    channel.last_error = ""
    channel.updated_at = now
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="set_credentials",
        target=channel,
        before=before,
        comment="credentials replaced",
    )
    return channel


def set_channel_paused(
    session: Session, *, actor: Person | None, now: datetime, channel: Channel, paused: bool
) -> Channel:
    """Pause (nothing is claimed for it) or resume a channel. Raises NotAllowed."""
    _authorise(actor, "channel.manage", channel)
    if channel.paused == paused:
        return channel
    before = snapshot(channel)
    channel.paused = paused
    channel.updated_at = now
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="pause" if paused else "resume",
        target=channel,
        before=before,
    )
    return channel


def record_connection_check(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    channel: Channel,
    account_name: str | None = None,
    error: PlatformError | None = None,
    limits: dict[str, int] | None = None,
) -> Channel:
    """Keep the result of "test connection" (the adapter's ``check_connection``): the account's
    name when it worked; broken (auth) or degraded (anything else) with the platform's message.
    ``limits``: the platform's own limits the check read (a Mastodon instance's), kept on the
    channel so the editor counts against them.

    Raises NotAllowed.
    """
    _authorise(actor, "channel.manage", channel)
    before = snapshot(channel)
    if error is None:
        channel.account_name = (account_name or "")[:200]
        if limits is not None:
            channel.platform_limits = dict(limits)
        channel.health = ChannelHealth.OK
        channel.last_error = ""
    else:
        channel.health = (
            ChannelHealth.BROKEN if error.kind == ErrorKind.AUTH else ChannelHealth.DEGRADED
        )
        channel.last_error = error.message
        channel.last_error_at = now
    channel.updated_at = now
    session.flush()
    record_change(
        session, actor=actor, now=now, action="check_connection", target=channel, before=before
    )
    return channel


# --- the sandbox platform ------------------------------------------------------------------------

# Like X, the sandbox refuses the same text twice in a row, so rehearsals show that error too.
SANDBOX_DUPLICATE_WINDOW = timedelta(hours=24)


def _sandbox_published(row: SandboxPost) -> PublishedPost:
    return PublishedPost(
        platform_id=str(row.id),
        url=f"/sandbox/{row.channel_id}#post-{row.id}",
        published_at=row.published_at,
    )


def record_sandbox_post(
    session: Session, *, channel: Channel, post: OutgoingPost, now: datetime
) -> PublishedPost:
    """Publish on the sandbox platform: a row in Herald's own database, shown on a local page.

    Raises PlatformError(REJECTED) for the same content on the same channel within 24 hours.
    """
    if channel.kind != ChannelKind.SANDBOX:
        raise PlatformError(ErrorKind.REJECTED, "not a sandbox channel")
    duplicate = session.scalar(
        select(SandboxPost.id).where(
            SandboxPost.channel_id == channel.id,
            SandboxPost.fingerprint == post.fingerprint,
            SandboxPost.published_at > now - SANDBOX_DUPLICATE_WINDOW,
        )
    )
    if duplicate is not None:
        raise PlatformError(ErrorKind.REJECTED, "duplicate content", status=403)
    row = SandboxPost(
        channel_id=channel.id,
        text=post.text,
        media=[{"path": m.path, "mime_type": m.mime_type, "sha256": m.sha256} for m in post.media],
        fingerprint=post.fingerprint,
        published_at=now,
    )
    session.add(row)
    session.flush()
    return _sandbox_published(row)


def find_sandbox_post(
    session: Session, *, channel: Channel, post: OutgoingPost, since: datetime
) -> PublishedPost | None:
    """The sandbox's "recent posts" lookup for reconciling: same content since ``since``."""
    rows = session.scalars(
        select(SandboxPost)
        .where(SandboxPost.channel_id == channel.id, SandboxPost.published_at >= since)
        .order_by(SandboxPost.published_at)
    )
    wanted = normalise_text(post.text)
    for row in rows:
        if row.fingerprint == post.fingerprint or normalise_text(row.text) == wanted:
            return _sandbox_published(row)
    return None


def sandbox_posts(session: Session, *, channel: Channel, limit: int = 100) -> list[SandboxPost]:
    """What the sandbox channel's local page shows, newest first."""
    return list(
        session.scalars(
            select(SandboxPost)
            .where(SandboxPost.channel_id == channel.id)
            .order_by(SandboxPost.published_at.desc(), SandboxPost.id.desc())
            .limit(limit)
        )
    )
