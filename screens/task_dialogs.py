"""Dialogs of the task board: filters, applying a workflow template, editing templates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from crm_tui.dates import DateError, parse_day
from crm_tui.schemas import MemberRead, ProjectRead, TaskRead
from crm_tui.services.projects import create_project, list_projects
from crm_tui.services.team import list_members
from crm_tui.services.templates import (
    StepSpec,
    TemplateRead,
    apply_template,
    list_templates,
    save_template,
)
from screens.base import DialogStyles, UsesDatabase, describe_error
from screens.contact_picker import ContactPicker
from screens.dialogs import FilterDialog, QuestionDialog, chosen
from screens.text import choices, editable, literal


class PushDialog(QuestionDialog[bool | None]):
    """Tasks wait for the one being moved: push them too (True), move it alone and flag
    the clash (False), or leave everything as it was (None: Cancel, Escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "answer(True)", "Push"),
        Binding("o", "answer(False)", "Only this one"),
        Binding("escape", "answer(None)", "Cancel"),
    ]

    def __init__(self, question: str, them: str) -> None:
        detail = (
            f"p pushes {them} by as many days; o moves only this task and flags the clash (⚠); "
            "Escape cancels."
        )
        answers: list[tuple[str, str, bool | None]] = [
            ("push", f"Push {them}", True),
            ("only", "Only this one", False),
            ("cancel", "Cancel", None),
        ]
        super().__init__(question, detail, answers, "primary")


@dataclass(frozen=True)
class BoardFilter:
    project_id: int | None = None
    assignee_id: int | None = None
    contact_id: int | None = None
    label: str = ""


def _error(screen: ModalScreen[Any], message: str) -> None:
    line = screen.query_one("#error-form", Static)
    line.update(literal(message))
    line.display = bool(message)


class BoardFilterDialog(FilterDialog[BoardFilter]):
    """Project, assignee and contact; they combine."""

    def __init__(
        self, current: BoardFilter, members: list[MemberRead], projects: list[ProjectRead]
    ) -> None:
        super().__init__()
        self.current, self.members, self.projects = current, members, projects

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Show tasks of…", classes="dialog-title")
            yield Label("Project", classes="field-label")
            yield Select(
                choices((p.name, p.id) for p in self.projects),
                prompt="any project",
                value=self.current.project_id or Select.NULL,
                id="f-project",
                compact=True,
            )
            yield Label("Assignee", classes="field-label")
            yield Select(
                choices((m.name, m.id) for m in self.members),
                prompt="anyone",
                value=self.current.assignee_id or Select.NULL,
                id="f-assignee",
                compact=True,
            )
            yield Label("Contact", classes="field-label")
            yield ContactPicker(self.current.contact_id, "", id="f-contact")
            yield from self.buttons()

    def cleared(self) -> BoardFilter:
        return BoardFilter()

    def apply(self) -> None:
        project = chosen(self.query_one("#f-project", Select).value)
        assignee = chosen(self.query_one("#f-assignee", Select).value)
        picker = self.query_one("#f-contact", ContactPicker)
        contact = picker.contact_id if picker.query_one(Input).value.strip() else None
        names = [p.name for p in self.projects if p.id == project]
        names += [m.name for m in self.members if m.id == assignee]
        names += [picker.contact_name] if contact else []
        self.dismiss(BoardFilter(project, assignee, contact, " · ".join(names)))


