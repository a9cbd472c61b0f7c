"""Command palette (ctrl+p): every screen and action by name, and the saved segments."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.markup import escape

from screens.base import describe_error
from screens.text import literal, safe


class CrmCommands(Provider):
    """Go to a screen or run an action of the current screen by typing its name."""

    def _commands(self) -> list[tuple[str, str, str, DOMNode]]:
        app = self.app
        commands: list[tuple[str, str, str, DOMNode]] = [
            ("Go to Today", "switch_mode('today')", "Overdue, due and waiting work", app),
            ("Go to Contacts", "switch_mode('contacts')", "Find and edit contacts", app),
            ("Go to Interaction log", "switch_mode('log')", "Every touchpoint", app),
            ("Go to Tasks", "switch_mode('tasks')", "Kanban board and Gantt chart", app),
            ("Go to Pipeline", "switch_mode('pipeline')", "Deals by stage, won and lost", app),
            ("Go to Dashboard", "switch_mode('dashboard')", "This period beside the last", app),
            ("Go to Agenda", "switch_mode('agenda')", "Appointments and tasks by week", app),
            ("Show keys", "help", "Every key binding", app),
            ("Switch calendar", "toggle_calendar", "Jalali or Gregorian dates (F2)", app),
            ("Switch digits", "toggle_digits", "Persian or Latin digits (F3)", app),
        ]
        # self.screen is the screen the palette was opened on (app.screen is the palette).
        # Its actions count even without a key in the footer (reverse the sort, restore…), and
        # so do the focused widget's shown ones (the Gantt's zoom); the app's own keys (quit,
        # screens, help) are Textual's commands or the ones above.
        seen: set[tuple[str, DOMNode]] = set()
        for key, active in self.screen.active_bindings.items():
            binding, node = active.binding, active.node
            if node is app or not binding.description or (binding.action, node) in seen:
                continue
            if node is self.screen or binding.show:
                seen.add((binding.action, node))
                shown = binding.key_display or key
                commands.append((binding.description, binding.action, f"key {shown}", node))
        return commands

    async def discover(self) -> Hits:
        for name, action, help_text, node in self._commands():
            yield DiscoveryHit(name, partial(self.app.run_action, action, node), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text, node in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self.app.run_action, action, node),
                    help=help_text,
                )


class SegmentCommands(Provider):
    """Saved segments by name, each with its live count: picking one shows its contacts."""

    async def startup(self) -> None:
        self.segments: list[tuple[str, str, str]] = []  # name, rule, "37 contacts"
        try:
            self.segments = await asyncio.to_thread(self._read)
        except Exception as error:  # a database error is said, not raised into the palette
            self.app.notify(describe_error(error), severity="error")

    def _read(self) -> list[tuple[str, str, str]]:
        from crm_tui.services.segments import list_segments
        from screens.paging import rule_count_said

        app: Any = self.app
        with app.database.read() as session:
            return [
                (one.name, one.rule, _help(f"{rule_count_said(session, one.rule)} · {one.rule}"))
                for one in list_segments(session=session)
            ]

    def _open(self, name: str, rule: str) -> None:
        from screens.contacts import ContactsScreen

        app: Any = self.app
        app.switch_mode("contacts")

        def show() -> None:  # the contacts list, under whatever is open on top of it
            found = [s for s in app.screen_stack if isinstance(s, ContactsScreen)]
            if found:
                found[-1].show_segment(name, rule)

        app.call_after_refresh(show)

    async def discover(self) -> Hits:
        for name, rule, help_text in self.segments:
            shown = f"Segment: {name}"
            yield DiscoveryHit(
                literal(shown, single_line=True),
                partial(self._open, name, rule),
                text=shown,
                help=help_text,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, rule, help_text in self.segments:
            shown = f"Segment: {name}"
            score = matcher.match(shown)
            if score > 0:
                # Highlighted in logical order, or laid out (right to left) and not.
                plain = "[" not in shown and safe(shown, single_line=True) == shown
                display = matcher.highlight(shown) if plain else literal(shown, single_line=True)
                yield Hit(
                    score, display, partial(self._open, name, rule), text=shown, help=help_text
                )


def _help(text: str) -> str:
    """A hit's help, which the palette reads as markup: escaped, laid out."""
    return escape(safe(text, single_line=True))
