"""Forms of campaigns, posts, clearance and scheduling.

Choices are not enforced by WTForms: the domain checks every value and says what is wrong in
words, next to the field. WTForms only turns text into dates, times and numbers.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import NumberRange, Optional

from campaigns.social.chains import policy_steps
from campaigns.social.models import ScheduleMode
from web.forms import DateField, IntegerField, choices, country_select_choices
from web.labels import CLEARANCE_STEP_LABELS

MULTIPLE_HINT = _l("Hold Ctrl (⌘ on a Mac) to choose several.")


def _locale() -> str:
    return str(get_locale() or "en")


def country_choices() -> list:
    return list(country_select_choices(_locale()))


def unit_choices(units) -> list:
    return choices((unit.code, f"{unit.code} · {unit.name(_locale())}") for unit in units)


def split_list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").replace("\n", ",").split(",") if part.strip()]


class PercentField(DecimalField):
    """A percentage: NaN and Infinity are a field error, not a 500 in the range check."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(str(_l("Give a number between 0 and 100.")))


class CampaignForm(FlaskForm):
    """Create or edit a campaign; names follow ``services.CampaignInput``."""

    name_vi = StringField(_l("Name in Vietnamese"))
    name_en = StringField(_l("Name in English"))
    goal = TextAreaField(_l("Goal"))
    hashtags = StringField(_l("Hashtags"), description=_l("Separated by commas, e.g. #VietNam."))
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    owner_unit_code = SelectField(_l("Owner unit"), validate_choice=False)
    participant_codes = SelectMultipleField(
        _l("Participating units"), validate_choice=False, description=MULTIPLE_HINT
    )
    target_countries = SelectMultipleField(
        _l("Target countries"),
        validate_choice=False,
        description=_l("Their local times are used for 'local time per audience'."),
    )
    languages = StringField(
        _l("Languages"), description=_l("Language tags separated by commas, e.g. vi, en, km.")
    )
    kpi_posts = IntegerField(_l("Target: posts"), validators=[Optional()])
    kpi_impressions = IntegerField(_l("Target: impressions"), validators=[Optional()])
    kpi_engagements = IntegerField(_l("Target: engagements"), validators=[Optional()])
    kpi_engagement_rate = PercentField(
        _l("Target: engagement rate (%)"),
        places=2,
        validators=[Optional(), NumberRange(min=0, max=100)],
        description=_l("Engagements divided by reach, e.g. 2.5"),
    )
    kpi_coverage_articles = IntegerField(
        _l("Target: press coverage articles"), validators=[Optional()]
    )
    kpi_coverage_reach = IntegerField(
        _l("Target: reach of press coverage"), validators=[Optional()]
    )
    event_ids = SelectMultipleField(
        _l("Linked events"), validate_choice=False, description=MULTIPLE_HINT
    )
    anniversaries = SelectMultipleField(
        _l("Linked anniversaries"), validate_choice=False, description=MULTIPLE_HINT
    )

    def __init__(self, *args, units=(), events=(), occurrences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_unit_code.choices = unit_choices(units)
        self.participant_codes.choices = unit_choices(units)
        self.target_countries.choices = country_choices()
        locale = _locale()
        self.event_ids.choices = choices(
            (str(event.id), f"{event.title_in(locale)} · {_event_day(event)}") for event in events
        )
        self.anniversaries.choices = choices(
            (
                f"{item.anniversary_id}:{item.date.isoformat()}",
                f"{item.label(locale)} · {item.date}",
            )
            for item in occurrences
        )


def _event_day(event) -> str:
    if event.all_day:
        return event.start_date.isoformat()
    return event.starts_at.date().isoformat() if event.starts_at else ""


class PostForm(FlaskForm):
    """A new post with its first variants (Vietnamese, English and one more language)."""

    title = StringField(_l("Title"), description=_l("For the office only; it is not published."))
    text_vi = TextAreaField(_l("Text in Vietnamese"))
    text_en = TextAreaField(_l("Text in English"))
    other_language = StringField(
        _l("Another language"), description=_l("Optional: a language tag such as km, fr, zh-Hans.")
    )
    other_text = TextAreaField(_l("Text in that language"))
    misfire_window_minutes = IntegerField(
        _l("Misfire window (minutes)"),
        default=30,
        validators=[Optional()],
        description=_l("Later than this after its time, a publication is held, not sent."),
    )

    def variants(self) -> dict[str, str]:
        found = {}
        for language, text in (
            ("vi", self.text_vi.data),
            ("en", self.text_en.data),
            ((self.other_language.data or "").strip(), self.other_text.data),
        ):
            if language and (text or "").strip():
                found[language] = text or ""
        if (self.other_language.data or "").strip() and not (self.other_text.data or "").strip():
            found[self.other_language.data.strip()] = ""
        return found


class RapidResponseForm(PostForm):
    campaign = SelectField(_l("Campaign"), validate_choice=False)

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign.choices = choices((str(c.id), c.name(_locale())) for c in campaigns)


def channel_choices(channels) -> list:
    """Each channel with what decides its plan: platform, language, audience and its clock."""
    return choices(
        (
            str(channel.id),
            f"{channel.name} · {channel.kind} · {channel.language} · "
            f"{', '.join(channel.served_countries)} ({channel.audience_zone})",
        )
        for channel in channels
    )


class PostSettingsForm(FlaskForm):
    title = StringField(_l("Title"))
    misfire_window_minutes = IntegerField(_l("Misfire window (minutes)"), validators=[Optional()])
    expected_version = HiddenField()


class VariantForm(FlaskForm):
    """The text of one language; ``expected_version`` is the post as the writer saw it."""

    language = StringField(_l("Language"), description=_l("A language tag: vi, en, km, zh-Hant..."))
    text = TextAreaField(_l("Text"))
    expected_version = HiddenField()


class AttachmentForm(FlaskForm):
    language = HiddenField()
    image = FileField(_l("Image"), description=_l("PNG, JPEG, GIF or WebP, at most 5 MB."))
    alt_text = TextAreaField(
        _l("Alt text"),
        description=_l("What the image shows, for people who cannot see it (sent to Mastodon)."),
    )
    expected_version = HiddenField()


class VersionForm(FlaskForm):
    """A button acting on the post as it was shown (submit, remove a language or an image)."""

    expected_version = HiddenField()


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("Comment"))
    expected_version = HiddenField()
    # The step of the clearance chain the page showed waiting (approve only).
    expected_step = HiddenField()


