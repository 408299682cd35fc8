"""Demo: the national online conference of next month, organised by the ministry's press and
information department, with a site in every province and a dozen missions abroad, in mixed
readiness (most ready, some not, some silent), as journey 8 tells it."""

from __future__ import annotations

import unicodedata
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.calendar import queries as calendar_queries
from campaigns.calendar import rules as calendar_rules
from campaigns.calendar import services as calendar_services
from campaigns.org import queries as org_queries
from campaigns.org import services as org_services
from campaigns.programme import conferences
from campaigns.programme.conference_models import Conference, ConferenceSite, ConferenceTalk

EVENT_UID = "demo-national-conference@herald"
ORGANISER = "mofa-press"
PARENT = "bcd-ttdn"

# The 63 provinces and centrally-run cities (the five cities first).
CITIES = ("Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ")
PROVINCES = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre",
    "Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Đắk Lắk",
    "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam",
    "Hà Tĩnh", "Hải Dương", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang",
    "Kon Tum", "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An",
    "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi",
    "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên",
    "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang", "Trà Vinh", "Tuyên Quang", "Vĩnh Long",
    "Vĩnh Phúc", "Yên Bái",
)  # fmt: skip

# Missions abroad beyond the organisation demo's five: a dozen in all.
MISSIONS = (
    ("mission-cn", "Đại sứ quán Việt Nam tại Trung Quốc", "Embassy of Viet Nam in China", "CN", "Asia/Shanghai"),
    ("mission-kr", "Đại sứ quán Việt Nam tại Hàn Quốc", "Embassy of Viet Nam in the Republic of Korea", "KR", "Asia/Seoul"),
    ("mission-de", "Đại sứ quán Việt Nam tại Đức", "Embassy of Viet Nam in Germany", "DE", "Europe/Berlin"),
    ("mission-gb", "Đại sứ quán Việt Nam tại Vương quốc Anh", "Embassy of Viet Nam in the United Kingdom", "GB", "Europe/London"),
    ("mission-au", "Đại sứ quán Việt Nam tại Australia", "Embassy of Viet Nam in Australia", "AU", "Australia/Sydney"),
    ("mission-in", "Đại sứ quán Việt Nam tại Ấn Độ", "Embassy of Viet Nam in India", "IN", "Asia/Kolkata"),
    ("mission-la", "Đại sứ quán Việt Nam tại Lào", "Embassy of Viet Nam in Laos", "LA", "Asia/Vientiane"),
)  # fmt: skip
DEMO_MISSIONS = ("mission-us", "mission-fr", "mission-jp", "mission-ru", "mission-kh")

TALKS = (
    ("Bộ trưởng Bộ Ngoại giao", "Chủ trì hội nghị", "Khai mạc và định hướng công tác thông tin đối ngoại năm tới", 15),
    ("Vụ trưởng Vụ Thông tin Báo chí", "Bộ Ngoại giao", "Tổng kết công tác thông tin đối ngoại năm qua", 20),
    ("Chủ tịch UBND tỉnh Tây Ninh", "Điểm cầu Tây Ninh", "Tham luận: thông tin đối ngoại ở địa bàn biên giới", 10),
    ("Đại sứ Việt Nam tại Pháp", "Điểm cầu Paris", "Tham luận: quảng bá hình ảnh Việt Nam tại châu Âu", 10),
)  # fmt: skip


def _ascii(name: str) -> str:
    name = name.replace("Đ", "D").replace("đ", "d")
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def province_code(name: str) -> str:
    return "prov-" + "".join(ch for ch in _ascii(name).lower() if ch.isalnum())


def load_conference_units(session: Session, *, now: datetime) -> None:
    """Every province and a dozen missions (loaded with the organisation demo, so that the
    other areas' demos see the same units on every run)."""
    if org_queries.unit_by_code(session, PARENT) is None:
        return
    rows = [
        (province_code(name), f"Sở Ngoại vụ thành phố {name}", f"{_ascii(name)} City Department of Foreign Affairs", "province", "VN", "Asia/Ho_Chi_Minh")
        for name in CITIES
    ] + [
        (province_code(name), f"Sở Ngoại vụ tỉnh {name}", f"{_ascii(name)} Department of Foreign Affairs", "province", "VN", "Asia/Ho_Chi_Minh")
        for name in PROVINCES
    ] + [(code, vi, en, "mission", country, zone) for code, vi, en, country, zone in MISSIONS]  # fmt: skip
    for code, name_vi, name_en, kind, country, zone in rows:
        if org_queries.unit_by_code(session, code) is not None:
            continue
        org_services.create_unit(
            session,
            actor=None,
            now=now,
            code=code,
            name_vi=name_vi,
            name_en=name_en,
            kind=kind,
            country=country,
            timezone=zone,
            parent_code=ORGANISER if kind == "mission" else PARENT,
        )


