"""Channels' rate budgets: a row per channel and window, shared by all workers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from campaigns.social import rules
from campaigns.social.models import (
    Channel,
    ChannelBudget,
)
from campaigns.social.outbox.common import (
    is_postgres,
)
from campaigns.social.platform import Allowance


def _take_budget(
    session: Session, *, channel_id: int, limit: int, window_seconds: int, now: datetime
) -> bool:
    """Use one post of the channel's budget in the current window; False when it is spent.

    A single upsert, atomic on both databases: concurrent claimers queue on the budget row and
    each sees the count the previous one left.
    """
    start, end = rules.budget_window(now, window_seconds)
    table = ChannelBudget.__table__
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    statement = (
        insert(table)
        .values(channel_id=channel_id, window_start=start, window_end=end, capacity=limit, used=1)
        .on_conflict_do_update(
            index_elements=[table.c.channel_id, table.c.window_start],
            set_={"used": table.c.used + 1, "capacity": limit},
            where=table.c.used < limit,
        )
        .returning(table.c.used)
    )
    return session.execute(statement).first() is not None


@dataclass(frozen=True)
class Want:
    """Posts a claim would like from one channel's budget."""

    count: int
    limit: int
    window_seconds: int


def take_budgets(session: Session, wanted: dict[int, Want], *, now: datetime) -> dict[int, int]:
    """Use posts of several channels' budgets at once; returns how many each channel got.

    One multi-row upsert gives every channel its whole share where it fits (the usual case: a
    budget is set well below what a batch asks); a channel whose budget cannot take the whole
    share is then served one post at a time until it is spent. Rows are taken in channel order,
    the same for every worker, so two claimers never wait on each other in a circle.
    """
    table = ChannelBudget.__table__
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    whole = []
    for channel_id in sorted(wanted):
        want = wanted[channel_id]
        if want.count <= want.limit:
            start, end = rules.budget_window(now, want.window_seconds)
            whole.append(
                {
                    "channel_id": channel_id,
                    "window_start": start,
                    "window_end": end,
                    "capacity": want.limit,
                    "used": want.count,
                }
            )
    granted: dict[int, int] = {}
    if whole:
        statement = insert(table).values(whole)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.channel_id, table.c.window_start],
            set_={
                "used": table.c.used + statement.excluded.used,
                "capacity": statement.excluded.capacity,
            },
            where=table.c.used + statement.excluded.used <= statement.excluded.capacity,
        ).returning(table.c.channel_id)
        granted = {
            channel_id: wanted[channel_id].count for channel_id in session.scalars(statement)
        }
    for channel_id in sorted(set(wanted) - set(granted)):
        want, got = wanted[channel_id], 0
        while got < want.count and _take_budget(
            session,
            channel_id=channel_id,
            limit=want.limit,
            window_seconds=want.window_seconds,
            now=now,
        ):
            got += 1
        granted[channel_id] = got
    return granted


def give_back_budget(
    session: Session, *, channel_id: int, window_seconds: int, now: datetime, count: int = 1
) -> None:
    """Return ``count`` posts to the channel's budget of the current window (claims lost to another worker)."""
    start, _ = rules.budget_window(now, window_seconds)
    session.execute(
        update(ChannelBudget)
        .where(
            ChannelBudget.channel_id == channel_id,
            ChannelBudget.window_start == start,
            ChannelBudget.used >= count,
        )
        .values(used=ChannelBudget.used - count)
        .execution_options(synchronize_session=False)
    )


def respect_allowance(
    session: Session, *, channel: Channel, allowance: Allowance, now: datetime
) -> bool:
    """Take the platform's own word about a channel's rate limit (the headers of its last
    answer) into the channel's budget, so that a burst bigger than the platform still allows is
    spread over its windows instead of being answered 429 after 429. Returns True when the
    channel must now wait for the platform's reset.

    Nothing left: nobody claims for the channel before the reset (``rate_limited_until``, as
    after a 429, but without spending a call on one), and the channel page shows when its queue
    drains from then. Some left, until after the current budget window ends: the window keeps
    no more room than that. A platform that resets sooner than our window ends leaves the budget
    as it is (our own budget is the tighter bound then).
    """
    if allowance.remaining <= 0:
        if allowance.reset_at <= now:
            return False
        session.execute(
            update(Channel)
            .where(
                Channel.id == channel.id,
                (Channel.rate_limited_until.is_(None))
                | (Channel.rate_limited_until < allowance.reset_at),
            )
            .values(rate_limited_until=allowance.reset_at)
            .execution_options(synchronize_session=False)
        )
        return True
    start, end = rules.budget_window(now, channel.rate_window_seconds)
    if allowance.reset_at < end or allowance.remaining >= channel.rate_limit_posts:
        return False
    table = ChannelBudget.__table__
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    statement = insert(table).values(
        channel_id=channel.id,
        window_start=start,
        window_end=end,
        capacity=channel.rate_limit_posts,
        used=channel.rate_limit_posts - allowance.remaining,
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.channel_id, table.c.window_start],
            set_={
                "used": case(
                    (table.c.used < statement.excluded.used, statement.excluded.used),
                    else_=table.c.used,
                )
            },
        )
    )
    return False


def budget_used(session: Session, *, channel: Channel, now: datetime) -> int:
    """Posts the channel has used in the current window (for the health panel and tests)."""
    start, _ = rules.budget_window(now, channel.rate_window_seconds)
    used = session.scalar(
        select(ChannelBudget.used).where(
            ChannelBudget.channel_id == channel.id, ChannelBudget.window_start == start
        )
    )
    return used or 0


def prune_budgets(session: Session, *, now: datetime, keep: timedelta = timedelta(days=2)) -> int:
    """Forget budget windows that ended long ago (a scheduler job calls this daily)."""
    result = session.execute(
        ChannelBudget.__table__.delete().where(ChannelBudget.window_end < now - keep)
    )
    return result.rowcount or 0
