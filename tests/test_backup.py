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
from typer.testing import CliRunner

from crm_tui.cli import app
from crm_tui.io.backup import backups, describe, make_backup, sha256

pytestmark = pytest.mark.sqlite_only  # PostgreSQL: see test_team.py (pg_dump)
runner = CliRunner()


def crm(db_path: Path, *args: str) -> tuple[int, str, str]:
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
    second = Path(make_backup(big, folder).path)
    assert backups(folder) == [first, second]


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
