"""/api/v1 for the press programme: journalists, outlets, trips, invitations, itinerary,
coverage. Identity documents have no API: they never leave the web UI's restricted page."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import post_dump

from campaigns.calendar import queries as calendar_queries
from campaigns.db import utcnow
from campaigns.errors import Invalid
from campaigns.permissions import can, require
from campaigns.press import coverage, itinerary, queries, services, trips
from campaigns.press.models import (
    AccreditationStatus,
    CoverageItem,
    CoverageStatus,
    Invitation,
    InvitationStatus,
    ItemStatus,
    ItineraryItem,
    Journalist,
    Outlet,
    OutletKind,
    Tone,
    Trip,
    TripStatus,
    VisaStatus,
)
from campaigns.timezones import to_zone
from web.api import fields
from web.api.auth import authenticate_bearer
from web.api.fields import Schema
from web.api.org import HeraldErrorSchema
from web.errors import in_api_names, json_error
from web.extensions import db
from web.i18n import error_message, translate
from web.loading import load_for
from web.security import actor

journalists_blueprint = Blueprint(
    "api_journalists", __name__, url_prefix="/api/v1/journalists", description="Journalists"
)
outlets_blueprint = Blueprint(
    "api_outlets", __name__, url_prefix="/api/v1/outlets", description="Media outlets"
)
trips_blueprint = Blueprint(
    "api_trips",
    __name__,
    url_prefix="/api/v1/trips",
    description="Press trips, their invitations and itinerary",
)
invitations_blueprint = Blueprint(
    "api_invitations", __name__, url_prefix="/api/v1/invitations", description="Invitations"
)
itinerary_blueprint = Blueprint(
    "api_itinerary", __name__, url_prefix="/api/v1/itinerary", description="Itinerary items"
)
coverage_blueprint = Blueprint(
    "api_coverage", __name__, url_prefix="/api/v1/coverage", description="Coverage"
)
PRESS_BLUEPRINTS = (
    journalists_blueprint,
    outlets_blueprint,
    trips_blueprint,
    invitations_blueprint,
    itinerary_blueprint,
    coverage_blueprint,
)
for _blueprint in PRESS_BLUEPRINTS:
    _blueprint.before_request(authenticate_bearer)


# --- schemas -----------------------------------------------------------------------------------


class OutletSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True)
    country = fields.String(required=True, metadata={"example": "FR"})
    kind = fields.OneOf(OutletKind, required=True)
    languages = fields.List(fields.String(), load_default=list)
    website = fields.String(load_default="")
    estimated_reach = fields.Integer(minimum=0, allow_none=True, load_default=None)


class OutletPatchSchema(OutletSchema):
    """Any subset of the fields."""


class AffiliationSchema(Schema):
    outlet_id = fields.Integer()
    outlet = fields.ComputedString(getter=lambda affiliation: affiliation.outlet.name)
    role = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)


class JournalistSchema(Schema):
    id = fields.Integer(dump_only=True)
    name_latin = fields.String(required=True)
    name_native = fields.String(load_default="")
    country = fields.String(required=True)
    languages = fields.List(fields.String(), load_default=list)
    beats = fields.List(fields.String(), load_default=list)
    email = fields.String(load_default="")
    phone = fields.String(load_default="")
    press_card_number = fields.String(load_default="")
    press_card_expires_on = fields.Date(allow_none=True, load_default=None)
    notes = fields.String(load_default="")
    consent_basis = fields.String(load_default="")
    consent_on = fields.Date(allow_none=True, load_default=None)
    erased = fields.ComputedBoolean(
        getter=lambda journalist: journalist.erased_at is not None, dump_only=True
    )
    affiliations = fields.List(fields.Nested(AffiliationSchema), dump_only=True)


class JournalistPatchSchema(JournalistSchema):
    """Any subset of the fields."""


class JournalistQuerySchema(Schema):
    q = fields.String(metadata={"description": "Part of a name or email"})
    country = fields.String()
    outlet = fields.Id()
    language = fields.String()
    beat = fields.String()


class TripSchema(Schema):
    id = fields.Integer(dump_only=True)
    title = fields.String(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    timezone = fields.Timezone(load_default="Asia/Ho_Chi_Minh")
    city = fields.String(load_default="")
    host_unit = fields.ComputedString(getter=lambda trip: trip.host_unit.code, required=True)
    nominating_missions = fields.ComputedList(
        fields.String(), getter=lambda trip: [unit.code for unit in trip.nominating_missions]
    )
    coordinator_ids = fields.ComputedList(
        fields.Id(), getter=lambda trip: [person.id for person in trip.coordinators]
    )
    event_ids = fields.ComputedList(
        fields.Id(),
        getter=lambda trip: [
            event.id for event in calendar_queries.events_seen_by(actor(), trip.events)
        ],
        metadata={"description": "Linked events you may see; the others stay linked"},
    )
    campaign_id = fields.Integer(allow_none=True, load_default=None)
    theme = fields.String(load_default="")
    key_messages = fields.List(fields.String(), load_default=list)
    budget_planned = fields.Money(allow_none=True, load_default=None)
    budget_actual = fields.Money(allow_none=True, load_default=None)
    currency = fields.String(load_default="VND")
    status = fields.OneOf(TripStatus, dump_only=True)
    confirm_clashes = fields.Boolean(load_only=True, load_default=False)


class TripPatchSchema(TripSchema):
    """Any subset of the fields."""


class StatusSchema(Schema):
    status = fields.String(required=True)
    replacement_id = fields.Integer(
        load_default=None, allow_none=True, metadata={"description": "For status replaced"}
    )
    item_id = fields.Integer(load_default=None, allow_none=True)


_LOGISTICS_FIELDS = (
    "arrival_flight",
    "arrival_at",
    "arrival_airport",
    "departure_flight",
    "departure_at",
    "departure_airport",
    "hotel",
    "dietary_needs",
)


class InvitationSchema(Schema):
    id = fields.Integer(dump_only=True)
    trip_id = fields.Integer(dump_only=True)
    journalist_id = fields.Integer(required=True)
    journalist = fields.ComputedString(
        getter=lambda invitation: invitation.journalist.name_latin, dump_only=True
    )
    nominated_by = fields.ComputedString(
        getter=lambda invitation: invitation.nominated_by.code if invitation.nominated_by else None,
        allow_none=True,
    )
    status = fields.OneOf(InvitationStatus, dump_only=True)
    visa_status = fields.OneOf(VisaStatus, dump_only=True)
    accreditation = fields.OneOf(AccreditationStatus, dump_only=True)
    # Logistics: null for those outside the trip's people (see ``hide_logistics``).
    arrival_flight = fields.String(dump_only=True, allow_none=True)
    arrival_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    arrival_airport = fields.String(dump_only=True, allow_none=True)
    departure_flight = fields.String(dump_only=True, allow_none=True)
    departure_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    departure_airport = fields.String(dump_only=True, allow_none=True)
    hotel = fields.String(dump_only=True, allow_none=True)
    dietary_needs = fields.String(dump_only=True, allow_none=True)
    interpreter_language = fields.String(dump_only=True)
    replaced_by_id = fields.Integer(dump_only=True, allow_none=True)
    confirm_clashes = fields.Boolean(load_only=True, load_default=False)

    @post_dump(pass_original=True)
    def hide_logistics(self, data: dict, invitation, **kwargs) -> dict:
        """Flights, hotels and diets are for the trip's people and those who run it."""
        if not can(actor(), "trip.logistics", invitation.trip):
            data.update(dict.fromkeys(_LOGISTICS_FIELDS))
        return data


