"""``crm import undo``: what it takes back, what it keeps and says why, and its exit codes.

Exit 0 when the whole batch was undone, 3 when some of it was kept (each kept row named on
stderr with its reason), 1 when none of it could be undone: then nothing changes and the
batch stays open, to be undone once the user has dealt with what kept it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select, text
from sqlmodel import col

from crm_tui.db import open_database
from crm_tui.models import Interaction, Organization, Project, Tag
from crm_tui.schemas import InteractionUpdate
from crm_tui.search.index import check as index_out_of_sync
from crm_tui.services.interactions import delete_interactions, update_interaction
from tests.test_cli import crm


def _write(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    return path


def _names(db_url: str, *, trash: bool = False) -> list[str]:
    args = ["contacts", "list", "--json", "--limit", "0", *(["--trash"] if trash else [])]
    code, out, err = crm(db_url, *args)
    assert code == 0, err
    return sorted(c["name"] for c in json.loads(out))


def _batches(db_url: str) -> dict[int, dict[str, object]]:
    return {b["id"]: b for b in json.loads(crm(db_url, "import", "list", "--json")[1])}


def _stored(db_url: str) -> tuple[list[str], list[str]]:
    """The names of every organization and tag row, used or not (and the search index is
    checked to hold what is left, no more)."""
    database = open_database(db_url)
    try:
        with database.read() as session:
            organizations = sorted(session.scalars(select(Organization.name)))
            tags = sorted(session.scalars(select(Tag.name)))
            assert index_out_of_sync(session=session) == []
    finally:
        database.close()
    return organizations, tags


def test_a_batch_whose_contacts_were_all_edited_is_not_undone_and_says_why(
    db_url: str, tmp_path: Path
) -> None:
    """It said "removed 0", exited 0 and marked the batch undone: a cron job or a script
    took that for done, and the batch could never be undone again."""
    source = _write(
        tmp_path / "two.csv",
        "name,email,organization,tags\n"
        "Sara Ahmadi,sara@x.example,Newco,fresh\n"
        "Ali Karimi,ali@x.example,Newco,fresh\n",
    )
    assert crm(db_url, "import", "contacts", str(source))[0] == 0
    crm(db_url, "contacts", "edit", "sara@x.example", "--notes", "called back")
    crm(db_url, "contacts", "edit", "sara@x.example", "--title", "CEO")
    crm(db_url, "contacts", "edit", "ali@x.example", "--notes", "met")
    before = _names(db_url), _stored(db_url)

    code, out, err = crm(db_url, "import", "undo", "1")
    assert code == 1, (out, err)
    assert out == ""
    lines = err.splitlines()
    assert "crm: kept #1 Sara Ahmadi: edited since the import (version 3)" in lines
    assert "crm: kept #2 Ali Karimi: edited since the import (version 2)" in lines
    assert len(lines) == 3 and lines[-1].startswith("crm: nothing undone")
    assert (_names(db_url), _stored(db_url)) == before
    assert _batches(db_url)[1]["undone_at"] is None  # open: it can be undone later

    # The user decides Ali should go after all: in the trash, he is taken on the next try.
    crm(db_url, "contacts", "delete", "ali@x.example")
    code, out, err = crm(db_url, "import", "undo", "1")
    assert code == 3, (out, err)
    assert "removed 1, restored 0" in out
    assert err.splitlines() == ["crm: kept #1 Sara Ahmadi: edited since the import (version 3)"]
    assert _names(db_url) == ["Sara Ahmadi"] and _names(db_url, trash=True) == []
    assert _stored(db_url) == (["Newco"], ["fresh"])  # Sara still has them
    assert _batches(db_url)[1]["undone_at"] is not None
    code, _, err = crm(db_url, "import", "undo", "1")
    assert code == 1 and "already undone" in err


def test_contacts_used_since_the_import_are_kept_with_the_reason(
    db_url: str, tmp_path: Path
) -> None:
    source = _write(
        tmp_path / "four.csv",
        "name,email,organization\nSara,sara@x.example,\nAli,ali@x.example,\n"
        "Bea,bea@x.example,Newco\nDan,dan@x.example,\n",
    )
    crm(db_url, "import", "contacts", str(source))
    crm(db_url, "log", "Called about the quote", "--contact", "sara@x.example")
    crm(db_url, "tasks", "add", "Send the quote", "--contact", "ali@x.example")
    # A deal keeps its client, and the organization it names (Bea's, who goes).
    crm(db_url, "deals", "add", "Brochure", "--contact", "dan@x.example", "--org", "Newco")
    code, out, err = crm(db_url, "import", "undo", "1")
    assert code == 3 and "removed 1, restored 0" in out, (out, err)
    assert sorted(err.splitlines()) == [
        "crm: kept #1 Sara: has interactions since the import",
        "crm: kept #2 Ali: has tasks since the import",
        "crm: kept #4 Dan: has deals since the import",
    ]
    assert _names(db_url) == ["Ali", "Dan", "Sara"]
    assert _stored(db_url)[0] == ["Newco"]


def test_undo_removes_the_organizations_and_tags_it_created_and_nothing_else(
    db_url: str, tmp_path: Path
) -> None:
    crm(db_url, "contacts", "add", "Before", "--org", "Acme", "--tag", "vip", "--tag", "old")
    crm(db_url, "contacts", "tag", "old", "Before", "--remove")  # "old": a tag nobody has
    source = _write(
        tmp_path / "people.csv",
        "name,email,organization,tags\n"
        "Sara,sara@x.example,Newco,fresh;vip\n"
        "Ali,ali@x.example,ACME,fresh;old\n"
        "Bea,bea@x.example,Shared Ltd,shared\n"
        "Tina,tina@x.example,Trashco,binned\n",
    )
    code, out, err = crm(db_url, "import", "contacts", str(source))
    assert code == 0 and "created 4" in out, err
    batch = re.search(r"batch #(\d+)", out)
    assert batch is not None, out  # #2: the untagging above is #1
    # Since the import, someone else uses two of what it created: those stay.
    crm(db_url, "contacts", "add", "Zed", "--org", "Shared Ltd", "--tag", "shared")
    crm(db_url, "contacts", "add", "Tom", "--org", "Trashco", "--tag", "binned")
    crm(db_url, "contacts", "delete", "Tom")  # in the trash, still his
    assert _stored(db_url) == (
        ["Acme", "Newco", "Shared Ltd", "Trashco"],
        ["binned", "fresh", "old", "shared", "vip"],
    )

    code, out, err = crm(db_url, "import", "undo", batch[1])
    assert code == 0, (out, err)
    assert "removed 4, restored 0" in out and "1 organization" in out and "1 tag" in out
    assert err == ""
    assert _stored(db_url) == (
        ["Acme", "Shared Ltd", "Trashco"],
        ["binned", "old", "shared", "vip"],
    )
    assert _names(db_url) == ["Before", "Zed"]


def test_undoing_updates_removes_the_organization_and_tag_they_brought(
    db_url: str, tmp_path: Path
) -> None:
    crm(db_url, "contacts", "add", "Sara", "--email", "sara@x.example", "--org", "Acme")
    update = _write(
        tmp_path / "update.csv", "email,organization,tags\nsara@x.example,Globex,lead\n"
    )
    code, out, _ = crm(db_url, "import", "contacts", str(update), "--on-duplicate", "update")
    assert code == 0 and "updated 1" in out
    assert _stored(db_url) == (["Acme", "Globex"], ["lead"])
    code, out, err = crm(db_url, "import", "undo", "1")
    assert code == 0 and "removed 0, restored 1" in out, (out, err)
    assert _stored(db_url) == (["Acme"], [])


def test_an_organization_of_a_batch_from_before_the_records_is_found_by_its_time(
    db_url: str, tmp_path: Path
) -> None:
    """Batches imported before undo recorded organizations and tags: an organization their
    contacts use that was created during the batch, and that nothing uses once they are
    gone, goes too (a tag has no creation time to tell: it stays)."""
    crm(db_url, "contacts", "add", "Before", "--org", "Acme")
    source = _write(
        tmp_path / "x.csv",
        "name,email,organization\nSara,s@x.example,Newco\nAli,a@x.example,Acme\n",
    )
    crm(db_url, "import", "contacts", str(source))
    database = open_database(db_url)
    with database.write() as session:  # as such a batch was recorded
        session.execute(text("DELETE FROM import_change WHERE entity <> 'contact'"))
    database.close()
    code, out, err = crm(db_url, "import", "undo", "1")
    assert code == 0 and "removed 2" in out, (out, err)
    assert _stored(db_url)[0] == ["Acme"]


def test_an_updated_contact_edited_or_trashed_since_keeps_the_imports_values(
    db_url: str, tmp_path: Path
) -> None:
    for name in ("Sara", "Ali"):
        crm(db_url, "contacts", "add", name, "--email", f"{name.lower()}@x.example")
    update = _write(
        tmp_path / "update.csv", "email,notes\nsara@x.example,imported\nali@x.example,imported\n"
    )
    crm(db_url, "import", "contacts", str(update), "--on-duplicate", "update")
    crm(db_url, "contacts", "edit", "sara@x.example", "--title", "CEO")
    crm(db_url, "contacts", "delete", "ali@x.example")
    code, out, err = crm(db_url, "import", "undo", "1")
    assert code == 1 and out == "", (out, err)
    assert sorted(err.splitlines()[:-1]) == [
        "crm: kept #1 Sara as the import left it: edited since the import (version 3)",
        "crm: kept #2 Ali as the import left it: in the trash since the import",
    ]
    assert _batches(db_url)[1]["undone_at"] is None


def test_an_interactions_batch_edited_since_is_not_undone(db_url: str, tmp_path: Path) -> None:
    crm(db_url, "contacts", "add", "Sara", "--email", "sara@x.example")
    log = _write(
        tmp_path / "log.csv",
        "contact_email,occurred_at,subject\n"
        "sara@x.example,2026-11-01 10:00,Quote call\n"
        "sara@x.example,2026-11-02 10:00,Follow-up\n",
    )
    assert crm(db_url, "import", "interactions", str(log))[0] == 0
    database = open_database(db_url)
    with database.write() as session:
        ids = session.scalars(select(Interaction.id).order_by(Interaction.id)).all()
        for interaction_id in ids:
            update_interaction(
                session=session,
                interaction_id=interaction_id,
                changes=InteractionUpdate(body="notes added later"),
                expected_version=1,
            )
    database.close()
    code, out, err = crm(db_url, "import", "undo", "1")
    assert code == 1 and out == "", (out, err)
    assert err.splitlines()[:2] == [
        "crm: kept interaction #1 (Quote call): edited since the import (version 2)",
        "crm: kept interaction #2 (Follow-up): edited since the import (version 2)",
    ]
    assert _batches(db_url)[1]["undone_at"] is None
    # One of them is thrown away: the next undo takes it, and keeps the other.
    database = open_database(db_url)
    with database.write() as session:
        delete_interactions(session=session, interaction_ids=[2])
    database.close()
    code, out, err = crm(db_url, "import", "undo", "1")
    assert code == 3 and "removed 1" in out, (out, err)
    assert err.splitlines() == [
        "crm: kept interaction #1 (Quote call): edited since the import (version 2)"
    ]
    _stored(db_url)  # the interaction is out of the search index too


def test_a_task_batch_keeps_the_tasks_others_wait_for_and_removes_its_empty_projects(
    db_url: str, tmp_path: Path
) -> None:
    tasks = _write(
        tmp_path / "tasks.csv",
        "id,title,due,project,depends_on\n"
        "a,Design,2026-12-01,Website,\n"
        "b,Build,2026-12-10,Website,a\n"
        "c,Alone,2026-12-11,Side project,\n",
    )
    assert crm(db_url, "import", "tasks", str(tasks))[0] == 0
    code, out, err = crm(db_url, "tasks", "add", "Launch", "--depends-on", "2")
    assert code == 0, err
    code, out, err = crm(db_url, "import", "undo", "1")
    assert code == 3, (out, err)
    assert out == "undid import #1: removed 1, restored 0 (and 1 project it created)\n"
    assert err.splitlines() == [  # Build, kept, still waits for Design: Design stays too
        "crm: kept task #2 Build: task #4 waits for it",
        "crm: kept task #1 Design: task #2 waits for it",
    ]
    database = open_database(db_url)
    with database.read() as session:
        projects = sorted(
            session.scalars(select(Project.name).where(col(Project.deleted_at).is_(None)))
        )
    database.close()
    assert projects == ["Website"]  # "Side project" had only Alone
