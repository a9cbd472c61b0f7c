"""Rows of interactions, tasks and deals from CSV or JSON: columns found by name, values
checked.

Contacts are referred to by id or email (``contact_id``, ``contact_email``, ``email`` or
``contact``); the import service resolves them against the database. A JSON file is an
array of objects, as ``crm export interactions|tasks --format json`` writes: each object's
keys are read as a CSV row's columns (what the export adds that is not imported, such as
``version``, is left out as an unknown column is). A deal's value is an amount in its
currency ("1,200.50"), or whole minor units under ``value_minor`` (as its JSON export
writes it); its pipeline, stage, lost reason and owner are names the service resolves.
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
from crm_tui.entities import CONTACT_REFERENCES, DEAL, INTERACTION, TASK, Entity, Kind
from crm_tui.errors import CrmError, FieldErrors, ValidationError
from crm_tui.io.contact_rows import RowError, restore
from crm_tui.io.csv_reader import shorten_quoted
from crm_tui.io.json_contacts import item_places, json_array
from crm_tui.records import split_tags
from crm_tui.schemas import DealCreate, InteractionCreate, TaskCreate
from crm_tui.text import fold, strip_control
from crm_tui.vocabulary import DEFAULT_CURRENCY, ImportKind

_TRUE = {"1", "yes", "y", "true", "x", "ja", "oui", "بله"}


@dataclass
class WorkRow:
    """One interaction, task or deal to create; ``contact`` is resolved by the import
    service, and so are ``named`` (a deal's fields that a file names: the stage…, by the
    field's name). ``cells``: as the file has them, for a rejects file when the service
    refuses the row."""

    line: int
    values: dict[str, Any]
    contact: str = ""
    file_id: str = ""  # the row's own id column, for dependencies between imported tasks
    depends_on: list[str] = field(default_factory=list)
    project: str = ""
    assignee: str = ""
    named: dict[str, str] = field(default_factory=dict)
    cells: list[str] = field(default_factory=list)
    # The contact's name beside its id, as crm's exports write it: a file of another
    # database names other contacts by the same ids, and the name tells them apart.
    contact_name: str = ""
    # The contact's id where the row names it by email too: who it is, should no contact
    # have that email here (changed since the file was written).
    contact_id: str = ""
    place: str = ""  # "item N: " where the line alone does not tell it (``item_places``)

    def refused(self, reason: str) -> RowError:
        """The row refused for ``reason``, named as the file's reader names its errors."""
        return RowError(self.line, self.place + reason, self.cells)


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


def _contact(cells: list[str], columns: dict[str, int]) -> dict[str, str]:
    """How a row names its contact, as ``WorkRow`` holds it: ``contact``, by email where it
    gives one (the same person in another database), else by id; ``contact_id``, the id
    beside an email; ``contact_name``, the name beside them (CSV exports: ``contact``; JSON:
    ``contact_name``), not an id or an email."""
    found = []
    for name in CONTACT_REFERENCES:
        value = _get(cells, columns, name)
        if value and (name != "contact" or "@" in value or value.lstrip("#").isdigit()):
            found.append(value)
    email = next((ref for ref in found if "@" in ref), "")
    by_id = next((ref for ref in found if "@" not in ref), "")
    named = _get(cells, columns, "contact_name", "contact")
    return {
        "contact": email or by_id,
        "contact_id": by_id if email else "",
        "contact_name": "" if "@" in named or named.lstrip("#").isdigit() else named,
    }


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


def _deal(raw: str) -> int:
    number = raw.strip().lstrip("#")
    if not number.isdigit() or not 0 < int(number) < 2**63:
        raise ValueError(f"not a deal's id: {raw!r}")
    return int(number)


# How a cell becomes a field's value, by its kind; a blank cell leaves a field of these
# kinds to its default (text and choices are read as written, blank or not).
_READ: dict[Kind, Callable[[str], Any]] = {
    Kind.MOMENT: _moment,
    Kind.DATE: _day,
    Kind.WHOLE: int,
    Kind.PERCENT: lambda raw: int(float(raw)),
    Kind.HOURS: float,
    Kind.DEAL: _deal,  # checked to be stored by the import service
}
# The kinds a row names something by, resolved by the import service (``WorkRow``).
_NAMED = frozenset({Kind.CONTACT, Kind.MEMBER, Kind.PROJECT, Kind.WAITS_FOR, Kind.LISTED})


def _values(entity: Entity, cells: list[str], columns: dict[str, int]) -> dict[str, Any]:
    """The values of ``entity``'s imported fields in a row, by the create model's names;
    a date or a time that is not one raises ValueError."""
    values: dict[str, Any] = {}
    for declared in entity.imported:
        if declared.kind in _NAMED:
            continue
        raw = _get(cells, columns, *declared.column_names)
        if declared.kind is Kind.FLAG:
            values[declared.name] = raw.lower() in _TRUE
        elif declared.kind is Kind.TAGS:
            values[declared.name] = split_tags(raw)
        elif declared.kind is Kind.CUSTOM:
            values[declared.name] = _custom(raw)
        elif declared.kind in (Kind.MOMENT, Kind.DATE):
            values[declared.name] = _READ[declared.kind](raw)
        elif declared.kind in _READ:
            if raw:
                values[declared.name] = _READ[declared.kind](raw)
        elif raw or declared.kind is not Kind.CHOICE:
            values[declared.name] = raw
    return values


def _custom(raw: str) -> dict[str, Any]:
    """Custom fields as a JSON export holds them: an object of names and values."""
    if not raw:
        return {}
    try:
        found = json.loads(raw)
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise ValueError(f"custom is an object of names and values, not {raw[:40]!r}")
    return found


def _named(entity: Entity, kind: Kind, cells: list[str], columns: dict[str, int]) -> str:
    """What a row's cell names as ``entity``'s field of ``kind`` (a project, an assignee)."""
    (declared,) = entity.of_kind(kind)
    return _get(cells, columns, *declared.column_names)


def _checked(model: Any, values: dict[str, Any]) -> None:
    """Check ``values`` as the create model will (what it does not take is left out)."""
    model.build(**{name: value for name, value in values.items() if name in model.model_fields})


def interaction_row(
    line: int, cells: list[str], header: list[str], *, from_csv: bool = True
) -> WorkRow | RowError:
    columns = _columns(header)
    given, cells = cells, _readable(cells, from_csv)
    contact = _contact(cells, columns)
    try:
        values = {"contact_ids": [0], **_values(INTERACTION, cells, columns)}
        values["occurred_at"] = values["occurred_at"] or datetime.now(UTC)  # logged now
        _checked(InteractionCreate, values)
    except (ValueError, FieldErrors) as error:
        return RowError(line, str(error), given)
    if not contact["contact"]:
        return RowError(line, "no contact (a contact_id or contact_email column)", given)
    return WorkRow(line, values, cells=given, **contact)


def task_row(
    line: int, cells: list[str], header: list[str], *, from_csv: bool = True
) -> WorkRow | RowError:
    columns = _columns(header)
    given, cells = cells, _readable(cells, from_csv)
    try:
        values = _values(TASK, cells, columns)
        _checked(TaskCreate, values)
    except (ValueError, FieldErrors) as error:
        return RowError(line, str(error), given)
    return WorkRow(
        line,
        values,
        file_id=_get(cells, columns, "id"),
        depends_on=re.findall(r"[^\s,;]+", _named(TASK, Kind.WAITS_FOR, cells, columns)),
        project=_named(TASK, Kind.PROJECT, cells, columns),
        assignee=_named(TASK, Kind.MEMBER, cells, columns),
        cells=given,
        **_contact(cells, columns),
    )


def deal_row(
    line: int, cells: list[str], header: list[str], *, from_csv: bool = True
) -> WorkRow | RowError:
    columns = _columns(header)
    given, cells = cells, _readable(cells, from_csv)
    try:
        values = _values(DEAL, cells, columns)
        values["currency"] = values.get("currency") or DEFAULT_CURRENCY
        values["value_minor"] = _minor(cells, columns, values["currency"])
        _checked(DealCreate, values)
    except (ValueError, CrmError) as error:
        return RowError(line, str(error), given)
    named = {
        declared.name: _get(cells, columns, *declared.column_names)
        for declared in DEAL.of_kind(Kind.LISTED, Kind.MEMBER)
    }
    return WorkRow(line, values, named=named, cells=given, **_contact(cells, columns))


def _minor(cells: list[str], columns: dict[str, int], currency: str) -> int:
    """A deal's value in whole minor units: ``value_minor`` as written (a JSON export's),
    else the amount under ``value`` read as people write it; none is 0."""
    from crm_tui.money import parse_amount

    raw = _get(cells, columns, "value_minor")
    if raw:
        if not raw.isdigit():
            raise ValueError(f"value_minor is whole minor units, not {raw!r}")
        return int(raw)
    raw = _get(cells, columns, *DEAL.field("value_minor").column_names)
    return parse_amount(raw, currency).minor if raw else 0


# -- JSON ---------------------------------------------------------------------------------------


def json_work_rows(
    path: Path, kind: ImportKind, *, name: str | None = None
) -> list[WorkRow | RowError]:
    """The rows of a JSON array of interactions, tasks or deals (``kind``), each object read as a
    CSV row whose columns are its keys; a bad object is a ``RowError`` at the line it
    starts on, holding the object as its one cell (for ``--rejects``). ``name``: what
    messages call the file (default: its path)."""
    shown = name or str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValidationError(f"cannot read {shown}: {error.strerror}") from None
    read = READERS[kind]
    rows: list[WorkRow | RowError] = []
    items = json_array(data, shown, kind)
    for (line, item), place in zip(items, item_places(items), strict=True):
        whole = [json.dumps(item, ensure_ascii=False)]
        if not isinstance(item, dict):
            got = "a list" if isinstance(item, list) else "null" if item is None else whole[0]
            reason = f"expected an object for {kind.entity}, got {got}"
            rows.append(RowError(line, place + shorten_quoted(reason), whole))
            continue
        row = read(line, [_cell(value) for value in item.values()], list(item), from_csv=False)
        row.cells = whole
        if isinstance(row, RowError):
            row.reason = place + row.reason
        else:
            row.place = place
        rows.append(row)
    return rows


def _cell(value: Any) -> str:
    """A JSON value as the CSV export writes it: "yes" or blank for true or false, a list
    (``depends_on``, tags) as its items separated by commas, nothing for null."""
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    if isinstance(value, list):
        return ", ".join(_cell(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# How a row of each kind of work is read.
READERS: dict[ImportKind, Callable[..., WorkRow | RowError]] = {
    ImportKind.INTERACTIONS: interaction_row,
    ImportKind.TASKS: task_row,
    ImportKind.DEALS: deal_row,
}
