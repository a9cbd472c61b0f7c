"""Reading an iCalendar file's events (RFC 5545 VEVENTs) as appointments to book.

Each event becomes one ``Event`` or one ``Rejected`` with its reason; nothing here touches
the database. A time with a zone is kept as that instant; a floating time (no zone) and an
all-day event are read in local time. A repeating event is read as its first time (the file
says how it repeats; an appointment does not repeat).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from crm_tui.errors import FieldErrors, ValidationError
from crm_tui.schemas import DEFAULT_MINUTES, MAX_APPOINTMENT, AppointmentCreate
from crm_tui.text import clean_line

MAX_EVENTS = 100_000  # a calendar file with more is not a diary


@dataclass(frozen=True)
class Event:
    number: int  # its place among the file's events, from 1
    uid: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    notes: str
    repeats: bool


@dataclass(frozen=True)
class Rejected:
    number: int
    uid: str
    reason: str


@dataclass
class CalendarFile:
    events: list[Event] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    # Times of repeating events moved or changed on their own (RECURRENCE-ID): an
    # appointment is its event's first time, so these are left out.
    moved_times: int = 0


def read_events(data: bytes) -> CalendarFile:
    """The file's events, and those that cannot be booked with why; a file that is not an
    iCalendar file is refused whole."""
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as error:
        raise ValidationError(f"not an iCalendar file: {error}") from None
    if getattr(calendar, "name", "") != "VCALENDAR":
        raise ValidationError("not an iCalendar file: it holds no VCALENDAR")
    found = CalendarFile()
    for number, component in enumerate(calendar.walk("VEVENT"), start=1):
        if number > MAX_EVENTS:
            raise ValidationError(f"more than {MAX_EVENTS:,} events: split the file")
        if component.get("recurrence-id") is not None:
            found.moved_times += 1
            continue
        # Cleaned as it is stored (a line break or a control character in a UID would not
        # find it again), so that an import of the same file matches it.
        uid = clean_line(str(component.get("uid", "")))
        try:
            found.events.append(_event(number, uid, component))
        except _Refused as refused:
            found.rejected.append(Rejected(number, uid, str(refused)))
        except (ValueError, TypeError, OverflowError) as error:  # icalendar's are ValueErrors
            found.rejected.append(Rejected(number, uid, f"cannot read it: {error}"))
    return found


class _Refused(Exception):
    """Why one event cannot be booked."""


def _event(number: int, uid: str, component: Any) -> Event:
    if not uid:
        raise _Refused("it has no UID, so importing it again could not find it")
    if str(component.get("status", "")).upper() == "CANCELLED":
        raise _Refused("it is cancelled")
    starts = _moment(component, "dtstart")
    if component.get("dtend") is not None:
        ends = _moment(component, "dtend")
    elif component.get("duration") is not None:
        length = component.decoded("duration")
        if not isinstance(length, timedelta):
            raise _Refused("its DURATION is not a length of time")
        ends = starts + length
    elif _is_day(component.get("dtstart")):
        ends = starts + timedelta(days=1)
    else:
        ends = starts + timedelta(minutes=DEFAULT_MINUTES)
    if ends <= starts:
        raise _Refused("it ends before it starts")
    if ends - starts > MAX_APPOINTMENT:
        raise _Refused("it lasts more than 14 days")
    values = {
        "title": clean_line(str(component.get("summary", ""))) or "(no title)",
        "starts_at": starts,
        "ends_at": ends,
        "place": str(component.get("location", "")),
        "notes": str(component.get("description", "")),
        "uid": uid,
    }
    try:  # the checks every way in makes, said as this event's reason
        checked = AppointmentCreate.build(**values)
    except FieldErrors as error:
        raise _Refused("; ".join(f"{k}: {v}" for k, v in error.errors.items())) from None
    return Event(
        number=number,
        uid=uid,
        title=checked.title,
        starts_at=checked.starts_at,
        ends_at=ends,
        place=checked.place,
        notes=checked.notes,
        repeats=component.get("rrule") is not None,
    )


def _is_day(prop: Any) -> bool:
    value = getattr(prop, "dt", None)
    return isinstance(value, date) and not isinstance(value, datetime)


def _moment(component: Any, key: str) -> datetime:
    """An instant: a zone's time as that instant; a floating time or a day, here."""
    name = key.upper()
    if component.get(key) is None:
        raise _Refused(f"it has no {name}")
    value = component.decoded(key)  # a property icalendar could not read raises here
    if not isinstance(value, date):
        raise _Refused(f"its {name} is not a date or a time")
    if not 1900 <= value.year <= 2200:  # before astimezone(), which fails on the year 1
        raise _Refused(f"its {name} ({value.isoformat()}) is out of range: crm keeps 1900 to 2200")
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    return value.astimezone() if value.tzinfo is None else value
