"""Who may do what: one function family used by every door (web, API, bot, scheduler).

``can(actor, action, target)`` answers; ``require`` raises ``NotAllowed``. Actions are strings
named ``area.verb``; targets are domain objects (a Unit, a Person) or None for area-wide actions.
"""

from __future__ import annotations

from typing import Any

from campaigns.errors import Message, NotAllowed
from campaigns.i18n import N_
from campaigns.org.models import Person, Role, Unit, UnitKind

# Area-wide actions and the roles that hold them, whatever the target.
_GLOBAL: dict[str, frozenset[str]] = {
    "dashboard.view": frozenset(Role),
    "profile.manage": frozenset(Role),
    "units.list": frozenset(Role),
    "people.list": frozenset(Role),
    "unit.manage": frozenset({Role.ADMIN}),
    "person.manage": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    "settings.manage": frozenset({Role.ADMIN}),
    "webhooks.manage": frozenset({Role.ADMIN}),
    "calendar.view": frozenset(Role),
    "feeds.use": frozenset(Role),
    "event.create": frozenset({Role.ADMIN, Role.COORDINATOR, Role.EDITOR}),
    "anniversary.manage": frozenset({Role.ADMIN, Role.COORDINATOR}),
    # Quiet days hold every channel back (or a unit's): those who plan the whole office.
    "quiet_day.manage": frozenset({Role.ADMIN, Role.COORDINATOR}),
    # Effectiveness criteria: admins define the sets; everyone may read what a set measures.
    "criteria.view": frozenset(Role),
    "criteria.manage": frozenset({Role.ADMIN}),
    # Clearance chains of units and campaigns (campaigns/social/chains.py): administrators.
    "clearance_policy.manage": frozenset({Role.ADMIN}),
    # The ranking names every unit's score: only those who see every unit.
    "score.rank": frozenset({Role.ADMIN, Role.COORDINATOR}),
}

# Roles that see every unit; the others see their own unit only.
_SEES_ALL_UNITS = frozenset({Role.ADMIN, Role.COORDINATOR})


def _unit_of(target: Any) -> Unit | None:
    if isinstance(target, Unit):
        return target
    return getattr(target, "unit", None)


def in_own_unit(actor: Person, target: Any) -> bool:
    unit = _unit_of(target)
    return unit is not None and actor.unit_id is not None and unit.id == actor.unit_id


def can(actor: Person | None, action: str, target: Any = None) -> bool:
    """True when ``actor`` may perform ``action`` on ``target``."""
    if actor is None or not actor.active:
        return False
    role = actor.role
    if action in ("unit.view", "person.view"):
        if role in _SEES_ALL_UNITS:
            return True
        if isinstance(target, Person) and target.id == actor.id:
            return True
        return in_own_unit(actor, target)
    if action == "person.self":
        return isinstance(target, Person) and target.id == actor.id
    if action == "score.view":
        # A unit's score and its explanation: admins and coordinators any unit's, everyone
        # else their own unit's only.
        return role in _SEES_ALL_UNITS or in_own_unit(actor, target)
    if action == "event.view":
        return may_see_event(actor, target)
    if action in ("event.edit", "planning_task.complete"):
        # Coordinators and admins anywhere; editors for their own unit's events and tasks.
        if role in _SEES_ALL_UNITS:
            return True
        return role == Role.EDITOR and in_own_unit(actor, target)
    if action in _PRESS_RULES:
        return _PRESS_RULES[action](actor, target)
    if action in _SOCIAL_RULES:
        return _SOCIAL_RULES[action](actor, target)
    if action in _PLAN_RULES:
        return _PLAN_RULES[action](actor, target)
    if action in _PROGRAMME_RULES:
        return _PROGRAMME_RULES[action](actor, target)
    allowed = _GLOBAL.get(action)
    if allowed is None:
        raise KeyError(f"unknown action {action!r}")
    return role in allowed


def require(actor: Person | None, action: str, target: Any = None) -> None:
    """Raise ``NotAllowed`` unless ``can(actor, action, target)``, saying why where a rule
    has more to say than "not allowed" (e.g. four eyes on clearance)."""
    if not can(actor, action, target):
        reason = _REFUSALS.get(action)
        message = reason(actor, target) if reason is not None and actor is not None else None
        if isinstance(message, Message):
            raise NotAllowed(message.template, **message.params)
        raise NotAllowed(message or N_("You are not allowed to do this."))


