"""What a coordinator reads in Telegram to clear a post from the phone: a *clearance card*.

A card shows one version of a post as it would go out: the text of every variant, each channel's
own wording, the images, who wrote the version, a link to the post in the web, and two buttons,
**Approve** and **Reject**. A button's data names the post and the version it shows
(``clear:ok:<post id>:<version>``), so that a press is checked against the version waiting *now*
(campaigns/field/clearance.py): a card never clears a version its reader did not see.

The card is built in the reader's language (``gettext`` of their catalog); the bot turns it into
Telegram messages (the images first, then the text with the buttons).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.i18n import N_
from campaigns.org.models import Person
from campaigns.permissions import chain_of, next_step, step_label
from campaigns.social import rules
from campaigns.social.models import Channel, ChannelKind, Post
from campaigns.social.platform import MediaFile

MESSAGE_LIMIT = 4096  # Telegram's limit on a message's text, in UTF-16 code units
ALBUM_LIMIT = 10  # Telegram's limit on the photos of one album
CUT = "…"

APPROVE = N_("Approve")
REJECT = N_("Reject")
WAITS = N_("A post waits for clearance: %(title)s")
RAPID_WAITS = N_("Rapid response to clear: %(title)s")
WRITTEN_BY = N_("Version %(version)s was written by %(names)s.")
CHAIN_STEP = N_("Clearance step %(step)s of %(steps)s: for %(who)s.")

#: what a button says: approve ("ok") or reject ("no") one version of one post
DECISIONS = {"ok": "approve", "no": "reject"}
_BUTTON = re.compile(r"^clear:(ok|no):(\d{1,10}):(\d{1,10})$")


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # at most 64 bytes (Telegram's limit on callback data)


@dataclass(frozen=True)
class ButtonPress:
    """What a pressed button asks: ``decision`` ("approve" or "reject") of one version."""

    decision: str
    post_id: int
    version: int


@dataclass(frozen=True)
class ClearanceCard:
    post_id: int
    version: int
    text: str
    buttons: tuple[Button, ...]
    media: tuple[MediaFile, ...] = ()


def button_data(decision: str, post: Post) -> str:
    code = next(code for code, name in DECISIONS.items() if name == decision)
    return f"clear:{code}:{post.id}:{post.version}"


def parse_button(data: str | None) -> ButtonPress | None:
    """The press a button's data asks for, or None for data that is not a clearance button."""
    found = _BUTTON.match(data or "")
    if found is None:
        return None
    code, post_id, version = found.groups()
    return ButtonPress(DECISIONS[code], int(post_id), int(version))


def clearance_card(
    session: Session,
    post: Post,
    gettext: Callable[[str], str],
    *,
    base_url: str,
    media_root: Path | str | None = None,
    notice: str = "",
) -> ClearanceCard:
    """The card of the post's current version in the reader's language; ``notice`` (already
    translated) goes first. Images are attached when ``media_root`` says where they live."""
    header = gettext(RAPID_WAITS if post.rapid_response else WAITS) % {"title": post.title}
    writers = session.scalars(
        select(Person.name).where(Person.id.in_(post.writer_ids())).order_by(Person.name)
    ).all()
    header += "\n" + gettext(WRITTEN_BY) % {"version": post.version, "names": ", ".join(writers)}
    chain, upcoming = chain_of(post), next_step(post)
    if len(chain) > 1 and upcoming is not None:
        who = step_label(upcoming[1])
        header += "\n" + gettext(CHAIN_STEP) % {
            "step": upcoming[0],
            "steps": len(chain),
            "who": gettext(who.template) % who.params if who.params else gettext(who.template),
        }
    if notice:
        header = f"{notice}\n\n{header}"
    link = base_url.rstrip("/") + f"/social/posts/{post.id}"
    budget = MESSAGE_LIMIT - telegram_length(header) - telegram_length(link) - 4
    body = cut(_variants_text(session, post), budget)
    return ClearanceCard(
        post_id=post.id,
        version=post.version,
        text=f"{header}\n\n{body}\n\n{link}" if body else f"{header}\n\n{link}",
        buttons=(
            Button(gettext(APPROVE), button_data("approve", post)),
            Button(gettext(REJECT), button_data("reject", post)),
        ),
        media=_media(post, media_root) if media_root is not None else (),
    )


def _variants_text(session: Session, post: Post) -> str:
    """Every variant's text under its language, then each channel's own wording of it."""
    channel_ids = {
        int(key) for variant in post.variants for key in (variant.channel_overrides or {})
    }
    channels = (
        {c.id: c for c in session.scalars(select(Channel).where(Channel.id.in_(channel_ids)))}
        if channel_ids
        else {}
    )
    parts = []
    for variant in post.variants:
        parts.append(f"[{variant.language}]\n{variant.text}")
        for key, wording in sorted((variant.channel_overrides or {}).items()):
            channel = channels.get(int(key))
            name = channel.name if channel is not None else key
            parts.append(f"[{variant.language} · {name}]\n{wording}")
    return "\n\n".join(parts)


def telegram_length(text: str) -> int:
    """A text's length as Telegram counts it (UTF-16 code units: an emoji counts two)."""
    return rules.text_length(ChannelKind.TELEGRAM, text)


def cut(text: str, budget: int) -> str:
    """``text`` within ``budget`` as Telegram counts it, ending in "…" when it was cut."""
    if telegram_length(text) <= budget:
        return text
    units = max(budget - telegram_length(CUT), 0)
    # A pair of UTF-16 units cut in half is dropped, not sent as half a character.
    kept = text.encode("utf-16-le")[: units * 2].decode("utf-16-le", errors="ignore")
    return kept.rstrip() + CUT


def _media(post: Post, media_root: Path | str) -> tuple[MediaFile, ...]:
    """The images of every variant, each once, at most an album's worth."""
    seen: dict[str, MediaFile] = {}
    for variant in post.variants:
        for attachment in variant.attachments:
            if attachment.sha256 not in seen and attachment.mime_type.startswith("image/"):
                seen[attachment.sha256] = MediaFile(
                    path=str(Path(media_root) / attachment.path),
                    mime_type=attachment.mime_type,
                    sha256=attachment.sha256,
                )
    return tuple(seen.values())[:ALBUM_LIMIT]
