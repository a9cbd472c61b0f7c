"""Interactions: every touchpoint with a client (calls, emails, meetings, complaints…)."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, insert, select, true
from sqlmodel import Session, col

from crm_tui.errors import NotFoundError, ValidationError
from crm_tui.models import Contact, Deal, Interaction, InteractionContact, Task, TaskStatus
from crm_tui.schemas import InteractionCreate, InteractionRead, InteractionUpdate
from crm_tui.search import index as search
from crm_tui.services.common import (
    Cursor,
    Page,
    Segment,
    bulk_insert,
    check_ids,
    check_version,
    chunked,
    count_rows,
    every,
    keyset_page,
    keyset_position,
    live_row,
    set_deleted,
    touch,
    utcnow,
)
from crm_tui.services.contacts import mark_contacted, refresh_contacted
from crm_tui.services.deals import check_deal
from crm_tui.services.team import member_names

PAGE_SIZE = 50


class ComplaintFilter(enum.StrEnum):
    ALL = "all"
    ANY = "any"  # complaints, open or resolved
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class InteractionQuery:
    """What the interaction log shows; every filter is optional and they combine."""

    search: str = ""
    channel: str | None = None
    contact_id: int | None = None
    organization_id: int | None = None  # with any of its people
    deal_id: int | None = None  # about this deal
    sentiment: str | None = None
    complaint: ComplaintFilter = ComplaintFilter.ALL
    since: datetime | None = None
    until: datetime | None = None
    resolved: tuple[datetime, datetime] | None = None  # resolved from the first, before the second
    trash: bool = False


def new_row(
    data: InteractionCreate,
    *,
    contact_id: int,
    actor_id: int | None,
    now: datetime,
    resolved_at: datetime | None = None,
) -> Interaction:
    """The row a new interaction is stored as (its links and index written by the caller);
    ``resolved_at``: a complaint read back from an export, resolved then."""
    resolved = resolved_at is not None and data.complaint
    return Interaction(
        contact_id=contact_id,
        occurred_at=data.occurred_at or now,
        channel=data.channel.value,
        direction=data.direction.value,
        subject=data.subject,
        body=data.body,
        sentiment=data.sentiment.value if data.sentiment else None,
        complaint=data.complaint,
        deal_id=data.deal_id,
        resolved_at=resolved_at if resolved else None,
        resolved_by_id=actor_id if resolved else None,
        author_id=actor_id,
        created_at=now,
        updated_at=now,
        updated_by_id=actor_id,
    )


def insert_interactions(*, session: Session, items: Sequence[Interaction]) -> list[int]:
    """Store new interactions of one contact each (``new_row``) in a few statements: their
    links, their contacts' "last contacted" and the search index. Their ids."""
    session.add_all(items)
    session.flush()
    links = [{"interaction_id": item.id, "contact_id": item.contact_id} for item in items]
    bulk_insert(session=session, model=InteractionContact, rows=links)
    newest: dict[int, datetime] = {}  # each contact's latest, as "last contacted"
    for item in items:
        assert item.contact_id is not None
        if item.contact_id not in newest or item.occurred_at > newest[item.contact_id]:
            newest[item.contact_id] = item.occurred_at
    by_moment: dict[datetime, list[int]] = {}
    for contact_id, when in newest.items():
        by_moment.setdefault(when, []).append(contact_id)
    for when, contact_ids in by_moment.items():
        for chunk in chunked(contact_ids):
            mark_contacted(session=session, contact_ids=chunk, when=when)
    ids = [item.id for item in items if item.id is not None]
    search.index_interactions(session=session, ids=ids)
    return ids


