"""One database transaction per bot update, for every Telegram process of ``bots/``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session


@contextmanager
def bot_transaction(sessions: Callable[[], Session]) -> Iterator[Session]:
    """A session from ``sessions`` whose changes are audited with the door "bot", committed
    when the block ends and rolled back when it raises."""
    session = sessions()
    session.info["door"] = "bot"
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
