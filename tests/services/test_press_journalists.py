import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from campaigns.errors import Conflict, Invalid, NotAllowed
from campaigns.org.models import AuditEntry
from campaigns.press import coverage, csv_import, privacy, queries, reports, services, trips
from campaigns.press.models import Affiliation, IdentityDocument, Journalist, Outlet
from tests.factories import create_person, create_unit
from tests.press_factories import create_journalist, create_outlet, create_trip, invite
from tests.unit.test_images import tiny_png


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_an_editor_adds_a_journalist_with_native_and_latin_names(session, now):
    editor = create_person(session, role="editor")
    journalist = services.create_journalist(
        session,
        actor=editor,
        now=now,
        data=services.JournalistInput(
            name_latin="Tanaka Yuki",
            name_native="田中 由紀",
            country="jp",
            languages="ja, EN",
            beats="politics; economy",
            email="Yuki.Tanaka@Example.JP",
            consent_basis="asked in person at the embassy",
            consent_on=date(2026, 5, 1),
        ),
    )
    assert journalist.display_name() == "Tanaka Yuki (田中 由紀)"
    assert journalist.country == "JP" and journalist.languages == ["ja", "en"]
    assert journalist.beats == ["politics", "economy"]
    assert journalist.email == "yuki.tanaka@example.jp"


def test_bad_journalist_fields_are_all_reported(session, now):
    with pytest.raises(Invalid) as caught:
        services.create_journalist(
            session,
            actor=None,
            now=now,
            data=services.JournalistInput(
                name_latin="",
                country="France",
                languages=["French"],
                email="nope",
                consent_on=date(2026, 1, 1),
            ),
        )
    assert set(caught.value.errors) == {
        "name_latin",
        "country",
        "languages",
        "email",
        "consent_basis",
    }
    assert count(session, Journalist) == 0


@pytest.mark.parametrize("role", ["field", "viewer"])
def test_field_staff_and_viewers_do_not_manage_journalists(session, now, role):
    with pytest.raises(NotAllowed):
        services.create_journalist(
            session,
            actor=create_person(session, role=role),
            now=now,
            data=services.JournalistInput(name_latin="X", country="FR"),
        )


def test_affiliations_have_dates_in_order_and_say_where_a_journalist_works(session, now):
    outlet = create_outlet(session, name="Le Monde")
    later = create_outlet(session, name="AFP", kind="agency")
    journalist = create_journalist(session, outlet=outlet)
    with pytest.raises(Invalid) as caught:
        services.add_affiliation(
            session,
            actor=None,
            now=now,
            journalist=journalist,
            outlet=later,
            starts_on=date(2026, 6, 1),
            ends_on=date(2026, 5, 1),
        )
    assert "ends_on" in caught.value.errors
    services.end_affiliation(
        session,
        actor=None,
        now=now,
        affiliation=journalist.affiliations[0],
        ends_on=date(2026, 5, 31),
    )
    services.add_affiliation(
        session,
        actor=None,
        now=now,
        journalist=journalist,
        outlet=later,
        starts_on=date(2026, 6, 1),
    )
    session.expire(journalist)
    assert journalist.current_outlets(date(2026, 7, 1)) == [later]
    assert journalist.current_outlets(date(2025, 7, 1)) == [outlet]
    found = queries.search_journalists(session, queries.JournalistFilter(outlet_id=outlet.id))
    assert found == [journalist]


def test_search_filters_by_country_language_beat_and_text(session):
    french = create_journalist(session, name_latin="Claire Dubois", country="FR", beats=["culture"])
    create_journalist(session, name_latin="John Smith", country="US", languages=["en"])
    search = queries.search_journalists
    assert search(session, queries.JournalistFilter(country="fr")) == [french]
    assert search(session, queries.JournalistFilter(language="fr")) == [french]
    assert search(session, queries.JournalistFilter(beat="cult")) == [french]
    assert search(session, queries.JournalistFilter(text="dubois")) == [french]


# --- identity documents and retention ----------------------------------------------------------


def test_identity_documents_are_for_admins_and_the_trips_coordinators_only(session, now):
    host = create_unit(session, code="host-unit")
    trip_coordinator = create_person(session, role="editor", unit=host)
    trip = create_trip(session, host=host, coordinator_ids=[trip_coordinator.id])
    journalist = create_journalist(session)
    for role in ("coordinator", "editor", "field", "viewer"):
        with pytest.raises(NotAllowed):
            privacy.add_identity_document(
                session,
                actor=create_person(session, role=role),
                now=now,
                journalist=journalist,
                trip=trip,
                number="X1234567",
                nationality="FR",
            )
    document = privacy.add_identity_document(
        session,
        actor=trip_coordinator,
        now=now,
        journalist=journalist,
        trip=trip,
        number="X1234567",
        nationality="fr",
        photo=tiny_png(),
        photo_type="image/png",
    )
    assert document.nationality == "FR"
    assert queries.readable_identity_documents(session, trip_coordinator, journalist) == [document]
    other_coordinator = create_person(session, role="coordinator")
    assert queries.readable_identity_documents(session, other_coordinator, journalist) == []
    # The audit log records that it exists, never its number.
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "identity_document")
    ).one()
    assert "X1234567" not in json.dumps(entry.after)


