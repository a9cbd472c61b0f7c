"""A contact's unified timeline: its interactions, tasks and deals in one list, newest
first.

Each part comes from its service's own read path, so the timeline shows exactly the rows
the log, the board and the deals list show.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from crm_tui.dates import local_day_start
from crm_tui.schemas import DealRead, InteractionRead, TaskRead, TimelineEntry
from crm_tui.services.deals import DealQuery, list_deals
from crm_tui.services.interactions import InteractionQuery, list_interactions
from crm_tui.services.tasks import TaskQuery, list_tasks

DEFAULT_LIMIT = 100


def task_moment(task: TaskRead) -> datetime:
    """When a task sits on a timeline: done when finished, else its due (or start) day
    (from local midnight: at UTC midnight a day west of Greenwich showed as the day before)."""
    if task.completed_at is not None:
        return task.completed_at
    day = task.due or task.start
    return local_day_start(day) if day else task.created_at


def interaction_entry(item: InteractionRead) -> TimelineEntry:
    return TimelineEntry(
        kind="interaction",
        id=item.id,
        at=item.occurred_at,
        title=item.subject or item.body.split("\n", 1)[0],
        detail=item.body,
        channel=item.channel,
        complaint=item.complaint,
        resolved=item.resolved_at is not None,
        sentiment=item.sentiment,
    )


def task_entry(task: TaskRead) -> TimelineEntry:
    return TimelineEntry(
        kind="task",
        id=task.id,
        at=task_moment(task),
        title=task.title,
        detail=task.description,
        status=task.status,
    )


def deal_entry(deal: DealRead) -> TimelineEntry:
    """A deal sits on a timeline when it last changed stage (opened, won, lost…)."""
    from crm_tui.money import Money, format_money  # Babel: when a deal is shown, not at start

    return TimelineEntry(
        kind="deal",
        id=deal.id,
        at=deal.stage_entered_at,
        title=deal.title,
        detail=format_money(Money(deal.value_minor, deal.currency)),
        status=deal.stage,
        outcome=deal.outcome,
    )


def contact_timeline(
    *, session: Session, contact_id: int, limit: int = DEFAULT_LIMIT
) -> list[TimelineEntry]:
    """The newest ``limit`` entries of the contact's interactions, tasks and deals."""
    interactions = list_interactions(
        session=session, query=InteractionQuery(contact_id=contact_id), limit=limit
    ).rows
    tasks = list_tasks(session=session, query=TaskQuery(contact_id=contact_id), limit=limit * 2)
    entries = [interaction_entry(item) for item in interactions]
    entries += [task_entry(task) for task in tasks]
    deals = list_deals(session=session, query=DealQuery(contact_id=contact_id), limit=limit)
    entries += [deal_entry(deal) for deal in deals]
    entries.sort(key=lambda entry: (entry.at, entry.kind, entry.id), reverse=True)
    return entries[:limit]
