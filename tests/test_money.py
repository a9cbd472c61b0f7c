"""Money read as people write it and printed with its currency's decimals: exact, never a
float, never two currencies in one sum."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_tui.errors import ValidationError
from crm_tui.money import MAX_AMOUNT, Money, format_money, parse_amount, totals

READ = [
    ("1,200.50", "EUR", 120050),
    ("1.200,50", "EUR", 120050),
    ("1 200,5", "EUR", 120050),
    ("1'200.50", "CHF", 120050),
    ("12,5", "EUR", 1250),
    ("1,200", "EUR", 120000),  # three digits after one mark: thousands
    ("1.200", "IRR", 1200),
    ("۱٬۲۰۰", "IRR", 1200),
    ("۱۲٬۵۰۰٫۷۵", "eur", 1250075),
    ("١٬٢٠٠", "IRR", 1200),
    ("1.2k", "EUR", 120000),
    ("3M", "IRR", 3_000_000),
    ("0", "JPY", 0),
    ("1.5", "BHD", 1500),  # three decimals
]


@pytest.mark.parametrize(("text", "currency", "minor"), READ)
def test_amounts_are_read_as_people_write_them(text: str, currency: str, minor: int) -> None:
    value = parse_amount(text, currency)
    assert value == Money(minor, currency.upper())
    assert isinstance(value.minor, int) and isinstance(value.amount, Decimal)


REFUSED = [
    ("abc", "EUR", "not an amount: 'abc'"),
    ("-5", "EUR", "not an amount"),
    ("1,2,3", "EUR", "grouped by three"),
    ("1,200.300,5", "EUR", "two decimal points"),
    ("12.5", "IRR", "IRR has 0 decimals"),
    ("10.1234", "EUR", "EUR has 2 decimals"),
    ("0.001", "EUR", "EUR has 2 decimals"),
    ("2000000000000000", "EUR", "out of range"),
    ("5", "XXQ", "unknown currency 'XXQ'"),
    ("", "EUR", "not an amount"),
]


@pytest.mark.parametrize(("text", "currency", "reason"), REFUSED)
def test_a_bad_amount_is_refused_in_one_line(text: str, currency: str, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_amount(text, currency)
    assert reason in str(refused.value) and "\n" not in str(refused.value)


def test_amounts_print_with_their_currency_s_decimals() -> None:
    assert format_money(Money(120050, "EUR")) == "1,200.50 EUR"
    assert format_money(Money(120050, "EUR"), locale="de") == "1.200,50 EUR"
    assert format_money(Money(12_000_000, "IRR")) == "12,000,000 IRR"
    assert format_money(Money(1500, "BHD")) == "1.500 BHD"


def test_currencies_are_never_added_together() -> None:
    values = [Money(100, "EUR"), Money(5000, "IRR"), Money(250, "EUR")]
    assert totals(values) == {"EUR": Money(350, "EUR"), "IRR": Money(5000, "IRR")}
    with pytest.raises(ValueError, match="cannot add IRR to EUR"):
        _ = values[0] + values[1]


CURRENCIES = st.sampled_from(["EUR", "IRR", "JPY", "BHD", "USD"])
LIMIT = int(MAX_AMOUNT) * 1000  # in the smallest minor unit of those (BHD: 3 decimals)


@given(st.integers(min_value=0, max_value=LIMIT), CURRENCIES, st.sampled_from(["en", "de", "fr"]))
def test_what_is_printed_reads_back_the_same(minor: int, currency: str, locale: str) -> None:
    value = Money(minor, currency)
    if value.amount > MAX_AMOUNT:
        return
    printed = format_money(value, locale=locale).removesuffix(" " + currency)
    assert parse_amount(printed, currency) == value
