"""Engine, SQLite pragmas, sessions and migrations on open.

``Database.read()`` and ``Database.write()`` are the units of work: each yields a fresh
session in its own transaction and closes it. On SQLite a write transaction is begun
IMMEDIATE, so two writers queue on the busy timeout instead of failing half-way, and
readers (WAL) never wait for a writer.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from crm_tui.config import data_dir, mask_url, sqlite_path
from crm_tui.errors import DatabaseError, SchemaTooNewError
from crm_tui.migrations import HEAD, KNOWN_REVISIONS

BUSY_TIMEOUT_MS = 10_000
_BEGIN_OPTION = "crm_begin"
_CHECKED_OPTION = "crm_foreign_keys_checked"
CHANGES_CHANNEL = "crm_changes"  # PostgreSQL: every write transaction notifies it (watch.py)


_NOTIFY = text(f"SELECT pg_notify('{CHANGES_CHANNEL}', :token)")


class Database:
    """One database: an engine plus the two kinds of unit of work."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._writer = engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        self._bulk_writer = self._writer.execution_options(**{_CHECKED_OPTION: False})
        self.token = uuid.uuid4().hex[:16]  # tells this process's change notices from others'

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    def __repr__(self) -> str:
        return f"Database({mask_url(self.url)!r})"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; rolled back (nothing to keep) when the block ends."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self, *, bulk: bool = False) -> Iterator[Session]:
        """A session whose changes are committed together when the block ends without error.

        ``bulk``: a write that only adds rows whose references are right by construction
        (an import's new contacts, their ids reserved and their organizations and tags
        looked up in this same transaction, which holds SQLite's write lock from its
        start). SQLite then skips checking each foreign key, a cost on every row.
        """
        engine = self._bulk_writer if bulk else self._writer
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
            if not self.is_sqlite:  # delivered on commit only, to every LISTENing crm
                session.execute(_NOTIFY, {"token": self.token})

    def close(self) -> None:
        self.engine.dispose()


def open_database(
    url: str, *, migrate: bool = True, on_upgrade: Callable[[str], None] | None = None
) -> Database:
    """Open (creating if needed) the database at ``url`` and bring its schema up to date.

    ``on_upgrade`` hears one line before an existing schema is upgraded (it can take a while).
    """
    path = sqlite_path(url)
    if path is not None:
        _create_private_file(path)
        if migrate:
            # Before the engine: its first connection turns WAL on, which rewrites the
            # file's header, and a file crm refuses must be left byte for byte as it was.
            _refuse_foreign_file(path)
        engine = _sqlite_engine(url)
    elif url.startswith("postgresql+psycopg://"):
        engine = create_engine(url, pool_pre_ping=True)
    else:
        raise DatabaseError(
            f"cannot use {mask_url(url)}: crm works with an SQLite file (a path or "
            "sqlite:///PATH) or PostgreSQL (postgresql://USER@HOST/DB)"
        )
    database = Database(url, engine)
    try:
        if migrate:
            ensure_schema(database, on_upgrade=on_upgrade)
    except OperationalError as error:
        database.close()
        raise DatabaseError(_describe_operational_error(url, error)) from None
    except BaseException:
        database.close()
        raise
    return database


def _create_private_file(path: Path) -> None:
    """Create the db file (and its folder) readable by its owner only, whatever the umask.

    SQLite gives the -wal and -shm side files the mode of the database file.
    """
    if not path.parent.exists():
        if path.parent != data_dir():
            # A typo in --db or CRM_DB must not start an empty database somewhere new (a
            # cron import would land there and look done); only crm's own folder is made.
            raise DatabaseError(f"no folder {path.parent}: check the path, or create it first")
        path.parent.mkdir(parents=True, mode=0o700)
    from crm_tui.io.backup import private_file

    try:
        private_file(path, empty=False)
    except OSError as error:
        raise DatabaseError(f"cannot open {path}: {error.strerror}") from None


# Tables every crm schema has had since the first: a database with none of them is not crm's.
CRM_TABLES = frozenset({"contact", "interaction", "task", "team_member"})


def foreign_database(tables: set[str], revision: str | None) -> bool:
    """A database that holds another program's tables: ``tables`` (its table names) without
    crm's schema version, or with a version crm never wrote and none of crm's tables."""
    if not tables:
        return False  # empty: crm's to create
    if revision is None:
        return "alembic_version" not in tables or not tables & CRM_TABLES
    return revision not in KNOWN_REVISIONS and not tables & CRM_TABLES


