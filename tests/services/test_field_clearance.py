"""Clearance from the phone, below the bot: the card a coordinator gets, and what a press of
Approve or Reject (and a rejection's comment) does — the web's services and rules, per version."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from babel.support import Translations
from sqlalchemy import select

from campaigns.field import clearance
from campaigns.field.models import BotConversation
from campaigns.org.models import AuditEntry
from campaigns.social import services
from campaigns.social.clearance_cards import (
    MESSAGE_LIMIT,
    button_data,
    clearance_card,
    parse_button,
    telegram_length,
)
from campaigns.social.models import Attachment, Notification, PostReview
from campaigns.social.telegram_alerts import (
    AlertOutcome,
    deliver_telegram_alert,
    pending_telegram_alerts,
)
from tests.factories import create_person
from tests.social_factories import create_channel, create_post
from tests.telegram_factories import link_telegram

BASE_URL = "https://herald.example.gov.vn"
CATALOGS = Path(__file__).resolve().parents[2] / "web" / "translations"
CHAT = 808_080


def english(text: str) -> str:
    return text


class Outbox:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def __call__(self, chat_id: int, text: str, **extra) -> None:
        self.sent.append({"chat_id": chat_id, "text": text, **extra})


@pytest.fixture
def waiting(session, now):
    """A post an editor wrote and sent for clearance; a coordinator linked to Telegram."""
    post = create_post(
        session,
        now=now,
        title="Quốc khánh 2/9",
        variants={"vi": "Chúc mừng Quốc khánh!", "en": "Happy National Day!"},
    )
    author = post.author
    author.name = "Trần Văn Bút"
    coordinator = create_person(session, "coordinator", name="Lê Thu Hà", locale="en")
    link_telegram(session, coordinator, now=now - timedelta(hours=1), chat_id=CHAT)
    services.submit_post(session, actor=author, now=now, post=post)
    session.info["door"] = "bot"
    return post, coordinator


def press(session, now, data, message_id=5, text="the card"):
    return clearance.press_button(
        session, chat_id=CHAT, data=data, message_id=message_id, message_text=text, now=now
    )


# -- the card ------------------------------------------------------------------------------------


def test_the_card_shows_every_variant_each_channels_wording_and_who_wrote_it(session, now, waiting):
    post, _ = waiting
    channel = create_channel(session, "x", name="X of the Embassy in Paris")
    services.save_variant(
        session,
        actor=post.author,
        now=now,
        post=post,
        language="en",
        text="Happy National Day!",
        channel_overrides={str(channel.id): "Happy National Day, Paris!"},
    )

    card = clearance_card(session, post, english, base_url=BASE_URL)

    assert card.text == (
        "A post waits for clearance: Quốc khánh 2/9\n"
        "Version 2 was written by Trần Văn Bút.\n\n"
        "[vi]\nChúc mừng Quốc khánh!\n\n"
        "[en]\nHappy National Day!\n\n"
        "[en · X of the Embassy in Paris]\nHappy National Day, Paris!\n\n"
        f"{BASE_URL}/social/posts/{post.id}"
    )
    assert [(b.label, b.data) for b in card.buttons] == [
        ("Approve", f"clear:ok:{post.id}:2"),
        ("Reject", f"clear:no:{post.id}:2"),
    ]
    assert all(len(b.data.encode()) <= 64 for b in card.buttons)


def test_a_vietnamese_coordinator_reads_the_card_in_vietnamese(session, now, waiting):
    post, _ = waiting
    vietnamese = Translations.load(str(CATALOGS), ["vi"]).gettext

    card = clearance_card(session, post, vietnamese, base_url=BASE_URL)

    assert card.text.startswith(
        "Bài đăng chờ duyệt: Quốc khánh 2/9\nPhiên bản 1 do Trần Văn Bút viết."
    )


def test_a_long_post_is_cut_to_one_message_and_keeps_its_link(session, now, waiting):
    post, _ = waiting
    for language in ("fr", "es"):
        services.save_variant(
            session, actor=post.author, now=now, post=post, language=language, text="Fête ! " * 500
        )

    card = clearance_card(session, post, english, base_url=BASE_URL)

    assert len(card.text) <= MESSAGE_LIMIT
    assert card.text.endswith(f"…\n\n{BASE_URL}/social/posts/{post.id}")


def test_a_post_cut_to_one_message_is_measured_as_telegram_counts(session, now, waiting):
    """Telegram counts UTF-16 code units: 2,000 flags are 4,000 characters but 8,000 units."""
    post, _ = waiting
    services.save_variant(
        session, actor=post.author, now=now, post=post, language="fr", text="🇻🇳🇫🇷" * 1000
    )

    card = clearance_card(session, post, english, base_url=BASE_URL)

    assert telegram_length(card.text) <= MESSAGE_LIMIT
    assert card.text.endswith(f"…\n\n{BASE_URL}/social/posts/{post.id}")
    assert "\ufffd" not in card.text


def test_the_card_carries_the_images_of_every_variant_once(session, now, waiting, tmp_path):
    post, _ = waiting
    for variant, name in zip(post.variants, ("a.png", "b.png"), strict=True):
        for digest in (name, "shared"):
            variant.attachments.append(
                Attachment(
                    path=f"{digest}.png",
                    original_name=name,
                    mime_type="image/png",
                    size_bytes=10,
                    sha256=hashlib.sha256(digest.encode()).hexdigest(),
                    created_at=now,
                )
            )
    session.flush()

    card = clearance_card(session, post, english, base_url=BASE_URL, media_root=tmp_path)

    assert sorted(m.path for m in card.media) == sorted(
        str(tmp_path / f"{name}.png") for name in ("a.png", "b.png", "shared")
    )


@pytest.mark.parametrize(
    "data",
    [
        "",
        "clear:ok:1",
        "clear:maybe:1:2",
        "clear:ok:1:2:3",
        "clear:ok:x:2",
        "clear:ok:1:99999999999",
    ],
)
def test_only_a_clearance_buttons_data_reads_as_a_press(data):
    assert parse_button(data) is None


def test_a_clearance_request_reaches_telegram_as_a_card_with_buttons(session, now, waiting):
    post, _ = waiting
    (notification_id,) = pending_telegram_alerts(session, now=now)
    outbox = Outbox()

    outcome = deliver_telegram_alert(
        session,
        notification_id=notification_id,
        now=now,
        send=outbox,
        translations=lambda locale: english,
        base_url=BASE_URL,
    )

    assert outcome == AlertOutcome.SENT
    (sent,) = outbox.sent
    assert sent["chat_id"] == CHAT
    assert "[vi]\nChúc mừng Quốc khánh!" in sent["text"]
    assert [b.data for b in sent["buttons"]] == [
        f"clear:ok:{post.id}:1",
        f"clear:no:{post.id}:1",
    ]
    assert sent["media"] == ()


def test_a_request_for_someone_who_may_no_longer_clear_is_not_sent(session, now, waiting):
    _, coordinator = waiting
    (notification_id,) = pending_telegram_alerts(session, now=now)
    coordinator.role = "field"
    session.flush()
    outbox = Outbox()

    outcome = deliver_telegram_alert(
        session,
        notification_id=notification_id,
        now=now,
        send=outbox,
        translations=lambda locale: english,
        base_url=BASE_URL,
    )

    assert outcome == AlertOutcome.GAVE_UP
    assert outbox.sent == []
    assert pending_telegram_alerts(session, now=now) == []


# -- Approve -------------------------------------------------------------------------------------


def test_approve_clears_the_version_as_the_linked_coordinator_through_the_bot(
    session, now, waiting
):
    post, coordinator = waiting

    answer = press(session, now, button_data("approve", post), message_id=5, text="the card")

    assert answer.notice == "Cleared. It can now be scheduled or published."
    assert not answer.refused
    assert (answer.settled.message_id, answer.settled.text) == (5, "the card")
    assert answer.settled.outcome == "Cleared by Lê Thu Hà."
    assert (post.status, post.approved_by_id, post.approved_version) == (
        "approved",
        coordinator.id,
        1,
    )
    review = session.scalars(select(PostReview)).one()
    assert (review.person_id, review.decision, review.door) == (coordinator.id, "approved", "bot")
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "approve")).one()
    assert (entry.actor_id, entry.door) == (coordinator.id, "bot")


def test_the_author_pressing_approve_is_refused_as_in_the_web(session, now, waiting):
    post, _ = waiting
    post.author.role = "coordinator"
    link_telegram(session, post.author, now=now, chat_id=CHAT)  # the chat moves to the author
    session.flush()

    answer = press(session, now, button_data("approve", post))

    assert answer.refused
    assert answer.notice == "You wrote this post: another coordinator must clear it."
    assert answer.settled is None
    assert post.status == "in_review"


def test_a_coauthor_of_the_version_pressing_approve_is_refused(session, now, waiting):
    post, coordinator = waiting
    services.save_variant(
        session, actor=coordinator, now=now, post=post, language="en", text="Happy National Day."
    )
    assert (post.status, post.version) == ("in_review", 2)

    answer = press(session, now, button_data("approve", post))

    assert answer.refused
    assert answer.notice.startswith("You changed this version of the post")
    assert post.status == "in_review"
    assert session.scalars(select(PostReview)).first() is None


def test_a_button_of_a_version_that_changed_says_so_and_brings_the_new_one(session, now, waiting):
    post, _ = waiting
    old = button_data("approve", post)
    services.save_variant(
        session, actor=post.author, now=now, post=post, language="en", text="Version two"
    )

    answer = press(session, now, old)

    assert answer.refused
    assert answer.notice == "Version 1 is no longer the one waiting for clearance."
    assert answer.settled.outcome == answer.notice
    assert answer.waiting is post
    assert answer.waiting_notice.params == {"old": 1, "version": 2}
    assert post.status == "in_review"
    assert session.scalars(select(PostReview)).first() is None


def test_a_button_of_a_version_someone_cleared_names_who_did(session, now, waiting):
    post, _ = waiting
    data = button_data("approve", post)
    other = create_person(session, "coordinator", name="Phạm Minh Quân")
    services.approve_post(session, actor=other, now=now, post=post, expected_version=1)

    answer = press(session, now, data)

    assert answer.notice == "Version 1 was already cleared by Phạm Minh Quân."
    assert answer.settled.outcome == answer.notice
    assert answer.waiting is None
    assert post.approved_by_id == other.id


def test_a_stranger_or_someone_who_may_no_longer_clear_is_shown_nothing(session, now, waiting):
    post, coordinator = waiting
    data = button_data("approve", post)

    stranger = clearance.press_button(
        session, chat_id=999, data=data, message_id=1, message_text=None, now=now
    )
    coordinator.role = "field"
    session.flush()
    demoted = press(session, now, data)

    assert stranger.notice == "This chat is not linked to a Herald account."
    assert demoted.notice == "Only a coordinator or an administrator can clear a post."
    for answer in (stranger, demoted):
        assert answer.refused and answer.settled is None and answer.waiting is None
    assert post.status == "in_review"


# -- Reject and its comment ----------------------------------------------------------------------


def test_reject_asks_for_a_comment_then_sends_the_version_back_with_it(session, now, waiting):
    post, coordinator = waiting

    asked = press(session, now, button_data("reject", post), message_id=7, text="the card")
    assert asked.prompt.params == {"title": "Quốc khánh 2/9"}
    assert asked.notice is None
    assert post.status == "in_review"
    conversation = session.scalars(select(BotConversation)).one()
    assert (conversation.kind, conversation.step, conversation.person_id) == (
        "reject",
        "comment",
        coordinator.id,
    )

    blank = clearance.send_back_with_comment(session, chat_id=CHAT, comment="   ", now=now)
    assert blank.notice == "Say what should change."
    assert clearance.rejection_in_progress(session, chat_id=CHAT, now=now)

    done = clearance.send_back_with_comment(
        session, chat_id=CHAT, comment=" Add the date. ", now=now
    )
    assert done.notice == "Sent back to the author with your comment."
    assert (done.settled.message_id, done.settled.text) == (7, "the card")
    assert done.settled.outcome == "Sent back by Lê Thu Hà: Add the date."
    assert (post.status, post.review_comment) == ("rejected", "Add the date.")
    review = session.scalars(select(PostReview)).one()
    assert (review.decision, review.door, review.person_id) == ("rejected", "bot", coordinator.id)
    assert session.scalars(select(BotConversation)).first() is None
    told = session.scalars(select(Notification).where(Notification.kind == "post_rejected")).one()
    assert told.person_id == post.author_id


def test_cancel_abandons_the_rejection(session, now, waiting):
    post, _ = waiting
    press(session, now, button_data("reject", post))

    cancelled = clearance.cancel_rejection(session, chat_id=CHAT, now=now)

    assert cancelled.notice == "Nothing was sent back: the post still waits for clearance."
    assert clearance.send_back_with_comment(session, chat_id=CHAT, comment="x", now=now) is None
    assert clearance.cancel_rejection(session, chat_id=CHAT, now=now) is None
    assert post.status == "in_review"


def test_a_comment_for_a_version_cleared_meanwhile_sends_nothing_back(session, now, waiting):
    post, _ = waiting
    press(session, now, button_data("reject", post), message_id=9, text="the card")
    other = create_person(session, "coordinator", name="Phạm Minh Quân")
    services.approve_post(session, actor=other, now=now, post=post, expected_version=1)

    answer = clearance.send_back_with_comment(session, chat_id=CHAT, comment="No.", now=now)

    assert answer.notice == "Version 1 was already cleared by Phạm Minh Quân."
    assert answer.settled.message_id == 9
    assert post.status == "approved"
    assert not clearance.rejection_in_progress(session, chat_id=CHAT, now=now)
