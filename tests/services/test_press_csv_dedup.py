"""Importing journalists from CSV twice, or a file that repeats itself, creates no duplicates:
each row matching a journalist Herald knows (email, else name + outlet) is updated, skipped or
created as the person chooses."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from campaigns.press import csv_import
from campaigns.press.models import Affiliation, Journalist
from tests.factories import create_person
from tests.press_factories import create_journalist, create_outlet

THREE = (
    b"name_latin,country,email,outlet,beats\n"
    b"Anna Schmidt,DE,anna.schmidt@example.de,Der Spiegel,politics\n"
    b"Pierre Martin,FR,,Le Monde,culture\n"
    b"Tanaka Yuki,JP,tanaka@example.jp,,economy\n"
)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def run(session, now, content, **options):
    return csv_import.import_journalists_csv(
        session, actor=None, now=now, content=content, **options
    )


def test_importing_the_same_rows_twice_updates_instead_of_duplicating(session, now):
    create_outlet(session, name="Der Spiegel", country="DE")
    create_outlet(session, name="Le Monde")
    first = run(session, now, THREE, apply=True)
    assert first.created == 3
    again = run(session, now, THREE)
    # Anna and Tanaka by their email, Pierre (no email) by his name at Le Monde.
    assert [(row.match.name, row.match.by) for row in again.rows] == [
        ("Anna Schmidt", "email"),
        ("Pierre Martin", "name_outlet"),
        ("Tanaka Yuki", "email"),
    ]
    assert [row.action for row in again.rows] == ["update"] * 3
    applied = run(session, now, THREE, apply=True)
    assert (applied.created, applied.updated, applied.unchanged) == (0, 0, 3)
    assert count(session, Journalist) == 3
    assert count(session, Affiliation) == 2


def test_a_matched_row_updates_the_cells_it_fills_in_and_keeps_the_others(session, now):
    spiegel = create_outlet(session, name="Der Spiegel", country="DE")
    anna = create_journalist(
        session,
        name_latin="Anna Schmidt",
        country="DE",
        email="Anna.Schmidt@example.de",
        phone="+49 30 1234",
    )
    content = (
        b"name_latin,country,email,outlet,beats,phone\n"
        b"Anna Schmidt,DE,ANNA.SCHMIDT@example.de,Der Spiegel,economy,\n"
    )
    result = run(session, now, content, apply=True)
    assert (result.created, result.updated) == (0, 1)
    assert result.rows[0].outcome == "updated"
    session.refresh(anna)
    assert anna.beats == ["economy"]
    assert anna.phone == "+49 30 1234"  # the empty cell kept it
    assert spiegel in anna.current_outlets(date(2026, 12, 1))
    assert count(session, Journalist) == 1


def test_each_matched_row_can_be_skipped_or_created_instead(session, now):
    create_outlet(session, name="Der Spiegel", country="DE")
    create_outlet(session, name="Le Monde")
    run(session, now, THREE, apply=True)
    skipping = run(session, now, THREE, on_match="skip", choices={3: "create"}, apply=True)
    assert [row.action for row in skipping.rows] == ["skip", "create", "skip"]
    assert (skipping.created, skipping.skipped, skipping.updated) == (1, 2, 0)
    assert count(session, Journalist) == 4
    # A choice the row does not offer (update a row matching nobody) is not taken.
    fresh = b"name_latin,country\nNew Person,VN\n"
    refused = run(session, now, fresh, choices={2: "update"}, apply=True)
    assert refused.rows[0].action == "create" and refused.created == 1


def test_rows_repeating_an_earlier_row_of_the_file_are_skipped_by_default(session, now):
    create_outlet(session, name="Le Monde")
    content = (
        b"name_latin,country,email,outlet\n"
        b"Claire Dubois,FR,claire@example.fr,\n"
        b"Pierre Martin,FR,,Le Monde\n"
        b"Claire D.,FR,CLAIRE@example.fr,\n"
        b"pierre  martin,FR,,le monde\n"
        b"Pierre Martin,FR,,\n"
    )
    preview = run(session, now, content)
    assert [row.duplicate_of for row in preview.rows] == [None, None, 2, 3, None]
    assert [row.action for row in preview.rows] == ["create", "create", "skip", "skip", "create"]
    assert preview.rows[2].choices == ("skip", "create")
    result = run(session, now, content, apply=True)
    assert (result.created, result.skipped) == (3, 2)
    assert count(session, Journalist) == 3


def test_erased_journalists_are_not_matched(session, now):
    erased = create_journalist(session, email="gone@example.org")
    erased.erased_at = now
    session.flush()
    preview = run(session, now, b"name_latin,country,email\nSomeone,FR,gone@example.org\n")
    assert preview.rows[0].match is None


def test_a_cell_with_a_nul_character_is_a_row_error(session, now):
    preview = run(session, now, b"name_latin,country\nAn\x00na,DE\nBob,FR\n", apply=True)
    assert not preview.valid
    assert "NUL" in preview.rows[0].errors["name_latin"]
    assert count(session, Journalist) == 0


def test_an_editor_may_import(session, now):
    editor = create_person(session, role="editor")
    result = csv_import.import_journalists_csv(
        session,
        actor=editor,
        now=now,
        content=THREE.replace(b"Der Spiegel", b"").replace(b"Le Monde", b""),
        apply=True,
    )
    assert result.created == 3
