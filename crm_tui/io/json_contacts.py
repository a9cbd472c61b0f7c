"""Contacts from JSON: the array ``crm export contacts --format json`` writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from crm_tui.errors import ValidationError
from crm_tui.io.contact_rows import ContactValues, Labeled, RowError
from crm_tui.text import full_name, strip_control, unique_folded
from crm_tui.validation import InvalidValue, normalize_email, normalize_phone
from crm_tui.vocabulary import ContactStatus

_STATUSES = {status.value for status in ContactStatus}


def is_json(path: Path) -> bool:
    try:
        head = path.read_bytes()[:256].decode("utf-8", errors="ignore")
    except OSError:
        return False
    return head.lstrip("\ufeff \r\n\t").startswith("[")


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return strip_control(str(value)).strip() if value not in (None, "") else ""


def _labeled(items: Any, normalize: Any) -> list[Labeled]:
    found: list[Labeled] = []
    for item in items or []:
        checked = normalize(str(item.get("value", "")))
        if all(existing.key != checked.key for existing in found):
            found.append(Labeled(checked.value, str(item.get("label", "")), checked.key))
    return found


def _contact(item: dict[str, Any], region: str | None) -> ContactValues:
    values = ContactValues(
        name=_text(item, "name"),
        first_name=_text(item, "first_name"),
        last_name=_text(item, "last_name"),
        organization=_text(item, "organization"),
        title=_text(item, "title"),
        address=_text(item, "address"),
        website=_text(item, "website"),
        source=_text(item, "source"),
        notes=_text(item, "notes"),
    )
    values.emails = _labeled(item.get("emails"), normalize_email)
    values.phones = _labeled(item.get("phones"), lambda raw: normalize_phone(raw, region))
    values.tags = unique_folded(str(tag) for tag in item.get("tags") or [])
    values.custom = {
        str(k).strip(): str(v).strip()
        for k, v in (item.get("custom") or {}).items()
        if str(k).strip() and str(v).strip()
    }
    status = _text(item, "status")
    if status and status not in _STATUSES:
        raise InvalidValue(f"unknown status {status!r}")
    values.status = status
    if item.get("birthday"):
        values.birthday = date.fromisoformat(str(item["birthday"]))
    if not values.name:
        values.name = full_name(values.first_name, values.last_name)
    return values


def json_contacts(
    path: Path, *, region: str | None = None
) -> tuple[int, Iterator[ContactValues | RowError]]:
    """How many items the file's array holds, and its rows one by one (read as they are
    taken, so an import writes the first while the rest are checked)."""
    try:
        items = json.loads(path.read_text("utf-8-sig"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValidationError(f"cannot read {path} as JSON: {error}") from None
    if not isinstance(items, list):
        raise ValidationError(f"{path}: expected a JSON array of contacts")
    return len(items), _rows(items, region)


def _rows(items: list[Any], region: str | None) -> Iterator[ContactValues | RowError]:
    for number, item in enumerate(items, start=1):
        try:
            values = _contact(item, region)
        except (InvalidValue, ValueError, AttributeError, TypeError) as error:
            yield RowError(number, f"item {number}: {error}", [])
            continue
        if not values.name:
            yield RowError(number, f"item {number} has no name", [])
        else:
            yield values
