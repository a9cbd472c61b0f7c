"""``crm import …`` and ``crm export …``: files in and out, safe for cron."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from crm_tui import collector, display
from crm_tui.commands.common import (
    JsonOption,
    an_id,
    command_group,
    echo,
    interrupts_handled,
    list_batches_said,
    print_json,
    progress_bar,
    segment_ids,
    state,
    undo_batch,
    warn,
)
from crm_tui.text import plural

if TYPE_CHECKING:
    from sqlmodel import Session


import_app = command_group(
    "Bring contacts, interactions and tasks in from files.", no_args_is_help=True
)
export_app = command_group("Write contacts, interactions and tasks to files.", no_args_is_help=True)

MATCHES = ["email", "phone", "name", "none"]
ON_DUPLICATE = ["skip", "update", "create"]


def _choice(value: str, choices: list[str], hint: str) -> str:
    if value not in choices:
        raise typer.BadParameter(f"choose one of {', '.join(choices)}", param_hint=hint)
    return value


def _write_rejects(ctx: typer.Context, path: Path | None, outcome: Any, dry_run: bool) -> None:
    """The rejected rows, to fix and import again: owner-only like every export (they are
    the file's rows), their cells made formula-safe as in ``crm export`` (they came from
    outside, and a spreadsheet is where they get fixed). None rejected: an empty file, not
    one from a run before (a dry run leaves it be)."""
    from crm_tui.io.writers import write_csv

    errors, header = outcome.report.errors, outcome.header
    if path is None or (dry_run and not errors):
        return
    with _output(ctx, path) as handle:
        rows = ([error.line, error.reason, *error.cells] for error in errors)
        write_csv(handle, ["line", "reason", *header], rows)


@import_app.command("contacts")
def import_contacts(
    ctx: typer.Context,
    # Whether it exists is checked by readable_copy: Typer's check refuses "-" even with
    # allow_dash when the parameter is a Path.
    file: Path = typer.Argument(
        ...,
        dir_okay=False,
        help="CSV, vCard (.vcf) or JSON file; - (or /dev/stdin) reads standard input.",
    ),
    maps: list[str] | None = typer.Option(
        None,
        "--map",
        metavar="COLUMN=FIELD",
        help='A column\'s field, e.g. "Firma=organization" (repeatable).',
    ),
    profile: str = typer.Option(
        "auto", "--profile", help="auto, google, outlook, linkedin, generic or crm."
    ),
    match: str = typer.Option(
        "email",
        "--match",
        help="email, phone, name or none (a row without an email: its phone, else its name).",
    ),
    on_duplicate: str = typer.Option("skip", "--on-duplicate", help="skip, update or create."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Report what would happen; write nothing."
    ),
    skip_bad: bool = typer.Option(
        False, "--skip-bad", help="Write the good rows anyway (exit 3 if any were rejected)."
    ),
    rejects: Path | None = typer.Option(
        None, "--rejects", help="Write bad rows here, with line and reason."
    ),
    delimiter: str | None = typer.Option(
        None, "--delimiter", help="Field separator (default: detected)."
    ),
    encoding: str | None = typer.Option(
        None, "--encoding", help="Text encoding (default: detected)."
    ),
    tag: str | None = typer.Option(None, "--tag", help="Tag every imported contact."),
    as_json: bool = JsonOption,
) -> None:
    """Import contacts; all or nothing unless --skip-bad. Prints a summary line."""
    from crm_tui.importing.job import ImportJob, Kind
    from crm_tui.io.contact_file import STDIN, ReadOptions, readable_copy
    from crm_tui.io.prepare import Match, OnDuplicate

    _choice(match, MATCHES, "--match")
    _choice(on_duplicate, ON_DUPLICATE, "--on-duplicate")
    _rejects_elsewhere(ctx, rejects, file)
    if tag is not None and "," in tag:
        raise typer.BadParameter("a tag cannot contain a comma", param_hint="--tag")
    cli = state(ctx)
    shown = "<stdin>" if str(file) == STDIN else str(file)
    read = ReadOptions(
        encoding=encoding,
        delimiter=_delimiter(delimiter),
        profile=profile,
        maps=maps or [],
        region=cli.settings.default_region,
        name=shown,
    )
    # A stream (stdin, a pipe) is copied to a private file first: it is read more than once.
    with interrupts_handled() as ctrl_c, readable_copy(file) as readable:
        job = ImportJob(
            kind=Kind.CONTACTS,
            path=readable,
            read=read,
            match=Match(match),
            on_duplicate=OnDuplicate(on_duplicate),
            tag=tag,
            skip_bad=skip_bad,
            dry_run=dry_run,
        )
        with collector.paused(), progress_bar("reading") as progress:
            outcome = job.run(
                database=cli.database,
                actor=cli.actor_id,
                progress=progress,
                committing=ctrl_c.hold,  # committed whole from here, and reported
            )
        report = outcome.report
        _write_rejects(ctx, rejects, outcome, dry_run)
        _report(Path(shown), report, outcome.profile, dry_run, skip_bad, as_json)
        ctrl_c.say_if_late("import")
    raise typer.Exit(report.exit_code)


def _delimiter(value: str | None) -> str | None:
    if value is None:
        return None
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}
    value = named.get(value.lower(), value)
    if len(value) != 1:
        raise typer.BadParameter("one character, or tab/comma/semicolon", param_hint="--delimiter")
    return value


# A file with a column read the wrong way has a bad row per line: the first ones say what
# is wrong, the count how much; the rest go to --rejects or --json.
SHOWN_ERRORS = 50


def _report(
    path: Path, report: Any, profile: str, dry_run: bool, skip_bad: bool, as_json: bool
) -> None:
    if as_json:
        print_json(
            {
                "file": str(path),
                "profile": profile,
                "dry_run": dry_run,
                "created": report.created,
                "updated": report.updated,
                "skipped": report.skipped,
                "rejected": report.rejected,
                "merged": report.merged,
                "batch": report.batch_id,
                "written": report.written,
                "errors": [{"line": e.line, "reason": e.reason} for e in report.errors],
            }
        )
        return
    for error in report.errors[:SHOWN_ERRORS]:
        warn(f"{path}: line {error.line}: {error.reason}")
    if len(report.errors) > SHOWN_ERRORS:
        hidden = len(report.errors) - SHOWN_ERRORS
        warn(f"… and {hidden:,} more bad row(s) (--rejects FILE or --json gives every one)")
    if report.errors and not report.written and not dry_run:
        warn(
            f"nothing imported: {len(report.errors)} bad row(s); fix them, or use --skip-bad "
            "to import the good rows (--rejects FILE keeps the bad ones)"
        )
    if dry_run:
        echo("dry run, nothing written: would have " + report.summary())
    elif report.errors and not report.written:  # all or nothing: not "created 2" in a cron log
        echo("nothing written: would have " + report.summary())
    else:
        echo(report.summary())


@import_app.command("list")
def import_list(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List import batches (newest first)."""
    from crm_tui.vocabulary import ImportKind

    def line(b: dict[str, Any]) -> str:
        return (
            f"#{b['id']}  {display.moment(b['created_at'])}  {b['kind']:<12} created "
            f"{b['created']}, updated {b['updated']}, skipped {b['skipped']}, rejected "
            f"{b['rejected']}  {b['source']}"
        )

    kinds = [kind.value for kind in ImportKind]
    list_batches_said(ctx, kinds=kinds, as_json=as_json, line=line)


