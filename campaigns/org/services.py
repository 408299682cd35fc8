"""Use cases for units, people and API tokens.

Every service takes the session, the acting person (``None`` for the system itself: the CLI and
the demo loader, which run with shell access) and ``now``; it flushes, never commits.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from campaigns.audit import record_change, snapshot
from campaigns.errors import Conflict, Invalid, NotFound
from campaigns.i18n import N_
from campaigns.org import rules
from campaigns.org.models import ApiToken, Person, Unit
from campaigns.org.queries import unit_by_code as _unit_by_code
from campaigns.permissions import require
from campaigns.timezones import is_zone

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("herald-timing-equaliser")


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Swap the Argon2 parameters (tests use cheap ones; production keeps the library's)."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash("herald-timing-equaliser")


TOKEN_PREFIX = "hrd_"


def _authorise(actor: Person | None, action: str, target: object = None) -> None:
    if actor is not None:
        require(actor, action, target)


# --- units -------------------------------------------------------------------------------------


def _validated_unit(
    session: Session,
    *,
    unit: Unit | None,
    code: str,
    name_vi: str,
    name_en: str,
    kind: str,
    country: str,
    timezone: str,
    parent_code: str | None,
) -> tuple[dict[str, str], Unit | None]:
    cleaned, errors = rules.check_unit_fields(
        code=code, name_vi=name_vi, name_en=name_en, kind=kind, country=country, timezone=timezone
    )
    if "code" not in errors:
        clash = session.scalar(select(Unit).where(Unit.code == cleaned["code"]))
        if clash is not None and clash is not unit:
            errors["code"] = N_("Another unit already uses this code.")
    parent = None
    if parent_code:
        parent = _unit_by_code(session, parent_code)
        if parent is None:
            errors["parent"] = N_("There is no unit with this code.")
        elif unit is not None and _is_self_or_descendant(parent, unit):
            errors["parent"] = N_("A unit cannot sit under itself or one of its own sub-units.")
    if errors:
        raise Invalid.from_fields(errors)
    return cleaned, parent


def _is_self_or_descendant(candidate: Unit, unit: Unit) -> bool:
    node: Unit | None = candidate
    while node is not None:
        if node is unit:
            return True
        node = node.parent
    return False


def create_unit(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    code: str,
    name_vi: str,
    name_en: str,
    kind: str,
    country: str,
    timezone: str,
    parent_code: str | None = None,
) -> Unit:
    """Create a unit. Raises NotAllowed (not an admin) or Invalid (field errors)."""
    _authorise(actor, "unit.manage")
    cleaned, parent = _validated_unit(
        session,
        unit=None,
        code=code,
        name_vi=name_vi,
        name_en=name_en,
        kind=kind,
        country=country,
        timezone=timezone,
        parent_code=parent_code,
    )
    unit = Unit(**cleaned, parent=parent, created_at=now, updated_at=now)
    session.add(unit)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=unit)
    return unit


def update_unit(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    unit: Unit,
    code: str,
    name_vi: str,
    name_en: str,
    kind: str,
    country: str,
    timezone: str,
    parent_code: str | None = None,
) -> Unit:
    """Change a unit's fields. Raises NotAllowed or Invalid; nothing changes on error."""
    _authorise(actor, "unit.manage", unit)
    before = snapshot(unit)
    cleaned, parent = _validated_unit(
        session,
        unit=unit,
        code=code,
        name_vi=name_vi,
        name_en=name_en,
        kind=kind,
        country=country,
        timezone=timezone,
        parent_code=parent_code,
    )
    for key, value in cleaned.items():
        setattr(unit, key, value)
    unit.parent = parent
    session.flush()
    if snapshot(unit) != before:
        unit.updated_at = now
        record_change(session, actor=actor, now=now, action="update", target=unit, before=before)
    return unit


# --- people ------------------------------------------------------------------------------------


