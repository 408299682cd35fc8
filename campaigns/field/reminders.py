"""What the field bot pushes on its own: reminders, planning tasks, the daily digest.

Who: active people with a linked Telegram chat who are not muted (``/mute``). What, at ``now``:

- **Reminders** before what they take part in — timed events of their unit (owner or
  participant), itinerary items they escort or interpret, interviews on the trips they work on —
  at each of their lead times (``/settings``; 24 h and 1 h by default). A lead time that passed
  before the thing was created or moved (or while the person was muted, or the bot down) is sent
  late, once, while the thing has not started: only the shortest passed lead, so an event created
  30 minutes ahead gets one reminder, not two. Once it has started, nothing is sent.
- **Planning tasks** of their unit, once, when the task appears (an anniversary entering its
  tier's lead time); a task older than ``MAX_TASK_AGE`` is no news any more.
- **The digest** at their digest hour in *their* time zone, within ``DIGEST_WINDOW`` (a bot that
  was down all day does not send the morning's digest at night): today's agenda
  (campaigns/field/agenda.py, as ``/today`` shows it), posts waiting for their clearance, held
  or dead publications of their channels.

Nobody is told of what they may not see: events go through ``visible_events``, trips through
``can(person, "trip.view")``, posts through ``posts_awaiting_clearance``, channels through
``can(person, "channel.view")`` — the web's rules.

Sent once: each message has a key naming what, for whom, and (for reminders) which start
instant, so an event moved to another time is reminded of again while the same reminder never
is. The sender *claims* a message by inserting its ``BotDelivery`` row (unique key) in its own
transaction before sending: a second bot process, or the same bot after a restart, finds the row
and skips it. A send that failed is retried (``RETRY_DELAY`` later, ``MAX_ATTEMPTS`` in all, while
the message is still due) by re-claiming the row with a compare-and-set on ``claimed_at``, which
again only one process wins. A row claimed and never marked sent (the process died mid-send) is
retried after ``CLAIM_LEASE``: delivery is at least once only across such a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from campaigns.calendar.models import Event, PlanningTask
from campaigns.calendar.queries import visible_events
from campaigns.field import agenda as field_agenda
from campaigns.field.models import BotDelivery, BotPreferences
from campaigns.field.preferences import format_lead, is_muted, preferences_of
from campaigns.i18n import N_
from campaigns.org.models import Person, TelegramLink
from campaigns.permissions import can
from campaigns.press import queries as press_queries
from campaigns.press.models import InterviewRequest, ItineraryItem
from campaigns.social.models import Channel, Publication
from campaigns.social.notifications import post_link
from campaigns.social.queries import posts_awaiting_clearance, publications_needing_a_person

MAX_ATTEMPTS = 3
RETRY_DELAY = timedelta(minutes=1)
CLAIM_LEASE = timedelta(minutes=5)
MAX_TASK_AGE = timedelta(days=1)
DIGEST_WINDOW = timedelta(hours=4)
MESSAGE_LIMIT = 4096
DIGEST_LINES = 10  # per section; the rest is "and N more" with the link to Herald

REMINDER = N_("Reminder: “%(title)s” starts %(when)s (in %(left)s).")
REMINDER_ITEM = N_("Reminder: “%(title)s” — %(trip)s — starts %(when)s (in %(left)s).")
REMINDER_INTERVIEW = N_(
    "Reminder: interview with %(interviewee)s — %(trip)s — starts %(when)s (in %(left)s)."
)
PLACE = N_("Where: %(place)s")
YOU_ESCORT = N_("You escort.")
YOU_INTERPRET = N_("You interpret.")
TASK = N_("New planning task for your unit: %(title)s (on %(date)s).")
DIGEST_TITLE = N_("Your day, %(date)s")
DIGEST_NOTHING = N_("Nothing on your agenda today.")
DIGEST_CLEARANCE = N_("Waiting for your clearance:")
DIGEST_PUBLICATIONS = N_("Publications of your channels that need you (held or failed):")
DIGEST_MORE = N_("… and %(count)s more")

#: ``translations(locale)``: the ``gettext`` of that language's catalog.
Translations = Callable[[str], Callable[[str], str]]


@dataclass(frozen=True)
class Push:
    """One message due for one person: claimed by ``key``, sent to ``chat_id``."""

    key: str
    person_id: int
    chat_id: int
    kind: str  # reminder | task | digest
    text: str


# --- who and what is due ------------------------------------------------------------------------


def due_pushes(
    session: Session, *, now: datetime, translations: Translations, base_url: str
) -> list[Push]:
    """Every message due at ``now`` for every linked, unmuted person, not yet claimed
    (see the module docstring), in the person's language and time zone."""
    links = session.scalars(
        select(TelegramLink)
        .join(Person, Person.id == TelegramLink.person_id)
        .where(Person.active.is_(True))
        .options(selectinload(TelegramLink.person))
        .order_by(TelegramLink.person_id)
    )
    pushes: list[Push] = []
    for link in links:
        person = link.person
        preferences = preferences_of(session, person)
        if is_muted(preferences, now):
            continue
        writer = _Writer(translations(person.locale), person.timezone, base_url, now)
        pushes.extend(_reminders(session, link, preferences, writer, now))
        pushes.extend(_tasks(session, link, writer, now))
        digest = _digest(session, link, preferences, writer, now)
        if digest is not None:
            pushes.append(digest)
    claimed = _claimed_keys(session, [push.key for push in pushes], now)
    return [push for push in pushes if push.key not in claimed]


