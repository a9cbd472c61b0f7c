"""Files crm writes and files crm is pointed at: exports are private, rejected rows are
formula-safe, and a database that is not crm's is left exactly as it was."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from crm_tui.db import Database, ensure_schema, open_database
from crm_tui.errors import DatabaseError
from tests.databases import Template


def run_crm(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``crm`` as a user runs it, under the common umask 022 (group and others may read
    what a program creates unless it says otherwise)."""
    return subprocess.run(
        [sys.executable, "-m", "crm_tui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        preexec_fn=lambda: os.umask(0o022),
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- exports and rejected rows are their owner's only ------------------------------------------


def test_every_export_is_readable_by_its_owner_only(demo_url: str, tmp_path: Path) -> None:
    """Under umask 022 every export was created 0644: the client list for anyone on the
    machine. Text and binary exports, an existing file written over, and the bundle of
    ``export all`` (the whole database)."""
    out = tmp_path / "out"
    out.mkdir()
    existing = out / "contacts.csv"
    existing.write_text("an older export\n")
    existing.chmod(0o644)
    for args in (
        ["contacts", "-o", str(existing)],
        ["contacts", "-o", str(out / "contacts.vcf")],
        ["interactions", "-o", str(out / "log.json")],
        ["tasks", "-o", str(out / "tasks.ics")],
    ):
        result = run_crm("--db", demo_url, "export", *args)
        assert result.returncode == 0, result.stderr
    written = sorted(out.iterdir())
    assert [p.name for p in written] == ["contacts.csv", "contacts.vcf", "log.json", "tasks.ics"]
    for path in written:
        assert mode(path) == 0o600, path
        assert path.stat().st_size > 100, path

    bundle = tmp_path / "new" / "bundle"
    result = run_crm("--db", demo_url, "export", "all", "-o", str(bundle))
    assert result.returncode == 0, result.stderr
    assert mode(bundle) == 0o700 and mode(bundle.parent) == 0o700
    files = sorted(bundle.iterdir())
    assert len(files) > 10 and (bundle / "manifest.json") in files
    assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}

    empty = tmp_path / "empty-folder"  # made by the user: its mode is theirs
    empty.mkdir(mode=0o755)
    empty.chmod(0o755)
    assert run_crm("--db", demo_url, "export", "all", "-o", str(empty)).returncode == 0
    assert {mode(path) for path in empty.iterdir()} == {0o600}


def test_rejected_rows_are_private_and_formula_safe(db_url: str, tmp_path: Path) -> None:
    """``--rejects`` was written 0644, and its cells as they came: a cell such as
    =HYPERLINK(…) from a web form ran as a formula when the file was opened to fix it."""
    contacts = tmp_path / "leads.csv"
    contacts.write_text(
        "name,email,=notes\n"
        "Good One,good@example.com,fine\n"
        '=HYPERLINK("http://evil.example"),not-an-email,@SUM(A1)\n'
        '+cmd,-bad,"\tTabbed"\n'
        '"\rCarriage",also bad,\'quoted\n',
        encoding="utf-8",
    )
    rejects = tmp_path / "rejected.csv"
    rejects.write_text("from yesterday\n")
    rejects.chmod(0o644)
    result = run_crm(
        "--db", db_url, "import", "contacts", str(contacts), "--skip-bad", "--rejects", str(rejects)
    )
    assert result.returncode == 3, result.stderr
    assert mode(rejects) == 0o600
    with rejects.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["line", "reason", "name", "email", "'=notes"]
    assert [row[0] for row in rows[1:]] == ["3", "4", "5"]
    cells = {row[0]: row[2:] for row in rows[1:]}
    assert cells["3"] == ['\'=HYPERLINK("http://evil.example")', "not-an-email", "'@SUM(A1)"]
    assert cells["4"] == ["'+cmd", "'-bad", "'\tTabbed"]
    assert cells["5"] == ["'\rCarriage", "also bad", "''quoted"]

    tasks = tmp_path / "tasks.csv"
    tasks.write_text("title,status\nGood task,todo\n=1+2,nonsense\n", encoding="utf-8")
    task_rejects = tmp_path / "tasks-rejected.csv"
    result = run_crm(
        "--db", db_url, "import", "tasks", str(tasks), "--skip-bad", "--rejects", str(task_rejects)
    )
    assert result.returncode == 3, result.stderr
    assert mode(task_rejects) == 0o600
    with task_rejects.open(encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle))[1][2:] == ["'=1+2", "nonsense"]


# -- a database that is not crm's -------------------------------------------------------------