def may_see_event(actor: Person | None, event: Any) -> bool:
    """Public events: everyone. Internal: every signed-in person. Restricted: admins,
    coordinators, and the people of the owner unit or of one of its audience units.

    ``campaigns.calendar.queries.visible_events`` applies the same rule in SQL.
    """
    visibility = getattr(event, "visibility", None)
    if visibility == "public":
        return True
    if actor is None or not actor.active:
        return False
    if visibility == "internal":
        return True
    if actor.role in _SEES_ALL_UNITS:
        return True
    if actor.unit_id is None:
        return False
    return event.owner_unit_id == actor.unit_id or any(
        unit.id == actor.unit_id for unit in event.audience
    )


def sees_all_units(actor: Person) -> bool:
    return actor.role in _SEES_ALL_UNITS


# --- press programme (journalists, trips, coverage) ----------------------------------------------

_PRESS_DESK = frozenset({Role.ADMIN, Role.COORDINATOR, Role.EDITOR})


def _trip_of(target: Any) -> Any:
    """The trip a press target belongs to (an invitation, an item, an interview), or the
    target itself: the doors may ask about the object they loaded."""
    return getattr(target, "trip", target)


def _press_staff_of(actor: Person, trip: Any) -> bool:
    """Assigned to the trip: one of its coordinators, escorts or interpreters."""
    return trip is not None and actor.id in trip.staff_ids()


def _press_trip_coordinator(actor: Person, trip: Any) -> bool:
    return trip is not None and any(person.id == actor.id for person in trip.coordinators)


def _press_trip_view(actor: Person, trip: Any) -> bool:
    # Field staff see only the trips they work on; everyone else sees the programme.
    return actor.role != Role.FIELD or _press_staff_of(actor, trip)


def _press_trip_run(actor: Person, target: Any) -> bool:
    """May run trips hosted by ``target`` (a trip or its host unit): coordinators and admins
    anywhere, editors of the host unit. The only people a trip may name as its coordinators."""
    if actor.role in _SEES_ALL_UNITS:
        return True
    return actor.role == Role.EDITOR and in_own_unit(actor, target)


def _press_trip_edit(actor: Person, trip: Any) -> bool:
    return _press_trip_run(actor, trip)


def _press_trip_appoint(actor: Person, trip: Any) -> bool:
    # Naming coordinators hands out passports: on a trip that exists, only coordinators and
    # admins, or one of its own coordinators, may change who they are. A host editor who is not
    # on the list cannot put themselves on it.
    if not _press_trip_edit(actor, trip):
        return False
    return actor.role in _SEES_ALL_UNITS or _press_trip_coordinator(actor, trip)


def _press_nominate(actor: Person, trip: Any) -> bool:
    if _press_trip_edit(actor, trip):
        return True
    missions = getattr(trip, "nominating_missions", [])
    return actor.role == Role.EDITOR and any(unit.id == actor.unit_id for unit in missions)


def _press_identity(actor: Person, trip: Any) -> bool:
    # Passports are restricted to administrators and the coordinators named on the trip who
    # may still run it (an editor moved to another unit loses them with the trip).
    if actor.role == Role.ADMIN:
        return True
    return _press_trip_coordinator(actor, trip) and _press_trip_run(actor, trip)


def _press_logistics(actor: Person, trip: Any) -> bool:
    # Flights, hotels and diets: the trip's own people and those who run it.
    return _press_trip_edit(actor, trip) or _press_staff_of(actor, trip)


def _press_trip_staff(person: Person, trip: Any) -> bool:
    # Escorting or interpreting makes one of the trip's people (its itinerary, its logistics):
    # anyone who works, not a read-only viewer.
    return person.role != Role.VIEWER


def _press_item_run(actor: Person, item: Any) -> bool:
    # The escort or interpreter on the spot may mark their own item done or delayed.
    if _press_trip_edit(actor, _trip_of(item)):
        return True
    return item is not None and actor.id in (item.escort_id, item.interpreter_id)


def _press_add_coverage(actor: Person, trip: Any) -> bool:
    if actor.role in _PRESS_DESK:
        return True
    return actor.role == Role.FIELD and _press_staff_of(actor, trip)


def _press_letterhead(actor: Person, unit: Any) -> bool:
    return actor.role in _SEES_ALL_UNITS or (actor.role == Role.EDITOR and in_own_unit(actor, unit))


def _press_roles(roles: frozenset[str]):
    return lambda actor, target: actor.role in roles


