"""Contacts from JSON: an array of objects, as ``crm export contacts --format json`` writes.

Each object's keys are a contact's fields (``name``, ``emails``…); ``email`` and ``phone``
may also hold a single value (the primary one), and ``emails``/``phones`` values may be
plain strings. What crm's own export adds that the database keeps (ids, times, version) is
not imported, as the CSV import ignores those columns; any other key becomes a custom field,
as a column no profile knows does in CSV, so nothing in the file is dropped. Errors name the
line an object starts on, in words ("expected an object for a contact, got a number").
"""

from __future__ import annotations

import codecs
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import date
from pathlib import Path
from typing import Any

from crm_tui.dates import NO_YEAR
from crm_tui.entities import CONTACT, TEXT_KINDS
from crm_tui.errors import ValidationError
from crm_tui.io.contact_rows import (
    ContactValues,
    Labeled,
    RowError,
    Team,
    birthday_value,
    fallback_name,
)
from crm_tui.io.csv_reader import shorten_quoted
from crm_tui.io.profiles import MULTI, SCALARS
from crm_tui.records import comma_free, split_tags
from crm_tui.text import clean_field, clean_line, full_name, strip_control, unique_folded
from crm_tui.validation import InvalidValue, Normalized, normalize_email, normalize_phone
from crm_tui.vocabulary import ContactStatus

_STATUSES = {status.value for status in ContactStatus}
# What crm's own export writes beside a contact's fields (see ``schemas.ContactRead``): kept
# by the database, not imported (the CSV import ignores its time columns likewise).
KEPT_BY_DATABASE = frozenset(
    {
        "organization_id",
        "referred_by_id",
        "last_contacted_at",
        "created_at",
        "updated_at",
        "deleted_at",
        "version",
        "created_by",
        "updated_by",
    }
)
_LISTS = {"emails": "email", "phones": "phone"}
KNOWN_KEYS = frozenset({*SCALARS, *MULTI, *_LISTS, "custom"}) | KEPT_BY_DATABASE
# Read as text as they are (a middle name joins the first name, read before it).
_TEXT_FIELDS = [
    *(str(f.exported_as) for f in CONTACT.imported if f.kind in TEXT_KINDS and f.exported_as),
    "middle_name",
]
_SPACE = re.compile(r"[ \t\n\r]*")
_WIDE_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def is_json(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(256).decode("utf-8", errors="ignore")
    except OSError:
        return False
    return head.lstrip("\ufeff \r\n\t").startswith(("[", "{"))


def _kind(value: Any) -> str:
    """What a JSON value is, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "an object"


def _as_text(value: Any, key: str) -> str:
    """A single value as text: a string, a number or true/false (as JSON writes them)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float | str):
        text = str(value)
    else:
        raise InvalidValue(f"{key}: expected text, got {_kind(value)}")
    return strip_control(text).strip()


def _any_text(value: Any) -> str:
    """Any value as the text of a custom field: lists and objects kept as JSON."""
    if isinstance(value, list | dict):
        return strip_control(json.dumps(value, ensure_ascii=False)).strip()
    return _as_text(value, "")


def _labeled(
    found: list[Labeled], items: Any, key: str, normalize: Callable[[str], Normalized]
) -> None:
    """Add to ``found`` the values of ``items``: a list of strings or of {"value", "label"}
    objects, or one string."""
    if items is None:
        return
    for item in items if isinstance(items, list) else [items]:
        if isinstance(item, dict):
            raw, label = _as_text(item.get("value"), key), _as_text(item.get("label"), key)
        else:
            raw, label = _as_text(item, key), ""
        if not raw:
            continue
        try:
            checked = normalize(raw)
        except InvalidValue as error:
            raise InvalidValue(f"{key}: {error}") from None
        if all(existing.key != checked.key for existing in found):
            found.append(Labeled(checked.value, label, checked.key))


def _with_primary(
    found: list[Labeled], primary: Any, key: str, normalize: Callable[[str], Normalized]
) -> list[Labeled]:
    """``found`` with the single-value key's value first (it is the primary one)."""
    first: list[Labeled] = []
    _labeled(first, primary, key, normalize)
    for value in found:
        same = next((f for f in first if f.key == value.key), None)
        if same is None:
            first.append(value)
        elif not same.label:
            same.label = value.label
    return first


