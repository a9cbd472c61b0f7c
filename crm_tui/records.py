"""A contact's stored values worked out from what was typed or read, without the database:
its columns, its tags as the list shows them, its search document. The services write
them; an import's reading process works them out ahead (it never loads SQLAlchemy).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crm_tui.text import fold, sort_key
from crm_tui.vocabulary import ContactStatus

TAG_SEPARATOR = ", "


def tags_text(names: Iterable[str]) -> str:
    """The tags as ``contact.tags`` keeps them: sorted, comma-joined (the list shows them)."""
    return TAG_SEPARATOR.join(sorted(names, key=fold))


def split_tags(value: str) -> list[str]:
    return [part for part in (p.strip() for p in value.split(",")) if part]


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


def contact_columns(data: Any) -> dict[str, Any]:
    """Column values of a new contact row, minus the organization (see ``organization_named``).

    ``data`` is a ``ContactCreate`` or an import's ``ContactValues`` (the same fields).
    """
    return {
        "name": data.name,
        "sort_name": sort_key(data.name),
        "first_name": data.first_name,
        "last_name": data.last_name,
        "title": data.title,
        "email": data.emails[0].value if data.emails else "",
        "phone": data.phones[0].value if data.phones else "",
        "tags": tags_text(data.tags),
        "address": data.address,
        "website": data.website,
        "birthday": data.birthday,
        "status": str(data.status or ContactStatus.LEAD),
        "source": data.source,
        "referred_by_id": getattr(data, "referred_by_id", None),
        "owner_id": getattr(data, "owner_id", None),
        "notes": data.notes,
        "custom": data.custom,
    }
