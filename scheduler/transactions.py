"""Sessions for the scheduler and workers: their own engine, one transaction per job."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from campaigns.db import create_engine


class Transactions:
    """``with transactions() as session:`` commits on success and rolls back on error."""

    def __init__(self, engine: Engine, door: str) -> None:
        self.engine = engine
        self.door = door
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def for_url(cls, database_url: str, door: str) -> Transactions:
        return cls(create_engine(database_url), door)

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        session = self._factory()
        session.info["door"] = self.door
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
