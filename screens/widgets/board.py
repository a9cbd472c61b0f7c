"""A board of cards in columns (the task board, the sales pipeline): each column a line-API
view (only visible cards are rendered), one card selected on the whole board.

Keys move the selection (arrows, hjkl) or the card itself (shift+arrows, HJKL); clicking a
card selects it and clicking a column's header moves the selected card there. Columns
wider in all than the screen scroll sideways a whole column at a time, the selected one
always in view: a column is never cut at the screen's edge (nor the amount in it). A column
may hold only the first cards of many: it says so in its header, and asks for more
(``NeedMore``) as the selection comes near the last one it has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalScroll
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from crm_tui import bidi

MORE_BEFORE_END = 10  # ask for the next page this many cards before the last one loaded
MAX_COLUMN_WIDTH = 64  # cells


@dataclass(frozen=True)
class CardLine:
    """A line of a card or header: text from the user (cut in logical order, then laid
    out) unless ``laid_out`` (crm composed it and laid it out already); ``style`` is one of
    the board's component classes ("board--muted", "board--late", "board--title"…)."""

    text: str
    style: str = ""
    laid_out: bool = False


Describe = Callable[[Any], Sequence[CardLine]]


class BoardColumn(ScrollView, can_focus=False):
    """One column: its header lines, then cards of ``card_lines`` lines and a gap."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "board--title",
        "board--card",
        "board--selected",
        "board--late",
        "board--muted",
        "board--good",
    }
    DEFAULT_CSS = """
    BoardColumn { width: 1fr; min-width: 24; height: 1fr; background: $surface;
                  overflow-x: hidden; }
    BoardColumn > .board--title { text-style: bold; color: $text-accent; }
    BoardColumn > .board--card { background: $panel; }
    BoardColumn > .board--selected { background: $block-cursor-background;
                                     color: $block-cursor-foreground; text-style: bold; }
    BoardColumn > .board--late { color: $text-error; }
    BoardColumn > .board--muted { color: $text-muted; }
    BoardColumn > .board--good { color: $text-success; }
    """

    class HeaderClicked(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class CardClicked(Message):
        def __init__(self, key: str, index: int) -> None:
            super().__init__()
            self.key, self.index = key, index

    def __init__(self, key: str, describe: Describe, card_lines: int) -> None:
        super().__init__(id=f"column-{key}")
        self.key, self.describe = key, describe
        self.card_height = card_lines + 1
        self.header: list[CardLine] = []
        self.header_height = 1
        self.cards: list[Any] = []
        self.total = 0
        self.selected: int | None = None
        # Each card's lines, worked out once: a card is drawn a line at a time, and again on
        # every refresh (a move of the selection).
        self._lines: dict[int, Sequence[CardLine]] = {}

    def set_cards(self, cards: Sequence[Any], header: list[CardLine], total: int) -> None:
        self.cards, self.header, self.total = list(cards), header, total
        self._lines.clear()
        self._fit()
        self.refresh()

    def add_cards(self, cards: Sequence[Any]) -> None:
        self.cards += cards
        self._fit()
        self.refresh()

    @property
    def complete(self) -> bool:
        return len(self.cards) >= self.total

    def _fit(self) -> None:
        self.virtual_size = Size(
            self.size.width, self.header_height + len(self.cards) * self.card_height
        )

    def select(self, index: int | None) -> None:
        # Only a column whose selection changes is drawn again (every column is told).
        changed, self.selected = index != self.selected, index
        if index is not None:
            top = self.header_height + index * self.card_height
            if top < self.scroll_y + self.header_height:
                self.scroll_to(y=max(top - self.header_height, 0), animate=False)
            elif top + self.card_height > self.scroll_y + self.size.height:
                self.scroll_to(y=top + self.card_height - self.size.height, animate=False)
        if changed:
            self.refresh()

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name) if name else Style()

    def _strip(self, line: CardLine, style: Style) -> Strip:
        width = self.scrollable_content_region.width
        if line.laid_out:  # crm's own line ("weighted 13,425,000,000 IRR"): cut, never silently
            text = bidi.cut(" " + line.text, width)
            return Strip([Segment(set_cell_size(text, width), style)], width)
        # Cut in logical order, then laid out (a right-to-left title loses its end).
        return Strip([Segment(" " + bidi.cell(line.text, width - 1), style)], width)

    def render_line(self, y: int) -> Strip:
        base = self.rich_style
        if y < self.header_height:
            if y >= len(self.header):
                return Strip.blank(self.size.width, base)
            line = self.header[y]
            return self._strip(line, base + self._style(line.style or "board--title"))
        index, row = divmod(int(self.scroll_y) + y - self.header_height, self.card_height)
        if index >= len(self.cards) or row == self.card_height - 1:
            return Strip.blank(self.size.width, base)
        style = base + self._style("board--card")
        if index == self.selected:
            style += self._style("board--selected")
        lines = self._lines.get(index)
        if lines is None:
            lines = self._lines[index] = self.describe(self.cards[index])
        line = lines[row] if row < len(lines) else CardLine("")
        return self._strip(line, style + self._style(line.style))

    def on_click(self, event: events.Click) -> None:
        if event.y < self.header_height:
            self.post_message(self.HeaderClicked(self.key))
            return
        index = (int(self.scroll_y) + event.y - self.header_height) // self.card_height
        if 0 <= index < len(self.cards):
            self.post_message(self.CardClicked(self.key, index))

    def on_resize(self) -> None:
        self._fit()


class Board(HorizontalScroll, can_focus=True):
    """Columns of cards; the board owns the selection and the keys. Cards have an ``id``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "select(-1, 0)", "Left", show=False),
        Binding("right,l", "select(1, 0)", "Right", show=False),
        Binding("up,k", "select(0, -1)", "Up", show=False),
        Binding("down,j", "select(0, 1)", "Down", show=False),
        Binding("pageup", "select(0, -10)", "Page up", show=False),
        Binding("pagedown", "select(0, 10)", "Page down", show=False),
        Binding("shift+left,H", "move(-1, 0)", "Move left", key_display="H", id="board.move_left"),
        Binding(
            "shift+right,L", "move(1, 0)", "Move right", key_display="L", id="board.move_right"
        ),
        Binding("shift+up,K", "move(0, -1)", "Move up", show=False, id="board.move_up"),
        Binding("shift+down,J", "move(0, 1)", "Move down", show=False, id="board.move_down"),
    ]
    DEFAULT_CSS = """
    Board { height: 1fr; }
    Board > BoardColumn { margin: 0 1 0 0; }
    """

    class Move(Message):
        """Move ``card`` to the column ``key`` and/or ``offset`` places in its column."""

        def __init__(self, card: Any, key: str | None, offset: int) -> None:
            super().__init__()
            self.card, self.key, self.offset = card, key, offset

    class Highlighted(Message):
        def __init__(self, card: Any | None) -> None:
            super().__init__()
            self.card = card

    class NeedMore(Message):
        """The column ``key`` has more cards than it holds, and the selection nears its end."""

        def __init__(self, key: str, loaded: int) -> None:
            super().__init__()
            self.key, self.loaded = key, loaded

    def __init__(
        self,
        keys: Sequence[str],
        describe: Describe,
        *,
        card_lines: int = 3,
        min_width: int = 16,
        id: str | None = None,
    ) -> None:
        """``min_width``: the cells a column needs at the least (what its lines hold)."""
        super().__init__(id=id)
        self.keys = list(keys)
        self.describe, self.card_lines = describe, card_lines
        self.min_width = min_width
        self.column = 0
        self.first = 0  # the first column in view
        self.in_view = 1  # how many columns are, each whole
        self.column_width = 0  # the cells each has (0: not laid out yet)
        self.rows = [0] * len(self.keys)

    def on_resize(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        """As many whole columns as fit side by side, sharing the width."""
        room = self.scrollable_content_region.width + 1  # the last column's margin is spare
        columns = self.columns
        if not columns or room <= 1:
            return
        self.in_view = max(1, min(len(columns), room // (self.min_width + 1)))
        # Not wider than a card is read at: a lone column on a wide terminal would put a
        # right-to-left title a screen away from its amount.
        shared = min(room // self.in_view - 1, MAX_COLUMN_WIDTH)
        width = self.column_width = max(self.min_width, shared)
        for column in columns:
            column.styles.width = width
        # Once laid out at that width: scrolled now, the old widths would hold it short.
        self.call_after_refresh(self._scroll_to_column)

    def _scroll_to_column(self) -> None:
        columns = self.columns
        if not columns:
            return
        if self.column < self.first:
            self.first = self.column
        elif self.column >= self.first + self.in_view:
            self.first = self.column - self.in_view + 1
        self.first = max(0, min(self.first, len(columns) - self.in_view))
        step = (self.column_width or columns[0].outer_size.width) + 1  # a column and its margin
        self.scroll_to(x=self.first * step, animate=False, immediate=True)

    def compose(self) -> ComposeResult:
        for key in self.keys:
            yield BoardColumn(key, self.describe, self.card_lines)

    @property
    def columns(self) -> list[BoardColumn]:
        return list(self.query(BoardColumn))

    async def set_keys(self, keys: Sequence[str]) -> None:
        """Columns for ``keys`` from now on (another pipeline's stages)."""
        if list(keys) == self.keys:
            return
        await self.remove_children()
        self.keys, self.column, self.first, self.rows = list(keys), 0, 0, [0] * len(keys)
        await self.mount_all([BoardColumn(k, self.describe, self.card_lines) for k in keys])
        self.call_after_refresh(self._fit_columns)

    def set_cards(
        self,
        cards: Mapping[str, Sequence[Any]],
        headers: Mapping[str, list[CardLine]],
        *,
        totals: dict[str, int] | None = None,
        keep: int | None = None,
    ) -> None:
        """Show ``cards`` by column key (``totals``: how many each column has in all, when
        it holds only the first); ``keep`` selects the card with that id if present."""
        height = max((len(lines) for lines in headers.values()), default=1)
        for column in self.columns:
            column.header_height = height
            found = cards.get(column.key, [])
            total = (totals or {}).get(column.key, len(found))
            column.set_cards(found, headers.get(column.key, []), total)
        if keep is not None:
            for number, column in enumerate(self.columns):
                for index, card in enumerate(column.cards):
                    if card.id == keep:
                        self.column, self.rows[number] = number, index
        self._show_selection()

    def add_cards(self, key: str, cards: Sequence[Any]) -> None:
        """The next page of column ``key``."""
        for column in self.columns:
            if column.key == key:
                column.add_cards(cards)

    @property
    def current(self) -> Any | None:
        columns = self.columns
        if not columns:
            return None
        column = columns[self.column]
        row = self.rows[self.column]
        return column.cards[row] if 0 <= row < len(column.cards) else None

    @property
    def current_key(self) -> str:
        return self.keys[self.column]

    def _show_selection(self) -> None:
        columns = self.columns
        for number, column in enumerate(columns):
            if column.cards:
                self.rows[number] = min(self.rows[number], len(column.cards) - 1)
            column.select(self.rows[number] if number == self.column and column.cards else None)
        if columns:
            self._scroll_to_column()
            chosen = columns[self.column]
            near_end = self.rows[self.column] >= len(chosen.cards) - MORE_BEFORE_END
            if near_end and not chosen.complete:
                self.post_message(self.NeedMore(chosen.key, len(chosen.cards)))
        self.post_message(self.Highlighted(self.current))

    def action_select(self, across: int, down: int) -> None:
        self.column = max(0, min(len(self.keys) - 1, self.column + across))
        cards = len(self.columns[self.column].cards)
        self.rows[self.column] = max(0, min(cards - 1, self.rows[self.column] + down))
        self._show_selection()

    def action_move(self, across: int, down: int) -> None:
        card = self.current
        if card is None:
            return
        target = self.column + across
        if across and 0 <= target < len(self.keys):
            self.post_message(self.Move(card, self.keys[target], 0))
        elif down:
            self.post_message(self.Move(card, None, down))

    def on_board_column_card_clicked(self, message: BoardColumn.CardClicked) -> None:
        self.column = self.keys.index(message.key)
        self.rows[self.column] = message.index
        self.focus()
        self._show_selection()

    def on_board_column_header_clicked(self, message: BoardColumn.HeaderClicked) -> None:
        card = self.current
        if card is not None and message.key != self.current_key:
            self.post_message(self.Move(card, message.key, 0))