class LogisticsSchema(Schema):
    accreditation = fields.OneOf(
        AccreditationStatus, load_default=AccreditationStatus.NOT_REQUESTED
    )
    arrival_flight = fields.String(load_default="")
    arrival_local = fields.NaiveDateTime(
        load_default=None, allow_none=True, metadata={"description": "Wall clock, trip's zone"}
    )
    arrival_airport = fields.String(load_default="")
    departure_flight = fields.String(load_default="")
    departure_local = fields.NaiveDateTime(load_default=None, allow_none=True)
    departure_airport = fields.String(load_default="")
    hotel = fields.String(load_default="")
    dietary_needs = fields.String(load_default="")
    interpreter_language = fields.String(load_default="")


class ItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    uid = fields.String(dump_only=True)
    trip_id = fields.Integer(dump_only=True)
    activity = fields.String(required=True)
    starts_local = fields.ComputedNaiveDateTime(
        getter=lambda item: to_zone(item.starts_at, item.timezone).replace(tzinfo=None),
        required=True,
        metadata={"description": "Wall clock in the item's zone", "example": "2027-09-01T09:00"},
    )
    ends_local = fields.ComputedNaiveDateTime(
        getter=lambda item: to_zone(item.ends_at, item.timezone).replace(tzinfo=None),
        required=True,
    )
    starts_at = fields.AwareDateTime(dump_only=True)
    ends_at = fields.AwareDateTime(dump_only=True)
    timezone = fields.Timezone(load_default="Asia/Ho_Chi_Minh")
    place = fields.String(load_default="")
    city = fields.String(load_default="")
    interviewee = fields.String(load_default="")
    escort_id = fields.Integer(allow_none=True, load_default=None)
    interpreter_id = fields.Integer(allow_none=True, load_default=None)
    participant_ids = fields.ComputedList(
        fields.Id(), getter=lambda item: [invitation.id for invitation in item.participants]
    )
    status = fields.OneOf(ItemStatus, dump_only=True)
    sequence = fields.Integer(dump_only=True)
    confirm_clashes = fields.Boolean(load_only=True, load_default=False)


