"""No overlap: two units' activities of the same kind, for the same country and theme, in
windows that share a day. Each of the two units sees a warning naming the other (only the other
unit's name, its activity's title and window: a disclosure the two are meant to have); either
records which unit leads, and the warning shows as resolved. The steering committee sees every
open overlap in one list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from campaigns.audit import record_change, snapshot
from campaigns.errors import Invalid, NotFound
from campaigns.i18n import N_
from campaigns.org.models import Person, Unit
from campaigns.permissions import can, require
from campaigns.programme.plan_models import (
    ActivityStatus,
    AnnualPlan,
    OverlapAgreement,
    PlanActivity,
)


@dataclass(frozen=True)
class Overlap:
    first: PlanActivity  # the lower id
    second: PlanActivity
    agreement: OverlapAgreement | None

    @property
    def unit_ids(self) -> tuple[int, int]:
        return (self.first.plan.unit_id, self.second.plan.unit_id)

    @property
    def resolved(self) -> bool:
        return self.agreement is not None

    def seen_from(self, unit_id: int) -> OverlapWarning:
        """The warning as ``unit_id``'s people see it: their activity, and of the other only
        what is disclosed."""
        mine, other = (
            (self.first, self.second)
            if self.first.plan.unit_id == unit_id
            else (self.second, self.first)
        )
        return OverlapWarning(
            key=f"{self.first.id}-{self.second.id}",
            activity=mine,
            other_unit=other.plan.unit,
            other_title=other.title,
            other_starts_on=other.starts_on,
            other_ends_on=other.ends_on,
            lead_unit=self.agreement.lead_unit if self.agreement else None,
            agreed_at=self.agreement.agreed_at if self.agreement else None,
        )


@dataclass(frozen=True)
class OverlapWarning:
    key: str
    activity: PlanActivity
    other_unit: Unit
    other_title: str
    other_starts_on: date
    other_ends_on: date
    lead_unit: Unit | None
    agreed_at: datetime | None


def _overlaps(session: Session, *conditions) -> list[Overlap]:
    first, second = aliased(PlanActivity), aliased(PlanActivity)
    first_plan, second_plan = aliased(AnnualPlan), aliased(AnnualPlan)
    live = (ActivityStatus.CANCELLED,)
    statement = (
        select(first, second, OverlapAgreement)
        .join(first_plan, first_plan.id == first.plan_id)
        .join(
            second,
            and_(
                second.id > first.id,
                second.kind == first.kind,
                second.country == first.country,
                second.theme == first.theme,
                second.starts_on <= first.ends_on,
                first.starts_on <= second.ends_on,
            ),
        )
        .join(second_plan, second_plan.id == second.plan_id)
        .outerjoin(
            OverlapAgreement,
            and_(
                OverlapAgreement.first_activity_id == first.id,
                OverlapAgreement.second_activity_id == second.id,
            ),
        )
        .where(
            first_plan.unit_id != second_plan.unit_id,
            or_(first.status_by_hand.is_(None), first.status_by_hand.not_in(live)),
            or_(second.status_by_hand.is_(None), second.status_by_hand.not_in(live)),
            *[condition(first, second, first_plan, second_plan) for condition in conditions],
        )
        .order_by(first.starts_on, first.id, second.id)
    )
    return [Overlap(row[0], row[1], row[2]) for row in session.execute(statement)]


def overlaps_of_unit(session: Session, *, actor: Person, unit: Unit) -> list[OverlapWarning]:
    """The overlaps of ``unit``'s activities with other units', as its people see them.
    Raises NotAllowed (the person may not see the unit's plans)."""
    require(actor, "plan.view", unit)
    found = _overlaps(
        session,
        lambda _a, _b, plan_a, plan_b: or_(plan_a.unit_id == unit.id, plan_b.unit_id == unit.id),
    )
    return [overlap.seen_from(unit.id) for overlap in found]


def open_overlaps(session: Session, *, actor: Person) -> list[Overlap]:
    """Every overlap no lead has been agreed for, across all units: the steering committee's
    list. Raises NotAllowed."""
    require(actor, "overlap.list_all")
    return [overlap for overlap in _overlaps(session) if not overlap.resolved]


def get_overlap(
    session: Session, first_id: int | None, second_id: int | None, *, actor: Person
) -> Overlap:
    """The overlap of these two activities, if it exists and the person is of one of its two
    units (or the steering committee). Raises NotFound otherwise, alike."""
    low, high = sorted((first_id or 0, second_id or 0))
    found = _overlaps(session, lambda a, b, _pa, _pb: and_(a.id == low, b.id == high))
    for overlap in found:
        if can(actor, "overlap.list_all") or actor.unit_id in overlap.unit_ids:
            return overlap
    raise NotFound(N_("There is no such overlap."))


def agree_lead(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    overlap: Overlap,
    lead_unit_id: int | None,
    note: str = "",
) -> OverlapAgreement:
    """Record which of the two units leads (again: the later agreement replaces the earlier).
    Raises NotAllowed (not a planner of either unit nor the steering committee's coordinator),
    Invalid (the lead is not one of the two units)."""
    if actor is not None:
        require(actor, "overlap.resolve", overlap)
    if lead_unit_id not in overlap.unit_ids:
        raise Invalid(N_("Choose one of the two units to lead."), field="lead_unit")
    values = {
        "lead_unit_id": lead_unit_id,
        "agreed_by_id": actor.id if actor else None,
        "agreed_at": now,
        "note": (note or "").strip(),
    }
    agreement = overlap.agreement
    before = snapshot(agreement) if agreement is not None else None
    if agreement is None:
        agreement = OverlapAgreement(
            first_activity_id=overlap.first.id, second_activity_id=overlap.second.id, **values
        )
        try:
            # The other unit may record its lead at the same moment: the unique pair decides,
            # and the later of the two replaces the earlier, as on a second visit.
            with session.begin_nested():
                session.add(agreement)
                session.flush()
        except IntegrityError:
            agreement = session.scalars(
                select(OverlapAgreement).where(
                    OverlapAgreement.first_activity_id == overlap.first.id,
                    OverlapAgreement.second_activity_id == overlap.second.id,
                )
            ).one()
            before = snapshot(agreement)
    for key, value in values.items():
        setattr(agreement, key, value)
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="agree_lead",
        target=agreement,
        before=before,
        comment=agreement.note or None,
    )
    return agreement
