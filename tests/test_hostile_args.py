"""Every command given hostile arguments: an exit code of the contract, one line on stderr,
never a traceback (numbers past 64 bits, dates past any calendar, inf, broken URLs…)."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import typing
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer

from crm_tui.cli import app
from tests.cli_runner import CliRunner
from tests.conftest import in_mount_namespace
from tests.test_cli import _run
from tests.test_hostile_text import HOSTILE

runner = CliRunner()

HUGE = str(2**64 + 1)
# By the kind of value a parameter takes: what a fuzzer (or a tired user) types.
HOSTILE_VALUES: dict[str, list[str]] = {
    "integer": [HUGE, "-" + HUGE, "0", "abc"],
    "float": ["inf", "nan", "-1", HUGE],
    "text": [HOSTILE.replace("\n", " "), "", "9999-12-31", "-99999999999d", HUGE],
    # Inside the test's folder but /dev/null: a command may create what it is pointed at.
    "path": [
        "{tmp}/missing/x.csv",
        "{tmp}/garbage.bin/under-a-file",
        "/dev/null",
        "{tmp}/garbage.bin",
        "{tmp}/folder",
    ],
}


def _kind(command: Any, param: Any) -> str:
    """The kind of value ``param`` takes, from the annotation of the command's function."""
    hint = typing.get_type_hints(command.callback).get(param.name, str)
    kinds = {bool: "flag", int: "integer", float: "float", Path: "path", str: "text"}
    for kind in (hint, *typing.get_args(hint)):
        for inner in (kind, *typing.get_args(kind)):
            if inner in kinds:
                return kinds[inner]
    return "text"


def _commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name, command in getattr(group, "commands", {}).items():
        if hasattr(command, "commands"):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def _benign(command: Any, param: Any, tmp: Path) -> list[str]:
    """A value that lets the command run, for the arguments not under test."""
    kind = _kind(command, param)
    return [{"integer": "1", "float": "1", "path": str(tmp / "ok.csv")}.get(kind, "1")]


@functools.cache
def _cli() -> Any:
    """The click command tree of ``app``, built once: building it is most of what a case
    would cost."""
    return typer.main.get_command(app)


def _cases() -> list[tuple[tuple[str, ...], str, str]]:
    cli = _cli()
    cases = []
    for path, command in _commands(cli):
        if path in (("demo",), ("restore",)):  # each run fills or replaces the database
            continue
        for param in command.params:
            kind = _kind(command, param)
            for value in HOSTILE_VALUES.get(kind, []):
                cases.append((path, param.name, value))
    return cases


def _args(path: tuple[str, ...], under_test: str, value: str, tmp: Path) -> list[str]:
    command: Any = _cli()
    for name in path:
        command = command.commands[name]
    args = list(path)
    for param in command.params:
        is_test = param.name == under_test
        if param.param_type_name == "argument":
            args += [value.format(tmp=tmp)] if is_test else _benign(command, param, tmp)
        elif is_test:
            args += [param.opts[0], value.format(tmp=tmp)]
    return args


@pytest.fixture
def fuzz_dir(tmp_path: Path) -> Path:
    (tmp_path / "garbage.bin").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "folder").mkdir()
    (tmp_path / "ok.csv").write_text("name,email\nSara,sara@example.com\n", encoding="utf-8")
    return tmp_path


@pytest.mark.slow
@pytest.mark.sqlite_only  # about parsing arguments; 30 s a run, not worth twice in CI
def test_every_command_survives_hostile_arguments(db_url: str, fuzz_dir: Path) -> None:
    """One database for the whole walk, in-process (500 runs)."""
    cases = _cases()
    assert len(cases) > 300, "the walk found the commands and their parameters"
    failures = []
    for path, name, value in cases:
        args = ["--db", db_url, *_args(path, name, value, fuzz_dir)]
        result = runner.invoke(app, args, input="")
        problem = _problem(result)
        if problem:
            failures.append(f"crm {' '.join(args[2:])[:120]!r}: {problem}")
    assert not failures, "\n".join(failures[:20]) + f"\n({len(failures)} in all)"


