"""Timelines: a contact's (its interactions, tasks and deals in one list, newest first), an
organization's (its people's, and its deals) and a deal's (what was done about it).

Each part comes from its service's own read path, so the timeline shows exactly the rows
the log, the board and the deals list show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from crm_tui.dates import local_day_start
from crm_tui.minor_sums import minor_sums, minor_total
from crm_tui.models import Contact, Deal, DealStage, Organization
from crm_tui.schemas import AppointmentRead, DealRead, InteractionRead, TaskRead, TimelineEntry
from crm_tui.services.appointments import appointments_of_contact
from crm_tui.services.common import live_row
from crm_tui.services.deals import DealQuery, deal_conditions, list_deals
from crm_tui.services.interactions import InteractionQuery, list_interactions
from crm_tui.services.tasks import TaskQuery, list_tasks
from crm_tui.vocabulary import Outcome

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


def appointment_entry(appointment: AppointmentRead) -> TimelineEntry:
    """An appointment sits on a timeline when it starts (the coming ones on top)."""
    return TimelineEntry(
        kind="appointment",
        id=appointment.id,
        at=appointment.starts_at,
        title=appointment.title,
        detail=appointment.place,
        channel=appointment.channel,
    )


def contact_timeline(
    *, session: Session, contact_id: int, limit: int = DEFAULT_LIMIT
) -> list[TimelineEntry]:
    """The newest ``limit`` entries of the contact's interactions, tasks, deals and
    appointments (one logged as an interaction is that interaction there)."""
    entries = _timeline(
        session,
        InteractionQuery(contact_id=contact_id),
        TaskQuery(contact_id=contact_id),
        DealQuery(contact_id=contact_id),
        limit,
    )
    entries += [
        appointment_entry(one)
        for one in appointments_of_contact(session=session, contact_id=contact_id, limit=limit)
        if one.interaction_id is None
    ]
    entries.sort(key=lambda entry: (entry.at, entry.kind, entry.id), reverse=True)
    return entries[:limit]


def organization_timeline(
    *, session: Session, organization_id: int, limit: int = DEFAULT_LIMIT
) -> list[TimelineEntry]:
    """The newest ``limit`` entries of what touched an organization: its people's
    interactions and tasks, and its deals (its own and its people's)."""
    return _timeline(
        session,
        InteractionQuery(organization_id=organization_id),
        TaskQuery(organization_id=organization_id),
        DealQuery(organization_id=organization_id),
        limit,
    )


def deal_timeline(
    *, session: Session, deal_id: int, limit: int = DEFAULT_LIMIT
) -> list[TimelineEntry]:
    """The newest ``limit`` interactions and tasks about a deal."""
    return _timeline(
        session, InteractionQuery(deal_id=deal_id), TaskQuery(deal_id=deal_id), None, limit
    )


def _timeline(
    session: Session,
    interactions: InteractionQuery,
    tasks: TaskQuery,
    deals: DealQuery | None,
    limit: int,
) -> list[TimelineEntry]:
    entries = [
        interaction_entry(item)
        for item in list_interactions(session=session, query=interactions, limit=limit).rows
    ]
    # A task's place depends on its dates, not the board's order: twice as many, then sorted.
    entries += [
        task_entry(task) for task in list_tasks(session=session, query=tasks, limit=limit * 2)
    ]
    if deals is not None:
        entries += [
            deal_entry(deal) for deal in list_deals(session=session, query=deals, limit=limit)
        ]
    entries.sort(key=lambda entry: (entry.at, entry.kind, entry.id), reverse=True)
    return entries[:limit]


@dataclass
class OrganizationOverview:
    """An organization at a glance: how many people it has, and its deals (its own and its
    people's) per currency: open ones' count and value, won ones' count and value."""

    id: int
    name: str
    people: int
    open_deals: dict[str, tuple[int, int]] = field(default_factory=dict)
    won_deals: dict[str, tuple[int, int]] = field(default_factory=dict)


def organization_overview(*, session: Session, organization_id: int) -> OrganizationOverview:
    organization = live_row(
        session=session, model=Organization, row_id=organization_id, what="organization"
    )
    people = session.scalar(
        select(func.count())
        .select_from(Contact)
        .where(Contact.organization_id == organization_id, col(Contact.deleted_at).is_(None))
    )
    overview = OrganizationOverview(organization_id, organization.name, people or 0)
    for outcome, into in ((Outcome.OPEN, overview.open_deals), (Outcome.WON, overview.won_deals)):
        rows = session.execute(
            select(Deal.currency, func.count(), *minor_sums(Deal.value_minor))
            .join(DealStage, DealStage.id == Deal.stage_id)
            .where(
                *deal_conditions(DealQuery(organization_id=organization_id)),
                DealStage.outcome == outcome.value,
            )
            .group_by(Deal.currency)
            .order_by(Deal.currency)
        )
        into.update(
            {currency: (count, minor_total(high, low)) for currency, count, high, low in rows}
        )
    return overview
