"""Tasks: the board (status and position), dates, progress and finish-to-start dependencies."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from crm_tui.dates import DateError, check_day
from crm_tui.errors import NotFoundError, ValidationError
from crm_tui.models import (
    Contact,
    Deal,
    Interaction,
    Project,
    Task,
    TaskDependency,
    TaskStatus,
)
from crm_tui.recurrence import next_after
from crm_tui.schemas import (
    DUE_BEFORE_START,
    REPEAT_WITHOUT_DUE,
    TaskCreate,
    TaskRead,
    TaskUpdate,
    due_before_start,
)
from crm_tui.services.common import (
    check_version,
    delete_rows,
    every,
    live_row,
    set_deleted,
    today,
    touch,
    utcnow,
)
from crm_tui.services.deals import check_deal
from crm_tui.services.team import member_names
from crm_tui.text import plural

POSITION_STEP = 1024.0


@dataclass(frozen=True)
class TaskQuery:
    """Filters for task lists; all optional, all combined."""

    status: str | None = None
    assignee_id: int | None = None
    project_id: int | None = None
    contact_id: int | None = None
    organization_id: int | None = None  # for any of its people
    deal_id: int | None = None
    due_before: date | None = None
    due_from: date | None = None  # due that day or later
    open_only: bool = False
    trash: bool = False
    done_since: datetime | None = None  # finished tasks only if completed since then


@dataclass(frozen=True)
class Violation:
    """``task_id`` starts before ``depends_on_id`` (which it waits for) is due to finish."""

    task_id: int
    depends_on_id: int
    starts: date
    blocker_ends: date


def early_starts_text(count: int, *, grouped: bool = False) -> str:
    """How the board and ``crm tasks list`` count the tasks starting too early."""
    return f"⚠ {plural(count, 'task', grouped=grouped)} starting before what it waits for"


# -- reading ------------------------------------------------------------------------------------

_COLUMNS: tuple[Any, ...] = (
    Task,
    col(Contact.name).label("contact_name"),
    col(Contact.email).label("contact_email"),
    col(Project.name).label("project_name"),
    col(Deal.title).label("deal_title"),
)


def _read_rows(session: Session, query: Select[Any]) -> list[TaskRead]:
    rows = session.execute(
        query.outerjoin(Contact, Contact.id == Task.contact_id)
        .outerjoin(Project, Project.id == Task.project_id)
        .outerjoin(Deal, Deal.id == Task.deal_id)
    ).all()
    ids = [row.Task.id for row in rows]
    depends = dependencies_of(session=session, task_ids=ids)
    members = member_names(session=session)
    return [
        _read(
            row.Task,
            (row.contact_name, row.contact_email, row.project_name, row.deal_title),
            depends,
            members,
        )
        for row in rows
    ]


def _read(
    task: Task,
    names: tuple[str | None, str | None, str | None, str | None],
    depends: dict[int, list[int]],
    members: dict[int, str],
) -> TaskRead:
    """``names``: the task's contact's name and email, its project's and deal's names;
    ``depends``: what each task waits for."""
    assert task.id is not None
    contact_name, contact_email, project_name, deal_title = names
    return TaskRead(
        id=task.id,
        title=task.title,
        description=task.description,
        status=task.status,
        priority=task.priority,
        start=task.start_date,
        due=task.due_date,
        progress=task.progress,
        milestone=task.milestone,
        estimate_hours=task.estimate_hours,
        position=task.position,
        assignee_id=task.assignee_id,
        assignee=members.get(task.assignee_id) if task.assignee_id else None,
        contact_id=task.contact_id,
        contact_name=contact_name,
        contact_email=contact_email or None,
        project_id=task.project_id,
        project=project_name,
        depends_on=sorted(depends.get(task.id, [])),
        source_interaction_id=task.source_interaction_id,
        completed_at=task.completed_at,
        created_at=task.created_at,
        deleted_at=task.deleted_at,
        version=task.version,
        updated_at=task.updated_at,
        created_by=members.get(task.created_by_id) if task.created_by_id else None,
        updated_by=members.get(task.updated_by_id) if task.updated_by_id else None,
        deal_id=task.deal_id,
        deal=deal_title,
        repeat=task.repeat,
        series_id=task.series_id,
    )


def dependencies_of(*, session: Session, task_ids: Sequence[int]) -> dict[int, list[int]]:
    """For each task, the ids of the live tasks it waits for."""
    found: dict[int, list[int]] = defaultdict(list)
    if not task_ids:
        return found
    rows = session.execute(
        select(TaskDependency.task_id, TaskDependency.depends_on_id)
        .join(Task, Task.id == TaskDependency.depends_on_id)
        .where(col(TaskDependency.task_id).in_(list(task_ids)), col(Task.deleted_at).is_(None))
    )
    for task_id, depends_on_id in rows:
        found[task_id].append(depends_on_id)
    return found


def get_task(*, session: Session, task_id: int) -> TaskRead:
    rows = _read_rows(session, select(*_COLUMNS).where(Task.id == task_id))
    if not rows:
        raise NotFoundError(f"no task with id {task_id}")
    return rows[0]


def _filtered(query: TaskQuery, base: Select[Any]) -> Select[Any]:
    deleted = col(Task.deleted_at)
    conditions = [deleted.is_not(None) if query.trash else deleted.is_(None)]
    if query.status:
        conditions.append(Task.status == query.status)
    if query.open_only:
        conditions.append(Task.status != TaskStatus.DONE.value)
    if query.assignee_id is not None:
        conditions.append(Task.assignee_id == query.assignee_id)
    if query.project_id is not None:
        conditions.append(Task.project_id == query.project_id)
    if query.contact_id is not None:
        conditions.append(Task.contact_id == query.contact_id)
    if query.organization_id is not None:
        people = select(Contact.id).where(Contact.organization_id == query.organization_id)
        conditions.append(col(Task.contact_id).in_(people))
    if query.deal_id is not None:
        conditions.append(Task.deal_id == query.deal_id)
    if query.due_before is not None:
        conditions.append(col(Task.due_date) < query.due_before)
    if query.due_from is not None:
        conditions.append(col(Task.due_date) >= query.due_from)
    if query.done_since is not None:
        conditions.append(
            (col(Task.status) != TaskStatus.DONE.value)
            | (col(Task.completed_at) >= query.done_since)
        )
    return base.where(every(*conditions))


def list_tasks(
    *, session: Session, query: TaskQuery = TaskQuery(), limit: int | None = None
) -> list[TaskRead]:
    """Tasks in board order (status, then position)."""
    statement = _filtered(query, select(*_COLUMNS)).order_by(Task.status, Task.position, Task.id)
    if limit is not None:
        statement = statement.limit(limit)
    return _read_rows(session, statement)


def tasks_by_date(
    *, session: Session, query: TaskQuery = TaskQuery(), limit: int | None = None
) -> list[TaskRead]:
    """Tasks in time order (start, then due), for the Gantt chart and agendas."""
    start = func.coalesce(Task.start_date, Task.due_date)
    statement = _filtered(query, select(*_COLUMNS)).order_by(
        col(Task.project_id), start, Task.due_date, Task.id
    )
    if limit is not None:
        statement = statement.limit(limit)
    return _read_rows(session, statement)


# -- writing ------------------------------------------------------------------------------------


def _next_position(session: Session, status: str) -> float:
    highest = session.scalar(
        select(func.max(Task.position)).where(Task.status == status, col(Task.deleted_at).is_(None))
    )
    return (highest or 0.0) + POSITION_STEP


def _check_references(session: Session, data: TaskCreate | TaskUpdate) -> None:
    contact_id, project_id = data.contact_id, data.project_id
    if contact_id is not None and not _is_live(session.get(Contact, contact_id)):
        raise ValidationError(f"no contact with id {contact_id}", field="contact_id")
    if project_id is not None and not _is_live(session.get(Project, project_id)):
        raise ValidationError(f"no project with id {project_id}", field="project_id")
    check_deal(session=session, deal_id=data.deal_id)


def _is_live(row: Contact | Project | Deal | None) -> bool:
    """``row`` is stored and out of the trash."""
    return row is not None and row.deleted_at is None


def _new_task(
    data: TaskCreate, position: float, now: datetime, actor_id: int | None, **also: Any
) -> Task:
    """The row of a new task as ``data`` says (``also``: columns set otherwise)."""
    values = {**data.model_dump(exclude={"depends_on"}), **also}
    values["status"] = data.status.value
    done = data.status is TaskStatus.DONE
    task = Task(
        **values,
        position=position,
        completed_at=now if done else None,
        created_at=now,
        updated_at=now,
        created_by_id=actor_id,
        updated_by_id=actor_id,
    )
    if done:
        task.progress = 100
    return task


def create_task(*, session: Session, data: TaskCreate, actor_id: int | None = None) -> TaskRead:
    _check_references(session, data)
    now = utcnow()
    task = _new_task(data, _next_position(session, data.status.value), now, actor_id)
    session.add(task)
    session.flush()
    assert task.id is not None
    if task.repeat:
        task.series_id = task.id  # the first of its series
    if data.depends_on:
        set_dependencies(session=session, task_id=task.id, depends_on=data.depends_on)
    return get_task(session=session, task_id=task.id)


def create_tasks_for(
    *, session: Session, data: TaskCreate, contact_ids: Sequence[int], actor_id: int | None = None
) -> list[int]:
    """One task like ``data`` for each of the (live) contacts ``contact_ids``, written in a
    few statements; their ids. What ``data`` names is checked once; it waits for nothing."""
    check_task_references(session=session, data=data)
    now, first = utcnow(), _next_position(session, data.status.value)
    tasks = [
        _new_task(data, first + i * POSITION_STEP, now, actor_id, contact_id=contact_id)
        for i, contact_id in enumerate(contact_ids)
    ]
    session.add_all(tasks)
    session.flush()
    for task in tasks:
        if task.repeat:
            task.series_id = task.id
    return [task.id for task in tasks if task.id is not None]


def check_task_references(*, session: Session, data: TaskCreate) -> None:
    """What a task made for each of many contacts names is there (its contact aside)."""
    if data.depends_on:
        raise ValidationError("a task made for each contact cannot wait for other tasks")
    _check_references(session, data.model_copy(update={"contact_id": None}))


def _describe(task: Task) -> str:
    return f"task {task.title!r} (#{task.id})"


def _apply_status(task: Task, status: str) -> bool:
    """Put ``task`` in ``status``; whether that finished it (it was not done before)."""
    if status == task.status:
        return False
    task.status = status
    if status == TaskStatus.DONE.value:
        task.completed_at = utcnow()
        task.progress = 100
        return True
    task.completed_at = None
    return False


def _finished(session: Session, task: Task, status: str, actor_id: int | None) -> None:
    """Put ``task`` in ``status``; a repeating task finished now makes its next one."""
    if _apply_status(task, status):
        continue_series(session=session, task=task, actor_id=actor_id)


def continue_series(*, session: Session, task: Task, actor_id: int | None = None) -> int | None:
    """The next task of ``task``'s series, made now: due on the rule's next day after this
    one's due (its start as far before), the rest copied, todo; its id, or None when the
    rule has no more or the next one exists already (someone finished this one too)."""
    if not task.repeat or task.due_date is None:
        return None
    found = next_after(task.repeat, task.due_date)
    if found is None:
        return None
    due, rule = found
    start = due - (task.due_date - task.start_date) if task.start_date else None
    now = utcnow()
    following = Task(
        title=task.title,
        description=task.description,
        priority=task.priority,
        start_date=start,
        due_date=due,
        milestone=task.milestone,
        estimate_hours=task.estimate_hours,
        assignee_id=task.assignee_id,
        contact_id=task.contact_id,
        project_id=task.project_id,
        deal_id=task.deal_id,
        repeat=rule,
        series_id=task.series_id or task.id,
        position=_next_position(session, TaskStatus.TODO.value),
        created_at=now,
        updated_at=now,
        created_by_id=actor_id,
        updated_by_id=actor_id,
    )
    try:
        with session.begin_nested():  # the series' one task a day (ux_task_series_due)
            session.add(following)
            session.flush()
    except IntegrityError:
        return None
    return following.id


def next_in_series(*, session: Session, task_id: int) -> TaskRead | None:
    """The live task of ``task_id``'s series due next after it, if any."""
    task = session.get(Task, task_id)
    if task is None or task.series_id is None or task.due_date is None:
        return None
    found = session.scalar(
        select(Task.id)
        .where(
            Task.series_id == task.series_id,
            col(Task.due_date) > task.due_date,
            col(Task.deleted_at).is_(None),
        )
        .order_by(Task.due_date)
        .limit(1)
    )
    return get_task(session=session, task_id=found) if found is not None else None


