"""vCard in (3.0 and 4.0, parsed by vobject) and out (4.0, RFC 6350 escaping and folding).

Fields vCard has no property for (status, source, custom fields) travel as X-CRM-*
properties, so a card written here reads back into the same contact.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from crm_tui.dates import NO_YEAR, month_day
from crm_tui.errors import ValidationError
from crm_tui.io.contact_rows import ContactValues, Labeled, RowError, Team
from crm_tui.io.csv_reader import EXCERPT_CHARS, decode, excerpt, shorten_quoted
from crm_tui.text import full_name, strip_control, unique_folded
from crm_tui.validation import InvalidValue, Normalized, normalize_email, normalize_phone

if TYPE_CHECKING:
    from crm_tui.schemas import ContactRead

_NAMESPACE = uuid.UUID("6f1c6a52-1b1e-4c5e-9a53-7a6c2b8e0c11")
_SKIP_TYPES = {"internet", "pref", "voice", "x400"}
_STATUSES = {"lead", "prospect", "customer", "inactive"}


def is_vcard(path: Path) -> bool:
    """Recognised by content, not by name: the first line is BEGIN:VCARD."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    text, _ = decode(head)
    return text.lstrip("\ufeff \r\n\t").upper().startswith("BEGIN:VCARD")


# -- reading ----------------------------------------------------------------------------------


def _values(card: Any, name: str) -> list[Any]:
    return list(card.contents.get(name, []))


def _text(card: Any, name: str) -> str:
    lines = _values(card, name)
    if not lines:
        return ""
    value = lines[0].value
    if isinstance(value, list):
        value = " ".join(str(v) for v in value if v)
    return strip_control(str(value)).strip()


def _label(line: Any) -> str:
    types = [str(t).lower() for t in line.params.get("TYPE", [])]
    kept = [t for t in types if t not in _SKIP_TYPES]
    return {"cell": "mobile"}.get(kept[0], kept[0]) if kept else ""


def _card_values(card: Any, region: str | None, team: Team) -> ContactValues:
    values = ContactValues()
    _structured_name(card, values)
    values.name = _text(card, "fn")
    _organization(card, values)
    values.title = _text(card, "title")
    values.notes = _text(card, "note")
    values.website = _text(card, "url")
    _add_labeled(values.emails, _values(card, "email"), normalize_email)
    _add_labeled(values.phones, _values(card, "tel"), lambda raw: normalize_phone(raw, region))
    for line in _values(card, "categories"):
        raw = line.value if isinstance(line.value, list) else str(line.value).split(",")
        values.tags = unique_folded([*values.tags, *raw])
    _address(card, values)
    values.birthday = _birthday(_text(card, "bday"))
    _crm_properties(card, values, team)
    if not values.name:
        values.name = full_name(values.first_name, values.last_name)
    return values


def _structured_name(card: Any, values: ContactValues) -> None:
    """First and last name from N (FN, the name shown, is read on its own)."""
    names = _values(card, "n")
    if names:
        structured = names[0].value
        values.first_name = strip_control(str(getattr(structured, "given", "") or "")).strip()
        values.last_name = strip_control(str(getattr(structured, "family", "") or "")).strip()


def _organization(card: Any, values: ContactValues) -> None:
    """The first ORG's company name (its units, if any, are not kept)."""
    organizations = _values(card, "org")
    if organizations:
        org = organizations[0].value
        values.organization = strip_control(org[0] if isinstance(org, list) else str(org)).strip()


def _add_labeled(
    found: list[Labeled], lines: list[Any], normalize: Callable[[str], Normalized]
) -> None:
    """Add each line's value to ``found`` once: a second line for the same address or
    number, written differently, is the same one."""
    for line in lines:
        checked = normalize(str(line.value))
        if checked.key not in {item.key for item in found}:
            found.append(Labeled(checked.value, _label(line), checked.key))


def _address(card: Any, values: ContactValues) -> None:
    """The first ADR as one line: its non-empty parts joined by commas."""
    addresses = _values(card, "adr")
    if addresses:
        adr = addresses[0].value
        parts = [getattr(adr, part, "") for part in ("street", "city", "region", "code", "country")]
        values.address = ", ".join(str(p).strip() for p in parts if p and str(p).strip())


def _crm_properties(card: Any, values: ContactValues, team: Team) -> None:
    status = _text(card, "x-crm-status").lower()
    if status in _STATUSES:
        values.status = status
    values.source = _text(card, "x-crm-source")
    for line in _values(card, "x-crm-custom"):
        keys = line.params.get("X-KEY") or []
        key, value = unquote(str(keys[0])).strip() if keys else "", str(line.value).strip()
        if key and value:
            key, value = team.custom(key, value)  # a typed field's, checked
            values.custom[key] = value


def _birthday(raw: str) -> date | None:
    digits = raw.replace("-", "")
    if re.fullmatch(r"\d{8}", digits):
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    return month_day(raw) if raw.startswith("--") else None


