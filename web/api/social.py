"""/api/v1/campaigns, /api/v1/posts, /api/v1/publications and /api/v1/channels.

Field names are those of the services (``owner_unit_code``, ``participant_codes``...), so a
field error names the JSON key that caused it. Clearance actions carry ``expected_version``: the
post's ``version`` as the client last read it; a post that changed since answers 409. Times are
ISO 8601 in UTC; each publication also gives ``local_time`` in its audience's zone. Channel
credentials go in (``credentials`` on create, ``PUT .../credentials``) and never come out.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from flask import current_app, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import post_load, validate

from campaigns.calendar import queries as calendar_queries
from campaigns.db import utcnow
from campaigns.errors import NotFound
from campaigns.i18n import N_
from campaigns.permissions import chain_of, next_step
from campaigns.social import channels as channel_services
from campaigns.social import checks, lookups, queries, scheduling, services
from campaigns.social.clashes import ClashKind, clashes_of_post
from campaigns.social.models import (
    Campaign,
    Channel,
    ChannelKind,
    Post,
    PostStatus,
    Publication,
    PublicationStatus,
    ReviewDecision,
    ScheduleMode,
)
from campaigns.timezones import to_zone
from web.api import fields
from web.api.auth import authenticate_bearer, requires
from web.api.fields import Schema
from web.api.org import HeraldErrorSchema
from web.campaigns.clashes import describe as describe_clash
from web.campaigns.routes import media_root
from web.extensions import db
from web.loading import load_for
from web.security import actor

campaigns_blueprint = Blueprint(
    "api_campaigns", __name__, url_prefix="/api/v1/campaigns", description="Campaigns"
)
posts_blueprint = Blueprint(
    "api_posts",
    __name__,
    url_prefix="/api/v1/posts",
    description="Posts, their language variants, clearance and scheduling",
)
publications_blueprint = Blueprint(
    "api_publications",
    __name__,
    url_prefix="/api/v1/publications",
    description="Publications: one variant on one channel at one instant",
)
channels_blueprint = Blueprint(
    "api_channels",
    __name__,
    url_prefix="/api/v1/channels",
    description="The organisation's own accounts (credentials are write-only)",
)
SOCIAL_BLUEPRINTS = (
    campaigns_blueprint,
    posts_blueprint,
    publications_blueprint,
    channels_blueprint,
)
for _blueprint in SOCIAL_BLUEPRINTS:
    _blueprint.before_request(authenticate_bearer)


# --- schemas -------------------------------------------------------------------------------------


class AnniversaryLinkSchema(Schema):
    anniversary_id = fields.Id(required=True)
    occurrence_date = fields.Date(required=True)


class CampaignSchema(Schema):
    id = fields.Integer(dump_only=True)
    name_vi = fields.String()
    name_en = fields.String()
    goal = fields.String()
    hashtags = fields.List(fields.String())
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True, metadata={"description": "Inclusive"})
    owner_unit_code = fields.ComputedString(
        getter=lambda c: c.owner_unit.code, metadata={"example": "mofa-press"}
    )
    participant_codes = fields.ComputedList(
        fields.String(), getter=lambda c: [unit.code for unit in c.participating_units]
    )
    target_countries = fields.List(fields.String(), metadata={"example": ["VN", "KH"]})
    languages = fields.List(fields.String(), metadata={"example": ["vi", "km", "en"]})
    kpi_targets = fields.Dict(
        keys=fields.String(validate=validate.OneOf(services.KPI_KEYS)),
        values=fields.Integer(minimum=0),
        metadata={
            "example": {"posts": 40, "impressions": 500000, "coverage_articles": 25},
            "description": "Whole numbers; engagement_rate in hundredths of a percent "
            "(250 = 2.5 %)",
        },
    )
    event_ids = fields.ComputedList(
        fields.Id(),
        getter=lambda c: [event.id for event in calendar_queries.events_seen_by(actor(), c.events)],
    )
    anniversaries = fields.ComputedList(
        fields.Nested(AnniversaryLinkSchema),
        getter=lambda c: [
            {"anniversary_id": link.anniversary_id, "occurrence_date": link.occurrence_date}
            for link in c.anniversary_links
        ],
    )
    paused = fields.Boolean(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)

    @post_load
    def _anniversary_pairs(self, data: dict, **kwargs) -> dict:
        if "anniversaries" in data:
            data["anniversaries"] = [
                (link["anniversary_id"], link["occurrence_date"]) for link in data["anniversaries"]
            ]
        return data


class CampaignCreateSchema(CampaignSchema):
    name_vi = fields.String(required=True)
    name_en = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    owner_unit_code = fields.String(required=True)


class CampaignPatchSchema(CampaignSchema):
    """Any subset of a campaign's fields; what is left out stays as it is."""


