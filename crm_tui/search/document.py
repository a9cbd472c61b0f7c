"""The one text indexed for each row (pure: an import's reading process builds documents
ahead, without SQLAlchemy).

A contact's document comes in three parts, so an import can build the parts before it
knows the stored organization's name: the names (``head``), the organization, and every
other field (``tail``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crm_tui.text import index_text

# The contact's columns read into its document after its emails, phones, tags and custom
# fields, in this order.
TAIL_COLUMNS = ("notes", "title", "address", "website", "source", "status")
# Every contact column a document reads (the stored contact's, from ``sources``).
CONTACT_COLUMNS: tuple[str, ...] = (
    "name",
    "first_name",
    "last_name",
    "organization_name",
    "tags",
    "custom",
    *TAIL_COLUMNS,
)


def contact_parts(
    fields: Mapping[str, Any], emails: Sequence[str], phones: Sequence[str]
) -> tuple[str, str]:
    """The head and tail of a contact's document. ``fields`` holds its columns by name
    (custom fields as a mapping); ``emails``/``phones`` hold values and their keys."""
    head = _indexed([fields["name"], fields["first_name"], fields["last_name"]])
    listed = [*emails, *phones, fields["tags"]]
    if fields["custom"]:
        listed += [f"{k} {v}" for k, v in fields["custom"].items()]
    tail = _indexed([*listed, *[fields[name] for name in TAIL_COLUMNS]])
    return head, tail


def joined(head: str, organization: str, tail: str) -> str:
    """A contact's document from its parts."""
    middle = index_text(organization) if organization else ""
    return " ".join([part for part in (head, middle, tail) if part])


def contact_text(
    fields: Mapping[str, Any], organization: str, emails: Sequence[str], phones: Sequence[str]
) -> str:
    """A contact's whole document (see ``contact_parts``)."""
    head, tail = contact_parts(fields, emails, phones)
    return joined(head, organization, tail)


def interaction_text(subject: str, body: str) -> str:
    return index_text(f"{subject} {body}")


def _indexed(parts: Sequence[str]) -> str:
    # Field by field: index_text remembers recent values, and fields repeat (orgs, tags…);
    # ASCII text (emails, phones: new every row) is only lower-cased, without the cache.
    return " ".join(
        [part.lower() if part.isascii() else index_text(part) for part in parts if part]
    )