def vcard_contacts(
    path: Path, *, region: str | None = None, name: str | None = None, team: Team | None = None
) -> tuple[int, Iterator[ContactValues | RowError]]:
    """How many cards the file holds, and their rows one by one (parsed as they are taken);
    a card that cannot be read becomes a ``RowError``. ``name``: what messages call the
    file (default: its path)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValidationError(f"cannot read {name or path}: {error.strerror}") from None
    text, _ = decode(data)
    starts = [m.start() for m in re.finditer(r"(?im)^BEGIN:VCARD", text)]
    if not starts:
        raise ValidationError(f"{name or path} has no vCard in it")
    return len(starts), _cards(text, starts, region, team or Team())


# A value ending in a lone backslash ("NOTE:C:\temp\" as written by hand or by a
# careless exporter) escapes nothing; vobject's unescaping then appends the word "eof" to
# it (its end-of-input marker, taken for the escaped character). The backslash is doubled
# first, so it reads back as the backslash it is.
_LONE_BACKSLASH_AT_END = re.compile(r"(?<!\\)((?:\\\\)*\\)(\r?\n)(?![ \t])")


def _literal_trailing_backslash(chunk: str) -> str:
    """``chunk`` with a backslash that ends a content line (not folded on) escaped."""
    if "\\\n" not in chunk and "\\\r" not in chunk:
        return chunk
    return _LONE_BACKSLASH_AT_END.sub(r"\1\\\2", chunk)


def _said(error: Exception) -> str:
    """``error`` in words, without vobject's "At line 7: ", which counts its own way from
    the card's first line: the error already names the card and the line it starts on."""
    within = getattr(error, "lineNumber", None)
    return str(error) if within is None else str(getattr(error, "msg", error))


def _cards(
    text: str, starts: list[int], region: str | None, team: Team
) -> Iterator[ContactValues | RowError]:
    import vobject  # here: a CSV import need not pay for loading it

    line, counted = 1, 0  # lines counted up to the card, not from the top for each card
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(text)
        chunk = text[start:end]
        line, counted = line + text.count("\n", counted, start), start
        try:
            card = vobject.readOne(_literal_trailing_backslash(chunk))
            values = _card_values(card, region, team)
        except (InvalidValue, vobject.base.ParseError, ValueError, AttributeError) as error:
            # vobject quotes a line it cannot parse whole (a photo, a pasted email…).
            reason = excerpt(shorten_quoted(_said(error)), 4 * EXCERPT_CHARS)
            yield RowError(line, f"card {number + 1}: {reason}", [chunk.strip()])
            continue
        if not values.name:
            yield RowError(line, f"card {number + 1} has no name", [chunk.strip()])
        else:
            yield values


# -- writing ----------------------------------------------------------------------------------


def escape(value: str) -> str:
    """RFC 6350 §3.4 text escaping."""
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """RFC 6350 §3.2: lines of at most 75 octets, continued after CRLF and one space;
    a multi-byte UTF-8 character is never split."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines start with a space
        if size + width > limit:
            out.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n ".join(out)


def _param(value: str) -> str:
    token = re.sub(r"[^A-Za-z0-9-]", "", value)
    if token == value:
        return value
    return '"' + value.replace('"', "'") + '"'


def card_uid(contact: ContactRead) -> str:
    """A stable UID per contact (CardDAV clients such as khard rely on it)."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{contact.id}:{contact.created_at.isoformat()}')}"


def _types(label: str) -> str:
    return f";TYPE={_param(label)}" if label else ""


def _bday(birthday: date) -> str:
    year_less = birthday.year == NO_YEAR  # RFC 6350: --MMDD
    return f"BDAY:{birthday:--%m%d}" if year_less else f"BDAY:{birthday:%Y%m%d}"


def _crm_lines(contact: ContactRead) -> list[str]:
    """The X-CRM-* properties: what vCard has no property for."""
    lines = [f"X-CRM-STATUS:{contact.status}", f"X-CRM-ID:{contact.id}"]
    if contact.source:
        lines.append(f"X-CRM-SOURCE:{escape(contact.source)}")
    for key, value in contact.custom.items():
        # The name goes in a parameter, percent-encoded: any text survives, and parsers
        # that unescape values of unknown properties cannot confuse name and value.
        lines.append(f"X-CRM-CUSTOM;X-KEY={quote(key, safe='')}:{escape(value)}")
    return lines


def vcard(contact: ContactRead) -> str:
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        f"UID:{card_uid(contact)}",
        f"FN:{escape(contact.name)}",
        f"N:{escape(contact.last_name)};{escape(contact.first_name)};;;",
    ]
    if contact.organization:
        lines.append(f"ORG:{escape(contact.organization)}")
    if contact.title:
        lines.append(f"TITLE:{escape(contact.title)}")
    lines += [f"EMAIL{_types(item.label)}:{escape(item.value)}" for item in contact.emails]
    lines += [f"TEL;VALUE=text{_types(item.label)}:{escape(item.value)}" for item in contact.phones]
    if contact.address:
        lines.append(f"ADR:;;{escape(contact.address)};;;;")
    if contact.website:
        lines.append(f"URL:{escape(contact.website)}")
    if contact.birthday:
        lines.append(_bday(contact.birthday))
    if contact.tags:
        lines.append("CATEGORIES:" + ",".join(escape(tag) for tag in contact.tags))
    if contact.notes:
        lines.append(f"NOTE:{escape(contact.notes)}")
    lines += _crm_lines(contact)
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)


def vcards(contacts: Iterable[ContactRead]) -> Iterable[str]:
    for contact in contacts:
        yield vcard(contact)
