"""How domain values read in the interface, in the reader's language."""

from flask_babel import lazy_gettext as _l

from campaigns.org.models import Role, UnitKind

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
