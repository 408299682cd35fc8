"""/api/v1/events and /api/v1/anniversaries.

Times: an event's instants are written as ISO 8601 with the offset of the event's own zone
(``2026-12-01T09:00:00+01:00``), next to ``timezone``. On input, ``starts_at``/``ends_at`` are
either a wall-clock time without offset (``2026-12-01T09:00``, read in ``timezone``, as in the
web form) or an ISO time with an offset, converted to ``timezone``'s wall clock. Without
``timezone``, the token owner's zone is used. All-day events use ``start_date``/``end_date``
(inclusive). Events are never deleted: ``POST /api/v1/events/<id>/cancel`` keeps them.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import ValidationError, validates_schema

from campaigns.calendar import queries, services
from campaigns.calendar.models import (
    AnniversaryCategory,
    Event,
    EventKind,
    EventStatus,
    Priority,
    Tier,
    Visibility,
)
from campaigns.db import utcnow
from campaigns.errors import Invalid
from campaigns.permissions import require
from campaigns.timezones import to_zone
from web.api import fields
from web.api.auth import authenticate_bearer
from web.api.fields import Schema
from web.api.org import HeraldErrorSchema
from web.api.paging import PagedBlueprint
from web.calendar.inputs import event_as_input, wall_clock
from web.errors import in_api_names
from web.extensions import db
from web.i18n import error_message, translate
from web.loading import load_for
from web.security import actor

events_blueprint = PagedBlueprint(
    "api_events", __name__, url_prefix="/api/v1/events", description="Calendar events"
)
anniversaries_blueprint = Blueprint(
    "api_anniversaries",
    __name__,
    url_prefix="/api/v1/anniversaries",
    description="Anniversaries and their yearly occurrences",
)
CALENDAR_BLUEPRINTS = (events_blueprint, anniversaries_blueprint)
for _blueprint in CALENDAR_BLUEPRINTS:
    _blueprint.before_request(authenticate_bearer)

# Events a page of GET /api/v1/events holds, unless the client asks for another size.
EVENTS_PAGE_SIZE = 100
MAX_EVENTS_PAGE_SIZE = 1000

# The longest window the occurrences endpoint computes in one request.
MAX_OCCURRENCE_DAYS = 3660

# The services name fields after EventInput; the API after its own JSON keys.
API_FIELD_NAMES = {
    "starts_local": "starts_at",
    "ends_local": "ends_at",
    "owner_unit_code": "owner_unit",
    "participant_codes": "participants",
    "audience_codes": "audience",
}


def _allowed(action: str):
    """Refuse (403) before reading the body: someone who may not act learns nothing more."""

    def decorator(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            require(actor(), action)
            return view(*args, **kwargs)

        return checked

    return decorator


def _in_event_zone(event: Event, instant: datetime | None) -> str | None:
    return to_zone(instant, event.timezone).isoformat() if instant else None


class EventSchema(Schema):
    id = fields.Integer()
    uid = fields.String(metadata={"description": "iCalendar UID, never changes"})
    title = fields.String()
    description = fields.String()
    translations = fields.Dict(
        keys=fields.String(),
        metadata={"example": {"en": {"title": "...", "description": "..."}}},
    )
    kind = fields.OneOf(EventKind)
    all_day = fields.Boolean()
    starts_at = fields.ComputedString(
        getter=lambda event: _in_event_zone(event, event.starts_at),
        allow_none=True,
        metadata={
            "description": "ISO 8601 with the offset of the event's zone",
            "format": "date-time",
        },
    )
    ends_at = fields.ComputedString(
        getter=lambda event: _in_event_zone(event, event.ends_at),
        allow_none=True,
        metadata={"format": "date-time"},
    )
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True, metadata={"description": "Inclusive"})
    timezone = fields.String(metadata={"example": "Europe/Paris"})
    location = fields.String()
    partner_countries = fields.List(fields.String(), metadata={"example": ["FR"]})
    owner_unit = fields.ComputedString(getter=lambda event: event.owner_unit.code)
    participants = fields.ComputedList(
        fields.String(), getter=lambda event: [unit.code for unit in event.participants]
    )
    priority = fields.OneOf(Priority)
    visibility = fields.OneOf(Visibility)
    audience = fields.ComputedList(
        fields.String(), getter=lambda event: [unit.code for unit in event.audience]
    )
    status = fields.OneOf(EventStatus)
    tags = fields.List(fields.String())
    sequence = fields.Integer()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class EventInputSchema(Schema):
    title = fields.String()
    description = fields.String()
    translations = fields.Dict(
        keys=fields.String(max_length=35),
        values=fields.Dict(keys=fields.String(), values=fields.String()),
    )
    kind = fields.OneOf(EventKind)
    all_day = fields.Boolean()
    starts_at = fields.WallOrAwareDateTime(
        allow_none=True,
        metadata={
            "description": "Wall clock in `timezone` (2026-12-01T09:00), or ISO with an offset",
        },
    )
    ends_at = fields.WallOrAwareDateTime(allow_none=True)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    timezone = fields.Timezone()
    location = fields.String()
    partner_countries = fields.List(fields.String())
    owner_unit = fields.String(metadata={"example": "mission-fr"})
    participants = fields.List(fields.String())
    priority = fields.OneOf(Priority)
    visibility = fields.OneOf(Visibility)
    audience = fields.List(fields.String())
    status = fields.OneOf(EventStatus)
    tags = fields.List(fields.String())
    confirm_overlap = fields.Boolean(
        load_default=False,
        metadata={"description": "Save even when it overlaps an important event (else 409)"},
    )


class EventCreateSchema(EventInputSchema):
    title = fields.String(required=True)
    kind = fields.OneOf(EventKind, required=True)
    owner_unit = fields.String(required=True, metadata={"example": "mission-fr"})


class EventsQuerySchema(Schema):
    since = fields.Date(metadata={"description": "First day (in your zone), inclusive"})
    until = fields.Date(metadata={"description": "Last day (in your zone), inclusive"})
    unit = fields.String()
    kind = fields.OneOf(EventKind)
    country = fields.String()
    priority = fields.OneOf(Priority)
    tag = fields.String()
    include_cancelled = fields.Boolean(load_default=True)


class CancelSchema(Schema):
    reason = fields.String(load_default="")


class ImportFormSchema(Schema):
    owner_unit = fields.String(required=True)
    since = fields.Date(required=True)
    until = fields.Date(required=True)
    visibility = fields.OneOf(Visibility, load_default=Visibility.INTERNAL.value)
    kind = fields.OneOf(EventKind, load_default=EventKind.OTHER.value)


class ImportFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "An iCalendar (.ics) file"})


class SkippedEventSchema(Schema):
    event = fields.String(metadata={"description": "the event's SUMMARY (or UID)"})
    reason = fields.ComputedString(
        getter=lambda skipped: translate(skipped.reason.template, skipped.reason.params),
        metadata={"description": "why it was not imported, in the caller's language"},
    )


class ImportResultSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    skipped = fields.List(fields.Nested(SkippedEventSchema))


class AnniversarySchema(Schema):
    id = fields.Integer()
    uid = fields.String()
    title_vi = fields.String()
    title_en = fields.String()
    category = fields.OneOf(AnniversaryCategory)
    origin_date = fields.Date(allow_none=True)
    lunar_month = fields.Integer(allow_none=True)
    lunar_day = fields.Integer(allow_none=True)
    origin_year = fields.Integer(allow_none=True)
    partner_country = fields.String(allow_none=True)
    owner_unit = fields.ComputedString(
        getter=lambda item: item.owner_unit.code if item.owner_unit else None, allow_none=True
    )
    notes = fields.String()
    source = fields.String()


class AnniversariesQuerySchema(Schema):
    category = fields.OneOf(AnniversaryCategory)
    country = fields.String()
    q = fields.String(metadata={"description": "Part of a title"})


class OccurrencesQuerySchema(Schema):
    since = fields.Date(required=True, data_key="from", metadata={"example": "2025-01-01"})
    until = fields.Date(required=True, data_key="to", metadata={"example": "2025-12-31"})
    category = fields.OneOf(AnniversaryCategory)
    country = fields.String()

    @validates_schema
    def window(self, data, **kwargs):
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            raise ValidationError("Must not be before 'from'.", "to")
        if since and until and (until - since).days > MAX_OCCURRENCE_DAYS:
            raise ValidationError(f"At most {MAX_OCCURRENCE_DAYS} days after 'from'.", "to")


class OccurrenceSchema(Schema):
    anniversary_id = fields.Integer()
    title = fields.String(metadata={"description": "In the token owner's language"})
    category = fields.OneOf(AnniversaryCategory)
    date = fields.Date()
    years = fields.Integer(allow_none=True, metadata={"description": "The ordinal, if known"})
    tier = fields.OneOf(Tier)
    country = fields.String(allow_none=True)


# --- events ------------------------------------------------------------------------------------


def _event_input(current: services.EventInput, data: dict) -> services.EventInput:
    """``current`` with what the request gives; times converted to the zone's wall clock."""
    changes: dict = {}
    for api_name, name in (
        ("title", "title"),
        ("description", "description"),
        ("translations", "translations"),
        ("kind", "kind"),
        ("all_day", "all_day"),
        ("start_date", "start_date"),
        ("end_date", "end_date"),
        ("timezone", "timezone"),
        ("location", "location"),
        ("partner_countries", "partner_countries"),
        ("owner_unit", "owner_unit_code"),
        ("participants", "participant_codes"),
        ("priority", "priority"),
        ("visibility", "visibility"),
        ("audience", "audience_codes"),
        ("status", "status"),
        ("tags", "tags"),
    ):
        if api_name in data:
            changes[name] = data[api_name]
    zone = changes.get("timezone", current.timezone)
    for api_name, name in (("starts_at", "starts_local"), ("ends_at", "ends_local")):
        if api_name in data:
            value = data[api_name]
            if value is not None and value.tzinfo is not None:
                value = wall_clock(value, zone)
            changes[name] = value
    merged = dataclasses.replace(current, **changes)
    if merged.all_day:
        merged = dataclasses.replace(merged, starts_local=None, ends_local=None)
        if merged.end_date is None:
            merged = dataclasses.replace(merged, end_date=merged.start_date)
    else:
        merged = dataclasses.replace(merged, start_date=None, end_date=None)
    return merged