def _problem(result: Any) -> str:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"raised {type(result.exception).__name__}: {result.exception}"
    if result.exit_code not in (0, 1, 2, 3):
        return f"exit {result.exit_code}"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    # Lines of crm's own (an import's rejected rows, then its summary), at most one error.
    if not all(line.startswith("crm: ") for line in lines) and result.exit_code != 2:
        return f"stderr has lines not of crm's: {result.stderr[:300]!r}"
    if sum(line.startswith("crm: error: ") for line in lines) > 1:
        return f"more than one error line: {result.stderr[:300]!r}"
    if "Traceback" in result.stderr or "unexpected" in result.stderr:
        return f"a defect: {result.stderr[:300]!r}"
    return ""


# ---- through a real process: the bytes and the exit code a script sees ----------------


def _one_line(done: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert done.returncode == code, done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith("crm: error: "), done.stderr
    assert "unexpected" not in done.stderr and "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["contacts", "show", HUGE], ["no contact"]),
        (["contacts", "delete", HUGE], ["no contact"]),
        (["tasks", "done", HUGE], ["9223372036854775807"]),
        (["tasks", "add", "x", "--depends-on", HUGE], ["--depends-on"]),
        (["import", "undo", HUGE], ["is not an id"]),
        (["contacts", "unmerge", HUGE], ["is not an id"]),
        (["tasks", "add", "x", "--due", "9999-12-31"], ["1900 to 2200"]),
        (["tasks", "add", "x", "--estimate", "inf"], ["--estimate"]),
        (["log", "x", "--contact", "1", "--when", "0001-01-01"], ["1900 to 2200"]),
        (["log", "x", "--contact", "1", "--follow-up", "99999999d"], ["1900 to 2200"]),
        (["log", "x", "--contact", "1", "--when", f"-{HUGE}d"], ["1900 to 2200"]),
        (["tasks", "template", "apply", "x", "--start", "9999-12-31"], ["1900 to 2200"]),
        (["agenda", "--days", "3000000"], ["--days"]),
        (["contacts", "list", "--bogus"], ["No such option", "crm contacts list --help"]),
    ],
)
def test_out_of_range_input_is_one_line_and_a_contract_code(
    db_url: str, args: list[str], words: list[str]
) -> None:
    code = 1 if args[:2] in (["contacts", "show"], ["contacts", "delete"]) else 2
    _one_line(_run("--db", db_url, *args), code, *words)


@pytest.mark.slow
@pytest.mark.parametrize(
    "url",
    ["postgresql://u:secret@[::1:1/db", "postgresql://u:secret@host:abc/db"],
)
def test_a_malformed_database_url_is_one_line_with_the_password_masked(url: str) -> None:
    done = _run("--db", url, "contacts", "list")
    _one_line(done, 1, "cannot read the database URL")
    assert "secret" not in done.stderr


@pytest.mark.slow
def test_a_config_file_that_is_not_utf8_is_named_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(b'user = "\xff\xfe"\n')
    done = _run("contacts", "list", env={"CRM_CONFIG": str(config)})
    _one_line(done, 1, str(config), "UTF-8")


@pytest.mark.slow
def test_a_setting_out_of_range_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("stale_days = 99999999999999\n", encoding="utf-8")
    _one_line(_run("agenda", env={"CRM_CONFIG": str(config)}), 1, "stale_days")


def test_an_unknown_keymap_action_or_key_is_refused() -> None:
    from crm_tui.errors import ConfigError
    from screens.keymap import binding_ids, check_keymap

    assert {"app.quit", "contacts.new", "gantt.zoom_in"} <= binding_ids()
    check_keymap({"app.quit": "ctrl+q,f10", "contacts.new": "N"})
    with pytest.raises(ConfigError, match=r"no action 'app\.qiut'"):
        check_keymap({"app.qiut": "ctrl+q"})
    with pytest.raises(ConfigError, match="is not a key"):
        check_keymap({"app.quit": "ctrl q"})


