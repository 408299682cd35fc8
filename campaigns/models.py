"""Imports every area's models so the metadata (and Alembic) sees the whole schema."""

from campaigns.calendar.models import Anniversary, Event, PlanningTask, Setting
from campaigns.org.models import ApiToken, AuditEntry, Person, Unit
from campaigns.press.models import (
    Affiliation,
    CoverageItem,
    IdentityDocument,
    InterviewRequest,
    Invitation,
    ItineraryItem,
    Journalist,
    Letterhead,
    Outlet,
    Trip,
)

__all__ = [
    "Affiliation",
    "Anniversary",
    "ApiToken",
    "AuditEntry",
    "CoverageItem",
    "Event",
    "IdentityDocument",
    "InterviewRequest",
    "Invitation",
    "ItineraryItem",
    "Journalist",
    "Letterhead",
    "Outlet",
    "Person",
    "PlanningTask",
    "Setting",
    "Trip",
    "Unit",
]
