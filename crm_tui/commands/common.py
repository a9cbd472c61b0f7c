"""What every command shares: the database behind ``--db``, the current user, output.

Heavy modules (SQLModel, the services) are imported inside functions so that
``crm --help`` and ``crm --version`` stay fast and never load them.
"""

from __future__ import annotations

import functools
import json
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import typer

from crm_tui.display import use_settings
from crm_tui.text import BIDI_CONTROLS, for_terminal

if TYPE_CHECKING:
    from rich.console import Console
    from sqlmodel import Session

    from crm_tui.config import Settings
    from crm_tui.db import Database


def command_group(help: str, **settings: Any) -> typer.Typer:
    """A group of ``crm`` commands with plain help: Typer's Rich panels show every flag
    as ``--dry-run <bool>``, as if it took a value."""
    return typer.Typer(help=help, rich_markup_mode=None, **settings)


JsonOption = typer.Option(False, "--json", help="Print JSON (stable keys) instead of a table.")


@dataclass
class CliState:
    """Per-invocation state stored on the Typer context (``ctx.obj``)."""

    db_option: str | None = None
    _database: Database | None = field(default=None, repr=False)
    _settings: Settings | None = field(default=None, repr=False)
    _actor_id: int | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from crm_tui.config import load_settings

            self._settings = load_settings(db=self.db_option)
            use_settings(self._settings)
        return self._settings

    def database(self) -> Database:
        if self._database is None:
            from crm_tui.db import open_database

            self._database = open_database(self.settings.url, on_upgrade=_say)
        return self._database

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.database().read() as session:
            yield session

    @contextmanager
    def write(self, *, bulk: bool = False) -> Iterator[Session]:
        with self.database().write(bulk=bulk) as session:
            yield session

    def actor_id(self, session: Session) -> int:
        """The team member running this command (created from the OS user on first use)."""
        if self._actor_id is None:
            from crm_tui.services.team import ensure_member

            self._actor_id = ensure_member(session=session, username=self.settings.user).id
        return self._actor_id

    def close(self) -> None:
        if self._database is not None:
            self._database.close()


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


# Characters JSON lets through unescaped that a terminal would obey (C1 controls, DEL) or
# that reorder what is read (bidi overrides): written as \\u escapes, the value unchanged.
_JSON_ESCAPED = f"\x7f-\x9f{BIDI_CONTROLS}\u2028\u2029"  # a character class's ranges
_JSON_UNSAFE = re.compile(f"[{_JSON_ESCAPED}]")


def json_safe(text: str) -> str:
    """JSON text with what a terminal would obey written as \\u escapes."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def json_safe_bytes(data: bytes) -> bytes:
    """``json_safe`` for UTF-8 JSON. A page of a listing (a megabyte) is searched for the
    lead bytes of the escaped characters (DEL, C1's 0xC2, the bidi controls' 0xE2: no
    letter of Arabic, Persian or CJK text starts so), several times faster than the pattern
    over its characters; most pages hold none and are written as they are."""
    unsafe = _unsafe_utf8()
    for lead in {sequence[:1] for sequence in unsafe}:
        at = data.find(lead)
        while at != -1:
            if data[at : at + 2] in unsafe or data[at : at + 3] in unsafe or lead in unsafe:
                return json_safe(data.decode()).encode()
            at = data.find(lead, at + 1)
    return data


@functools.cache
def _unsafe_utf8() -> frozenset[bytes]:
    """The UTF-8 of every character ``json_safe`` escapes (one to three bytes)."""
    return frozenset(character.encode() for character in _ranges(_JSON_ESCAPED))


def _ranges(ranges: str) -> Iterator[str]:
    """The characters of a character class's inside ("a-z0"), every one of them."""
    at = 0
    while at < len(ranges):
        if ranges[at + 1 : at + 2] == "-" and at + 2 < len(ranges):
            yield from map(chr, range(ord(ranges[at]), ord(ranges[at + 2]) + 1))
            at += 3
        else:
            yield ranges[at]
            at += 1


def print_json(data: Any) -> None:
    """Print ``data`` as JSON; Unicode stays readable (no \\u escapes but for controls)."""
    text = json.dumps(data, default=_default, ensure_ascii=False, indent=2, allow_nan=False)
    sys.stdout.write(json_safe(text) + "\n")