def _blank_input(timezone: str) -> services.EventInput:
    return services.EventInput(
        title="",
        kind="",
        all_day=False,
        starts_local=None,
        ends_local=None,
        start_date=None,
        end_date=None,
        timezone=timezone,
        owner_unit_code="",
    )


def _save(save, data: dict):
    """Run ``save(confirm_overlap)``; an overlap answers 409 with the clashes, field errors
    are named as the API names them."""
    try:
        return save(bool(data.get("confirm_overlap")))
    except services.OverlapWarning as warning:
        db.session.rollback()
        locale = actor().locale
        response = jsonify(
            {
                "code": 409,
                "message": error_message(warning),
                "clashes": [
                    {"id": clash.id, "title": clash.title_in(locale)} for clash in warning.clashes
                ],
            }
        )
        response.status_code = 409
        return response
    except Invalid as error:
        db.session.rollback()
        raise _in_api_names(error) from error


def _in_api_names(error: Invalid) -> Invalid:
    return in_api_names(error, API_FIELD_NAMES)


@events_blueprint.route("")
class Events(MethodView):
    @events_blueprint.arguments(EventsQuerySchema, location="query")
    @events_blueprint.response(200, EventSchema(many=True))
    @events_blueprint.paginate(page_size=EVENTS_PAGE_SIZE, max_page_size=MAX_EVENTS_PAGE_SIZE)
    def get(self, filters, pagination_parameters):
        """Events you may see, by start (then id); days are read in your own zone. A page of
        100 by default (`page`, `page_size` up to 1,000): `X-Pagination` says how many there
        are and which page is next, `Link` gives the next page's address."""
        person = actor()
        events, pagination_parameters.item_count = queries.visible_events_page(
            db.session,
            person,
            offset=pagination_parameters.first_item,
            limit=pagination_parameters.page_size,
            since=filters.get("since"),
            until=filters.get("until"),
            zone=person.timezone,
            unit_code=filters.get("unit"),
            kind=filters.get("kind"),
            country=filters.get("country"),
            priority=filters.get("priority"),
            tag=filters.get("tag"),
            include_cancelled=filters["include_cancelled"],
        )
        return events

    @_allowed("event.create")
    @events_blueprint.arguments(EventCreateSchema)
    @events_blueprint.response(201, EventSchema)
    @events_blueprint.alt_response(409, schema=HeraldErrorSchema)
    @events_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data):
        """Add an event (coordinators, editors). 409 lists overlapping important events;
        send again with ``confirm_overlap: true`` to keep it."""
        person = actor()
        event_input = _event_input(_blank_input(person.timezone), data)
        result = _save(
            lambda confirm: services.create_event(
                db.session, actor=person, now=utcnow(), data=event_input, confirm_overlap=confirm
            ),
            data,
        )
        if isinstance(result, Event):
            db.session.commit()
        return result


