"""What the field bot keeps in the database.

Everything a conversation or a pushed message depends on lives here, not in the bot's memory:
a bot restarted mid-conversation picks the conversation up, and two bot processes started by
mistake never send the same reminder twice (``BotDelivery.key`` is unique).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.db import Base, UTCDateTime
from campaigns.org.models import Person

#: Reminder lead times a person has until they choose others (minutes before the start).
DEFAULT_REMINDER_LEADS = (24 * 60, 60)
DEFAULT_DIGEST_HOUR = 8


class BotPreferences(Base):
    """How a person wants the field bot to reach them (``/settings``, ``/mute``).

    A person without a row has the defaults: reminders 24 h and 1 h before, a digest at 08:00
    in their time zone, not muted.
    """

    __tablename__ = "bot_preferences"
    __audit_type__ = "bot_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    #: minutes before an event, itinerary item or interview; empty: no reminders
    reminder_leads: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_REMINDER_LEADS)
    )
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    digest_hour: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_DIGEST_HOUR)
    #: nothing is pushed (reminders, digest, alerts wait) until then
    muted_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship()

    @property
    def name(self) -> str:
        return f"bot settings of person {self.person_id}"


class BotConversation(Base):
    """A conversation in progress in one chat (``/report``, a rejection's comment...).

    One per chat: starting another replaces it. ``step`` says what the bot asked last and
    ``data`` holds what the person answered so far (JSON, never pickles).
    """

    __tablename__ = "bot_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    step: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship()


class BotDelivery(Base):
    """A message the bot pushes on its own (a reminder, a digest): claimed once by its key.

    The key names what the message is about and for whom (``reminder:event:12:1440:person:5``,
    ``digest:person:5:2026-12-08``); the unique index makes the claim: whoever inserts the row
    sends the message. ``sent_at`` stays empty until Telegram took it.
    """

    __tablename__ = "bot_deliveries"
    __table_args__ = (Index("ix_bot_deliveries_unsent", "sent_at", "claimed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # reminder | digest | task
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    error: Mapped[str] = mapped_column(Text, default="")


class BotStartFailure(Base):
    """A ``/start CODE`` with a wrong code: counted per chat to slow down guessing."""

    __tablename__ = "bot_start_failures"
    __table_args__ = (Index("ix_bot_start_failures_chat", "chat_id", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FieldReport(Base):
    """What someone in the field sent from the bot: a note, a photo with its caption, or a
    coverage link, attached to one trip, event or campaign they may see.

    A coverage link also creates (or finds, by URL) an ``expected`` coverage item of the trip or
    event; ``coverage_id`` points at it.
    """

    __tablename__ = "field_reports"
    __audit_type__ = "field_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # note | photo | link
    text: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    #: the photo's file under the instance's media folder (campaigns/images), when kind is photo
    photo_path: Mapped[str] = mapped_column(String(300), default="")
    trip_id: Mapped[int | None] = mapped_column(
        ForeignKey("press_trips.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("social_campaigns.id", ondelete="CASCADE"), index=True
    )
    coverage_id: Mapped[int | None] = mapped_column(
        ForeignKey("press_coverage_items.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    created_by: Mapped[Person | None] = relationship()

    @property
    def name(self) -> str:
        return f"field report {self.id}"
