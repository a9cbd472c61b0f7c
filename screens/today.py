"""Today (``1``, the start screen): what is overdue and due, who waits for a follow-up or an
answer to a complaint, who has not heard from us, and how the weeks went.

Every line opens where it lives with Enter: a task on the board, an interaction in the log,
a contact in Contacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from crm_tui import bidi, display
from crm_tui.schemas import ContactRow, DealRead, InteractionRead, TaskRead
from crm_tui.services.agenda import (
    Agenda,
    build_agenda,
    complaints_per_month,
    interactions_per_week,
)
from crm_tui.services.birthdays import BirthdayDue
from crm_tui.services.interactions import resolve_complaint
from crm_tui.services.tasks import complete_task
from crm_tui.services.touch import TouchDue
from crm_tui.text import for_terminal
from screens.base import CrmScreen, plural
from screens.contact_detail import CHANNEL_ICONS
from screens.interaction_form import InteractionForm
from screens.task_form import TaskForm
from screens.widgets.charts import BarChart
from screens.widgets.keybar import KeyBar
from screens.widgets.topbar import TopBar


@dataclass
class TodayData:
    agenda: Agenda
    weeks: list[tuple[date, int]]
    months: list[tuple[date, int]]


FOLLOW_UP = "↩"  # marks a follow-up among the tasks listed by day


Parts = list[tuple[str, str]]  # a line's pieces in logical order: (text, style)


def _one_line(value: str | None) -> str:
    return for_terminal(value, single_line=True)


def _task_line(task: TaskRead, today: date) -> Parts:
    late = task.due is not None and task.due < today
    # The gap outside the name: laid out right to left, a name would carry it to its end.
    who = f"  {_one_line(task.contact_name)}" if task.contact_name else ""
    due = display.day_words(task.due) if task.due else "no date"
    marker = f"{FOLLOW_UP} " if task.source_interaction_id is not None else ""
    return [
        (f"{due:<10} ", "$text-error" if late else "$text-muted"),
        (marker, "$text-accent"),
        (_one_line(task.title), ""),
        (who, "$text-accent"),
    ]


def fitted(parts: Parts, width: int) -> Content:
    """One line of the list: when crm lays right-to-left text out itself, cut to ``width``
    cells in logical order first ("…" where it was cut), then each part laid out: a line
    the list wrapped after layout would read in the wrong order, and cut after it would lose
    the start of a name at its right end. Else as it is (the terminal orders what wraps)."""
    if bidi.laying_out() and width > 0:
        room, kept = width, []
        for text, style in parts:
            text = bidi.cut(text, room)
            kept.append((text, style))
            room -= cell_len(text)
            if room <= 0:
                break
        parts = kept
    return Content.assemble(*((_laid_out(text), style) for text, style in parts))


def _laid_out(text: str) -> str:
    """``text`` laid out, the spaces around it kept where they are (gaps between parts:
    laid out right to left, a gap would move to the other end)."""
    core = text.strip(" ")
    if not core:
        return text
    start = text.index(core)
    return text[:start] + bidi.layout(core) + text[start + len(core) :]


def _count(shown: int, total: int) -> str:
    """ "5", or "50 of 5,200" when a list stops short of everything there is."""
    if shown >= total:
        return display.number(shown)
    return f"{display.number(shown)} of {display.number(total)}"


def _follow_ups_count(agenda: Agenda, above: int, listed: int) -> str:
    """The Follow-ups header: the dated ones are listed by day above (marked ↩), the
    undated ones below it."""
    total = agenda.follow_ups_total
    if not above:
        return _count(listed, total)
    undated = total - above
    if not undated:
        return f"{display.number(total)}, all above ({FOLLOW_UP})"
    return (
        f"{display.number(total)}: {display.number(above)} above ({FOLLOW_UP}), "
        f"{_count(listed, undated)} undated"
    )


def _complaint_line(item: InteractionRead, today: date) -> Parts:
    age = (today - item.occurred_at.astimezone().date()).days
    return [
        (f"{display.number(age):>3} days ", "$text-error" if age > 7 else "$text-warning"),
        (_one_line(item.subject or item.body.split("\n", 1)[0]), ""),
        (f"  {_one_line(item.contact_name or '')}", "$text-accent"),
    ]


def _contact_line(row: ContactRow, today: date) -> Parts:
    days = (today - row.last_contacted_at.astimezone().date()).days if row.last_contacted_at else 0
    return [
        (f"{display.number(days):>3} days ", "$text-warning"),
        (_one_line(row.name), ""),
        (f"  {_one_line(row.organization)}", "$text-muted"),
        (f"  {row.status}", "$text-muted"),
    ]


def _touch_line(one: TouchDue, today: date) -> Parts:
    """A contact due by its rhythm: how many days overdue (0: today), its name, the rhythm."""
    late = (today - one.due).days
    return [
        (f"{display.number(late):>3} days ", "$text-warning" if late else ""),
        (_one_line(one.name), ""),
        (f"  every {display.number(one.every)} days", "$text-muted"),
    ]


def _birthday_line(one: BirthdayDue, today: date) -> Parts:
    when = "today" if one.day == today else display.day_words(one.day)
    years = "turns" if one.label == "birthday" else "years:"
    turns = f"  {years} {display.number(one.turns)}" if one.turns is not None else ""
    return [
        (f"{when:<10} ", "$text-success"),
        (_one_line(one.name), ""),
        (f"  {_one_line(one.label)}", "$text-muted"),
        (turns, "$text-muted"),
    ]


def _deal_line(deal: DealRead, today: date, *, stuck: bool) -> Parts:
    """A deal on Today: when it should close (overdue in the error colour), or how long it
    has sat in its stage; its title, stage, client and value."""

    if stuck:
        days = (today - deal.stage_entered_at.astimezone().date()).days
        when = (f"{display.number(days):>3} days ", "$text-warning")
    else:
        late = deal.expected_close is not None and deal.expected_close < today
        shown = display.day_words(deal.expected_close) if deal.expected_close else ""
        when = (f"{shown:<10} ", "$text-error" if late else "$text-warning")
    value = display.amount(deal.value_minor, deal.currency)
    return [
        when,
        (f"{value}  ", "$text-muted"),
        (_one_line(deal.title), ""),
        (f"  {_one_line(deal.contact_name or deal.organization or '')}", "$text-accent"),
        (f"  {deal.stage}", "$text-muted"),
    ]


# What a line of the list is and the key that acts on it, for x or r pressed on the wrong one.
_WHAT_APPLIES = {
    "task": "this is a task (x marks it done)",
    "interaction": "this is a complaint (r resolves it)",
    "contact": "this is a contact (l logs a touchpoint)",
    "deal": "this is a deal (Enter opens it on the pipeline)",
}


def _header(title: str, count: int | str, colour: str = "bold") -> Option:
    shown = display.number(count) if isinstance(count, int) else count
    return Option(Content.assemble((title, colour), (f"  {shown}", "$text-muted")), disabled=True)


def _item_of(option_id: str | None) -> str:
    """ "task:12:3" → "task:12" (the last part only keeps option ids unique)."""
    return (option_id or "").rsplit(":", 1)[0]


def _listed(agenda: Agenda, today: date) -> list[tuple[str, str, str, list[Any], int, Any]]:
    """The lists below the tasks, in order: (heading, its colour, what Enter opens, the
    items, their true total, how an item is written)."""
    stuck = agenda.stuck_days
    return [
        (
            "Deals to close this week",
            "bold",
            "deal",
            agenda.deals_closing,
            agenda.deals_closing_total,
            lambda deal, day: _deal_line(deal, day, stuck=False),
        ),
        (
            f"Deals in one stage for {stuck}+ days",
            "bold",
            "deal",
            agenda.deals_stuck,
            agenda.deals_stuck_total,
            lambda deal, day: _deal_line(deal, day, stuck=True),
        ),
        (
            "Open complaints, oldest first",
            "bold $text-error",
            "interaction",
            agenda.open_complaints,
            agenda.open_complaints_total,
            _complaint_line,
        ),
        (
            f"Not contacted for {agenda.stale_days}+ days",
            "bold",
            "contact",
            agenda.stale_contacts,
            agenda.stale_contacts_total,
            _contact_line,
        ),
        (
            "Keep in touch: due",
            "bold $text-warning",
            "contact",
            agenda.touch_due,
            agenda.touch_due_total,
            _touch_line,
        ),
        (
            f"Birthdays and dates ({agenda.birthday_days} days)",
            "bold",
            "contact",
            agenda.birthdays,
            agenda.birthdays_total,
            _birthday_line,
        ),
    ]


class TodayScreen(CrmScreen):
    """The morning view."""

    SUB_TITLE = "Today"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="today.open"),
        Binding("x", "done", "Done", id="today.done"),
        Binding("r", "resolve", "Resolve", id="today.resolve"),
        Binding("l", "log", "Log", id="today.log"),
        Binding("t", "task", "Task", id="today.task"),
        Binding("R", "refresh", "Refresh", key_display="R", id="today.refresh"),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]

    class Loaded(Message):
        def __init__(self, data: TodayData) -> None:
            super().__init__()
            self.data = data

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, Any] = {}
        self.data: TodayData | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("today")
        with Horizontal(id="today-body"):
            yield OptionList(id="today-list")
            with VerticalScroll(id="today-side"):
                yield Static("", id="today-summary")
                yield BarChart("Interactions per week", "week", id="today-weeks")
                yield BarChart(
                    "Complaints per month", "month", style="$text-error", id="today-months"
                )
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#today-list", OptionList).focus()

    def on_screen_resume(self) -> None:
        self.load()

    def action_refresh(self) -> None:
        self.load()

    def refresh_data(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="today")
    def load(self) -> None:
        settings = self.crm.settings

        def load() -> TodayData:
            with self.read() as session:
                agenda = build_agenda(
                    session=session,
                    today=self.today,
                    days=settings.due_soon_days,
                    stale_days=settings.stale_days,
                    stuck_days=settings.stuck_days,
                    birthday_days=settings.birthday_days,
                    jalali=display.current().calendar is display.Calendar.JALALI,
                )
                jalali = display.current().calendar is display.Calendar.JALALI
                weeks = interactions_per_week(session=session, today=self.today, jalali=jalali)
                months = complaints_per_month(session=session, today=self.today, jalali=jalali)
            return TodayData(agenda, weeks, months)

        data = self.guarded(load)
        if data is not None:
            self.post_message(self.Loaded(data))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.data = message.data
        self._list(message.data)
        self._side(message.data)

    def on_resize(self) -> None:
        if self.data is not None and bidi.laying_out():  # lines are cut to the width
            self._list(self.data)

    def _list(self, data: TodayData) -> None:
        agenda, today = data.agenda, self.today
        options: list[Option] = []
        self.items = {}
        listing = self.query_one("#today-list", OptionList)
        padding = listing.get_component_styles("option-list--option").padding
        # Room for a scrollbar whether or not one is there yet: it comes with the options.
        scrollbar = listing.styles.scrollbar_size_vertical
        width = listing.size.width - listing.styles.gutter.width - scrollbar - padding.width

        def add(kind: str, item: Any, parts: Parts) -> None:
            key = f"{kind}:{item.id}:{len(self.items)}"
            self.items[key] = (kind, item)
            options.append(Option(fitted(parts, width), id=key))

        sections = [
            ("Overdue", agenda.overdue, "bold $text-error"),
            ("Due today", agenda.due_today, "bold $text-warning"),
            (f"Coming up ({self.crm.settings.due_soon_days} days)", agenda.due_soon, "bold"),
        ]
        by_day: set[int] = set()
        above = 0
        for title, tasks, colour in sections:
            options.append(_header(title, len(tasks), colour))
            for task in tasks:
                add("task", task, _task_line(task, today))
                by_day.add(task.id)
                above += task.source_interaction_id is not None
        # A follow-up with a date is listed on its day above (marked ↩), never twice.
        rest = [task for task in agenda.follow_ups if task.id not in by_day]
        options.append(_header("Follow-ups", _follow_ups_count(agenda, above, len(rest))))
        for task in rest:
            add("task", task, _task_line(task, today))
        for title, colour, kind, items, total, line in _listed(agenda, today):
            options.append(_header(title, _count(len(items), total), colour))
            for item in items:
                add(kind, item, line(item, today))
        self._fill(options)

    def _fill(self, options: list[Option]) -> None:
        listing = self.query_one("#today-list", OptionList)
        highlighted = listing.highlighted
        was = listing.get_option_at_index(highlighted).id if highlighted is not None else None
        listing.clear_options()
        listing.add_options(options)
        choosable = [i for i, option in enumerate(options) if not option.disabled]
        if not choosable:
            return
        # The same item if it is still listed (it may have moved), else the same line.
        same = [i for i in choosable if was and _item_of(options[i].id) == _item_of(was)]
        if same:
            listing.highlighted = same[0]
        else:
            listing.highlighted = highlighted if highlighted in choosable else choosable[0]

    def _side(self, data: TodayData) -> None:
        agenda = data.agenda
        week = (
            ", ".join(
                f"{CHANNEL_ICONS.get(c, '·')} {c} {display.number(n)}"
                for c, n in agenda.week_by_channel.items()
            )
            or "nothing yet"
        )
        summary = Content.assemble(
            (bidi.layout(display.day_words(self.today, long=True)), "bold"),
            "\n",
            (
                plural(len(agenda.overdue), "overdue task"),
                "$text-error" if agenda.overdue else "$text-muted",
            ),
            f" · {display.number(len(agenda.due_today))} due today · "
            f"{plural(agenda.open_complaints_total, 'open complaint')}\n\n",
            ("This week: ", "bold"),
            week,
        )
        self.query_one("#today-summary", Static).update(summary)
        weeks = [
            (display.digits(f"w{display.week_number(start):02d}"), count)
            for start, count in data.weeks
        ]
        # Three letters tell the months apart in both calendars (Persian: فرو, ارد, … اسف).
        months = [
            (bidi.layout(display.month_forms(first)[2][:3]), count) for first, count in data.months
        ]
        self.query_one("#today-weeks", BarChart).show(weeks)
        self.query_one("#today-months", BarChart).show(months)

    # -- acting on the highlighted line ---------------------------------------------------

    def _current(self) -> tuple[str, Any] | None:
        listing = self.query_one("#today-list", OptionList)
        if listing.highlighted is None:
            return None
        option = listing.get_option_at_index(listing.highlighted)
        return self.items.get(option.id or "")

    @on(OptionList.OptionSelected, "#today-list")
    def _selected(self) -> None:
        self.action_open()

    def action_cursor(self, step: int) -> None:
        listing = self.query_one("#today-list", OptionList)
        listing.action_cursor_down() if step > 0 else listing.action_cursor_up()

    def action_open(self) -> None:
        current = self._current()
        if current is None:
            return
        kind, item = current
        if kind == "task":
            self.app.switch_mode("tasks")
            self.app.call_after_refresh(lambda: self._tasks_screen().show_task(item.id))
        elif kind == "interaction":
            self.app.switch_mode("log")
            self.app.call_after_refresh(
                lambda: self._log_screen().show_contact(
                    item.contact_id, item.contact_name or "", item.id
                )
            )
        elif kind == "deal":
            self.app.switch_mode("pipeline")
            self.app.call_after_refresh(lambda: self.app.screen.show_deal(item.id))
        else:
            self.app.switch_mode("contacts")
            self.app.call_after_refresh(lambda: self._contacts_screen().show_contact(item.id))

    def _tasks_screen(self) -> Any:
        return self.app.screen

    _log_screen = _tasks_screen
    _contacts_screen = _tasks_screen

    def _contact_of(self, kind: str, item: Any) -> tuple[int | None, str]:
        if kind == "contact":
            return item.id, item.name
        if kind == "interaction":
            return item.contact_id, item.contact_name or ""
        return item.contact_id, item.contact_name or ""

    def action_log(self) -> None:
        current = self._current()
        contact_id, name = self._contact_of(*current) if current else (None, "")
        self.app.push_screen(
            InteractionForm(contact_id=contact_id, contact_name=name),
            lambda saved: self.load() if saved else None,
        )

    def action_task(self) -> None:
        current = self._current()
        contact_id, name = self._contact_of(*current) if current else (None, "")
        self.app.push_screen(
            TaskForm(None, contact_id=contact_id, contact_name=name),
            lambda saved: self.load() if saved else None,
        )

    def action_done(self) -> None:
        current = self._current()
        if current is not None and current[0] == "task":
            self._complete(current[1].id)
        elif current is not None:  # not a silent no-op: say which key does apply
            self.notify(f"x marks a task done; {_WHAT_APPLIES[current[0]]}", timeout=3)

    def _complete(self, task_id: int) -> None:
        self.write_in_worker(
            lambda session: complete_task(session=session, task_id=task_id, actor_id=self.actor_id),
            lambda task: self._wrote(f"done: {task.title}"),
            group="today-write",
        )

    def _wrote(self, said: str) -> None:
        self.notify(said, timeout=3)
        self.load()

    def action_resolve(self) -> None:
        current = self._current()
        if current is not None and current[0] == "interaction":
            self._resolve(current[1].id)
        elif current is not None:
            self.notify(f"r resolves a complaint; {_WHAT_APPLIES[current[0]]}", timeout=3)

    def _resolve(self, interaction_id: int) -> None:
        self.write_in_worker(
            lambda session: resolve_complaint(
                session=session, interaction_id=interaction_id, actor_id=self.actor_id
            ),
            lambda item: self._wrote(f"resolved: {item.subject}"),
            group="today-write",
        )
