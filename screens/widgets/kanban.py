"""The Kanban board: four columns of cards, each column a line-API view (only visible cards
are rendered), one card selected on the whole board.

Keys move the selection (arrows, hjkl) or the card itself (shift+arrows, HJKL); clicking a
card selects it and clicking a column title moves the selected card there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from crm_tui import bidi, display
from crm_tui.models import TaskStatus
from crm_tui.schemas import TaskRead
from crm_tui.text import for_terminal

COLUMNS = [
    TaskStatus.TODO.value,
    TaskStatus.DOING.value,
    TaskStatus.BLOCKED.value,
    TaskStatus.DONE.value,
]
TITLES = {"todo": "To do", "doing": "Doing", "blocked": "Blocked", "done": "Done"}
CARD_HEIGHT = 4  # three lines of card and a gap


def progress_bar(progress: int, width: int = 10) -> str:
    filled = round(progress / 100 * width)
    return "█" * filled + "░" * (width - filled)


class KanbanColumn(ScrollView, can_focus=False):
    """One status: a header line, then cards of CARD_HEIGHT lines."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "kanban--title",
        "kanban--card",
        "kanban--selected",
        "kanban--late",
        "kanban--muted",
    }
    DEFAULT_CSS = """
    KanbanColumn { width: 1fr; height: 1fr; background: $surface; overflow-x: hidden; }
    KanbanColumn > .kanban--title { text-style: bold; color: $text-accent; }
    KanbanColumn > .kanban--card { background: $panel; }
    KanbanColumn > .kanban--selected { background: $block-cursor-background;
                                       color: $block-cursor-foreground; text-style: bold; }
    KanbanColumn > .kanban--late { color: $text-error; }
    KanbanColumn > .kanban--muted { color: $text-muted; }
    """

    class TitleClicked(Message):
        def __init__(self, status: str) -> None:
            super().__init__()
            self.status = status

    class CardClicked(Message):
        def __init__(self, status: str, index: int) -> None:
            super().__init__()
            self.status, self.index = status, index

    def __init__(self, status: str, today: date) -> None:
        super().__init__(id=f"column-{status}")
        self.status, self.today = status, today
        self.cards: list[TaskRead] = []
        self.selected: int | None = None

    def set_cards(self, cards: Sequence[TaskRead]) -> None:
        self.cards = list(cards)
        self.virtual_size = Size(self.size.width, 1 + len(self.cards) * CARD_HEIGHT)
        self.refresh()

    def select(self, index: int | None) -> None:
        self.selected = index
        if index is not None:
            top = 1 + index * CARD_HEIGHT
            if top < self.scroll_y + 1:
                self.scroll_to(y=max(top - 1, 0), animate=False)
            elif top + CARD_HEIGHT > self.scroll_y + self.size.height:
                self.scroll_to(y=top + CARD_HEIGHT - self.size.height, animate=False)
        self.refresh()

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name)

    def _text(self, text: str, style: Style) -> Strip:
        width = self.scrollable_content_region.width
        # Cut in logical order, then laid out (a right-to-left title loses its end).
        return Strip([Segment(" " + bidi.cell(text, width - 1), style)], width)

    def render_line(self, y: int) -> Strip:
        base = self.rich_style
        if y == 0:
            title = f"{TITLES[self.status]} ({len(self.cards)})"
            return self._text(title, base + self._style("kanban--title"))
        line = int(self.scroll_y) + y - 1
        index, row = divmod(line, CARD_HEIGHT)
        if index >= len(self.cards) or row == CARD_HEIGHT - 1:
            return Strip.blank(self.size.width, base)
        task = self.cards[index]
        style = base + self._style("kanban--card")
        if index == self.selected:
            style += self._style("kanban--selected")
        line_style = self._line_style(task, row, style)
        if row == 2:  # crm's own line, its date already laid out
            width = self.scrollable_content_region.width
            return Strip(
                [Segment(set_cell_size(" " + self._due_line(task), width), line_style)], width
            )
        return self._text(self._card_line(task, row), line_style)

    def _card_line(self, task: TaskRead, row: int) -> str:
        if row == 0:
            marker = "◆ " if task.milestone else ""
            return marker + for_terminal(task.title, single_line=True)
        who = " · ".join(p for p in (task.contact_name, task.assignee) if p)
        return for_terminal(who, single_line=True) or "—"

    def _due_line(self, task: TaskRead) -> str:
        due = f"due {bidi.layout(display.day_month(task.due))}" if task.due else "no due date"
        return f"{due}  {progress_bar(task.progress, 8)} {display.digits(str(task.progress))}%"

    def _line_style(self, task: TaskRead, row: int, style: Style) -> Style:
        if row == 2 and task.is_overdue(self.today):
            return style + self._style("kanban--late")
        if row == 1 or task.status == TaskStatus.DONE.value:
            return style + self._style("kanban--muted")
        return style

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            self.post_message(self.TitleClicked(self.status))
            return
        index = (int(self.scroll_y) + event.y - 1) // CARD_HEIGHT
        if 0 <= index < len(self.cards):
            self.post_message(self.CardClicked(self.status, index))

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, 1 + len(self.cards) * CARD_HEIGHT)


