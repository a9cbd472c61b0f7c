"""``crm backup``, ``crm restore`` and ``crm doctor``: keeping one file of business safe."""

from __future__ import annotations

import stat
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from crm_tui import display
from crm_tui.commands.common import (
    JsonOption,
    command_group,
    echo,
    is_tty,
    print_json,
    progress_bar,
    shown,
    state,
    warn,
)
from crm_tui.errors import ValidationError
from crm_tui.text import plural

backup_app = command_group(
    "Back the database up, safely while others write.\n\n"
    "The app or an import may be writing meanwhile: the copy is consistent.",
    invoke_without_command=True,
)


def _sqlite_file(ctx: typer.Context) -> Path:
    from crm_tui.config import sqlite_path

    url = state(ctx).settings.url
    path = sqlite_path(url)
    if path is None:
        raise typer.Exit(_not_sqlite(url))
    return path


def _not_sqlite(url: str) -> int:
    from crm_tui.config import libpq_url, location_label

    warn(
        f"crm backup copies SQLite files; {location_label(url)} is a PostgreSQL database. "
        "Back it up with the server's own tool (the password comes from PGPASSWORD or "
        "~/.pgpass), e.g.:"
    )
    warn(f"  pg_dump --format=custom --file crm-$(date +%F).dump '{libpq_url(url)}'")
    return 1


@backup_app.callback()
def backup(
    ctx: typer.Context,
    folder: Path | None = typer.Option(
        None, "--dir", help="Where backups go (default: backups/ beside the database)."
    ),
    keep: int | None = typer.Option(
        None,
        "--keep",
        min=1,
        max=100_000,
        metavar="N",
        help="Keep this many backups; older ones are removed after the new one is verified.",
    ),
    compress: bool = typer.Option(False, "--gzip", help="Compress the backup."),
) -> None:
    """Make a verified backup and print its path (exit 0 only when verified)."""
    if ctx.invoked_subcommand is not None:
        return
    from crm_tui.io.backup import make_backup, rotate

    source = _sqlite_file(ctx)
    with progress_bar("backing up") as progress:  # removes killed runs' leftovers too
        info = make_backup(source, folder, compress=compress, progress=progress)
    made = Path(info.path)
    if keep is not None:
        for old in rotate(made.parent, source.stem, keep, protect=made):
            warn(f"removed old backup {old.name}")
    echo(info.path)


@backup_app.command("list")
def backup_list(
    ctx: typer.Context,
    folder: Path | None = typer.Option(None, "--dir", help="Backup folder."),
    as_json: bool = JsonOption,
) -> None:
    """List backups with their time, size, and whether they check out."""
    from crm_tui.io.backup import backups, describe

    source = _sqlite_file(ctx)
    if folder is not None and not folder.is_dir():  # the default one may not exist yet
        raise ValidationError(f"no folder {folder}")
    found = [describe(path) for path in backups(folder or source.parent / "backups")]
    if as_json:
        print_json([asdict(info) for info in found])
        return
    for info in found:
        state_text = (
            "ok"
            if info.verified and info.checksum_ok
            else ("CHECKSUM MISMATCH" if info.checksum_ok is False else "unverified")
        )
        made = _made_at(info.created_at)
        echo(f"{made:<16}  {info.size / 1e6:8.1f} MB  {state_text:<17} {info.path}")
    if not found:
        echo("no backups yet: crm backup")