def _on_trip(rule):
    return lambda actor, target: rule(actor, _trip_of(target))


_PRESS_RULES = {
    "press.view": _press_roles(frozenset(Role)),
    "journalist.view": _press_roles(_PRESS_DESK | {Role.VIEWER}),
    "journalist.manage": _press_roles(_PRESS_DESK),
    "journalist.erase": _press_roles(_SEES_ALL_UNITS),
    "outlet.manage": _press_roles(_PRESS_DESK),
    "trip.create": _press_roles(_PRESS_DESK),
    "trip.view": _on_trip(_press_trip_view),
    "trip.edit": _on_trip(_press_trip_edit),
    "trip.run": _press_trip_run,
    "trip.appoint": _on_trip(_press_trip_appoint),
    "trip.logistics": _on_trip(_press_logistics),
    "trip.nominate": _on_trip(_press_nominate),
    "identity.manage": _on_trip(_press_identity),
    "coverage.view": _press_roles(_PRESS_DESK | {Role.VIEWER}),
    "coverage.add": _press_add_coverage,
    "item.run": _press_item_run,
    "trip.staff": _press_trip_staff,
    "coverage.verify": _press_roles(_PRESS_DESK),
    "letterhead.manage": _press_letterhead,
}


# --- social campaigns (campaigns, posts, clearance, channels, publications) ----------------------

_CLEARING = frozenset({Role.ADMIN, Role.COORDINATOR})


def _campaign_of(target: Any) -> Any:
    return getattr(target, "campaign", target)


def _works_on_campaign(actor: Person, campaign: Any) -> bool:
    return campaign is not None and actor.unit_id in campaign.unit_ids()


def _social_post_create(actor: Person, campaign: Any) -> bool:
    if actor.role in _CLEARING:
        return True
    return actor.role == Role.EDITOR and _works_on_campaign(actor, campaign)


def may_post_on_channel(actor: Person, channel: Any, campaign: Any) -> bool:
    """Whether ``actor`` may plan a post of ``campaign`` on ``channel``: coordinators and
    administrators on any channel; an editor who may write in the campaign, on the channels of
    the campaign's units (its owner and participating units)."""
    if not can(actor, "post.create", campaign):
        return False
    if actor.role in _CLEARING:
        return True
    return channel is not None and channel.owner_unit_id in campaign.unit_ids()


def _social_post_edit(actor: Person, post: Any) -> bool:
    if actor.role in _CLEARING:
        return True
    if actor.role != Role.EDITOR or post is None:
        return False
    return post.author_id == actor.id or _works_on_campaign(actor, _campaign_of(post))


# --- clearance chains ----------------------------------------------------------------------------
#
# A post's clearance is a chain of steps (campaigns/social/chains.py freezes it on the post when
# it is sent for clearance). Each step names who may take it, by one of these kinds; with no
# policy the chain is one step of kind ``coordinator``: four eyes, as Herald always had it.

STEP_COORDINATOR = "coordinator"  # any coordinator or administrator
STEP_UNIT = "unit"  # a coordinator (or administrator) of one named unit: its head
STEP_STEERING = "steering"  # a coordinator (or administrator) of a steering-committee unit
STEP_LEGAL = "legal"  # a person marked as legal reviewer (an editor may be one)
STEP_KINDS = (STEP_COORDINATOR, STEP_UNIT, STEP_STEERING, STEP_LEGAL)
FOUR_EYES_CHAIN: tuple[dict[str, Any], ...] = ({"kind": STEP_COORDINATOR},)

STEP_LABELS = {
    STEP_COORDINATOR: N_("a coordinator or an administrator"),
    STEP_UNIT: N_("a coordinator of %(unit)s"),
    STEP_STEERING: N_("a member of the steering committee"),
    STEP_LEGAL: N_("a legal reviewer"),
}
_LEGAL_REVIEWER_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.EDITOR})


def step_label(step: dict[str, Any]) -> Message:
    """Who may take ``step``, as words for every door ("a coordinator of MOFA-PRESS")."""
    kind = step.get("kind")
    if kind == STEP_UNIT:
        return Message(STEP_LABELS[STEP_UNIT], unit=step.get("unit_code") or "?")
    return Message(STEP_LABELS.get(kind, STEP_LABELS[STEP_COORDINATOR]))


