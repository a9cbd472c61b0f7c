"""Dialogs of the interaction log: filters, the due date of a follow-up, and what to do with
a follow-up that is already there."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from crm_tui import bidi, display
from crm_tui.dates import DateError, parse_day
from crm_tui.schemas import TaskRead
from crm_tui.services.interactions import ComplaintFilter, InteractionQuery
from crm_tui.text import plural
from crm_tui.vocabulary import Channel, Sentiment
from screens.base import DialogStyles, UsesDatabase
from screens.contact_picker import ContactPicker
from screens.dialogs import FilterDialog, QuestionDialog, chosen
from screens.text import literal


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0)).astimezone(UTC)


# "all" and "any" read alike: what each choice keeps, said.
_COMPLAINTS_SAID = {
    ComplaintFilter.ALL: "all interactions",
    ComplaintFilter.ANY: "complaints",
    ComplaintFilter.OPEN: "open complaints",
    ComplaintFilter.RESOLVED: "resolved complaints",
}


class LogFilterDialog(UsesDatabase, FilterDialog[tuple[InteractionQuery, str]]):
    """Channel, mood, complaints, contact and dates; they combine. Clear removes them all."""

    def __init__(self, query: InteractionQuery, contact_name: str) -> None:
        super().__init__()
        self.current, self.contact_name = query, contact_name

    def compose(self) -> ComposeResult:
        q = self.current
        since = display.day(q.since.astimezone().date()) if q.since else ""
        until = display.day((q.until.astimezone() - timedelta(days=1)).date()) if q.until else ""
        with Vertical(classes="dialog form-dialog"):
            yield Static("Filter the log", classes="dialog-title")
            with Horizontal(classes="field-row"):
                with Vertical(classes="field"):
                    yield Label("Channel", classes="field-label")
                    yield Select(
                        [(c.value, c.value) for c in Channel],
                        prompt="any channel",
                        value=q.channel or Select.NULL,
                        id="f-channel",
                        compact=True,
                    )
                with Vertical(classes="field"):
                    yield Label("Mood", classes="field-label")
                    yield Select(
                        [(s.value, s.value) for s in Sentiment],
                        prompt="any mood",
                        value=q.sentiment or Select.NULL,
                        id="f-sentiment",
                        compact=True,
                    )
                with Vertical(classes="field"):
                    yield Label("Complaints", classes="field-label")
                    yield Select(
                        [(_COMPLAINTS_SAID[f], f) for f in ComplaintFilter],
                        allow_blank=False,
                        value=q.complaint,
                        id="f-complaint",
                        compact=True,
                    )
            yield Label("Contact (empty: everyone)", classes="field-label")
            yield ContactPicker(q.contact_id, self.contact_name, id="f-contact")
            with Horizontal(classes="field-row"):
                with Vertical(classes="field"):
                    yield Label("From (e.g. -30d, 2026-01-01)", classes="field-label")
                    yield Input(since, id="f-since", compact=True)
                with Vertical(classes="field"):
                    yield Label("Until (inclusive)", classes="field-label")
                    yield Input(until, id="f-until", compact=True)
            yield Static("", id="error-form", classes="field-error")
            yield from self.buttons()

    def cleared(self) -> tuple[InteractionQuery, str]:
        return (InteractionQuery(search=self.current.search), "")

    def apply(self) -> None:
        try:
            since_text = self.query_one("#f-since", Input).value.strip()
            until_text = self.query_one("#f-until", Input).value.strip()
            since = parse_day(since_text, today=self.today) if since_text else None
            until = parse_day(until_text, today=self.today) if until_text else None
        except DateError as error:
            error_line = self.query_one("#error-form", Static)
            error_line.update(literal(str(error)))
            error_line.display = True
            return
        picker = self.query_one("#f-contact", ContactPicker)
        text = picker.query_one(Input).value.strip()
        contact_id = picker.contact_id if text else None
        query = InteractionQuery(
            search=self.current.search,
            channel=chosen(self.query_one("#f-channel", Select).value),
            sentiment=chosen(self.query_one("#f-sentiment", Select).value),
            complaint=ComplaintFilter(chosen(self.query_one("#f-complaint", Select).value)),
            contact_id=contact_id,
            since=_start_of(since) if since else None,
            until=_start_of(until + timedelta(days=1)) if until else None,
        )
        self.dismiss((query, picker.contact_name if contact_id else ""))


class DueDialog(DialogStyles, ModalScreen[date | None]):
    """When a follow-up is due: "3d", "fri", "2026-12-01"…"""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(
        self,
        today: date,
        default: str = "3d",
        *,
        title: str = "Follow up when?",
        verb: str = "add the task",
    ) -> None:
        super().__init__()
        self.today, self.default = today, default
        self.title_text, self.verb = title, verb

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(literal(self.title_text), classes="dialog-title")
            yield Input(self.default, id="due-input", compact=True)
            yield Static("", id="due-preview", classes="dialog-detail")

    def on_mount(self) -> None:
        self._preview(self.default)

    @on(Input.Changed, "#due-input")
    def _changed(self, event: Input.Changed) -> None:
        self._preview(event.value)

    def _preview(self, text: str) -> None:
        try:
            day = parse_day(text, today=self.today)
        except DateError as error:
            message = str(error)
        else:
            message = f"due {bidi.layout(display.day_words(day, long=True))} — Enter to {self.verb}"
        self.query_one("#due-preview", Static).update(literal(message))

    @on(Input.Submitted, "#due-input")
    def _submitted(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(parse_day(event.value, today=self.today))
        except DateError:
            self.query_one("#due-input", Input).focus()


class FollowUpDialog(QuestionDialog[str | None]):
    """The interaction has an open follow-up already: give it another day (Enter, r), mark
    it done (x), open it on the board (o), or leave it as it is (Escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "answer('reschedule')", "Another day"),
        Binding("x", "answer('done')", "Done"),
        Binding("o", "answer('open')", "Open"),
        Binding("escape", "answer(None)", "Cancel"),
    ]

    def __init__(self, task: TaskRead, today: date) -> None:
        if task.due is None:
            when = "no due date"
        elif task.due < today:
            late = plural((today - task.due).days, "day")
            when = f"was due {display.day_words(task.due)}, {late} ago"
        else:
            when = f"due {display.day_words(task.due)}"
        question = f"Follow-up #{task.id} '{task.title}' is open already ({when})."
        detail = (
            "r gives it another day, x marks it done, o opens it on the board; "
            "Escape leaves it as it is."
        )
        answers: list[tuple[str, str, str | None]] = [
            ("reschedule", "Another day", "reschedule"),
            ("done", "Done", "done"),
            ("open", "Open on the board", "open"),
        ]  # no Cancel button (four do not fit at 80 columns): Escape, as the line above says
        super().__init__(question, detail, answers, "primary")
