"""The attendance report of a conference, afterwards: as a ``metrics.exports.Document``, so the
page, the PDF and the XLSX read the same, in Vietnamese or English."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from campaigns.i18n import N_
from campaigns.metrics import exports
from campaigns.programme.conference_models import Conference
from campaigns.programme.conference_queries import board
from campaigns.programme.conferences import READINESS_LABELS
from campaigns.timezones import to_zone

Translate = Callable[[str], str]


def attendance_document(
    session: Session, conference: Conference, _: Translate, locale: str
) -> exports.Document:
    """Every site: who hosted it, who chaired, when it connected (its own clock), how many
    delegates were in the room against those expected; the totals first."""
    event = conference.event
    seen = board(session, conference)
    totals = seen.totals
    when = ""
    if event.starts_at is not None:
        when = f"{to_zone(event.starts_at, event.timezone):%d/%m/%Y %H:%M} ({event.timezone})"
    figures = [
        exports.Figure(
            _(N_("Connected sites")),
            totals.connected,
            _(N_("of %(count)s")) % {"count": totals.sites},
        ),
        exports.Figure(_(N_("Delegates")), totals.delegates),
        exports.Figure(_(N_("Delegates expected")), totals.expected),
        exports.Figure(_(N_("Sites ready before the day")), totals.ready),
    ]
    header = [
        _(N_("Site")),
        _(N_("Kind")),
        _(N_("Chair")),
        _(N_("Readiness")),
        _(N_("Connected at (site's time)")),
        _(N_("Delegates expected")),
        _(N_("Delegates")),
    ]
    rows = []
    for row in seen.rows:
        connected = (
            f"{to_zone(row.connected_at, row.timezone):%d/%m %H:%M}" if row.connected_at else "—"
        )
        chair = ", ".join(part for part in (row.chair_name, row.chair_title) if part)
        rows.append(
            [
                row.name(locale),
                row.kind,
                chair or "—",
                _(READINESS_LABELS[row.state]),
                connected,
                row.expected,
                row.attendance if row.connected_at is not None else None,
            ]
        )
    return exports.Document(
        title=_(N_("Attendance report: %(title)s")) % {"title": event.title_in(locale)},
        locale=locale,
        subtitle=when,
        figures=figures,
        blocks=[exports.Table(_(N_("Connected sites")), header, rows)],
        labels=exports.Labels(
            not_available=_(N_("not reported")),
            figure=_(N_("Figure")),
            value=_(N_("Value")),
            note=_(N_("Note")),
            key_figures=_(N_("Key figures")),
            label=_(N_("Label")),
            page=_(N_("Page")),
        ),
    )