class KanbanBoard(Horizontal, can_focus=True):
    """Four columns; the board owns the selection and the keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "select(-1, 0)", "Left", show=False),
        Binding("right,l", "select(1, 0)", "Right", show=False),
        Binding("up,k", "select(0, -1)", "Up", show=False),
        Binding("down,j", "select(0, 1)", "Down", show=False),
        Binding("shift+left,H", "move(-1, 0)", "Move left", key_display="H", id="board.move_left"),
        Binding(
            "shift+right,L", "move(1, 0)", "Move right", key_display="L", id="board.move_right"
        ),
        Binding("shift+up,K", "move(0, -1)", "Move up", show=False, id="board.move_up"),
        Binding("shift+down,J", "move(0, 1)", "Move down", show=False, id="board.move_down"),
    ]
    DEFAULT_CSS = """
    KanbanBoard { height: 1fr; }
    KanbanBoard > KanbanColumn { margin: 0 1 0 0; }
    """

    class Move(Message):
        """Move ``task`` to ``status`` (a column) and/or ``offset`` places in its column."""

        def __init__(self, task: TaskRead, status: str | None, offset: int) -> None:
            super().__init__()
            self.task, self.status, self.offset = task, status, offset

    class Highlighted(Message):
        def __init__(self, task: TaskRead | None) -> None:
            super().__init__()
            self.task = task

    def __init__(self, today: date, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.today = today
        self.column = 0
        self.rows = [0, 0, 0, 0]

    def compose(self) -> ComposeResult:
        for status in COLUMNS:
            yield KanbanColumn(status, self.today)

    @property
    def columns(self) -> list[KanbanColumn]:
        return list(self.query(KanbanColumn))

    def set_tasks(self, tasks: Sequence[TaskRead], keep: int | None = None) -> None:
        """Show ``tasks`` (in board order); ``keep`` selects that task id if present."""
        by_status: dict[str, list[TaskRead]] = {status: [] for status in COLUMNS}
        for task in tasks:
            by_status.setdefault(task.status, []).append(task)
        for column in self.columns:
            column.set_cards(by_status[column.status])
        if keep is not None:
            for number, column in enumerate(self.columns):
                for index, task in enumerate(column.cards):
                    if task.id == keep:
                        self.column, self.rows[number] = number, index
        self._show_selection()

    @property
    def current(self) -> TaskRead | None:
        column = self.columns[self.column]
        row = self.rows[self.column]
        return column.cards[row] if 0 <= row < len(column.cards) else None

    @property
    def current_status(self) -> str:
        return COLUMNS[self.column]

    def _show_selection(self) -> None:
        for number, column in enumerate(self.columns):
            if column.cards:
                self.rows[number] = min(self.rows[number], len(column.cards) - 1)
            column.select(self.rows[number] if number == self.column and column.cards else None)
        self.post_message(self.Highlighted(self.current))

    def action_select(self, across: int, down: int) -> None:
        self.column = max(0, min(len(COLUMNS) - 1, self.column + across))
        cards = len(self.columns[self.column].cards)
        self.rows[self.column] = max(0, min(cards - 1, self.rows[self.column] + down))
        self._show_selection()

    def action_move(self, across: int, down: int) -> None:
        task = self.current
        if task is None:
            return
        target = self.column + across
        if across and 0 <= target < len(COLUMNS):
            self.post_message(self.Move(task, COLUMNS[target], 0))
        elif down:
            self.post_message(self.Move(task, None, down))

    def on_kanban_column_card_clicked(self, message: KanbanColumn.CardClicked) -> None:
        self.column = COLUMNS.index(message.status)
        self.rows[self.column] = message.index
        self.focus()
        self._show_selection()

    def on_kanban_column_title_clicked(self, message: KanbanColumn.TitleClicked) -> None:
        task = self.current
        if task is not None and task.status != message.status:
            self.post_message(self.Move(task, message.status, 0))
