"""Pick a contact by typing a few letters of any field (autocomplete over the search index)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from crm_tui import display
from crm_tui.schemas import ContactRow
from crm_tui.services.contacts import find_contacts
from screens.base import UsesDatabase
from screens.text import editable, safe


def describe(row: ContactRow) -> Content:
    extra = " · ".join(part for part in (row.organization, row.email) if part)
    return Content.assemble(
        safe(row.name, single_line=True),
        (f"  {safe(extra, single_line=True)}", "$text-muted") if extra else "",
        (f"  {display.ident(row.id)}", "$text-muted"),
    )


class ContactPicker(UsesDatabase, Vertical):
    """An input that searches as you type; Down moves into the matches, Enter picks one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "into_matches", "Matches", show=False),
    ]

    class Picked(Message):
        def __init__(self, picker: ContactPicker, contact_id: int | None, name: str) -> None:
            super().__init__()
            self.picker, self.contact_id, self.name = picker, contact_id, name

        @property
        def control(self) -> ContactPicker:
            return self.picker

    class Matches(Message):
        def __init__(self, rows: list[ContactRow]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(
        self, contact_id: int | None = None, name: str = "", *, id: str | None = None
    ) -> None:
        super().__init__(id=id, classes="contact-picker")
        self.contact_id = contact_id
        self.contact_name = name
        self._rows: dict[str, ContactRow] = {}

    def compose(self) -> ComposeResult:
        yield Input(
            self.contact_name,
            placeholder="type a name, email, phone…",
            classes="picker-input",
            compact=True,
        )
        yield Static(self._chosen_text(), classes="picker-chosen")
        yield OptionList(classes="picker-matches")

    def _chosen_text(self) -> Content:
        if self.contact_id is None:
            return Content.styled("no contact chosen", "$text-muted")
        return Content.assemble(
            ("→ ", "$text-success"),
            safe(self.contact_name, single_line=True),
            (f"  {display.ident(self.contact_id)}", "$text-muted"),
        )

    def on_mount(self) -> None:
        self.query_one(OptionList).display = False

    @on(Input.Changed, ".picker-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self.contact_id is not None and event.value == self.contact_name:
            return
        self._search(event.value)

    @work(thread=True, exclusive=True, group="picker")
    def _search(self, text: str) -> None:
        if not text.strip():
            self.post_message(self.Matches([]))
            return

        def search() -> list[ContactRow]:
            with self.read() as session:
                return find_contacts(session=session, text=text, limit=8)

        rows = self.guarded(search)
        if rows is not None and not get_current_worker().is_cancelled:
            self.post_message(self.Matches(rows))

    @on(Matches)
    def _show_matches(self, message: Matches) -> None:
        matches = self.query_one(OptionList)
        matches.clear_options()
        matches.add_options([Option(describe(row), id=str(row.id)) for row in message.rows])
        matches.display = bool(message.rows)
        self._rows = {str(row.id): row for row in message.rows}

    def action_into_matches(self) -> None:
        matches = self.query_one(OptionList)
        if matches.display and matches.option_count:
            matches.focus()
            matches.highlighted = 0

    @on(Input.Submitted, ".picker-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        matches = self.query_one(OptionList)
        if matches.display and matches.option_count:
            first = matches.get_option_at_index(0)
            self._pick(first.id)

    @on(OptionList.OptionSelected, ".picker-matches")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(event.option.id)

    def _pick(self, option_id: Any) -> None:
        row = self._rows.get(option_id)
        if row is None:
            return
        self.contact_id, self.contact_name = row.id, row.name
        self.query_one(".picker-chosen", Static).update(self._chosen_text())
        field = self.query_one(Input)
        with field.prevent(Input.Changed):
            field.value = editable(row.name)
        self.query_one(OptionList).display = False
        field.focus()
        self.post_message(self.Picked(self, row.id, row.name))
