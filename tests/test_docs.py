"""The README documents every command of ``crm`` (a new command without docs fails here)."""

from __future__ import annotations

from pathlib import Path

import typer.main

from crm_tui.cli import app

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _command_paths(group: object, prefix: tuple[str, ...] = ()) -> list[str]:
    paths = []
    for name, command in getattr(group, "commands", {}).items():
        path = (*prefix, name)
        if getattr(command, "commands", None):
            paths += _command_paths(command, path)
            if getattr(command, "invoke_without_command", False):
                paths.append(" ".join(path))
        else:
            paths.append(" ".join(path))
    return paths


def test_every_command_is_in_the_readme() -> None:
    paths = _command_paths(typer.main.get_command(app))
    assert len(paths) > 10
    missing = [path for path in paths if f"crm {path}" not in README]
    assert not missing, f"add these to README.md: {missing}"


def _commands(group: object) -> list[object]:
    found = []
    for command in getattr(group, "commands", {}).values():
        found.append(command)
        found += _commands(command)
    return found


def test_each_command_is_summed_up_in_one_plain_line() -> None:
    """``crm --help`` lists each command by its help's first paragraph, as written: a
    summary wrapped over two lines broke mid-sentence there, and reST quotes showed."""
    commands = _commands(typer.main.get_command(app))
    assert len(commands) > 10
    for command in commands:
        help_text = getattr(command, "help", None) or ""
        summary = help_text.strip().split("\n\n")[0]
        assert "\n" not in summary, summary
        assert "``" not in help_text, help_text