def load_conference_demo(session: Session, *, now: datetime) -> None:
    """Next month's national online conference (idempotent: nothing if it exists)."""
    if org_queries.unit_by_code(session, ORGANISER) is None:
        return  # the organisation demo was not loaded
    load_conference_units(session, now=now)
    event = calendar_queries.event_by_uid(session, EVENT_UID)
    if event is None:
        day = calendar_rules.office_today(now) + timedelta(days=30)
        event = calendar_services.create_event(
            session,
            actor=None,
            now=now,
            data=calendar_services.EventInput(
                title="Hội nghị trực tuyến toàn quốc về công tác thông tin đối ngoại",
                translations={
                    "en": {
                        "title": "National online conference on external information",
                        "description": "",
                    }
                },
                kind="conference",
                all_day=False,
                starts_local=datetime.combine(day, time(8, 0)),
                ends_local=datetime.combine(day, time(11, 30)),
                timezone="Asia/Ho_Chi_Minh",
                location="Bộ Ngoại giao, 1 Tôn Thất Đàm, Hà Nội",
                owner_unit_code=ORGANISER,
                priority="national",
                visibility="internal",
                tags=["conference"],
            ),
            confirm_overlap=True,
            uid=EVENT_UID,
        )
    if session.scalar(select(Conference.id).where(Conference.event_id == event.id)):
        return
    assert event.starts_at is not None
    conference = conferences.create_conference(
        session,
        actor=None,
        now=now,
        event=event,
        readiness_due_at=event.starts_at - timedelta(days=2),
    )
    conferences.add_sites_from_units(
        session, actor=None, now=now, conference=conference, selection="provinces"
    )
    codes = [code for code, *_ in MISSIONS] + list(DEMO_MISSIONS)
    for code in codes:
        unit = org_queries.unit_by_code(session, code)
        if unit is not None:
            conferences.add_site(
                session,
                actor=None,
                now=now,
                conference=conference,
                unit=unit,
                data=conferences.SiteInput(expected_attendance=40, timezone=unit.timezone),
            )
    _fill_sites(session, conference, now=now)
    for position, (speaker, title_of_speaker, title, minutes) in enumerate(TALKS, start=1):
        session.add(
            ConferenceTalk(
                conference_id=conference.id,
                position=position,
                speaker_name=speaker,
                speaker_title=title_of_speaker,
                title=title,
                minutes=minutes,
                created_at=now,
            )
        )
    session.flush()


def _fill_sites(session: Session, conference: Conference, *, now: datetime) -> None:
    """Chairs, contacts and attendance; readiness mixed: about two thirds ready, a quarter
    not ready (something missing), the rest silent."""
    sites = session.scalars(
        select(ConferenceSite)
        .where(ConferenceSite.conference_id == conference.id)
        .order_by(ConferenceSite.id)
    ).all()
    for number, site in enumerate(sites):
        unit = site.unit
        if site.is_central:
            site.chair_name, site.chair_title = (
                "Bùi Thanh Sơn",
                "Phó Thủ tướng, Bộ trưởng Bộ Ngoại giao",
            )
            site.expected_attendance = 250
        elif unit.kind == "mission":
            site.chair_name, site.chair_title = (
                f"Đại sứ {unit.country}",
                "Đại sứ, Trưởng Cơ quan đại diện",
            )
            site.expected_attendance = 30 + (number * 7) % 40
        else:
            site.chair_name, site.chair_title = (
                "Phó Chủ tịch UBND",
                unit.name_vi.replace("Sở Ngoại vụ ", ""),
            )
            site.expected_attendance = 900 + (number * 137) % 1700
        site.technical_contact = f"Phòng CNTT — it@{unit.code}.example.vn"
        bucket = number % 9
        if site.is_central or bucket < 6:
            answers = (True, True, True, True)
        elif bucket < 8:
            answers = (True, bucket == 6, bucket == 7, False)
        else:
            continue  # silent: never answered
        site.room_ready, site.connection_tested, site.chair_confirmed, site.documents_received = (
            answers
        )
        site.readiness_answered_at = now - timedelta(hours=number % 48)
        site.updated_at = now
    session.flush()
