"""What to do to many contacts at once (``b`` on the contacts list): the chosen ones or every
contact the list holds, and one action with its value. The list then asks again with the
exact count before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from crm_tui.errors import CrmError
from crm_tui.services import bulk
from crm_tui.vocabulary import ContactStatus
from screens.base import DialogStyles
from screens.dialogs import chosen, say_error
from screens.text import literal

# Each action: its label, what its value is (None: it takes none), what its second line is.
ACTIONS: dict[str, tuple[str, str | None, str | None]] = {
    "tag": ("Tag", "Tag", None),
    "untag": ("Take a tag off", "Tag", None),
    "status": ("Set the status", "Status: lead, prospect, customer or inactive", None),
    "owner": ("Give to a team member", "Team member (empty: nobody)", None),
    "field": ("Set a custom field", "Field=value (an empty value removes it)", None),
    "log": ("Log an interaction with each", "What happened", "Channel (empty: email)"),
    "task": ("Create a task for each", "Task", "Due (fri, 3d, a date; empty: none)"),
    "trash": ("Move to the trash", None, None),
    "export": ("Export to a CSV file", "File (~ is your home folder)", None),
}


@dataclass(frozen=True)
class ExportFile:
    """Not a change: the contacts written to a CSV file, as ``crm export contacts`` does."""

    path: Path


@dataclass(frozen=True)
class BulkChoice:
    everyone: bool  # every contact the list holds, not only the chosen ones
    action: bulk.Action | ExportFile


def action_of(key: str, value: str, extra: str) -> bulk.Action | ExportFile:
    """The action the dialog's fields say; ``CrmError`` (or ``ValueError``) saying why not."""
    from crm_tui.dates import parse_day
    from crm_tui.schemas import TaskCreate

    value = value.strip()
    if key in ("tag", "untag"):
        if not value or "," in value:
            raise ValueError("type one tag (no comma)")
        return bulk.Tag(value, remove=key == "untag")
    if key == "status":
        if value.lower() not in set(ContactStatus):
            raise ValueError(f"a status is one of {', '.join(ContactStatus)}")
        return bulk.SetStatus(ContactStatus(value.lower()))
    if key == "owner":
        return bulk.SetOwner(value)
    if key == "field":
        name, equals, text = value.partition("=")
        if not equals or not name.strip():
            raise ValueError("write name=value, e.g. City=Tehran")
        return bulk.SetField(name.strip(), text.strip())
    if key == "log":
        return bulk.Log.of(value, channel=extra)
    if key == "task":
        due = parse_day(extra) if extra.strip() else None
        return bulk.NewTask(TaskCreate.build(title=value, due_date=due))
    if key == "export":
        if not value:
            raise ValueError("name the file, e.g. ~/tehran.csv")
        return ExportFile(Path(value).expanduser())
    return bulk.Trash()


class BulkDialog(DialogStyles, ModalScreen[BulkChoice | None]):
    """Pick whom (the chosen contacts, or every one the list holds) and what to do."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, chosen_said: str, listed_said: str) -> None:
        super().__init__()
        self.chosen_said, self.listed_said = chosen_said, listed_said

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="bulk-dialog"):
            yield Static("Change many contacts at once", classes="dialog-title")
            yield Label("Whom")
            yield Select(
                [
                    (literal(self.chosen_said, single_line=True), False),
                    (literal(self.listed_said, single_line=True), True),
                ],
                value=False,
                allow_blank=False,
                id="bulk-whom",
                compact=True,
            )
            yield Label("What")
            yield Select(
                [(label, key) for key, (label, _, _) in ACTIONS.items()],
                value="tag",
                allow_blank=False,
                id="bulk-action",
                compact=True,
            )
            yield Label("Tag", id="bulk-value-label")
            yield Input(id="bulk-value", compact=True)
            yield Label("", id="bulk-extra-label")
            yield Input(id="bulk-extra", compact=True)
            yield Static("", id="bulk-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Next", variant="primary", id="bulk-next", compact=True)
                yield Button("Cancel", id="bulk-cancel", compact=True)

    def on_mount(self) -> None:
        self._show_fields("tag")

    @on(Select.Changed, "#bulk-action")
    def _action_changed(self, event: Select.Changed) -> None:
        self._show_fields(str(chosen(event.value) or "tag"))

    def _show_fields(self, key: str) -> None:
        _, value_label, extra_label = ACTIONS[key]
        for name, label in (("value", value_label), ("extra", extra_label)):
            self.query_one(f"#bulk-{name}-label", Label).update(label or "")
            self.query_one(f"#bulk-{name}-label", Label).display = label is not None
            self.query_one(f"#bulk-{name}", Input).display = label is not None
        say_error(self.query_one("#bulk-error", Static), "")

    @on(Button.Pressed, "#bulk-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#bulk-next")
    @on(Input.Submitted)
    def _next(self) -> None:
        key = str(chosen(self.query_one("#bulk-action", Select).value) or "tag")
        try:
            action = action_of(
                key,
                self.query_one("#bulk-value", Input).value,
                self.query_one("#bulk-extra", Input).value,
            )
        except (CrmError, ValueError) as error:
            say_error(self.query_one("#bulk-error", Static), str(error))
            return
        everyone = bool(self.query_one("#bulk-whom", Select).value)
        self.dismiss(BulkChoice(everyone, action))
