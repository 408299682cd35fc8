"""Linking a person's Telegram chat to Herald, so the field bot can alert them there.

A person makes a one-time code on their profile page (the web) and sends ``/start CODE`` to the
bot from a private chat; the bot links that chat to them (the ``bot`` door). The code works once,
for ``CODE_LIFETIME``; a new code replaces the previous one, and only its digest is stored.

One chat per person, one person per chat. A chat already linked to someone else *moves* to the
person whose code it sends: whoever holds the chat got that code from the person's signed-in
profile, so both sides agreed; the previous link ends, and the audit log says so. Linking
another chat likewise replaces the person's previous one.

The bot learns its own username at start (getMe) and records it here, so the web can show
"send /start CODE to @herald_bot" and a t.me link without ever talking to Telegram.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.audit import record_change, snapshot
from campaigns.errors import Invalid, NotAllowed, NotFound
from campaigns.i18n import N_
from campaigns.org.models import Person, TelegramBot, TelegramLink, TelegramLinkCode
from campaigns.permissions import require

CODE_LIFETIME = timedelta(minutes=15)
# No 0/O or 1/I: a code may be read off a screen and typed into a phone.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


@dataclass(frozen=True)
class LinkResult:
    """The new link, and whose link this chat was before (None when it was nobody's)."""

    link: TelegramLink
    previous_person: Person | None


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise_code(text: str) -> str:
    """A code as typed: case, spaces and dashes do not matter."""
    return "".join(text.split()).replace("-", "").upper()


def _require_self(actor: Person | None, person: Person) -> None:
    if actor is not None:
        require(actor, "person.self", person)


# --- reads --------------------------------------------------------------------------------------


def telegram_link_of(session: Session, person: Person) -> TelegramLink | None:
    return session.scalar(select(TelegramLink).where(TelegramLink.person_id == person.id))


def telegram_link_for_chat(session: Session, chat_id: int) -> TelegramLink | None:
    return session.scalar(select(TelegramLink).where(TelegramLink.chat_id == chat_id))


def bot_username(session: Session) -> str | None:
    """The username of the field bot that started last, or None before any bot has run."""
    return session.scalar(
        select(TelegramBot.username).order_by(TelegramBot.started_at.desc()).limit(1)
    )


# --- the web: codes and disconnecting ----------------------------------------------------------


def create_link_code(
    session: Session, *, actor: Person | None, now: datetime, person: Person
) -> tuple[TelegramLinkCode, str]:
    """A new one-time code for ``person`` (replacing any earlier one); returns it with its
    plaintext, shown only once. Raises NotAllowed (someone else's, or an inactive person)."""
    _require_self(actor, person)
    if not person.active:
        raise NotAllowed(N_("This Herald account is inactive."))
    earlier = session.scalar(
        select(TelegramLinkCode).where(TelegramLinkCode.person_id == person.id)
    )
    if earlier is not None:
        session.delete(earlier)
        # The new row reuses the person's unique slot: the delete must reach the database first.
        session.flush()
    plaintext = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    code = TelegramLinkCode(
        person=person,
        code_digest=_digest(plaintext),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    session.add(code)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=code)
    return code, plaintext


def disconnect_telegram(
    session: Session, *, actor: Person | None, now: datetime, person: Person
) -> TelegramLink:
    """End ``person``'s Telegram link: no more alerts there. Returns the ended link.

    Raises NotAllowed (someone else's link) or NotFound (no chat is linked).
    """
    _require_self(actor, person)
    link = telegram_link_of(session, person)
    if link is None:
        raise NotFound(N_("No Telegram chat is connected."))
    _end_link(session, link, actor=actor, now=now, comment="disconnected")
    return link


# --- the bot: linking, /stop, a blocked bot, its own identity ----------------------------------


def link_chat(
    session: Session, *, code: str, chat_id: int, username: str, now: datetime
) -> LinkResult:
    """Link the private chat ``chat_id`` to the person whose code this is; the code is used up.

    The person who made the code is the actor. Raises NotFound (an unknown code, or one already
    used or replaced), Invalid (an expired code) or NotAllowed (the person's account is
    inactive); nothing changes then.
    """
    normalised = normalise_code(code)
    row = (
        session.scalar(
            select(TelegramLinkCode).where(TelegramLinkCode.code_digest == _digest(normalised))
        )
        if normalised
        else None
    )
    if row is None:
        raise NotFound(
            N_(
                "This code is unknown or was already used. Make a new one on your profile page"
                " in Herald."
            )
        )
    if row.expires_at <= now:
        raise Invalid(N_("This code has expired. Make a new one on your profile page in Herald."))
    person = row.person
    if not person.active:
        raise NotAllowed(N_("This Herald account is inactive."))
    session.delete(row)
    username = username.strip().removeprefix("@")[:64]

    current = telegram_link_of(session, person)
    if current is not None and current.chat_id == chat_id:
        # The same chat again: still linked, since the same moment (no past alerts replayed).
        before = snapshot(current)
        current.username = username
        session.flush()
        if snapshot(current) != before:
            record_change(
                session, actor=person, now=now, action="update", target=current, before=before
            )
        return LinkResult(current, None)

    previous = telegram_link_for_chat(session, chat_id)
    previous_person = previous.person if previous is not None else None
    if previous is not None:
        _end_link(session, previous, actor=person, now=now, comment="moved to another person")
    if current is not None:
        _end_link(session, current, actor=person, now=now, comment="replaced by another chat")
    link = TelegramLink(person=person, chat_id=chat_id, username=username, linked_at=now)
    session.add(link)
    session.flush()
    record_change(session, actor=person, now=now, action="create", target=link)
    return LinkResult(link, previous_person)


def unlink_chat(
    session: Session, *, chat_id: int, now: datetime, blocked: bool = False
) -> TelegramLink | None:
    """End the link of ``chat_id`` (the person sent /stop, or, with ``blocked``, Telegram said
    they blocked the bot). Returns the ended link, or None when the chat was not linked."""
    link = telegram_link_for_chat(session, chat_id)
    if link is None:
        return None
    actor = None if blocked else link.person
    _end_link(
        session, link, actor=actor, now=now, comment="the bot was blocked" if blocked else "/stop"
    )
    return link


def _end_link(
    session: Session, link: TelegramLink, *, actor: Person | None, now: datetime, comment: str
) -> None:
    before = snapshot(link)
    session.delete(link)
    # A new link may take this chat's or this person's unique slot in the same transaction.
    session.flush()
    record_change(
        session, actor=actor, now=now, action="delete", target=link, before=before, comment=comment
    )


def record_bot_identity(
    session: Session, *, telegram_id: int, username: str, now: datetime
) -> TelegramBot:
    """The field bot started as ``@username`` (its getMe answer)."""
    bot = session.scalar(select(TelegramBot).where(TelegramBot.telegram_id == telegram_id))
    if bot is None:
        bot = TelegramBot(telegram_id=telegram_id)
        session.add(bot)
    bot.username = username.removeprefix("@")[:64]
    bot.started_at = now
    session.flush()
    return bot
