from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import Optional

from campaigns.audit import DOORS
from web.forms import DateField, choices, country_select_choices
from web.i18n import LANGUAGES
from web.labels import AUDIT_DOOR_LABELS, AUDIT_TARGET_LABELS, ROLE_LABELS, UNIT_KIND_LABELS


def _countries():
    return [*choices([("", "—")]), *country_select_choices(str(get_locale() or "en"))]


# Choices are not enforced by WTForms: the domain checks them and says what is wrong in words.
class UnitForm(FlaskForm):
    code = StringField(_l("Code"), description=_l("Short and unique, e.g. mission-us."))
    name_vi = StringField(_l("Name in Vietnamese"))
    name_en = StringField(_l("Name in English"))
    kind = SelectField(_l("Kind"), validate_choice=False)
    country = SelectField(_l("Country"), validate_choice=False)
    timezone = StringField(_l("Time zone"), description=_l("IANA name, e.g. Europe/Paris."))
    parent = SelectField(_l("Parent unit"), validate_choice=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((kind.value, label) for kind, label in UNIT_KIND_LABELS.items())
        self.country.choices = _countries()
        self.parent.choices = choices([("", "—"), *((unit.code, unit.code) for unit in units)])


class PersonForm(FlaskForm):
    name = StringField(_l("Name"))
    email = EmailField(_l("Email"))
    role = SelectField(_l("Role"), validate_choice=False)
    unit = SelectField(_l("Unit"), validate_choice=False)
    locale = SelectField(
        _l("Interface language"), choices=choices(LANGUAGES.items()), validate_choice=False
    )
    timezone = StringField(_l("Time zone"), description=_l("IANA name, e.g. Europe/Paris."))
    active = BooleanField(_l("Active (can sign in and use tokens)"), default=True)
    legal_reviewer = BooleanField(
        _l("Legal reviewer (may take the legal step of a clearance chain)"), default=False
    )
    password = PasswordField(
        _l("Password"), description=_l("At least 10 characters. Leave empty to keep it.")
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices((role.value, label) for role, label in ROLE_LABELS.items())
        self.unit.choices = choices([("", "—"), *((unit.code, unit.code) for unit in units)])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    target_type = SelectField(
        _l("Object"),
        choices=choices([("", _l("All")), *AUDIT_TARGET_LABELS.items()]),
        validate_choice=False,
    )
    action = StringField(_l("Action"))
    actor_email = StringField(_l("By (email)"))
    door = SelectField(
        _l("Door"),
        choices=choices([("", _l("All")), *((door, AUDIT_DOOR_LABELS[door]) for door in DOORS)]),
        validate_choice=False,
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    text = StringField(_l("Object name contains"))
