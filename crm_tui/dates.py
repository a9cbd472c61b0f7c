"""Dates and times as people type them: "yesterday 15:00", "-2d", "fri", "2026-12-01".

A deliberately small grammar (no library parses "-2d" and "fri 9:30" alike, and the big
natural-language parsers guess too freely for a tool that writes records):

  when  := [day] [time] | offset          day  := today | yesterday | tomorrow | weekday
  offset:= (+|-)N(m|h|d|w)                     | YYYY-MM-DD | DD.MM.YYYY | DD/MM/YYYY
  time  := HH:MM | HH | HHam | HH:MMpm         "now" is now; a bare duration "3d" is in 3 days.

Persian is read beside English: Persian and Arabic digits, the Jalali calendar (a year
below 1700 is a Jalali year: no business has records from then, so "1405-09-20",
"1405/09/20" and "۱۴۰۵-۰۹-۲۰" cannot be misread as a Gregorian date six centuries ago),
امروز/فردا/پس‌فردا/دیروز/پریروز, the weekdays شنبه … جمعه, and "۳ روز دیگه", "3 روز بعد",
"2 هفته پیش". Dates are kept Gregorian; ``jalali_note`` says what a Jalali date was read as.

Times are local; the functions return aware datetimes (local zone) or dates.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_OFFSET = re.compile(r"^([+-]?)(\d+)\s*(m|min|h|d|w)$")
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}

# Below this a year is Jalali (1405 is 2026); from here to EARLIEST it fits neither calendar.
JALALI_BEFORE = 1700
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_ZWNJ = "\u200c"
# Persian words as the English grammar's: one spelling each (Arabic yeh and kaf, a space or
# none for the joiner), then the words.
_PERSIAN_LETTERS = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی"})
_PERSIAN_SPACED = re.compile(r"(پس|سه|پنج)[\s\u200c]*(فردا|شنبه)")
_PERSIAN_OFFSET = re.compile(r"^([0-9]+)\s*(دقیقه|ساعت|روز|هفته)\s*(دیگه|دیگر|بعد|پیش|قبل)$")
# Days named by a word, from today (Persian has two English lacks).
_NAMED_DAYS = {"today": 0, "yesterday": -1, "tomorrow": 1, "پس\u200cفردا": 2, "پریروز": -2}
_PERSIAN_UNITS = {"دقیقه": "m", "ساعت": "h", "روز": "d", "هفته": "w"}
_PERSIAN_WORDS = {
    "امروز": "today",
    "فردا": "tomorrow",
    "دیروز": "yesterday",
    "دوشنبه": "monday",
    "سه\u200cشنبه": "tuesday",
    "چهارشنبه": "wednesday",
    "پنج\u200cشنبه": "thursday",
    "جمعه": "friday",
    "شنبه": "saturday",
    "یکشنبه": "sunday",
    "یک\u200cشنبه": "sunday",
    "الان": "now",
    "حالا": "now",
}


class DateError(ValueError):
    """Text that is not a date or time this module understands (message for the user)."""


# The dates crm keeps: no business has records from before 1900, and a date past 2200 is a
# typo (9999-12-31 overflowed the Gantt's arithmetic); refused at every way in.
EARLIEST, LATEST = date(1900, 1, 1), date(2200, 12, 31)


def check_day(day: date, text: object = None) -> date:
    """``day`` if it lies between EARLIEST and LATEST; else a DateError naming it."""
    if not EARLIEST <= day <= LATEST:
        shown = day.isoformat() if text is None else repr(text)
        raise DateError(f"{shown} is out of range: crm keeps dates from 1900 to 2200")
    return day


def _now() -> datetime:
    return datetime.now().astimezone()


def _offset(text: str) -> timedelta | None:
    match = _OFFSET.match(text)
    if not match:
        return None
    sign, amount, unit = match.groups()
    delta = timedelta(**{_UNITS[unit]: int(amount)})
    return -delta if sign == "-" else delta


def _weekday(word: str, today: date, *, past: bool) -> date | None:
    """The last (``past``) or next occurrence of a weekday named by 3+ letters."""
    matches = [i for i, name in enumerate(_WEEKDAYS) if len(word) >= 3 and name.startswith(word)]
    if len(matches) != 1:
        return None
    target = matches[0]
    if past:
        return today - timedelta(days=(today.weekday() - target) % 7)
    return today + timedelta(days=(target - today.weekday()) % 7 or 7)


def _day(word: str, today: date, *, past: bool) -> date | None:
    if word in _NAMED_DAYS:
        return today + timedelta(days=_NAMED_DAYS[word])
    written = _written_date(word)
    if written is not None:
        return _calendar_day(*written, word)
    return _weekday(word, today, past=past)


def _written_date(word: str) -> tuple[int, int, int] | None:
    """(year, month, day) of a date written with numbers, in any of the orders read."""
    for pattern, order in (
        (r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$", "ymd"),
        (r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", "dmy"),
        (r"^(\d{1,2})/(\d{1,2})/(\d{4})$", "dmy"),
    ):
        match = re.match(pattern, word)
        if match:
            values = dict(zip(order, map(int, match.groups()), strict=True))
            return values["y"], values["m"], values["d"]
    return None


def _calendar_day(year: int, month: int, day: int, word: str) -> date:
    """The day ``word`` names: Jalali for a year below JALALI_BEFORE, else Gregorian."""
    if year < JALALI_BEFORE:
        import jdatetime  # only for Jalali dates: most commands never read one

        try:
            gregorian: date = jdatetime.date(year, month, day).togregorian()
        except ValueError:
            raise DateError(f"no such day in the Jalali calendar: {word!r}") from None
        return gregorian
    if year < EARLIEST.year:
        raise DateError(
            f"{word!r} fits neither calendar: a Jalali year is below {JALALI_BEFORE}, "
            f"and crm keeps Gregorian dates from {EARLIEST.year}"
        )
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"no such day: {word!r}") from None


def english_words(text: str) -> str:
    """``text`` with Persian and Arabic digits and Persian date words in the English
    grammar's terms (lower-cased, whitespace kept as one space)."""
    text = text.translate(_DIGITS).strip().lower()
    if text.isascii():
        return " ".join(text.split())
    text = _PERSIAN_SPACED.sub(lambda m: m[1] + _ZWNJ + m[2], text.translate(_PERSIAN_LETTERS))
    offset = _PERSIAN_OFFSET.match(" ".join(text.split()))
    if offset:
        amount, unit, way = offset.groups()
        sign = "-" if way in ("پیش", "قبل") else "+"
        return f"{sign}{amount}{_PERSIAN_UNITS[unit]}"
    return " ".join(_PERSIAN_WORDS.get(word, word) for word in text.split())


