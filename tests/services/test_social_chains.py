"""Clearance chains: a unit or a campaign requires more steps than four eyes (a legal reviewer,
then the head of unit; a member of the steering committee for rapid responses), each by someone
who wrote no part of the version and took no earlier step of it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from campaigns.errors import Conflict, Invalid, NotAllowed
from campaigns.org.models import AuditEntry
from campaigns.social import chains, queries, services
from campaigns.social.chains import StepInput
from campaigns.social.models import Notification
from campaigns.social.notifications import unread_notifications
from tests.factories import create_person, create_unit
from tests.social_factories import create_campaign, create_post


@pytest.fixture
def office(session):
    """A press department with its head (a coordinator of it), a legal reviewer (an editor of
    it), another coordinator elsewhere, the steering committee's coordinator, and an admin."""
    unit = create_unit(session, "press-dept", kind="ministry")
    steering = create_unit(session, "steering", kind="steering")
    people = {
        "head": create_person(session, "coordinator", unit=unit),
        "lawyer": create_person(session, "editor", unit=unit, legal_reviewer=True),
        "coordinator": create_person(session, "coordinator", unit=create_unit(session)),
        "steering": create_person(session, "coordinator", unit=steering),
        "admin": create_person(session, "admin"),
    }
    return unit, people


def _policy(session, now, target, *steps, actor=None):
    chains.set_clearance_policy(
        session,
        actor=actor,
        now=now,
        target=target,
        steps=[StepInput(*step) if isinstance(step, tuple) else StepInput(step) for step in steps],
    )


def _approve(session, actor, post, now, **kwargs):
    return services.approve_post(
        session, actor=actor, now=now, post=post, expected_version=post.version, **kwargs
    )


def _submitted(session, now, campaign, **fields):
    post = create_post(session, campaign=campaign, now=now, **fields)
    services.submit_post(session, actor=post.author, now=now, post=post)
    return post


def _requested(session, post):
    return sorted(
        n.person_id
        for n in session.scalars(
            select(Notification).where(
                Notification.post_id == post.id,
                Notification.kind.in_(["review_requested", "rapid_review_requested"]),
                Notification.resolved_at.is_(None),
            )
        )
    )


def test_two_steps_legal_reviewer_then_head_of_unit(session, now, office):
    unit, people = office
    _policy(session, now, unit, "legal", ("unit", "press-dept"))
    post = _submitted(session, now, create_campaign(session, owner_unit=unit))
    assert [step["kind"] for step in post.clearance_chain] == ["legal", "unit"]
    # Only the legal reviewer is asked first; the head cannot take step 1.
    assert _requested(session, post) == [people["lawyer"].id]
    with pytest.raises(NotAllowed, match="Step 1 of this post's clearance is for a legal"):
        _approve(session, people["head"], post, now)

    _approve(session, people["lawyer"], post, now, comment="Lawful.")
    assert (post.status, post.clearance_steps_taken, post.approved_by_id) == ("in_review", 1, None)
    assert post.clearance_chain[0]["taken_by_id"] == people["lawyer"].id
    # The step-1 request is resolved; the head of unit is asked for step 2.
    assert _requested(session, post) == [people["head"].id]
    assert not unread_notifications(session, person=people["lawyer"])
    with pytest.raises(NotAllowed, match="for a coordinator of press-dept"):
        _approve(session, people["coordinator"], post, now)

    _approve(session, people["head"], post, now)
    assert (post.status, post.approved_by_id, post.approved_version) == (
        "approved",
        people["head"].id,
        1,
    )
    assert [(r.step, r.decision, r.person_id) for r in post.reviews] == [
        (1, "step", people["lawyer"].id),
        (2, "approved", people["head"].id),
    ]
    assert _requested(session, post) == []
    actions = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.target_type == "post", AuditEntry.target_id == post.id
        )
    ).all()
    assert actions.count("clear_step") == 1 and actions.count("approve") == 1


