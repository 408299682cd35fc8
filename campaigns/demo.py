"""Demo data: the units and people a newcomer needs to walk Herald's journeys.

Loading is idempotent: whatever already exists (by unit code or email) is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.calendar.demo import load_calendar_demo
from campaigns.metrics.demo import load_metrics_demo
from campaigns.metrics.scoring_demo import load_scoring_demo
from campaigns.org import queries, services
from campaigns.press.demo import load_press_demo
from campaigns.programme.conference_demo import load_conference_demo, load_conference_units
from campaigns.programme.plan_demo import load_plans_demo
from campaigns.social.demo import load_social_demo
from campaigns.webhooks_demo import load_webhooks_demo

DEMO_PASSWORD = "herald-demo"

# code, Vietnamese name, English name, kind, country, zone, parent code
DEMO_UNITS = (
    ("bcd-ttdn", "Ban Chỉ đạo công tác thông tin đối ngoại", "Steering Committee for External Information", "steering", "VN", "Asia/Ho_Chi_Minh", None),
    ("mofa-press", "Vụ Thông tin Báo chí, Bộ Ngoại giao", "Press and Information Department, MOFA", "ministry", "VN", "Asia/Ho_Chi_Minh", "bcd-ttdn"),
    ("prov-tayninh", "Sở Ngoại vụ tỉnh Tây Ninh", "Tay Ninh Department of Foreign Affairs", "province", "VN", "Asia/Ho_Chi_Minh", "bcd-ttdn"),
    ("prov-angiang", "Sở Ngoại vụ tỉnh An Giang", "An Giang Department of Foreign Affairs", "province", "VN", "Asia/Ho_Chi_Minh", "bcd-ttdn"),
    ("mission-us", "Đại sứ quán Việt Nam tại Hoa Kỳ", "Embassy of Viet Nam in the United States", "mission", "US", "America/New_York", "mofa-press"),
    ("mission-fr", "Đại sứ quán Việt Nam tại Pháp", "Embassy of Viet Nam in France", "mission", "FR", "Europe/Paris", "mofa-press"),
    ("mission-jp", "Đại sứ quán Việt Nam tại Nhật Bản", "Embassy of Viet Nam in Japan", "mission", "JP", "Asia/Tokyo", "mofa-press"),
    ("mission-ru", "Đại sứ quán Việt Nam tại Liên bang Nga", "Embassy of Viet Nam in the Russian Federation", "mission", "RU", "Europe/Moscow", "mofa-press"),
    ("mission-kh", "Đại sứ quán Việt Nam tại Campuchia", "Embassy of Viet Nam in Cambodia", "mission", "KH", "Asia/Phnom_Penh", "mofa-press"),
)  # fmt: skip

# email, name, role, unit code, locale, zone
DEMO_PEOPLE = (
    ("admin@example.org", "Lê Văn Quản", "admin", "mofa-press", "vi", "Asia/Ho_Chi_Minh"),
    ("coordinator@example.org", "Nguyễn Thu Hà", "coordinator", "mofa-press", "vi", "Asia/Ho_Chi_Minh"),
    ("coordinator2@example.org", "Trần Minh Quân", "coordinator", "bcd-ttdn", "vi", "Asia/Ho_Chi_Minh"),
    ("editor@example.org", "Phạm Lan Anh", "editor", "mofa-press", "vi", "Asia/Ho_Chi_Minh"),
    ("editor.kh@example.org", "Hoàng Đức Thịnh", "editor", "mission-kh", "vi", "Asia/Phnom_Penh"),
    ("field.paris@example.org", "Vũ Mai Linh", "field", "mission-fr", "vi", "Europe/Paris"),
    ("viewer@example.org", "Đỗ Thanh Bình", "viewer", "prov-tayninh", "en", "Asia/Ho_Chi_Minh"),
    ("editor.tayninh@example.org", "Ngô Thị Tâm", "editor", "prov-tayninh", "vi", "Asia/Ho_Chi_Minh"),
)  # fmt: skip


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str
    unit: str | None


def load_demo_data(session: Session, *, now: datetime, app_secret: str = "") -> list[DemoAccount]:
    """Create whatever of the demo world does not exist yet: units and people, the calendar
    (relative to ``now``), the press programme, campaigns and sandbox channels, and a measured
    campaign's published history with an effectiveness criteria set, the coming year's annual
    plans with one overlap to resolve, next month's national online conference and (given the
    server's ``app_secret``, which encrypts its secret) a webhook endpoint with its delivery log.
    Returns the demo accounts."""
    accounts = _load_people(session, now=now)
    load_conference_units(session, now=now)
    load_calendar_demo(session, now=now)
    load_press_demo(session, now=now)
    load_social_demo(session, now=now)
    load_metrics_demo(session, now=now)
    load_scoring_demo(session, now=now)
    load_plans_demo(session, now=now)
    load_conference_demo(session, now=now)
    if app_secret:
        load_webhooks_demo(session, now=now, app_secret=app_secret)
    return accounts


def _load_people(session: Session, *, now: datetime) -> list[DemoAccount]:
    for code, name_vi, name_en, kind, country, timezone, parent in DEMO_UNITS:
        if queries.unit_by_code(session, code) is None:
            services.create_unit(
                session,
                actor=None,
                now=now,
                code=code,
                name_vi=name_vi,
                name_en=name_en,
                kind=kind,
                country=country,
                timezone=timezone,
                parent_code=parent,
            )
    accounts = []
    for email, name, role, unit, locale, timezone in DEMO_PEOPLE:
        if queries.person_by_email(session, email) is None:
            services.create_person(
                session,
                actor=None,
                now=now,
                name=name,
                email=email,
                role=role,
                unit_code=unit,
                locale=locale,
                timezone=timezone,
                password=DEMO_PASSWORD,
            )
        accounts.append(DemoAccount(email=email, name=name, role=role, unit=unit))
    return accounts
