"""Clearance from the phone, through the real python-telegram-bot Application long polling the
fake Telegram Bot API: a coordinator gets the post to clear with Approve and Reject buttons, and
pressing them does what the web does — four eyes and stale versions included. Last, a post
cleared from Telegram goes out through the real worker to the fake X, once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from bots.fieldbot import FieldBot
from bots.registry import client_for
from campaigns.db import utcnow
from campaigns.social import scheduling, services
from campaigns.social.chains import StepInput, set_clearance_policy
from campaigns.social.models import Post, PostReview, Publication
from campaigns.social.telegram_alerts import AlertOutcome
from scheduler.transactions import Transactions
from scheduler.worker import Worker
from tests.bots.conftest import X_TOKEN, png_bytes
from tests.bots.field_bots import BASE_URL, FieldBots, translations
from tests.factories import create_person, create_unit
from tests.fakes.telegram import FakeMessage, FakeTelegram
from tests.social_factories import SECRET, create_campaign, create_channel, create_post
from tests.telegram_factories import link_telegram

CHAT = 616_161  # the coordinator's private chat
OTHER_CHAT = 626_262  # a second coordinator's
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(bot_username="herald_field_bot") as fake:
        yield fake


@pytest.fixture
def media_root(tmp_path) -> Path:
    return tmp_path / "media"


@pytest.fixture
def start_bot(app, database_url, fake_telegram, media_root) -> Iterator[Callable[..., FieldBot]]:
    """Runs the field bot in a thread, as ``herald bot`` runs it; stopped after the test."""
    bots = FieldBots(
        database_url=database_url,
        api_base=fake_telegram.base_url,
        clock=lambda: NOW,
        media_root=media_root,
    )

    def start(clock: Callable[[], datetime] = lambda: NOW) -> FieldBot:
        return bots.start(clock=clock)

    yield start
    bots.stop_all()


@pytest.fixture
def waiting(session, media_root):
    """A post an editor wrote (two languages, one image) and sent for clearance; a coordinator
    whose chat is linked, in English."""
    post = create_post(
        session,
        now=NOW,
        title="Quốc khánh 2/9",
        variants={"vi": "Chúc mừng Quốc khánh!", "en": "Happy National Day!"},
    )
    post.author.name = "Trần Văn Bút"
    services.add_attachment(
        session,
        actor=post.author,
        now=NOW,
        post=post,
        language="en",
        filename="flag.png",
        content=png_bytes(colour=b"\xda\x25\x1d"),
        media_root=media_root,
    )
    coordinator = create_person(session, "coordinator", name="Lê Thu Hà", locale="en")
    link_telegram(session, coordinator, now=NOW - timedelta(hours=1), chat_id=CHAT)
    services.submit_post(session, actor=post.author, now=NOW, post=post)
    session.commit()
    return post, coordinator


def card_of(fake: FakeTelegram, chat: int) -> FakeMessage:
    """The last message with buttons in the chat: the clearance card."""
    return [m for m in fake.messages(chat) if m.reply_markup][-1]


def press(fake: FakeTelegram, chat: int, message: FakeMessage, label: str) -> dict:
    """Press the button ``label`` of ``message``; returns the bot's answer to the press."""
    (data,) = [data for text, data in fake.buttons(message) if text == label]
    already = len(fake.callback_answers)
    fake.push_callback_query(chat, message.message_id, data)
    answers = fake.wait_for_callback_answers(already + 1)
    assert len(answers) > already, "the bot did not answer the press"
    return answers[already]


def reread(session, post: Post) -> Post:
    session.expire_all()
    return session.get(Post, post.id)


def test_a_coordinator_gets_the_post_with_its_image_and_approves_it_from_telegram(
    session, start_bot, fake_telegram, waiting
):
    post, coordinator = waiting
    bot = start_bot()

    assert bot.deliver_round(NOW) == [AlertOutcome.SENT]

    photo, card = fake_telegram.messages(CHAT)
    assert photo.photos == [png_bytes(colour=b"\xda\x25\x1d")]
    assert card.text.startswith(
        "A post waits for clearance: Quốc khánh 2/9\nVersion 2 was written by Trần Văn Bút."
    )
    assert "[vi]\nChúc mừng Quốc khánh!\n\n[en]\nHappy National Day!" in card.text
    assert card.text.endswith(f"{BASE_URL}/social/posts/{post.id}")
    assert fake_telegram.buttons(card) == [
        ("Approve", f"clear:ok:{post.id}:2"),
        ("Reject", f"clear:no:{post.id}:2"),
    ]

    answer = press(fake_telegram, CHAT, card, "Approve")

    assert answer["text"] == "Cleared. It can now be scheduled or published."
    card = fake_telegram.messages(CHAT)[1]
    assert card.text.endswith(f"/social/posts/{post.id}\n\nCleared by Lê Thu Hà.")
    assert card.reply_markup is None
    post = reread(session, post)
    assert (post.status, post.approved_by_id, post.approved_version) == (
        "approved",
        coordinator.id,
        2,
    )
    review = session.scalars(select(PostReview)).one()
    assert (review.door, review.person_id) == ("bot", coordinator.id)


