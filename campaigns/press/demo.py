"""Demo data for the press programme (journey 2 and 4), built relative to ``now``.

- The National Day press trip around the next 2 September: missions in Washington, Paris and
  Tokyo nominated eight journalists, six are shortlisted or further, visa cases at every step,
  a five-day itinerary where one escort is booked twice on day 3 and one interview sits
  outside the trip dates.
- A press tour that ended last month, now tracking coverage: 17 articles in 4 languages, so
  the trip report has something to show.
- A press visit in Paris under way now (journey 4): the Paris field officer escorts its
  itinerary items of today and tomorrow, so her bot has a day to show (/today, /trip, reminders).

Outlets and journalists are fictional. Loading is idempotent: the demo's journalists are found
by email and the trips by title; whatever exists is left as it is.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.calendar.models import Event, EventStatus, Priority
from campaigns.org.queries import person_by_email, unit_by_code
from campaigns.press import coverage, itinerary, privacy, queries, services, trips
from campaigns.press.models import Journalist, Outlet, Trip

# name, country, kind, languages, website, reach
OUTLETS = (
    ("Capitol Ledger", "US", "newspaper", ["en"], "https://capitol-ledger.example", 1_200_000),
    ("Atlantic Wire Service", "US", "agency", ["en", "es"], "https://atlanticwire.example", 5_000_000),
    ("Pacific Public Radio", "US", "radio", ["en"], "https://ppr.example", 800_000),
    ("Le Quotidien de Paris", "FR", "newspaper", ["fr"], "https://quotidien-paris.example", 900_000),
    ("Radio Seine Internationale", "FR", "radio", ["fr", "en"], "https://rsi.example", 1_500_000),
    ("Tokyo Shimpo", "JP", "newspaper", ["ja"], "https://tokyo-shimpo.example", 2_000_000),
    ("Nippon Broadcast Network", "JP", "tv", ["ja"], "https://nbn.example", 6_000_000),
)  # fmt: skip

# Latin name, native name, country, languages, beats, email, outlet, nominating mission
JOURNALISTS = (
    ("Emily Carter", "", "US", ["en"], ["politics", "Asia"], "emily.carter@capitol-ledger.example", "Capitol Ledger", "mission-us"),
    ("Marcus Reed", "", "US", ["en"], ["economy"], "m.reed@atlanticwire.example", "Atlantic Wire Service", "mission-us"),
    ("Sofia Alvarez", "", "US", ["en", "es"], ["culture", "travel"], "sofia@ppr.example", "Pacific Public Radio", "mission-us"),
    ("Claire Dubois", "", "FR", ["fr", "en"], ["diplomacy"], "claire.dubois@quotidien-paris.example", "Le Quotidien de Paris", "mission-fr"),
    ("Julien Moreau", "", "FR", ["fr"], ["economy", "climate"], "j.moreau@rsi.example", "Radio Seine Internationale", "mission-fr"),
    ("Amélie Laurent", "", "FR", ["fr", "vi"], ["culture"], "amelie.laurent@rsi.example", "Radio Seine Internationale", "mission-fr"),
    ("Tanaka Yuki", "田中 由紀", "JP", ["ja", "en"], ["politics"], "y.tanaka@tokyo-shimpo.example", "Tokyo Shimpo", "mission-jp"),
    ("Sato Kenji", "佐藤 健二", "JP", ["ja"], ["economy", "technology"], "k.sato@nbn.example", "Nippon Broadcast Network", "mission-jp"),
)  # fmt: skip

# Where each invitation of the National Day trip stands: invitation steps, visa steps.
NATIONAL_DAY_PROGRESS = {
    "Emily Carter": (["shortlisted", "invited", "accepted", "confirmed"], ["letter_requested", "letter_issued", "applied", "granted"]),
    "Marcus Reed": (["shortlisted", "invited", "accepted"], ["letter_requested", "letter_issued"]),
    "Sofia Alvarez": (["withdrawn"], []),
    "Claire Dubois": (["shortlisted", "invited", "accepted", "confirmed"], ["not_needed"]),
    "Julien Moreau": (["shortlisted", "invited"], ["letter_requested"]),
    "Amélie Laurent": ([], []),
    "Tanaka Yuki": (["shortlisted", "invited", "accepted", "confirmed"], ["letter_requested", "letter_issued", "applied"]),
    "Sato Kenji": (["shortlisted", "invited", "no_response"], []),
}  # fmt: skip

KEY_MESSAGES = [
    "Việt Nam: hòa bình, độc lập, phát triển",
    "An open, fast-growing economy",
    "A reliable partner in the region",
]

# headline, translation, language, journalist, tone, key-message indexes, days after the trip
PAST_COVERAGE = (
    ("Vietnam's rice bowl bets on climate-smart farming", "Vựa lúa Việt Nam đặt cược vào nông nghiệp thông minh", "en", "Emily Carter", "positive", [1], 2),
    ("In the Mekong Delta, salt creeps in and farmers adapt", "", "en", "Emily Carter", "neutral", [], 6),
    ("Mekong exports: a quiet engine of growth", "", "en", "Marcus Reed", "positive", [1, 2], 3),
    ("Vietnam courts green investment in the south", "", "en", "Marcus Reed", "positive", [1], 9),
    ("Rice, rivers and resilience", "", "en", "Marcus Reed", "neutral", [], 12),
    ("Del delta al mundo: el arroz vietnamita", "Từ đồng bằng ra thế giới", "es", "Sofia Alvarez", "positive", [1], 4),
    ("Sonidos del río Mekong", "", "es", "Sofia Alvarez", "neutral", [], 10),
    ("Au Vietnam, le delta du Mékong face à la mer", "Đồng bằng sông Cửu Long trước biển", "fr", "Claire Dubois", "neutral", [0], 3),
    ("Hanoï mise sur un partenariat régional fiable", "", "fr", "Claire Dubois", "positive", [2], 8),
    ("Le riz vietnamien, diplomatie du quotidien", "", "fr", "Julien Moreau", "positive", [0, 1], 5),
    ("Climat : le Vietnam expérimente", "", "fr", "Julien Moreau", "negative", [], 11),
    ("Reportage : une journée à Cần Thơ", "", "fr", "Amélie Laurent", "positive", [0], 7),
    ("メコンデルタ、気候変動に挑む", "Đồng bằng Mê Kông đối mặt biến đổi khí hậu", "ja", "Tanaka Yuki", "neutral", [], 3),
    ("ベトナム経済、南部に新たな投資", "", "ja", "Tanaka Yuki", "positive", [1], 6),
    ("ベトナム外交の現在", "", "ja", "Tanaka Yuki", "positive", [0, 2], 9),
    ("特集：メコンの米づくり", "", "ja", "Sato Kenji", "positive", [1], 4),
    ("ベトナムの技術と農業", "", "ja", "Sato Kenji", "neutral", [], 13),
)  # fmt: skip


def _national_day(now: datetime) -> date:
    today = now.date()
    this_year = date(today.year, 9, 2)
    # A trip starts three days before; once that has passed, plan for next year's.
    return this_year if this_year - timedelta(days=3) > today else date(today.year + 1, 9, 2)


def _outlets(session: Session, now: datetime) -> dict[str, Outlet]:
    existing = {outlet.name: outlet for outlet in session.scalars(select(Outlet))}
    for name, country, kind, languages, website, reach in OUTLETS:
        if name not in existing:
            existing[name] = services.create_outlet(
                session,
                actor=None,
                now=now,
                data=services.OutletInput(
                    name=name,
                    country=country,
                    kind=kind,
                    languages=languages,
                    website=website,
                    estimated_reach=reach,
                ),
            )
    return existing


def _journalists(session: Session, now: datetime, outlets: dict[str, Outlet]):
    found: dict[str, Journalist] = {}
    for latin, native, country, languages, beats, email, outlet, _ in JOURNALISTS:
        journalist = session.scalar(select(Journalist).where(Journalist.email == email))
        if journalist is None:
            journalist = services.create_journalist(
                session,
                actor=None,
                now=now,
                data=services.JournalistInput(
                    name_latin=latin,
                    name_native=native,
                    country=country,
                    languages=languages,
                    beats=beats,
                    email=email,
                    consent_basis="Agreed by email to the mission's invitation",
                    consent_on=(now - timedelta(days=60)).date(),
                ),
            )
            services.add_affiliation(
                session,
                actor=None,
                now=now,
                journalist=journalist,
                outlet=outlets[outlet],
                starts_on=date(now.year - 3, 1, 1),
            )
        found[latin] = journalist
    return found


def _trip(session: Session, title: str) -> Trip | None:
    return session.scalar(select(Trip).where(Trip.title == title))


def _walk(session: Session, now: datetime, trip: Trip, statuses: list[str]) -> None:
    for status in statuses:
        trips.change_trip_status(session, actor=None, now=now, trip=trip, status=status)


def _item(session, now, trip, day: int, start: str, end: str, activity: str, **fields):
    first = trip.start_date + timedelta(days=day - 1)
    return itinerary.create_itinerary_item(
        session,
        actor=None,
        now=now,
        trip=trip,
        data=itinerary.ItemInput(
            activity=activity,
            starts_local=datetime.combine(first, time.fromisoformat(start)),
            ends_local=datetime.combine(first, time.fromisoformat(end)),
            timezone=trip.timezone,
            **fields,
        ),
        confirm_clashes=True,
    )


def _national_day_trip(session, now, journalists) -> None:
    national_day = _national_day(now)
    title = f"Quốc khánh 2/9/{national_day.year}: đoàn phóng viên nước ngoài"
    if _trip(session, title) is not None:
        return
    coordinator = person_by_email(session, "coordinator@example.org")
    escort = person_by_email(session, "field.paris@example.org")
    interpreter = person_by_email(session, "editor@example.org")
    start, end = national_day - timedelta(days=3), national_day + timedelta(days=1)
    events = session.scalars(
        select(Event.id).where(
            Event.priority == Priority.NATIONAL,
            Event.status != EventStatus.CANCELLED,
            Event.start_date <= end,
            Event.end_date >= start,
        )
    ).all()
    trip = trips.create_trip(
        session,
        actor=None,
        now=now,
        data=trips.TripInput(
            title=title,
            start_date=start,
            end_date=end,
            host_unit_code="mofa-press",
            city="Hà Nội",
            nominating_unit_codes=["mission-us", "mission-fr", "mission-jp"],
            coordinator_ids=[coordinator.id] if coordinator else [],
            event_ids=list(events),
            theme=f"{national_day.year - 1945} năm Quốc khánh: một Việt Nam đổi mới, hội nhập",
            key_messages=KEY_MESSAGES,
            budget_planned="1250000000",
            currency="VND",
        ),
    )
    _walk(session, now, trip, ["planned", "inviting"])
    invitations = {}
    for latin, *_rest, mission in JOURNALISTS:
        invitation = trips.nominate_journalist(
            session,
            actor=None,
            now=now,
            trip=trip,
            journalist=journalists[latin],
            nominated_by_code=mission,
            confirm_clashes=True,
        )
        steps, visa = NATIONAL_DAY_PROGRESS[latin]
        for step in steps:
            trips.change_invitation_status(
                session, actor=None, now=now, invitation=invitation, status=step
            )
        for step in visa:
            trips.change_visa_status(
                session, actor=None, now=now, invitation=invitation, status=step
            )
        invitations[latin] = invitation
    for latin, flight, hour, language in (
        ("Emily Carter", "VN 1", "06:40", ""),
        ("Claire Dubois", "AF 198", "14:05", "fr"),
        ("Tanaka Yuki", "JL 751", "14:30", "ja"),
    ):
        trips.update_logistics(
            session,
            actor=None,
            now=now,
            invitation=invitations[latin],
            data=trips.LogisticsInput(
                accreditation="requested",
                arrival_flight=flight,
                arrival_local=datetime.combine(start, time.fromisoformat(hour)),
                arrival_airport="HAN",
                departure_flight=flight.replace(" ", " 2"),
                departure_local=datetime.combine(end + timedelta(days=1), time(11, 0)),
                departure_airport="HAN",
                hotel="Hanoi Heritage Hotel",
                dietary_needs="vegetarian" if latin == "Claire Dubois" else "",
                interpreter_language=language,
            ),
        )
    privacy.add_identity_document(
        session,
        actor=None,
        now=now,
        journalist=journalists["Claire Dubois"],
        trip=trip,
        number="24FR00000",
        nationality="FR",
        expires_on=date(national_day.year + 5, 1, 1),
    )
    staff = {"escort_id": escort.id if escort else None}
    with_interpreter = {**staff, "interpreter_id": interpreter.id if interpreter else None}
    _item(
        session,
        now,
        trip,
        1,
        "15:00",
        "16:30",
        "Welcome briefing",
        place="International Press Centre",
        **staff,
    )
    _item(session, now, trip, 1, "18:30", "20:30", "Welcome dinner", place="Hanoi Heritage Hotel")
    _item(
        session,
        now,
        trip,
        2,
        "09:00",
        "11:00",
        "Visit to the Temple of Literature",
        place="Văn Miếu – Quốc Tử Giám",
        **staff,
    )
    minister = _item(
        session, now, trip, 2, "14:30", "15:30", "Interview with the Deputy Foreign Minister",
        place="Ministry of Foreign Affairs", interviewee="Deputy Foreign Minister",
        participant_ids=[invitations["Claire Dubois"].id, invitations["Tanaka Yuki"].id],
        **with_interpreter,
    )  # fmt: skip
    # Day 3: the same escort on two visits at once (Herald flags it).
    _item(
        session,
        now,
        trip,
        3,
        "09:00",
        "11:30",
        "Bát Tràng ceramic village",
        place="Bát Tràng",
        **staff,
    )
    _item(
        session,
        now,
        trip,
        3,
        "10:30",
        "12:00",
        "Meeting at the Viet Nam News Agency",
        place="VNA, 5 Lý Thường Kiệt",
        **staff,
    )
    _item(
        session,
        now,
        trip,
        4,
        "06:30",
        "10:00",
        "National Day ceremony",
        place="Quảng trường Ba Đình",
        **with_interpreter,
    )
    _item(session, now, trip, 4, "16:00", "18:00", "Old Quarter walk", place="Hoàn Kiếm")
    _item(
        session,
        now,
        trip,
        5,
        "09:00",
        "10:30",
        "Closing press conference",
        place="International Press Centre",
        **staff,
    )
    # An interview the day after the trip ends (Herald flags it too).
    late = _item(
        session, now, trip, 6, "10:00", "11:00", "Interview at the Ho Chi Minh City People's Committee",
        city="Thành phố Hồ Chí Minh", interviewee="Vice Chairman",
        participant_ids=[invitations["Emily Carter"].id],
    )  # fmt: skip
    request = itinerary.request_interview(
        session,
        actor=None,
        now=now,
        trip=trip,
        journalist=journalists["Tanaka Yuki"],
        interviewee="Deputy Foreign Minister",
        subject="Viet Nam's foreign policy after 80 years of independence",
    )
    for status in ("approved", "scheduled"):
        itinerary.change_interview_status(
            session, actor=None, now=now, request=request, status=status, item=minister
        )
    itinerary.request_interview(
        session,
        actor=None,
        now=now,
        trip=trip,
        journalist=journalists["Emily Carter"],
        interviewee=late.interviewee,
        subject="Ho Chi Minh City's economy",
    )
    itinerary.request_interview(
        session,
        actor=None,
        now=now,
        trip=trip,
        journalist=journalists["Marcus Reed"],
        interviewee="Governor of the State Bank",
    )


# The tour that ended last month; the measured campaign of the metrics demo counts its coverage.
PAST_TOUR_TITLE = "Đồng bằng sông Cửu Long: khí hậu và lúa gạo (đoàn báo chí)"


def _past_tour(session, now, journalists, outlets) -> None:
    title = PAST_TOUR_TITLE
    if _trip(session, title) is not None:
        return
    start = (now - timedelta(days=45)).date()
    end = start + timedelta(days=3)
    trip = trips.create_trip(
        session,
        actor=None,
        now=now,
        data=trips.TripInput(
            title=title,
            start_date=start,
            end_date=end,
            host_unit_code="mofa-press",
            city="Cần Thơ",
            nominating_unit_codes=["mission-us", "mission-fr", "mission-jp"],
            theme="Climate adaptation and rice exports in the Mekong Delta",
            key_messages=KEY_MESSAGES,
            budget_planned="900000000",
            budget_actual="850000000",
            currency="VND",
        ),
    )
    _walk(session, now, trip, ["planned", "inviting", "confirmed", "in_progress"])
    for latin in journalists:
        invitation = trips.nominate_journalist(
            session,
            actor=None,
            now=now,
            trip=trip,
            journalist=journalists[latin],
            confirm_clashes=True,
        )
        for step in ("shortlisted", "invited", "accepted", "confirmed"):
            trips.change_invitation_status(
                session, actor=None, now=now, invitation=invitation, status=step
            )
    escort = person_by_email(session, "field.paris@example.org")
    _item(
        session,
        now,
        trip,
        1,
        "09:00",
        "12:00",
        "Cái Răng floating market",
        place="Cái Răng",
        escort_id=escort.id if escort else None,
    )
    _item(session, now, trip, 2, "09:00", "11:00", "Rice research institute", place="Cờ Đỏ")
    _walk(session, now, trip, ["completed", "coverage_tracking"])
    for number, (headline, translation, language, latin, tone, messages, after) in enumerate(
        PAST_COVERAGE, start=1
    ):
        journalist = journalists[latin]
        published = min(end + timedelta(days=after), now.date())
        item, _ = coverage.record_coverage(
            session,
            actor=escort if number == 1 else None,
            now=now,
            status="found",
            data=coverage.CoverageInput(
                url=f"{journalist.current_outlets(published)[0].website}/mekong/{number}",
                trip_id=trip.id,
                journalist_id=journalist.id,
                published_on=published,
                language=language,
                headline=headline,
                headline_translation=translation,
                tone=tone,
                key_messages=[KEY_MESSAGES[index] for index in messages],
            ),
        )
        if number % 3 == 0:
            coverage.change_coverage_status(
                session, actor=None, now=now, item=item, status="verified"
            )
    coverage.record_coverage(
        session,
        actor=None,
        now=now,
        data=coverage.CoverageInput(
            url="https://nbn.example/specials/mekong-documentary",
            trip_id=trip.id,
            journalist_id=journalists["Sato Kenji"].id,
            headline="Documentary (announced)",
        ),
    )


PARIS_VISIT_TITLE = "Paris: French journalists at the Vietnamese film week"


def _paris_visit(session, now, journalists) -> None:
    """A trip under way around ``now`` whose items fall in the coming hours, in Paris time."""
    if _trip(session, PARIS_VISIT_TITLE) is not None:
        return
    escort = person_by_email(session, "field.paris@example.org")
    paris = ZoneInfo("Europe/Paris")
    local_now = now.astimezone(paris).replace(tzinfo=None, second=0, microsecond=0)
    start = local_now.date() - timedelta(days=1)
    trip = trips.create_trip(
        session,
        actor=None,
        now=now,
        data=trips.TripInput(
            title=PARIS_VISIT_TITLE,
            start_date=start,
            end_date=local_now.date() + timedelta(days=2),
            host_unit_code="mofa-press",
            timezone="Europe/Paris",
            city="Paris",
            nominating_unit_codes=["mission-fr"],
            theme="Vietnamese cinema and the 2026 film co-production agreement",
            key_messages=KEY_MESSAGES,
        ),
    )
    _walk(session, now, trip, ["planned", "inviting", "confirmed", "in_progress"])
    invitation = trips.nominate_journalist(
        session,
        actor=None,
        now=now,
        trip=trip,
        journalist=journalists["Claire Dubois"],
        nominated_by_code="mission-fr",
        confirm_clashes=True,
    )
    for step in ("shortlisted", "invited", "accepted", "confirmed"):
        trips.change_invitation_status(
            session, actor=None, now=now, invitation=invitation, status=step
        )
    # On the half hour, a little ahead of now: the first item is the next thing on her day.
    first = local_now.replace(minute=0) + timedelta(hours=2 if local_now.minute >= 30 else 1)
    for offset, hours, activity, place in (
        (timedelta(0), 2, "Screening and talk with the director", "Cinéma du Panthéon"),
        (
            timedelta(hours=4),
            1,
            "Interview with the cultural counsellor",
            "Embassy, 2 rue Le Verrier",
        ),
        (
            timedelta(days=1),
            3,
            "Visit to the Vietnamese film archive exhibition",
            "Forum des images",
        ),
    ):
        starts = first + offset
        itinerary.create_itinerary_item(
            session,
            actor=None,
            now=now,
            trip=trip,
            data=itinerary.ItemInput(
                activity=activity,
                starts_local=starts,
                ends_local=starts + timedelta(hours=hours),
                timezone="Europe/Paris",
                place=place,
                city="Paris",
                escort_id=escort.id if escort else None,
            ),
            confirm_clashes=True,
        )


def load_press_demo(session: Session, *, now: datetime) -> None:
    """Create the press programme's demo data that does not exist yet. Needs the demo units
    and people (``campaigns.demo.load_demo_data``) first."""
    if unit_by_code(session, "mofa-press") is None:
        return
    outlets = _outlets(session, now)
    journalists = _journalists(session, now, outlets)
    host = unit_by_code(session, "mofa-press")
    if queries.letterhead_of(session, host.id) is None:
        services.save_letterhead(
            session,
            actor=None,
            now=now,
            unit=host,
            address="40 Trần Phú, Ba Đình, Hà Nội",
            city="Hà Nội",
            phone="+84 24 0000 0000",
            email="press@example.org",
            website="https://press.example.org",
            signatory_name="Nguyễn Thu Hà",
            signatory_title_vi="Vụ trưởng Vụ Thông tin Báo chí",
            signatory_title_en="Director-General, Press and Information Department",
        )
    _past_tour(session, now, journalists, outlets)
    _national_day_trip(session, now, journalists)
    _paris_visit(session, now, journalists)
    session.flush()
