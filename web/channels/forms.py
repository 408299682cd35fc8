"""Forms of channels. Credentials are write-only: their fields are never filled from the database
and never echoed back after a failed save."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Optional

from campaigns.social.models import ChannelKind
from web.campaigns.forms import country_choices
from web.forms import IntegerField, choices
from web.labels import CHANNEL_KIND_LABELS, STATUS_VISIBILITY_LABELS

# Every credential any kind of channel takes, with its label.
CREDENTIAL_LABELS = {
    "consumer_key": _l("X API key (consumer key)"),
    "consumer_secret": _l("X API key secret (consumer secret)"),
    "access_token": _l("X access token"),
    "access_token_secret": _l("X access token secret"),
    "bot_token": _l("Telegram bot token"),
    "instance_url": _l("Mastodon instance address (https://mastodon.social)"),
    "mastodon_token": _l("Mastodon access token"),
}


class CredentialsForm(FlaskForm):
    """The secrets of a channel; PasswordField never renders a value back."""

    consumer_key = PasswordField(CREDENTIAL_LABELS["consumer_key"])
    consumer_secret = PasswordField(CREDENTIAL_LABELS["consumer_secret"])
    access_token = PasswordField(CREDENTIAL_LABELS["access_token"])
    access_token_secret = PasswordField(CREDENTIAL_LABELS["access_token_secret"])
    bot_token = PasswordField(CREDENTIAL_LABELS["bot_token"])
    # The instance's address is not a secret; it is kept with the token all the same.
    instance_url = StringField(CREDENTIAL_LABELS["instance_url"])
    mastodon_token = PasswordField(CREDENTIAL_LABELS["mastodon_token"])

    def credentials(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name in CREDENTIAL_LABELS}


class ChannelForm(CredentialsForm):
    """Create (with credentials) or edit (without: they have their own form) a channel."""

    kind = SelectField(_l("Platform"), validate_choice=False)
    name = StringField(_l("Name"))
    handle = StringField(
        _l("Handle"), description=_l("@account on X or Mastodon; @channel or chat id on Telegram.")
    )
    language = StringField(
        _l("Language"), description=_l("It publishes the post's variant in this language.")
    )
    audience_countries = SelectMultipleField(
        _l("Audience countries"),
        validate_choice=False,
        description=_l(
            'The countries whose public it addresses; "09:00 for each audience" schedules it '
            "only for these. None: the home audience (Viet Nam)."
        ),
    )
    audience_zone = StringField(
        _l("Audience time zone"),
        description=_l(
            "The clock its audience lives by (IANA name). Empty: the first country's capital, "
            "or the office's zone for the home audience."
        ),
    )
    visibility = SelectField(
        _l("Visibility on Mastodon"),
        validate_choice=False,
        description=_l("Who sees its statuses. Other platforms ignore it."),
    )
    owner_unit_code = SelectField(_l("Owner unit"), validate_choice=False)
    owner_person_id = SelectField(
        _l("Owner"), validate_choice=False, description=_l("Alerted when the channel breaks.")
    )
    rate_limit_posts = IntegerField(
        _l("Budget: posts per window"),
        validators=[Optional()],
        description=_l("Keep it below the platform's own limit. Empty: Herald's default."),
    )
    rate_window_seconds = IntegerField(_l("Budget window (seconds)"), validators=[Optional()])
    clash_interval_minutes = IntegerField(
        _l("Clash interval (minutes)"),
        validators=[Optional()],
        description=_l(
            "Two publications of this channel closer than this warn whoever schedules them. "
            "Empty: the office's default; 0: never."
        ),
    )

    def __init__(self, *args, units=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((kind.value, CHANNEL_KIND_LABELS[kind]) for kind in ChannelKind)
        self.visibility.choices = choices(STATUS_VISIBILITY_LABELS.items())
        self.audience_countries.choices = country_choices()
        locale = str(get_locale() or "en")
        self.owner_unit_code.choices = choices(
            (unit.code, f"{unit.code} · {unit.name(locale)}") for unit in units
        )
        self.owner_person_id.choices = choices(
            [("", "—"), *((str(person.id), person.name) for person in people)]
        )
