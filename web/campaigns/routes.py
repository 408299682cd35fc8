"""Campaigns, posts and their language variants, four-eyes clearance, scheduling and the
publications people act on, in the browser. Every route: read the form, call one service,
commit, redirect; a domain error is shown next to its field (422) or at the top (409)."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale, gettext, ngettext
from flask_login import login_required

from campaigns.calendar import queries as calendar_queries
from campaigns.calendar.models import Tier
from campaigns.db import fits_integer, parse_id, utcnow
from campaigns.errors import HeraldError, Invalid, Message, NotAllowed
from campaigns.field import reports as field_reports
from campaigns.i18n import N_
from campaigns.metrics import queries as metrics_queries
from campaigns.metrics.rules import FIXED_POINTS
from campaigns.org import queries as org_queries
from campaigns.org.models import Unit
from campaigns.permissions import (
    can,
    chain_of,
    clearance_refusal,
    next_step,
    require,
    step_label,
)
from campaigns.social import chains, lookups, queries, scheduling, services
from campaigns.social.clashes import clashes_of_post
from campaigns.social.models import (
    Attachment,
    Campaign,
    ChannelKind,
    Notification,
    Post,
    PostStatus,
    Publication,
    ScheduleMode,
)
from campaigns.social.notifications import (
    mark_notification_read,
    notification_text,
    unread_notifications,
)
from campaigns.social.rules import wall_to_utc
from campaigns.timezones import to_zone
from web import labels
from web.account.forms import EmptyForm
from web.calendar import drafts
from web.campaigns import forms
from web.campaigns.clashes import describe as describe_clash
from web.campaigns.layout import campaign_timeline, combined_days
from web.extensions import db
from web.forms import day_from_query, show_domain_error
from web.i18n import error_message, translate
from web.loading import load_for
from web.security import actor

blueprint = Blueprint("campaigns", __name__, url_prefix="/social")

# The combined calendar's longest window, in days.
MAX_CALENDAR_DAYS = 62
# Publications listed per day when the calendar spans several: a big office schedules hundreds
# a day, and rendering two weeks of them made a 1 MB page that took seconds; the rest of a day
# is one click away (that day alone shows all of it).
PUBLICATIONS_PER_DAY = 20
CAMPAIGN_ALIASES = {
    "owner_unit": "owner_unit_code",
    "kpi_targets": "kpi_posts",
}
POST_ALIASES = {"variants": "text_vi", "text": "text_vi", "language": "other_language"}


@blueprint.app_context_processor
def social_helpers():
    def unread() -> int:
        person = actor()
        return lookups.unread_count(db.session, person=person) if person else 0

    return {
        "social_unread": unread,
        "POST_STATUS_LABELS": labels.POST_STATUS_LABELS,
        "PUBLICATION_STATUS_LABELS": labels.PUBLICATION_STATUS_LABELS,
        "HELD_REASON_LABELS": labels.HELD_REASON_LABELS,
        "ATTEMPT_OUTCOME_LABELS": labels.ATTEMPT_OUTCOME_LABELS,
        "CHANNEL_KIND_LABELS": labels.CHANNEL_KIND_LABELS,
        "CHANNEL_HEALTH_LABELS": labels.CHANNEL_HEALTH_LABELS,
        "STATUS_VISIBILITY_LABELS": labels.STATUS_VISIBILITY_LABELS,
        "local_in": lambda instant, zone: to_zone(instant, zone) if instant else None,
    }


def _locale() -> str:
    return str(get_locale() or "en")


def _int(value) -> int | None:
    try:
        number = int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return number if number is None or fits_integer(number) else None


def _today() -> date:
    return to_zone(utcnow(), actor().timezone).date()


def media_root() -> Path:
    """Where images live: ``HERALD_MEDIA_ROOT``, by default ``instance/media``."""
    return Path(current_app.config["HERALD_MEDIA_ROOT"])


def _done(message: str, target: str):
    db.session.commit()
    flash(message, "success")
    return redirect(target, code=303)


def _refused(error: HeraldError) -> None:
    """A refusal stays a refusal (403), whatever the form; anything else is shown."""
    if isinstance(error, NotAllowed):
        raise error
    db.session.rollback()


# --- campaigns -----------------------------------------------------------------------------------


@blueprint.get("/")
@login_required
def index():
    return redirect(url_for("campaigns.campaign_list"))


@blueprint.get("/campaigns")
@login_required
def campaign_list():
    person = actor()
    return render_template(
        "campaigns/list.html",
        campaigns=queries.list_campaigns(db.session, actor=person),
        awaiting=len(queries.posts_awaiting_clearance(db.session, actor=person)),
        attention=queries.count_publications_needing_a_person(db.session)
        if can(person, "publication.manage")
        else 0,
    )


def _campaign_form(campaign: Campaign | None) -> forms.CampaignForm:
    person = actor()
    today = _today()
    events = calendar_queries.visible_events(
        db.session,
        person,
        since=today - timedelta(days=180),
        until=today + timedelta(days=3 * 365),
        zone=person.timezone,
        include_cancelled=False,
    )
    occurrences = [
        item
        for item in calendar_queries.occurrences(
            db.session, since=today - timedelta(days=30), until=today + timedelta(days=3 * 365)
        )
        if item.tier != Tier.REGULAR
    ]
    linked_events = set()
    form = forms.CampaignForm(
        units=org_queries.all_units(db.session), events=events, occurrences=occurrences
    )
    if campaign is not None:
        # Linked events the person may not see stay linked, unnamed and unoffered.
        seen = calendar_queries.events_seen_by(actor(), campaign.events)
        linked_events = {str(event.id) for event in seen}
        offered = {choice.value for choice in form.event_ids.choices}
        form.event_ids.choices += forms.choices(
            (str(e.id), e.title_in(_locale())) for e in seen if str(e.id) not in offered
        )
        offered = {choice.value for choice in form.anniversaries.choices}
        for link in campaign.anniversary_links:
            value = f"{link.anniversary_id}:{link.occurrence_date.isoformat()}"
            if value not in offered:
                form.anniversaries.choices += forms.choices(
                    [(value, f"{link.anniversary.title(_locale())} · {link.occurrence_date}")]
                )
        if request.method == "GET":
            form.name_vi.data = campaign.name_vi
            form.name_en.data = campaign.name_en
            form.goal.data = campaign.goal
            form.hashtags.data = ", ".join(campaign.hashtags or [])
            form.starts_on.data = campaign.starts_on
            form.ends_on.data = campaign.ends_on
            form.owner_unit_code.data = campaign.owner_unit.code
            form.participant_codes.data = [unit.code for unit in campaign.participating_units]
            form.target_countries.data = list(campaign.target_countries or [])
            form.languages.data = ", ".join(campaign.languages or [])
            targets = campaign.kpi_targets or {}
            for key in services.KPI_KEYS:
                getattr(form, f"kpi_{key}").data = targets.get(key)
            rate = targets.get("engagement_rate")
            form.kpi_engagement_rate.data = (
                None if rate is None else Decimal(rate) / services.ENGAGEMENT_RATE_SCALE
            )
            form.event_ids.data = sorted(linked_events)
            form.anniversaries.data = [
                f"{link.anniversary_id}:{link.occurrence_date.isoformat()}"
                for link in campaign.anniversary_links
            ]
    elif request.method == "GET":
        if person.unit is not None:
            form.owner_unit_code.data = person.unit.code
            form.languages.data = "vi, en"
        draft = drafts.milestone_from_query(person)
        if draft is not None:
            drafts.fill_campaign_form(form, draft, today=today)
    return form


def _anniversary_links(values: list[str]) -> list[tuple[int, date]] | None:
    links = []
    for value in values or []:
        anniversary_id, _, day = value.partition(":")
        link = (parse_id(anniversary_id), day_from_query(day))
        if None in link:
            return None
        links.append(link)
    return links


def _campaign_input(form: forms.CampaignForm) -> services.CampaignInput:
    targets = {
        key: getattr(form, f"kpi_{key}").data
        for key in services.KPI_KEYS
        if getattr(form, f"kpi_{key}").data is not None
    }
    if "engagement_rate" in targets:
        # Kept in hundredths of a percent: 2.5 % is 250.
        targets["engagement_rate"] = int(
            targets["engagement_rate"] * services.ENGAGEMENT_RATE_SCALE
        )
    return services.CampaignInput(
        name_vi=form.name_vi.data or "",
        name_en=form.name_en.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        owner_unit_code=form.owner_unit_code.data or "",
        goal=form.goal.data or "",
        hashtags=forms.split_list(form.hashtags.data),
        participant_codes=list(form.participant_codes.data or []),
        target_countries=list(form.target_countries.data or []),
        languages=forms.split_list(form.languages.data),
        kpi_targets=targets,
        event_ids=[number for number in map(_int, form.event_ids.data or []) if number],
        anniversaries=_anniversary_links(form.anniversaries.data) or [],
    )


@blueprint.route("/campaigns/new", methods=["GET", "POST"])
@blueprint.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def campaign_form(campaign_id: int | None = None):
    person = actor()
    if campaign_id is None:
        require(person, "campaign.manage")
        campaign = None
    else:
        campaign = load_for("campaign.manage", Campaign, campaign_id)
    form = _campaign_form(campaign)
    if form.validate_on_submit():
        try:
            data = _campaign_input(form)
            if campaign is None:
                campaign = services.create_campaign(
                    db.session, actor=person, now=utcnow(), data=data
                )
            else:
                services.update_campaign(
                    db.session, actor=person, now=utcnow(), campaign=campaign, data=data
                )
        except HeraldError as error:
            _refused(error)
            show_domain_error(form, error, aliases=CAMPAIGN_ALIASES)
        else:
            target = url_for("campaigns.campaign_page", campaign_id=campaign.id)
            return _done(gettext("The campaign was saved."), target)
    title = gettext("Edit campaign") if campaign else gettext("New campaign")
    cancel = (
        url_for("campaigns.campaign_page", campaign_id=campaign.id)
        if campaign
        else url_for("campaigns.campaign_list")
    )
    status = 422 if form.errors else 200
    return render_template("campaigns/form.html", form=form, title=title, cancel=cancel), status


@blueprint.get("/campaigns/<int:campaign_id>")
@login_required
def campaign_page(campaign_id: int):
    person = actor()
    campaign = load_for("campaign.view", Campaign, campaign_id)
    posts = queries.campaign_posts(db.session, campaign)
    timeline, unscheduled = campaign_timeline(
        calendar_queries.events_seen_by(person, campaign.events),
        posts,
        person.timezone,
        campaign.anniversary_links,
    )
    return render_template(
        "campaigns/campaign.html",
        campaign=campaign,
        field_reports=field_reports.reports_about(
            db.session, person, field_reports.ReportTarget("campaign", campaign.id)
        ),
        posts=posts,
        timeline=timeline,
        unscheduled=unscheduled,
        zone=person.timezone,
        action_form=EmptyForm(),
        locale=_locale(),
        campaign_policy=chains.policy_steps(campaign.clearance_policy),
        unit_policy=chains.policy_steps(campaign.owner_unit.clearance_policy),
        policy_form=forms.clearance_policy_form(
            campaign.clearance_policy, org_queries.all_units(db.session)
        )
        if can(person, "clearance_policy.manage", campaign)
        else None,
    )


@blueprint.post("/campaigns/<int:campaign_id>/<any(pause, resume):action>")
@login_required
def campaign_pause(campaign_id: int, action: str):
    person = actor()
    campaign = load_for("campaign.manage", Campaign, campaign_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.set_campaign_paused(
        db.session, actor=person, now=utcnow(), campaign=campaign, paused=action == "pause"
    )
    message = (
        gettext("The campaign is paused: none of its publications go out until it resumes.")
        if action == "pause"
        else gettext("The campaign resumed.")
    )
    return _done(message, url_for("campaigns.campaign_page", campaign_id=campaign.id))


# --- clearance chains of units and campaigns ------------------------------------------------------


def _save_clearance_policy(target, back: str):
    """Form → ``set_clearance_policy`` → back to the page the form is on, saying what happened."""
    form = forms.ClearancePolicyForm(units=org_queries.all_units(db.session))
    if not form.validate_on_submit():
        abort(400)
    steps = [
        chains.StepInput(
            kind=entry.form.kind.data or "",
            unit_code=entry.form.unit_code.data or "",
            rapid_only=bool(entry.form.rapid_only.data),
        )
        for entry in form.steps
    ]
    try:
        chains.set_clearance_policy(
            db.session, actor=actor(), now=utcnow(), target=target, steps=steps
        )
    except HeraldError as error:
        _refused(error)
        flash(error_message(error), "error")
        return redirect(back, code=303)
    message = (
        gettext("The clearance chain was saved. Posts already sent keep the chain they have.")
        if target.clearance_policy
        else gettext("No clearance chain of its own: four eyes, or the unit's chain, apply.")
    )
    return _done(message, back)


@blueprint.post("/units/<code>/clearance")
@login_required
def unit_clearance_policy(code: str):
    unit = load_for("clearance_policy.manage", Unit, code)
    return _save_clearance_policy(unit, url_for("main.unit_page", code=unit.code) + "#clearance")


@blueprint.post("/campaigns/<int:campaign_id>/clearance")
@login_required
def campaign_clearance_policy(campaign_id: int):
    campaign = load_for("clearance_policy.manage", Campaign, campaign_id)
    return _save_clearance_policy(
        campaign, url_for("campaigns.campaign_page", campaign_id=campaign.id) + "#clearance"
    )


# --- the combined calendar -----------------------------------------------------------------------


@blueprint.get("/calendar")
@login_required
def calendar():
    person = actor()
    require(person, "campaign.view")
    zone = person.timezone
    today = _today()
    since = day_from_query(request.args.get("date")) or today
    days = min(max(_int(request.args.get("days")) or 14, 1), MAX_CALENDAR_DAYS)
    campaign_id = _int(request.args.get("campaign"))
    campaign = load_for("campaign.view", Campaign, campaign_id) if campaign_id else None
    events = calendar_queries.visible_events(
        db.session,
        person,
        since=since,
        until=since + timedelta(days=days - 1),
        zone=zone,
        include_cancelled=False,
        with_units=False,
    )
    if campaign is not None:
        linked = {event.id for event in campaign.events}
        events = [event for event in events if event.id in linked]
    publications = queries.publications_between(
        db.session,
        since=wall_to_utc(since, time(0), zone),
        until=wall_to_utc(since + timedelta(days=days), time(0), zone),
        campaign_id=campaign.id if campaign else None,
    )
    return render_template(
        "campaigns/calendar.html",
        days=combined_days(
            since=since,
            days=days,
            events=events,
            publications=publications,
            zone=zone,
            today=today,
        ),
        since=since,
        until=since + timedelta(days=days - 1),
        previous=since - timedelta(days=days),
        following=since + timedelta(days=days),
        span=days,
        # One day asked for shows all of it; longer spans a readable sample of each day.
        publications_per_day=len(publications) if days == 1 else PUBLICATIONS_PER_DAY,
        campaign=campaign,
        campaigns=queries.list_campaigns(db.session, actor=person, with_units=False),
        zone=zone,
        locale=_locale(),
    )


# --- posts ---------------------------------------------------------------------------------------


def _create_post(form: forms.PostForm, campaign: Campaign, *, rapid: bool) -> Post:
    return services.create_post(
        db.session,
        actor=actor(),
        now=utcnow(),
        campaign=campaign,
        title=form.title.data or "",
        variants=form.variants(),
        misfire_window_minutes=form.misfire_window_minutes.data or 30,
        rapid_response=rapid,
    )


@blueprint.route("/campaigns/<int:campaign_id>/posts/new", methods=["GET", "POST"])
@login_required
def new_post(campaign_id: int):
    campaign = load_for("post.create", Campaign, campaign_id)
    form = forms.PostForm()
    if form.validate_on_submit():
        try:
            post = _create_post(form, campaign, rapid=False)
        except HeraldError as error:
            _refused(error)
            show_domain_error(form, error, aliases=POST_ALIASES)
        else:
            return _done(
                gettext("The post was saved as a draft."),
                url_for("campaigns.post_page", post_id=post.id),
            )
    status = 422 if form.errors else 200
    return (
        render_template(
            "campaigns/post_form.html",
            form=form,
            campaign=campaign,
            title=gettext("New post"),
            rapid=False,
            length_kinds=list(ChannelKind),
        ),
        status,
    )


@blueprint.route("/rapid", methods=["GET", "POST"])
@login_required
def rapid_response():
    """Write vi + en and ask for clearance at once: a second coordinator clears and publishes."""
    person = actor()
    campaigns = [
        c for c in queries.list_campaigns(db.session, actor=person) if can(person, "post.create", c)
    ]
    if not campaigns:
        abort(403)
    form = forms.RapidResponseForm(campaigns=campaigns)
    if form.validate_on_submit():
        campaign = next((c for c in campaigns if str(c.id) == form.campaign.data), None)
        try:
            if campaign is None:
                raise Invalid(N_("Choose a campaign."), field="campaign")
            post = _create_post(form, campaign, rapid=True)
            services.submit_post(db.session, actor=person, now=utcnow(), post=post)
        except HeraldError as error:
            _refused(error)
            show_domain_error(form, error, aliases=POST_ALIASES)
        else:
            return _done(
                gettext(
                    "Sent for clearance: coordinators were told. Another coordinator clears it and publishes it now."
                ),
                url_for("campaigns.post_page", post_id=post.id),
            )
    status = 422 if form.errors else 200
    return (
        render_template(
            "campaigns/post_form.html",
            form=form,
            campaign=None,
            title=gettext("Rapid response"),
            rapid=True,
            length_kinds=list(ChannelKind),
        ),
        status,
    )


def _length(text: str, images: int = 0) -> dict:
    return {
        kind: {
            "length": check.length,
            "limit": check.limit,
            "images": check.images,
            "max_images": check.max_images,
            "ok": check.ok,
        }
        for kind, check in queries.length_report(
            text, images, queries.platform_limits_by_kind(db.session)
        ).items()
    }


@blueprint.post("/length")
@login_required
def length():
    """The counter beside the editor: each platform's count and limit for the text typed."""
    require(actor(), "campaign.view")
    payload = request.get_json(silent=True) or {}
    text = payload.get("text") if isinstance(payload.get("text"), str) else ""
    images = payload.get("images") if isinstance(payload.get("images"), int) else 0
    return jsonify(_length(text[:20_000], max(0, min(images, 50))))


