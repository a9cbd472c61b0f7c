"""Custom fields' types (``F`` on the contacts list, or "Custom fields" in the palette): the
defined fields listed, and one defined or changed: its values converted, or the field kept as
text with those that do not fit named (as ``crm fields add|edit`` does)."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from crm_tui import bidi
from crm_tui.fields import FieldDef
from crm_tui.services.fields import FieldReport
from crm_tui.text import fold, for_terminal
from crm_tui.vocabulary import FieldKind
from screens.base import DialogStyles, UsesDatabase, describe_error
from screens.dialogs import chosen


def _laid_out(text: str) -> Content:
    """Lines crm composed in English around names and values (Persian ones among them),
    each laid out on its own, left to right."""
    lines = (for_terminal(line, single_line=True) for line in text.splitlines())
    return Content("\n".join(bidi.layout(line, ltr=True) for line in lines))


def report_said(report: FieldReport) -> str:
    """What defining the field did, in a line or a few."""
    if not report.not_converted:
        return report.summary()
    lines = [f"{report.summary()}; mend them, then try again:", *report.misfits[:3]]
    if report.misfit_count > 3:
        lines.append(f"… and {report.misfit_count - 3:,} more (crm fields edit names 20)")
    return "\n".join(lines)


class FieldsDialog(UsesDatabase, DialogStyles, ModalScreen[None]):
    """The defined fields, and a field to define or change (by its name)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self) -> None:
        super().__init__()
        self.defined: dict[str, FieldDef] = {}  # by key, as last read

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="fields-dialog"):
            yield Static("Custom fields", classes="dialog-title")
            yield Static("", id="fields-list", classes="dialog-detail")
            yield Label("Field (a new name defines it; a defined one changes)")
            yield Input(id="field-name", compact=True)
            with Horizontal(id="field-kind-row"):
                yield Select(
                    [(kind.value, kind.value) for kind in FieldKind],
                    value=FieldKind.TEXT.value,
                    allow_blank=False,
                    id="field-kind",
                    compact=True,
                )
                yield Input(placeholder="currency (money): EUR", id="field-currency", compact=True)
            yield Input(
                placeholder="choices (choice): small, large", id="field-choices", compact=True
            )
            yield Input(placeholder="default for new contacts", id="field-default", compact=True)
            with VerticalScroll(id="field-said-box"):
                yield Static("", id="field-said", classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="field-save", compact=True)
                yield Button("Close", id="field-close", compact=True)

    def on_mount(self) -> None:
        # A stop for Tab only while it holds something to scroll through.
        self.query_one("#field-said-box").can_focus = False
        self.query_one("#field-name", Input).focus()
        self._load()

    @work(thread=True, exclusive=True, group="fields")
    def _load(self) -> None:
        from crm_tui.services.fields import list_fields

        try:
            with self.read() as session:
                found = list_fields(session=session)
        except Exception as error:  # said in the dialog, not raised
            self.app.call_from_thread(self._said, describe_error(error))
            return
        self.app.call_from_thread(self._show, found)

    def _show(self, found: list[FieldDef]) -> None:
        self.defined = {one.key: one for one in found}
        listed = "\n".join(f"{one.name}: {one.described()}" for one in found)
        listed = listed or "none defined: every custom field is text"
        self.query_one("#fields-list", Static).update(_laid_out(listed))

    @on(Input.Changed, "#field-name")
    def _named(self, event: Input.Changed) -> None:
        """A defined field's name fills in what it is, to change."""
        found = self.defined.get(fold(event.value.strip()))
        if found is not None:
            self.query_one("#field-kind", Select).value = found.kind.value
            self.query_one("#field-choices", Input).value = ", ".join(found.choices)
            self.query_one("#field-default", Input).value = found.default
            self.query_one("#field-currency", Input).value = found.currency

    def _said(self, text: str) -> None:
        self.query_one("#field-said", Static).update(_laid_out(text))
        self.query_one("#field-said-box").can_focus = bool(text)

    @on(Button.Pressed, "#field-close")
    def _close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#field-save")
    @on(Input.Submitted)
    def _save(self) -> None:
        def value(name: str) -> str:
            return self.query_one(f"#field-{name}", Input).value.strip()

        choices = tuple(part.strip() for part in value("choices").split(",") if part.strip())
        kind = FieldKind(str(chosen(self.query_one("#field-kind", Select).value) or "text"))
        definition = FieldDef(value("name"), kind, choices, value("default"), value("currency"))
        self._define(definition)

    @work(thread=True, exclusive=True, group="fields")
    def _define(self, definition: FieldDef) -> None:
        from crm_tui.errors import NotFoundError
        from crm_tui.services.fields import add_field, edit_field

        try:
            with self.write() as session:
                try:
                    report = edit_field(
                        session=session,
                        name=definition.name,
                        kind=definition.kind,
                        choices=definition.choices,
                        default=definition.default,
                        currency=definition.currency,
                    )
                except NotFoundError:
                    report = add_field(session=session, definition=definition)
        except Exception as error:  # a name or a choice refused: said under the fields
            self.app.call_from_thread(self._said, describe_error(error))
            return
        self.app.call_from_thread(self._said, report_said(report))
        self._load()
