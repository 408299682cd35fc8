"""How domain values read in the interface, in the reader's language."""

from flask_babel import lazy_gettext as _l

from campaigns.calendar.models import (
    AnniversaryCategory,
    EventKind,
    EventStatus,
    Priority,
    Tier,
    Visibility,
)
from campaigns.org.models import Role, UnitKind
from campaigns.press.models import (
    AccreditationStatus,
    CoverageStatus,
    InterviewStatus,
    InvitationStatus,
    ItemStatus,
    OutletKind,
    Tone,
    TripStatus,
    VisaStatus,
)
from campaigns.social import notifications
from campaigns.social.models import (
    ChannelHealth,
    ChannelKind,
    PostStatus,
    PublicationStatus,
)

UNIT_KIND_LABELS = {
    UnitKind.STEERING: _l("Steering committee"),
    UnitKind.MINISTRY: _l("Ministry department"),
    UnitKind.PROVINCE: _l("Province"),
    UnitKind.MISSION: _l("Mission abroad"),
    UnitKind.PRESS_AGENCY: _l("Press agency"),
    UnitKind.OTHER: _l("Other"),
}

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.EDITOR: _l("Editor"),
    Role.FIELD: _l("Field staff"),
    Role.VIEWER: _l("Viewer"),
}

# --- calendar ------------------------------------------------------------------------------------

EVENT_KIND_LABELS = {
    EventKind.POLITICAL: _l("Political"),
    EventKind.DIPLOMATIC: _l("Diplomatic"),
    EventKind.ANNIVERSARY: _l("Anniversary celebration"),
    EventKind.CONFERENCE: _l("Conference"),
    EventKind.CULTURAL: _l("Cultural"),
    EventKind.DEADLINE: _l("Internal deadline"),
    EventKind.OTHER: _l("Other"),
}

PRIORITY_LABELS = {
    Priority.NATIONAL: _l("National"),
    Priority.HIGH: _l("High"),
    Priority.NORMAL: _l("Normal"),
}

VISIBILITY_LABELS = {
    Visibility.PUBLIC: _l("Public"),
    Visibility.INTERNAL: _l("Internal (everyone signed in)"),
    Visibility.RESTRICTED: _l("Restricted to named units"),
}

EVENT_STATUS_LABELS = {
    EventStatus.PLANNED: _l("Planned"),
    EventStatus.CONFIRMED: _l("Confirmed"),
    EventStatus.POSTPONED: _l("Postponed"),
    EventStatus.CANCELLED: _l("Cancelled"),
}

ANNIVERSARY_CATEGORY_LABELS = {
    AnniversaryCategory.DIPLOMATIC_RELATIONS: _l("Diplomatic relations"),
    AnniversaryCategory.NATIONAL: _l("National day"),
    AnniversaryCategory.HISTORICAL: _l("Historical"),
    AnniversaryCategory.FOUNDING: _l("Founding"),
    AnniversaryCategory.OTHER: _l("Other"),
}

TIER_LABELS = {
    Tier.MAJOR: _l("Major milestone"),
    Tier.ROUND: _l("Round year"),
    Tier.REGULAR: _l("Regular"),
}

# --- press programme ---------------------------------------------------------------------------

OUTLET_KIND_LABELS = {
    OutletKind.NEWSPAPER: _l("Newspaper or magazine"),
    OutletKind.AGENCY: _l("News agency"),
    OutletKind.TV: _l("Television"),
    OutletKind.RADIO: _l("Radio"),
    OutletKind.ONLINE: _l("Online media"),
    OutletKind.PODCAST: _l("Podcast"),
}

TRIP_STATUS_LABELS = {
    TripStatus.DRAFT: _l("Draft"),
    TripStatus.PLANNED: _l("Planned"),
    TripStatus.INVITING: _l("Inviting"),
    TripStatus.CONFIRMED: _l("Confirmed"),
    TripStatus.IN_PROGRESS: _l("In progress"),
    TripStatus.COMPLETED: _l("Completed"),
    TripStatus.COVERAGE_TRACKING: _l("Tracking coverage"),
    TripStatus.CLOSED: _l("Closed"),
    TripStatus.POSTPONED: _l("Postponed"),
    TripStatus.CANCELLED: _l("Cancelled"),
}