def is_tty() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def plain_console() -> Console:
    """Prints user text literally (no markup, emoji or highlighting). Tables fit a terminal;
    piped (grep, a pager, cron's mail) each row stays on one line instead of wrapping
    at 80 columns."""
    from rich.console import Console

    width = None if sys.stdout.isatty() else 100_000
    # No colour or style: every byte on the way out passes the terminal guard, which shows
    # an escape sequence as symbols (commands/terminal.py).
    return Console(highlight=False, markup=False, emoji=False, width=width, color_system=None)


def one_line(value: object) -> str:
    """A value for a line of output or a table cell: a newline in it cannot start a line."""
    return for_terminal("" if value is None else str(value), single_line=True)


def echo(message: str = "") -> None:
    """One line on stdout (user values in it cannot break it into more), laid out right to
    left where crm does that for a terminal (``shown``)."""
    typer.echo(shown(one_line(message), ltr=True))


def shown(text: str, *, ltr: bool = False) -> str:
    """``text`` as the terminal on stdout must draw it (``bidi.layout``); a pipe gets
    logical order, what scripts and files read."""
    from crm_tui import bidi

    return bidi.layout(text, ltr=ltr) if bidi.laying_out() and sys.stdout.isatty() else text


def warn(message: str) -> None:
    """One line on stderr."""
    typer.echo(f"crm: {one_line(message)}", err=True)


def say_jalali(typed: str | None) -> None:
    """Say on standard error what a Jalali date typed was read as (output stays data)."""
    from crm_tui.dates import jalali_note

    if typed and (note := jalali_note(typed)):
        warn(note)


def a_day(value: str | None, option: str) -> date | None:
    """The day typed for ``option`` ("2026-12-31", "fri", "1405-09-20"…), None when not
    given; refused as that option's bad value, and a Jalali one said as read."""
    from crm_tui.dates import DateError, parse_day

    if value is None:
        return None
    try:
        day = parse_day(value)
    except DateError as error:
        raise typer.BadParameter(str(error), param_hint=option) from None
    say_jalali(value)
    return day


def an_id(value: Any) -> Any:
    """A Typer callback for ids (one or a list): 1 to 2^63 - 1, what the databases hold."""
    from crm_tui.validation import MAX_ID

    for number in value if isinstance(value, list | tuple) else [value]:
        if number is not None and not 1 <= number <= MAX_ID:
            raise typer.BadParameter(f"{number} is not an id (ids go from 1 to {MAX_ID})")
    return value


DealOption = typer.Option(None, "--deal", callback=an_id, metavar="ID", help="About this deal.")


def parse_pairs(values: list[str] | None, *, what: str) -> dict[str, str]:
    """``["City=Lyon", "VAT=DE1"]`` -> ``{"City": "Lyon", "VAT": "DE1"}``."""
    pairs: dict[str, str] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{item!r} is not NAME=VALUE", param_hint=what)
        pairs[name.strip()] = value.strip()
    return pairs


def labeled(values: list[str] | None) -> list[dict[str, str]]:
    """``["work:a@b.c", "x@y.z"]`` -> labelled values (a label before a colon is optional)."""
    items = []
    for raw in values or []:
        label, sep, value = raw.partition(":")
        scheme = label.lower() in ("tel", "mailto")
        if sep and label.isalpha() and len(label) <= 12 and not scheme:
            items.append({"label": label, "value": value})
        else:
            items.append({"label": "", "value": raw})
    return items


def _say(line: str) -> None:
    """A note on stderr (stdout stays the command's output)."""
    print(f"crm: {one_line(line)}", file=sys.stderr, flush=True)


