"""Writing exports: CSV (formula-safe), JSON, vCard 4.0, iCalendar (VEVENT and VTODO)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from crm_tui.entities import Entity, Field, Kind
from crm_tui.errors import ValidationError
from crm_tui.io.contact_rows import FORMULA_STARTS

if TYPE_CHECKING:
    from crm_tui.schemas import AppointmentRead, TaskRead


@contextmanager
def written_file(path: Path, *, binary: bool = False) -> Iterator[Any]:
    """A file to export into: written whole, then renamed into place, readable by its owner
    only (it holds customer data, like the database it copies). A device or a pipe
    (``/dev/null``) is written as it is: renaming a file over it would replace it."""
    if not path.parent.is_dir():
        raise ValidationError(f"cannot write {path}: no folder {path.parent}")
    if path.is_dir():
        raise ValidationError(f"cannot write {path}: it is a folder; name a file in it")
    if path.exists() and not path.is_file():
        text: dict[str, Any] = {} if binary else {"newline": "", "encoding": "utf-8"}
        with path.open("wb" if binary else "w", **text) as stream:
            yield stream
        return
    from crm_tui.io.backup import partial_path, private_file

    try:
        partial = private_file(partial_path(path))
    except OSError as error:  # a folder crm may not create in (/proc): say the file asked for
        raise ValidationError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        if binary:
            with partial.open("wb") as raw:
                yield raw
        else:
            with partial.open("w", newline="", encoding="utf-8") as handle:
                yield handle
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def write_csv(out: IO[str], header: list[str], rows: Iterable[list[Any]]) -> int:
    """Rows as CSV; a cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) gets a
    leading apostrophe (OWASP's advice), which ``crm import`` removes again. The header's
    too: the rejected rows of an import carry the header of a file from outside."""
    writer = csv.writer(out)
    risky = FORMULA_STARTS
    writer.writerow(["'" + v if v and v[0] in risky else v for v in header])
    count = 0
    for row in rows:
        writer.writerow(["'" + v if v and v.__class__ is str and v[0] in risky else v for v in row])
        count += 1
    return count


# The columns of the CSV exports that hold a day or a time (see ``in_jalali``).
DATED_COLUMNS = frozenset(
    {"birthday", "last_contacted_at", "created_at", "updated_at"}
    | {"occurred_at", "resolved_at", "start", "due"}
    | {"expected_close", "closed_at"}
)


def in_jalali(header: list[str], rows: Iterable[list[Any]]) -> Iterable[list[Any]]:
    """``rows`` of a CSV export with its dates and times in the Jalali calendar, for people
    to read (``--calendar jalali``); machines get the ISO Gregorian export."""
    from crm_tui.display import jalali_cell

    dated = [i for i, name in enumerate(header) if name in DATED_COLUMNS]
    for row in rows:
        for i in dated:
            row[i] = jalali_cell(str(row[i]))
        yield row


def write_json(out: IO[str], items: Iterable[Any]) -> int:
    """One JSON array, written item by item (stable keys, Unicode kept readable)."""
    out.write("[")
    count = 0
    for item in items:
        data = item.model_dump(mode="json") if hasattr(item, "model_dump") else item
        out.write(
            ("," if count else "") + "\n  " + json.dumps(data, ensure_ascii=False, default=str)
        )
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def entity_columns(entity: Entity) -> list[str]:
    """An entity's CSV columns: its id, then each exported field's; a contact by id, then
    by name (for people reading it) and email (what another database finds it by)."""
    columns = ["id"]
    for field in entity.exported:
        columns += (
            [str(field.exported_as), "contact", "contact_email"]
            if field.kind is Kind.CONTACT
            else [str(field.exported_as)]
        )
    return columns


def _cells(field: Field, item: Any) -> list[Any]:
    """``field``'s cells in a CSV row of ``item``, a read model."""
    value = getattr(item, field.read_as)
    if field.kind is Kind.CONTACT:
        return [value or "", item.contact_name or "", item.contact_email or ""]
    if field.kind is Kind.MONEY:  # the amount as a decimal, its currency in its own column
        from crm_tui.money import Money  # Babel: for an export of deals only

        return [str(Money(value, item.currency).amount)]
    written = _CELL.get(field.kind)
    return [written(value) if written else value or ""]


def _tags_cell(value: list[str]) -> str:
    from crm_tui.records import tags_text

    return tags_text(value)


# How a field of each kind is written in its one cell (the others: as it is, or "").
_CELL: dict[Kind, Callable[[Any], Any]] = {
    Kind.MOMENT: lambda value: value.isoformat() if value else "",
    Kind.DATE: lambda value: value.isoformat() if value else "",
    Kind.FLAG: lambda value: "yes" if value else "",
    Kind.WAITS_FOR: lambda value: " ".join(str(i) for i in value),
    Kind.TAGS: _tags_cell,
    Kind.WHOLE: lambda value: value,
    Kind.PERCENT: lambda value: value,
    Kind.CUSTOM: lambda value: json.dumps(value, ensure_ascii=False) if value else "",
}


def entity_rows(entity: Entity, items: Iterable[Any]) -> Iterable[list[Any]]:
    """``items`` (read models of ``entity``) as CSV rows under ``entity_columns``."""
    fields = entity.exported
    for item in items:
        yield [item.id, *(cell for field in fields for cell in _cells(field, item))]


def write_records(
    out: IO[str], entity: Entity, items: Iterable[Any], *, fmt: str, jalali: bool = False
) -> int:
    """``items`` (read models of ``entity``) as ``fmt``: CSV under the declared columns
    (with ``jalali``, its days and times in the Jalali calendar, see ``in_jalali``), or
    JSON. Returns how many were written."""
    if fmt != "csv":
        return write_json(out, items)
    columns = entity_columns(entity)
    rows = entity_rows(entity, items)
    return write_csv(out, columns, in_jalali(columns, rows) if jalali else rows)


_ICAL_STATUS = {
    "todo": "NEEDS-ACTION",
    "doing": "IN-PROCESS",
    "blocked": "NEEDS-ACTION",
    "done": "COMPLETED",
}
_ICAL_PRIORITY = {0: 9, 1: 5, 2: 3, 3: 1}  # RFC 5545: 1 highest, 9 lowest, 0 undefined


def task_uid(task: TaskRead) -> str:
    return f"task-{task.id}-{int(task.created_at.timestamp())}@crm-tui"


def _add_rule(todo: Any, task: TaskRead) -> None:
    """A repeating task's rule, on the series' open time (a rule reckons from a start: the
    due day when it has none)."""
    if task.repeat and task.status != "done":
        from icalendar import vRecur

        if not task.start:
            todo.add("dtstart", task.due)
        todo.add("rrule", vRecur.from_ical(task.repeat))


def tasks_ics(tasks: Iterable[TaskRead]) -> bytes:
    """Tasks as an iCalendar file of VTODOs (RFC 5545); dependencies as RELATED-TO, a
    repeating task's rule as RRULE."""
    return calendar_ics([], tasks, name="tasks")


def calendar_ics(
    appointments: Iterable[AppointmentRead], tasks: Iterable[TaskRead], *, name: str = "calendar"
) -> bytes:
    """Appointments as VEVENTs and tasks as VTODOs, in one iCalendar file (RFC 5545) that
    calendar apps open or subscribe to; times in UTC, each record under a UID that stays."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", f"-//crm-tui//{name}//EN")
    calendar.add("version", "2.0")
    stamp = datetime.now(UTC)
    for appointment in appointments:
        calendar.add_component(_event(appointment, stamp))
    tasks = list(tasks)
    uids = {task.id: task_uid(task) for task in tasks}
    for task in tasks:
        calendar.add_component(_todo(task, uids, stamp))
    return calendar.to_ical()


def _event(appointment: AppointmentRead, stamp: datetime) -> Any:
    from icalendar import Event

    event = Event()
    event.add("uid", appointment.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    event.add("summary", appointment.title)
    if appointment.place:
        event.add("location", appointment.place)
    if appointment.notes:
        event.add("description", appointment.notes)
    event.add("categories", [appointment.channel])
    event.add("status", "CONFIRMED")
    for name in appointment.contacts:
        event.add("x-crm-contact", name)
    for name in appointment.members:
        event.add("x-crm-member", name)
    return event


def _todo(task: TaskRead, uids: dict[int, str], stamp: datetime) -> Any:
    from icalendar import Todo

    todo = Todo()
    todo.add("uid", uids[task.id])
    todo.add("dtstamp", stamp)
    todo.add("summary", task.title)
    if task.description:
        todo.add("description", task.description)
    if task.start:
        todo.add("dtstart", task.start)
    if task.due:
        todo.add("due", task.due)
    _add_rule(todo, task)
    todo.add("status", _ICAL_STATUS[task.status])
    todo.add("percent-complete", task.progress)
    todo.add("priority", _ICAL_PRIORITY.get(task.priority, 0))
    if task.completed_at:
        todo.add("completed", task.completed_at)
    categories = [c for c in (task.project, "milestone" if task.milestone else "") if c]
    if categories:
        todo.add("categories", categories)
    if task.assignee:
        todo.add("x-crm-assignee", task.assignee)
    if task.contact_name:
        todo.add("x-crm-contact", task.contact_name)
    for other in task.depends_on:
        if other in uids:
            todo.add("related-to", uids[other], parameters={"RELTYPE": "DEPENDS-ON"})
    return todo
