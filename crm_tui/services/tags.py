"""Tags on contacts. ``contact.tags`` keeps a sorted, comma-joined copy for the list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, insert, select
from sqlmodel import Session, col

from crm_tui.models import Contact, ContactTag, Tag
from crm_tui.records import tags_text
from crm_tui.services.common import delete_rows
from crm_tui.text import clean_line, fold


def tag_ids(*, session: Session, names: Iterable[str]) -> dict[str, int]:
    """Ids of the tags named ``names`` (matched ignoring case), creating missing ones."""
    cleaned = (clean_line(name) for name in names)  # a bulk tag comes here directly
    wanted = {fold(name): name for name in cleaned if name}
    if not wanted:
        return {}
    query = select(Tag.key, Tag.id).where(col(Tag.key).in_(list(wanted)))
    found: dict[str, int] = dict(session.execute(query).all())
    for key, name in wanted.items():
        if key not in found:
            tag = Tag(name=name, key=key)
            session.add(tag)
            session.flush()
            assert tag.id is not None
            found[key] = tag.id
    return found


def tag_id(*, session: Session, name: str) -> int | None:
    return session.scalar(select(Tag.id).where(Tag.key == fold(name)))


def set_tags(*, session: Session, contact: Contact, names: Sequence[str]) -> None:
    """Replace the tags of ``contact`` (a row in this session)."""
    assert contact.id is not None
    delete_rows(session=session, model=ContactTag, where=[col(ContactTag.contact_id) == contact.id])
    ids = tag_ids(session=session, names=names)
    if ids:
        session.execute(
            insert(ContactTag),
            [{"contact_id": contact.id, "tag_id": tag} for tag in ids.values()],
        )
    contact.tags = tags_text(names)


def list_tags(*, session: Session) -> list[tuple[str, int]]:
    """Every tag with the number of live contacts carrying it, most used first."""
    rows = session.execute(
        select(Tag.name, func.count(Contact.id))
        .join(ContactTag, ContactTag.tag_id == Tag.id)
        .join(Contact, Contact.id == ContactTag.contact_id)
        .where(col(Contact.deleted_at).is_(None))
        .group_by(Tag.id, Tag.name)
        .order_by(func.count(Contact.id).desc(), Tag.name)
    )
    return [(name, count) for name, count in rows]
