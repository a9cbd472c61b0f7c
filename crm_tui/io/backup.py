"""Backups of the SQLite file that a nightly cron job can trust, and restoring one.

A backup is an online copy through SQLite's backup API (consistent even while the app or an
import writes), written under a temporary name, fsynced, checked (``integrity_check`` and
the row count of every table against the snapshot it copied), given a SHA-256 sidecar, and
only then renamed into place. Old backups are rotated away after that, never before.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from crm_tui.errors import CrmError, ValidationError
from crm_tui.migrations import KNOWN_REVISIONS

NAME = re.compile(
    r"^(?P<stem>.+)-(?P<stamp>\d{8}T\d{6}(?:\.\d{6})?Z)(?P<kind>-[a-z0-9-]+)?\.db(\.gz)?$"
)
CHUNK = 1 << 20


class BackupError(CrmError):
    """A backup could not be made or verified; nothing under a final name was changed."""


class DamagedDatabaseError(BackupError):
    """The database itself fails SQLite's integrity check, so no copy of it verifies."""


@dataclass
class BackupInfo:
    path: str
    created_at: str
    size: int
    sha256: str
    verified: bool
    checksum_ok: bool | None = None
    tables: dict[str, int] = field(default_factory=dict)


# -- small file helpers ---------------------------------------------------------------------


def private_dir(path: Path) -> Path:
    """``path`` as a folder only its owner can enter (created, or tightened if ours)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(PermissionError):
        if stat.S_IMODE(path.stat().st_mode) != 0o700 and path.stat().st_uid == os.getuid():
            path.chmod(0o700)
    return path


def private_file(path: Path, *, empty: bool = True) -> Path:
    """Create ``path`` readable and writable by its owner only, whatever the umask: every
    file holding the business's data (the database, backups, exports, rejected rows).

    ``empty``: truncate it, and tighten the mode of one left behind by an older run (its
    content is about to be replaced, so it is ours to rewrite); otherwise an existing
    file (the database itself) is only opened, its bytes and mode as they were.
    """
    flags = os.O_CREAT | os.O_WRONLY | (os.O_TRUNC if empty else 0)
    fd = os.open(path, flags, 0o600)
    try:
        if empty:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path


def partial_path(path: Path) -> Path:
    """Where ``path`` is written before it is whole: hidden, and named for this process so
    that a later run tells a file a live writer is filling from one a killed run left."""
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _write_private(path: Path, text: str) -> None:
    partial = private_file(partial_path(path))
    try:
        partial.write_text(text, encoding="utf-8")
        _fsync(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


# -- making a backup ------------------------------------------------------------------------


def _tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
    )
    return [name for (name,) in rows]


def table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    return {
        t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
        for t in _tables(connection)
    }


def read_only_uri(path: Path, *, immutable: bool = False) -> str:
    """An SQLite URI opening ``path`` read-only (any character in the name, ? and # too).

    ``immutable``: without locking, and without the -wal and -shm files a read-only reader
    of a WAL database otherwise creates and leaves behind; only for a file no one else is
    writing, whose WAL (if any) holds nothing (its content would not be seen)."""
    return f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")


def copy_database(source: Path, target: Path) -> dict[str, int]:
    """Copy ``source`` into the new file ``target`` through the backup API, in one step.

    The row counts are read in the same read transaction the copy is made from, so they
    describe exactly the snapshot the copy holds.
    """
    private_file(target)
    reader = sqlite3.connect(read_only_uri(source), uri=True, timeout=30, isolation_level=None)
    writer = sqlite3.connect(target)
    try:
        reader.execute("BEGIN")
        counts = table_counts(reader)
        reader.backup(writer)
        reader.execute("COMMIT")
        # A standalone file: no -wal/-shm beside a backup (opening it turns WAL back on).
        writer.execute("PRAGMA journal_mode=DELETE")
    finally:
        writer.close()
        reader.close()
    return counts


def integrity_problems(rows: Iterable[str]) -> list[str]:
    """SQLite's answer to ``integrity_check``/``quick_check`` as one problem a line (none
    for "ok"): it gives one row a problem, or one row of many lines under a heading."""
    lines = [line.strip() for row in rows for line in row.splitlines()]
    problems = [line for line in lines if line and not line.startswith("*** in database")]
    return [] if problems == ["ok"] else problems


def summary(problems: Sequence[str], shown: int = 3) -> str:
    more = len(problems) - shown
    return "; ".join(problems[:shown]) + (f" (and {more} more)" if more > 0 else "")


NOT_SQLITE = "file is not a database"  # SQLite's own words for SQLITE_NOTADB


def is_damage(error: sqlite3.Error) -> bool:
    """The error says the file's bytes are wrong (rather than busy, missing or unwritable)."""
    name = getattr(error, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))