@import_app.command("undo")
def import_undo(
    ctx: typer.Context,
    batch: int = typer.Argument(
        ..., callback=an_id, metavar="BATCH", help="The batch number (see crm import list)."
    ),
) -> None:
    """Revert an import: remove what it created, restore updates.

    Contacts it updated get their previous values back; organizations, tags and projects
    it created go too once nothing uses them. What was edited or used since is kept, each
    named on stderr with the reason (exit 3); when nothing could be undone, nothing
    changes and the batch stays open to undo later (exit 1)."""
    from crm_tui.vocabulary import ImportKind

    undo_batch(
        ctx,
        batch,
        kinds=list(ImportKind),
        what="import batch",
        still_open=(
            f"nothing undone: import #{batch} stays open, to undo once what kept it is settled "
            "(what it created goes, edited or not, once it is in the trash and unused)"
        ),
        done=f"undid import #{batch}",
    )


# -- export ------------------------------------------------------------------------------------

FORMATS = {
    "contacts": ["csv", "json", "vcard"],
    "interactions": ["csv", "json"],
    "tasks": ["csv", "json", "ics"],
    "deals": ["csv", "json"],
}


@contextmanager
def _output(ctx: typer.Context, path: Path | None, binary: bool = False) -> Iterator[Any]:
    """The export's destination: the file (written whole, then renamed; readable by its
    owner only, like the database it copies) or stdout."""
    if path is None:
        yield sys.stdout.buffer if binary else sys.stdout
        return
    _not_the_database(ctx, path, "--output")
    from crm_tui.io.writers import written_file

    with written_file(path, binary=binary) as stream:
        yield stream


