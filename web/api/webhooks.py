"""/api/v1/webhooks: endpoints (administrators) and their delivery logs.

A secret appears in an answer twice only: creating an endpoint and rotating its secret.
"""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from campaigns import webhooks
from campaigns.db import utcnow
from campaigns.webhooks import DeliveryStatus, WebhookEndpoint
from web.api import fields
from web.api.auth import authenticate_bearer, requires
from web.api.fields import Schema
from web.api.org import HeraldErrorSchema
from web.extensions import db
from web.loading import load_for
from web.security import actor

blueprint = Blueprint(
    "api_webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="Outgoing webhooks: endpoints and deliveries (administrators)",
)
blueprint.before_request(authenticate_bearer)
WEBHOOKS_BLUEPRINTS = (blueprint,)

MAX_DELIVERIES = 200


class WebhookEndpointSchema(Schema):
    id = fields.Integer(dump_only=True)
    url = fields.String(required=True, metadata={"example": "https://crm.office.example/herald"})
    description = fields.String(load_default="")
    events = fields.List(fields.OneOf(webhooks.EVENT_LABELS), required=True)
    active = fields.Boolean(load_default=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class WebhookEndpointPatchSchema(WebhookEndpointSchema):
    """Any subset of an endpoint's fields."""

    description = fields.String()
    active = fields.Boolean()


class WebhookEndpointWithSecretSchema(WebhookEndpointSchema):
    secret = fields.String(
        dump_only=True,
        metadata={"description": "The signing secret: shown in this answer only."},
    )


class WebhookAttemptSchema(Schema):
    worker_id = fields.String()
    started_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
    status_code = fields.Integer(allow_none=True)
    response_body = fields.String(metadata={"description": "The start of the answer's body."})
    error = fields.String()
    duration_ms = fields.Integer(allow_none=True)


class WebhookDeliverySchema(Schema):
    id = fields.Integer()
    key = fields.String(metadata={"description": "Sent as Herald-Delivery, on every attempt."})
    event_id = fields.String()
    event_type = fields.String()
    status = fields.OneOf(DeliveryStatus)
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime()
    created_at = fields.AwareDateTime()
    delivered_at = fields.AwareDateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String()
    body = fields.String()
    attempt_log = fields.List(fields.Nested(WebhookAttemptSchema))


class WebhookDeliveriesQuerySchema(Schema):
    status = fields.OneOf(DeliveryStatus)
    limit = fields.Integer(load_default=50, minimum=1, maximum=MAX_DELIVERIES)
    offset = fields.Integer(load_default=0, minimum=0, maximum=1_000_000)


def _app_secret() -> str:
    return current_app.config["SECRET_KEY"]


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> dict:
    fields_shown = WebhookEndpointSchema().fields
    return {**{name: getattr(endpoint, name) for name in fields_shown}, "secret": secret}


@blueprint.route("/endpoints")
class Endpoints(MethodView):
    @requires("webhooks.manage")
    @blueprint.response(200, WebhookEndpointSchema(many=True))
    def get(self):
        """Every endpoint (administrators)."""
        return webhooks.list_endpoints(db.session, actor=actor())

    @requires("webhooks.manage")
    @blueprint.arguments(WebhookEndpointSchema)
    @blueprint.response(201, WebhookEndpointWithSecretSchema)
    @blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data):
        """Add an endpoint; the answer holds its secret, which is never shown again."""
        endpoint, secret = webhooks.create_endpoint(
            db.session, actor=actor(), now=utcnow(), app_secret=_app_secret(), **data
        )
        db.session.commit()
        return _with_secret(endpoint, secret)


