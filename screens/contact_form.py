"""Add or edit a contact (``n``/``e``): validation beside each field, conflicts shown both ways."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select, Static, TextArea

from crm_tui import display
from crm_tui.entities import CONTACT, Kind
from crm_tui.schemas import ContactCreate, ContactRead, ContactUpdate
from crm_tui.services.contacts import create_contact, update_contact
from crm_tui.text import full_name
from screens.base import DialogStyles, UsesDatabase
from screens.dialogs import STATUSES
from screens.forms import (
    DiscardGuard,
    Field,
    PairList,
    changed_fields,
    input_value,
    pair_problems,
    save_failed,
    show_errors,
)
from screens.text import editable, literal, safe

if TYPE_CHECKING:
    from sqlmodel import Session

# The declared fields the form edits (no picker for a team member or another contact yet),
# and those it edits as lists of pairs.
FIELDS = {f.name for f in CONTACT.fields if f.kind not in (Kind.MEMBER, Kind.CONTACT)}
PAIRS = tuple(f.name for f in CONTACT.of_kind(Kind.LABELED, Kind.CUSTOM))
NAMES = {"name", "first_name", "last_name"}


def form_values(contact: ContactRead | None) -> dict[str, Any]:
    """What the form shows for ``contact`` (strings and lists, as the widgets hold them)."""
    if contact is None:
        return {"status": "lead"}
    values = {
        "name": contact.name,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "organization": contact.organization or "",
        "title": contact.title,
        "status": contact.status,
        "emails": [(e.label, e.value) for e in contact.emails],
        "phones": [(p.label, p.value) for p in contact.phones],
        "tags": ", ".join(contact.tags),
        "custom": list(contact.custom.items()),
        "address": contact.address,
        "website": contact.website,
        "birthday": display.birthday_field(contact.birthday),
        "touch_every": str(contact.touch_every or ""),
        "source": contact.source,
        "notes": contact.notes,
    }
    return {key: _editable(value) for key, value in values.items()}


def _editable(value: Any) -> Any:
    if isinstance(value, str):
        return editable(value)
    return [tuple(editable(part) for part in pair) for pair in value]


def _shown_as(values: dict[str, Any]) -> str:
    """The "Shown as" field: blank when the name is just first + last, so that editing
    either name renames the contact (a stored copy would keep the old name)."""
    name = values.get("name", "")
    derived = full_name(values.get("first_name", ""), values.get("last_name", ""))
    return "" if name == derived else name


def form_state(contact: ContactRead | None) -> dict[str, Any]:
    """What the form's fields hold for ``contact`` as ``ContactForm.values()`` reads them
    ("Shown as" blank for first + last): what the user changed is what differs from it."""
    values = form_values(contact)
    return {**values, "name": _shown_as(values)}


def to_model_values(values: dict[str, Any]) -> dict[str, Any]:
    """Form values -> keyword arguments for ContactCreate/ContactUpdate."""
    converted: dict[str, Any] = {}
    for key, value in values.items():
        if key in ("emails", "phones"):
            converted[key] = [{"label": label, "value": v} for label, v in value]
        elif key == "custom":
            converted[key] = dict(value)
        elif key == "tags":
            converted[key] = [tag.strip() for tag in value.split(",") if tag.strip()]
        elif key in ("birthday", "touch_every"):
            converted[key] = value or None
        else:
            converted[key] = value
    return converted


class ContactForm(DialogStyles, DiscardGuard, UsesDatabase, ModalScreen[ContactRead | None]):
    """The whole contact on one scrollable form; ctrl+s saves, escape cancels (asking first
    when something was typed)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(self, contact: ContactRead | None, prefill: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.contact = contact
        self.original = form_state(contact)
        self.shown = prefill or self.original

    def compose(self) -> ComposeResult:
        v = self.shown
        title = (
            f"Edit {safe(self.contact.name, single_line=True)}" if self.contact else "New contact"
        )
        with Vertical(classes="dialog form-dialog"):
            yield Static(literal(title), classes="dialog-title")
            with VerticalScroll(classes="form-body"):
                with Horizontal(classes="field-row"):
                    yield Field(
                        "First name",
                        Input(v.get("first_name", ""), id="f-first_name"),
                        field="first_name",
                    )
                    yield Field(
                        "Last name",
                        Input(v.get("last_name", ""), id="f-last_name"),
                        field="last_name",
                    )
                yield Field(
                    "Shown as (blank: first + last)",
                    Input(_shown_as(v), id="f-name"),
                    field="name",
                )
                with Horizontal(classes="field-row"):
                    yield Field(
                        "Organization",
                        Input(v.get("organization", ""), id="f-organization"),
                        field="organization",
                    )
                    yield Field("Title", Input(v.get("title", ""), id="f-title"), field="title")
                yield Field(
                    "Status",
                    Select(
                        [(s, s) for s in STATUSES],
                        value=v["status"],
                        allow_blank=False,
                        id="f-status",
                    ),
                    field="status",
                )
                yield Field(
                    "Emails (label | address)",
                    PairList(
                        v.get("emails", []),
                        placeholders=("work", "name@example.com"),
                        add_label="+ email",
                        id="f-emails",
                        value_name="address",
                    ),
                    field="emails",
                )
                yield Field(
                    "Phones (label | number)",
                    PairList(
                        v.get("phones", []),
                        placeholders=("mobile", "+98 912 555 0101"),
                        add_label="+ phone",
                        id="f-phones",
                        value_name="number",
                    ),
                    field="phones",
                )
                yield Field(
                    "Tags (comma separated)", Input(v.get("tags", ""), id="f-tags"), field="tags"
                )
                yield Field(
                    "Custom fields (name | value; clear a value to remove it)",
                    PairList(
                        v.get("custom", []),
                        placeholders=("field", "value"),
                        add_label="+ field",
                        id="f-custom",
                        named=True,
                    ),
                    field="custom",
                )
                with Horizontal(classes="field-row"):
                    yield Field(
                        "Birthday (YYYY-MM-DD or --MM-DD)",
                        Input(v.get("birthday", ""), id="f-birthday"),
                        field="birthday",
                        dated=True,
                    )
                    yield Field(
                        "In touch every (days)",
                        Input(
                            v.get("touch_every", ""),
                            placeholder="by its tags",
                            id="f-touch_every",
                        ),
                        field="touch_every",
                    )
                    yield Field("Source", Input(v.get("source", ""), id="f-source"), field="source")
                yield Field("Website", Input(v.get("website", ""), id="f-website"), field="website")
                yield Field("Address", Input(v.get("address", ""), id="f-address"), field="address")
                yield Field("Notes", TextArea(v.get("notes", ""), id="f-notes"), field="notes")
            yield Static("", id="error-form", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#f-first_name", Input).focus()
        self.remember_values()

    def values(self) -> dict[str, Any]:
        """What the fields hold ("Shown as" as typed: blank is first + last)."""
        pairs = {key: self.query_one(f"#f-{key}", PairList).values() for key in PAIRS}
        status = self.query_one("#f-status", Select).value
        return {
            **{
                key: input_value(self, f"#f-{key}")
                for key in (
                    "name",
                    "first_name",
                    "last_name",
                    "organization",
                    "title",
                    "tags",
                    "address",
                    "website",
                    "birthday",
                    "touch_every",
                    "source",
                )
            },
            **pairs,
            "status": status if isinstance(status, str) else "lead",
            "notes": self.query_one("#f-notes", TextArea).text.strip(),
        }

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        problems = pair_problems(self, set(PAIRS))
        if problems:
            show_errors(self, problems, FIELDS)
            return
        self._save(self.values(), self.contact.version if self.contact else None)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def _save(self, values: dict[str, Any], expected_version: int | None) -> None:
        self.write_in_worker(
            lambda session: self._write(session, values, expected_version),
            self.dismiss,
            group="contact-save",
            exclusive=True,
            failed=lambda error: save_failed(
                self, error, FIELDS, lambda theirs: self._conflict(values, theirs)
            ),
        )

    def _write(
        self, session: Session, values: dict[str, Any], expected_version: int | None
    ) -> ContactRead:
        if self.contact is None:
            data = ContactCreate.build(self.phone_region, **to_model_values(values))
            return create_contact(session=session, data=data, actor_id=self.actor_id)
        changed = changed_fields(self.original, values)
        if not values["name"] and changed.keys() & NAMES:
            # as the label says: blank is first + last, so a new first name renames
            changed["name"] = full_name(values["first_name"], values["last_name"])
        changes = to_model_values(changed)
        if not changes:  # saved as it was: no new version, no "changed by" stamp
            return self.contact
        return update_contact(
            session=session,
            contact_id=self.contact.id,
            changes=ContactUpdate.build(self.phone_region, **changes),
            expected_version=expected_version,
            actor_id=self.actor_id,
        )

    def _conflict(self, values: dict[str, Any], theirs: ContactRead) -> None:
        from screens.conflict import resolve_conflict

        mine = changed_fields(self.original, values)  # what the user changed, nothing else

        async def merge() -> None:
            self.contact = theirs
            self.original = form_state(theirs)
            self.shown = {**self.original, **mine}
            await self.recompose()
            self.query_one("#f-first_name", Input).focus()  # focus died with the old widgets
            self.forget_values()  # the form no longer shows what is stored: escape asks

        shown = dict(mine)
        if "name" in shown and not shown["name"]:
            shown["name"] = "(first + last)"
        resolve_conflict(
            self,
            mine=shown,
            theirs=theirs,
            theirs_values=form_values(theirs),
            save_mine=lambda: self._save(values, theirs.version),
            merge=merge,
        )