def _not_the_database(ctx: typer.Context, path: Path | None, option: str) -> None:
    """Refuse to write ``path`` when it is the database's file or one of its journals: an
    export or a rejects file written there would replace the data it came from."""
    from crm_tui.config import sqlite_path

    database = sqlite_path(state(ctx).settings.url)
    if path is None or database is None:
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        if _same_file(path, database.with_name(database.name + suffix)):
            raise typer.BadParameter(
                f"{path} is the database{' ' + suffix[1:] if suffix else ''} file; "
                "name another file",
                param_hint=option,
            )


def _rejects_elsewhere(ctx: typer.Context, rejects: Path | None, source: Path) -> None:
    """Refuse a --rejects file that is the database or the file being imported (which a
    run writing its rejected rows, or none, would replace)."""
    _not_the_database(ctx, rejects, "--rejects")
    if rejects is not None and _same_file(rejects, source):
        raise typer.BadParameter(
            f"{rejects} is the file being imported; name another file", param_hint="--rejects"
        )


def _same_file(path: Path, other: Path) -> bool:
    """Whether ``path`` names ``other``: the same path once resolved (either may not be
    there yet), or the same file under another name (a hard link)."""
    if path.resolve() == other.resolve():
        return True
    return path.exists() and other.exists() and path.samefile(other)


def _format(what: str, fmt: str | None, output: Path | None) -> str:
    if fmt is None and output is not None:
        fmt = {".csv": "csv", ".json": "json", ".vcf": "vcard", ".ics": "ics"}.get(
            output.suffix.lower()
        )
    fmt = fmt or "csv"
    if fmt not in FORMATS[what]:
        raise typer.BadParameter(
            f"{what} export as {', '.join(FORMATS[what])}", param_hint="--format"
        )
    return fmt


FormatOpt = typer.Option(
    None,
    "--format",
    "-f",
    help="csv, json, vcard (contacts) or ics (tasks); default from the file name, else csv.",
)
OutputOpt = typer.Option(None, "--output", "-o", help="File to write (default: stdout).")
CalendarOpt = typer.Option(
    "gregorian",
    "--calendar",
    metavar="gregorian|jalali",
    help="CSV only: dates and times in this calendar, for people to read (default ISO).",
)


def _calendar(calendar: str, fmt: str) -> bool:
    """Whether a CSV export writes its dates in the Jalali calendar."""
    from crm_tui.display import Calendar

    calendar = calendar.strip().lower()
    if calendar not in set(Calendar):
        raise typer.BadParameter(" or ".join(Calendar), param_hint="--calendar")
    if calendar == Calendar.JALALI and fmt != "csv":
        raise typer.BadParameter(
            f"only a CSV export is written in Jalali ({fmt} is read by programs)",
            param_hint="--calendar",
        )
    return calendar == Calendar.JALALI


def _dated(header: list[str], rows: Iterable[list[Any]], jalali: bool) -> Iterable[list[Any]]:
    from crm_tui.io.writers import in_jalali

    return in_jalali(header, rows) if jalali else rows


@export_app.command("contacts")
def export_contacts(
    ctx: typer.Context,
    fmt: str | None = FormatOpt,
    output: Path | None = OutputOpt,
    calendar: str = CalendarOpt,
    segment: str | None = typer.Option(
        None, "--segment", metavar="NAME", help="Only the contacts of this saved segment."
    ),
    rule: str | None = typer.Option(
        None, "--rule", metavar="RULE", help='Only those a rule holds, e.g. "tag:vip".'
    ),
) -> None:
    """Export contacts (not the trash), or a segment's."""
    from crm_tui.io.vcard import vcards
    from crm_tui.io.writers import write_csv, write_json
    from crm_tui.services import exports

    fmt = _format("contacts", fmt, output)
    jalali = _calendar(calendar, fmt)
    with (
        progress_bar("exporting contacts") as progress,
        _reading_all(ctx) as session,
        _output(ctx, output) as out,
    ):
        only = _chosen(session, segment, rule)
        told = _telling(progress, "exporting contacts", session, "contact", only)
        if fmt == "csv":
            header, emails, phones, keys = exports.contact_csv_header(session=session)
            rows = exports.contact_csv_rows(
                session=session, emails=emails, phones=phones, keys=keys, only=only
            )
            count = write_csv(out, header, told(_dated(header, rows, jalali)))
        elif fmt == "json":
            count = write_json(out, told(exports.contacts_read(session=session, only=only)))
        else:
            count = 0
            for card in vcards(told(exports.contacts_read(session=session, only=only))):
                out.write(card)
                count += 1
    _done(count, "contact", output)