@events_blueprint.route("/<int:event_id>")
class EventById(MethodView):
    @events_blueprint.response(200, EventSchema)
    @events_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, event_id):
        """One event, if you may see it."""
        return load_for("event.view", Event, event_id)

    @events_blueprint.arguments(EventInputSchema)
    @events_blueprint.response(200, EventSchema)
    @events_blueprint.alt_response(409, schema=HeraldErrorSchema)
    @events_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def patch(self, data, event_id):
        """Change some fields of an event."""
        person = actor()
        event = load_for("event.edit", Event, event_id)
        event_input = _event_input(event_as_input(event), data)
        result = _save(
            lambda confirm: services.update_event(
                db.session,
                actor=person,
                now=utcnow(),
                event=event,
                data=event_input,
                confirm_overlap=confirm,
            ),
            data,
        )
        if isinstance(result, Event):
            db.session.commit()
        return result


@events_blueprint.route("/<int:event_id>/cancel")
class EventCancel(MethodView):
    @events_blueprint.arguments(CancelSchema)
    @events_blueprint.response(200, EventSchema)
    @events_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def post(self, data, event_id):
        """Cancel an event. It is kept, with status ``cancelled``; feeds say so."""
        person = actor()
        event = load_for("event.edit", Event, event_id)
        services.cancel_event(
            db.session, actor=person, now=utcnow(), event=event, reason=data["reason"]
        )
        db.session.commit()
        return event


