"""/api/v1/criteria-sets and /api/v1/measures: effectiveness criteria sets (administrators
define them) and unit scores with their explanation (the ranking for administrators and
coordinators; one's own unit's score for everyone else; another unit's score is not found)."""

from __future__ import annotations

from flask import current_app, jsonify
from flask.views import MethodView
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import fields as ma

from campaigns.db import utcnow
from campaigns.errors import Invalid, NotFound
from campaigns.i18n import N_
from campaigns.metrics import criteria, scoring
from campaigns.metrics.criteria import CriterionInput
from campaigns.metrics.models import CriteriaSet
from campaigns.org import queries as org_queries
from campaigns.permissions import can
from web.api import fields
from web.api.auth import authenticate_bearer, requires
from web.api.fields import Schema
from web.api.org import HeraldErrorSchema
from web.errors import in_api_names
from web.extensions import db
from web.loading import load_for
from web.scores.routes import figures_cache
from web.security import actor

criteria_blueprint = Blueprint(
    "api_criteria",
    __name__,
    url_prefix="/api/v1/criteria-sets",
    description="Effectiveness criteria sets and unit scores",
)
measures_blueprint = Blueprint(
    "api_measures",
    __name__,
    url_prefix="/api/v1/measures",
    description="What Herald measures to score units",
)
SCORES_BLUEPRINTS = (criteria_blueprint, measures_blueprint)
for _blueprint in SCORES_BLUEPRINTS:
    _blueprint.before_request(authenticate_bearer)

NO_SCORE = N_("There is no such score to show.")


class Number(ma.Float):
    """A finite JSON number (not a boolean)."""

    default_error_messages = {
        **fields.COMMON_MESSAGES,
        "invalid": _l("Not a valid number."),
        "special": _l("Not a valid number."),
        "too_large": _l("Number too large."),
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(allow_nan=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if abs(value) > 1e15:
            raise self.make_error("too_large")
        return super()._deserialize(value, attr, data, **kwargs)


class MeasureSchema(Schema):
    key = fields.String()
    kind = fields.OneOf(scoring.MeasureKind)
    needs_target = fields.Boolean()
    name = fields.Function(lambda measure: gettext(measure.name))
    definition = fields.Function(lambda measure: gettext(measure.definition))
    formula = fields.Function(lambda measure: gettext(measure.formula))
    target_unit = fields.Function(
        lambda measure: gettext(measure.target_unit) if measure.target_unit else ""
    )


class CriterionSchema(Schema):
    measure = fields.OneOf(scoring.MEASURES, required=True)
    weight = fields.Integer(required=True, metadata={"description": "Percent; weights add to 100"})
    target = Number(
        load_default=None,
        allow_none=True,
        metadata={"description": "Required (> 0) for measures against a target"},
    )


class CriteriaSetSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, max_length=200)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True, metadata={"description": "Inclusive"})
    notes = fields.String(load_default="", max_length=20000)
    criteria = fields.List(fields.Nested(CriterionSchema), required=True)


class InputSchema(Schema):
    key = fields.String()
    label = fields.Function(lambda item: gettext(item.label))
    value = Number(allow_none=True)


class CriterionScoreSchema(Schema):
    measure = fields.Function(lambda score: score.measure.key)
    name = fields.Function(lambda score: gettext(score.measure.name))
    formula = fields.Function(lambda score: gettext(score.measure.formula))
    weight = fields.Integer()
    target = Number(allow_none=True)
    achieved = Number(allow_none=True)
    ratio = Number(allow_none=True)
    points = Number()
    no_data = fields.Boolean()
    note = fields.Function(lambda score: gettext(score.note) if score.note else "")
    inputs = fields.List(fields.Nested(InputSchema))


class UnitScoreSchema(Schema):
    unit = fields.Function(lambda score: score.unit.code)
    unit_name_vi = fields.Function(lambda score: score.unit.name_vi)
    unit_name_en = fields.Function(lambda score: score.unit.name_en)
    rank = fields.Integer(allow_none=True)
    total = Number()
    criteria = fields.List(fields.Nested(CriterionScoreSchema))


class _Words(dict):
    """Translations asked for once per response."""

    def __missing__(self, text: str) -> str:
        self[text] = gettext(text) if text else ""
        return self[text]


def _number(value: float | None) -> float | None:
    return None if value is None else float(value)


def _score_json(score: scoring.UnitScore, words: _Words) -> dict:
    """``score`` as ``UnitScoreSchema`` writes it."""
    return {
        "unit": score.unit.code,
        "unit_name_vi": score.unit.name_vi,
        "unit_name_en": score.unit.name_en,
        "rank": score.rank,
        "total": float(score.total),
        "criteria": [
            {
                "measure": criterion.measure.key,
                "name": words[criterion.measure.name],
                "formula": words[criterion.measure.formula],
                "weight": criterion.weight,
                "target": _number(criterion.target),
                "achieved": _number(criterion.achieved),
                "ratio": _number(criterion.ratio),
                "points": float(criterion.points),
                "no_data": criterion.no_data,
                "note": words[criterion.note],
                "inputs": [
                    {"key": item.key, "label": words[item.label], "value": _number(item.value)}
                    for item in criterion.inputs
                ],
            }
            for criterion in score.criteria
        ],
    }


