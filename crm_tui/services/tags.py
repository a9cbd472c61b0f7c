"""Tags on contacts. ``contact.tags`` keeps a sorted, comma-joined copy for the list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlmodel import Session, col

from crm_tui.models import Contact, ContactTag, Tag
from crm_tui.records import tags_text
from crm_tui.search import index as search
from crm_tui.services.common import delete_rows, utcnow
from crm_tui.text import clean_line, fold


def tag_ids(*, session: Session, names: Iterable[str]) -> dict[str, int]:
    """Ids of the tags named ``names`` (matched ignoring case), creating missing ones."""
    cleaned = (clean_line(name) for name in names)  # `crm contacts tag` comes here directly
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


def _refresh_tags_text(
    session: Session, contact_ids: Sequence[int], actor_id: int | None = None
) -> None:
    names: dict[int, list[str]] = {contact_id: [] for contact_id in contact_ids}
    rows = session.execute(
        select(ContactTag.contact_id, Tag.name)
        .join(Tag, Tag.id == ContactTag.tag_id)
        .where(col(ContactTag.contact_id).in_(contact_ids))
    )
    for contact_id, name in rows:
        names[contact_id].append(name)
    stamp: dict[str, Any] = {"updated_at": utcnow()}
    if actor_id is not None:
        stamp["updated_by_id"] = actor_id
    for contact_id, tag_names in names.items():
        session.execute(
            update(Contact)
            .where(Contact.id == contact_id)
            .values(tags=tags_text(tag_names), version=Contact.version + 1, **stamp)
        )
    search.index_contacts(session=session, ids=contact_ids)


def tag_contacts(
    *, session: Session, contact_ids: Sequence[int], tag: str, actor_id: int | None = None
) -> int:
    """Add ``tag`` to every contact in ``contact_ids``; returns how many gained it."""
    ids = tag_ids(session=session, names=[tag])
    if not ids or not contact_ids:
        return 0
    (tag_row_id,) = ids.values()
    have = set(
        session.scalars(
            select(ContactTag.contact_id).where(
                ContactTag.tag_id == tag_row_id,
                col(ContactTag.contact_id).in_(contact_ids),
            )
        )
    )
    new = [contact_id for contact_id in dict.fromkeys(contact_ids) if contact_id not in have]
    if new:
        session.execute(
            insert(ContactTag),
            [{"contact_id": contact_id, "tag_id": tag_row_id} for contact_id in new],
        )
        _refresh_tags_text(session, new, actor_id)
    return len(new)


def untag_contacts(
    *, session: Session, contact_ids: Sequence[int], tag: str, actor_id: int | None = None
) -> int:
    tag_row_id = tag_id(session=session, name=tag)
    if tag_row_id is None or not contact_ids:
        return 0
    result = delete_rows(
        session=session,
        model=ContactTag,
        where=[col(ContactTag.tag_id) == tag_row_id, col(ContactTag.contact_id).in_(contact_ids)],
    )
    _refresh_tags_text(session, list(contact_ids), actor_id)
    return int(getattr(result, "rowcount", 0) or 0)


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
