"""Imports every area's models so the metadata (and Alembic) sees the whole schema."""

from campaigns.calendar.models import Anniversary, Event, PlanningTask, Setting
from campaigns.health.models import Heartbeat
from campaigns.metrics.models import (
    CriteriaSet,
    Criterion,
    MetricReadBudget,
    MetricSnapshot,
    PublicationMetrics,
)
from campaigns.org.import_jobs import ImportJob
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
from campaigns.social.checks import ConnectionCheck
from campaigns.social.models import (
    Attachment,
    Campaign,
    CampaignAnniversary,
    Channel,
    ChannelBudget,
    Notification,
    Post,
    PostReview,
    PostVariant,
    PostVersionAuthor,
    Publication,
    PublicationAttempt,
    SandboxPost,
)

__all__ = [
    "Affiliation",
    "Anniversary",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "Campaign",
    "CampaignAnniversary",
    "Channel",
    "ChannelBudget",
    "ConnectionCheck",
    "CoverageItem",
    "CriteriaSet",
    "Criterion",
    "Event",
    "Heartbeat",
    "IdentityDocument",
    "ImportJob",
    "InterviewRequest",
    "Invitation",
    "ItineraryItem",
    "Journalist",
    "Letterhead",
    "MetricReadBudget",
    "MetricSnapshot",
    "Notification",
    "Outlet",
    "Person",
    "PlanningTask",
    "Post",
    "PostReview",
    "PostVariant",
    "PostVersionAuthor",
    "Publication",
    "PublicationAttempt",
    "PublicationMetrics",
    "SandboxPost",
    "Setting",
    "Trip",
    "Unit",
]
