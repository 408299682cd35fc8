"""Clearing a post from the field bot: a press on a clearance card's button, and the comment a
rejection asks for (campaigns/social/clearance_cards.py builds the cards).

The bot is one more door to the same services: **Approve** calls ``approve_post`` and the
comment after **Reject** calls ``reject_post``, as the linked person, with the version the card
showed as ``expected_version``. The rules are therefore the web's: four eyes per version
(``post.approve``), the stale-version check, who may send a post back (``post.reject``).

What the bot adds is only about the card that was pressed:

- a chat linked to nobody, or a person who may no longer clear posts, is refused and shown
  nothing;
- a card whose version no longer waits says so (who already cleared or sent it back, if
  someone did), loses its buttons, and when another version of the post waits now, the presser
  who may clear it gets its card;
- **Reject** starts a conversation of kind ``"reject"`` (kept in the database, so it survives a
  restart); the next text in that chat is the comment, ``/cancel`` abandons it.

Every function returns a ``ClearanceAnswer`` of messages still to be translated (``Message``
templates with their parameters): the bot speaks the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from campaigns.errors import HeraldError, Invalid, Message
from campaigns.field import conversations
from campaigns.field.models import BotConversation
from campaigns.i18n import N_
from campaigns.org.models import Person
from campaigns.org.telegram_links import telegram_link_for_chat
from campaigns.permissions import can, chain_of, next_step, step_label
from campaigns.social import queries, services
from campaigns.social.clearance_cards import parse_button
from campaigns.social.models import Post, PostStatus, ReviewDecision

KIND = "reject"
COMMENT_STEP = "comment"

NOT_A_BUTTON = N_("This button no longer does anything.")
NOT_LINKED = N_("This chat is not linked to a Herald account.")
ONLY_CLEARERS = N_("Only a coordinator or an administrator can clear a post.")
CLEARED = N_("Cleared. It can now be scheduled or published.")
CLEARED_BY = N_("Cleared by %(name)s.")
STEP_TAKEN = N_(
    "Step %(step)s of %(steps)s of the clearance is taken; step %(next)s is for %(who)s."
)
STEP_TAKEN_BY = N_("Step %(step)s of the clearance taken by %(name)s.")
SENT_BACK = N_("Sent back to the author with your comment.")
SENT_BACK_BY = N_("Sent back by %(name)s: %(comment)s")
ALREADY_CLEARED = N_("Version %(version)s was already cleared by %(name)s.")
ALREADY_SENT_BACK = N_("Version %(version)s was already sent back by %(name)s.")
NO_LONGER_WAITING = N_("Version %(version)s is no longer the one waiting for clearance.")
NOW_WAITING = N_(
    "Version %(old)s is no longer the one waiting for clearance: this is version %(version)s,"
    " the one that waits now."
)
ASK_COMMENT = N_(
    "What should change in “%(title)s”? Send your comment in one message: it goes to the"
    " writers with the post. /cancel keeps the post waiting."
)
CANCELLED = N_("Nothing was sent back: the post still waits for clearance.")


@dataclass
class Settled:
    """The card a person pressed is settled: ``outcome`` goes under its text, its buttons go."""

    message_id: int
    text: str | None  # the card's text as sent (None when Telegram did not give it)
    outcome: Message


@dataclass
class ClearanceAnswer:
    """What the bot answers: ``notice`` to the person (the answer to a press, or a message after
    a comment), an optional ``prompt`` message, the pressed card to settle, and the version that
    waits now (``waiting``) to show as a new card."""

    reader: Person | None = None
    notice: Message | None = None
    prompt: Message | None = None
    settled: Settled | None = None
    waiting: Post | None = None
    waiting_notice: Message | None = None  # what goes above the card of ``waiting``
    # the notice refuses or explains (an alert the person must dismiss), rather than confirms
    refused: bool = False


def press_button(
    session: Session,
    *,
    chat_id: int,
    data: str | None,
    message_id: int,
    message_text: str | None,
    now: datetime,
) -> ClearanceAnswer:
    """Answer a press of Approve or Reject on a clearance card (``data``: the button's, which
    names the post and the version the card shows)."""
    press = parse_button(data)
    if press is None:
        return ClearanceAnswer(notice=Message(NOT_A_BUTTON), refused=True)
    reader, post, refusal = _clearer_and_post(session, chat_id, press.post_id)
    if refusal is not None:
        return refusal
    assert reader is not None and post is not None
    if not _waits(post, press.version):
        return _no_longer_waiting(
            post, press.version, reader, lambda outcome: Settled(message_id, message_text, outcome)
        )
    if press.decision == "reject":
        conversations.begin(
            session,
            chat_id=chat_id,
            person=reader,
            kind=KIND,
            step=COMMENT_STEP,
            now=now,
            data={
                "post_id": post.id,
                "version": press.version,
                "message_id": message_id,
                "message_text": message_text,
            },
        )
        return ClearanceAnswer(reader=reader, prompt=Message(ASK_COMMENT, title=post.title))
    try:
        # The step the post waits for now: the presser's, or refused as the web refuses it.
        services.approve_post(
            session, actor=reader, now=now, post=post, expected_version=press.version
        )
    except HeraldError as error:  # four eyes, as the web says it; nothing was changed
        return ClearanceAnswer(reader=reader, notice=_said(error), refused=True)
    upcoming = next_step(post) if post.status == PostStatus.IN_REVIEW else None
    if upcoming is not None:
        position, step = upcoming
        return ClearanceAnswer(
            reader=reader,
            notice=Message(
                STEP_TAKEN,
                step=position - 1,
                steps=len(chain_of(post)),
                next=position,
                who=step_label(step),
            ),
            settled=Settled(
                message_id,
                message_text,
                Message(STEP_TAKEN_BY, step=position - 1, name=reader.name),
            ),
        )
    return ClearanceAnswer(
        reader=reader,
        notice=Message(CLEARED),
        settled=Settled(message_id, message_text, Message(CLEARED_BY, name=reader.name)),
    )


def rejection_in_progress(session: Session, *, chat_id: int, now: datetime) -> bool:
    """True when the next text of this chat is the comment of a rejection."""
    conversation = conversations.current(session, chat_id, now=now)
    return conversation is not None and conversation.kind == KIND


def send_back_with_comment(
    session: Session, *, chat_id: int, comment: str, now: datetime
) -> ClearanceAnswer | None:
    """The comment of the rejection in progress in this chat: the version is sent back with it
    (``reject_post``). None when no rejection is in progress here. A blank comment asks again."""
    conversation = conversations.current(session, chat_id, now=now)
    if conversation is None or conversation.kind != KIND:
        return None
    data = conversation.data
    reader, post, refusal = _clearer_and_post(session, chat_id, data["post_id"])
    if refusal is not None or reader is None or reader.id != conversation.person_id:
        conversations.end(session, chat_id)
        return refusal or ClearanceAnswer(notice=Message(NOT_LINKED), refused=True)
    assert post is not None
    version = data["version"]
    settle = _settler(conversation)
    if not _waits(post, version):
        conversations.end(session, chat_id)
        return _no_longer_waiting(post, version, reader, settle)
    try:
        services.reject_post(
            session, actor=reader, now=now, post=post, expected_version=version, comment=comment
        )
    except Invalid as error:  # a blank comment: the question stands
        return ClearanceAnswer(reader=reader, notice=_said(error), refused=True)
    except HeraldError as error:
        conversations.end(session, chat_id)
        return ClearanceAnswer(reader=reader, notice=_said(error), refused=True)
    conversations.end(session, chat_id)
    return ClearanceAnswer(
        reader=reader,
        notice=Message(SENT_BACK),
        settled=settle(Message(SENT_BACK_BY, name=reader.name, comment=comment.strip())),
    )


def cancel_rejection(session: Session, *, chat_id: int, now: datetime) -> ClearanceAnswer | None:
    """``/cancel`` while a comment is awaited: nothing is sent back. None when no rejection is
    in progress in this chat (another conversation may want the ``/cancel``)."""
    if not rejection_in_progress(session, chat_id=chat_id, now=now):
        return None
    conversations.end(session, chat_id)
    link = telegram_link_for_chat(session, chat_id)
    return ClearanceAnswer(reader=link.person if link else None, notice=Message(CANCELLED))


# -- the checks every answer starts with ---------------------------------------------------------


def _clearer_and_post(
    session: Session, chat_id: int, post_id: int
) -> tuple[Person | None, Post | None, ClearanceAnswer | None]:
    """The linked person and the post, or the refusal: a chat linked to nobody, a post they may
    not see, a person who may not decide on clearance (the web's ``post.reject`` gate)."""
    link = telegram_link_for_chat(session, chat_id)
    if link is None:
        return None, None, ClearanceAnswer(notice=Message(NOT_LINKED), refused=True)
    reader = link.person
    try:
        post = queries.get_post(session, post_id, actor=reader)
    except HeraldError as error:
        return reader, None, ClearanceAnswer(reader=reader, notice=_said(error), refused=True)
    if not can(reader, "post.reject", post):
        return (
            reader,
            None,
            ClearanceAnswer(reader=reader, notice=Message(ONLY_CLEARERS), refused=True),
        )
    return reader, post, None


def _waits(post: Post, version: int) -> bool:
    return post.status == PostStatus.IN_REVIEW and post.version == version


def _no_longer_waiting(
    post: Post, version: int, reader: Person, settle: Callable[[Message], Settled | None]
) -> ClearanceAnswer:
    """Who decided on ``version``, or that it changed (also under the pressed card, which
    ``settle`` settles); and the version waiting now, for one who may clear it."""
    decision = next(
        (
            r
            for r in reversed(post.reviews)
            if r.version == version and r.decision != ReviewDecision.STEP
        ),
        None,
    )
    if decision is None:
        notice = Message(NO_LONGER_WAITING, version=version)
    elif decision.decision == ReviewDecision.APPROVED:
        notice = Message(ALREADY_CLEARED, version=version, name=decision.person.name)
    else:
        notice = Message(ALREADY_SENT_BACK, version=version, name=decision.person.name)
    answer = ClearanceAnswer(reader=reader, notice=notice, settled=settle(notice), refused=True)
    if (
        post.status == PostStatus.IN_REVIEW
        and post.version != version
        and can(reader, "post.approve", post)
    ):
        answer.waiting = post
        answer.waiting_notice = Message(NOW_WAITING, old=version, version=post.version)
    return answer


def _settler(conversation: BotConversation) -> Callable[[Message], Settled | None]:
    data = conversation.data

    def settle(outcome: Message) -> Settled | None:
        if data.get("message_text") is None:  # a card Telegram no longer hands back
            return None
        return Settled(data["message_id"], data.get("message_text"), outcome)

    return settle


def _said(error: HeraldError) -> Message:
    return Message(error.template, **error.params)
