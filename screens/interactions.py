"""Interaction log screen (filled in by its own issue)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.base import CrmScreen
from screens.widgets.keybar import KeyBar
from screens.widgets.topbar import TopBar


class LogScreen(CrmScreen):
    def compose(self) -> ComposeResult:
        yield TopBar("log")
        yield Static("Interaction log", id="interactions-placeholder")
        yield KeyBar()
