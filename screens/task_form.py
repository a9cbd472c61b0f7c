"""Add or edit a task (``t`` anywhere, ``n``/``e`` on the board): dates, people, dependencies."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Select, Static, TextArea

from crm_tui import display
from crm_tui.dates import DateError, parse_day
from crm_tui.errors import FieldErrors
from crm_tui.models import TaskStatus
from crm_tui.recurrence import describe
from crm_tui.schemas import MemberRead, ProjectRead, TaskCreate, TaskRead, TaskUpdate
from crm_tui.services.projects import create_project, list_projects
from crm_tui.services.tasks import create_task, update_task
from crm_tui.services.team import list_members
from screens.base import DialogStyles, UsesDatabase
from screens.contact_picker import ContactPicker
from screens.forms import (
    DiscardGuard,
    Field,
    about_deal,
    changed_fields,
    checked_values,
    input_value,
    save_failed,
)
from screens.text import choices, editable

if TYPE_CHECKING:
    from sqlmodel import Session

FIELDS = {
    "title",
    "start_date",
    "due_date",
    "progress",
    "depends_on",
    "estimate_hours",
    "priority",
    "status",
    "project",
    "repeat",
}
PRIORITIES = [("low", 0), ("normal", 1), ("high", 2), ("urgent", 3)]
NEW_PROJECT = "__new__"


def _day_text(value: Any) -> str:
    return display.day(value)


def task_values(task: TaskRead) -> dict[str, Any]:
    """A task's fields as the form's ``values()`` names them."""
    return {
        "title": task.title,
        "start_date": task.start,
        "due_date": task.due,
        "progress": task.progress,
        "estimate_hours": task.estimate_hours,
        "depends_on": task.depends_on,
        "assignee_id": task.assignee_id,
        "project_id": task.project_id,
        "contact_id": task.contact_id,
        "status": task.status,
        "priority": task.priority,
        "milestone": task.milestone,
        "description": task.description,
        "deal_id": task.deal_id,
        "repeat": describe(task.repeat),
    }


_READ_NAMES = {"start_date": "start", "due_date": "due"}  # the form's names -> TaskRead's


class TaskForm(DialogStyles, DiscardGuard, UsesDatabase, ModalScreen[TaskRead | None]):
    """One task; dates accept "fri", "3d" or "2026-12-01"; dependencies are task ids."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(
        self,
        task: TaskRead | None,
        *,
        contact_id: int | None = None,
        contact_name: str = "",
        project_id: int | None = None,
        status: str = TaskStatus.TODO.value,
        deal: tuple[int, str] | None = None,
        title: str = "",
    ) -> None:
        """``deal``: the deal (id, title) a new task is about; ``title``: its first title."""
        super().__init__()
        self.editing = self.shown = task  # shown: what the form holds (after a merge, more)
        if task is not None:
            contact_id, contact_name = task.contact_id, task.contact_name or ""
            project_id, status = task.project_id, task.status
            deal = (task.deal_id, task.deal or "") if task.deal_id is not None else None
        self.contact_id, self.contact_name = contact_id, contact_name
        self.project_id, self.status = project_id, status
        self.deal, self.first_title = deal, title

    def compose(self) -> ComposeResult:
        task = self.shown
        with Vertical(classes="dialog form-dialog"):
            yield Static(f"Edit task #{task.id}" if task else "New task", classes="dialog-title")
            if self.deal is not None:
                yield about_deal(*self.deal)
            with VerticalScroll(classes="form-body"):
                yield Field(
                    "Title",
                    Input(editable(task.title if task else self.first_title), id="f-title"),
                    field="title",
                )
                with Horizontal(classes="field-row"):
                    yield Field(
                        "Status",
                        Select(
                            [(s.value, s.value) for s in TaskStatus],
                            value=self.status,
                            allow_blank=False,
                            id="f-status",
                        ),
                        field="status",
                    )
                    yield Field(
                        "Priority",
                        Select(
                            PRIORITIES,
                            value=task.priority if task else 1,
                            allow_blank=False,
                            id="f-priority",
                        ),
                        field="priority",
                    )
                    yield Field(
                        "Progress %",
                        Input(str(task.progress if task else 0), id="f-progress"),
                        field="progress",
                    )
                with Horizontal(classes="field-row"):
                    yield Field(
                        "Start",
                        Input(_day_text(task.start if task else None), id="f-start_date"),
                        field="start_date",
                        dated=True,
                    )
                    yield Field(
                        "Due",
                        Input(_day_text(task.due if task else None), id="f-due_date"),
                        field="due_date",
                        dated=True,
                    )
                    yield Field(
                        "Estimate (hours)",
                        Input(
                            str(task.estimate_hours) if task and task.estimate_hours else "",
                            id="f-estimate_hours",
                        ),
                        field="estimate_hours",
                    )
                with Horizontal(classes="field-row"):
                    yield Field(
                        "Assignee", Select([], prompt="nobody", id="f-assignee"), field="assignee"
                    )
                    yield Field(
                        "Project", Select([], prompt="no project", id="f-project"), field="project"
                    )
                    yield Field(
                        "",
                        Checkbox("Milestone", task.milestone if task else False, id="f-milestone"),
                        field="milestone",
                    )
                yield Field("New project name", Input("", id="f-new_project"), field="new_project")
                yield Field(
                    "Contact",
                    ContactPicker(self.contact_id, self.contact_name, id="f-contact"),
                    field="contact",
                )
                yield from self._series_fields(task)
                yield Field(
                    "Description",
                    TextArea(editable(task.description if task else ""), id="f-description"),
                    field="description",
                )
            yield Static("", id="error-form", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save", compact=True)
                yield Button("Cancel (esc)", id="cancel", compact=True)

    def _series_fields(self, task: TaskRead | None) -> ComposeResult:
        """How the task repeats, and what it waits for."""
        yield Field(
            "Repeats (e.g. every 2 weeks on mon, monthly on the last fri)",
            Input(
                describe(task.repeat) if task else "",
                placeholder="does not repeat",
                id="f-repeat",
            ),
            field="repeat",
        )
        yield Field(
            "Waits for (task ids, e.g. 12, 15)",
            Input(
                ", ".join(str(i) for i in task.depends_on) if task else "",
                id="f-depends_on",
            ),
            field="depends_on",
        )

    def on_mount(self) -> None:
        self._prepare()

    def _prepare(self) -> None:
        """What the widgets need once composed (again, after a merge)."""
        self.query_one("#f-title", Input).focus()
        self.query_one("#f-new_project").parent.display = False  # type: ignore[union-attr]
        self._load_choices()

    @work(thread=True, group="task-form")
    def _load_choices(self) -> None:
        def load() -> tuple[list[MemberRead], list[ProjectRead]]:
            with self.read() as session:
                return list_members(session=session), list_projects(session=session)

        found = self.guarded(load)
        if found is not None:
            self.app.call_from_thread(self._fill_choices, *found)

    def _fill_choices(self, members: list[MemberRead], projects: list[ProjectRead]) -> None:
        assignee = self.query_one("#f-assignee", Select)
        options = [(m.name, m.id) for m in members]
        task = self.shown
        if task and task.assignee_id and task.assignee_id not in {m.id for m in members}:
            # Someone who has left keeps this task until it is given to someone else.
            options.append((f"{task.assignee} (deactivated)", task.assignee_id))
        assignee.set_options(choices(options))
        default = task.assignee_id if task else self.actor_id
        if default in {value for _, value in options}:
            assignee.value = default
        project = self.query_one("#f-project", Select)
        project.set_options(
            choices([(p.name, p.id) for p in projects] + [("+ new project…", NEW_PROJECT)])
        )
        if self.project_id in {p.id for p in projects}:
            project.value = self.project_id
        self.remember_values()  # the form as filled in: what escape compares with

    @on(Select.Changed, "#f-project")
    def _project_changed(self, event: Select.Changed) -> None:
        box = self.query_one("#f-new_project").parent
        if box is not None:
            box.display = event.value == NEW_PROJECT

    def values(self) -> dict[str, Any]:
        errors: dict[str, str] = {}
        values: dict[str, Any] = {"title": input_value(self, "#f-title")}
        self._typed_values(values, errors)
        ids = re.findall(r"\d+", input_value(self, "#f-depends_on"))
        values["depends_on"] = [int(i) for i in ids]
        assignee = self.query_one("#f-assignee", Select).value
        project = self.query_one("#f-project", Select).value
        values["assignee_id"] = assignee if isinstance(assignee, int) else None
        values["project_id"] = project if isinstance(project, int) else None
        values["new_project"] = (
            input_value(self, "#f-new_project") if project == NEW_PROJECT else ""
        )
        if project == NEW_PROJECT and not values["new_project"]:
            errors["project"] = "name the new project"
        values["contact_id"] = self.query_one("#f-contact", ContactPicker).contact_id
        values["status"] = self.query_one("#f-status", Select).value
        values["priority"] = self.query_one("#f-priority", Select).value
        values["milestone"] = self.query_one("#f-milestone", Checkbox).value
        values["description"] = self.query_one("#f-description", TextArea).text.strip()
        values["deal_id"] = self.deal[0] if self.deal else None
        values["repeat"] = input_value(self, "#f-repeat")
        if errors:
            raise FieldErrors(errors)
        return values

    def _typed_values(self, values: dict[str, Any], errors: dict[str, str]) -> None:
        """The dates and numbers as typed, into ``values``; what cannot be read, into
        ``errors``."""
        for key in ("start_date", "due_date"):
            text = input_value(self, f"#f-{key}")
            try:
                values[key] = parse_day(text, today=self.today) if text else None
            except DateError as error:
                errors[key] = str(error)
        for key, kind in (("progress", int), ("estimate_hours", float)):
            text = input_value(self, f"#f-{key}")
            try:
                values[key] = kind(text) if text else (0 if key == "progress" else None)
            except ValueError:
                errors[key] = "a number, please"

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        values = checked_values(self, FIELDS)
        if values is None:
            return
        self._save(values, self.editing.version if self.editing else None)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()  # asks first when something was typed (DiscardGuard)

    def _save(self, values: dict[str, Any], expected_version: int | None) -> None:
        self.write_in_worker(
            lambda session: self._write(session, values, expected_version),
            self.dismiss,
            group="task-save",
            exclusive=True,
            failed=lambda error: save_failed(
                self, error, FIELDS, lambda theirs: self._conflict(values, theirs)
            ),
        )

    def _write(
        self, session: Session, values: dict[str, Any], expected_version: int | None
    ) -> TaskRead:
        values = dict(values)  # kept whole for a second try after a conflict
        new_project = values.pop("new_project")
        if new_project:
            values["project_id"] = create_project(
                session=session, name=new_project, contact_id=values["contact_id"]
            ).id
        if self.editing is None:
            data = TaskCreate.build(**values)
            return create_task(session=session, data=data, actor_id=self.actor_id)
        changes = changed_fields(self._original(), values)
        if not changes:  # saved as it was: no new version, no "changed by" stamp
            return self.editing
        return update_task(
            session=session,
            task_id=self.editing.id,
            changes=TaskUpdate.build(**changes),
            expected_version=expected_version,
            actor_id=self.actor_id,
        )

    def _original(self) -> dict[str, Any]:
        assert self.editing is not None
        return task_values(self.editing)

    def _conflict(self, values: dict[str, Any], theirs: TaskRead) -> None:
        from screens.conflict import resolve_conflict

        fields = {key: value for key, value in values.items() if key != "new_project"}
        mine = changed_fields(self._original(), fields)
        picker = self.query_one("#f-contact", ContactPicker)

        async def merge() -> None:
            shown = {_READ_NAMES.get(key, key): value for key, value in mine.items()}
            if "contact_id" in mine:
                shown["contact_name"] = picker.contact_name
            self.editing, self.shown = theirs, theirs.model_copy(update=shown)
            self.contact_id = self.shown.contact_id
            self.contact_name = self.shown.contact_name or ""
            self.project_id, self.status = self.shown.project_id, self.shown.status
            await self.recompose()
            self._prepare()

        resolve_conflict(
            self,
            mine=mine,
            theirs=theirs,
            theirs_values=task_values(theirs),
            save_mine=lambda: self._save(values, theirs.version),
            merge=merge,
        )