class PausedSchema(Schema):
    paused = fields.Boolean(required=True)


class AttachmentSchema(Schema):
    id = fields.Integer()
    original_name = fields.String()
    mime_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    alt_text = fields.String(metadata={"description": "What the image shows (sent to Mastodon)"})


# A variant's wording for one channel, under the channel's id.
CHANNEL_ID_KEY = fields.String(validate=validate.Regexp(r"^[1-9][0-9]{0,9}$"))


class VariantSchema(Schema):
    language = fields.String()
    text = fields.String()
    channel_overrides = fields.Dict(keys=CHANNEL_ID_KEY, values=fields.String())
    attachments = fields.List(fields.Nested(AttachmentSchema))


class AttemptSchema(Schema):
    number = fields.Integer()
    worker_id = fields.String()
    started_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
    outcome = fields.String()
    error_kind = fields.String(allow_none=True)
    http_status = fields.Integer(allow_none=True)
    message = fields.String()


class PublicationSchema(Schema):
    id = fields.Integer()
    post_id = fields.Integer()
    channel_id = fields.Integer()
    language = fields.ComputedString(getter=lambda p: p.variant.language)
    scheduled_at = fields.AwareDateTime()
    audience_zone = fields.String()
    audience_country = fields.String(allow_none=True)
    local_time = fields.ComputedString(
        getter=lambda p: to_zone(p.scheduled_at, p.audience_zone).isoformat(),
        metadata={
            "description": "The instant on the audience's wall clock, with its offset",
            "format": "date-time",
        },
    )
    misfire_deadline = fields.AwareDateTime()
    status = fields.OneOf(PublicationStatus)
    held_reason = fields.String(allow_none=True)
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    text = fields.String()
    platform_id = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    published_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String()
    last_error_kind = fields.String(allow_none=True)
    attempt_log = fields.List(fields.Nested(AttemptSchema))


class PublicationClashSchema(Schema):
    """A warning about one planned publication: another one of the channel too close (named
    only when you may see its post), or a quiet day."""

    kind = fields.OneOf(ClashKind)
    channel_id = fields.ComputedInteger(getter=lambda clash: clash.channel.id)
    scheduled_at = fields.AwareDateTime(attribute="instant")
    message = fields.ComputedString(getter=lambda clash: describe_clash(clash, actor().timezone))
    minutes = fields.Integer(allow_none=True)
    other_post_id = fields.Integer(allow_none=True)
    other_title = fields.String(allow_none=True)
    other_scheduled_at = fields.AwareDateTime(attribute="other_instant", allow_none=True)
    quiet_day_reason = fields.ComputedString(
        getter=lambda clash: clash.quiet_day.reason if clash.quiet_day else None,
        allow_none=True,
    )


class ScheduledPublicationSchema(PublicationSchema):
    clashes = fields.ComputedList(
        fields.Nested(PublicationClashSchema),
        getter=lambda publication: getattr(publication, "schedule_clashes", []),
        metadata={"description": "Warnings found when it was scheduled (it was saved)"},
    )


class ClearanceDecisionSchema(Schema):
    version = fields.Integer()
    step = fields.Integer(
        allow_none=True, metadata={"description": "The step of the clearance chain (1 = first)"}
    )
    decision = fields.OneOf(
        ReviewDecision,
        metadata={"description": "step: one step of a longer chain, the version still waits"},
    )
    person_id = fields.Integer()
    writer_ids = fields.List(fields.Integer())
    comment = fields.String()
    decided_at = fields.AwareDateTime()


class ClearanceStepSchema(Schema):
    position = fields.Integer()
    kind = fields.String(
        metadata={
            "description": "Who may take it: coordinator, legal (a legal reviewer), unit (a "
            "coordinator of unit_id: its head), steering (a member of the steering committee)"
        }
    )
    unit_id = fields.Integer(allow_none=True)
    unit_code = fields.String(allow_none=True)
    taken_by_id = fields.Integer(allow_none=True)
    taken_at = fields.AwareDateTime(allow_none=True)
    is_next = fields.Boolean()


