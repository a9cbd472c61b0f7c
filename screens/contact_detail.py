"""The detail pane: every field of a contact (custom ones too) and its unified timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from crm_tui import bidi, display
from crm_tui.schemas import ContactRead, TimelineEntry
from crm_tui.shown import contact_lines, long_texts
from screens.text import flowing, safe

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
_DEAL_COLOURS = {"won": "$text-success", "lost": "$text-error"}


def timeline_line(entry: TimelineEntry, width: int = 0) -> Content:
    """One entry: day, an icon for the channel or task state, the title (shown literally;
    see ``flowing`` for ``width``, the pane's)."""
    if entry.kind == "interaction":
        icon = CHANNEL_ICONS.get(entry.channel or "", "·")
        kind, colour = entry.channel or "", "$text-accent"
    elif entry.kind == "appointment":
        icon = "◷"
        kind, colour = f"{entry.channel} booked", "$text-success"
    elif entry.kind == "deal":
        icon = "¤"
        kind = f"{display.digits(entry.detail)} · deal {entry.status}"
        colour = _DEAL_COLOURS.get(entry.outcome or "", "$text-primary")
    else:
        icon = STATUS_ICONS.get(entry.status or "", "☐")
        kind, colour = f"task {entry.status}", "$text-warning"
    flag: tuple[str, str] | str = ""
    if entry.complaint:
        flag = (f" [{entry.complaint_state}]", "$text-success" if entry.resolved else "$text-error")
    day = f"{display.moment(entry.at, with_time=entry.kind == 'appointment')} "
    return Content.assemble(
        (day, "$text-muted"),
        (f"{icon} ", colour),
        flowing(entry.title, width, taken=cell_len(day) + cell_len(icon) + 1),
        flag,
        (f"  {kind}", "$text-muted"),
    )


def _stamp(at: datetime, by: str | None, *, with_time: bool = True) -> str:
    moment = display.moment(at, with_time=with_time)
    return f"{moment} by {by}" if by else moment


def contact_content(
    contact: ContactRead, width: int = 0, dates: list[Any] | None = None
) -> Content:
    """The contact's fields, then its yearly dates (``crm_tui.services.birthdays``);
    ``width``: the pane's, for notes laid out right to left."""
    parts: list[str | Content | tuple[str, str]] = [
        (safe(contact.name, single_line=True), "bold"),
        (
            f"  {display.ident(contact.id)} · {contact.status}"
            f" · version {display.number(contact.version)}",
            "$text-muted",
        ),
    ]
    if contact.deleted_at is not None:
        parts.append(("  (in the trash)", "$error"))
    fields: list[tuple[str, str]] = [
        *contact_lines(contact),
        *((one.label, display.birthday(one.day)) for one in dates or []),
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
            parts.append(flowing(value, width, taken=LABEL_WIDTH))
    for label, text in long_texts(contact):
        if text:
            parts += ["\n\n", (label, "$text-muted"), "\n", bidi.paragraphs(safe(text), width)]
    return Content.assemble(*parts)


LABEL_WIDTH = 15  # a field's label and the space after it


class ContactDetail(VerticalScroll, can_focus=True):
    """Fields on top, the timeline below; scrolls with the arrow keys when focused."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
    ]

    shown: ContactRead | None = None
    timeline: list[TimelineEntry] = []
    dates: list[Any] = []  # its yearly dates besides the birthday

    def compose(self) -> ComposeResult:
        yield Static("", id="detail-fields")
        yield Static("", id="detail-timeline")

    def show(
        self, contact: ContactRead, timeline: list[TimelineEntry], dates: list[Any] | None = None
    ) -> None:
        self.shown, self.timeline, self.dates = contact, timeline, dates or []
        self._render_contact()
        self.scroll_home(animate=False)
        if bidi.laying_out():
            # The pane's width may not be settled on its first show (the first contact at
            # 80 columns wrapped to 20 cells, not 28): laid out again once it is.
            self.call_after_refresh(self._rendered_again, contact)

    def _render_contact(self) -> None:
        assert self.shown is not None
        width = self.scrollable_content_region.width
        self.query_one("#detail-fields", Static).update(
            contact_content(self.shown, width, self.dates)
        )
        lines = [Content.styled("Timeline", "bold"), Content("")]
        lines += [timeline_line(entry, width) for entry in self.timeline] or [
            Content.styled("nothing yet: l logs an interaction, t adds a task", "$text-muted")
        ]
        self.query_one("#detail-timeline", Static).update(Content("\n").join(lines))

    def _rendered_again(self, contact: ContactRead) -> None:
        if self.shown is contact:
            self._render_contact()

    def on_resize(self) -> None:
        """Text laid out right to left is wrapped to the pane: again at its new width."""
        if self.shown is not None and bidi.laying_out():
            self._render_contact()

    def clear(self) -> None:
        self.shown = None
        self.query_one("#detail-fields", Static).update("")
        self.query_one("#detail-timeline", Static).update("")