class ClearanceStepForm(Form):
    kind = SelectField(_l("Who takes this step"), validate_choice=False)
    unit_code = SelectField(_l("Unit"), validate_choice=False)
    rapid_only = BooleanField(_l("Rapid responses only"))


class ClearancePolicyForm(FlaskForm):
    """Up to five steps, in order; empty rows are ignored (no step at all: no policy)."""

    steps = FieldList(FormField(ClearanceStepForm), min_entries=5, max_entries=5)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        for entry in self.steps:
            entry.form.kind.choices = choices(
                [("", _l("(no step)")), *CLEARANCE_STEP_LABELS.items()]
            )
            entry.form.unit_code.choices = choices(
                [("", "—"), *((unit.code, unit.code) for unit in units)]
            )


class ScheduleForm(FlaskForm):
    channel_ids = SelectMultipleField(
        _l("Channels"),
        validate_choice=False,
        description=_l(
            "Each channel publishes the variant in its own language; for each audience, once, "
            "at the local time of the audience it addresses."
        ),
    )
    mode = RadioField(
        _l("When"),
        default=ScheduleMode.AT.value,
        validate_choice=False,
    )
    zone = StringField(_l("Time zone"), description=_l("IANA name, e.g. Asia/Ho_Chi_Minh."))
    countries = SelectMultipleField(
        _l("Audience countries"),
        validate_choice=False,
        description=_l(
            "Default: the campaign's target countries. Only the channels that address them publish."
        ),
    )
    local_date = DateField(_l("Date"), validators=[Optional()])
    event_id = SelectField(
        _l("Or relative to an event"),
        validate_choice=False,
        description=_l("When the event moves, its publications move with it."),
    )
    offset_days = IntegerField(
        _l("Days from the event"),
        default=0,
        validators=[Optional()],
        description=_l("-3 is three days before the event's day."),
    )
    local_time = TimeField(
        _l("Local time"),
        validators=[Optional()],
        format=["%H:%M", "%H:%M:%S"],
        render_kw={"step": 1},
    )
    # The digest of the plan shown in the preview: saving creates that plan or nothing.
    expected_plan = HiddenField()

    def __init__(self, *args, channels=(), events=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.channel_ids.choices = channel_choices(channels)
        self.mode.choices = choices(
            [
                (ScheduleMode.AT.value, _l("At this time in one time zone")),
                (ScheduleMode.PER_AUDIENCE.value, _l("At this local time for each audience")),
            ]
        )
        self.countries.choices = country_choices()
        locale = _locale()
        self.event_id.choices = choices(
            [("", "—"), *((str(e.id), f"{e.title_in(locale)} · {_event_day(e)}") for e in events)]
        )


class PublishNowForm(FlaskForm):
    channel_ids = SelectMultipleField(_l("Channels"), validate_choice=False)

    def __init__(self, *args, channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.channel_ids.choices = channel_choices(channels)


def clearance_policy_form(policy, units) -> ClearancePolicyForm:
    """The form of a unit's or a campaign's clearance chain, filled with its steps."""
    rows = [
        {"kind": step.kind, "unit_code": step.unit_code, "rapid_only": step.rapid_only}
        for step in policy_steps(policy)
    ]
    rows += [{"kind": "", "unit_code": "", "rapid_only": False}] * (5 - len(rows))
    return ClearancePolicyForm(formdata=None, data={"steps": rows}, units=units)


class BulkPostsForm(FlaskForm):
    file = FileField(
        _l("CSV or Excel file"),
        description=_l(
            "UTF-8 CSV (commas or semicolons) or .xlsx; first row with the column names."
        ),
    )
    content = HiddenField()
    filename = HiddenField()
