"""/api/v1/me, /api/v1/units and /api/v1/people."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from campaigns.db import utcnow
from campaigns.org import queries, services
from campaigns.org.models import Person, Role, Unit, UnitKind
from web.api import fields
from web.api.auth import authenticate_bearer, requires
from web.api.fields import Schema
from web.extensions import db
from web.loading import load_for
from web.security import actor

me_blueprint = Blueprint("api_me", __name__, url_prefix="/api/v1/me", description="You")
units_blueprint = Blueprint(
    "api_units", __name__, url_prefix="/api/v1/units", description="Units of the office"
)
people_blueprint = Blueprint(
    "api_people", __name__, url_prefix="/api/v1/people", description="People"
)
for _blueprint in (me_blueprint, units_blueprint, people_blueprint):
    _blueprint.before_request(authenticate_bearer)


class HeraldErrorSchema(Schema):
    code = fields.Integer()
    message = fields.String()
    errors = fields.Dict(keys=fields.String())


class UnitSchema(Schema):
    code = fields.String(required=True, metadata={"example": "mission-fr"})
    name_vi = fields.String(required=True)
    name_en = fields.String(required=True)
    kind = fields.OneOf(UnitKind, required=True)
    country = fields.String(required=True, metadata={"example": "FR"})
    timezone = fields.Timezone(required=True)
    parent = fields.ComputedString(
        getter=lambda unit: unit.parent.code if unit.parent else None, allow_none=True
    )


class UnitPatchSchema(UnitSchema):
    """Any subset of a unit's fields."""


class PersonSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.OneOf(Role, required=True)
    unit = fields.ComputedString(
        getter=lambda person: person.unit.code if person.unit else None, allow_none=True
    )
    locale = fields.OneOf(("vi", "en"), load_default="vi")
    timezone = fields.Timezone(load_default="Asia/Ho_Chi_Minh")
    active = fields.Boolean(load_default=True)
    legal_reviewer = fields.Boolean(
        load_default=False,
        metadata={"description": "May take the legal-review step of a clearance chain"},
    )


class PersonCreateSchema(PersonSchema):
    password = fields.String(load_only=True, load_default=None, allow_none=True)


class PersonPatchSchema(PersonSchema):
    """Any subset of a person's fields; what is left out stays as it is."""

    locale = fields.OneOf(("vi", "en"))
    timezone = fields.Timezone()
    active = fields.Boolean()
    legal_reviewer = fields.Boolean()


class PeopleQuerySchema(Schema):
    unit = fields.String()
    role = fields.OneOf(Role)
    q = fields.String(metadata={"description": "Part of a name or email"})
    active = fields.Boolean()


@me_blueprint.route("")
class Me(MethodView):
    @me_blueprint.response(200, PersonSchema)
    def get(self):
        """The person this token belongs to."""
        return actor()


def _unit_values(unit: Unit | None, data: dict) -> dict:
    current = UnitSchema().dump(unit) if unit is not None else {}
    merged = {**current, **data}
    return {
        "code": merged.get("code") or "",
        "name_vi": merged.get("name_vi") or "",
        "name_en": merged.get("name_en") or "",
        "kind": merged.get("kind") or "",
        "country": merged.get("country") or "",
        "timezone": merged.get("timezone") or "",
        "parent_code": merged.get("parent") or None,
    }


@units_blueprint.route("")
class Units(MethodView):
    @units_blueprint.response(200, UnitSchema(many=True))
    def get(self):
        """Units you may see."""
        return queries.visible_units(db.session, actor())

    @requires("unit.manage")
    @units_blueprint.arguments(UnitSchema)
    @units_blueprint.response(201, UnitSchema)
    @units_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data):
        """Create a unit (administrators)."""
        unit = services.create_unit(
            db.session, actor=actor(), now=utcnow(), **_unit_values(None, data)
        )
        db.session.commit()
        return unit


@units_blueprint.route("/<code>")
class UnitByCode(MethodView):
    @units_blueprint.response(200, UnitSchema)
    @units_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, code):
        """One unit, by code."""
        return load_for("unit.view", Unit, code)

    @requires("unit.manage")
    @units_blueprint.arguments(UnitPatchSchema(partial=True))
    @units_blueprint.response(200, UnitSchema)
    @units_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def patch(self, data, code):
        """Change some fields of a unit (administrators)."""
        unit = load_for("unit.manage", Unit, code)
        services.update_unit(
            db.session, actor=actor(), now=utcnow(), unit=unit, **_unit_values(unit, data)
        )
        db.session.commit()
        return unit


def _person_values(person: Person | None, data: dict) -> dict:
    current = PersonSchema().dump(person) if person is not None else {}
    merged = {**current, **data}
    return {
        "name": merged.get("name") or "",
        "email": merged.get("email") or "",
        "role": merged.get("role") or "",
        "unit_code": merged.get("unit") or None,
        "locale": merged.get("locale") or "",
        "timezone": merged.get("timezone") or "",
        "active": bool(merged.get("active", True)),
        "legal_reviewer": bool(merged.get("legal_reviewer", False)),
    }


@people_blueprint.route("")
class People(MethodView):
    @people_blueprint.arguments(PeopleQuerySchema, location="query")
    @people_blueprint.response(200, PersonSchema(many=True))
    def get(self, filters):
        """People you may see: everyone for coordinators and admins, your unit otherwise."""
        return queries.visible_people(
            db.session,
            actor(),
            unit_code=filters.get("unit"),
            role=filters.get("role"),
            search=filters.get("q"),
            active=filters.get("active"),
        )

    @requires("person.manage")
    @people_blueprint.arguments(PersonCreateSchema)
    @people_blueprint.response(201, PersonSchema)
    @people_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data):
        """Add a person (administrators)."""
        person = services.create_person(
            db.session,
            actor=actor(),
            now=utcnow(),
            password=data.get("password"),
            **_person_values(None, data),
        )
        db.session.commit()
        return person


@people_blueprint.route("/<int:person_id>")
class PersonById(MethodView):
    @people_blueprint.response(200, PersonSchema)
    @people_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, person_id):
        """One person, by id."""
        return load_for("person.view", Person, person_id)

    @requires("person.manage")
    @people_blueprint.arguments(PersonPatchSchema(partial=True))
    @people_blueprint.response(200, PersonSchema)
    @people_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def patch(self, data, person_id):
        """Change some fields of a person (administrators)."""
        person = load_for("person.manage", Person, person_id)
        services.update_person(
            db.session, actor=actor(), now=utcnow(), person=person, **_person_values(person, data)
        )
        db.session.commit()
        return person
