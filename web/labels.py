"""How domain values read in the interface, in the reader's language."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from campaigns.calendar.items import ItemKind
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
    AuthorChange,
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

CALENDAR_ITEM_KIND_LABELS = {
    ItemKind.EVENT: _l("Events"),
    ItemKind.ANNIVERSARY: _l("Anniversaries"),
    ItemKind.HOLIDAY: _l("Public holidays"),
    ItemKind.TRIP: _l("Press trips"),
    ItemKind.PUBLICATION: _l("Publications"),
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
    "sending": _l("Sending"),
    "never_sent": _l("Never sent: its worker stopped first"),
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
    ChannelKind.MASTODON: _l("Mastodon"),
    ChannelKind.SANDBOX: _l("Sandbox (Herald's own rehearsal page)"),
}

# What a writer changed in a version of a post (AuthorChange).
AUTHOR_CHANGE_LABELS = {
    AuthorChange.CREATED: _l("wrote the post"),
    AuthorChange.CONTENT: _l("changed its content"),
    AuthorChange.LANGUAGE_ADDED: _l("added a language"),
    AuthorChange.TEXT: _l("changed the text"),
    AuthorChange.OVERRIDES: _l("changed a channel's wording"),
    AuthorChange.TEXT_AND_OVERRIDES: _l("changed the text and a channel's wording"),
    AuthorChange.LANGUAGE_REMOVED: _l("removed a language"),
    AuthorChange.IMAGE_ADDED: _l("added an image"),
    AuthorChange.IMAGE_REMOVED: _l("removed an image"),
}

# Who sees a Mastodon channel's statuses.
STATUS_VISIBILITY_LABELS = {
    "public": _l("Public (in the public timelines)"),
    "unlisted": _l("Unlisted (public, but not in the public timelines)"),
}

CHANNEL_HEALTH_LABELS = {
    ChannelHealth.OK: _l("OK"),
    ChannelHealth.DEGRADED: _l("Degraded"),
    ChannelHealth.BROKEN: _l("Broken"),
}

# --- the audit log -------------------------------------------------------------------------------

# What a change was made to (``__audit_type__`` of the models).
AUDIT_TARGET_LABELS = {
    "unit": _l("Unit"),
    "person": _l("Person"),
    "api_token": _l("API token"),
    "webhook_endpoint": _l("Webhook endpoint"),
    "telegram_link": _l("Telegram link"),
    "telegram_link_code": _l("Telegram link code"),
    "event": _l("Event"),
    "anniversary": _l("Anniversary"),
    "planning_task": _l("Planning task"),
    "setting": _l("Setting"),
    "outlet": _l("Outlet"),
    "journalist": _l("Journalist"),
    "affiliation": _l("Affiliation"),
    "identity_document": _l("Identity document"),
    "trip": _l("Press trip"),
    "invitation": _l("Invitation"),
    "itinerary_item": _l("Itinerary item"),
    "interview_request": _l("Interview request"),
    "coverage_item": _l("Coverage"),
    "letterhead": _l("Letterhead"),
    "campaign": _l("Campaign"),
    "post": _l("Post"),
    "post_variant": _l("Language variant"),
    "post_version_author": _l("Writer of a version"),
    "post_review": _l("Clearance decision"),
    "attachment": _l("Image"),
    "channel": _l("Channel"),
    "connection_check": _l("Connection check"),
    "publication": _l("Publication"),
    "annual_plan": _l("Annual plan"),
    "plan_activity": _l("Plan activity"),
    "plan_activity_link": _l("Work linked to a plan activity"),
    "plan_indicator": _l("Indicator of a plan activity"),
    "plan_overlap_agreement": _l("Agreed lead of an overlap"),
}

# Through which door (campaigns.audit.DOORS).
AUDIT_DOOR_LABELS = {
    "web": _l("Web"),
    "api": _l("API"),
    "cli": _l("Command line"),
    "bot": _l("Telegram bot"),
    "scheduler": _l("Scheduler"),
    "worker": _l("Publishing worker"),
    "demo": _l("Demo data"),
    "system": _l("System"),
}

AUDIT_ACTION_LABELS = {
    "create": _l("Added"),
    "update": _l("Changed"),
    "edit": _l("Edited"),
    "delete": _l("Deleted"),
    "deactivate": _l("Deactivated"),
    "password": _l("Password changed"),
    "revoke": _l("Revoked"),
    "import": _l("Imported"),
    "export": _l("Exported"),
    "merge": _l("Merged"),
    "erase": _l("Erased"),
    "complete": _l("Completed"),
    "postpone": _l("Postponed"),
    "cancel": _l("Cancelled"),
    "delay": _l("Delayed"),
    "feed_links_reset": _l("Feed links reset"),
    "submit": _l("Sent for clearance"),
    "approve": _l("Cleared"),
    "reject": _l("Sent back"),
    "clear_step": _l("Clearance step taken"),
    "clearance_policy": _l("Clearance chain changed"),
    "schedule": _l("Scheduled"),
    "unschedule": _l("Unscheduled"),
    "move": _l("Moved with its event"),
    "pause": _l("Paused or resumed"),
    "set_credentials": _l("Credentials set"),
    "request_connection_check": _l("Connection check asked"),
    "check_connection": _l("Connection checked"),
    "broken": _l("Marked broken"),
    "claim": _l("Claimed by a worker"),
    "unclaim": _l("Given back unsent by its worker"),
    "claim_reconcile": _l("Taken over to check the platform"),
    "reconcile": _l("Checked on the platform"),
    "reconcile_failed": _l("The platform could not be checked"),
    "publish": _l("Published"),
    "fail": _l("Failed, to be retried"),
    "dead": _l("Gave up"),
    "hold": _l("Held"),
    "release": _l("Released"),
    "retry": _l("Retried"),
    "return": _l("Returned with a comment"),
    "agree_lead": _l("Lead agreed"),
    "progress": _l("Progress recorded"),
    "link": _l("Linked"),
    "unlink": _l("Link removed"),
}

# "status:<value>" actions of the press programme, by the kind of object they change.
_STATUS_LABELS_BY_TARGET = {
    "trip": TRIP_STATUS_LABELS,
    "invitation": INVITATION_STATUS_LABELS,
    "itinerary_item": ITEM_STATUS_LABELS,
    "interview_request": INTERVIEW_STATUS_LABELS,
    "coverage_item": COVERAGE_STATUS_LABELS,
}


def audit_action_label(action: str, target_type: str) -> str:
    """An audit entry's action in words; an action Herald has no words for shows as recorded."""
    kind, _, value = action.partition(":")
    if kind == "status" and value:
        status = _STATUS_LABELS_BY_TARGET.get(target_type, {}).get(value, value)
        return gettext("Status: %(status)s", status=status)
    if kind == "visa" and value:
        return gettext("Visa: %(status)s", status=VISA_STATUS_LABELS.get(value, value))
    return str(AUDIT_ACTION_LABELS.get(action, action))


# Who takes a step of a clearance chain (campaigns/social/chains.py), as a policy form offers it.
CLEARANCE_STEP_LABELS = {
    "coordinator": _l("A coordinator or an administrator"),
    "legal": _l("A legal reviewer"),
    "unit": _l("A coordinator of a unit (head of unit)"),
    "steering": _l("A member of the steering committee"),
}
