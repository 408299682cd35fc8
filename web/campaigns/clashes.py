"""Publication clashes in words, for the post page, its flash messages and the API."""

from __future__ import annotations

from flask_babel import gettext

from campaigns.social.clashes import ClashKind, PublicationClash
from web.i18n import wall_clock


def describe(clash: PublicationClash, zone: str) -> str:
    """One sentence a person can act on, times on the clock of ``zone``. A post the reader may
    not see is never named (``other_title`` is then None)."""
    when = wall_clock(clash.instant, zone)
    if clash.kind is ClashKind.QUIET_DAY:
        return gettext(
            "%(channel)s at %(when)s: a quiet day (%(reason)s).",
            channel=clash.channel.name,
            when=when,
            reason=clash.quiet_day.reason,
        )
    if clash.other_title is None:
        return gettext(
            "%(channel)s at %(when)s: another publication of this channel goes out less than "
            "%(minutes)s minutes apart.",
            channel=clash.channel.name,
            when=when,
            minutes=clash.minutes,
        )
    return gettext(
        "%(channel)s at %(when)s: “%(title)s” goes out on this channel at %(other)s, less than "
        "%(minutes)s minutes apart.",
        channel=clash.channel.name,
        when=when,
        title=clash.other_title,
        other=wall_clock(clash.other_instant, zone),
        minutes=clash.minutes,
    )
