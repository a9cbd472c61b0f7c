"""The interaction log (``3``): every touchpoint across all contacts, newest first.

A paged view over the whole table (instant at a million rows), combinable filters, full-text
search, quick entry, follow-ups and complaint resolution from the keyboard.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Input, Static

from crm_tui import bidi, display
from crm_tui.schemas import InteractionRead, TaskRead
from crm_tui.services import interactions as service
from crm_tui.services.interactions import ComplaintFilter, InteractionQuery
from crm_tui.services.tasks import (
    complete_follow_ups,
    create_follow_up,
    list_follow_ups,
    reschedule_follow_up,
)
from screens.base import CrmScreen, plural, stylesheet
from screens.contact_detail import CHANNEL_ICONS
from screens.dialogs import ConfirmDialog
from screens.interaction_form import InteractionForm
from screens.log_dialogs import DueDialog, FollowUpDialog, LogFilterDialog
from screens.paging import COUNT_CAP, PagedTable
from screens.text import flowing, safe
from screens.widgets.keybar import KeyBar
from screens.widgets.topbar import TopBar
from screens.widgets.virtual_table import Column, VirtualTable

COLUMNS = [
    Column("when", "When", width=16),
    Column("contact", "Contact", weight=2, min_width=12, drop_order=1),
    Column("channel", "Channel", width=9, drop_order=3),
    Column("subject", "Subject", weight=3, min_width=14),
    Column("sentiment", "Mood", width=4, drop_order=4),
    Column("complaint", "Complaint", width=10, drop_order=2),
]
MOODS = {"positive": "+", "neutral": "·", "negative": "−"}


def _cells(item: InteractionRead) -> list[str]:
    complaint = ""
    if item.complaint:
        complaint = "resolved" if item.resolved_at else "OPEN"
    icon = CHANNEL_ICONS.get(item.channel, "·")
    return [
        display.moment(item.occurred_at),
        item.contact_name or "",
        f"{icon} {item.channel}",
        item.subject or item.body.split("\n", 1)[0],
        MOODS.get(item.sentiment or "", ""),
        complaint,
    ]


def interaction_content(
    item: InteractionRead, follow_up: TaskRead | None = None, width: int = 0
) -> Content:
    """An interaction for the detail pane; ``width``: the pane's, for a body laid out right
    to left."""
    direction = "they reached out" if item.direction == "in" else "we reached out"
    parts: list[Any] = [
        (safe(item.subject or "(no subject)", single_line=True), "bold"),
        (f"  {display.ident(item.id)} · version {display.number(item.version)}", "$text-muted"),
        "\n",
        (f"{display.moment(item.occurred_at)} · {item.channel} · {direction}", "$text-muted"),
        "\n",
        ("Contact  ", "$text-muted"),
        safe(item.contact_name or "—", single_line=True),
    ]
    if item.sentiment:
        parts += ["\n", ("Mood     ", "$text-muted"), item.sentiment]
    if item.author:
        parts += ["\n", ("By       ", "$text-muted"), safe(item.author, single_line=True)]
    if item.deal_id is not None:
        deal = f"{display.ident(item.deal_id)} {item.deal or ''}".strip()
        parts += ["\n", ("Deal     ", "$text-muted"), flowing(deal, width, taken=len("Deal     "))]
    if item.complaint:
        if item.resolved_at:
            who = f" by {item.resolved_by}" if item.resolved_by else ""
            parts += [
                "\n",
                ("Complaint resolved ", "$text-success"),
                f"{display.moment(item.resolved_at)}{safe(who, single_line=True)}",
            ]
        else:
            parts += ["\n", ("Open complaint: r marks it resolved", "$text-error")]
    if follow_up is not None:
        parts += [
            "\n",
            ("Follow-up ", "$text-muted"),
            flowing(
                f"{display.ident(follow_up.id)} {follow_up.title} "
                f"(due {display.day(follow_up.due)}, {follow_up.status})",
                width,
                taken=len("Follow-up "),
            ),
        ]
    if item.body:
        parts += ["\n\n", bidi.paragraphs(safe(item.body), width)]
    if item.deleted_at:
        parts += ["\n\n", ("in the trash: u restores it", "$text-error")]
    return Content.assemble(*parts)


class LogScreen(CrmScreen):
    """Calls, emails, meetings, messages and complaints; filters combine."""

    SUB_TITLE = "Interaction log"
    CSS_PATH = stylesheet("log.tcss")
    AUTO_FOCUS = "#log-table"  # not the search field (focused, then left: two restyles)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", key_display="/", id="log.search"),
        Binding("escape", "leave_search", "Back", show=False),
        Binding("l,n", "log", "Log", key_display="l", id="log.new"),
        Binding("e", "edit", "Edit", id="log.edit"),
        Binding("d", "delete", "Delete", id="log.delete"),
        Binding("r", "resolve", "Resolve", id="log.resolve"),
        Binding("F", "follow_up", "Follow-up", key_display="F", id="log.follow_up"),
        Binding("f", "filter", "Filter", id="log.filter"),
        Binding("o", "only_open", "Open complaints", id="log.open"),
        Binding("T", "trash", "Trash", key_display="T", id="log.trash"),
        Binding("u", "restore", "Restore", show=False, id="log.restore"),
        Binding("v", "toggle_details", "Details", show=False, id="log.details"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.log_query = InteractionQuery()
        self.period_label = ""  # when ``log_query.resolved`` is set, its period as people read it
        self.contact_name = ""
        self._search_timer: Timer | None = None
        self._detail_timer: Timer | None = None
        self.pending_focus: int | None = None  # shown before the screen was mounted

    def compose(self) -> ComposeResult:
        yield TopBar("log")
        with Horizontal(id="log-top"):
            yield Input(placeholder="/ search subjects and notes…", id="log-search")
            yield Static("", id="log-status")
        with Horizontal(id="log-body"):
            yield PagedTable(
                COLUMNS,
                cells=_cells,
                key=lambda item: item.id,
                fetch=lambda session, **kw: service.list_interactions(
                    session=session, query=self.log_query, **kw
                ),
                count=lambda session, cap: service.count_interactions(
                    session=session, query=self.log_query, cap=cap
                ),
                group="log",
                position=lambda session, interaction_id: service.interaction_position(
                    session=session, query=self.log_query, interaction_id=interaction_id
                ),
                on_count=self._show_status,
                selectable=False,
                id="log-table",
            )
            with VerticalScroll(id="log-detail"):
                yield Static("", id="log-detail-text")
        yield KeyBar()

    @property
    def table(self) -> PagedTable[InteractionRead]:
        return self.query_one("#log-table", PagedTable)

    def on_mount(self) -> None:
        self.table.focus()
        if self.pending_focus is not None:
            self.table.go_to(self.pending_focus)
            self.pending_focus = None
        else:
            self.reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.reload()

    def reload(self) -> None:
        self.table.reload()
        self._show_status(None, True)

    def refresh_data(self) -> None:
        if self.is_mounted:
            self.table.reload(keep_current=True)

    def _show_status(self, total: int | None, exact: bool) -> None:
        if total is None:
            counted = "counting…"
        elif exact:
            counted = plural(total, "interaction")
        else:
            counted = f"{display.number(COUNT_CAP)}+ interactions"
        parts = ["trash"] * self.log_query.trash + [counted, *self._filters_said()]
        # Never markup: the search typed and the contact's name are the user's ("[/b]").
        self.query_one("#log-status", Static).update(
            Content(" · ".join(safe(part, single_line=True) for part in parts))
        )

    def _filters_said(self) -> list[str]:
        query = self.log_query
        said = [
            f"match {query.search.strip()!r}" if query.search.strip() else "",
            query.channel or "",
            query.sentiment or "",
            f"complaints: {query.complaint.value}"
            if query.complaint is not ComplaintFilter.ALL
            else "",
        ]
        if query.contact_id is not None:
            said.append(f"with {self.contact_name or display.ident(query.contact_id)}")
        if query.since or query.until:
            since = display.moment(query.since, with_time=False) if query.since else "…"
            until = display.moment(query.until, with_time=False) if query.until else "…"
            said.append(f"{since} → {until}")
        if query.resolved is not None:
            said.append(f"resolved {self.period_label}")
        return [part for part in said if part]

    # -- the detail pane ------------------------------------------------------------------

    @on(VirtualTable.Highlighted, "#log-table")
    def _highlighted(self, message: VirtualTable.Highlighted) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        item = message.row
        if item is not None:
            self._detail_timer = self.set_timer(0.06, lambda: self._load_detail(item.id))
        elif not self.table.total and self.table.showing_current:
            self._show_empty()  # the pane follows the list, even to nothing

    def _show_empty(self) -> None:
        if self.log_query == InteractionQuery():
            text = Content.assemble(("No interactions yet: ", "$text-muted"), "l logs one")
        else:
            text = Content.assemble(
                ("Nothing here matches", "bold"),
                "\n",
                ("esc clears the search and the filters", "$text-muted"),
            )
        self.query_one("#log-detail-text", Static).update(text)

    @work(thread=True, exclusive=True, group="log-detail")
    def _load_detail(self, interaction_id: int) -> None:
        from crm_tui.services.tasks import get_task

        def load() -> tuple[InteractionRead, TaskRead | None]:
            with self.read() as session:
                item = service.get_interaction(session=session, interaction_id=interaction_id)
                task = (
                    get_task(session=session, task_id=item.follow_up_task_id)
                    if item.follow_up_task_id
                    else None
                )
                return item, task

        found = self.guarded(load)
        if found is not None:
            self.app.call_from_thread(self._show_detail, *found)

    def _show_detail(self, item: InteractionRead, follow_up: TaskRead | None) -> None:
        panes = self.query("#log-detail-text").results(Static)
        pane = next(panes, None)
        if pane is None:  # read for a screen taken down since (the app quits)
            return
        pane.update(interaction_content(item, follow_up, pane.content_size.width))

    # -- search and filters ---------------------------------------------------------------

    @on(Input.Changed, "#log-search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(0.06, lambda: self._apply(search=event.value))

    @on(Input.Submitted, "#log-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._apply(search=event.value)
        self.table.focus()

    def _apply(self, **changes: Any) -> None:
        query = replace(self.log_query, **changes)
        if query != self.log_query:
            self.log_query = query
            self.table.cursor = 0
            self.reload()

    def action_toggle_details(self) -> None:
        self.toggle_detail(self.query_one("#log-detail"), self.table)

    def action_focus_search(self) -> None:
        self.query_one("#log-search", Input).focus()

    def action_leave_search(self) -> None:
        search = self.query_one("#log-search", Input)
        if search.has_focus:
            self.table.focus()
        elif search.value:
            search.value = ""
        elif self.log_query != InteractionQuery():
            self.contact_name = ""
            self._apply(
                **{
                    f: getattr(InteractionQuery(), f)
                    for f in (
                        "channel",
                        "sentiment",
                        "complaint",
                        "contact_id",
                        "since",
                        "until",
                        "resolved",
                        "trash",
                    )
                }
            )

    def action_filter(self) -> None:
        def chosen(result: tuple[InteractionQuery, str] | None) -> None:
            if result is not None:
                query, self.contact_name = result
                self._apply(
                    **{
                        f: getattr(query, f)
                        for f in (
                            "channel",
                            "sentiment",
                            "complaint",
                            "contact_id",
                            "since",
                            "until",
                        )
                    }
                )

        self.app.push_screen(LogFilterDialog(self.log_query, self.contact_name), chosen)

    def action_only_open(self) -> None:
        wanted = (
            ComplaintFilter.ALL
            if self.log_query.complaint is ComplaintFilter.OPEN
            else ComplaintFilter.OPEN
        )
        self._apply(complaint=wanted)

    def action_trash(self) -> None:
        self._apply(trash=not self.log_query.trash)

    def show_query(self, query: InteractionQuery, label: str = "") -> None:
        """Show what ``query`` finds (a dashboard figure's interactions; ``label``: the
        period they were resolved in, when that is what it asks); escape clears it."""
        self.contact_name, self.period_label = "", label
        self.log_query = query
        if self.is_mounted:
            self.reload()

    def show_contact(self, contact_id: int, name: str, interaction_id: int | None = None) -> None:
        """Filter to one contact's interactions (used by Today and Contacts)."""
        self.contact_name = name
        self.log_query = InteractionQuery(contact_id=contact_id)
        if not self.is_mounted:
            self.pending_focus = interaction_id
        elif interaction_id is not None:
            self._show_status(None, True)
            self.table.go_to(interaction_id)
        else:
            self.reload()

    # -- actions --------------------------------------------------------------------------

    def _refresh_after(self, saved: InteractionRead | None) -> None:
        """After the form: the list again, the cursor on what was saved, wherever it sits."""
        if saved is not None:
            self.table.go_to(
                saved.id,
                missing=lambda: self.notify(
                    f"saved {saved.subject or saved.channel!s}: not in this list "
                    "(esc clears the search and filters)"
                ),
            )

    def action_log(self) -> None:
        contact_id = self.log_query.contact_id
        form = InteractionForm(contact_id=contact_id, contact_name=self.contact_name)
        self.app.push_screen(form, self._refresh_after)

    def action_edit(self) -> None:
        item = self.table.current
        if item is not None and not self.log_query.trash:
            self.app.push_screen(InteractionForm(interaction=item), self._refresh_after)

    def action_delete(self) -> None:
        item = self.table.current
        if item is None or self.log_query.trash:
            return
        question = f"Move {item.channel} '{item.subject or item.body[:30]}' to the trash?"
        self.app.push_screen(
            ConfirmDialog(question, "T shows the trash; u restores."),
            lambda yes: self._set_trashed(item.id, True) if yes else None,
        )

    def action_restore(self) -> None:
        item = self.table.current
        if item is not None and self.log_query.trash:
            self._set_trashed(item.id, False)

    def _set_trashed(self, interaction_id: int, trashed: bool) -> None:
        action = service.delete_interactions if trashed else service.restore_interactions

        def done(_count: int) -> None:
            self.notify("moved to the trash (T to see it)" if trashed else "restored")
            self.reload()

        self.write_in_worker(
            lambda session: action(
                session=session, interaction_ids=[interaction_id], actor_id=self.actor_id
            ),
            done,
            group="log-write",
        )

    def action_resolve(self) -> None:
        item = self.table.current
        if item is None or not item.complaint:
            self.notify("not a complaint", timeout=2)
            return
        self._resolve(item.id, item.resolved_at is None, item.version)

    def _resolve(self, interaction_id: int, resolved: bool, version: int) -> None:
        self.write_in_worker(
            lambda session: service.resolve_complaint(
                session=session,
                interaction_id=interaction_id,
                actor_id=self.actor_id,
                resolved=resolved,
                expected_version=version,
            ),
            self._resolved,
            group="log-write",
        )

    def _resolved(self, item: InteractionRead) -> None:
        self.notify("complaint resolved" if item.resolved_at else "complaint reopened")
        wanted = self.log_query.complaint
        if (wanted is ComplaintFilter.OPEN and item.resolved_at is not None) or (
            wanted is ComplaintFilter.RESOLVED and item.resolved_at is None
        ):
            # No longer in this list: the next one takes its row (or the pane says empty).
            self.table.reload()
        else:
            self.table.replace_row(item)
            self._load_detail(item.id)

    # -- follow-ups -----------------------------------------------------------------------

    def action_follow_up(self) -> None:
        item = self.table.current
        if item is None or self.log_query.trash:
            return
        self._find_follow_up(item.id)

    @work(thread=True, exclusive=True, group="log-follow-up")
    def _find_follow_up(self, interaction_id: int) -> None:
        def load() -> list[TaskRead]:
            with self.read() as session:
                return list_follow_ups(session=session, interaction_id=interaction_id, limit=1)

        found = self.guarded(load)
        if found is not None:
            self.app.call_from_thread(self._ask_follow_up, interaction_id, next(iter(found), None))

    def _ask_follow_up(self, interaction_id: int, task: TaskRead | None) -> None:
        """No open follow-up: ask for a day to add one. One already: what to do with it
        (another follow-up of the same call would only be a duplicate on Today)."""
        if task is None:
            self.app.push_screen(
                DueDialog(self.today),
                lambda due: self._follow_up(interaction_id, due) if due else None,
            )
            return

        def answered(answer: str | None) -> None:
            if answer == "done":
                self._finish_follow_up(task.id, interaction_id)
            elif answer == "reschedule":
                self.app.push_screen(
                    DueDialog(
                        self.today,
                        title=f"Follow-up #{task.id}: due when?",
                        verb="move it there",
                    ),
                    lambda due: self._move_follow_up(task, due, interaction_id) if due else None,
                )
            elif answer == "open":
                self.app.switch_mode("tasks")
                self.app.call_after_refresh(lambda: self._tasks_screen().show_task(task.id))

        self.app.push_screen(FollowUpDialog(task, self.today), answered)

    def _tasks_screen(self) -> Any:
        return self.app.screen

    def _follow_up(self, interaction_id: int, due: date) -> None:
        def done(task: TaskRead) -> None:
            self.notify(f"follow-up #{task.id} due {display.day(task.due)}: {task.title}")
            self._load_detail(interaction_id)

        self.write_in_worker(
            lambda session: create_follow_up(
                session=session, interaction_id=interaction_id, due=due, actor_id=self.actor_id
            ),
            done,
            group="log-write",
        )

    def _finish_follow_up(self, task_id: int, interaction_id: int) -> None:
        def done(finished: list[TaskRead]) -> None:
            self.notify(
                f"follow-up {display.ident(task_id)} done"
                if finished
                else f"{display.ident(task_id)} was done already"
            )
            self._load_detail(interaction_id)

        self.write_in_worker(
            lambda session: complete_follow_ups(
                session=session, task_ids=[task_id], actor_id=self.actor_id
            ),
            done,
            group="log-write",
        )

    def _move_follow_up(self, task: TaskRead, due: date, interaction_id: int) -> None:
        def done(moved: TaskRead) -> None:
            self.notify(f"follow-up #{moved.id} now due {display.day(moved.due)}")
            self._load_detail(interaction_id)

        self.write_in_worker(
            lambda session: reschedule_follow_up(
                session=session,
                task_id=task.id,
                due=due,
                expected_version=task.version,
                actor_id=self.actor_id,
            ),
            done,
            group="log-write",
        )