def test_reject_asks_for_a_comment_and_sends_the_post_back_with_it(
    session, start_bot, fake_telegram, waiting
):
    post, coordinator = waiting
    bot = start_bot()
    bot.deliver_round(NOW)
    card = card_of(fake_telegram, CHAT)

    press(fake_telegram, CHAT, card, "Reject")
    question = fake_telegram.messages(CHAT)[-1]
    assert question.text.startswith("What should change in “Quốc khánh 2/9”?")
    assert reread(session, post).status == "in_review"

    fake_telegram.push_message(CHAT, "Add the date of the reception.")
    messages = fake_telegram.wait_for_messages(CHAT, 4)

    assert messages[3].text == "Sent back to the author with your comment."
    card = messages[1]
    assert card.text.endswith("Sent back by Lê Thu Hà: Add the date of the reception.")
    assert card.reply_markup is None
    post = reread(session, post)
    assert (post.status, post.review_comment) == ("rejected", "Add the date of the reception.")
    review = session.scalars(select(PostReview)).one()
    assert (review.decision, review.door, review.person_id) == ("rejected", "bot", coordinator.id)


def test_cancel_keeps_the_post_waiting_and_the_next_text_is_no_comment(
    session, start_bot, fake_telegram, waiting
):
    post, _ = waiting
    bot = start_bot()
    bot.deliver_round(NOW)
    press(fake_telegram, CHAT, card_of(fake_telegram, CHAT), "Reject")

    fake_telegram.push_message(CHAT, "/cancel")
    cancelled = fake_telegram.wait_for_messages(CHAT, 4)[3]
    fake_telegram.push_message(CHAT, "Add the date.")
    after = fake_telegram.wait_for_messages(CHAT, 5)[4]

    assert cancelled.text == "Nothing was sent back: the post still waits for clearance."
    assert after.text.startswith("I send you your Herald alerts")  # /help, not a rejection
    assert reread(session, post).status == "in_review"
    assert session.scalars(select(PostReview)).first() is None


def test_the_author_pressing_approve_is_refused_with_the_webs_explanation(
    session, start_bot, fake_telegram, waiting
):
    post, _ = waiting
    author = post.author
    author.role = "coordinator"
    author.locale = "en"
    link_telegram(session, author, now=NOW, chat_id=OTHER_CHAT)
    session.commit()
    start_bot()

    fake_telegram.push_callback_query(OTHER_CHAT, 1, f"clear:ok:{post.id}:{post.version}")
    (answer,) = fake_telegram.wait_for_callback_answers(1)

    assert answer["text"] == "You wrote this post: another coordinator must clear it."
    assert answer["show_alert"] is True
    assert fake_telegram.messages(OTHER_CHAT) == []
    assert reread(session, post).status == "in_review"


def test_a_coauthor_of_the_waiting_version_is_refused_and_their_old_card_gets_no_new_one(
    session, start_bot, fake_telegram, waiting
):
    post, coordinator = waiting
    bot = start_bot()
    bot.deliver_round(NOW)
    old_card = card_of(fake_telegram, CHAT)
    # The coordinator rewrites the English text: version 3 is partly theirs.
    services.save_variant(
        session, actor=coordinator, now=NOW, post=post, language="en", text="Happy 2/9!"
    )
    session.commit()

    stale = press(fake_telegram, CHAT, old_card, "Approve")
    fake_telegram.push_callback_query(CHAT, old_card.message_id, f"clear:ok:{post.id}:3")
    refused = fake_telegram.wait_for_callback_answers(2)[1]

    assert stale["text"] == "Version 2 is no longer the one waiting for clearance."
    assert refused["text"] == (
        "You changed this version of the post, so you are one of its writers: another"
        " coordinator must clear it."
    )
    assert [m for m in fake_telegram.messages(CHAT) if m.reply_markup] == []
    post = reread(session, post)
    assert (post.status, post.version) == ("in_review", 3)


