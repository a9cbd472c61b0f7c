"""Pieces shared by the forms: labelled fields with an error line, a list of value pairs."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from crm_tui.errors import FieldErrors, ValidationError
from screens.text import literal


class Field(Vertical):
    """A label, the input widget, and the line where its validation error appears."""

    def __init__(self, label: str, widget: Widget, *, field: str) -> None:
        super().__init__(classes="field")
        self.label, self.widget, self.field = label, widget, field
        if hasattr(widget, "compact"):
            widget.compact = True  # one line per input: a whole contact fits on a screen

    def compose(self) -> ComposeResult:
        if self.label:
            yield Label(self.label, classes="field-label")
        yield self.widget
        yield Static("", id=f"error-{self.field}", classes="field-error")


class PairRow(Horizontal):
    """One "label | value" (or "name | value") row of a PairList."""

    class Removed(Message):
        def __init__(self, row: PairRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, first: str, second: str, placeholders: tuple[str, str]) -> None:
        super().__init__(classes="pair-row")
        self.first, self.second, self.placeholders = first, second, placeholders

    def compose(self) -> ComposeResult:
        yield Input(
            self.first, placeholder=self.placeholders[0], classes="pair-first", compact=True
        )
        yield Input(
            self.second, placeholder=self.placeholders[1], classes="pair-second", compact=True
        )
        yield Button("✕", classes="pair-remove", tooltip="remove", compact=True)

    @on(Button.Pressed, ".pair-remove")
    def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Removed(self))

    @property
    def values(self) -> tuple[str, str]:
        first, second = self.query(Input)
        return first.value.strip(), second.value.strip()


class PairList(Vertical):
    """Several value pairs (emails with labels, custom fields…), with an "add" button."""

    def __init__(
        self,
        pairs: list[tuple[str, str]],
        *,
        placeholders: tuple[str, str],
        add_label: str,
        id: str,
    ) -> None:
        super().__init__(id=id, classes="pair-list")
        self.pairs, self.placeholders, self.add_label = pairs, placeholders, add_label

    def compose(self) -> ComposeResult:
        for first, second in self.pairs:
            yield PairRow(first, second, self.placeholders)
        yield Button(self.add_label, classes="pair-add", compact=True)

    @on(Button.Pressed, ".pair-add")
    def _add(self, event: Button.Pressed) -> None:
        event.stop()
        row = PairRow("", "", self.placeholders)
        self.mount(row, before=self.query_one(".pair-add"))
        self.call_after_refresh(lambda: row.query(Input).last().focus())

    @on(PairRow.Removed)
    def _removed(self, message: PairRow.Removed) -> None:
        message.row.remove()

    def values(self) -> list[tuple[str, str]]:
        """The rows with a value (a row whose value was cleared is dropped)."""
        return [row.values for row in self.query(PairRow) if row.values[1]]


def show_errors(screen: Widget, errors: dict[str, str], known: set[str]) -> None:
    """Put each message on its field's error line; the rest on the form's general line."""
    for line in screen.query(".field-error").results(Static):
        line.update("")
        line.display = False
    general, first = [], None
    for field, message in errors.items():
        if field in known:
            line = screen.query_one(f"#error-{field}", Static)
            _show(line, message)
            first = first or line
        else:
            general.append(message if field == "record" else f"{field}: {message}")
    _show(screen.query_one("#error-form", Static), "\n".join(general))
    if first is not None and isinstance(first.parent, Widget):
        first.parent.scroll_visible()


def _show(line: Static, message: str) -> None:
    line.update(literal(message))
    line.display = bool(message)


def errors_of(error: ValidationError) -> dict[str, str]:
    """Field -> message for a validation failure (one field, or several at once)."""
    if isinstance(error, FieldErrors):
        return error.errors
    return {error.field or "record": str(error)}


def input_value(screen: Widget, selector: str) -> str:
    return screen.query_one(selector, Input).value.strip()


def changed_fields(original: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``current`` whose value differs from ``original``."""
    return {key: value for key, value in current.items() if original.get(key) != value}