def _expected(form) -> int | None:
    return _int(form.expected_version.data)


def _post_context(post: Post, **overrides) -> dict:
    person = actor()
    channels = (
        queries.list_channels(db.session, actor=person) if can(person, "channel.view") else []
    )
    version = str(post.version)
    context = {
        "post": post,
        "campaign": post.campaign,
        "channels": channels,
        "zone": person.timezone,
        "locale": _locale(),
        "numbers": metrics_queries.post_numbers(db.session, post),
        "FIXED_POINTS": FIXED_POINTS,
        "reports": {
            variant.language: _length(variant.text, len(variant.attachments))
            for variant in post.variants
        },
        "variant_forms": {
            variant.language: forms.VariantForm(
                formdata=None,
                language=variant.language,
                text=variant.text,
                expected_version=version,
            )
            for variant in post.variants
        },
        "new_variant_form": forms.VariantForm(formdata=None, expected_version=version),
        "attachment_form": forms.AttachmentForm(formdata=None, expected_version=version),
        "version_form": forms.VersionForm(formdata=None, expected_version=version),
        "approve_form": forms.ReviewForm(
            formdata=None,
            expected_version=version,
            expected_step=str(next_step(post)[0]) if next_step(post) else "",
        ),
        "chain": chains.chain_steps(db.session, post),
        "next_people": chains.people_for_next_step(db.session, post)
        if post.status == PostStatus.IN_REVIEW
        else [],
        "reject_form": forms.ReviewForm(formdata=None, expected_version=version),
        "settings_form": forms.PostSettingsForm(
            formdata=None,
            title=post.title,
            misfire_window_minutes=post.misfire_window_minutes,
            expected_version=version,
        ),
        "schedule_form": _schedule_form(post, channels, formdata=None),
        "publish_form": forms.PublishNowForm(
            formdata=None,
            channels=channels,
            channel_ids=_default_channels(post, channels),
        ),
        "action_form": EmptyForm(formdata=None),
        "preview": None,
        "preview_clashes": [],
        "clashes": [
            (clash.kind, describe_clash(clash, person.timezone))
            for clash in clashes_of_post(db.session, actor=person, post=post)
        ],
        "can_edit": can(person, "post.edit", post),
        "can_approve": post.status == PostStatus.IN_REVIEW and can(person, "post.approve", post),
        "approve_refusal": _refusal_words(person, post),
        "can_reject": post.status == PostStatus.IN_REVIEW and can(person, "post.reject", post),
        "wrote_this_version": person.id in post.writer_ids(),
        "history": queries.version_history(post),
        "AUTHOR_CHANGE_LABELS": labels.AUTHOR_CHANGE_LABELS,
        "can_schedule": can(person, "post.schedule", post),
        "can_manage_publications": can(person, "publication.manage"),
        "cleared": post.status in (PostStatus.APPROVED, PostStatus.SCHEDULED),
    }
    override = overrides.pop("variant_override", None)
    if override is not None:
        language, form = override
        context["variant_forms"][language] = form
    context.update(overrides)
    return context


