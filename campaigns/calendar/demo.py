"""Calendar demo data, relative to ``now``: a few events across the coming months in several
zones, the anniversary dataset with owner units, and the planning tasks already due.

Loading is idempotent: demo events carry fixed UIDs, and what exists is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from campaigns.calendar import queries, quiet_days, rules, services
from campaigns.calendar.models import AnniversaryCategory, EventStatus
from campaigns.org.queries import unit_by_code


@dataclass(frozen=True)
class DemoEvent:
    key: str
    title_vi: str
    title_en: str
    kind: str
    owner: str
    zone: str
    first_day: int  # days after today at the office
    last_day: int | None = None  # all-day events: the last day (inclusive)
    starts: time | None = None  # timed events: the wall-clock start and end on first_day
    ends: time | None = None
    location: str = ""
    countries: tuple[str, ...] = ()
    participants: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    priority: str = "normal"
    visibility: str = "internal"
    status: str = "planned"
    tags: tuple[str, ...] = ()


DEMO_EVENTS = (
    DemoEvent("state-visit-us", "Chuyến thăm cấp Nhà nước tới Hoa Kỳ", "State visit to the United States", "diplomatic", "mofa-press", "America/New_York", 24, last_day=26, location="Washington, D.C.", countries=("US",), participants=("mission-us",), priority="national", visibility="public", status="confirmed", tags=("state-visit",)),
    DemoEvent("state-visit-us-press", "Họp báo quốc tế về chuyến thăm Hoa Kỳ", "International press conference on the visit to the United States", "diplomatic", "mission-us", "America/New_York", 25, starts=time(14, 0), ends=time(15, 30), location="Washington, D.C.", countries=("US",), priority="high", visibility="public", tags=("state-visit", "press")),
    DemoEvent("planning-meeting", "Họp trù bị kế hoạch thông tin đối ngoại năm tới", "Preparatory meeting on next year's external-information plan", "other", "mofa-press", "Asia/Ho_Chi_Minh", 7, starts=time(14, 0), ends=time(16, 0), location="Bộ Ngoại giao, Hà Nội", audience=("bcd-ttdn",), priority="high", visibility="restricted", tags=("plan",)),
    DemoEvent("talks-moscow", "Tham vấn chính trị với Bộ Ngoại giao Nga", "Political consultations with the Russian Foreign Ministry", "diplomatic", "mission-ru", "Europe/Moscow", 15, starts=time(11, 0), ends=time(13, 0), location="Moscow", countries=("RU",), priority="high"),
    DemoEvent("film-week-paris", "Tuần phim Việt Nam tại Paris", "Vietnamese film week in Paris", "cultural", "mission-fr", "Europe/Paris", 30, last_day=34, location="Paris", countries=("FR",), visibility="public", status="cancelled", tags=("culture",)),
    DemoEvent("photo-exhibition-phnom-penh", "Triển lãm ảnh “Việt Nam – Campuchia: tình hữu nghị”", "Photo exhibition “Viet Nam – Cambodia: a friendship” in Phnom Penh", "cultural", "mission-kh", "Asia/Phnom_Penh", 40, last_day=47, location="Phnom Penh", countries=("KH",), participants=("prov-tayninh", "prov-angiang"), visibility="public", tags=("culture", "photo")),
    DemoEvent("national-assembly-session", "Kỳ họp Quốc hội", "National Assembly session", "political", "bcd-ttdn", "Asia/Ho_Chi_Minh", 55, last_day=75, location="Nhà Quốc hội, Hà Nội", priority="national", tags=("national-assembly",)),
    DemoEvent("viet-nam-festival-tokyo", "Lễ hội Việt Nam tại Tokyo", "Viet Nam Festival in Tokyo", "cultural", "mission-jp", "Asia/Tokyo", 60, last_day=61, location="Yoyogi Park, Tokyo", countries=("JP",), visibility="public", tags=("culture",)),
)  # fmt: skip

# Diplomatic relations are looked after by the mission in that country where there is one.
MISSION_OF_COUNTRY = {
    "US": "mission-us",
    "FR": "mission-fr",
    "JP": "mission-jp",
    "RU": "mission-ru",
    "KH": "mission-kh",
}
DEFAULT_ANNIVERSARY_OWNER = "mofa-press"


def demo_uid(key: str) -> str:
    return f"demo-{key}@herald"


def _event_input(demo: DemoEvent, today: date) -> services.EventInput:
    first = today + timedelta(days=demo.first_day)
    timed = demo.starts is not None
    return services.EventInput(
        title=demo.title_vi,
        translations={"en": {"title": demo.title_en, "description": ""}},
        kind=demo.kind,
        all_day=not timed,
        starts_local=datetime.combine(first, demo.starts) if timed else None,
        ends_local=datetime.combine(first, demo.ends) if timed and demo.ends else None,
        start_date=None if timed else first,
        end_date=None if timed else today + timedelta(days=demo.last_day or demo.first_day),
        timezone=demo.zone,
        location=demo.location,
        partner_countries=list(demo.countries),
        owner_unit_code=demo.owner,
        participant_codes=list(demo.participants),
        priority=demo.priority,
        visibility=demo.visibility,
        audience_codes=list(demo.audience),
        status=EventStatus.PLANNED if demo.status == EventStatus.CANCELLED else demo.status,
        tags=list(demo.tags),
    )


def _load_events(session: Session, *, now: datetime) -> None:
    today = rules.office_today(now)
    for demo in DEMO_EVENTS:
        units = (demo.owner, *demo.participants, *demo.audience)
        if queries.event_by_uid(session, demo_uid(demo.key)) is not None:
            continue
        if any(unit_by_code(session, code) is None for code in units):
            continue  # the organisation demo was not loaded (or was changed): skip this one
        event = services.create_event(
            session,
            actor=None,
            now=now,
            data=_event_input(demo, today),
            confirm_overlap=True,
            uid=demo_uid(demo.key),
        )
        if demo.status == EventStatus.CANCELLED:
            services.cancel_event(
                session, actor=None, now=now, event=event, reason="Venue unavailable"
            )


def _assign_owners(session: Session, *, now: datetime) -> None:
    for anniversary in queries.list_anniversaries(session):
        if anniversary.owner_unit_id is not None or anniversary.dataset_key is None:
            continue
        code = DEFAULT_ANNIVERSARY_OWNER
        if anniversary.category == AnniversaryCategory.DIPLOMATIC_RELATIONS:
            code = MISSION_OF_COUNTRY.get(anniversary.partner_country or "", code)
        if unit_by_code(session, code) is not None:
            services.assign_anniversary_owner(
                session, actor=None, now=now, anniversary=anniversary, owner_unit_code=code
            )


# War Invalids and Martyrs Day: a day of remembrance, on which the office publishes nothing
# festive; the demo's schedulers meet it as a quiet day.
QUIET_DAY_REASON = (
    "Ngày Thương binh - Liệt sĩ (27/7): không đăng nội dung giải trí, quảng bá "
    "/ War Invalids and Martyrs Day: nothing festive or promotional"
)


def _load_quiet_days(session: Session, *, now: datetime) -> None:
    today = rules.office_today(now)
    day = date(today.year, 7, 27)
    if day < today:
        day = date(today.year + 1, 7, 27)
    known = {(item.start_date, item.reason) for item in quiet_days.list_quiet_days(session)}
    if (day, QUIET_DAY_REASON) not in known:
        quiet_days.create_quiet_day(
            session,
            actor=None,
            now=now,
            data=quiet_days.QuietDayInput(start_date=day, end_date=None, reason=QUIET_DAY_REASON),
        )


def load_calendar_demo(session: Session, *, now: datetime) -> None:
    """Load the calendar demo (after the organisation demo, whose units it uses)."""
    _load_events(session, now=now)
    _load_quiet_days(session, now=now)
    services.import_anniversary_dataset(session, actor=None, now=now)
    _assign_owners(session, now=now)
    services.create_due_planning_tasks(session, now=now)