def test_an_oversized_or_foreign_photo_is_refused(session, now):
    journalist = create_journalist(session)
    for photo, kind in (
        (b"x" * (2 * 1024 * 1024 + 1), "image/png"),
        (b"GIF89a", "image/gif"),
        # Declared a PNG, but its content is not one: the content decides.
        (b"\x89PNG not really", "image/png"),
    ):
        with pytest.raises(Invalid) as caught:
            privacy.add_identity_document(
                session,
                actor=None,
                now=now,
                journalist=journalist,
                trip=None,
                number="1",
                nationality="FR",
                photo=photo,
                photo_type=kind,
            )
        assert "photo" in caught.value.errors
    assert count(session, IdentityDocument) == 0


def test_the_retention_job_deletes_documents_n_days_after_the_trip(session, now):
    admin = create_person(session, role="admin")
    privacy.set_identity_retention_days(session, actor=admin, now=now, days=10)
    trip = create_trip(session, start=date(2026, 11, 1), days=3)  # ends 3 November
    journalist = create_journalist(session)
    privacy.add_identity_document(
        session, actor=None, now=now, journalist=journalist, trip=trip, number="A", nationality="FR"
    )
    loose = privacy.add_identity_document(
        session, actor=None, now=now, journalist=journalist, trip=None, number="B", nationality="FR"
    )
    on_13_november = datetime(2026, 11, 13, 12, 0, tzinfo=UTC)
    assert privacy.purge_expired_identity_documents(session, now=on_13_november) == 0
    on_14_november = datetime(2026, 11, 14, 12, 0, tzinfo=UTC)
    assert privacy.purge_expired_identity_documents(session, now=on_14_november) == 1
    assert queries.identity_documents(session, journalist) == [loose]
    assert privacy.purge_expired_identity_documents(session, now=now + timedelta(days=11)) == 1
    assert privacy.purge_expired_identity_documents(session, now=now + timedelta(days=11)) == 0
    with pytest.raises(Invalid):
        privacy.set_identity_retention_days(session, actor=admin, now=now, days=0)
    with pytest.raises(NotAllowed):
        privacy.set_identity_retention_days(
            session, actor=create_person(session, role="coordinator"), now=now, days=5
        )


# --- export, erasure, merge --------------------------------------------------------------------


def test_the_export_holds_the_record_but_never_identity_documents(session, now):
    outlet = create_outlet(session, name="Le Monde")
    journalist = create_journalist(session, outlet=outlet, name_latin="Claire Dubois")
    trip = create_trip(session)
    invite(session, trip, journalist)
    privacy.add_identity_document(
        session,
        actor=None,
        now=now,
        journalist=journalist,
        trip=trip,
        number="PASS-77",
        nationality="FR",
    )
    admin = create_person(session, role="admin")
    exported = privacy.export_journalist(session, actor=admin, now=now, journalist=journalist)
    text = json.dumps(exported)
    assert exported["name_latin"] == "Claire Dubois"
    assert exported["affiliations"][0]["outlet"] == "Le Monde"
    assert exported["trips"][0]["trip"] == trip.title
    assert "PASS-77" not in text and "identity" not in text
    with pytest.raises(NotAllowed):
        privacy.export_journalist(
            session, actor=create_person(session, role="editor"), now=now, journalist=journalist
        )


def test_erasure_forgets_the_person_but_keeps_anonymised_coverage_statistics(session, now):
    outlet = create_outlet(session, name="Le Monde", country="FR", estimated_reach=500)
    journalist = create_journalist(
        session, outlet=outlet, name_latin="Claire Dubois", phone="+33 1 23", notes="likes tea"
    )
    trip = create_trip(session)
    invitation = invite(session, trip, journalist)
    trips.update_logistics(
        session,
        actor=None,
        now=now,
        invitation=invitation,
        data=trips.LogisticsInput(hotel="Metropole", dietary_needs="halal"),
    )
    privacy.add_identity_document(
        session,
        actor=None,
        now=now,
        journalist=journalist,
        trip=trip,
        number="P1",
        nationality="FR",
    )
    coverage.record_coverage(
        session,
        actor=None,
        now=now,
        status="found",
        data=coverage.CoverageInput(
            url="https://lemonde.fr/a",
            trip_id=trip.id,
            journalist_id=journalist.id,
            tone="positive",
        ),
    )
    admin = create_person(session, role="admin")
    privacy.erase_journalist(session, actor=admin, now=now, journalist=journalist)

    assert journalist.erased_at == now
    assert "Claire" not in journalist.name_latin and journalist.phone == journalist.notes == ""
    assert invitation.hotel == "" and invitation.dietary_needs == ""
    assert count(session, IdentityDocument) == 0
    # No past audit snapshot still holds the name or the hotel.
    snapshots = json.dumps(
        [
            [entry.before, entry.after, entry.target_label]
            for entry in session.scalars(select(AuditEntry))
        ]
    )
    assert "Claire" not in snapshots and "Metropole" not in snapshots and "halal" not in snapshots
    report = reports.trip_report(session, trip)
    assert report.articles == 1 and report.reach == 500
    assert report.by_country[0].label == "FR" and report.tone["positive"] == 1
    assert queries.search_journalists(session) == []
    with pytest.raises(Conflict):
        privacy.erase_journalist(session, actor=admin, now=now, journalist=journalist)