def test_three_steps_and_the_same_person_tries_two(session, now, office):
    unit, people = office
    # Two people who may take every step of "coordinator, coordinator, head of unit".
    head = people["head"]
    _policy(session, now, unit, "coordinator", "coordinator", ("unit", "press-dept"))
    post = _submitted(session, now, create_campaign(session, owner_unit=unit))
    _approve(session, head, post, now)
    with pytest.raises(NotAllowed, match="You took an earlier step"):
        _approve(session, head, post, now)
    assert post.clearance_steps_taken == 1
    _approve(session, people["coordinator"], post, now)
    assert post.status == "in_review" and post.clearance_steps_taken == 2
    # Step 3 is the head's, but the head took step 1: nobody else of the unit may.
    with pytest.raises(NotAllowed, match="You took an earlier step"):
        _approve(session, head, post, now)
    second_head = create_person(session, "coordinator", unit=unit)
    with pytest.raises(NotAllowed, match="for a coordinator of press-dept"):
        _approve(session, people["steering"], post, now)
    _approve(session, second_head, post, now)
    assert post.status == "approved"
    assert [r.person_id for r in post.reviews] == [
        head.id,
        people["coordinator"].id,
        second_head.id,
    ]


def test_the_author_and_writers_are_refused_at_every_step(session, now, office):
    unit, people = office
    _policy(session, now, unit, "legal", ("unit", "press-dept"))
    campaign = create_campaign(session, owner_unit=unit)
    # The legal reviewer wrote it: they may take no step, the head may not take step 1.
    post = _submitted(session, now, campaign, author=people["lawyer"])
    with pytest.raises(NotAllowed, match="You wrote this post"):
        _approve(session, people["lawyer"], post, now)
    # The head edits a step-1-cleared version: a writer now, refused at step 2.
    other_lawyer = create_person(session, "editor", unit=unit, legal_reviewer=True)
    _approve(session, other_lawyer, post, now)
    services.save_variant(
        session, actor=people["head"], now=now, post=post, language="en", text="Head's words"
    )
    assert post.clearance_steps_taken == 0  # the edit started the chain again
    other_lawyer2 = create_person(session, "editor", unit=unit, legal_reviewer=True)
    _approve(session, other_lawyer2, post, now)
    with pytest.raises(NotAllowed, match="one of its writers"):
        _approve(session, people["head"], post, now)


def test_a_send_back_mid_chain_and_an_edit_restart_the_chain(session, now, office):
    unit, people = office
    _policy(session, now, unit, "legal", ("unit", "press-dept"))
    post = _submitted(session, now, create_campaign(session, owner_unit=unit))
    _approve(session, people["lawyer"], post, now)
    services.reject_post(
        session,
        actor=people["head"],
        now=now,
        post=post,
        expected_version=post.version,
        comment="Shorter, please.",
    )
    assert post.status == "rejected"
    assert post.reviews[-1].step == 2 and post.reviews[-1].decision == "rejected"
    assert _requested(session, post) == []
    # Sent again unchanged: the chain starts from step 1, the lawyer's earlier step is gone.
    services.submit_post(session, actor=post.author, now=now, post=post)
    assert post.clearance_steps_taken == 0
    assert all("taken_by_id" not in step for step in post.clearance_chain)
    with pytest.raises(NotAllowed, match="Step 1"):
        _approve(session, people["head"], post, now)
    _approve(session, people["lawyer"], post, now)
    # An edit in review: a new version, step 1 again, and the step-2 request is resolved.
    services.save_variant(
        session, actor=post.author, now=now, post=post, language="vi", text="Bản mới"
    )
    assert (post.version, post.clearance_steps_taken) == (2, 0)
    assert _requested(session, post) == [people["lawyer"].id]
    # A form opened at step 1 of version 2 while someone took it meanwhile: a clear conflict.
    _approve(session, people["lawyer"], post, now, expected_step=1)
    with pytest.raises(Conflict, match="Step 1 of this post's clearance was taken"):
        _approve(session, people["head"], post, now, expected_step=1)
    _approve(session, people["head"], post, now, expected_step=2)
    assert (post.status, post.approved_version) == ("approved", 2)


