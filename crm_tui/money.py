"""Money: an amount in one currency, held exactly as whole minor units (cents, or rials,
which have none), never as a float. Amounts in different currencies are never added
together: ``totals`` keeps one total per currency.

Read as people write amounts ("1,200.50", "1.200,50", "1 200", "۱٬۲۰۰", "1.2k") and printed
with the currency's decimals and ISO code (Babel's data: EUR has 2, IRR and JPY none, BHD 3).
Pure: no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from babel.numbers import format_currency, get_currency_precision, list_currencies

from crm_tui.errors import ValidationError

# The largest amount accepted, in major units (a trillion, with room: IRR amounts are large).
MAX_AMOUNT = Decimal(10) ** 15
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# Separators as typed: Arabic thousands (٬) and decimal (٫) marks, spaces of all widths,
# apostrophes (Swiss "1'200").
_SEPARATORS = str.maketrans({"٬": ",", "٫": ".", "'": " ", "’": " ", "\u00a0": " ", "\u202f": " "})
_SCALES = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9}
_AMOUNT = re.compile(r"(?P<number>[0-9][0-9., ]*)(?P<scale>[kmb]?)")


@cache
def _known() -> frozenset[str]:
    return frozenset(list_currencies())


def currency_code(text: str) -> str:
    """An ISO 4217 code as typed ("eur" is EUR), refused with one line when unknown."""
    code = text.strip().upper()
    if code not in _known():
        raise ValidationError(
            f"unknown currency {text.strip()!r}: use an ISO 4217 code (EUR, IRR, USD…)"
        )
    return code


def decimals(currency: str) -> int:
    """How many digits after the point ``currency`` has."""
    return int(get_currency_precision(currency))


@dataclass(frozen=True, order=True)
class Money:
    """``minor`` units of ``currency`` (an ISO 4217 code): 120050 EUR is €1,200.50."""

    minor: int
    currency: str

    @property
    def amount(self) -> Decimal:
        return Decimal(self.minor).scaleb(-decimals(self.currency))

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.minor + other.minor, self.currency)


def money(amount: Decimal, currency: str) -> Money:
    """``amount`` of ``currency`` exactly, refused when it has more decimals than the
    currency or is out of range."""
    code = currency_code(currency)
    places = decimals(code)
    if amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError(f"amount out of range: {amount} (0 to {MAX_AMOUNT:,})")
    minor = amount.scaleb(places)
    if minor != minor.to_integral_value():
        raise ValidationError(f"{code} has {places} decimals: {amount} has more")
    return Money(int(minor), code)


def parse_amount(text: str, currency: str) -> Money:
    """An amount as people write it, in ``currency``.

    Persian and Arabic digits and separators count as theirs. With both "," and "." the
    last one is the decimal point ("1,200.50", "1.200,50"); a single one followed by
    exactly three digits groups thousands ("1,200" and "1.200" are 1200), else it is the
    point ("12,5", "0.125", and in a currency of three decimals "1.500"); spaces group. A
    "k", "m" or "b" after the number multiplies it ("1.2k" is 1200)."""
    typed = text.strip().translate(_DIGITS).translate(_SEPARATORS).lower()
    found = _AMOUNT.fullmatch(typed)
    if found is None:
        raise ValidationError(f"not an amount: {text.strip()!r} (write it like 1,200.50)")
    code = currency_code(currency)
    number = _plain(found["number"].replace(" ", ""), text, three_decimals=decimals(code) == 3)
    return money(number * _SCALES[found["scale"]], code)


def parse_number(text: str) -> Decimal:
    """A number as people write one, read as ``parse_amount`` reads an amount (a leading
    minus allowed): "1,200.5", "۱٬۲۰۰", "12,5", "-3", "2.5k". At most ``MAX_AMOUNT``."""
    typed = text.strip().translate(_DIGITS).translate(_SEPARATORS).lower()
    negative = typed.startswith(("-", "−"))
    found = _AMOUNT.fullmatch(typed.lstrip("-−").strip())
    if found is None:
        raise ValidationError(f"not a number: {text.strip()!r} (write it like 1,200.5)")
    number = _plain(found["number"].replace(" ", ""), text, three_decimals=False)
    number *= _SCALES[found["scale"]]
    if number > MAX_AMOUNT:
        raise ValidationError(f"number out of range: {text.strip()!r} (at most {MAX_AMOUNT:,})")
    return -number if negative else number


def _plain(number: str, text: str, *, three_decimals: bool) -> Decimal:
    """``number`` (digits, "," and ".") as a Decimal, by the rules of ``parse_amount``."""
    marks = [mark for mark in number if mark in ",."]
    if len(set(marks)) == 2:
        point = max(number.rfind(","), number.rfind("."))
        whole, fraction = number[:point], number[point + 1 :]
        if number[point] in whole or "," in fraction or "." in fraction:
            raise ValidationError(f"not an amount: {text.strip()!r} (two decimal points)")
        number = _ungrouped(whole, text) + "." + fraction
    elif len(marks) == 1 and not _groups(number, marks[0], three_decimals=three_decimals):
        number = number.replace(marks[0], ".")  # "12,5": the decimal point
    else:
        number = _ungrouped(number, text)  # "1,200", "1.200.300": groups
    try:
        return Decimal(number)
    except InvalidOperation:
        raise ValidationError(f"not an amount: {text.strip()!r}") from None


def _groups(number: str, mark: str, *, three_decimals: bool) -> bool:
    """Whether the one ``mark`` in ``number`` groups thousands rather than marking the
    point: three digits after it, not after a lone 0, in a currency of fewer decimals."""
    whole, _, fraction = number.partition(mark)
    return len(fraction) == 3 and whole != "0" and not three_decimals


def _ungrouped(number: str, text: str) -> str:
    """``number``'s digits, its groups after the first being three digits each."""
    first, *groups = re.split(r"[,.]", number)
    if not first or any(len(group) != 3 for group in groups):
        raise ValidationError(f"not an amount: {text.strip()!r} (digits grouped by three)")
    return first + "".join(groups)


def format_money(value: Money, *, locale: str = "en") -> str:
    """``value`` with its currency's decimals, grouped as ``locale`` groups, and its
    code: "1,200.50 EUR", "12,000,000 IRR"."""
    return str(
        format_currency(
            value.amount, value.currency, format="#,##0.00 ¤¤", locale=locale, currency_digits=True
        )
    )


def totals(values: Iterable[Money]) -> dict[str, Money]:
    """One total per currency, in the order the currencies first come."""
    found: dict[str, Money] = {}
    for value in values:
        found[value.currency] = found[value.currency] + value if value.currency in found else value
    return found