_TOLD_EVERY = 1_000  # rows between two updates of an export's progress
T = TypeVar("T")


def _telling(
    progress: Callable[[str, int, int], None] | None,
    what: str,
    session: Session,
    table: str,
    only: set[int] | None = None,
) -> Callable[[Iterable[T]], Iterator[T]]:
    """What passes an export's rows on, telling ``progress`` how many of all have gone
    (counted only when there is a bar to tell: on a terminal)."""

    def told(items: Iterable[T]) -> Iterator[T]:
        if progress is None:
            yield from items
            return
        from crm_tui.services.exports import live_count

        total = len(only) if only is not None else live_count(session=session, table=table)
        for done, item in enumerate(items, 1):
            if done % _TOLD_EVERY == 0:
                progress(what, done, total)
            yield item

    return told


def _chosen(session: Session, segment: str | None, rule: str | None) -> set[int] | None:
    """The ids of a segment's or a rule's contacts (both: those in both); None for all."""
    if segment is None and rule is None:
        return None
    return set(segment_ids(session, segment, rule))


@contextmanager
def _reading_all(ctx: typer.Context) -> Iterator[Session]:
    """A session for an export, which reads whole tables: the file mapped into memory, and
    the garbage collector paused (its rows are lists, freed as they are written)."""
    from crm_tui.services.common import bulk_reads

    with collector.paused(), state(ctx).read() as session, bulk_reads(session=session):
        yield session


def _done(count: int, what: str, output: Path | None) -> None:
    if output is not None:
        warn(f"wrote {plural(count, what)} to {output}")


@export_app.command("interactions")
def export_interactions(
    ctx: typer.Context,
    fmt: str | None = FormatOpt,
    output: Path | None = OutputOpt,
    calendar: str = CalendarOpt,
) -> None:
    """Export interactions, oldest first."""
    from crm_tui.entities import INTERACTION
    from crm_tui.io.writers import write_records
    from crm_tui.services.exports import interactions_read

    fmt = _format("interactions", fmt, output)
    jalali = _calendar(calendar, fmt)
    with (
        progress_bar("exporting interactions") as progress,
        _reading_all(ctx) as session,
        _output(ctx, output) as out,
    ):
        told = _telling(progress, "exporting interactions", session, "interaction")
        items = told(interactions_read(session=session))
        count = write_records(out, INTERACTION, items, fmt=fmt, jalali=jalali)
    _done(count, "interaction", output)


@export_app.command("tasks")
def export_tasks(
    ctx: typer.Context,
    fmt: str | None = FormatOpt,
    output: Path | None = OutputOpt,
    calendar: str = CalendarOpt,
) -> None:
    """Export tasks: CSV, JSON, or iCalendar VTODO for calendars."""
    from crm_tui.entities import TASK
    from crm_tui.io.writers import tasks_ics, write_records
    from crm_tui.services.exports import tasks_read

    fmt = _format("tasks", fmt, output)
    jalali = _calendar(calendar, fmt)
    with _reading_all(ctx) as session:
        tasks = tasks_read(session=session)
    if fmt == "ics":
        with _output(ctx, output, binary=True) as out:
            out.write(tasks_ics(tasks))
    else:
        with _output(ctx, output) as out:
            write_records(out, TASK, tasks, fmt=fmt, jalali=jalali)
    _done(len(tasks), "task", output)


@export_app.command("deals")
def export_deals(
    ctx: typer.Context,
    fmt: str | None = FormatOpt,
    output: Path | None = OutputOpt,
    calendar: str = CalendarOpt,
) -> None:
    """Export deals (not those in the trash), by id."""
    from crm_tui.entities import DEAL
    from crm_tui.io.writers import write_records
    from crm_tui.services.deals import deals_read

    fmt = _format("deals", fmt, output)
    jalali = _calendar(calendar, fmt)
    with _reading_all(ctx) as session, _output(ctx, output) as out:
        count = write_records(out, DEAL, deals_read(session=session), fmt=fmt, jalali=jalali)
    _done(count, "deal", output)