def may_take_step(actor: Person, step: dict[str, Any]) -> bool:
    """Whether ``actor``'s role, unit and flags fit the step (writing and earlier steps aside)."""
    if not actor.active:
        return False
    kind = step.get("kind")
    if kind == STEP_LEGAL:
        return actor.legal_reviewer and actor.role in _LEGAL_REVIEWER_ROLES
    if actor.role not in _CLEARING:
        return False
    if kind == STEP_UNIT:
        return actor.unit_id is not None and actor.unit_id == step.get("unit_id")
    if kind == STEP_STEERING:
        return actor.unit is not None and actor.unit.kind == UnitKind.STEERING
    return True


def may_clear_some_post(actor: Person) -> bool:
    """May take some step of some chain: a coordinator, an administrator, a legal reviewer."""
    return actor.active and (
        actor.role in _CLEARING or (actor.legal_reviewer and actor.role in _LEGAL_REVIEWER_ROLES)
    )


def chain_of(post: Any) -> list[dict[str, Any]]:
    """The post's frozen chain, or four eyes (a post never sent since chains exist)."""
    return list(getattr(post, "clearance_chain", None) or FOUR_EYES_CHAIN)


def next_step(post: Any) -> tuple[int, dict[str, Any]] | None:
    """(position from 1, step) of the step the post's current version waits for, or None."""
    chain = chain_of(post)
    taken = getattr(post, "clearance_steps_taken", 0) or 0
    if taken >= len(chain):
        return None
    return taken + 1, chain[taken]


def clearance_refusal(actor: Person, post: Any) -> str | Message | None:
    """Why ``actor`` may not take the next clearance step of ``post`` as it is now, or None.

    Four eyes, at every step: never one who wrote any part of the version being cleared (everyone
    who changed its text, images or channel wording since the last clearance, and whoever created
    the post, at every version: ``Post.writer_ids``). In a chain of several steps, nobody takes
    two steps of one version, even one who may take both; and each step is for the people its
    kind names (``may_take_step``). With no target: whether ``actor`` may clear posts at all.
    """
    if not may_clear_some_post(actor):
        return N_("Only a coordinator or an administrator can clear a post.")
    if post is None:
        return None
    if actor.id in post.writer_ids():
        if post.author_id == actor.id:
            return N_("You wrote this post: another coordinator must clear it.")
        return N_(
            "You changed this version of the post, so you are one of its writers: "
            "another coordinator must clear it."
        )
    upcoming = next_step(post)
    if upcoming is None:
        return None
    position, step = upcoming
    chain = chain_of(post)
    if any(taken.get("taken_by_id") == actor.id for taken in chain[: position - 1]):
        return Message(
            N_(
                "You took an earlier step of this version's clearance: step %(step)s is for "
                "another person (%(who)s)."
            ),
            step=position,
            who=step_label(step),
        )
    if not may_take_step(actor, step):
        if len(chain) == 1:
            return N_("Only a coordinator or an administrator can clear a post.")
        return Message(
            N_("Step %(step)s of this post's clearance is for %(who)s."),
            step=position,
            who=step_label(step),
        )
    return None


def _social_post_approve(actor: Person, post: Any) -> bool:
    return clearance_refusal(actor, post) is None


def _social_post_reject(actor: Person, post: Any) -> bool:
    # Sending a version back publishes nothing: any coordinator or administrator, its own writers
    # too, and whoever may take the step it waits for (a legal reviewer who is an editor).
    if actor.role in _CLEARING:
        return True
    if post is None:
        return may_clear_some_post(actor)
    upcoming = next_step(post)
    return upcoming is not None and may_take_step(actor, upcoming[1])


def _social_roles(roles: frozenset[str]):
    return lambda actor, target: actor.role in roles


_REFUSALS = {"post.approve": clearance_refusal}

_SOCIAL_RULES = {
    "campaign.view": _social_roles(frozenset(Role)),
    "campaign.manage": _social_roles(_CLEARING),
    "post.create": _social_post_create,
    "post.edit": _social_post_edit,
    # Uploading a file of posts (campaigns/social/bulk.py): each row still needs post.create.
    "post.bulk": _social_roles(_CLEARING | {Role.EDITOR}),
    "post.approve": _social_post_approve,
    "post.reject": _social_post_reject,
    "post.schedule": _social_roles(_CLEARING),
    "publication.manage": _social_roles(_CLEARING),
    "channel.view": _social_roles(_CLEARING | {Role.EDITOR}),
    "channel.manage": _social_roles(_CLEARING),
}


