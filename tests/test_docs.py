"""The README documents every command of ``crm`` (a new command without docs fails here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer.main

from crm_tui.cli import app
from tests.cli_runner import CliRunner

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _tree(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    """Every command and group under ``group`` with its path, depth first."""
    found: list[tuple[tuple[str, ...], object]] = []
    for name, command in getattr(group, "commands", {}).items():
        found.append(((*prefix, name), command))
        found += _tree(command, (*prefix, name))
    return found


def _is_group(command: object) -> bool:
    return bool(getattr(command, "commands", None))


def _command_paths(group: object) -> list[str]:
    """What a user runs: each command, and each group that runs on its own (crm backup)."""
    return [
        " ".join(path)
        for path, command in _tree(group)
        if not _is_group(command) or getattr(command, "invoke_without_command", False)
    ]


def _group_paths(group: object) -> list[str]:
    return [" ".join(path) for path, command in _tree(group) if _is_group(command)]


def test_every_command_is_in_the_readme() -> None:
    paths = _command_paths(typer.main.get_command(app))
    assert len(paths) > 10
    missing = [path for path in paths if f"crm {path}" not in README]
    assert not missing, f"add these to README.md: {missing}"


def test_each_command_is_summed_up_in_one_plain_line() -> None:
    """``crm --help`` lists each command by its help's first paragraph, as written: a
    summary wrapped over two lines broke mid-sentence there, and reST quotes showed."""
    commands = [command for _, command in _tree(typer.main.get_command(app))]
    assert len(commands) > 10
    for command in commands:
        help_text = getattr(command, "help", None) or ""
        summary = help_text.strip().split("\n\n")[0]
        assert "\n" not in summary, summary
        assert "``" not in help_text, help_text


def test_the_commands_are_listed_daily_ones_first() -> None:
    shown = CliRunner().invoke(app, ["--help"], prog_name="crm").output
    listed = [line.split()[0] for line in shown.split("Commands:")[1].splitlines() if line.strip()]
    assert listed[:4] == ["contacts", "log", "tasks", "agenda"]
    assert sorted(listed) == sorted(_tree_names())
    assert "--db PATH|URL" in shown


def _tree_names() -> list[str]:
    return [path[0] for path, _ in _tree(typer.main.get_command(app)) if len(path) == 1]


def test_help_at_80_columns_cuts_no_summary_and_asks_no_value_of_a_flag() -> None:
    """Typer's Rich panels showed every flag as ``--dry-run <bool>``, as if it took a value,
    a repeatable option as ``--map <list[str]>`` and a bounded number as ``--limit <int
    range>``;
    plain help cuts a command's summary that does not fit with "..." (run for real: the
    test runner's help is two columns wider than a terminal's)."""
    root = typer.main.get_command(app)
    environment = {**os.environ, "COLUMNS": "80"}
    for path in [(), *(tuple(p.split()) for p in _group_paths(root))]:
        shown = subprocess.run(
            [sys.executable, "-m", "crm_tui", *path, "--help"],
            capture_output=True,
            text=True,
            env=environment,
            check=True,
        ).stdout
        assert "..." not in shown.split("Commands:")[1], shown
    for command in _command_paths(root):
        shown = CliRunner().invoke(app, [*command.split(), "--help"], prog_name="crm").output
        assert "Usage: crm" in shown, command
        assert "<bool>" not in shown, shown
        options = [line for line in shown.splitlines() if line.lstrip().startswith("-")]
        assert not [line for line in options if "<list[" in line], shown  # name the value
        assert not [line for line in options if "range>" in line], shown  # not "<int range>"
