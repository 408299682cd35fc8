"""A campaign or a press trip drafted from a milestone (an anniversary's occurrence, or the
planning task it caused): the forms open filled in, and the person changes what they like.

Links carry ``?anniversary=<id>&date=<YYYY-MM-DD>``; anything that does not name a milestone
leaves the form as it would be without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import request

from campaigns.calendar import queries
from campaigns.calendar.models import Anniversary
from campaigns.calendar.rules import AnniversaryOccurrence
from campaigns.errors import NotFound
from campaigns.org.models import Person, Unit
from web.forms import choices
from web.loading import load_for

# A campaign builds up to its milestone and runs a week past it; a trip brings journalists for
# the days around it.
CAMPAIGN_LEAD = timedelta(days=60)
CAMPAIGN_TAIL = timedelta(days=7)
TRIP_DAYS_BEFORE = timedelta(days=2)
TRIP_DAYS_AFTER = timedelta(days=2)


@dataclass(frozen=True)
class Draft:
    occurrence: AnniversaryOccurrence
    owner_unit: Unit | None  # the anniversary's owner, else the person's unit

    @property
    def link_value(self) -> str:
        """The campaign form's value for linking this milestone."""
        return f"{self.occurrence.anniversary_id}:{self.occurrence.date.isoformat()}"


def milestone_from_query(person: Person) -> Draft | None:
    """The milestone named in the query string, or None."""
    anniversary_id = request.args.get("anniversary", type=int)
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return None
    if anniversary_id is None:
        return None
    try:
        anniversary = load_for(None, Anniversary, anniversary_id)
        occurrence = queries.occurrence_on(anniversary, day)
    except NotFound:
        return None
    return Draft(occurrence=occurrence, owner_unit=anniversary.owner_unit or person.unit)


def fill_campaign_form(form, draft: Draft, *, today: date) -> None:
    """Names in both languages, from two months before to a week after the milestone (never
    starting in the past), its partner country, its owner unit, and the milestone linked."""
    occurrence = draft.occurrence
    form.name_vi.data = occurrence.label("vi")
    form.name_en.data = occurrence.label("en")
    form.starts_on.data = max(today, occurrence.date - CAMPAIGN_LEAD)
    form.ends_on.data = occurrence.date + CAMPAIGN_TAIL
    if draft.owner_unit is not None:
        form.owner_unit_code.data = draft.owner_unit.code
    if occurrence.country:
        form.target_countries.data = [occurrence.country]
    form.languages.data = "vi, en"
    offered = {choice.value for choice in form.anniversaries.choices}
    if draft.link_value not in offered:
        form.anniversaries.choices = [
            *form.anniversaries.choices,
            *choices([(draft.link_value, f"{occurrence.label('en')} · {occurrence.date}")]),
        ]
    form.anniversaries.data = [draft.link_value]


def fill_trip_form(form, draft: Draft, *, locale: str) -> None:
    """The milestone's name as title and theme, the days around it, its owner unit as host."""
    occurrence = draft.occurrence
    form.title.data = occurrence.label(locale)
    form.theme.data = occurrence.label(locale)
    form.start_date.data = occurrence.date - TRIP_DAYS_BEFORE
    form.end_date.data = occurrence.date + TRIP_DAYS_AFTER
    if draft.owner_unit is not None:
        form.host_unit.data = draft.owner_unit.code