def jalali_note(text: str) -> str | None:
    """What a Jalali date in ``text`` was read as ("1405-09-20 (Jalali) is 2026-12-11"), for
    a confirmation; None when ``text`` holds none."""
    found = _jalali(text)
    return f"{found[0]} (Jalali) is {found[1].isoformat()}" if found else None


def jalali_day(text: str) -> date | None:
    """The Gregorian day of a Jalali date in ``text`` (None when it holds none, or a day
    the Jalali calendar lacks): what a form shows beside a date being typed."""
    found = _jalali(text)
    return found[1] if found else None


def _jalali(text: str) -> tuple[str, date] | None:
    for word in english_words(text).split():
        written = _written_date(word)
        if written is not None and written[0] < JALALI_BEFORE:
            try:
                return word, _calendar_day(*written, word)
            except DateError:
                return None
    return None


def _clock(word: str) -> time | None:
    match = _TIME.match(word)
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half == "pm" and hour < 12:
        hour += 12
    elif half == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise DateError(f"not a time of day: {word!r}")
    return time(hour, minute)


def parse_when(text: str, *, now: datetime | None = None, ahead: bool = False) -> datetime:
    """A past or present moment ("yesterday 15:00", "-2d", "fri 9:30", "now"); ``ahead``: a
    coming one, as an appointment is booked ("tomorrow 10:00", "fri 9:30", "2h": in two
    hours, a weekday the next one)."""
    try:
        moment = _parse_when(text, now or _now(), past=not ahead)
    except OverflowError:
        raise DateError(f"{text!r} is out of range: crm keeps dates from 1900 to 2200") from None
    check_day(moment.date(), text)
    return moment


def _parse_when(text: str, now: datetime, *, past: bool = True) -> datetime:
    words = english_words(text).split()
    if not words or words == ["now"]:
        return now
    if len(words) == 1 and (delta := _offset(words[0])) is not None:
        return now + (delta if words[0][0] in "+-" or not past else -delta)
    day = _day(words[0], now.date(), past=past)
    clock_words = words[1:] if day is not None else words
    if day is None:
        day = now.date()
    clock = _clock_of(text, clock_words, past)
    check_day(day, text)  # before astimezone(), which fails on the year 1
    moment = datetime.combine(day, clock or (now.time() if day == now.date() else time(12, 0)))
    return moment.astimezone() if moment.tzinfo is None else moment


def _clock_of(text: str, words: list[str], past: bool) -> time | None:
    """The time of day the words after a day say (None: none said)."""
    if len(words) > 1:
        raise DateError(f"cannot read {text!r} as a date and time")
    clock = _clock(words[0]) if words else None
    if words and clock is None:
        example = "'yesterday 15:00' or '-2d'" if past else "'tomorrow 10:00' or 'fri 9:30'"
        raise DateError(f"cannot read {text!r} as a date and time (try {example})")
    return clock


def parse_day(text: str, *, today: date | None = None) -> date:
    """A calendar day, usually ahead ("3d", "fri", "tomorrow", "2026-12-01", "-1d")."""
    try:
        day = _parse_day(text, today or _now().date())
    except OverflowError:
        raise DateError(f"{text!r} is out of range: crm keeps dates from 1900 to 2200") from None
    return check_day(day, text)


