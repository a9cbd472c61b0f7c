"""Small modal dialogs: confirm, filters (and the base of every filter dialog), tag."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static
from textual.widgets.button import ButtonVariant

from crm_tui import display
from screens.base import DialogStyles, plural
from screens.text import editable, flowing, literal, named_count

STATUSES = ["lead", "prospect", "customer", "inactive"]
ResultT = TypeVar("ResultT")
AnswerT = TypeVar("AnswerT")
QUESTION_WIDTH = 66  # a dialog's 72 cells, less its border and padding


class QuestionDialog(DialogStyles, ModalScreen[AnswerT]):
    """A question, a line of detail and a button per answer, the first one focused.

    ``answers`` are (button id, label, value); subclasses bind keys to ``answer(value)``.
    """

    def __init__(
        self,
        question: str,
        detail: str,
        answers: list[tuple[str, str, AnswerT]],
        variant: ButtonVariant,
    ) -> None:
        super().__init__()
        self.question, self.detail, self.answers, self.variant = question, detail, answers, variant

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            # A question names what it acts on, often in Persian: laid out like a pane's line.
            yield Static(Content(flowing(self.question, QUESTION_WIDTH)), classes="dialog-title")
            if self.detail:
                yield Static(Content(flowing(self.detail, QUESTION_WIDTH)), classes="dialog-detail")
            with Horizontal(classes="dialog-buttons"):
                for index, (button_id, label, _) in enumerate(self.answers):
                    variant = self.variant if index == 0 else "default"
                    yield Button(label, variant=variant, id=button_id)

    def on_mount(self) -> None:
        self.query_one(f"#{self.answers[0][0]}", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(next(value for key, _, value in self.answers if key == event.button.id))

    def action_answer(self, answer: AnswerT) -> None:
        self.dismiss(answer)


class ConfirmDialog(QuestionDialog[bool]):
    """Yes or no; Enter/y confirms, Escape/n cancels. Nothing destructive without it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(
        self, question: str, detail: str = "", yes: str = "Yes", no: str = "Cancel"
    ) -> None:
        super().__init__(question, detail, [("yes", yes, True), ("no", no, False)], "error")


def say_error(line: Static, message: str) -> None:
    """Put ``message`` on an error line (``field-error``: hidden while empty), or clear it."""
    line.update(literal(message))
    line.display = bool(message)


def chosen(value: object) -> Any:
    """A Select's value, None when nothing is chosen. By identity: Select.BLANK is False,
    which equals a choice of 0 (the deals nobody owns)."""
    return None if value is Select.NULL or value is Select.BLANK else value


