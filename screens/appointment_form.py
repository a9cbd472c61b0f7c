"""Book or change an appointment (``n``/``e`` on the agenda): what, when and for how long,
where, with which contact, which team members attend, notes.

The start is typed as people say it ("tomorrow 10:00", "fri 9:30", a date and a time, a
Jalali date too); the length as "45m" or "1h30". The contact picker sets the first contact;
others an appointment has (booked from the command line or a calendar file) are kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static, TextArea

from crm_tui import display
from crm_tui.dates import DateError, parse_duration, parse_when
from crm_tui.errors import FieldErrors
from crm_tui.schemas import AppointmentCreate, AppointmentRead, AppointmentUpdate
from screens.base import DialogStyles, UsesDatabase
from screens.contact_picker import ContactPicker
from screens.forms import (
    DiscardGuard,
    Field,
    changed_fields,
    checked_values,
    input_value,
    save_failed,
)
from screens.text import editable

if TYPE_CHECKING:
    from sqlmodel import Session

KINDS = ("meeting", "call", "chat", "other")
FIELDS = {"title", "starts_at", "ends_at", "channel", "place", "contact_ids", "member_ids", "notes"}


def _typed_start(moment: datetime) -> str:
    local = moment.astimezone()
    return f"{local:%Y-%m-%d %H:%M}"


def _typed_length(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}" if hours and rest else f"{hours}h" if hours else f"{rest}m"


def appointment_values(one: AppointmentRead) -> dict[str, Any]:
    """What the form edits of a stored appointment, as ``values()`` reads the form."""
    return {
        "title": one.title,
        "starts_at": one.starts_at,
        "ends_at": one.ends_at,
        "channel": one.channel,
        "place": one.place,
        "contact_ids": one.contact_ids,
        "member_ids": one.member_ids,
        "notes": one.notes,
    }


class AppointmentForm(
    DialogStyles, DiscardGuard, UsesDatabase, ModalScreen[AppointmentRead | None]
):
    """One appointment."""

    compare_typed = True  # an empty form is not valid, and closes at once all the same
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(self, appointment: AppointmentRead | None, *, starts: datetime | None = None):
        super().__init__()
        self.editing = appointment
        self.starts = appointment.starts_at if appointment else starts

    def compose(self) -> ComposeResult:
        one = self.editing
        title = f"Edit appointment {display.ident(one.id)}" if one else "Book an appointment"
        start = _typed_start(self.starts) if self.starts else ""
        length = _typed_length(one.minutes) if one else "1h"
        first = (one.contact_ids[0], one.contacts[0]) if one and one.contact_ids else (None, "")
        with Vertical(classes="dialog form-dialog"):
            yield Static(title, classes="dialog-title")
            with VerticalScroll(classes="form-body"):
                yield Field(
                    "Title", Input(editable(one.title if one else ""), id="f-title"), field="title"
                )
                yield Horizontal(
                    Field(
                        "Starts",
                        Input(start, placeholder="tomorrow 10:00", id="f-starts_at"),
                        field="starts_at",
                        dated=True,
                    ),
                    Field(
                        "Length",
                        Input(length, placeholder="45m, 1h30", id="f-ends_at"),
                        field="ends_at",
                    ),
                    Field(
                        "Kind",
                        Select(
                            [(kind, kind) for kind in KINDS],
                            value=one.channel if one and one.channel in KINDS else "meeting",
                            allow_blank=False,
                            id="f-channel",
                        ),
                        field="channel",
                    ),
                    classes="field-row",
                )
                yield Field(
                    "Where (an address or a link)",
                    Input(editable(one.place if one else ""), id="f-place"),
                    field="place",
                )
                others = ", ".join(one.contacts[1:]) if one else ""
                label = f"With (also: {others})" if others else "With"
                yield Field(label, ContactPicker(*first, id="f-contact_ids"), field="contact_ids")
                members = ", ".join(one.members) if one else ""
                yield Field(
                    "Attending (team members, comma-separated; empty: you)",
                    Input(editable(members), id="f-member_ids"),
                    field="member_ids",
                )
                yield Field(
                    "Notes",
                    TextArea(editable(one.notes if one else ""), id="f-notes"),
                    field="notes",
                )
            yield Static("", id="error-form", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#f-title", Input).focus()
        self.remember_values()

    def values(self) -> dict[str, Any]:
        errors: dict[str, str] = {}
        values: dict[str, Any] = {"title": input_value(self, "#f-title")}
        if not values["title"]:
            errors["title"] = "an appointment needs a title"
        typed = input_value(self, "#f-starts_at")
        try:
            values["starts_at"] = parse_when(typed, ahead=True) if typed else None
        except DateError as error:
            errors["starts_at"], values["starts_at"] = str(error), None
        if not typed:
            errors["starts_at"] = "when does it start? (tomorrow 10:00, fri 9:30, a date)"
        try:
            length = parse_duration(input_value(self, "#f-ends_at"))
            if values["starts_at"] is not None:
                values["ends_at"] = values["starts_at"] + length
        except DateError as error:
            errors["ends_at"] = str(error)
        kind = self.query_one("#f-channel", Select).value
        values["channel"] = kind if isinstance(kind, str) else "meeting"
        values["place"] = input_value(self, "#f-place")
        picked = self.query_one("#f-contact_ids", ContactPicker).contact_id
        kept = self.editing.contact_ids[1:] if self.editing else []
        values["contact_ids"] = ([picked] if picked else []) + [c for c in kept if c != picked]
        values["member_names"] = input_value(self, "#f-member_ids")
        values["notes"] = self.query_one("#f-notes", TextArea).text.strip()
        if errors:
            raise FieldErrors(errors)
        return values

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        values = checked_values(self, FIELDS)
        if values is None:
            return
        self.write_in_worker(
            lambda session: self._write(session, values),
            self.dismiss,
            group="appointment-save",
            exclusive=True,
            failed=lambda error: save_failed(self, error, FIELDS),
        )

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def _write(self, session: Session, values: dict[str, Any]) -> AppointmentRead:
        from crm_tui.records import AMBIGUOUS, member_in, split_tags
        from crm_tui.services.team import team_directory

        typed = values.pop("member_names")
        if self.editing is not None and typed == ", ".join(self.editing.members):
            values["member_ids"] = self.editing.member_ids  # as they were: nothing to look up
            return self._save_values(session, values)
        names = split_tags(typed)
        directory = team_directory(session=session)
        members = []
        for name in names:
            found = member_in(directory, name)
            if found is None or found == AMBIGUOUS:
                said = "several team members are" if found else "no team member is"
                raise FieldErrors({"member_ids": f"{said} called “{name}”"})
            members.append(found)
        values["member_ids"] = members or ([self.actor_id] if self.actor_id else [])
        return self._save_values(session, values)

    def _save_values(self, session: Session, values: dict[str, Any]) -> AppointmentRead:
        from crm_tui.services.appointments import create_appointment, update_appointment

        if self.editing is None:
            return create_appointment(
                session=session, data=AppointmentCreate.build(**values), actor_id=self.actor_id
            )
        changes = changed_fields(appointment_values(self.editing), values)
        if not changes:
            return self.editing  # saved as it was: no new version
        return update_appointment(
            session=session,
            appointment_id=self.editing.id,
            data=AppointmentUpdate.build(**changes),
            expected_version=self.editing.version,
            actor_id=self.actor_id,
        )