def _parse_day(text: str, today: date) -> date:
    word = english_words(text)
    if not word:
        raise DateError("a date is required")
    delta = _offset(word)
    if delta is not None:
        return today + timedelta(days=delta.days)
    day = _day(word, today, past=False)
    if day is None:
        raise DateError(f"cannot read {text!r} as a date (try '3d', 'fri' or '2026-12-01')")
    return day


def local_day_start(day: date) -> datetime:
    """The first moment of a calendar day here: where a due date sits among timed events."""
    return datetime.combine(day, time(0, 0)).astimezone()


# A birthday without a year is stored in 1604, a leap year long past (as Apple's vCards write
# it); people read and type it as "--12-24", the vCard and ISO 8601 form.
NO_YEAR = 1604
_MONTH_DAY = re.compile(r"^--(\d{2})-?(\d{2})$")


def birthday_text(day: date | None) -> str:
    """``--12-24`` for a birthday without a year, else ``1990-12-24`` ("" for none)."""
    if day is None:
        return ""
    return f"--{day:%m-%d}" if day.year == NO_YEAR else day.isoformat()


def jalali_year(text: str) -> bool:
    """Whether ``text`` starts with a year below JALALI_BEFORE, in either digits: a Jalali
    date, which ISO parsing would take for a Gregorian year ("1405-09-20" is 2026-12-11)."""
    head = text.strip()[:4]
    return head.isdigit() and int(head) < JALALI_BEFORE


def written_day(text: str) -> date | None:
    """The day a date written in numbers names ("1990-12-24", "24.12.1990", "1369/10/03" and
    "۱۳۶۹-۱۰-۰۳" in Jalali: a year below 1700); None for other text (no words: "tomorrow"
    is nobody's birthday)."""
    word = english_words(text)
    written = _written_date(word)
    return _calendar_day(*written, word) if written is not None else None


def month_day(text: str) -> date | None:
    """``--12-24`` (or ``--1224``) as the stored year-less birthday; None for other text."""
    match = _MONTH_DAY.match(text.strip())
    if match is None:
        return None
    try:
        return date(NO_YEAR, int(match.group(1)), int(match.group(2)))
    except ValueError:
        raise DateError(f"no such day: {text.strip()!r}") from None


def week_first(day: date, *, jalali: bool = False) -> date:
    """The first day of ``day``'s week: Monday, or Saturday in the Jalali calendar."""
    first = 5 if jalali else 0
    return day - timedelta(days=(day.weekday() - first) % 7)


def month_firsts(day: date, count: int, *, jalali: bool = False) -> list[date]:
    """The first days of the ``count`` months up to ``day``'s (Gregorian or Jalali months),
    oldest first, then the first day of the month after: ``count + 1`` boundaries."""
    if jalali:
        import jdatetime

        shown = jdatetime.date.fromgregorian(date=day)
        year, month = shown.year, shown.month
    else:
        year, month = day.year, day.month
    months = []
    for offset in range(-count + 1, 2):
        number = year * 12 + (month - 1) + offset
        months.append((number // 12, number % 12 + 1))
    if jalali:
        return [jdatetime.date(y, m, 1).togregorian() for y, m in months]
    return [date(y, m, 1) for y, m in months]


def month_starts(start: date, end: date, *, jalali: bool = False) -> list[date]:
    """The first day of each month from ``start``'s to ``end``'s (Gregorian or Jalali
    months), then the first day of the month after ``end``'s."""
    if jalali:
        import jdatetime

        first, last = (jdatetime.date.fromgregorian(date=day) for day in (start, end))
        count = (last.year - first.year) * 12 + last.month - first.month + 1
    else:
        count = (end.year - start.year) * 12 + end.month - start.month + 1
    return month_firsts(end, max(count, 1), jalali=jalali)


def month_label(first: date, *, jalali: bool = False) -> str:
    """``2026-03`` for the month that starts on ``first`` (``1405-01`` in Jalali)."""
    if jalali:
        import jdatetime

        shown = jdatetime.date.fromgregorian(date=first)
        return f"{shown.year:04d}-{shown.month:02d}"
    return f"{first.year:04d}-{first.month:02d}"


_DURATION = re.compile(r"^(?:(\d{1,6})\s*h)?\s*(?:(\d{1,6})\s*(?:m|min)?)?$")


def parse_duration(text: str) -> timedelta:
    """How long: "45m", "1h", "1h30", "1h 30m", "90" (minutes)."""
    word = english_words(text).replace(" ", "")
    match = _DURATION.match(word)
    if not word or not match or not any(match.groups()):
        raise DateError(f"cannot read {text!r} as a length of time (try '45m' or '1h30')")
    hours, minutes = (int(part or 0) for part in match.groups())
    if hours > 24 * 14 or minutes > 60 * 24 * 14:
        raise DateError(f"{text!r} is too long for an appointment")
    length = timedelta(hours=hours, minutes=minutes)
    if not length:
        raise DateError("an appointment lasts at least a minute")
    return length