def skip_task(*, session: Session, task_id: int, actor_id: int | None = None) -> TaskRead | None:
    """Skip one time of a repeating task: its next one is made and this one goes to the
    trash (whence it can come back); the next one, or None when the rule has no more."""
    task = live_row(session=session, model=Task, row_id=task_id, what="task")
    if not task.repeat:
        raise ValidationError(f"task #{task_id} does not repeat: finish it or delete it")
    continue_series(session=session, task=task, actor_id=actor_id)
    set_deleted(session=session, model=Task, ids=[task_id], deleted_at=utcnow(), actor_id=actor_id)
    session.flush()
    return next_in_series(session=session, task_id=task_id)


def _editable(session: Session, task_id: int, expected_version: int | None) -> Task:
    """The live task, refused when it changed since ``expected_version`` (the newer one
    shown beside it)."""
    task = live_row(session=session, model=Task, row_id=task_id, what="task")
    check_version(
        task,
        expected_version,
        describe=_describe(task),
        current=lambda: get_task(session=session, task_id=task_id),
    )
    return task


def update_task(
    *,
    session: Session,
    task_id: int,
    changes: TaskUpdate,
    expected_version: int | None,
    actor_id: int | None = None,
) -> TaskRead:
    task = _editable(session, task_id, expected_version)
    _check_references(session, changes)
    values = changes.model_dump(exclude_unset=True)
    depends_on = values.pop("depends_on", None)
    status = values.pop("status", None)
    for name, value in values.items():
        setattr(task, name, value)
    if due_before_start(task.start_date, task.due_date):
        raise ValidationError(DUE_BEFORE_START, field="due_date")
    if task.repeat and task.due_date is None:
        raise ValidationError(REPEAT_WITHOUT_DUE, field="due_date")
    if task.repeat and task.series_id is None:
        task.series_id = task.id  # the first of its series from now
    if status is not None:
        if status != task.status:
            task.position = _next_position(session, str(status))
        _finished(session, task, str(status), actor_id)
    touch(task, actor_id=actor_id)
    session.flush()
    if depends_on is not None:
        set_dependencies(session=session, task_id=task_id, depends_on=depends_on)
    return get_task(session=session, task_id=task_id)


