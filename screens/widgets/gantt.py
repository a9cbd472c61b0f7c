"""The Gantt chart: one row per task, grouped by project or assignee, on a day, week or month
scale, with a today line, progress shading, milestones, overdue in red, done dimmed,
dependency markers and the weekend shaded (Saturday and Sunday; Friday in the Jalali
calendar); a workload strip per person along the bottom.

A line-API widget: each repaint draws only the rows and the days on screen, so hundreds or
thousands of tasks scroll and pan without lag.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from crm_tui import bidi, display
from crm_tui.dates import EARLIEST, LATEST
from crm_tui.models import TaskStatus
from crm_tui.recurrence import coming
from crm_tui.schemas import TaskRead
from crm_tui.services.tasks import Violation, violations
from crm_tui.text import for_terminal
from screens.text import safe

LABEL_MIN, LABEL_MAX = 34, 64  # the label column: a quarter of the width, within these


def _cut(text: str, width: int) -> str:
    """``text`` in exactly ``width`` cells: padded, or cut with "…" to show it was cut."""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def _cut_logical(text: str, room: int) -> str:
    """``text`` in at most ``room`` characters, its end replaced by "…" when cut."""
    if len(text) <= room:
        return text
    return text[: room - 1] + "…" if room > 1 else text[:room]


HEADER = 2


@dataclass(frozen=True)
class Scale:
    name: str
    columns_per_day: float

    def day_at(self, start: date, column: int) -> date:
        return start + timedelta(days=int(column // self.columns_per_day))

    def column_of(self, start: date, day: date) -> float:
        return (day - start).days * self.columns_per_day

    def column_at(self, start: date, day: date) -> int:
        """The column that holds ``day`` (the one ``day_at`` gives it back for)."""
        return math.floor(self.column_of(start, day))


SCALES = [Scale("day", 3), Scale("week", 1), Scale("month", 0.25)]


@dataclass(frozen=True)
class Row:
    task: TaskRead | None
    title: str = ""


def task_span(task: TaskRead) -> tuple[date, date] | None:
    begin = task.start or task.due
    end = task.due or task.start
    if begin is None or end is None:
        return None
    # Rows written by older versions may lie outside the dates crm keeps (9999-12-31):
    # drawn at the edge rather than overflowing the day arithmetic.
    begin, end = _kept(begin), _kept(end)
    return begin, max(begin, end)


def _kept(day: date) -> date:
    return min(max(day, EARLIEST), LATEST)


def workload(tasks: Sequence[TaskRead], start: date, days: int) -> dict[str, list[int]]:
    """Open tasks per person per day over ``days`` from ``start`` (a difference array)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * (days + 1))
    for task in tasks:
        span = task_span(task)
        if span is None or task.status == TaskStatus.DONE.value:
            continue
        first = max((span[0] - start).days, 0)
        last = min((span[1] - start).days, days - 1)
        if first > last:
            continue
        line = counts[task.assignee or "unassigned"]
        line[first] += 1
        line[last + 1] -= 1
    result = {}
    for person, deltas in counts.items():
        running, days_counts = 0, []
        for delta in deltas[:days]:
            running += delta
            days_counts.append(running)
        result[person] = days_counts
    return result