def _refusal_words(person, post: Post) -> str:
    """Why the reader may not take the step the post waits for, in their words ("" if they may)."""
    refusal = clearance_refusal(person, post) if post.status == PostStatus.IN_REVIEW else None
    if refusal is None:
        return ""
    if isinstance(refusal, Message):
        return translate(refusal.template, refusal.params)
    return gettext(refusal)


def _default_channels(post: Post, channels) -> list[str]:
    """The channels chosen last time, or else those that publish in one of the post's languages."""
    if post.schedule_channel_ids:
        return [str(number) for number in post.schedule_channel_ids]
    languages = {variant.language for variant in post.variants}
    return [str(channel.id) for channel in channels if channel.language in languages]


def _schedule_form(post: Post, channels, formdata=...) -> forms.ScheduleForm:
    kwargs = {} if formdata is ... else {"formdata": formdata}
    events = calendar_queries.events_seen_by(actor(), post.campaign.events)
    form = forms.ScheduleForm(channels=channels, events=events, **kwargs)
    if formdata is None:
        form.channel_ids.data = [str(number) for number in post.schedule_channel_ids or []]
        form.mode.data = post.schedule_mode or ScheduleMode.AT.value
        form.zone.data = post.schedule_zone or actor().timezone
        form.countries.data = list(post.schedule_countries or post.campaign.target_countries or [])
        form.local_date.data = post.schedule_local_date
        form.local_time.data = post.schedule_local_time or time(9, 0)
        form.event_id.data = str(post.event_id) if post.event_id else ""
        form.offset_days.data = post.event_offset_days or 0
    return form