def damage(path: Path) -> list[str]:
    """What ``quick_check`` finds wrong with the database at ``path`` (nothing: sound, or
    not known to be damaged: busy, unreadable)."""
    try:
        connection = sqlite3.connect(read_only_uri(path), uri=True, timeout=30)
    except sqlite3.Error as error:
        return [str(error)] if is_damage(error) else []
    try:
        return integrity_problems(row[0] for row in connection.execute("PRAGMA quick_check"))
    except sqlite3.Error as error:
        return [str(error)] if is_damage(error) else []
    finally:
        connection.close()


def damaged_message(path: Path, problems: Sequence[str]) -> str:
    if NOT_SQLITE in problems:
        return (
            f"{path} is not an SQLite database ({NOT_SQLITE}): check the path (--db, "
            "CRM_DB), or restore a backup (crm backup list, then crm restore FILE)"
        )
    return (
        f"the database {path} is damaged ({summary(problems)}); restore a backup "
        f"(crm backup list, then crm restore FILE) or salvage its rows with: "
        f"sqlite3 {path} .recover | sqlite3 recovered.db"
    )


def verify(path: Path, expected: dict[str, int] | None = None) -> list[str]:
    """Problems with a database file: integrity, and row counts differing from ``expected``."""
    try:
        connection = sqlite3.connect(read_only_uri(path), uri=True)
    except sqlite3.Error as error:
        return [f"cannot open {path.name}: {error}"]
    try:
        found = integrity_problems(row[0] for row in connection.execute("PRAGMA integrity_check"))
        problems = [f"integrity_check: {summary(found)}"] if found else []
        if expected is not None and not problems:
            counts = table_counts(connection)
            problems += [
                f"{table}: {counts.get(table)} rows, the source had {rows}"
                for table, rows in expected.items()
                if counts.get(table) != rows
            ]
    except sqlite3.DatabaseError as error:
        problems = [f"not a readable database: {error}"]
    finally:
        connection.close()
    return problems


def _compress(path: Path, packed: Path) -> Path:
    private_file(packed)
    with path.open("rb") as raw, gzip.open(packed, "wb", compresslevel=6) as out:
        shutil.copyfileobj(raw, out, CHUNK)
    path.unlink()
    return packed


def backup_name(stem: str, kind: str = "") -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    return f"{stem}-{stamp}{kind}.db"


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def make_backup(
    source: Path,
    folder: Path | None = None,
    *,
    compress: bool = False,
    kind: str = "",
    progress: Callable[[str, int, int], None] | None = None,
) -> BackupInfo:
    """Copy, verify, checksum and publish a backup of ``source``; returns what was made.
    ``progress`` is told each step (what, 0, 0: a step without a measure).

    Whatever fails (a damaged or foreign source, a full disk, a folder that cannot be
    written) is a ``BackupError`` saying so in a line, with nothing left under a final name.
    """
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    if not source.is_file():
        raise BackupError(f"{source} is not a database file (a folder?): check the path")
    folder = folder or source.parent / "backups"
    try:
        private_dir(folder)
    except OSError as error:
        reason = "it is a file" if folder.is_file() else _reason(error)
        raise BackupError(f"cannot keep backups in {folder}: {reason}") from None
    clean_partials(folder, source.stem)  # a killed run's copy, as large as the database
    final = folder / backup_name(source.stem, kind)
    partial = partial_path(final)
    packed = partial_path(_sidecar(final, ".gz"))
    try:
        return _publish(source, final, partial, packed if compress else None, progress)
    except sqlite3.Error as error:
        raise _copy_failure(source, folder, error) from None
    except OSError as error:
        raise BackupError(f"cannot write the backup in {folder}: {_reason(error)}") from None
    finally:
        for leftover in (partial, packed):
            leftover.unlink(missing_ok=True)