def complete_task(*, session: Session, task_id: int, actor_id: int | None = None) -> TaskRead:
    task = live_row(session=session, model=Task, row_id=task_id, what="task")
    _finished(session, task, TaskStatus.DONE.value, actor_id)
    touch(task, actor_id=actor_id)
    session.flush()
    return get_task(session=session, task_id=task_id)


def move_task(
    *,
    session: Session,
    task_id: int,
    status: str | None = None,
    offset: int = 0,
    expected_version: int | None = None,
    actor_id: int | None = None,
) -> TaskRead:
    """Move a card to another column (at its end) and/or ``offset`` places up or down."""
    task = live_row(session=session, model=Task, row_id=task_id, what="task")
    check_version(task, expected_version, describe=_describe(task))
    if status is not None and status != task.status:
        TaskStatus(status)  # refuses an unknown column
        task.position = _next_position(session, status)
        _finished(session, task, status, actor_id)
    if offset:
        _shift_position(session, task, offset)
    touch(task, actor_id=actor_id)
    session.flush()
    return get_task(session=session, task_id=task_id)


def _shift_position(session: Session, task: Task, offset: int) -> None:
    """Swap places with the card ``offset`` positions away in the same column."""
    column = col(Task.position)
    beyond = column < task.position if offset < 0 else column > task.position
    order = column.desc() if offset < 0 else column.asc()
    neighbours = session.scalars(
        select(Task)
        .where(Task.status == task.status, col(Task.deleted_at).is_(None), beyond)
        .order_by(order)
        .limit(abs(offset))
    ).all()
    if not neighbours:
        return
    target = neighbours[-1]
    following = session.scalar(
        select(Task.position)
        .where(
            Task.status == task.status,
            col(Task.deleted_at).is_(None),
            column < target.position if offset < 0 else column > target.position,
        )
        .order_by(order)
        .limit(1)
    )
    edge = (
        following
        if following is not None
        else target.position + (-POSITION_STEP if offset < 0 else POSITION_STEP)
    )
    task.position = (target.position + edge) / 2


