"""The ``crm`` command: through Typer's CliRunner and as a real subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from crm_tui.cli import app
from tests.cli_runner import CliRunner

runner = CliRunner()


def crm(db_url: str, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db_url, *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_add_list_show_edit_round_trip(db_url: str) -> None:
    code, out, _ = crm(
        db_url,
        "contacts",
        "add",
        "مریم رضایی",
        "--email",
        "work:maryam@rezaei.example",
        "--phone",
        "۰۹۱۲۵۵۵۰۱۰۲",
        "--tag",
        "vip",
        "--field",
        "City=اصفهان",
        "--notes",
        "Met at the Tehran expo\nWants a quote",
    )
    assert code == 0, out
    assert "added contact #1 مریم رضایی" in out
    code, out, _ = crm(db_url, "contacts", "show", "1")
    assert "  Notes          Met at the Tehran expo\n                 Wants a quote\n" in out
    code, out, _ = crm(db_url, "contacts", "list", "--json", "--search", "expo")
    assert code == 0
    [contact] = json.loads(out)
    assert contact["name"] == "مریم رضایی"
    assert contact["emails"] == [{"value": "maryam@rezaei.example", "label": "work"}]
    assert contact["custom"] == {"City": "اصفهان"}
    for key in (
        "id",
        "first_name",
        "last_name",
        "organization",
        "email",
        "phone",
        "phones",
        "tags",
        "status",
        "notes",
    ):
        assert key in contact
    code, out, _ = crm(
        db_url,
        "contacts",
        "edit",
        "maryam@rezaei.example",
        "--status",
        "customer",
        "--field",
        "VAT=IR123",
        "--if-version",
        "1",
    )
    assert code == 0, out
    code, out, _ = crm(db_url, "contacts", "show", "1", "--json")
    shown = json.loads(out)
    assert shown["status"] == "customer"
    assert shown["custom"] == {"City": "اصفهان", "VAT": "IR123"}
    assert shown["version"] == 2


def test_a_stale_edit_is_refused_in_one_line(db_url: str) -> None:
    crm(db_url, "contacts", "add", "Sara Ahmadi")
    crm(db_url, "contacts", "edit", "1", "--notes", "first")
    code, out, err = crm(db_url, "contacts", "edit", "1", "--notes", "second", "--if-version", "1")
    assert code == 1
    assert err.startswith("crm: error: contact 'Sara Ahmadi' (#1) was changed by someone else")
    assert "Traceback" not in err
    _, out, _ = crm(db_url, "contacts", "show", "1", "--json")
    assert json.loads(out)["notes"] == "first"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["contacts", "add", "X", "--email", "nope"], 1, "not a valid email address"),
        (["contacts", "add"], 1, "a name is required"),
        (["contacts", "show", "ghost"], 1, "no contact matches 'ghost'"),
        (["contacts", "list", "--sort", "height"], 2, "choose one of"),
        (["log", "hi", "--contact", "ghost"], 1, "no contact matches"),
        (["log", "hi", "--contact", "1", "--when", "someday"], 2, "cannot read"),
        (["tasks", "add", "x", "--due", "nope"], 2, "cannot read"),
        (["nonsense"], 2, "No such command"),
        (["contacts", "list", "--limit", "-1"], 2, "'--limit'"),  # listed nothing, exit 0
        (["contacts", "duplicates", "--limit", "0"], 2, "'--limit'"),
        (["tasks", "add", "x", "--estimate", "-3"], 2, "'--estimate'"),  # exit 1, no option
        (["contacts", "edit", "1", "--if-version", "0", "--title", "x"], 2, "'--if-version'"),
    ],
)
def test_errors_are_one_clear_line_with_the_contract_exit_code(
    db_url: str, args: list[str], code: int, message: str
) -> None:
    result_code, out, err = crm(db_url, *args)
    assert result_code == code
    assert message in err + out
    assert "Traceback" not in err + out


def test_log_refuses_an_ambiguous_name_when_not_a_tty(db_url: str) -> None:
    crm(db_url, "contacts", "add", "Aoife Lambert")
    crm(db_url, "contacts", "add", "Aoife Okafor")
    code, _, err = crm(db_url, "log", "Called", "--contact", "Aoife")
    assert code == 1 and err.count("\n") == 1 and "↵" not in err  # one line, for cron
    assert "use an id or email: · #1 Aoife Lambert" in err and " · #2 Aoife Okafor" in err
    code, out, _ = crm(
        db_url,
        "log",
        "Called about the quote\nThey want 10% off",
        "--contact",
        "Aoife Okafor",
        "--channel",
        "call",
        "--sentiment",
        "positive",
        "--follow-up",
        "3d",
        "--json",
    )
    assert code == 0
    logged = json.loads(out)
    assert logged["interaction"]["subject"] == "Called about the quote"
    assert logged["interaction"]["body"] == "They want 10% off"
    assert logged["follow_up"]["contact_id"] == 2


def test_tasks_and_agenda_exit_code(db_url: str) -> None:
    crm(db_url, "contacts", "add", "Sara")
    code, out, _ = crm(
        db_url,
        "tasks",
        "add",
        "Send quote",
        "--due",
        "-1d",
        "--contact",
        "Sara",
        "--project",
        "Website",
    )
    assert code == 0, out
    code, out, _ = crm(db_url, "tasks", "list", "--json")
    [task] = json.loads(out)
    assert task["project"] == "Website" and task["contact_id"] == 1
    for key in ("id", "title", "status", "start", "due", "progress", "assignee", "depends_on"):
        assert key in task
    assert crm(db_url, "agenda", "--exit-code")[0] == 1
    assert crm(db_url, "tasks", "done", str(task["id"]))[0] == 0
    assert crm(db_url, "agenda", "--exit-code")[0] == 0


def test_a_task_is_added_with_its_description(db_url: str) -> None:
    code, out, _ = crm(db_url, "tasks", "add", "Brief", "--description", "دو\nخط", "--json")
    assert code == 0 and json.loads(out)["description"] == "دو\nخط"


def test_a_task_due_before_what_it_waits_for_is_added_with_a_warning(db_url: str) -> None:
    """The board flags such a pair with ⚠; the CLI added it without a word."""
    assert crm(db_url, "tasks", "add", "Send quote", "--due", "2026-12-04")[0] == 0
    code, out, err = crm(
        db_url, "tasks", "add", "Call back", "--due", "2026-12-01", "--depends-on", "1"
    )
    assert code == 0 and out.startswith("added task #2"), out
    assert "#2 starts 2026-12-01, before #1 (which it waits for) is due on 2026-12-04" in err
    _, _, err = crm(db_url, "tasks", "add", "Invoice", "--due", "2026-12-05", "--depends-on", "1")
    assert err == ""
    _, out, _ = crm(db_url, "tasks", "list")
    assert "⚠ Call back" in out and "⚠ Invoice" not in out and "⚠ Send quote" not in out
    assert "3 tasks · ⚠ 1 task starting before what it waits for" in out


def test_templates_apply_with_dependencies(db_url: str) -> None:
    crm(db_url, "demo")
    code, out, _ = crm(db_url, "tasks", "template", "list", "--json")
    assert {t["name"] for t in json.loads(out)} == {"New client onboarding", "Website project"}
    _, out, _ = crm(db_url, "tasks", "template", "list")
    steps = [line for line in out.splitlines() if line.startswith("  ")]
    title_columns = {re.search(r"\dd  ", line).end() for line in steps}  # type: ignore[union-attr]
    assert len(steps) > 5 and len(title_columns) == 1, out  # "+14d" lined up with "+0d"
    code, out, _ = crm(
        db_url,
        "tasks",
        "template",
        "apply",
        "new client onboarding",
        "--contact",
        "1",
        "--start",
        "2027-01-04",
        "--json",
    )
    assert code == 0, out
    tasks = json.loads(out)
    assert [t["start"] for t in tasks][:3] == ["2027-01-04", "2027-01-06", "2027-01-09"]
    assert tasks[1]["depends_on"] == [tasks[0]["id"]]


def test_demo_refuses_a_database_with_contacts(db_url: str) -> None:
    assert crm(db_url, "demo")[0] == 0
    code, _, err = crm(db_url, "demo")
    assert code == 1
    assert "already holds 60 contacts" in err


def test_no_command_without_a_terminal_says_so(db_url: str) -> None:
    code, _, err = crm(db_url)
    assert code == 2
    assert "needs a terminal" in err


# -- as a real process ---------------------------------------------------------------------------


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_tui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )


def test_times_read_back_as_typed_in_the_local_zone(
    db_url: str, local_zone: Callable[[str], None]
) -> None:
    """Times are stored in UTC; in Tehran a call logged at 09:00 showed as 05:30."""
    local_zone("Asia/Tehran")
    assert crm(db_url, "contacts", "add", "Sara")[0] == 0
    code, out, err = crm(
        db_url, "log", "-c", "1", "--channel", "call", "--when", "2026-11-20 09:00",
        "--follow-up", "2026-11-27", "Quote call",
    )  # fmt: skip
    assert code == 0, err
    assert (
        crm(db_url, "log", "-c", "1", "--when", "2026-11-21 01:00", "--complaint", "Late")[0] == 0
    )
    _, out, _ = crm(db_url, "contacts", "show", "1")
    assert "  Last contact   2026-11-21 01:00\n" in out  # as the app's detail pane shows it
    timeline = out.split("Timeline:\n")[1].splitlines()
    assert [line.split() for line in timeline] == [
        ["2026-11-27", "task/todo", "Follow", "up", "with", "Sara:", "Quote", "call"],
        ["2026-11-21", "01:00", "note", "Late", "[open", "complaint]"],
        ["2026-11-20", "09:00", "call", "Quote", "call"],
    ]
    _, out, _ = crm(db_url, "agenda")
    assert "  2026-11-21  #2 Late — Sara" in out  # 2026-11-20 21:30 in UTC


def test_piped_tables_keep_each_row_on_one_line(db_url: str) -> None:
    """Piped into grep or a cron mail, a table wrapped at 80 columns split a task over
    five lines, so grepping for it found a fragment."""
    title = "Follow up with أحمد الزين about the catalogue samples and the spring price list"
    crm(db_url, "contacts", "add", "أحمد الزين", "--email", "ahmad.alzein@example.com")
    assert crm(db_url, "tasks", "add", title, "--contact", "1", "--due", "2026-12-01")[0] == 0
    _, out, _ = crm(db_url, "tasks", "list")
    [row] = [line for line in out.splitlines() if "catalogue" in line]
    assert title in row and "2026-12-01" in row and row.rstrip().endswith("0")
    _, out, _ = crm(db_url, "contacts", "list")
    [row] = [line for line in out.splitlines() if "ahmad" in line]
    assert "أحمد الزين" in row and "ahmad.alzein@example.com" in row


def test_subprocess_demo_then_search_a_note_word(db_url: str) -> None:
    env = {"CRM_DB": db_url}
    assert _run("demo", env=env).returncode == 0
    result = _run("contacts", "list", "--json", "--search", "expo", env=env)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found, "a demo note mentions the Tehran expo"
    assert all("expo" in contact["notes"].lower() for contact in found)
    assert any(not contact["name"].isascii() for contact in _all(env))


def _all(env: dict[str, str]) -> list[dict[str, object]]:
    return json.loads(_run("contacts", "list", "--json", "--limit", "0", env=env).stdout)


def test_subprocess_exit_codes_and_stderr(db_url: str) -> None:
    env = {"CRM_DB": db_url}
    result = _run("contacts", "show", "ghost", env=env)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.strip() == "crm: error: no contact matches 'ghost'"


@pytest.mark.sqlite_only
def test_subprocess_says_when_it_upgrades_a_database(db_path: Path) -> None:
    import sqlite3

    connection = sqlite3.connect(db_path)
    connection.execute("UPDATE alembic_version SET version_num = '0001'")
    connection.commit()
    connection.close()
    result = _run("contacts", "list", "--json", env={"CRM_DB": str(db_path)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []  # stdout stays the command's own
    first, second = result.stderr.strip().splitlines()
    assert first.startswith("crm: upgrading the database schema 0001 -> ")
    kept = Path(second.removeprefix("crm: copy kept: "))
    assert kept.exists() and kept.name.endswith("-before-migration-0001.db")
    again = _run("contacts", "list", "--json", env={"CRM_DB": str(db_path)})
    assert again.stderr == ""  # once only


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_neither_sqlmodel_nor_textual(flag: str) -> None:
    code = (
        "import sys\n"
        "from crm_tui.cli import app\n"
        f"try:\n    app(['{flag}'])\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in ('sqlmodel', 'sqlalchemy', 'textual') if m in sys.modules]\n"
        "print('LOADED', loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "LOADED []" in result.stdout


def test_the_app_loads_the_charts_and_money_data_only_when_shown() -> None:
    """The dashboard's chart library and Babel's currency data are not part of the app's
    first paint: loaded with the dashboard and the first amount shown."""
    code = (
        "import sys\n"
        "import crm_tui.app\n"
        "print('LOADED', [m for m in ('textual_plotext', 'babel') if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "LOADED []" in result.stdout


def test_doctor_finds_and_rebuilds_a_stale_search_index(demo_url: str) -> None:
    """On either database: a row missing from the search index is found, then fixed."""
    from sqlalchemy import text

    from crm_tui.db import open_database

    assert crm(demo_url, "doctor")[0] == 0
    database = open_database(demo_url)
    with database.write() as session:
        session.execute(text("DELETE FROM contact_fts WHERE rowid = 1"))
    database.close()
    code, out, _ = crm(demo_url, "doctor")
    assert code == 1 and "1 contact rows missing from the search index" in out
    code, out, _ = crm(demo_url, "doctor", "--fix")
    assert "fixed: search index" in out
    code, out, _ = crm(demo_url, "doctor")
    assert (code, out.startswith("ok:")) == (0, True)
    _, found, _ = crm(demo_url, "contacts", "list", "--json", "--search", "expo")
    assert json.loads(found), "search works again after the rebuild"


def test_duplicates_merge_and_unmerge_from_a_script(db_url: str) -> None:
    for name, email in (("Kofi Yılmaz", "kofi@x.example"), ("Kofi Yilmaz", "KOFI@x.example")):
        assert crm(db_url, "contacts", "add", name, "--email", email)[0] == 0
    assert crm(db_url, "log", "-c", "2", "--when", "2026-11-02 10:00", "Quote call")[0] == 0
    code, out, _ = crm(db_url, "contacts", "duplicates", "--json")
    assert code == 0
    pairs = json.loads(out)
    assert len(pairs) == 1
    assert {pairs[0]["first"]["id"], pairs[0]["second"]["id"]} == {1, 2}
    assert any("kofi@x.example" in reason for reason in pairs[0]["reasons"])
    code, out, _ = crm(db_url, "contacts", "merge", "1", "2", "--json")
    assert code == 0
    merged = json.loads(out)
    assert merged["contact"]["name"] == "Kofi Yılmaz"
    assert len(merged["contact"]["emails"]) >= 1
    called = merged["contact"]["last_contacted_at"]  # the call came with the merged contact
    assert called is not None and called.startswith("2026-11-02")
    assert crm(db_url, "contacts", "show", "2")[0] == 1  # merged away
    assert json.loads(crm(db_url, "contacts", "duplicates", "--json")[1]) == []
    code, _, err = crm(db_url, "contacts", "unmerge", "2")  # the contact's id, not the merge's
    assert code == 1
    assert f"contact #2 was merged into #1 by merge #{merged['merge_id']}" in err
    code, out, _ = crm(db_url, "contacts", "unmerge", str(merged["merge_id"]))
    assert code == 0 and "Kofi Yilmaz is back" in out
    assert json.loads(crm(db_url, "contacts", "show", "2", "--json")[1])["name"] == "Kofi Yilmaz"
    assert (
        json.loads(crm(db_url, "contacts", "show", "1", "--json")[1])["last_contacted_at"] is None
    )
    code, _, err = crm(db_url, "contacts", "unmerge", str(merged["merge_id"]))
    assert code == 1 and "already undone" in err
    code, _, err = crm(db_url, "contacts", "merge", "1", "1")
    assert code == 1 and err.startswith("crm: error: ")


def test_a_path_that_cannot_be_written_is_one_line_not_a_traceback(
    db_url: str, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("")
    code, _, err = crm(db_url, "export", "contacts", "-o", str(tmp_path / "gone" / "x.csv"))
    assert (code, err) == (1, f"crm: error: cannot write {tmp_path}/gone/x.csv: no folder "
                              f"{tmp_path}/gone\n")  # fmt: skip
    code, _, err = crm(db_url, "export", "all", "-o", str(tmp_path / "a-file" / "bundle"))
    assert (code, err) == (1, f"crm: error: Not a directory ({tmp_path}/a-file/bundle)\n")


@pytest.mark.sqlite_only
def test_a_command_leaves_its_output_whole_and_its_database_closed(
    db_url: str, tmp_path: Path
) -> None:
    """What ``crm`` printed is all there once it exits (buffered, as under cron), its exit
    status kept, and its database closed (SQLite folds the WAL back into the file when the
    last connection closes)."""
    rows = "".join(f"شخص {i},p{i}@x.example\n" for i in range(3_000))
    (tmp_path / "many.csv").write_text("name,email\n" + rows, encoding="utf-8")
    command = [sys.executable, "-m", "crm_tui", "--db", db_url]
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as in cron
    done = subprocess.run(
        [*command, "import", "contacts", str(tmp_path / "many.csv")],
        capture_output=True,
        text=True,
        env=buffered,
    )
    assert (done.returncode, done.stdout) == (
        0,
        "created 3000, updated 0, skipped 0, rejected 0 (batch #1)\n",
    )
    wal = Path(db_url.removeprefix("sqlite:///") + "-wal")
    assert not wal.exists()
    done = subprocess.run(
        [*command, "export", "contacts"], capture_output=True, text=True, env=buffered
    )
    assert done.returncode == 0 and done.stdout.count("\n") == 3_001
    assert done.stdout.endswith(",,p2999@x.example\n")  # the last row, whole
    done = subprocess.run(
        [*command, "contacts", "show", "99999"], capture_output=True, text=True, env=buffered
    )
    assert done.returncode == 1 and done.stderr.startswith("crm: error:")


def test_an_export_read_by_head_stops_quietly(db_url: str, tmp_path: Path) -> None:
    """`crm export contacts | head -1` printed 'Exception ignored … Cannot operate on a
    closed database' tracebacks after the reader went away."""
    rows = "".join(f"Person {i},p{i}@x.example,{'note ' * 20}\n" for i in range(3_000))
    (tmp_path / "many.csv").write_text("name,email,notes\n" + rows, encoding="utf-8")
    assert crm(db_url, "import", "contacts", str(tmp_path / "many.csv"))[0] == 0
    export = subprocess.Popen(
        [sys.executable, "-m", "crm_tui", "--db", db_url, "export", "contacts"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert export.stdout is not None and export.stdout.readline().startswith("id,name,")
    export.stdout.close()  # as head does after its line
    _, err = export.communicate(timeout=60)
    assert export.returncode in (0, 1) and err == ""
