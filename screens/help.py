"""``?``: every key binding active on the current screen, with what it does."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from screens.base import DialogStyles
from screens.text import literal


def _action(binding: BindingType) -> str:
    return binding.action if isinstance(binding, Binding) else binding[1]


def key_lines(screen: Screen[object]) -> list[tuple[str, str]]:
    """(keys, what they do) per active binding of ``screen`` (its focused widget, itself and
    the app)."""

    # The screen's own actions first: they are what "?" is pressed for, while Textual's
    # keys (focus, copy) and the focused widget's (arrows, scrolling) are the familiar ones.
    textual_actions = {_action(b) for b in (*Screen.BINDINGS, *App.BINDINGS)}

    def rank(found: ActiveBinding) -> int:
        if _action(found.binding) in textual_actions:
            return 3
        return 0 if found.node is screen else 1 if found.node is screen.app else 2

    # "n,t" is one binding to the reader but two to Textual: one line with both keys.
    keys: dict[tuple[int, str, str], list[str]] = {}
    for key, found in sorted(screen.active_bindings.items(), key=lambda item: rank(item[1])):
        binding = found.binding
        if binding.description:
            shown = screen.app.get_key_display(Binding(key, ""))  # each key, not key_display
            keys.setdefault((id(found.node), binding.action, binding.description), []).append(shown)
    # Textual's own descriptions may start lower-case ("palette"): one style for the list.
    return [
        (" ".join(shown), description[:1].upper() + description[1:])
        for (_, _, description), shown in keys.items()
    ]


_LAYOUTS = (
    "\n\nOn the Persian keyboard layout a key does what it does on a US one"
    " (ی is d, ۲ is 2, ؟ is ?)."
)


class HelpScreen(DialogStyles, ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
        Binding("j,down", "scroll('down')", "Down", show=False),
        Binding("k,up", "scroll('up')", "Up", show=False),
        Binding("pagedown,space", "scroll('page_down')", "Page down", show=False),
        Binding("pageup", "scroll('page_up')", "Page up", show=False),
    ]

    def __init__(self, lines: list[tuple[str, str]], notes: str = "") -> None:
        super().__init__()
        self.lines, self.notes = lines, notes

    def compose(self) -> ComposeResult:
        width = max((len(keys) for keys, _ in self.lines), default=0)
        listed = "\n".join(f"{keys:<{width}}  {action}" for keys, action in self.lines)
        text = "Keys (ctrl+p opens the command palette)\n\n" + listed + _LAYOUTS
        if self.notes:
            text += "\n\n" + self.notes
        with VerticalScroll(id="help-body"):
            yield Static(literal(text), id="help-keys")

    def action_scroll(self, how: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        {
            "down": body.scroll_down,
            "up": body.scroll_up,
            "page_down": body.scroll_page_down,
            "page_up": body.scroll_page_up,
        }[how](animate=False)
