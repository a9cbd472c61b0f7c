"""Repeating work: a rule written the way people say it, kept as an iCalendar RRULE.

"every 2 weeks on mon", "monthly on the last fri", "every month on the 15th", "yearly",
"daily until 2027-06-30", "weekly on mon, thu for 10 times"; in Persian "هر ۲ هفته دوشنبه",
"هر ماه آخرین جمعه", "هر روز تا 1405/12/29", "هر هفته ۱۰ بار". The rule is stored as RRULE
text ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"), which calendars read too, and its dates come
from dateutil's rrule. A rule has no start of its own: each occurrence of a series is a
task whose due day is the start of the next step, and a rule with a count carries the
occurrences still to come (one fewer on each next task).

Pure: no database.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from dateutil.rrule import rrule, rrulestr

from crm_tui.dates import DateError, english_words, parse_day

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_UNITS = {
    "day": "DAILY",
    "days": "DAILY",
    "week": "WEEKLY",
    "weeks": "WEEKLY",
    "month": "MONTHLY",
    "months": "MONTHLY",
    "year": "YEARLY",
    "years": "YEARLY",
}
_ADVERBS = {"daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY", "yearly": "YEARLY"}
_ADVERBS["annually"] = "YEARLY"
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
# Persian words the English grammar's (weekdays come from ``crm_tui.dates``).
_PERSIAN = {
    "هر": "every",
    "روز": "day",
    "هفته": "week",
    "ماه": "month",
    "سال": "year",
    "تا": "until",
    "بار": "times",
    "آخرین": "last",
    "آخر": "last",
    "اولین": "first",
    "اول": "first",
    "روزانه": "daily",
    "هفتگی": "weekly",
    "ماهانه": "monthly",
    "سالانه": "yearly",
}
_FILLER = {"on", "the", "and", "of", "every", "day", "for"}
# A rule's dates are reckoned from a start; the count and the end are checked from it.
MAX_COUNT = 1000


class RepeatError(ValueError):
    """A repeat rule that cannot be read (the message says how to write one)."""


def parse_repeat(text: str) -> str:
    """The RRULE of ``text`` (said as above, or written as an RRULE); "" for none."""
    text = text.strip()
    if not text:
        return ""
    if text.upper().startswith(("FREQ=", "RRULE:")):
        return _checked(text.upper().removeprefix("RRULE:"))
    words = [_PERSIAN.get(word, word) for word in english_words(text).replace(",", " ").split()]
    until, words = _until(words)
    count, words = _count(words)
    frequency, interval, words = _frequency(words, text)
    parts = [f"FREQ={frequency}"] + ([f"INTERVAL={interval}"] if interval > 1 else [])
    parts += _on(words, frequency, text)
    if count is not None:
        parts.append(f"COUNT={count}")
    if until is not None:
        parts.append(f"UNTIL={until:%Y%m%d}")
    return _checked(";".join(parts))


def _checked(rule: str) -> str:
    """``rule`` if dateutil reads it and it has a frequency; else a RepeatError."""
    try:
        read = rrulestr(rule, dtstart=datetime(2026, 1, 1))
    except (ValueError, TypeError) as error:
        raise RepeatError(f"not a repeat rule: {rule!r} ({error})") from None
    if not isinstance(read, rrule) or "FREQ=" not in rule:
        raise RepeatError(f"not a repeat rule: {rule!r}")
    count = _count_of(rule)
    if count is not None and not 1 <= count <= MAX_COUNT:
        raise RepeatError(f"a count from 1 to {MAX_COUNT}, not {count}")
    return rule


def _count_of(rule: str) -> int | None:
    """How many occurrences ``rule`` says are left (COUNT), if it says."""
    found = re.search(r"(?:^|;)COUNT=(\d+)", rule)
    return int(found[1]) if found else None


def _until(words: list[str]) -> tuple[date | None, list[str]]:
    if "until" not in words:
        return None, words
    at = words.index("until")
    try:
        day = parse_day(" ".join(words[at + 1 :]))
    except DateError as error:
        raise RepeatError(f"until when? {error}") from None
    return day, words[:at]


def _count(words: list[str]) -> tuple[int | None, list[str]]:
    for at, word in enumerate(words):
        # "10 times"; "3 left", as ``describe`` says what a task has still to come
        if word in ("times", "time", "left") and at > 0 and words[at - 1].isdigit():
            return int(words[at - 1]), words[: at - 1] + words[at + 1 :]
    return None, words


def _frequency(words: list[str], text: str) -> tuple[str, int, list[str]]:
    """The frequency and interval ("every 2 weeks", "weekly", "every month"), and the
    words after them."""
    for at, word in enumerate(words):
        if word in _ADVERBS:
            return _ADVERBS[word], 1, words[at + 1 :]
        if word in _UNITS:
            before = words[at - 1] if at > 0 else ""
            interval = int(before) if before.isdigit() else 1
            if interval < 1:
                raise RepeatError(f"every how many? {text!r}")
            return _UNITS[word], interval, words[at + 1 :]
    raise RepeatError(
        f"how often? {text!r}: e.g. 'every 2 weeks on mon', 'monthly on the last fri', "
        "'every month on the 15th', 'yearly', 'daily until 2027-06-30'"
    )


def _on(words: list[str], frequency: str, text: str) -> list[str]:
    """The rule's BYDAY or BYMONTHDAY parts from the words after the frequency."""
    days: list[str] = []
    month_days: list[int] = []
    ordinal: int | None = None
    for word in words:
        if word in _ORDINALS:
            ordinal = _ORDINALS[word]
        elif _weekday(word) is not None:
            code = _WEEKDAYS[_weekday(word) or 0]
            days.append(f"{ordinal}{code}" if ordinal and frequency != "WEEKLY" else code)
        elif word == "day" and ordinal == -1:
            month_days.append(-1)
        elif word not in _FILLER:
            month_days.append(_month_day(word, frequency, text))
    parts = [f"BYDAY={','.join(dict.fromkeys(days))}"] if days else []
    if month_days:
        parts.append(f"BYMONTHDAY={','.join(str(day) for day in dict.fromkeys(month_days))}")
    return parts


