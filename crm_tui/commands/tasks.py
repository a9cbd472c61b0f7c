"""``crm tasks …``: list, add, complete and move tasks; workflow templates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from crm_tui import display
from crm_tui.commands.common import (
    DealOption,
    JsonOption,
    a_day,
    an_id,
    command_group,
    echo,
    print_json,
    state,
    warn,
)
from crm_tui.text import plural
from crm_tui.validation import MAX_HOURS

if TYPE_CHECKING:
    from sqlmodel import Session

app = command_group("List, add and finish tasks.", no_args_is_help=True)
templates_app = command_group("Workflow templates: steps that become tasks.", no_args_is_help=True)
app.add_typer(templates_app, name="template")

STATUSES = ["todo", "doing", "blocked", "done"]


def _member_id(session: Session, ref: str | None) -> int | None:
    from crm_tui.services.team import find_member

    return find_member(session=session, ref=ref).id if ref else None


def _assignee_id(session: Session, ref: str | None) -> int | None:
    """Whom new work goes to: someone on the team now."""
    from crm_tui.errors import ValidationError
    from crm_tui.services.team import find_member

    if not ref:
        return None
    member = find_member(session=session, ref=ref)
    if not member.active:
        raise ValidationError(
            f"{member.name} is deactivated (crm team activate {member.username})",
            field="assignee",
        )
    return member.id


def _project_id(session: Session, ref: str | None, contact_id: int | None) -> int | None:
    from crm_tui.errors import NotFoundError
    from crm_tui.services.projects import create_project, find_project

    if not ref:
        return None
    try:
        return find_project(session=session, ref=ref).id
    except NotFoundError:
        return create_project(session=session, name=ref, contact_id=contact_id).id


@app.command("list")
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="todo, doing, blocked or done."),
    assignee: str | None = typer.Option(None, "--assignee", "-a", help="A team member."),
    project: str | None = typer.Option(None, "--project", help="A project name or id."),
    contact: str | None = typer.Option(None, "--contact", "-c", help="A contact."),
    due_before: str | None = typer.Option(None, "--due-before", help='e.g. "fri", "2026-12-01".'),
    include_done: bool = typer.Option(False, "--all", help="Include finished tasks."),
    as_json: bool = JsonOption,
) -> None:
    """List tasks (open ones unless --all or --status done)."""
    from crm_tui.services.contacts import resolve_contact
    from crm_tui.services.projects import find_project
    from crm_tui.services.tasks import TaskQuery, tasks_by_date, violations

    if status is not None and status not in STATUSES:
        raise typer.BadParameter(f"choose one of {', '.join(STATUSES)}", param_hint="--status")
    with state(ctx).read() as session:
        query = TaskQuery(
            status=status,
            assignee_id=_member_id(session, assignee),
            project_id=find_project(session=session, ref=project).id if project else None,
            contact_id=resolve_contact(session=session, ref=contact).id if contact else None,
            due_before=a_day(due_before, "--due-before"),
            open_only=not include_done and status is None,
        )
        tasks = tasks_by_date(session=session, query=query)
    if as_json:
        print_json(tasks)
        return
    _print_tasks(tasks, early={v.task_id for v in violations(tasks)})


def _print_tasks(tasks: list[Any], early: set[int]) -> None:
    """``early``: tasks starting before a listed task they wait for ends (marked ⚠, as on
    the board)."""
    from crm_tui.commands.tables import write_table
    from crm_tui.services.tasks import early_starts_text

    columns = ("ID", "Status", "Due", "Title", "Assignee", "Contact", "Project", "%")
    rows = [
        [
            display.digits(str(task.id)),
            task.status,
            display.day(task.due),
            ("⚠ " if task.id in early else "↻ " if task.repeat else "") + task.title,
            task.assignee or "",
            task.contact_name or "",
            task.project or "",
            display.digits(str(task.progress)),
        ]
        for task in tasks
    ]
    write_table(columns, [rows] if rows else [])
    summary = plural(len(tasks), "task")
    if early:
        summary += f" · {early_starts_text(len(early))}"
    echo(summary)


@app.command()
def add(
    ctx: typer.Context,
    title: str = typer.Argument(..., help="What to do."),
    due: str | None = typer.Option(None, "--due", "-d", help='When it is due: "fri", "3d".'),
    start: str | None = typer.Option(None, "--start", help="When work starts."),
    contact: str | None = typer.Option(None, "--contact", "-c", help="For which contact."),
    project: str | None = typer.Option(None, "--project", help="Project (created if new)."),
    assignee: str | None = typer.Option(None, "--assignee", "-a", help="Who does it."),
    priority: int = typer.Option(
        1, "--priority", min=0, max=3, metavar="0-3", help="0 low … 3 urgent."
    ),
    depends_on: list[int] | None = typer.Option(
        None,
        "--depends-on",
        callback=an_id,
        metavar="ID",
        help="A task it waits for (repeatable).",
    ),
    milestone: bool = typer.Option(False, "--milestone", help="A milestone (a day, no duration)."),
    estimate: float | None = typer.Option(
        None, "--estimate", min=0, max=MAX_HOURS, metavar="HOURS", help="Estimated hours."
    ),
    deal: int | None = DealOption,
    repeat: str = typer.Option(
        "", "--repeat", help='e.g. "every 2 weeks on mon", "monthly on the last fri".'
    ),
    description: str = typer.Option("", "--description", help="Details (may span lines)."),
    as_json: bool = JsonOption,
) -> None:
    """Add a task (for a --deal: the deal's contact unless --contact)."""
    from crm_tui.schemas import TaskCreate
    from crm_tui.services.contacts import resolve_contact
    from crm_tui.services.tasks import create_task

    cli = state(ctx)
    with cli.write() as session:
        contact_id = resolve_contact(session=session, ref=contact).id if contact else None
        if deal is not None and contact is None:
            from crm_tui.services.deals import get_deal

            contact_id = get_deal(session=session, deal_id=deal).contact_id
        data = TaskCreate.build(
            title=title,
            deal_id=deal,
            repeat=repeat,
            due_date=a_day(due, "--due"),
            start_date=a_day(start, "--start"),
            contact_id=contact_id,
            project_id=_project_id(session, project, contact_id),
            assignee_id=_assignee_id(session, assignee),
            priority=priority,
            depends_on=depends_on or [],
            milestone=milestone,
            estimate_hours=estimate,
            description=description,
        )
        task = create_task(session=session, data=data, actor_id=cli.actor_id(session))
        broken = _waits_too_little(session, task)
    if as_json:
        print_json(task)
    else:
        from crm_tui.recurrence import describe

        due = f" due {display.day(task.due)}" if task.due else ""
        repeats = f", {describe(task.repeat)}" if task.repeat else ""
        echo(f"added task #{task.id} {task.title}{due}{repeats}")
    for violation in broken:
        warn(
            f"#{violation.task_id} starts {display.day(violation.starts)}, "
            f"before #{violation.depends_on_id}"
            f" (which it waits for) is due on {violation.blocker_ends}"
        )


def _waits_too_little(session: Session, task: Any) -> list[Any]:
    """The tasks ``task`` waits for that end on or after its start (the board shows ⚠)."""
    from crm_tui.services.tasks import get_task, violations

    blockers = [get_task(session=session, task_id=i) for i in task.depends_on]
    return [v for v in violations([task, *blockers]) if v.task_id == task.id]


@app.command()
def done(
    ctx: typer.Context,
    ids: list[int] = typer.Argument(..., callback=an_id, help="Task ids."),
) -> None:
    """Mark tasks done; a repeating one gets its next time."""
    from crm_tui.services.tasks import complete_task, next_in_series

    cli = state(ctx)
    with cli.write() as session:
        actor = cli.actor_id(session)
        finished = [complete_task(session=session, task_id=i, actor_id=actor) for i in ids]
        following = [next_in_series(session=session, task_id=i) for i in ids]
    for task, after in zip(finished, following, strict=True):
        echo(f"done: #{task.id} {task.title}")
        if after is not None:
            echo(f"next: #{after.id} due {display.day(after.due)}")


@app.command()
def skip(
    ctx: typer.Context,
    task_id: int = typer.Argument(..., callback=an_id, help="Task id."),
) -> None:
    """Skip one time of a repeating task.

    That time goes to the trash (it can come back) and the next one comes."""
    from crm_tui.services.tasks import skip_task

    cli = state(ctx)
    with cli.write() as session:
        following = skip_task(session=session, task_id=task_id, actor_id=cli.actor_id(session))
    echo(f"skipped #{task_id}")
    if following is not None:
        echo(f"next: #{following.id} due {display.day(following.due)}")


@app.command()
def move(
    ctx: typer.Context,
    task_id: int = typer.Argument(..., callback=an_id, help="Task id."),
    status: str = typer.Argument(..., help="todo, doing, blocked or done."),
) -> None:
    """Move a task to another column of the board."""
    from crm_tui.services.tasks import move_task

    if status not in STATUSES:
        raise typer.BadParameter(f"choose one of {', '.join(STATUSES)}", param_hint="STATUS")
    cli = state(ctx)
    with cli.write() as session:
        task = move_task(
            session=session, task_id=task_id, status=status, actor_id=cli.actor_id(session)
        )
    echo(f"#{task.id} {task.title} is now {task.status}")


@app.command()
def delete(
    ctx: typer.Context,
    ids: list[int] = typer.Argument(..., callback=an_id, help="Task ids."),
) -> None:
    """Move tasks to the trash."""
    from crm_tui.services.tasks import delete_tasks

    cli = state(ctx)
    with cli.write() as session:
        count = delete_tasks(session=session, task_ids=ids, actor_id=cli.actor_id(session))
    echo(f"moved {plural(count, 'task')} to the trash")


@templates_app.command("list")
def template_list(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List workflow templates and their steps."""
    from dataclasses import asdict

    from crm_tui.services.templates import list_templates

    with state(ctx).read() as session:
        templates = list_templates(session=session)
    if as_json:
        print_json([asdict(t) | {"steps": [s.model_dump() for s in t.steps]} for t in templates])
        return
    for template in templates:
        echo(f"{template.name} — {template.description}")
        for number, step in enumerate(template.steps, start=1):
            waits = ", ".join(str(d + 1) for d in step.depends_on)
            marker = "◆" if step.milestone else " "
            starts, lasts = f"+{step.offset_days}d", f"{step.duration_days}d"
            echo(
                f"  {number:>2}. {marker} {starts:>5} {lasts:>4}  {step.title}"
                + (f"  (after {waits})" if waits else "")
            )


@templates_app.command("apply")
def template_apply(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Template name or id."),
    contact: str | None = typer.Option(None, "--contact", "-c", help="For which contact."),
    project: str | None = typer.Option(None, "--project", help="Project (created if new)."),
    start: str = typer.Option("today", "--start", help="The day the first step starts."),
    assignee: str | None = typer.Option(None, "--assignee", "-a", help="Who does the steps."),
    as_json: bool = JsonOption,
) -> None:
    """Create the template's tasks from --start, with dependencies."""
    from crm_tui.services.contacts import resolve_contact
    from crm_tui.services.templates import apply_template

    cli = state(ctx)
    begins = a_day(start, "--start")
    assert begins is not None
    with cli.write() as session:
        contact_id = resolve_contact(session=session, ref=contact).id if contact else None
        tasks = apply_template(
            session=session,
            ref=name,
            start=begins,
            contact_id=contact_id,
            project_id=_project_id(session, project, contact_id),
            assignee_id=_assignee_id(session, assignee),
            actor_id=cli.actor_id(session),
        )
    if as_json:
        print_json(tasks)
        return
    for task in tasks:
        span = f"{display.day(task.start)} → {display.day(task.due)}"
        echo(f"added task #{task.id} {task.title}: {span}")
