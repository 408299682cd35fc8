"""Clearance chains: the steps a post passes before it is cleared, beyond four eyes.

A **policy** is an ordered list of steps; each step names who may take it by its *kind*
(campaigns/permissions.py: ``coordinator``, ``unit`` (a coordinator of one named unit: the head
of unit), ``steering`` (a member of the steering committee: a coordinator of a unit of kind
``steering``), ``legal`` (a person marked as legal reviewer)), and may apply to rapid responses
only (``rapid_only``). A unit's policy applies to the posts of the campaigns it owns; a campaign's
own policy replaces its unit's. No policy anywhere: one step by a coordinator, four eyes, as
Herald always had it. A policy always keeps a step for coordinators that applies to every post,
so a legal review alone never clears a post.

The **chain** of a post is its policy frozen when the post is sent for clearance
(``Post.clearance_chain``): a policy changed meanwhile does not change a chain in progress; the
next submission (after a send-back) takes the policy as it is then. Each step of the chain records
who took it for the current version; ``Post.clearance_steps_taken`` counts them. A change of
content (a new version) starts the chain again from its first step; a send-back at any step
sends the post back as before; the post is cleared only when its last step is taken.

Every step is four eyes: the person wrote no part of the version, and took no earlier step of
it (one who may take several steps takes one). ``permissions.clearance_refusal`` says why not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from campaigns.audit import record_change, snapshot
from campaigns.errors import Invalid, Message
from campaigns.i18n import N_
from campaigns.org.models import Person, Role, Unit
from campaigns.permissions import (
    STEP_KINDS,
    STEP_LEGAL,
    STEP_UNIT,
    can,
    chain_of,
    next_step,
    require,
    step_label,
)
from campaigns.social.models import Campaign, Post

MAX_STEPS = 5


@dataclass
class StepInput:
    """One step of a policy as a form or a caller gives it."""

    kind: str
    unit_code: str = ""
    rapid_only: bool = False


@dataclass
class ChainStep:
    """One step of a post's chain as the post page and the API show it."""

    position: int
    kind: str
    label: Message
    unit_id: int | None
    taken_by: Person | None
    taken_at: datetime | None
    is_next: bool


def policy_steps(policy: list[dict[str, Any]] | None) -> list[StepInput]:
    """A stored policy as step inputs (unit codes for unit ids): what a form starts from."""
    return [
        StepInput(
            kind=step.get("kind", ""),
            unit_code=step.get("unit_code", "") or "",
            rapid_only=bool(step.get("rapid_only")),
        )
        for step in policy or []
    ]


def _validated_policy(session: Session, steps: list[StepInput]) -> list[dict[str, Any]] | None:
    """The policy to store, or None for no steps. Raises Invalid."""
    steps = [step for step in steps if (step.kind or "").strip()]
    if not steps:
        return None
    if len(steps) > MAX_STEPS:
        raise Invalid(
            N_("A clearance chain has at most %(count)s steps."), field="steps", count=MAX_STEPS
        )
    stored = []
    for step in steps:
        kind = step.kind.strip()
        if kind not in STEP_KINDS:
            raise Invalid(N_("This is not a kind of clearance step."), field="steps")
        entry: dict[str, Any] = {"kind": kind, "rapid_only": bool(step.rapid_only)}
        if kind == STEP_UNIT:
            unit = session.scalar(select(Unit).where(Unit.code == (step.unit_code or "").strip()))
            if unit is None:
                raise Invalid(
                    N_("A step for the coordinators of a unit needs the unit's code."),
                    field="steps",
                )
            entry["unit_id"] = unit.id
            entry["unit_code"] = unit.code
        stored.append(entry)
    if not any(step["kind"] != STEP_LEGAL and not step["rapid_only"] for step in stored):
        raise Invalid(
            N_(
                "Keep at least one step for coordinators that applies to every post: a legal "
                "review alone does not clear a post."
            ),
            field="steps",
        )
    return stored


def set_clearance_policy(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    target: Unit | Campaign,
    steps: list[StepInput],
) -> Unit | Campaign:
    """Give a unit (for its campaigns' posts) or a campaign (instead of its unit's) the steps
    that clear its posts; no steps removes the policy (four eyes, or the unit's policy for a
    campaign). Chains already in progress keep the policy they were frozen with.

    Raises NotAllowed (only administrators define clearance) or Invalid (unknown kind, a unit
    step without a unit, more than ``MAX_STEPS``, no step for coordinators on every post).
    """
    if actor is not None:
        require(actor, "clearance_policy.manage", target)
    policy = _validated_policy(session, steps)
    if policy == target.clearance_policy:
        return target
    before = snapshot(target)
    target.clearance_policy = policy
    target.updated_at = now
    session.flush()
    record_change(
        session, actor=actor, now=now, action="clearance_policy", target=target, before=before
    )
    return target


