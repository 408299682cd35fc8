"""Four eyes per version: whoever changed any part of a version (text, images, channel wording)
since the last clearance never clears it, and the requests to clear follow the version."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from campaigns.errors import Conflict, NotAllowed
from campaigns.org.models import AuditEntry
from campaigns.social import queries, services
from campaigns.social.models import Notification
from campaigns.social.notifications import unread_notifications
from campaigns.social.telegram_alerts import (
    AlertOutcome,
    deliver_telegram_alert,
    pending_telegram_alerts,
)
from tests.factories import create_person
from tests.social_factories import create_post
from tests.telegram_factories import link_telegram


@pytest.fixture
def in_review(session, now):
    """A post written by an editor and sent for clearance; two coordinators and an admin."""
    post = create_post(session, now=now)
    first = create_person(session, "coordinator")
    second = create_person(session, "coordinator")
    services.submit_post(session, actor=post.author, now=now, post=post)
    return post, first, second


def _approve(session, actor, post, now, version=None):
    return services.approve_post(
        session,
        actor=actor,
        now=now,
        post=post,
        expected_version=post.version if version is None else version,
    )


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="JPEG")
    return buffer.getvalue()


def test_a_coordinator_who_rewrote_someone_elses_post_cannot_clear_it(session, now, in_review):
    post, first, second = in_review
    session.info["door"] = "api"
    services.save_variant(
        session,
        actor=first,
        now=now,
        post=post,
        language="vi",
        text="Văn bản của điều phối viên",
        expected_version=1,
    )
    assert (post.status, post.version) == ("in_review", 2)
    assert post.writer_ids() == {post.author_id, first.id}
    with pytest.raises(NotAllowed, match="one of its writers"):
        _approve(session, first, post, now)
    assert post.status == "in_review" and post.approved_by_id is None
    _approve(session, second, post, now)
    assert (post.status, post.approved_by_id, post.approved_version) == ("approved", second.id, 2)
    (review,) = post.reviews
    assert (review.version, review.decision, review.person_id, review.door) == (
        2,
        "approved",
        second.id,
        "api",
    )
    assert review.writer_ids == sorted([post.author_id, first.id])


def test_the_author_never_clears_a_version_they_wrote(session, now):
    author = create_person(session, "coordinator")
    post = create_post(session, author=author, now=now)
    services.submit_post(session, actor=author, now=now, post=post)
    with pytest.raises(NotAllowed, match="You wrote this post"):
        _approve(session, author, post, now)


def test_the_author_never_clears_a_later_version_either(session, now):
    author = create_person(session, "coordinator")
    other = create_person(session, "coordinator")
    post = create_post(session, author=author, now=now)
    services.submit_post(session, actor=author, now=now, post=post)
    _approve(session, other, post, now)
    editor = create_person(session, "editor", unit=post.campaign.owner_unit)
    services.save_variant(
        session, actor=editor, now=now, post=post, language="en", text="One word changed"
    )
    with pytest.raises(NotAllowed, match="You wrote this post"):
        _approve(session, author, post, now)
    _approve(session, other, post, now)
    assert post.approved_by_id == other.id


def test_after_a_clearance_the_next_edit_starts_a_new_set_of_writers(session, now, in_review):
    post, first, second = in_review
    _approve(session, first, post, now)
    editor = create_person(session, "editor", unit=post.campaign.owner_unit)
    services.save_variant(
        session, actor=editor, now=now, post=post, language="en", text="A later correction"
    )
    assert (post.status, post.version) == ("in_review", 2)
    assert post.writer_ids() == {editor.id, post.author_id}
    assert post.writer_ids(1) == {post.author_id}
    # The coordinator who cleared version 1 wrote nothing of version 2.
    _approve(session, first, post, now)
    # ...but the one who changes version 3 does not clear it.
    services.save_variant(
        session, actor=second, now=now, post=post, language="en", text="Another correction"
    )
    assert post.writer_ids() == {second.id, post.author_id}
    with pytest.raises(NotAllowed):
        _approve(session, second, post, now)
    _approve(session, first, post, now)
    assert [(r.version, r.person_id) for r in post.reviews] == [
        (1, first.id),
        (2, first.id),
        (3, first.id),
    ]


def test_a_rejection_does_not_reset_the_writers(session, now, in_review):
    post, first, second = in_review
    services.save_variant(session, actor=first, now=now, post=post, language="en", text="Mine")
    services.reject_post(
        session,
        actor=second,
        now=now,
        post=post,
        expected_version=post.version,
        comment="Check the figures",
    )
    services.save_variant(session, actor=post.author, now=now, post=post, language="en", text="X")
    services.submit_post(session, actor=post.author, now=now, post=post)
    with pytest.raises(NotAllowed):
        _approve(session, first, post, now)
    _approve(session, second, post, now)


@pytest.mark.parametrize("change", ["image_added", "image_removed", "overrides", "removed"])
def test_images_channel_wording_and_removed_languages_make_a_writer_too(
    session, now, tmp_path, change
):
    post = create_post(session, now=now, variants={"vi": "Tiếng Việt", "en": "English"})
    coordinator = create_person(session, "coordinator")
    other = create_person(session, "coordinator")
    image = services.add_attachment(
        session, actor=post.author, now=now, post=post, language="en",
        filename="a.jpg", content=_jpeg(), media_root=tmp_path,
    )  # fmt: skip
    services.submit_post(session, actor=post.author, now=now, post=post)
    if change == "image_added":
        services.add_attachment(
            session, actor=coordinator, now=now, post=post, language="vi",
            filename="b.jpg", content=_jpeg(), media_root=tmp_path,
        )  # fmt: skip
    elif change == "image_removed":
        services.remove_attachment(session, actor=coordinator, now=now, attachment=image)
    elif change == "overrides":
        services.save_variant(
            session, actor=coordinator, now=now, post=post, language="en", text="English",
            channel_overrides={"7": "English, shorter for one channel"},
        )  # fmt: skip
    else:
        services.remove_variant(session, actor=coordinator, now=now, post=post, language="vi")
    assert post.status == "in_review"
    last = post.version_authors[-1]
    assert (last.person_id, last.version) == (coordinator.id, post.version)
    assert last.change == ("language_removed" if change == "removed" else change)
    with pytest.raises(NotAllowed, match="one of its writers"):
        _approve(session, coordinator, post, now)
    _approve(session, other, post, now)


def test_a_title_change_is_not_writing(session, now, in_review):
    post, first, _ = in_review
    services.update_post(session, actor=first, now=now, post=post, title="Office title")
    assert post.writer_ids() == {post.author_id}
    _approve(session, first, post, now)


def test_a_stale_version_is_still_refused(session, now, in_review):
    post, first, _ = in_review
    services.save_variant(session, actor=post.author, now=now, post=post, language="en", text="B")
    with pytest.raises(Conflict, match="you saw version 1, it is now version 2"):
        _approve(session, first, post, now, version=1)
    assert post.status == "in_review"


def test_a_writer_may_send_their_version_back(session, now, in_review):
    post, first, _ = in_review
    services.save_variant(session, actor=first, now=now, post=post, language="en", text="Mine")
    services.reject_post(
        session,
        actor=first,
        now=now,
        post=post,
        expected_version=post.version,
        comment="Withdrawn: wrong date",
    )
    assert post.status == "rejected"
    assert [(r.decision, r.person_id) for r in post.reviews] == [("rejected", first.id)]


def test_the_clearance_queue_leaves_out_what_you_wrote(session, now, in_review):
    post, first, second = in_review
    assert post in queries.posts_awaiting_clearance(session, actor=first)
    services.save_variant(session, actor=first, now=now, post=post, language="en", text="Mine")
    assert post not in queries.posts_awaiting_clearance(session, actor=first)
    assert post in queries.posts_awaiting_clearance(session, actor=second)


def test_the_audit_log_records_each_writer_with_the_door_and_the_clearance(session, now, in_review):
    post, first, second = in_review
    session.info["door"] = "web"
    services.save_variant(session, actor=first, now=now, post=post, language="en", text="Mine")
    session.info["door"] = "bot"
    _approve(session, second, post, now)
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.target_type.in_(["post_version_author", "post_review"]))
        .order_by(AuditEntry.id)
    ).all()
    assert [
        (e.target_type, e.actor_id, e.door, e.after["version"], e.after["person_id"])
        for e in entries
    ] == [
        ("post_version_author", post.author_id, "system", 1, post.author_id),
        ("post_version_author", first.id, "web", 2, first.id),
        ("post_review", second.id, "bot", 2, second.id),
    ]
    assert entries[1].after["change"] == "text"
    assert entries[2].after["writer_ids"] == sorted([post.author_id, first.id])


# --- requests to clear ---------------------------------------------------------------------------


def _requests(session, person=None):
    query = select(Notification).where(
        Notification.kind.in_(["review_requested", "rapid_review_requested"])
    )
    if person is not None:
        query = query.where(Notification.person_id == person.id)
    return session.scalars(query.order_by(Notification.id)).all()


def test_a_new_version_gets_a_fresh_request_and_the_old_one_is_resolved(session, now, in_review):
    post, first, second = in_review
    (old_first,) = _requests(session, first)
    (old_second,) = _requests(session, second)
    later = now + timedelta(minutes=5)
    services.save_variant(session, actor=first, now=later, post=post, language="en", text="Mine")
    assert old_first.resolved_at == later and old_second.resolved_at == later
    # The new version is asked of whoever may clear it: not of its writer.
    fresh = [n for n in _requests(session) if n.resolved_at is None]
    assert [(n.person_id, n.post_version) for n in fresh] == [(second.id, 2)]
    assert unread_notifications(session, person=first) == []
    assert [n.post_version for n in unread_notifications(session, person=second)] == [2]


def test_a_cleared_or_sent_back_post_leaves_no_request_waiting(session, now, in_review):
    post, first, second = in_review
    _approve(session, first, post, now)
    assert all(n.resolved_at == now for n in _requests(session))
    assert [n.kind for n in unread_notifications(session, person=second)] == []
    other = create_post(session, now=now)
    services.submit_post(session, actor=other.author, now=now, post=other)
    services.reject_post(
        session, actor=first, now=now, post=other, expected_version=1, comment="No"
    )
    assert unread_notifications(session, person=second) == []
    assert [n.kind for n in unread_notifications(session, person=other.author)] == ["post_rejected"]


def test_editing_a_cleared_post_asks_for_clearance_again(session, now, in_review):
    post, first, second = in_review
    _approve(session, first, post, now)
    services.save_variant(session, actor=second, now=now, post=post, language="en", text="New")
    fresh = [n for n in _requests(session) if n.resolved_at is None]
    assert [(n.person_id, n.post_version) for n in fresh] == [(first.id, 2)]


def test_when_only_writers_coordinate_the_administrators_are_asked(session, now):
    author = create_person(session, "coordinator")
    admin = create_person(session, "admin")
    post = create_post(session, author=author, now=now)
    services.submit_post(session, actor=author, now=now, post=post)
    assert [n.person_id for n in _requests(session)] == [admin.id]


class _Outbox:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    def __call__(self, chat_id: int, text: str) -> None:
        self.sent.append((chat_id, text))


def test_a_queued_telegram_request_for_a_version_no_longer_waiting_is_not_sent(
    session, now, in_review
):
    post, first, second = in_review
    for person in (first, second):
        link_telegram(session, person, now=now - timedelta(hours=1))
    queued = pending_telegram_alerts(session, now=now)
    assert len(queued) == 2
    services.save_variant(session, actor=first, now=now, post=post, language="en", text="Version 2")
    outbox = _Outbox()
    outcomes = [
        deliver_telegram_alert(
            session,
            notification_id=notification_id,
            now=now,
            send=outbox,
            translations=lambda locale: lambda text: text,
            base_url="https://herald.example",
        )
        for notification_id in queued
    ]
    assert outcomes == [AlertOutcome.NOT_DUE, AlertOutcome.NOT_DUE]
    assert outbox.sent == []
    # Version 2 is asked of the coordinator who did not write it.
    (fresh,) = pending_telegram_alerts(session, now=now)
    assert session.get(Notification, fresh).person_id == second.id
    _approve(session, second, post, now)
    # What is left to send: the writer linked to Telegram hears that it was cleared.
    assert [
        (session.get(Notification, number).person_id, session.get(Notification, number).kind)
        for number in pending_telegram_alerts(session, now=now)
    ] == [(first.id, "post_approved")]


def test_an_unresolved_request_for_an_old_version_is_never_sent(session, now, in_review):
    """Even a request some path forgot to resolve is checked against the post itself."""
    post, first, second = in_review
    link_telegram(session, first, now=now - timedelta(hours=1))
    services.save_variant(session, actor=second, now=now, post=post, language="en", text="v2")
    (request,) = [n for n in _requests(session, first) if n.resolved_at is None]
    request.post_version = 1  # as if left behind by an older version
    session.flush()
    assert pending_telegram_alerts(session, now=now) == []
    assert unread_notifications(session, person=first) == []
