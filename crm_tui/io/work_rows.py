"""Rows of interactions and tasks from CSV: columns found by name, values checked.

Contacts are referred to by id or email (``contact_id``, ``contact_email``, ``email`` or
``contact``); the import service resolves them against the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from crm_tui.dates import DateError, parse_day, parse_when
from crm_tui.errors import FieldErrors
from crm_tui.io.contact_rows import RowError, restore
from crm_tui.schemas import InteractionCreate, TaskCreate
from crm_tui.text import fold, strip_control

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
            value = restore(strip_control(cells[columns[name]]).strip())
            if value:
                return value
    return ""


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
        return date.fromisoformat(raw)
    except ValueError:
        try:
            return parse_day(raw)
        except DateError:
            raise ValueError(f"not a date: {raw!r}") from None


def interaction_row(line: int, cells: list[str], header: list[str]) -> WorkRow | RowError:
    columns = _columns(header)
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
        return RowError(line, str(error), cells)
    if not contact:
        return RowError(line, "no contact (a contact_id or contact_email column)", cells)
    values["resolved_at"] = resolved
    return WorkRow(line, values, contact=contact)


def task_row(line: int, cells: list[str], header: list[str]) -> WorkRow | RowError:
    columns = _columns(header)
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
        return RowError(line, str(error), cells)
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