def policy_for(post: Post) -> list[dict[str, Any]] | None:
    """The policy that applies to ``post`` now: its campaign's, else its campaign's unit's."""
    campaign = post.campaign
    if campaign.clearance_policy:
        return campaign.clearance_policy
    return campaign.owner_unit.clearance_policy or None


def freeze_chain(post: Post) -> None:
    """Give the post the chain of the policy that applies now (on submission), nothing taken.

    Rapid-only steps count for rapid responses only. No policy: None, four eyes."""
    policy = policy_for(post)
    steps = [
        {"kind": step["kind"], "unit_id": step.get("unit_id"), "unit_code": step.get("unit_code")}
        for step in policy or []
        if post.rapid_response or not step.get("rapid_only")
    ]
    post.clearance_chain = steps or None
    post.clearance_steps_taken = 0


def restart_chain(post: Post) -> None:
    """A new version: every step is to be taken again (the chain itself stays as frozen)."""
    if post.clearance_chain:
        post.clearance_chain = [
            {key: value for key, value in step.items() if not key.startswith("taken_")}
            for step in post.clearance_chain
        ]
    post.clearance_steps_taken = 0


def take_step(post: Post, *, actor: Person, now: datetime) -> tuple[int, bool]:
    """Record that ``actor`` took the step the post waits for; (its position, whether it was
    the last). The caller checked ``post.approve``."""
    upcoming = next_step(post)
    assert upcoming is not None
    position, _ = upcoming
    chain = chain_of(post)
    if post.clearance_chain:
        chain[position - 1] = {
            **chain[position - 1],
            "taken_by_id": actor.id,
            "taken_at": now.isoformat(),
        }
        post.clearance_chain = chain
    post.clearance_steps_taken = position
    return position, position == len(chain)


def chain_steps(session: Session, post: Post) -> list[ChainStep]:
    """The post's chain with where it stands: who took each step of the current version, and
    which step is next (none once cleared). Before submission: the policy that would apply."""
    frozen = post.clearance_chain if post.submitted_at is not None else None
    if frozen is None and post.submitted_at is None:
        frozen = [
            step
            for step in policy_for(post) or []
            if post.rapid_response or not step.get("rapid_only")
        ] or None
    chain = list(frozen or chain_of(post))
    upcoming = next_step(post) if post.status == "in_review" else None
    taken_ids = [step.get("taken_by_id") for step in chain if step.get("taken_by_id")]
    people = (
        {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(taken_ids)))}
        if taken_ids
        else {}
    )
    cleared_single = len(chain) == 1 and post.approved_version == post.version
    views = []
    for index, step in enumerate(chain, start=1):
        taken_by = people.get(step.get("taken_by_id"))
        taken_at = datetime.fromisoformat(step["taken_at"]) if step.get("taken_at") else None
        if cleared_single and taken_by is None:
            taken_by, taken_at = post.approved_by, post.approved_at
        views.append(
            ChainStep(
                position=index,
                kind=step.get("kind", ""),
                label=step_label(step),
                unit_id=step.get("unit_id"),
                taken_by=taken_by,
                taken_at=taken_at,
                is_next=upcoming is not None and upcoming[0] == index,
            )
        )
    return views


def people_for_next_step(session: Session, post: Post) -> list[Person]:
    """Who may take the step the post waits for now (``post.approve``): coordinators and legal
    reviewers who fit it; administrators only when none of them may."""
    candidates = session.scalars(
        select(Person)
        .where(
            Person.active.is_(True),
            or_(
                Person.role.in_([Role.COORDINATOR, Role.ADMIN]),
                and_(Person.role == Role.EDITOR, Person.legal_reviewer.is_(True)),
            ),
        )
        .options(selectinload(Person.unit))  # the steering step asks each person's unit kind
        .order_by(Person.name, Person.id)
    ).all()
    allowed = [person for person in candidates if can(person, "post.approve", post)]
    return [p for p in allowed if p.role != Role.ADMIN] or allowed