def _claimed_keys(session: Session, keys: list[str], now: datetime) -> set[str]:
    """Keys that are sent, given up, or claimed too recently to be retried."""
    claimed: set[str] = set()
    for start in range(0, len(keys), 500):
        rows = session.execute(
            select(
                BotDelivery.key, BotDelivery.sent_at, BotDelivery.attempts, BotDelivery.claimed_at
            ).where(BotDelivery.key.in_(keys[start : start + 500]))
        )
        for key, sent_at, attempts, claimed_at in rows:
            if sent_at is not None or not _may_retry(attempts, claimed_at, now):
                claimed.add(key)
    return claimed


def _may_retry(attempts: int, claimed_at: datetime, now: datetime) -> bool:
    if attempts >= MAX_ATTEMPTS:
        return False
    wait = RETRY_DELAY if attempts else CLAIM_LEASE  # a failure recorded, or a silent claim
    return claimed_at <= now - wait


def _shortest_passed_lead(leads: Iterable[int], starts_at: datetime, now: datetime) -> int | None:
    """The lead (minutes) whose reminder is due for a start at ``starts_at``: the shortest of
    those whose instant has passed, while the start has not; None otherwise."""
    if starts_at <= now:
        return None
    passed = [lead for lead in leads if starts_at - timedelta(minutes=lead) <= now]
    return min(passed) if passed else None


def _reminder_key(kind: str, thing_id: int, starts_at: datetime, lead: int, person_id: int) -> str:
    return f"reminder:{kind}:{thing_id}:{int(starts_at.timestamp())}:{lead}:person:{person_id}"


def _reminders(
    session: Session,
    link: TelegramLink,
    preferences: BotPreferences,
    writer: _Writer,
    now: datetime,
) -> list[Push]:
    leads = list(preferences.reminder_leads or [])
    if not leads:
        return []
    person = link.person
    until = now + timedelta(minutes=max(leads)) + timedelta(seconds=1)
    pushes = []
    for event in _events_of(session, person, now, until):
        lead = _shortest_passed_lead(leads, event.starts_at, now)
        if lead is None:
            continue
        text = writer.say(
            REMINDER, title=event.title_in(person.locale), **writer.when(event.starts_at)
        )
        if event.location:
            text += "\n" + writer.say(PLACE, place=event.location)
        pushes.append(
            writer.push(
                link,
                _reminder_key("event", event.id, event.starts_at, lead, person.id),
                "reminder",
                text,
                f"/calendar/events/{event.id}",
            )
        )
    for item, interview in _items_of(session, person, now, until):
        lead = _shortest_passed_lead(leads, item.starts_at, now)
        if lead is None:
            continue
        when = writer.when(item.starts_at)
        if interview is not None or item.interviewee:
            interviewee = interview.interviewee if interview is not None else item.interviewee
            text = writer.say(
                REMINDER_INTERVIEW, interviewee=interviewee, trip=item.trip.title, **when
            )
        else:
            text = writer.say(REMINDER_ITEM, title=item.activity, trip=item.trip.title, **when)
        place = ", ".join(part for part in (item.place, item.city) if part)
        if place:
            text += "\n" + writer.say(PLACE, place=place)
        if item.escort_id == person.id:
            text += "\n" + writer.say(YOU_ESCORT)
        if item.interpreter_id == person.id:
            text += "\n" + writer.say(YOU_INTERPRET)
        pushes.append(
            writer.push(
                link,
                _reminder_key("item", item.id, item.starts_at, lead, person.id),
                "reminder",
                text,
                f"/press/trips/{item.trip_id}",
            )
        )
    return pushes


