"""Birthdays and other yearly dates coming up: the contacts whose birthday, anniversary or
other date of theirs (``contact_date``) falls in the next days, soonest first, with the
years it makes when the first year is known.

The database compares month and day (SQLite's strftime, PostgreSQL's to_char) over the
index of birthdays, so only the contacts with one in the window come back; a window over
New Year is two ranges. A birthday on 29 February is kept on the 28th in other years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, or_, select
from sqlmodel import Session, col

from crm_tui.dates import NO_YEAR
from crm_tui.models import Contact, ContactDate


@dataclass(frozen=True)
class BirthdayDue:
    contact_id: int
    name: str
    day: date  # this year's (or next year's) birthday
    turns: int | None  # the age (the years) it makes; None when the year is not known
    owner_id: int | None = None
    label: str = "birthday"  # or the yearly date's label ("anniversary")

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


def _window(key: Any, today: date, last: date, days: int, column: Any) -> Any:
    """Month-and-day ``key`` from ``today`` to ``last`` (two ranges over New Year; 29
    February in a year without it on the 28th)."""
    start, end = f"{today:%m-%d}", f"{last:%m-%d}"
    if days >= 365:
        return col(column).is_not(None)
    if today.year == last.year:
        window = and_(key >= start, key <= end)
    else:  # over New Year: to the end of December, and from the start of January
        window = or_(key >= start, key <= end)
    feb_28 = [d for d in (date(today.year, 2, 28), date(last.year, 2, 28)) if today <= d <= last]
    if any(not _leap(d.year) for d in feb_28):
        window = or_(window, key == "02-29")
    return window


def upcoming_birthdays(
    *, session: Session, today: date, days: int, limit: int = 50
) -> tuple[list[BirthdayDue], int]:
    """Live contacts with a birthday or another yearly date from ``today`` to ``days`` days
    on, the soonest first (at most ``limit``), and how many there are in all."""
    last = today + timedelta(days=days)
    born = _window(_month_day(session, Contact.birthday), today, last, days, Contact.birthday)
    dated = _window(_month_day(session, ContactDate.day), today, last, days, ContactDate.day)
    live = col(Contact.deleted_at).is_(None)
    rows = list(
        session.execute(
            select(
                Contact.id, Contact.name, Contact.birthday, Contact.owner_id, literal("birthday")
            ).where(live, col(Contact.birthday).is_not(None), born)
        ).all()
    )
    rows += session.execute(
        select(Contact.id, Contact.name, ContactDate.day, Contact.owner_id, ContactDate.label)
        .join(Contact, Contact.id == ContactDate.contact_id)
        .where(live, dated)
    ).all()
    found = []
    for contact_id, name, first, owner, label in rows:
        day = _in(today, first)
        if day < today:
            day = _in(date(today.year + 1, 1, 1), first)
        if day <= last:
            turns = None if first.year == NO_YEAR else day.year - first.year
            found.append(BirthdayDue(contact_id, name, day, turns, owner, label))
    found.sort(key=lambda one: (one.day, one.name, one.contact_id, one.label))
    return found[:limit], len(found)


# -- a contact's yearly dates ---------------------------------------------------------------


@dataclass(frozen=True)
class YearlyDate:
    id: int
    contact_id: int
    label: str
    day: date  # in NO_YEAR when the year is not known


def add_date(*, session: Session, contact_id: int, label: str, day: date) -> YearlyDate:
    """Keep a yearly date of a live contact's ("anniversary", "renewal")."""
    from crm_tui.errors import ValidationError
    from crm_tui.services.common import live_row, utcnow
    from crm_tui.text import clean_line

    live_row(session=session, model=Contact, row_id=contact_id, what="contact")
    label = clean_line(label).strip()[:80]
    if not label:
        raise ValidationError("a date needs a label (anniversary, renewal…)", field="label")
    row = ContactDate(contact_id=contact_id, label=label, day=day, created_at=utcnow())
    session.add(row)
    session.flush()
    assert row.id is not None
    return YearlyDate(row.id, contact_id, row.label, row.day)


def remove_date(*, session: Session, date_id: int) -> YearlyDate:
    from crm_tui.errors import NotFoundError

    row = session.get(ContactDate, date_id)
    if row is None or row.id is None:
        raise NotFoundError(f"no yearly date with id {date_id}")
    gone = YearlyDate(row.id, row.contact_id, row.label, row.day)
    session.delete(row)
    session.flush()
    return gone


def dates_of(*, session: Session, contact_id: int) -> list[YearlyDate]:
    rows = session.scalars(
        select(ContactDate)
        .where(ContactDate.contact_id == contact_id)
        .order_by(col(ContactDate.id))
    )
    return [YearlyDate(r.id, r.contact_id, r.label, r.day) for r in rows if r.id is not None]