def test_a_button_pressed_after_the_post_changed_says_so_and_brings_the_new_version(
    session, start_bot, fake_telegram, waiting
):
    post, coordinator = waiting
    bot = start_bot()
    bot.deliver_round(NOW)
    old_card = card_of(fake_telegram, CHAT)
    services.save_variant(
        session, actor=post.author, now=NOW, post=post, language="en", text="Happy 2/9, friends!"
    )
    session.commit()

    answer = press(fake_telegram, CHAT, old_card, "Approve")

    assert answer["text"] == "Version 2 is no longer the one waiting for clearance."
    assert reread(session, post).status == "in_review"
    messages = fake_telegram.messages(CHAT)
    old_card = messages[1]
    assert old_card.text.endswith("\n\nVersion 2 is no longer the one waiting for clearance.")
    assert old_card.reply_markup is None
    new_photo, new_card = messages[2:]
    assert new_photo.photos
    assert new_card.text.startswith(
        "Version 2 is no longer the one waiting for clearance: this is version 3, the one that"
        " waits now."
    )
    assert "Happy 2/9, friends!" in new_card.text
    assert fake_telegram.buttons(new_card) == [
        ("Approve", f"clear:ok:{post.id}:3"),
        ("Reject", f"clear:no:{post.id}:3"),
    ]

    cleared = press(fake_telegram, CHAT, new_card, "Approve")

    assert cleared["text"] == "Cleared. It can now be scheduled or published."
    post = reread(session, post)
    assert (post.status, post.approved_version, post.approved_by_id) == (
        "approved",
        3,
        coordinator.id,
    )


def test_another_coordinators_card_pressed_later_names_who_cleared_it(
    session, start_bot, fake_telegram, waiting
):
    post, _ = waiting
    other = create_person(session, "coordinator", name="Phạm Minh Quân", locale="en")
    link_telegram(session, other, now=NOW - timedelta(hours=1), chat_id=OTHER_CHAT)
    # A new version: both coordinators are asked to clear it.
    services.save_variant(session, actor=post.author, now=NOW, post=post, language="vi", text="2/9")
    session.commit()
    bot = start_bot()
    assert bot.deliver_round(NOW) == [AlertOutcome.SENT] * 2
    press(fake_telegram, CHAT, card_of(fake_telegram, CHAT), "Approve")

    answer = press(fake_telegram, OTHER_CHAT, card_of(fake_telegram, OTHER_CHAT), "Approve")

    assert answer["text"] == "Version 3 was already cleared by Lê Thu Hà."
    _, card = fake_telegram.messages(OTHER_CHAT)
    assert card.text.endswith("\n\nVersion 3 was already cleared by Lê Thu Hà.")
    assert card.reply_markup is None
    post = reread(session, post)
    assert (post.status, post.approved_version) == ("approved", 3)
    assert len(session.scalars(select(PostReview)).all()) == 1


def test_a_stranger_pressing_a_button_is_told_the_chat_is_not_linked_and_sees_nothing(
    session, start_bot, fake_telegram, waiting
):
    post, _ = waiting
    start_bot()

    fake_telegram.push_callback_query(999_001, 1, f"clear:ok:{post.id}:{post.version}")
    (answer,) = fake_telegram.wait_for_callback_answers(1)

    vietnamese, english = answer["text"].split("\n\n")
    assert english == "This chat is not linked to a Herald account."
    assert vietnamese == translations("vi")(english)
    assert fake_telegram.messages(999_001) == []
    assert reread(session, post).status == "in_review"


def test_a_coordinator_who_is_no_longer_one_is_refused_and_shown_nothing(
    session, start_bot, fake_telegram, waiting
):
    post, coordinator = waiting
    bot = start_bot()
    bot.deliver_round(NOW)
    card = card_of(fake_telegram, CHAT)
    coordinator.role = "field"
    session.commit()

    answer = press(fake_telegram, CHAT, card, "Approve")

    assert answer["text"] == "Only a coordinator or an administrator can clear a post."
    assert len(fake_telegram.messages(CHAT)) == 2  # the photo and the card, nothing more
    assert reread(session, post).status == "in_review"


# -- end to end: cleared from Telegram, published by the worker ---------------------------------


