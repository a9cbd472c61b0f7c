"""Command palette (ctrl+p): every screen and action by name."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class CrmCommands(Provider):
    """Go to a screen or run an action of the current screen by typing its name."""

    def _commands(self) -> list[tuple[str, str, str]]:
        commands = [
            ("Go to Today", "switch_mode('today')", "Overdue, due and waiting work"),
            ("Go to Contacts", "switch_mode('contacts')", "Find and edit contacts"),
            ("Go to Interaction log", "switch_mode('log')", "Every touchpoint"),
            ("Go to Tasks", "switch_mode('tasks')", "Kanban board and Gantt chart"),
            ("Show keys", "help", "Every key binding"),
        ]
        screen = self.app.screen
        for bindings in screen._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.description and binding.show:
                    commands.append((binding.description, binding.action, f"key {binding.key}"))
        return commands

    async def discover(self) -> Hits:
        for name, action, help_text in self._commands():
            yield DiscoveryHit(name, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(name), partial(self._run, action), help=help_text
                )

    async def _run(self, action: str) -> None:
        screen = self.app.screen
        if action.startswith(("switch_mode", "help")):
            await self.app.run_action(action)
        else:
            await self.app.run_action(action, screen)
