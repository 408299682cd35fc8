"""Test connection (requested in the web, answered by a worker) and the processes' heartbeats."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from campaigns.errors import NotAllowed
from campaigns.health.queries import health_report, live_workers
from campaigns.health.services import beat, forget_heartbeats
from campaigns.org.models import AuditEntry
from campaigns.social.checks import (
    CheckOutcome,
    finish_connection_check,
    latest_connection_check,
    pending_connection_checks,
    request_connection_check,
)
from campaigns.social.models import ChannelHealth
from campaigns.social.platform import ErrorKind, PlatformError
from tests.factories import create_person
from tests.social_factories import create_channel


def test_a_coordinator_asks_and_a_second_click_reuses_the_waiting_check(session, now):
    channel = create_channel(session, "x")
    coordinator = create_person(session, "coordinator")

    first = request_connection_check(session, actor=coordinator, now=now, channel=channel)
    again = request_connection_check(
        session, actor=coordinator, now=now + timedelta(seconds=2), channel=channel
    )

    assert again.id == first.id
    assert first.outcome == CheckOutcome.PENDING and first.requested_by == coordinator
    assert pending_connection_checks(session) == [first]
    assert latest_connection_check(session, channel=channel) == first
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "request_connection_check")
    ).all()
    assert [entry.actor_id for entry in audit] == [coordinator.id]


def test_an_editor_may_not_ask(session, now):
    channel = create_channel(session, "x")
    editor = create_person(session, "editor")
    with pytest.raises(NotAllowed):
        request_connection_check(session, actor=editor, now=now, channel=channel)
    assert latest_connection_check(session, channel=channel) is None


def test_a_working_check_names_the_account_and_mends_a_broken_channel(session, now):
    channel = create_channel(session, "x")
    channel.health = ChannelHealth.BROKEN
    check = request_connection_check(session, actor=None, now=now, channel=channel)

    finish_connection_check(
        session, check=check, now=now + timedelta(seconds=1), account="@VietnamMFA", error=None
    )

    assert check.outcome == CheckOutcome.OK and check.detail == "@VietnamMFA"
    assert check.finished_at == now + timedelta(seconds=1)
    assert channel.health == ChannelHealth.OK and channel.account_name == "@VietnamMFA"
    assert pending_connection_checks(session) == []


def test_a_revoked_token_fails_the_check_and_breaks_the_channel(session, now):
    channel = create_channel(session, "telegram")
    check = request_connection_check(session, actor=None, now=now, channel=channel)
    error = PlatformError(ErrorKind.AUTH, "Unauthorized", status=401)

    finish_connection_check(session, check=check, now=now, account=None, error=error)
    # A second worker that tested the same check meanwhile changes nothing.
    finish_connection_check(session, check=check, now=now, account="@someone", error=None)

    assert check.outcome == CheckOutcome.FAILED and check.detail == "Unauthorized"
    assert channel.health == ChannelHealth.BROKEN and channel.last_error == "Unauthorized"
    # A new request after a finished check is a new check.
    assert request_connection_check(session, actor=None, now=now, channel=channel).id != check.id


def test_health_report_tells_alive_from_stale_and_names_broken_channels(session, now):
    beat(session, kind="scheduler", name="scheduler", now=now - timedelta(seconds=5))
    beat(session, kind="worker", name="host:1:0", now=now - timedelta(seconds=10))
    beat(session, kind="worker", name="host:2:0", now=now - timedelta(minutes=5))
    broken = create_channel(session, "x")
    broken.health = ChannelHealth.BROKEN
    broken.last_error = "token revoked"
    broken.last_error_at = now
    create_channel(session, "sandbox")

    report = health_report(session, now=now)

    assert report["database"] == "ok"
    assert report["scheduler"]["alive"] is True
    assert (report["workers"]["alive"], report["workers"]["stale"]) == (1, 1)
    assert [c["id"] for c in report["broken_channels"]] == [broken.id]
    assert "token revoked" not in str(report)  # platform messages stay off the public endpoint

    later = health_report(session, now=now + timedelta(minutes=1))
    assert later["scheduler"]["alive"] is False and later["workers"]["alive"] == 0


def test_a_restarted_process_under_the_same_name_starts_again_and_old_rows_are_forgotten(
    session, now
):
    first = beat(session, kind="scheduler", name="scheduler", now=now, pid=10)
    beat(session, kind="scheduler", name="scheduler", now=now + timedelta(seconds=5), pid=10)
    assert first.started_at == now
    beat(session, kind="scheduler", name="scheduler", now=now + timedelta(minutes=1), pid=11)
    assert first.started_at == now + timedelta(minutes=1)

    beat(session, kind="worker", name="gone", now=now - timedelta(days=2))
    assert forget_heartbeats(session, now=now) == 1
    assert health_report(session, now=now)["workers"]["processes"] == []


def test_workers_count_as_alive_while_they_beat(session, now):
    beat(session, kind="worker", name="host:1:0", now=now)
    beat(session, kind="worker", name="host:1:1", now=now - timedelta(seconds=20))
    beat(session, kind="worker", name="host:2:0", now=now - timedelta(minutes=5))
    beat(session, kind="scheduler", name="host:3", now=now)
    assert live_workers(session, now=now) == 2
