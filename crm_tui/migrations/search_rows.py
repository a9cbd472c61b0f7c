"""Search rows written as the migrations 0003 to 0007 knew them: rowid = the row's id, and
each row's document as the search package built it then.

A frozen copy: the search package may change how it files or builds documents (0007 filed
contacts under name bands), and a migration must keep doing what it did on the schema it
runs on. 0007 then files every contact's row under its band. Only the text rules
(``crm_tui.text``) are shared: 0005 and 0006 exist to apply the rules as they are now.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session

from crm_tui.text import fold, index_text, words

_CHUNK = 500
_TAIL = ("notes", "title", "address", "website", "source", "status")
_CONTACT = "id, name, first_name, last_name, organization_name, tags, custom, " + ", ".join(_TAIL)


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[start : start + _CHUNK]) for start in range(0, len(ids), _CHUNK)]


def _in(sql: str) -> Any:
    return text(sql).bindparams(bindparam("ids", expanding=True))


def _indexed(parts: Sequence[str]) -> str:
    return " ".join(
        [part.lower() if part.isascii() else index_text(part) for part in parts if part]
    )


def _keys(session: Session, table: str, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        _in(
            f"SELECT contact_id, value, normalized FROM {table} WHERE contact_id IN :ids "
            "ORDER BY contact_id, position"
        ),
        {"ids": ids},
    )
    for contact_id, value, normalized in rows:
        found[contact_id].append(value)
        if fold(value) != normalized:
            found[contact_id].append(normalized)
    return found


def _contact_documents(session: Session, ids: list[int]) -> list[tuple[int, str]]:
    emails = _keys(session, "contact_email", ids)
    phones = _keys(session, "contact_phone", ids)
    documents = []
    for row in session.execute(
        _in(f"SELECT {_CONTACT} FROM contact WHERE id IN :ids"), {"ids": ids}
    ):
        fields = row._mapping
        custom = fields["custom"]
        custom = json.loads(custom or "{}") if isinstance(custom, str) else custom or {}
        head = _indexed([fields["name"], fields["first_name"], fields["last_name"]])
        tail = _indexed(
            [
                *emails.get(row.id, ()),
                *phones.get(row.id, ()),
                fields["tags"],
                *(f"{k} {v}" for k, v in custom.items()),
                *(fields[name] for name in _TAIL),
            ]
        )
        organization = fields["organization_name"]
        middle = index_text(organization) if organization else ""
        documents.append((row.id, " ".join([part for part in (head, middle, tail) if part])))
    return documents


def _interaction_documents(session: Session, ids: list[int]) -> list[tuple[int, str]]:
    rows = session.execute(
        _in("SELECT id, subject, body FROM interaction WHERE id IN :ids"), {"ids": ids}
    )
    return [(row.id, index_text(f"{row.subject} {row.body}")) for row in rows]


def _rewrite(session: Session, table: str, ids: list[int], rows: list[tuple[int, str]]) -> None:
    session.execute(_in(f"DELETE FROM {table} WHERE rowid IN :ids"), {"ids": ids})
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"INSERT INTO {table}(rowid, body) VALUES (?, ?)", rows)
    else:  # letters and digits only: PostgreSQL's parser would keep "a@b.com" as one word
        connection.exec_driver_sql(
            f"INSERT INTO {table}(rowid, body) VALUES (%s, %s)",
            [(rowid, words(body)) for rowid, body in rows],
        )


def reindex_contacts_by_id(session: Session, ids: Sequence[int]) -> None:
    for batch in _chunks(ids):
        _rewrite(session, "contact_fts", batch, _contact_documents(session, batch))


def reindex_interactions(session: Session, ids: Sequence[int]) -> None:
    for batch in _chunks(ids):
        _rewrite(session, "interaction_fts", batch, _interaction_documents(session, batch))


def rebuild_by_id(session: Session) -> None:
    """Both search tables filled again from the rows."""
    session.execute(text("DELETE FROM contact_fts"))
    session.execute(text("DELETE FROM interaction_fts"))
    reindex_contacts_by_id(session, list(session.scalars(text("SELECT id FROM contact"))))
    reindex_interactions(session, list(session.scalars(text("SELECT id FROM interaction"))))


# Name bands as 0007 laid them out over the stored contacts.
_BAND_LIMIT = 1 << 31
_TARGET_BAND = 256


@dataclass(frozen=True)
class Band:
    number: int
    low: tuple[str, int]
    keys: list[tuple[str, int]]


def lay_out_bands(keys: Sequence[tuple[str, int]]) -> list[Band]:
    """Sorted ``keys`` cut into bands of about 256, numbered evenly from 0 up to 2**31;
    the first band starts at ("", 0). Always at least one band."""
    pieces = max(1, min(ceil(len(keys) / _TARGET_BAND), _BAND_LIMIT))
    step, size = _BAND_LIMIT // pieces, ceil(len(keys) / pieces)
    bands = [Band(0, ("", 0), list(keys[:size]))]
    for piece in range(1, pieces):
        chunk = list(keys[piece * size : (piece + 1) * size])
        if chunk:
            bands.append(Band(piece * step, chunk[0], chunk))
    return bands