def _clearance_chain(post: Post) -> list[dict]:
    upcoming = next_step(post) if post.status == PostStatus.IN_REVIEW else None
    return [
        {
            "position": position,
            "kind": step.get("kind"),
            "unit_id": step.get("unit_id"),
            "unit_code": step.get("unit_code"),
            "taken_by_id": step.get("taken_by_id"),
            "taken_at": datetime.fromisoformat(step["taken_at"]) if step.get("taken_at") else None,
            "is_next": upcoming is not None and upcoming[0] == position,
        }
        for position, step in enumerate(chain_of(post), start=1)
    ]


class PostSchema(Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    title = fields.String()
    status = fields.OneOf(PostStatus)
    version = fields.Integer(metadata={"description": "Send it back as expected_version"})
    rapid_response = fields.Boolean()
    misfire_window_minutes = fields.Integer()
    author_id = fields.Integer()
    approved_by_id = fields.Integer(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    approved_version = fields.Integer(allow_none=True)
    review_comment = fields.String()
    submitted_at = fields.AwareDateTime(allow_none=True)
    event_id = fields.Integer(allow_none=True)
    variants = fields.List(fields.Nested(VariantSchema))
    publications = fields.List(fields.Nested(PublicationSchema))
    writer_ids = fields.List(
        fields.Integer(),
        attribute="current_writer_ids",
        metadata={
            "description": "Who changed this version since the last clearance: "
            "none of them may clear it"
        },
    )
    reviews = fields.List(fields.Nested(ClearanceDecisionSchema))
    clearance_chain = fields.ComputedList(
        fields.Nested(ClearanceStepSchema),
        getter=_clearance_chain,
        metadata={
            "description": "The steps that clear this version, in order (one step: four eyes), "
            "frozen when the post was sent; who took each, and which is next"
        },
    )
    clearance_steps_taken = fields.Integer()


class PostCreateSchema(Schema):
    title = fields.String(required=True)
    variants = fields.Dict(
        keys=fields.String(max_length=35),
        values=fields.String(),
        required=True,
        metadata={"example": {"vi": "Xin chào", "en": "Hello"}},
    )
    misfire_window_minutes = fields.Integer(minimum=0, load_default=30)
    rapid_response = fields.Boolean(load_default=False)


class PostPatchSchema(Schema):
    title = fields.String()
    misfire_window_minutes = fields.Integer()
    expected_version = fields.Integer()


class VariantInputSchema(Schema):
    text = fields.String(required=True)
    channel_overrides = fields.Dict(keys=CHANNEL_ID_KEY, values=fields.String(), load_default={})
    expected_version = fields.Integer(load_default=None)


class ImageFileSchema(Schema):
    image = Upload(required=True, metadata={"description": "PNG, JPEG, GIF or WebP, at most 5 MB"})


class VersionSchema(Schema):
    expected_version = fields.Integer(load_default=None)


class ImageFormSchema(VersionSchema):
    alt_text = fields.String(
        load_default="",
        metadata={"description": "What the image shows, at most 1,500 characters (optional)"},
    )


class ReviewSchema(Schema):
    expected_version = fields.Integer(
        required=True, metadata={"description": "The post's version as you read it"}
    )
    expected_step = fields.Integer(
        load_default=None,
        metadata={"description": "Approve: the step you saw waiting (409 if it was taken since)"},
    )
    comment = fields.String(load_default="")


class ScheduleSchema(Schema):
    channel_ids = fields.List(fields.Id(), required=True)
    local_time = fields.Time(required=True, metadata={"example": "09:00"})
    mode = fields.OneOf(ScheduleMode, load_default=ScheduleMode.AT.value)
    zone = fields.Timezone(load_default=None, allow_none=True)
    local_date = fields.Date(load_default=None, allow_none=True)
    event_id = fields.Id(load_default=None, allow_none=True)
    offset_days = fields.Integer(
        minimum=-366, maximum=366, load_default=0, metadata={"description": "-3: 3 days before"}
    )
    countries = fields.List(
        fields.String(),
        load_default=None,
        allow_none=True,
        metadata={"description": "Mode per_audience: the audiences (default: the campaign's)"},
    )
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "Only return the plan (200, nothing saved)"},
    )
    expected_plan = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The plan's digest from a dry run: anything else is refused (409)"
        },
    )
    confirm_quiet_days = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Schedule on a quiet day without a dry run first (otherwise 409; "
            "an expected_plan from a dry run that showed the quiet day confirms it too)"
        },
    )