def _validated_person(
    session: Session,
    *,
    person: Person | None,
    name: str,
    email: str,
    role: str,
    unit_code: str | None,
    locale: str,
    timezone: str,
    password: str | None = None,
) -> tuple[str, Unit | None]:
    unit = _unit_by_code(session, unit_code)
    errors = rules.check_person_fields(
        name=name, role=role, locale=locale, timezone=timezone, has_unit=unit is not None
    )
    if unit_code and unit is None:
        errors["unit"] = N_("There is no unit with this code.")
    if password is not None and (password_error := rules.check_password(password)):
        errors["password"] = password_error
    normalised, email_error = rules.normalise_email(email)
    if email_error:
        errors["email"] = email_error
    else:
        clash = session.scalar(select(Person).where(Person.email == normalised))
        if clash is not None and clash is not person:
            errors["email"] = N_("Another person already uses this email address.")
    if errors:
        raise Invalid.from_fields(errors)
    assert normalised is not None
    return normalised, unit


def create_person(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    name: str,
    email: str,
    role: str,
    unit_code: str | None,
    locale: str = "vi",
    timezone: str = "Asia/Ho_Chi_Minh",
    password: str | None = None,
    active: bool = True,
    legal_reviewer: bool = False,
) -> Person:
    """Add a person (``legal_reviewer``: may take the legal step of clearance chains). Raises
    NotAllowed or Invalid (field errors, duplicate email, unknown unit)."""
    _authorise(actor, "person.manage")
    normalised, unit = _validated_person(
        session,
        person=None,
        name=name,
        email=email,
        role=role,
        unit_code=unit_code,
        locale=locale,
        timezone=timezone,
        password=password,
    )
    password_hash = _hasher.hash(password) if password is not None else None
    person = Person(
        name=name.strip(),
        email=normalised,
        role=role,
        unit=unit,
        locale=locale,
        timezone=timezone,
        active=active,
        legal_reviewer=legal_reviewer,
        password_hash=password_hash,
        created_at=now,
        updated_at=now,
    )
    session.add(person)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=person)
    return person


def update_person(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    person: Person,
    name: str,
    email: str,
    role: str,
    unit_code: str | None,
    locale: str,
    timezone: str,
    active: bool,
    legal_reviewer: bool | None = None,
) -> Person:
    """Change a person's record (``legal_reviewer`` None: unchanged). Raises NotAllowed,
    Invalid, or Conflict (an admin locking themselves out)."""
    _authorise(actor, "person.manage", person)
    if actor is not None and actor.id == person.id and (not active or role != person.role):
        raise Conflict(N_("You cannot deactivate yourself or change your own role."))
    before = snapshot(person)
    normalised, unit = _validated_person(
        session,
        person=person,
        name=name,
        email=email,
        role=role,
        unit_code=unit_code,
        locale=locale,
        timezone=timezone,
    )
    person.name = name.strip()
    person.email = normalised
    person.role = role
    person.unit = unit
    person.locale = locale
    person.timezone = timezone
    person.active = active
    if legal_reviewer is not None:
        person.legal_reviewer = legal_reviewer
    if before["active"] and not active:
        _end_sessions(person)
    session.flush()
    if snapshot(person) != before:
        person.updated_at = now
        action = "deactivate" if before["active"] and not active else "update"
        record_change(session, actor=actor, now=now, action=action, target=person, before=before)
    return person


def update_preferences(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    locale: str | None = None,
    timezone: str | None = None,
) -> Person:
    """A person changes their own interface language and time zone. Raises Invalid."""
    before = snapshot(actor)
    errors: dict[str, str] = {}
    if locale is not None and locale not in ("vi", "en"):
        errors["locale"] = N_("Choose Vietnamese or English.")
    if timezone is not None and not is_zone(timezone):
        errors["timezone"] = N_("Use an IANA time zone name, e.g. Asia/Ho_Chi_Minh.")
    if errors:
        raise Invalid.from_fields(errors)
    if locale is not None:
        actor.locale = locale
    if timezone is not None:
        actor.timezone = timezone
    session.flush()
    if snapshot(actor) != before:
        actor.updated_at = now
        record_change(session, actor=actor, now=now, action="update", target=actor, before=before)
    return actor


def set_password(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    person: Person,
    new_password: str,
    current_password: str | None = None,
) -> None:
    """Set a password. People changing their own must give the current one; admins need not.

    Raises NotAllowed or Invalid.
    """
    own = actor is not None and actor.id == person.id
    if own:
        if not verify_password(person, current_password or ""):
            raise Invalid(N_("The current password is not right."), field="current_password")
    else:
        _authorise(actor, "person.manage", person)
    error = rules.check_password(new_password)
    if error:
        raise Invalid(error, field="new_password")
    person.password_hash = _hasher.hash(new_password)
    person.updated_at = now
    _end_sessions(person)
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="password",
        target=person,
        before=snapshot(person),
        comment="password changed",
    )


