"""Forms of the calendar: events, anniversaries, imports and lead times.

Choices are not enforced by WTForms: the domain checks them and says what is wrong in words.
WTForms only turns text into dates and numbers; a value it cannot read is an error next to the
field, and the service is not called.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from web.forms import DateField, DateTimeLocalField, IntegerField, choices, country_select_choices
from web.labels import (
    ANNIVERSARY_CATEGORY_LABELS,
    EVENT_KIND_LABELS,
    EVENT_STATUS_LABELS,
    PRIORITY_LABELS,
    VISIBILITY_LABELS,
)

WALL_CLOCK_FORMAT = "%Y-%m-%dT%H:%M"
MULTIPLE_HINT = _l("Hold Ctrl (⌘ on a Mac) to choose several.")


def country_choices(*, blank: bool) -> list:
    """ISO codes with their names in the interface language, sorted by name."""
    ordered = country_select_choices(str(get_locale() or "en"))
    return [*choices([("", "—")]), *ordered] if blank else list(ordered)


def unit_choices(units, *, blank: bool) -> list:
    locale = str(get_locale() or "en")
    pairs = [(unit.code, f"{unit.code} · {unit.name(locale)}") for unit in units]
    return choices([("", "—"), *pairs] if blank else pairs)


def label_choices(labels: dict, *, blank: bool = False) -> list:
    pairs = [(value.value, label) for value, label in labels.items()]
    return choices([("", _l("All")), *pairs] if blank else pairs)


class EventForm(FlaskForm):
    """Create or edit an event. Field names are those of ``services.EventInput``."""

    title = StringField(_l("Title (Vietnamese)"))
    description = TextAreaField(_l("Description (Vietnamese)"))
    title_en = StringField(_l("Title in English"), description=_l("Optional."))
    description_en = TextAreaField(_l("Description in English"), description=_l("Optional."))
    kind = SelectField(_l("Kind"), validate_choice=False)
    all_day = BooleanField(_l("All day (one or several days, no times)"))
    starts_local = DateTimeLocalField(
        _l("Starts"), format=WALL_CLOCK_FORMAT, validators=[Optional()]
    )
    ends_local = DateTimeLocalField(_l("Ends"), format=WALL_CLOCK_FORMAT, validators=[Optional()])
    timezone = StringField(
        _l("Time zone of these times"),
        description=_l("IANA name, e.g. Europe/Paris: the wall clock where the event happens."),
    )
    start_date = DateField(_l("First day"), validators=[Optional()])
    end_date = DateField(
        _l("Last day"), validators=[Optional()], description=_l("Same as the first day if one.")
    )
    location = StringField(_l("Location"))
    partner_countries = SelectMultipleField(
        _l("Partner countries"), validate_choice=False, description=MULTIPLE_HINT
    )
    owner_unit_code = SelectField(_l("Owner unit"), validate_choice=False)
    participant_codes = SelectMultipleField(
        _l("Participating units (connected sites)"),
        validate_choice=False,
        description=MULTIPLE_HINT,
    )
    priority = SelectField(_l("Priority"), validate_choice=False)
    visibility = SelectField(_l("Visibility"), validate_choice=False)
    audience_codes = SelectMultipleField(
        _l("Units that may see it (when restricted)"),
        validate_choice=False,
        description=_l(
            "Besides the owner unit, coordinators and administrators. "
            "Hold Ctrl (⌘ on a Mac) to choose several."
        ),
    )
    status = SelectField(_l("Status"), validate_choice=False)
    tags = StringField(_l("Tags"), description=_l("Separated by commas."))
    confirm_overlap = BooleanField(_l("Save anyway, despite the overlap"))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = label_choices(EVENT_KIND_LABELS)
        self.priority.choices = label_choices(PRIORITY_LABELS)
        self.visibility.choices = label_choices(VISIBILITY_LABELS)
        self.status.choices = label_choices(EVENT_STATUS_LABELS)
        self.partner_countries.choices = country_choices(blank=False)
        self.owner_unit_code.choices = unit_choices(units, blank=True)
        self.participant_codes.choices = unit_choices(units, blank=False)
        self.audience_codes.choices = unit_choices(units, blank=False)


class PostponeForm(FlaskForm):
    """Postpone an event: the new times when they are known, else the times stay as they are."""

    new_times_known = BooleanField(_l("The new date is known"))
    all_day = BooleanField(_l("All day (one or several days, no times)"))
    starts_local = DateTimeLocalField(
        _l("Starts"), format=WALL_CLOCK_FORMAT, validators=[Optional()]
    )
    ends_local = DateTimeLocalField(_l("Ends"), format=WALL_CLOCK_FORMAT, validators=[Optional()])
    timezone = StringField(_l("Time zone of these times"))
    start_date = DateField(_l("First day"), validators=[Optional()])
    end_date = DateField(_l("Last day"), validators=[Optional()])


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"), description=_l("Kept in the audit log; tell the units taking part.")
    )


class CalendarFilterForm(FlaskForm):
    """Filters of every calendar view, read from the query string."""

    class Meta:
        csrf = False

    unit = SelectField(_l("Unit"), validate_choice=False)
    kind = SelectField(_l("Kind"), validate_choice=False)
    country = SelectField(_l("Country"), validate_choice=False)
    priority = SelectField(_l("Priority"), validate_choice=False)
    tag = StringField(_l("Tag"))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = choices([("", _l("All")), *((unit.code, unit.code) for unit in units)])
        self.kind.choices = label_choices(EVENT_KIND_LABELS, blank=True)
        self.priority.choices = label_choices(PRIORITY_LABELS, blank=True)
        self.country.choices = [*choices([("", _l("All"))]), *country_choices(blank=False)]


class AnniversaryFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"))
    category = SelectField(_l("Category"), validate_choice=False)
    country = SelectField(_l("Country"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = label_choices(ANNIVERSARY_CATEGORY_LABELS, blank=True)
        self.country.choices = [*choices([("", _l("All"))]), *country_choices(blank=False)]


class AnniversaryForm(FlaskForm):
    """Create or edit an anniversary. Field names are those of ``services.AnniversaryInput``."""

    title_vi = StringField(_l("Title in Vietnamese"))
    title_en = StringField(_l("Title in English"))
    category = SelectField(_l("Category"), validate_choice=False)
    origin_date = DateField(
        _l("Origin date (solar)"),
        validators=[Optional()],
        description=_l("The day it first happened. Leave empty for a lunar anniversary."),
    )
    lunar_month = IntegerField(_l("Lunar month"), validators=[Optional()])
    lunar_day = IntegerField(_l("Lunar day"), validators=[Optional()])
    origin_year = IntegerField(
        _l("First year (lunar)"),
        validators=[Optional()],
        description=_l("For a lunar anniversary whose first year is known; gives the ordinal."),
    )
    partner_country = SelectField(_l("Partner country"), validate_choice=False)
    owner_unit_code = SelectField(_l("Owner unit"), validate_choice=False)
    notes = TextAreaField(_l("Notes"))
    source = StringField(_l("Source"), description=_l("Where the date comes from."))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = label_choices(ANNIVERSARY_CATEGORY_LABELS)
        self.partner_country.choices = country_choices(blank=True)
        self.owner_unit_code.choices = unit_choices(units, blank=True)


class AnniversaryImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        description=_l(
            "UTF-8, one anniversary a line, with a header row naming the columns. "
            "Nothing is imported when one line is wrong."
        ),
    )


class IcsImportForm(FlaskForm):
    file = FileField(_l("iCalendar file (.ics)"))
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(
        _l("Until"),
        validators=[Optional()],
        description=_l("Recurring events are expanded within this window."),
    )
    owner_unit_code = SelectField(_l("Owner unit"), validate_choice=False)
    visibility = SelectField(_l("Visibility"), validate_choice=False)
    kind = SelectField(_l("Kind"), validate_choice=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_unit_code.choices = unit_choices(units, blank=True)
        self.visibility.choices = label_choices(VISIBILITY_LABELS)
        self.kind.choices = label_choices(EVENT_KIND_LABELS)


class LeadTimesForm(FlaskForm):
    """Days of notice per tier; empty or unreadable values are refused next to the field."""

    major = IntegerField(
        _l("Major milestones (10th, 25th, 50th…)"), description=_l("Days, from 1 to 730.")
    )
    round = IntegerField(_l("Round years (5th, 15th…)"), description=_l("Days, from 1 to 730."))
    regular = IntegerField(_l("Other years"), description=_l("Days, from 1 to 730."))


class QuietDayForm(FlaskForm):
    """Days marked quiet; field names are those of ``quiet_days.QuietDayInput``."""

    start_date = DateField(_l("First day"), validators=[Optional()])
    end_date = DateField(_l("Last day"), validators=[Optional()], description=_l("Empty: one day."))
    reason = StringField(_l("Why"), description=_l("Shown to whoever schedules on these days."))
    unit_code = SelectField(
        _l("For the channels of"), validate_choice=False, description=_l("Empty: every channel.")
    )
    timezone = StringField(
        _l("Time zone of these days"),
        description=_l("Empty: the unit's, or the office's (Asia/Ho_Chi_Minh)."),
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_code.choices = [
            *choices([("", _l("The whole office"))]),
            *unit_choices(units, blank=False),
        ]


class ClashIntervalForm(FlaskForm):
    minutes = IntegerField(
        _l("Clash interval (minutes)"),
        description=_l(
            "Two publications of one channel closer than this warn whoever schedules them, "
            "unless the channel has its own interval. 0: never."
        ),
    )
