"""Ids are never handed out twice: a script's reference to a contact, interaction, task or
template that an undo, a merge or a delete removed never comes to point at another row
(SQLite: AUTOINCREMENT, migration 0008; PostgreSQL: sequences, which never go back)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import NullPool, create_engine, text
from sqlmodel import SQLModel

from crm_tui.db import Database, open_database
from crm_tui.migrations import HEAD
from crm_tui.services.templates import StepSpec, delete_template, save_template
from tests.databases import Databases, Template
from tests.test_cli import crm

THREE = "name,email\nNeda Karimi,neda@x.example\nOmid Farahani,omid@x.example\nPari,p@x.example\n"
KEPT_IDS = {
    "contact",
    "interaction",
    "task",
    "organization",
    "project",
    "team_member",
    "import_batch",
    "merge_record",
    "workflow_template",
    "pipeline",
    "deal_stage",
    "deal",
    "appointment",
    "contact_date",
}


def _write(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    return path


def _contact_ids(db_url: str) -> set[int]:
    code, out, err = crm(db_url, "contacts", "list", "--json", "--limit", "0")
    assert code == 0, err
    return {contact["id"] for contact in json.loads(out)}


def _added(out: str, what: str) -> int:
    """The id in "added contact #12 …", "logged call #3 with …"."""
    found = re.search(rf"{what} #(\d+)", out)
    assert found, out
    return int(found.group(1))


def _add_contact(db_url: str, name: str, *options: str) -> int:
    code, out, err = crm(db_url, "contacts", "add", name, *options)
    assert code == 0, err
    return _added(out, "added contact")


def _last_batch(db_url: str) -> int:
    return int(json.loads(crm(db_url, "import", "list", "--json")[1])[0]["id"])


def _undo_last_import(db_url: str) -> None:
    code, _, err = crm(db_url, "import", "undo", str(_last_batch(db_url)))
    assert code == 0, err


def test_an_undone_imports_contact_ids_are_not_given_again(db_url: str, tmp_path: Path) -> None:
    """A script kept #3 from an import that was then undone; the next contact got #3."""
    before = {_add_contact(db_url, "Sara Ahmadi"), _add_contact(db_url, "Ali Rezaei")}
    source = _write(tmp_path / "three.csv", THREE)
    code, out, err = crm(db_url, "import", "contacts", str(source))
    assert code == 0 and "created 3" in out, err
    imported = _contact_ids(db_url) - before
    assert len(imported) == 3
    _undo_last_import(db_url)
    assert _contact_ids(db_url) == before
    added = _add_contact(db_url, "Mina Sadeghi")
    assert added > max(imported)
    # an import reserves its ids in bulk: above every id handed out too
    assert crm(db_url, "import", "contacts", str(source))[0] == 0
    again = _contact_ids(db_url) - before - {added}
    assert len(again) == 3 and min(again) > added


def test_undone_interactions_and_tasks_keep_their_ids(db_url: str, tmp_path: Path) -> None:
    """Undoing an import deletes the interactions or tasks it made, for good."""
    sara = _add_contact(db_url, "Sara Ahmadi", "--email", "sara@x.example")
    log = _write(
        tmp_path / "log.csv",
        "contact_email,occurred_at,channel,subject\n"
        "sara@x.example,2026-11-01 10:00,call,Quote call\n"
        "sara@x.example,2026-11-02 09:00,email,Invoice\n",
    )
    assert crm(db_url, "import", "interactions", str(log))[0] == 0
    exported = json.loads(crm(db_url, "export", "interactions", "--format", "json")[1])
    logged = {row["id"] for row in exported}
    assert len(logged) == 2
    _undo_last_import(db_url)
    code, out, err = crm(db_url, "log", "Called back", "--contact", str(sara), "--when", "-1h")
    assert code == 0, err
    assert _added(out, r"logged \w+") > max(logged)

    tasks = _write(tmp_path / "tasks.csv", "title,due\nDesign,2026-12-01\nBuild,2026-12-10\n")
    assert crm(db_url, "import", "tasks", str(tasks))[0] == 0
    made = {task["id"] for task in json.loads(crm(db_url, "tasks", "list", "--json")[1])}
    assert len(made) == 2
    _undo_last_import(db_url)
    assert json.loads(crm(db_url, "tasks", "list", "--json")[1]) == []
    code, out, err = crm(db_url, "tasks", "add", "Send the quote")
    assert code == 0, err
    assert _added(out, "added task") > max(made)


