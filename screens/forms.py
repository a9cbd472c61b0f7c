"""Pieces shared by the forms: labelled fields with an error line, a list of value pairs,
errors shown beside their fields (the first one focused), escape that asks before it
throws typing away."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static, TextArea

from crm_tui.dates import jalali_day
from crm_tui.errors import ConflictError, FieldErrors, ValidationError
from screens.dialogs import ConfirmDialog, say_error
from screens.text import literal


class Field(Vertical):
    """A label, the input widget, and the line where its validation error appears. A
    ``dated`` field's label says which Gregorian day a Jalali date typed in it is."""

    def __init__(self, label: str, widget: Widget, *, field: str, dated: bool = False) -> None:
        super().__init__(classes="field")
        self.label, self.widget, self.field, self.dated = label, widget, field, dated
        if hasattr(widget, "compact"):
            widget.compact = True  # one line per input: a whole contact fits on a screen

    def compose(self) -> ComposeResult:
        if self.label:  # a label may name a record ("With (also: Ali [Acme])")
            yield Label(literal(self.label), classes="field-label")
        yield self.widget
        yield Static("", id=f"error-{self.field}", classes="field-error")

    @on(Input.Changed)
    def _show_gregorian(self, event: Input.Changed) -> None:
        if not self.dated or not self.label:
            return
        day = jalali_day(event.value)
        shown = f"{self.label}  = {day.isoformat()}" if day else self.label
        self.query_one(".field-label", Label).update(literal(shown))

    def error_target(self) -> Widget | None:
        """Where the cursor goes when this field has an error: its input (in a list of
        pairs, the row at fault), never a button."""
        widget = self.widget
        if isinstance(widget, PairList):
            return widget.error_input()
        if widget.focusable:
            return widget
        inside = (w for w in widget.query("*") if w.focusable and not isinstance(w, Button))
        return next(inside, None)


class PairRow(Horizontal):
    """One "label | value" (or "name | value") row of a PairList."""

    class Removed(Message):
        def __init__(self, row: PairRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, first: str, second: str, placeholders: tuple[str, str]) -> None:
        super().__init__(classes="pair-row")
        self.first, self.second, self.placeholders = first, second, placeholders  # as shown

    @property
    def inputs(self) -> tuple[Input, Input]:
        first, second = self.query(Input)
        return first, second

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
        first, second = self.inputs
        return first.value.strip(), second.value.strip()

    @property
    def edited(self) -> bool:
        return self.values != (self.first.strip(), self.second.strip())


class PairList(Vertical):
    """Several value pairs (emails with labels, custom fields…), with an "add" button.

    ``named``: the first box names the value (custom fields), so it is required and a new
    row starts in it; otherwise it is an optional label (work, mobile) and a new row starts
    in the value. ``value_name`` says what the second box holds, in messages.
    """

    def __init__(
        self,
        pairs: list[tuple[str, str]],
        *,
        placeholders: tuple[str, str],
        add_label: str,
        id: str,
        named: bool = False,
        value_name: str = "value",
    ) -> None:
        super().__init__(id=id, classes="pair-list")
        self.pairs, self.placeholders, self.add_label = pairs, placeholders, add_label
        self.named, self.value_name = named, value_name

    def compose(self) -> ComposeResult:
        for first, second in self.pairs:
            yield PairRow(first, second, self.placeholders)
        yield Button(self.add_label, classes="pair-add", compact=True)

    @on(Button.Pressed, ".pair-add")
    def _add(self, event: Button.Pressed) -> None:
        event.stop()
        row = PairRow("", "", self.placeholders)
        self.mount(row, before=self.query_one(".pair-add"))
        self.call_after_refresh(lambda: row.inputs[0 if self.named else 1].focus())

    @on(PairRow.Removed)
    def _removed(self, message: PairRow.Removed) -> None:
        message.row.remove()

    def values(self) -> list[tuple[str, str]]:
        """Every row with something typed in it (rows left empty are nothing)."""
        return [row.values for row in self.query(PairRow) if any(row.values)]

    def problems(self) -> list[tuple[Input, str]]:
        """Rows that cannot be saved as typed (the input at fault, why): a value without a
        name, a name given twice, a new name or a label without a value. Dropping them would
        lose what was typed without a word. (A stored field whose value is cleared goes.)"""
        found: list[tuple[Input, str]] = []
        names: set[str] = set()
        for row in self.query(PairRow):
            first, second = row.values
            if self.named and second and not first:
                found.append((row.inputs[0], f"name the field that holds {second!r}"))
            elif self.named and first and first in names:
                found.append((row.inputs[0], f"two fields are named {first!r}"))
            elif self.named and first and not second and not row.second.strip():
                found.append((row.inputs[1], f"type a value for {first!r}, or ✕ the row"))
            elif not self.named and first and not second:
                found.append(
                    (row.inputs[1], f"type the {self.value_name} for {first!r}, or ✕ the row")
                )
            names.add(first)
        return found

    def error_input(self) -> Input | None:
        """The input to fix: the first row at fault; for an error found on saving, the first
        row typed or changed (the ones shown as stored were valid)."""
        problems = self.problems()
        if problems:
            return problems[0][0]
        rows = list(self.query(PairRow))
        row = next((r for r in rows if r.edited), rows[0] if rows else None)
        return None if row is None else row.inputs[0 if self.named and not row.values[0] else 1]


