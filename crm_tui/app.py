"""The Textual app: four screens switched by number keys, a command palette, a help screen.

The screens live in the ``screens`` package; this module only wires them together and
holds what they share (the database, the settings, the current user, "today").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import get_current_worker

from crm_tui import display
from crm_tui.config import Settings
from crm_tui.db import Database
from screens.base import DataChanged
from screens.commands import CrmCommands, SegmentCommands
from screens.contacts import ContactsScreen
from screens.help import HelpScreen, key_lines
from screens.interactions import LogScreen
from screens.pipeline import PipelineScreen
from screens.tasks import TasksScreen
from screens.text import joiner, on_latin_layout, safe, type_joiner
from screens.textual_compat import style_app_first
from screens.today import TodayScreen

WATCH_SECONDS = 0.5  # how long one wait for outside changes lasts (and quitting may take)


def _dashboard() -> Screen[None]:
    """The dashboard, imported when first opened: its chart library is not part of the
    app's first paint."""
    from screens.dashboard import DashboardScreen

    return DashboardScreen()


def _agenda() -> Screen[None]:
    from screens.agenda import AgendaScreen

    return AgendaScreen()


class CrmApp(App[None]):
    """crm-tui: Today, Contacts, the interaction log and the task board."""

    TITLE = "crm"
    CSS_PATH = Path(__file__).with_name("app.tcss")
    COMMANDS: ClassVar = App.COMMANDS | {CrmCommands, SegmentCommands}
    DEFAULT_MODE: ClassVar[str] = "today"  # the first screen, built at start (no switch)
    MODES: ClassVar = {
        "today": TodayScreen,
        "contacts": ContactsScreen,
        "log": LogScreen,
        "tasks": TasksScreen,
        "pipeline": PipelineScreen,
        "dashboard": _dashboard,
        "agenda": _agenda,
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "switch_mode('today')", "Today", show=False, id="screen.today"),
        Binding("2", "switch_mode('contacts')", "Contacts", show=False, id="screen.contacts"),
        Binding("3", "switch_mode('log')", "Log", show=False, id="screen.log"),
        Binding("4", "switch_mode('tasks')", "Tasks", show=False, id="screen.tasks"),
        Binding("5", "switch_mode('pipeline')", "Pipeline", show=False, id="screen.pipeline"),
        Binding("6", "switch_mode('dashboard')", "Dashboard", show=False, id="screen.dashboard"),
        Binding("7", "switch_mode('agenda')", "Agenda", show=False, id="screen.agenda"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("f2", "toggle_calendar", "Calendar", show=False, id="app.calendar"),
        Binding("f3", "toggle_digits", "Digits", show=False, id="app.digits"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        *,
        database: Database,
        settings: Settings | None = None,
        today: date | None = None,
        watch_changes: bool = True,
    ) -> None:
        super().__init__()
        self.database = database
        self.settings = settings or Settings()
        self._today = today
        self.actor_id: int | None = None
        self.changes = 0  # how many outside changes have arrived (screens compare it)
        self.watch_changes = watch_changes
        self.set_keymap(self.settings.keymap)
        display.use_settings(self.settings)

    @property
    def today(self) -> date:
        """The calendar day the app works with (fixed in tests, else the local date)."""
        from crm_tui.services.common import today

        return self._today or today()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Compose):
            style_app_first(self)
        if isinstance(event, events.Key) and not event.is_forwarded:
            event = on_latin_layout(event, self.focused) or event
            typed, field = joiner(event), self.focused
            if typed is not None and field is not None:
                # Queued behind the keys already sent to the field: typed fast, a joiner
                # inserted here at once would land ahead of letters still in its queue.
                field.call_later(type_joiner, field, typed)
                return
        await super().on_event(event)

    def on_mount(self) -> None:
        self.run_worker(self._load_actor, thread=True, group="actor")
        if self.watch_changes:
            self.run_worker(self._watch, thread=True, group="watch")

    def _watch(self) -> None:
        """Tell the screens when the database changed elsewhere (see crm_tui/watch.py)."""
        from crm_tui.watch import watch

        worker = get_current_worker()
        try:
            watcher = watch(self.database)
        except Exception as error:  # no live refresh, but the app works: say so once
            self.call_from_thread(self._no_live_refresh, error)
            return
        try:
            while not worker.is_cancelled:
                if watcher.wait(WATCH_SECONDS) and not worker.is_cancelled:
                    self.call_from_thread(self._data_changed)
        except Exception as error:
            self.call_from_thread(self._no_live_refresh, error)
        finally:
            watcher.close()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification shows its text exactly: the names and values in it are never
        read as markup (a contact called "Ali [/b]" stopped the app when saved), a control
        character is shown as a symbol, and a right-to-left name is laid out in its line.
        ``markup`` is taken and ignored: no notification of ours is written in markup."""
        lines = [safe(line, single_line=True) for line in message.splitlines()] or [""]
        super().notify(
            "\n".join(lines),
            title=safe(title, single_line=True),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def _no_live_refresh(self, error: BaseException) -> None:
        self.log.error(f"live refresh stopped: {error!r}")
        self.notify(
            "Live refresh is off: changes made elsewhere show when a screen is opened again",
            severity="warning",
            timeout=8,
        )

    def action_toggle_calendar(self) -> None:
        """Show dates in the other calendar (F2), until the app closes: ``calendar`` in the
        config file keeps a choice."""
        shown = display.current()
        calendar = next(c for c in display.Calendar if c is not shown.calendar)
        said = f"dates in the {calendar.value.title()} calendar (F2 switches back)"
        self._show_as(replace(shown, calendar=calendar), said)

    def action_toggle_digits(self) -> None:
        """Show Persian digits or Latin ones (F3), until the app closes."""
        shown = display.current()
        digits = next(d for d in display.Digits if d is not shown.digits)
        self._show_as(
            replace(shown, digits=digits), f"{digits.value.title()} digits (F3 switches back)"
        )

    def _show_as(self, shown: display.Display, said: str) -> None:
        """Show dates and numbers as ``shown`` from now on: every screen draws again."""
        display.use(shown)
        self.notify(said)
        self._data_changed()

    def _data_changed(self) -> None:
        self.changes += 1
        for screen in self.screen_stack:
            screen.post_message(DataChanged())

    def _load_actor(self) -> None:
        """Who is using the app: the team member for the OS user (created on first use)."""
        from crm_tui.services.team import ensure_member

        with self.database.write() as session:
            self.actor_id = ensure_member(session=session, username=self.settings.user).id

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            notes = getattr(self.screen, "HELP_NOTES", "")  # a screen's own (a syntax)
            self.push_screen(HelpScreen(key_lines(self.screen), notes))