def _month_day(word: str, frequency: str, text: str) -> int:
    """A day of the month ("15th", "15") in a monthly or yearly rule."""
    number = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?", word)
    if number is None or frequency not in ("MONTHLY", "YEARLY"):
        raise RepeatError(f"{word!r} in {text!r}: say days as mon, tue… or the 15th")
    if not 1 <= int(number[1]) <= 31:
        raise RepeatError(f"a day of the month from 1 to 31 in {text!r}")
    return int(number[1])


def _weekday(word: str) -> int | None:
    found = [i for i, name in enumerate(_DAY_NAMES) if len(word) >= 3 and name.startswith(word)]
    return found[0] if len(found) == 1 else None


def occurrences(rule: str, start: date, count: int = 10) -> list[date]:
    """The first ``count`` days of ``rule`` from ``start`` (``start`` itself if it is one)."""
    read = rrulestr(rule, dtstart=datetime.combine(start, time()))
    found: list[date] = []
    for moment in read:
        found.append(moment.date())
        if len(found) == count:
            break
    return found


def next_after(rule: str, day: date) -> tuple[date, str] | None:
    """The occurrence after ``day`` (the one just done) and the rule its task carries (a
    count one smaller); None when the rule has no more."""
    read = rrulestr(rule, dtstart=datetime.combine(day, time()))
    following = read.after(datetime.combine(day, time()))
    count = _count_of(rule)
    if following is None or (count is not None and count <= 1):
        return None
    if count is not None:
        rule = re.sub(r"COUNT=\d+", f"COUNT={count - 1}", rule)
    return following.date(), rule


def coming(rule: str, day: date, until: date, *, most: int = 100) -> list[date]:
    """The times a series will have after the one due on ``day``, up to ``until`` (at most
    ``most``): the days its next tasks will be due, as finishing each makes the next."""
    found: list[date] = []
    while len(found) < most:
        following = next_after(rule, day)
        if following is None or following[0] > until:
            break
        day, rule = following
        found.append(day)
    return found


def describe(rule: str) -> str:
    """``rule`` as people say it ("every 2 weeks on Mon", "monthly on the last Fri")."""
    if not rule:
        return ""
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
    noun = unit.get(parts.get("FREQ", ""), parts.get("FREQ", "").lower())
    interval = int(parts.get("INTERVAL", "1"))
    said = f"every {interval} {noun}s" if interval > 1 else f"every {noun}"
    if "BYDAY" in parts:
        said += " on " + ", ".join(_day_said(code) for code in parts["BYDAY"].split(","))
    if "BYMONTHDAY" in parts:
        days = [int(day) for day in parts["BYMONTHDAY"].split(",")]
        said += " on " + ", ".join("the last day" if d == -1 else f"the {d}" for d in days)
    if "COUNT" in parts:
        said += f", {parts['COUNT']} left"  # this one among them
    if "UNTIL" in parts:
        said += f" until {parts['UNTIL'][:4]}-{parts['UNTIL'][4:6]}-{parts['UNTIL'][6:8]}"
    return said


def _day_said(code: str) -> str:
    name = _SHORT[_WEEKDAYS.index(code[-2:])]
    prefix = code[:-2]
    if not prefix:
        return name
    which = {"1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last"}
    return f"the {which.get(prefix, prefix)} {name}"