def test_a_merged_away_contacts_id_is_not_given_again(db_url: str) -> None:
    """The next contact took the merged one's id, and undoing the merge then failed."""
    keep, other = _add_contact(db_url, "Sara Ahmadi"), _add_contact(db_url, "Sara Ahmady")
    code, out, err = crm(db_url, "contacts", "merge", str(keep), str(other))
    assert code == 0, err
    merge = int(re.findall(r"merge #(\d+)", out)[0])
    added = _add_contact(db_url, "Ali Rezaei")
    assert added > other
    code, _, err = crm(db_url, "contacts", "unmerge", str(merge))
    assert code == 0, err
    assert _contact_ids(db_url) == {keep, other, added}


def test_a_deleted_templates_id_is_not_given_again(db: Database) -> None:
    """``crm tasks template apply 2`` must not apply another template than #2 was."""
    steps = [StepSpec(title="Kick-off")]
    with db.write() as session:
        save_template(session=session, name="Onboarding", steps=steps)
        second = save_template(session=session, name="Offboarding", steps=steps)
        delete_template(session=session, template_id=second.id)
    with db.write() as session:
        third = save_template(session=session, name="Audit", steps=steps)
    assert third.id > second.id


def _bundle(databases: Databases, template: Template, folder: Path, *, undone: bool) -> Path:
    """A bundle of one contact (#1), from a database that also imported three contacts
    and undid that import when ``undone``."""
    source = databases.clone(template, "source")
    _add_contact(source, "Sara Ahmadi")
    if undone:
        assert crm(source, "import", "contacts", str(_write(folder / "3.csv", THREE)))[0] == 0
        _undo_last_import(source)
    bundle = folder / "bundle"
    assert crm(source, "export", "all", "-o", str(bundle))[0] == 0
    return bundle


def test_a_bundle_read_in_leaves_the_ids_handed_out_before_taken(
    db_url: str, databases: Databases, migrated_template: Template, tmp_path: Path
) -> None:
    """Reading a bundle in set PostgreSQL's sequences to the bundle's highest id plus one,
    below ids the database had handed out to rows removed since."""
    bundle = _bundle(databases, migrated_template, tmp_path, undone=False)
    assert crm(db_url, "import", "contacts", str(_write(tmp_path / "3.csv", THREE)))[0] == 0
    handed_out = _contact_ids(db_url)
    _undo_last_import(db_url)  # the database is empty again: a bundle may be read in
    code, _, err = crm(db_url, "import", "all", str(bundle))
    assert code == 0, err
    assert _add_contact(db_url, "Mina Sadeghi") > max(handed_out)


def test_a_bundle_brings_the_ids_its_records_name(
    db_url: str, databases: Databases, migrated_template: Template, tmp_path: Path
) -> None:
    """The bundle's import records name contacts its database handed out and removed: a
    database read from it does not give those ids to new contacts either."""
    bundle = _bundle(databases, migrated_template, tmp_path, undone=True)
    code, _, err = crm(db_url, "import", "all", str(bundle))
    assert code == 0, err
    assert _contact_ids(db_url) == {1}
    assert _add_contact(db_url, "Mina Sadeghi") > 4  # Sara, then the three undone


def test_a_database_marked_0007_again_keeps_its_counters(db_url: str, tmp_path: Path) -> None:
    """0008 run again over its own work (a database marked older than it is) makes no table
    again and moves no counter back; on PostgreSQL it does nothing."""
    _add_contact(db_url, "Sara Ahmadi")
    assert crm(db_url, "import", "contacts", str(_write(tmp_path / "3.csv", THREE)))[0] == 0
    _undo_last_import(db_url)
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0007'"))
    open_database(db_url).close()
    with engine.connect() as connection:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert revision == HEAD
    assert _add_contact(db_url, "Mina Sadeghi") == 5  # Sara, then the three undone


@pytest.mark.sqlite_only
def test_the_tables_people_know_ids_of_never_hand_one_out_twice(db: Database) -> None:
    """New databases (made by the migrations) and the models agree on which tables."""
    declared = {
        table.name
        for table in SQLModel.metadata.tables.values()
        if table.dialect_options["sqlite"]["autoincrement"]
    }
    assert declared == KEPT_IDS
    with db.read() as session:
        made = {
            name
            for name, sql in session.execute(text("SELECT name, sql FROM sqlite_master"))
            if sql and "AUTOINCREMENT" in sql
        }
    assert made == declared
