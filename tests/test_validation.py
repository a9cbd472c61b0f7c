"""Email/phone checks, their fast paths, Unicode folding and the date grammar."""

from __future__ import annotations

import string
from datetime import date, datetime

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui.dates import DateError, parse_day, parse_when
from crm_tui.errors import FieldErrors
from crm_tui.schemas import ContactCreate, TaskCreate
from crm_tui.text import fold, index_text, query_terms, sort_key
from crm_tui.validation import (
    InvalidValue,
    _plain_email,
    _plain_international_key,
    normalize_email,
    normalize_phone,
)

_LOCAL = st.text(string.ascii_letters + string.digits + ".+_-'", min_size=1, max_size=20)
_LABEL = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=12)
_EMAILS = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
    _LOCAL,
    st.lists(_LABEL, min_size=1, max_size=3),
    st.sampled_from(["com", "Example", "ir", "co", "local", "test", "c", "123", "xn--p1ai"]),
)


@settings(max_examples=400, deadline=None)
@given(_EMAILS)
def test_the_email_fast_path_agrees_with_email_validator(address: str) -> None:
    fast = _plain_email(address)
    try:
        slow = validate_email(address, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        assert fast is None
        return
    assert fast is None or fast == slow.normalized


_NUMBERS = st.builds(
    lambda code, rest, sep: "+" + sep.join([str(code), rest[:3], rest[3:]]),
    st.integers(1, 999),
    st.text(string.digits, min_size=6, max_size=12),
    st.sampled_from([" ", "", "-", "."]),
)


@settings(max_examples=600, deadline=None)
@given(_NUMBERS)
def test_the_phone_fast_path_agrees_with_phonenumbers(number: str) -> None:
    fast = _plain_international_key(number)
    if fast is None:
        return
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return  # the slow path then keys it as "+digits", the same as the fast path
    if phonenumbers.is_possible_number(parsed):
        assert fast == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("+98 912 555 0101", "+989125550101"),
        ("tel:+233-30-555-0199", "+233305550199"),
        ("۰۹۱۲۵۵۵۰۱۰۲", "09125550102"),
        ("06 55 55 01 02", "0655550102"),
        ("+44 (0)20 7946 0000", "+442079460000"),
        ("+7 8 495 123 45 67", "+74951234567"),
    ],
)
def test_phone_keys(raw: str, key: str) -> None:
    assert normalize_phone(raw).key == key
    assert normalize_phone(raw).value == raw.strip().removeprefix("tel:")


@pytest.mark.parametrize("raw", ["call me", "12", "+98 912 555 0101 ext. nine"])
def test_phone_rejects_what_is_not_a_number(raw: str) -> None:
    with pytest.raises(InvalidValue):
        normalize_phone(raw)


def test_email_normalisation() -> None:
    assert normalize_email(" Sara@Ahmadi-Design.EXAMPLE ").value == "Sara@ahmadi-design.example"
    assert normalize_email("mailto:a@b.example").key == "a@b.example"
    assert normalize_email("مریم@مثال.ایران").value == "مریم@مثال.ایران"
    with pytest.raises(InvalidValue):
        normalize_email("a@b@c")


def test_folding_for_sort_and_search() -> None:
    assert fold("ÉCOLE") == "école"
    assert sort_key("  Chloé   Dubois ") == "chloe dubois"
    assert fold("علي") == fold("علی")
    assert fold("۱۲۳") == "123"
    assert index_text("王小明") == " 王  小  明 "
    assert query_terms("sara@ahm 小明") == [["sara", "ahm"], ["小", "明"]]


def test_latin_letters_without_an_accent_to_drop_fold_to_their_base_letter() -> None:
    """Unicode gives "ł", "ø", "ı", "đ"… no decomposition, so dropping marks kept them: "lucja"
    found no "Łucja" and Łukasz sorted after Zoë."""
    assert sort_key("Łucja Øberg") == "lucja oberg"
    assert sort_key("Ahmet Yıldız") == "ahmet yildiz"
    assert sort_key("Đorđe Þórsson") == "dorde thorsson"
    assert sort_key("Æbelø Œuvre") == "aebelo oeuvre"
    assert query_terms("ŁUCJA øberg") == [["lucja"], ["oberg"]]
    assert index_text("Ħal Ŧ") == "hal t"


