"""SQLite: ids are never handed out twice (AUTOINCREMENT)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

SQLite gave a new row the highest id left plus one, so after an import was undone (or the
newest contact merged away) the next contact got the removed one's id, and a script's
reference to it silently pointed at someone else. SQLite only adds AUTOINCREMENT to a table by
making it again: each table people know ids of is copied into one declared so, and its
indexes and triggers are made again as stored; its rows and ids, and so the rows of the search
tables filed by id, stay as they are. Each table's counter then starts above every id the
database still knows was handed out: the highest row, and the ids import and merge records
name (the contacts, interactions and tasks an undo or a merge removed). It runs with foreign
keys off (``db.ensure_schema``), else dropping the old contact table would take every email,
phone and tag link with it.

PostgreSQL: nothing to do, an id sequence never goes back.
"""

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from alembic import op
from sqlalchemy import Connection

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables whose ids the CLI prints and scripts keep.
_TABLES = (
    "team_member",
    "organization",
    "contact",
    "project",
    "interaction",
    "task",
    "workflow_template",
    "import_batch",
    "merge_record",
)
# The id column as 0001 declared it (a table constraint names it the primary key), and as
# SQLAlchemy declares it AUTOINCREMENT; not kept_id and the like.
_PLAIN_ID = re.compile(r"(?<![\w\"])id INTEGER NOT NULL,")
_KEPT_ID = re.compile(r"(?<![\w\"])id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,")
_PRIMARY_KEY = re.compile(r",\s*PRIMARY KEY \(id\)")


def upgrade() -> None:
    """Safe to run again (a database marked older than it is): a table already declared so
    is left alone."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    _refuse_foreign_keys(connection)
    with _room_to_sort(connection):
        for table in _TABLES:
            definition = _definition(connection, table)
            if not _KEPT_ID.search(definition):
                _rebuild(connection, table, _never_reused(table, definition))
    for table in _TABLES:
        _count_from(connection, table, _highest_handed_out(connection, table))


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    _refuse_foreign_keys(connection)
    with _room_to_sort(connection):
        for table in _TABLES:
            definition = _definition(connection, table)
            if _KEPT_ID.search(definition):
                _rebuild(connection, table, _reused(table, definition))


@contextmanager
def _room_to_sort(connection: Connection) -> Iterator[None]:
    """A larger page cache while the indexes are built again: with SQLite's default 2 MB,
    sorting 100k contacts and 300k interactions into them takes about twice as long."""
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{256 * 1024}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={int(previous or -2000)}")


def _refuse_foreign_keys(connection: Connection) -> None:
    """Where foreign keys are enforced, dropping a table deletes its rows first, and with
    them (ON DELETE CASCADE) every email, phone and tag link of its contacts."""
    if connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("migration 0008 remakes tables: it needs foreign keys turned off")


def _definition(connection: Connection, table: str) -> str:
    return str(
        connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).scalar_one()
    )


def _never_reused(table: str, definition: str) -> str:
    """``definition`` with the id declared AUTOINCREMENT (which makes it the primary key)."""
    without_key, keys = _PRIMARY_KEY.subn("", definition)
    declared, ids = _PLAIN_ID.subn("id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", without_key)
    if keys != 1 or ids != 1:
        raise RuntimeError(f"migration 0008: table {table} is not as crm made it: {definition}")
    return declared


def _reused(table: str, definition: str) -> str:
    """``definition`` as 0001 made it (but for the primary key, now named last)."""
    declared, ids = _KEPT_ID.subn("id INTEGER NOT NULL,", definition.rstrip())
    if ids != 1 or not declared.endswith(")"):
        raise RuntimeError(f"migration 0008: table {table} is not as crm made it: {definition}")
    return f"{declared[:-1].rstrip()}, \n\tPRIMARY KEY (id)\n)"


def _rebuild(connection: Connection, table: str, definition: str) -> None:
    """Make ``table`` again as ``definition`` says, with its rows, indexes and triggers (the
    steps SQLite's documentation gives for a change ALTER TABLE cannot make)."""
    run = connection.exec_driver_sql
    dependents = [
        row[0]
        for row in run(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL ORDER BY type, name",  # indexes first: a trigger may use one
            (table,),
        )
    ]
    columns = ", ".join(f'"{row[1]}"' for row in run(f'PRAGMA table_info("{table}")'))
    made = f"_new_{table}"
    header = re.compile(rf'^CREATE TABLE "?{re.escape(table)}"? \(')
    run(header.sub(f'CREATE TABLE "{made}" (', definition, count=1))
    run(f'INSERT INTO "{made}" ({columns}) SELECT {columns} FROM "{table}" ORDER BY id')
    run(f'DROP TABLE "{table}"')
    run(f'ALTER TABLE "{made}" RENAME TO "{table}"')
    for statement in dependents:
        run(statement)


def _highest_handed_out(connection: Connection, table: str) -> int:
    """The highest id of ``table`` the database knows of: its rows', those import records
    name (entity = the table; an undo deleted them) and, for contacts, merge records'."""
    run = connection.exec_driver_sql
    found = [
        run(f'SELECT max(id) FROM "{table}"').scalar(),
        run(
            "SELECT max(coalesce(last_id, entity_id)) FROM import_change WHERE entity = ?",
            (table,),
        ).scalar(),
    ]
    if table == "contact":
        found += run("SELECT max(kept_id), max(merged_id) FROM merge_record").one()
    return max((value for value in found if value is not None), default=0)


def _count_from(connection: Connection, table: str, highest: int) -> None:
    """Make ``table``'s next id at least ``highest`` + 1 (never lower it)."""
    run = connection.exec_driver_sql
    stored = run("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).first()
    if stored is None:
        if highest:
            run("INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)", (table, highest))
    elif stored[0] < highest:
        run("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (highest, table))
