"""``?``: every key binding active on the current screen, with what it does."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from screens.text import literal


def key_lines(screen: Screen[object]) -> list[str]:
    """One line per active binding of ``screen`` (its focused widget, itself and the app)."""
    lines = []
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.description:
            shown = binding.key_display or screen.app.get_key_display(Binding(key, ""))
            lines.append(f"{shown:<12} {binding.description}")
    return lines


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        text = "Keys (ctrl+p opens the command palette)\n\n" + "\n".join(self.lines)
        with VerticalScroll(id="help-body"):
            yield Static(literal(text), id="help-keys")