def _post_page(post: Post, status: int = 200, **overrides):
    return render_template("campaigns/post.html", **_post_context(post, **overrides)), status


def _show_on_post(
    post_id: int, error: HeraldError, form=None, name: str | None = None, aliases=None
):
    """The post page again, the error next to the field of ``form`` (or at the top)."""
    _refused(error)
    post = load_for("campaign.view", Post, post_id)
    if form is not None:
        show_domain_error(form, error, aliases=aliases)
    else:
        flash(error_message(error), "error")
    overrides = {name: form} if form is not None and name else {}
    return _post_page(post, error.status, **overrides)


@blueprint.get("/posts/<int:post_id>")
@login_required
def post_page(post_id: int):
    return _post_page(load_for("campaign.view", Post, post_id))


@blueprint.post("/posts/<int:post_id>/settings")
@login_required
def post_settings(post_id: int):
    person = actor()
    post = load_for("post.edit", Post, post_id)
    form = forms.PostSettingsForm()
    if not form.validate_on_submit():
        return _post_page(post, 422, settings_form=form)
    try:
        services.update_post(
            db.session,
            actor=person,
            now=utcnow(),
            post=post,
            title=form.title.data or "",
            misfire_window_minutes=form.misfire_window_minutes.data
            if form.misfire_window_minutes.data is not None
            else post.misfire_window_minutes,
            expected_version=_expected(form),
        )
    except HeraldError as error:
        return _show_on_post(post_id, error, form, "settings_form")
    return _done(gettext("Saved."), url_for("campaigns.post_page", post_id=post_id))