class ItemPatchSchema(ItemSchema):
    """Any subset of the fields."""


class DelaySchema(Schema):
    minutes = fields.Integer(
        required=True, minimum=-24 * 60, maximum=24 * 60, metadata={"example": 30}
    )


class ClashSchema(Schema):
    kind = fields.String()
    message = fields.ComputedString(getter=lambda clash: translate(clash.message, clash.params))
    item_id = fields.Integer(allow_none=True)


class CoverageSchema(Schema):
    id = fields.Integer(dump_only=True)
    url = fields.String(required=True)
    trip_id = fields.Integer(allow_none=True, load_default=None)
    journalist_id = fields.Integer(allow_none=True, load_default=None)
    outlet_id = fields.Integer(allow_none=True, load_default=None)
    interview_id = fields.Integer(allow_none=True, load_default=None)
    campaign_id = fields.Integer(allow_none=True, load_default=None)
    published_on = fields.Date(allow_none=True, load_default=None)
    language = fields.String(load_default="")
    headline = fields.String(load_default="")
    headline_translation = fields.String(load_default="")
    tone = fields.OneOf(Tone, allow_none=True, load_default=None)
    key_messages = fields.List(fields.String(), load_default=list)
    estimated_reach = fields.Integer(minimum=0, allow_none=True, load_default=None)
    status = fields.OneOf(CoverageStatus, load_default=CoverageStatus.EXPECTED)


class CoveragePatchSchema(CoverageSchema):
    """Any subset of the fields."""


class CoverageQuerySchema(Schema):
    trip = fields.Id()
    journalist = fields.Id()
    outlet = fields.Id()
    status = fields.OneOf(CoverageStatus)
    tone = fields.OneOf(Tone)
    language = fields.String()


def _clash_response(warning: trips.ClashWarning):
    return json_error(
        409, error_message(warning), {"clashes": ClashSchema(many=True).dump(warning.clashes)}
    )