def delete_tasks(*, session: Session, task_ids: Sequence[int], actor_id: int | None = None) -> int:
    return set_deleted(
        session=session, model=Task, ids=task_ids, deleted_at=utcnow(), actor_id=actor_id
    )


def restore_tasks(*, session: Session, task_ids: Sequence[int], actor_id: int | None = None) -> int:
    return set_deleted(
        session=session, model=Task, ids=task_ids, deleted_at=None, actor_id=actor_id
    )


# -- dependencies -------------------------------------------------------------------------------


def _edges(session: Session) -> dict[int, set[int]]:
    graph: dict[int, set[int]] = defaultdict(set)
    for task_id, depends_on_id in session.execute(
        select(TaskDependency.task_id, TaskDependency.depends_on_id)
    ):
        graph[task_id].add(depends_on_id)
    return graph


def _path(graph: dict[int, set[int]], start: int, goal: int) -> list[int] | None:
    """A chain of dependencies leading from ``start`` to ``goal``, if there is one."""
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    seen = {start}
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        for nxt in graph.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def set_dependencies(*, session: Session, task_id: int, depends_on: Sequence[int]) -> None:
    """Replace what ``task_id`` waits for; refuse self-references and cycles."""
    wanted = list(dict.fromkeys(depends_on))
    if task_id in wanted:
        raise ValidationError("a task cannot depend on itself", field="depends_on")
    for other in wanted:
        live_row(session=session, model=Task, row_id=other, what="task")
    delete_rows(
        session=session, model=TaskDependency, where=[col(TaskDependency.task_id) == task_id]
    )
    graph = _edges(session)
    for other in wanted:
        cycle = _path(graph, other, task_id)
        if cycle is not None:
            chain = " → ".join(f"#{node}" for node in [task_id, *cycle])
            raise ValidationError(
                f"that would make a cycle: {chain} (a task cannot wait for itself)",
                field="depends_on",
            )
        graph[task_id].add(other)
    if wanted:
        session.execute(
            insert(TaskDependency),
            [{"task_id": task_id, "depends_on_id": other} for other in wanted],
        )