class PlannedPublicationSchema(Schema):
    channel_id = fields.ComputedInteger(getter=lambda item: item.channel.id)
    channel_name = fields.ComputedString(getter=lambda item: item.channel.name)
    language = fields.ComputedString(getter=lambda item: item.variant.language)
    audience_countries = fields.ComputedList(
        fields.String(), getter=lambda item: list(item.countries)
    )
    audience_zone = fields.String(attribute="zone")
    local_time = fields.ComputedString(
        getter=lambda item: to_zone(item.instant, item.zone).isoformat(),
        metadata={
            "description": "The instant on the audience's wall clock, with its offset",
            "format": "date-time",
        },
    )
    scheduled_at = fields.AwareDateTime(attribute="instant")


class PlanChannelSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    served_countries = fields.List(fields.String())


class SchedulePlanSchema(Schema):
    digest = fields.String(metadata={"description": "Send it back as expected_plan to save"})
    publications = fields.List(fields.Nested(PlannedPublicationSchema))
    idle_channels = fields.List(
        fields.Nested(PlanChannelSchema),
        metadata={"description": "Chosen, but address none of the audiences: not scheduled"},
    )
    unserved_countries = fields.List(
        fields.String(), metadata={"description": "Audiences none of the chosen channels reach"}
    )
    clashes = fields.List(
        fields.Nested(PublicationClashSchema),
        metadata={"description": "Publications too close on a channel, quiet days: warnings"},
    )


class PublishNowSchema(Schema):
    channel_ids = fields.List(fields.Id(), required=True)


class PublicationsQuerySchema(Schema):
    since = fields.AwareDateTime(metadata={"example": "2027-06-01T00:00:00Z"})
    until = fields.AwareDateTime()
    status = fields.OneOf(PublicationStatus)
    post = fields.Id()
    channel = fields.Id()


class ChannelSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.OneOf(ChannelKind)
    name = fields.String()
    handle = fields.String()
    language = fields.String()
    audience_countries = fields.List(
        fields.String(),
        metadata={
            "description": "ISO 3166 codes of the publics it addresses; empty: the home audience",
            "example": ["KH"],
        },
    )
    audience_zone = fields.String(
        allow_none=True,
        metadata={
            "description": "The IANA zone its audience lives by; omitted or null: the first "
            "country's capital (the office's zone for the home audience)",
            "example": "Asia/Phnom_Penh",
        },
    )
    served_countries = fields.List(fields.String(), dump_only=True)
    visibility = fields.String(
        metadata={
            "description": "Mastodon: who sees its statuses (public, the default, or unlisted); "
            "empty for other platforms",
            "enum": ["public", "unlisted", ""],
        },
    )
    platform_limits = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        dump_only=True,
        metadata={
            "description": "The platform's own limits read by the last successful connection "
            "test (a Mastodon instance's max_characters, characters_reserved_per_url, "
            "max_media_attachments, image_size_limit)",
        },
    )
    owner_unit_code = fields.ComputedString(getter=lambda c: c.owner_unit.code)
    owner_person_id = fields.Id(allow_none=True)
    rate_limit_posts = fields.Integer(minimum=0, allow_none=True)
    rate_window_seconds = fields.Integer(minimum=0, allow_none=True)
    clash_interval_minutes = fields.Integer(
        minimum=0,
        maximum=1440,
        allow_none=True,
        metadata={"description": "Publications closer than this warn; null: office default"},
    )
    account_name = fields.String(dump_only=True)
    health = fields.String(dump_only=True)
    last_error = fields.String(dump_only=True)
    last_error_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    paused = fields.Boolean(dump_only=True)
    has_credentials = fields.Boolean(dump_only=True)


class ChannelCreateSchema(ChannelSchema):
    kind = fields.OneOf(ChannelKind, required=True)
    name = fields.String(required=True)
    language = fields.String(required=True)
    owner_unit_code = fields.String(required=True)
    credentials = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        load_only=True,
        load_default=dict,
        metadata={"description": "Write-only: never returned"},
    )


class ChannelPatchSchema(ChannelSchema):
    """Any subset of a channel's fields (its kind stays)."""


class CredentialsSchema(Schema):
    credentials = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class ConnectionCheckSchema(Schema):
    id = fields.Integer()
    outcome = fields.String(metadata={"enum": ["pending", "ok", "failed"]})
    detail = fields.String(metadata={"description": "The account name, or the platform's message"})
    requested_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)


class SandboxPostSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    published_at = fields.AwareDateTime()


# --- campaigns -----------------------------------------------------------------------------------


