"""``crm import …`` and ``crm export …``: files in and out, safe for cron."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from crm_tui import collector, display
from crm_tui.commands.common import (
    JsonOption,
    an_id,
    command_group,
    echo,
    interrupts_handled,
    one_line,
    print_json,
    state,
    warn,
)
from crm_tui.errors import ValidationError
from crm_tui.text import plural

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm_tui.commands.common import Interrupts
    from crm_tui.io.background import InBackground

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


@contextmanager
def progress_bar(total_hint: str) -> Iterator[Callable[[str, int, int], None] | None]:
    """A Rich progress bar on stderr when it is a terminal; nothing otherwise (cron)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from crm_tui.commands.terminal import unguarded_stderr

    # The bar moves the cursor: it writes beneath the terminal guard, its text made safe here.
    console = Console(file=unguarded_stderr(), highlight=False, markup=False, emoji=False)
    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TaskProgressColumn(),
        transient=True,
        console=console,
    ) as bar:
        task = bar.add_task(one_line(total_hint), total=None)

        def update(what: str, done: int, total: int) -> None:
            nonlocal task
            what = one_line(what)
            if total:
                bar.update(task, description=what, completed=done, total=total)
            else:  # a step with no measure pulses: a new bar (a total cannot be unset)
                bar.remove_task(task)
                task = bar.add_task(what, total=None)

        yield update


# Smaller files are read before they are written: a reading process costs more than it saves.
BACKGROUND_BYTES = 1_000_000


def _start_reading(
    path: Path,
    options: dict[str, Any],
    how: dict[str, Any],
    *,
    creating: bool,
    team: Callable[[], dict[str, int]],
) -> Generator[Any, None, None] | InBackground:
    """The file's items (``Opened``, then ``Chunk``s), read and prepared for writing in a
    process of its own when the file is large, so that writing the first rows overlaps
    reading the rest: started at once, before this process imports the database layer.
    ``options`` are ``ReadOptions``' fields, ``how`` the import's (see ``import_contacts``);
    ``creating``: the import only creates contacts (see ``_prepared_chunks``); ``team``
    reads the team's directory (see ``contact_rows.Team``)."""
    if path.stat().st_size >= BACKGROUND_BYTES:
        import multiprocessing

        from crm_tui.io.background import InBackground

        receiver, sender = multiprocessing.Pipe(duplex=False)
        options = {**options, "team": _FromParent(receiver)}
        reading = InBackground(_prepared_chunks, path, options, how["tag"], how["match"], creating)
        receiver.close()  # the child's copy is the only one: a child gone breaks the pipe
        with closing(sender), suppress(BrokenPipeError):  # the child ended without owners
            sender.send(team())
        return reading
    from crm_tui.io.contact_file import ReadOptions, read_contact_file

    return read_contact_file(path, ReadOptions(**options, team=team))


def _prepared_chunks(
    path: Path, options: dict[str, Any], tag: str | None, match: str, creating: bool
) -> Iterator[Any]:
    """What the reading process sends: the file's chunks packed for the pipe. ``creating``
    (no contact will be updated from the rows): each row slimmed to what a new contact
    needs and what ``match`` compares, and made ready to be written; else (--on-duplicate
    update: most rows of a file imported again update or match a contact) as read."""
    from crm_tui.io.contact_file import Chunk, ReadOptions, read_contact_file
    from crm_tui.io.contact_rows import pack_rows
    from crm_tui.io.prepare import Match, prepare_rows

    for item in read_contact_file(path, ReadOptions(**options)):
        if isinstance(item, Chunk):
            if creating:
                prepare_rows(item.rows, tag, Match(match))
            item.rows = pack_rows(item.rows, slim=creating)
            item.packed = True
        yield item


def _rows(
    chunks: Iterator[Any], lines: int, progress: Callable[[str, int, int], None] | None
) -> Iterator[Any]:
    from crm_tui.io.contact_rows import unpack_rows

    for chunk in chunks:
        yield from unpack_rows(chunk.rows) if chunk.packed else chunk.rows
        if progress:
            progress("importing", chunk.line, lines)


