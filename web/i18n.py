"""Interface language and time zone per person, and translation of domain messages."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache

from babel import Locale, dates, numbers
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import (
    Babel,
    format_date,
    format_datetime,
    get_locale,
    get_translations,
    gettext,
)
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from campaigns.errors import HeraldError, Message
from campaigns.timezones import available_zones, to_zone
from web.labels import (
    AUDIT_DOOR_LABELS,
    AUDIT_TARGET_LABELS,
    CLEARANCE_STEP_LABELS,
    ROLE_LABELS,
    UNIT_KIND_LABELS,
    audit_action_label,
)

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}


def select_locale() -> str:
    if has_request_context() and request.path.startswith("/api/"):
        # An API client says which language it reads (Accept-Language); else the token
        # owner's own language.
        if request.headers.get("Accept-Language"):
            asked = request.accept_languages.best_match(LANGUAGES)
            if asked:
                return asked
        person = getattr(g, "api_person", None)
        if person is not None:
            return person.locale
        return "vi"
    if current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    # Vietnamese first: a visitor who has not chosen sees the Vietnamese interface.
    return "vi"


def select_timezone() -> str:
    if current_user.is_authenticated:
        return current_user.timezone
    return current_app.config["HERALD_TIMEZONE"]


def translate(template: str, params: dict | None = None) -> str:
    """A domain message template in the reader's language, with its parameters filled in
    (parameters that are messages themselves are translated too)."""
    return gettext(template, **{name: _in_words(value) for name, value in (params or {}).items()})


def _in_words(value: object) -> object:
    if isinstance(value, Message):
        return translate(value.template, value.params)
    # A day in a message reads in the app's date style. (Numbers stay as the message gives
    # them: a year or a row number must not become "2.027".)
    if isinstance(value, date) and not isinstance(value, datetime):
        return day(value)
    return value


def error_message(error: HeraldError) -> str:
    return translate(error.template, error.params)


def field_errors(error: HeraldError) -> dict[str, str]:
    return {
        field: _in_words(message) if isinstance(message, Message) else translate(message)
        for field, message in getattr(error, "errors", {}).items()
    }


def local_datetime(instant: datetime | None, format: str = "medium") -> str:
    """An instant on the reader's wall clock (their zone), in their language."""
    if instant is None:
        return ""
    return format_datetime(instant, format)


# Every figure, amount, day and time a page shows goes through one of these filters, so that a
# Vietnamese reader sees 1.250.000.000 ₫ and 30 thg 8, 2027 and an English one 1,250,000,000
# and Aug 30, 2027, on every page, in print and in exports alike. Nothing is formatted by hand.
EMPTY = "—"


def _reader_locale() -> Locale:
    # The Locale object itself, not its name: given a name, babel parses it again on every
    # call, and a page formats hundreds of times (profiled: most of a busy calendar's time).
    return get_locale() or _VIETNAMESE


_VIETNAMESE = Locale("vi")


def number(value: int | float | Decimal | None, format: str | None = None) -> str:
    """A figure with the reader's digit grouping and decimal mark; — when there is none."""
    if value is None or value == "":
        return EMPTY
    return numbers.format_decimal(value, format=format, locale=_reader_locale())


def money(value: int | float | Decimal | None, currency: str | None) -> str:
    """An amount with its currency the way the reader writes it (1.250.000.000 ₫)."""
    if value is None or value == "":
        return EMPTY
    if not currency:
        return number(value)
    return numbers.format_currency(value, currency, locale=_reader_locale())


def day(value: date | None, format: str = "medium") -> str:
    """A calendar day in the app's date style; — when there is none."""
    if value is None:
        return EMPTY
    return _formatted_day(value, format, _reader_locale())


@lru_cache(maxsize=8192)
def _formatted_day(value: date, format: str, locale: Locale) -> str:
    # A day reads the same for every reader of a language: pages format the same few hundred
    # days over and over (a month view ~80 a request, each a Babel pattern applied).
    return dates.format_date(value, format, locale=locale)


