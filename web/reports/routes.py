"""The Reports section: the list of reports a person may open, each campaign's dashboard and
its report for leadership (printable page, PDF, CSV, XLSX) in Vietnamese or English.

Every report describes itself as an ``exports.Document``; ``render_document`` shows one as a
page and ``send_document`` writes one in a format, so the unit period report reuses both.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import force_locale, get_locale, gettext
from flask_login import login_required

from campaigns.db import utcnow
from campaigns.errors import Invalid
from campaigns.i18n import N_
from campaigns.metrics import charts, exports, queries, reports
from campaigns.metrics.queries import Range
from campaigns.metrics.scoring import FiguresCache
from campaigns.org.models import LOCALES
from campaigns.permissions import require
from campaigns.social import queries as social_queries
from campaigns.social.models import Campaign
from campaigns.timezones import to_zone
from web.extensions import db
from web.i18n import error_message
from web.loading import load_for
from web.security import actor

blueprint = Blueprint("reports", __name__, url_prefix="/reports")


@blueprint.record_once
def _make_cache(state) -> None:
    seconds = state.app.config.get("HERALD_REPORT_CACHE_SECONDS", 60)
    state.app.extensions["herald_report_cache"] = FiguresCache(seconds)


def figures_cache() -> FiguresCache:
    """This process's cache of campaign figures (``HERALD_REPORT_CACHE_SECONDS``)."""
    return current_app.extensions["herald_report_cache"]


FORMATS = {
    "pdf": ("application/pdf", exports.document_pdf),
    "csv": ("text/csv; charset=utf-8", exports.document_csv),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.document_xlsx,
    ),
}


def _locale() -> str:
    return str(get_locale() or "vi")


def _day(name: str) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Invalid(N_("Give the range's days as YYYY-MM-DD.")) from None
    if not date(1900, 1, 1) <= day <= date(2200, 12, 31):
        raise Invalid(N_("Give the range's days as YYYY-MM-DD."))
    return day


def requested_range(campaign: Campaign, zone: str) -> tuple[Range, str | None]:
    """The range asked for in ``?start=&end=`` (default: the campaign's dates, up to today),
    and the message saying why the request was not followed, if it was not."""
    today = to_zone(utcnow(), zone).date()
    try:
        return (
            queries.choose_range(campaign, zone, today=today, start=_day("start"), end=_day("end")),
            None,
        )
    except Invalid as error:
        shown = gettext("Showing the campaign's dates instead.")
        return queries.default_range(campaign, zone, today), f"{error_message(error)} {shown}"


def render_document(document: exports.Document, **context) -> str:
    """A report's printable page: the same document the PDF, CSV and XLSX are written from."""
    return render_template(
        "reports/document.html",
        document=document,
        svg=charts.svg,
        is_chart=lambda block: isinstance(block, charts.Chart),
        cell=lambda value: exports.format_cell(
            value, document.locale, document.labels.not_available
        ),
        **context,
    )


def send_document(document: exports.Document, fmt: str, filename: str) -> Response:
    """``document`` written as ``fmt`` (pdf, csv, xlsx) for download."""
    if fmt not in FORMATS:
        abort(404)
    mimetype, write = FORMATS[fmt]
    response = Response(write(document), mimetype=mimetype)
    disposition = "inline" if fmt == "pdf" else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}.{fmt}"'
    return response


# --- the list ------------------------------------------------------------------------------------


@blueprint.get("/")
@login_required
def index():
    """Every report the person may open. Unit period reports and the ranking are listed by
    ``reports/_units.html`` once it exists."""
    person = actor()
    require(person, "campaign.view")
    campaigns = social_queries.list_campaigns(db.session, actor=person)
    return render_template("reports/index.html", campaigns=campaigns, locale=_locale())


# --- one campaign --------------------------------------------------------------------------------


def _campaign_report(campaign_id: int):
    person = actor()
    campaign = load_for("campaign.view", Campaign, campaign_id)
    period, problem = requested_range(campaign, person.timezone)
    report = reports.campaign_report(
        db.session, campaign, period, now=utcnow(), cache=figures_cache(), viewer=person
    )
    return campaign, period, problem, report


@blueprint.get("/campaigns/<int:campaign_id>")
@login_required
def campaign_dashboard(campaign_id: int):
    campaign, period, problem, report = _campaign_report(campaign_id)
    locale = _locale()
    document = reports.report_document(report, gettext, locale)
    return render_template(
        "reports/dashboard.html",
        campaign=campaign,
        period=period,
        problem=problem,
        report=report,
        document=document,
        charts=[block for block in document.blocks if isinstance(block, charts.Chart)],
        tables=[block for block in document.blocks if not isinstance(block, charts.Chart)],
        svg=charts.svg,
        cell=lambda value: exports.format_cell(value, locale, document.labels.not_available),
        range_args={"start": period.start.isoformat(), "end": period.end.isoformat()},
        locale=locale,
        today=period.end,
        shortcuts=_shortcuts(campaign, period),
        KPI_TITLES=reports.KPI_TITLES,
        cache_seconds=int(figures_cache().lifetime.total_seconds()),
    )


def _shortcuts(campaign: Campaign, period: Range) -> list[tuple[str, date, date]]:
    end = period.end
    return [
        (gettext("Whole campaign"), campaign.starts_on, campaign.ends_on),
        (gettext("Last 7 days"), end - timedelta(days=6), end),
        (gettext("Last 30 days"), end - timedelta(days=29), end),
    ]


@blueprint.get("/campaigns/<int:campaign_id>/report")
@blueprint.get("/campaigns/<int:campaign_id>/report.<fmt>")
@login_required
def campaign_report(campaign_id: int, fmt: str | None = None):
    """The report for leadership, in the reader's language or ``?lang=vi|en``."""
    if fmt is not None and fmt not in FORMATS:
        abort(404)
    campaign, period, problem, report = _campaign_report(campaign_id)
    language = request.args.get("lang", "")
    language = language if language in LOCALES else _locale()
    with force_locale(language):
        document = reports.report_document(report, gettext, language)
        if fmt is None:
            return render_document(
                document,
                problem=problem,
                back=url_for("reports.campaign_dashboard", campaign_id=campaign.id),
                downloads=[
                    (
                        name.upper(),
                        url_for(
                            "reports.campaign_report",
                            campaign_id=campaign.id,
                            fmt=name,
                            start=period.start.isoformat(),
                            end=period.end.isoformat(),
                            lang=language,
                        ),
                    )
                    for name in FORMATS
                ],
            )
        filename = f"campaign-{campaign.id}-{period.start.isoformat()}-{period.end.isoformat()}"
        return send_document(document, fmt, filename)