def _merged(schema: type[Schema], current: object, data: dict) -> dict:
    """A PATCH body over the current values, as the full input the services expect."""
    return {**schema().dump(current), **data}


# --- outlets -----------------------------------------------------------------------------------


def _outlet_input(data: dict) -> services.OutletInput:
    return services.OutletInput(
        name=data.get("name") or "",
        country=data.get("country") or "",
        kind=data.get("kind") or "",
        languages=data.get("languages") or [],
        website=data.get("website") or "",
        estimated_reach=data.get("estimated_reach"),
    )


@outlets_blueprint.route("")
class Outlets(MethodView):
    @outlets_blueprint.response(200, OutletSchema(many=True))
    def get(self):
        """Outlets, by name."""
        require(actor(), "journalist.view")
        return queries.list_outlets(db.session)

    @outlets_blueprint.arguments(OutletSchema)
    @outlets_blueprint.response(201, OutletSchema)
    @outlets_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data):
        """Add an outlet."""
        outlet = services.create_outlet(
            db.session, actor=actor(), now=utcnow(), data=_outlet_input(data)
        )
        db.session.commit()
        return outlet


@outlets_blueprint.route("/<int:outlet_id>")
class OutletById(MethodView):
    @outlets_blueprint.response(200, OutletSchema)
    @outlets_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, outlet_id):
        """One outlet."""
        return load_for(None, Outlet, outlet_id)

    @outlets_blueprint.arguments(OutletPatchSchema(partial=True))
    @outlets_blueprint.response(200, OutletSchema)
    @outlets_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def patch(self, data, outlet_id):
        """Change some fields of an outlet."""
        outlet = load_for("outlet.manage", Outlet, outlet_id)
        services.update_outlet(
            db.session,
            actor=actor(),
            now=utcnow(),
            outlet=outlet,
            data=_outlet_input(_merged(OutletSchema, outlet, data)),
        )
        db.session.commit()
        return outlet


# --- journalists -------------------------------------------------------------------------------

_JOURNALIST_FIELDS = (
    "name_latin",
    "name_native",
    "country",
    "languages",
    "beats",
    "email",
    "phone",
    "press_card_number",
    "press_card_expires_on",
    "notes",
    "consent_basis",
    "consent_on",
)


def _journalist_input(data: dict) -> services.JournalistInput:
    values = {name: data.get(name) for name in _JOURNALIST_FIELDS}
    for name in ("press_card_expires_on", "consent_on"):
        if isinstance(values[name], str):
            values[name] = fields.Date().deserialize(values[name])
    values = {key: ([] if value is None and key in ("languages", "beats") else value)
              for key, value in values.items()}  # fmt: skip
    for name in ("name_latin", "name_native", "country", "email", "phone", "press_card_number",
                 "notes", "consent_basis"):  # fmt: skip
        values[name] = values[name] or ""
    return services.JournalistInput(**values)


@journalists_blueprint.route("")
class Journalists(MethodView):
    @journalists_blueprint.arguments(JournalistQuerySchema, location="query")
    @journalists_blueprint.response(200, JournalistSchema(many=True))
    def get(self, filters):
        """Journalists (not erased), filtered by name, country, outlet, language and beat."""
        require(actor(), "journalist.view")
        return queries.search_journalists(
            db.session,
            queries.JournalistFilter(
                text=filters.get("q"),
                country=filters.get("country"),
                outlet_id=filters.get("outlet"),
                language=filters.get("language"),
                beat=filters.get("beat"),
            ),
        )

    @journalists_blueprint.arguments(JournalistSchema)
    @journalists_blueprint.response(201, JournalistSchema)
    @journalists_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data):
        """Add a journalist."""
        journalist = services.create_journalist(
            db.session, actor=actor(), now=utcnow(), data=_journalist_input(data)
        )
        db.session.commit()
        return journalist


