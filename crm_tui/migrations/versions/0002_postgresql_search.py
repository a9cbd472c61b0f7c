"""PostgreSQL: search index tables, full-text and trigram indexes, byte-order sort columns

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Nothing changes on SQLite (its FTS5 index comes with 0001). On PostgreSQL the search index
is a plain table per kind holding the same normalised text as the FTS5 tables (written by
crm_tui/search), with a GIN index over its ``simple`` tsvector for whole words and word
prefixes and a trigram GIN index for partial words anywhere. The sort columns hold keys built
by ``text.sort_key`` and are compared byte by byte, as SQLite does, whatever the server's locale.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEARCH_TABLES = ("contact_fts", "interaction_fts")
# A tsvector holds at most 1 MB: words past this point of a huge note are found by the
# trigram match only.
_INDEXED_PART = "left(body, 250000)"
_SORT_COLUMNS = {
    "contact": ("sort_name", "sort_org", "email", "phone", "tags"),
    "organization": ("sort_name",),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    trigrams = _create_trigram_extension()
    for name in _SEARCH_TABLES:
        op.execute(
            f"CREATE TABLE {name} ("
            "rowid bigint PRIMARY KEY, "
            "body text NOT NULL DEFAULT '', "
            f"words tsvector GENERATED ALWAYS AS (to_tsvector('simple', {_INDEXED_PART})) STORED)"
        )
        op.execute(f"CREATE INDEX ix_{name}_words ON {name} USING gin (words)")
        if trigrams:
            op.execute(f"CREATE INDEX ix_{name}_trigrams ON {name} USING gin (body gin_trgm_ops)")
    for table, columns in _SORT_COLUMNS.items():
        for column in columns:
            op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar COLLATE "C"')


def _create_trigram_extension() -> bool:
    """Install pg_trgm if the server ships it and we may (a trusted extension since 13).

    Without it partial-word search still works, by a scan instead of an index.
    """
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
        return True
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).first()
    if not available:
        return False
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION pg_trgm"))
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _SEARCH_TABLES:
        op.execute(f"DROP TABLE IF EXISTS {name}")
    for table, columns in _SORT_COLUMNS.items():
        for column in columns:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar")