class GanttChart(ScrollView, can_focus=True):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "gantt--header",
        "gantt--group",
        "gantt--bar",
        "gantt--done",
        "gantt--late",
        "gantt--progress",
        "gantt--today",
        "gantt--selected",
        "gantt--warning",
        "gantt--muted",
        "gantt--milestone",
        "gantt--over",
        "gantt--weekend",
    }
    DEFAULT_CSS = """
    GanttChart { height: 1fr; background: $surface; overflow-x: hidden; }
    GanttChart > .gantt--header { color: $text-muted; }
    GanttChart > .gantt--group { text-style: bold; color: $text-accent; }
    GanttChart > .gantt--bar { color: $primary; }
    GanttChart > .gantt--progress { color: $success; }
    GanttChart > .gantt--done { color: $text-disabled; }
    GanttChart > .gantt--late { color: $error; }
    GanttChart > .gantt--today { color: $warning; }
    GanttChart > .gantt--selected { background: $block-cursor-blurred-background; }
    GanttChart:focus > .gantt--selected { background: $block-cursor-background;
                                          color: $block-cursor-foreground; }
    GanttChart > .gantt--warning { color: $warning; text-style: bold; }
    GanttChart > .gantt--muted { color: $text-muted; }
    GanttChart > .gantt--milestone { color: $accent; text-style: bold; }
    GanttChart > .gantt--over { color: $error; text-style: bold; }
    GanttChart > .gantt--weekend { background: $boost; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "select(-1)", "Up", show=False),
        Binding("down,j", "select(1)", "Down", show=False),
        Binding("left,h", "pan(-1)", "Earlier", show=False),
        Binding("right,l", "pan(1)", "Later", show=False),
        Binding("pageup", "select(-10)", "Page up", show=False),
        Binding("pagedown", "select(10)", "Page down", show=False),
        Binding("full_stop", "to_today", "Today", key_display=".", id="gantt.today"),
        Binding("plus,equals_sign", "zoom(-1)", "Zoom in", key_display="+", id="gantt.zoom_in"),
        Binding("minus", "zoom(1)", "Zoom out", key_display="-", id="gantt.zoom_out"),
        Binding(
            "left_square_bracket",
            "reschedule(-1, 0)",
            "Earlier",
            key_display="[",
            id="gantt.shift_earlier",
        ),
        Binding(
            "right_square_bracket",
            "reschedule(1, 0)",
            "Later",
            key_display="]",
            id="gantt.shift_later",
        ),
        Binding(
            "left_curly_bracket",
            "reschedule(0, -1)",
            "Shorter",
            key_display="{",
            id="gantt.shorter",
        ),
        Binding(
            "right_curly_bracket", "reschedule(0, 1)", "Longer", key_display="}", id="gantt.longer"
        ),
    ]

    scale_index: reactive[int] = reactive(1)

    class Reschedule(Message):
        """Move ``task`` by ``shift`` days and/or change its length by ``stretch`` days."""

        def __init__(self, task: TaskRead, shift: int, stretch: int) -> None:
            super().__init__()
            self.task, self.shift, self.stretch = task, shift, stretch

    class Highlighted(Message):
        def __init__(self, task: TaskRead | None) -> None:
            super().__init__()
            self.task = task

    class Zoomed(Message):
        """The scale changed (day, week or month)."""

    def __init__(self, today: date, *, capacity: int = 2, id: str | None = None) -> None:
        super().__init__(id=id)
        self.today = today
        self.capacity = capacity  # more open tasks than this per person per day is too many
        self.rows: list[Row] = []
        self.tasks: list[TaskRead] = []
        self.selected = 0
        self.start = today - timedelta(days=7)
        self.broken: dict[int, list[Violation]] = {}
        self.load: dict[str, list[int]] = {}
        self._weekend_for: tuple[object, frozenset[int]] = (None, frozenset())

    # -- data ---------------------------------------------------------------------------------

    @property
    def scale(self) -> Scale:
        return SCALES[self.scale_index]

    def set_tasks(self, tasks: Sequence[TaskRead], group_by: str, keep: int | None = None) -> None:
        """Show ``tasks`` grouped by ``group_by``; the selection stays on its task (or moves
        to task ``keep``) wherever the new rows put it, not on its old row number."""
        current = self.current
        wanted = keep if keep is not None else (current.id if current else None)
        self.tasks = list(tasks)
        groups: dict[str, list[TaskRead]] = defaultdict(list)
        for task in self.tasks:
            key = (task.project if group_by == "project" else task.assignee) or (
                "no project" if group_by == "project" else "unassigned"
            )
            groups[key].append(task)
        self.rows = []
        for title in sorted(groups, key=lambda k: (k in ("no project", "unassigned"), k)):
            self.rows.append(Row(None, title))
            self.rows += [Row(task) for task in groups[title]]
        self.broken = defaultdict(list)
        for violation in violations(self.tasks):
            self.broken[violation.task_id].append(violation)
        rows = [i for i, row in enumerate(self.rows) if row.task is not None]
        # The task gone (done long ago, deleted, filtered out): the nearest row instead.
        nearest = min(rows, key=lambda i: abs(i - self.selected), default=0)
        self.selected = next(
            (i for i in rows if self.rows[i].task.id == wanted),  # type: ignore[union-attr]
            nearest,
        )
        self._refresh_load()
        self._size_up()
        self.call_after_refresh(self._scroll_to_selected)  # once the new rows are laid out
        self.post_message(self.Highlighted(self.current))

    @property
    def current(self) -> TaskRead | None:
        if 0 <= self.selected < len(self.rows):
            return self.rows[self.selected].task
        return None

    @property
    def chart_width(self) -> int:
        # Not under the scrollbar: the last columns drawn there would never be seen.
        return max(self.scrollable_content_region.width - self.label_width - 1, 10)

    @property
    def label_width(self) -> int:
        """Titles get more room on a wide screen (at 200 columns, 50 cells instead of 34)."""
        return min(max(self.size.width // 4, LABEL_MIN), LABEL_MAX)

    @property
    def visible_days(self) -> int:
        return int(self.chart_width / self.scale.columns_per_day) + 1

    def _refresh_load(self) -> None:
        self.load = workload(self.tasks, self.start, self.visible_days)

    @property
    def strip_height(self) -> int:
        return len(self.load) + 1 if self.load else 0

    def _size_up(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows) + HEADER + self.strip_height)
        self.refresh()

    def on_resize(self, _event: events.Resize) -> None:
        self._refresh_load()
        self._size_up()

    # -- drawing ------------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name)

    def render_line(self, y: int) -> Strip:
        base = self.rich_style
        width = self.size.width
        strip_top = self.size.height - self.strip_height
        if self.strip_height and y >= strip_top:
            return self._workload_line(y - strip_top, base)
        if y < HEADER:
            return self._header_line(y, base)
        index = int(self.scroll_y) + y - HEADER
        if index >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index]
        if row.task is None:
            text = set_cell_size(f" ▾ {safe(row.title, single_line=True)}", width)
            return Strip([Segment(text, base + self._style("gantt--group"))], width)
        return self._task_line(row.task, index == self.selected, base)

    def _header_line(self, y: int, base: Style) -> Strip:
        style = base + self._style("gantt--header")
        scale = self.scale
        cells = self._month_labels() if y == 0 else self._day_labels()
        text = self._spread(cells)
        title = "Task" if y == 1 else f"{scale.name} view"
        return Strip(
            [Segment(_cut(f" {title}", self.label_width) + " " + text, style)], self.size.width
        )

    def _month_labels(self) -> list[str]:
        """A label at every month's first column, as long as the room before the next one
        allows: "Dec 2026", else "Jan'27" for a new year, else "Dec". The month the view
        starts in is named at the left edge only if that leaves the next month its label."""
        width, scale = self.chart_width, self.scale
        starts: list[tuple[int, date]] = []
        month: tuple[int, int] | None = None
        for column in range(width):
            day = scale.day_at(self.start, column)
            if (shown := display.calendar_day(day)[:2]) != month:
                starts.append((column, day))
                month = shown
        cells = [""] * width
        for number, (column, day) in enumerate(starts):
            # Up to the next label and a space, or up to the edge.
            room = starts[number + 1][0] if number + 1 < len(starts) else width + 1
            named = any(cells)  # the first month named says its year too
            _, month_number, day_number = display.calendar_day(day)
            long, short_year, short = display.month_forms(day)
            year = [short_year] if month_number == 1 or not named else []
            forms = [long, *year, short]
            fitting = [form for form in forms if len(form) < room - column]
            leading = column == 0 and day_number != 1
            if fitting:
                cells[column] = bidi.layout(fitting[0])
            elif not leading or len(starts) == 1:
                # Cut at the right edge, never left out: in logical order, so that a
                # right-to-left name keeps its start ("آ…", not the end of "آذر").
                cells[column] = bidi.layout(_cut_logical(short, width - column))
        return cells

    def _day_labels(self) -> list[str]:
        scale, cells = self.scale, []
        previous: date | None = None
        for column in range(self.chart_width):
            day = scale.day_at(self.start, column)
            number = display.calendar_day(day)[2]
            if scale.name == "day":
                label = (
                    display.weekday_short(day) + display.digits(f"{number:>2}")
                    if column % 3 == 0 and (previous != day)
                    else ""
                )
            elif scale.name == "week":
                starts = display.week_day(day) == 0 and previous != day
                label = display.digits(str(number)) if starts else ""
            else:
                week = display.week_number(day)
                new = previous is None or week != display.week_number(previous)
                label = display.digits(f"w{week}") if display.week_day(day) < 4 and new else ""
            cells.append(label)
            previous = day
        return cells

    def _spread(self, labels: list[str]) -> str:
        """Place each label at its column, later labels never overwriting earlier ones."""
        line = [" "] * len(labels)
        free = 0
        for column, label in enumerate(labels):
            if label and column >= free:
                for offset, char in enumerate(label[: len(labels) - column]):
                    line[column + offset] = char
                free = column + len(label) + 1
        return "".join(line)

    def _label(self, task: TaskRead, selected: bool, base: Style) -> list[Segment]:
        broken = self.broken.get(task.id)
        marker = "⚠" if broken else ("◆" if task.milestone else ("↻" if task.repeat else " "))
        waits = (
            f" ←{','.join(display.ident(i) for i in task.depends_on)}" if task.depends_on else ""
        )
        width = self.label_width
        prefix = f"{marker}{display.ident(task.id)} "
        title = for_terminal(task.title, single_line=True)
        room = width - cell_len(prefix) - cell_len(waits)
        if bidi.laying_out() and bidi.has_rtl(title) and room > 0:
            # Cut in logical order before it is laid out (its end goes, not its start).
            text = prefix + bidi.cell(title, room) + waits
        else:
            text = prefix + bidi.layout(title)
            text = _cut(text, width - cell_len(waits)).rstrip() + waits if waits else text
        text = _cut(text, width)
        style = base + (self._style("gantt--selected") if selected else Style())
        if broken:
            style += self._style("gantt--warning")
        elif task.status == TaskStatus.DONE.value:
            style += self._style("gantt--done")
        return [Segment(text + " ", style)]

    def _weekend(self) -> frozenset[int]:
        """The columns of weekend days on the day and week scales (none on the month scale,
        where a column is four days), worked out once for what is on screen."""
        key = (self.start, self.scale_index, self.chart_width, display.current())
        if self._weekend_for[0] != key:
            scale = self.scale
            columns = frozenset(
                column
                for column in range(self.chart_width)
                if scale.columns_per_day >= 1
                and display.is_weekend(scale.day_at(self.start, column))
            )
            self._weekend_for = (key, columns)
        return self._weekend_for[1]

    def _task_line(self, task: TaskRead, selected: bool, base: Style) -> Strip:
        segments = self._label(task, selected, base)
        span = task_span(task)
        today_column = self.scale.column_at(self.start, self.today)
        bar_style = base + self._bar_style(task)
        done_style = base + self._style("gantt--progress")
        first, last = self._columns(span) if span is not None else (0, 0)
        filled = first + (last - first) * task.progress / 100
        weekend, weekend_style = self._weekend(), base + self._style("gantt--weekend")
        coming = self.coming_columns(task)
        runs: list[tuple[str, Style]] = []
        for column in range(self.chart_width):
            char, style = " ", weekend_style if column in weekend else base
            if span is None:
                pass
            elif task.milestone and column == first:
                char, style = "◆", base + self._style("gantt--milestone")
            elif not task.milestone and first <= column < last:
                char, style = ("█", done_style) if column < filled else ("▒", bar_style)
            elif task.depends_on and column == first - 1:  # right against the bar
                char, style = "┤", base + self._style("gantt--muted")
            if char == " ":
                char, style = self._blank(column, today_column, coming, base) or (char, style)
            runs.append((char, style))
        segments += _merge(runs)
        return Strip(segments, self.size.width)

    def _blank(
        self, column: int, today_column: int, coming: frozenset[int], base: Style
    ) -> tuple[str, Style] | None:
        """What an empty cell of a task's line shows: today's line, or a time to come of
        the task's series."""
        if column == today_column:
            return "│", base + self._style("gantt--today")
        if column in coming:
            return "↻", base + self._style("gantt--muted")
        return None

    def coming_columns(self, task: TaskRead) -> frozenset[int]:
        """The columns of the days a repeating task's next times will be due, in view."""
        if not task.repeat or task.due is None or task.status == TaskStatus.DONE.value:
            return frozenset()
        last = self.scale.day_at(self.start, self.chart_width)
        days = _coming(task.repeat, task.due, last)
        columns = (self.scale.column_at(self.start, day) for day in days)
        return frozenset(c for c in columns if 0 <= c < self.chart_width)

    def _columns(self, span: tuple[date, date]) -> tuple[int, int]:
        """The columns a bar covers, [first, last): every column holding one of its days
        (on the month scale a column is four days; a bar is at least one column)."""
        first = self.scale.column_at(self.start, span[0])
        last = math.ceil(self.scale.column_of(self.start, span[1] + timedelta(days=1)))
        return first, max(last, first + 1)

    def _bar_style(self, task: TaskRead) -> Style:
        if task.status == TaskStatus.DONE.value:
            return self._style("gantt--done")
        if task.is_overdue(self.today):
            return self._style("gantt--late")
        if task.id in self.broken:
            return self._style("gantt--warning")
        return self._style("gantt--bar")

    def _workload_line(self, line: int, base: Style) -> Strip:
        width = self.size.width
        if line == 0:
            title = f" Workload (open tasks a day; more than {self.capacity} is red)"
            return Strip(
                [Segment(set_cell_size(title, width), base + self._style("gantt--header"))], width
            )
        person = sorted(self.load)[line - 1]
        counts = self.load[person]
        runs: list[tuple[str, Style]] = []
        scale = self.scale
        weekend, weekend_style = self._weekend(), base + self._style("gantt--weekend")
        for column in range(self.chart_width):
            first = int(column / scale.columns_per_day)
            last = int((column + 1) / scale.columns_per_day)
            window = counts[first : max(last, first + 1)]
            value = max(window) if window else 0
            char = "·" if value == 0 else (display.digits(str(value)) if value < 10 else "+")
            style = (weekend_style if column in weekend else base) + (
                self._style("gantt--over")
                if value > self.capacity
                else self._style("gantt--muted")
                if value == 0
                else Style()
            )
            runs.append((char, style))
        label = Segment(_cut(f" {safe(person, single_line=True)}", self.label_width) + " ", base)
        return Strip([label, *_merge(runs)], width)

    # -- keys -----------------------------------------------------------------------------------

    def action_select(self, step: int) -> None:
        rows = [i for i, row in enumerate(self.rows) if row.task is not None]
        if not rows:
            return
        position = min(range(len(rows)), key=lambda i: abs(rows[i] - self.selected))
        self.selected = rows[max(0, min(len(rows) - 1, position + step))]
        self._scroll_to_selected()
        self.refresh()
        self.post_message(self.Highlighted(self.current))

    def _scroll_to_selected(self) -> None:
        visible = self.size.height - HEADER - self.strip_height
        if self.selected < self.scroll_y:
            self.scroll_to(y=self.selected, animate=False)
        elif self.selected >= self.scroll_y + visible:
            self.scroll_to(y=self.selected - visible + 1, animate=False)

    def action_pan(self, direction: int) -> None:
        step = {"day": 3, "week": 7, "month": 28}[self.scale.name]
        self.start += timedelta(days=direction * step)
        self._refresh_load()
        self._size_up()

    def action_to_today(self) -> None:
        self.start = self.today - timedelta(days=int(self.visible_days * 0.2))
        self._refresh_load()
        self._size_up()

    def action_zoom(self, direction: int) -> None:
        self.scale_index = max(0, min(len(SCALES) - 1, self.scale_index + direction))

    def watch_scale_index(self) -> None:
        self.action_to_today()
        self.post_message(self.Zoomed())

    def action_reschedule(self, shift: int, stretch: int) -> None:
        task = self.current
        if task is not None:
            self.post_message(self.Reschedule(task, shift, stretch))

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_y) + event.y - HEADER
        if 0 <= index < len(self.rows) and self.rows[index].task is not None:
            self.selected = index
            self.refresh()
            self.post_message(self.Highlighted(self.current))


@functools.lru_cache(maxsize=1024)
def _coming(rule: str, due: date, until: date) -> tuple[date, ...]:
    """``crm_tui.recurrence.coming``, kept: each line of the chart is drawn again and again."""
    return tuple(coming(rule, due, until))


def _merge(runs: list[tuple[str, Style]]) -> list[Segment]:
    """Consecutive cells of one style as one segment."""
    segments: list[Segment] = []
    text, style = "", None
    for char, char_style in runs:
        if char_style == style:
            text += char
        else:
            if text:
                segments.append(Segment(text, style))
            text, style = char, char_style
    if text:
        segments.append(Segment(text, style))
    return segments
