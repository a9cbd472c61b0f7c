"""The one text indexed for each row (pure: an import's reading process builds documents
ahead, without SQLAlchemy).

A contact's document comes in three parts, so an import can build the parts before it
knows the stored organization's name: the names (``head``), the organization, and every
other field (``tail``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crm_tui.entities import COMBINED, CONTACT, Kind, Searched
from crm_tui.text import index_text

_SEARCHED = {part: [f for f in CONTACT.fields if f.searched is part] for part in Searched}
_TAIL = _SEARCHED[Searched.TAIL]
_HEAD_COLUMNS = tuple(str(f.stored_as) for f in _SEARCHED[Searched.HEAD])
# The tail: the columns holding text as it is, then each labeled field's values, then the
# custom fields' names and values.
_PLAIN_COLUMNS = tuple(
    str(f.stored_as) for f in _TAIL if f.kind not in COMBINED or f.kind is Kind.TAGS
)
_LABELED = tuple(f.name for f in _TAIL if f.kind is Kind.LABELED)
_CUSTOM = tuple(str(f.stored_as) for f in _TAIL if f.kind is Kind.CUSTOM)
# The contact's columns a document reads (its labeled values come from their own tables).
CONTACT_COLUMNS: tuple[str, ...] = (
    *_HEAD_COLUMNS,
    *(str(f.stored_as) for f in _SEARCHED[Searched.ORGANIZATION]),
    *_PLAIN_COLUMNS,
    *_CUSTOM,
)


def contact_parts(
    fields: Mapping[str, Any], labeled: Mapping[str, Sequence[str]]
) -> tuple[str, str]:
    """The head and tail of a contact's document, from the fields the declaration
    (``crm_tui.entities.CONTACT``) says are searched. ``fields`` holds its columns by name
    (tags as the list shows them, custom fields as a mapping); ``labeled`` holds each
    labeled field's values (and keys) by the field's name."""
    parts = [fields[column] for column in _PLAIN_COLUMNS]
    for name in _LABELED:
        parts += labeled[name]
    for column in _CUSTOM:
        if custom := fields[column]:
            parts += [f"{k} {v}" for k, v in custom.items()]
    return _indexed([fields[column] for column in _HEAD_COLUMNS]), _indexed(parts)


def joined(head: str, organization: str, tail: str) -> str:
    """A contact's document from its parts."""
    middle = index_text(organization) if organization else ""
    return " ".join([part for part in (head, middle, tail) if part])


def contact_text(
    fields: Mapping[str, Any], organization: str, labeled: Mapping[str, Sequence[str]]
) -> str:
    """A contact's whole document (see ``contact_parts``)."""
    head, tail = contact_parts(fields, labeled)
    return joined(head, organization, tail)


def interaction_text(subject: str, body: str) -> str:
    return index_text(f"{subject} {body}")


def _indexed(parts: Sequence[str]) -> str:
    # Field by field: index_text remembers recent values, and fields repeat (orgs, tags…);
    # ASCII text (emails, phones: new every row) is only lower-cased, without the cache.
    return " ".join(
        [part.lower() if part.isascii() else index_text(part) for part in parts if part]
    )
