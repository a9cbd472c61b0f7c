"""The top line: the screens as tabs (number keys switch), the database and the user."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.content import Content
from textual.widgets import Static

from crm_tui.config import location_label

TABS = [
    ("1", "today", "Today"),
    ("2", "contacts", "Contacts"),
    ("3", "log", "Log"),
    ("4", "tasks", "Tasks"),
    ("5", "pipeline", "Pipeline"),
    ("6", "dashboard", "Dashboard"),
    ("7", "agenda", "Agenda"),
]


class TopBar(Static):
    DEFAULT_CSS = """
    TopBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, current: str, detail: str = "") -> None:
        super().__init__()
        self.current, self.detail = current, detail
        self._spans: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.update(self._content(), layout=False)  # one docked line: no layout to redo

    def _content(self) -> Content:
        parts: list[Any] = [("crm ", "bold $text-primary")]
        position, self._spans = 4, []
        for key, mode, title in TABS:
            label = f" {key} {title} "
            style = "reverse bold $text-primary" if mode == self.current else "$text-muted"
            parts.append((label, style))
            self._spans.append((position, position + len(label), mode))
            position += len(label)
        app: Any = self.app
        settings = getattr(app, "settings", None)
        where = getattr(settings, "label", "")
        if not where and hasattr(app, "database"):
            where = location_label(app.database.url)
        user = getattr(settings, "user", "")
        right = "  ".join(part for part in (self.detail, where, user) if part)
        parts.append((f"   {right}", "$text-muted"))
        return Content.assemble(*parts)

    def on_click(self, event: events.Click) -> None:
        for start, end, mode in self._spans:
            if start <= event.x - 1 < end:
                self.app.switch_mode(mode)
