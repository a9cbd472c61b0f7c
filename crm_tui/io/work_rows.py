"""Rows of interactions and tasks from CSV or JSON: columns found by name, values checked.

Contacts are referred to by id or email (``contact_id``, ``contact_email``, ``email`` or
``contact``); the import service resolves them against the database. A JSON file is an
array of objects, as ``crm export interactions|tasks --format json`` writes: each object's
keys are read as a CSV row's columns (what the export adds that is not imported, such as
``version``, is left out as an unknown column is).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from crm_tui.dates import DateError, jalali_year, parse_day, parse_when
from crm_tui.errors import FieldErrors, ValidationError
from crm_tui.io.contact_rows import RowError, restore
from crm_tui.io.csv_reader import shorten_quoted
from crm_tui.io.json_contacts import json_array
from crm_tui.schemas import InteractionCreate, TaskCreate
from crm_tui.text import fold, strip_control
from crm_tui.vocabulary import ImportKind

_TRUE = {"1", "yes", "y", "true", "x", "ja", "oui", "بله"}
CONTACT_COLUMNS = ("contact_id", "contact_email", "email", "contact")


@dataclass
class WorkRow:
    """One interaction or task to create; ``contact`` is resolved by the import service."""

    line: int
    values: dict[str, Any]
    contact: str = ""
    file_id: str = ""  # the row's own id column, for dependencies between imported tasks
    depends_on: list[str] = field(default_factory=list)
    project: str = ""
    assignee: str = ""


def _columns(header: list[str]) -> dict[str, int]:
    return {re.sub(r"[\s\-]+", "_", fold(name).strip()): index for index, name in enumerate(header)}


def _get(cells: list[str], columns: dict[str, int], *names: str) -> str:
    for name in names:
        if name in columns:
            value = strip_control(cells[columns[name]]).strip()
            if value:
                return value
    return ""


def _readable(cells: list[str], from_csv: bool) -> list[str]:
    """The cells' values: a CSV cell's apostrophe against formulas (see ``crm export``)
    comes off; JSON never gets one, so its text is taken as it is."""
    return [restore(strip_control(cell).strip()) for cell in cells] if from_csv else cells


def _contact(cells: list[str], columns: dict[str, int]) -> str:
    for name in CONTACT_COLUMNS:
        value = _get(cells, columns, name)
        if value and (name != "contact" or "@" in value or value.lstrip("#").isdigit()):
            return value
    return ""


def _moment(raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        if jalali_year(raw):
            raise ValueError(raw)
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        try:
            return parse_when(raw)
        except DateError:
            raise ValueError(f"not a date and time: {raw!r}") from None
    return parsed if parsed.tzinfo else parsed.astimezone()


def _day(raw: str) -> date | None:
    if not raw:
        return None
    try:
        if jalali_year(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        try:
            return parse_day(raw)
        except DateError:
            raise ValueError(f"not a date: {raw!r}") from None


def interaction_row(
    line: int, cells: list[str], header: list[str], *, from_csv: bool = True
) -> WorkRow | RowError:
    columns = _columns(header)
    given, cells = cells, _readable(cells, from_csv)
    contact = _contact(cells, columns)
    try:
        occurred = _moment(_get(cells, columns, "occurred_at", "when", "date", "time"))
        resolved = _moment(_get(cells, columns, "resolved_at"))
        values = {
            "contact_ids": [0],
            "occurred_at": occurred or datetime.now(UTC),
            "channel": _get(cells, columns, "channel", "type") or "note",
            "direction": _get(cells, columns, "direction") or "out",
            "subject": _get(cells, columns, "subject", "title", "summary"),
            "body": _get(cells, columns, "body", "notes", "note", "text", "description"),
            "sentiment": _get(cells, columns, "sentiment", "outcome") or None,
            "complaint": _get(cells, columns, "complaint").lower() in _TRUE,
        }
        InteractionCreate.build(**values)
    except (ValueError, FieldErrors) as error:
        return RowError(line, str(error), given)
    if not contact:
        return RowError(line, "no contact (a contact_id or contact_email column)", given)
    values["resolved_at"] = resolved
    return WorkRow(line, values, contact=contact)


def task_row(
    line: int, cells: list[str], header: list[str], *, from_csv: bool = True
) -> WorkRow | RowError:
    columns = _columns(header)
    given, cells = cells, _readable(cells, from_csv)
    try:
        progress = _get(cells, columns, "progress", "percent")
        priority = _get(cells, columns, "priority")
        estimate = _get(cells, columns, "estimate_hours", "estimate")
        values = {
            "title": _get(cells, columns, "title", "task", "summary", "name"),
            "status": _get(cells, columns, "status") or "todo",
            "priority": int(priority) if priority else 1,
            "start_date": _day(_get(cells, columns, "start", "start_date")),
            "due_date": _day(_get(cells, columns, "due", "due_date", "deadline")),
            "progress": int(float(progress)) if progress else 0,
            "milestone": _get(cells, columns, "milestone").lower() in _TRUE,
            "estimate_hours": float(estimate) if estimate else None,
            "description": _get(cells, columns, "description", "notes"),
        }
        TaskCreate.build(**values)
    except (ValueError, FieldErrors) as error:
        return RowError(line, str(error), given)
    depends = _get(cells, columns, "depends_on", "after", "waits_for")
    return WorkRow(
        line,
        values,
        contact=_contact(cells, columns),
        file_id=_get(cells, columns, "id"),
        depends_on=re.findall(r"[^\s,;]+", depends),
        project=_get(cells, columns, "project"),
        assignee=_get(cells, columns, "assignee", "owner", "assigned_to"),
    )


# -- JSON ---------------------------------------------------------------------------------------


def json_work_rows(
    path: Path, kind: ImportKind, *, name: str | None = None
) -> list[WorkRow | RowError]:
    """The rows of a JSON array of interactions or tasks (``kind``), each object read as a
    CSV row whose columns are its keys; a bad object is a ``RowError`` at the line it
    starts on, holding the object as its one cell (for ``--rejects``). ``name``: what
    messages call the file (default: its path)."""
    shown = name or str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValidationError(f"cannot read {shown}: {error.strerror}") from None
    read: Callable[..., WorkRow | RowError] = (
        interaction_row if kind is ImportKind.INTERACTIONS else task_row
    )
    rows: list[WorkRow | RowError] = []
    for line, item in json_array(data, shown, kind):
        whole = [json.dumps(item, ensure_ascii=False)]
        if not isinstance(item, dict):
            got = "a list" if isinstance(item, list) else "null" if item is None else whole[0]
            reason = f"expected an object for {kind.entity}, got {got}"
            rows.append(RowError(line, shorten_quoted(reason), whole))
            continue
        row = read(line, [_cell(value) for value in item.values()], list(item), from_csv=False)
        if isinstance(row, RowError):
            row.cells = whole
        rows.append(row)
    return rows


def _cell(value: Any) -> str:
    """A JSON value as the CSV export writes it: "yes" or blank for true or false, a list
    (``depends_on``) as its items separated by spaces, nothing for null."""
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    if isinstance(value, list):
        return " ".join(_cell(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
