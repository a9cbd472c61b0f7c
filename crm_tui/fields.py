"""Typed custom fields: what a defined field holds (``FieldKind``) and each value as it is
stored, in one canonical text that sorts and compares as its type.

A contact's custom fields stay text (``contact.custom``: name -> text), so every path that
carries them (forms, imports, exports, merges, undo) carries a typed field unchanged; what
a definition adds is that a value is checked on the way in and written one way:

- number: a plain decimal ("1200.5", "-3"); typed as people write numbers ("1,200.5",
  "۱٬۲۰۰", "2.5k");
- money: an amount in the field's currency, with the currency's decimals ("1200.50");
  typed as ``crm_tui.money`` reads amounts;
- date: ISO 8601 ("2027-06-01", which sorts as the day); typed as any date crm reads
  (a Jalali one too);
- choice: one of the field's choices, spelled as the definition spells it;
- yes-no: "yes" or "no" (typed yes, no, true, false, y, n, 1, 0, بله, خیر, آری, نه);
- text: as typed.

Pure: no database (an import's reading process checks values with it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from crm_tui.errors import ValidationError
from crm_tui.text import fold
from crm_tui.vocabulary import FieldKind

MAX_CHOICES = 200
_YES = {"yes", "y", "true", "1", "بله", "آری", "اره", "آره", "ja", "oui", "si", "sí"}
_NO = {"no", "n", "false", "0", "خیر", "نه", "nein", "non"}


@dataclass(frozen=True)
class FieldDef:
    name: str
    kind: FieldKind = FieldKind.TEXT
    choices: tuple[str, ...] = ()
    default: str = ""  # canonical; a new contact without the field gets it
    currency: str = ""  # money's ISO 4217 code
    key: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", fold(self.name))

    def canonical(self, raw: str) -> str:
        """``raw`` as this field stores it; ``ValidationError`` naming the field and what it
        takes when it does not fit. Blank stays blank (no value)."""
        text = raw.strip()
        if not text or self.kind is FieldKind.TEXT:
            return text
        try:
            return _CANONICAL[self.kind](self, text)
        except ValidationError as error:
            raise ValidationError(f"{self.name}: {error}", field="custom") from None

    def described(self) -> str:
        """What the field takes, in a few words ("money (EUR)", "choice: a, b")."""
        if self.kind is FieldKind.MONEY:
            return f"money ({self.currency})"
        if self.kind is FieldKind.CHOICE:
            return f"choice: {', '.join(self.choices)}"
        return self.kind.value


_PLAIN = re.compile(r"-?\d+(\.\d+)?")


def _number(_field: FieldDef, text: str) -> str:
    from crm_tui.money import parse_number

    if _PLAIN.fullmatch(text):  # as stored: "1.125" is one and an eighth, not 1,125
        return plain(Decimal(text))
    return plain(parse_number(text))


def _money(field: FieldDef, text: str) -> str:
    from crm_tui.money import decimals, parse_amount

    if text[-3:].upper() == field.currency and len(text) > 3:  # "5000EUR", "5,000 EUR"
        text = text[:-3].strip()
    amount = parse_amount(text, field.currency).amount
    return f"{amount:.{decimals(field.currency)}f}"


def _date(_field: FieldDef, text: str) -> str:
    from crm_tui.dates import DateError, parse_day

    try:
        return parse_day(text).isoformat()
    except DateError as error:
        raise ValidationError(str(error)) from None


def _choice(field: FieldDef, text: str) -> str:
    wanted = fold(text)
    for choice in field.choices:
        if fold(choice) == wanted:
            return choice
    raise ValidationError(f"{text!r} is not one of {', '.join(field.choices)}")


def _yes_no(_field: FieldDef, text: str) -> str:
    typed = fold(text)
    if typed in _YES:
        return "yes"
    if typed in _NO:
        return "no"
    raise ValidationError(f"{text!r}: write yes or no")


_CANONICAL = {
    FieldKind.NUMBER: _number,
    FieldKind.MONEY: _money,
    FieldKind.DATE: _date,
    FieldKind.CHOICE: _choice,
    FieldKind.YES_NO: _yes_no,
}


def plain(number: Decimal) -> str:
    """A decimal written plainly: no exponent, no trailing zeros after the point."""
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def typed(custom: Mapping[str, str], fields: Mapping[str, FieldDef]) -> dict[str, str]:
    """``custom`` with each defined field (``fields`` by ``key``) named as defined and its
    value canonical; the first that does not fit raises, naming it."""
    result = {}
    for name, value in custom.items():
        definition = fields.get(fold(name))
        if definition is None:
            result[name] = value
            continue
        if definition.name in result:  # "budget" and "Budget": which one is meant?
            raise ValidationError(
                f"{definition.name} is given twice, spelled two ways: keep one", field="custom"
            )
        result[definition.name] = definition.canonical(value)
    return {name: value for name, value in result.items() if value}


def with_defaults(custom: Mapping[str, str], fields: Mapping[str, FieldDef]) -> dict[str, str]:
    """A new contact's ``custom`` with the default of each defined field it lacks."""
    have = {fold(name) for name in custom}
    missing = {
        one.name: one.default for key, one in fields.items() if one.default and key not in have
    }
    return {**custom, **missing}


def check_definition(definition: FieldDef) -> FieldDef:
    """``definition`` with its choices, currency and default checked (and the default made
    canonical)."""
    from crm_tui.money import currency_code

    name = definition.name.strip()
    if not name or any(mark in name for mark in "=:\n"):
        raise ValidationError("a field needs a name without '=', ':' or a line break")
    choices = tuple(dict.fromkeys(c.strip() for c in definition.choices if c.strip()))
    if definition.kind is FieldKind.CHOICE and not choices:
        raise ValidationError("a choice field needs its choices, e.g. --choices small,large")
    if len(choices) > MAX_CHOICES:
        raise ValidationError(f"a field has at most {MAX_CHOICES} choices")
    currency = ""
    if definition.kind is FieldKind.MONEY:
        currency = currency_code(definition.currency or "")
    checked = FieldDef(
        name,
        definition.kind,
        choices if definition.kind is FieldKind.CHOICE else (),
        "",
        currency,
    )
    default = checked.canonical(definition.default) if definition.default else ""
    return FieldDef(checked.name, checked.kind, checked.choices, default, checked.currency)
