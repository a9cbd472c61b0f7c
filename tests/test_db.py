"""Storage: migrations on open, pragmas, file modes, IMMEDIATE writes, newer schemas refused."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from crm_tui import db as db_module
from crm_tui.config import data_dir, db_url, default_db_path, location_label, mask_url, sqlite_path
from crm_tui.db import current_revision, open_database
from crm_tui.errors import DatabaseError, SchemaTooNewError
from crm_tui.migrations import HEAD, KNOWN_REVISIONS
from crm_tui.migrations.runner import script_heads, script_revisions
from crm_tui.models import Contact, Organization
from crm_tui.schemas import ContactCreate, InteractionCreate, TaskCreate
from crm_tui.services.contacts import ContactQuery, create_contact, list_contacts
from crm_tui.services.doctor import check_database
from crm_tui.services.interactions import InteractionQuery, create_interaction, list_interactions
from crm_tui.services.tasks import create_task
from tests.conftest import add_contact
from tests.databases import Template


def test_head_constant_matches_the_migration_scripts() -> None:
    assert script_heads() == [HEAD]
    assert script_revisions() == set(KNOWN_REVISIONS)


@pytest.mark.sqlite_only
def test_opening_an_empty_file_migrates_it(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert current_revision(database) == HEAD
        with database.engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
        assert {"contact", "interaction", "task", "task_dependency", "contact_fts"} <= tables
    finally:
        database.close()


@pytest.mark.sqlite_only
def test_database_and_side_files_are_private_under_umask_022(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        folder = data_dir()  # crm's own folder (under the test's XDG_DATA_HOME): made on first use
        database = open_database(f"sqlite:///{folder / 'crm.db'}")
        with database.write() as session:
            session.execute(text("CREATE TABLE probe (x)"))
            with database.read() as reader:
                reader.execute(text("SELECT 1")).all()
            side_files = [p for p in folder.iterdir() if p.name.startswith("crm.db-")]
            assert side_files, "WAL mode should have created -wal/-shm files"
            for path in [folder / "crm.db", *side_files]:
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        database.close()
    finally:
        os.umask(old)


@pytest.mark.sqlite_only
def test_pragmas(db: db_module.Database) -> None:
    with db.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


@pytest.mark.sqlite_only
def test_a_bulk_write_skips_foreign_key_checks_and_only_it(db: db_module.Database) -> None:
    """``write(bulk=True)`` turns the checks off for its own transaction: the pooled
    connection has them again for the next session of any kind."""

    def checked(session: Any) -> int:
        return session.execute(text("PRAGMA foreign_keys")).scalar()

    with db.write(bulk=True) as session:
        assert checked(session) == 0
        session.execute(
            text(
                "INSERT INTO contact_email (contact_id, value, normalized, label, "
                "position) VALUES (999, 'x@y.example', 'x@y.example', '', 0)"
            )
        )
        session.execute(text("DELETE FROM contact_email"))
    with db.write() as session:
        assert checked(session) == 1
    with db.write(bulk=True) as session:
        assert checked(session) == 0
    with db.read() as session:
        assert checked(session) == 1
    with db.write() as session, pytest.raises(Exception, match="FOREIGN KEY"):
        session.execute(
            text(
                "INSERT INTO contact_email (contact_id, value, normalized, label, "
                "position) VALUES (999, 'x@y.example', 'x@y.example', '', 0)"
            )
        )


@pytest.mark.sqlite_only
def test_bulk_reads_map_the_file_while_they_last(db: db_module.Database) -> None:
    from crm_tui.services.common import bulk_reads

    with db.read() as session:
        with bulk_reads(session=session):
            assert session.execute(text("PRAGMA mmap_size")).scalar() == 256 * 1024 * 1024
            assert session.execute(text("SELECT count(*) FROM contact")).scalar() == 0
        assert session.execute(text("PRAGMA mmap_size")).scalar() == 0


def test_a_write_session_holds_the_write_lock_from_its_start(db_path: Path) -> None:
    """BEGIN IMMEDIATE: a second writer cannot slip in before our first statement."""
    database = open_database(f"sqlite:///{db_path}")
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        with database.write() as session:
            session.execute(text("SELECT 1"))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once committed
        other.execute("ROLLBACK")
    finally:
        other.close()
        database.close()


def test_a_reader_is_not_blocked_by_a_writer(db: db_module.Database) -> None:
    started = threading.Event()
    release = threading.Event()

    def writer() -> None:
        with db.write() as session:
            session.execute(text("CREATE TABLE probe (x integer)"))
            started.set()
            release.wait(5)

    thread = threading.Thread(target=writer)
    thread.start()
    started.wait(5)
    begun = time.monotonic()
    with db.read() as session:
        assert session.execute(text("SELECT count(*) FROM contact")).scalar() == 0
    assert time.monotonic() - begun < 1
    release.set()
    thread.join()


def _downgraded(db_path: Path, revision: str) -> None:
    """The database as the crm of ``revision`` left it (through the later ones' downgrades;
    SQLAlchemy's engine leaves SQLite's foreign keys off, as tables remade need)."""
    from alembic import command
    from sqlalchemy import create_engine

    from crm_tui.migrations.runner import alembic_config

    engine = create_engine(f"sqlite:///{db_path}")
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)
    engine.dispose()


def _without_name_bands(db_path: Path) -> None:
    """The database as the crm before 0007 left it (through 0007's own downgrade)."""
    _downgraded(db_path, "0006")


def _at_revision(db_path: Path, revision: str) -> None:
    """Mark the database as written by the crm of ``revision`` (as if never upgraded)."""
    if revision < "0007":
        _without_name_bands(db_path)
    elif revision < "0008":
        _downgraded(db_path, "0007")
    connection = sqlite3.connect(db_path)
    connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    connection.commit()
    connection.close()


def test_a_newer_schema_is_refused(db_path: Path) -> None:
    _at_revision(db_path, "9999")
    with pytest.raises(SchemaTooNewError, match="newer than this crm"):
        open_database(f"sqlite:///{db_path}")


def test_an_older_schema_is_backed_up_before_migrating(db_path: Path) -> None:
    """A db at 0001 (0002 and 0003 change nothing here, 0004 adds three indexes): opening
    backs it up, then upgrades."""
    added = ("ix_contact_referred_by_id", "ix_interaction_contact_id", "ix_task_contact_id")
    _without_name_bands(db_path)
    connection = sqlite3.connect(db_path)
    for index in added:
        connection.execute(f"DROP INDEX {index}")
    connection.execute("UPDATE alembic_version SET version_num = '0001'")
    connection.commit()
    connection.close()
    database = open_database(f"sqlite:///{db_path}")
    assert current_revision(database) == HEAD
    database.close()
    connection = sqlite3.connect(db_path)
    indexes = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert set(added) <= indexes
    backups = list((db_path.parent / "backups").glob("crm-*-before-migration-0001.db"))
    assert len(backups) == 1
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    copy = sqlite3.connect(backups[0])
    assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    copy.close()


def test_an_upgrade_is_announced_before_its_backup_is_made(db_path: Path) -> None:
    """Backing up a million contacts first takes a minute: it was said only once done."""
    _at_revision(db_path, "0005")
    heard: list[tuple[str, list[Path]]] = []

    def note(line: str) -> None:
        heard.append((line, list((db_path.parent / "backups").glob("*.db"))))

    open_database(f"sqlite:///{db_path}", on_upgrade=note).close()
    (first, before), (second, after) = heard
    assert first == f"upgrading the database schema 0005 -> {HEAD}; backing it up first"
    assert before == []
    assert len(after) == 1 and second == f"copy kept: {after[0]}"


@pytest.mark.sqlite_only
def test_search_tables_of_an_early_build_are_rebuilt(db_path: Path) -> None:
    """Early builds made one FTS5 column per field; writes to such a table would fail."""
    database = open_database(f"sqlite:///{db_path}")
    with database.write() as session:
        contact = create_contact(
            session=session, data=ContactCreate(name="Parisa Rahimi", notes="قرارداد سالانه")
        )
    database.close()
    _without_name_bands(db_path)
    connection = sqlite3.connect(db_path)
    connection.executescript(
        "DROP TABLE contact_fts; DROP TABLE interaction_fts;"
        "CREATE VIRTUAL TABLE contact_fts USING fts5(name, organization, notes);"
        "CREATE VIRTUAL TABLE interaction_fts USING fts5(subject, body);"
        "UPDATE alembic_version SET version_num = '0002';"
    )
    connection.close()
    database = open_database(f"sqlite:///{db_path}")
    assert current_revision(database) == HEAD
    with database.write() as session:
        create_contact(session=session, data=ContactCreate(name="Sara Karimi"))
    with database.read() as session:
        found = list_contacts(session=session, query=ContactQuery(search="قرارداد")).rows
        assert [row.id for row in found] == [contact.id]
        assert list_contacts(session=session, query=ContactQuery(search="kari")).rows
    database.close()


def test_words_with_a_non_joiner_are_indexed_again_joined(db_path: Path) -> None:
    """0005: rows indexed before the joined form existed are found typed without the ZWNJ."""
    database = open_database(f"sqlite:///{db_path}")
    with database.write() as session:
        contact = create_contact(session=session, data=ContactCreate(name="نگار پیش\u200cنویس"))
    database.close()
    _without_name_bands(db_path)
    connection = sqlite3.connect(db_path)
    connection.execute(
        "UPDATE contact_fts SET body = 'نگار پیش نویس' WHERE rowid = ?", (contact.id,)
    )
    connection.execute("UPDATE alembic_version SET version_num = '0004'")
    connection.commit()
    connection.close()
    database = open_database(f"sqlite:///{db_path}")
    assert current_revision(database) == HEAD
    with database.read() as session:
        found = list_contacts(session=session, query=ContactQuery(search="پیشنویس")).rows
    database.close()
    assert [row.id for row in found] == [contact.id]


def test_letters_typed_differently_get_their_new_sort_keys_and_index_rows(db_path: Path) -> None:
    """0006: rows stored when "Ł", "Ø", "ئ"… were kept as they are sort and are found as L,
    O, ی…"""
    database = open_database(f"sqlite:///{db_path}")
    with database.write() as session:
        contact = create_contact(
            session=session, data=ContactCreate(name="Łucja Øberg", organization="Øresund AB")
        )
        other = create_contact(session=session, data=ContactCreate(name="Lena", notes="Łódź"))
        third = create_contact(
            session=session, data=ContactCreate(name="Ola", custom={"Miasto": "Łódź"})
        )
        met = create_interaction(
            session=session, data=InteractionCreate(contact_ids=[other.id], subject="Møde")
        )
        persian = create_interaction(
            session=session, data=InteractionCreate(contact_ids=[other.id], subject="مسئول")
        )
    database.close()
    _without_name_bands(db_path)
    connection = sqlite3.connect(db_path)
    connection.executescript(
        "UPDATE contact SET sort_name = 'łucja øberg', sort_org = 'øresund ab' WHERE id = 1;"
        "UPDATE organization SET sort_name = 'øresund ab';"
        "UPDATE contact_fts SET body = 'łucja øberg øresund ab' WHERE rowid = 1;"
        "UPDATE contact_fts SET body = 'lena łodz' WHERE rowid = 2;"
        "UPDATE contact_fts SET body = 'ola miasto łodz' WHERE rowid = 3;"
        "UPDATE interaction_fts SET body = 'møde ' WHERE rowid = 1;"
        "UPDATE interaction_fts SET body = 'مسيول ' WHERE rowid = 2;"
        "UPDATE alembic_version SET version_num = '0005';"
    )
    connection.close()
    database = open_database(f"sqlite:///{db_path}")
    assert current_revision(database) == HEAD
    with database.read() as session:
        stored = session.get(Contact, contact.id)
        assert stored is not None and (stored.sort_name, stored.sort_org) == (
            "lucja oberg",
            "oresund ab",
        )
        assert session.scalars(select(Organization.sort_name)).all() == ["oresund ab"]
        by_name = list_contacts(session=session, query=ContactQuery(search="lucja")).rows
        by_notes = list_contacts(session=session, query=ContactQuery(search="lodz")).rows
        logged = list_interactions(session=session, query=InteractionQuery(search="mode")).rows
        typed = InteractionQuery(search="مسیول")  # without the hamza
        logged_persian = list_interactions(session=session, query=typed).rows
    database.close()
    assert [row.id for row in by_name] == [contact.id]
    assert {row.id for row in by_notes} == {other.id, third.id}  # notes, a custom field
    assert [row.id for row in logged] == [met.id]
    assert [row.id for row in logged_persian] == [persian.id]


# -- 0008: ids never handed out twice -----------------------------------------------------------

KEPT_IDS = (
    "team_member", "organization", "contact", "project", "interaction", "task",
    "workflow_template", "import_batch", "merge_record",
)  # fmt: skip
SEARCHES = ("sara", "ahmadi", "美", "lefèvre", "a", "zz")
# 0009's other tables, 0012's, 0015's and 0016's
_DEALS = {
    "deal_stage_change",
    "lost_reason",
    "deal_tag",
    "appointment_contact",
    "appointment_member",
    "reminder_sent",
    "reminder_run",
    "segment",
    "contact_date",
    "custom_field",
}


def _declared_never_reused(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    return {name for name, sql in rows if "AUTOINCREMENT" in sql}


def _content(
    connection: sqlite3.Connection, *, but: frozenset[str] = frozenset()
) -> dict[str, list[str]]:
    """Every row of every table (the search tables and theirs included), as text; ``but``:
    columns left out (added by a later migration)."""
    tables = [
        name
        for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if name not in ("sqlite_sequence", "alembic_version")
    ]
    content = {}
    for table in tables:
        names = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
        shown = ", ".join(f'"{name}"' for name in names if name not in but)
        content[table] = sorted(map(repr, connection.execute(f'SELECT {shown} FROM "{table}"')))
    return content


def _dependents(connection: sqlite3.Connection) -> set[tuple[str, str, str, str | None]]:
    query = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"
    return set(connection.execute(query))


def _found(database: db_module.Database) -> dict[str, list[int]]:
    """What each search finds, contacts and interactions, in their order."""
    found = {}
    with database.read() as session:
        for words in SEARCHES:
            query = ContactQuery(search=words)
            found[words] = [row.id for row in list_contacts(session=session, query=query).rows]
            logged = list_interactions(session=session, query=InteractionQuery(search=words))
            found[f"log: {words}"] = [row.id for row in logged.rows]
    return found


def _max_id(url: str, table: str) -> int:
    database = open_database(url)
    try:
        with database.read() as session:
            return int(session.execute(text(f"SELECT max(id) FROM {table}")).scalar_one())
    finally:
        database.close()


def _handed_out_and_removed(url: str, folder: Path) -> dict[str, int]:
    """Contacts, interactions and tasks imported and undone, a contact merged away: the
    highest id each table handed out, above its highest row."""
    from tests.test_cli import crm

    people = folder / "people.csv"
    people.write_text("name,email\nNeda,neda@x.example\nOmid,omid@x.example\n", "utf-8")
    log = folder / "log.csv"
    log.write_text("contact_id,occurred_at,subject\n1,2026-11-01 10:00,Quote call\n", "utf-8")
    tasks = folder / "tasks.csv"
    tasks.write_text("title,due\nDesign,2026-12-01\n", "utf-8")
    highest = {}
    for kind, source, table in (
        ("contacts", people, "contact"),
        ("interactions", log, "interaction"),
        ("tasks", tasks, "task"),
    ):
        code, _, err = crm(url, "import", kind, str(source))
        assert code == 0, err
        highest[table] = _max_id(url, table)
        batch = json.loads(crm(url, "import", "list", "--json")[1])[0]["id"]
        code, _, err = crm(url, "import", "undo", str(batch))
        assert code == 0, err
        assert _max_id(url, table) < highest[table]
    highest["merged"] = _max_id(url, "contact")
    code, _, err = crm(url, "contacts", "merge", "1", str(highest["merged"]))
    assert code == 0, err
    return highest


@pytest.mark.sqlite_only
def test_an_upgrade_to_0008_keeps_everything_and_ids_are_not_given_again(
    demo_url: str, migrated_template: Template, tmp_path: Path
) -> None:
    """0008 remakes the tables people know ids of: every row, index and search result
    stays, and removed contacts', interactions' and tasks' ids are not given again."""
    db_path = sqlite_path(demo_url)
    assert db_path is not None
    highest = _handed_out_and_removed(demo_url, tmp_path)
    # What each search finds, read by this crm's services before the way down to 0007 (they
    # read columns later migrations add); the same after the way back up.
    database = open_database(demo_url)
    found = _found(database)
    database.close()
    assert found["sara"] and found["log: a"]
    _at_revision(db_path, "0007")
    with closing(sqlite3.connect(db_path)) as connection:
        assert _declared_never_reused(connection) == set()  # as the crm of 0007 made them
        content, dependents = _content(connection), _dependents(connection)

    open_database(demo_url).close()  # upgrades
    with (
        closing(sqlite3.connect(db_path)) as connection,
        closing(sqlite3.connect(migrated_template.path)) as fresh,
    ):
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD,)
        made_later = {"pipeline", "deal_stage", "deal", "appointment", "contact_date"}
        assert _declared_never_reused(connection) == set(KEPT_IDS) | made_later
        after = _content(
            connection, but=frozenset({"deal_id", "repeat", "series_id", "touch_every"})
        )
        assert {table: rows for table, rows in after.items() if table in content} == content
        # by 0010, 0011, 0014 and 0021, on tables 0008 remade
        later = {
            "interaction_rollup_insert",
            "interaction_rollup_delete",
            "interaction_rollup_update",
            "ix_contact_live_created",
            "ix_interaction_deal",
            "ix_task_deal",
            "ux_task_series_due",
            "ix_contact_live_birthday",
            "ix_contact_live_touch",
        }
        kept = {
            row
            for row in _dependents(connection)
            if row[2] not in made_later | _DEALS and row[1] not in later
        }
        assert kept == dependents
        # an upgraded database's tables are those of a new one
        tables = "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
        assert connection.execute(tables).fetchall() == fresh.execute(tables).fetchall()

    database = open_database(demo_url)
    try:
        assert _found(database) == found
        with database.read() as session:
            assert check_database(session=session, full=True) == []
        with database.write() as session:
            contact = create_contact(session=session, data=ContactCreate(name="Mina"))
            logged = create_interaction(
                session=session, data=InteractionCreate(contact_ids=[contact.id], subject="Hi")
            )
            task = create_task(session=session, data=TaskCreate(title="Call Mina back"))
    finally:
        database.close()
    assert contact.id > highest["contact"] > highest["merged"]
    assert logged.id > highest["interaction"] and task.id > highest["task"]


@pytest.mark.sqlite_only
def test_0008_refuses_to_remake_tables_with_foreign_keys_on(db_path: Path) -> None:
    """Dropping the old contact table would first delete every email, phone and tag link
    of every contact (ON DELETE CASCADE) and unlink their interactions and tasks."""
    from alembic import command
    from sqlalchemy import create_engine, event

    from crm_tui.migrations.runner import alembic_config

    database = open_database(f"sqlite:///{db_path}")
    with database.write() as session:
        add_contact(session, "Sara", emails=[{"value": "s@x.example"}], tags=["vip"])
    database.close()
    _at_revision(db_path, "0007")
    engine = create_engine(f"sqlite:///{db_path}")
    event.listen(engine, "connect", lambda c, _: c.execute("PRAGMA foreign_keys=ON"))
    refused = pytest.raises(RuntimeError, match="needs foreign keys turned off")
    with refused, engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    engine.dispose()
    with closing(sqlite3.connect(db_path)) as connection:
        for table in ("contact_email", "contact_tag"):
            assert connection.execute(f"SELECT count(*) FROM {table}").fetchone() == (1,)
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0007",)


def test_db_urls_and_masking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert db_url(tmp_path / "x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    assert db_url("postgresql+psycopg://u:secret@h/db") == "postgresql+psycopg://u:secret@h/db"
    monkeypatch.setenv("CRM_DB", str(tmp_path / "env.db"))
    assert db_url() == f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.delenv("CRM_DB")
    assert db_url().endswith("/crm-tui/crm.db")
    assert sqlite_path(db_url(tmp_path / "x.db")) == tmp_path / "x.db"
    assert sqlite_path("postgresql://h/db") is None
    assert mask_url("postgresql+psycopg://u:secret@h:5432/db") == (
        "postgresql+psycopg://u:***@h:5432/db"
    )
    assert mask_url("postgresql://u@/db?host=/run/pg&password=s3cr%40t&port=5") == (
        "postgresql://u@/db?host=/run/pg&password=***&port=5"
    )
    assert mask_url("postgresql://:p@ss@h/db") == "postgresql://:***@h/db"
    assert location_label("postgresql://u:secret@h:5432/crm") == "crm@h"
    assert location_label("postgresql://u@/crm?host=/run/pg") == "crm@/run/pg"
    assert location_label(f"sqlite:///{tmp_path / 'x.db'}") == "x.db"


def test_the_models_and_the_migrations_agree(db: db_module.Database) -> None:
    """A model change without its migration (or the reverse) shows up here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, SQLModel.metadata)
        differences = [d for d in differences if not _fk_added_by_alter(connection, d)]
    assert [d for d in differences if "_fts" not in str(d)] == []


def _fk_added_by_alter(connection: Any, difference: Any) -> bool:
    """A foreign key that SQLite added with its column (``ALTER TABLE … ADD COLUMN …
    REFERENCES``, 0011) reads back without its ON DELETE: SQLAlchemy finds that in the
    table's SQL, where it is written only for the constraints of a CREATE TABLE. SQLite
    itself has it (its pragma): the same key, the same action, is no difference."""
    if connection.dialect.name != "sqlite" or difference[0] not in ("add_fk", "remove_fk"):
        return False
    key = difference[1]
    (column,) = [element.parent.name for element in key.elements]
    pragma = connection.exec_driver_sql(f'PRAGMA foreign_key_list("{key.table.name}")')
    stored = {(row[2], row[3], row[6]) for row in pragma}
    target = (
        key.elements[0].column.table.name if difference[0] == "add_fk" else key.referred_table.name
    )
    wanted = (target, column, "SET NULL")
    return wanted in stored and column == "deal_id"


def test_every_column_pointing_at_a_row_has_an_index_to_find_it_by() -> None:
    """Deleting a row looks up the rows pointing at it (to cascade or set NULL); without an
    index that starts with the column, and covers the trash too, each delete reads the whole
    table (undoing an import of 100k contacts ran for more than 18 minutes)."""
    from sqlmodel import SQLModel

    missing = []
    for table in SQLModel.metadata.tables.values():
        leading = {index.columns[0].name for index in table.indexes if not _partial(index)}
        leading |= {c.name for c in table.columns if c.index}
        leading.add(table.primary_key.columns[0].name)
        for key in table.foreign_keys:
            if key.column.table.name not in NEVER_DELETED and key.parent.name not in leading:
                missing.append(f"{table.name}.{key.parent.name}")
    assert missing == []


NEVER_DELETED = {"team_member", "project"}  # members are deactivated; projects stay


def _partial(index: Any) -> bool:
    return bool(index.dialect_options["sqlite"].get("where") is not None)


def test_only_crms_own_folder_is_made_for_a_database(tmp_path: Path) -> None:
    """A typo in --db made the folders and an empty database there: a cron import into
    /data/crm/crm.db spelt /data/cmr/crm.db landed in a new file and looked done."""
    typo = tmp_path / "cmr" / "crm.db"
    with pytest.raises(DatabaseError, match=f"no folder {tmp_path / 'cmr'}: check the path"):
        open_database(f"sqlite:///{typo}")
    assert not typo.parent.exists()
    default = default_db_path()  # under XDG_DATA_HOME, which the tests point at tmp_path
    assert not default.parent.exists()
    open_database(db_url()).close()
    assert default.is_file()
    assert stat.S_IMODE(default.parent.stat().st_mode) == 0o700
