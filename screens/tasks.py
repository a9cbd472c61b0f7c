"""Tasks screen (filled in by its own issue)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from screens.base import CrmScreen


class TasksScreen(CrmScreen):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Tasks", id="tasks-placeholder")
        yield Footer()
