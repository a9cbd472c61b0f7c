"""A one-line footer of the keys that work right now.

Textual's Footer mounts a widget per key and recomposes whenever bindings change, which
made it the single most expensive part of painting a screen (bench/contacts_screen.py
measures the first paint). This renders the same hints
as one line of text; ``?`` still lists every binding and ctrl+p runs any of them.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        padding: 0 1;
    }
    """

    _shown: list[tuple[str, str, bool]] | None = None  # (key, description, enabled)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def on_resize(self) -> None:
        self._bindings_changed(self.screen)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        own: list[tuple[str, str, bool]] = []
        app_keys: list[tuple[str, str, bool]] = []
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.show or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            shown = binding.key_display or self.app.get_key_display(Binding(key, ""))
            target = app_keys if active.node is self.app else own
            target.append((shown, binding.description, active.enabled))
        width = max(self.size.width - 2, 20)
        while own and _length(own + app_keys) > width:
            own.pop()  # the app's keys (help, quit) always stay visible
        keys = own + app_keys
        if keys != self._shown:  # bindings change on every focus move, the keys seldom
            self._shown = keys
            self.update(Content.assemble(*_parts(keys)), layout=False)  # one line, fixed size


def _length(items: list[tuple[str, str, bool]]) -> int:
    return sum(len(key) + len(description) + 3 for key, description, _ in items)


def _parts(items: list[tuple[str, str, bool]]) -> list[tuple[str, str] | str]:
    parts: list[tuple[str, str] | str] = []
    for key, description, enabled in items:
        style = "bold $footer-key-foreground" if enabled else "$text-disabled"
        parts += [(key, style), f" {description}  "]
    return parts
