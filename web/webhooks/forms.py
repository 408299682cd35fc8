"""Forms of the webhook endpoints' pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, widgets

from campaigns.webhooks import EVENT_LABELS
from web.forms import choices


class EndpointForm(FlaskForm):
    url = StringField(
        _l("Address"),
        description=_l(
            "Where deliveries are POSTed: http:// or https://, no user name or password."
        ),
    )
    description = StringField(_l("Description"), description=_l("Which system this is."))
    events = SelectMultipleField(
        _l("Events"),
        validate_choice=False,
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
    )
    active = BooleanField(_l("Active (receives deliveries)"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events.choices = choices(EVENT_LABELS.items())