def create_interaction(
    *, session: Session, data: InteractionCreate, actor_id: int | None = None
) -> InteractionRead:
    """Log an interaction; its contacts' "last contacted" moves forward to it."""
    contact_ids = list(dict.fromkeys(data.contact_ids))
    check_ids(session=session, model=Contact, ids=contact_ids, what="contact", field="contact")
    check_deal(session=session, deal_id=data.deal_id)
    interaction = new_row(data, contact_id=contact_ids[0], actor_id=actor_id, now=utcnow())
    session.add(interaction)
    session.flush()
    assert interaction.id is not None
    session.execute(
        insert(InteractionContact),
        [{"interaction_id": interaction.id, "contact_id": c} for c in contact_ids],
    )
    mark_contacted(session=session, contact_ids=contact_ids, when=interaction.occurred_at)
    search.index_interactions(session=session, ids=[interaction.id])
    return get_interaction(session=session, interaction_id=interaction.id)


def update_interaction(
    *,
    session: Session,
    interaction_id: int,
    changes: InteractionUpdate,
    expected_version: int | None,
    actor_id: int | None = None,
) -> InteractionRead:
    interaction = live_row(
        session=session, model=Interaction, row_id=interaction_id, what="interaction"
    )
    check_version(
        interaction,
        expected_version,
        describe=f"interaction #{interaction_id} ({interaction.subject or interaction.channel})",
        current=lambda: get_interaction(session=session, interaction_id=interaction_id),
    )
    if "deal_id" in changes.model_fields_set:
        check_deal(session=session, deal_id=changes.deal_id)
    for name, value in changes.model_dump(exclude_unset=True).items():
        setattr(interaction, name, value.value if isinstance(value, enum.Enum) else value)
    if interaction.complaint is False:
        interaction.resolved_at = None
        interaction.resolved_by_id = None
    touch(interaction, actor_id=actor_id)
    session.flush()
    refresh_contacted(
        session=session, contact_ids=contacts_of(session=session, interaction_ids=[interaction_id])
    )
    search.index_interactions(session=session, ids=[interaction_id])
    return get_interaction(session=session, interaction_id=interaction_id)


def resolve_complaint(
    *,
    session: Session,
    interaction_id: int,
    actor_id: int | None = None,
    resolved: bool = True,
    expected_version: int | None = None,
) -> InteractionRead:
    """Mark a complaint resolved now, by ``actor_id`` (or open it again)."""
    interaction = live_row(
        session=session, model=Interaction, row_id=interaction_id, what="interaction"
    )
    if not interaction.complaint:
        raise ValidationError(f"interaction #{interaction_id} is not a complaint")
    check_version(interaction, expected_version, describe=f"interaction #{interaction_id}")
    interaction.resolved_at = utcnow() if resolved else None
    interaction.resolved_by_id = actor_id if resolved else None
    touch(interaction, actor_id=actor_id)
    session.flush()
    return get_interaction(session=session, interaction_id=interaction_id)


def delete_interactions(
    *, session: Session, interaction_ids: Sequence[int], actor_id: int | None = None
) -> int:
    moved = set_deleted(
        session=session,
        model=Interaction,
        ids=interaction_ids,
        deleted_at=utcnow(),
        actor_id=actor_id,
    )
    refresh_contacted(
        session=session, contact_ids=contacts_of(session=session, interaction_ids=interaction_ids)
    )
    return moved


def restore_interactions(
    *, session: Session, interaction_ids: Sequence[int], actor_id: int | None = None
) -> int:
    moved = set_deleted(
        session=session, model=Interaction, ids=interaction_ids, deleted_at=None, actor_id=actor_id
    )
    refresh_contacted(
        session=session, contact_ids=contacts_of(session=session, interaction_ids=interaction_ids)
    )
    return moved


def contacts_of(*, session: Session, interaction_ids: Sequence[int]) -> list[int]:
    """The contacts the interactions concern."""
    found: set[int] = set()
    for chunk in chunked(interaction_ids):
        found.update(
            session.scalars(
                select(InteractionContact.contact_id).where(
                    col(InteractionContact.interaction_id).in_(chunk)
                )
            )
        )
    return sorted(found)