def _campaign_as_input(campaign: Campaign) -> services.CampaignInput:
    return services.CampaignInput(
        name_vi=campaign.name_vi,
        name_en=campaign.name_en,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        owner_unit_code=campaign.owner_unit.code,
        goal=campaign.goal,
        hashtags=list(campaign.hashtags or []),
        participant_codes=[unit.code for unit in campaign.participating_units],
        target_countries=list(campaign.target_countries or []),
        languages=list(campaign.languages or []),
        kpi_targets=dict(campaign.kpi_targets or {}),
        event_ids=[event.id for event in campaign.events],
        anniversaries=[
            (link.anniversary_id, link.occurrence_date) for link in campaign.anniversary_links
        ],
    )


def _merged(current, data: dict):
    names = {item.name for item in dataclasses.fields(current)}
    return dataclasses.replace(current, **{k: v for k, v in data.items() if k in names})


def _blank_campaign() -> services.CampaignInput:
    return services.CampaignInput(
        name_vi="", name_en="", starts_on=None, ends_on=None, owner_unit_code=""
    )


@campaigns_blueprint.route("")
class Campaigns(MethodView):
    @campaigns_blueprint.response(200, CampaignSchema(many=True))
    def get(self):
        """Every campaign, newest first."""
        return queries.list_campaigns(db.session, actor=actor())

    @requires("campaign.manage")
    @campaigns_blueprint.arguments(CampaignCreateSchema)
    @campaigns_blueprint.response(201, CampaignSchema)
    @campaigns_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data):
        """Create a campaign (coordinators)."""
        campaign = services.create_campaign(
            db.session, actor=actor(), now=utcnow(), data=_merged(_blank_campaign(), data)
        )
        db.session.commit()
        return campaign


@campaigns_blueprint.route("/<int:campaign_id>")
class CampaignById(MethodView):
    @campaigns_blueprint.response(200, CampaignSchema)
    @campaigns_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, campaign_id):
        """One campaign."""
        return load_for("campaign.view", Campaign, campaign_id)

    @campaigns_blueprint.arguments(CampaignPatchSchema)
    @campaigns_blueprint.response(200, CampaignSchema)
    @campaigns_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def patch(self, data, campaign_id):
        """Change some fields; what is left out stays."""
        person = actor()
        campaign = load_for("campaign.manage", Campaign, campaign_id)
        services.update_campaign(
            db.session,
            actor=person,
            now=utcnow(),
            campaign=campaign,
            data=_merged(_campaign_as_input(campaign), data),
        )
        db.session.commit()
        return campaign


@campaigns_blueprint.route("/<int:campaign_id>/pause")
class CampaignPause(MethodView):
    @campaigns_blueprint.arguments(PausedSchema)
    @campaigns_blueprint.response(200, CampaignSchema)
    def post(self, data, campaign_id):
        """Pause (``paused: true``) or resume a whole campaign."""
        person = actor()
        campaign = load_for("campaign.manage", Campaign, campaign_id)
        services.set_campaign_paused(
            db.session, actor=person, now=utcnow(), campaign=campaign, paused=data["paused"]
        )
        db.session.commit()
        return campaign


@campaigns_blueprint.route("/<int:campaign_id>/posts")
class CampaignPosts(MethodView):
    @campaigns_blueprint.response(200, PostSchema(many=True))
    def get(self, campaign_id):
        """The campaign's posts, oldest first."""
        campaign = load_for("campaign.view", Campaign, campaign_id)
        return queries.campaign_posts(db.session, campaign)

    @campaigns_blueprint.arguments(PostCreateSchema)
    @campaigns_blueprint.response(201, PostSchema)
    @campaigns_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data, campaign_id):
        """Write a post (a draft) with its variants ``{"vi": "...", "en": "..."}``."""
        person = actor()
        campaign = load_for("post.create", Campaign, campaign_id)
        post = services.create_post(
            db.session, actor=person, now=utcnow(), campaign=campaign, **data
        )
        db.session.commit()
        return post


# --- posts ---------------------------------------------------------------------------------------


@posts_blueprint.route("/awaiting-clearance")
class AwaitingClearance(MethodView):
    @posts_blueprint.response(200, PostSchema(many=True))
    def get(self):
        """Posts in review you may clear (never your own), rapid responses first."""
        return queries.posts_awaiting_clearance(db.session, actor=actor())