def _events_of(session: Session, person: Person, since: datetime, until: datetime) -> list[Event]:
    """Timed events of the person's unit they may see, starting in [since, until)."""
    if person.unit is None:
        return []
    zone = person.timezone
    events = visible_events(
        session,
        person,
        since=since.astimezone(ZoneInfo(zone)).date(),
        until=until.astimezone(ZoneInfo(zone)).date(),
        zone=zone,
        unit_code=person.unit.code,
        include_cancelled=False,
    )
    return [
        event
        for event in events
        if not event.all_day and event.starts_at is not None and since <= event.starts_at < until
    ]


def _items_of(
    session: Session, person: Person, since: datetime, until: datetime
) -> list[tuple[ItineraryItem, InterviewRequest | None]]:
    """Items the person escorts or interprets, and interviews on the trips they work on,
    starting in [since, until), on trips they may see (the agenda's own queries)."""
    found: dict[int, tuple[ItineraryItem, InterviewRequest | None]] = {
        item.id: (item, None)
        for item in press_queries.items_for_staff(session, person, since=since, until=until)
    }
    for request in press_queries.interviews_for_staff(session, person, since=since, until=until):
        assert request.item is not None
        found[request.item.id] = (request.item, request)
    return [
        (item, request)
        for item, request in sorted(
            found.values(), key=lambda pair: (pair[0].starts_at, pair[0].id)
        )
        if can(person, "trip.view", item.trip)
    ]


def _tasks(session: Session, link: TelegramLink, writer: _Writer, now: datetime) -> list[Push]:
    person = link.person
    if person.unit_id is None:
        return []
    tasks = session.scalars(
        select(PlanningTask)
        .where(
            PlanningTask.unit_id == person.unit_id,
            PlanningTask.status == "open",
            PlanningTask.created_at >= link.linked_at,
            PlanningTask.created_at >= now - MAX_TASK_AGE,
            PlanningTask.created_at <= now,
        )
        .order_by(PlanningTask.id)
    )
    return [
        writer.push(
            link,
            f"task:{task.id}:person:{person.id}",
            "task",
            writer.say(
                TASK, title=task.title(person.locale), date=writer.day(task.occurrence_date)
            ),
            "/calendar/anniversaries",
        )
        for task in tasks
        if can(person, "unit.view", task.unit)
    ]


# --- the digest ---------------------------------------------------------------------------------


def _digest(
    session: Session,
    link: TelegramLink,
    preferences: BotPreferences,
    writer: _Writer,
    now: datetime,
) -> Push | None:
    if not preferences.digest_enabled:
        return None
    person = link.person
    local = now.astimezone(writer.zone)
    at = datetime.combine(local.date(), datetime.min.time(), tzinfo=writer.zone).replace(
        hour=preferences.digest_hour
    )
    if not at <= local < at + DIGEST_WINDOW:
        return None
    key = f"digest:person:{person.id}:{local.date().isoformat()}"
    if _claimed_keys(session, [key], now):
        return None  # sent this morning: not worth gathering again every round until noon
    lines = [writer.say(DIGEST_TITLE, date=writer.day(local.date()))]
    today = field_agenda.agenda(session, actor=person, now=now, days=1)
    if not today:
        lines.append(writer.say(DIGEST_NOTHING))
    lines.extend(writer.agenda_line(entry) for entry in today[:DIGEST_LINES])
    lines.extend(writer.more(len(today)))
    posts = posts_awaiting_clearance(session, actor=person)
    if posts:
        lines += ["", writer.say(DIGEST_CLEARANCE)]
        lines.extend(
            f"• {post.title} {writer.absolute(post_link(post))}" for post in posts[:DIGEST_LINES]
        )
        lines.extend(writer.more(len(posts)))
    publications = _publications_needing(session, person)
    if publications:
        lines += ["", writer.say(DIGEST_PUBLICATIONS)]
        lines.extend(
            f"• {publication.channel.name}: {publication.post.title}"
            f" {writer.absolute(post_link(publication.post_id))}"
            for publication in publications[:DIGEST_LINES]
        )
        lines.extend(writer.more(len(publications)))
    return Push(key, person.id, link.chat_id, "digest", "\n".join(lines)[:MESSAGE_LIMIT])