def _back_to_review_message(was_cleared: bool) -> str:
    if was_cleared:
        return gettext(
            "Saved. The post changed after clearance, so it went back to review and its "
            "publications were un-scheduled."
        )
    return gettext("Saved.")


def _overrides() -> dict[str, str]:
    """The per-channel wordings of a variant form (``override-<channel id>`` fields)."""
    return {
        key.removeprefix("override-"): value
        for key, value in request.form.items()
        if key.startswith("override-") and key.removeprefix("override-").isdigit()
    }


@blueprint.post("/posts/<int:post_id>/variants")
@login_required
def save_variant(post_id: int):
    person = actor()
    post = load_for("post.edit", Post, post_id)
    was_cleared = post.status in (PostStatus.APPROVED, PostStatus.SCHEDULED)
    form = forms.VariantForm()
    language = (form.language.data or "").strip()
    existing = post.variant(language) is not None
    try:
        services.save_variant(
            db.session,
            actor=person,
            now=utcnow(),
            post=post,
            language=language,
            text=form.text.data or "",
            channel_overrides=_overrides(),
            expected_version=_expected(form),
        )
    except HeraldError as error:
        if existing:
            _refused(error)
            post = load_for("campaign.view", Post, post_id)
            show_domain_error(form, error)
            return _post_page(post, error.status, variant_override=(language, form))
        return _show_on_post(post_id, error, form, "new_variant_form")
    return _done(
        _back_to_review_message(was_cleared), url_for("campaigns.post_page", post_id=post_id)
    )