def _other_programs_file(path: Path, *, wal: bool = False) -> bytes:
    connection = sqlite3.connect(path)
    if wal:
        connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
    connection.execute("INSERT INTO note (body) VALUES ('buy milk')")
    connection.commit()
    connection.close()
    return path.read_bytes()


@pytest.mark.parametrize("wal", [False, True], ids=["rollback-journal", "wal"])
def test_another_programs_sqlite_file_is_refused_and_left_as_it_was(
    tmp_path: Path, wal: bool
) -> None:
    """``crm --db other.db contacts list`` added crm's tables to another program's file."""
    other = tmp_path / "other.db"
    before = _other_programs_file(other, wal=wal)
    for args in (["contacts", "list"], ["doctor"], ["contacts", "add", "Sara"]):
        result = run_crm("--db", str(other), *args)
        assert result.returncode == 1, result.stdout
        assert result.stderr == (
            f"crm: error: {other} is not a crm database (it holds other tables: note); crm "
            "leaves it as it is: point --db (or CRM_DB) at a crm database, or at a new file "
            "to start one\n"
        )
        assert other.read_bytes() == before
        assert [p.name for p in tmp_path.iterdir()] == ["other.db"], "no -wal/-shm left"


def test_a_file_that_is_not_sqlite_is_refused_in_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database, someone's notes\n" * 10)
    before = notes.read_bytes()
    result = run_crm("--db", str(notes), "contacts", "list")
    assert result.returncode == 1
    assert result.stderr == (
        f"crm: error: {notes} is not an SQLite database (file is not a database); crm "
        "leaves it as it is: check --db (or CRM_DB)\n"
    )
    assert notes.read_bytes() == before