INVITATION_STATUS_LABELS = {
    InvitationStatus.NOMINATED: _l("Nominated"),
    InvitationStatus.SHORTLISTED: _l("Shortlisted"),
    InvitationStatus.INVITED: _l("Invited"),
    InvitationStatus.ACCEPTED: _l("Accepted"),
    InvitationStatus.DECLINED: _l("Declined"),
    InvitationStatus.NO_RESPONSE: _l("No response"),
    InvitationStatus.CONFIRMED: _l("Confirmed"),
    InvitationStatus.WITHDRAWN: _l("Withdrawn"),
    InvitationStatus.REPLACED: _l("Replaced"),
}

VISA_STATUS_LABELS = {
    VisaStatus.UNDECIDED: _l("Not decided"),
    VisaStatus.NOT_NEEDED: _l("No visa needed"),
    VisaStatus.LETTER_REQUESTED: _l("Letter requested"),
    VisaStatus.LETTER_ISSUED: _l("Letter issued"),
    VisaStatus.APPLIED: _l("Visa applied for"),
    VisaStatus.GRANTED: _l("Visa granted"),
    VisaStatus.REFUSED: _l("Visa refused"),
}

ACCREDITATION_LABELS = {
    AccreditationStatus.NOT_REQUESTED: _l("Not requested"),
    AccreditationStatus.REQUESTED: _l("Requested"),
    AccreditationStatus.GRANTED: _l("Granted"),
    AccreditationStatus.REFUSED: _l("Refused"),
}

ITEM_STATUS_LABELS = {
    ItemStatus.TENTATIVE: _l("Tentative"),
    ItemStatus.CONFIRMED: _l("Confirmed"),
    ItemStatus.DONE: _l("Done"),
    ItemStatus.CANCELLED: _l("Cancelled"),
}

INTERVIEW_STATUS_LABELS = {
    InterviewStatus.REQUESTED: _l("Requested"),
    InterviewStatus.APPROVED: _l("Approved"),
    InterviewStatus.DECLINED: _l("Declined"),
    InterviewStatus.SCHEDULED: _l("Scheduled"),
    InterviewStatus.DONE: _l("Done"),
}

TONE_LABELS = {
    Tone.POSITIVE: _l("Positive"),
    Tone.NEUTRAL: _l("Neutral"),
    Tone.NEGATIVE: _l("Negative"),
    "unknown": _l("Not rated"),
}

COVERAGE_STATUS_LABELS = {
    CoverageStatus.EXPECTED: _l("Expected"),
    CoverageStatus.FOUND: _l("Found"),
    CoverageStatus.VERIFIED: _l("Verified"),
}

# --- social campaigns ----------------------------------------------------------------------------

POST_STATUS_LABELS = {
    PostStatus.DRAFT: _l("Draft"),
    PostStatus.IN_REVIEW: _l("Waiting for clearance"),
    PostStatus.APPROVED: _l("Cleared"),
    PostStatus.SCHEDULED: _l("Scheduled"),
    PostStatus.PUBLISHED: _l("Published"),
    PostStatus.REJECTED: _l("Sent back"),
}

PUBLICATION_STATUS_LABELS = {
    PublicationStatus.SCHEDULED: _l("Scheduled"),
    PublicationStatus.PUBLISHING: _l("Publishing"),
    PublicationStatus.RECONCILING: _l("Checking whether it went out"),
    PublicationStatus.PUBLISHED: _l("Published"),
    PublicationStatus.FAILED: _l("Failed, will retry"),
    PublicationStatus.DEAD: _l("Gave up: a person decides"),
    PublicationStatus.HELD: _l("Held: a person decides"),
    PublicationStatus.CANCELLED: _l("Cancelled"),
}

# One wording for both doors: the bot's alerts read the same map.
HELD_REASON_LABELS = {
    reason: _l(label) for reason, label in notifications.HELD_REASON_LABELS.items()
}

# What one try at sending came to (PublicationAttempt.outcome).
ATTEMPT_OUTCOME_LABELS = {
    "publishing": _l("Publishing"),
    "published": _l("Published"),
    "failed": _l("Failed"),
    "reconciling": _l("Checking whether it went out"),
    "reconciled_found": _l("Found on the platform"),
    "reconciled_missing": _l("Not found on the platform"),
    "reconcile_failed": _l("The platform could not be checked"),
    "unreconcilable": _l("Nobody can tell whether it went out"),
}

CHANNEL_KIND_LABELS = {
    ChannelKind.X: _l("X"),
    ChannelKind.TELEGRAM: _l("Telegram"),
    ChannelKind.SANDBOX: _l("Sandbox (Herald's own rehearsal page)"),
}

CHANNEL_HEALTH_LABELS = {
    ChannelHealth.OK: _l("OK"),
    ChannelHealth.DEGRADED: _l("Degraded"),
    ChannelHealth.BROKEN: _l("Broken"),
}