@blueprint.post("/posts/<int:post_id>/variants/<language>/delete")
@login_required
def remove_variant(post_id: int, language: str):
    person = actor()
    post = load_for("post.edit", Post, post_id)
    was_cleared = post.status in (PostStatus.APPROVED, PostStatus.SCHEDULED)
    form = forms.VersionForm()
    try:
        services.remove_variant(
            db.session,
            actor=person,
            now=utcnow(),
            post=post,
            language=language,
            expected_version=_expected(form),
        )
    except HeraldError as error:
        return _show_on_post(post_id, error)
    return _done(
        _back_to_review_message(was_cleared), url_for("campaigns.post_page", post_id=post_id)
    )


@blueprint.post("/posts/<int:post_id>/attachments")
@login_required
def add_attachment(post_id: int):
    person = actor()
    post = load_for("post.edit", Post, post_id)
    was_cleared = post.status in (PostStatus.APPROVED, PostStatus.SCHEDULED)
    form = forms.AttachmentForm()
    upload = form.image.data
    try:
        if upload is None or not getattr(upload, "filename", ""):
            raise Invalid(gettext("Choose an image file."), field="image")
        services.add_attachment(
            db.session,
            actor=person,
            now=utcnow(),
            post=post,
            language=form.language.data or "",
            filename=upload.filename,
            content=upload.read(),
            media_root=media_root(),
            expected_version=_expected(form),
            alt_text=form.alt_text.data or "",
        )
    except HeraldError as error:
        return _show_on_post(post_id, error, form, "attachment_form")
    return _done(
        _back_to_review_message(was_cleared), url_for("campaigns.post_page", post_id=post_id)
    )