def test_the_readme_lists_every_keymap_id() -> None:
    from screens.keymap import binding_ids

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [found for found in binding_ids() if f"`{found}`" not in readme]
    assert not missing


def test_an_estimate_of_infinity_never_reaches_the_json(db_url: str) -> None:
    from crm_tui.errors import FieldErrors
    from crm_tui.schemas import TaskCreate

    for value in (float("inf"), float("nan"), 1e9):
        with pytest.raises(FieldErrors):
            TaskCreate.build(title="x", estimate_hours=value)
    result = runner.invoke(app, ["--db", db_url, "tasks", "add", "x", "--estimate", "12.5"])
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(app, ["--db", db_url, "tasks", "list", "--json"])
    assert json.loads(result.stdout)[0]["estimate_hours"] == 12.5


def test_a_stored_date_out_of_range_moves_no_task_and_says_why(db_url: str) -> None:
    from sqlalchemy import text

    from crm_tui.db import open_database
    from crm_tui.errors import ValidationError
    from crm_tui.schemas import TaskCreate
    from crm_tui.services.tasks import create_task, reschedule_task

    database = open_database(db_url)
    with database.write() as session:
        task = create_task(
            session=session, data=TaskCreate.build(title="far", due_date=date(2026, 12, 1))
        )
        session.execute(text("UPDATE task SET due_date = '9999-12-31'"))
    with database.write() as session, pytest.raises(ValidationError, match="1900 to 2200"):
        reschedule_task(session=session, task_id=task.id, shift_days=1)
    database.close()


async def test_a_task_due_9999_12_31_does_not_take_the_gantt_down(db_url: str) -> None:
    from sqlalchemy import text

    from crm_tui.db import open_database
    from crm_tui.schemas import TaskCreate
    from crm_tui.services.tasks import create_task
    from screens.tasks import TasksScreen
    from tests.screens_helpers import make_app, open_screen, settle

    database = open_database(db_url)
    with database.write() as session:
        create_task(
            session=session, data=TaskCreate.build(title="Far away", due_date=date(2026, 12, 1))
        )
        create_task(
            session=session, data=TaskCreate.build(title="Soon", due_date=date(2026, 11, 25))
        )
        session.execute(text("UPDATE task SET due_date = '9999-12-31' WHERE title = 'Far away'"))
    app = make_app(database)
    try:
        async with app.run_test(size=(120, 35)) as pilot:
            screen = await open_screen(pilot, "4", TasksScreen)
            await pilot.press("g")  # the Gantt
            await settle(pilot)
            await pilot.press("end", "right", "right")
            await settle(pilot)
            assert app.is_running and app.screen is screen
            assert "Far&#160;away" in app.export_screenshot()
    finally:
        database.close()


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_an_import_onto_a_full_disk_is_one_line_and_changes_nothing(
    db_path: Path, tmp_path: Path
) -> None:
    """Disk full during an import reported "no such savepoint" (a rollback to a savepoint
    the failed write had taken with it): the database on a tmpfs too small for the rows."""
    rows = "".join(f"Person {n},p{n}@example.com,{'a note ' * 20}\n" for n in range(30_000))
    source = tmp_path / "many.csv"
    source.write_text("name,email,notes\n" + rows, encoding="utf-8")
    folder = tmp_path / "small"
    folder.mkdir()
    script = (
        'mount -t tmpfs -o size=3m tmpfs "$1" 2>/dev/null || exit 97\n'
        'cp "$2" "$1/crm.db" && "$3" -m crm_tui --db "$1/crm.db" import contacts "$4"; s=$?\n'
        '"$3" -m crm_tui --db "$1/crm.db" contacts list --json -n 0 >&2; exit $s\n'
    )
    done = in_mount_namespace(script, str(folder), str(db_path), sys.executable, str(source))
    assert done.returncode == 1, done.stderr
    first, *rest = done.stderr.splitlines()
    assert (
        first
        == "crm: error: the disk is full: nothing was changed (free some space and run it again)"
    )
    assert json.loads("\n".join(rest)) == []  # nothing imported
