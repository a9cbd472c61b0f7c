"""The pipeline (``5``): a column per stage of deals, each with its count and its totals per
currency (weighted by probability for open stages); won and lost deals of the last
``CLOSED_SHOWN_DAYS`` days in the last two columns.

Each column loads a page of cards at a time (the next as the selection nears its end),
and its header counts and totals come from the database, so they are the whole truth at
any size. Everything is read and written in thread workers; a change reloads the board
keeping the selection on the same deal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from crm_tui import bidi, display
from crm_tui.dates import local_day_start
from crm_tui.schemas import DealRead
from crm_tui.services import deals as service
from crm_tui.services.deals import DealOrder, DealQuery, StageRead
from crm_tui.text import for_terminal
from crm_tui.vocabulary import Outcome
from screens.base import CrmScreen, plural
from screens.deal_dialogs import DealFilter, DealFilterDialog, LostReasonDialog
from screens.deal_form import DealForm
from screens.dialogs import ConfirmDialog
from screens.paging import PagedTable
from screens.text import fact_lines, flowing, safe
from screens.widgets.board import Board, CardLine
from screens.widgets.keybar import KeyBar
from screens.widgets.topbar import TopBar
from screens.widgets.virtual_table import Column, VirtualTable

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm_tui.services.common import Cursor, Page
    from crm_tui.services.reports import Totals

PAGE = 50  # cards a column loads at a time
CLOSED_SHOWN_DAYS = 30  # the Won and Lost columns keep a month of closed deals
SEARCH_PAUSE = 0.25  # seconds of no typing before a search runs


def card_lines(deal: DealRead, today: Any) -> list[CardLine]:
    """How a deal reads on its card: title; client and owner; value; close and probability
    (or why it was lost)."""
    client = deal.contact_name or deal.organization or ""
    who = " · ".join(part for part in (client, deal.owner or "") if part)
    facts = []
    closing = _closing(deal, display.day_month)
    if closing:
        facts.append(bidi.layout(closing))
    if deal.outcome == Outcome.OPEN:
        facts.append(display.digits(f"{deal.probability}%"))
    elif deal.lost_reason:
        facts.append(safe(deal.lost_reason, single_line=True))
    late = deal.outcome == Outcome.OPEN and deal.expected_close and deal.expected_close < today
    won = deal.outcome == Outcome.WON
    value = display.amount(deal.value_minor, deal.currency)
    return [
        CardLine(for_terminal(deal.title, single_line=True)),
        CardLine(for_terminal(who, single_line=True) or "—", "board--muted"),
        CardLine(value, "board--good" * won, laid_out=True),
        CardLine(" · ".join(facts), "board--late" if late else "board--muted", laid_out=True),
    ]


def _closing(deal: DealRead, day: Callable[[date], str]) -> str:
    """When an open deal is expected to close ("close 31 Dec"), or when a closed one did
    ("won 6 Dec"): the close date it was expected on is history by then."""
    if deal.outcome != Outcome.OPEN and deal.closed_at is not None:
        return f"{deal.outcome} {day(deal.closed_at.astimezone().date())}"
    return f"close {day(deal.expected_close)}" if deal.expected_close else ""


def header_lines(
    stage: StageRead, totals: Totals | None, *, recent: bool = True, name: str = ""
) -> list[CardLine]:
    """A column's header: the stage (``name``, else its own) and its count, then per
    currency its total and, for an open stage, the total weighted by probability.
    ``recent``: a closed stage holds the last days' deals (else a period's, said in the
    status line)."""
    count = totals.deals if totals else 0
    recently = f", {display.number(CLOSED_SHOWN_DAYS)} days"
    when = recently if stage.outcome != Outcome.OPEN and recent else ""
    lines = [CardLine(f"{name or stage.name} ({display.number(count)}{when})")]
    for currency, minor in sorted((totals.value if totals else {}).items()):
        lines.append(CardLine(display.amount(minor, currency), "board--muted", laid_out=True))
        if stage.outcome == Outcome.OPEN and totals is not None:
            weighted = display.amount(totals.weighted.get(currency, 0), currency)
            lines.append(CardLine(f"weighted {weighted}", "board--muted", laid_out=True))
    return lines


LIST_COLUMNS = (
    Column("close", "Close", width=10),
    Column("title", "Title", weight=3, min_width=14),
    Column("value", "Value", width=20),
    Column("stage", "Stage", width=12, drop_order=2),
    Column("probability", "Prob.", width=5, drop_order=4),
    Column("client", "Client", weight=2, min_width=10, drop_order=1),
    Column("owner", "Owner", width=14, drop_order=3),
)


def list_cells(deal: DealRead) -> list[str]:
    return [
        display.day(deal.expected_close),
        deal.title,
        display.amount(deal.value_minor, deal.currency),
        deal.stage,
        display.digits(f"{deal.probability}%"),
        deal.contact_name or deal.organization or "",
        deal.owner or "",
    ]


@dataclass
class _Loaded:
    stages: list[StageRead]
    totals: dict[int, Totals]
    pages: dict[str, Page[DealRead]]
    query: DealQuery  # what was read: a board since asked for other deals drops it
    pipelines: dict[int, str]  # names, to tell stages apart when several pipelines show

    def stage_name(self, stage: StageRead) -> str:
        """ "Renewals · Won" when the board shows more than one pipeline's stages."""
        if len({shown.pipeline_id for shown in self.stages}) < 2:
            return stage.name
        return f"{self.pipelines.get(stage.pipeline_id, '?')} · {stage.name}"


