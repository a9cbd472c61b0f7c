"""A contact with its emails, phones and tags as JSON-safe data, and putting one back.

Merges and imports keep these snapshots so they can be undone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select
from sqlmodel import Session

from crm_tui.models import Contact, ContactEmail, ContactPhone, ContactTag
from crm_tui.services import tags


def contact_state(session: Session, contact: Contact) -> dict[str, Any]:
    """Everything of one contact a merge changes, as JSON-safe data."""
    assert contact.id is not None
    state = contact.model_dump(mode="json")
    state["_emails"] = [
        {"value": v, "normalized": n, "label": lb}
        for v, n, lb in session.execute(
            select(ContactEmail.value, ContactEmail.normalized, ContactEmail.label)
            .where(ContactEmail.contact_id == contact.id)
            .order_by(ContactEmail.position)
        )
    ]
    state["_phones"] = [
        {"value": v, "normalized": n, "label": lb}
        for v, n, lb in session.execute(
            select(ContactPhone.value, ContactPhone.normalized, ContactPhone.label)
            .where(ContactPhone.contact_id == contact.id)
            .order_by(ContactPhone.position)
        )
    ]
    state["_tags"] = tags.split_tags(contact.tags)
    return state


def write_values(session: Session, model: Any, contact_id: int, items: list[Any]) -> None:
    session.execute(delete(model).where(model.contact_id == contact_id))
    if items:
        session.execute(
            insert(model),
            [
                {
                    "contact_id": contact_id,
                    "value": item["value"],
                    "normalized": item["normalized"],
                    "label": item["label"],
                    "position": i,
                }
                for i, item in enumerate(items)
            ],
        )


def restore_contact(session: Session, state: dict[str, Any], existing: Contact | None) -> Contact:
    columns = {k: v for k, v in state.items() if not k.startswith("_")}
    restored = Contact.model_validate(columns)
    if existing is None:
        session.add(restored)
        contact = restored
    else:
        for name in columns:
            if name not in ("id", "version"):
                setattr(existing, name, getattr(restored, name))
        contact = existing
    session.flush()
    assert contact.id is not None
    write_values(session, ContactEmail, contact.id, state["_emails"])
    write_values(session, ContactPhone, contact.id, state["_phones"])
    session.execute(delete(ContactTag).where(ContactTag.contact_id == contact.id))
    tags.set_tags(session, contact, state["_tags"])
    return contact
