"""Reading everything out for export, a chunk at a time (100k contacts never sit in memory).

The CSV of contacts is built from plain rows (no read model per contact): it is the export
people run most, on the largest table. The layout is the one ``crm import`` reads back:
Google-style "email N label/value" pairs and one "custom:Name" column per custom field.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterator
from contextlib import suppress
from datetime import UTC, date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlmodel import Session

from crm_tui.dates import birthday_text
from crm_tui.entities import CONTACT, Kind

if TYPE_CHECKING:
    from crm_tui.schemas import ContactRead, InteractionRead, TaskRead

# The CSV of contacts reads plain rows by table name: the models, the read schemas and the
# other services are imported where the JSON, vCard and iCalendar exports need them (loading
# them is a sizeable part of the whole CSV export; bench/io.py measures it).

CHUNK = 2_000
_EXPORTED = CONTACT.exported
_KEPT_TIMES = ("last_contacted_at", "created_at", "updated_at")  # kept by the database
SCALAR_COLUMNS = ["id", *(str(field.exported_as) for field in _EXPORTED), *_KEPT_TIMES]


_LIVE_IDS = text(
    "SELECT id FROM contact WHERE deleted_at IS NULL AND id > :after ORDER BY id LIMIT :limit"
)


def _live_ids(session: Session, after: int, limit: int) -> list[int]:
    return list(session.scalars(_LIVE_IDS, {"after": after, "limit": limit}))


def contact_id_chunks(*, session: Session, size: int = CHUNK) -> Iterator[list[int]]:
    after = 0
    while ids := _live_ids(session, after, size):
        yield ids
        after = ids[-1]


def contacts_read(
    *, session: Session, only: Collection[int] | None = None
) -> Iterator[ContactRead]:
    """Every live contact (or those of them in ``only``: a segment's), in id order."""
    from crm_tui.services.contacts import read_contacts

    for ids in contact_id_chunks(session=session, size=500):
        wanted = ids if only is None else [i for i in ids if i in only]
        if wanted:
            yield from read_contacts(session=session, ids=wanted)


def _widest(session: Session, table: str) -> int:
    """How many emails (or phones) the contact with the most has (plain SQL: the first ORM
    statement of a process costs more than counting them)."""
    per_contact = f"SELECT count(*) AS n FROM {table} GROUP BY contact_id"
    return next(_raw_rows(session, f"SELECT max(n) FROM ({per_contact}) AS counted"))[0] or 0


def custom_keys(*, session: Session) -> list[str]:
    """Every custom field name in use, in order of first appearance.

    Each distinct set of custom fields is read once, in order of its first contact: the
    same order as reading every contact's, where most contacts share a few sets."""
    connection = session.connection()
    text_of = "custom::text" if connection.dialect.name == "postgresql" else "custom"
    keys: dict[str, None] = {}
    for (raw,) in _raw_rows(
        session,
        f"SELECT {text_of} FROM contact WHERE deleted_at IS NULL AND {text_of} <> '{{}}' "
        f"GROUP BY {text_of} ORDER BY min(id)",
    ):
        keys.update(dict.fromkeys(_custom(raw)))
    return list(keys)


def live_count(*, session: Session, table: str) -> int:
    """How many rows of ``table`` (contact, interaction) are out of the trash: an export's
    total, for its progress (plain SQL, as the CSV export loads no model)."""
    if table not in ("contact", "interaction"):
        raise ValueError(f"no export counts {table}")
    return int(
        next(_raw_rows(session, f"SELECT count(*) FROM {table} WHERE deleted_at IS NULL"))[0]
    )


def _raw_rows(session: Session, sql: str) -> Iterator[tuple[Any, ...]]:
    """Plain tuples straight from the driver's cursor (a result row object per row costs
    about as much as the rest of a 100k-contact CSV export)."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows
    finally:
        # A reader that stopped early (`crm export contacts | head`) closes this generator
        # only after the session has closed the connection, with nothing left to free.
        with suppress(Exception):
            cursor.close()


def contact_csv_header(*, session: Session) -> tuple[list[str], int, int, list[str]]:
    emails, phones = _widest(session, "contact_email"), _widest(session, "contact_phone")
    keys = custom_keys(session=session)
    header = list(SCALAR_COLUMNS)
    for number in range(1, emails + 1):
        header += [f"email {number} label", f"email {number} value"]
    for number in range(1, phones + 1):
        header += [f"phone {number} label", f"phone {number} value"]
    header += [f"custom:{key}" for key in keys]
    return header, emails, phones, keys


_CONTACT_SQL = (
    f"SELECT id, {', '.join(str(field.stored_as) for field in _EXPORTED)}, "
    f"{', '.join(_KEPT_TIMES)}, custom FROM contact WHERE deleted_at IS NULL ORDER BY id"
)
# Where a stored value is not yet what the CSV holds, counting the id: a birthday's text,
# a team member's name.
_DATE_CELLS = [i for i, field in enumerate(_EXPORTED, 1) if field.kind is Kind.DATE]
_MEMBER_CELLS = [i for i, field in enumerate(_EXPORTED, 1) if field.kind is Kind.MEMBER]
_VALUES_SQL = "SELECT contact_id, label, value FROM {table} ORDER BY contact_id, position"


@functools.lru_cache(maxsize=1024)  # rows written together share their times (an import)
def _iso(value: Any) -> str:
    """A stored time as ISO 8601 in UTC (SQLite hands back its text, PostgreSQL a datetime)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace(" ", "T") + "+00:00"
    return value.astimezone(UTC).isoformat()


def _birthday(value: Any) -> str:
    """A stored birthday as the import reads it back ("--12-24" when it has no year);
    SQLite hands back its text, PostgreSQL a date."""
    if isinstance(value, str):
        value = date.fromisoformat(value) if value else None
    return birthday_text(value)


def _custom(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        return json.loads(value) if value != "{}" else {}
    return value or {}


def _grouped_by_contact(rows: Iterator[Any]) -> Iterator[tuple[int, list[str]]]:
    """(contact id, [label, value, label, value…]) from rows ordered by contact id."""
    current: int | None = None
    values: list[str] = []
    for contact_id, label, value in rows:
        if contact_id != current:
            if current is not None:
                yield current, values
            current, values = contact_id, []
        values += [label, value]
    if current is not None:
        yield current, values


class _Follower:
    """Walks one (contact id, values) stream in step with the contacts (a merge join)."""

    def __init__(self, stream: Iterator[tuple[int, list[str]]], width: int) -> None:
        self.stream, self.blank = stream, [""] * width
        self.head = next(self.stream, None)

    def values_for(self, contact_id: int) -> list[str]:
        while self.head is not None and self.head[0] < contact_id:
            self.head = next(self.stream, None)  # a deleted contact's values
        if self.head is None or self.head[0] != contact_id:
            return self.blank
        values = self.head[1]
        self.head = next(self.stream, None)
        return values + self.blank[len(values) :]


def contact_csv_rows(
    *,
    session: Session,
    emails: int,
    phones: int,
    keys: list[str],
    only: Collection[int] | None = None,
) -> Iterator[list[Any]]:
    """Rows for ``contact_csv_header``, in id order (only those in ``only``, when given).

    The largest export people run, so it streams three plain queries (contacts, emails,
    phones, each ordered by contact) and joins them as it goes: no ORM rows, no IN lists.
    """
    email_rows = _raw_rows(session, _VALUES_SQL.format(table="contact_email"))
    phone_rows = _raw_rows(session, _VALUES_SQL.format(table="contact_phone"))
    email_list = _Follower(_grouped_by_contact(email_rows), 2 * emails)
    phone_list = _Follower(_grouped_by_contact(phone_rows), 2 * phones)
    custom_cells: dict[Any, list[str]] = {}  # per distinct custom value (few, in practice)
    members = dict(_raw_rows(session, "SELECT id, name FROM team_member"))
    width = 1 + len(_EXPORTED)
    for row in _raw_rows(session, _CONTACT_SQL):
        if only is not None and row[0] not in only:
            continue
        values = list(row[:width])
        for cell in _DATE_CELLS:
            values[cell] = "" if values[cell] is None else _birthday(values[cell])
        for cell in _MEMBER_CELLS:
            values[cell] = members.get(values[cell], "")
        values += [_iso(row[width]), _iso(row[width + 1]), _iso(row[width + 2])]
        values += email_list.values_for(row[0])
        values += phone_list.values_for(row[0])
        if keys:
            stored = row[width + 3]
            raw = stored if isinstance(stored, str) else json.dumps(stored, sort_keys=True)
            if (cells := custom_cells.get(raw)) is None:
                custom = _custom(stored)
                cells = custom_cells[raw] = [custom.get(key, "") for key in keys]
                if len(custom_cells) > 10_000:
                    custom_cells.clear()
            values += cells
        yield values


def interactions_read(*, session: Session) -> Iterator[InteractionRead]:
    from crm_tui.services.interactions import InteractionQuery, list_interactions

    cursor = None
    while True:
        page = list_interactions(
            session=session, query=InteractionQuery(), limit=1000, after=cursor, oldest_first=True
        )
        yield from page.rows
        if not page.has_more:
            return
        cursor = page.last


def tasks_read(*, session: Session, include_done: bool = True) -> list[TaskRead]:
    from crm_tui.services.tasks import TaskQuery, tasks_by_date

    return tasks_by_date(session=session, query=TaskQuery(open_only=not include_done))


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def export_contacts_csv(*, session: Session, path: Path, only: Collection[int]) -> int:
    """Write the contacts ``only`` (a selection, a segment's) to ``path`` as the CSV
    ``crm export contacts`` writes (the file readable by its owner only); how many."""
    from crm_tui.io.writers import write_csv, written_file

    header, emails, phones, keys = contact_csv_header(session=session)
    rows = contact_csv_rows(
        session=session, emails=emails, phones=phones, keys=keys, only=set(only)
    )
    with written_file(path) as out:
        return write_csv(out, header, rows)
