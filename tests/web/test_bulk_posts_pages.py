"""Posts from a file in the browser: the page documents the columns and hands out a template;
upload shows the preview with problems per column; confirm creates the posts in review; a bad
file is refused with a message and creates nothing; a viewer is refused."""

from __future__ import annotations

import base64
import io

from sqlalchemy import func, select

from campaigns.social.models import Post
from tests.factories import create_person, create_unit, login
from tests.social_factories import create_campaign, create_channel

HEADER = b"post,campaign,language,text,channels,audiences,date,at,window\n"
GOOD = (
    HEADER
    + (
        "nd,National Day,vi,Chúc mừng!,MOFA VI,,,2027-09-02 08:00 per audience,\n"
        "nd,,en,Happy National Day!,MOFA EN,,,,\n"
    ).encode()
)


def _world(session, locale="en"):
    unit = create_unit(session)
    editor = create_person(session, role="editor", unit=unit, locale=locale)
    create_campaign(session, owner_unit=unit, name_en="National Day")
    create_channel(session, owner_unit=unit, name="MOFA VI", language="vi")
    create_channel(session, owner_unit=unit, name="MOFA EN", language="en")
    session.commit()
    return editor


def _upload(client, content: bytes, name="posts.csv"):
    return client.post(
        "/social/bulk",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def _confirm(client, content: bytes):
    data = {"content": base64.b64encode(content).decode(), "confirm": "1", "filename": "p.csv"}
    return client.post("/social/bulk", data=data, follow_redirects=True)


def _posts(session) -> int:
    return session.scalar(select(func.count(Post.id)))


def test_the_page_documents_the_columns_and_hands_out_a_template(client, session):
    login(client, _world(session))
    page = client.get("/social/bulk")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for column in ("post", "campaign", "language", "text", "channels", "audiences", "at", "window"):
        assert f"<code>{column}</code>" in text
    assert "all or nothing" in text
    template = client.get("/social/bulk/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    assert template.data.startswith("\ufeffpost,campaign,language".encode())


def test_preview_then_confirm_creates_posts_in_review_once(client, session):
    login(client, _world(session))
    preview = _upload(client, GOOD)
    assert preview.status_code == 200
    assert "1 post is ready to create." in preview.get_data(as_text=True)
    assert _posts(session) == 0
    done = _confirm(client, GOOD)
    # A small file is created at once; the import's report says so (a big one: a worker).
    assert '<th scope="row">Created</th><td>1</td>' in done.get_data(as_text=True)
    post = session.scalar(select(Post))
    assert post.status == "in_review" and {v.language for v in post.variants} == {"vi", "en"}
    again = _confirm(client, GOOD)
    assert "already confirmed" in again.get_data(as_text=True)
    assert _posts(session) == 1


def test_bad_rows_are_shown_per_column_in_the_readers_language(client, session):
    login(client, _world(session, locale="vi"))
    bad = HEADER + b",National Day,english,Hello,MOFA EN,,,2027-09-02 08:00 per audience,\n"
    page = _upload(client, bad)
    assert page.status_code == 422
    assert "Đây không phải là mã ngôn ngữ (vi, en, zh-Hant...)." in page.get_data(as_text=True)
    assert 'name="confirm"' not in page.get_data(as_text=True)
    # Confirming it anyway (a forged form) creates nothing.
    _confirm(client, bad)
    assert _posts(session) == 0


def test_a_bad_file_is_refused_with_a_message_and_nothing_is_created(client, session):
    login(client, _world(session))
    page = _upload(client, b"name,text\nx,y\n")
    assert page.status_code == 422
    assert "Wrong columns." in page.get_data(as_text=True)
    page = _upload(client, b"PK\x03\x04garbage", name="posts.xlsx")
    assert page.status_code == 422
    assert _posts(session) == 0


def test_a_viewer_is_refused(client, session):
    viewer = create_person(session, role="viewer")
    session.commit()
    login(client, viewer)
    assert client.get("/social/bulk").status_code == 403
    assert _upload(client, GOOD).status_code == 403
    assert _posts(session) == 0