def _open(query: DealQuery) -> DealQuery:
    return replace(query, open_only=True, closed_since=None)


def _closed(query: DealQuery) -> DealQuery:
    return replace(query, closed_only=True)


def _shown_stages(session: Session, query: DealQuery) -> list[StageRead]:
    """The board's columns: the pipeline's stages; for the deals closed in a period (a
    dashboard figure's), the closed stages of every pipeline (of ``outcome``, when said)."""
    if query.closed_before is None:
        return service.stages(session=session, pipeline_id=query.pipeline_id)
    return [
        stage
        for pipeline in service.pipelines(session=session)
        for stage in service.stages(session=session, pipeline_id=pipeline.id)
        if stage.outcome != Outcome.OPEN and query.outcome in (None, stage.outcome)
    ]


def _column(
    session: Session, query: DealQuery, stage: StageRead, after: Cursor | None = None
) -> Page[DealRead]:
    """A page of a stage's column: open deals by expected close, closed ones newest first."""
    if stage.outcome == Outcome.OPEN:
        query, order = _open(query), DealOrder.CLOSE
    else:
        query, order = _closed(query), DealOrder.CLOSED
    return service.page_deals(
        session=session,
        query=replace(query, stage_id=stage.id),
        order=order,
        limit=PAGE,
        after=after,
    )


