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

from campaigns import webhooks
from campaigns.calendar import queries as calendar_queries
from campaigns.calendar import quiet_days
from campaigns.calendar.models import Anniversary, Event, PlanningTask, QuietDay
from campaigns.errors import NotFound
from campaigns.field import reports as field_reports
from campaigns.field.models import FieldReport
from campaigns.i18n import N_
from campaigns.metrics import criteria
from campaigns.metrics.models import CriteriaSet
from campaigns.org import import_jobs
from campaigns.org import queries as org_queries
from campaigns.org.import_jobs import ImportJob
from campaigns.org.models import Person, Unit
from campaigns.permissions import can, require
from campaigns.press import queries as press_queries
from campaigns.press.models import (
    Affiliation,
    CoverageItem,
    IdentityDocument,
    InterviewRequest,
    Invitation,
    ItineraryItem,
    Journalist,
    Outlet,
    Trip,
)
from campaigns.programme import conference_queries, overlaps, plan_queries
from campaigns.programme.conference_models import Conference, ConferenceSite, ConferenceTalk
from campaigns.programme.overlaps import Overlap
from campaigns.programme.plan_models import (
    ActivityIndicator,
    ActivityLink,
    AnnualPlan,
    PlanActivity,
)
from campaigns.social import lookups, notifications
from campaigns.social import queries as social_queries
from campaigns.social.models import (
    Attachment,
    Campaign,
    Channel,
    Notification,
    Post,
    Publication,
)
from campaigns.webhooks import WebhookEndpoint
from web.extensions import db
from web.security import actor

Loaded = TypeVar("Loaded")


def _seen_by_press_readers(getter: Callable[..., Any]) -> Callable[..., Any]:
    # Journalists, their affiliations and outlets are the press desk's and its readers' (field
    # staff excluded).
    def load(session, key, *, actor):
        require(actor, "journalist.view")
        return getter(session, key)

    return load


def _webhook_endpoint(session, key, *, actor):
    """Administrators only: the whole area is refused to the others (403), as the admin pages."""
    return webhooks.get_endpoint(session, actor=actor, endpoint_id=key)


def _seen_by_everyone(getter: Callable[..., Any]) -> Callable[..., Any]:
    # Anniversaries are the whole office's calendar: every signed-in person reads them.
    def load(session, key, *, actor):
        return getter(session, key)

    return load


def _overlap(session, key, *, actor):
    # An overlap is a pair of activities, not a row: named by their two ids.
    first_id, second_id = key
    return overlaps.get_overlap(session, first_id, second_id, actor=actor)


def _quiet_day(session, key, *, actor):
    # The quiet days list is its managers' page: to anyone else one answers as a missing one.
    if not can(actor, "quiet_day.manage"):
        raise NotFound(N_("There is no such quiet day."))
    return quiet_days.get_quiet_day(session, key)


# Each loader raises NotFound for what does not exist or what the person may not see.
_LOADERS: dict[type, Callable[..., Any]] = {
    Unit: org_queries.get_unit,
    Person: org_queries.get_person,
    ImportJob: import_jobs.get_import_job,
    Event: calendar_queries.get_event,
    Anniversary: _seen_by_everyone(calendar_queries.get_anniversary),
    PlanningTask: calendar_queries.get_planning_task,
    QuietDay: _quiet_day,
    Trip: press_queries.get_trip,
    Invitation: press_queries.get_invitation,
    ItineraryItem: press_queries.get_item,
    InterviewRequest: press_queries.get_interview,
    CoverageItem: press_queries.get_coverage_item,
    Journalist: _seen_by_press_readers(press_queries.get_journalist),
    Outlet: _seen_by_press_readers(press_queries.get_outlet),
    Affiliation: _seen_by_press_readers(press_queries.get_affiliation),
    IdentityDocument: press_queries.get_identity_document,
    Campaign: social_queries.get_campaign,
    Post: social_queries.get_post,
    Channel: social_queries.get_channel,
    Attachment: lookups.get_attachment,
    Publication: lookups.get_publication,
    Notification: notifications.get_notification,
    CriteriaSet: criteria.get_criteria_set,
    FieldReport: field_reports.get_report,
    AnnualPlan: plan_queries.get_plan,
    PlanActivity: plan_queries.get_activity,
    ActivityLink: plan_queries.get_link,
    ActivityIndicator: plan_queries.get_indicator,
    Overlap: _overlap,
    Conference: conference_queries.get_conference,
    ConferenceSite: conference_queries.get_site,
    ConferenceTalk: conference_queries.get_talk,
    WebhookEndpoint: _webhook_endpoint,
}


def load_for(action: str | None, model: type[Loaded], key: Any) -> Loaded:
    """The ``model`` object with this id (a code for units) that the signed-in person may see
    and, unless ``action`` is None, may do ``action`` on. Raises NotFound or NotAllowed."""
    person = actor()
    loaded = _LOADERS[model](db.session, key, actor=person)
    if action is not None:
        require(person, action, loaded)
    return loaded