def get_interaction(*, session: Session, interaction_id: int) -> InteractionRead:
    page = _read_rows(session, select(*_COLUMNS).where(Interaction.id == interaction_id))
    if not page:
        raise NotFoundError(f"no interaction with id {interaction_id}")
    return page[0]


_COLUMNS: tuple[Any, ...] = (
    Interaction.id,
    Interaction.contact_id,
    col(Contact.name).label("contact_name"),
    col(Contact.email).label("contact_email"),
    Interaction.occurred_at,
    Interaction.channel,
    Interaction.direction,
    Interaction.subject,
    Interaction.body,
    Interaction.sentiment,
    Interaction.complaint,
    Interaction.resolved_at,
    Interaction.resolved_by_id,
    Interaction.author_id,
    Interaction.deleted_at,
    Interaction.version,
    Interaction.deal_id,
    col(Deal.title).label("deal_title"),
)


def _read_rows(session: Session, query: Select[Any]) -> list[InteractionRead]:
    rows = session.execute(
        query.outerjoin(Contact, Contact.id == Interaction.contact_id).outerjoin(
            Deal, Deal.id == Interaction.deal_id
        )
    ).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    contacts: dict[int, list[int]] = defaultdict(list)
    for interaction_id, contact_id in session.execute(
        select(InteractionContact.interaction_id, InteractionContact.contact_id).where(
            col(InteractionContact.interaction_id).in_(ids)
        )
    ):
        contacts[interaction_id].append(contact_id)
    follow_ups = _follow_ups_of(session, ids)
    members = member_names(session=session)
    return [
        InteractionRead(
            id=row.id,
            contact_id=row.contact_id,
            contact_name=row.contact_name,
            contact_email=row.contact_email or None,
            contact_ids=sorted(contacts.get(row.id, [])),
            occurred_at=row.occurred_at,
            channel=row.channel,
            direction=row.direction,
            subject=row.subject,
            body=row.body,
            sentiment=row.sentiment,
            complaint=row.complaint,
            resolved_at=row.resolved_at,
            resolved_by=members.get(row.resolved_by_id),
            author=members.get(row.author_id),
            follow_up_task_id=follow_ups.get(row.id),
            deleted_at=row.deleted_at,
            version=row.version,
            deal_id=row.deal_id,
            deal=row.deal_title,
        )
        for row in rows
    ]


def _follow_ups_of(session: Session, ids: Sequence[int]) -> dict[int, int]:
    """Each interaction's follow-up: the first still open, else the last one made."""
    found: dict[int, int] = {}
    rows = session.execute(
        select(Task.source_interaction_id, Task.id, Task.status)
        .where(col(Task.source_interaction_id).in_(list(ids)), col(Task.deleted_at).is_(None))
        .order_by(Task.id)
    )
    open_ones: set[int] = set()
    for interaction_id, task_id, status in rows:
        if interaction_id in open_ones:
            continue
        found[interaction_id] = task_id
        if status != TaskStatus.DONE.value:
            open_ones.add(interaction_id)
    return found


