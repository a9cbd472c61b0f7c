"""Add or edit a deal (``n``/``e`` on the pipeline). Its fields, their labels and order come
from the deal's declaration (``crm_tui.entities.DEAL``); won and lost are moves, not edits
(``w``/``x``), so the stage offered here is an open one or Won."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static, TextArea

from crm_tui import display
from crm_tui.dates import DateError, parse_day
from crm_tui.entities import DEAL, Kind
from crm_tui.errors import FieldErrors, ValidationError
from crm_tui.records import split_tags
from crm_tui.schemas import DealCreate, DealRead, DealUpdate
from crm_tui.vocabulary import DEFAULT_CURRENCY, Outcome
from screens.base import DialogStyles, UsesDatabase
from screens.contact_picker import ContactPicker
from screens.forms import (
    DiscardGuard,
    Field,
    PairList,
    changed_fields,
    checked_values,
    input_value,
    pair_problems,
    save_failed,
)
from screens.text import choices, editable

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm_tui.services.deals import StageRead
    from crm_tui.services.team import MemberRead

# What the form edits, in the declaration's order (the rest changes by moving the deal, or
# is the deal's own history).
EDITED = [
    field
    for field in DEAL.fields
    if field.kind is not Kind.MOMENT and field.name not in ("pipeline_id", "lost_reason_id")
]
FIELDS = {field.name for field in EDITED}


def deal_values(deal: DealRead) -> dict[str, Any]:
    """A deal's fields as the form's ``values()`` names them."""
    values = {field.name: getattr(deal, field.name) for field in EDITED}
    values["organization"] = deal.organization or ""  # a field holds text, never None
    return values


def _amount_text(deal: DealRead | None) -> str:
    if deal is None or not deal.value_minor:
        return ""
    from crm_tui.money import Money

    return str(Money(deal.value_minor, deal.currency).amount)


def _plain(name: str) -> Any:
    def typed(deal: DealRead | None) -> tuple[str, str]:
        value = getattr(deal, name, "") if deal else ""
        if name == "currency" and not value:
            value = DEFAULT_CURRENCY
        return editable(value or ""), ""

    return typed


# The kinds whose input takes a row of its own (the others sit three to a row).
_OWN_ROW = frozenset({Kind.LONG_TEXT, Kind.CONTACT, Kind.CUSTOM})

# What an input of each kind shows at first, and its placeholder.
_TYPED: dict[Kind, Any] = {
    Kind.MONEY: lambda deal: (_amount_text(deal), "1,200.50"),
    Kind.DATE: lambda deal: (
        display.day(deal.expected_close) if deal else "",
        f"{display.day(date(2026, 12, 31))}, fri",  # in the calendar and digits shown
    ),
    Kind.PERCENT: lambda deal: (str(deal.probability) if deal else "", "the stage's"),
}


class DealForm(DialogStyles, DiscardGuard, UsesDatabase, ModalScreen[DealRead | None]):
    """One deal; the value is read as people write it ("1,200.50", "1.2k", "۱٬۲۰۰")."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(self, deal: DealRead | None, *, stage_id: int | None = None) -> None:
        super().__init__()
        # editing: the version saved over; shown: what the form holds (after a merge, more)
        self.editing = self.shown = deal
        self.stage_id = deal.stage_id if deal else stage_id

    def compose(self) -> ComposeResult:
        deal = self.shown
        title = f"Edit deal {display.ident(deal.id)}" if deal else "New deal"
        with Vertical(classes="dialog form-dialog"):
            yield Static(title, classes="dialog-title")
            with VerticalScroll(classes="form-body"):
                row: list[Widget] = []
                for field in EDITED:
                    widget = Field(
                        field.label,
                        self._widget(field.name, field.kind, deal),
                        field=field.name,
                        dated=field.kind is Kind.DATE,
                    )
                    if field.kind in _OWN_ROW or field.name == "title":
                        if row:  # the fields before it, in their order
                            yield Horizontal(*row, classes="field-row")
                            row = []
                        yield widget
                        continue
                    row.append(widget)
                    if len(row) == 3:
                        yield Horizontal(*row, classes="field-row")
                        row = []
                if row:
                    yield Horizontal(*row, classes="field-row")
            yield Static("", id="error-form", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def _widget(self, name: str, kind: Kind, deal: DealRead | None) -> Widget:
        """The input for the field ``name`` of the kind ``kind``."""
        identifier = f"f-{name}"
        if kind is Kind.CONTACT:
            contact_id, shown = (deal.contact_id, deal.contact_name or "") if deal else (None, "")
            return ContactPicker(contact_id, shown, id=identifier)
        if kind is Kind.MEMBER or name == "stage_id":
            return Select([], prompt="nobody" if kind is Kind.MEMBER else "", id=identifier)
        if kind is Kind.LONG_TEXT:
            return TextArea(editable(deal.notes if deal else ""), id=identifier)
        if kind is Kind.TAGS:
            tags = ", ".join(deal.tags) if deal else ""
            return Input(editable(tags), placeholder="vip, renewal", id=identifier)
        if kind is Kind.CUSTOM:
            pairs = [(editable(k), editable(v)) for k, v in (deal.custom if deal else {}).items()]
            return PairList(
                pairs,
                placeholders=("field", "value"),
                add_label="+ field",
                id=identifier,
                named=True,
            )
        text, hint = _TYPED.get(kind, _plain(name))(deal)
        return Input(text, placeholder=hint, id=identifier)

    def on_mount(self) -> None:
        self.query_one("#f-title", Input).focus()
        self._load_choices()

    @work(thread=True, group="deal-form")
    def _load_choices(self) -> None:
        from crm_tui.services.deals import stages
        from crm_tui.services.team import list_members

        pipeline = self.editing.pipeline_id if self.editing else None

        def load() -> tuple[list[StageRead], list[MemberRead]]:
            with self.read() as session:
                return stages(session=session, pipeline_id=pipeline), list_members(session=session)

        found = self.guarded(load)
        if found is not None:
            self.app.call_from_thread(self._fill_choices, *found)

    def _fill_choices(self, stages: list[StageRead], members: list[MemberRead]) -> None:
        self._fill_stages(stages)
        self._fill_owners(members)
        self.remember_values()  # the form as filled in: what escape compares with

    def _fill_stages(self, stages: list[StageRead]) -> None:
        stage = self.query_one("#f-stage_id", Select)
        offered = [s for s in stages if s.outcome != Outcome.LOST or s.id == self.stage_id]
        stage.set_options(choices((s.name, s.id) for s in offered))
        first_open = next((s.id for s in offered), None)
        stage.value = self.stage_id if self.stage_id in {s.id for s in offered} else first_open

    def _fill_owners(self, members: list[MemberRead]) -> None:
        owner = self.query_one("#f-owner_id", Select)
        options = [(m.name, m.id) for m in members]
        deal = self.shown
        if deal and deal.owner_id and deal.owner_id not in {m.id for m in members}:
            options.append((f"{deal.owner} (deactivated)", deal.owner_id))
        owner.set_options(choices(options))
        default = deal.owner_id if deal else self.actor_id
        if default in {value for _, value in options}:
            owner.value = default

    def values(self) -> dict[str, Any]:
        from crm_tui.money import currency_code, parse_amount

        errors: dict[str, str] = {}
        values: dict[str, Any] = {"title": input_value(self, "#f-title")}
        if not values["title"]:
            errors["title"] = "a deal needs a title"
        try:
            values["currency"] = currency_code(input_value(self, "#f-currency"))
        except ValidationError as error:
            errors["currency"], values["currency"] = str(error), DEFAULT_CURRENCY
        typed = input_value(self, "#f-value_minor")
        try:
            values["value_minor"] = parse_amount(typed, values["currency"]).minor if typed else 0
        except ValidationError as error:
            errors["value_minor"] = str(error)
        typed = input_value(self, "#f-probability")
        values["probability"] = int(typed) if typed.isdigit() and int(typed) <= 100 else None
        if typed and values["probability"] is None:
            errors["probability"] = "a percent from 0 to 100, or empty for the stage's"
        typed = input_value(self, "#f-expected_close")
        try:
            values["expected_close"] = parse_day(typed, today=self.today) if typed else None
        except DateError as error:
            errors["expected_close"] = str(error)
        values["contact_id"] = self.query_one("#f-contact_id", ContactPicker).contact_id
        values["organization"] = input_value(self, "#f-organization")
        owner = self.query_one("#f-owner_id", Select).value
        values["owner_id"] = owner if isinstance(owner, int) else None
        stage = self.query_one("#f-stage_id", Select).value
        values["stage_id"] = stage if isinstance(stage, int) else None
        values["source"] = input_value(self, "#f-source")
        values["notes"] = self.query_one("#f-notes", TextArea).text.strip()
        values["tags"] = split_tags(input_value(self, "#f-tags"))
        values["custom"] = dict(self.query_one("#f-custom", PairList).values())
        errors.update(pair_problems(self, {"custom"}))
        if errors:
            raise FieldErrors(errors)
        return values

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        values = checked_values(self, FIELDS)
        if values is None:
            return
        self._save(values, self.editing.version if self.editing else None)

    def _save(self, values: dict[str, Any], expected_version: int | None) -> None:
        self.write_in_worker(
            lambda session: self._write(session, values, expected_version),
            self.dismiss,
            group="deal-save",
            exclusive=True,
            failed=lambda error: save_failed(
                self, error, FIELDS, lambda theirs: self._conflict(values, theirs)
            ),
        )

    def _conflict(self, values: dict[str, Any], theirs: DealRead) -> None:
        """Somebody saved the deal since it was opened: mine over theirs, theirs, or theirs
        with my changes on top to check and save again."""
        from screens.conflict import resolve_conflict

        assert self.editing is not None
        mine = changed_fields(deal_values(self.editing), values)
        picker = self.query_one("#f-contact_id", ContactPicker)

        async def merge() -> None:
            shown = dict(mine)
            if "contact_id" in mine:
                shown["contact_name"] = picker.contact_name
            self.editing, self.shown = theirs, theirs.model_copy(update=shown)
            self.stage_id = self.shown.stage_id
            await self.recompose()
            self.query_one("#f-title", Input).focus()
            self._load_choices()

        resolve_conflict(
            self,
            mine=mine,
            theirs=theirs,
            theirs_values=deal_values(theirs),
            save_mine=lambda: self._save(values, theirs.version),
            merge=merge,
        )

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()  # asks first when something was typed (DiscardGuard)

    def _write(
        self, session: Session, values: dict[str, Any], expected_version: int | None
    ) -> DealRead:
        from crm_tui.services.deals import create_deal, move_deal, update_deal

        if self.editing is None:
            return create_deal(
                session=session, data=DealCreate.build(**values), actor_id=self.actor_id
            )
        deal = self.editing
        changes = changed_fields(deal_values(deal), values)
        stage = changes.pop("stage_id", None)
        if changes:
            deal = update_deal(
                session=session,
                deal_id=deal.id,
                data=DealUpdate.build(**changes),
                expected_version=expected_version,
                actor_id=self.actor_id,
            )
        elif stage is not None and expected_version is not None:
            deal = deal.model_copy(update={"version": expected_version})
        if stage is not None:
            deal = move_deal(
                session=session,
                deal_id=deal.id,
                stage_id=stage,
                expected_version=deal.version,
                actor_id=self.actor_id,
            )
        return deal
