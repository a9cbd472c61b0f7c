"""Quick entry (``l``): log a call, email, meeting… in a few keystrokes, with a follow-up.

Logging a touchpoint with someone who waits for a follow-up (due today or before) offers
to mark it done: a box under the contact, ticked, so ctrl+s saves both.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Select, Static, TextArea

from crm_tui import bidi, display
from crm_tui.dates import DateError, parse_day, parse_when
from crm_tui.errors import FieldErrors
from crm_tui.schemas import (
    InteractionCreate,
    InteractionRead,
    InteractionUpdate,
    TaskRead,
    happened,
)
from crm_tui.services.interactions import create_interaction, update_interaction
from crm_tui.services.tasks import complete_follow_ups, create_follow_up, list_follow_ups
from crm_tui.vocabulary import Channel, Sentiment
from screens.base import DialogStyles, UsesDatabase
from screens.contact_picker import ContactPicker
from screens.forms import (
    DiscardGuard,
    Field,
    about_deal,
    checked_values,
    input_value,
    save_failed,
)
from screens.text import editable, literal

if TYPE_CHECKING:
    from sqlmodel import Session

FIELDS = {"contact", "when", "subject", "body", "channel", "follow_up", "sentiment"}
OFFERED = 3  # follow-ups named on the "complete" box; more are counted


def _short(title: str, width: int = 40) -> str:
    return title if len(title) <= width else title[: width - 1] + "…"


def completion_offer(tasks: list[TaskRead]) -> Content:
    """The box's label: "Complete follow-up #12 (due Wed 02 Dec) 'Follow up with Sara'"
    (the title last: in a narrow form it is what gets cut)."""
    if len(tasks) == 1:
        task = tasks[0]
        due = f" (due {bidi.layout(display.day_words(task.due))})" if task.due else ""
        return literal(
            f"Complete follow-up #{task.id}{due} '{_short(task.title, 48)}'", single_line=True
        )
    named = ", ".join(
        f"{display.ident(task.id)} '{_short(task.title, 24)}'" for task in tasks[:OFFERED]
    )
    more = f" and {len(tasks) - OFFERED} more" if len(tasks) > OFFERED else ""
    return literal(f"Complete {len(tasks)} follow-ups: {named}{more}", single_line=True)


class InteractionForm(
    DialogStyles, DiscardGuard, UsesDatabase, ModalScreen[InteractionRead | None]
):
    """Who, how, when, what; ctrl+s saves. "when" takes "yesterday 15:00" or "-2d"."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    class FollowUpsFound(Message):
        """The open follow-ups, due by today, of the contact chosen."""

        def __init__(self, contact_id: int, tasks: list[TaskRead]) -> None:
            super().__init__()
            self.contact_id, self.tasks = contact_id, tasks

    def __init__(
        self,
        *,
        contact_id: int | None = None,
        contact_name: str = "",
        interaction: InteractionRead | None = None,
        deal: tuple[int, str] | None = None,
    ) -> None:
        """``deal``: the deal (id, title) a new interaction is about."""
        super().__init__()
        self.interaction = interaction
        if interaction is not None:
            contact_id, contact_name = interaction.contact_id, interaction.contact_name or ""
            deal = (
                (interaction.deal_id, interaction.deal or "")
                if interaction.deal_id is not None
                else None
            )
        self.contact_id, self.contact_name = contact_id, contact_name
        self.deal = deal
        self.offered: tuple[int, list[int]] | None = None  # (contact, follow-ups) on the box

    def compose(self) -> ComposeResult:
        item = self.interaction
        channel = item.channel if item else Channel.CALL.value
        when = display.moment(item.occurred_at) if item else "now"
        with Vertical(classes="dialog form-dialog"):
            yield Static(
                "Edit interaction" if item else "Log an interaction", classes="dialog-title"
            )
            if self.deal is not None:
                yield about_deal(*self.deal)
            with VerticalScroll(classes="form-body"):
                yield Field(
                    "Contact",
                    ContactPicker(self.contact_id, self.contact_name, id="f-contact"),
                    field="contact",
                )
                if item is None:  # shown once the contact's due follow-ups are known
                    offer = Checkbox("", True, id="f-complete", compact=True)
                    offer.display = False
                    yield offer
                with Horizontal(classes="field-row"):
                    yield Field(
                        "Channel",
                        Select(
                            [(c.value, c.value) for c in Channel],
                            value=channel,
                            allow_blank=False,
                            id="f-channel",
                        ),
                        field="channel",
                    )
                    yield Field(
                        "Direction",
                        Select(
                            [("out (we reached out)", "out"), ("in (they reached out)", "in")],
                            value=item.direction if item else "out",
                            allow_blank=False,
                            id="f-direction",
                        ),
                        field="direction",
                    )
                    yield Field("When", Input(when, id="f-when"), field="when", dated=True)
                yield Field(
                    "Subject",
                    Input(editable(item.subject if item else ""), id="f-subject"),
                    field="subject",
                )
                yield Field(
                    "Notes",
                    TextArea(editable(item.body if item else ""), id="f-body"),
                    field="body",
                )
                with Horizontal(classes="field-row"):
                    yield Field(
                        "Sentiment",
                        Select(
                            [(s.value, s.value) for s in Sentiment],
                            value=(item.sentiment if item and item.sentiment else Select.NULL),
                            prompt="—",
                            id="f-sentiment",
                        ),
                        field="sentiment",
                    )
                    yield Field(
                        "",
                        Checkbox("Complaint", item.complaint if item else False, id="f-complaint"),
                        field="complaint",
                    )
                    if item is None:
                        yield Field(
                            "Follow-up due (3d, fri)",
                            Input("", id="f-follow_up"),
                            field="follow_up",
                            dated=True,
                        )
            yield Static("", id="error-form", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    compare_typed = True  # "when" is read as a moment: "now" differs from one read to the next
    not_compared = ("f-complete",)

    def on_mount(self) -> None:
        target = "#f-subject" if self.contact_id is not None else ".picker-input"
        self.query_one(target, Input).focus()
        self.remember_values()
        if self.interaction is None and self.contact_id is not None:
            self._find_follow_ups(self.contact_id)

    @on(ContactPicker.Picked, "#f-contact")
    def _picked(self, message: ContactPicker.Picked) -> None:
        if self.interaction is None and message.contact_id is not None:
            self._find_follow_ups(message.contact_id)

    @work(thread=True, exclusive=True, group="interaction-follow-ups")
    def _find_follow_ups(self, contact_id: int) -> None:
        def load() -> list[TaskRead]:
            with self.read() as session:
                return list_follow_ups(
                    session=session,
                    contact_id=contact_id,
                    due_before=self.today + timedelta(days=1),
                )

        tasks = self.guarded(load)
        if tasks is not None:
            self.post_message(self.FollowUpsFound(contact_id, tasks))

    @on(FollowUpsFound)
    def _follow_ups_found(self, message: FollowUpsFound) -> None:
        if message.contact_id != self.query_one("#f-contact", ContactPicker).contact_id:
            return  # another contact was chosen since
        box = self.query_one("#f-complete", Checkbox)
        box.display = bool(message.tasks)
        if not message.tasks:
            self.offered = None
            return
        if self.offered is None or self.offered[0] != message.contact_id:
            box.value = True  # a new contact's follow-ups: offered ticked again
        box.label = completion_offer(message.tasks)
        self.offered = (message.contact_id, [task.id for task in message.tasks])

    def values(self) -> dict[str, Any]:
        errors: dict[str, str] = {}
        picker = self.query_one("#f-contact", ContactPicker)
        if picker.contact_id is None:
            errors["contact"] = "choose a contact (type a few letters, then Enter)"
        try:
            occurred = happened(parse_when(input_value(self, "#f-when") or "now"))
        except DateError as error:
            errors["when"] = str(error)
            occurred = None
        except ValueError as error:  # in the future
            errors["when"] = f"{error} (Follow-up due plans what comes next)"
            occurred = None
        follow_up = None
        if self.interaction is None and input_value(self, "#f-follow_up"):
            try:
                follow_up = parse_day(input_value(self, "#f-follow_up"), today=self.today)
            except DateError as error:
                errors["follow_up"] = str(error)
        if errors:
            raise FieldErrors(errors)
        sentiment = self.query_one("#f-sentiment", Select).value
        return {
            "contact_ids": [picker.contact_id],
            "occurred_at": occurred,
            "channel": self.query_one("#f-channel", Select).value,
            "direction": self.query_one("#f-direction", Select).value,
            "subject": input_value(self, "#f-subject"),
            "body": self.query_one("#f-body", TextArea).text.strip(),
            "sentiment": sentiment if isinstance(sentiment, str) else None,
            "complaint": self.query_one("#f-complaint", Checkbox).value,
            "follow_up": follow_up,
            "complete": self._to_complete(picker.contact_id),
            "deal_id": self.deal[0] if self.deal else None,
        }

    def _to_complete(self, contact_id: int | None) -> list[int]:
        """The follow-ups to mark done with this save: those on the box, if ticked."""
        if self.interaction is not None or self.offered is None:
            return []
        box = self.query_one("#f-complete", Checkbox)
        offered_for, task_ids = self.offered
        return task_ids if box.display and box.value and offered_for == contact_id else []

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        values = checked_values(self, FIELDS)
        if values is None:
            return
        self._save(values)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()  # asks first when something was typed (DiscardGuard)

    def _save(self, values: dict[str, Any]) -> None:
        self.write_in_worker(
            lambda session: self._write(session, dict(values)),
            self.dismiss,
            group="interaction-save",
            exclusive=True,
            failed=lambda error: save_failed(self, error, FIELDS),
        )

    def _write(self, session: Session, values: dict[str, Any]) -> InteractionRead:
        follow_up = values.pop("follow_up")
        complete = values.pop("complete")
        if self.interaction is not None:
            values.pop("contact_ids")
            values.pop("deal_id")  # an edit leaves what it is about as it was
            return update_interaction(
                session=session,
                interaction_id=self.interaction.id,
                changes=InteractionUpdate.build(**values),
                expected_version=self.interaction.version,
                actor_id=self.actor_id,
            )
        created = create_interaction(
            session=session, data=InteractionCreate.build(**values), actor_id=self.actor_id
        )
        if follow_up is not None:
            create_follow_up(
                session=session,
                interaction_id=created.id,
                due=follow_up,
                actor_id=self.actor_id,
            )
        done = complete_follow_ups(session=session, task_ids=complete, actor_id=self.actor_id)
        if done:
            names = ", ".join(display.ident(task.id) for task in done)
            self.app.notify(f"follow-up {names} done", timeout=3)
        return created
