"""Backup, restore and doctor: what a nightly cron job relies on."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from crm_tui.cli import app
from crm_tui.io.backup import backups, describe, make_backup, sha256
from tests.cli_runner import CliRunner
from tests.conftest import in_mount_namespace

pytestmark = pytest.mark.sqlite_only  # PostgreSQL: see test_team.py (pg_dump)
runner = CliRunner()


def crm(db_path: Path | str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db_path), *args])
    return result.exit_code, result.stdout, result.stderr


def dump(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    lines = [line for line in connection.iterdump() if "sqlite_sequence" not in line]
    connection.close()
    return lines


def _corrupted(data: bytes) -> bytes:
    """Scribble over every page but the first (the header must survive to be opened)."""
    damaged = bytearray(data)
    for offset in range(4096, len(damaged) - 512, 4096):
        damaged[offset + 8 : offset + 208] = b"\x00\x13" * 100
    return bytes(damaged)


def test_backup_is_verified_checksummed_private_and_rotated(
    demo_db: object, local_zone: Callable[[str], None]
) -> None:
    source = Path(str(demo_db.path))  # type: ignore[attr-defined]
    old = os.umask(0o022)
    try:
        made = []
        for _ in range(5):
            code, out, _ = crm(source, "backup", "--keep", "3")
            assert code == 0
            made.append(Path(out.strip()))
    finally:
        os.umask(old)
    folder = source.parent / "backups"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    kept = backups(folder)
    assert kept == made[-3:], "the three newest remain"
    for path in kept:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        digest, name = Path(f"{path}.sha256").read_text().split()
        assert (digest, name) == (sha256(path), path.name)
    assert not list(folder.glob(".*")), "no partial or side files left behind"
    local_zone("Asia/Tehran")  # 03:30 ahead of the UTC the times are recorded in
    _, out, _ = crm(source, "backup", "list")
    recorded = datetime.fromisoformat(describe(kept[0]).created_at)
    assert out.startswith(f"{recorded.astimezone():%Y-%m-%d %H:%M}  ")
    assert f"{recorded:%Y-%m-%d %H:%M}" not in out
    code, out, _ = crm(source, "backup", "list", "--json")
    import json

    listed = json.loads(out)
    assert [item["checksum_ok"] for item in listed] == [True, True, True]
    assert all(item["verified"] for item in listed)


def test_restore_round_trip_keeps_the_current_database(demo_db: object) -> None:
    source = Path(str(demo_db.path))  # type: ignore[attr-defined]
    demo_db.close()  # type: ignore[attr-defined]
    code, out, _ = crm(source, "backup", "--gzip")
    backup = Path(out.strip())
    before = dump(source)
    crm(source, "contacts", "add", "Added after the backup")
    assert dump(source) != before
    code, _, err = crm(source, "restore", str(backup))
    assert code == 1 and "--yes" in err, "no terminal: refuses without --yes"
    code, out, _ = crm(source, "restore", str(backup), "--yes")
    assert code == 0, out
    assert dump(source) == before
    assert not Path(f"{source}-wal").exists() or Path(f"{source}-wal").stat().st_size == 0
    kept = [p for p in backups(source.parent / "backups") if "before-restore" in p.name]
    assert len(kept) == 1
    connection = sqlite3.connect(kept[0])
    names = [row[0] for row in connection.execute("SELECT name FROM contact")]
    connection.close()
    assert "Added after the backup" in names


def test_a_damaged_backup_is_refused_by_restore(demo_db: object, tmp_path: Path) -> None:
    source = Path(str(demo_db.path))  # type: ignore[attr-defined]
    info = make_backup(source)
    damaged = Path(info.path)
    damaged.write_bytes(_corrupted(damaged.read_bytes()))
    code, _, err = crm(source, "restore", str(damaged), "--yes")
    assert code == 1 and "does not match its checksum" in err
    Path(f"{damaged}.sha256").write_text(f"{sha256(damaged)}  {damaged.name}\n")
    Path(f"{damaged}.json").unlink()
    code, _, err = crm(source, "restore", str(damaged), "--yes")
    assert code == 1 and "damaged" in err


def _damage_an_index(path: Path) -> None:
    """Scribble over one index's first page: the file opens and its tables read, but
    integrity_check fails (what a disk error or a copy of a live file leaves)."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (page,) = connection.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'ix_contact_live_name'"
    ).fetchone()
    (size,) = connection.execute("PRAGMA page_size").fetchone()
    connection.close()
    with path.open("r+b") as handle:
        handle.seek((page - 1) * size + 8)
        handle.write(b"\x00\x13" * 100)