@export_app.command("calendar")
def export_calendar(ctx: typer.Context, output: Path | None = OutputOpt) -> None:
    """Export appointments and dated tasks as iCalendar (.ics).

    Appointments as events, tasks with a start or due day as to-dos (repeating ones with
    their rule); times in UTC. Calendar apps open it or subscribe to it."""
    from crm_tui.io.writers import calendar_ics
    from crm_tui.services.appointments import all_appointments
    from crm_tui.services.exports import tasks_read

    with _reading_all(ctx) as session:
        appointments = all_appointments(session=session)
        tasks = [task for task in tasks_read(session=session) if task.due or task.start]
    with _output(ctx, output, binary=True) as out:
        out.write(calendar_ics(appointments, tasks))
    if output is not None:
        warn(
            f"wrote {plural(len(appointments), 'appointment')} and "
            f"{plural(len(tasks), 'dated task')} to {output}"
        )


@export_app.command("all")
def export_all(
    ctx: typer.Context,
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the bundle."),
) -> None:
    """Write everything, ids included, for `crm import all`.

    The folder must be empty or new; `crm import all FOLDER` reads it back."""
    from crm_tui.services.bundle import dump

    if output.exists() and not output.is_dir():
        raise typer.BadParameter(f"{output} is not a folder", param_hint="--output")
    if output.exists() and any(output.iterdir()):
        raise typer.BadParameter(f"{output} is not empty", param_hint="--output")
    with progress_bar("exporting") as progress, _reading_all(ctx) as session:
        counts = _bundle_into(
            output, lambda folder: dump(session=session, folder=folder, progress=progress)
        )
    echo(f"wrote {sum(counts.values())} rows in {len(counts)} tables to {output}")


def _bundle_into(output: Path, write: Callable[[Path], dict[str, int]]) -> dict[str, int]:
    """Have ``write`` fill the folder ``output`` (empty or new) with a bundle; a bundle
    stopped half-way (Ctrl-C, a full disk) is never left there. An empty folder (``.``, a
    mount point, a link to one) is written in place and emptied again if the bundle fails;
    a new one is written beside it, hidden, and renamed into place once whole."""
    if output.exists():
        try:
            with _owner_only_files():
                return write(output)
        except BaseException:
            for item in output.iterdir():  # it was empty: all of it is the bundle's
                shutil.rmtree(item) if item.is_dir() else item.unlink(missing_ok=True)
            raise
    output = output.absolute()
    partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
    try:
        with _owner_only_files():  # the folders it makes on the way too
            partial.mkdir(parents=True, mode=0o700)
    except OSError as error:  # said of the folder asked for, not of this one beside it
        raise OSError(error.errno, error.strerror, str(output)) from None
    try:
        with _owner_only_files():
            counts = write(partial)
        partial.rename(output)
        return counts
    finally:
        shutil.rmtree(partial, ignore_errors=True)