@posts_blueprint.route("/<int:post_id>")
class PostById(MethodView):
    @posts_blueprint.response(200, PostSchema)
    @posts_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, post_id):
        """One post with its variants, publications and their attempts."""
        return load_for("campaign.view", Post, post_id)

    @posts_blueprint.arguments(PostPatchSchema)
    @posts_blueprint.response(200, PostSchema)
    @posts_blueprint.alt_response(409, schema=HeraldErrorSchema)
    @posts_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def patch(self, data, post_id):
        """Change the office title or the misfire window (the clearance stands)."""
        person = actor()
        post = load_for("post.edit", Post, post_id)
        services.update_post(db.session, actor=person, now=utcnow(), post=post, **data)
        db.session.commit()
        return post


@posts_blueprint.route("/<int:post_id>/variants/<language>")
class PostVariant(MethodView):
    @posts_blueprint.arguments(VariantInputSchema)
    @posts_blueprint.response(200, PostSchema)
    @posts_blueprint.alt_response(409, schema=HeraldErrorSchema)
    @posts_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def put(self, data, post_id, language):
        """Add or change the text in one language. A cleared post goes back to review."""
        person = actor()
        post = load_for("post.edit", Post, post_id)
        services.save_variant(
            db.session, actor=person, now=utcnow(), post=post, language=language, **data
        )
        db.session.commit()
        return post

    @posts_blueprint.arguments(VersionSchema, location="query")
    @posts_blueprint.response(200, PostSchema)
    @posts_blueprint.alt_response(409, schema=HeraldErrorSchema)
    def delete(self, data, post_id, language):
        """Remove one language (not the last one)."""
        person = actor()
        post = load_for("post.edit", Post, post_id)
        services.remove_variant(
            db.session, actor=person, now=utcnow(), post=post, language=language, **data
        )
        db.session.commit()
        return post


@posts_blueprint.route("/<int:post_id>/variants/<language>/images")
class VariantImages(MethodView):
    @posts_blueprint.arguments(ImageFormSchema, location="form")
    @posts_blueprint.arguments(ImageFileSchema, location="files")
    @posts_blueprint.response(201, PostSchema)
    @posts_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, form, files, post_id, language):
        """Attach an image (multipart ``image``), checked by its content. A cleared post goes
        back to review."""
        person = actor()
        post = load_for("post.edit", Post, post_id)
        upload = files["image"]
        services.add_attachment(
            db.session,
            actor=person,
            now=utcnow(),
            post=post,
            language=language,
            filename=upload.filename or "image",
            content=upload.read(),
            media_root=media_root(),
            **form,
        )
        db.session.commit()
        return post


@posts_blueprint.route("/<int:post_id>/submit")
class PostSubmit(MethodView):
    @posts_blueprint.arguments(VersionSchema)
    @posts_blueprint.response(200, PostSchema)
    @posts_blueprint.alt_response(409, schema=HeraldErrorSchema)
    def post(self, data, post_id):
        """Ask for clearance; the coordinators are told."""
        person = actor()
        post = load_for("post.edit", Post, post_id)
        services.submit_post(db.session, actor=person, now=utcnow(), post=post, **data)
        db.session.commit()
        return post


@posts_blueprint.route("/<int:post_id>/approve")
class PostApprove(MethodView):
    @posts_blueprint.arguments(ReviewSchema)
    @posts_blueprint.response(200, PostSchema)
    @posts_blueprint.alt_response(403, schema=HeraldErrorSchema)
    @posts_blueprint.alt_response(409, schema=HeraldErrorSchema)
    def post(self, data, post_id):
        """Take the step of the post's clearance chain it waits for, as you read it; the last
        step clears it. Four eyes at every step: 403 if you changed any part of this version
        (``writer_ids``), took an earlier step of it, or the step is not for you; 409 if it
        changed (or the step was taken) since you read it."""
        person = actor()
        post = load_for("post.approve", Post, post_id)
        services.approve_post(db.session, actor=person, now=utcnow(), post=post, **data)
        db.session.commit()
        return post


@posts_blueprint.route("/<int:post_id>/reject")
class PostReject(MethodView):
    @posts_blueprint.arguments(ReviewSchema)
    @posts_blueprint.response(200, PostSchema)
    @posts_blueprint.alt_response(403, schema=HeraldErrorSchema)
    @posts_blueprint.alt_response(409, schema=HeraldErrorSchema)
    @posts_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data, post_id):
        """Send the post back to its writers with a comment (required); a writer may too."""
        person = actor()
        post = load_for("post.reject", Post, post_id)
        data.pop("expected_step", None)
        services.reject_post(db.session, actor=person, now=utcnow(), post=post, **data)
        db.session.commit()
        return post


