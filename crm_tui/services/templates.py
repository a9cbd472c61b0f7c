"""Workflow templates: named lists of steps that become dated, linked tasks when applied."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, select
from sqlmodel import Session

from crm_tui.errors import NotFoundError, ValidationError
from crm_tui.models import TemplateStep, WorkflowTemplate
from crm_tui.schemas import TaskCreate, TaskRead
from crm_tui.services.common import utcnow
from crm_tui.services.tasks import create_task
from crm_tui.text import sort_key


class StepSpec(BaseModel):
    """A step: starts ``offset_days`` after the template's start and lasts ``duration_days``."""

    title: str = Field(min_length=1)
    offset_days: int = 0
    duration_days: int = Field(default=1, ge=0)
    milestone: bool = False
    depends_on: list[int] = Field(default_factory=list)  # positions of earlier steps


@dataclass(frozen=True)
class TemplateRead:
    id: int
    name: str
    description: str
    steps: list[StepSpec]
    version: int


def _check_steps(steps: Sequence[StepSpec]) -> None:
    if not steps:
        raise ValidationError("a template needs at least one step", field="steps")
    for position, step in enumerate(steps):
        for other in step.depends_on:
            if not 0 <= other < position:
                raise ValidationError(
                    f"step {position + 1} ({step.title!r}) can only wait for an earlier step",
                    field="steps",
                )


def _write_steps(session: Session, template_id: int, steps: Sequence[StepSpec]) -> None:
    session.execute(delete(TemplateStep).where(TemplateStep.template_id == template_id))
    session.execute(
        insert(TemplateStep),
        [
            {"template_id": template_id, "position": position, **step.model_dump()}
            for position, step in enumerate(steps)
        ],
    )


def save_template(
    *,
    session: Session,
    name: str,
    steps: Sequence[StepSpec],
    description: str = "",
    template_id: int | None = None,
) -> TemplateRead:
    """Create a template, or replace the name and steps of ``template_id``."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("a template needs a name", field="name")
    _check_steps(steps)
    now = utcnow()
    if template_id is None:
        template = WorkflowTemplate(
            name=name, description=description, created_at=now, updated_at=now
        )
        session.add(template)
    else:
        found = session.get(WorkflowTemplate, template_id)
        if found is None:
            raise NotFoundError(f"no template with id {template_id}")
        template = found
        template.name, template.description = name, description
        template.version += 1
        template.updated_at = now
    session.flush()
    assert template.id is not None
    _write_steps(session, template.id, steps)
    return get_template(session=session, ref=str(template.id))


def _read(session: Session, template: WorkflowTemplate) -> TemplateRead:
    rows = session.scalars(
        select(TemplateStep)
        .where(TemplateStep.template_id == template.id)
        .order_by(TemplateStep.position)
    )
    steps = [
        StepSpec(
            title=row.title,
            offset_days=row.offset_days,
            duration_days=row.duration_days,
            milestone=row.milestone,
            depends_on=list(row.depends_on or []),
        )
        for row in rows
    ]
    assert template.id is not None
    return TemplateRead(template.id, template.name, template.description, steps, template.version)


def list_templates(*, session: Session) -> list[TemplateRead]:
    rows = session.scalars(select(WorkflowTemplate).order_by(WorkflowTemplate.name))
    return [_read(session, template) for template in rows]


def get_template(*, session: Session, ref: str) -> TemplateRead:
    """A template by id or name (ignoring case and accents)."""
    for template in session.scalars(select(WorkflowTemplate)):
        if str(template.id) == ref.strip() or sort_key(template.name) == sort_key(ref):
            return _read(session, template)
    names = ", ".join(t.name for t in list_templates(session=session)) or "none yet"
    raise NotFoundError(f"no template named {ref!r} (templates: {names})")


def delete_template(*, session: Session, template_id: int) -> None:
    template = session.get(WorkflowTemplate, template_id)
    if template is None:
        raise NotFoundError(f"no template with id {template_id}")
    session.delete(template)


def apply_template(
    *,
    session: Session,
    ref: str,
    start: date,
    contact_id: int | None = None,
    project_id: int | None = None,
    assignee_id: int | None = None,
    actor_id: int | None = None,
) -> list[TaskRead]:
    """Create one task per step, dated from ``start``, with the steps' dependencies."""
    template = get_template(session=session, ref=ref)
    created: list[TaskRead] = []
    for step in template.steps:
        begins = start + timedelta(days=step.offset_days)
        data = TaskCreate.build(
            title=step.title,
            start_date=begins,
            due_date=begins + timedelta(days=max(step.duration_days - 1, 0)),
            milestone=step.milestone,
            contact_id=contact_id,
            project_id=project_id,
            assignee_id=assignee_id,
            depends_on=[created[position].id for position in step.depends_on],
        )
        created.append(create_task(session=session, data=data, actor_id=actor_id))
    return created
