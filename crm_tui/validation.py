"""Email and phone checks by well-kept libraries (email-validator, phonenumbers)."""

from __future__ import annotations

import functools
import re
from typing import Any, NamedTuple

from crm_tui.text import fold

# The two libraries are loaded on first use (else every command's start would pay for them:
# an export, a list or the app's first screen checks no address or number).

_PHONE_CHARS = re.compile(r"^[\d\s+().\-/#*x,;]*$", re.IGNORECASE)
_MIN_DIGITS, _MAX_DIGITS = 3, 20

# Fast paths: imports check 100k rows, and the libraries are slow for each value. A value
# these strict patterns accept is one the library accepts and normalises the same way
# (tests/test_validation.py checks that with hypothesis); anything else goes to the library.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_EMAIL = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$")
_SPECIAL_DOMAINS = frozenset({"arpa", "invalid", "local", "localhost", "onion"})
_PLAIN_INTERNATIONAL = re.compile(r"^\+[1-9][\d \-.]{6,24}$")


# Ids and counts are 64-bit integers in both databases: a larger number is refused where it
# is typed, not by the database driver deep inside a query.
MAX_ID = 2**63 - 1
MAX_TOUCH_DAYS = 3650  # keep in touch at least once in ten years, or it is no rhythm
MAX_HOURS = 100_000  # an estimate beyond this (11 years of work) is a typo


class InvalidValue(ValueError):
    """A value that cannot be stored; the message is meant for the user."""


class Normalized(NamedTuple):  # a tuple: imports make 100k of these
    """A value as the user wrote it (tidied) and the key used to compare it."""

    value: str
    key: str


def normalize_email(raw: str) -> Normalized:
    """Check syntax (no DNS lookup) and lower-case the domain; the key ignores case."""
    text = raw.strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    plain = _plain_email(text)
    if plain is not None:
        return Normalized(plain, plain.lower())
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(text, check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise InvalidValue(f"not a valid email address: {raw.strip()!r} ({error})") from None
    return Normalized(checked.normalized, fold(checked.normalized))


def _plain_email(text: str) -> str | None:
    """``text`` with its domain lower-cased, if it is a plain ASCII address; else None."""
    if len(text) > 254 or not _PLAIN_EMAIL.match(text):
        return None
    local, domain = text.rsplit("@", 1)
    domain = domain.lower()
    if len(local) > 64 or len(domain) > 253 or "--" in domain:
        return None
    if domain.rsplit(".", 1)[-1] in _SPECIAL_DOMAINS:
        return None
    return f"{local}@{domain}"


@functools.cache
def _phonenumbers() -> Any:
    import phonenumbers

    return phonenumbers


def _country_codes() -> dict[int, list[str]]:
    codes: dict[int, list[str]] = _phonenumbers().COUNTRY_CODE_TO_REGION_CODE
    return codes


@functools.cache
def _national_prefix(country_code: int) -> re.Pattern[str] | None:
    """The pattern of the national (trunk) prefix phonenumbers strips for this country."""
    phonenumbers = _phonenumbers()
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    pattern = metadata.national_prefix_for_parsing if metadata else None
    return re.compile(pattern) if pattern else None


def _plain_international_key(text: str) -> str | None:
    """The E.164 key of "+CC number" written plainly, when phonenumbers would not rewrite it.

    phonenumbers only changes such a number's digits when it strips a national prefix
    ("+7 8…", "+1 1…"); when that prefix cannot match, E.164 is "+" and the digits.
    """
    if not _PLAIN_INTERNATIONAL.match(text):
        return None
    digits = text[1:].replace(" ", "").replace("-", "").replace(".", "")
    for size in (1, 2, 3):
        code = int(digits[:size])
        if code in _country_codes():
            prefix = _national_prefix(code)
            if prefix is not None and prefix.match(digits[size:]):
                return None
            return "+" + digits
    return None


def normalize_phone(raw: str, region: str | None = None) -> Normalized:
    """Keep the number as written; its key is E.164 when it parses, else its digits.

    A local number without a country code ("06 55 55 01 02") cannot be put in E.164 without
    knowing the country, so it is kept as written rather than refused.
    """
    text = " ".join(raw.strip().split())
    if text.lower().startswith("tel:"):
        text = text[4:]
    fast = _plain_international_key(text)
    if fast is not None:
        return Normalized(text, fast)
    ascii_text = fold(text)  # Persian and Arabic-Indic digits -> 0-9
    digits = re.sub(r"\D", "", ascii_text)
    if not _PHONE_CHARS.match(ascii_text) or not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS:
        raise InvalidValue(f"not a phone number: {raw.strip()!r}")
    fallback = "+" + digits if ascii_text.lstrip().startswith("+") else digits
    phonenumbers = _phonenumbers()
    try:
        number = phonenumbers.parse(ascii_text, region)
    except phonenumbers.NumberParseException:
        return Normalized(text, fallback)
    if not phonenumbers.is_possible_number(number):
        return Normalized(text, fallback)
    return Normalized(text, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def format_phone_international(raw: str, region: str | None = None) -> str:
    """The international form ("+98 912 555 0101") when the number parses, else as written."""
    phonenumbers = _phonenumbers()
    try:
        number = phonenumbers.parse(fold(raw), region)
    except phonenumbers.NumberParseException:
        return raw
    if not phonenumbers.is_possible_number(number):
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