def restore(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A backup made by crm backup."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Replace the database with a backup; the current one is kept.

    The backup is checked first: a damaged or foreign file is refused."""
    from crm_tui.io.backup import check_restorable
    from crm_tui.io.backup import restore as restore_file

    target = _sqlite_file(ctx)
    check_restorable(file)
    if not yes:
        if not is_tty():
            warn("restore replaces the database; add --yes to do it without asking")
            raise typer.Exit(1)
        typer.confirm(f"Replace {target} with {file.name}?", abort=True)
    kept = restore_file(file, target)
    done = f"restored {file.name} into {target}"
    if kept.path == str(file):  # there was no database to keep
        echo(done)
    elif kept.verified:
        echo(f"{done}; the previous database is kept as {kept.path}")
    else:  # damaged, truncated or not a database at all: no copy of it could verify
        echo(f"{done}; the previous file was damaged and is kept as it was: {kept.path}")


def doctor(
    ctx: typer.Context,
    full: bool = typer.Option(
        False, "--full", help="Full integrity_check; recount the dashboard's rollups (slower)."
    ),
    fix: bool = typer.Option(False, "--fix", help="Repair what can be repaired safely."),
    terminal: bool = typer.Option(
        False, "--terminal", help="Print lines to check right-to-left text by eye (no database)."
    ),
) -> None:
    """Check integrity, schema, search index, orphans and permissions.

    Names orphan rows, interactions dated in the future and database or backup files that
    others can read; --fix mends what it can."""
    from crm_tui.services.doctor import check_database

    cli = state(ctx)
    if terminal:
        _terminal_check(cli.settings.bidi)
        return
    unit = cli.write if fix else cli.read
    with unit() as session:
        findings = [
            (f.problem, f.fixed) for f in check_database(session=session, full=full, fix=fix)
        ]
    findings += _permissions(cli.database().path, fix)
    for problem, fixed in findings:
        echo(f"{'fixed' if fixed else 'problem'}: {problem}")
    remaining = [problem for problem, fixed in findings if not fixed]
    if not findings:
        if cli.database().is_sqlite:
            echo("ok: integrity, schema, search index, links and permissions")
        else:  # the server keeps its own files sound and its links enforced
            echo("ok: schema and search index (PostgreSQL checks its own integrity)")
    for note in _leftovers(cli.database().path, fix):
        echo(note)
    raise typer.Exit(1 if remaining else 0)


# Each line, and how it reads when right-to-left text is laid out right.
_TEST_LINES = [
    ("سلام دنیا", "Persian 'hello world': 'hello' (salam) on the right, its letters joined"),
    ("Follow up with فاطمة الزين: Sent proposal v2", "the English reads on around the name"),
    ("قرارداد ۱۴۰۵ تمدید شد", "the year 1405 in Persian digits, left to right"),
    ("שלום 123", "Hebrew 'shalom' on the right, 123 on its left"),
]


def _terminal_check(setting: str) -> None:
    """Lines to read by eye: right if they read as described below each, else the other
    ``bidi`` setting is the one for this terminal."""
    import os

    from crm_tui import bidi

    own = bidi.lays_out(setting)
    said = "crm lays out right-to-left text itself" if own else "the terminal lays it out"
    seen = "reorders" if bidi.terminal_lays_out(os.environ) else "does not reorder"
    print(f"bidi = {setting!r}: {said} (the environment says this terminal {seen})")
    for line, hint in _TEST_LINES:
        print(f"  {shown(line)}")
        print(f"      {hint}")
    other = "terminal" if own else "app"
    print(f"Letters unjoined or words in the wrong order: set bidi = {other!r} (or CRM_BIDI).")


def _permissions(path: Path | None, fix: bool) -> list[tuple[str, bool]]:
    """Files readable by others: the database, its side files and the backups."""
    if path is None:
        return []
    found: list[tuple[str, bool]] = []
    folder = path.parent / "backups"
    candidates: list[tuple[Path, int]] = [(p, 0o600) for p in _files(path, folder)]
    if folder.is_dir():
        candidates.append((folder, 0o700))
    for item, wanted in candidates:
        mode = stat.S_IMODE(item.stat().st_mode)
        if mode & 0o077:
            if fix:
                item.chmod(wanted)
            found.append((f"{item} is readable by others (mode {mode:o}, want {wanted:o})", fix))
    return found


def _leftovers(path: Path | None, fix: bool) -> list[str]:
    """Files killed backups left in backups/ (each as large as the database): harmless to
    the database, so a note rather than a problem; the next backup or --fix removes them."""
    from crm_tui.io.backup import clean_partials, stale_partials

    if path is None:
        return []
    folder = path.parent / "backups"
    if fix:
        removed = clean_partials(folder, path.stem)
        return [f"fixed: removed {p}, left by a backup that was stopped" for p in removed]
    found = stale_partials(folder, path.stem)
    if not found:
        return []
    return [
        f"note: {plural(len(found), 'unfinished backup file')} left in {folder} by a backup "
        f"that was stopped ({', '.join(p.name for p in found[:3])}"
        f"{', …' if len(found) > 3 else ''}): the next crm backup or crm doctor --fix "
        "removes them"
    ]


def _files(path: Path, folder: Path) -> list[Any]:
    files = [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
    if folder.is_dir():
        files += [p for p in folder.iterdir() if p.is_file()]
    return files


def _made_at(recorded: str) -> str:
    """A backup's recorded time (ISO 8601, UTC) in the local zone; "unknown" without one."""
    try:
        return display.moment(datetime.fromisoformat(recorded))
    except ValueError:
        return recorded or "unknown"
