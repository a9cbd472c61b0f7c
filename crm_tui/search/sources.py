"""The documents of stored rows, read from their tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import select
from sqlmodel import Session, col

from crm_tui.models import Contact, ContactEmail, ContactPhone, Interaction
from crm_tui.search.document import CONTACT_COLUMNS, contact_text, interaction_text
from crm_tui.text import fold

# (id, sort key, document): a contact is filed by its place in the list's order by name.
ContactDocument = tuple[int, str, str]
# (id, document)
Document = tuple[int, str]

_CONTACT_ID = Contact.__table__.c.id  # type: ignore[attr-defined]
_COLUMNS = [Contact.__table__.c[name] for name in CONTACT_COLUMNS]  # type: ignore[attr-defined]


def _grouped(session: Session, model: Any, ids: Sequence[int]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(model.contact_id, model.value, model.normalized)
        .where(col(model.contact_id).in_(ids))
        .order_by(model.contact_id, model.position)
    )
    for contact_id, value, normalized in rows:
        grouped[contact_id].append(value)
        if fold(value) != normalized:  # a phone's E.164 key: searchable digits
            grouped[contact_id].append(normalized)
    return grouped


def contact_documents(session: Session, ids: Sequence[int]) -> list[ContactDocument]:
    """The documents of the stored contacts ``ids``: every field, custom fields and
    organization included."""
    emails = _grouped(session, ContactEmail, ids)
    phones = _grouped(session, ContactPhone, ids)
    query = select(_CONTACT_ID, Contact.__table__.c.sort_name, *_COLUMNS)  # type: ignore[attr-defined]
    found = []
    for row in session.execute(query.where(_CONTACT_ID.in_(ids))):
        fields = cast(Mapping[str, Any], row._mapping)
        labeled = {"emails": emails.get(row.id, []), "phones": phones.get(row.id, [])}
        text = contact_text(fields, fields["organization_name"], labeled)
        found.append((row.id, row.sort_name, text))
    return found


def interaction_documents(session: Session, ids: Sequence[int]) -> list[Document]:
    interaction = Interaction.__table__.c  # type: ignore[attr-defined]
    rows = session.execute(
        select(interaction.id, interaction.subject, interaction.body).where(interaction.id.in_(ids))
    )
    return [(row.id, interaction_text(row.subject, row.body)) for row in rows]


def contact_ids(session: Session) -> list[int]:
    return list(session.scalars(select(_CONTACT_ID)))


def interaction_ids(session: Session) -> list[int]:
    return list(session.scalars(select(col(Interaction.id))))