@journalists_blueprint.route("/<int:journalist_id>")
class JournalistById(MethodView):
    @journalists_blueprint.response(200, JournalistSchema)
    @journalists_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, journalist_id):
        """One journalist (identity documents are never part of it)."""
        return load_for(None, Journalist, journalist_id)

    @journalists_blueprint.arguments(JournalistPatchSchema(partial=True))
    @journalists_blueprint.response(200, JournalistSchema)
    @journalists_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def patch(self, data, journalist_id):
        """Change some fields of a journalist."""
        journalist = load_for("journalist.manage", Journalist, journalist_id)
        services.update_journalist(
            db.session,
            actor=actor(),
            now=utcnow(),
            journalist=journalist,
            data=_journalist_input(_merged(JournalistSchema, journalist, data)),
        )
        db.session.commit()
        return journalist


# --- trips -------------------------------------------------------------------------------------


# The services name fields after TripInput; the API after its own JSON keys.
TRIP_FIELD_NAMES = {"host_unit_code": "host_unit", "nominating_unit_codes": "nominating_missions"}


def _trip_input(data: dict) -> trips.TripInput:
    return trips.TripInput(
        title=data.get("title") or "",
        start_date=_date(data.get("start_date")),
        end_date=_date(data.get("end_date")),
        host_unit_code=data.get("host_unit") or "",
        campaign_id=data.get("campaign_id"),
        timezone=data.get("timezone") or "",
        city=data.get("city") or "",
        nominating_unit_codes=data.get("nominating_missions") or [],
        coordinator_ids=data.get("coordinator_ids") or [],
        event_ids=data.get("event_ids") or [],
        theme=data.get("theme") or "",
        key_messages=data.get("key_messages") or [],
        budget_planned=data.get("budget_planned"),
        budget_actual=data.get("budget_actual"),
        currency=data.get("currency") or "",
    )


def _date(value):
    return fields.Date().deserialize(value) if isinstance(value, str) else value


class TripQuerySchema(Schema):
    status = fields.OneOf(TripStatus)
    q = fields.String()


@trips_blueprint.route("")
class Trips(MethodView):
    @trips_blueprint.arguments(TripQuerySchema, location="query")
    @trips_blueprint.response(200, TripSchema(many=True))
    def get(self, filters):
        """Trips you may see (field staff: the ones they are assigned to)."""
        require(actor(), "press.view")
        return queries.visible_trips(
            db.session, actor(), status=filters.get("status"), search=filters.get("q")
        )

    @trips_blueprint.arguments(TripSchema)
    @trips_blueprint.response(201, TripSchema)
    @trips_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data):
        """Plan a trip (status draft)."""
        try:
            trip = trips.create_trip(
                db.session, actor=actor(), now=utcnow(), data=_trip_input(data)
            )
        except Invalid as error:
            db.session.rollback()
            raise in_api_names(error, TRIP_FIELD_NAMES) from error
        db.session.commit()
        return trip


@trips_blueprint.route("/<int:trip_id>")
class TripById(MethodView):
    @trips_blueprint.response(200, TripSchema)
    @trips_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, trip_id):
        """One trip."""
        return load_for("trip.view", Trip, trip_id)

    @trips_blueprint.arguments(TripPatchSchema(partial=True))
    @trips_blueprint.response(200, TripSchema)
    @trips_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def patch(self, data, trip_id):
        """Change some fields of a trip. New dates that clash answer 409 with the clashes
        unless confirm_clashes is true."""
        trip = load_for("trip.edit", Trip, trip_id)
        merged = _merged(TripSchema, trip, data)
        try:
            trips.update_trip(
                db.session,
                actor=actor(),
                now=utcnow(),
                trip=trip,
                data=_trip_input(merged),
                confirm_clashes=data.get("confirm_clashes", False),
            )
        except trips.ClashWarning as warning:
            db.session.rollback()
            return _clash_response(warning)
        except Invalid as error:
            db.session.rollback()
            raise in_api_names(error, TRIP_FIELD_NAMES) from error
        db.session.commit()
        return trip