@blueprint.post("/attachments/<int:attachment_id>/delete")
@login_required
def remove_attachment(attachment_id: int):
    person = actor()
    attachment = load_for("campaign.view", Attachment, attachment_id)
    post_id = attachment.variant.post_id
    # An image is changed as part of its post: by whoever may edit the post.
    load_for("post.edit", Post, post_id)
    form = forms.VersionForm()
    try:
        services.remove_attachment(
            db.session,
            actor=person,
            now=utcnow(),
            attachment=attachment,
            expected_version=_expected(form),
        )
    except HeraldError as error:
        return _show_on_post(post_id, error)
    return _done(gettext("The image was removed."), url_for("campaigns.post_page", post_id=post_id))


@blueprint.get("/media/<path:path>")
@login_required
def media(path: str):
    attachment = lookups.attachment_by_path(db.session, path, actor=actor())
    return send_from_directory(media_root(), attachment.path, mimetype=attachment.mime_type)


# --- clearance -----------------------------------------------------------------------------------


@blueprint.post("/posts/<int:post_id>/submit")
@login_required
def submit_post(post_id: int):
    person = actor()
    post = load_for("post.edit", Post, post_id)
    form = forms.VersionForm()
    try:
        services.submit_post(
            db.session, actor=person, now=utcnow(), post=post, expected_version=_expected(form)
        )
    except HeraldError as error:
        return _show_on_post(post_id, error)
    return _done(
        gettext("Sent for clearance: the coordinators were told."),
        url_for("campaigns.post_page", post_id=post_id),
    )


@blueprint.post("/posts/<int:post_id>/<any(approve, reject):decision>")
@login_required
def review_post(post_id: int, decision: str):
    person = actor()
    # Whoever clears posts may decide (sending back is open to them all); one who wrote part of
    # this version may not approve it, and is told why on the post page below.
    post = load_for("post.reject", Post, post_id)
    form = forms.ReviewForm()
    # A missing version is never the current one: an approval always says what it saw.
    expected = _expected(form) or 0
    try:
        if decision == "approve":
            services.approve_post(
                db.session,
                actor=person,
                now=utcnow(),
                post=post,
                expected_version=expected,
                comment=form.comment.data or "",
                expected_step=_int(form.expected_step.data),
            )
        else:
            services.reject_post(
                db.session,
                actor=person,
                now=utcnow(),
                post=post,
                expected_version=expected,
                comment=form.comment.data or "",
            )
    except NotAllowed as error:
        # Only four eyes refuses someone who may decide: a coordinator who wrote part of this
        # version. The page again, saying why.
        db.session.rollback()
        flash(error_message(error), "error")
        return _post_page(load_for("campaign.view", Post, post_id), error.status)
    except HeraldError as error:
        return _show_on_post(post_id, error, form, f"{decision}_form")
    upcoming = next_step(post) if post.status == PostStatus.IN_REVIEW else None
    if decision == "reject":
        message = gettext("Sent back to the author with your comment.")
    elif upcoming is not None:
        message = translate(
            N_(
                "Step %(step)s of %(steps)s of the clearance is taken; step %(next)s is for %(who)s."
            ),
            {
                "step": upcoming[0] - 1,
                "steps": len(chain_of(post)),
                "next": upcoming[0],
                "who": step_label(upcoming[1]),
            },
        )
    else:
        message = gettext("Cleared. It can now be scheduled or published.")
    return _done(message, url_for("campaigns.post_page", post_id=post_id))


@blueprint.get("/clearance")
@login_required
def clearance_queue():
    person = actor()
    require(person, "campaign.view")
    return render_template(
        "campaigns/clearance.html",
        posts=queries.posts_awaiting_clearance(db.session, actor=person),
        attention=queries.publications_needing_a_person(db.session)
        if can(person, "publication.manage")
        else [],
        action_form=EmptyForm(),
        zone=person.timezone,
    )


# --- scheduling ----------------------------------------------------------------------------------


