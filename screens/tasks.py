"""Tasks (``4``): a Kanban board, and (``g``) a Gantt timeline with workload per person.

Both views show the same tasks, loaded in a thread worker; every change (a card moved, a bar
shifted or stretched) is written in a worker and the view reloads keeping its selection.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from crm_tui import display
from crm_tui.schemas import TaskRead
from crm_tui.services import tasks as service
from crm_tui.services.tasks import TaskQuery
from screens.base import CrmScreen, plural, stylesheet
from screens.dialogs import ConfirmDialog
from screens.task_dialogs import (
    ApplyTemplateDialog,
    BoardFilter,
    BoardFilterDialog,
    PushDialog,
    TemplateEditor,
    board_choices,
)
from screens.task_form import TaskForm
from screens.text import fact_lines, flowing, safe
from screens.widgets.gantt import GanttChart, task_span
from screens.widgets.kanban import KanbanBoard
from screens.widgets.keybar import KeyBar
from screens.widgets.topbar import TopBar

DONE_SHOWN_DAYS = 30  # the Done column keeps a month of finished work


def _facts(task: TaskRead) -> list[str]:
    """What the detail line says about a task; empty ones are left out by the caller."""
    facts = [task.status, f"{display.digits(str(task.progress))}%"]
    if task.start or task.due:
        facts.append(f"{display.day(task.start) or '…'} → {display.day(task.due) or '…'}")
    facts += [
        f"for {task.contact_name}" if task.contact_name else "",
        task.assignee or "unassigned",
        task.project or "",
    ]
    if task.depends_on:
        facts.append("waits for " + ", ".join(display.ident(i) for i in task.depends_on))
    if task.updated_by:
        facts.append(f"changed by {task.updated_by}")
    return facts


class TasksScreen(CrmScreen):
    """Plan and move work; see who has too much of it."""

    SUB_TITLE = "Tasks"
    CSS_PATH = stylesheet("tasks.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "toggle_view", "Gantt ⇄ board", id="tasks.toggle"),
        Binding("n,t", "new", "New", key_display="n", id="tasks.new"),
        Binding("e,enter", "edit", "Edit", key_display="e", id="tasks.edit"),
        Binding("d", "delete", "Delete", id="tasks.delete"),
        Binding("x", "done", "Done", id="tasks.done"),
        Binding("f", "filter", "Filter", id="tasks.filter"),
        Binding("G", "group", "Group by", key_display="G", id="tasks.group"),
        Binding("a", "apply_template", "Template", id="tasks.template"),
        Binding(
            "M", "templates", "Edit templates", key_display="M", show=False, id="tasks.templates"
        ),
    ]

    class Loaded(Message):
        def __init__(self, tasks: list[TaskRead]) -> None:
            super().__init__()
            self.tasks = tasks

    def __init__(self) -> None:
        super().__init__()
        self.view = "board"
        self.group_by = "project"
        self.board_filter = BoardFilter()
        self.tasks: list[TaskRead] = []
        self.wanted: int | None = None

    def compose(self) -> ComposeResult:
        yield TopBar("tasks")
        yield Static("", id="tasks-status")
        with Vertical(id="tasks-body"):
            yield KanbanBoard(self.today, id="board")
            yield GanttChart(self.today, id="gantt")
        yield Static("", id="task-detail")
        yield KeyBar()

    @property
    def board(self) -> KanbanBoard:
        return self.query_one("#board", KanbanBoard)

    @property
    def gantt(self) -> GanttChart:
        return self.query_one("#gantt", GanttChart)

    def on_mount(self) -> None:
        self.gantt.display = False
        self.board.focus()

    def on_screen_resume(self) -> None:
        self.load()

    def refresh_data(self) -> None:
        self.load()

    @property
    def current(self) -> TaskRead | None:
        return self.board.current if self.view == "board" else self.gantt.current

    # -- loading --------------------------------------------------------------------------

    def load(self, keep: int | None = None) -> None:
        """Load the tasks again; the selection stays, or moves to task ``keep``.

        What to select is decided when the tasks arrive, not now: a refresh started by a
        teammate's change (or our own save, seen by the watcher) must not put back a
        selection that a newer request has since changed.
        """
        if keep is not None:
            self.wanted = keep
        self._load()

    @work(thread=True, exclusive=True, group="tasks")
    def _load(self) -> None:
        chosen = self.board_filter
        query = TaskQuery(
            project_id=chosen.project_id,
            assignee_id=chosen.assignee_id,
            contact_id=chosen.contact_id,
            done_since=datetime.now(UTC) - timedelta(days=DONE_SHOWN_DAYS),
        )

        def load() -> list[TaskRead]:
            with self.read() as session:
                if self.view == "board":
                    return service.list_tasks(session=session, query=query)
                return service.tasks_by_date(session=session, query=query)

        tasks = self.guarded(load)
        if tasks is not None:
            self.post_message(self.Loaded(tasks))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.tasks = message.tasks
        current = self.current
        keep = self.wanted if self.wanted is not None else (current.id if current else None)
        if self.view == "board":
            self.board.set_tasks(message.tasks, keep=keep)
        else:
            self.gantt.set_tasks(message.tasks, self.group_by, keep=keep)
        self.wanted = None
        self._status()

    def _status(self) -> None:
        late = sum(1 for task in self.tasks if task.is_overdue(self.today))
        broken = len(self.gantt.broken) if self.view == "gantt" else 0
        parts = [plural(len(self.tasks), "task"), f"{display.number(late)} overdue"]
        if broken:
            parts.append(service.early_starts_text(broken, grouped=True))
        if self.board_filter.label:
            parts.append(f"only {self.board_filter.label} (f changes)")
        if self.view == "gantt":
            parts.append(f"grouped by {self.group_by} · {self.gantt.scale.name} scale")
        self.query_one("#tasks-status", Static).update(
            Content(" · ".join(safe(part, single_line=True) for part in parts))
        )

    @on(KanbanBoard.Highlighted)
    @on(GanttChart.Highlighted)
    def _highlighted(self, message: KanbanBoard.Highlighted | GanttChart.Highlighted) -> None:
        task = message.card if isinstance(message, KanbanBoard.Highlighted) else message.task
        detail = self.query_one("#task-detail", Static)
        if task is None:
            detail.update("")
            return
        width = detail.content_region.width
        number = f"{display.ident(task.id)} "
        title = flowing(task.title, width, taken=cell_len(number))
        last = title.rsplit("\n", 1)[-1]
        taken = cell_len(last) + (0 if "\n" in title else cell_len(number)) + 2
        parts: list[Any] = [
            (number, "$text-muted"),
            (title, "bold"),
            ("  " + fact_lines(_facts(task), width, taken), "$text-muted"),
        ]
        parts += self._violations(task)
        detail.update(Content.assemble(*parts))

    def _violations(self, task: TaskRead) -> list[tuple[str, str]]:
        """A warning for each blocker the task starts before it ends (the Gantt view checks)."""
        if self.view != "gantt":
            return []
        return [
            (
                f"\n⚠ starts {display.day(violation.starts)} but "
                f"{display.ident(violation.depends_on_id)} "
                f"ends {display.day(violation.blocker_ends)}",
                "$text-warning",
            )
            for violation in self.gantt.broken.get(task.id, [])
        ]

    @on(GanttChart.Zoomed)
    def _zoomed(self) -> None:
        self._status()

    # -- views ----------------------------------------------------------------------------

    def action_toggle_view(self) -> None:
        keep = self.current.id if self.current else None
        self.view = "gantt" if self.view == "board" else "board"
        self.board.display = self.view == "board"
        self.gantt.display = self.view == "gantt"
        (self.board if self.view == "board" else self.gantt).focus()
        self.load(keep)

    def action_group(self) -> None:
        if self.view == "board":
            self.action_toggle_view()
        self.group_by = "assignee" if self.group_by == "project" else "project"
        self.gantt.set_tasks(self.tasks, self.group_by)
        self._status()

    def show_task(self, task_id: int) -> None:
        """Select a task (opened from Today)."""
        self.load(task_id)

    # -- moving ---------------------------------------------------------------------------

    @on(KanbanBoard.Move)
    def _move(self, message: KanbanBoard.Move) -> None:
        self._write_move(message.card, message.key, message.offset)

    def _write_move(self, task: TaskRead, status: str | None, offset: int) -> None:
        self.write_in_worker(
            lambda session: service.move_task(
                session=session,
                task_id=task.id,
                status=status,
                offset=offset,
                expected_version=task.version,
                actor_id=self.actor_id,
            ),
            lambda moved: self.load(moved.id),
            group="tasks-write",
        )

    @on(GanttChart.Reschedule)
    def _reschedule(self, message: GanttChart.Reschedule) -> None:
        task = message.task
        span = task_span(task)
        if span is None:
            self.notify("this task has no dates: e sets a start or due date", timeout=4)
            return
        new_end = span[1] + timedelta(days=message.shift + message.stretch)
        waiting = [
            other
            for other in self.tasks
            if task.id in other.depends_on
            and (span_of := task_span(other)) is not None
            and span_of[0] <= new_end
        ]
        if not waiting:
            self._write_reschedule(task.id, message.shift, message.stretch, False)
            return
        names = ", ".join(display.ident(other.id) for other in waiting[:5])
        verb, them = ("waits", "it") if len(waiting) == 1 else ("wait", "them")
        question = (
            f"{plural(len(waiting), 'task')} ({names}) {verb} for #{task.id}. Push {them} later?"
        )

        def answered(push: bool | None) -> None:
            if push is not None:  # None: cancelled, nothing moves
                self._write_reschedule(task.id, message.shift, message.stretch, push)

        self.app.push_screen(PushDialog(question, them), answered)

    def _write_reschedule(self, task_id: int, shift: int, stretch: int, push: bool) -> None:
        def done(changed: list[TaskRead]) -> None:
            if not changed:  # only shortening can leave the dates as they were
                self.notify(f"{display.ident(task_id)} is one day long already", timeout=3)
                return
            if len(changed) > 1:
                self.notify(f"moved {plural(len(changed) - 1, 'waiting task')} too", timeout=3)
            self.load(task_id)

        self.write_in_worker(
            lambda session: service.reschedule_task(
                session=session,
                task_id=task_id,
                shift_days=shift,
                stretch_days=stretch,
                push_dependants=push,
                actor_id=self.actor_id,
            ),
            done,
            group="tasks-write",
        )

    # -- editing --------------------------------------------------------------------------

    def _reload_after(self, result: Any) -> None:
        if result is not None:
            self.load(getattr(result, "id", None))

    def action_new(self) -> None:
        status = self.board.current_key if self.view == "board" else "todo"
        project = self.board_filter.project_id
        self.app.push_screen(
            TaskForm(
                None, status=status, project_id=project, contact_id=self.board_filter.contact_id
            ),
            self._reload_after,
        )

    def action_edit(self) -> None:
        task = self.current
        if task is not None:
            self.app.push_screen(TaskForm(task), self._reload_after)

    def action_delete(self) -> None:
        task = self.current
        if task is None:
            return
        self.app.push_screen(
            ConfirmDialog(f"Move task '{task.title}' to the trash?"),
            lambda yes: self._trash(task.id) if yes else None,
        )

    def _trash(self, task_id: int) -> None:
        def done(count: int) -> None:
            if count:
                self.notify("moved to the trash", timeout=3)
                self.load()

        self.write_in_worker(
            lambda session: service.delete_tasks(
                session=session, task_ids=[task_id], actor_id=self.actor_id
            ),
            done,
            group="tasks-write",
        )

    def action_done(self) -> None:
        task = self.current
        if task is not None:
            status = "todo" if task.status == "done" else "done"
            self._write_move(task, status, 0)

    # -- filters and templates ------------------------------------------------------------

    def action_filter(self) -> None:
        self._with_choices("filter")

    def action_apply_template(self) -> None:
        self._with_choices("apply")

    def action_templates(self) -> None:
        self._with_choices("templates")

    @work(thread=True, group="tasks-choices")
    def _with_choices(self, purpose: str) -> None:
        def load() -> tuple[Any, Any, Any]:
            with self.read() as session:
                return board_choices(session)

        found = self.guarded(load)
        if found is not None:
            self.app.call_from_thread(self._open, purpose, *found)

    def _open(self, purpose: str, members: Any, projects: Any, templates: Any) -> None:
        if purpose == "filter":

            def chosen(result: BoardFilter | None) -> None:
                if result is not None:
                    self.board_filter = result
                    self.load()

            self.app.push_screen(BoardFilterDialog(self.board_filter, members, projects), chosen)
        elif purpose == "apply":

            def applied(tasks: list[TaskRead] | None) -> None:
                if tasks:
                    self.notify(f"created {plural(len(tasks), 'task')}", timeout=3)
                    self.load(tasks[0].id)

            self.app.push_screen(ApplyTemplateDialog(templates, members, projects), applied)
        else:
            self.app.push_screen(
                TemplateEditor(templates),
                lambda saved: self.notify(f"saved template {saved.name}") if saved else None,
            )
