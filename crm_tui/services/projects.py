"""Projects: a piece of client work that groups tasks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from crm_tui.errors import AmbiguousError, NotFoundError, ValidationError
from crm_tui.models import Project
from crm_tui.schemas import ProjectRead
from crm_tui.services.common import utcnow
from crm_tui.text import sort_key


def _read(project: Project) -> ProjectRead:
    assert project.id is not None
    return ProjectRead(
        id=project.id,
        name=project.name,
        description=project.description,
        contact_id=project.contact_id,
        status=project.status,
        start=project.start_date,
        due=project.due_date,
        version=project.version,
    )


def create_project(
    *,
    session: Session,
    name: str,
    contact_id: int | None = None,
    description: str = "",
    start: date | None = None,
    due: date | None = None,
) -> ProjectRead:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("a project needs a name", field="name")
    now = utcnow()
    project = Project(
        name=name,
        description=description,
        contact_id=contact_id,
        start_date=start,
        due_date=due,
        created_at=now,
        updated_at=now,
    )
    session.add(project)
    session.flush()
    return _read(project)


def list_projects(*, session: Session) -> list[ProjectRead]:
    rows = session.scalars(
        select(Project).where(col(Project.deleted_at).is_(None)).order_by(Project.name)
    )
    return [_read(project) for project in rows]


def find_project(*, session: Session, ref: str) -> ProjectRead:
    """A live project by id or (part of its) name."""
    projects = list_projects(session=session)
    key = sort_key(ref)  # as contacts are found: "oresund" finds "Øresund"
    exact = [p for p in projects if str(p.id) == key.lstrip("#") or sort_key(p.name) == key]
    found = exact or [p for p in projects if key and key in sort_key(p.name)]
    if not found:
        raise NotFoundError(f"no project matches {ref!r}")
    if len(found) > 1:
        raise AmbiguousError(f"{ref!r} matches several projects:", [p.name for p in found])
    return found[0]