def foreign_message(where: str, tables: set[str]) -> str:
    listed = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
    return (
        f"{where} is not a crm database (it holds other tables: {listed}); crm leaves it "
        "as it is: point --db (or CRM_DB) at a crm database, or at a new file to start one"
    )


def _refuse_foreign_file(path: Path) -> None:
    """Refuse another program's SQLite file (or a file that is not SQLite at all), read
    without writing a byte to it."""
    from crm_tui.io.backup import NOT_SQLITE, read_only_uri

    if path.stat().st_size == 0:
        return  # just created (or left empty): crm's to fill
    # Without a WAL or journal beside it, no one is writing it: read the file as it is,
    # leaving no -wal/-shm files in another program's folder.
    quiet = not any(Path(f"{path}{side}").exists() for side in ("-wal", "-journal"))
    try:
        connection = sqlite3.connect(
            read_only_uri(path, immutable=quiet), uri=True, timeout=BUSY_TIMEOUT_MS / 1000
        )
    except sqlite3.Error:
        return  # cannot even be opened: the engine says why
    try:
        tables = {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        revision = None
        if "alembic_version" in tables:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
    except sqlite3.Error as error:
        if getattr(error, "sqlite_errorname", "") == "SQLITE_NOTADB":
            raise DatabaseError(
                f"{path} is not an SQLite database ({NOT_SQLITE}); crm leaves it as it is: "
                "check --db (or CRM_DB)"
            ) from None
        return  # busy, damaged…: the engine, or the backup before an upgrade, says so
    finally:
        connection.close()
    if foreign_database(tables, revision):
        raise DatabaseError(foreign_message(str(path), tables))


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Take transaction control away from pysqlite so that "begin" below decides how to BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _on_sqlite_begin(connection: Any) -> None:
    options = connection.get_execution_options()
    _check_foreign_keys(connection, options.get(_CHECKED_OPTION, True))
    connection.exec_driver_sql(f"BEGIN {options.get(_BEGIN_OPTION, 'DEFERRED')}")


def _check_foreign_keys(connection: Any, checked: bool) -> None:
    """Turn SQLite's foreign-key checks on or off for the transaction about to begin (the
    pragma does nothing inside one); a pooled connection remembers what it was left with."""
    info = connection.connection.info
    if info.get(_CHECKED_OPTION, True) != checked:
        connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if checked else 'OFF'}")
        info[_CHECKED_OPTION] = checked


def _describe_operational_error(url: str, error: OperationalError) -> str:
    reason = str(error.orig) if error.orig is not None else str(error)
    if "locked" in reason or "busy" in reason:
        return f"the database {mask_url(url)} is busy (another crm is writing); try again"
    one_line = " ".join(reason.split())  # libpq adds a hint on a line of its own
    return f"cannot use the database {mask_url(url)}: {one_line}"


# -- migrations --------------------------------------------------------------------------


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


def ensure_schema(database: Database, *, on_upgrade: Callable[[str], None] | None = None) -> None:
    """Apply pending migrations; refuse a schema newer than this program, and another
    program's database (crm's tables are not added to it)."""
    revision = current_revision(database)
    if revision == HEAD:
        return
    if revision is None or revision not in KNOWN_REVISIONS:
        with database.engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
        if foreign_database(tables, revision):
            raise DatabaseError(foreign_message(mask_url(database.url), tables))
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise SchemaTooNewError(
            f"the database {mask_url(database.url)} has schema {revision}, newer than this "
            f"crm understands (up to {HEAD}); upgrade crm-tui to open it"
        )
    if revision is not None and database.path is not None:
        if on_upgrade is not None:  # said first: the copy of a large database takes a while
            on_upgrade(f"upgrading the database schema {revision} -> {HEAD}; backing it up first")
        kept = backup_before_migration(database.path, revision)
        if on_upgrade is not None:
            on_upgrade(f"copy kept: {kept}")
    elif revision is not None and on_upgrade is not None:
        on_upgrade(f"upgrading the database schema {revision} -> {HEAD}")
    from crm_tui.migrations.runner import upgrade

    # Foreign keys off (SQLite): a migration that makes a table again drops the old one, and
    # where they are enforced that first deletes its rows and every row pointing at them.
    with database._bulk_writer.begin() as connection:
        upgrade(connection)


def backup_before_migration(path: Path, revision: str) -> Path:
    """Back the db up (online, verified, checksummed) before changing its schema."""
    from crm_tui.io.backup import make_backup

    return Path(make_backup(path, kind=f"-before-migration-{revision}").path)
