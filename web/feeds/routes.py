"""iCalendar feeds for calendar apps, and the profile's links to them.

Calendar apps have no session: a feed URL carries a signed token of its owner instead (see
campaigns.calendar.feed_links). A token that is forged, revoked or whose owner is inactive gets
404, as would a URL that never existed. Bodies are cached per data version; a conditional GET
for an unchanged feed costs one aggregate query and gets 304.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    request,
    url_for,
)
from flask_babel import force_locale, gettext
from flask_login import login_required
from werkzeug.http import is_resource_modified

from campaigns.calendar import feeds, ical
from campaigns.calendar.feed_links import (
    person_for_feed_token,
    reset_feed_links,
    sign_feed_token,
)
from campaigns.calendar.feeds import Feed, FeedKind
from campaigns.calendar.items import ItemKind
from campaigns.calendar.models import EventKind
from campaigns.db import utcnow
from campaigns.errors import HeraldError
from campaigns.org import queries as org_queries
from campaigns.org.models import Person, Unit
from campaigns.permissions import can
from web.account.forms import EmptyForm
from web.calendar.combined import other_items, other_items_version
from web.extensions import csrf, db
from web.feeds.cache import FeedCache
from web.i18n import LANGUAGES, error_message
from web.labels import (
    ANNIVERSARY_CATEGORY_LABELS,
    CALENDAR_ITEM_KIND_LABELS,
    EVENT_KIND_LABELS,
    TIER_LABELS,
)
from web.links import absolute_url
from web.security import actor

blueprint = Blueprint("feeds", __name__, url_prefix="/feeds")

CONTENT_TYPE = "text/calendar; charset=utf-8"
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
DEFAULT_FRAGMENT_CACHE_BYTES = 32 * 1024 * 1024
_ENDPOINTS = {
    FeedKind.PERSONAL: "feeds.personal",
    FeedKind.PUBLIC: "feeds.public",
    FeedKind.UNIT: "feeds.unit",
    FeedKind.EVENT_KIND: "feeds.event_kind",
    FeedKind.ANNIVERSARIES: "feeds.anniversaries",
}


@blueprint.record
def _create_caches(state) -> None:
    config = state.app.config
    bodies = config.get("HERALD_FEED_CACHE_BYTES", DEFAULT_CACHE_BYTES)
    fragments = config.get("HERALD_FEED_FRAGMENT_CACHE_BYTES", DEFAULT_FRAGMENT_CACHE_BYTES)
    state.app.extensions["herald_feed_cache"] = FeedCache(bodies)
    state.app.extensions["herald_feed_fragments"] = FeedCache(fragments)


def feed_cache() -> FeedCache:
    """Whole feed bodies by ETag."""
    return current_app.extensions["herald_feed_cache"]


def fragment_cache() -> FeedCache:
    """Each event's VEVENT text by its last change, shared by every feed that carries it."""
    return current_app.extensions["herald_feed_fragments"]


# --- the feeds ----------------------------------------------------------------------------------


@blueprint.get("/public.ics")
@csrf.exempt
def public():
    return _respond(Feed(FeedKind.PUBLIC, locale=_locale(None)), viewer=None)


@blueprint.get("/<token>/personal.ics")
@csrf.exempt
def personal(token: str):
    viewer = _viewer(token)
    return _respond(Feed(FeedKind.PERSONAL, locale=_locale(viewer)), viewer=viewer)


@blueprint.get("/<token>/anniversaries.ics")
@csrf.exempt
def anniversaries(token: str):
    viewer = _viewer(token)
    return _respond(Feed(FeedKind.ANNIVERSARIES, locale=_locale(viewer)), viewer=viewer)


@blueprint.get("/<token>/units/<unit_code>.ics")
@csrf.exempt
def unit(token: str, unit_code: str):
    viewer = _viewer(token)
    owner = org_queries.unit_by_code(db.session, unit_code)
    if owner is None:
        abort(404)
    feed = Feed(FeedKind.UNIT, locale=_locale(viewer), unit_code=unit_code)
    return _respond(feed, viewer=viewer, unit=owner)


@blueprint.get("/<token>/kinds/<event_kind>.ics")
@csrf.exempt
def event_kind(token: str, event_kind: str):
    viewer = _viewer(token)
    if event_kind not in set(EventKind):
        abort(404)
    feed = Feed(FeedKind.EVENT_KIND, locale=_locale(viewer), event_kind=event_kind)
    return _respond(feed, viewer=viewer)


