"""Forms of the conferences: setting one up, adding sites, a site's details, readiness and
attendance, a talk of the programme. The services check every rule; WTForms only reads text
into numbers, dates and files."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from web.forms import DateTimeLocalField, choices


class ConferenceForm(FlaskForm):
    event_id = SelectField(_l("Event (of kind conference)"), choices=[], validate_choice=False)
    readiness_due_local = DateTimeLocalField(
        _l("Readiness deadline (your time)"),
        format="%Y-%m-%dT%H:%M",
        description=_l("Sites are reminded three days and one day before, and once it passes."),
    )


class DeadlineForm(FlaskForm):
    readiness_due_local = DateTimeLocalField(
        _l("Readiness deadline (your time)"), format="%Y-%m-%dT%H:%M"
    )


class SitesFromUnitsForm(FlaskForm):
    selection = SelectField(
        _l("Add a site for"),
        choices=choices(
            [
                ("provinces", _l("all provinces")),
                ("missions", _l("all missions abroad")),
                ("ministries", _l("all ministries and central agencies")),
                ("under", _l("all units under the unit below")),
            ]
        ),
        validate_choice=False,
    )
    under = StringField(_l("Unit code (for “all units under”)"), validators=[Optional()])


class SitesCsvForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        description=_l(
            "UTF-8, with a header row: unit_code (required), chair_name, chair_title,"
            " technical_contact, expected_attendance, timezone."
        ),
    )


class SiteForm(FlaskForm):
    chair_name = StringField(_l("Chair"))
    chair_title = StringField(_l("Chair's title"))
    technical_contact = StringField(_l("Technical contact"))
    expected_attendance = StringField(_l("Expected attendance"))
    timezone = StringField(_l("Time zone"))


class ReadinessForm(FlaskForm):
    room_ready = BooleanField(_l("The room is ready"))
    connection_tested = BooleanField(_l("The connection test passed"))
    chair_confirmed = BooleanField(_l("The chair is confirmed"))
    documents_received = BooleanField(_l("The documents were received"))
    note = TextAreaField(_l("Note for the organiser"))


class AttendanceForm(FlaskForm):
    connected = BooleanField(_l("Our site is connected"))
    attendance = StringField(_l("Delegates in the room"))


class TalkForm(FlaskForm):
    speaker_name = StringField(_l("Speaker"))
    speaker_title = StringField(_l("Speaker's title"))
    title = StringField(_l("Presentation (tham luận)"))
    minutes = StringField(_l("Length (minutes)"))
    document = FileField(_l("Document for the sites (PDF, DOCX, PPTX...)"))
