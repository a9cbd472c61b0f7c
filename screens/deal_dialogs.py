"""The pipeline's dialogs: why a deal was lost, and which deals to show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from crm_tui.services.deals import NO_OWNER, PipelineRead
from crm_tui.services.team import MemberRead
from crm_tui.text import clean_line
from screens.base import DialogStyles
from screens.contact_picker import ContactPicker
from screens.dialogs import QUESTION_WIDTH, FilterDialog, chosen
from screens.text import choices, flowing, literal


class LostReasonDialog(DialogStyles, ModalScreen[str | None]):
    """Pick why the deal was lost (the editable list); Escape cancels, nothing moves."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, reasons: list[str]) -> None:
        super().__init__()
        self.deal_title, self.reasons = title, reasons

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            question = f"Why was '{self.deal_title}' lost?"  # laid out as a question's line
            yield Static(Content(flowing(question, QUESTION_WIDTH)), classes="dialog-title")
            yield OptionList(
                *(
                    Option(literal(name, single_line=True), id=str(i))
                    for i, name in enumerate(self.reasons)
                ),
                id="lost-reasons",
            )
            yield Static("Enter picks a reason · Escape cancels", classes="dialog-detail")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.reasons[int(event.option.id or 0)])


@dataclass(frozen=True)
class DealFilter:
    pipeline_id: int | None = None  # None: the default pipeline
    owner_id: int | None = None
    contact_id: int | None = None
    label: str = ""
    tag: str | None = None
    # The deals closed in a period (the dashboard's, opened from a figure), of one outcome
    # or both: the board shows only closed stages then, of every pipeline.
    closed_in: tuple[datetime, datetime] | None = None
    outcome: str | None = None


class DealFilterDialog(FilterDialog[DealFilter]):
    """Pipeline, owner, client and tag; they combine."""

    def __init__(
        self, current: DealFilter, pipelines: list[PipelineRead], members: list[MemberRead]
    ) -> None:
        super().__init__()
        self.current, self.pipelines, self.members = current, pipelines, members

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Show deals of…", classes="dialog-title")
            yield Label("Pipeline", classes="field-label")
            yield Select(
                choices((p.name, p.id) for p in self.pipelines),
                prompt="the default pipeline",
                value=self.current.pipeline_id or Select.NULL,
                id="f-pipeline",
                compact=True,
            )
            yield Label("Owner", classes="field-label")
            yield Select(
                [
                    ("nobody", NO_OWNER),
                    *choices((m.name + " (inactive)" * (not m.active), m.id) for m in self.members),
                ],
                prompt="anyone",
                value=Select.NULL if self.current.owner_id is None else self.current.owner_id,
                id="f-owner",
                compact=True,
            )
            yield Label("Client", classes="field-label")
            yield ContactPicker(self.current.contact_id, "", id="f-contact")
            yield Label("Tag", classes="field-label")
            yield Input(self.current.tag or "", placeholder="any", id="f-tag", compact=True)
            yield from self.buttons()

    def cleared(self) -> DealFilter:
        return DealFilter()

    def apply(self) -> None:
        pipeline = chosen(self.query_one("#f-pipeline", Select).value)
        owner = chosen(self.query_one("#f-owner", Select).value)
        picker = self.query_one("#f-contact", ContactPicker)
        contact = picker.contact_id if picker.query_one(Input).value.strip() else None
        names = [p.name for p in self.pipelines if p.id == pipeline and not p.is_default]
        names += [m.name for m in self.members if m.id == owner]
        names += ["no owner"] if owner == NO_OWNER else []
        names += [picker.contact_name] if contact else []
        tag = clean_line(self.query_one("#f-tag", Input).value) or None
        names += [f"tag {tag}"] if tag else []
        self.dismiss(DealFilter(pipeline, owner, contact, " · ".join(names), tag=tag))
