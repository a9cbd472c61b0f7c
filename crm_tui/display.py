"""Dates and numbers as the person reading them has chosen: calendar and digits.

Dates are stored, exported (CSV, JSON, iCalendar) and compared in the Gregorian calendar; the
``calendar`` setting changes only what people read (and ``digits`` which digits they read).
Everything crm itself writes for a person goes through here: a day, a moment, a count, an id.
User text (names, emails, notes) is never touched: an email's digits stay what was typed.

The choice is one per process, set where the settings are read (``use``): the CLI when a
command loads them, the app when it starts and when its calendar key switches it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from crm_tui.dates import NO_YEAR


class Calendar(StrEnum):
    GREGORIAN = "gregorian"
    JALALI = "jalali"


class Digits(StrEnum):
    LATIN = "latin"
    PERSIAN = "persian"


@dataclass(frozen=True)
class Display:
    calendar: Calendar = Calendar.GREGORIAN
    digits: Digits = Digits.LATIN


_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_DECIMAL_POINT = re.compile(r"(?<=[۰-۹])\.(?=[۰-۹])")
# Between digits only: a comma in the words around them ("removed 0, restored 3") stays one.
_THOUSANDS = re.compile(r"(?<=[۰-۹]),(?=[۰-۹])")
_current = Display()


def use_settings(settings: Any) -> None:
    """Show dates, numbers and right-to-left text as ``settings`` (``config.Settings``) say."""
    from crm_tui import bidi

    use(Display(Calendar(settings.calendar), Digits(settings.digits)))
    bidi.use(bidi.lays_out(settings.bidi))


def use(display: Display) -> None:
    """Show dates and numbers this way from now on (in every thread)."""
    global _current
    _current = display


def current() -> Display:
    return _current


def digits(text: str) -> str:
    """``text`` crm composed (a date, a count) in the chosen digits; with Persian digits,
    thousands separators become the Arabic one (٬) and a decimal point between digits the
    Arabic decimal separator (٫): ۱٬۲۰۰٫۵۰."""
    if _current.digits is not Digits.PERSIAN:
        return text
    persian = text.translate(_PERSIAN_DIGITS)
    return _DECIMAL_POINT.sub("٫", _THOUSANDS.sub("٬", persian))


def amount(minor: int, currency: str) -> str:
    """An amount of money in its currency's grouping and decimals, in the chosen digits:
    1,200.50 EUR or ۱٬۲۰۰.۵۰ EUR (Babel's data loads with the first amount shown)."""
    from crm_tui.money import Money, format_money

    return digits(format_money(Money(minor, currency)))


def number(value: int) -> str:
    """A count or amount with thousands separators: 12,345 or ۱۲٬۳۴۵."""
    return digits(f"{value:,}")


def ident(value: int) -> str:
    """A record's id as people refer to it: #42 or #۴۲."""
    return digits(f"#{value}")


def _jalali(day: date) -> object:
    import jdatetime  # only when asked for: most commands never show a Jalali date

    return jdatetime.date.fromgregorian(date=day, locale=jdatetime.FA_LOCALE)


def day(value: date | None) -> str:
    """A calendar day as digits, year first: 2026-12-11, or 1405-09-20 in Jalali ("" for
    none). Read back by every date field (a year below 1700 is Jalali)."""
    if value is None:
        return ""
    if _current.calendar is Calendar.JALALI:
        return digits(str(_jalali(value)))
    return digits(value.isoformat())


def day_words(value: date, *, long: bool = False) -> str:
    """A day named as people say it near today: "Fri 11 Dec", or "جمعه ۲۰ آذر" in Jalali;
    ``long``: "Friday 11 December 2026", "جمعه ۲۰ آذر ۱۴۰۵"."""
    if _current.calendar is Calendar.JALALI:
        shape = "%A %d %B %Y" if long else "%A %d %B"
        return digits(_jalali(value).strftime(shape))  # type: ignore[attr-defined]
    return digits(f"{value:%A %d %B %Y}" if long else f"{value:%a %d %b}")


def day_month(value: date) -> str:
    """A day within its month, short: "06 Dec", or "۱۵ آذر" in Jalali."""
    if _current.calendar is Calendar.JALALI:
        return digits(_jalali(value).strftime("%d %B"))  # type: ignore[attr-defined]
    return digits(f"{value:%d %b}")


def moment(value: datetime | None, *, with_time: bool = True) -> str:
    """A stored moment in the reader's zone: its day (as ``day``) and clock ("" for none)."""
    if value is None:
        return ""
    local = value.astimezone()
    shown = day(local.date())
    return f"{shown} {digits(f'{local:%H:%M}')}" if with_time else shown


def clock(value: datetime) -> str:
    """A local time of day ("10:30"), in the digits shown."""
    return digits(value.astimezone().strftime("%H:%M"))


def time_span(starts: datetime, ends: datetime) -> str:
    """When something booked takes place: its day and hours ("2026-12-07 10:00–11:30"), the
    end's day too when it ends on another."""
    end = clock(ends) if ends.astimezone().date() == starts.astimezone().date() else moment(ends)
    return f"{moment(starts)}–{end}"


def birthday(value: date | None) -> str:
    """A birthday; one without a year as --12-24, or "20 آذر" in Jalali ("" for none)."""
    if value is None:
        return ""
    if value.year != NO_YEAR:
        return day(value)
    if _current.calendar is Calendar.JALALI:
        # The Jalali day of a year-less birthday moves with the Gregorian year: the one it
        # falls on this year, in words ("20 آذر"), as "--09-20" would read as September.
        return digits(_jalali(_this_year(value)).strftime("%d %B"))  # type: ignore[attr-defined]
    return digits(f"--{value:%m-%d}")


def birthday_field(value: date | None) -> str:
    """A birthday as a form's field holds it, read back as typed: a day as ``day`` writes it
    (Jalali in the Jalali calendar), one without a year as --12-24."""
    if value is None:
        return ""
    return day(value) if value.year != NO_YEAR else digits(f"--{value:%m-%d}")


def _this_year(value: date) -> date:
    year = date.today().year
    try:
        return value.replace(year=year)
    except ValueError:  # 29 February in a common year
        return value.replace(year=year, day=28)


# -- a day as the chosen calendar counts it (the Gantt's scale) -------------------------------

# Persian writes a weekday short as its first letter (شنبه … جمعه: ش ی د س چ پ ج).
_PERSIAN_WEEKDAYS = "شیدسچپج"


def calendar_day(value: date) -> tuple[int, int, int]:
    """(year, month, day) of ``value`` in the chosen calendar."""
    if _current.calendar is Calendar.JALALI:
        shown = _jalali(value)
        return shown.year, shown.month, shown.day  # type: ignore[attr-defined]
    return value.year, value.month, value.day


def week_day(value: date) -> int:
    """0 for the first day of the week (Monday; Saturday in the Jalali calendar), … 6."""
    if _current.calendar is Calendar.JALALI:
        return (value.weekday() + 2) % 7
    return value.weekday()


def is_weekend(value: date) -> bool:
    """Saturday and Sunday; Friday in the Jalali calendar (Iran's weekend)."""
    if _current.calendar is Calendar.JALALI:
        return value.weekday() == 4
    return value.weekday() >= 5


def week_number(value: date) -> int:
    """The week of the year: ISO 8601's, or the Jalali year's (weeks from Saturday)."""
    if _current.calendar is Calendar.JALALI:
        return int(_jalali(value).weeknumber())  # type: ignore[attr-defined]
    return value.isocalendar().week


def weekday_short(value: date) -> str:
    """ "Mo" … "Su", or "ش" … "ج"."""
    if _current.calendar is Calendar.JALALI:
        return _PERSIAN_WEEKDAYS[week_day(value)]
    return f"{value:%a}"[:2]


def month_forms(value: date) -> tuple[str, str, str]:
    """The month of ``value`` named three ways, longest first: "Dec 2026", "Dec'26", "Dec"
    (or "آذر ۱۴۰۵", "آذر'۰۵", "آذر"), for a scale to pick the one that fits."""
    if _current.calendar is Calendar.JALALI:
        shown = _jalali(value)
        name, year = shown.strftime("%B"), shown.year  # type: ignore[attr-defined]
    else:
        name, year = f"{value:%b}", value.year
    return digits(f"{name} {year}"), digits(f"{name}'{year % 100:02d}"), name


def jalali_cell(value: str) -> str:
    """An ISO date or time as a CSV's Jalali cell, Latin digits: 1405-09-20, or the local
    1405-09-10 13:00 for a time; anything else (blank, a year-less --12-24) as it is. Read
    back by ``crm import`` (a year below 1700 is Jalali)."""
    if len(value) < 10 or value.startswith("--"):
        return value
    if len(value) == 10:
        return str(_jalali(date.fromisoformat(value)))
    local = datetime.fromisoformat(value).astimezone()
    return f"{_jalali(local.date())!s} {local:%H:%M}"
