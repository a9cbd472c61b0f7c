"""A contact's stored values worked out from what was typed or read, without the database:
its columns and its tags as the list shows them. The services write
them; an import's reading process works them out ahead (it never loads SQLAlchemy).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crm_tui.entities import CONTACT, Kind
from crm_tui.text import fold, sort_key
from crm_tui.vocabulary import ContactStatus

TAG_SEPARATOR = ", "


def tags_text(names: Iterable[str]) -> str:
    """The tags as ``contact.tags`` keeps them: sorted, comma-joined (the list shows them)."""
    return TAG_SEPARATOR.join(sorted(names, key=fold))


def split_tags(value: str) -> list[str]:
    return [part for part in (p.strip() for p in value.split(",")) if part]


def comma_free(tags: list[str]) -> list[str]:
    """``tags`` as they are; ValueError for one holding a comma: a contact's tags are kept,
    listed and exported joined by commas, so such a tag would come back as two."""
    for tag in tags:
        if "," in tag:
            raise ValueError(f"a tag cannot contain a comma: {tag!r}")
    return tags


AMBIGUOUS = 0  # what a team directory holds for a name two members share


def member_directory(members: Iterable[tuple[int, str, str, str]]) -> dict[str, int]:
    """What names each team member exactly, from (id, name, username, initials): their
    id, username or initials as typed in any case and accents ("soren" for "Søren"), their
    name as sorted; for ``member_in``. A name two members share holds ``AMBIGUOUS``."""
    directory: dict[str, int] = {}
    for member_id, name, username, short in members:
        keys = [f"id {member_id}", f"name {sort_key(name)}"]
        keys += [f"user {fold(part)}" for part in (username, short) if part.strip()]
        for key in keys:
            directory[key] = member_id if directory.get(key, member_id) == member_id else AMBIGUOUS
    return directory


def member_in(directory: Mapping[str, int], ref: str) -> int | None:
    """The id of the team member ``ref`` names exactly (``AMBIGUOUS``: several), None if
    nobody."""
    key = fold(ref.strip())
    keys = (f"id {key}", f"user {key}", f"name {sort_key(ref)}")
    found = {directory[k] for k in keys if k in directory}
    if not found:
        return None
    return found.pop() if len(found) == 1 else AMBIGUOUS


# Each declared field with a column of the contact's own, but the organization (its id,
# name and sort key come from ``organization_named``): most as the record holds them, the
# tags as the list shows them, the status defaulted, the ids some records lack.
_STORED = [f for f in CONTACT.fields if f.stored_as is not None and f.kind is not Kind.ORGANIZATION]
_AS_HELD = [f for f in _STORED if f.kind not in (Kind.TAGS, Kind.STATUS, Kind.MEMBER, Kind.CONTACT)]
_AS_HELD_COLUMNS = [str(f.stored_as) for f in _AS_HELD]
_AS_HELD_NAMES = [f.name for f in _AS_HELD]
_TAGS = [(str(f.stored_as), f.name) for f in _STORED if f.kind is Kind.TAGS]
_STATUS = [(str(f.stored_as), f.name) for f in _STORED if f.kind is Kind.STATUS]
_IDS = [(str(f.stored_as), f.name) for f in _STORED if f.kind in (Kind.MEMBER, Kind.CONTACT)]


def contact_columns(data: Any) -> dict[str, Any]:
    """Column values of a new contact row, minus the organization (see ``organization_named``).

    ``data`` is a ``ContactCreate`` or an import's ``ContactValues`` (the same fields): each
    declared field's column (``entities.CONTACT``), the name's sort key, and the first email
    and phone, which the list shows.
    """
    columns = {
        column: getattr(data, name)
        for column, name in zip(_AS_HELD_COLUMNS, _AS_HELD_NAMES, strict=True)
    }
    for column, name in _TAGS:
        columns[column] = tags_text(getattr(data, name))
    for column, name in _STATUS:
        columns[column] = str(getattr(data, name) or ContactStatus.LEAD)
    for column, name in _IDS:
        columns[column] = getattr(data, name, None)
    columns["sort_name"] = sort_key(data.name)
    columns["email"] = data.emails[0].value if data.emails else ""
    columns["phone"] = data.phones[0].value if data.phones else ""
    return columns