def _viewer(token: str) -> Person:
    person = person_for_feed_token(db.session, secret=current_app.secret_key, token=token)
    if person is None or not can(person, "feeds.use"):
        abort(404)  # not 403: a wrong token must not tell whether the person exists
    return person


def _locale(viewer: Person | None) -> str:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if viewer is not None and viewer.locale in LANGUAGES:
        return viewer.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


# Feeds that carry press trips (the viewer's own, or a unit's) and publications (the viewer's
# own, when asked for with ?publications=1); ?trips=0 leaves trips out.
_TRIP_FEEDS = (FeedKind.PERSONAL, FeedKind.UNIT)
_PUBLICATION_FEEDS = (FeedKind.PERSONAL,)


def _other_kinds(feed: Feed, viewer: Person | None) -> frozenset[ItemKind]:
    if viewer is None:
        return frozenset()
    kinds = set()
    if feed.kind in _TRIP_FEEDS and request.args.get("trips", "1") != "0":
        kinds.add(ItemKind.TRIP)
    if feed.kind in _PUBLICATION_FEEDS and request.args.get("publications") == "1":
        kinds.add(ItemKind.PUBLICATION)
    return frozenset(kinds)


def _respond(feed: Feed, *, viewer: Person | None, unit: Unit | None = None) -> Response:
    zone = current_app.config["HERALD_TIMEZONE"]
    today = utcnow().astimezone(ZoneInfo(zone)).date()
    since, until = feeds.feed_window(today)
    name, labels = _words(feed, viewer, unit)
    version = feeds.data_version(db.session)
    kinds = _other_kinds(feed, viewer)
    others = other_items_version(db.session, kinds)
    viewer_part = (
        (viewer.id, viewer.role, viewer.unit_id, viewer.feed_key, viewer.updated_at)
        if viewer is not None
        else None
    )
    etag = feeds.cache_key(
        feed, since, until, name, version.fingerprint, viewer_part, sorted(kinds), others
    )
    # The body also changes when the window slides (monthly) and when the viewer changes.
    window_moved = datetime.combine(today.replace(day=1), time(), ZoneInfo(zone))
    changes = [version.changed_at, window_moved, viewer.updated_at if viewer else None]
    changes += [part for part in others if isinstance(part, datetime)]
    last_modified = max(instant for instant in changes if instant is not None)
    if not is_resource_modified(request.environ, etag=etag, last_modified=last_modified):
        response = Response(status=304)
    else:
        body = feed_cache().get(etag)
        if body is None:
            with paused_garbage_collector():
                body = _build(feed, viewer, since, until, zone, name, labels, kinds)
            feed_cache().put(etag, body)
        response = Response(body, content_type=CONTENT_TYPE)
        response.headers["Content-Disposition"] = f'inline; filename="herald-{feed.kind}.ics"'
    response.set_etag(etag)
    response.last_modified = last_modified
    # Revalidate every time (cheap: 304); a personal feed is nobody else's to keep.
    response.headers["Cache-Control"] = (
        "public, no-cache" if feed.kind is FeedKind.PUBLIC else "private, no-cache"
    )
    return response


def _build(feed, viewer, since, until, zone, name, labels, kinds) -> bytes:
    # A function of its own: the loaded events are freed when it returns, before the garbage
    # collector is back, so it does not walk them (nor the session's map of them) afterwards.
    contents = feeds.feed_contents(
        db.session, feed, viewer=viewer, since=since, until=until, zone=zone
    )
    if kinds:
        contents.items = other_items(
            db.session,
            viewer,
            since=since,
            until=until,
            zone=zone,
            kinds=kinds,
            filters={"unit": feed.unit_code} if feed.kind is FeedKind.UNIT else None,
            concerned_only=feed.kind is FeedKind.PERSONAL,
        )
    body = ical.render_feed(
        contents, name=name, locale=feed.locale, labels=labels, fragments=fragment_cache()
    )
    db.session.expunge_all()
    return body