class ApplyTemplateDialog(DialogStyles, UsesDatabase, ModalScreen[list[TaskRead] | None]):
    """Plan client work from a template: the tasks are created with dates and dependencies."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+s", "apply", "Apply"),
    ]

    def __init__(
        self, templates: list[TemplateRead], members: list[MemberRead], projects: list[ProjectRead]
    ) -> None:
        super().__init__()
        self.templates, self.members, self.projects = templates, members, projects

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog"):
            yield Static("Apply a workflow template", classes="dialog-title")
            yield Label("Template", classes="field-label")
            yield Select(
                choices((t.name, t.id) for t in self.templates),
                allow_blank=False,
                id="f-template",
                compact=True,
            )
            yield Static("", id="template-steps", classes="dialog-detail")
            yield Label("For contact", classes="field-label")
            yield ContactPicker(id="f-contact")
            yield Label("Project (an existing name, or a new one)", classes="field-label")
            yield Input("", placeholder="e.g. Website redesign", id="f-project", compact=True)
            with Horizontal(classes="field-row"):
                with Vertical(classes="field"):
                    yield Label("Start (e.g. mon, 3d, 2026-12-01)", classes="field-label")
                    yield Input("today", id="f-start", compact=True)
                with Vertical(classes="field"):
                    yield Label("Assignee", classes="field-label")
                    yield Select(
                        choices((m.name, m.id) for m in self.members),
                        prompt="nobody",
                        id="f-assignee",
                        compact=True,
                    )
            yield Static("", id="error-form", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    "Create the tasks (ctrl+s)", variant="primary", id="apply", compact=True
                )
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._show_steps()

    @on(Select.Changed, "#f-template")
    def _show_steps(self) -> None:
        template = self._template()
        if template is None:
            return
        lines = [
            f"{n}. +{s.offset_days}d, {s.duration_days}d  {s.title}" + (" ◆" if s.milestone else "")
            for n, s in enumerate(template.steps, 1)
        ]
        self.query_one("#template-steps", Static).update(literal("\n".join(lines)))

    def _template(self) -> TemplateRead | None:
        chosen = self.query_one("#f-template", Select).value
        return next((t for t in self.templates if t.id == chosen), None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self.action_apply()

    def action_apply(self) -> None:
        template = self._template()
        try:
            start = parse_day(self.query_one("#f-start", Input).value, today=self.today)
        except DateError as error:
            _error(self, str(error))
            return
        if template is None:
            _error(self, "no template: add one with M (manage templates)")
            return
        picker = self.query_one("#f-contact", ContactPicker)
        contact = picker.contact_id if picker.query_one(Input).value.strip() else None
        self._apply(
            template.id,
            start,
            contact,
            self.query_one("#f-project", Input).value,
            chosen(self.query_one("#f-assignee", Select).value),
        )

    def _apply(
        self,
        template_id: int,
        start: date,
        contact_id: int | None,
        project: str,
        assignee_id: int | None,
    ) -> None:
        def write(session: Any) -> list[TaskRead]:
            project_id = None
            if project.strip():
                known = {p.name.casefold(): p.id for p in list_projects(session=session)}
                project_id = (
                    known.get(project.strip().casefold())
                    or create_project(session=session, name=project, contact_id=contact_id).id
                )
            return apply_template(
                session=session,
                ref=str(template_id),
                start=start,
                contact_id=contact_id,
                project_id=project_id,
                assignee_id=assignee_id,
                actor_id=self.actor_id,
            )

        self.write_in_worker(
            write,
            self.dismiss,
            group="template-apply",
            exclusive=True,
            failed=lambda error: _error(self, describe_error(error)),
        )


STEP_HELP = (
    "One step per line:  title | starts +days | lasts days | after steps | milestone\n"
    "e.g.  Send proposal | 2 | 2 | 1 |        Contract signed | 5 | 0 | 2 | milestone"
)


def steps_text(template: TemplateRead | None) -> str:
    if template is None:
        return "Kick-off call | 0 | 1 | |\nSend proposal | 2 | 2 | 1 |"
    lines = []
    for step in template.steps:
        after = ",".join(str(d + 1) for d in step.depends_on)
        lines.append(
            f"{step.title} | {step.offset_days} | {step.duration_days} | {after} | "
            f"{'milestone' if step.milestone else ''}".rstrip()
        )
    return "\n".join(lines)


def parse_steps(text: str) -> list[StepSpec]:
    """The editor's lines -> steps; a ValueError names the line at fault."""
    steps = []
    for number, line in enumerate((ln for ln in text.splitlines() if ln.strip()), start=1):
        parts = [part.strip() for part in line.split("|")] + ["", "", "", ""]
        title, offset, duration, after, flag = parts[:5]
        try:
            depends = [int(n) - 1 for n in re.findall(r"\d+", after)]
            steps.append(
                StepSpec(
                    title=title,
                    offset_days=int(offset or 0),
                    duration_days=int(duration or 1),
                    depends_on=depends,
                    milestone=flag.lower().startswith("m"),
                )
            )
        except ValueError:
            raise ValueError(f"line {number}: numbers expected in {line.strip()!r}") from None
    return steps


class TemplateEditor(DialogStyles, UsesDatabase, ModalScreen[TemplateRead | None]):
    """Edit a template's name and steps (or make a new one); ctrl+s saves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, templates: list[TemplateRead]) -> None:
        super().__init__()
        self.templates = templates

    def compose(self) -> ComposeResult:
        first = self.templates[0] if self.templates else None
        with Vertical(classes="dialog form-dialog"):
            yield Static("Workflow templates", classes="dialog-title")
            yield Select(
                choices([(t.name, t.id) for t in self.templates] + [("+ new template", 0)]),
                value=first.id if first else 0,
                allow_blank=False,
                id="f-which",
                compact=True,
            )
            yield Label("Name", classes="field-label")
            yield Input(editable(first.name if first else ""), id="f-name", compact=True)
            yield Label("Description", classes="field-label")
            yield Input(
                editable(first.description if first else ""), id="f-description", compact=True
            )
            yield Static(STEP_HELP, classes="dialog-detail")
            yield TextArea(editable(steps_text(first)), id="f-steps")
            yield Static("", id="error-form", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    @on(Select.Changed, "#f-which")
    def _switch(self, event: Select.Changed) -> None:
        chosen = next((t for t in self.templates if t.id == event.value), None)
        self.query_one("#f-name", Input).value = editable(chosen.name if chosen else "")
        self.query_one("#f-description", Input).value = editable(
            chosen.description if chosen else ""
        )
        self.query_one("#f-steps", TextArea).text = editable(steps_text(chosen))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self.action_save()

    def action_save(self) -> None:
        try:
            steps = parse_steps(self.query_one("#f-steps", TextArea).text)
        except ValueError as error:
            _error(self, str(error))
            return
        which = self.query_one("#f-which", Select).value
        self._save(
            which if isinstance(which, int) and which else None,
            self.query_one("#f-name", Input).value,
            self.query_one("#f-description", Input).value,
            steps,
        )

    def _save(
        self, template_id: int | None, name: str, description: str, steps: list[StepSpec]
    ) -> None:
        self.write_in_worker(
            lambda session: save_template(
                session=session,
                name=name,
                description=description,
                steps=steps,
                template_id=template_id,
            ),
            self.dismiss,
            group="template-save",
            exclusive=True,
            failed=lambda error: _error(self, describe_error(error)),
        )


def board_choices(session: Any) -> tuple[list[MemberRead], list[ProjectRead], list[TemplateRead]]:
    return (
        list_members(session=session),
        list_projects(session=session),
        list_templates(session=session),
    )
