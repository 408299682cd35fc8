"""Posts scheduled in bulk from a CSV or XLSX file: a preview with each row's problems per
column, then, all or nothing, the posts created and sent for clearance in one transaction.

One row is one language variant; rows sharing a ``post`` key are one post with several
variants (rows without a key are a post each). A post names its campaign, its channels and/or
audiences and when it should go out; that schedule is kept on the post and offered when it is
cleared (four eyes: the uploader wrote it, so another person clears it, as for any post).

Campaigns and channels are loaded once per file, never per row. A campaign or a channel the
uploader may not use reads exactly like one that does not exist.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from campaigns.audit import record_change
from campaigns.errors import Conflict, Invalid, Message
from campaigns.i18n import N_
from campaigns.org.import_jobs import ImportJob, ImportReport, queue_import_job
from campaigns.org.models import Person
from campaigns.permissions import can, may_post_on_channel, require
from campaigns.social import rules, services
from campaigns.social.models import BulkUpload, Campaign, Channel, Post, ScheduleMode
from campaigns.spreadsheets import UnreadableTable, read_table
from campaigns.timezones import is_zone

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = ("post", "campaign", "language", "text", "channels", "audiences", "date", "at", "window")
REQUIRED_COLUMNS = ("campaign", "language", "text", "at")
# The cells of a post that its rows share: a later row may leave them empty or repeat them.
# (``channels`` is not one: each row may name channels, the post goes out on all of them.)
POST_COLUMNS = ("campaign", "audiences", "date", "at", "window")
DEFAULT_WINDOW = 30

TEMPLATE_ROWS = (
    COLUMNS,
    (
        "ngay-doc-lap",
        "Quốc khánh 2027",
        "vi",
        "Chúc mừng Quốc khánh 2/9!",
        "MOFA Vietnam",
        "",
        "",
        "2027-09-02 08:00 Asia/Ho_Chi_Minh",
        "30",
    ),
    (
        "ngay-doc-lap",
        "Quốc khánh 2027",
        "en",
        "Happy National Day, 2 September!",
        "",
        "",
        "",
        "",
        "",
    ),
    ("", "Quốc khánh 2027", "fr", "Bonne fête nationale !", "", "FR", "2027-09-02", "09:00 per audience", ""),
)  # fmt: skip

_PER_AUDIENCE = re.compile(r"\s+per\s+audience$", re.IGNORECASE)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass
class BulkRow:
    line: int
    values: dict[str, str]
    # Column -> what is wrong there, in words for the reader (``Message``).
    errors: dict[str, Message] = field(default_factory=dict)
    key: str = ""

    def problem(self, column: str, template: str, **params: object) -> None:
        self.errors.setdefault(column, Message(template, **params))


@dataclass
class BulkPost:
    """One post the file asks for."""

    key: str
    rows: list[BulkRow]
    campaign: Campaign | None = None
    channels: list[Channel] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    mode: str = ScheduleMode.PER_AUDIENCE
    zone: str | None = None
    local_date: date | None = None
    local_time: time | None = None
    window: int = DEFAULT_WINDOW

    @property
    def variants(self) -> dict[str, str]:
        return {row.values["_language"]: row.values["text"] for row in self.rows}

    @property
    def title(self) -> str:
        if self.key and not self.key.startswith("\x00"):
            return self.key[:200]
        text = " ".join(self.rows[0].values.get("text", "").split())
        return text[:60] + ("…" if len(text) > 60 else "")


@dataclass
class BulkPreview:
    rows: list[BulkRow]
    posts: list[BulkPost]
    sha256: str
    created: list[Post] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return bool(self.rows) and not any(row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)


# --- reading -------------------------------------------------------------------------------------


def _table(content: bytes, filename: str) -> tuple[list[str], list[list[str]]]:
    if not content.strip():
        raise Invalid(N_("The file is empty."), field="file")
    if len(content) > MAX_BYTES:
        raise Invalid(N_("The file is larger than 2 MB."), field="file")
    try:
        table = read_table(content, filename=filename, max_rows=MAX_ROWS)
    except UnreadableTable as error:
        raise Invalid(
            N_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")
            if error.reason == "encoding"
            else N_("The file is not valid CSV.")
            if error.reason == "csv"
            else N_(
                "This is not an Excel workbook Herald can read; save it again as .xlsx or CSV."
            ),
            field="file",
        ) from None
    if not table:
        raise Invalid(N_("The file is empty."), field="file")
    header = [cell.strip().lstrip("\ufeff").lower() for cell in table[0]]
    rows = table[1:]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name and name not in COLUMNS]
    if missing or unknown:
        raise Invalid(
            N_("Wrong columns. Missing: %(missing)s. Unknown: %(unknown)s. Expected: %(expected)s."),
            field="file",
            missing=", ".join(missing) or "—",
            unknown=", ".join(unknown) or "—",
            expected=", ".join(COLUMNS),
        )  # fmt: skip
    if not rows:
        raise Invalid(N_("The file has a header but no rows."), field="file")
    if len(rows) > MAX_ROWS:
        raise Invalid(
            N_("The file has more than %(limit)s rows; split it into several files."),
            field="file",
            limit=MAX_ROWS,
        )
    return header, rows


def _split(cell: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in cell.split(",") if part.strip()))


def _parse_at(row: BulkRow, post: BulkPost) -> None:
    """``at`` (with ``date``): "2027-06-24 09:00 Europe/Paris" (one zone), "2027-06-24 09:00"
    or "2027-06-24 09:00 per audience" (each channel's audience clock), "09:00 per audience"
    (the day in the ``date`` column)."""
    raw = " ".join(row.values.get("at", "").split())
    day_cell = row.values.get("date", "").strip()
    bad = N_(
        "Write the time as 2027-06-24 09:00 followed by a time zone (Europe/Paris) or “per "
        "audience”, or as 09:00 per audience with the day in the date column."
    )
    if not raw:
        row.problem("at", N_("Say when to publish."))
        return
    mode = ScheduleMode.PER_AUDIENCE
    zone = None
    rest = _PER_AUDIENCE.sub("", raw)
    if rest == raw and " " in raw:
        head, last = raw.rsplit(" ", 1)
        if "/" in last or last.upper() == "UTC":
            if not is_zone(last):
                row.problem("at", N_("This time zone does not exist."))
                return
            mode, zone, rest = ScheduleMode.AT, last, head
    rest = rest.replace("T", " ")
    day: date | None = None
    if " " in rest:
        day_text, time_text = rest.split(" ", 1)
    else:
        day_text, time_text = day_cell, rest
    match = _TIME.match(time_text.strip())
    try:
        day = date.fromisoformat(day_text) if day_text else None
    except ValueError:
        day = None
        row.problem("date" if day_text == day_cell and " " not in rest else "at", bad)
    if match is None:
        row.problem("at", bad)
        return
    if day is None:
        if "at" not in row.errors and "date" not in row.errors:
            row.problem("date", N_("Give the day (YYYY-MM-DD), here or in the time."))
        return
    post.mode, post.zone, post.local_date = mode, zone, day
    post.local_time = time(int(match.group(1)), int(match.group(2)))


def _window(row: BulkRow) -> int:
    raw = row.values.get("window", "").strip()
    if not raw:
        return DEFAULT_WINDOW
    if not raw.isdigit() or not 1 <= int(raw) <= 24 * 60:
        row.problem("window", N_("The misfire window is between 1 minute and 24 hours."))
        return DEFAULT_WINDOW
    return int(raw)


class _Lookups:
    """Every campaign and channel, loaded once for the whole file."""

    def __init__(self, session: Session, actor: Person) -> None:
        self.actor = actor
        campaigns = [
            campaign
            for campaign in session.scalars(
                select(Campaign).options(selectinload(Campaign.participating_units))
            )
            if can(actor, "post.create", campaign)
        ]
        self.by_id = {str(campaign.id): campaign for campaign in campaigns}
        self.by_name: dict[str, list[Campaign]] = {}
        for campaign in campaigns:
            for name in {campaign.name_vi, campaign.name_en}:
                self.by_name.setdefault(name.strip().casefold(), []).append(campaign)
        self.channels = list(session.scalars(select(Channel).order_by(Channel.id)))
        self._usable: dict[int, dict[str, Channel]] = {}
        self._lengths: dict[tuple[str, str], rules.LengthCheck] = {}

    def campaign(self, row: BulkRow) -> Campaign | None:
        raw = row.values.get("campaign", "").strip()
        if not raw:
            row.problem("campaign", N_("Name the campaign (its number or its exact name)."))
            return None
        found = self.by_name.get(raw.casefold(), [])
        if raw.isdigit() and raw in self.by_id:
            found = [self.by_id[raw]]
        if len(found) > 1:
            row.problem("campaign", N_("Several campaigns have this name: give its number."))
            return None
        if not found:
            # The same words whether it does not exist or the uploader may not write in it.
            row.problem(
                "campaign", N_("No campaign you may post in is called “%(name)s”."), name=raw
            )
            return None
        return found[0]

    def usable_channels(self, campaign: Campaign) -> dict[str, Channel]:
        """The channels the uploader may post on for ``campaign``, by name (casefolded)."""
        if campaign.id not in self._usable:
            usable: dict[str, Channel] = {}
            for channel in self.channels:
                if may_post_on_channel(self.actor, channel, campaign):
                    usable.setdefault(channel.name.strip().casefold(), channel)
            self._usable[campaign.id] = usable
        return self._usable[campaign.id]

    def length(self, kind: str, text: str) -> rules.LengthCheck:
        if (kind, text) not in self._lengths:
            self._lengths[(kind, text)] = rules.check_format(kind, text)
        return self._lengths[(kind, text)]


def _check_row_cells(row: BulkRow) -> None:
    language = rules.normalise_language(row.values.get("language", ""))
    if language is None:
        row.problem("language", N_("This is not a language tag (vi, en, zh-Hant...)."))
    row.values["_language"] = language or row.values.get("language", "")
    text = row.values.get("text", "").strip()
    row.values["text"] = text
    if not text:
        row.problem("text", N_("Write the text of the post."))
    elif len(text) > rules.MAX_TEXT_LENGTH:
        row.problem("text", N_("Too long: no platform takes more than 4096 characters."))
    for name, value in row.values.items():
        if "\x00" in value:
            row.problem(name, N_("This cell contains a NUL character; remove it."))


def _group(rows: list[BulkRow]) -> list[BulkPost]:
    """Rows into posts (by ``post`` key), with duplicates and contradictions reported."""
    posts: dict[str, BulkPost] = {}
    seen_rows: dict[tuple[str, ...], int] = {}
    for row in rows:
        key = row.values.get("post", "").strip()
        row.key = key or f"\x00{row.line}"
        identity = tuple(row.values.get(name, "").strip() for name in COLUMNS if name != "post")
        if identity in seen_rows:
            row.problem("text", N_("Same as line %(line)s."), line=seen_rows[identity])
            continue
        seen_rows[identity] = row.line
        post = posts.get(row.key)
        if post is None:
            posts[row.key] = BulkPost(key=row.key, rows=[row])
            continue
        first = post.rows[0]
        for name in POST_COLUMNS:
            mine = row.values.get(name, "").strip()
            if mine and mine != first.values.get(name, "").strip():
                row.problem(
                    name,
                    N_("Differs from line %(line)s of the same post; leave it empty or repeat it."),
                    line=first.line,
                )
        language = row.values.get("_language")
        twin = next(
            (other for other in post.rows if other.values.get("_language") == language), None
        )
        if twin is not None:
            row.problem(
                "language",
                N_("Line %(line)s already gives this language for this post."),
                line=twin.line,
            )
            continue
        post.rows.append(row)
    return list(posts.values())


def _check_post(post: BulkPost, lookups: _Lookups, now: datetime) -> None:
    first = post.rows[0]
    post.campaign = lookups.campaign(first)
    post.window = _window(first)
    _parse_at(first, post)
    if post.campaign is None:
        return
    usable = lookups.usable_channels(post.campaign)
    named = [(row, name) for row in post.rows for name in _split(row.values.get("channels", ""))]
    countries = [code.upper() for code in _split(first.values.get("audiences", ""))]
    bad_countries = [code for code in countries if rules.zone_for_country(code) is None]
    if bad_countries:
        first.problem("audiences", N_("Use two-letter ISO 3166 country codes, e.g. VN or FR."))
        return
    languages = set(post.variants)
    channels: list[Channel] = []
    for row, name in named:
        channel = usable.get(name.casefold())
        if channel is None:
            # The same words whether it does not exist or the uploader may not use it.
            row.problem("channels", N_("No channel you may use is called “%(name)s”."), name=name)
        elif channel not in channels:
            channels.append(channel)
    if any("channels" in row.errors for row in post.rows):
        return
    if not named:
        if not countries:
            first.problem("channels", N_("Name the channels, or the audiences (country codes)."))
            return
        channels = [
            channel
            for channel in usable.values()
            if channel.language in languages
            and rules.served_audiences(channel.served_countries, countries)
        ]
        if not channels:
            first.problem(
                "audiences",
                N_("None of the channels you may use addresses %(countries)s in these languages."),
                countries=", ".join(countries),
            )
            return
    if post.mode == ScheduleMode.AT:
        countries = []
    elif not countries:
        countries = list(dict.fromkeys(c for channel in channels for c in channel.served_countries))
    else:
        idle = [
            channel.name
            for channel in channels
            if not rules.served_audiences(channel.served_countries, countries)
        ]
        if idle:
            first.problem(
                "channels",
                N_("%(channels)s address none of %(countries)s."),
                channels=", ".join(idle),
                countries=", ".join(countries),
            )
            return
    post.channels, post.countries = channels, countries
    by_language = {row.values["_language"]: row for row in post.rows}
    unsure = any("language" in row.errors for row in post.rows)
    for channel in channels:
        row = by_language.get(channel.language)
        if row is None and unsure:
            continue  # the language column of a row is wrong: that problem is said there
        if row is None:
            first.problem(
                "channels",
                N_("%(channel)s publishes in %(language)s: add a row in that language."),
                channel=channel.name,
                language=channel.language,
            )
            continue
        problem = rules.format_problem(lookups.length(channel.kind, row.values["text"]))
        if problem is not None:
            template, params = problem
            row.problem("text", template, **params)
    if post.local_date is None or post.local_time is None:
        return
    past = []
    for channel in channels:
        zone = post.zone or channel.audience_zone
        if rules.wall_to_utc(post.local_date, post.local_time, zone) <= now:
            past.append(zone)
    if past:
        first.problem(
            "at",
            N_("This time has already passed (%(where)s)."),
            where=", ".join(dict.fromkeys(past)),
        )


def preview_bulk_posts(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    content: bytes,
    filename: str = "",
) -> BulkPreview:
    """Read a file of posts (``COLUMNS``; CSV in UTF-8, commas or semicolons, or XLSX) and
    say, per row and per column, what is wrong; creates nothing.

    Raises NotAllowed, or Invalid for a file that cannot be read at all (size, encoding, rows,
    missing or unknown columns).
    """
    require(actor, "post.bulk")
    header, table = _table(content, filename)
    lookups = _Lookups(session, actor)
    rows = []
    for number, cells in enumerate(table, start=2):
        values = {
            name: (cells[index] if index < len(cells) else "").strip()
            for index, name in enumerate(header)
            if name
        }
        row = BulkRow(line=number, values=values)
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            row.problem("file", N_("This row has more cells than the header."))
        _check_row_cells(row)
        rows.append(row)
    posts = _group(rows)
    for post in posts:
        _check_post(post, lookups, now)
    return BulkPreview(rows=rows, posts=posts, sha256=hashlib.sha256(content).hexdigest())


def _checked(
    session: Session, *, actor: Person, now: datetime, content: bytes, filename: str
) -> BulkPreview:
    """The preview of a file about to be confirmed: Invalid when any row has a problem,
    Conflict when this file was confirmed before."""
    preview = preview_bulk_posts(session, actor=actor, now=now, content=content, filename=filename)
    if not preview.valid:
        raise Invalid(
            N_("%(count)s rows have problems; nothing was created. Correct the file and upload it again."),
            field="file",
            count=preview.error_count,
        )  # fmt: skip
    earlier = session.scalar(select(BulkUpload).where(BulkUpload.sha256 == preview.sha256))
    if earlier is not None:
        raise _already(earlier)
    return preview


def create_bulk_posts(
    session: Session,
    *,
    actor: Person,
    now: datetime,
    content: bytes,
    filename: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> BulkPreview:
    """All or nothing: with no problem in any row, create every post of the file, authored by
    ``actor``, with its variants and its schedule, and send each for clearance; record the file
    so that confirming it again creates nothing. Flushes, never commits.

    Raises NotAllowed, Invalid (the file as a whole, or rows with problems: nothing created),
    Conflict (this file was already confirmed).
    """
    preview = _checked(session, actor=actor, now=now, content=content, filename=filename)
    upload = BulkUpload(
        sha256=preview.sha256,
        filename=(filename or "")[:255],
        rows=len(preview.rows),
        post_ids=[],
        created_by_id=actor.id,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(upload)
            session.flush()
    except IntegrityError:
        # Someone confirmed the same file at the same moment.
        earlier = session.scalar(select(BulkUpload).where(BulkUpload.sha256 == preview.sha256))
        raise _already(earlier) from None
    for number, planned in enumerate(preview.posts):
        assert planned.campaign is not None
        if progress is not None and number % 50 == 0:
            progress(number, len(preview.posts))
        post = services.create_post(
            session,
            actor=actor,
            now=now,
            campaign=planned.campaign,
            title=planned.title,
            variants=planned.variants,
            misfire_window_minutes=planned.window,
        )
        post.schedule_mode = planned.mode
        post.schedule_zone = planned.zone
        post.schedule_local_date = planned.local_date
        post.schedule_local_time = planned.local_time
        post.schedule_countries = list(planned.countries)
        post.schedule_channel_ids = [channel.id for channel in planned.channels]
        services.submit_post(session, actor=actor, now=now, post=post)
        preview.created.append(post)
    upload.post_ids = [post.id for post in preview.created]
    session.flush()
    record_change(
        session,
        actor=actor,
        now=now,
        action="create",
        target=upload,
        comment=f"{len(preview.created)} posts sent for clearance",
    )
    return preview


def _already(upload: BulkUpload | None) -> Conflict:
    return Conflict(
        N_("This file was already confirmed on %(day)s (%(count)s posts); nothing was created again."),
        day=upload.created_at.date().isoformat() if upload is not None else "—",
        count=len(upload.post_ids) if upload is not None else 0,
    )  # fmt: skip


# --- as an import job (campaigns/imports.py): a big file is created by a worker -----------------

JOB_KIND = "social_posts"


def queue_bulk_posts(
    session: Session, *, actor: Person, now: datetime, content: bytes, filename: str = ""
) -> ImportJob:
    """Queue a confirmed file: checked now (Invalid: rows with problems; Conflict: already
    confirmed), its posts created by ``run_bulk_posts`` (at once for a small file, by a worker
    for a big one), which checks it all again."""
    preview = _checked(session, actor=actor, now=now, content=content, filename=filename)
    return queue_import_job(
        session,
        actor=actor,
        now=now,
        kind=JOB_KIND,
        content=content,
        filename=(filename or "")[:255],
        params={"filename": (filename or "")[:255]},
        total=len(preview.posts),
    )


def run_bulk_posts(
    session: Session,
    *,
    actor: Person | None,
    now: datetime,
    content: bytes,
    params: dict,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """A queued file, done: every post created and sent for clearance, or (Invalid, Conflict,
    NotAllowed: the job fails with the reason) none."""
    require(actor, "post.bulk")
    assert actor is not None
    done = create_bulk_posts(
        session,
        actor=actor,
        now=now,
        content=content,
        filename=str(params.get("filename") or ""),
        progress=progress,
    )
    report = ImportReport()
    report.count("created", len(done.created))
    return report