def _tags(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return split_tags(value)
    if not isinstance(value, list):
        raise InvalidValue(f"tags: expected a list of tags, got {_kind(value)}")
    tags = [_as_text(tag, "tags") for tag in value]
    try:
        return comma_free(tags)
    except ValueError as error:
        raise InvalidValue(f"tags: {error}") from None


def _custom(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidValue(f"custom: expected an object of custom fields, got {_kind(value)}")
    return {clean_line(str(k)): _any_text(v) for k, v in value.items()}


def _contact(item: dict[str, Any], region: str | None, team: Team) -> ContactValues:
    values = ContactValues()
    _text_fields(item, values)
    emails: list[Labeled] = []
    phones: list[Labeled] = []

    def phone(raw: str) -> Normalized:
        return normalize_phone(raw, region)

    _labeled(emails, item.get("emails"), "emails", normalize_email)
    _labeled(phones, item.get("phones"), "phones", phone)
    values.emails = _with_primary(emails, item.get("email"), "email", normalize_email)
    values.phones = _with_primary(phones, item.get("phone"), "phone", phone)
    values.tags = unique_folded(_tags(item.get("tags")))
    values.custom = dict(team.custom(k, v) for k, v in _custom_fields(item).items())
    values.status = _status(item)
    values.birthday = _birthday(_as_text(item.get("birthday"), "birthday"))
    if owner := clean_line(_as_text(item.get("owner"), "owner")):
        values.owner_id = _owner_id(owner, team)
    identifier = _as_text(item.get("id"), "id")
    values.id = int(identifier) if identifier.isdigit() else None
    if not values.name:
        values.name = full_name(values.first_name, values.last_name)
    if not values.name:  # as from CSV: named after what it has, for a new contact
        values.name, values.named = fallback_name(values), False
    return values


def _text_fields(item: dict[str, Any], values: ContactValues) -> None:
    for name in _TEXT_FIELDS:
        text = clean_field(name, _as_text(item.get(name), name))
        if name == "middle_name":
            values.first_name = f"{values.first_name} {text}".strip()
        else:
            setattr(values, name, text)


def _custom_fields(item: dict[str, Any]) -> dict[str, str]:
    """Unknown keys and the ``custom`` object together; a field in both must agree, as
    either value silently winning would lose the other."""
    custom = {k: v for k, v in item.items() if k not in KNOWN_KEYS}
    custom = {clean_line(str(k)): _any_text(v) for k, v in custom.items()}
    for key, value in _custom(item.get("custom")).items():
        if custom.get(key, value) != value:
            raise InvalidValue(
                f"custom field {key!r} is given twice (a key and in custom) with other values"
            )
        custom[key] = value
    return {k: v for k, v in custom.items() if k and v}


def _status(item: dict[str, Any]) -> str:
    status = _as_text(item.get("status"), "status").lower()
    if status and status not in _STATUSES:
        raise InvalidValue(f"unknown status {status!r} ({', '.join(sorted(_STATUSES))})")
    return status


def _owner_id(owner: str, team: Team) -> int:
    try:
        return team.owner_id(owner)
    except InvalidValue as error:
        raise InvalidValue(f"owner: {error}") from None


def _birthday(raw: str) -> date | None:
    if not raw:
        return None
    if raw.startswith(f"{NO_YEAR}-"):  # a year-less one, as crm exports it
        with suppress(ValueError):
            return date.fromisoformat(raw)
    return birthday_value(raw)


def json_contacts(
    path: Path,
    *,
    region: str | None = None,
    name: str | None = None,
    team: Team | None = None,
) -> tuple[int, Iterator[ContactValues | RowError]]:
    """How many objects the file's array holds, and its rows one by one (checked as they
    are taken, so an import writes the first while the rest are checked). ``name``: what
    messages call the file (default: its path); ``team``: who an "owner" names."""
    shown = name or str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValidationError(f"cannot read {shown}: {error.strerror}") from None
    items = json_array(data, shown, "contacts")
    return len(items), _rows(items, region, team or Team())


def _text(data: bytes, path: str) -> str:
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ValidationError(
            f"{path}: line {line}: not UTF-8 text (byte 0x{data[error.start]:02x}); "
            "a JSON file is UTF-8: save it as UTF-8 and import it again"
        ) from None


def item_places(items: list[tuple[int, Any]]) -> list[str]:
    """How a bad item of ``json_array``'s is named beside its line: "" where its line tells
    it apart, "item N: " where others start on the same line (a file written on one line,
    where every error said "line 1")."""
    starts = Counter(line for line, _ in items)
    return [f"item {n}: " if starts[line] > 1 else "" for n, (line, _) in enumerate(items, 1)]


def json_array(data: bytes, path: str, what: str) -> list[tuple[int, Any]]:
    """The values of the JSON array of ``what`` ("contacts", "tasks"…) in the file's
    ``data``, each with the line it starts on; anything else refused in words."""
    text = _text(data, path)
    decoder = json.JSONDecoder()
    items: list[tuple[int, Any]] = []
    try:
        position = _skip_space(text, 0)
        if not text.startswith("[", position):
            whole = json.loads(text)
            raise ValidationError(
                f"{path}: expected a JSON array of {what} ([{{...}}, ...]), got {_kind(whole)}"
            )
        position = _skip_space(text, position + 1)
        line, counted = 1, 0
        while not text.startswith("]", position):
            line, counted = line + text.count("\n", counted, position), position
            value, position = decoder.raw_decode(text, position)
            items.append((line, value))
            position = _skip_space(text, position)
            if text.startswith(",", position):
                position = _skip_space(text, position + 1)
            elif not text.startswith("]", position):
                raise json.JSONDecodeError("expected ',' or ']' after an item", text, position)
        position = _skip_space(text, position + 1)
        if position < len(text):
            raise json.JSONDecodeError("more after the array's closing ']'", text, position)
    except json.JSONDecodeError as error:
        reason = error.msg[:1].lower() + error.msg[1:]
        raise ValidationError(
            f"{path}: line {error.lineno} column {error.colno}: not valid JSON ({reason})"
        ) from None
    return items


def _skip_space(text: str, position: int) -> int:
    found = _SPACE.match(text, position)
    return found.end() if found else position


def _rows(
    items: list[tuple[int, Any]], region: str | None, team: Team
) -> Iterator[ContactValues | RowError]:
    for (line, item), place in zip(items, item_places(items), strict=True):
        cells = [json.dumps(item, ensure_ascii=False)]
        if not isinstance(item, dict):
            reason = f"expected an object for a contact, got {_kind(item)}"
            yield RowError(line, place + reason, cells)
            continue
        try:
            values = _contact(item, region, team)
        except InvalidValue as error:
            yield RowError(line, place + shorten_quoted(str(error)), cells)
            continue
        if not values.name:
            reason = "no name, email or phone to recognise this contact by"
            yield RowError(line, place + reason, cells)
        else:
            yield values