def test_a_damaged_database_is_said_so_in_a_few_lines_and_can_be_restored(
    demo_db: object,
) -> None:
    """Backing up a damaged file printed SQLite's every complaint (a hundred lines) as "the
    copy failed verification", and restore refused to replace it for the same reason."""
    source = Path(str(demo_db.path))  # type: ignore[attr-defined]
    demo_db.close()  # type: ignore[attr-defined]
    code, out, _ = crm(source, "backup")
    backup = Path(out.strip())
    before = dump(source)
    _damage_an_index(source)
    damaged = source.read_bytes()
    code, _, err = crm(source, "backup")
    assert code == 1 and f"the database {source} is damaged" in err, err
    assert "crm restore" in err and len(err.splitlines()) <= 3, err
    code, out, _ = crm(source, "doctor", "--full")
    assert code == 1 and "*** in database" not in out
    assert 1 < len(out.splitlines()) <= 21, out
    code, out, err = crm(source, "restore", str(backup), "--yes")
    assert code == 0, err
    assert dump(source) == before
    kept = [p for p in (source.parent / "backups").iterdir() if p.name.endswith("-damaged.db")]
    assert len(kept) == 1 and kept[0].read_bytes() == damaged
    assert f"kept as it was: {kept[0]}" in out
    assert stat.S_IMODE(kept[0].stat().st_mode) == 0o600


def test_a_damaged_database_is_not_upgraded(demo_db: object) -> None:
    """Opening a file of an older schema backs it up first; a damaged one cannot be, and is
    left as it is with the way out named (``crm restore`` does not need to open it)."""
    source = Path(str(demo_db.path))  # type: ignore[attr-defined]
    demo_db.close()  # type: ignore[attr-defined]
    connection = sqlite3.connect(source)
    connection.execute("UPDATE alembic_version SET version_num = '0005'")
    connection.commit()
    connection.close()
    _damage_an_index(source)
    code, _, err = crm(source, "contacts", "list")
    assert code == 1 and "is damaged" in err and "crm restore" in err, err
    assert len(err.splitlines()) <= 3, err


def test_restore_of_a_backups_side_file_names_the_backup(demo_db: object) -> None:
    """``ls -t backups/* | head -1`` picks the checksum or notes written after the copy."""
    source = Path(str(demo_db.path))  # type: ignore[attr-defined]
    backup = Path(make_backup(source).path)
    for side in (f"{backup}.json", f"{backup}.sha256"):
        code, _, err = crm(source, "restore", side, "--yes")
        assert code == 1
        assert f"{Path(side).name} describes a backup: restore {backup} itself" in err


def test_doctor_finds_interactions_dated_in_the_future(db_url: str) -> None:
    """Logged before crm refused such times, they keep a contact "last contacted" ahead."""
    from crm_tui.db import open_database
    from crm_tui.models import Interaction

    crm(db_url, "contacts", "add", "Sara")
    assert crm(db_url, "log", "-c", "1", "--when", "2026-11-02 10:00", "Quote call")[0] == 0
    assert crm(db_url, "doctor")[0] == 0
    database = open_database(db_url)
    with database.write() as session:  # as an older crm let it be written
        session.execute(update(Interaction).values(occurred_at=datetime(2099, 1, 1, tzinfo=UTC)))
    database.close()
    code, out, _ = crm(db_url, "doctor")
    assert code == 1
    assert "problem: 1 interaction dated in the future (#1 on 2099-01-01): edit" in out


