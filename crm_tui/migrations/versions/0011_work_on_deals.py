"""Interactions and tasks that point at a deal

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

A call about a deal, or the task that moves it forward, names the deal; the deal's timeline
reads them through an index over every row (what deleting a deal looks up too, to set the
link to NULL). SQLite adds a column with its foreign key in one statement, without copying
the table (a nullable column may reference another table there); PostgreSQL adds the
constraint after the column.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, the index over its deal and the column it is read in order of)
_TABLES = (
    ("interaction", "ix_interaction_deal", "occurred_at"),
    ("task", "ix_task_deal", "due_date"),
)


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): columns there are kept."""
    bind = op.get_bind()
    for table, index, then in _TABLES:
        columns = {column["name"] for column in sa.inspect(bind).get_columns(table)}
        if "deal_id" not in columns:
            if bind.dialect.name == "sqlite":
                op.execute(
                    f"ALTER TABLE {table} ADD COLUMN deal_id INTEGER "
                    "REFERENCES deal (id) ON DELETE SET NULL"
                )
            else:
                op.add_column(table, sa.Column("deal_id", sa.Integer(), nullable=True))
                op.create_foreign_key(
                    f"{table}_deal_id_fkey", table, "deal", ["deal_id"], ["id"], ondelete="SET NULL"
                )
        op.create_index(index, table, ["deal_id", then], unique=False, if_not_exists=True)


def downgrade() -> None:
    bind = op.get_bind()
    for table, index, _ in _TABLES:
        op.drop_index(index, table_name=table)
        if bind.dialect.name == "sqlite":
            _remake_without_deal(bind, table)
        else:
            op.drop_column(table, "deal_id")


def _remake_without_deal(connection: Connection, table: str) -> None:
    """SQLite drops no column a foreign key is declared on: the table is made again from
    its own definition less that column, with its rows, indexes and triggers (the steps of
    SQLite's documentation, as 0008 takes them; foreign keys off, as 0008 needs too)."""
    run = connection.exec_driver_sql
    definition = str(
        run("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).scalar()
    )
    declared, found = _DEAL_COLUMN.subn("", definition, count=1)
    if found != 1:
        raise RuntimeError(f"migration 0011: table {table} is not as crm made it: {definition}")
    dependents = [
        row[0]
        for row in run(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL ORDER BY type, name",
            (table,),
        )
    ]
    names = [row[1] for row in run(f'PRAGMA table_info("{table}")') if row[1] != "deal_id"]
    columns = ", ".join(f'"{name}"' for name in names)
    made = f"_new_{table}"
    header = re.compile(rf'^CREATE TABLE "?{re.escape(table)}"? \(')
    run(header.sub(f'CREATE TABLE "{made}" (', declared, count=1))
    run(f'INSERT INTO "{made}" ({columns}) SELECT {columns} FROM "{table}" ORDER BY id')
    run(f'DROP TABLE "{table}"')
    run(f'ALTER TABLE "{made}" RENAME TO "{table}"')
    for statement in dependents:
        run(statement)


_DEAL_COLUMN = re.compile(r", deal_id INTEGER REFERENCES deal \(id\) ON DELETE SET NULL")