def _inputs(data: dict) -> dict:
    return {
        "name": data.get("name"),
        "period_start": data.get("period_start"),
        "period_end": data.get("period_end"),
        "notes": data.get("notes", ""),
        "criteria": [
            CriterionInput(row["measure"], row["weight"], row.get("target"))
            for row in data.get("criteria", [])
        ],
    }


def _api_names(error: Invalid) -> Invalid:
    # The services name a row's fields criteria-2-weight; the API's JSON says criteria.2.weight.
    return in_api_names(error, {name: name.replace("-", ".") for name in error.errors})


def _zone() -> str:
    return current_app.config["HERALD_TIMEZONE"]


@measures_blueprint.route("")
class Measures(MethodView):
    @measures_blueprint.response(200, MeasureSchema(many=True))
    def get(self):
        """The catalogue of measures a criterion may use, with their definitions."""
        return list(scoring.MEASURES.values())


@criteria_blueprint.route("")
class CriteriaSets(MethodView):
    @criteria_blueprint.response(200, CriteriaSetSchema(many=True))
    def get(self):
        """Every criteria set, the latest period first."""
        return criteria.list_criteria_sets(db.session, actor=actor())

    @requires("criteria.manage")
    @criteria_blueprint.arguments(CriteriaSetSchema)
    @criteria_blueprint.response(201, CriteriaSetSchema)
    @criteria_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data):
        """Define a criteria set (administrators)."""
        try:
            made = criteria.create_criteria_set(
                db.session, actor=actor(), now=utcnow(), **_inputs(data)
            )
        except Invalid as error:
            raise _api_names(error) from None
        db.session.commit()
        return made


@criteria_blueprint.route("/<int:set_id>")
class CriteriaSetById(MethodView):
    @criteria_blueprint.response(200, CriteriaSetSchema)
    @criteria_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, set_id):
        """One criteria set with its criteria."""
        return load_for("criteria.view", CriteriaSet, set_id)

    @requires("criteria.manage")
    @criteria_blueprint.arguments(CriteriaSetSchema)
    @criteria_blueprint.response(200, CriteriaSetSchema)
    @criteria_blueprint.alt_response(404, schema=HeraldErrorSchema)
    @criteria_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def put(self, data, set_id):
        """Replace a criteria set and its criteria (administrators)."""
        criteria_set = load_for("criteria.manage", CriteriaSet, set_id)
        try:
            criteria.update_criteria_set(
                db.session,
                actor=actor(),
                now=utcnow(),
                criteria_set=criteria_set,
                **_inputs(data),
            )
        except Invalid as error:
            raise _api_names(error) from None
        db.session.commit()
        return criteria_set

    @requires("criteria.manage")
    @criteria_blueprint.response(204)
    @criteria_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def delete(self, set_id):
        """Delete a criteria set (administrators)."""
        criteria_set = load_for("criteria.manage", CriteriaSet, set_id)
        criteria.delete_criteria_set(
            db.session, actor=actor(), now=utcnow(), criteria_set=criteria_set
        )
        db.session.commit()


@criteria_blueprint.route("/<int:set_id>/scores")
class Ranking(MethodView):
    @requires("score.rank")
    @criteria_blueprint.response(200, UnitScoreSchema(many=True))
    @criteria_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, set_id):
        """Every unit's score for the set's period, best first (administrators, coordinators)."""
        criteria_set = load_for("score.rank", CriteriaSet, set_id)
        ranked = scoring.ranking(
            db.session,
            actor=actor(),
            criteria_set=criteria_set,
            zone=_zone(),
            now=utcnow(),
            cache=figures_cache(),
        )
        # Written directly (the schema above documents it): every unit repeats the same
        # measures' words, translated once here instead of once per unit by marshmallow.
        return jsonify([_score_json(score, _Words()) for score in ranked])


@criteria_blueprint.route("/<int:set_id>/scores/<unit_code>")
class UnitScore(MethodView):
    @criteria_blueprint.response(200, UnitScoreSchema)
    @criteria_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, set_id, unit_code):
        """One unit's score with its explanation: your own unit's, or any unit's for
        administrators and coordinators."""
        person = actor()
        criteria_set = load_for("criteria.view", CriteriaSet, set_id)
        unit = org_queries.unit_by_code(db.session, unit_code)
        if unit is None or not can(person, "score.view", unit):
            raise NotFound(NO_SCORE)
        return scoring.unit_score(
            db.session,
            actor=person,
            criteria_set=criteria_set,
            unit=unit,
            zone=_zone(),
            now=utcnow(),
        )
