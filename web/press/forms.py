"""Forms of the press programme. Choices are not enforced by WTForms: the domain checks every
value and says what is wrong in words, next to the field."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from web.forms import DateField, DateTimeLocalField, IntegerField, choices, country_select_choices
from web.labels import ACCREDITATION_LABELS, OUTLET_KIND_LABELS, TONE_LABELS

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def country_choices():
    return [*choices([("", "—")]), *country_select_choices(str(get_locale() or "en"))]


def campaign_choices(campaigns):
    locale = str(get_locale() or "vi")
    return choices([("", "—"), *((str(c.id), c.name(locale)) for c in campaigns)])


class OutletForm(FlaskForm):
    name = StringField(_l("Name"))
    country = SelectField(_l("Country"), validate_choice=False)
    kind = SelectField(_l("Kind"), validate_choice=False)
    languages = StringField(_l("Languages"), description=_l("Language tags, e.g. fr, en."))
    website = StringField(_l("Website"))
    estimated_reach = IntegerField(
        _l("Estimated reach"),
        validators=[Optional()],
        description=_l("Readers, viewers or listeners per month."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()
        self.kind.choices = choices(
            (kind.value, label) for kind, label in OUTLET_KIND_LABELS.items()
        )


class JournalistForm(FlaskForm):
    name_latin = StringField(_l("Name (Latin script)"))
    name_native = StringField(_l("Name (native script)"), description=_l("e.g. 田中 由紀"))
    country = SelectField(_l("Country"), validate_choice=False)
    languages = StringField(_l("Languages"), description=_l("Language tags, e.g. fr, en."))
    beats = StringField(_l("Beats"), description=_l("Separated by commas, e.g. politics, economy."))
    email = StringField(_l("Email"))
    phone = StringField(_l("Phone"))
    press_card_number = StringField(_l("Press card number"))
    press_card_expires_on = DateField(_l("Press card expires on"), validators=[Optional()])
    consent_basis = StringField(
        _l("Consent basis"), description=_l("How and why the journalist agreed to be recorded.")
    )
    consent_on = DateField(_l("Consent given on"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()


class AffiliationForm(FlaskForm):
    outlet = SelectField(_l("Outlet"), validate_choice=False)
    role = StringField(_l("Role"), description=_l("e.g. Asia correspondent"))
    starts_on = DateField(_l("Since"), validators=[Optional()])
    ends_on = DateField(_l("Until"), validators=[Optional()])

    def __init__(self, *args, outlets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.outlet.choices = choices((str(o.id), o.name) for o in outlets)


class IdentityDocumentForm(FlaskForm):
    trip = SelectField(_l("For the trip"), validate_choice=False)
    number = StringField(_l("Passport number"))
    nationality = SelectField(_l("Nationality"), validate_choice=False)
    expires_on = DateField(_l("Expires on"), validators=[Optional()])
    photo = FileField(_l("Photo"), description=_l("JPEG or PNG, at most 2 MB."))

    def __init__(self, *args, trips=(), admin=False, **kwargs):
        super().__init__(*args, **kwargs)
        options = [(str(trip.id), trip.title) for trip in trips]
        if admin:
            options.insert(0, ("", _l("No trip (kept for the retention period)")))
        self.trip.choices = choices(options)
        self.nationality.choices = country_choices()


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), description=_l("UTF-8, first row with the column names."))
    content = HiddenField()
    filename = HiddenField()
    on_match = SelectField(
        _l("Rows that match a journalist already in Herald"),
        choices=choices(
            [
                ("update", _l("Update the journalist's record")),
                ("skip", _l("Skip the row")),
                ("create", _l("Add a new journalist anyway")),
            ]
        ),
        default="update",
        validate_choice=False,  # the service takes an unknown choice as the default
        description=_l("Matched by email, or else by the same name at the same outlet."),
    )


class MergeForm(FlaskForm):
    duplicate = SelectField(_l("Duplicate to fold into this record"), validate_choice=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicate.choices = choices(
            [
                ("", "—"),
                *((str(j.id), f"{j.display_name()} · {j.country} · #{j.id}") for j in candidates),
            ]
        )


class ConfirmForm(FlaskForm):
    """A button that changes something (a status, an erasure): only the CSRF token."""


class TripForm(FlaskForm):
    title = StringField(_l("Title"))
    start_date = DateField(_l("First day"), validators=[Optional()])
    end_date = DateField(_l("Last day"), validators=[Optional()])
    city = StringField(_l("City"), description=_l("Where the programme takes place."))
    timezone = StringField(_l("Time zone"), description=_l("IANA name, e.g. Asia/Ho_Chi_Minh."))
    host_unit = SelectField(_l("Host unit"), validate_choice=False)
    campaign = SelectField(_l("Campaign"), validate_choice=False)
    nominating_missions = SelectMultipleField(_l("Nominating missions"), validate_choice=False)
    coordinators = SelectMultipleField(
        _l("Trip coordinators"),
        validate_choice=False,
        description=_l("They may also see the participants' passports."),
    )
    events = SelectMultipleField(_l("Linked events"), validate_choice=False)
    theme = TextAreaField(_l("Theme"))
    key_messages = TextAreaField(_l("Key messages"), description=_l("One per line."))
    budget_planned = StringField(_l("Planned budget"))
    budget_actual = StringField(_l("Actual cost"))
    currency = StringField(_l("Currency"), description=_l("e.g. VND, USD, EUR."))
    confirm_clashes = BooleanField(_l("Save despite the clashes"))

    def __init__(self, *args, units=(), people=(), events=(), campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.host_unit.choices = choices((unit.code, unit.code) for unit in units)
        self.campaign.choices = campaign_choices(campaigns)
        self.nominating_missions.choices = choices(
            (unit.code, unit.code) for unit in units if unit.kind == "mission"
        )
        self.coordinators.choices = choices(
            (str(person.id), f"{person.name} ({person.email})") for person in people
        )
        self.events.choices = choices((str(event.id), event.title) for event in events)


class NominateForm(FlaskForm):
    journalist = SelectField(_l("Journalist"), validate_choice=False)
    nominated_by = SelectField(_l("Nominated by"), validate_choice=False)
    confirm_clashes = BooleanField(_l("Nominate despite the clashes"))

    def __init__(self, *args, journalists=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.journalist.choices = choices(
            [("", "—"), *((str(j.id), f"{j.display_name()} · {j.country}") for j in journalists)]
        )
        self.nominated_by.choices = choices([("", "—"), *((u.code, u.code) for u in units)])


class ReplaceForm(FlaskForm):
    replacement = SelectField(_l("Replaced by"), validate_choice=False)

    def __init__(self, *args, journalists=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.replacement.choices = choices(
            [("", "—"), *((str(j.id), j.display_name()) for j in journalists)]
        )


class LogisticsForm(FlaskForm):
    accreditation = SelectField(_l("Accreditation"), validate_choice=False)
    arrival_flight = StringField(_l("Arrival flight"))
    arrival_local = DateTimeLocalField(
        _l("Arrives at"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    arrival_airport = StringField(_l("Arrival airport"), description=_l("e.g. HAN"))
    departure_flight = StringField(_l("Departure flight"))
    departure_local = DateTimeLocalField(
        _l("Leaves at"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    departure_airport = StringField(_l("Departure airport"))
    hotel = StringField(_l("Hotel"))
    dietary_needs = StringField(_l("Dietary needs"))
    interpreter_language = StringField(_l("Interpreter language"), description=_l("e.g. ja"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.accreditation.choices = choices(
            (value.value, label) for value, label in ACCREDITATION_LABELS.items()
        )


class ItemForm(FlaskForm):
    activity = StringField(_l("Activity"))
    starts_local = DateTimeLocalField(
        _l("Starts"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    ends_local = DateTimeLocalField(_l("Ends"), format=DATETIME_FORMATS, validators=[Optional()])
    timezone = StringField(_l("Time zone"))
    place = StringField(_l("Place"))
    city = StringField(_l("City"), description=_l("Empty: the trip's city."))
    interviewee = StringField(_l("Interviewee"))
    escort = SelectField(_l("Escort"), validate_choice=False)
    interpreter = SelectField(_l("Interpreter"), validate_choice=False)
    participants = SelectMultipleField(
        _l("Journalists"), validate_choice=False, description=_l("None chosen: everyone.")
    )
    confirm_clashes = BooleanField(_l("Save despite the clashes"))

    def __init__(self, *args, people=(), invitations=(), **kwargs):
        super().__init__(*args, **kwargs)
        staff = [("", "—"), *((str(p.id), f"{p.name} ({p.email})") for p in people)]
        self.escort.choices = choices(staff)
        self.interpreter.choices = choices(staff)
        self.participants.choices = choices(
            (str(invitation.id), invitation.journalist.display_name()) for invitation in invitations
        )


class DelayForm(FlaskForm):
    minutes = IntegerField(_l("Delay (minutes)"), validators=[Optional()], default=30)


class InterviewForm(FlaskForm):
    journalist = SelectField(_l("Journalist"), validate_choice=False)
    interviewee = StringField(_l("Interviewee"))
    subject = TextAreaField(_l("Subject"))

    def __init__(self, *args, journalists=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.journalist.choices = choices(
            [("", "—"), *((str(j.id), j.display_name()) for j in journalists)]
        )


class ScheduleInterviewForm(FlaskForm):
    item = SelectField(_l("Itinerary item"), validate_choice=False)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.item.choices = choices([("", "—"), *((str(i.id), i.activity) for i in items)])


class CoverageForm(FlaskForm):
    url = StringField(_l("Link"), description=_l("The article's web address (http or https)."))
    trip = SelectField(_l("Trip"), validate_choice=False)
    journalist = SelectField(_l("Journalist"), validate_choice=False)
    outlet = SelectField(
        _l("Outlet"), validate_choice=False, description=_l("Empty: the journalist's outlet.")
    )
    published_on = DateField(_l("Published on"), validators=[Optional()])
    language = StringField(_l("Language"), description=_l("Empty: the outlet's language."))
    headline = StringField(_l("Headline (original)"))
    headline_translation = StringField(_l("Headline (translation)"))
    tone = SelectField(_l("Tone"), validate_choice=False)
    campaign = SelectField(
        _l("Campaign"), validate_choice=False, description=_l("Empty: the trip's campaign.")
    )
    key_messages = SelectMultipleField(_l("Key messages used"), validate_choice=False)
    interview = SelectField(_l("From the interview"), validate_choice=False)
    estimated_reach = IntegerField(
        _l("Estimated reach"),
        validators=[Optional()],
        description=_l("Empty: the outlet's reach."),
    )

    def __init__(
        self,
        *args,
        trips=(),
        journalists=(),
        outlets=(),
        messages=(),
        interviews=(),
        campaigns=(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.interview.choices = choices(
            [
                ("", "—"),
                *((str(i.id), f"{i.interviewee} · {i.journalist.name_latin}") for i in interviews),
            ]
        )
        self.campaign.choices = campaign_choices(campaigns)
        self.trip.choices = choices([("", "—"), *((str(t.id), t.title) for t in trips)])
        self.journalist.choices = choices(
            [("", "—"), *((str(j.id), j.display_name()) for j in journalists)]
        )
        self.outlet.choices = choices([("", "—"), *((str(o.id), o.name) for o in outlets)])
        self.tone.choices = choices(
            [("", "—"), *((str(t), label) for t, label in TONE_LABELS.items() if t != "unknown")]
        )
        self.key_messages.choices = choices((message, message) for message in messages)


class LetterheadForm(FlaskForm):
    address = StringField(_l("Address"))
    city = StringField(_l("City (for the date line)"))
    phone = StringField(_l("Phone"))
    email = StringField(_l("Email"))
    website = StringField(_l("Website"))
    signatory_name = StringField(_l("Signatory"))
    signatory_title_vi = StringField(_l("Signatory's title in Vietnamese"))
    signatory_title_en = StringField(_l("Signatory's title in English"))


class RetentionForm(FlaskForm):
    days = IntegerField(
        _l("Keep identity documents for (days after the trip)"), validators=[Optional()]
    )