def _end(task: Task | TaskRead) -> date | None:
    if isinstance(task, Task):
        return task.due_date or task.start_date
    return task.due or task.start


def _begin(task: Task | TaskRead) -> date | None:
    if isinstance(task, Task):
        return task.start_date or task.due_date
    return task.start or task.due


def violations(tasks: Sequence[TaskRead]) -> list[Violation]:
    """Dependencies broken among ``tasks``: a task starting before its blocker ends."""
    by_id = {task.id: task for task in tasks}
    found = []
    for task in tasks:
        starts = _begin(task)
        for other_id in task.depends_on:
            other = by_id.get(other_id)
            ends = _end(other) if other else None
            if starts and ends and other and other.status != TaskStatus.DONE and starts <= ends:
                found.append(Violation(task.id, other_id, starts, ends))
    return found


def dependants(*, session: Session, task_id: int) -> list[int]:
    """Every task that waits, directly or through others, for ``task_id``."""
    reverse: dict[int, set[int]] = defaultdict(set)
    for waiting, blocker in session.execute(
        select(TaskDependency.task_id, TaskDependency.depends_on_id)
    ):
        reverse[blocker].add(waiting)
    found: list[int] = []
    frontier = [task_id]
    while frontier:
        node = frontier.pop()
        for nxt in sorted(reverse.get(node, ())):
            if nxt not in found and nxt != task_id:
                found.append(nxt)
                frontier.append(nxt)
    return found


