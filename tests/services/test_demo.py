from sqlalchemy import func, select

from campaigns.db import Base
from campaigns.demo import DEMO_PASSWORD, load_demo_data
from campaigns.org import queries, services
from campaigns.social import queries as social_queries
from campaigns.social.models import Campaign


def row_counts(session) -> dict[str, int]:
    return {
        table.name: session.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def test_demo_data_has_one_account_per_role_and_real_zones(session, now):
    accounts = load_demo_data(session, now=now)
    assert {account.role for account in accounts} == {
        "admin",
        "coordinator",
        "editor",
        "field",
        "viewer",
    }
    zones = {unit.code: unit.timezone for unit in queries.all_units(session)}
    assert zones["mission-us"] == "America/New_York"
    assert zones["mission-fr"] == "Europe/Paris"
    assert zones["mission-jp"] == "Asia/Tokyo"
    assert zones["mission-ru"] == "Europe/Moscow"
    kinds = {unit.kind for unit in queries.all_units(session)}
    assert {"steering", "ministry", "province", "mission"} <= kinds
    coordinator = services.authenticate(
        session, email="coordinator@example.org", password=DEMO_PASSWORD
    )
    assert coordinator is not None and coordinator.role == "coordinator"


def test_loading_the_demo_twice_changes_nothing(session, now):
    load_demo_data(session, now=now)
    session.commit()
    first = row_counts(session)
    load_demo_data(session, now=now)
    session.commit()
    assert row_counts(session) == first


def test_the_demo_has_a_statement_waiting_at_step_two_of_its_chain(session, now):
    load_demo_data(session, now=now)
    campaign = session.scalar(
        select(Campaign).where(Campaign.name_en == "Spokesperson's statements")
    )
    assert [step["kind"] for step in campaign.clearance_policy] == ["steering", "unit"]
    (post,) = campaign.posts
    assert (post.status, post.clearance_steps_taken, len(post.clearance_chain)) == (
        "in_review",
        1,
        2,
    )
    head = queries.person_by_email(session, "coordinator@example.org")
    assert post in social_queries.posts_awaiting_clearance(session, actor=head)