class FilterDialog(DialogStyles, ModalScreen[ResultT | None]):
    """What a filter dialog shares: fields, then Apply, Clear and Cancel (or Escape).

    Subclasses compose their fields followed by ``buttons()``, and say what Apply and Clear
    give back; Cancel gives back None (nothing changes).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def buttons(self) -> ComposeResult:
        with Horizontal(classes="dialog-buttons"):
            yield Button("Apply", variant="primary", id="apply", compact=True)
            yield Button("Clear", id="clear", compact=True)
            yield Button("Cancel", id="cancel", compact=True)

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted)  # Enter in a field applies (the contact picker keeps its own Enter)
    def _apply_pressed(self) -> None:
        self.apply()

    @on(Button.Pressed, "#clear")
    def _clear_pressed(self) -> None:
        self.dismiss(self.cleared())

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def apply(self) -> None:
        """Dismiss with the filter the fields describe (or show why they cannot)."""
        raise NotImplementedError

    def cleared(self) -> ResultT:
        """The filter that shows everything."""
        raise NotImplementedError


@dataclass(frozen=True)
class ContactFilter:
    """What the contacts list is narrowed to: a tag, a status, a saved segment and/or a
    rule (the segments' language), all of them holding."""

    tag: str | None = None
    status: str | None = None
    segment: str | None = None  # its name
    rule: str = ""


class ContactFilterDialog(FilterDialog[ContactFilter]):
    """Pick a tag, a status, a saved segment, or write a rule; Clear shows everyone again.

    A rule that cannot be read is said under it, and nothing is applied."""

    def __init__(
        self,
        tags: list[tuple[str, int]],
        shown: ContactFilter,
        segments: list[tuple[str, str]] | None = None,
    ) -> None:
        """``segments``: each saved one's name and how many it holds ("37", "5,000+"), or
        "counting…" until ``counted`` says."""
        super().__init__()
        self.tags, self.shown, self.segments = tags, shown, segments or []
        self.tag, self.status = shown.tag, shown.status

    def compose(self) -> ComposeResult:
        tag_options = [
            (named_count(name, display.number(count)), name) for name, count in self.tags
        ]
        with Vertical(classes="dialog"):
            yield Static("Filter contacts", classes="dialog-title")
            yield Label("Tag")
            yield Select(
                tag_options,
                value=self.tag or Select.NULL,
                id="filter-tag",
                prompt="any tag",
                compact=True,  # four fields and the buttons fit 24 lines
            )
            yield Label("Status")
            yield Select(
                [(s, s) for s in STATUSES],
                value=self.status or Select.NULL,
                id="filter-status",
                prompt="any status",
                compact=True,
            )
            yield Label("Segment")
            names = [name for name, _ in self.segments]
            yield Select(
                self._segment_options(),
                value=self.shown.segment if self.shown.segment in names else Select.NULL,
                id="filter-segment",
                prompt="no segment" if self.segments else "none saved (crm segments add)",
                compact=True,
            )
            yield Label("Rule (e.g. status:customer tag:vip last_contacted:>90d)")
            yield Input(editable(self.shown.rule), id="filter-rule", compact=True)
            yield Static("", id="filter-rule-error", classes="field-error")
            yield from self.buttons()

    def _segment_options(self) -> list[tuple[Content, str]]:
        return [(named_count(name, count), name) for name, count in self.segments]

    def counted(self, name: str, count: str) -> None:
        """A segment's count, read once the dialog is open (each may read many rows)."""
        self.segments = [(n, count if n == name else c) for n, c in self.segments]
        found = self.query("#filter-segment").results(Select)
        select = next(found, None)
        if not self.is_attached or select is None:  # closed while it was counted
            return
        value = select.value
        with select.prevent(Select.Changed):
            select.set_options(self._segment_options())
            select.value = value

    def apply(self) -> None:
        from crm_tui.rules import RuleError, parse

        rule = self.query_one("#filter-rule", Input).value.strip()
        if rule:
            try:
                parse(rule)
            except RuleError as error:
                say_error(self.query_one("#filter-rule-error", Static), str(error))
                return
        self.dismiss(
            ContactFilter(
                tag=chosen(self.query_one("#filter-tag", Select).value),
                status=chosen(self.query_one("#filter-status", Select).value),
                segment=chosen(self.query_one("#filter-segment", Select).value),
                rule=rule,
            )
        )

    def cleared(self) -> ContactFilter:
        return ContactFilter()


class TagDialog(DialogStyles, ModalScreen[str | None]):
    """Type a tag to add to the chosen contacts, or "-tag" to take it off."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        who = "this contact" if self.count == 1 else plural(self.count, "contact")
        with Vertical(classes="dialog"):
            yield Static(f"Tag {who}", classes="dialog-title")
            yield Input(placeholder="tag (prefix with - to remove it)", id="tag-input")
            yield Static("", id="tag-error", classes="field-error")

    @on(Input.Submitted, "#tag-input")
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value.lstrip("+-").strip():
            say_error(self.query_one("#tag-error", Static), "type a tag")
        elif "," in value:
            say_error(self.query_one("#tag-error", Static), "a tag cannot contain a comma")
        else:
            self.dismiss(value)
