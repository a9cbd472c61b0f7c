"""What writing a file's row as a new contact takes, and what the row is matched on,
worked out without the database: an import does this in its reading process, which never
loads SQLAlchemy (see ``crm_tui.io.background``), while the writing process waits on the
database.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from typing import Any, NamedTuple

from crm_tui.io.contact_rows import ContactValues, RowError
from crm_tui.records import contact_columns
from crm_tui.search.document import contact_parts, joined
from crm_tui.text import fold, sort_key


class Match(enum.StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    NAME = "name"
    NONE = "none"


class OnDuplicate(enum.StrEnum):
    SKIP = "skip"
    UPDATE = "update"
    CREATE = "create"


def _keys(values: ContactValues, match: Match, *, made_up_name: bool = False) -> list[str]:
    if match is Match.EMAIL:
        return [email.key for email in values.emails]
    if match is Match.PHONE:
        return [phone.key for phone in values.phones]
    if match is Match.NAME and values.name and (values.named or made_up_name):
        return [sort_key(values.name)]
    return []


# A row without the --match value is matched on its emails, else its phones, else its name
# among contacts that have neither: importing a file twice must find again the rows it
# created from, say, a name and a phone. (A same-named contact with an email may be somebody
# else: the name alone does not join them.)
_FALLBACKS = {
    Match.EMAIL: (Match.PHONE, Match.NAME),
    Match.PHONE: (Match.EMAIL, Match.NAME),
    Match.NAME: (),
    Match.NONE: (),
}
# (what is compared, whether only contacts without an email or a phone count)
Identity = tuple[Match, bool]


def identity_of(values: ContactValues, match: Match) -> tuple[Identity, list[str]]:
    """What a row is matched on, and its keys for that."""
    keys = _keys(values, match)
    if keys:
        return (match, False), keys
    for kind in _FALLBACKS[match]:
        keys = _keys(values, kind, made_up_name=True)
        if keys:
            return (kind, kind is Match.NAME), keys
    return (match, False), []


Also = list[tuple[Identity, list[str]]]  # see ``also_known_by``


def also_known_by(values: ContactValues, match: Match) -> Also:
    """The keys a later row without ``match``'s value is matched on that find ``values``:
    its phones (or, matching on phones, its emails), as they find a stored contact. Not
    its name: a name finds only contacts that have neither."""
    found: Also = []
    for kind in _FALLBACKS[match]:
        if kind is not Match.NAME and (keys := _keys(values, kind)):
            found.append(((kind, False), keys))
    return found


def matched_on(values: ContactValues, match: Match) -> tuple[Identity, list[str], Also]:
    """What a row is matched on and its keys for that (``identity_of``), and the keys a
    later row finds it by besides (``also_known_by``)."""
    identity, keys = identity_of(values, match)
    return identity, keys, also_known_by(values, match)


class Prepared(NamedTuple):
    """A new contact's rows as far as they go without the database: its column values in
    ``contact_columns`` order (a birthday as ISO text, custom fields as JSON), its search
    document with the organization named as in the file (``head`` and ``tail``: how many
    characters of it come before and after the organization, for another stored name), its
    emails and phones as (value, normalized, label, position), its tags' keys."""

    columns: tuple[Any, ...]
    organization_key: str | None
    document: str
    head: int
    tail: int
    emails: list[tuple[str, str, str, int]]
    phones: list[tuple[str, str, str, int]]
    tag_keys: list[str]


def as_prepared(row: ContactValues) -> Prepared:
    """``row``'s Prepared: worked out now if it was not ahead, made again from the plain
    tuple it crossed a pipe as (see ``contact_rows.pack_rows``)."""
    prepared = row.prepared
    if prepared is None:
        return prepared_row(row)
    return prepared if isinstance(prepared, Prepared) else Prepared._make(prepared)


def prepared_document(prepared: Prepared, organization: str, stored_name: str) -> str:
    """``prepared``'s search document, for the organization as stored."""
    document = prepared.document
    if stored_name == organization:
        return document
    head, tail = prepared.head, prepared.tail
    return joined(document[:head], stored_name, document[len(document) - tail :])


def prepare_rows(
    rows: Iterable[ContactValues | RowError], tag: str | None = None, match: Match | None = None
) -> None:
    """Work out ahead, for each good row, what writing it as a new contact takes and, given
    the import's ``match``, what it is matched on (the CPU part of a bulk write, which an
    import does in its reading process)."""
    identities: dict[Identity, Identity] = {}  # one tuple for all rows: it pickles once
    tag_key = fold(tag) if tag else None
    for row in rows:
        if isinstance(row, ContactValues):
            add_tag(row, tag, tag_key)
            row.prepared = prepared_row(row)
            if match is not None:  # a slim row keeps no emails or phones: all it is found by
                identity, keys, also = matched_on(row, match)
                row.matched_on = (identities.setdefault(identity, identity), keys, also)


def add_tag(row: ContactValues, tag: str | None, key: str | None) -> None:
    """Tag ``row`` with ``tag`` (folded: ``key``) unless it has it already."""
    if not tag:
        return
    has = as_prepared(row).tag_keys if row.prepared is not None else [fold(t) for t in row.tags]
    if key not in has:
        row.tags.append(tag)
        row.prepared = None


def prepared_row(row: ContactValues) -> Prepared:
    columns = contact_columns(row)
    labeled = {
        "emails": [e.value for e in row.emails],
        "phones": [v for p in row.phones for v in (p.value, p.key)],
    }
    head, tail = contact_parts(columns, labeled)
    columns["birthday"] = row.birthday.isoformat() if row.birthday else None
    columns["custom"] = custom_json(row.custom)
    return Prepared(
        columns=tuple(columns.values()),
        # Keyed as organization_named keys them; "¨" is a name whose key is empty.
        organization_key=sort_key(row.organization) if row.organization.strip() else None,
        document=joined(head, row.organization, tail),
        head=len(head),
        tail=len(tail),
        emails=[(e.value, e.key, e.label, i) for i, e in enumerate(row.emails)],
        phones=[(p.value, p.key, p.label, i) for i, p in enumerate(row.phones)],
        tag_keys=[fold(t) for t in row.tags],
    )


_quoted = json.encoder.encode_basestring_ascii


def custom_json(custom: dict[str, str]) -> str:
    """``json.dumps(custom)``, as the column type would store it, without its per-call
    set-up (custom fields are text: most rows of an import have one or two)."""
    if not custom:
        return "{}"
    if not all(type(k) is str and type(v) is str for k, v in custom.items()):
        return json.dumps(custom)
    return "{" + ", ".join([f"{_quoted(k)}: {_quoted(v)}" for k, v in custom.items()]) + "}"
