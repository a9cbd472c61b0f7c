"""SQLite: search tables made before the single-column layout are rebuilt

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Early builds created FTS5 tables with one column per field (name, organization, emails…);
the services now write one ``body`` column, and a write to an old table fails. Such tables
are dropped, made again as 0001 makes them today, and filled from the contacts and
interactions. A database made by the current 0001 is left alone.
"""

from collections.abc import Sequence

from alembic import op
from sqlmodel import Session

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("contact_fts", "interaction_fts")
_TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'"


def _columns(table: str) -> list[str]:
    rows = op.get_bind().exec_driver_sql(f"PRAGMA table_info({table})")
    return [row[1] for row in rows]


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    if all(_columns(table) == ["body"] for table in _TABLES):
        return
    from crm_tui.migrations.search_rows import rebuild_by_id

    for table in _TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}")
        op.execute(f"CREATE VIRTUAL TABLE {table} USING fts5(body, {_TOKENIZE})")
    rebuild_by_id(Session(bind=connection))


def downgrade() -> None:
    """Nothing to undo: the single-column tables are what 0001 and 0002 expect."""
