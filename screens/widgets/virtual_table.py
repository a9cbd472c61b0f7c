"""A table that is a view over a query, not a copy of it (Textual's line API).

It knows how many rows there are and keeps a bounded cache of the rows it has been given;
it renders only the lines on screen and asks its screen (``NeedRows``) for the pages it is
missing. Every key press costs the same whether the query has a hundred rows or a million.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from crm_tui import bidi
from crm_tui.text import for_terminal
from screens.textual_compat import set_virtual_size

Row = TypeVar("Row")
PLACEHOLDER = "…"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int | None = None  # cells its values take at most (dates); None: as they need
    weight: int = 1  # a share of the room the columns' values want and cannot all have
    min_width: int = 8
    drop_order: int = 0  # when the table is narrow, higher numbers are hidden first

    @property
    def least(self) -> int:
        return self.width or self.min_width


Layout = tuple[tuple[Column, int, int], ...]
# A column filled in fewer than half the rows gives up room first, down to this (a cut
# value is still one key away, in the detail pane).
SPARSE_FLOOR = 5


@dataclass(frozen=True)
class Content:
    """What the values of the rows a table holds need: the widest value of each column
    (cells) and whether the column is mostly empty. Measured when a page arrives."""

    widest: tuple[int, ...] = ()
    sparse: tuple[bool, ...] = ()


@dataclass(frozen=True)
class _PageMeasure:
    widest: tuple[int, ...]
    filled: tuple[int, ...]
    rows: int


@functools.lru_cache(maxsize=64)
def visible_columns(columns: tuple[Column, ...], width: int) -> tuple[tuple[int, Column], ...]:
    """The columns that fit in ``width`` at their least, with their index in a row's cells
    (the same set whatever the rows hold: sorting and clicks go by it)."""
    shown = list(enumerate(columns))
    while len(shown) > 1 and sum(c.least + 1 for _, c in shown) + 1 > width:
        # the highest drop_order goes first; among equals, the rightmost
        shown.remove(max(reversed(shown), key=lambda item: item[1].drop_order))
    return tuple(shown)


def _share(room: int, wants: dict[int, int], weights: dict[int, int]) -> tuple[dict[int, int], int]:
    """``room`` cells shared among columns that want more, by weight: a column wanting less
    than its share takes only that, leaving the rest to the others. Returns (given, left)."""
    given = dict.fromkeys(wants, 0)
    hungry = {i for i, want in wants.items() if want > 0}
    while hungry and room > 0:
        total = sum(weights[i] for i in hungry)
        shares = {i: room * weights[i] / total for i in hungry}
        full = {i for i in hungry if wants[i] - given[i] <= shares[i]}
        if full:
            for i in full:
                room -= wants[i] - given[i]
                given[i] = wants[i]
            hungry -= full
            continue
        for i in hungry:
            given[i] += int(shares[i])
            room -= int(shares[i])
        for i in sorted(hungry, key=lambda i: (-weights[i], i))[:room]:
            given[i] += 1
            room -= 1
        break
    return given, room


@functools.lru_cache(maxsize=64)
def column_layout(
    columns: tuple[Column, ...], width: int, needs: tuple[int, ...], sparse: tuple[bool, ...]
) -> Layout:
    """(column, index in the row's cells, width) for the columns shown in ``width``.

    ``needs`` are the cells each column's title and values want. Every column first gets
    what it needs up to its least width (a mostly empty one, ``sparse``, less); then the
    room left goes to the well-filled columns up to their needs, by weight (each gets at
    least a fair share of what it wants), then to the mostly empty ones; what is still
    left widens the columns without a fixed width. Worked out once per table, width and
    content: every line drawn asks for it.
    """
    shown = visible_columns(columns, width)
    room = width - len(shown) - 1  # the marker and a space after each column
    floor = {i: min(c.least, needs[i], SPARSE_FLOOR if sparse[i] else c.least) for i, c in shown}
    given = dict(floor)
    room -= sum(floor.values())
    weights = {i: c.weight for i, c in shown}
    for tier in (False, True):
        wants = {i: needs[i] - given[i] for i, _ in shown if sparse[i] is tier}
        extra, room = _share(room, wants, weights)
        for i, cells in extra.items():
            given[i] += cells
    flexible = {i: 10**6 for i, c in shown if c.width is None}
    extra, room = _share(room, flexible, weights)
    for i, cells in extra.items():
        given[i] += cells
    return tuple((column, i, given[i]) for i, column in shown)


class VirtualTable(ScrollView, Generic[Row], can_focus=True):
    """Rows come in pages from the screen; only what is visible is rendered."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--selected",
        "virtual-table--placeholder",
    }
    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        overflow-x: hidden;
    }
    VirtualTable > .virtual-table--header { text-style: bold; color: $text-accent; }
    VirtualTable > .virtual-table--cursor { background: $block-cursor-blurred-background; }
    VirtualTable:focus > .virtual-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    VirtualTable > .virtual-table--selected { color: $text-warning; }
    VirtualTable > .virtual-table--placeholder { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "jump_start", "First", show=False),
        Binding("end,G", "jump_end", "Last", show=False),
        Binding("space", "toggle_select", "Select", show=True, id="table.select"),
        Binding("enter", "choose", "Open", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)

    class NeedRows(Message):
        """The table shows rows ``start``…``end`` (exclusive) that it does not have."""

        def __init__(self, table: VirtualTable[Any], start: int, end: int) -> None:
            super().__init__()
            self.table = table
            self.start = start
            self.end = end

        @property
        def control(self) -> VirtualTable[Any]:
            return self.table

    class Highlighted(Message):
        """The cursor moved to ``row`` (None while that row is still loading)."""

        def __init__(self, table: VirtualTable[Any], index: int, row: Any) -> None:
            super().__init__()
            self.table = table
            self.index = index
            self.row = row

        @property
        def control(self) -> VirtualTable[Any]:
            return self.table

    class Chosen(Message):
        """Enter (or a double click) on ``row``."""

        def __init__(self, table: VirtualTable[Any], row: Any) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> VirtualTable[Any]:
            return self.table

    class HeaderClicked(Message):
        def __init__(self, table: VirtualTable[Any], column: Column) -> None:
            super().__init__()
            self.table = table
            self.column = column

        @property
        def control(self) -> VirtualTable[Any]:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        cells: Callable[[Row], Sequence[str]],
        key: Callable[[Row], Hashable],
        page_size: int = 100,
        cache_pages: int = 40,
        selectable: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = tuple(columns)
        self._cells = cells
        self._key = key
        self.selectable = selectable
        self.page_size = page_size
        self._cache_pages = cache_pages
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        self._asked: set[int] = set()
        self.total = 0
        self.selected: dict[Hashable, Row] = {}
        self.sort_key: str | None = None
        self.sort_descending = False
        self._measures: dict[int, _PageMeasure] = {}
        self.content = Content()

    # -- data -------------------------------------------------------------------------------

    def reset(self, total: int, first_page: Sequence[Row] = ()) -> None:
        """A new query: forget every row, keep the cursor in range, show ``first_page``."""
        self._pages.clear()
        self._asked.clear()
        self._measures.clear()
        self.total = total
        if first_page:
            self._pages[0] = list(first_page)
            self._measures[0] = self._measure(first_page)
        self._measured()
        self._set_rows(total)
        self.cursor = min(self.cursor, max(total - 1, 0))
        self.refresh()
        self._ask_for_visible()

    def set_total(self, total: int) -> None:
        self.total = total
        self._set_rows(total)
        if self.cursor >= total:
            self.cursor = max(total - 1, 0)
        self.refresh()
        self._ask_for_visible()

    def _set_rows(self, total: int) -> None:
        """Scroll over ``total`` rows (and the header) without laying out the screen again.

        Assigning ``virtual_size`` lays out the whole screen, and a search changes
        the count on every keystroke; only the scrollbar needs to know. (When the scrollbar
        appears or goes, its own reactive lays the screen out.)
        """
        size = Size(self.size.width, total + 1)
        if size == self.virtual_size:
            return
        if not set_virtual_size(self, size):  # a release without the way: the layout
            self.virtual_size = size

    def put_page(self, page: int, rows: Sequence[Row]) -> None:
        """Rows for page ``page`` arrived (from a worker, via the screen)."""
        self._asked.discard(page)
        self._pages[page] = list(rows)
        self._pages.move_to_end(page)
        self._measures[page] = self._measure(rows)
        while len(self._pages) > self._cache_pages:
            self._measures.pop(self._pages.popitem(last=False)[0], None)
        self._measured()
        self.refresh()
        if page == self.cursor // self.page_size:
            self.post_message(self.Highlighted(self, self.cursor, self.row_at(self.cursor)))

    def page(self, number: int) -> list[Row] | None:
        return self._pages.get(number)

    def row_at(self, index: int) -> Row | None:
        rows = self._pages.get(index // self.page_size)
        if rows is None or not 0 <= index % self.page_size < len(rows):
            return None
        return rows[index % self.page_size]

    @property
    def current(self) -> Row | None:
        return self.row_at(self.cursor)

    def key_of(self, row: Row) -> Hashable:
        return self._key(row)

    def loaded_rows(self) -> list[Row]:
        return [row for rows in self._pages.values() for row in rows]

    def replace_row(self, row: Row) -> None:
        """Show a changed row (same key) in place, without a reload."""
        wanted = self._key(row)
        for page, rows in self._pages.items():
            for position, existing in enumerate(rows):
                if self._key(existing) == wanted:
                    rows[position] = row
                    self._measures[page] = self._measure(rows)
        self._measured()
        self.refresh()

    # -- what the values need ---------------------------------------------------------------

    def _measure(self, rows: Sequence[Row]) -> _PageMeasure:
        """The widest value of each column in ``rows`` and how many have one (once a page)."""
        count = len(self.columns)
        widest, filled = [0] * count, [0] * count
        for row in rows:
            for index, cell in enumerate(self._cells(row)[:count]):
                if cell:
                    filled[index] += 1
                    size = cell_len(for_terminal(cell, single_line=True))
                    if size > widest[index]:
                        widest[index] = size
        return _PageMeasure(tuple(widest), tuple(filled), len(rows))

    def _measured(self) -> None:
        """What the values of every page held need (a few dozen pages at most)."""
        measures = list(self._measures.values())
        if not measures:
            self.content = Content()
            return
        rows = sum(m.rows for m in measures)
        self.content = Content(
            tuple(max(m.widest[i] for m in measures) for i in range(len(self.columns))),
            tuple(2 * sum(m.filled[i] for m in measures) < rows for i in range(len(self.columns))),
        )

    def _needs(self) -> tuple[tuple[int, ...], tuple[bool, ...]]:
        """Cells each column wants (its title, its widest value up to a fixed width)."""
        content = self.content
        needs = []
        for index, column in enumerate(self.columns):
            value = content.widest[index] if content.widest else 0
            if column.width is not None:
                value = min(value, column.width)
            needs.append(max(value, cell_len(self._title(column))))
        sparse = content.sparse or (False,) * len(self.columns)
        return tuple(needs), sparse

    @property
    def shown_columns(self) -> list[Column]:
        """The columns the current width shows (whatever the rows hold)."""
        return [column for _, column in visible_columns(self.columns, self._width)]

    # -- what is visible --------------------------------------------------------------------

    @property
    def visible_rows(self) -> int:
        return max(self.size.height - 1, 1)

    def _ask_for_visible(self) -> None:
        if not self.total:
            return
        first = int(self.scroll_y)
        last = min(first + self.visible_rows + 1, self.total)
        for page in range(first // self.page_size, (last - 1) // self.page_size + 1):
            if page not in self._pages and page not in self._asked:
                self._asked.add(page)
                start = page * self.page_size
                self.post_message(
                    self.NeedRows(self, start, min(start + self.page_size, self.total))
                )

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._ask_for_visible()

    def on_resize(self, _event: events.Resize) -> None:
        self._set_rows(self.total)
        self._ask_for_visible()

    def watch_cursor(self, _old: int, new: int) -> None:
        if not self.total:
            return
        if new < self.scroll_y:
            self.scroll_to(y=new, animate=False)
        elif new >= self.scroll_y + self.visible_rows:
            self.scroll_to(y=new - self.visible_rows + 1, animate=False)
        self.refresh()
        self.post_message(self.Highlighted(self, new, self.row_at(new)))

    # -- rendering --------------------------------------------------------------------------

    @dataclass(frozen=True)
    class _Frame:
        """What every line of one render shares (each costs a walk of the styles)."""

        width: int
        layout: Layout
        base: Style

    _frame: _Frame | None = None

    @property
    def _width(self) -> int:
        """The width lines are drawn in: without the scrollbar (it would cover the last column)."""
        return self.scrollable_content_region.width

    def _new_frame(self) -> _Frame:
        width = self._width
        layout = column_layout(self.columns, width, *self._needs())
        return self._Frame(width, layout, self.rich_style)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame = self._new_frame()
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def _line(self, marker: str, cells: Sequence[str], frame: _Frame, style: Style) -> Strip:
        text = marker + " ".join(
            bidi.cell(for_terminal(cells[i] if i < len(cells) else "", single_line=True), w)
            for _, i, w in frame.layout
        )
        width = frame.width
        text = set_cell_size(text, width) if cell_len(text) != width else text
        return Strip([Segment(text, style)], width)

    def _title(self, column: Column) -> str:
        if column.key != self.sort_key:
            return column.title
        return f"{column.title} {'▼' if self.sort_descending else '▲'}"

    def render_line(self, y: int) -> Strip:
        frame = self._frame or self._new_frame()  # None: a line asked for outside a render
        base = frame.base
        if y == 0:
            style = base + self.get_component_rich_style("virtual-table--header")
            return self._line(" ", [self._title(c) for c in self.columns], frame, style)
        index = int(self.scroll_y) + y - 1
        if index >= self.total:
            return Strip.blank(frame.width, base)
        row = self.row_at(index)
        if row is None:
            style = base + self.get_component_rich_style("virtual-table--placeholder")
            return self._line(" ", [PLACEHOLDER], frame, style)
        selected = self._key(row) in self.selected
        style = base
        if selected:
            style += self.get_component_rich_style("virtual-table--selected")
        if index == self.cursor:
            style += self.get_component_rich_style("virtual-table--cursor")
        return self._line("●" if selected else " ", self._cells(row), frame, style)

    # -- actions ----------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, self.cursor + step))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(self.visible_rows - 1, 1))

    def action_jump_start(self) -> None:
        self.cursor = 0

    def action_jump_end(self) -> None:
        if self.total:
            self.cursor = self.total - 1

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "toggle_select" or self.selectable  # False hides it, space no-ops

    def action_toggle_select(self) -> None:
        row = self.current
        if row is None:
            return
        key = self._key(row)
        if key in self.selected:
            del self.selected[key]
        else:
            self.selected[key] = row
        self.action_move(1)
        self.refresh()

    def clear_selection(self) -> None:
        self.selected.clear()
        self.refresh()

    def action_choose(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Chosen(self, row))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self._column_at(event.x)
            if column is not None:
                self.post_message(self.HeaderClicked(self, column))
            return
        index = int(self.scroll_y) + event.y - 1
        if 0 <= index < self.total:
            self.cursor = index
            if event.chain == 2:
                self.action_choose()

    def _column_at(self, x: int) -> Column | None:
        position = 1
        for column, _, width in self._new_frame().layout:
            if position <= x < position + width + 1:
                return column
            position += width + 1
        return None
