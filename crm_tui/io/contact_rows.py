"""One CSV row -> one validated contact (or the reasons it cannot be one).

This is the import's hot path (100k rows), so it builds plain values with the same checks
the services use (``crm_tui.validation``) rather than a pydantic model per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from crm_tui.dates import DateError, check_day, jalali_year, month_day, written_day
from crm_tui.errors import ValidationError
from crm_tui.fields import FieldDef, with_defaults
from crm_tui.io.csv_reader import excerpt, shorten_quoted
from crm_tui.io.profiles import ColumnMap, Target
from crm_tui.records import AMBIGUOUS, member_in
from crm_tui.text import clean_field, clean_line, fold, full_name, strip_control, unique_folded
from crm_tui.validation import MAX_TOUCH_DAYS, InvalidValue, normalize_email, normalize_phone
from crm_tui.vocabulary import ContactStatus, FieldKind

MULTI_SEPARATOR = " ::: "
_STATUSES = {status.value for status in ContactStatus}
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d", "%m/%d/%y")
_EMPTY_DATES = {"", "0/0/00", "00.00.0000", "0000-00-00"}
_FORMULA = tuple("=+-@\t\r'")
FORMULA_STARTS = frozenset(_FORMULA)  # first characters that get an apostrophe in CSV


@dataclass(slots=True)
class Labeled:
    value: str
    label: str
    key: str


@dataclass(slots=True)
class ContactValues:
    """A contact read from a file: what ``contact_columns`` needs, already checked."""

    name: str = ""
    first_name: str = ""
    last_name: str = ""
    organization: str = ""
    title: str = ""
    emails: list[Labeled] = field(default_factory=list)
    phones: list[Labeled] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    custom: dict[str, str] = field(default_factory=dict)
    address: str = ""
    website: str = ""
    birthday: date | None = None
    touch_every: int | None = None  # keep in touch every this many days
    status: str = ""  # blank: not in the file (a new contact becomes a lead)
    source: str = ""
    owner_id: int | None = None  # the team member the file names (see ``RowReader._owner``)
    notes: str = ""
    id: int | None = None
    named: bool = True  # False: no name in the file, made up from organization, email or phone
    # What a bulk import writes for a new contact, worked out ahead (see io.prepare.prepare_rows);
    # None when not, or when the values changed since.
    prepared: Any = None
    # What the import matches the row on (its --match kind and keys), worked out ahead with
    # ``prepared``; None when not.
    matched_on: Any = None


@dataclass(slots=True)
class RowError:
    line: int
    reason: str
    cells: list[str]


# -- between processes: rows as plain tuples (pickled 8 times faster than the objects) ------

_FIELDS = tuple(f.name for f in fields(ContactValues))
_EMAILS, _PHONES = _FIELDS.index("emails"), _FIELDS.index("phones")
_PREPARED = _FIELDS.index("prepared")
_SLIM = 6
_values_of = attrgetter(*_FIELDS)


def pack_rows(rows: list[ContactValues | RowError], *, slim: bool = False) -> list[tuple[Any, ...]]:
    """``rows`` as tuples of plain values, for a pipe (see ``crm_tui.io.background``).

    ``slim``: a prepared row keeps only what writing it as a new contact reads (its name,
    organization, tags and ``prepared``) and what it is matched on (``matched_on``): for
    imports that never update a contact from it.
    """
    packed: list[tuple[Any, ...]] = []
    for row in rows:
        if isinstance(row, RowError):
            packed.append((None, row.line, row.reason, row.cells))
        elif slim and row.prepared is not None and row.matched_on is not None:
            prepared = tuple(row.prepared)
            packed.append(
                (row.name, row.named, row.organization, row.tags, prepared, row.matched_on)
            )
        else:
            values = list(_values_of(row))
            values[_EMAILS] = [(e.value, e.label, e.key) for e in row.emails]
            values[_PHONES] = [(p.value, p.label, p.key) for p in row.phones]
            if row.prepared is not None:
                values[_PREPARED] = tuple(row.prepared)
            packed.append(tuple(values))
    return packed


def unpack_rows(packed: list[tuple[Any, ...]]) -> list[ContactValues | RowError]:
    """What ``pack_rows`` packed (a prepared row's ``prepared`` as a plain tuple)."""
    rows: list[ContactValues | RowError] = []
    for values in packed:
        if values[0] is None:
            rows.append(RowError(*values[1:]))
        elif len(values) == _SLIM:  # no emails or phones: matched_on holds their keys
            name, named, organization, tags, prepared, matched_on = values
            rows.append(
                ContactValues(
                    name,
                    organization=organization,
                    tags=tags,
                    named=named,
                    prepared=prepared,
                    matched_on=matched_on,
                )
            )
        else:
            row = ContactValues(*values)
            row.emails = [Labeled(*e) for e in values[_EMAILS]]
            row.phones = [Labeled(*p) for p in values[_PHONES]]
            rows.append(row)
    return rows


def neutralise(value: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (and that ``restore`` undoes)."""
    return "'" + value if value.startswith(_FORMULA) else value


def restore(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:2] and value[1] in _FORMULA else value


def _label(raw: str) -> str:
    """Google writes labels as "* Work"; keep "work"."""
    return raw.strip().lstrip("*").strip().lower()


def _split_tags(raw: str) -> list[str]:
    parts = re.split(r" ::: |[,;]", raw)
    return [p.strip() for p in parts if p.strip() and not p.strip().startswith("*")]


def birthday_value(raw: str) -> date | None:
    """A birthday as files write it: ISO, a few day-month orders, --MM-DD without a year,
    or a Jalali day (a year below 1700, in either digits: what `crm export --calendar
    jalali` writes); a day outside 1900-2200 is refused like everywhere else."""
    text = raw.strip()
    if text in _EMPTY_DATES:
        return None
    try:
        if text.startswith("--") and (day := month_day(text)) is not None:  # vCard, Google
            return day
        if jalali_year(text) and (day := written_day(text)) is not None:
            return check_day(day, text)
        for pattern in _DATE_FORMATS:
            try:
                day = datetime.strptime(text, pattern).date()
            except ValueError:
                continue
            return check_day(day, text)
    except DateError as error:
        raise InvalidValue(str(error)) from None
    raise InvalidValue(f"not a date: {raw!r} (use YYYY-MM-DD)")


@dataclass(frozen=True)
class Directory:
    """What reading a file checks against that only the database knows: who is on the
    team (``records.member_directory``) and the defined custom fields (by key)."""

    members: Mapping[str, int] = field(default_factory=dict)
    fields: Mapping[str, FieldDef] = field(default_factory=dict)


class Team:
    """Who owns a contact as a file names them, and the typed custom fields a value is
    checked against: the ``Directory`` is asked for at the first owner or custom field
    read, or the first row of an import that only creates contacts (for the fields'
    defaults), so that a large file's reading process waits for it only then (the
    importing process reads it from the database meanwhile); an update import of a file
    without either never needs it."""

    def __init__(self, ask: Callable[[], Directory] | None = None) -> None:
        self._ask = ask
        self._directory: Directory | None = None
        self._defaults: dict[str, FieldDef] | None = None

    def _known(self) -> Directory:
        if self._directory is None:
            self._directory = self._ask() if self._ask else Directory()
        return self._directory

    def owner_id(self, raw: str) -> int:
        """The member ``raw`` names; a name nobody on the team has is refused, as the
        CLI's --owner refuses it (kept as text, it would be an owner nobody can filter by)."""
        found = member_in(self._known().members, raw)
        if found is None:
            raise InvalidValue(
                f"no team member is called {raw!r} (add them with `crm team add`, "
                "then import again)"
            )
        if found == AMBIGUOUS:
            raise InvalidValue(f"{raw!r} names several team members: give a username")
        return found

    def with_defaults(self, row: ContactValues | RowError) -> ContactValues | RowError:
        """A new contact's row, given the default of each defined field it lacks."""
        if self._defaults is None:
            self._defaults = {k: f for k, f in self._known().fields.items() if f.default}
        if self._defaults and isinstance(row, ContactValues):
            row.custom = with_defaults(row.custom, self._defaults)
        return row

    def typed(self, name: str) -> bool:
        """Whether the custom field ``name`` is defined with a type (it holds one value)."""
        definition = self._known().fields.get(fold(name))
        return definition is not None and definition.kind is not FieldKind.TEXT

    def custom(self, name: str, raw: str) -> tuple[str, str]:
        """A custom field's name and value as stored: a defined field's spelled as defined,
        a typed one's value canonical (refused when it does not fit, as every way in
        refuses it)."""
        definition = self._known().fields.get(fold(name))
        if definition is None:
            return name, raw
        try:
            return definition.name, definition.canonical(raw)
        except ValidationError as error:
            raise InvalidValue(str(error)) from None


def fallback_name(values: ContactValues) -> str:
    """What a contact without a name in the file is called: its organization, else its
    email, else its phone ("" when it has none)."""
    if values.organization:
        return values.organization
    if values.emails:
        return values.emails[0].value
    return values.phones[0].value if values.phones else ""


class RowReader:
    """Turns cells into ``ContactValues`` following a ``ColumnMap``.

    The map is compiled once into (column, handler) pairs: this runs for every row.
    """

    def __init__(
        self,
        header: list[str],
        mapping: ColumnMap,
        region: str | None = None,
        team: Team | None = None,
    ):
        self.header = header
        self.region = region
        self.team = team or Team()
        self.own_format = mapping.profile == "crm"  # our export: exact tags, escaped cells
        handlers = {
            "email": self._email,
            "phone": self._phone,
            "tags": self._tags,
            "custom": self._custom,
            "birthday": self._birthday,
            "touch_every": self._touch_every,
            "status": self._status,
            "id": self._id,
            "notes": self._notes,
            "middle_name": self._middle,
            "owner": self._owner,
        }
        self.plan = [
            (index, target, handlers.get(target.field, self._scalar))
            for index, target in sorted(mapping.targets.items())
            if target.field != "ignore"
        ]

    def read(self, line: int, cells: list[str]) -> ContactValues | RowError:
        if not any(cells) or not any(cell.strip() for cell in cells):
            return RowError(line, "blank row (no name, email or phone)", cells)
        values = ContactValues()
        problems: list[str] = []
        for index, target, handler in self.plan:
            raw = cells[index]
            if not raw:
                continue
            if not raw.isprintable():
                raw = strip_control(raw)
            raw = raw.strip()
            if self.own_format:
                raw = restore(raw)
            if not raw:
                continue
            try:
                handler(values, raw, target, cells)
            except InvalidValue as error:
                column = excerpt(self.header[index])
                problems.append(f"column {column!r}: {shorten_quoted(str(error))}")
        if problems:
            return RowError(line, "; ".join(problems), cells)
        if not values.name:
            values.name = full_name(values.first_name, values.last_name)
        if not values.name:  # a new contact needs a name; an update must not rename one to it
            values.name, values.named = fallback_name(values), False
        if not values.name:
            return RowError(line, "no name, email or phone to recognise this contact by", cells)
        return values

    @staticmethod
    def _label(target: Target, cells: list[str]) -> str:
        if target.label_column is not None:
            return _label(cells[target.label_column]) or target.label
        return target.label

    def _email(self, values: ContactValues, raw: str, target: Target, cells: list[str]) -> None:
        for part in raw.split(MULTI_SEPARATOR) if MULTI_SEPARATOR in raw else (raw,):
            checked = normalize_email(part)
            if not values.emails or all(e.key != checked.key for e in values.emails):
                values.emails.append(
                    Labeled(checked.value, self._label(target, cells), checked.key)
                )

    def _phone(self, values: ContactValues, raw: str, target: Target, cells: list[str]) -> None:
        for part in raw.split(MULTI_SEPARATOR) if MULTI_SEPARATOR in raw else (raw,):
            checked = normalize_phone(part, self.region)
            if not values.phones or all(p.key != checked.key for p in values.phones):
                values.phones.append(
                    Labeled(checked.value, self._label(target, cells), checked.key)
                )

    def _tags(self, values: ContactValues, raw: str, _target: Target, _cells: list[str]) -> None:
        if self.own_format:  # written by tags_text: ", " between tags, nothing else special
            tags = [tag.strip() for tag in raw.split(",") if tag.strip()]
        else:
            tags = _split_tags(raw)
        values.tags = unique_folded([*values.tags, *tags])

    def _custom(self, values: ContactValues, raw: str, target: Target, cells: list[str]) -> None:
        if target.label_column is None:
            name, value = self.team.custom(target.custom_name, raw)
            if name in values.custom:  # two columns ("City", "city") of one defined field
                raise InvalidValue(f"{name} is given twice: a defined field holds one value")
            values.custom[name] = value
            return
        # Google's "Custom Field N" pairs: the label's cell names the field.
        name = strip_control(cells[target.label_column]).strip() or target.custom_name
        name, raw = self.team.custom(name, raw)
        before = values.custom.get(name)
        if before and self.team.typed(name):
            raise InvalidValue(f"{name} is given twice: a typed field holds one value")
        values.custom[name] = f"{before}{MULTI_SEPARATOR}{raw}" if before else raw

    def _owner(self, values: ContactValues, raw: str, _target: Target, _cells: list[str]) -> None:
        values.owner_id = self.team.owner_id(raw)

    @staticmethod
    def _birthday(values: ContactValues, raw: str, _target: Target, _cells: list[str]) -> None:
        values.birthday = birthday_value(raw)

    @staticmethod
    def _touch_every(values: ContactValues, raw: str, _target: Target, _cells: list[str]) -> None:
        days = raw.removesuffix("days").removesuffix("d").strip()
        if not days.isdigit() or not 1 <= int(days) <= MAX_TOUCH_DAYS:
            raise InvalidValue(f"keep in touch every 1 to {MAX_TOUCH_DAYS} days, not {raw!r}")
        values.touch_every = int(days)

    @staticmethod
    def _status(values: ContactValues, raw: str, _target: Target, _cells: list[str]) -> None:
        status = raw.lower()
        if status not in _STATUSES:
            raise InvalidValue(f"unknown status {raw!r} ({', '.join(sorted(_STATUSES))})")
        values.status = status

    @staticmethod
    def _id(values: ContactValues, raw: str, _target: Target, _cells: list[str]) -> None:
        values.id = int(raw) if raw.isdigit() else None

    @staticmethod
    def _notes(values: ContactValues, raw: str, _target: Target, _cells: list[str]) -> None:
        values.notes = f"{values.notes}\n{raw}" if values.notes else raw

    @staticmethod
    def _middle(values: ContactValues, raw: str, _target: Target, _cells: list[str]) -> None:
        values.first_name = f"{values.first_name} {clean_line(raw)}".strip()

    @staticmethod
    def _scalar(values: ContactValues, raw: str, target: Target, _cells: list[str]) -> None:
        # A quoted cell may span lines; only the fields that may (an address) keep them.
        setattr(values, target.field, raw if raw.isprintable() else clean_field(target.field, raw))