@trips_blueprint.route("/<int:trip_id>/status")
class TripStatusChange(MethodView):
    @trips_blueprint.arguments(StatusSchema)
    @trips_blueprint.response(200, TripSchema)
    @trips_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data, trip_id):
        """Move the trip one step along its life."""
        trip = load_for("trip.edit", Trip, trip_id)
        trips.change_trip_status(
            db.session, actor=actor(), now=utcnow(), trip=trip, status=data["status"]
        )
        db.session.commit()
        return trip


@trips_blueprint.route("/<int:trip_id>/clashes")
class TripClashes(MethodView):
    @trips_blueprint.response(200, ClashSchema(many=True))
    def get(self, trip_id):
        """Clashes in the trip's plan."""
        trip = load_for("trip.view", Trip, trip_id)
        return queries.trip_clashes(db.session, trip, actor=actor())


@trips_blueprint.route("/<int:trip_id>/invitations")
class TripInvitations(MethodView):
    @trips_blueprint.response(200, InvitationSchema(many=True))
    def get(self, trip_id):
        """The trip's invitations with their visa case and logistics."""
        return load_for("trip.view", Trip, trip_id).invitations

    @trips_blueprint.arguments(InvitationSchema)
    @trips_blueprint.response(201, InvitationSchema)
    @trips_blueprint.alt_response(409, schema=HeraldErrorSchema)
    def post(self, data, trip_id):
        """Nominate a journalist. 409 with the clashes unless confirm_clashes is true."""
        trip = load_for("trip.nominate", Trip, trip_id)
        try:
            invitation = trips.nominate_journalist(
                db.session,
                actor=actor(),
                now=utcnow(),
                trip=trip,
                journalist=load_for(None, Journalist, data["journalist_id"]),
                nominated_by_code=data.get("nominated_by"),
                confirm_clashes=data["confirm_clashes"],
            )
        except trips.ClashWarning as warning:
            db.session.rollback()
            return _clash_response(warning)
        db.session.commit()
        return invitation


@trips_blueprint.route("/<int:trip_id>/itinerary")
class TripItinerary(MethodView):
    @trips_blueprint.response(200, ItemSchema(many=True))
    def get(self, trip_id):
        """The trip's itinerary, in order."""
        return load_for("trip.view", Trip, trip_id).items

    @trips_blueprint.arguments(ItemSchema)
    @trips_blueprint.response(201, ItemSchema)
    @trips_blueprint.alt_response(409, schema=HeraldErrorSchema)
    def post(self, data, trip_id):
        """Add an item. 409 with the clashes unless confirm_clashes is true."""
        trip = load_for("trip.edit", Trip, trip_id)
        try:
            item = itinerary.create_itinerary_item(
                db.session,
                actor=actor(),
                now=utcnow(),
                trip=trip,
                data=_item_input(data),
                confirm_clashes=data.get("confirm_clashes", False),
            )
        except trips.ClashWarning as warning:
            db.session.rollback()
            return _clash_response(warning)
        db.session.commit()
        return item


# --- invitations -------------------------------------------------------------------------------


@invitations_blueprint.route("/<int:invitation_id>")
class InvitationById(MethodView):
    @invitations_blueprint.response(200, InvitationSchema)
    @invitations_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, invitation_id):
        """One invitation."""
        return load_for("trip.view", Invitation, invitation_id)