def _write_rejects(path: Path, header: list[str], errors: list[Any]) -> None:
    """The rejected rows, to fix and import again: owner-only like every export (they are
    the file's rows), their cells made formula-safe as in ``crm export`` (they came from
    outside, and a spreadsheet is where they get fixed)."""
    from crm_tui.io.writers import write_csv

    with _output(path) as handle:
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
    from crm_tui.io.contact_file import STDIN, readable_copy

    _choice(match, MATCHES, "--match")
    _choice(on_duplicate, ON_DUPLICATE, "--on-duplicate")
    cli = state(ctx)
    shown = "<stdin>" if str(file) == STDIN else str(file)
    options = {
        "encoding": encoding,
        "delimiter": _delimiter(delimiter),
        "profile": profile,
        "maps": maps or [],
        "region": cli.settings.default_region,
        "name": shown,
    }
    how = {
        "match": match,
        "on_duplicate": on_duplicate,
        "skip_bad": skip_bad,
        "dry_run": dry_run,
        "tag": tag,
    }
    # A stream (stdin, a pipe) is copied to a private file first: it is read more than once.
    with interrupts_handled() as ctrl_c, readable_copy(file) as readable:
        with collector.paused(), progress_bar("reading") as progress:
            report, used = _import_file(cli, readable, options, how, progress, ctrl_c)
        if rejects is not None and report.errors:
            _write_rejects(rejects, _header(readable, options), report.errors)
        _report(Path(shown), report, used, dry_run, skip_bad, as_json)
        ctrl_c.say_if_late("import")
    raise typer.Exit(report.exit_code)


def _team(cli: Any) -> dict[str, int]:
    """What names each team member, for the file's owners (see ``contact_rows.Team``)."""
    from crm_tui.services.team import team_directory

    with cli.read() as session:
        return team_directory(session=session)