@contextmanager
def paused_garbage_collector() -> Iterator[None]:
    """Building a big feed allocates ~100,000 objects (ORM rows, lines) that hold no cycles;
    meanwhile the cyclic garbage collector would walk the whole heap again and again: half of
    a cold 10,000-event build was spent there (bench/ical_feed.py). Pause it for the build."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@cache
def _labels(locale: str) -> dict[str, str]:
    """The words for codes in CATEGORIES in ``locale``: fixed for the life of the process (the
    translations are), so worked out once per language rather than on every feed request."""
    with force_locale(locale):
        return {
            str(code): str(label)
            for table in (
                EVENT_KIND_LABELS,
                TIER_LABELS,
                ANNIVERSARY_CATEGORY_LABELS,
                CALENDAR_ITEM_KIND_LABELS,
            )
            for code, label in table.items()
        }


def _words(feed: Feed, viewer: Person | None, unit: Unit | None) -> tuple[str, dict[str, str]]:
    """The calendar's name and the words for codes in CATEGORIES, in the feed's language."""
    labels = _labels(feed.locale)
    with force_locale(feed.locale):
        if feed.kind is FeedKind.PERSONAL:
            name = gettext("Herald: calendar of %(name)s", name=viewer.name)
        elif feed.kind is FeedKind.UNIT:
            name = gettext("Herald: %(unit)s", unit=unit.name(feed.locale))
        elif feed.kind is FeedKind.EVENT_KIND:
            name = gettext("Herald: %(kind)s", kind=labels[feed.event_kind])
        elif feed.kind is FeedKind.ANNIVERSARIES:
            name = gettext("Herald: anniversaries")
        else:
            name = gettext("Herald: public calendar")
    return name, labels


# --- links to the feeds -------------------------------------------------------------------------


def feed_url(
    person: Person | None, kind: str = "personal", *, external: bool = False, **params: str
) -> str:
    """The URL of one of ``person``'s feeds: ``kind`` is personal, anniversaries, unit (give
    ``unit_code``), kind (give ``event_kind``) or public (no person needed). Other ``params``
    (``lang``) go into the query string. A path, or with ``external`` the full https:// URL."""
    feed_kind = FeedKind(kind)
    values = dict(params)
    if feed_kind is not FeedKind.PUBLIC:
        values["token"] = sign_feed_token(current_app.secret_key, person.id, person.feed_key)
    endpoint = _ENDPOINTS[feed_kind]
    if external:
        return absolute_url(endpoint, **values)
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def webcal(url: str) -> str:
    """The same feed for calendar apps: ``webcal://`` opens the subscription dialogue."""
    return "webcal://" + url.split("://", 1)[1]


@dataclass(frozen=True)
class FeedLink:
    id: str
    label: str
    https: str
    webcal: str


def _link(person: Person | None, id: str, label: str, kind: str, **params: str) -> FeedLink:
    url = feed_url(person, kind, external=True, **params)
    return FeedLink(id=id, label=label, https=url, webcal=webcal(url))


def profile_feed_links(person: Person) -> dict[str, list[FeedLink]]:
    """The links the profile page offers: main feeds, one per kind of event, one per unit."""
    locale = person.locale
    main = [
        _link(person, "personal", gettext("Everything you can see"), "personal"),
        _link(
            person,
            "personal-publications",
            gettext("Everything you can see, with your publications"),
            "personal",
            publications="1",
        ),
        _link(person, "anniversaries", gettext("Anniversaries and milestones"), "anniversaries"),
    ]
    if person.unit is not None:
        main.append(
            _link(
                person,
                "own-unit",
                gettext("Your unit: %(unit)s", unit=person.unit.name(locale)),
                "unit",
                unit_code=person.unit.code,
            )
        )
    main.append(_link(None, "public", gettext("Public calendar (no sign-in)"), "public"))
    kinds = [
        _link(person, f"kind-{kind}", str(EVENT_KIND_LABELS[kind]), "kind", event_kind=kind)
        for kind in EventKind
    ]
    units = [
        _link(person, f"unit-{item.id}", item.name(locale), "unit", unit_code=item.code)
        for item in org_queries.all_units(db.session)
    ]
    return {"main": main, "kinds": kinds, "units": units}


@blueprint.app_context_processor
def _feed_links_in_templates():
    return {"calendar_feed_links": profile_feed_links}


@blueprint.post("/reset")
@login_required
def reset_links():
    """Reset my feed links: a new key, so every link handed out so far gets 404."""
    if EmptyForm().validate_on_submit():
        try:
            reset_feed_links(db.session, actor=actor(), now=utcnow())
        except HeraldError as error:
            db.session.rollback()
            flash(error_message(error), "error")
        else:
            db.session.commit()
            flash(
                gettext(
                    "Your feed links were reset. The old links no longer work: subscribe "
                    "again with the new ones."
                ),
                "success",
            )
    return redirect(url_for("account.profile") + "#feeds")
