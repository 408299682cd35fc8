"""Migration 0010 fills in who wrote each version of the posts that exist, from the audit log,
and resolves the requests to clear versions no longer waiting."""

from __future__ import annotations

import json

from flask_migrate import upgrade
from sqlalchemy import text

from tests.conftest import make_test_config
from web import MIGRATIONS_DIRECTORY, create_app

T0 = "2026-11-01 08:00:00.000000"
T1 = "2026-11-01 09:00:00.000000"
T2 = "2026-11-01 10:00:00.000000"
T3 = "2026-11-01 11:00:00.000000"


def _insert(connection, table: str, **values) -> None:
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), values)


def _person(connection, person_id: int, role: str) -> None:
    _insert(connection, "people", id=person_id, name=f"P{person_id}",
            email=f"p{person_id}@example.org", role=role, locale="en", timezone="UTC",
            active=True, created_at=T0, updated_at=T0, feed_key=f"k{person_id}",
            session_token=f"s{person_id}")  # fmt: skip


def _post(connection, post_id: int, author: int, status: str, version: int, **fields) -> None:
    _insert(connection, "social_posts", id=post_id, campaign_id=1, title=f"Post {post_id}",
            author_id=author, status=status, version=version, rapid_response=False,
            misfire_window_minutes=30, review_comment="", schedule_countries="[]",
            schedule_channel_ids="[]", created_at=T0, updated_at=T0, **fields)  # fmt: skip


def _audit(connection, entry_id, at, actor, action, post_id, version) -> None:
    _insert(connection, "audit_entries", id=entry_id, occurred_at=at, actor_id=actor,
            door="web", action=action, target_type="post", target_id=post_id,
            target_label="x", after=json.dumps({"version": version}))  # fmt: skip


def _request(connection, notification_id, person, post_id, at) -> None:
    _insert(connection, "notifications", id=notification_id, person_id=person,
            kind="review_requested", message="A post waits for clearance: %(title)s",
            params="{}", link=f"/social/posts/{post_id}", created_at=at)  # fmt: skip


def test_existing_posts_get_their_writers_and_clearances(tmp_path):
    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'old.db'}"))
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIRECTORY, revision="0009")
        from web.extensions import db

        with db.engine.begin() as connection:
            _insert(connection, "units", id=1, code="mofa", name_vi="B", name_en="M",
                    kind="ministry", country="VN", timezone="UTC", created_at=T0,
                    updated_at=T0)  # fmt: skip
            _person(connection, 1, "editor")
            _person(connection, 2, "coordinator")
            _person(connection, 3, "coordinator")
            _insert(connection, "social_campaigns", id=1, name_vi="C", name_en="C", goal="",
                    hashtags="[]", starts_on="2027-01-01", ends_on="2027-12-31",
                    owner_unit_id=1, target_countries="[]", languages="[]", kpi_targets="{}",
                    paused=False, created_at=T0, updated_at=T0)  # fmt: skip
            # Post 1: the editor wrote it, coordinator 2 rewrote it in review.
            _post(connection, 1, author=1, status="in_review", version=2)
            _audit(connection, 1, T0, 1, "create", 1, 1)
            _request(connection, 1, 3, 1, T1)
            _audit(connection, 2, T2, 2, "edit", 1, 2)
            _request(connection, 2, 3, 1, T3)
            # Post 2: cleared by coordinator 3 at version 1, then edited by the editor.
            _post(connection, 2, author=1, status="in_review", version=2)
            _audit(connection, 3, T0, 1, "create", 2, 1)
            _audit(connection, 4, T1, 3, "approve", 2, 1)
            _audit(connection, 5, T2, 1, "edit", 2, 2)
            # Post 3: cleared, with no audit entries at all.
            _post(connection, 3, author=1, status="approved", version=1, approved_by_id=2,
                  approved_at=T1, approved_version=1)  # fmt: skip
            _request(connection, 3, 2, 3, T0)

        upgrade(directory=MIGRATIONS_DIRECTORY)

        from campaigns.org.models import Person
        from campaigns.permissions import can
        from campaigns.social.models import Notification, Post

        session = db.session
        first, second, third = (session.get(Post, number) for number in (1, 2, 3))
        assert first.writer_ids() == {1, 2}
        assert [(r.version, r.change) for r in first.version_authors] == [
            (1, "created"),
            (2, "content"),
        ]
        assert not can(session.get(Person, 2), "post.approve", first)
        assert can(session.get(Person, 3), "post.approve", first)
        assert second.writer_ids() == {1}
        assert [(r.version, r.person_id, r.writer_ids) for r in second.reviews] == [(1, 3, [1])]
        assert can(session.get(Person, 3), "post.approve", second)
        assert third.writer_ids(1) == {1}
        assert [(r.version, r.person_id) for r in third.reviews] == [(1, 2)]
        requests = {n.id: n for n in session.query(Notification)}
        assert requests[1].resolved_at is not None  # made before the rewrite
        assert (requests[2].post_id, requests[2].post_version, requests[2].resolved_at) == (
            1,
            2,
            None,
        )
        assert requests[3].resolved_at is not None  # the post is no longer in review
        session.remove()
        db.engine.dispose()