@posts_blueprint.route("/<int:post_id>/schedule")
class PostSchedule(MethodView):
    @posts_blueprint.arguments(ScheduleSchema)
    @posts_blueprint.response(201, ScheduledPublicationSchema(many=True))
    @posts_blueprint.alt_response(200, schema=SchedulePlanSchema, description="dry_run: the plan")
    @posts_blueprint.alt_response(409, schema=HeraldErrorSchema)
    @posts_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data, post_id):
        """Plan the publications of a cleared post: at ``local_time`` on ``local_date`` (or
        ``offset_days`` from event ``event_id``), in ``zone`` (mode ``at``), or (mode
        ``per_audience``) once per channel that addresses one of ``countries``, at that local
        time on its audience's clock. Replaces what it had not sent yet. With ``dry_run`` it
        returns the plan and saves nothing; ``expected_plan`` saves only that plan.

        Clashes warn (``clashes``: another publication of the channel within its clash
        interval, a quiet day); a quiet day must be confirmed: by the ``expected_plan`` of a
        dry run that showed it, or by ``confirm_quiet_days`` (409 otherwise)."""
        person = actor()
        post = load_for("post.schedule", Post, post_id)
        dry_run = data.pop("dry_run")
        expected_plan = data.pop("expected_plan")
        confirm_quiet_days = data.pop("confirm_quiet_days")
        schedule = scheduling.ScheduleInput(**data)
        if dry_run:
            plan = scheduling.plan_schedule(
                db.session, actor=person, now=utcnow(), post=post, data=schedule
            )
            body = SchedulePlanSchema().dump(plan)
            db.session.rollback()
            return jsonify(body)
        created = scheduling.schedule_post(
            db.session,
            actor=person,
            now=utcnow(),
            post=post,
            data=schedule,
            expected_plan=expected_plan,
            confirm_quiet_days=confirm_quiet_days,
        )
        db.session.commit()
        for clash in clashes_of_post(db.session, actor=person, post=post):
            for publication in created:
                if (publication.channel_id, publication.scheduled_at) == (
                    clash.channel.id,
                    clash.instant,
                ):
                    publication.schedule_clashes = [
                        *getattr(publication, "schedule_clashes", []),
                        clash,
                    ]
        return created


@posts_blueprint.route("/<int:post_id>/publish-now")
class PostPublishNow(MethodView):
    @posts_blueprint.arguments(PublishNowSchema)
    @posts_blueprint.response(201, PublicationSchema(many=True))
    @posts_blueprint.alt_response(409, schema=HeraldErrorSchema)
    def post(self, data, post_id):
        """Publish a cleared post now on these channels (the rapid-response path)."""
        person = actor()
        post = load_for("post.schedule", Post, post_id)
        created = scheduling.publish_post_now(
            db.session, actor=person, now=utcnow(), post=post, channel_ids=data["channel_ids"]
        )
        db.session.commit()
        return created


# --- publications --------------------------------------------------------------------------------


@publications_blueprint.route("")
class Publications(MethodView):
    @publications_blueprint.arguments(PublicationsQuerySchema, location="query")
    @publications_blueprint.response(200, PublicationSchema(many=True))
    def get(self, filters):
        """Publications by scheduled time (at most 500), filtered."""
        return lookups.publications_of(
            db.session,
            actor=actor(),
            since=filters.get("since"),
            until=filters.get("until"),
            status=filters.get("status"),
            post_id=filters.get("post"),
            channel_id=filters.get("channel"),
        )


PUBLICATION_ACTIONS = {
    "retry": scheduling.retry_publication,
    "release": scheduling.release_publication,
    "cancel": scheduling.cancel_publication,
}


@publications_blueprint.route("/<int:publication_id>/<any(retry, release, cancel):action>")
class PublicationAction(MethodView):
    @publications_blueprint.response(200, PublicationSchema)
    @publications_blueprint.alt_response(409, schema=HeraldErrorSchema)
    def post(self, publication_id, action):
        """Retry a dead publication, release a held one, or cancel one that has not gone out."""
        person = actor()
        publication = load_for("publication.manage", Publication, publication_id)
        PUBLICATION_ACTIONS[action](db.session, actor=person, now=utcnow(), publication=publication)
        db.session.commit()
        return publication


# --- channels ------------------------------------------------------------------------------------