def _end_sessions(person: Person) -> None:
    # Every browser signed in as this person carries the old token, which now matches nobody.
    person.session_token = secrets.token_urlsafe(32)


def sign_out_everywhere(
    session: Session, *, actor: Person | None, now: datetime, person: Person
) -> None:
    """End every signed-in session of ``person`` (all browsers, remembered ones included).

    Raises NotAllowed (someone else's sessions, without the right to manage them).
    """
    if actor is None or actor.id != person.id:
        _authorise(actor, "person.manage", person)
    _end_sessions(person)
    person.updated_at = now
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="update",
        target=person,
        before=snapshot(person),
        comment="signed out everywhere",
    )


# Every signed-in request and every API request runs one of these: built once, because
# SQLAlchemy computes a new statement's cache key on each execution (profiled: as much as the
# indexed lookup itself costs on SQLite).
_PERSON_BY_SESSION_TOKEN = select(Person).where(Person.session_token == bindparam("session_token"))
_TOKEN_BY_DIGEST = (
    select(ApiToken)
    .where(ApiToken.token_digest == bindparam("digest"))
    .options(joinedload(ApiToken.person))
)


def person_for_session(session: Session, session_token: str) -> Person | None:
    """The active person a browser session names, or None (ended, deactivated, unknown)."""
    if not session_token:
        return None
    person = session.scalar(_PERSON_BY_SESSION_TOKEN, {"session_token": session_token})
    if person is None or not person.active:
        return None
    return person


def verify_password(person: Person, password: str) -> bool:
    if not person.password_hash:
        return False
    try:
        return _hasher.verify(person.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, *, email: str, password: str) -> Person | None:
    """The active person with this email and password, or None (for any reason, on purpose)."""
    normalised = (email or "").strip().lower()
    person = (
        session.scalar(select(Person).where(Person.email == normalised)) if normalised else None
    )
    if person is None or not person.password_hash:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password or "-")
        return None
    if not verify_password(person, password) or not person.active:
        return None
    if _hasher.check_needs_rehash(person.password_hash):
        person.password_hash = _hasher.hash(password)
    return person


# --- API tokens --------------------------------------------------------------------------------


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_api_token(
    session: Session, *, actor: Person | None, now: datetime, person: Person, name: str
) -> tuple[ApiToken, str]:
    """Create a bearer token for ``person``; returns it with its plaintext, shown only once.

    Raises NotAllowed (someone else's token) or Invalid (empty name).
    """
    if actor is not None and actor.id != person.id:
        _authorise(actor, "person.manage", person)
    name, error = rules.check_text(name, max_length=100)
    if error:
        raise Invalid(error, field="name")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        person=person,
        name=name,
        token_digest=_digest(plaintext),
        prefix=plaintext[:10],
        created_at=now,
    )
    session.add(token)
    session.flush()
    record_change(session, actor=actor, now=now, action="create", target=token)
    return token, plaintext


def revoke_api_token(
    session: Session, *, actor: Person | None, now: datetime, token_id: int
) -> ApiToken:
    """Revoke a token. Raises NotFound (unknown, or not the actor's) or Conflict (already)."""
    token = session.get(ApiToken, token_id)
    if token is None or (actor is not None and token.person_id != actor.id and not actor.is_admin):
        raise NotFound(N_("There is no such token."))
    if token.revoked_at is not None:
        raise Conflict(N_("This token was already revoked."))
    before = snapshot(token)
    token.revoked_at = now
    session.flush()
    record_change(session, actor=actor, now=now, action="revoke", target=token, before=before)
    return token


def person_for_token(session: Session, *, plaintext: str, now: datetime) -> Person | None:
    """The active owner of a live token, or None. Records when the token was last used."""
    if not plaintext or not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(_TOKEN_BY_DIGEST, {"digest": _digest(plaintext)})
    if token is None or token.revoked_at is not None or not token.person.active:
        return None
    # Only write when it moved noticeably, so a busy client does not write on every request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
    return token.person