def _filtered(
    session: Session,
    query: InteractionQuery,
    base: Select[Any],
    *,
    matching: ColumnElement[bool] | None,
) -> Select[Any]:
    """``base`` filtered by ``query``; its search by ``matching``, its index's condition."""
    deleted = col(Interaction.deleted_at)
    conditions: list[ColumnElement[bool] | None] = [
        deleted.is_not(None) if query.trash else deleted.is_(None)
    ]
    if query.channel:
        conditions.append(Interaction.channel == query.channel)
    if query.sentiment:
        conditions.append(Interaction.sentiment == query.sentiment)
    if query.contact_id is not None:
        conditions.append(
            col(Interaction.id).in_(
                select(InteractionContact.interaction_id).where(
                    InteractionContact.contact_id == query.contact_id
                )
            )
        )
    if query.organization_id is not None:
        people = select(Contact.id).where(Contact.organization_id == query.organization_id)
        conditions.append(
            col(Interaction.id).in_(
                select(InteractionContact.interaction_id).where(
                    col(InteractionContact.contact_id).in_(people)
                )
            )
        )
    if query.deal_id is not None:
        conditions.append(Interaction.deal_id == query.deal_id)
    if query.complaint is not ComplaintFilter.ALL:
        conditions.append(col(Interaction.complaint).is_(True))
    if query.complaint is ComplaintFilter.OPEN:
        conditions.append(col(Interaction.resolved_at).is_(None))
    if query.complaint is ComplaintFilter.RESOLVED:
        conditions.append(col(Interaction.resolved_at).is_not(None))
    if query.since is not None:
        conditions.append(Interaction.occurred_at >= query.since)
    if query.until is not None:
        conditions.append(Interaction.occurred_at < query.until)
    if query.resolved is not None:
        resolved_at = col(Interaction.resolved_at)
        conditions += [resolved_at >= query.resolved[0], resolved_at < query.resolved[1]]
    if query.search.strip():
        conditions.append(matching)
    return base.where(every(*conditions))


def _matching(session: Session, query: InteractionQuery) -> ColumnElement[bool] | None:
    """The condition of ``query``'s search, for rows counted (not paged)."""
    return search.interactions(session=session).plan(query.search, ordered=False).condition


_SEGMENTS = [Segment(true(), (col(Interaction.occurred_at), col(Interaction.id)))]


def list_interactions(
    *,
    session: Session,
    query: InteractionQuery = InteractionQuery(),
    limit: int = PAGE_SIZE,
    after: Cursor | None = None,
    before: Cursor | None = None,
    from_end: bool = False,
    offset: int | None = None,
    oldest_first: bool = False,
) -> Page[InteractionRead]:
    """One page of the log, newest first, read through an index (``offset``: a far jump)."""
    index = search.interactions(session=session)
    base = select(col(Interaction.id), col(Interaction.occurred_at))
    page = index.read(
        index.plan(query.search),
        lambda matching: keyset_page(
            session=session,
            base=_filtered(session, query, base, matching=matching),
            segments=_SEGMENTS,
            limit=limit,
            descending=not oldest_first,
            after=after,
            before=before,
            from_end=from_end,
            offset=offset,
            key_of=lambda _index, row: (row.occurred_at, row.id),
        ),
    )
    ids = [row.id for row in page.rows]
    by_id = {
        item.id: item
        for item in _read_rows(session, select(*_COLUMNS).where(col(Interaction.id).in_(ids)))
    }
    return Page([by_id[i] for i in ids], page.first, page.last, page.has_more)


def interaction_position(
    *, session: Session, query: InteractionQuery = InteractionQuery(), interaction_id: int
) -> int | None:
    """The interaction's row number in the log ``query`` shows (0 first), None if not in it."""
    base = _filtered(session, query, select(Interaction.id), matching=_matching(session, query))
    return keyset_position(
        session=session,
        base=base,
        segments=_SEGMENTS,
        row=col(Interaction.id) == interaction_id,
        descending=True,
    )


def count_interactions(
    *, session: Session, query: InteractionQuery = InteractionQuery(), cap: int | None = None
) -> int:
    """How many interactions match; with ``cap``, stop counting past it."""
    if cap is None:
        everything = select(func.count()).select_from(Interaction)
        counted = _filtered(session, query, everything, matching=_matching(session, query))
        return session.scalar(counted) or 0
    base = search.interactions(session=session).driving(query.search)
    if base is None:  # every id, filtered (its search included)
        every_id = select(col(Interaction.id))
        counted = _filtered(session, query, every_id, matching=_matching(session, query))
    else:  # the search's matches, filtered row by row
        counted = _filtered(session, replace(query, search=""), base, matching=None)
    return count_rows(session=session, query=counted.limit(cap + 1))