def reschedule_task(
    *,
    session: Session,
    task_id: int,
    shift_days: int = 0,
    stretch_days: int = 0,
    push_dependants: bool = False,
    actor_id: int | None = None,
) -> list[TaskRead]:
    """Move a task's dates by ``shift_days`` and/or its end by ``stretch_days``.

    With ``push_dependants`` every task that waits for it and would now start too early is
    moved later by just enough, recursively. Returns every task that changed (none when
    the dates stay as they were).
    """
    task = live_row(session=session, model=Task, row_id=task_id, what="task")
    start, due = task.start_date, task.due_date
    if start is None and due is None:
        raise ValidationError(f"{_describe(task)} has no dates to move; set a start or due date")
    try:
        return _shift(session, task, shift_days, stretch_days, push_dependants, actor_id)
    except (OverflowError, DateError):  # a row stored out of range by an older version
        what = _describe(task)
        raise ValidationError(f"{what} cannot move: crm keeps dates from 1900 to 2200") from None


def _shift(
    session: Session,
    task: Task,
    shift_days: int,
    stretch_days: int,
    push_dependants: bool,
    actor_id: int | None,
) -> list[TaskRead]:
    start, due = task.start_date, task.due_date
    task_id = task.id
    assert task_id is not None
    delta = timedelta(days=shift_days)
    if start is not None:
        task.start_date = start + delta
    if due is not None:
        task.due_date = due + delta + timedelta(days=stretch_days)
        if due_before_start(task.start_date, task.due_date):  # shortened past its start
            task.due_date = task.start_date
    elif stretch_days:
        task.due_date = (task.start_date or today()) + timedelta(days=stretch_days)
    if (task.start_date, task.due_date) == (start, due):  # e.g. a one-day task shortened
        return []
    for day in (task.start_date, task.due_date):
        if day is not None:
            check_day(day)
    touch(task, actor_id=actor_id)
    changed = [task_id]
    if push_dependants:
        changed += _push(session, task, actor_id)
    session.flush()
    return [get_task(session=session, task_id=i) for i in changed]


def _push(session: Session, blocker: Task, actor_id: int | None) -> list[int]:
    moved: list[int] = []
    end = _end(blocker)
    waiting = session.scalars(
        select(Task)
        .join(TaskDependency, TaskDependency.task_id == Task.id)
        .where(TaskDependency.depends_on_id == blocker.id, col(Task.deleted_at).is_(None))
    ).all()
    for task in waiting:
        begin = _begin(task)
        if end is None or begin is None or begin > end:
            continue
        delta = (end - begin) + timedelta(days=1)
        task.start_date = task.start_date + delta if task.start_date else None
        task.due_date = task.due_date + delta if task.due_date else None
        touch(task, actor_id=actor_id)
        assert task.id is not None
        moved.append(task.id)
        moved += [i for i in _push(session, task, actor_id) if i not in moved]
    return moved


# -- follow-ups ---------------------------------------------------------------------------------


def create_follow_up(
    *,
    session: Session,
    interaction_id: int,
    due: date,
    title: str = "",
    assignee_id: int | None = None,
    actor_id: int | None = None,
) -> TaskRead:
    """A task to follow up on an interaction, for its contact, linked back to it."""
    interaction = live_row(
        session=session, model=Interaction, row_id=interaction_id, what="interaction"
    )
    contact = session.get(Contact, interaction.contact_id) if interaction.contact_id else None
    subject = interaction.subject or interaction.body.split("\n", 1)[0][:60]
    default = f"Follow up with {contact.name}" if contact else "Follow up"
    if subject:
        default += f": {subject}"
    data = TaskCreate.build(
        title=title or default,
        due_date=due,
        contact_id=contact.id if contact else None,
        assignee_id=assignee_id if assignee_id is not None else actor_id,
        source_interaction_id=interaction_id,
        deal_id=_live_deal(session, interaction.deal_id),
    )
    return create_task(session=session, data=data, actor_id=actor_id)


