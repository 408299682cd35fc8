"""Single social objects by id, for the doors (web, API): a publication, an image, a post's
schedule as it would be, and a person's unread count. Each refuses what the reader may not see."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, selectinload

from campaigns.errors import NotFound
from campaigns.i18n import N_
from campaigns.org.models import Person
from campaigns.permissions import require
from campaigns.social.models import Attachment, Notification, Publication
from campaigns.social.notifications import still_standing


def get_publication(session: Session, publication_id: int, *, actor: Person) -> Publication:
    """One publication with its attempts. Raises NotFound, NotAllowed."""
    require(actor, "campaign.view")
    publication = session.get(
        Publication, publication_id, options=[selectinload(Publication.attempt_log)]
    )
    if publication is None:
        raise NotFound(N_("There is no such publication."))
    return publication


def get_attachment(session: Session, attachment_id: int, *, actor: Person) -> Attachment:
    """One image of a post's variant. Raises NotFound, NotAllowed."""
    require(actor, "campaign.view")
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(N_("There is no such image."))
    return attachment


def attachment_by_path(session: Session, path: str, *, actor: Person) -> Attachment:
    """The image stored at ``path`` (relative to the media root). Raises NotFound, NotAllowed."""
    require(actor, "campaign.view")
    attachment = session.scalar(select(Attachment).where(Attachment.path == path).limit(1))
    if attachment is None:
        raise NotFound(N_("There is no such image."))
    return attachment


@cache
def _unread_count_statement() -> Select:
    # Built once (on first use, when every model is mapped): every signed-in page asks it, and
    # building it and its cache key cost more than the indexed count (profiled).
    return select(func.count(Notification.id)).where(
        Notification.person_id == bindparam("person_id"),
        Notification.read_at.is_(None),
        still_standing(),
    )


def unread_count(session: Session, *, person: Person) -> int:
    return session.scalar(_unread_count_statement(), {"person_id": person.id}) or 0


def publications_of(
    session: Session,
    *,
    actor: Person,
    since: datetime | None = None,
    until: datetime | None = None,
    status: str | None = None,
    post_id: int | None = None,
    channel_id: int | None = None,
    limit: int = 500,
) -> list[Publication]:
    """Publications by scheduled time, filtered as the API asks. Raises NotAllowed."""
    require(actor, "campaign.view")
    statement = (
        select(Publication)
        .options(selectinload(Publication.attempt_log), selectinload(Publication.channel))
        .order_by(Publication.scheduled_at, Publication.id)
        .limit(limit)
    )
    if since is not None:
        statement = statement.where(Publication.scheduled_at >= since)
    if until is not None:
        statement = statement.where(Publication.scheduled_at < until)
    if status is not None:
        statement = statement.where(Publication.status == status)
    if post_id is not None:
        statement = statement.where(Publication.post_id == post_id)
    if channel_id is not None:
        statement = statement.where(Publication.channel_id == channel_id)
    return list(session.scalars(statement))