@invitations_blueprint.route("/<int:invitation_id>/status")
class InvitationStatusChange(MethodView):
    @invitations_blueprint.arguments(StatusSchema)
    @invitations_blueprint.response(200, InvitationSchema)
    @invitations_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data, invitation_id):
        """Move the invitation one step (replaced needs replacement_id)."""
        invitation = load_for("trip.edit", Invitation, invitation_id)
        replacement = (
            load_for(None, Journalist, data["replacement_id"])
            if data.get("replacement_id")
            else None
        )
        trips.change_invitation_status(
            db.session,
            actor=actor(),
            now=utcnow(),
            invitation=invitation,
            status=data["status"],
            replacement=replacement,
        )
        db.session.commit()
        return invitation


@invitations_blueprint.route("/<int:invitation_id>/visa")
class InvitationVisa(MethodView):
    @invitations_blueprint.arguments(StatusSchema)
    @invitations_blueprint.response(200, InvitationSchema)
    @invitations_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data, invitation_id):
        """Move the visa case one step; no step can be skipped."""
        invitation = load_for("trip.edit", Invitation, invitation_id)
        trips.change_visa_status(
            db.session, actor=actor(), now=utcnow(), invitation=invitation, status=data["status"]
        )
        db.session.commit()
        return invitation


@invitations_blueprint.route("/<int:invitation_id>/logistics")
class InvitationLogistics(MethodView):
    @invitations_blueprint.arguments(LogisticsSchema)
    @invitations_blueprint.response(200, InvitationSchema)
    @invitations_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def put(self, data, invitation_id):
        """Set the participant's accreditation, flights, hotel, diet and interpreter."""
        invitation = load_for("trip.edit", Invitation, invitation_id)
        trips.update_logistics(
            db.session,
            actor=actor(),
            now=utcnow(),
            invitation=invitation,
            data=trips.LogisticsInput(**data),
        )
        db.session.commit()
        return invitation


# --- itinerary ---------------------------------------------------------------------------------


def _item_input(data: dict) -> itinerary.ItemInput:
    return itinerary.ItemInput(
        activity=data.get("activity") or "",
        starts_local=_naive(data.get("starts_local")),
        ends_local=_naive(data.get("ends_local")),
        timezone=data.get("timezone") or "",
        place=data.get("place") or "",
        city=data.get("city") or "",
        interviewee=data.get("interviewee") or "",
        escort_id=data.get("escort_id"),
        interpreter_id=data.get("interpreter_id"),
        participant_ids=data.get("participant_ids") or [],
    )


def _naive(value):
    return fields.NaiveDateTime().deserialize(value) if isinstance(value, str) else value


@itinerary_blueprint.route("/<int:item_id>")
class ItemById(MethodView):
    @itinerary_blueprint.response(200, ItemSchema)
    @itinerary_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, item_id):
        """One itinerary item."""
        return load_for("trip.view", ItineraryItem, item_id)

    @itinerary_blueprint.arguments(ItemPatchSchema(partial=True))
    @itinerary_blueprint.response(200, ItemSchema)
    @itinerary_blueprint.alt_response(409, schema=HeraldErrorSchema)
    def patch(self, data, item_id):
        """Change an item. 409 with the clashes unless confirm_clashes is true."""
        item = load_for("trip.edit", ItineraryItem, item_id)
        merged = _merged(ItemSchema, item, data)
        try:
            itinerary.update_itinerary_item(
                db.session,
                actor=actor(),
                now=utcnow(),
                item=item,
                data=_item_input(merged),
                confirm_clashes=data.get("confirm_clashes", False),
            )
        except trips.ClashWarning as warning:
            db.session.rollback()
            return _clash_response(warning)
        db.session.commit()
        return item


@itinerary_blueprint.route("/<int:item_id>/status")
class ItemStatusChange(MethodView):
    @itinerary_blueprint.arguments(StatusSchema)
    @itinerary_blueprint.response(200, ItemSchema)
    @itinerary_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data, item_id):
        """Confirm, cancel or mark done an item."""
        item = load_for("item.run", ItineraryItem, item_id)
        itinerary.change_item_status(
            db.session, actor=actor(), now=utcnow(), item=item, status=data["status"]
        )
        db.session.commit()
        return item


