"""Birthdays coming up: the contacts whose birthday falls in the next days, soonest first,
with the age they turn when their year of birth is known.

The database compares month and day (SQLite's strftime, PostgreSQL's to_char) over the
index of birthdays, so only the contacts with one in the window come back; a window over
New Year is two ranges. A birthday on 29 February is kept on the 28th in other years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session, col

from crm_tui.dates import NO_YEAR
from crm_tui.models import Contact


@dataclass(frozen=True)
class BirthdayDue:
    contact_id: int
    name: str
    day: date  # this year's (or next year's) birthday
    turns: int | None  # the age it makes them; None when the year is not known
    owner_id: int | None = None

    @property
    def id(self) -> int:  # the contact's: lists that open a contact read ``id`` and ``name``
        return self.contact_id


def _month_day(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "MM-DD")
    return func.strftime("%m-%d", column)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _in(day: date, born: date) -> date:
    """``born``'s birthday in ``day``'s year (29 February on the 28th when there is none)."""
    try:
        return born.replace(year=day.year)
    except ValueError:
        return date(day.year, 2, 28)


def upcoming_birthdays(
    *, session: Session, today: date, days: int, limit: int = 50
) -> tuple[list[BirthdayDue], int]:
    """Live contacts with a birthday from ``today`` to ``days`` days on, the soonest first
    (at most ``limit``), and how many there are in all."""
    last = today + timedelta(days=days)
    key = _month_day(session, Contact.birthday)
    start, end = f"{today:%m-%d}", f"{last:%m-%d}"
    if today.year == last.year:
        window = and_(key >= start, key <= end)
    else:  # over New Year: to the end of December, and from the start of January
        window = or_(key >= start, key <= end)
    feb_28 = [d for d in (date(today.year, 2, 28), date(last.year, 2, 28)) if today <= d <= last]
    if any(not _leap(d.year) for d in feb_28):  # kept on the 28th in a year without the 29th
        window = or_(window, key == "02-29")
    if days >= 365:
        window = col(Contact.birthday).is_not(None)
    rows = session.execute(
        select(Contact.id, Contact.name, Contact.birthday, Contact.owner_id).where(
            col(Contact.deleted_at).is_(None), col(Contact.birthday).is_not(None), window
        )
    ).all()
    found = []
    for contact_id, name, born, owner in rows:
        day = _in(today, born)
        if day < today:
            day = _in(date(today.year + 1, 1, 1), born)
        if day <= last:
            turns = None if born.year == NO_YEAR else day.year - born.year
            found.append(BirthdayDue(contact_id, name, day, turns, owner))
    found.sort(key=lambda one: (one.day, one.name, one.contact_id))
    return found[:limit], len(found)