def _live_deal(session: Session, deal_id: int | None) -> int | None:
    """``deal_id`` if that deal is out of the trash (a follow-up is not about a deal
    thrown away)."""
    return deal_id if deal_id is not None and _is_live(session.get(Deal, deal_id)) else None


def create_deal_follow_up(
    *,
    session: Session,
    deal_id: int,
    due: date | None,
    title: str = "",
    actor_id: int | None = None,
) -> TaskRead:
    """The next step on a deal: a task about it, for its contact, given to its owner (else
    to whoever adds it)."""
    deal = live_row(session=session, model=Deal, row_id=deal_id, what="deal")
    contact = session.get(Contact, deal.contact_id) if deal.contact_id else None
    data = TaskCreate.build(
        title=title or f"Follow up: {deal.title}",
        due_date=due,
        contact_id=deal.contact_id if _is_live(contact) else None,
        assignee_id=deal.owner_id if deal.owner_id is not None else actor_id,
        deal_id=deal_id,
    )
    return create_task(session=session, data=data, actor_id=actor_id)


def _open_follow_ups(query: Select[Any], due_before: date | None) -> Select[Any]:
    """Live, unfinished tasks made from an interaction; with ``due_before``, only those due
    before it or undated (nothing says they can wait)."""
    query = query.where(
        col(Task.source_interaction_id).is_not(None),
        col(Task.deleted_at).is_(None),
        Task.status != TaskStatus.DONE.value,
    )
    if due_before is not None:
        query = query.where(col(Task.due_date).is_(None) | (col(Task.due_date) < due_before))
    return query


def list_follow_ups(
    *,
    session: Session,
    due_before: date | None = None,
    contact_id: int | None = None,
    interaction_id: int | None = None,
    limit: int | None = None,
) -> list[TaskRead]:
    """Open follow-ups: undated ones first (nothing says they can wait, and an agenda that
    lists the dated ones by day lists these nowhere else), then the earliest due;
    ``contact_id`` and ``interaction_id`` narrow them to one contact or one interaction."""
    query = _open_follow_ups(select(*_COLUMNS), due_before)
    if contact_id is not None:
        query = query.where(Task.contact_id == contact_id)
    if interaction_id is not None:
        query = query.where(Task.source_interaction_id == interaction_id)
    query = query.order_by(col(Task.due_date).is_not(None), Task.due_date, Task.id)
    if limit is not None:
        query = query.limit(limit)
    return _read_rows(session, query)


def count_follow_ups(*, session: Session, due_before: date | None = None) -> int:
    """How many open follow-ups ``list_follow_ups`` would list without a limit."""
    counted = _open_follow_ups(select(func.count()).select_from(Task), due_before)
    return session.scalar(counted) or 0


def complete_follow_ups(
    *, session: Session, task_ids: Sequence[int], actor_id: int | None = None
) -> list[TaskRead]:
    """Mark the follow-ups done that are still open (one finished or deleted meanwhile,
    by someone else, is left as it is); returns those marked now."""
    done = []
    for task in session.scalars(
        select(Task).where(
            col(Task.id).in_(list(task_ids)),
            col(Task.deleted_at).is_(None),
            Task.status != TaskStatus.DONE.value,
        )
    ):
        _finished(session, task, TaskStatus.DONE.value, actor_id)
        touch(task, actor_id=actor_id)
        done.append(task.id)
    session.flush()
    return [get_task(session=session, task_id=task_id) for task_id in done]


def reschedule_follow_up(
    *,
    session: Session,
    task_id: int,
    due: date,
    expected_version: int | None = None,
    actor_id: int | None = None,
) -> TaskRead:
    """Give a follow-up another due date (a start after it moves back to it)."""
    task = _editable(session, task_id, expected_version)
    task.due_date = check_day(due)
    if task.start_date is not None and task.start_date > due:
        task.start_date = due
    touch(task, actor_id=actor_id)
    session.flush()
    return get_task(session=session, task_id=task_id)
