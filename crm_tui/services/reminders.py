"""What ``crm remind`` tells a team member: the appointments they attend, a set time before
each starts, and their open tasks, on the morning of the day each is due.

A reminder falls due at a moment, and a run records the key of each one it sends, so none is
sent twice: the key names the member, the record and the moment (a moved appointment, a
task given another due day, is reminded again). An appointment is reminded from its moment
until it is over (one booked or moved inside the lead time too; once over it is too late to
help); a task on its due day's hour, when that fell since the member's last run (the first
run looks back ``FIRST_LOOK_BACK``): a run skipped misses nothing, and the overdue backlog
of years is not mailed on the first run.

Recording happens in the caller's transaction, before sending: two runs at once meet on the
key (the second is refused), and a send that fails rolls the record back, to be sent by the
next run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlmodel import Session, col

from crm_tui.errors import CrmError
from crm_tui.models import (
    ReminderRun,
    ReminderSent,
    Task,
)
from crm_tui.services.appointments import list_appointments
from crm_tui.services.common import chunked
from crm_tui.vocabulary import TaskStatus

FIRST_LOOK_BACK = timedelta(days=1)  # how far back a member's first run looks
MAX_REMINDERS = 500  # sent by one run at most; the rest wait for the next


class AlreadyRunning(CrmError):
    """Another ``crm remind`` for the same member is sending the same reminders."""


@dataclass(frozen=True)
class Reminder:
    key: str
    due_at: datetime  # when it fell due to be sent
    kind: str  # "appointment", "task", "touch" (a contact due by its rhythm), "birthday"
    record_id: int
    title: str
    when: datetime  # the appointment's start, or the task's due day (local midnight)
    ends: datetime | None = None
    place: str = ""
    people: tuple[str, ...] = ()
    label: str = ""  # a yearly date's ("birthday", "anniversary")


@dataclass(frozen=True)
class Window:
    """Reminders falling due after ``since`` and up to ``now``."""

    since: datetime
    now: datetime


def window(*, session: Session, member_id: int, now: datetime) -> Window:
    ran = session.get(ReminderRun, member_id)
    return Window(ran.ran_at if ran else now - FIRST_LOOK_BACK, now)


def due(
    *,
    session: Session,
    member_id: int,
    span: Window,
    minutes_before: int = 30,
    task_hour: int = 8,
    birthday_days: int = 7,
) -> list[Reminder]:
    """The member's reminders that fell due in ``span`` and were not sent, the earliest first
    (at most ``MAX_REMINDERS``)."""
    found = _appointments(session, member_id, span, timedelta(minutes=minutes_before))
    found += _tasks(session, member_id, span, task_hour)
    found += _touches(session, member_id, span, task_hour)
    found += _birthdays(session, member_id, span, task_hour, birthday_days)
    sent: set[str] = set()
    for chunk in chunked([one.key for one in found]):
        sent.update(
            session.scalars(select(ReminderSent.key).where(col(ReminderSent.key).in_(chunk)))
        )
    fresh = sorted((one for one in found if one.key not in sent), key=lambda one: one.due_at)
    return fresh[:MAX_REMINDERS]


def _appointments(
    session: Session, member_id: int, span: Window, before: timedelta
) -> list[Reminder]:
    """The member's appointments (and those nobody attends) not over yet that start within
    ``before`` from now."""
    coming = list_appointments(
        session=session,
        start=span.now,
        end=span.now + before + timedelta(microseconds=1),  # one starting at that moment too
        member_id=member_id,
        or_unattended=True,
        limit=MAX_REMINDERS,
    )
    found = []
    for one in coming:
        found.append(
            Reminder(
                key=f"{member_id}:appointment:{one.id}:{one.starts_at.isoformat()}",
                due_at=one.starts_at - before,
                kind="appointment",
                record_id=one.id,
                title=one.title,
                when=one.starts_at,
                ends=one.ends_at,
                place=one.place,
                people=tuple(one.contacts),
            )
        )
    return found


def _tasks(session: Session, member_id: int, span: Window, hour: int) -> list[Reminder]:
    """Open tasks given to the member (or to nobody) whose due day's ``hour`` fell in the
    span. The days are read generously (a day either side) and the moments checked here:
    local midnight is not the database's."""
    first = (span.since - timedelta(days=1)).astimezone().date()
    last = (span.now + timedelta(days=1)).astimezone().date()
    rows = session.execute(
        select(Task.id, Task.title, Task.due_date).where(
            col(Task.deleted_at).is_(None),
            Task.status != TaskStatus.DONE.value,
            col(Task.due_date) >= first,
            col(Task.due_date) <= last,
            or_(Task.assignee_id == member_id, col(Task.assignee_id).is_(None)),
        )
    ).all()
    found = []
    for task_id, title, due_day in rows:
        at = _at(due_day, hour)
        if span.since < at <= span.now:
            found.append(
                Reminder(
                    key=f"{member_id}:task:{task_id}:{due_day.isoformat()}",
                    due_at=at,
                    kind="task",
                    record_id=task_id,
                    title=title,
                    when=_at(due_day, 0),
                )
            )
    return found


