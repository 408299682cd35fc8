"""Channels: credentials encrypted at rest and kept out of the audit log, validation, health."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text

from campaigns.errors import Invalid, NotAllowed
from campaigns.org.models import AuditEntry
from campaigns.social import channels as channel_services
from campaigns.social.credentials import channel_credentials
from campaigns.social.platform import ErrorKind, PlatformError
from tests.factories import create_person, create_unit
from tests.social_factories import SECRET, create_channel
from web.extensions import db

PLAINTEXT = {
    "consumer_key": "ck-PLAINTEXT-4711",
    "consumer_secret": "cs-PLAINTEXT-4712",
    "access_token": "at-PLAINTEXT-4713",
    "access_token_secret": "ats-PLAINTEXT-4714",
}


def _every_text_value_in_the_database(session) -> str:
    """Every column of every table, read with plain SQL, as one string."""
    values = []
    for table in inspect(db.engine).get_table_names():
        for row in session.execute(text(f'SELECT * FROM "{table}"')):
            values.extend(str(value) for value in row)
    return "\n".join(values)


def test_credentials_are_encrypted_at_rest_and_never_audited(session, now):
    channel = create_channel(session, kind="x", credentials=PLAINTEXT)
    channel_services.set_channel_credentials(
        session,
        actor=None,
        now=now,
        channel=channel,
        secret=SECRET,
        credentials={**PLAINTEXT, "access_token": "at-PLAINTEXT-NEW-4715"},
    )
    session.commit()
    stored = _every_text_value_in_the_database(session)
    for secret in [*PLAINTEXT.values(), "at-PLAINTEXT-NEW-4715"]:
        assert secret not in stored
    raw = session.execute(
        text("SELECT credentials_encrypted FROM social_channels WHERE id = :id"), {"id": channel.id}
    ).scalar_one()
    assert raw.startswith("gAAAAA")  # a Fernet token
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "channel").order_by(AuditEntry.id)
    ).all()
    assert [e.action for e in entries] == ["create", "set_credentials"]
    assert all("credentials_encrypted" not in (e.after or {}) for e in entries)
    # Only the adapter factory reads them back, with the server's secret.
    assert channel_credentials(channel, secret=SECRET)["access_token"] == "at-PLAINTEXT-NEW-4715"
    assert "PLAINTEXT" not in repr(channel)


def test_missing_credentials_are_refused_and_nothing_is_saved(session, now):
    unit = create_unit(session)
    data = channel_services.ChannelInput(
        kind="x", name="MFA", language="en", owner_unit_code=unit.code
    )
    with pytest.raises(Invalid, match="access_token_secret"):
        channel_services.create_channel(
            session,
            actor=None,
            now=now,
            data=data,
            secret=SECRET,
            credentials={**PLAINTEXT, "access_token_secret": " "},
        )
    telegram = channel_services.ChannelInput(
        kind="telegram", name="MFA", language="vi", owner_unit_code=unit.code
    )
    with pytest.raises(Invalid) as caught:
        channel_services.create_channel(
            session,
            actor=None,
            now=now,
            data=telegram,
            secret=SECRET,
            credentials={"bot_token": "1:x"},
        )
    assert "handle" in caught.value.errors
    assert session.execute(text("SELECT count(*) FROM social_channels")).scalar_one() == 0


def test_rate_budgets_default_below_the_platforms_limits(session):
    x = create_channel(session, kind="x")
    telegram = create_channel(session, kind="telegram")
    assert (x.rate_limit_posts, x.rate_window_seconds) == (50, 900)
    assert (telegram.rate_limit_posts, telegram.rate_window_seconds) == (15, 60)


def test_only_coordinators_and_admins_manage_channels(session, now):
    unit = create_unit(session)
    editor = create_person(session, "editor", unit=unit)
    data = channel_services.ChannelInput(
        kind="sandbox", name="Rehearsal", language="vi", owner_unit_code=unit.code
    )
    with pytest.raises(NotAllowed):
        channel_services.create_channel(
            session, actor=editor, now=now, data=data, credentials={}, secret=SECRET
        )
    admin = create_person(session, "admin")
    channel = channel_services.create_channel(
        session, actor=admin, now=now, data=data, credentials={}, secret=SECRET
    )
    assert channel.credentials_encrypted is None and channel.language == "vi"


def test_test_connection_records_the_account_or_the_breakage(session, now):
    channel = create_channel(session, kind="telegram")
    channel_services.record_connection_check(
        session, actor=None, now=now, channel=channel, account_name="herald_bot"
    )
    assert (channel.health, channel.account_name) == ("ok", "herald_bot")
    channel_services.record_connection_check(
        session,
        actor=None,
        now=now,
        channel=channel,
        error=PlatformError(ErrorKind.AUTH, "Unauthorized", status=401),
    )
    assert (channel.health, channel.last_error, channel.last_error_at) == (
        "broken",
        "Unauthorized",
        now,
    )
    channel_services.record_connection_check(
        session,
        actor=None,
        now=now,
        channel=channel,
        error=PlatformError(ErrorKind.TRANSIENT, "timed out"),
    )
    assert channel.health == "degraded"


def test_a_channel_says_whom_it_addresses_and_on_which_clock(session, now):
    home = create_channel(session)
    assert (home.audience_countries, home.served_countries) == ([], ["VN"])
    assert home.audience_zone == "Asia/Ho_Chi_Minh"  # the office's clock
    # Several countries: the first one's capital, unless a zone is given.
    washington = create_channel(session, audience_countries=["us", "CA", "US", " "])
    assert washington.audience_countries == ["US", "CA"]
    assert washington.audience_zone == "America/New_York"
    pacific = create_channel(
        session, audience_countries=["US"], audience_zone=" America/Los_Angeles "
    )
    assert pacific.audience_zone == "America/Los_Angeles"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"audience_countries": ["XX"]}, "audience_countries"),
        ({"audience_countries": ["France"]}, "audience_countries"),
        ({"audience_countries": ["FR"], "audience_zone": "Paris"}, "audience_zone"),
        ({"audience_zone": "Europe/Atlantis"}, "audience_zone"),
    ],
)
def test_a_wrong_audience_is_refused_on_create_and_on_update(session, now, fields, field):
    unit = create_unit(session)
    data = channel_services.ChannelInput(
        kind="sandbox", name="Embassy", language="en", owner_unit_code=unit.code, **fields
    )
    with pytest.raises(Invalid) as caught:
        channel_services.create_channel(
            session, actor=None, now=now, data=data, credentials={}, secret=SECRET
        )
    assert field in caught.value.errors
    channel = create_channel(session, audience_countries=["KH"])
    data.owner_unit_code = channel.owner_unit.code
    with pytest.raises(Invalid) as caught:
        channel_services.update_channel(session, actor=None, now=now, channel=channel, data=data)
    assert field in caught.value.errors
    assert (channel.audience_countries, channel.audience_zone) == (["KH"], "Asia/Phnom_Penh")


def test_a_default_zone_follows_new_countries_and_a_chosen_one_stays(session, now):
    def readdress(channel, countries, zone):
        data = channel_services.ChannelInput(
            kind=channel.kind, name=channel.name, language=channel.language,
            owner_unit_code=channel.owner_unit.code, handle=channel.handle,
            audience_countries=countries, audience_zone=zone,
        )  # fmt: skip
        return channel_services.update_channel(
            session, actor=None, now=now, channel=channel, data=data
        )

    # The edit form sends the zone back as it showed it: Phnom Penh's was only KH's default.
    embassy = create_channel(session, audience_countries=["KH"])
    readdress(embassy, ["FR"], "Asia/Phnom_Penh")
    assert (embassy.audience_countries, embassy.audience_zone) == (["FR"], "Europe/Paris")
    readdress(embassy, [], "Europe/Paris")
    assert (embassy.served_countries, embassy.audience_zone) == (["VN"], "Asia/Ho_Chi_Minh")
    # Los Angeles was chosen: adding Canada keeps it; the same countries keep any zone given.
    west = create_channel(session, audience_countries=["US"], audience_zone="America/Los_Angeles")
    readdress(west, ["US", "CA"], "America/Los_Angeles")
    assert west.audience_zone == "America/Los_Angeles"
    readdress(west, ["US", "CA"], "America/Chicago")
    assert west.audience_zone == "America/Chicago"
