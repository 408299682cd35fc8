"""Units of the office, the people in them, their API tokens and Telegram links, and the audit log."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.db import Base, UTCDateTime


class UnitKind(StrEnum):
    STEERING = "steering"
    MINISTRY = "ministry"
    PROVINCE = "province"
    MISSION = "mission"
    PRESS_AGENCY = "press_agency"
    OTHER = "other"


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    EDITOR = "editor"
    FIELD = "field"
    VIEWER = "viewer"


# Roles whose work is scoped to one unit, so the unit is mandatory for them.
ROLES_NEEDING_UNIT = frozenset({Role.EDITOR, Role.FIELD, Role.VIEWER})

LOCALES = ("vi", "en")


class Unit(Base):
    """A ministry department, province, mission abroad or committee taking part in the work."""

    __tablename__ = "units"
    __audit_type__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # The steps that clear its campaigns' posts beyond four eyes, in order (None: four eyes
    # only); campaigns/social/chains.py reads and writes it.
    clearance_policy: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent")
    people: Mapped[list[Person]] = relationship(back_populates="unit")

    def name(self, locale: str) -> str:
        return self.name_vi if locale == "vi" else self.name_en

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Person(Base):
    """Someone who signs in to Herald (or talks to its bot)."""

    __tablename__ = "people"
    __audit_type__ = "person"
    __audit_exclude__ = ("password_hash", "feed_key", "session_token")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    locale: Mapped[str] = mapped_column(String(10), default="vi")
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # May take the "legal reviewer" step of a clearance chain (campaigns/social/chains.py).
    legal_reviewer: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Part of every calendar-feed link: a new value ("reset my feed links") kills the old links.
    feed_key: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_urlsafe(24))
    # What a signed-in browser's cookie carries instead of anything derived from the password: a
    # new value (password changed, person deactivated, "sign out everywhere") ends every session.
    session_token: Mapped[str] = mapped_column(
        String(64), unique=True, default=lambda: secrets.token_urlsafe(32)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    unit: Mapped[Unit | None] = relationship(back_populates="people")
    api_tokens: Mapped[list[ApiToken]] = relationship(back_populates="person")

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self) -> str:
        return f"<Person {self.email} {self.role}>"


class ApiToken(Base):
    """A personal bearer token for /api/v1. Only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"
    __audit_type__ = "api_token"
    __audit_exclude__ = ("token_digest",)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship(back_populates="api_tokens")

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class AuditEntry(Base):
    """One change to one domain object: who, when, through which door, before and after."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    door: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int] = mapped_column(Integer)
    target_label: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    actor: Mapped[Person | None] = relationship()

    @property
    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return sorted(
            key for key in before.keys() | after.keys() if before.get(key) != after.get(key)
        )


class TelegramLink(Base):
    """A person's private chat with Herald's field bot: where their alerts go in Telegram.

    One chat per person and one person per chat. Unlinking (from the web, with /stop, or because
    the person blocked the bot) deletes the row; the audit log keeps the history.
    """

    __tablename__ = "telegram_links"
    __audit_type__ = "telegram_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    username: Mapped[str] = mapped_column(String(64), default="")
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship()

    @property
    def name(self) -> str:
        """How the audit log names the link: the Telegram account, or its chat id."""
        return f"@{self.username}" if self.username else f"Telegram chat {self.chat_id}"


class TelegramLinkCode(Base):
    """A one-time code a person sends to the bot (``/start CODE``) to link their chat.

    Only its SHA-256 digest is stored; it works once, until ``expires_at``, and a new code
    replaces the person's previous one.
    """

    __tablename__ = "telegram_link_codes"
    __audit_type__ = "telegram_link_code"
    __audit_exclude__ = ("code_digest",)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship()

    @property
    def name(self) -> str:
        return f"Telegram link code of person {self.person_id}"


class TelegramBot(Base):
    """Who Herald's field bot is in Telegram, as it learnt at its last start (getMe).

    The web shows the bot's username and its t.me link from here: the web never asks Telegram.
    """

    __tablename__ = "telegram_bots"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    username: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
