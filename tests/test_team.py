"""A team on one database: authorship, concurrent edits across real connections and processes,
passwords kept out of messages. Runs on SQLite and, with CRM_TEST_POSTGRES, on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlmodel import Session

from crm_tui.cli import app
from crm_tui.db import Database, open_database
from crm_tui.errors import ConflictError
from crm_tui.schemas import ContactUpdate
from crm_tui.services.contacts import get_contact, update_contact
from crm_tui.services.projects import create_project, find_project
from crm_tui.services.team import add_member, ensure_member, find_member
from crm_tui.services.templates import StepSpec, get_template, save_template
from tests.cli_runner import CliRunner
from tests.conftest import add_contact

runner = CliRunner()


def crm(url: str, *args: str, user: str = "tester") -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", url, *args], env={"CRM_USER": user})
    return result.exit_code, result.stdout, result.stderr


def test_each_change_records_its_author(db_url: str) -> None:
    crm(db_url, "team", "add", "Alice Moreau", "--username", "alice")
    crm(db_url, "team", "add", "Bahram Tehrani", "--username", "bahram")
    assert crm(db_url, "contacts", "add", "Sara Ahmadi", user="alice")[0] == 0
    assert crm(db_url, "contacts", "edit", "1", "--notes", "called", user="bahram")[0] == 0
    _, out, _ = crm(db_url, "contacts", "show", "1", "--json")
    contact = json.loads(out)
    assert (contact["created_by"], contact["updated_by"]) == ("Alice Moreau", "Bahram Tehrani")
    assert crm(db_url, "contacts", "tag", "vip", "1", user="alice")[0] == 0
    _, out, _ = crm(db_url, "contacts", "show", "1", "--json")
    assert json.loads(out)["updated_by"] == "Alice Moreau"
    _, out, _ = crm(db_url, "team", "list", "--json")
    assert {m["username"] for m in json.loads(out)} >= {"alice", "bahram"}


def test_an_unknown_os_user_becomes_a_member_on_first_change(db_url: str) -> None:
    assert crm(db_url, "contacts", "add", "Lena", user="lena")[0] == 0
    _, out, _ = crm(db_url, "contacts", "show", "1", "--json")
    assert json.loads(out)["created_by"] == "lena"


def test_someone_who_left_is_deactivated_and_keeps_their_work(db_url: str) -> None:
    """There was no way to say a member had left: they stayed on offer for new tasks."""
    crm(db_url, "team", "add", "Lena Fischer", "--username", "lena")
    assert crm(db_url, "tasks", "add", "Print proof", "--assignee", "lena")[0] == 0
    code, out, _ = crm(db_url, "team", "deactivate", "lena")
    assert code == 0 and out == "Lena Fischer (lena) is deactivated\n"
    assert "lena" not in crm(db_url, "team", "list")[1]
    assert "Lena Fischer (lena)   (deactivated)" in crm(db_url, "team", "list", "--all")[1]
    code, _, err = crm(db_url, "tasks", "add", "Second proof", "--assignee", "lena")
    assert code == 1 and "Lena Fischer is deactivated (crm team activate lena)" in err
    [task] = json.loads(crm(db_url, "tasks", "list", "--assignee", "lena", "--json")[1])
    assert task["assignee"] == "Lena Fischer"  # still on what she did
    assert crm(db_url, "team", "activate", "Lena")[0] == 0
    assert crm(db_url, "tasks", "add", "Second proof", "--assignee", "lena")[0] == 0


def _two_members(url: str) -> tuple[Database, Database, int, int]:
    """Two members, each with a database handle (an engine, connections) of their own."""
    first, second = open_database(url), open_database(url)
    with first.write() as session:
        alice = ensure_member(session=session, username="alice").id
        bahram = ensure_member(session=session, username="bahram").id
    return first, second, alice, bahram


def test_two_members_saving_the_same_version_at_once_one_wins(db_url: str) -> None:
    """Both open version 1 and press save together: one save lands, the other meets version 2
    and is refused with the stored record; nothing is overwritten."""
    first, second, alice, bahram = _two_members(db_url)
    with first.write() as session:
        contact_id = add_contact(session, "Hana Novák")
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def save(database: Database, who: str, actor: int) -> None:
        barrier.wait(5)
        try:
            with database.write() as session:
                update_contact(
                    session=session,
                    contact_id=contact_id,
                    changes=ContactUpdate.build(notes=f"from {who}"),
                    expected_version=1,
                    actor_id=actor,
                )
            outcome[who] = "saved"
        except ConflictError as error:
            outcome[who] = error

    threads = [
        threading.Thread(target=save, args=(first, "alice", alice)),
        threading.Thread(target=save, args=(second, "bahram", bahram)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    winners = [who for who, result in outcome.items() if result == "saved"]
    losers = [result for result in outcome.values() if isinstance(result, ConflictError)]
    assert len(winners) == 1 and len(losers) == 1, outcome
    assert losers[0].current.notes == f"from {winners[0]}"  # the loser is shown theirs
    with first.read() as session:
        stored = get_contact(session=session, contact_id=contact_id)
    assert (stored.notes, stored.version, stored.updated_by) == (
        f"from {winners[0]}",
        2,
        winners[0],
    )
    first.close()
    second.close()


def _crm_process(url: str, user: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crm_tui", "--db", url, *args],
        env={**os.environ, "CRM_USER": user},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_editing_one_record_one_is_refused(db_url: str) -> None:
    crm(db_url, "contacts", "add", "Omid Rahimi")
    processes = {
        user: _crm_process(
            db_url, user, "contacts", "edit", "1", "--notes", f"by {user}", "--if-version", "1"
        )
        for user in ("alice", "bahram")
    }
    results = {user: (p.wait(60), *p.communicate()) for user, p in processes.items()}
    codes = sorted(code for code, _, _ in results.values())
    assert codes == [0, 1], results
    (winner,) = [user for user, (code, _, _) in results.items() if code == 0]
    (refusal,) = [err for code, _, err in results.values() if code == 1]
    assert "Omid Rahimi" in refusal and "changed by someone else" in refusal
    assert "Traceback" not in refusal
    _, out, _ = crm(db_url, "contacts", "show", "1", "--json")
    assert json.loads(out)["notes"] == f"by {winner}"


def test_a_password_in_the_url_is_never_printed(tmp_path: Path) -> None:
    url = "postgresql://crm:hunter2@127.0.0.1:9/crm"  # nothing listens on port 9
    code, out, err = crm(url, "contacts", "list")
    assert code == 1 and "hunter2" not in out + err
    assert "crm:***@127.0.0.1:9/crm" in err and "Traceback" not in err


def test_backup_on_postgresql_points_to_pg_dump_without_the_password() -> None:
    code, _, err = crm("postgresql://crm:hunter2@db.example/crm?sslmode=require", "backup")
    assert code == 1
    assert "pg_dump" in err and "PGPASSWORD" in err
    assert "'postgresql://crm@db.example/crm?sslmode=require'" in err
    assert "hunter2" not in err


def test_an_unsupported_database_is_one_clear_line() -> None:
    code, _, err = crm("mysql://root:pw@localhost/crm", "contacts", "list")
    assert code == 1 and err.count("\n") == 1 and "pw" not in err.replace("postgresql", "")


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_postgresql_urls_use_the_shipped_driver(scheme: str) -> None:
    from crm_tui.config import db_url

    assert db_url(f"{scheme}://u@h/db") == "postgresql+psycopg://u@h/db"


def test_names_typed_without_accents_find_projects_members_and_templates(
    session: Session,
) -> None:
    """``--project oresund`` found no "Øresund onboarding" (nor "cafe" a "Café"), while the
    same words found the contacts: names are matched as search and sorting fold them."""
    create_project(session=session, name="Øresund onboarding")
    add_member(session=session, name="Søren Kühn")
    save_template(session=session, name="Café opening", steps=[StepSpec(title="Menu")])
    assert find_project(session=session, ref="oresund").name == "Øresund onboarding"
    assert find_project(session=session, ref="  oresund   ONBOARDING ").id == 1
    assert find_member(session=session, ref="soren kuhn").name == "Søren Kühn"
    assert find_member(session=session, ref="kuhn").name == "Søren Kühn"
    assert get_template(session=session, ref="cafe opening").name == "Café opening"