class PipelineScreen(CrmScreen):
    """Sell: see every deal by stage, move it along, win it or lose it."""

    SUB_TITLE = "Pipeline"
    DEFAULT_CSS = """
    PipelineScreen #pipeline-status { height: 1; padding: 0 1; color: $text-muted; }
    PipelineScreen #pipeline-search { display: none; }
    PipelineScreen #deal-board > BoardColumn { width: 31; }
    PipelineScreen #deal-detail { height: auto; max-height: 4; padding: 0 1;
                                  background: $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="pipeline.new"),
        Binding("e,enter", "edit", "Edit", key_display="e", id="pipeline.edit"),
        Binding("w", "won", "Won", id="pipeline.won"),
        Binding("x", "lost", "Lost", id="pipeline.lost"),
        Binding("d", "delete", "Delete", id="pipeline.delete"),
        Binding("o", "open", "Open", id="pipeline.open"),
        # In ? and the palette; the key bar keeps room for filtering and the views.
        Binding("i", "log", "Log about it", show=False, id="pipeline.log"),
        Binding("t", "task", "Next step", show=False, id="pipeline.task"),
        Binding("slash", "search", "Search", key_display="/", id="pipeline.search"),
        Binding("f", "filter", "Filter", id="pipeline.filter"),
        Binding("v", "toggle_view", "List ⇄ board", id="pipeline.view"),
        Binding("s", "sort", "Sort", id="pipeline.sort"),
        Binding("S", "stages", "Stages", key_display="S", id="pipeline.stages"),
    ]

    class Loaded(Message):
        def __init__(self, loaded: _Loaded) -> None:
            super().__init__()
            self.loaded = loaded

    class PageLoaded(Message):
        def __init__(self, key: str, offset: int, page: Page[DealRead]) -> None:
            super().__init__()
            self.key, self.offset, self.page = key, offset, page

    def __init__(self) -> None:
        super().__init__()
        self.deal_filter = DealFilter()
        self.search = ""
        self.stages: list[StageRead] = []
        self.wanted: int | None = None
        self.asked: set[tuple[str, int]] = set()  # pages asked for, not yet arrived
        self.cursors: dict[str, Cursor | None] = {}  # where each column's next page starts
        self._search_timer: Timer | None = None
        self.order = DealOrder.CLOSE  # the list view's
        self.listing = False  # the list view is shown, not the board

    def compose(self) -> ComposeResult:
        yield TopBar("pipeline")
        yield Static("", id="pipeline-status")
        yield Input(placeholder="search deal titles (esc closes)", id="pipeline-search")
        yield Board(
            [],
            lambda deal: card_lines(deal, self.today),
            card_lines=4,
            min_width=28,  # "weighted 13,425,000,000 IRR" whole
            id="deal-board",
        )
        yield PagedTable(
            LIST_COLUMNS,
            cells=list_cells,
            key=lambda deal: deal.id,
            fetch=lambda session, **kw: service.page_deals(
                session=session, query=self._query(), order=self.order, **kw
            ),
            count=lambda session, cap: service.count_deals(
                session=session, query=self._query(), cap=cap
            ),
            group="pipeline-list",
            on_count=lambda total, exact: self._list_status(total, exact),
            selectable=False,
            id="deal-list",
        )
        yield Static("", id="deal-detail")
        yield KeyBar()

    @property
    def board(self) -> Board:
        return self.query_one("#deal-board", Board)

    @property
    def table(self) -> PagedTable[DealRead]:
        return self.query_one("#deal-list", PagedTable)

    @property
    def current(self) -> DealRead | None:
        return self.table.current if self.listing else self.board.current

    def on_mount(self) -> None:
        self.table.display = False
        self.board.focus()

    def on_screen_resume(self) -> None:
        self.load()

    def refresh_data(self) -> None:
        self.load()

    # -- loading --------------------------------------------------------------------------

    def _query(self) -> DealQuery:
        since = local_day_start(self.today - timedelta(days=CLOSED_SHOWN_DAYS))
        chosen = self.deal_filter
        query = DealQuery(
            pipeline_id=chosen.pipeline_id,
            owner_id=chosen.owner_id,
            contact_id=chosen.contact_id,
            tag=chosen.tag,
            search=self.search,
            closed_since=since,
        )
        if chosen.closed_in is None:
            return query
        start, end = chosen.closed_in
        return replace(
            query, closed_since=start, closed_before=end, closed_only=True, outcome=chosen.outcome
        )

    def load(self, keep: int | None = None) -> None:
        """Load the board again; the selection stays, or moves to deal ``keep``."""
        if keep is not None:
            self.wanted = keep
        if self.listing:
            self.table.reload(keep_current=keep is None, follow=keep)
        self._load(self._query())

    @work(thread=True, exclusive=True, group="pipeline")
    def _load(self, query: DealQuery) -> None:
        def load() -> _Loaded:
            from crm_tui.services import reports

            with self.read() as session:
                found = _shown_stages(session, query)
                # Its stages rather than the pipeline: a stage's indexes then serve each part.
                pipeline = replace(query, pipeline_id=None, stage_ids=tuple(s.id for s in found))
                totals: dict[int, Totals] = {}
                for part in (_open(pipeline), _closed(pipeline)):  # each through its index
                    totals.update(reports.stage_totals(session=session, query=part))
                pages = {str(stage.id): _column(session, pipeline, stage) for stage in found}
                names = {one.id: one.name for one in service.pipelines(session=session)}
            return _Loaded(found, totals, pages, query, names)

        loaded = self.guarded(load)
        if loaded is not None:
            self.post_message(self.Loaded(loaded))

    @on(Loaded)
    async def _loaded(self, message: Loaded) -> None:
        loaded = message.loaded
        if loaded.query != self._query():
            return  # read for a filter or a search changed since (a newer load follows)
        self.stages = loaded.stages
        board = self.board
        current = board.current
        keep = self.wanted if self.wanted is not None else (current.id if current else None)
        await board.set_keys([str(stage.id) for stage in loaded.stages])
        headers = {
            str(stage.id): header_lines(
                stage,
                loaded.totals.get(stage.id),
                recent=self.deal_filter.closed_in is None,
                name=loaded.stage_name(stage),
            )
            for stage in loaded.stages
        }
        totals = {str(key): found.deals for key, found in loaded.totals.items()}
        self.asked.clear()
        self.cursors = {key: page.last for key, page in loaded.pages.items()}
        cards = {key: page.rows for key, page in loaded.pages.items()}
        board.set_cards(cards, headers, totals=totals, keep=keep)
        self.wanted = None
        if not self.listing:  # the list says what it holds itself
            self._status(loaded)

    def _status(self, loaded: _Loaded) -> None:
        if self.deal_filter.closed_in is not None:
            count = sum(found.deals for found in loaded.totals.values())
            parts = [f"{plural(count, 'deal')} {self.deal_filter.label} (esc: the pipeline)"]
        else:
            open_ids = {stage.id for stage in loaded.stages if stage.outcome == Outcome.OPEN}
            count = sum(found.deals for key, found in loaded.totals.items() if key in open_ids)
            parts = [plural(count, "open deal")]
        if self.deal_filter.label and self.deal_filter.closed_in is None:
            parts.append(f"only {self.deal_filter.label} (f changes)")
        if self.search:
            parts.append(f"titles with “{self.search}” (/ changes)")
        self.query_one("#pipeline-status", Static).update(
            Content(" · ".join(safe(part, single_line=True) for part in parts))
        )

    @on(Board.NeedMore)
    def _need_more(self, message: Board.NeedMore) -> None:
        asked = (message.key, message.loaded)
        if asked not in self.asked:
            self.asked.add(asked)
            stage = self._stage(message.key)
            after = self.cursors.get(message.key)
            if stage is not None and after is not None:
                self._load_page(self._query(), stage, message.loaded, after)

    @work(thread=True, group="pipeline-page")
    def _load_page(self, query: DealQuery, stage: StageRead, loaded: int, after: Cursor) -> None:
        def load() -> Page[DealRead]:
            with self.read() as session:
                return _column(session, query, stage, after)

        page = self.guarded(load)
        if page is not None and page.rows:
            self.post_message(self.PageLoaded(str(stage.id), loaded, page))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        column = next((c for c in self.board.columns if c.key == message.key), None)
        # A page that no longer follows the column's last card (it was reloaded) is dropped.
        if column is not None and len(column.cards) == message.offset:
            self.cursors[message.key] = message.page.last
            self.board.add_cards(message.key, message.page.rows)

    # -- the selected deal ----------------------------------------------------------------

    @on(Board.Highlighted)
    def _highlighted(self, message: Board.Highlighted) -> None:
        deal: DealRead | None = message.card
        detail = self.query_one("#deal-detail", Static)
        if deal is None:
            detail.update("")
            return
        width = detail.content_region.width
        number = f"{display.ident(deal.id)} "
        title = flowing(deal.title, width, taken=cell_len(number))
        facts = [display.amount(deal.value_minor, deal.currency), deal.stage]
        if deal.outcome == Outcome.OPEN:
            days = (self.today - deal.stage_entered_at.astimezone().date()).days
            facts.append(f"{plural(days, 'day')} in stage")
        facts.append(_closing(deal, display.day))
        facts += [deal.contact_name or deal.organization or "", deal.owner or "", deal.source]
        if deal.lost_reason:
            facts.append(f"lost: {deal.lost_reason}")
        # Below the title, broken between facts: a name is never split over two lines.
        shown = fact_lines(facts, width, taken=0)
        detail.update(
            Content.assemble(
                (number, "$text-muted"), (title, "bold"), ("\n" + shown, "$text-muted")
            )
        )

    # -- moving ---------------------------------------------------------------------------

    def _stage(self, key: str | int) -> StageRead | None:
        return next((stage for stage in self.stages if str(stage.id) == str(key)), None)

    @on(Board.Move)
    def _move(self, message: Board.Move) -> None:
        if message.key is None:
            self.notify("a stage's deals are in order of expected close", timeout=3)
            return
        stage = self._stage(message.key)
        if stage is not None:
            self._move_to(message.card, stage)

    def _move_to(self, deal: DealRead, stage: StageRead) -> None:
        if stage.outcome == Outcome.LOST:
            self._ask_reason(deal, stage)
            return
        self._write_move(deal, stage, None)

    def _write_move(self, deal: DealRead, stage: StageRead, reason: str | None) -> None:
        def moved(result: DealRead) -> None:
            if result.outcome != Outcome.OPEN:
                self.notify(f"{display.ident(result.id)} {result.outcome}", timeout=3)
            self.load(result.id)

        self.write_in_worker(
            lambda session: service.move_deal(
                session=session,
                deal_id=deal.id,
                stage_id=stage.id,
                lost_reason=reason,
                expected_version=deal.version,
                actor_id=self.actor_id,
            ),
            moved,
            group="pipeline-write",
        )

    @work(thread=True, group="pipeline-reasons")
    def _ask_reason(self, deal: DealRead, stage: StageRead) -> None:
        def load() -> list[str]:
            with self.read() as session:
                return service.lost_reasons(session=session)

        reasons = self.guarded(load)
        if reasons is not None:
            self.app.call_from_thread(self._reason_dialog, deal, stage, reasons)

    def _reason_dialog(self, deal: DealRead, stage: StageRead, reasons: list[str]) -> None:
        def answered(reason: str | None) -> None:
            if reason is not None:  # None: cancelled, nothing moves
                self._write_move(deal, stage, reason)

        self.app.push_screen(LostReasonDialog(deal.title, reasons), answered)

    def _close_as(self, outcome: Outcome) -> None:
        deal = self.current
        if deal is None:
            return
        if deal.outcome == outcome:
            self.notify(f"{display.ident(deal.id)} is {outcome} already", timeout=3)
            return
        shown = (
            s for s in self.stages if s.outcome == outcome and s.pipeline_id == deal.pipeline_id
        )
        stage = next(shown, None)
        if stage is None:  # not on this board (the deals a figure opened): its pipeline's
            self._close_off_board(deal, outcome)
        else:
            self._move_to(deal, stage)

    @work(thread=True, group="pipeline-close")
    def _close_off_board(self, deal: DealRead, outcome: Outcome) -> None:
        def load() -> StageRead:
            with self.read() as session:
                return service.stage_of_outcome(
                    session=session, pipeline_id=deal.pipeline_id, outcome=outcome
                )

        stage = self.guarded(load)
        if stage is not None:
            self.app.call_from_thread(self._move_to, deal, stage)

    def action_won(self) -> None:
        self._close_as(Outcome.WON)

    def action_lost(self) -> None:
        self._close_as(Outcome.LOST)

    def _reload_after(self, result: DealRead | None) -> None:
        if result is not None:
            self.load(result.id)

    def action_new(self) -> None:
        stage = self._stage(self.board.current_key) if self.board.keys else None
        chosen = stage.id if stage and stage.outcome == Outcome.OPEN else None
        self.app.push_screen(DealForm(None, stage_id=chosen), self._reload_after)

    def action_edit(self) -> None:
        deal = self.current
        if deal is not None:
            self.app.push_screen(DealForm(deal), self._reload_after)

    def action_open(self) -> None:
        """The deal's stages, and the interactions and tasks about it."""
        from screens.timeline_dialog import TimelineDialog, deal_heading, deal_story

        deal = self.current
        if deal is not None:
            heading = deal_heading(deal.id, deal.title)
            self.app.push_screen(TimelineDialog(heading, deal_story(deal.id)))

    def action_log(self) -> None:
        """Log an interaction about the deal, with its contact."""
        from screens.interaction_form import InteractionForm

        deal = self.current
        if deal is not None:
            form = InteractionForm(
                contact_id=deal.contact_id,
                contact_name=deal.contact_name or "",
                deal=(deal.id, deal.title),
            )
            self.app.push_screen(form)

    def action_task(self) -> None:
        """Add the deal's next step: a task about it, for its contact and its owner."""
        from screens.task_form import TaskForm

        deal = self.current
        if deal is not None:
            form = TaskForm(
                None,
                contact_id=deal.contact_id,
                contact_name=deal.contact_name or "",
                deal=(deal.id, deal.title),
                title=f"Follow up: {deal.title}",
            )
            self.app.push_screen(form)

    def action_delete(self) -> None:
        deal = self.current
        if deal is None:
            return
        self.app.push_screen(
            ConfirmDialog(f"Move deal '{deal.title}' to the trash?"),
            lambda yes: self._trash(deal.id) if yes else None,
        )

    def _trash(self, deal_id: int) -> None:
        def done(count: int) -> None:
            if count:
                self.notify("moved to the trash", timeout=3)
                self.load()

        self.write_in_worker(
            lambda session: service.delete_deals(
                session=session, deal_ids=[deal_id], actor_id=self.actor_id
            ),
            done,
            group="pipeline-write",
        )

    # -- search and filter ----------------------------------------------------------------

    def action_search(self) -> None:
        field = self.query_one("#pipeline-search", Input)
        field.display = True
        field.focus()

    @on(Input.Changed, "#pipeline-search")
    def _typed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        value = event.value.strip()
        self._search_timer = self.set_timer(SEARCH_PAUSE, lambda: self._searched(value))

    def _searched(self, value: str) -> None:
        if value != self.search:
            self.search = value
            self.load()

    @on(Input.Submitted, "#pipeline-search")
    def _submitted(self) -> None:
        self.board.focus()

    def key_escape(self) -> None:
        field = self.query_one("#pipeline-search", Input)
        if field.has_focus or field.display:
            field.value = ""
            field.display = False
            self._searched("")
            self.board.focus()
        elif self.deal_filter.closed_in is not None:
            self.show_deals(DealFilter())

    def show_deals(self, chosen: DealFilter) -> None:
        """Show the deals ``chosen`` names (the dashboard's figures open theirs here)."""
        self.deal_filter = chosen
        self.load()

    def action_stages(self) -> None:
        from screens.stages_dialog import StagesDialog

        self.app.push_screen(StagesDialog(), lambda changed: self.load() if changed else None)

    def action_filter(self) -> None:
        self._with_choices()

    @work(thread=True, group="pipeline-choices")
    def _with_choices(self) -> None:
        from crm_tui.services.team import list_members

        def load() -> tuple[Any, Any]:
            with self.read() as session:
                # Those no longer active too: deals they owned are still theirs.
                members = list_members(session=session, include_inactive=True)
                return service.pipelines(session=session), members

        found = self.guarded(load)
        if found is not None:
            self.app.call_from_thread(self._filter_dialog, *found)

    def _filter_dialog(self, pipelines: Any, members: Any) -> None:
        def chosen(result: DealFilter | None) -> None:
            if result is None:
                return
            opened = self.deal_filter  # the deals a dashboard figure opened stay its period's
            if opened.closed_in is not None:
                label = " · ".join(part for part in (opened.label, result.label) if part)
                result = replace(
                    result, closed_in=opened.closed_in, outcome=opened.outcome, label=label
                )
            self.deal_filter = result
            self.load()

        self.app.push_screen(DealFilterDialog(self.deal_filter, pipelines, members), chosen)

    # -- the list view ----------------------------------------------------------------------

    def action_toggle_view(self) -> None:
        keep = self.current.id if self.current else None
        self.listing = not self.listing
        self.table.display, self.board.display = self.listing, not self.listing
        (self.table if self.listing else self.board).focus()
        self.load(keep)

    def action_sort(self) -> None:
        if not self.listing:
            self.action_toggle_view()
        self.order = DealOrder.VALUE if self.order is DealOrder.CLOSE else DealOrder.CLOSE
        self.table.reload()

    def _list_status(self, total: int | None, exact: bool) -> None:
        if total is None or not self.listing:
            return
        shown = plural(total, "deal") if exact else f"{display.number(total)}+ deals"
        order = "largest first, by currency" if self.order is DealOrder.VALUE else "by close"
        which = f"open, and closed in {CLOSED_SHOWN_DAYS} days"
        if self.deal_filter.closed_in is not None:
            which = f"{self.deal_filter.label}; esc: the pipeline"
        self.query_one("#pipeline-status", Static).update(
            Content(f"{shown} ({safe(which, single_line=True)}) · {order} (s)")
        )

    @on(VirtualTable.Highlighted, "#deal-list")
    def _row_highlighted(self, message: VirtualTable.Highlighted) -> None:
        self._highlighted(Board.Highlighted(message.row))

    @on(VirtualTable.Chosen, "#deal-list")
    def _row_chosen(self) -> None:
        self.action_edit()

    def show_deal(self, deal_id: int) -> None:
        """Select a deal (opened from elsewhere)."""
        self.load(deal_id)