def test_a_post_cleared_from_telegram_is_published_on_x_once(
    session, app, database_url, start_bot, fake_telegram, fake_x, media_root
):
    start = utcnow().replace(microsecond=0)
    channel = create_channel(
        session,
        kind="x",
        handle="@herald_office",
        credentials={
            "consumer_key": "ck",
            "consumer_secret": "cs",
            "access_token": X_TOKEN,
            "access_token_secret": "ats",
        },
    )
    post = create_post(
        session,
        now=start,
        title="Lễ kỷ niệm",
        variants={"vi": "Kỷ niệm 30 năm quan hệ.", "en": "Thirty years of relations."},
    )
    coordinator = create_person(session, "coordinator", locale="en")
    link_telegram(session, coordinator, now=start - timedelta(hours=1), chat_id=CHAT)
    services.submit_post(session, actor=post.author, now=start, post=post)
    session.commit()
    bot = start_bot(clock=lambda: start)

    assert bot.deliver_round(start) == [AlertOutcome.SENT]
    press(fake_telegram, CHAT, card_of(fake_telegram, CHAT), "Approve")
    post = reread(session, post)
    assert post.status == "approved"

    due = start + timedelta(seconds=30)
    scheduling.schedule_post(
        session,
        actor=coordinator,
        now=start,
        post=post,
        data=scheduling.ScheduleInput(
            channel_ids=[channel.id], local_time=due.time(), local_date=due.date(), zone="UTC"
        ),
    )
    session.commit()
    config = {
        "SECRET_KEY": SECRET,
        "HERALD_X_API_BASE": fake_x.base_url,
        "HERALD_TELEGRAM_API_BASE": fake_telegram.base_url,
        "HERALD_PLATFORM_TIMEOUT": 2,
    }
    transactions = Transactions.for_url(database_url, door="worker")
    worker = Worker(
        transactions,
        partial(client_for, config=config),
        worker_id="w-clearance",
        media_root=media_root,
    )
    try:
        assert worker.run_once(due) == 1
        assert worker.run_once(due + timedelta(minutes=1)) == 0
    finally:
        worker.close()
        transactions.engine.dispose()

    (tweet,) = fake_x.tweets(username="herald_office")
    assert tweet.text == "Thirty years of relations."
    session.expire_all()
    publication = session.scalars(select(Publication)).one()
    assert (publication.status, publication.platform_id) == ("published", tweet.id)


def test_a_chain_of_two_steps_from_telegram_each_presser_takes_their_own_step(
    session, start_bot, fake_telegram
):
    """A rapid response of a unit whose chain is a coordinator, then (for rapid responses) a
    member of the steering committee: the Approve button takes the step the presser may take,
    and a second step by the same person is refused with the web's words."""
    unit = create_unit(session, "press-dept", kind="ministry")
    set_clearance_policy(
        session,
        actor=None,
        now=NOW,
        target=unit,
        steps=[StepInput("coordinator"), StepInput("steering", rapid_only=True)],
    )
    post = create_post(
        session, campaign=create_campaign(session, owner_unit=unit), now=NOW,
        title="Phản hồi nhanh", rapid_response=True,
    )  # fmt: skip
    coordinator = create_person(session, "coordinator", name="Lê Thu Hà", locale="en")
    link_telegram(session, coordinator, now=NOW - timedelta(hours=1), chat_id=CHAT)
    steering = create_person(
        session, "coordinator", unit=create_unit(session, "bcd", kind="steering"),
        name="Ủy viên Ban Chỉ đạo", locale="en",
    )  # fmt: skip
    link_telegram(session, steering, now=NOW - timedelta(hours=1), chat_id=OTHER_CHAT)
    services.submit_post(session, actor=post.author, now=NOW, post=post)
    session.commit()
    bot = start_bot()
    # Step 1 is for any coordinator: both are asked, and the card says which step it is.
    assert bot.deliver_round(NOW) == [AlertOutcome.SENT] * 2
    card = card_of(fake_telegram, CHAT)
    assert "Clearance step 1 of 2: for a coordinator or an administrator." in card.text

    answer = press(fake_telegram, CHAT, card, "Approve")

    assert answer["text"] == (
        "Step 1 of 2 of the clearance is taken; step 2 is for a member of the steering committee."
    )
    assert fake_telegram.messages(CHAT)[-1].text.endswith(
        "Step 1 of the clearance taken by Lê Thu Hà."
    )
    post = reread(session, post)
    assert (post.status, post.clearance_steps_taken) == ("in_review", 1)
    # The same person tries the second step with the same button: refused as the web refuses.
    already = len(fake_telegram.callback_answers)
    fake_telegram.push_callback_query(CHAT, card.message_id, f"clear:ok:{post.id}:{post.version}")
    refused = fake_telegram.wait_for_callback_answers(already + 1)[already]
    assert refused["text"] == (
        "You took an earlier step of this version's clearance: step 2 is for another person"
        " (a member of the steering committee)."
    )
    assert refused["show_alert"] is True
    assert reread(session, post).clearance_steps_taken == 1

    # The steering member is asked for step 2 (their step-1 request is resolved) and clears it.
    assert bot.deliver_round(NOW) == [AlertOutcome.SENT]
    card = card_of(fake_telegram, OTHER_CHAT)
    assert "Clearance step 2 of 2: for a member of the steering committee." in card.text
    answer = press(fake_telegram, OTHER_CHAT, card, "Approve")
    assert answer["text"] == "Cleared. It can now be scheduled or published."
    post = reread(session, post)
    assert (post.status, post.approved_by_id) == ("approved", steering.id)
    assert [(r.step, r.decision) for r in post.reviews] == [(1, "step"), (2, "approved")]
