"""Sorting and search: letters keyboards type differently (ł, ø, ı, æ…; ئ, ۀ) fold as typed

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

Dropping accents left Latin letters with no decomposition as they were ("lucja" found no
"Łucja", "yildiz" no "Yıldız", "Łukasz" sorted after "Zoë"), and "ئ" became an Arabic yeh
where every other yeh is folded to the Persian one ("مسیول" found no "مسئول"). Rows holding
one of these letters get their sort keys computed again and are indexed again; no other row
changes.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text
from sqlmodel import Session

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LETTERS = "łŁøØđĐðÐħĦŧŦıæÆœŒþÞئۀۂەہ"
_CONTACT_TEXT = (
    "name", "first_name", "last_name", "organization_name", "tags", "notes", "title",
    "address", "website", "source",
)  # fmt: skip


def _holding(columns: Sequence[str]) -> str:
    """A condition: one of ``columns`` holds one of the letters."""
    if op.get_bind().dialect.name == "postgresql":
        return " OR ".join(f"{column} ~ '[{_LETTERS}]'" for column in columns)
    return " OR ".join(f"{column} GLOB '*[{_LETTERS}]*'" for column in columns)


def _custom_holding() -> str:
    """The same for custom fields, stored as JSON text that writes such a letter "\\u0142"."""
    if op.get_bind().dialect.name == "postgresql":
        find = "strpos(CAST(custom AS TEXT), '{}') > 0"
    else:
        find = "instr(custom, '{}') > 0"
    forms = [form for letter in _LETTERS for form in (letter, f"\\u{ord(letter):04x}")]
    return " OR ".join(find.format(form) for form in forms)


def _rows(sql: str) -> list[tuple[int, str]]:
    return [(row[0], row[1]) for row in op.get_bind().execute(text(sql))]


def _rekey(table: str, key_column: str, source: str) -> None:
    """Compute ``key_column`` again from ``source`` where that holds one of the letters."""
    from crm_tui.text import sort_key

    update = text(f"UPDATE {table} SET {key_column} = :key WHERE id = :id")
    rows = _rows(f"SELECT id, {source} FROM {table} WHERE {_holding([source])}")
    if rows:
        op.get_bind().execute(update, [{"key": sort_key(value), "id": i} for i, value in rows])


def upgrade() -> None:
    from crm_tui.migrations.search_rows import reindex_contacts_by_id, reindex_interactions

    _rekey("organization", "sort_name", "name")
    _rekey("contact", "sort_name", "name")
    _rekey("contact", "sort_org", "organization_name")
    holding = f"{_holding(_CONTACT_TEXT)} OR {_custom_holding()}"
    contacts = _rows(f"SELECT id, name FROM contact WHERE {holding}")
    interactions = _rows(
        f"SELECT id, subject FROM interaction WHERE {_holding(['subject', 'body'])}"
    )
    session = Session(bind=op.get_bind())
    reindex_contacts_by_id(session, [row_id for row_id, _ in contacts])
    reindex_interactions(session, [row_id for row_id, _ in interactions])
    session.flush()


def downgrade() -> None:
    """Nothing to undo: the keys only sort and find more as people type."""