@itinerary_blueprint.route("/<int:item_id>/delay")
class ItemDelay(MethodView):
    @itinerary_blueprint.arguments(DelaySchema)
    @itinerary_blueprint.response(200, ItemSchema)
    @itinerary_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data, item_id):
        """Shift an item by some minutes (the escort's "delayed 30 min")."""
        item = load_for("item.run", ItineraryItem, item_id)
        itinerary.delay_itinerary_item(
            db.session, actor=actor(), now=utcnow(), item=item, minutes=data["minutes"]
        )
        db.session.commit()
        return item


# --- coverage ----------------------------------------------------------------------------------

_COVERAGE_FIELDS = (
    "url",
    "trip_id",
    "journalist_id",
    "outlet_id",
    "interview_id",
    "campaign_id",
    "published_on",
    "language",
    "headline",
    "headline_translation",
    "tone",
    "key_messages",
    "estimated_reach",
)


def _coverage_input(data: dict) -> coverage.CoverageInput:
    values = {name: data.get(name) for name in _COVERAGE_FIELDS}
    values["published_on"] = _date(values["published_on"])
    for name in ("url", "language", "headline", "headline_translation"):
        values[name] = values[name] or ""
    values["key_messages"] = values["key_messages"] or []
    return coverage.CoverageInput(**values)


@coverage_blueprint.route("")
class CoverageItems(MethodView):
    @coverage_blueprint.arguments(CoverageQuerySchema, location="query")
    @coverage_blueprint.response(200, CoverageSchema(many=True))
    def get(self, filters):
        """Coverage you may see (field staff: of their trips and what they logged)."""
        require(actor(), "press.view")
        return queries.coverage_items(
            db.session,
            actor(),
            queries.CoverageFilter(
                trip_id=filters.get("trip"),
                journalist_id=filters.get("journalist"),
                outlet_id=filters.get("outlet"),
                status=filters.get("status"),
                tone=filters.get("tone"),
                language=filters.get("language"),
            ),
        )

    @coverage_blueprint.arguments(CoverageSchema)
    @coverage_blueprint.response(201, CoverageSchema)
    @coverage_blueprint.alt_response(200, schema=CoverageSchema, description="Already recorded")
    @coverage_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data):
        """Log an article. A link already recorded answers 200 with the existing item."""
        item, created = coverage.record_coverage(
            db.session,
            actor=actor(),
            now=utcnow(),
            data=_coverage_input(data),
            status=data.get("status") or CoverageStatus.EXPECTED,
        )
        db.session.commit()
        return item, 201 if created else 200


@coverage_blueprint.route("/<int:item_id>")
class CoverageById(MethodView):
    @coverage_blueprint.response(200, CoverageSchema)
    @coverage_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, item_id):
        """One coverage item."""
        return load_for("press.view", CoverageItem, item_id)

    @coverage_blueprint.arguments(CoveragePatchSchema(partial=True))
    @coverage_blueprint.response(200, CoverageSchema)
    @coverage_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def patch(self, data, item_id):
        """Change some fields of a coverage item."""
        item = load_for("coverage.verify", CoverageItem, item_id)
        merged = _merged(CoverageSchema, item, data)
        coverage.update_coverage(
            db.session, actor=actor(), now=utcnow(), item=item, data=_coverage_input(merged)
        )
        db.session.commit()
        return item


@coverage_blueprint.route("/<int:item_id>/status")
class CoverageStatusChange(MethodView):
    @coverage_blueprint.arguments(StatusSchema)
    @coverage_blueprint.response(200, CoverageSchema)
    @coverage_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data, item_id):
        """expected → found → verified."""
        item = load_for("coverage.verify", CoverageItem, item_id)
        coverage.change_coverage_status(
            db.session, actor=actor(), now=utcnow(), item=item, status=data["status"]
        )
        db.session.commit()
        return item