# --- annual plans (the unit hierarchy means something here) ---------------------------------------

_PLANNERS = frozenset({Role.COORDINATOR, Role.EDITOR})


def unit_ancestor_ids(unit: Unit | None) -> list[int]:
    """The ids of the units above ``unit``, its parent first (a cycle stops the walk)."""
    ids: list[int] = []
    parent = unit.parent if unit is not None else None
    while parent is not None and parent.id not in ids:
        ids.append(parent.id)
        parent = parent.parent
    return ids


def _plan_unit(target: Any) -> Unit | None:
    # A plan, an activity (its plan's unit) or a unit.
    if isinstance(target, Unit):
        return target
    plan = getattr(target, "plan", None)
    return plan.unit if plan is not None else getattr(target, "unit", None)


def _plan_view(actor: Person, target: Any) -> bool:
    """A unit's plans: its own people, the coordinators of the units above it, administrators.
    Nobody else, whatever their role elsewhere."""
    unit = _plan_unit(target)
    if unit is None:
        return False
    if actor.role == Role.ADMIN or actor.unit_id == unit.id:
        return True
    return actor.role == Role.COORDINATOR and actor.unit_id in unit_ancestor_ids(unit)


def _plan_write(actor: Person, target: Any) -> bool:
    # The unit's own editors and coordinators write its plan.
    return actor.role in _PLANNERS and in_own_unit(actor, _plan_unit(target))


def _plan_review(actor: Person, target: Any) -> bool:
    """Approve or return: a coordinator of any unit above the plan's unit; for a unit at the
    top of the tree (nobody above it), an administrator."""
    unit = _plan_unit(target)
    if unit is None:
        return False
    above = unit_ancestor_ids(unit)
    if not above:
        return actor.role == Role.ADMIN
    return actor.role == Role.COORDINATOR and actor.unit_id in above


def _in_steering(actor: Person) -> bool:
    unit = actor.unit
    return unit is not None and unit.kind == "steering"


def _overlap_view_all(actor: Person, target: Any) -> bool:
    # The steering committee's list of every open overlap.
    return actor.role == Role.ADMIN or (actor.role != Role.FIELD and _in_steering(actor))


def _overlap_resolve(actor: Person, overlap: Any) -> bool:
    """Record the agreed lead: the planners of either unit, or the steering committee's
    coordinators (it assigns who leads what)."""
    if actor.role == Role.COORDINATOR and _in_steering(actor):
        return True
    units = getattr(overlap, "unit_ids", ())
    return actor.role in _PLANNERS and actor.unit_id in units


_PLAN_RULES = {
    "plan.view": _plan_view,
    "plan.create": _plan_write,
    "plan.edit": _plan_write,
    "plan.submit": _plan_write,
    "plan.review": _plan_review,
    "overlap.list_all": _overlap_view_all,
    "overlap.resolve": _overlap_resolve,
}


# --- programme (national online conferences and their connected sites) --------------------------


def _organises(actor: Person, target: Any) -> bool:
    """Runs the conference (or would run one for this event): administrators, and the
    coordinators of the organiser unit (the event's owner)."""
    if actor.role == Role.ADMIN:
        return True
    event = getattr(target, "event", target)
    owner_unit_id = getattr(event, "owner_unit_id", None)
    return (
        actor.role == Role.COORDINATOR
        and actor.unit_id is not None
        and owner_unit_id == actor.unit_id
    )


def _conference_of(target: Any) -> Any:
    return getattr(target, "conference", target)


def _conference_view(actor: Person, conference: Any) -> bool:
    # The organiser sees the conference; a site's people see it through their own site.
    if _organises(actor, conference):
        return True
    return actor.unit_id is not None and actor.unit_id in conference.site_unit_ids()


def _site_view(actor: Person, site: Any) -> bool:
    # A site's details (chair, contact, readiness) belong to the organiser and that site.
    return _organises(actor, _conference_of(site)) or in_own_unit(actor, site)


def _site_update(actor: Person, site: Any) -> bool:
    if _organises(actor, _conference_of(site)):
        return True
    return actor.role != Role.VIEWER and in_own_unit(actor, site)


_PROGRAMME_RULES = {
    "conference.create": _organises,
    "conference.manage": lambda actor, target: _organises(actor, _conference_of(target)),
    "conference.view": lambda actor, target: _conference_view(actor, _conference_of(target)),
    "conference_site.view": _site_view,
    "conference_site.update": _site_update,
}