def _publish(
    source: Path,
    final: Path,
    partial: Path,
    packed: Path | None,
    progress: Callable[[str, int, int], None] | None,
) -> BackupInfo:
    step = progress or (lambda what, done, total: None)
    step("copying the database", 0, 0)
    counts = copy_database(source, partial)
    step("checking the copy", 0, 0)
    problems = verify(partial, counts)
    if problems and (damaged := damage(source)):
        raise DamagedDatabaseError(damaged_message(source, damaged))
    if problems:
        raise BackupError("the copy failed verification: " + "; ".join(problems))
    if packed is not None:
        step("compressing the copy", 0, 0)
        partial = _compress(partial, packed)
        final = _sidecar(final, ".gz")
    step("writing the copy out", 0, 0)
    _fsync(partial)
    digest = sha256(partial)
    info = BackupInfo(
        str(final),
        datetime.now(UTC).isoformat(),
        partial.stat().st_size,
        digest,
        True,
        True,
        counts,
    )
    _write_private(_sidecar(final, ".sha256"), f"{digest}  {final.name}\n")
    _write_private(_sidecar(final, ".json"), json.dumps(asdict(info), indent=2) + "\n")
    partial.replace(final)
    _fsync(final.parent)
    return info


def _short(folder: Path, source: Path) -> bool:
    """No room in ``folder`` for a copy of ``source``: a full disk shows as an I/O error
    when it is the copy's side files (-journal, -shm) that cannot grow."""
    try:
        return shutil.disk_usage(folder).free < source.stat().st_size
    except OSError:
        return False


def _copy_failure(source: Path, folder: Path, error: sqlite3.Error) -> BackupError:
    """SQLite's error while copying, as what it means for the user."""
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_FULL") or (
        name.startswith("SQLITE_IOERR") and _short(folder, source)
    ):
        return BackupError(f"cannot write the backup in {folder}: no space left on the device")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return BackupError(f"the database {source} is busy (another program is writing); retry")
    problems = damage(source)
    if problems:
        return DamagedDatabaseError(damaged_message(source, problems))
    return BackupError(f"cannot back up {source}: {error}")


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


# -- listing and rotating --------------------------------------------------------------------