def test_a_campaigns_policy_overrides_its_units(session, now, office):
    unit, people = office
    _policy(session, now, unit, "legal", ("unit", "press-dept"))
    campaign = create_campaign(session, owner_unit=unit)
    _policy(session, now, campaign, "coordinator", "coordinator")
    post = _submitted(session, now, campaign)
    assert [step["kind"] for step in post.clearance_chain] == ["coordinator", "coordinator"]
    _approve(session, people["coordinator"], post, now)
    _approve(session, people["steering"], post, now)
    assert post.status == "approved"
    # Removing the campaign's policy: the unit's applies again to the next submission.
    _policy(session, now, campaign, *[])
    assert campaign.clearance_policy is None
    assert [s["kind"] for s in chains.policy_for(_submitted(session, now, campaign))] == [
        "legal",
        "unit",
    ]


def test_a_chain_in_progress_keeps_the_policy_it_was_sent_with(session, now, office):
    unit, people = office
    _policy(session, now, unit, "legal", ("unit", "press-dept"))
    post = _submitted(session, now, create_campaign(session, owner_unit=unit))
    _policy(session, now, unit, "coordinator")
    assert [step["kind"] for step in post.clearance_chain] == ["legal", "unit"]
    with pytest.raises(NotAllowed, match="Step 1"):
        _approve(session, people["coordinator"], post, now)


def test_rapid_responses_need_the_steering_committee(session, now, office):
    unit, people = office
    _policy(session, now, unit, "coordinator", ("steering", "", True))
    campaign = create_campaign(session, owner_unit=unit)
    ordinary = _submitted(session, now, campaign)
    assert [step["kind"] for step in ordinary.clearance_chain] == ["coordinator"]
    rapid = _submitted(session, now, campaign, rapid_response=True)
    _approve(session, people["head"], rapid, now)
    with pytest.raises(NotAllowed, match="a member of the steering committee"):
        _approve(session, people["coordinator"], rapid, now)
    assert _requested(session, rapid) == [people["steering"].id]
    _approve(session, people["steering"], rapid, now)
    assert rapid.status == "approved"


def test_no_policy_is_four_eyes_as_before(session, now, office):
    unit, people = office
    post = _submitted(session, now, create_campaign(session, owner_unit=unit))
    assert post.clearance_chain is None
    with pytest.raises(NotAllowed, match="Only a coordinator or an administrator"):
        _approve(session, people["lawyer"], post, now)
    _approve(session, people["coordinator"], post, now)
    assert (post.status, post.approved_by_id) == ("approved", people["coordinator"].id)
    (step,) = chains.chain_steps(session, post)
    assert (step.taken_by, step.is_next) == (people["coordinator"], False)


def test_the_pending_list_shows_a_post_to_whoever_may_take_its_next_step(session, now, office):
    unit, people = office
    _policy(session, now, unit, "legal", ("unit", "press-dept"))
    post = _submitted(session, now, create_campaign(session, owner_unit=unit))
    assert post in queries.posts_awaiting_clearance(session, actor=people["lawyer"])
    assert post not in queries.posts_awaiting_clearance(session, actor=people["head"])
    _approve(session, people["lawyer"], post, now)
    assert post not in queries.posts_awaiting_clearance(session, actor=people["lawyer"])
    assert post in queries.posts_awaiting_clearance(session, actor=people["head"])


def test_only_administrators_define_chains_and_bad_ones_are_refused(session, now, office):
    unit, people = office
    with pytest.raises(NotAllowed):
        _policy(session, now, unit, "legal", "coordinator", actor=people["head"])
    with pytest.raises(Invalid, match="legal review alone"):
        _policy(session, now, unit, "legal", actor=people["admin"])
    with pytest.raises(Invalid, match="unit's code"):
        _policy(session, now, unit, ("unit", "nowhere"), actor=people["admin"])
    with pytest.raises(Invalid, match="kind of clearance step"):
        _policy(session, now, unit, "boss", actor=people["admin"])
    assert unit.clearance_policy is None
    _policy(session, now, unit, "legal", "coordinator", actor=people["admin"])
    entry = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "clearance_policy", AuditEntry.target_type == "unit"
        )
    ).one()
    assert entry.actor_id == people["admin"].id
    assert [step["kind"] for step in entry.after["clearance_policy"]] == ["legal", "coordinator"]