def _publications_needing(session: Session, person: Person) -> list[Publication]:
    """Held or dead publications of channels the person owns or their unit owns, when they
    may see channels at all."""
    if not can(person, "channel.view"):
        return []
    return [
        publication
        for publication in publications_needing_a_person(session)
        if _their_channel(person, publication.channel)
    ]


def _their_channel(person: Person, channel: Channel) -> bool:
    return channel.owner_person_id == person.id or (
        person.unit_id is not None and channel.owner_unit_id == person.unit_id
    )


# --- writing ------------------------------------------------------------------------------------


class _Writer:
    """Says things in one person's language and time zone."""

    def __init__(
        self, gettext: Callable[[str], str], zone: str, base_url: str, now: datetime
    ) -> None:
        self.gettext = gettext
        self.zone = ZoneInfo(zone)
        self.base_url = base_url.rstrip("/")
        self.now = now

    def say(self, message: str, **params: object) -> str:
        translated = self.gettext(message)
        return translated % params if params else translated

    def time(self, instant: datetime) -> str:
        return instant.astimezone(self.zone).strftime("%H:%M")

    def day(self, day: date) -> str:
        return day.strftime("%d/%m/%Y")

    def when(self, starts_at: datetime) -> dict[str, str]:
        local = starts_at.astimezone(self.zone)
        minutes = max(1, round((starts_at - self.now).total_seconds() / 60))
        return {"when": local.strftime("%d/%m %H:%M"), "left": format_lead(minutes)}

    def agenda_line(self, entry: field_agenda.AgendaEntry) -> str:
        line = (
            f"• {entry.title}" if entry.all_day else f"• {self.time(entry.starts_at)} {entry.title}"
        )
        return f"{line} — {entry.context}" if entry.context else line

    def absolute(self, link: str) -> str:
        return self.base_url + link if link.startswith("/") else link

    def more(self, count: int) -> list[str]:
        return [self.say(DIGEST_MORE, count=count - DIGEST_LINES)] if count > DIGEST_LINES else []

    def push(self, link: TelegramLink, key: str, kind: str, text: str, target: str) -> Push:
        text = f"{text}\n{self.absolute(target)}"
        return Push(key, link.person_id, link.chat_id, kind, text[:MESSAGE_LIMIT])


# --- claiming and recording ---------------------------------------------------------------------


def claim_push(session: Session, push: Push, *, now: datetime) -> int | None:
    """Claim ``push`` for sending: returns its delivery's id, or None when another process
    (or an earlier round) has it. The caller commits at once, before sending."""
    existing = session.scalar(select(BotDelivery).where(BotDelivery.key == push.key))
    if existing is None:
        delivery = BotDelivery(
            key=push.key, person_id=push.person_id, kind=push.kind, claimed_at=now, attempts=0
        )
        try:
            with session.begin_nested():
                session.add(delivery)
                session.flush()
        except IntegrityError:
            return None  # inserted by another process between our look and our insert
        return delivery.id
    if existing.sent_at is not None or not _may_retry(existing.attempts, existing.claimed_at, now):
        return None
    # Re-claim a failed or abandoned send: whoever moves claimed_at first has it.
    taken = session.execute(
        update(BotDelivery)
        .where(BotDelivery.id == existing.id, BotDelivery.claimed_at == existing.claimed_at)
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return existing.id if taken.rowcount == 1 else None


def record_sent(session: Session, delivery_id: int, *, now: datetime) -> None:
    session.execute(
        update(BotDelivery)
        .where(BotDelivery.id == delivery_id)
        .values(sent_at=now, error="")
        .execution_options(synchronize_session=False)
    )


def record_failure(
    session: Session, delivery_id: int, *, now: datetime, error: str, final: bool = False
) -> None:
    """A send failed: counted as an attempt (``final``: never retried)."""
    delivery = session.get(BotDelivery, delivery_id)
    if delivery is None:
        return
    delivery.attempts = MAX_ATTEMPTS if final else delivery.attempts + 1
    delivery.claimed_at = now
    delivery.error = error[:1000]
    session.flush()