@contextmanager
def _owner_only_files() -> Iterator[None]:
    """Whatever the block creates is its owner's only (files 0600, folders 0700): a bundle
    is the whole database, and ``dump`` opens its files itself. The umask is the process's:
    a command runs one block at a time."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


@import_app.command("calendar")
def import_calendar(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="An iCalendar file."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Report what would happen; write nothing."
    ),
    skip_bad: bool = typer.Option(
        False, "--skip-bad", help="Book the good events anyway (exit 3 if any were rejected)."
    ),
) -> None:
    """Book a calendar's events as appointments, matched by UID.

    Events are matched by their UID: one imported before is updated, a new one booked. A
    repeating event is booked as its first time. An event that cannot be booked is named
    with its reason, and nothing is written (unless --skip-bad)."""
    from crm_tui.services.appointments import import_calendar as book

    cli = state(ctx)
    data = file.read_bytes()
    with cli.write() as session:
        report = book(
            session=session,
            data=data,
            actor_id=None if dry_run else cli.actor_id(session),
            dry_run=dry_run,
            skip_bad=skip_bad,
        )
    for rejected in report.rejected:
        named = f" ({rejected.uid})" if rejected.uid else ""
        warn(f"event {rejected.number}{named}: {rejected.reason}")
    if report.rejected and not skip_bad:
        warn(f"nothing imported: {plural(len(report.rejected), 'event')} cannot be booked")
        raise typer.Exit(1)
    said = "would be" if dry_run else "done"
    echo(f"{said}: {report.summary()}")
    if report.repeating:
        echo(f"{plural(report.repeating, 'repeating event')} booked as the first time")
    if report.moved_times:
        echo(f"{plural(report.moved_times, 'changed time')} of repeating events left out")
    raise typer.Exit(3 if report.rejected else 0)


@import_app.command("all")
def import_all(
    ctx: typer.Context,
    folder: Path = typer.Argument(..., exists=True, file_okay=False, help="A bundle folder."),
) -> None:
    """Read a bundle of `crm export all` into an empty database."""
    from crm_tui.services.bundle import load

    with interrupts_handled() as ctrl_c:
        with (
            collector.paused(),
            progress_bar("importing") as progress,
            state(ctx).write() as session,
        ):
            counts = load(session=session, folder=folder, progress=progress)
            ctrl_c.hold()  # committed whole from here, and reported
        echo(f"read {sum(counts.values())} rows in {len(counts)} tables from {folder}")
        ctrl_c.say_if_late("import")


def _import_work(
    ctx: typer.Context,
    kind: str,
    file: Path,
    dry_run: bool,
    skip_bad: bool,
    rejects: Path | None,
    delimiter: str | None,
    encoding: str | None,
    as_json: bool,
) -> None:
    from crm_tui.importing.job import ImportJob, Kind
    from crm_tui.io.contact_file import ReadOptions

    _rejects_elsewhere(ctx, rejects, file)
    cli = state(ctx)
    job = ImportJob(
        kind=Kind(kind),
        path=file,
        read=ReadOptions(encoding=encoding, delimiter=_delimiter(delimiter)),
        skip_bad=skip_bad,
        dry_run=dry_run,
    )
    with interrupts_handled() as ctrl_c:
        with collector.paused():
            outcome = job.run(database=cli.database, actor=cli.actor_id, committing=ctrl_c.hold)
        report = outcome.report
        _write_rejects(ctx, rejects, outcome, dry_run)
        for note in report.notes:
            warn(f"{file}: {note}")
        _report(file, report, kind, dry_run, skip_bad, as_json)
        ctrl_c.say_if_late("import")
    raise typer.Exit(report.exit_code)


DryRunOpt = typer.Option(False, "--dry-run", help="Report what would happen; write nothing.")
SkipBadOpt = typer.Option(False, "--skip-bad", help="Write the good rows anyway (exit 3).")
RejectsOpt = typer.Option(None, "--rejects", help="Write bad rows here, with line and reason.")
DelimiterOpt = typer.Option(None, "--delimiter", help="Field separator (default: detected).")
EncodingOpt = typer.Option(None, "--encoding", help="Text encoding (default: detected).")


# Each kind of work's import: one command each, the same options, its own columns.
_WORK_IMPORTS = {
    "interactions": """Import interactions (CSV); rows already logged are skipped.

    Columns: contact_id or contact_email, occurred_at, channel, direction, subject, body,
    sentiment, complaint, resolved_at, deal_id. JSON as `crm export interactions` writes it
    works too (those columns as keys).""",
    "tasks": """Import tasks (CSV); tasks already on the board are skipped.

    Columns: title, status, priority, start, due, progress, milestone, estimate_hours,
    assignee, contact_id or contact_email, project, depends_on, id, deal_id, repeat. JSON
    as `crm export tasks` writes it works too (those columns as keys).""",
    "deals": """Import deals (CSV); deals already there are skipped.

    Columns: title, value (as people write it: "1,200.50", "۱٬۲۰۰"), currency (EUR if
    blank), pipeline, stage, probability, expected_close, contact_id or contact_email,
    organization, owner, source, tags, created_at, closed_at, lost_reason (a lost deal's),
    notes. Pipeline, stage, reason and owner are names; JSON as `crm export deals` writes it
    works too.""",
}


def _work_import(kind: str) -> None:
    """Register ``crm import KIND`` for interactions, tasks or deals."""

    def command(
        ctx: typer.Context,
        file: Path = typer.Argument(
            ..., exists=True, dir_okay=False, help="CSV with a header, or JSON."
        ),
        dry_run: bool = DryRunOpt,
        skip_bad: bool = SkipBadOpt,
        rejects: Path | None = RejectsOpt,
        delimiter: str | None = DelimiterOpt,
        encoding: str | None = EncodingOpt,
        as_json: bool = JsonOption,
    ) -> None:
        _import_work(ctx, kind, file, dry_run, skip_bad, rejects, delimiter, encoding, as_json)

    command.__doc__ = _WORK_IMPORTS[kind]
    command.__name__ = f"import_{kind}"
    import_app.command(kind)(command)


for _kind in _WORK_IMPORTS:
    _work_import(_kind)