def backups(folder: Path, stem: str | None = None) -> list[Path]:
    """Published backups in ``folder`` (oldest first); partial files are not backups."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = NAME.match(path.name)
        if match and (stem is None or match.group("stem") == stem):
            found.append((match.group("stamp"), path))
    return [path for _, path in sorted(found)]


def describe(path: Path, *, check: bool = True) -> BackupInfo:
    meta_path = _sidecar(path, ".json")
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        meta = {}
    recorded = meta.get("sha256") or _recorded_digest(path)
    checksum_ok = (sha256(path) == recorded) if check and recorded else None
    return BackupInfo(
        str(path),
        meta.get("created_at", ""),
        path.stat().st_size,
        recorded or "",
        bool(meta.get("verified")),
        checksum_ok,
        meta.get("tables", {}),
    )


def _recorded_digest(path: Path) -> str:
    try:
        return _sidecar(path, ".sha256").read_text("utf-8").split()[0]
    except (OSError, IndexError):
        return ""


def rotate(folder: Path, stem: str, keep: int, protect: Path) -> list[Path]:
    """Remove the oldest regular backups beyond ``keep`` (never ``protect``); returns them."""
    if keep < 1:
        raise ValidationError("--keep must be at least 1")
    regular = [p for p in backups(folder, stem) if not NAME.match(p.name).group("kind")]  # type: ignore[union-attr]
    removed = []
    for path in regular[: max(len(regular) - keep, 0)]:
        if path == protect:
            continue
        for item in (path, _sidecar(path, ".sha256"), _sidecar(path, ".json")):
            item.unlink(missing_ok=True)
        removed.append(path)
    return removed


# ``.<final name>.<pid>.partial``, and SQLite's journal beside one it was copying into;
# older crms wrote ``.<final name>.partial[.gz]``.
_PARTIAL = re.compile(r"^\.(?P<name>.+?)(?:\.(?P<pid>\d+))?\.partial(?:\.gz|-journal|-wal|-shm)?$")
UNNAMED_STALE_AFTER = 3600.0  # a partial without its writer's pid: untouched for an hour
REUSED_PID_AFTER = 86400.0  # a writer's pid running another program: untouched for a day


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def stale_partials(folder: Path, stem: str | None = None) -> list[Path]:
    """Files a backup of ``stem`` (any database: None) was writing when it was killed: no
    live process is writing them. They are never under a final name, and as large as the
    database, so they are worth removing."""
    if not folder.is_dir():
        return []
    own = re.compile(rf"{re.escape(stem)}-\d{{8}}T" if stem is not None else r".+-\d{8}T")
    stale = []
    now = time.time()
    for path in folder.iterdir():
        match = _PARTIAL.match(path.name)
        if not match or not own.match(match["name"]):
            continue
        try:
            age = now - path.stat().st_mtime
        except OSError:  # removed meanwhile
            continue
        pid = match["pid"]
        if pid is None:
            gone = age > UNNAMED_STALE_AFTER
        else:
            gone = not _running(int(pid)) or age > REUSED_PID_AFTER
        if gone:
            stale.append(path)
    return sorted(stale)


def clean_partials(folder: Path, stem: str | None = None) -> list[Path]:
    """Remove what killed backups of ``stem`` left behind (see ``stale_partials``)."""
    removed = []
    for path in stale_partials(folder, stem):
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


# -- restoring -------------------------------------------------------------------------------


def processes_using(path: Path) -> list[str]:
    """Other processes that have the database (or its WAL) open — Linux /proc, else none."""
    targets = {str(path.resolve()), f"{path.resolve()}-wal"}
    users: list[str] = []
    proc = Path("/proc")
    if not proc.is_dir():
        return users
    for pid in proc.iterdir():
        if not pid.name.isdigit() or int(pid.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            for fd in (pid / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if str(fd.readlink()) in targets:
                        command = (pid / "comm").read_text().strip()
                        users.append(f"pid {pid.name} ({command})")
                        break
    return users


@contextlib.contextmanager
def _unpacked(path: Path) -> Iterator[Path]:
    if not path.name.endswith(".gz"):
        yield path
        return
    target = private_file(partial_path(path.with_name(path.name[:-3])))
    try:
        with gzip.open(path, "rb") as packed, target.open("wb") as out:
            shutil.copyfileobj(packed, out, CHUNK)
        yield target
    finally:
        target.unlink(missing_ok=True)


def check_restorable(backup: Path) -> None:
    """Refuse a backup whose checksum or integrity is wrong, or whose schema is unknown."""
    if not backup.is_file():
        raise ValidationError(f"no backup at {backup}")
    if backup.suffix in (".json", ".sha256") and backup.with_suffix("").is_file():
        described = backup.with_suffix("")
        raise ValidationError(f"{backup.name} describes a backup: restore {described} itself")
    recorded = describe(backup, check=False).sha256
    if not recorded:
        raise ValidationError(f"{backup.name} has no checksum beside it ({backup.name}.sha256)")
    if sha256(backup) != recorded:
        raise ValidationError(f"{backup.name} does not match its checksum: it is damaged")
    with _unpacked(backup) as plain:
        problems = verify(plain)
        if problems:
            raise ValidationError(f"{backup.name} is damaged: {'; '.join(problems)}")
        connection = sqlite3.connect(read_only_uri(plain), uri=True)
        try:
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            revision = None
        finally:
            connection.close()
    if revision is None or revision[0] not in KNOWN_REVISIONS:
        raise ValidationError(f"{backup.name} is not a crm database this version can open")


def _keep_current(target: Path, folder: Path | None) -> BackupInfo:
    """A verified backup of the database a restore replaces; when it is damaged (often why
    it is being replaced: truncated, overwritten, not a database at all), its bytes as they
    are, WAL included, for salvaging."""
    try:
        return make_backup(target, folder, kind="-before-restore")
    except DamagedDatabaseError:
        pass
    kept = private_dir(folder or target.parent / "backups") / backup_name(target.stem, "-damaged")
    for side in ("", "-wal"):
        if side == "" or _size(Path(f"{target}{side}")):  # an empty WAL holds nothing
            private_file(Path(f"{kept}{side}"))
            shutil.copyfile(f"{target}{side}", f"{kept}{side}")
            _fsync(Path(f"{kept}{side}"))
    return BackupInfo(str(kept), datetime.now(UTC).isoformat(), kept.stat().st_size, "", False)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def restore(backup: Path, target: Path, folder: Path | None = None) -> BackupInfo:
    """Replace ``target`` with ``backup``; the current database is backed up first.

    Refused while another process has the database open (its writes would go to a file
    that is no longer there).
    """
    check_restorable(backup)
    users = processes_using(target)
    if users:
        raise ValidationError(
            f"{target} is open in another process ({', '.join(users)}); close the app and "
            "let imports finish, then restore"
        )
    kept = _keep_current(target, folder) if target.exists() else None
    incoming = private_file(partial_path(target))
    try:
        with _unpacked(backup) as plain:
            shutil.copyfile(plain, incoming)
        _fsync(incoming)
        for side in ("-wal", "-shm", "-journal"):
            Path(f"{target}{side}").unlink(missing_ok=True)  # they belong to the old file
        incoming.replace(target)
    finally:
        incoming.unlink(missing_ok=True)
    _fsync(target.parent)
    return kept or BackupInfo(str(backup), "", 0, "", True)
