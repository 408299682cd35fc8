"""One way for every door (UI route, API resource) to load the object a request is about,
together with the permission to act on it.

``load_for(action, Model, key)`` answers the object, or raises ``NotFound`` when it does not
exist or the signed-in person may not see it (the two answer alike, so that nothing's existence
leaks), or ``NotAllowed`` when they may see it but not do ``action`` on it. The services check
the same permission again: the door's check only makes the refusal come first and the same
everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from campaigns.calendar import queries as calendar_queries
from campaigns.calendar.models import Event
from campaigns.org import queries as org_queries
from campaigns.org.models import Person, Unit
from campaigns.permissions import require
from campaigns.press import queries as press_queries
from campaigns.press.models import (
    CoverageItem,
    InterviewRequest,
    Invitation,
    ItineraryItem,
    Journalist,
    Outlet,
    Trip,
)
from campaigns.social import queries as social_queries
from campaigns.social.models import Campaign, Channel, Post
from web.extensions import db
from web.security import actor

Loaded = TypeVar("Loaded")


def _seen_by_press_readers(getter: Callable[..., Any]) -> Callable[..., Any]:
    # Journalists and outlets are the press desk's and its readers' (field staff excluded).
    def load(session, key, *, actor):
        require(actor, "journalist.view")
        return getter(session, key)

    return load


# Each loader raises NotFound for what does not exist or what the person may not see.
_LOADERS: dict[type, Callable[..., Any]] = {
    Unit: org_queries.get_unit,
    Person: org_queries.get_person,
    Event: calendar_queries.get_event,
    Trip: press_queries.get_trip,
    Invitation: press_queries.get_invitation,
    ItineraryItem: press_queries.get_item,
    InterviewRequest: press_queries.get_interview,
    CoverageItem: press_queries.get_coverage_item,
    Journalist: _seen_by_press_readers(press_queries.get_journalist),
    Outlet: _seen_by_press_readers(press_queries.get_outlet),
    Campaign: social_queries.get_campaign,
    Post: social_queries.get_post,
    Channel: social_queries.get_channel,
}


def load_for(action: str | None, model: type[Loaded], key: Any) -> Loaded:
    """The ``model`` object with this id (a code for units) that the signed-in person may see
    and, unless ``action`` is None, may do ``action`` on. Raises NotFound or NotAllowed."""
    person = actor()
    loaded = _LOADERS[model](db.session, key, actor=person)
    if action is not None:
        require(person, action, loaded)
    return loaded
