"""/api/v1/campaigns/<id>/summary, /timeseries and /top-posts: what a campaign achieved.

Days are read in your own zone; ``start`` and ``end`` default to the campaign's dates (up to
today). A number no publication gave is ``null`` ("not available"), never 0; ``available`` and
``total`` say from how many publications a sum was made, and ``partial`` when not from all.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields as ma

from campaigns.db import utcnow
from campaigns.metrics import queries
from campaigns.social.models import Campaign
from campaigns.timezones import to_zone
from web.api import fields
from web.api.auth import authenticate_bearer
from web.api.fields import Schema
from web.api.org import HeraldErrorSchema
from web.extensions import db
from web.loading import load_for
from web.security import actor

blueprint = Blueprint(
    "api_campaign_metrics",
    __name__,
    url_prefix="/api/v1/campaigns",
    description="Campaign figures: progress against targets, series per day, top posts",
)
blueprint.before_request(authenticate_bearer)
METRICS_BLUEPRINTS = (blueprint,)


class KpiRangeQuerySchema(Schema):
    start = fields.Date(metadata={"description": "First day (in your zone), inclusive"})
    end = fields.Date(metadata={"description": "Last day (in your zone), inclusive"})


class KpiTopQuerySchema(KpiRangeQuerySchema):
    limit = fields.Integer(minimum=1, maximum=100, load_default=queries.TOP_POSTS)


class KpiMeasureSchema(Schema):
    value = ma.Integer(allow_none=True, metadata={"description": "null: not available"})
    available = ma.Integer(metadata={"description": "Publications that gave the number"})
    total = ma.Integer()
    partial = ma.Boolean()


class KpiRateSchema(Schema):
    value = ma.Float(allow_none=True, metadata={"description": "engagements / reach"})
    engagements = ma.Integer(allow_none=True)
    reach = ma.Integer(allow_none=True)
    available = ma.Integer()
    total = ma.Integer()
    partial = ma.Boolean()


class KpiProgressSchema(Schema):
    key = ma.String()
    target = ma.Float(allow_none=True)
    actual = ma.Float(allow_none=True)
    share = ma.Float(allow_none=True, metadata={"description": "actual / target"})
    partial = ma.Boolean()


class KpiCoverageSchema(Schema):
    articles = ma.Integer()
    reach = ma.Nested(KpiMeasureSchema)
    tone = ma.Dict(keys=ma.String(), values=ma.Integer())


class KpiRangeSchema(Schema):
    start = ma.Date()
    end = ma.Date()
    zone = ma.String()


class KpiSummarySchema(Schema):
    campaign_id = ma.Function(lambda summary: summary.campaign.id)
    range = ma.Nested(KpiRangeSchema)
    publications = ma.Function(lambda summary: summary.figures.publications)
    on_time = ma.Function(lambda summary: summary.figures.on_time)
    due = ma.Integer(metadata={"description": "Publications due in the range, not cancelled"})
    posts = ma.Integer(metadata={"description": "Posts with a publication out in the range"})
    reach = ma.Function(lambda summary: KpiMeasureSchema().dump(summary.figures.reach))
    engagements = ma.Function(lambda summary: KpiMeasureSchema().dump(summary.figures.engagements))
    engagement_rate = ma.Function(lambda summary: KpiRateSchema().dump(summary.figures.rate))
    sandbox_publications = ma.Function(
        lambda summary: summary.figures.sandbox,
        metadata={"description": "Publications whose figures are made up (sandbox)"},
    )
    coverage = ma.Nested(KpiCoverageSchema)
    progress = ma.List(ma.Nested(KpiProgressSchema))


class KpiDaySchema(Schema):
    day = ma.Date()
    publications = ma.Integer()
    reach = ma.Nested(KpiMeasureSchema)
    engagements = ma.Nested(KpiMeasureSchema)


class KpiTopPostSchema(Schema):
    post_id = ma.Integer()
    title = ma.String()
    publications = ma.Integer()
    reach = ma.Nested(KpiMeasureSchema)
    engagements = ma.Nested(KpiMeasureSchema)
    sandbox = ma.Boolean()


def _range(campaign: Campaign, args: dict) -> queries.Range:
    zone = actor().timezone
    today = to_zone(utcnow(), zone).date()
    return queries.choose_range(
        campaign, zone, today=today, start=args.get("start"), end=args.get("end")
    )


@blueprint.route("/<int:campaign_id>/summary")
class CampaignSummary(MethodView):
    @blueprint.arguments(KpiRangeQuerySchema, location="query")
    @blueprint.response(200, KpiSummarySchema)
    @blueprint.alt_response(404, schema=HeraldErrorSchema)
    @blueprint.alt_response(422, schema=HeraldErrorSchema)
    def get(self, args, campaign_id):
        """Progress against each target, on-time publications, reach, engagements and rate,
        coverage, in a range."""
        campaign = load_for("campaign.view", Campaign, campaign_id)
        return queries.summary(
            db.session, campaign, _range(campaign, args), now=utcnow(), viewer=actor()
        )


@blueprint.route("/<int:campaign_id>/timeseries")
class CampaignTimeSeries(MethodView):
    @blueprint.arguments(KpiRangeQuerySchema, location="query")
    @blueprint.response(200, KpiDaySchema(many=True))
    @blueprint.alt_response(404, schema=HeraldErrorSchema)
    @blueprint.alt_response(422, schema=HeraldErrorSchema)
    def get(self, args, campaign_id):
        """Publications, reach and engagements per day of publication, every day of the
        range."""
        campaign = load_for("campaign.view", Campaign, campaign_id)
        return queries.daily(db.session, campaign, _range(campaign, args))


@blueprint.route("/<int:campaign_id>/top-posts")
class CampaignTopPosts(MethodView):
    @blueprint.arguments(KpiTopQuerySchema, location="query")
    @blueprint.response(200, KpiTopPostSchema(many=True))
    @blueprint.alt_response(404, schema=HeraldErrorSchema)
    @blueprint.alt_response(422, schema=HeraldErrorSchema)
    def get(self, args, campaign_id):
        """The posts with the most engagements (then reach) in the range."""
        campaign = load_for("campaign.view", Campaign, campaign_id)
        return queries.top_posts(db.session, campaign, _range(campaign, args), limit=args["limit"])