def test_doctor_finds_a_damaged_file_and_a_stale_index(tmp_path: Path, demo_db: object) -> None:
    source = Path(str(demo_db.path))  # type: ignore[attr-defined]
    demo_db.close()  # type: ignore[attr-defined]
    code, out, _ = crm(source, "doctor")
    assert code == 0 and out.startswith("ok")
    connection = sqlite3.connect(source)
    connection.execute("DELETE FROM contact_fts WHERE rowid IN (1, 2)")
    connection.commit()
    connection.close()
    code, out, _ = crm(source, "doctor")
    assert code == 1 and "2 contact rows missing from the search index" in out
    code, out, _ = crm(source, "doctor", "--fix")
    assert code == 0 and out.startswith("fixed: search index")
    assert crm(source, "doctor")[0] == 0
    source.chmod(0o644)
    code, out, _ = crm(source, "doctor")
    assert code == 1 and "readable by others" in out
    crm(source, "doctor", "--fix")
    assert stat.S_IMODE(source.stat().st_mode) == 0o600
    copy = tmp_path / "damaged.db"
    copy.write_bytes(_corrupted(source.read_bytes()))
    result = subprocess.run(
        [sys.executable, "-m", "crm_tui", "--db", str(copy), "doctor", "--full"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


WRITER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("CREATE TABLE IF NOT EXISTS beat (n INTEGER, filler TEXT)")
batch = 0
while True:
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany("INSERT INTO beat VALUES (?, ?)",
                           [(batch, "x" * 200) for _ in range(10)])
    connection.execute("COMMIT")
    batch += 1
"""


def test_backup_while_another_process_writes(db_path: Path, tmp_path: Path) -> None:
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path)])
    try:
        time.sleep(0.5)
        for _ in range(3):
            info = make_backup(db_path, tmp_path / "backups")
            connection = sqlite3.connect(info.path)
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            count, batches = connection.execute(
                "SELECT count(*), count(DISTINCT n) FROM beat"
            ).fetchone()
            connection.close()
            assert count > 0 and count == 10 * batches, "a committed state, whole batches only"
    finally:
        writer.kill()
        writer.wait()


def test_killed_backup_leaves_no_partial_under_a_final_name(tmp_path: Path) -> None:
    big = tmp_path / "big.db"
    connection = sqlite3.connect(big)
    connection.execute("CREATE TABLE blob (data BLOB)")
    connection.executemany(
        "INSERT INTO blob VALUES (?)", [(os.urandom(4096),) for _ in range(60_000)]
    )
    connection.commit()
    connection.close()
    folder = tmp_path / "backups"
    first = Path(make_backup(big, folder).path)
    digest = sha256(first)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from crm_tui.io.backup import make_backup;"
            "make_backup(Path(sys.argv[1]), Path(sys.argv[2]))",
            str(big),
            str(folder),
        ]
    )
    deadline = time.monotonic() + 30
    while not list(folder.glob(".*.partial")) and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert backups(folder) == [first]
    assert sha256(first) == digest
    left = list(folder.glob(".*.partial"))
    assert left, "the killed run left its partial copy"
    second = Path(make_backup(big, folder).path)
    assert backups(folder) == [first, second]
    assert not [p for p in left if p.exists()], "the next backup removed the killed run's copy"


def test_restore_refuses_while_the_database_is_open_elsewhere(demo_db: object) -> None:
    source = Path(str(demo_db.path))  # type: ignore[attr-defined]
    backup = make_backup(source).path
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1]);"
            "c.execute('select 1 from contact').fetchall(); time.sleep(30)",
            str(source),
        ]
    )
    try:
        time.sleep(0.5)
        code, _, err = crm(source, "restore", backup, "--yes")
    finally:
        holder.kill()
        holder.wait()
    if not Path("/proc").is_dir():
        pytest.skip("open-file detection needs /proc")
    assert code == 1 and "open in another process" in err


# -- whatever state the files are in -----------------------------------------------------------


def run_crm(*args: str) -> subprocess.CompletedProcess[str]:
    """``crm`` as cron runs it: a process of its own, its exit status and stderr as they are."""
    return subprocess.run(
        [sys.executable, "-m", "crm_tui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _hidden(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*")) if folder.is_dir() else []


@pytest.mark.parametrize("state", ["truncated", "random bytes", "text", "missing"])
def test_restore_works_whatever_state_the_current_file_is_in(demo_db: object, state: str) -> None:
    """Restore is needed most when the database is broken, and it printed a traceback and
    restored nothing when the file was truncated, overwritten or not SQLite at all."""
    source = Path(str(demo_db.path))  # type: ignore[attr-defined]
    demo_db.close()  # type: ignore[attr-defined]
    backup = Path(make_backup(source).path)
    before = dump(source)
    data = source.read_bytes()
    for side in ("-wal", "-shm"):
        Path(f"{source}{side}").unlink(missing_ok=True)
    current = {
        "truncated": data[: len(data) // 3],
        "random bytes": os.urandom(len(data)),
        "text": b"Notes for Monday: call Sara\n" * 20,
        "missing": None,
    }[state]
    if current is None:
        source.unlink()
    else:
        source.write_bytes(current)
    result = run_crm("--db", str(source), "restore", str(backup), "--yes")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert dump(source) == before
    folder = source.parent / "backups"
    kept = [p for p in folder.iterdir() if p.name.endswith("-damaged.db")]
    restored = f"restored {backup.name} into {source}"
    if current is None:
        assert result.stdout == f"{restored}\n" and kept == []
    else:
        assert len(kept) == 1 and kept[0].read_bytes() == current
        assert stat.S_IMODE(kept[0].stat().st_mode) == 0o600
        assert result.stdout == (
            f"{restored}; the previous file was damaged and is kept as it was: {kept[0]}\n"
        )
    assert _hidden(folder) == [] and _hidden(source.parent) == [], "no partial file left"


def test_restore_still_checks_the_backup_first(demo_db: object, tmp_path: Path) -> None:
    """Onto a broken database only a sound crm backup goes; the broken file stays put."""
    source = Path(str(demo_db.path))  # type: ignore[attr-defined]
    demo_db.close()  # type: ignore[attr-defined]
    other = tmp_path / "other.db"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE note (body TEXT)")
    connection.commit()
    connection.close()
    foreign = Path(make_backup(other, tmp_path / "elsewhere").path)
    source.write_bytes(b"garbage" * 1000)
    result = run_crm("--db", str(source), "restore", str(foreign), "--yes")
    assert result.returncode == 1
    assert result.stderr == (
        f"crm: error: {foreign.name} is not a crm database this version can open\n"
    )
    assert source.read_bytes() == b"garbage" * 1000


def _folder_for_a_directory(tmp_path: Path, source: Path) -> list[str]:
    (tmp_path / "a-folder").mkdir()
    return ["--db", str(tmp_path / "a-folder"), "backup"]


def _garbage(tmp_path: Path, source: Path) -> list[str]:
    (tmp_path / "garbage.db").write_bytes(os.urandom(50_000))
    return ["--db", str(tmp_path / "garbage.db"), "backup"]


def _text(tmp_path: Path, source: Path) -> list[str]:
    (tmp_path / "notes.db").write_text("call Sara on Monday\n" * 50)
    return ["--db", str(tmp_path / "notes.db"), "backup"]


def _truncated(tmp_path: Path, source: Path) -> list[str]:
    data = source.read_bytes()
    source.write_bytes(data[: len(data) // 2])
    return ["--db", str(source), "backup"]


def _scribbled(tmp_path: Path, source: Path) -> list[str]:
    source.write_bytes(_corrupted(source.read_bytes()))
    return ["--db", str(source), "backup"]


def _folder_under_a_file(tmp_path: Path, source: Path) -> list[str]:
    (tmp_path / "a-file").write_text("")
    return ["--db", str(source), "backup", "--dir", str(tmp_path / "a-file" / "backups")]


def _folder_is_a_file(tmp_path: Path, source: Path) -> list[str]:
    (tmp_path / "a-file").write_text("")
    return ["--db", str(source), "backup", "--dir", str(tmp_path / "a-file")]


@pytest.mark.parametrize(
    ("arrange", "said"),
    [
        (_folder_for_a_directory, "a-folder is not a database file (a folder?): check the path"),
        (_garbage, "garbage.db is not an SQLite database (file is not a database)"),
        (_text, "notes.db is not an SQLite database (file is not a database)"),
        (_truncated, "demo.db is damaged (database disk image is malformed); restore a backup"),
        (_scribbled, "demo.db is damaged ("),
        (_folder_under_a_file, "cannot keep backups in "),
        (_folder_is_a_file, "a-file: it is a file"),
    ],
    ids=["db-is-a-folder", "random-bytes", "text", "truncated", "damaged", "dir-under-a-file",
         "dir-is-a-file"],
)  # fmt: skip
def test_a_backup_that_cannot_be_made_says_why_in_one_line(
    demo_db: object, tmp_path: Path, arrange: Callable[[Path, Path], list[str]], said: str
) -> None:
    """Each of these printed a traceback (and exit 1 by accident) to the cron job's mail."""
    source = Path(str(demo_db.path))  # type: ignore[attr-defined]
    demo_db.close()  # type: ignore[attr-defined]
    result = run_crm(*arrange(tmp_path, source))
    assert result.returncode == 1
    assert result.stderr.startswith("crm: error: ") and result.stderr.count("\n") == 1, (
        result.stderr
    )
    assert said in result.stderr
    assert result.stdout == ""
    assert backups(source.parent / "backups") == []


def _backup_onto_a_mount(
    source: Path, folder: Path, options: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """``crm backup --dir FOLDER`` with a tmpfs mounted on FOLDER (``options``: "size=…" or
    "ro") in a mount namespace of the process's own, so nothing outside it sees the mount;
    returns the result and what FOLDER held afterwards (the mount goes with the process)."""
    script = (
        'folder="$1" options="$2"; shift 2\n'
        'mount -t tmpfs -o "${options#ro}" tmpfs "$folder" 2>/dev/null || exit 97\n'
        'if [ "$options" = ro ]; then mount -o remount,ro "$folder" || exit 97; fi\n'
        '"$@"; status=$?\n'
        'ls -A "$folder"; exit $status\n'
    )
    folder.mkdir()
    result = in_mount_namespace(
        script, str(folder), options, sys.executable, "-m", "crm_tui", "--db", str(source),
        "backup", "--dir", str(folder),
    )  # fmt: skip
    return result, result.stdout.split()


def test_a_full_disk_is_one_line_and_leaves_nothing(demo_db: object, tmp_path: Path) -> None:
    """The backup folder on a file system too small for the copy."""
    source = Path(str(demo_db.path))  # type: ignore[attr-defined]
    demo_db.close()  # type: ignore[attr-defined]
    folder = tmp_path / "small"
    result, left = _backup_onto_a_mount(source, folder, f"size={source.stat().st_size // 2}")
    assert result.returncode == 1
    assert result.stderr == (
        f"crm: error: cannot write the backup in {folder}: no space left on the device\n"
    )
    assert left == [], "the partial copy is removed"


def test_a_read_only_backup_folder_is_one_line(demo_db: object, tmp_path: Path) -> None:
    """Even root cannot write a read-only file system (chmod would not stop root)."""
    source = Path(str(demo_db.path))  # type: ignore[attr-defined]
    demo_db.close()  # type: ignore[attr-defined]
    folder = tmp_path / "read-only"
    result, left = _backup_onto_a_mount(source, folder, "ro")
    assert result.returncode == 1
    assert result.stderr == f"crm: error: cannot keep backups in {folder}: Read-only file system\n"
    assert left == []


def test_no_space_while_compressing_is_one_line(
    demo_db: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC raised by a write of the backup (here the gzip step's, patched: a disk that
    fills at that moment) is one line, and the half-written files are gone."""
    import errno
    import gzip

    source = Path(str(demo_db.path))  # type: ignore[attr-defined]
    folder = tmp_path / "backups"

    def full(self: object, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(gzip.GzipFile, "write", full)
    code, out, err = crm(source, "backup", "--gzip", "--dir", str(folder))
    assert (code, out) == (1, "")
    assert err == f"crm: error: cannot write the backup in {folder}: No space left on device\n"
    assert list(folder.iterdir()) == []


def _partial(folder: Path, name: str, *, age: float = 0) -> Path:
    path = folder / name
    path.write_bytes(b"\0" * 4096)
    path.chmod(0o600)
    if age:
        then = time.time() - age
        os.utime(path, (then, then))
    return path


def test_a_killed_backups_leftovers_are_noted_by_doctor_and_removed_by_the_next_backup(
    db_path: Path,
) -> None:
    """A backup killed half-way (OOM, a reboot, a cron timeout) left a hidden copy as large
    as the database, which no later backup removed and nothing reported."""
    folder = db_path.parent / "backups"
    folder.mkdir(mode=0o700)
    finished = subprocess.Popen([sys.executable, "-c", ""])
    finished.wait()  # a pid no process has now: its writer was killed
    dead = finished.pid
    stamp = "20260101T020000.000000Z"
    stale = [
        _partial(folder, f".crm-{stamp}.db.{dead}.partial"),
        _partial(folder, f".crm-{stamp}.db.gz.{dead}.partial"),
        _partial(folder, f".crm-{stamp}.db.sha256.{dead}.partial"),
        _partial(folder, f".crm-{stamp}.db.{dead}.partial-journal"),  # SQLite's, beside it
        _partial(folder, f".crm-{stamp}.db.partial.gz", age=7200),  # an older crm's, no pid
    ]
    live = [
        _partial(folder, f".crm-{stamp}.db.{os.getpid()}.partial"),  # still being written
        _partial(folder, f".crm-{stamp}.db.partial", age=60),  # an older crm's, just now
        _partial(folder, f".other-{stamp}.db.{dead}.partial"),  # another database's
    ]
    result = run_crm("--db", str(db_path), "doctor")
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == "ok: integrity, schema, search index, links and permissions"
    assert lines[1].startswith(f"note: 5 unfinished backup files left in {folder} by a backup ")
    assert len(lines) == 2 and all(path.exists() for path in stale)

    result = run_crm("--db", str(db_path), "backup")
    assert result.returncode == 0, result.stderr
    assert [path for path in stale if path.exists()] == []
    assert all(path.exists() for path in live)
    result = run_crm("--db", str(db_path), "doctor")
    assert (result.returncode, result.stdout.count("note:")) == (0, 0), result.stdout

    again = _partial(folder, f".crm-{stamp}.db.{dead}.partial")
    result = run_crm("--db", str(db_path), "doctor", "--fix")
    assert result.returncode == 0
    assert f"fixed: removed {again}, left by a backup that was stopped" in result.stdout
    assert not again.exists()


@pytest.mark.parametrize("compress", [False, True])
def test_a_backup_tells_each_step_as_it_goes(db_path: Path, compress: bool) -> None:
    """`crm backup --gzip` of a large database showed nothing for seconds on a terminal:
    each step is now told, as a bar that pulses (the steps have no measure)."""
    assert crm(db_path, "contacts", "add", "Sara")[0] == 0
    told: list[tuple[str, int, int]] = []
    make_backup(db_path, compress=compress, progress=lambda *step: told.append(step))
    steps = ["copying the database", "checking the copy"]
    steps += ["compressing the copy"] if compress else []
    assert told == [(step, 0, 0) for step in [*steps, "writing the copy out"]]
