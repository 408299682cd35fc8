"""Posts from a file: preview with each row's problems per column, all-or-nothing confirm into
posts waiting for clearance, the same file never twice, CSV and XLSX readers."""

from __future__ import annotations

import csv
import io
from datetime import date, time

import pytest
from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import func, select

from campaigns.errors import Conflict, Invalid, NotAllowed
from campaigns.social import bulk, services
from campaigns.social.models import BulkUpload, Post
from campaigns.spreadsheets import read_table
from tests.factories import create_person, create_unit
from tests.social_factories import create_campaign, create_channel
from web.i18n import translate

HEADER = ["post", "campaign", "language", "text", "channels", "audiences", "date", "at", "window"]


def _csv(rows, header=HEADER, delimiter=",", bom=False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


@pytest.fixture
def world(session):
    unit = create_unit(session)
    other = create_unit(session)
    editor = create_person(session, role="editor", unit=unit)
    campaign = create_campaign(
        session, owner_unit=unit, name_vi="Quốc khánh", name_en="National Day"
    )
    secret = create_campaign(session, owner_unit=other, name_vi="Bí mật", name_en="Secret")
    x = create_channel(session, kind="x", owner_unit=unit, name="MOFA X", language="en")
    vi = create_channel(session, owner_unit=unit, name="MOFA VI", language="vi")
    paris = create_channel(
        session, owner_unit=unit, name="Embassy FR", language="fr", audience_countries=["FR"]
    )
    foreign = create_channel(session, owner_unit=other, name="Other unit", language="en")
    session.flush()
    return {
        "editor": editor,
        "campaign": campaign,
        "secret": secret,
        "x": x,
        "vi": vi,
        "paris": paris,
        "foreign": foreign,
    }


GOOD = [
    ["nd", "National Day", "vi", "Chúc mừng Quốc khánh!", "MOFA VI, MOFA X", "", "", "2027-09-02 08:00 Asia/Ho_Chi_Minh", "45"],
    ["nd", "", "en", "Happy National Day!", "", "", "", "", ""],
    ["", "Quốc khánh", "fr", "Bonne fête nationale !", "", "FR", "2027-09-02", "09:00 per audience", ""],
]  # fmt: skip


def _preview(session, world, now, content, **kwargs):
    return bulk.preview_bulk_posts(
        session, actor=world["editor"], now=now, content=content, **kwargs
    )


def test_a_good_file_previews_clean_then_creates_posts_waiting_for_clearance(session, world, now):
    content = _csv(GOOD)
    preview = _preview(session, world, now, content)
    assert [row.errors for row in preview.rows] == [{}, {}, {}]
    assert preview.valid and len(preview.posts) == 2
    assert session.scalar(select(func.count(Post.id))) == 0  # a preview creates nothing
    done = bulk.create_bulk_posts(
        session, actor=world["editor"], now=now, content=content, filename="posts.csv"
    )
    first, second = done.created
    assert (first.status, first.author_id, first.title) == ("in_review", world["editor"].id, "nd")
    assert {v.language: v.text for v in first.variants} == {
        "vi": "Chúc mừng Quốc khánh!",
        "en": "Happy National Day!",
    }
    assert first.schedule_mode == "at" and first.schedule_zone == "Asia/Ho_Chi_Minh"
    assert (first.schedule_local_date, first.schedule_local_time) == (date(2027, 9, 2), time(8))
    assert first.schedule_channel_ids == [world["vi"].id, world["x"].id]
    assert first.misfire_window_minutes == 45
    assert second.schedule_mode == "per_audience"
    assert second.schedule_countries == ["FR"]
    assert second.schedule_channel_ids == [world["paris"].id]
    upload = session.scalar(select(BulkUpload))
    assert upload.post_ids == [first.id, second.id] and upload.filename == "posts.csv"
    # Four eyes still holds: the uploader wrote them, so cannot clear them.
    with pytest.raises(NotAllowed):
        services.approve_post(
            session, actor=world["editor"], now=now, post=first, expected_version=first.version
        )


def test_the_same_file_confirmed_twice_creates_its_posts_once(session, world, now):
    content = _csv(GOOD)
    bulk.create_bulk_posts(session, actor=world["editor"], now=now, content=content)
    with pytest.raises(Conflict, match="already confirmed"):
        bulk.create_bulk_posts(session, actor=world["editor"], now=now, content=content)
    assert session.scalar(select(func.count(Post.id))) == 2


BAD = [
    ["", "No such campaign", "vi", "Xin chào", "MOFA VI", "", "", "2027-09-02 08:00 per audience", ""],
    ["", "National Day", "english", "Hello", "MOFA X", "", "", "2027-09-02 08:00 per audience", ""],
    ["", "National Day", "en", "x" * 300, "MOFA X", "", "", "2027-09-02 08:00 per audience", ""],
    ["", "National Day", "en", "Hello", "MOFA X", "", "", "next Tuesday", ""],
    ["", "National Day", "en", "Hello", "MOFA X", "", "", "2026-01-01 08:00 per audience", ""],
    ["", "National Day", "en", "Hello", "No such channel", "", "", "2027-09-02 08:00 per audience", ""],
    ["", "National Day", "en", "Hello", "MOFA X", "", "", "2026-01-01 08:00 per audience", ""],
    ["", "National Day", "en", "Hello", "MOFA X", "", "", "2027-09-02 08:00 per audience", "0"],
]  # fmt: skip


def test_each_bad_row_is_reported_in_its_column_and_nothing_is_created(session, world, now):
    preview = _preview(session, world, now, _csv(BAD))
    problems = [
        {name: str(message) for name, message in row.errors.items()} for row in preview.rows
    ]
    assert problems[0] == {"campaign": "No campaign you may post in is called “No such campaign”."}
    assert problems[1] == {"language": "This is not a language tag (vi, en, zh-Hant...)."}
    assert problems[2] == {"text": "Too long for X: 300 of 280 characters."}
    assert list(problems[3]) == ["at"] and "per audience" in problems[3]["at"]
    assert problems[4] == {"at": "This time has already passed (Asia/Ho_Chi_Minh)."}
    assert problems[5] == {"channels": "No channel you may use is called “No such channel”."}
    assert problems[6] == {"text": "Same as line 6."}
    assert problems[7] == {"window": "The misfire window is between 1 minute and 24 hours."}
    assert not preview.valid and preview.error_count == 8
    with pytest.raises(Invalid, match="nothing was created"):
        bulk.create_bulk_posts(session, actor=world["editor"], now=now, content=_csv(BAD))
    assert session.scalar(select(func.count(Post.id))) == 0
    assert session.scalar(select(func.count(BulkUpload.id))) == 0


def test_problems_read_in_the_readers_language(app, session, world, now):
    preview = _preview(session, world, now, _csv(BAD))
    language, past = preview.rows[1].errors["language"], preview.rows[4].errors["at"]
    with app.test_request_context(), force_locale("vi"):
        assert translate(language.template, language.params) == (
            "Đây không phải là mã ngôn ngữ (vi, en, zh-Hant...)."
        )
        assert translate(past.template, past.params) == "Thời điểm này đã qua (Asia/Ho_Chi_Minh)."
    with app.test_request_context(), force_locale("en"):
        assert translate(past.template, past.params) == (
            "This time has already passed (Asia/Ho_Chi_Minh)."
        )


def test_a_campaign_or_channel_out_of_reach_reads_like_one_that_does_not_exist(session, world, now):
    rows = [
        ["", "Secret", "en", "Hi", "MOFA X", "", "", "2027-09-02 08:00 per audience", ""],
        ["", "Nope", "en", "Hi", "MOFA X", "", "", "2027-09-02 08:00 per audience", ""],
        ["", "National Day", "en", "Hi", "Other unit", "", "", "2027-09-02 08:00 per audience", ""],
        ["", "National Day", "en", "Hi", "Nothing", "", "", "2027-09-02 08:00 per audience", ""],
        ["", str(world["secret"].id), "en", "Hi", "MOFA X", "", "", "2027-09-02 08:00 per audience", ""],
    ]  # fmt: skip
    preview = _preview(session, world, now, _csv(rows))
    errors = [row.errors for row in preview.rows]
    assert errors[0]["campaign"].template == errors[1]["campaign"].template
    assert errors[2]["channels"].template == errors[3]["channels"].template
    assert errors[4]["campaign"].template == errors[1]["campaign"].template
    # A coordinator may use them all.
    coordinator = create_person(session, role="coordinator")
    preview = bulk.preview_bulk_posts(session, actor=coordinator, now=now, content=_csv(rows[:1]))
    assert preview.valid


def test_rows_of_one_post_agree_and_give_each_language_once(session, world, now):
    rows = [
        ["p", "National Day", "vi", "Một", "MOFA VI", "", "", "2027-09-02 08:00 per audience", ""],
        ["p", "", "vi", "Hai", "", "", "", "", ""],
        ["p", "", "en", "Three", "MOFA X", "", "", "2027-09-03 08:00 per audience", ""],
        ["q", "National Day", "vi", "Bốn", "MOFA VI", "", "", "2027-09-02 08:00 per audience", ""],
        ["q", "", "en", "Five", "MOFA X", "", "", "", ""],
    ]  # fmt: skip
    preview = _preview(session, world, now, _csv(rows))
    assert str(preview.rows[1].errors["language"]) == (
        "Line 2 already gives this language for this post."
    )
    assert str(preview.rows[2].errors["at"]) == (
        "Differs from line 2 of the same post; leave it empty or repeat it."
    )
    # Each row may name the channels of its language: the post goes out on all of them.
    assert not preview.rows[3].errors and not preview.rows[4].errors
    assert preview.posts[1].channels == [world["vi"], world["x"]]
    # A channel publishing in a language the post lacks.
    rows = [["", "National Day", "vi", "Một", "MOFA VI, MOFA X", "", "", "2027-09-02 08:00 per audience", ""]]  # fmt: skip
    preview = _preview(session, world, now, _csv(rows))
    assert str(preview.rows[0].errors["channels"]) == (
        "MOFA X publishes in en: add a row in that language."
    )


def test_a_viewer_may_not_upload(session, world, now):
    viewer = create_person(session, role="viewer")
    with pytest.raises(NotAllowed):
        bulk.preview_bulk_posts(session, actor=viewer, now=now, content=_csv(GOOD))


def test_semicolons_and_a_bom_are_read(session, world, now):
    preview = _preview(session, world, now, _csv(GOOD, delimiter=";", bom=True))
    assert preview.valid and len(preview.posts) == 2


def test_an_xlsx_workbook_is_read_and_a_formula_is_text_never_run(session, world, now):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in GOOD:
        sheet.append(row)
    sheet.append(["", "National Day", "en", '=HYPERLINK("http://evil","x")', "MOFA X", "", "", "2027-09-02 08:00 per audience", ""])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    preview = _preview(session, world, now, content, filename="posts.xlsx")
    assert preview.valid and len(preview.posts) == 3
    assert preview.rows[3].values["text"] == '=HYPERLINK("http://evil","x")'
    # The template handed out is made safe like every export.
    assert read_table(bulk_template_csv(), max_rows=10)[0] == HEADER


def bulk_template_csv() -> bytes:
    from campaigns.spreadsheets import csv_bytes

    return csv_bytes(bulk.TEMPLATE_ROWS)


def test_files_that_cannot_be_read_are_refused_whole(session, world, now):
    for content, words in [
        (b"", "empty"),
        (b"\xff\xfe\x00bad", "UTF-8"),
        (b"campaign,text\n1,2\n", "Missing: language, at"),
        (_csv([]), "no rows"),
        (b"x" * (bulk.MAX_BYTES + 1), "2 MB"),
        (b"PK\x03\x04 not a zip", "Excel"),
    ]:
        with pytest.raises(Invalid, match=words):
            _preview(session, world, now, content)
    too_many = _csv([GOOD[2]] * (bulk.MAX_ROWS + 1))
    with pytest.raises(Invalid, match="more than 5000 rows"):
        _preview(session, world, now, too_many)


def test_a_confirmed_file_runs_as_an_import_job_once(session, world, now):
    from campaigns import imports
    from campaigns.org.import_jobs import ImportJob

    content = _csv(GOOD)
    job = bulk.queue_bulk_posts(
        session, actor=world["editor"], now=now, content=content, filename="posts.csv"
    )
    assert (job.kind, job.total) == ("social_posts", 2)
    assert session.scalar(select(func.count(Post.id))) == 0  # queued: nothing created yet
    assert imports.run_import_now(session, job_id=job.id, worker_id="test", now=now)
    session.expire_all()
    job = session.get(ImportJob, job.id)
    assert job.status == "done" and job.result["counts"] == {"created": 2}
    assert {post.status for post in session.scalars(select(Post))} == {"in_review"}
    # Queued twice before either ran: the second job fails, creating nothing.
    with pytest.raises(Conflict):
        bulk.queue_bulk_posts(session, actor=world["editor"], now=now, content=content)
    other = _csv([*GOOD, ["", "National Day", "en", "One more", "MOFA X", "", "", "2027-09-02 08:00 per audience", ""]])  # fmt: skip
    first = bulk.queue_bulk_posts(session, actor=world["editor"], now=now, content=other)
    second = bulk.queue_bulk_posts(session, actor=world["editor"], now=now, content=other)
    assert imports.run_import_now(session, job_id=first.id, worker_id="test", now=now)
    assert imports.run_import_now(session, job_id=second.id, worker_id="test", now=now)
    session.expire_all()
    assert session.get(ImportJob, second.id).status == "failed"
    assert "already confirmed" in session.get(ImportJob, second.id).error["template"]
    assert session.scalar(select(func.count(Post.id))) == 5