def date_format(value: date | datetime | None = None, format: str | None = None) -> str:
    """Flask-Babel's ``dateformat`` filter, cheaper for a calendar day (what the templates give
    it): Babel directly with the reader's Locale object, instead of Flask-Babel's lookups of its
    configuration, locale and zone on every call (a month view formats ~80 days). Instants and
    None still go to Flask-Babel, which moves an instant to the reader's zone first."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return _formatted_day(value, format or "medium", _reader_locale())
    return format_date(value, format)


def wall_clock(instant: datetime | None, zone: str, format: str = "short") -> str:
    """An instant as the clocks of ``zone`` show it (a trip's, an audience's), in the reader's
    style; not moved to the reader's own zone."""
    if instant is None:
        return EMPTY
    return dates.format_datetime(to_zone(instant, zone), format, locale=_reader_locale())


def time_tag(instant: datetime | None, zone: str, format: str = "short") -> Markup:
    """``wall_clock`` in a <time> element whose datetime attribute keeps the exact instant
    (ISO 8601 with the zone's offset) for scripts and tests."""
    if instant is None:
        return Markup(EMPTY)
    exact = to_zone(instant, zone).isoformat()
    return Markup('<time datetime="{}">{}</time>').format(exact, wall_clock(instant, zone, format))


def clock_time(value: datetime | time | None, zone: str | None = None) -> str:
    """The time of day only (14:30 / 2:30 PM), on ``zone``'s clocks when given, else as is."""
    if value is None:
        return EMPTY
    if zone is not None and isinstance(value, datetime):
        value = to_zone(value, zone)
    return dates.format_time(value, "short", locale=_reader_locale())


def _translations() -> NullTranslations:
    """The reader's catalogue, kept on ``g`` for the request while the locale stays the same
    (``force_locale`` changes it). Flask-Babel's own lookup (context, domain, locale, the
    locale's name as the cache key) cost more than the message lookup itself, and a page
    translates a few dozen strings (profiled: ~15 % of the dashboard)."""
    locale = get_locale()
    kept = g.get("_herald_translations")
    if kept is None or kept[0] is not locale:
        kept = (locale, get_translations())
        g._herald_translations = kept
    return kept[1]


@pass_eval_context
def grouped_ngettext(eval_context, singular: str, plural: str, num: int, /, **variables) -> str:
    """The templates' ``ngettext`` (Jinja's new style, autoescaped alike), with ``%(num)s``
    written the reader's way: "Import 20.000 journalists", not "20000"."""
    variables.setdefault("num", number(num))
    text = _translations().ungettext(singular, plural, num)
    if eval_context.autoescape:
        text = Markup(text)
    return text % variables


def init_app(app: Flask, babel: Babel) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: _translations().ugettext(string),
        ngettext=lambda singular, plural, num: _translations().ungettext(singular, plural, num),
        newstyle=True,
        pgettext=lambda context, string: _translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, num: _translations().unpgettext(
            context, singular, plural, num
        ),
    )
    app.jinja_env.globals["ngettext"] = grouped_ngettext
    app.jinja_env.filters["dateformat"] = date_format
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["wall_clock"] = wall_clock
    app.jinja_env.filters["clock_time"] = clock_time
    app.jinja_env.filters["time_tag"] = time_tag
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["ROLE_NAMES"] = ROLE_LABELS
    app.jinja_env.globals["UNIT_KINDS"] = UNIT_KIND_LABELS
    app.jinja_env.globals["CLEARANCE_STEPS"] = CLEARANCE_STEP_LABELS
    app.jinja_env.filters["in_words"] = _in_words
    app.jinja_env.globals["AUDIT_TARGETS"] = AUDIT_TARGET_LABELS
    app.jinja_env.globals["AUDIT_DOORS"] = AUDIT_DOOR_LABELS
    app.jinja_env.globals["audit_action_label"] = audit_action_label
    app.jinja_env.globals["ZONES"] = sorted(available_zones())