@events_blueprint.route("/import")
class EventImport(MethodView):
    @_allowed("event.create")
    @events_blueprint.arguments(ImportFormSchema, location="form")
    @events_blueprint.arguments(ImportFileSchema, location="files")
    @events_blueprint.response(200, ImportResultSchema)
    @events_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, form, files):
        """Import an .ics file (multipart): recurring events expanded within [since, until];
        importing the same file again updates the events. Events Herald leaves out are listed
        under ``skipped`` with the reason; a file it cannot read imports nothing."""
        try:
            result = services.import_ics(
                db.session,
                actor=actor(),
                now=utcnow(),
                content=files["file"].read(),
                owner_unit_code=form["owner_unit"],
                since=form["since"],
                until=form["until"],
                visibility=form["visibility"],
                kind=form["kind"],
            )
        except Invalid as error:
            db.session.rollback()
            raise _in_api_names(error) from error
        db.session.commit()
        return result


# --- anniversaries -----------------------------------------------------------------------------


@anniversaries_blueprint.route("")
class Anniversaries(MethodView):
    @anniversaries_blueprint.arguments(AnniversariesQuerySchema, location="query")
    @anniversaries_blueprint.response(200, AnniversarySchema(many=True))
    def get(self, filters):
        """Every anniversary Herald knows."""
        return queries.list_anniversaries(
            db.session,
            category=filters.get("category"),
            country=filters.get("country"),
            search=filters.get("q"),
        )


@anniversaries_blueprint.route("/occurrences")
class Occurrences(MethodView):
    @anniversaries_blueprint.arguments(OccurrencesQuerySchema, location="query")
    @anniversaries_blueprint.response(200, OccurrenceSchema(many=True))
    def get(self, window):
        """Occurrences between ``from`` and ``to`` (inclusive, at most 10 years), by date."""
        locale = actor().locale
        found = queries.occurrences(
            db.session,
            since=window["since"],
            until=window["until"],
            category=window.get("category"),
            country=window.get("country"),
        )
        return [
            {
                "anniversary_id": occurrence.anniversary_id,
                "title": occurrence.title(locale),
                "category": occurrence.category,
                "date": occurrence.date,
                "years": occurrence.years,
                "tier": occurrence.tier,
                "country": occurrence.country,
            }
            for occurrence in found
        ]