def show_errors(screen: Widget, errors: dict[str, str], known: set[str]) -> None:
    """Put each message on its field's error line, the rest on the form's general line;
    the cursor goes to the first field at fault (on a row's ✕, Enter would delete it)."""
    for line in screen.query(".field-error").results(Static):
        line.update("")
        line.display = False
    general, first = [], None
    for field, message in errors.items():
        if field in known:
            line = screen.query_one(f"#error-{field}", Static)
            say_error(line, message)
            first = first or line
        else:
            general.append(message if field == "record" else f"{field}: {message}")
    say_error(screen.query_one("#error-form", Static), "\n".join(general))
    if first is not None and isinstance(first.parent, Widget):
        first.parent.scroll_visible()
    _focus_first_error(screen, {field for field in errors if field in known})


def _focus_first_error(screen: Widget, fields: set[str]) -> None:
    target = next(
        (
            found
            for field in screen.query(Field)
            if field.field in fields and (found := field.error_target()) is not None
        ),
        None,
    )
    focused = screen.app.focused
    if target is None and focused is not None and focused.has_class("pair-remove"):
        row = focused.parent
        target = row.inputs[1] if isinstance(row, PairRow) else None
    if target is not None:
        target.focus()


def pair_problems(screen: Widget, fields: set[str]) -> dict[str, str]:
    """Field -> message for the pair lists of ``fields`` holding rows that cannot be saved."""
    errors = {}
    for field in fields:
        problems = screen.query_one(f"#f-{field}", PairList).problems()
        if problems:
            errors[field] = problems[0][1]
    return errors


def save_failed(
    form: Widget,
    error: Exception,
    known: set[str],
    conflict: Callable[[Any], None] | None = None,
) -> None:
    """A form's save that failed, shown on the form (never a traceback): each field's
    problem beside it, a newer version saved meanwhile in the ``conflict`` dialog (given
    the record as it is now), anything else on the form's error line."""
    if isinstance(error, ValidationError):
        show_errors(form, errors_of(error), known)
    elif isinstance(error, ConflictError) and conflict is not None:
        conflict(error.current)
    else:
        from screens.base import describe_error

        show_errors(form, {"record": describe_error(error)}, set())


def errors_of(error: ValidationError) -> dict[str, str]:
    """Field -> message for a validation failure (one field, or several at once)."""
    if isinstance(error, FieldErrors):
        return error.errors
    return {error.field or "record": str(error)}


def checked_values(form: Any, known: set[str]) -> dict[str, Any] | None:
    """What ``form`` holds, as its ``values()`` reads it; None when a field is wrong, each
    problem then shown beside its field (``known``: the fields with an error line)."""
    try:
        values: dict[str, Any] = form.values()
    except FieldErrors as error:
        show_errors(form, error.errors, known)
        return None
    return values


def about_deal(deal_id: int, title: str) -> Static:
    """The line under a form's title that says which deal the record is about."""
    from crm_tui import display

    shown = literal(f"About deal {display.ident(deal_id)} {title}", single_line=True)
    return Static(shown, classes="form-about")


def input_value(screen: Widget, selector: str) -> str:
    return screen.query_one(selector, Input).value.strip()


def changed_fields(original: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``current`` whose value differs from ``original``."""
    return {key: value for key, value in current.items() if original.get(key) != value}


class DiscardGuard:
    """For forms: escape (or Cancel) closes a form at once when nothing was changed, and asks
    "Discard changes?" first when something was (n or escape again keeps editing).

    The form calls ``remember_values`` once its fields are filled in (on mount), and
    ``forget_values`` when what it shows is no longer what is stored (a merge after a
    conflict): then escape always asks.
    """

    app: Any
    dismiss: Callable[..., Any]
    values: Callable[[], dict[str, Any]]
    query: Callable[..., Any]
    _pristine: dict[str, Any] | None = None
    # Compare what the fields hold as typed rather than ``values()``: for a form whose values
    # are worked out ("now" is another moment each time it is read).
    compare_typed = False
    # Fields the form fills in by itself after mounting (an offer ticked when it is found).
    not_compared: tuple[str, ...] = ()

    def remember_values(self) -> None:
        self._pristine = self._current()

    def forget_values(self) -> None:
        self._pristine = None

    def _current(self) -> dict[str, Any] | None:
        if self.compare_typed:
            return {
                field.id: field.text if isinstance(field, TextArea) else field.value
                for field in self.query("Input, TextArea, Select, Checkbox")
                if field.id not in self.not_compared
            }
        try:
            return self.values()
        except ValidationError:  # typed, but not yet valid: a change all the same
            return None

    @property
    def has_changes(self) -> bool:
        current = self._current()
        return current is None or self._pristine is None or current != self._pristine

    def action_cancel(self) -> None:
        if not self.has_changes:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        dialog = ConfirmDialog(
            "Discard changes?", "n or esc keeps editing.", yes="Discard", no="Keep editing"
        )
        self.app.push_screen(dialog, answered)