def test_merging_moves_everything_onto_the_kept_record(session, now):
    outlet = create_outlet(session)
    keep = create_journalist(session, name_latin="Claire Dubois", email="", phone="")
    duplicate = create_journalist(
        session, outlet=outlet, name_latin="Claire DUBOIS", phone="+33 6", beats=["culture"]
    )
    assert queries.possible_duplicates(session, keep) == [duplicate]
    trip = create_trip(session)
    invite(session, trip, duplicate)
    coverage.record_coverage(
        session,
        actor=None,
        now=now,
        data=coverage.CoverageInput(url="https://x.example/a", journalist_id=duplicate.id),
    )
    duplicate_email = duplicate.email
    merged = services.merge_journalists(
        session,
        actor=create_person(session, role="editor"),
        now=now,
        keep=keep,
        duplicate=duplicate,
    )
    assert merged.phone == "+33 6" and merged.email == duplicate_email
    assert set(merged.beats) == {"politics", "culture"}
    assert [invitation.trip for invitation in queries.invitations_of(session, merged)] == [trip]
    assert session.scalar(select(func.count()).select_from(Affiliation)) == 1
    assert count(session, Journalist) == 1
    with pytest.raises(Invalid):
        services.merge_journalists(session, actor=None, now=now, keep=keep, duplicate=keep)


def test_two_records_on_one_trip_cannot_be_merged(session, now):
    trip = create_trip(session)
    first, second = create_journalist(session), create_journalist(session)
    invite(session, trip, first)
    invite(session, trip, second)
    with pytest.raises(Conflict):
        services.merge_journalists(session, actor=None, now=now, keep=first, duplicate=second)
    assert count(session, Journalist) == 2


# --- CSV import --------------------------------------------------------------------------------

GOOD_CSV = (
    "name_latin,name_native,country,languages,beats,email,outlet,press_card_expires_on\n"
    'Claire Dubois,,FR,"fr,en",culture,claire@example.fr,Le Monde,2027-12-31\n'
    "Tanaka Yuki,田中 由紀,JP,ja,politics,,,\n"
)


def test_a_csv_previews_then_imports_with_affiliations(session, now):
    create_outlet(session, name="Le Monde")
    editor = create_person(session, role="editor")
    preview = csv_import.import_journalists_csv(
        session, actor=editor, now=now, content=GOOD_CSV.encode("utf-8-sig")
    )
    assert preview.valid and preview.created == 0 and len(preview.rows) == 2
    assert count(session, Journalist) == 0
    result = csv_import.import_journalists_csv(
        session, actor=editor, now=now, content=GOOD_CSV.encode(), apply=True
    )
    assert result.created == 2
    claire = queries.search_journalists(session, queries.JournalistFilter(text="claire"))[0]
    assert [outlet.name for outlet in claire.current_outlets(date(2026, 12, 1))] == ["Le Monde"]
    assert claire.press_card_expires_on == date(2027, 12, 31)


def test_a_csv_with_row_errors_imports_nothing_and_names_each_row(session, now):
    content = (
        b"name_latin,country,email,outlet,consent_on\n"
        b"Good Person,FR,,,\n"
        b",XX,bad,Nowhere Times,31/12/2026\n"
    )
    preview = csv_import.import_journalists_csv(
        session, actor=None, now=now, content=content, apply=True
    )
    assert not preview.valid and preview.created == 0 and preview.error_count == 1
    assert preview.rows[1].line == 3
    assert set(preview.rows[1].errors) == {"name_latin", "country", "email", "outlet", "consent_on"}
    assert count(session, Journalist) == 0


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"name,country\nA,FR\n", "Wrong columns"),
        ("name_latin,country\nJosé,FR\n".encode("latin-1"), "UTF-8"),
        (b"", "empty"),
        (b"name_latin,country\n", "no rows"),
        (b"name_latin,country\n" + b"A,FR\n" * 500_000, "2 MB"),
    ],
)
def test_an_unreadable_csv_is_refused_with_a_clear_message(session, now, content, fragment):
    with pytest.raises(Invalid) as caught:
        csv_import.import_journalists_csv(session, actor=None, now=now, content=content)
    assert fragment in caught.value.message
    assert "file" in caught.value.errors


def test_outlets_are_validated(session, now):
    with pytest.raises(Invalid) as caught:
        services.create_outlet(
            session,
            actor=None,
            now=now,
            data=services.OutletInput(
                name="", country="ZZZ", kind="blog", website="ftp://x", estimated_reach=-1
            ),
        )
    assert set(caught.value.errors) == {"name", "country", "kind", "website", "estimated_reach"}
    assert count(session, Outlet) == 0
