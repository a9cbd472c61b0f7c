"""Tasks screen (filled in by its own issue)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.base import CrmScreen
from screens.widgets.keybar import KeyBar
from screens.widgets.topbar import TopBar


class TasksScreen(CrmScreen):
    def compose(self) -> ComposeResult:
        yield TopBar("tasks")
        yield Static("Tasks", id="tasks-placeholder")
        yield KeyBar()