def _touches(session: Session, member_id: int, span: Window, hour: int) -> list[Reminder]:
    """Contacts the member owns (or nobody does) who fell due by their keep-in-touch rhythm
    in the span (at ``hour`` of the day they are due)."""
    from crm_tui.services.touch import due_contacts

    due, _ = due_contacts(
        session=session,
        by=span.now.astimezone().date(),
        after=span.since.astimezone().date() - timedelta(days=1),
        limit=MAX_REMINDERS,
    )
    found = []
    for one in due:
        at = _at(one.due, hour)
        if one.owner_id in (member_id, None) and span.since < at <= span.now:
            found.append(
                Reminder(
                    key=f"{member_id}:touch:{one.contact_id}:{one.due.isoformat()}",
                    due_at=at,
                    kind="touch",
                    record_id=one.contact_id,
                    title=one.name,
                    when=_at(one.due, 0),
                )
            )
    return found


def _birthdays(
    session: Session, member_id: int, span: Window, hour: int, ahead: int
) -> list[Reminder]:
    """Birthdays of the contacts the member owns (or nobody does), ``ahead`` days before
    each, at ``hour``, when that fell in the span."""
    from crm_tui.services.birthdays import upcoming_birthdays

    first = span.since.astimezone().date()
    days = (span.now.astimezone().date() - first).days + ahead + 1
    coming, _ = upcoming_birthdays(
        session=session, today=first, days=min(days, 365), limit=MAX_REMINDERS
    )
    found = []
    for one in coming:
        at = _at(one.day - timedelta(days=ahead), hour)
        if one.owner_id in (member_id, None) and span.since < at <= span.now:
            found.append(
                Reminder(
                    key=f"{member_id}:{one.label}:{one.contact_id}:{one.day.isoformat()}",
                    due_at=at,
                    kind="birthday",
                    record_id=one.contact_id,
                    title=one.name,
                    label=one.label,
                    when=_at(one.day, 0),
                )
            )
    return found


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0)).astimezone()


def record(*, session: Session, member_id: int, reminders: list[Reminder], now: datetime) -> None:
    """Mark ``reminders`` sent and the run done, in the caller's transaction; another run
    that recorded one of them first makes this one fail with ``AlreadyRunning``."""
    from sqlalchemy.exc import IntegrityError

    try:
        session.add_all(ReminderSent(key=reminder.key, sent_at=now) for reminder in reminders)
        session.flush()
    except IntegrityError:
        raise AlreadyRunning(
            "another crm remind is sending these reminders; nothing was sent by this one"
        ) from None
    ran = session.get(ReminderRun, member_id, with_for_update=True)
    if ran is None:
        session.add(ReminderRun(member_id=member_id, ran_at=now))
    else:
        ran.ran_at = max(ran.ran_at, now)
    session.flush()
