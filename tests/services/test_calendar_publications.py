"""Posts scheduled relative to an event follow it when the calendar moves or cancels it."""

from __future__ import annotations

from datetime import UTC, datetime

from campaigns.calendar import services as calendar
from campaigns.social import scheduling
from tests.factories import create_event
from tests.social_factories import NINE, at_utc, cleared_post, create_campaign, create_channel


def wall(year: int, month: int, day: int, hour: int) -> datetime:
    """A wall-clock time, as people type it; the event's zone gives it its instant."""
    return datetime(year, month, day, hour)  # noqa: DTZ001


def _schedule_three_days_before(session, now, event):
    channel = create_channel(session)
    post = cleared_post(session, campaign=create_campaign(session, target_countries=["FR"]))
    (publication,) = scheduling.schedule_post(
        session,
        actor=None,
        now=now,
        post=post,
        data=scheduling.ScheduleInput(
            channel_ids=[channel.id],
            local_time=NINE,
            event_id=event.id,
            offset_days=-3,
            zone="Europe/Paris",
        ),
    )
    return publication


def _moved(event, **changes):
    data = calendar.EventInput(
        title=event.title,
        kind=event.kind,
        all_day=False,
        starts_local=changes.get("starts_local", wall(2027, 6, 24, 10)),
        ends_local=changes.get("ends_local", wall(2027, 6, 24, 12)),
        timezone="Europe/Paris",
        owner_unit_code=event.owner_unit.code,
    )
    return data


def test_moving_the_event_moves_its_publications(session, now):
    event = create_event(
        session,
        title="Photo exhibition",
        all_day=False,
        starts_local=wall(2027, 6, 24, 10),
        ends_local=wall(2027, 6, 24, 12),
        timezone="Europe/Paris",
    )
    publication = _schedule_three_days_before(session, now, event)
    assert publication.scheduled_at == at_utc(2027, 6, 21, 7)

    calendar.update_event(
        session,
        actor=None,
        now=now,
        event=event,
        data=_moved(
            event,
            starts_local=wall(2027, 7, 1, 10),
            ends_local=wall(2027, 7, 1, 12),
        ),
    )
    assert publication.scheduled_at == datetime(2027, 6, 28, 7, 0, tzinfo=UTC)
    assert publication.status == "scheduled"


def test_cancelling_the_event_holds_its_publications(session, now):
    event = create_event(
        session,
        all_day=False,
        starts_local=wall(2027, 6, 24, 10),
        ends_local=wall(2027, 6, 24, 12),
        timezone="Europe/Paris",
    )
    publication = _schedule_three_days_before(session, now, event)
    calendar.cancel_event(session, actor=None, now=now, event=event, reason="weather")
    assert (publication.status, publication.held_reason) == ("held", "event_cancelled")


def test_cancelling_the_event_tells_subscribed_systems_of_the_event_and_the_held_publications(
    session, now
):
    from sqlalchemy import select

    from campaigns import webhooks
    from campaigns.webhooks import WebhookDelivery
    from tests.factories import create_person

    webhooks.create_endpoint(
        session,
        actor=create_person(session, role="admin"),
        now=now,
        url="https://crm.office.example/herald",
        events=["event.cancelled", "publication.held"],
        app_secret="test-application-secret",
    )
    event = create_event(
        session,
        all_day=False,
        starts_local=wall(2027, 6, 24, 10),
        ends_local=wall(2027, 6, 24, 12),
        timezone="Europe/Paris",
    )
    publication = _schedule_three_days_before(session, now, event)
    calendar.cancel_event(session, actor=None, now=now, event=event, reason="weather")
    told = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert sorted(d.event_type for d in told) == ["event.cancelled", "publication.held"]
    held = next(d for d in told if d.event_type == "publication.held")
    assert f'"id": {publication.id}' in held.body and "event_cancelled" in held.body