@blueprint.route("/endpoints/<int:endpoint_id>")
class EndpointById(MethodView):
    @requires("webhooks.manage")
    @blueprint.response(200, WebhookEndpointSchema)
    @blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, endpoint_id):
        """One endpoint."""
        return load_for("webhooks.manage", WebhookEndpoint, endpoint_id)

    @requires("webhooks.manage")
    @blueprint.arguments(WebhookEndpointPatchSchema(partial=True))
    @blueprint.response(200, WebhookEndpointSchema)
    @blueprint.alt_response(404, schema=HeraldErrorSchema)
    @blueprint.alt_response(422, schema=HeraldErrorSchema)
    def patch(self, data, endpoint_id):
        """Change an endpoint's address, events, description or active flag."""
        endpoint = load_for("webhooks.manage", WebhookEndpoint, endpoint_id)
        webhooks.update_endpoint(
            db.session, actor=actor(), now=utcnow(), endpoint_id=endpoint.id, **data
        )
        db.session.commit()
        return endpoint

    @requires("webhooks.manage")
    @blueprint.response(204)
    @blueprint.alt_response(404, schema=HeraldErrorSchema)
    def delete(self, endpoint_id):
        """Delete an endpoint and its delivery log."""
        endpoint = load_for("webhooks.manage", WebhookEndpoint, endpoint_id)
        webhooks.delete_endpoint(db.session, actor=actor(), now=utcnow(), endpoint_id=endpoint.id)
        db.session.commit()


@blueprint.route("/endpoints/<int:endpoint_id>/secret")
class EndpointSecret(MethodView):
    @requires("webhooks.manage")
    @blueprint.response(200, WebhookEndpointWithSecretSchema)
    @blueprint.alt_response(404, schema=HeraldErrorSchema)
    def post(self, endpoint_id):
        """Rotate the secret: the old one stops at once; the answer holds the new one."""
        endpoint = load_for("webhooks.manage", WebhookEndpoint, endpoint_id)
        _, secret = webhooks.rotate_secret(
            db.session,
            actor=actor(),
            now=utcnow(),
            endpoint_id=endpoint.id,
            app_secret=_app_secret(),
        )
        db.session.commit()
        return _with_secret(endpoint, secret)


@blueprint.route("/endpoints/<int:endpoint_id>/ping")
class EndpointPing(MethodView):
    @requires("webhooks.manage")
    @blueprint.response(202, WebhookDeliverySchema)
    @blueprint.alt_response(404, schema=HeraldErrorSchema)
    def post(self, endpoint_id):
        """Queue a test ping (event type ``ping``) for the endpoint."""
        endpoint = load_for("webhooks.manage", WebhookEndpoint, endpoint_id)
        delivery = webhooks.send_test_ping(
            db.session, actor=actor(), now=utcnow(), endpoint_id=endpoint.id
        )
        db.session.commit()
        return delivery


@blueprint.route("/endpoints/<int:endpoint_id>/deliveries")
class EndpointDeliveries(MethodView):
    @requires("webhooks.manage")
    @blueprint.arguments(WebhookDeliveriesQuerySchema, location="query")
    @blueprint.response(200, WebhookDeliverySchema(many=True))
    @blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, query, endpoint_id):
        """The endpoint's deliveries, newest first, each with its attempts and answers."""
        endpoint = load_for("webhooks.manage", WebhookEndpoint, endpoint_id)
        return webhooks.endpoint_deliveries(
            db.session,
            actor=actor(),
            endpoint_id=endpoint.id,
            status=query.get("status"),
            limit=query["limit"],
            offset=query["offset"],
        )


@blueprint.route("/endpoints/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver")
class Redeliver(MethodView):
    @requires("webhooks.manage")
    @blueprint.response(202, WebhookDeliverySchema)
    @blueprint.alt_response(404, schema=HeraldErrorSchema)
    @blueprint.alt_response(409, schema=HeraldErrorSchema)
    def post(self, endpoint_id, delivery_id):
        """Send a delivered or failed delivery again (same body and Herald-Delivery key)."""
        endpoint = load_for("webhooks.manage", WebhookEndpoint, endpoint_id)
        delivery = webhooks.redeliver(
            db.session,
            actor=actor(),
            now=utcnow(),
            delivery_id=delivery_id,
            endpoint_id=endpoint.id,
        )
        db.session.commit()
        return delivery
