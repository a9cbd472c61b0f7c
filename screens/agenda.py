"""The agenda (``7``): appointments and dated tasks by week or by day, hours down the side
(as calcurse draws them). An appointment shows in every hour it takes; two that one team
member attends at the same time show in the error colour, with whom they clash below.

The cursor is a cell (a day and an hour, or the day's row of tasks due); the pane below
lists what the cell holds. ``n`` books an appointment at the cursor, ``e`` edits the one
picked in the cell (``space`` picks the next), ``l`` logs it as an interaction once it
has happened, ``d`` moves it to the trash.

The week is read in a thread worker: at most ``RANGE_LIMIT`` appointments and
``TASK_LIMIT`` tasks (the status line says when there are more).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from crm_tui import bidi, display
from crm_tui.dates import local_day_start, week_first
from crm_tui.schemas import AppointmentRead, TaskRead
from crm_tui.services.appointments import RANGE_LIMIT, Clash, clashes
from crm_tui.services.birthdays import BirthdayDue
from crm_tui.text import for_terminal
from screens.base import CrmScreen, plural
from screens.dialogs import ConfirmDialog
from screens.text import fact_lines, safe
from screens.widgets.keybar import KeyBar
from screens.widgets.topbar import TopBar

TASK_LIMIT = 200  # tasks due in the range that are read (the status line says when more)
DAY_HOURS = range(8, 19)  # always shown; earlier or later hours when something is booked
HOUR_WIDTH = 6  # "10:00 "
TASK_ROW = -1  # the row of the tasks due that day, above the hours


@dataclass
class Week:
    """What the agenda shows: ``days`` from ``first``."""

    first: date
    days: int
    appointments: list[AppointmentRead] = field(default_factory=list)
    tasks: list[TaskRead] = field(default_factory=list)
    more_appointments: bool = False
    more_tasks: bool = False
    clashes: list[Clash] = field(default_factory=list)
    birthdays: list[BirthdayDue] = field(default_factory=list)

    @property
    def day_list(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(self.days)]

    @property
    def clashing(self) -> set[int]:
        return {one for clash in self.clashes for one in (clash.first, clash.second)}

    def hours(self) -> list[int]:
        """The hours drawn: the working day, stretched to whatever is booked outside it."""
        shown = set(DAY_HOURS)
        for one in self.appointments:
            for day in self.day_list:
                shown.update(_hours_taken(one, day))
        return list(range(min(shown), max(shown) + 1))

    def in_cell(self, day: date, hour: int) -> list[AppointmentRead]:
        """The appointments taking some of ``hour`` on ``day`` (local time), earliest first."""
        if hour == TASK_ROW:
            return []
        found = [one for one in self.appointments if hour in _hours_taken(one, day)]
        # Those that start in the hour first: what the cell names.
        return sorted(found, key=lambda one: not _starts_in(one, day, hour))

    def due(self, day: date) -> list[TaskRead]:
        return [task for task in self.tasks if task.due == day]

    def born(self, day: date) -> list[BirthdayDue]:
        return [one for one in self.birthdays if one.day == day]


def _hours_taken(appointment: AppointmentRead, day: date) -> range:
    """The local hours of ``day`` the appointment takes some of."""
    start = local_day_start(day)
    end = local_day_start(day + timedelta(days=1))  # 23 or 25 hours on a clock change
    begins, ends = max(appointment.starts_at, start), min(appointment.ends_at, end)
    if begins >= ends:
        return range(0)
    first = begins.astimezone().hour
    last = (ends - timedelta(microseconds=1)).astimezone().hour
    return range(first, last + 1)


def _starts_in(appointment: AppointmentRead, day: date, hour: int) -> bool:
    local = appointment.starts_at.astimezone()
    return local.date() == day and local.hour == hour


def _fit(text: str, width: int) -> str:
    """One cell of the grid: ``text`` cleaned, cut to ``width`` columns and laid out."""
    return bidi.cell(for_terminal(text, single_line=True), width)


class AgendaGrid(Widget, can_focus=True):
    """The days as columns and the hours as rows; the cursor a cell."""

    DEFAULT_CSS = """
    AgendaGrid { height: auto; }
    """

    class Moved(Message):
        """The cursor moved to another cell."""

    class Shown(Message):
        """The grid shows what was read again (the cursor where it was)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.week: Week | None = None
        self.column = 0  # the day
        self.hour = 9
        self.today = date.today()

    def show(self, week: Week, today: date) -> None:
        self.week, self.today = week, today
        self.column = min(self.column, week.days - 1)
        if self.hour not in self.rows:  # the late hours it was on are no longer drawn
            self.hour = min(self.rows[1:], key=lambda hour: abs(hour - self.hour))
        self.refresh(layout=True)
        self.post_message(self.Shown())

    @property
    def rows(self) -> list[int]:
        return [TASK_ROW, *(self.week.hours() if self.week else DAY_HOURS)]

    @property
    def day(self) -> date | None:
        """The cursor's day (None until read, or while a range of another length is)."""
        if self.week is None or not 0 <= self.column < self.week.days:
            return None
        return self.week.day_list[self.column]

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(self.rows) + 1

    def render(self) -> Content:
        week = self.week
        if week is None:
            return Content("reading…")
        width = max(8, (self.size.width - HOUR_WIDTH) // week.days)
        clashing = week.clashing
        lines = [self._header(week, width)]
        for hour in self.rows:
            label = "tasks " if hour == TASK_ROW else display.digits(f"{hour:02d}:00 ")
            parts: list[Any] = [(label, "$text-muted")]
            for column, day in enumerate(week.day_list):
                text, style = self._cell(week, day, hour, clashing)
                if column == self.column and hour == self.hour:
                    style = f"{style} reverse".strip()
                parts.append((_fit(text, width - 1), style))
                parts.append(" ")
            lines.append(Content.assemble(*parts))
        return Content("\n").join(lines)

    def _header(self, week: Week, width: int) -> Content:
        parts: list[Any] = [" " * HOUR_WIDTH]
        for day in week.day_list:
            style = "bold $accent" if day == self.today else "bold"
            named = display.day_words(day)
            if cell_len(named) > width - 1:  # "Sat 14" when the whole name does not fit
                number = display.digits(str(display.calendar_day(day)[2]))
                named = f"{display.weekday_short(day)} {number}"
            parts.append((_fit(named, width - 1), style))
            parts.append(" ")
        return Content.assemble(*parts)

    def _cell(self, week: Week, day: date, hour: int, clashing: set[int]) -> tuple[str, str]:
        if hour == TASK_ROW:
            return self._day_row(week, day)
        found = week.in_cell(day, hour)
        if not found:
            return "", ""
        first = found[0]
        starts_here = _starts_in(first, day, hour)
        text = (
            f"{display.clock(first.starts_at)} {first.title}" if starts_here else f"┃ {first.title}"
        )
        if len(found) > 1:
            text = f"+{display.number(len(found) - 1)} {text}"
        style = "$error" if any(one.id in clashing for one in found) else "$success"
        if first.interaction_id is not None:
            style = "$text-muted"
        return text, style

    def _day_row(self, week: Week, day: date) -> tuple[str, str]:
        """The row above the hours: tasks due that day, and birthdays (a name alone, beside
        tasks a star: the pane below names them)."""
        due, born = week.due(day), week.born(day)
        if not (due or born):
            return "", ""
        if born and not due:
            return f"★ {born[0].name}", "$success"
        parts = ["★"] if born else []
        parts.append(due[0].title if len(due) == 1 else f"{display.number(len(due))} tasks")
        late = any(t.is_overdue(self.today) for t in due)
        return " ".join(parts), "$warning" if late else "$success" if born else ""

    # -- the cursor -----------------------------------------------------------------------

    def move(self, columns: int, rows: int) -> None:
        if self.week is None:
            return
        self.column = max(0, min(self.week.days - 1, self.column + columns))
        shown = self.rows
        index = shown.index(self.hour) if self.hour in shown else 1
        self.hour = shown[max(0, min(len(shown) - 1, index + rows))]
        self.refresh()
        row = shown.index(self.hour) + 1
        if isinstance(self.parent, VerticalScroll):
            self.parent.scroll_to_region(Region(0, row, 1, 1), animate=False)
        self.post_message(self.Moved())


class AgendaScreen(CrmScreen):
    """Appointments and dated tasks by week or by day."""

    SUB_TITLE = "Agenda"
    DEFAULT_CSS = """
    AgendaScreen #agenda-status { height: 1; padding: 0 1; color: $text-muted; }
    AgendaScreen #agenda-body { height: 1fr; }
    AgendaScreen #agenda-detail { height: auto; max-height: 8; padding: 0 1;
                                  border-top: solid $primary 40%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "Book", id="agenda.new"),
        Binding("e,enter", "edit", "Edit", id="agenda.edit"),
        Binding("l", "log", "Log it", id="agenda.log"),
        Binding("d", "delete", "Delete", id="agenda.delete"),
        Binding("space", "pick", "Next in hour", show=False, id="agenda.pick"),
        Binding("w", "toggle_span", "Week/day", id="agenda.span"),
        Binding(
            "left_square_bracket", "shift(-1)", "Earlier", key_display="[", id="agenda.earlier"
        ),
        Binding("right_square_bracket", "shift(1)", "Later", key_display="]", id="agenda.later"),
        Binding("full_stop", "to_today", "Today", key_display=".", id="agenda.today"),
        Binding("left,h", "move(-1, 0)", "Day before", show=False),
        Binding("right", "move(1, 0)", "Day after", show=False),
        Binding("up,k", "move(0, -1)", "Hour before", show=False),
        Binding("down,j", "move(0, 1)", "Hour after", show=False),
    ]

    class Loaded(Message):
        def __init__(self, week: Week) -> None:
            super().__init__()
            self.week = week

    def __init__(self) -> None:
        super().__init__()
        self.days = 7
        self.first: date | None = None
        self.week: Week | None = None
        self.pick_id: int | None = None  # the cell's appointment the keys act on (None: first)

    def compose(self) -> ComposeResult:
        yield TopBar("agenda")
        yield Static("", id="agenda-status")
        with VerticalScroll(id="agenda-body"):
            yield AgendaGrid(id="agenda-grid")
        yield Static("", id="agenda-detail")
        yield KeyBar()

    @property
    def jalali(self) -> bool:
        return display.current().calendar is display.Calendar.JALALI

    @property
    def grid(self) -> AgendaGrid:
        return self.query_one(AgendaGrid)

    def on_mount(self) -> None:
        self.grid.focus()

    def on_screen_resume(self) -> None:
        self.load()

    def refresh_data(self) -> None:
        self.load()

    def _range_start(self, day: date) -> date:
        return week_first(day, jalali=self.jalali) if self.days == 7 else day

    def load(self) -> None:
        if self.first is None:
            self.first = self._range_start(self.today)
            self.grid.column = (self.today - self.first).days
        self._load(self.first, self.days)

    @work(thread=True, exclusive=True, group="agenda")
    def _load(self, first: date, days: int) -> None:
        from crm_tui.services.appointments import list_appointments
        from crm_tui.services.birthdays import upcoming_birthdays
        from crm_tui.services.tasks import TaskQuery, tasks_by_date

        def load() -> Week:
            last = first + timedelta(days=days)
            with self.read() as session:
                found = list_appointments(
                    session=session,
                    start=local_day_start(first),
                    end=local_day_start(last),
                    limit=RANGE_LIMIT + 1,
                )
                tasks = tasks_by_date(
                    session=session,
                    query=TaskQuery(due_from=first, due_before=last),
                    limit=TASK_LIMIT + 1,
                )
                born, _ = upcoming_birthdays(
                    session=session, today=first, days=days - 1, limit=TASK_LIMIT
                )
            return Week(
                first,
                days,
                found[:RANGE_LIMIT],
                tasks[:TASK_LIMIT],
                more_appointments=len(found) > RANGE_LIMIT,
                more_tasks=len(tasks) > TASK_LIMIT,
                clashes=clashes(found[:RANGE_LIMIT]),
                birthdays=born,
            )

        found = self.guarded(load)
        if found is not None:
            self.post_message(self.Loaded(found))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        week = message.week
        if (week.first, week.days) != (self.first, self.days):
            return  # read for a range left since (the newer one's load follows)
        self.week = week
        self.grid.show(week, self.today)
        self._status()

    def _status(self) -> None:
        week = self.week
        assert week is not None
        last = week.first + timedelta(days=week.days - 1)
        span = bidi.layout(display.day_words(week.first, long=True))  # a Jalali day in words
        if week.days > 1:
            span += f" to {bidi.layout(display.day_words(last, long=True))}"
        count = plural(len(week.appointments), "appointment") + (
            "+" if week.more_appointments else ""
        )
        tasks = display.number(len(week.tasks)) + ("+" if week.more_tasks else "")
        clash = f" · {plural(len(week.clashes), 'clash', 'clashes')}" if week.clashes else ""
        self.query_one("#agenda-status", Static).update(
            Content(f"{span} · {count} · {tasks} tasks due{clash}")
        )

    # -- what the cursor is on ------------------------------------------------------------

    @on(AgendaGrid.Moved)
    def _moved(self) -> None:
        self.pick_id = None
        self._detail()

    @on(AgendaGrid.Shown)
    def _shown_again(self) -> None:
        self._detail()

    def _in_cell(self) -> list[AppointmentRead]:
        grid = self.grid
        if self.week is None or grid.day is None:
            return []
        return self.week.in_cell(grid.day, grid.hour)

    def picked(self) -> AppointmentRead | None:
        """The appointment picked in the cell: the one picked before if it is still there
        (a reload keeps it), else the cell's first."""
        found = self._in_cell()
        chosen = [one for one in found if one.id == self.pick_id] or found
        return chosen[0] if chosen else None

    def _detail(self) -> None:
        pane = self.query_one("#agenda-detail", Static)
        grid, week = self.grid, self.week
        if week is None or grid.day is None:
            pane.update("")
            return
        if grid.hour == TASK_ROW:
            lines = [
                f"★ {safe(one.label, single_line=True)}: {safe(one.name, single_line=True)}"
                + (f", {display.number(one.turns)} years" if one.turns is not None else "")
                for one in week.born(grid.day)
            ]
            lines += [
                f"{display.ident(t.id)} {safe(t.title, single_line=True)}"
                for t in week.due(grid.day)
            ]
            pane.update(Content("\n".join(lines[:6]) or "no tasks due this day"))
            return
        found = self._in_cell()
        if not found:
            pane.update(Content("nothing booked: n books an appointment at this hour"))
            return
        picked = self.picked()
        assert picked is not None
        pane.update(self._describe(picked, len(found)))

    def _describe(self, one: AppointmentRead, count: int) -> Content:
        facts = [display.time_span(one.starts_at, one.ends_at), one.channel, one.place]
        lines: list[Any] = [
            (safe(one.title, single_line=True), "bold"),
            f"  {display.ident(one.id)}",
            "\n" + fact_lines(facts, self.size.width - 2, 0),
        ]
        if one.contacts:
            lines.append("\nwith " + fact_lines(one.contacts, self.size.width - 2, 5))
        if one.members:
            lines.append("\nattending " + fact_lines(one.members, self.size.width - 2, 10))
        assert self.week is not None
        for clash in self.week.clashes:
            if one.id in (clash.first, clash.second):
                other = clash.second if clash.first == one.id else clash.first
                member = safe(clash.member, single_line=True)
                lines.append((f"\nclashes with {display.ident(other)} for {member}", "$error"))
        if one.interaction_id:
            logged = display.ident(one.interaction_id)
            lines.append((f"\nlogged as interaction {logged}", "$text-muted"))
        if count > 1:
            lines.append(
                (f"\n{display.number(count)} in this hour: space picks the next", "$text-muted")
            )
        return Content.assemble(*lines)

    # -- moving around --------------------------------------------------------------------

    def action_move(self, columns: int, rows: int) -> None:
        self.grid.move(columns, rows)

    def action_pick(self) -> None:
        found, picked = self._in_cell(), self.picked()
        if picked is not None:
            self.pick_id = found[(found.index(picked) + 1) % len(found)].id
        self._detail()

    def action_toggle_span(self) -> None:
        day = self.grid.day or self.today
        self.days = 1 if self.days == 7 else 7
        self.first = self._range_start(day)
        self.grid.column = (day - self.first).days
        self.load()

    def action_shift(self, step: int) -> None:
        if self.first is None:
            return
        self.first += timedelta(days=step * self.days)
        self.load()

    def action_to_today(self) -> None:
        self.first = self._range_start(self.today)
        self.grid.column = (self.today - self.first).days
        self.load()

    # -- changing -------------------------------------------------------------------------

    def action_new(self) -> None:
        from screens.appointment_form import AppointmentForm

        grid = self.grid
        day = grid.day or self.today
        hour = grid.hour if grid.hour != TASK_ROW else 9
        starts = datetime.combine(day, time(hour, 0)).astimezone()
        self.app.push_screen(AppointmentForm(None, starts=starts), self._saved)

    def action_edit(self) -> None:
        from screens.appointment_form import AppointmentForm

        one = self.picked()
        if one is None:
            self.notify("nothing booked here: n books an appointment")
            return
        self.app.push_screen(AppointmentForm(one), self._saved)

    def _saved(self, saved: AppointmentRead | None) -> None:
        if saved is not None:  # shown by the load that follows the form (on resume)
            self.notify(f"saved {display.ident(saved.id)}")

    def action_log(self) -> None:
        from crm_tui.services.appointments import log_appointment

        one = self.picked()
        if one is None:
            self.notify("nothing booked here to log")
            return
        self.write_in_worker(
            lambda session: log_appointment(
                session=session, appointment_id=one.id, actor_id=self.actor_id
            ),
            lambda logged: self._changed(f"logged as interaction #{logged}"),
            group="agenda-write",
        )

    def action_delete(self) -> None:
        from crm_tui.services.appointments import delete_appointments

        one = self.picked()
        if one is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.write_in_worker(
                    lambda session: delete_appointments(
                        session=session, appointment_ids=[one.id], actor_id=self.actor_id
                    ),
                    lambda _: self._changed("moved to the trash (crm meet restore brings it back)"),
                    group="agenda-write",
                )

        self.app.push_screen(ConfirmDialog(f"Move “{one.title}” to the trash?"), answered)

    def _changed(self, said: str) -> None:
        self.notify(said)
        self.load()
