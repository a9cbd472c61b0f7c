"""A record's story in one read-only dialog: a few facts, then its timeline, newest first.

Opened on a deal from the pipeline (``o``: its stages, and the interactions and tasks about
it) and on a contact's organization from the contacts list (``o``: its people, its deals'
totals, and everything that touched any of them). What to show is read in a thread worker
by the function the opener passes; the dialog lays it out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from crm_tui import display
from crm_tui.shown import organization_lines
from screens.base import DialogStyles, UsesDatabase
from screens.contact_detail import timeline_line
from screens.text import flowing, literal

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm_tui.schemas import TimelineEntry


@dataclass(frozen=True)
class Story:
    """What the dialog shows: its heading, its facts (one line each) and its timeline."""

    heading: str
    facts: list[str]
    timeline: list[TimelineEntry]
    limit: int  # at most this many entries are read: the count says so when reached


class TimelineDialog(DialogStyles, UsesDatabase, ModalScreen[None]):
    DEFAULT_CSS = """
    TimelineDialog > Vertical { width: 90%; max-width: 110; height: 85%; }
    TimelineDialog #story { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
    ]

    def __init__(self, heading: str, read: Callable[[Session], Story]) -> None:
        super().__init__()
        self.heading, self.read_story = heading, read
        self.story: Story | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(literal(self.heading, single_line=True), classes="dialog-title")
            with VerticalScroll(id="story"):
                yield Static("reading…", id="story-text")
            yield Static("esc to close", classes="dialog-hint")

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="timeline-dialog")
    def _load(self) -> None:
        def load() -> Story:
            with self.read() as session:
                return self.read_story(session)

        story = self.guarded(load)  # a failure is told, and the dialog closes
        self.app.call_from_thread(self._show if story is not None else self.dismiss, story)

    def _show(self, story: Story | None) -> None:
        assert story is not None
        self.story = story
        self.query_one(".dialog-title", Static).update(literal(story.heading, single_line=True))
        self._render_story()

    def on_resize(self) -> None:
        if self.story is not None:
            self._render_story()

    def _render_story(self) -> None:
        story = self.story
        assert story is not None
        text = self.query_one("#story-text", Static)
        width = max(text.content_region.width, 20)
        parts: list[Content | str | tuple[str, str]] = []
        for fact in story.facts:
            parts += [flowing(fact, width), "\n"]
        count = len(story.timeline)
        shown = f"{display.number(count)}+" if count >= story.limit else display.number(count)
        parts += ["\n", (f"Timeline ({shown}, newest first)", "bold"), "\n"]
        if not story.timeline:
            parts.append(("nothing yet", "$text-muted"))
        for entry in story.timeline:
            parts += [timeline_line(entry, width), "\n"]
        text.update(Content.assemble(*parts))

    def action_scroll(self, by: int) -> None:
        self.query_one("#story", VerticalScroll).scroll_relative(y=by, animate=False)


def deal_heading(deal_id: int, title: str) -> str:
    """A deal's dialog heading: shown at once, and again when the deal is read."""
    return f"Deal {display.ident(deal_id)} {title}"


def deal_story(deal_id: int) -> Callable[[Session], Story]:
    """A deal's facts, each stage it went through, and what was done about it."""

    def read(session: Session) -> Story:
        from crm_tui.services.deals import get_deal, stage_history
        from crm_tui.services.timeline import DEFAULT_LIMIT, deal_timeline

        deal = get_deal(session=session, deal_id=deal_id)
        facts = [
            " · ".join(
                fact
                for fact in (
                    display.amount(deal.value_minor, deal.currency),
                    f"{deal.stage} ({deal.pipeline})",
                    f"{display.number(deal.probability)}%",
                    deal.contact_name or "",
                    deal.organization or "",
                    deal.owner or "",
                )
                if fact
            )
        ]
        for name, entered, left in stage_history(session=session, deal_id=deal_id):
            until = display.moment(left) if left else "now"
            facts.append(f"  {name}: {display.moment(entered)} → {until}")
        timeline = deal_timeline(session=session, deal_id=deal_id)
        return Story(deal_heading(deal.id, deal.title), facts, timeline, DEFAULT_LIMIT)

    return read


def organization_story(contact_id: int) -> Callable[[Session], Story]:
    """The contact's organization: its people and deals in numbers, and everything that
    touched it."""

    def read(session: Session) -> Story:
        from crm_tui.errors import NotFoundError
        from crm_tui.services.contacts import get_contact
        from crm_tui.services.timeline import (
            DEFAULT_LIMIT,
            organization_overview,
            organization_timeline,
        )

        organization_id = get_contact(session=session, contact_id=contact_id).organization_id
        if organization_id is None:
            raise NotFoundError(f"contact #{contact_id} has no organization")
        overview = organization_overview(session=session, organization_id=organization_id)
        timeline = organization_timeline(session=session, organization_id=organization_id)
        return Story(overview.name, organization_lines(overview), timeline, DEFAULT_LIMIT)

    return read