class Interrupts:
    """Ctrl-C during a bulk write, handled so that what the command says is true.

    Until ``hold()``, Ctrl-C raises KeyboardInterrupt as usual (the transaction is rolled
    back, "nothing was changed"), and is remembered: Python drops an interrupt that lands in
    a finaliser (a generator closed half-way, a ``__del__``), so ``check()`` raises it again
    before the commit. From ``hold()`` (just before the commit) it is only noted: the work
    is saved whole and reported, then ``came_late`` says the interrupt came too late.
    """

    def __init__(self) -> None:
        self.seen = self.held = self.came_late = False

    def on_signal(self, _signum: int, _frame: Any) -> None:
        self.seen = True
        if self.held:
            self.came_late = True
            return
        raise KeyboardInterrupt

    def check(self) -> None:
        if self.seen:
            raise KeyboardInterrupt

    def hold(self) -> None:
        self.check()
        self.held = True

    def say_if_late(self, what: str) -> None:
        if self.came_late:
            warn(f"Ctrl-C came as the {what} was being saved: it is complete (see above)")


@contextmanager
def interrupts_handled() -> Iterator[Interrupts]:
    """An ``Interrupts`` in charge of Ctrl-C for the block (main thread, default handler
    only: elsewhere it changes nothing)."""
    interrupts = Interrupts()
    previous = signal.getsignal(signal.SIGINT)
    ours = previous is signal.default_int_handler and (
        threading.current_thread() is threading.main_thread()
    )
    if ours:
        signal.signal(signal.SIGINT, interrupts.on_signal)
    try:
        yield interrupts
    finally:
        if ours:
            signal.signal(signal.SIGINT, previous)


def segment_ids(session: Any, segment: str | None, rule: str | None) -> list[int]:
    """The ids of the contacts of --segment and --rule (both must hold)."""
    from crm_tui.services.contacts import ContactQuery, contact_ids_matching

    query = ContactQuery(rule=segment_rule(session, segment, rule))
    return contact_ids_matching(session=session, query=query)


def segment_rule(session: Any, segment: str | None, rule: str | None) -> str:
    """The rule of --segment and --rule together (both must hold). Each is read on its own,
    so a rule's brackets stay inside it and its errors are about what was typed."""
    from crm_tui.rules import All, parse, text
    from crm_tui.services.segments import get_segment

    parts = [parse(get_segment(session=session, name=segment).rule)] if segment else []
    if rule is not None:
        parts.append(parse(rule))
    if not parts:
        return ""
    return text(parts[0] if len(parts) == 1 else All(tuple(parts)))


def hint_if_misspelt(session: Any, rule: str, count: int) -> None:
    """Where ``rule`` matched nobody, say on standard error which of its free custom field
    names differ only in case from one in use (such a field is matched as written)."""
    from crm_tui.services.segments import misspelt_keys

    if count or not rule:
        return
    for typed, used in misspelt_keys(session=session, rule=rule):
        warn(f"no contact has a field {typed!r}; did you mean {used!r}?")


def list_batches_said(
    ctx: typer.Context,
    *,
    kinds: list[Any],
    as_json: bool,
    line: Callable[[dict[str, Any]], str],
    none: str = "",
) -> None:
    """The newest batches of these kinds (imports' or bulk actions'): as JSON, or a
    ``line`` each, "  (undone)" after one undone; ``none`` when there are none."""
    from crm_tui.services.imports import list_batches

    with state(ctx).read() as session:
        batches = list_batches(session=session, kinds=kinds)
    if as_json:
        print_json(batches)
        return
    for batch in batches:
        echo(line(batch) + ("  (undone)" if batch["undone_at"] else ""))
    if not batches and none:
        echo(none)


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
        # An export writes its rows to stdout while the bar runs: Rich's default would
        # send them to the bar's console (stderr) instead.
        redirect_stdout=False,
        redirect_stderr=False,
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


def undo_batch(
    ctx: typer.Context, batch: int, *, kinds: list[Any], what: str, still_open: str, done: str
) -> None:
    """Undo an import's or a bulk action's batch and say so: what was kept on stderr (exit
    3), ``still_open`` when nothing could be undone (exit 1), else ``done`` and the summary."""
    from crm_tui.services.imports import undo_import

    cli = state(ctx)
    with progress_bar(f"undoing {what} #{batch}"), cli.write() as session:  # a pulse
        report = undo_import(
            session=session, batch_id=batch, kinds=kinds, what=what, actor_id=cli.actor_id(session)
        )
    for kept in report.kept:
        warn(f"kept {kept}")
    if report.undone:
        echo(f"{done}: {report.summary()}")
    else:
        warn(still_open)
    raise typer.Exit(report.exit_code)