def _schedule_input(form: forms.ScheduleForm) -> scheduling.ScheduleInput:
    event_id = _int(form.event_id.data)
    countries = list(form.countries.data or [])
    return scheduling.ScheduleInput(
        channel_ids=[number for number in map(_int, form.channel_ids.data or []) if number],
        local_time=form.local_time.data,
        mode=form.mode.data or ScheduleMode.AT.value,
        zone=(form.zone.data or "").strip() or None,
        local_date=None if event_id else form.local_date.data,
        event_id=event_id,
        offset_days=form.offset_days.data or 0,
        countries=countries or None,
    )


@blueprint.post("/posts/<int:post_id>/schedule")
@login_required
def schedule_post(post_id: int):
    """Show the plan (nothing saved); once it was shown, save exactly that plan."""
    person = actor()
    post = load_for("post.schedule", Post, post_id)
    channels = queries.list_channels(db.session, actor=person)
    form = _schedule_form(post, channels)
    if not form.validate_on_submit():
        return _post_page(post, 422, schedule_form=form)
    shown = (form.expected_plan.data or "").strip()
    confirmed = request.form.get("action") == "save" and bool(shown)
    try:
        if confirmed:
            created = scheduling.schedule_post(
                db.session,
                actor=person,
                now=utcnow(),
                post=post,
                data=_schedule_input(form),
                expected_plan=shown,
            )
        else:
            plan = scheduling.plan_schedule(
                db.session, actor=person, now=utcnow(), post=post, data=_schedule_input(form)
            )
    except HeraldError as error:
        form.expected_plan.data = ""
        return _show_on_post(post_id, error, form, "schedule_form")
    if not confirmed:
        form.expected_plan.data = plan.digest
        return _post_page(
            post,
            200,
            schedule_form=form,
            preview=plan,
            preview_clashes=[
                (clash.kind, describe_clash(clash, person.timezone)) for clash in plan.clashes
            ],
        )
    message = ngettext(
        "Scheduled: %(num)d publication.", "Scheduled: %(num)d publications.", len(created)
    )
    # Saved despite its clashes (the preview showed them); the post page lists them again.
    if clashes_of_post(db.session, actor=person, post=post):
        flash(gettext("Scheduled with clashes: see the warnings on this page."), "warning")
    return _done(message, url_for("campaigns.post_page", post_id=post_id))


@blueprint.post("/posts/<int:post_id>/publish-now")
@login_required
def publish_now(post_id: int):
    person = actor()
    post = load_for("post.schedule", Post, post_id)
    form = forms.PublishNowForm(channels=queries.list_channels(db.session, actor=person))
    try:
        scheduling.publish_post_now(
            db.session,
            actor=person,
            now=utcnow(),
            post=post,
            channel_ids=[number for number in map(_int, form.channel_ids.data or []) if number],
        )
    except HeraldError as error:
        return _show_on_post(post_id, error, form, "publish_form")
    return _done(
        gettext("Publishing now: a worker sends it within seconds."),
        url_for("campaigns.post_page", post_id=post_id),
    )


# --- publications --------------------------------------------------------------------------------

PUBLICATION_ACTIONS = {
    "retry": (scheduling.retry_publication, "The publication will be sent again now."),
    "release": (scheduling.release_publication, "Released: it goes out now."),
    "cancel": (scheduling.cancel_publication, "The publication was cancelled."),
}


@blueprint.post("/publications/<int:publication_id>/<any(retry, release, cancel):action>")
@login_required
def publication_action(publication_id: int, action: str):
    person = actor()
    publication = load_for("publication.manage", Publication, publication_id)
    post_id = publication.post_id
    if not EmptyForm().validate_on_submit():
        abort(400)
    service, message = PUBLICATION_ACTIONS[action]
    try:
        service(db.session, actor=person, now=utcnow(), publication=publication)
    except HeraldError as error:
        _refused(error)
        flash(error_message(error), "error")
        return redirect(url_for("campaigns.post_page", post_id=post_id), code=303)
    return _done(gettext(message), url_for("campaigns.post_page", post_id=post_id))


# --- notifications -------------------------------------------------------------------------------


@blueprint.get("/notifications")
@login_required
def notifications():
    person = actor()
    return render_template(
        "campaigns/notifications.html",
        notifications=[
            (item, notification_text(item, gettext))
            for item in unread_notifications(db.session, person=person)
        ],
        action_form=EmptyForm(),
    )


@blueprint.post("/notifications/<int:notification_id>/read")
@login_required
def notification_read(notification_id: int):
    notification = load_for(None, Notification, notification_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    mark_notification_read(db.session, actor=actor(), now=utcnow(), notification=notification)
    db.session.commit()
    if request.form.get("follow") and notification.link.startswith("/"):
        return redirect(notification.link, code=303)
    return redirect(url_for("campaigns.notifications"), code=303)


from web.campaigns import bulk_views  # noqa: E402, F401  (importing it registers its views)