def _channel_as_input(channel: Channel) -> channel_services.ChannelInput:
    return channel_services.ChannelInput(
        kind=channel.kind,
        name=channel.name,
        language=channel.language,
        owner_unit_code=channel.owner_unit.code,
        handle=channel.handle,
        owner_person_id=channel.owner_person_id,
        rate_limit_posts=channel.rate_limit_posts,
        rate_window_seconds=channel.rate_window_seconds,
        clash_interval_minutes=channel.clash_interval_minutes,
        audience_countries=list(channel.audience_countries or []),
        audience_zone=channel.audience_zone,
        visibility=channel.visibility,
    )


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


@channels_blueprint.route("")
class Channels(MethodView):
    @channels_blueprint.response(200, ChannelSchema(many=True))
    def get(self):
        """Every channel, by kind and name."""
        return queries.list_channels(db.session, actor=actor())

    @requires("channel.manage")
    @channels_blueprint.arguments(ChannelCreateSchema)
    @channels_blueprint.response(201, ChannelSchema)
    @channels_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def post(self, data):
        """Register an account; its ``credentials`` are encrypted and never returned."""
        credentials = data.pop("credentials")
        blank = channel_services.ChannelInput(kind="", name="", language="", owner_unit_code="")
        channel = channel_services.create_channel(
            db.session,
            actor=actor(),
            now=utcnow(),
            data=_merged(blank, data),
            credentials=credentials,
            secret=_secret(),
        )
        db.session.commit()
        return channel


@channels_blueprint.route("/<int:channel_id>")
class ChannelById(MethodView):
    @channels_blueprint.response(200, ChannelSchema)
    @channels_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, channel_id):
        """One channel (never its credentials)."""
        return load_for("channel.view", Channel, channel_id)

    @channels_blueprint.arguments(ChannelPatchSchema)
    @channels_blueprint.response(200, ChannelSchema)
    @channels_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def patch(self, data, channel_id):
        """Change name, handle, language, owner or budget (the kind stays)."""
        person = actor()
        channel = load_for("channel.manage", Channel, channel_id)
        channel_services.update_channel(
            db.session,
            actor=person,
            now=utcnow(),
            channel=channel,
            data=_merged(_channel_as_input(channel), data),
        )
        db.session.commit()
        return channel


@channels_blueprint.route("/<int:channel_id>/credentials")
class ChannelCredentials(MethodView):
    @channels_blueprint.arguments(CredentialsSchema)
    @channels_blueprint.response(200, ChannelSchema)
    @channels_blueprint.alt_response(422, schema=HeraldErrorSchema)
    def put(self, data, channel_id):
        """Replace the credentials (write-only)."""
        person = actor()
        channel = load_for("channel.manage", Channel, channel_id)
        channel_services.set_channel_credentials(
            db.session,
            actor=person,
            now=utcnow(),
            channel=channel,
            credentials=data["credentials"],
            secret=_secret(),
        )
        db.session.commit()
        return channel


@channels_blueprint.route("/<int:channel_id>/pause")
class ChannelPause(MethodView):
    @channels_blueprint.arguments(PausedSchema)
    @channels_blueprint.response(200, ChannelSchema)
    def post(self, data, channel_id):
        """Pause (``paused: true``) or resume a channel."""
        person = actor()
        channel = load_for("channel.manage", Channel, channel_id)
        channel_services.set_channel_paused(
            db.session, actor=person, now=utcnow(), channel=channel, paused=data["paused"]
        )
        db.session.commit()
        return channel


@channels_blueprint.route("/<int:channel_id>/check")
class ChannelCheck(MethodView):
    @channels_blueprint.response(200, ConnectionCheckSchema)
    @channels_blueprint.alt_response(404, schema=HeraldErrorSchema)
    def get(self, channel_id):
        """The latest "test connection" (404 when never tested)."""
        channel = load_for("channel.view", Channel, channel_id)
        check = checks.latest_connection_check(db.session, channel=channel)
        if check is None:
            raise NotFound(N_("This channel was never tested."))
        return check

    @channels_blueprint.response(202, ConnectionCheckSchema)
    def post(self, channel_id):
        """Ask a worker to test the credentials; poll GET for the answer."""
        person = actor()
        channel = load_for("channel.manage", Channel, channel_id)
        check = checks.request_connection_check(
            db.session, actor=person, now=utcnow(), channel=channel
        )
        db.session.commit()
        return check


@channels_blueprint.route("/<int:channel_id>/sandbox-posts")
class ChannelSandboxPosts(MethodView):
    @channels_blueprint.response(200, SandboxPostSchema(many=True))
    def get(self, channel_id):
        """What a sandbox channel 'published', newest first."""
        channel = load_for("channel.view", Channel, channel_id)
        return channel_services.sandbox_posts(db.session, channel=channel)
