"""The detail pane: every field of a contact (custom ones too) and its unified timeline."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from crm_tui import bidi, display
from crm_tui.schemas import ContactRead, TimelineEntry
from crm_tui.shown import contact_lines, long_texts
from crm_tui.text import for_terminal
from screens.text import safe

CHANNEL_ICONS = {
    "call": "☎",
    "email": "✉",
    "meeting": "◷",
    "sms": "✆",
    "chat": "✎",
    "social": "#",
    "note": "•",
    "other": "·",
}
STATUS_ICONS = {"todo": "☐", "doing": "◐", "blocked": "⊘", "done": "☑"}


def timeline_line(entry: TimelineEntry) -> Content:
    """One entry: day, an icon for the channel or task state, the title (shown literally)."""
    if entry.kind == "interaction":
        icon = CHANNEL_ICONS.get(entry.channel or "", "·")
        kind, colour = entry.channel or "", "$text-accent"
    else:
        icon = STATUS_ICONS.get(entry.status or "", "☐")
        kind, colour = f"task {entry.status}", "$text-warning"
    flag: tuple[str, str] | str = ""
    if entry.complaint:
        flag = (f" [{entry.complaint_state}]", "$text-success" if entry.resolved else "$text-error")
    return Content.assemble(
        (f"{display.moment(entry.at, with_time=False)} ", "$text-muted"),
        (f"{icon} ", colour),
        safe(entry.title, single_line=True),
        flag,
        (f"  {kind}", "$text-muted"),
    )


def _stamp(at: datetime, by: str | None, *, with_time: bool = True) -> str:
    moment = display.moment(at, with_time=with_time)
    return f"{moment} by {by}" if by else moment


def contact_content(contact: ContactRead, width: int = 0) -> Content:
    """The contact's fields; ``width``: the pane's, for notes laid out right to left."""
    parts: list[str | Content | tuple[str, str]] = [
        (safe(contact.name, single_line=True), "bold"),
        (f"  #{contact.id} · {contact.status} · version {contact.version}", "$text-muted"),
    ]
    if contact.deleted_at is not None:
        parts.append(("  (in the trash)", "$error"))
    fields: list[tuple[str, str]] = [
        *contact_lines(contact),
        ("Added", _stamp(contact.created_at, contact.created_by, with_time=False)),
        (
            "Changed",
            _stamp(contact.updated_at, contact.updated_by)
            if contact.version > 1 and contact.updated_at != contact.created_at
            else "",
        ),
    ]
    for label, value in fields:
        if value:
            parts += ["\n", (f"{safe(label, single_line=True)[:14]:<14} ", "$text-muted")]
            parts.append(_value(value, width - LABEL_WIDTH))
    for label, text in long_texts(contact):
        if text:
            parts += ["\n\n", (label, "$text-muted"), "\n", bidi.paragraphs(safe(text), width)]
    return Content.assemble(*parts)


LABEL_WIDTH = 15  # a field's label and the space after it


def _value(value: str, width: int) -> str:
    """A field's value; one that is laid out right to left and runs over the pane's
    ``width`` is wrapped first (in logical order), its further lines under its first."""
    line = for_terminal(value, single_line=True)
    if not bidi.laying_out() or not bidi.has_rtl(line) or cell_len(line) <= width:
        return safe(value, single_line=True)
    return bidi.paragraphs(line, width).replace("\n", "\n" + " " * LABEL_WIDTH)


class ContactDetail(VerticalScroll, can_focus=True):
    """Fields on top, the timeline below; scrolls with the arrow keys when focused."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
    ]

    shown: ContactRead | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="detail-fields")
        yield Static("", id="detail-timeline")

    def show(self, contact: ContactRead, timeline: list[TimelineEntry]) -> None:
        self.shown = contact
        width = self.scrollable_content_region.width
        self.query_one("#detail-fields", Static).update(contact_content(contact, width))
        lines = [Content.styled("Timeline", "bold"), Content("")]
        lines += [timeline_line(entry) for entry in timeline] or [
            Content.styled("nothing yet: l logs an interaction, t adds a task", "$text-muted")
        ]
        self.query_one("#detail-timeline", Static).update(Content("\n").join(lines))
        self.scroll_home(animate=False)

    def on_resize(self) -> None:
        """Notes laid out right to left are wrapped to the pane: again at its new width."""
        if self.shown is not None and bidi.laying_out():
            width = self.scrollable_content_region.width
            self.query_one("#detail-fields", Static).update(contact_content(self.shown, width))

    def clear(self) -> None:
        self.shown = None
        self.query_one("#detail-fields", Static).update("")
        self.query_one("#detail-timeline", Static).update("")
