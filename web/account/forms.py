from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from campaigns.timezones import available_zones
from web.forms import choices
from web.i18n import LANGUAGES


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(message=_l("Enter your email."))])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(message=_l("Enter your password."))]
    )


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Interface language"), choices=choices(LANGUAGES.items()))
    timezone = SelectField(_l("Time zone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices((zone, zone) for zone in sorted(available_zones()))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=10, message=_l("At least 10 characters."))],
    )


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(message=_l("Give the token a name.")), Length(max=100)],
        description=_l("What will use it, e.g. 'reporting script'."),
    )


class EmptyForm(FlaskForm):
    """Only a CSRF token: for buttons that change something (sign out, revoke)."""
