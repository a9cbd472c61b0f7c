"""Bulk actions (issue 25, point 4): each changes every contact chosen in one batch, counts
only what it changed, and one undo puts it back, keeping what was edited since; both
databases. Through the CLI: the exact count asked, refused unattended without --yes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from crm_tui.db import Database
from crm_tui.models import Contact, Interaction, Tag, Task
from crm_tui.schemas import ContactUpdate, InteractionCreate, TaskCreate
from crm_tui.services import bulk
from crm_tui.services.contacts import get_contact, update_contact
from crm_tui.services.imports import list_batches, undo_import
from crm_tui.services.team import add_member
from crm_tui.vocabulary import BulkKind, ContactStatus
from tests.conftest import add_contact
from tests.test_cli import crm


def _people(db: Database) -> list[int]:
    with db.write() as session:
        return [
            add_contact(session, "Sara", tags=["vip"], custom={"City": "Tehran"}),
            add_contact(session, "Ali", custom={"City": "Shiraz"}),
            add_contact(session, "رضا", status="customer"),
        ]


def _run(db: Database, ids: list[int], action: bulk.Action) -> bulk.BulkReport:
    with db.write() as session:
        return bulk.run_bulk(session=session, contact_ids=ids, action=action, source="test")


def _undo(db: Database, batch_id: int | None) -> list[str]:
    assert batch_id is not None
    with db.write() as session:
        report = undo_import(session=session, batch_id=batch_id)
    assert report.undone
    return report.kept


def _contact(db: Database, contact_id: int) -> Contact:
    with db.read() as session:
        found = session.get(Contact, contact_id)
        assert found is not None
        session.expunge(found)
        return found


def test_tag_counts_only_the_contacts_it_changed_and_undo_takes_it_off(db: Database) -> None:
    ids = _people(db)
    report = _run(db, ids, bulk.Tag("vip"))
    assert (report.contacts, report.changed) == (3, 2)
    assert all("vip" in _contact(db, i).tags for i in ids)
    _undo(db, report.batch_id)
    assert [bool(_contact(db, i).tags) for i in ids] == [True, False, False]

    report = _run(db, ids, bulk.Tag("مشتری خوب"))  # a new tag, made by the action
    assert report.changed == 3
    _undo(db, report.batch_id)
    with db.read() as session:  # the tag it made goes with it
        assert session.scalar(select(func.count()).select_from(Tag).where(Tag.name != "vip")) == 0


def test_untag_and_a_custom_field_and_their_undo(db: Database) -> None:
    ids = _people(db)
    report = _run(db, ids, bulk.Tag("vip", remove=True))
    assert report.changed == 1 and _contact(db, ids[0]).tags == ""
    field = _run(db, ids, bulk.SetField("City", "Tabriz"))
    assert field.changed == 3
    assert [_contact(db, i).custom["City"] for i in ids] == ["Tabriz"] * 3
    cleared = _run(db, ids, bulk.SetField("City", ""))
    assert cleared.changed == 3 and all("City" not in _contact(db, i).custom for i in ids)
    _undo(db, cleared.batch_id)
    assert [_contact(db, i).custom["City"] for i in ids] == ["Tabriz"] * 3
    # Undone newest first, the batch before finds them as it left them (one version on, the
    # undo's): it is undone too. An edit in between would keep them (the test below).
    assert _undo(db, field.batch_id) == []
    assert [_contact(db, i).custom.get("City") for i in ids] == ["Tehran", "Shiraz", None]


def test_undoing_keeps_a_contact_edited_since(db: Database) -> None:
    ids = _people(db)
    report = _run(db, ids, bulk.SetStatus(ContactStatus.INACTIVE))
    assert report.changed == 3
    with db.write() as session:
        edited = get_contact(session=session, contact_id=ids[1])
        update_contact(
            session=session,
            contact_id=ids[1],
            changes=ContactUpdate(notes="called back"),
            expected_version=edited.version,
        )
    kept = _undo(db, report.batch_id)
    assert len(kept) == 1 and "Ali" in kept[0] and "edited since the bulk action" in kept[0]
    assert [_contact(db, i).status for i in ids] == ["lead", "inactive", "customer"]


def test_owner_to_a_member_and_back_to_nobody(db: Database) -> None:
    ids = _people(db)
    with db.write() as session:
        member = add_member(session=session, name="Negar Tehrani", username="negar")
    report = _run(db, ids, bulk.SetOwner("negar"))
    assert report.changed == 3 and {_contact(db, i).owner_id for i in ids} == {member.id}
    assert _run(db, ids, bulk.SetOwner("negar")).batch_id is None  # nothing to change
    _undo(db, report.batch_id)
    assert {_contact(db, i).owner_id for i in ids} == {None}


def test_a_task_for_each_and_undo_keeps_one_worked_on(db: Database) -> None:
    ids = _people(db)
    due = datetime.now(UTC).date() + timedelta(days=3)
    data = TaskCreate.build(title="Call back", due_date=due, priority=2)
    report = _run(db, ids, bulk.NewTask(data))
    assert report.changed == 3
    with db.write() as session:
        tasks = list(session.scalars(select(Task).order_by(col(Task.id))))
        assert [(t.contact_id, t.title, t.due_date, t.priority) for t in tasks] == [
            (i, "Call back", due, 2) for i in ids
        ]
        assert len({t.position for t in tasks}) == 3  # each its own place on the board
        tasks[0].progress, tasks[0].version = 50, tasks[0].version + 1
    kept = _undo(db, report.batch_id)
    assert len(kept) == 1 and f"task #{tasks[0].id}" in kept[0]
    with db.read() as session:
        assert list(session.scalars(select(Task.id))) == [tasks[0].id]


def test_log_for_each_moves_last_contacted_and_undo_moves_it_back(db: Database) -> None:
    ids = _people(db)
    when = datetime.now(UTC) - timedelta(hours=2)
    data = InteractionCreate.build(
        contact_ids=[ids[0]], subject="Spring newsletter", channel="email", occurred_at=when
    )
    report = _run(db, ids, bulk.Log(data))
    assert report.changed == 3
    with db.read() as session:
        logged = list(session.scalars(select(Interaction.contact_id).order_by(Interaction.id)))
    assert logged == ids
    assert all(_contact(db, i).last_contacted_at is not None for i in ids)
    _undo(db, report.batch_id)
    assert all(_contact(db, i).last_contacted_at is None for i in ids)


def test_trash_and_undo_brings_back_those_still_there(db: Database) -> None:
    ids = _people(db)
    report = _run(db, [*ids, ids[0]], bulk.Trash())  # a contact named twice counts once
    assert (report.contacts, report.changed) == (3, 3)
    assert all(_contact(db, i).deleted_at is not None for i in ids)
    assert _run(db, ids, bulk.Trash()).batch_id is None  # in the trash already
    _undo(db, report.batch_id)
    assert all(_contact(db, i).deleted_at is None for i in ids)


def test_bulk_batches_are_listed_apart_from_imports(db: Database) -> None:
    ids = _people(db)
    report = _run(db, ids, bulk.Tag("x"))
    with db.read() as session:
        listed = list_batches(session=session, kinds=list(BulkKind))
        imports = list_batches(session=session, kinds=["contacts"])
    assert [(b["id"], b["kind"], b["updated"], b["source"]) for b in listed] == [
        (report.batch_id, "bulk-tag", 2 + 1, "tag 'x' · test")
    ]
    assert imports == []


def test_the_cli_asks_with_the_count_and_refuses_unattended(db_url: str) -> None:
    for name, city in (("Sara", "Tehran"), ("Ali", "Tehran"), ("Reza", "Shiraz")):
        crm(db_url, "contacts", "add", name, "--status", "customer", "--field", f"City={city}")
    crm(db_url, "segments", "add", "Tehran", "City:tehran")
    env = {**os.environ, "CRM_DB": db_url, "NO_COLOR": "1"}
    run = [sys.executable, "-m", "crm_tui", "bulk", "task", "Call back", "--segment", "Tehran"]
    unattended = subprocess.run(
        run, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL
    )
    assert unattended.returncode == 1
    assert unattended.stderr == (
        "crm: Create the task 'Call back' for each of 2 contacts: "
        "add --yes to do it without asking\n"
    )
    code, out, _ = crm(db_url, "bulk", "list")
    assert (code, out) == (0, "no bulk actions yet\n")

    done = subprocess.run([*run, "--yes"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "created 2 tasks (Call back) (batch #1: crm bulk undo 1)\n"
    code, out, _ = crm(db_url, "bulk", "list")
    assert code == 0 and "task" in out and "segment Tehran" in out
    code, out, _ = crm(db_url, "bulk", "undo", "1")
    assert (code, out) == (0, "undid #1: removed 2, restored 0\n")
    code, out, err = crm(db_url, "bulk", "undo", "1")
    assert (code, err) == (1, "crm: error: bulk action #1 was already undone\n")
    code, out, err = crm(db_url, "bulk", "status", "gone", "Sara", "--yes")
    assert code == 2 and "choose one of lead, prospect, customer, inactive" in err


async def test_bulk_from_the_contacts_list_and_undo_it(db: Database) -> None:
    """b on a list narrowed to a segment: every contact in it gets a task after the exact
    count is confirmed; ctrl+z, confirmed, takes them away again."""
    from textual.widgets import Input, Select

    from crm_tui.services.segments import add_segment
    from screens.bulk_dialog import BulkDialog
    from screens.contacts import ContactsScreen
    from screens.dialogs import ConfirmDialog, ContactFilterDialog
    from tests.screens_helpers import make_app, open_screen, settle

    with db.write() as session:
        for n in range(3):
            add_contact(session, f"Tehrani {n}", status="customer", custom={"شهر": "تهران"})
        add_contact(session, "Shirazi", status="customer", custom={"شهر": "شیراز"})
        add_segment(session=session, name="تهران", rule="status:customer شهر:تهران")
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "2", ContactsScreen)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, ContactFilterDialog)
        app.screen.query_one("#filter-segment", Select).value = "تهران"
        await pilot.click("#apply")
        await settle(pilot)
        assert len(screen.table.loaded_rows()) == 3
        await pilot.press("b")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, BulkDialog)
        dialog.query_one("#bulk-whom", Select).value = True
        dialog.query_one("#bulk-action", Select).value = "task"
        await settle(pilot)
        assert dialog.query_one("#bulk-extra", Input).display  # the task's due day
        dialog.query_one("#bulk-value", Input).value = "تماس پیگیری"
        dialog.query_one("#bulk-extra", Input).value = "someday"
        await pilot.click("#bulk-next")
        await settle(pilot)
        assert app.screen is dialog  # a day it cannot read is said, nothing asked yet
        said = dialog.query_one("#bulk-error")
        assert str(said.render()) and said.display  # shown: the error line hides while empty
        dialog.query_one("#bulk-extra", Input).value = "2026-12-24"
        await pilot.click("#bulk-next")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        assert confirm.question == (
            "Create the task 'تماس پیگیری' (due 2026-12-24) for each of 3 contacts?"
        )
        await pilot.press("y")
        await settle(pilot)
        with db.read() as session:
            tasks = list(session.scalars(select(Task.title)))
        assert tasks == ["تماس پیگیری"] * 3
        await pilot.press("ctrl+z")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        assert confirm.question == "Undo bulk action #1 (task, 3 contacts)?"
        await pilot.press("y")
        await settle(pilot)
        with db.read() as session:
            assert list(session.scalars(select(Task.id))) == []
        assert app.screen is screen


def test_undo_takes_back_only_what_the_action_changed(db: Database) -> None:
    """A call logged after a bulk tag moves "last contacted"; undoing the tag leaves it."""
    ids = _people(db)
    report = _run(db, ids, bulk.Tag("spring"))
    with db.write() as session:
        data = InteractionCreate.build(contact_ids=[ids[1]], subject="Called")
        from crm_tui.services.interactions import create_interaction

        create_interaction(session=session, data=data)
    called = _contact(db, ids[1]).last_contacted_at
    assert called is not None
    _undo(db, report.batch_id)
    assert _contact(db, ids[1]).last_contacted_at == called
    assert "spring" not in _contact(db, ids[1]).tags


def test_undoing_a_trash_leaves_one_thrown_away_again_since(db: Database) -> None:
    from crm_tui.services.contacts import delete_contacts, restore_contacts

    ids = _people(db)
    report = _run(db, ids, bulk.Trash())
    with db.write() as session:
        restore_contacts(session=session, contact_ids=[ids[0]])
        delete_contacts(session=session, contact_ids=[ids[0]])
    kept = _undo(db, report.batch_id)
    assert kept == ["1 contact: out of the trash, or in it again, since"]
    assert [_contact(db, i).deleted_at is None for i in ids] == [False, True, True]


def test_an_action_is_checked_before_it_is_asked(db: Database) -> None:
    from crm_tui.errors import CrmError

    ids = _people(db)
    with db.write() as session:
        add_member(session=session, name="Sara Ahmadi", username="s1")
        add_member(session=session, name="Sara Karimi", username="s2")
    for action, said in (
        (bulk.Tag("a,b"), "type one tag (no comma)"),
        (bulk.SetOwner("Sara"), "Sara"),
        (bulk.SetOwner("nobody-here"), "nobody-here"),
    ):
        with db.read() as session, pytest.raises(CrmError) as raised:
            bulk.resolved(session=session, action=action)
        assert said in str(raised.value)
    with db.read() as session:
        owner = bulk.resolved(session=session, action=bulk.SetOwner("s2"))
        assert isinstance(owner, bulk.SetOwner) and owner.member_id is not None
        assert bulk.resolved(session=session, action=bulk.Tag(" VIP ")) == bulk.Tag("vip")
    assert _run(db, ids, bulk.Tag("VIP")).changed == 2  # Sara has it as "vip" already


def test_bulk_and_import_batches_are_undone_each_by_their_own_command(db_url: str) -> None:
    crm(db_url, "contacts", "add", "Sara")
    code, out, _ = crm(db_url, "bulk", "tag", "x", "Sara", "--yes")
    assert code == 0, out
    code, _, err = crm(db_url, "import", "undo", "1")
    assert (code, err) == (1, "crm: error: no import batch #1\n")
    code, out, _ = crm(db_url, "bulk", "tag", "x", "--rule", "tag:none", "--json")
    assert (code, json.loads(out)) == (0, {"batch": None, "contacts": 0, "changed": 0})


async def test_export_the_chosen_contacts_from_the_list(db: Database, tmp_path: Path) -> None:
    """b, "Export to a CSV file": the contacts the list holds, in a file only its owner
    reads; asked first with the count and the file."""
    import stat

    from textual.widgets import Input, Select

    from screens.bulk_dialog import BulkDialog
    from screens.contacts import ContactsScreen
    from screens.dialogs import ConfirmDialog
    from tests.screens_helpers import make_app, open_screen, settle

    _people(db)
    target = tmp_path / "out.csv"
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await open_screen(pilot, "2", ContactsScreen)
        await pilot.press("b")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, BulkDialog)
        dialog.query_one("#bulk-whom", Select).value = True
        dialog.query_one("#bulk-action", Select).value = "export"
        await settle(pilot)
        dialog.query_one("#bulk-value", Input).value = str(target)
        await pilot.click("#bulk-next")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.question == f"Export 3 contacts to {target}?"
        await pilot.press("y")
        await settle(pilot)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == ["Sara", "Ali", "رضا"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
