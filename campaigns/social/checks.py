""" "Test connection": a person asks, a worker asks the platform, the channel's health follows.

The web never calls a platform itself (it imports no adapter, and a slow platform must not hold
a request): it records a pending check, a worker picks it up within a second or so, calls the
adapter's ``check_connection`` and finishes the check; the page shows the latest one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from campaigns.audit import record_change
from campaigns.db import Base, UTCDateTime
from campaigns.org.models import Person
from campaigns.permissions import require
from campaigns.social.channels import record_connection_check
from campaigns.social.models import Channel
from campaigns.social.platform import PlatformError


class CheckOutcome(StrEnum):
    PENDING = "pending"
    OK = "ok"
    FAILED = "failed"


class ConnectionCheck(Base):
    """One "test connection" of a channel: who asked, when, and what the platform answered."""

    __tablename__ = "connection_checks"
    __audit_type__ = "connection_check"
    __table_args__ = (Index("ix_connection_checks_outcome", "outcome", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("social_channels.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(10), default=CheckOutcome.PENDING)
    # The account's name when it worked, the platform's message when it did not.
    detail: Mapped[str] = mapped_column(Text, default="")

    channel: Mapped[Channel] = relationship()
    requested_by: Mapped[Person | None] = relationship()

    @property
    def pending(self) -> bool:
        return self.outcome == CheckOutcome.PENDING

    def __repr__(self) -> str:
        return f"<ConnectionCheck {self.id} channel {self.channel_id} {self.outcome}>"


def _pending_for(session: Session, channel: Channel) -> ConnectionCheck | None:
    return session.scalar(
        select(ConnectionCheck)
        .where(
            ConnectionCheck.channel_id == channel.id,
            ConnectionCheck.outcome == CheckOutcome.PENDING,
        )
        .order_by(ConnectionCheck.requested_at, ConnectionCheck.id)
        .limit(1)
    )


def request_connection_check(
    session: Session, *, actor: Person | None, now: datetime, channel: Channel
) -> ConnectionCheck:
    """Ask a worker to test the channel's credentials; a check still waiting is reused, so
    pressing the button twice asks the platform once.

    Raises NotAllowed (the same permission as managing the channel).
    """
    if actor is not None:
        require(actor, "channel.manage", channel)
    waiting = _pending_for(session, channel)
    if waiting is not None:
        return waiting
    check = ConnectionCheck(
        channel=channel,
        requested_by=actor,
        requested_at=now,
        outcome=CheckOutcome.PENDING,
        detail="",
    )
    session.add(check)
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="request_connection_check",
        target=channel,
        comment=f"check {check.id}",
    )
    return check


def latest_connection_check(session: Session, *, channel: Channel) -> ConnectionCheck | None:
    """The channel's most recent check (pending or finished), or None if never tested."""
    return session.scalar(
        select(ConnectionCheck)
        .where(ConnectionCheck.channel_id == channel.id)
        .order_by(ConnectionCheck.requested_at.desc(), ConnectionCheck.id.desc())
        .limit(1)
    )


def pending_connection_checks(session: Session, *, limit: int = 20) -> list[ConnectionCheck]:
    """Checks waiting for a worker, oldest first."""
    return list(
        session.scalars(
            select(ConnectionCheck)
            .where(ConnectionCheck.outcome == CheckOutcome.PENDING)
            .order_by(ConnectionCheck.requested_at, ConnectionCheck.id)
            .limit(limit)
        )
    )


def finish_connection_check(
    session: Session,
    *,
    check: ConnectionCheck,
    now: datetime,
    account: str | None,
    error: PlatformError | None,
    limits: dict[str, int] | None = None,
) -> ConnectionCheck:
    """Keep what the platform answered (``account`` when it worked, ``error`` when not) and let
    the channel's health follow it (an auth error breaks the channel, a success mends it).

    Finishing is a conditional update, so when two workers tested the same check only the first
    answer counts; the other gets the check as it is. Raises nothing on purpose.
    """
    outcome = CheckOutcome.OK if error is None else CheckOutcome.FAILED
    detail = (account or "") if error is None else error.message
    won = session.execute(
        update(ConnectionCheck)
        .where(ConnectionCheck.id == check.id, ConnectionCheck.outcome == CheckOutcome.PENDING)
        .values(outcome=outcome, detail=detail[:2000], finished_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(check)
    if won != 1:
        return check
    # The requester was allowed when asking; the result is recorded by the system.
    record_connection_check(
        session,
        actor=None,
        now=now,
        channel=check.channel,
        account_name=account,
        error=error,
        limits=limits,
    )
    return check
