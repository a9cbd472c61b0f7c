"""What needs attention: overdue and upcoming tasks, follow-ups, open complaints, quiet clients.

Follow-ups, open complaints and quiet clients are listed up to LIST_LIMIT each, the most
pressing first; beside each list its true total (a COUNT through an index), so a screen or
a report says "50 of 5,200" rather than a count that stops at the limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from crm_tui.dates import local_day_start, month_firsts, week_first
from crm_tui.models import Contact, ContactStatus, Interaction
from crm_tui.schemas import ContactRow, DealRead, InteractionRead, TaskRead
from crm_tui.services.birthdays import BirthdayDue, upcoming_birthdays
from crm_tui.services.common import chunked
from crm_tui.services.contacts import ContactQuery, ContactSort, list_contacts
from crm_tui.services.deals import DealOrder, DealQuery, count_deals, list_deals
from crm_tui.services.interactions import (
    ComplaintFilter,
    InteractionQuery,
    count_interactions,
    list_interactions,
)
from crm_tui.services.tasks import TaskQuery, count_follow_ups, list_follow_ups, list_tasks
from crm_tui.services.touch import TouchDue, due_contacts, rhythms

LIST_LIMIT = 50  # follow-ups, open complaints and quiet clients listed (their totals are not)
STALE_STATUSES = (ContactStatus.CUSTOMER.value, ContactStatus.PROSPECT.value)


@dataclass
class Agenda:
    today: date
    overdue: list[TaskRead] = field(default_factory=list)
    due_today: list[TaskRead] = field(default_factory=list)
    due_soon: list[TaskRead] = field(default_factory=list)
    follow_ups: list[TaskRead] = field(default_factory=list)
    open_complaints: list[InteractionRead] = field(default_factory=list)
    week_by_channel: dict[str, int] = field(default_factory=dict)
    stale_contacts: list[ContactRow] = field(default_factory=list)
    stale_days: int = 30
    # How many there are in all; the lists above stop at LIST_LIMIT.
    follow_ups_total: int = 0
    open_complaints_total: int = 0
    stale_contacts_total: int = 0
    # Open deals expected to close by the end of this week (overdue ones too), and those
    # sitting in their stage for ``stuck_days`` or more; each with its true total.
    deals_closing: list[DealRead] = field(default_factory=list)
    deals_closing_total: int = 0
    deals_stuck: list[DealRead] = field(default_factory=list)
    deals_stuck_total: int = 0
    stuck_days: int = 30
    # Contacts due by their keep-in-touch rhythm (today or before), the longest overdue
    # first, and how many are due in all.
    touch_due: list[TouchDue] = field(default_factory=list)
    touch_due_total: int = 0
    # Birthdays from today to ``birthday_days`` on, the soonest first.
    birthdays: list[BirthdayDue] = field(default_factory=list)
    birthdays_total: int = 0
    birthday_days: int = 7

    @property
    def has_overdue(self) -> bool:
        return bool(self.overdue)


def _by_due(tasks: list[TaskRead]) -> list[TaskRead]:
    return sorted(tasks, key=lambda task: (task.due or date.max, -task.priority, task.id))


def week_start(day: date) -> datetime:
    monday = day - timedelta(days=day.weekday())
    return datetime.combine(monday, time(0, 0)).astimezone(UTC)


def build_agenda(
    *,
    session: Session,
    today: date,
    days: int = 7,
    stale_days: int = 30,
    stuck_days: int = 30,
    birthday_days: int = 7,
    jalali: bool = False,
) -> Agenda:
    agenda = Agenda(
        today=today, stale_days=stale_days, stuck_days=stuck_days, birthday_days=birthday_days
    )
    horizon = today + timedelta(days=days + 1)
    upcoming = list_tasks(session=session, query=TaskQuery(open_only=True, due_before=horizon))
    for task in _by_due(upcoming):
        assert task.due is not None
        if task.due < today:
            agenda.overdue.append(task)
        elif task.due == today:
            agenda.due_today.append(task)
        else:
            agenda.due_soon.append(task)
    agenda.follow_ups = _by_due(
        list_follow_ups(session=session, due_before=horizon, limit=LIST_LIMIT)
    )
    agenda.follow_ups_total = _total(
        agenda.follow_ups, lambda: count_follow_ups(session=session, due_before=horizon)
    )
    complaints = InteractionQuery(complaint=ComplaintFilter.OPEN)
    agenda.open_complaints = list_interactions(
        session=session, query=complaints, limit=LIST_LIMIT, oldest_first=True
    ).rows
    agenda.open_complaints_total = _total(
        agenda.open_complaints, lambda: count_interactions(session=session, query=complaints)
    )
    agenda.week_by_channel = _week_by_channel(session, today)
    # A contact with a rhythm of its own, its tag's or its segment's is due by that, not by
    # stale_days: listed under "keep in touch", never here.
    rhythm_of = rhythms(session=session)
    rhythm = set(rhythm_of)
    agenda.stale_contacts = _stale_contacts(session, today, stale_days, rhythm)
    agenda.stale_contacts_total = _total(
        agenda.stale_contacts,
        lambda: (
            stale_count(session=session, today=today, stale_days=stale_days)
            - _stale_among(session, today, stale_days, rhythm)
        ),
    )
    _deals(session, agenda, week_first(today, jalali=jalali) + timedelta(days=6))
    agenda.touch_due, agenda.touch_due_total = due_contacts(
        session=session, by=today, limit=LIST_LIMIT, known=rhythm_of
    )
    agenda.birthdays, agenda.birthdays_total = upcoming_birthdays(
        session=session, today=today, days=birthday_days, limit=LIST_LIMIT
    )
    return agenda


def _deals(session: Session, agenda: Agenda, week_end: date) -> None:
    closing = DealQuery(open_only=True, close_by=week_end)
    agenda.deals_closing = list_deals(session=session, query=closing, limit=LIST_LIMIT)
    agenda.deals_closing_total = _total(
        agenda.deals_closing, lambda: count_deals(session=session, query=closing)
    )
    entered = local_day_start(agenda.today - timedelta(days=agenda.stuck_days))
    stuck = DealQuery(open_only=True, entered_before=entered)
    agenda.deals_stuck = list_deals(
        session=session, query=stuck, limit=LIST_LIMIT, order=DealOrder.ENTERED
    )
    agenda.deals_stuck_total = _total(
        agenda.deals_stuck, lambda: count_deals(session=session, query=stuck)
    )


def _total(listed: list[Any], count: Callable[[], int]) -> int:
    """The true total of a list that stops at LIST_LIMIT (counted only when it may have)."""
    return len(listed) if len(listed) < LIST_LIMIT else max(count(), len(listed))


def _week_by_channel(session: Session, today: date) -> dict[str, int]:
    rows = session.execute(
        select(Interaction.channel, func.count())
        .where(
            col(Interaction.deleted_at).is_(None),
            Interaction.occurred_at >= week_start(today),
        )
        .group_by(Interaction.channel)
        .order_by(func.count().desc(), Interaction.channel)
    )
    return {channel: count for channel, count in rows}


def _stale_contacts(
    session: Session, today: date, stale_days: int, rhythm: set[int]
) -> list[ContactRow]:
    """Customers and prospects not contacted for ``stale_days``, the longest-quiet first,
    but those with a keep-in-touch rhythm (``rhythm``: their ids)."""
    cutoff = datetime.combine(today - timedelta(days=stale_days), time(0, 0)).astimezone(UTC)
    rows = []
    for status in STALE_STATUSES:
        page = list_contacts(
            session=session,
            query=ContactQuery(status=status, sort=ContactSort.LAST_CONTACTED),
            limit=LIST_LIMIT,
        )
        rows += [
            row
            for row in page.rows
            if row.last_contacted_at is not None
            and row.last_contacted_at < cutoff
            and row.id not in rhythm
        ]
    rows.sort(key=lambda row: row.last_contacted_at or datetime.min.replace(tzinfo=UTC))
    return rows[:LIST_LIMIT]


def _stale_among(session: Session, today: date, stale_days: int, ids: set[int]) -> int:
    """How many of ``ids`` ``stale_count`` counts."""
    cutoff = datetime.combine(today - timedelta(days=stale_days), time(0, 0)).astimezone(UTC)
    found = 0
    for chunk in chunked(sorted(ids)):
        found += (
            session.scalar(
                select(func.count())
                .select_from(Contact)
                .where(
                    col(Contact.id).in_(chunk),
                    col(Contact.deleted_at).is_(None),
                    col(Contact.status).in_(STALE_STATUSES),
                    col(Contact.last_contacted_at) < cutoff,
                )
            )
            or 0
        )
    return found


def stale_count(*, session: Session, today: date, stale_days: int) -> int:
    """How many customers and prospects ``_stale_contacts`` would list without its limit."""
    cutoff = datetime.combine(today - timedelta(days=stale_days), time(0, 0)).astimezone(UTC)
    return (
        session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(
                col(Contact.deleted_at).is_(None),
                col(Contact.status).in_(STALE_STATUSES),
                col(Contact.last_contacted_at) < cutoff,
            )
        )
        or 0
    )


def interactions_per_week(
    *, session: Session, today: date, weeks: int = 12, jalali: bool = False
) -> list[tuple[date, int]]:
    """Interactions in each of the last ``weeks`` weeks, oldest first: weeks from Monday,
    from Saturday with ``jalali``."""
    first = week_first(today, jalali=jalali)
    starts = [first - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    return [
        (start, _count_between(session, start, start + timedelta(weeks=1), False))
        for start in starts
    ]


def complaints_per_month(
    *, session: Session, today: date, months: int = 12, jalali: bool = False
) -> list[tuple[date, int]]:
    """Complaints received in each of the last ``months`` calendar months (Jalali months
    with ``jalali``), oldest first, each by its first day."""
    bounds = month_firsts(today, months, jalali=jalali)
    return [(first, _count_between(session, first, end, True)) for first, end in pairwise(bounds)]


def _count_between(session: Session, start: date, end: date, complaints: bool) -> int:
    """Interactions in [start, end) local days, through the occurred_at index."""
    low = datetime.combine(start, time(0, 0)).astimezone(UTC)
    high = datetime.combine(end, time(0, 0)).astimezone(UTC)
    query = (
        select(func.count())
        .select_from(Interaction)
        .where(
            col(Interaction.deleted_at).is_(None),
            Interaction.occurred_at >= low,
            Interaction.occurred_at < high,
        )
    )
    if complaints:
        query = query.where(col(Interaction.complaint).is_(True))
    return session.scalar(query) or 0
