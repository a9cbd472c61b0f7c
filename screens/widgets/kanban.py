"""The task board: a column per status on the shared board (``screens.widgets.board``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from crm_tui import bidi, display
from crm_tui.models import TaskStatus
from crm_tui.schemas import TaskRead
from crm_tui.text import for_terminal
from screens.widgets.board import Board, CardLine

COLUMNS = [
    TaskStatus.TODO.value,
    TaskStatus.DOING.value,
    TaskStatus.BLOCKED.value,
    TaskStatus.DONE.value,
]
TITLES = {"todo": "To do", "doing": "Doing", "blocked": "Blocked", "done": "Done"}


def progress_bar(progress: int, width: int = 10) -> str:
    filled = round(progress / 100 * width)
    return "█" * filled + "░" * (width - filled)


class KanbanBoard(Board):
    """Four columns of tasks: title, who, due date and progress."""

    DEFAULT_CSS = "KanbanBoard > BoardColumn { min-width: 16; }"  # four fit in 80 columns

    def __init__(self, today: date, *, id: str | None = None) -> None:
        super().__init__(COLUMNS, self._lines, id=id)
        self.today = today

    def _lines(self, task: TaskRead) -> list[CardLine]:
        done = task.status == TaskStatus.DONE.value
        marker = "◆ " if task.milestone else ("↻ " if task.repeat else "")
        who = " · ".join(p for p in (task.contact_name, task.assignee) if p)
        due = f"due {bidi.layout(display.day_month(task.due))}" if task.due else "no due date"
        progress = f"{progress_bar(task.progress, 8)} {display.digits(str(task.progress))}%"
        late = "board--late" if task.is_overdue(self.today) else ""
        return [
            CardLine(marker + for_terminal(task.title, single_line=True), "board--muted" * done),
            CardLine(for_terminal(who, single_line=True) or "—", "board--muted"),
            # crm's own line, its date already laid out
            CardLine(f"{due}  {progress}", late or "board--muted" * done, laid_out=True),
        ]

    def set_tasks(self, tasks: Sequence[TaskRead], keep: int | None = None) -> None:
        """Show ``tasks`` (in board order); ``keep`` selects that task id if present."""
        by_status: dict[str, list[TaskRead]] = {status: [] for status in COLUMNS}
        for task in tasks:
            by_status.setdefault(task.status, []).append(task)
        headers = {
            status: [CardLine(f"{TITLES[status]} ({display.number(len(cards))})")]
            for status, cards in by_status.items()
        }
        self.set_cards(by_status, headers, keep=keep)