def test_an_empty_file_or_a_new_path_becomes_a_crm_database(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    new = tmp_path / "new.db"
    for path in (empty, new):
        result = run_crm("--db", str(path), "contacts", "add", "Sara")
        assert result.returncode == 0, result.stderr
        assert run_crm("--db", str(path), "contacts", "list").stdout.count("Sara") == 1
    assert mode(new) == 0o600


def test_a_database_with_other_tables_is_refused_on_either_backend(tmp_path: Path) -> None:
    """The same refusal on PostgreSQL: a database with tables, none of them crm's."""
    template = Template(tmp_path, "foreign")
    engine = sa.create_engine(template.url, poolclass=sa.NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE invoice (id INTEGER PRIMARY KEY)"))
        with pytest.raises(DatabaseError, match=r"is not a crm database \(.*invoice"):
            open_database(template.url)
        assert sa.inspect(engine).get_table_names() == ["invoice"]
    finally:
        engine.dispose()
        template.drop()


@pytest.mark.sqlite_only  # an SQLite file; PostgreSQL's way in is the test above
def test_the_schema_check_itself_refuses_a_foreign_database(tmp_path: Path) -> None:
    """``ensure_schema`` refuses too (PostgreSQL's way in, and any caller on SQLite that
    opened its own engine), before a migration adds a table."""
    path = tmp_path / "other.db"
    _other_programs_file(path)
    url = f"sqlite:///{path}"
    database = Database(url, sa.create_engine(url, poolclass=sa.NullPool))
    try:
        with pytest.raises(DatabaseError, match="is not a crm database"):
            ensure_schema(database)
    finally:
        database.close()
    connection = sqlite3.connect(path)
    tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master")]
    connection.close()
    assert tables == ["note"]


def test_an_export_to_a_device_or_a_pipe_writes_into_it_and_leaves_it_be(
    db_url: str, tmp_path: Path
) -> None:
    """`crm export … -o /dev/null` renamed its finished file over the device: as root,
    /dev/null became a regular file for the whole machine."""
    import stat
    import threading

    from tests.test_cli import crm

    crm(db_url, "contacts", "add", "Sara", "--email", "sara@example.com")
    folder = tmp_path / "out"
    folder.mkdir()
    pipe = folder / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    code, _, err = crm(db_url, "export", "contacts", "-o", str(pipe))
    reader.join(timeout=30)
    assert code == 0, err
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert b"sara@example.com" in received[0]
    assert [p.name for p in folder.iterdir()] == ["pipe"]  # no partial left beside it


def test_no_export_or_rejects_file_is_written_over_the_database(tmp_path: Path) -> None:
    """`crm export contacts -o crm.db` (or `--rejects crm.db`) wrote its CSV over the very
    database it came from, and said it had worked: the next command found no database."""
    db = tmp_path / "crm.db"
    assert (
        run_crm("--db", str(db), "contacts", "add", "Sara", "--email", "s@x.example").returncode
        == 0
    )
    good = tmp_path / "good.csv"
    good.write_text("name,email\nAli,ali@x.example\n", encoding="utf-8")
    before = db.read_bytes()
    attempts = [
        ("export", "contacts", "-o", str(db)),
        ("export", "deals", "-o", f"{db}-wal"),
        ("export", "all", "-o", str(db)),
        ("import", "contacts", str(good), "--rejects", str(db)),
        ("import", "interactions", str(good), "--rejects", "crm.db"),  # the same, relative
    ]
    for args in attempts:
        result = run_crm("--db", str(db), *args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and "crm.db" in result.stderr, result.stderr
        assert db.read_bytes() == before, args
    listed = run_crm("--db", str(db), "contacts", "list", "--json")
    assert [row["name"] for row in json.loads(listed.stdout)] == ["Sara"]


def test_rejects_of_a_run_without_bad_rows_leave_no_older_ones(tmp_path: Path) -> None:
    """A cron line's --rejects kept the bad rows of the run before when a run had none."""
    db, rejects = tmp_path / "crm.db", tmp_path / "rejects.csv"
    rejects.write_text("line,reason,name\n2,from yesterday,X\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("name,email\nAli,ali@x.example\n", encoding="utf-8")
    result = run_crm("--db", str(db), "import", "contacts", str(good), "--rejects", str(rejects))
    assert result.returncode == 0, result.stderr
    assert rejects.read_text(encoding="utf-8").splitlines() == ["line,reason"]
    assert mode(rejects) == 0o600
    # A dry run with nothing rejected leaves it be; the file imported is never written over.
    rejects.write_text("kept\n", encoding="utf-8")
    dry = run_crm(
        "--db", str(db), "import", "contacts", str(good), "--dry-run", "--rejects", str(rejects)
    )
    assert dry.returncode == 0 and rejects.read_text(encoding="utf-8") == "kept\n"
    before = good.read_bytes()
    for kind in ("contacts", "tasks"):
        into_itself = run_crm("--db", str(db), "import", kind, str(good), "--rejects", str(good))
        assert into_itself.returncode == 2 and "the file being imported" in into_itself.stderr
    assert good.read_bytes() == before


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("fmt", ["csv", "json", "vcard"])
def test_an_export_to_a_full_disk_fails_in_one_line(tmp_path: Path, fmt: str) -> None:
    """`crm export contacts > file` on a full disk exited 0 with an empty file: a small
    export was still buffered when the command ended, and its failed write went unsaid."""
    db = tmp_path / "crm.db"
    assert run_crm("--db", str(db), "contacts", "add", "Sara").returncode == 0
    with Path("/dev/full").open("w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "crm_tui", "--db", str(db), "export", "contacts", "-f", fmt],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 1
    assert result.stderr == "crm: error: cannot write the output: No space left on device\n"


def test_a_path_crm_cannot_write_or_a_missing_folder_is_said_as_asked(tmp_path: Path) -> None:
    """`export -o /proc/version` named crm's own partial file ("/proc/.version.123.partial")
    in its error; `backup list --dir` a folder that is not there said "no backups yet"."""
    db = tmp_path / "crm.db"
    assert run_crm("--db", str(db), "contacts", "add", "Sara").returncode == 0
    if Path("/proc/version").exists():
        result = run_crm("--db", str(db), "export", "contacts", "-o", "/proc/version")
        assert (result.returncode, result.stderr) == (
            1,
            "crm: error: cannot write /proc/version: No such file or directory\n",
        )
    missing = tmp_path / "nowhere"
    result = run_crm("--db", str(db), "backup", "list", "--dir", str(missing))
    assert (result.returncode, result.stderr) == (1, f"crm: error: no folder {missing}\n")
    result = run_crm("--db", str(db), "backup", "list")  # the usual folder, not made yet
    assert (result.returncode, result.stdout) == (0, "no backups yet: crm backup\n")


def test_an_export_to_stdout_keeps_its_rows_there_when_stderr_is_a_terminal(
    tmp_path: Path,
) -> None:
    """With a progress bar on the terminal, Rich sent what the export wrote to stdout to the
    bar's console: `crm export contacts > out.csv` left out.csv empty."""
    import pty

    db = tmp_path / "crm.db"
    assert (
        run_crm("--db", str(db), "contacts", "add", "Sara", "--email", "s@x.example").returncode
        == 0
    )
    leader, follower = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "crm_tui", "--db", str(db), "export", "contacts"],
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=120,
            check=False,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert result.returncode == 0
    assert b"s@x.example" in result.stdout and result.stdout.startswith(b"id,name,")
