"""Typer's CliRunner, with ``crm``'s Typer app turned into its click command once.

Turning the app into a click command costs about 30 ms, and Typer's runner does it on every
invoke (most of a short command's run in a test), through ``typer.testing._get_command``;
the command does not change between invokes, so that function's answer is kept. It is a
private name of Typer's: this module is the one place that touches it, and fails at import
when Typer no longer has it.
"""

from __future__ import annotations

import functools

import typer.testing
from typer.testing import CliRunner

if not callable(getattr(typer.testing, "_get_command", None)):
    raise RuntimeError("typer.testing._get_command is gone: drop tests/cli_runner.py's cache")
typer.testing._get_command = functools.cache(typer.testing._get_command)  # type: ignore[attr-defined]

__all__ = ["CliRunner"]
