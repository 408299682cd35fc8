"""Anniversaries: creating them, their occurrences, the shipped dataset, the CSV import."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from campaigns.calendar import queries, services
from campaigns.calendar.models import Anniversary, Tier
from campaigns.calendar.services import AnniversaryInput
from campaigns.errors import Invalid, NotAllowed
from campaigns.org.models import AuditEntry
from tests.factories import create_anniversary, create_person, create_unit


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- creating ----------------------------------------------------------------------------------


def test_coordinators_create_solar_and_lunar_anniversaries(session, now):
    coordinator = create_person(session, role="coordinator")
    unit = create_unit(session)
    relations = services.create_anniversary(
        session,
        actor=coordinator,
        now=now,
        data=AnniversaryInput(
            title_vi="Ngày thiết lập quan hệ ngoại giao Việt Nam – Cu-ba",
            title_en="Vietnam–Cuba diplomatic relations",
            category="diplomatic_relations",
            origin_date=date(1960, 12, 2),
            partner_country="cu",
            owner_unit_code=unit.code,
            source="MOFA Viet Nam",
        ),
    )
    assert (relations.partner_country, relations.owner_unit_id) == ("CU", unit.id)
    assert relations.uid.startswith("anniversary-") and relations.active
    lunar = services.create_anniversary(
        session,
        actor=coordinator,
        now=now,
        data=AnniversaryInput(
            title_vi="Giỗ Tổ",
            title_en="Hung Kings",
            category="national",
            lunar_month=3,
            lunar_day=10,
        ),
    )
    assert (lunar.origin_date, lunar.lunar_month, lunar.lunar_day) == (None, 3, 10)
    found = queries.occurrences(session, since=date(2025, 1, 1), until=date(2025, 12, 31))
    assert [(o.title_en, o.date, o.years, o.tier) for o in found] == [
        ("Hung Kings", date(2025, 4, 7), None, Tier.REGULAR),
        ("Vietnam–Cuba diplomatic relations", date(2025, 12, 2), 65, Tier.ROUND),
    ]
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.target_type == "anniversary")
        )
        == 2
    )


def test_anniversary_field_errors(session, now):
    def refused(**fields):
        values = {"title_vi": "x", "title_en": "x", "category": "national"}
        values.update(fields)
        with pytest.raises(Invalid) as caught:
            services.create_anniversary(
                session, actor=None, now=now, data=AnniversaryInput(**values)
            )
        return set(caught.value.errors)

    assert refused() == {"origin_date"}
    assert refused(origin_date=date(1945, 9, 2), lunar_month=3, lunar_day=10) == {"origin_date"}
    assert refused(lunar_month=13, lunar_day=31) == {"lunar_month", "lunar_day"}
    assert refused(lunar_month=3) == {"lunar_day"}
    assert refused(category="diplomatic_relations", origin_date=date(1973, 9, 21)) == {
        "partner_country"
    }
    assert refused(title_en="", category="wedding", origin_date=date(1973, 9, 21)) == {
        "title_en",
        "category",
    }
    assert refused(origin_date=date(1973, 9, 21), owner_unit_code="nobody") == {"owner_unit_code"}
    assert count(session, Anniversary) == 0


def test_only_admins_and_coordinators_manage_anniversaries(session, now):
    editor = create_person(session, role="editor")
    anniversary = create_anniversary(session)
    with pytest.raises(NotAllowed):
        services.update_anniversary(
            session,
            actor=editor,
            now=now,
            anniversary=anniversary,
            data=AnniversaryInput(title_vi="x", title_en="x", category="other", origin_date=None),
        )


def test_updating_an_anniversary_and_clearing_its_owner(session, now):
    unit = create_unit(session)
    anniversary = create_anniversary(session, owner_unit_code=unit.code, title_en="Old")
    services.update_anniversary(
        session,
        actor=None,
        now=now,
        anniversary=anniversary,
        data=AnniversaryInput(
            title_vi="Mới",
            title_en="New",
            category="diplomatic_relations",
            origin_date=date(1995, 7, 12),
            partner_country="US",
        ),
    )
    assert (anniversary.title_en, anniversary.owner_unit_id, anniversary.updated_at) == (
        "New",
        None,
        now,
    )


def test_occurrence_filters_and_the_year_ahead_grouped_by_tier(session):
    create_anniversary(session, title_en="US", origin_date=date(1995, 7, 12), partner_country="US")
    create_anniversary(
        session, title_en="Cuba", origin_date=date(1960, 12, 2), partner_country="CU"
    )
    create_anniversary(
        session, title_en="India", origin_date=date(1972, 1, 7), partner_country="IN"
    )
    create_anniversary(
        session, title_en="Hung Kings", category="national", lunar_month=3, lunar_day=10
    )
    in_2025 = queries.occurrences(
        session, since=date(2025, 1, 1), until=date(2025, 12, 31), country="cu"
    )
    assert [o.title_en for o in in_2025] == ["Cuba"]
    national = queries.occurrences(
        session, since=date(2025, 1, 1), until=date(2025, 12, 31), category="national"
    )
    assert [(o.title_en, o.date) for o in national] == [("Hung Kings", date(2025, 4, 7))]

    ahead = queries.year_ahead(session, today=date(2025, 1, 8), months=12)
    assert list(ahead) == [Tier.MAJOR, Tier.ROUND, Tier.REGULAR]
    assert [(o.title_en, o.years) for o in ahead[Tier.MAJOR]] == [("US", 30)]
    assert [(o.title_en, o.years) for o in ahead[Tier.ROUND]] == [("Cuba", 65)]
    # India's 7 January 2025 has passed; 7 January 2026 is the window's last day.
    assert [(o.title_en, o.date) for o in ahead[Tier.REGULAR]] == [
        ("Hung Kings", date(2025, 4, 7)),
        ("India", date(2026, 1, 7)),
    ]
    eleven = queries.year_ahead(session, today=date(2025, 1, 8), months=11)
    assert [o.title_en for o in eleven[Tier.REGULAR]] == ["Hung Kings"]
    three = queries.year_ahead(session, today=date(2025, 1, 8), months=3)  # to 7 April
    assert [o.title_en for tier in three.values() for o in tier] == ["Hung Kings"]
    two = queries.year_ahead(session, today=date(2025, 1, 8), months=2)
    assert [o.title_en for tier in two.values() for o in tier] == []


# --- the shipped dataset -----------------------------------------------------------------------

REQUIRED_SOLAR = {
    "National Day": date(1945, 9, 2),
    "Reunification": date(1975, 4, 30),
    "Communist Party": date(1930, 2, 3),
    "People's Army": date(1944, 12, 22),
    "Ho Chi Minh": date(1890, 5, 19),
    "Dien Bien Phu": date(1954, 5, 7),
    "Press Day": date(1925, 6, 21),
    "August Revolution": date(1945, 8, 19),
    "Diplomatic Service": date(1945, 8, 28),
    "ASEAN": date(1995, 7, 28),
    "United Nations": date(1977, 9, 20),
    "World Trade Organization": date(2007, 1, 11),
}
REQUIRED_RELATIONS = {
    "CN": date(1950, 1, 18),
    "RU": date(1950, 1, 30),
    "ID": date(1955, 12, 30),
    "CU": date(1960, 12, 2),
    "LA": date(1962, 9, 5),
    "KH": date(1967, 6, 24),
    "IN": date(1972, 1, 7),
    "AU": date(1973, 2, 26),
    "IT": date(1973, 3, 23),
    "MY": date(1973, 3, 30),
    "FR": date(1973, 4, 12),
    "SG": date(1973, 8, 1),
    "CA": date(1973, 8, 21),
    "GB": date(1973, 9, 11),
    "JP": date(1973, 9, 21),
    "NZ": date(1975, 6, 19),
    "DE": date(1975, 9, 23),
    "PH": date(1976, 7, 12),
    "TH": date(1976, 8, 6),
    "BR": date(1989, 5, 8),
    "KR": date(1992, 12, 22),
    "US": date(1995, 7, 12),
}


def test_the_dataset_holds_every_national_day_and_relation_of_the_issue(session, now):
    result = services.import_anniversary_dataset(session, actor=None, now=now)
    anniversaries = list(session.scalars(select(Anniversary)))
    assert result.created == len(anniversaries) >= 35
    for part, origin in REQUIRED_SOLAR.items():
        matches = [a for a in anniversaries if part.lower() in a.title_en.lower()]
        assert [a.origin_date for a in matches] == [origin], part
    relations = {
        a.partner_country: a for a in anniversaries if a.category == "diplomatic_relations"
    }
    assert {code: a.origin_date for code, a in relations.items()} == REQUIRED_RELATIONS
    assert relations["US"].title_vi == "Ngày thiết lập quan hệ ngoại giao Việt Nam – Hoa Kỳ"
    assert relations["US"].title_en == "Vietnam–United States diplomatic relations"
    hung_kings = next(a for a in anniversaries if "Hung Kings" in a.title_en)
    assert (hung_kings.lunar_month, hung_kings.lunar_day, hung_kings.origin_date) == (3, 10, None)
    for anniversary in anniversaries:
        assert anniversary.source.strip(), anniversary.title_en
        assert anniversary.title_vi.strip() and anniversary.title_en.strip()
        assert anniversary.dataset_key and anniversary.uid == (
            f"anniversary-dataset-{anniversary.dataset_key}@herald"
        )


def test_the_dataset_file_has_a_source_on_every_row():
    rows = list(csv.DictReader(io.StringIO(services.dataset_bytes().decode("utf-8"))))
    assert rows and all(row["source"].strip() for row in rows)
    assert len({row["key"] for row in rows}) == len(rows)


def test_loading_the_dataset_twice_changes_nothing_and_keeps_local_owners(session, now):
    services.import_anniversary_dataset(session, actor=None, now=now)
    unit = create_unit(session)
    us = session.scalar(select(Anniversary).where(Anniversary.dataset_key == "relations-us"))
    services.assign_anniversary_owner(
        session, actor=None, now=now, anniversary=us, owner_unit_code=unit.code
    )
    total, audit = count(session, Anniversary), count(session, AuditEntry)
    again = services.import_anniversary_dataset(session, actor=None, now=now)
    assert (again.created, again.updated, again.unchanged) == (0, 0, total)
    assert count(session, Anniversary) == total
    assert count(session, AuditEntry) == audit
    assert us.owner_unit_id == unit.id


def test_reloading_the_dataset_repairs_a_changed_row(session, now):
    services.import_anniversary_dataset(session, actor=None, now=now)
    cuba = session.scalar(select(Anniversary).where(Anniversary.dataset_key == "relations-cu"))
    cuba.origin_date = date(1961, 1, 1)
    result = services.import_anniversary_dataset(session, actor=None, now=now)
    assert result.updated == 1
    assert cuba.origin_date == date(1960, 12, 2)


# --- CSV import --------------------------------------------------------------------------------

HEADER = "key,category,title_vi,title_en,origin_date,lunar_month,lunar_day,origin_year,partner_country,source,notes,owner_unit\n"


def test_a_csv_file_creates_then_updates_anniversaries(session, now):
    unit = create_unit(session)
    content = (
        HEADER
        + "prov-founding,founding,Ngày thành lập tỉnh,Province founding,1900-05-01,,,,,Provincial decree,,"
        + unit.code
        + "\n"
        + ",other,Lễ hội,Lunar festival,,8,15,1990,,,,\n"
    ).encode()
    result = services.import_anniversaries_csv(session, actor=None, now=now, content=content)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    province = session.scalar(select(Anniversary).where(Anniversary.dataset_key == "prov-founding"))
    assert (province.origin_date, province.owner_unit_id) == (date(1900, 5, 1), unit.id)
    festival = session.scalar(select(Anniversary).where(Anniversary.title_en == "Lunar festival"))
    assert (festival.lunar_month, festival.lunar_day, festival.origin_year) == (8, 15, 1990)

    again = services.import_anniversaries_csv(session, actor=None, now=now, content=content)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = content.replace(b"Provincial decree", b"Decree 12/QD")
    third = services.import_anniversaries_csv(session, actor=None, now=now, content=changed)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    assert province.source == "Decree 12/QD"
    assert count(session, Anniversary) == 2


def test_a_csv_file_with_bad_rows_names_them_and_imports_nothing(session, now):
    content = (
        HEADER
        + "good,other,Tốt,Good,2000-01-01,,,,,,,\n"
        + "bad-date,other,Xấu,Bad date,2000-13-45,,,,,,,\n"
        + "bad-lunar,other,Xấu,Bad lunar,,14,x,,,,,\n"
        + "good,other,Trùng,Duplicate key,2000-01-02,,,,,,,\n"
    ).encode()
    with pytest.raises(Invalid) as caught:
        services.import_anniversaries_csv(session, actor=None, now=now, content=content)
    errors = caught.value.errors
    assert set(errors) == {"row 3 origin_date", "row 4 lunar_day", "row 4 lunar_month", "row 5 key"}
    assert errors["row 3 origin_date"] == "Row 3, origin_date: not a date (write YYYY-MM-DD)"
    assert errors["row 4 lunar_day"] == "Row 4, lunar_day: not a whole number"
    assert errors["row 4 lunar_month"].startswith("Row 4, lunar_month: ")
    assert errors["row 5 key"] == "Row 5, key: used by an earlier row"
    # Each is a template with its parameters, for the reader's language.
    assert errors["row 4 lunar_day"].template == "Row %(line)s, %(column)s: %(problem)s"
    assert errors["row 4 lunar_day"].params["line"] == 4
    assert caught.value.message.startswith("Nothing was imported")
    assert count(session, Anniversary) == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"name,date\nx,2000-01-01\n", "The columns are wrong"),
        ("category,title_vi,title_en,origin_date\nother,Fête,Fête,2000-01-01\n".encode("latin-1"), "not UTF-8"),
        (b"x" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
        (HEADER.encode() + b"a,other,x,y,2000-01-01,,,,,,,,extra,values\n", "more values than columns"),
    ],
)  # fmt: skip
def test_a_malformed_csv_file_is_refused_with_a_reason(session, now, content, expected):
    with pytest.raises(Invalid) as caught:
        services.import_anniversaries_csv(session, actor=None, now=now, content=content)
    assert expected in caught.value.message + " ".join(caught.value.errors.values())
    assert count(session, Anniversary) == 0
