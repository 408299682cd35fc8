"""Imports every area's models so the metadata (and Alembic) sees the whole schema."""

from campaigns.calendar.models import Anniversary, Event, PlanningTask, Setting
from campaigns.org.models import ApiToken, AuditEntry, Person, Unit

__all__ = [
    "Anniversary",
    "ApiToken",
    "AuditEntry",
    "Event",
    "Person",
    "PlanningTask",
    "Setting",
    "Unit",
]
