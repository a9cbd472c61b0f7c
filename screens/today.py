"""Today (``1``): what is overdue, due, waiting for a follow-up, and who was not contacted."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Static

from crm_tui.services.agenda import Agenda, build_agenda
from screens.base import CrmScreen, plural
from screens.text import literal
from screens.widgets.keybar import KeyBar
from screens.widgets.topbar import TopBar


class TodayScreen(CrmScreen):
    """The start screen."""

    SUB_TITLE = "Today"

    class AgendaLoaded(Message):
        def __init__(self, agenda: Agenda) -> None:
            super().__init__()
            self.agenda = agenda

    def compose(self) -> ComposeResult:
        yield TopBar("today")
        yield Static("Loading…", id="today-summary")
        yield KeyBar()

    def on_screen_resume(self) -> None:
        self.load_agenda()

    @work(thread=True, exclusive=True, group="today")
    def load_agenda(self) -> None:
        def load() -> Agenda:
            with self.read() as session:
                return build_agenda(
                    session=session,
                    today=self.today,
                    days=self.crm.settings.due_soon_days,
                    stale_days=self.crm.settings.stale_days,
                )

        agenda = self.guarded(load)
        if agenda is not None:
            self.post_message(self.AgendaLoaded(agenda))

    def on_today_screen_agenda_loaded(self, message: AgendaLoaded) -> None:
        agenda = message.agenda
        lines = [
            f"{plural(len(agenda.overdue), 'overdue task')}, "
            f"{len(agenda.due_today)} due today, {len(agenda.due_soon)} coming up",
            f"{plural(len(agenda.open_complaints), 'open complaint')}",
        ]
        for task in agenda.overdue[:10]:
            lines.append(f"  overdue {task.due}  {task.title}")
        self.query_one("#today-summary", Static).update(literal("\n".join(lines)))
