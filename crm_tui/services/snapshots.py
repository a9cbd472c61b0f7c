"""A contact with its emails, phones and tags as JSON-safe data, and putting one back.

Merges and imports keep these snapshots so they can be undone.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlmodel import Session, col

from crm_tui.entities import CONTACT, Kind
from crm_tui.models import Contact, ContactEmail, ContactPhone, ContactTag
from crm_tui.records import split_tags, tags_text
from crm_tui.services import tags
from crm_tui.services.common import bulk_insert, delete_rows
from crm_tui.text import fold


def contact_state(*, session: Session, contact: Contact) -> dict[str, Any]:
    """Everything of one contact a merge changes, as JSON-safe data."""
    assert contact.id is not None
    return contact_states(session=session, contacts=[contact])[contact.id]


def contact_states(
    *,
    session: Session,
    contacts: Sequence[Contact],
    compared: Mapping[int, dict[str, Any]] | None = None,
) -> dict[int, dict[str, Any]]:
    """``contact_state`` of many contacts, by id, in two queries (not two per contact: an
    import updating 100k contacts reads them in chunks), or none when given their
    ``compared_states``, which hold their emails and phones already."""
    ids = [contact.id for contact in contacts]
    if compared is None:
        emails = _labeled(session, ContactEmail, ids)
        phones = _labeled(session, ContactPhone, ids)
    else:
        emails = {i: compared[i]["_emails"] for i in ids if i is not None}
        phones = {i: compared[i]["_phones"] for i in ids if i is not None}
    states = {}
    for contact in contacts:
        assert contact.id is not None
        state = contact.model_dump(mode="json")
        state["_emails"] = emails.get(contact.id, [])
        state["_phones"] = phones.get(contact.id, [])
        state["_tags"] = split_tags(contact.tags)
        states[contact.id] = state
    return states


# The columns an import's update compares (see imports._changes), with the lists below:
# each imported field's (the organization's sorted name too, and the tags as text).
_COMPARED = (
    *(str(f.stored_as) for f in CONTACT.imported if f.stored_as is not None),
    "sort_org",
)
_DATES = [str(f.stored_as) for f in CONTACT.imported if f.kind is Kind.DATE]


def compared_states(*, session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """What an update compares of each contact, as ``contact_states`` has it, without
    loading whole contacts: re-importing an unchanged file of 100k spent a quarter of its
    time building them only to find nothing to change."""
    emails, phones = _labeled(session, ContactEmail, ids), _labeled(session, ContactPhone, ids)
    rows = session.execute(
        select(col(Contact.id), *(getattr(Contact, name) for name in _COMPARED)).where(
            col(Contact.id).in_(ids)
        )
    )
    states = {}
    for row in rows:
        state = dict(zip(_COMPARED, row[1:], strict=True))
        for name in _DATES:
            state[name] = state[name].isoformat() if state[name] else None  # as in JSON
        state["_emails"] = emails.get(row.id, [])
        state["_phones"] = phones.get(row.id, [])
        state["_tags"] = split_tags(state["tags"])
        states[row.id] = state
    return states


def _labeled(session: Session, model: Any, ids: Sequence[int | None]) -> dict[int, list[Any]]:
    """Emails or phones of ``ids`` in their order, as {"value", "normalized", "label"}."""
    found: dict[int, list[Any]] = defaultdict(list)
    rows = session.execute(
        select(model.contact_id, model.value, model.normalized, model.label)
        .where(col(model.contact_id).in_(ids))
        .order_by(model.contact_id, model.position)
    )
    for contact_id, value, normalized, label in rows:
        found[contact_id].append({"value": value, "normalized": normalized, "label": label})
    return found


def write_values(*, session: Session, model: Any, contact_id: int, items: list[Any]) -> None:
    delete_rows(session=session, model=model, where=[model.contact_id == contact_id])
    _insert_values(session, model, [(contact_id, items)])


def _insert_values(session: Session, model: Any, owned: list[tuple[int, list[Any]]]) -> None:
    """Emails or phones (``model``) of several contacts: (contact id, its items in order)."""
    bulk_insert(
        session=session,
        model=model,
        rows=[
            {
                "contact_id": contact_id,
                "value": item["value"],
                "normalized": item["normalized"],
                "label": item["label"],
                "position": position,
            }
            for contact_id, items in owned
            for position, item in enumerate(items)
        ],
    )


def restore_contact(
    *, session: Session, state: dict[str, Any], existing: Contact | None
) -> Contact:
    """Put one contact back as ``state`` says; a new row when ``existing`` is None."""
    if existing is None:
        contact = Contact.model_validate(_columns(state))
        session.add(contact)
        session.flush()
    else:
        contact = existing
    restore_contacts(session=session, pairs=[(contact, state)])
    return contact


def restore_contacts(*, session: Session, pairs: Sequence[tuple[Contact, dict[str, Any]]]) -> None:
    """Put stored contacts back as their states say: their columns, then the emails, phones
    and tags of all of them in a few statements (undoing an import of 20k updates one
    contact at a time took minutes). A state holding only some columns, or no list of
    emails, phones or tags, leaves the rest as they are now (a bulk action keeps only what
    it changed)."""
    if not pairs:
        return
    for contact, state in pairs:
        _put_back_columns(contact, state)
    session.flush()
    for model, key in ((ContactEmail, "_emails"), (ContactPhone, "_phones")):
        owned = [(c.id, state[key]) for c, state in pairs if c.id and key in state]
        ids = [contact_id for contact_id, _ in owned]
        delete_rows(session=session, model=model, where=[col(model.contact_id).in_(ids)])
        _insert_values(session, model, owned)
    _put_back_tags(session, [(contact, state) for contact, state in pairs if "_tags" in state])


def _put_back_tags(session: Session, pairs: Sequence[tuple[Contact, dict[str, Any]]]) -> None:
    ids = [contact.id for contact, _ in pairs if contact.id is not None]
    delete_rows(session=session, model=ContactTag, where=[col(ContactTag.contact_id).in_(ids)])
    found = tags.tag_ids(
        session=session, names=[name for _, state in pairs for name in state["_tags"]]
    )
    links = {
        (c.id, found[fold(name)])
        for c, state in pairs
        for name in state["_tags"]
        if fold(name) in found  # a blank name is no tag
    }
    bulk_insert(
        session=session,
        model=ContactTag,
        rows=[{"contact_id": c, "tag_id": t} for c, t in sorted(links)],
    )
    for contact, state in pairs:
        contact.tags = tags_text(state["_tags"])


def _put_back_columns(contact: Contact, state: dict[str, Any]) -> None:
    """Set the columns whose stored value differs from the contact's. Validating the whole
    state and setting every column through the ORM's instrumentation made undoing an
    import that updated 100k contacts take over a minute for the few columns it changed."""
    for name, value in _columns(state).items():
        if name in ("id", "version"):
            continue
        if isinstance(value, str) and name in _FROM_TEXT:  # a date or time, as JSON has it
            value = _field_type(name).validate_python(value)
        if getattr(contact, name) != value:
            setattr(contact, name, value)


# Columns whose JSON form is text but whose value is not (dates and times).
_FROM_TEXT = {
    name
    for name, field in Contact.model_fields.items()
    if field.annotation in (date, datetime, date | None, datetime | None)
}


@functools.cache
def _field_type(name: str) -> TypeAdapter[Any]:
    return TypeAdapter(Contact.model_fields[name].annotation)


def _columns(state: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in state.items() if not name.startswith("_")}