def test_a_letter_with_a_hamza_folds_as_the_letter_typed_without_it() -> None:
    """ "ئ" lost its hamza as an Arabic yeh, which the fold writes as the Persian one
    everywhere else: "مسئول" was found only when typed with the hamza."""
    assert index_text("مسئول") == index_text("مسیول") == index_text("مسيول")
    assert index_text("رئیس") == index_text("رییس")
    assert sort_key("خانۀ ما") == sort_key("خانه ما")


NOW = datetime(2026, 11, 22, 16, 0).astimezone()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("yesterday 15:00", datetime(2026, 11, 21, 15, 0).astimezone()),
        ("-2d", datetime(2026, 11, 20, 16, 0).astimezone()),
        ("-3h", datetime(2026, 11, 22, 13, 0).astimezone()),
        ("fri 9:30", datetime(2026, 11, 20, 9, 30).astimezone()),
        ("2026-11-01 14:30", datetime(2026, 11, 1, 14, 30).astimezone()),
        ("3pm", datetime(2026, 11, 22, 15, 0).astimezone()),
    ],
)
def test_parse_when(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3d", date(2026, 11, 25)),
        ("fri", date(2026, 11, 27)),
        ("tomorrow", date(2026, 11, 23)),
        ("2026-12-01", date(2026, 12, 1)),
        ("-1d", date(2026, 11, 21)),
        ("2w", date(2026, 12, 6)),
    ],
)
def test_parse_day(text: str, expected: date) -> None:
    assert parse_day(text, today=NOW.date()) == expected


@pytest.mark.parametrize("text", ["blah", "25:00", "yesterday 15:00 extra", "2026-02-30"])
def test_unreadable_dates_say_so(text: str) -> None:
    with pytest.raises(DateError):
        parse_when(text, now=NOW)


def test_plural_counts_plainly_for_the_cli_and_grouped_for_the_screens() -> None:
    from crm_tui.text import plural
    from screens.base import plural as shown

    assert [plural(n, "contact") for n in (0, 1, 2, 12_345)] == [
        "0 contacts",
        "1 contact",
        "2 contacts",
        "12345 contacts",
    ]
    assert (
        plural(1, "entry", "entries") == "1 entry" and plural(3, "entry", "entries") == "3 entries"
    )
    assert shown(12_345, "contact") == "12,345 contacts"


@pytest.mark.parametrize(
    ("model", "values", "errors"),
    [
        (ContactCreate, {"name": " "}, {"name": "a name is required"}),
        (
            TaskCreate,
            {"title": "Ship", "start_date": date(2026, 12, 10), "due_date": date(2026, 12, 1)},
            {"due_date": "the due date is before the start date"},
        ),
    ],
)
def test_a_check_across_fields_is_told_once_beside_its_field(
    model: type[ContactCreate] | type[TaskCreate], values: dict[str, object], errors: object
) -> None:
    """A form showed "a name is required" twice: beside Name and on its general line."""
    with pytest.raises(FieldErrors) as raised:
        model.build(**values)
    assert raised.value.errors == errors


def test_validation_messages_are_in_plain_words() -> None:
    """Forms and import reports showed pydantic's "String should have at least 1 character"
    and "Input should be 'todo', 'doing', 'blocked' or 'done'"."""
    with pytest.raises(FieldErrors) as raised:
        TaskCreate.build(title="", status="later", priority=9, progress=-1)
    assert raised.value.errors == {
        "title": "required",
        "status": "one of todo, doing, blocked or done",
        "priority": "at most 3",
        "progress": "at least 0",
    }


def test_a_birthday_is_typed_without_its_year_as_in_vcards() -> None:
    assert ContactCreate.build(name="Noor", birthday="--02-29").birthday == date(1604, 2, 29)
    assert ContactCreate.build(name="Noor", birthday="1990-02-28").birthday == date(1990, 2, 28)
    with pytest.raises(FieldErrors) as raised:
        ContactCreate.build(name="Noor", birthday="--02-30")
    assert raised.value.errors == {"birthday": "no such day: '--02-30'"}


def test_a_word_with_a_non_joiner_is_indexed_in_parts_and_joined() -> None:
    assert index_text("نگار پیش\u200cنویس") == "نگار پیش نویس پیشنویس"
    assert query_terms("پیش\u200cنویس") == [["پیش", "نویس"]]  # a phrase of its parts
    assert query_terms("پیشنویس") == [["پیشنویس"]]
