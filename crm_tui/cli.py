"""The ``crm`` command: a thin shell over the services (Typer).

``crm`` alone opens the app. Exit codes: 0 success, 1 failure (nothing changed), 2 usage
error, 3 partly done. Errors are one line on stderr; ``CRM_DEBUG=1`` adds the traceback.
"""

from __future__ import annotations

import os
import sys
import traceback
from contextlib import suppress
from typing import Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from crm_tui import __version__
from crm_tui.collector import before_exit
from crm_tui.commands import (
    agenda,
    bulk,
    contacts,
    deals,
    fields,
    io,
    log,
    maintenance,
    meet,
    misc,
    orgs,
    remind,
    reports,
    segments,
    tags,
    tasks,
)
from crm_tui.commands.common import CliState, one_line, state
from crm_tui.commands.terminal import guard_output, unguard_output
from crm_tui.errors import AmbiguousError, CrmError

# ``crm --help`` lists the commands by use, daily ones first (Typer lists lone commands
# before groups, in the order they were added).
COMMAND_ORDER = [
    "contacts", "log", "tasks", "agenda", "remind", "import", "export", "backup", "restore",
    "doctor",
    "team", "demo",
]  # fmt: skip


class CrmGroup(TyperGroup):
    """Turns the errors a user can act on into one line on stderr and an exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: index for index, name in enumerate(COMMAND_ORDER)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except TyperException as error:
            _usage_error(error, "crm")

    def invoke(self, ctx: Any) -> Any:
        try:
            result = self._guarded(ctx)
        except (typer.Exit, typer.Abort):
            _flush_output()
            raise
        _flush_output()
        return result

    def _guarded(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TyperException as error:
            _usage_error(error, ctx.command_path)
        except AmbiguousError as error:
            _fail(error.one_line(), error.exit_code)
        except CrmError as error:
            _fail(str(error), error.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted; nothing was changed by the unfinished step", 130)
        except (typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:
            raise  # the reader went away (`crm export contacts | head`): Click exits quietly
        except OSError as error:  # a full disk, a folder that went away: one line, no traceback
            where = f" ({error.filename})" if error.filename else ""
            _fail(f"{error.strerror or error}{where}", 1)
        except Exception as error:
            if _is_database_error(error):
                _fail(_database_message(error), 1)
            # A defect of crm's, still one line (cron mails stderr); the traceback on request.
            _fail(f"unexpected {type(error).__name__}: {error} (CRM_DEBUG=1 shows where)", 1)
        finally:
            root = ctx.find_root().obj
            if isinstance(root, CliState):
                root.close()


def _flush_output() -> None:
    """Write out what the command left buffered, so that a write that fails (a full disk)
    fails while crm can still say so, with exit status 1: at exit it would pass unseen.
    A reader that went away (`crm export … | head`) is no failure (``run`` sees to it)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return
    except OSError as error:
        _fail(f"cannot write the output: {error.strerror or error}", 1)


def _fail(message: str, code: int) -> None:
    if os.environ.get("CRM_DEBUG"):
        traceback.print_exc()
    typer.echo(f"crm: error: {one_line(message)}", err=True)
    raise typer.Exit(code)


def _usage_error(error: TyperException, command: str) -> None:
    """Click's usage errors (an unknown option, a value out of range) in one line too."""
    if getattr(error, "exit_code", None) != 2 or not hasattr(error, "format_message"):
        raise error
    context = getattr(error, "ctx", None)
    path = getattr(context, "command_path", None) or command
    _fail(f"{error.format_message()} (see {path} --help)", 2)


def _is_database_error(error: Exception) -> bool:
    return type(error).__module__.startswith("sqlalchemy")


def _disk_full(error: BaseException | None) -> bool:
    """Whether SQLite found the disk full, in ``error`` or what it came from: SQLite then
    rolls the whole transaction back, and rolling back to a savepoint in it fails next
    ("no such savepoint"), the error that reaches here."""
    while error is not None:
        if getattr(getattr(error, "orig", error), "sqlite_errorname", "") == "SQLITE_FULL":
            return True
        error = error.__context__
    return False


def _database_message(error: Exception) -> str:
    from crm_tui.config import mask_url

    original = getattr(error, "orig", None)
    if _disk_full(error):
        return "the disk is full: nothing was changed (free some space and run it again)"
    reason = str(original or error).splitlines()[0]
    if "locked" in reason or "busy" in reason:
        return "the database is busy (another crm is writing); try again"
    return f"database error: {mask_url(reason)}"


app = typer.Typer(
    cls=CrmGroup,
    help="A keyboard-first client manager. Run without a command to open the app.",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: see command_group
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crm-tui {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        envvar="CRM_DB",
        metavar="PATH|URL",
        help="Database: a file path or an SQLAlchemy URL.",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """A keyboard-first client manager. Run without a command to open the app."""
    state(ctx).db_option = db
    if ctx.invoked_subcommand is None:
        _launch(ctx)


def _launch(ctx: typer.Context) -> None:
    if not sys.stdout.isatty():
        typer.echo("crm: the app needs a terminal; see crm --help for commands", err=True)
        raise typer.Exit(2)
    from crm_tui.app import CrmApp
    from crm_tui.collector import freeze_imported
    from screens.keymap import check_keymap

    cli = state(ctx)
    check_keymap(cli.settings.keymap)  # before the terminal is taken over
    unguard_output()  # Textual draws the screen itself, escaping user text as it goes
    app = CrmApp(database=cli.database(), settings=cli.settings)
    freeze_imported()
    app.run()


app.add_typer(contacts.app, name="contacts")
app.add_typer(tasks.app, name="tasks")
app.add_typer(deals.app, name="deals")
app.add_typer(orgs.app, name="orgs")
app.add_typer(meet.app, name="meet")
app.add_typer(tags.app, name="tags")
app.add_typer(segments.app, name="segments")
app.add_typer(bulk.app, name="bulk")
app.add_typer(fields.app, name="fields")
app.add_typer(misc.team_app, name="team")
app.add_typer(io.import_app, name="import")
app.add_typer(io.export_app, name="export")
app.add_typer(maintenance.backup_app, name="backup")
app.command("restore")(maintenance.restore)
app.command("doctor")(maintenance.doctor)
app.command("log")(log.log)
app.command("agenda")(agenda.agenda)
app.command("remind")(remind.remind)
app.command("report")(reports.report)
app.command("demo")(misc.demo)


def run() -> None:
    """The ``crm`` command: ``app``, with what is flushed and freed at its end kept cheap.

    Standard output and error are flushed while crm can still say nothing about a reader that
    went away (`crm export … | head`). Everything the command made is then left out of the
    cyclic collections Python runs while it shuts down (``collector.before_exit``)."""
    guard_output()
    try:
        app(prog_name="crm")
    finally:
        _flush_quietly()
        before_exit()


def _flush_quietly() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the reader went away (`crm export … | head`)
            _write_to_nowhere(stream)


def _write_to_nowhere(stream: Any) -> None:
    """Point a stream whose reader is gone at the null device, so that Python's own flush at
    exit neither fails again nor prints "Exception ignored" with exit status 120."""
    with suppress(OSError, ValueError):
        nowhere = os.open(os.devnull, os.O_WRONLY)
        os.dup2(nowhere, stream.fileno())
        os.close(nowhere)