class _FromParent:
    """The team's directory in the reading process: sent by the importing process once it
    has read it, while the child opens the file (a callable that pickles, for a spawned
    child)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def __call__(self) -> dict[str, int]:
        team: dict[str, int] = self.connection.recv()
        return team


def _import_file(
    cli: Any,
    path: Path,
    options: dict[str, Any],
    how: dict[str, Any],
    progress: Callable[[str, int, int], None] | None,
    ctrl_c: Interrupts,
) -> tuple[Any, str]:
    """Read ``path`` and import it as ``how`` says, in one write unit (a read one for a dry
    run); returns the report and the profile the file was read with."""
    creating = how["on_duplicate"] != "update"  # no contact is updated from the file
    items = _start_reading(
        path, options, how, creating=creating, team=functools.partial(_team, cli)
    )
    with closing(items):
        from crm_tui.services.imports import Match, OnDuplicate, import_contacts

        opened = next(items)  # the file's errors (an unknown --map column…) come first
        dry_run = how["dry_run"]
        with cli.read() if dry_run else cli.write(bulk=creating) as session:
            report = import_contacts(
                session=session,
                rows=_rows(items, opened.lines, progress),
                source=options.get("name") or str(path),
                match=Match(how["match"]),
                on_duplicate=OnDuplicate(how["on_duplicate"]),
                skip_bad=how["skip_bad"],
                dry_run=dry_run,
                tag=how["tag"],
                actor_id=None if dry_run else cli.actor_id(session),
                progress=progress,
                expected=opened.lines,
            )
            ctrl_c.hold()  # committed whole from here, and reported
    return report, opened.profile


def _delimiter(value: str | None) -> str | None:
    if value is None:
        return None
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}
    value = named.get(value.lower(), value)
    if len(value) != 1:
        raise typer.BadParameter("one character, or tab/comma/semicolon", param_hint="--delimiter")
    return value


def _header(path: Path, options: dict[str, Any]) -> list[str]:
    from crm_tui.io.csv_reader import open_csv
    from crm_tui.io.json_contacts import is_json
    from crm_tui.io.vcard import is_vcard

    if is_vcard(path) or is_json(path):
        return ["item"]
    return open_csv(path, encoding=options["encoding"], delimiter=options["delimiter"]).header


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
    from crm_tui.services.imports import list_batches

    with state(ctx).read() as session:
        batches = list_batches(session=session)
    if as_json:
        print_json(batches)
        return
    for b in batches:
        undone = "  (undone)" if b["undone_at"] else ""
        echo(
            f"#{b['id']}  {display.moment(b['created_at'])}  {b['kind']:<12} created "
            f"{b['created']}, updated {b['updated']}, skipped {b['skipped']}, rejected "
            f"{b['rejected']}  {b['source']}{undone}"
        )


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
    from crm_tui.services.imports import undo_import

    with state(ctx).write() as session:
        report = undo_import(session=session, batch_id=batch)
    for kept in report.kept:
        warn(f"kept {kept}")
    if not report.undone:
        warn(
            f"nothing undone: import #{batch} stays open, to undo once what kept it is settled "
            "(a contact it created goes, edited or not, once in the trash and unused)"
        )
    else:
        echo(f"undid import #{batch}: {report.summary()}")
    raise typer.Exit(report.exit_code)


# -- export ------------------------------------------------------------------------------------

FORMATS = {
    "contacts": ["csv", "json", "vcard"],
    "interactions": ["csv", "json"],
    "tasks": ["csv", "json", "ics"],
}


_TEXT: dict[str, Any] = {"newline": "", "encoding": "utf-8"}


@contextmanager
def _output(path: Path | None, binary: bool = False) -> Iterator[Any]:
    """The export's destination: the file (written whole, then renamed; readable by its
    owner only, like the database it copies) or stdout."""
    if path is None:
        yield sys.stdout.buffer if binary else sys.stdout
        return
    if not path.parent.is_dir():
        raise ValidationError(f"cannot write {path}: no folder {path.parent}")
    if path.is_dir():
        raise ValidationError(f"cannot write {path}: it is a folder; name a file in it")
    if path.exists() and not path.is_file():
        # /dev/null, a pipe, a terminal: written as it is. Renaming a file over it would
        # replace the device itself (as root, /dev/null became a file for the machine).
        with path.open("wb" if binary else "w", **({} if binary else _TEXT)) as stream:
            yield stream
        return
    from crm_tui.io.backup import partial_path, private_file

    partial = private_file(partial_path(path))
    try:
        if binary:
            with partial.open("wb") as raw:
                yield raw
        else:
            with partial.open("w", newline="", encoding="utf-8") as handle:
                yield handle
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


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
) -> None:
    """Export contacts (not the trash)."""
    from crm_tui.io.vcard import vcards
    from crm_tui.io.writers import write_csv, write_json
    from crm_tui.services import exports

    fmt = _format("contacts", fmt, output)
    jalali = _calendar(calendar, fmt)
    with _reading_all(ctx) as session, _output(output) as out:
        if fmt == "csv":
            header, emails, phones, keys = exports.contact_csv_header(session=session)
            rows = exports.contact_csv_rows(
                session=session, emails=emails, phones=phones, keys=keys
            )
            count = write_csv(out, header, _dated(header, rows, jalali))
        elif fmt == "json":
            count = write_json(out, exports.contacts_read(session=session))
        else:
            count = 0
            for card in vcards(exports.contacts_read(session=session)):
                out.write(card)
                count += 1
    _done(count, "contact", output)


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
    from crm_tui.io.writers import INTERACTION_COLUMNS, interaction_rows, write_csv, write_json
    from crm_tui.services.exports import interactions_read

    fmt = _format("interactions", fmt, output)
    jalali = _calendar(calendar, fmt)
    with _reading_all(ctx) as session, _output(output) as out:
        items = interactions_read(session=session)
        if fmt == "csv":
            rows = _dated(INTERACTION_COLUMNS, interaction_rows(items), jalali)
            count = write_csv(out, INTERACTION_COLUMNS, rows)
        else:
            count = write_json(out, items)
    _done(count, "interaction", output)


@export_app.command("tasks")
def export_tasks(
    ctx: typer.Context,
    fmt: str | None = FormatOpt,
    output: Path | None = OutputOpt,
    calendar: str = CalendarOpt,
) -> None:
    """Export tasks: CSV, JSON, or iCalendar VTODO for calendars."""
    from crm_tui.io.writers import TASK_COLUMNS, task_rows, tasks_ics, write_csv, write_json
    from crm_tui.services.exports import tasks_read

    fmt = _format("tasks", fmt, output)
    jalali = _calendar(calendar, fmt)
    with _reading_all(ctx) as session:
        tasks = tasks_read(session=session)
    if fmt == "ics":
        with _output(output, binary=True) as out:
            out.write(tasks_ics(tasks))
    else:
        with _output(output) as out:
            if fmt == "csv":
                write_csv(out, TASK_COLUMNS, _dated(TASK_COLUMNS, task_rows(tasks), jalali))
            else:
                write_json(out, tasks)
    _done(len(tasks), "task", output)


@export_app.command("all")
def export_all(
    ctx: typer.Context,
    output: Path = typer.Option(..., "--output", "-o", help="Folder for the bundle."),
) -> None:
    """Write everything, ids included, for `crm import all`.

    The folder must be empty or new; `crm import all FOLDER` reads it back."""
    from crm_tui.services.bundle import dump

    if output.exists() and any(output.iterdir()):
        raise typer.BadParameter(f"{output} is not empty", param_hint="--output")
    with (
        progress_bar("exporting") as progress,
        _reading_all(ctx) as session,
        _owner_only_files(),
    ):
        counts = dump(session=session, folder=output, progress=progress)
    echo(f"wrote {sum(counts.values())} rows in {len(counts)} tables to {output}")


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
    from crm_tui.io.contact_rows import RowError
    from crm_tui.io.csv_reader import Problem, open_csv
    from crm_tui.io.json_contacts import is_json
    from crm_tui.io.work_rows import interaction_row, json_work_rows, task_row
    from crm_tui.services.imports import import_work

    source = None  # JSON, as `crm export … --format json` writes it, else CSV
    if not is_json(file):
        source = open_csv(file, encoding=encoding, delimiter=_delimiter(delimiter))
    header = ["item"] if source is None else source.header  # a JSON reject: its object
    read = interaction_row if kind == "interactions" else task_row
    cli = state(ctx)
    unit = cli.read if dry_run else cli.write
    with interrupts_handled() as ctrl_c:
        with collector.paused():
            rows: list[Any] = [] if source is not None else json_work_rows(file, kind)
            for record in source.records() if source is not None else ():
                if isinstance(record, Problem):
                    rows.append(RowError(record.line, record.reason, record.cells))
                else:
                    rows.append(read(record.line, record.cells, header))
            with unit() as session:
                report = import_work(
                    session=session,
                    kind=kind,
                    rows=rows,
                    source=str(file),
                    skip_bad=skip_bad,
                    dry_run=dry_run,
                    actor_id=None if dry_run else cli.actor_id(session),
                )
                ctrl_c.hold()  # committed whole from here, and reported
        if rejects is not None and report.errors:
            _write_rejects(rejects, header, report.errors)
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


@import_app.command("interactions")
def import_interactions(
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
    """Import interactions (CSV); rows already logged are skipped.

    Columns: contact_id or contact_email, occurred_at, channel, direction, subject, body,
    sentiment, complaint, resolved_at. JSON as `crm export interactions` writes it works
    too (those columns as keys)."""
    _import_work(
        ctx, "interactions", file, dry_run, skip_bad, rejects, delimiter, encoding, as_json
    )


@import_app.command("tasks")
def import_tasks(
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
    """Import tasks (CSV); tasks already on the board are skipped.

    Columns: title, status, priority, start, due, progress, milestone, estimate_hours,
    assignee, contact_id or contact_email, project, depends_on, id. JSON as `crm export
    tasks` writes it works too (those columns as keys)."""
    _import_work(ctx, "tasks", file, dry_run, skip_bad, rejects, delimiter, encoding, as_json)
