"""Deals: a sale's value, stage and expected close, and every move between stages.

A deal sits in one stage of one pipeline. Moving it records a ``DealStageChange`` (so time
in a stage and the length of a sale are read, not guessed); a stage whose outcome is won or
lost closes it (``closed_at``; a lost one keeps its reason), and moving it back to an open
stage opens it again. Its probability is its own when set, else its stage's.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, true
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from crm_tui.errors import NotFoundError, ValidationError
from crm_tui.models import (
    Contact,
    Deal,
    DealStage,
    DealStageChange,
    DealTag,
    LostReason,
    Organization,
    Pipeline,
    Tag,
    TeamMember,
)
from crm_tui.schemas import DealCreate, DealRead, DealUpdate
from crm_tui.services.common import (
    Cursor,
    Page,
    Segment,
    check_version,
    chunked,
    count_rows,
    keyset_page,
    live_row,
    set_deleted,
    touch,
    utcnow,
)
from crm_tui.services.organizations import (
    Named,
    NoOrganization,
    organization_named,
)
from crm_tui.services.tags import tag_ids
from crm_tui.text import fold, sort_key
from crm_tui.validation import MAX_ID
from crm_tui.vocabulary import Outcome

LIST_LIMIT = 200  # deals a list shows unless told otherwise


@dataclass(frozen=True)
class StageRead:
    id: int
    pipeline_id: int
    name: str
    position: int
    probability: int
    outcome: str


@dataclass(frozen=True)
class PipelineRead:
    id: int
    name: str
    is_default: bool


def pipelines(*, session: Session) -> list[PipelineRead]:
    """Every pipeline, the default one first."""
    rows = session.scalars(
        select(Pipeline)
        .where(col(Pipeline.deleted_at).is_(None))
        .order_by(col(Pipeline.is_default).desc(), Pipeline.position, Pipeline.id)
    )
    return [PipelineRead(row.id or 0, row.name, row.is_default) for row in rows]


def find_pipeline(*, session: Session, ref: str) -> PipelineRead:
    """The pipeline ``ref`` names: its id, or its name (ignoring case)."""
    found = pipelines(session=session)
    ref = ref.strip()
    for pipeline in found:
        if ref.lstrip("#") == str(pipeline.id) or fold(ref) == fold(pipeline.name):
            return pipeline
    names = ", ".join(pipeline.name for pipeline in found)
    raise NotFoundError(f"no pipeline {ref!r} (pipelines: {names})")


def lost_reasons(*, session: Session) -> list[str]:
    """The reasons a deal can be lost for, in the list's order."""
    return list(
        session.scalars(
            select(LostReason.name)
            .where(col(LostReason.deleted_at).is_(None))
            .order_by(LostReason.position, LostReason.id)
        )
    )


def default_pipeline(*, session: Session) -> Pipeline:
    found = session.scalars(
        select(Pipeline)
        .where(col(Pipeline.deleted_at).is_(None))
        .order_by(col(Pipeline.is_default).desc(), Pipeline.position, Pipeline.id)
        .limit(1)
    ).first()
    if found is None:
        raise NotFoundError("no pipeline: add one first")
    return found


def stages(*, session: Session, pipeline_id: int | None = None) -> list[StageRead]:
    """The stages of a pipeline (the default one if not said), in order."""
    pipeline = pipeline_id or default_pipeline(session=session).id
    rows = session.scalars(
        select(DealStage)
        .where(DealStage.pipeline_id == pipeline, col(DealStage.deleted_at).is_(None))
        .order_by(DealStage.position, DealStage.id)
    )
    return [
        StageRead(r.id or 0, r.pipeline_id, r.name, r.position, r.probability, r.outcome)
        for r in rows
    ]


def find_stage(*, session: Session, ref: str, pipeline_id: int | None = None) -> StageRead:
    """The stage ``ref`` names: its name (ignoring case) in the pipeline (the default one if
    not said), or its id, of that pipeline when one is said, else of any."""
    found = stages(session=session, pipeline_id=pipeline_id)
    ref = ref.strip()
    number = ref.lstrip("#")
    for stage in found:
        if number == str(stage.id) or fold(ref) == fold(stage.name):
            return stage
    if pipeline_id is None and number.isdigit() and int(number) <= MAX_ID:
        with suppress(NotFoundError):
            return _stage(session, int(number))
    names = ", ".join(stage.name for stage in found)
    raise NotFoundError(f"no stage {ref!r} (stages: {names})")


def stage_of_outcome(*, session: Session, pipeline_id: int, outcome: Outcome) -> StageRead:
    """The pipeline's won or lost stage."""
    for stage in stages(session=session, pipeline_id=pipeline_id):
        if stage.outcome == outcome.value:
            return stage
    raise NotFoundError(f"the pipeline has no {outcome.value} stage")


def lost_reason_id(*, session: Session, reason: str) -> int:
    """The id of the lost reason named ``reason`` (ignoring case), from the editable list."""
    rows = session.execute(
        select(LostReason.id, LostReason.name).where(col(LostReason.deleted_at).is_(None))
    ).all()
    for reason_id, name in rows:
        if fold(name) == fold(reason.strip()):
            return int(reason_id)
    known = ", ".join(name for _, name in rows)
    raise ValidationError(f"no lost reason {reason.strip()!r} (reasons: {known})")


def create_deal(*, session: Session, data: DealCreate, actor_id: int | None = None) -> DealRead:
    stage = _first_stage(session) if data.stage_id is None else _stage(session, data.stage_id)
    if stage.outcome == Outcome.LOST:
        raise ValidationError("a new deal is lost by moving it (it takes a reason)")
    deal_id = add_deal(session=session, data=data, stage=stage, actor_id=actor_id)
    return get_deal(session=session, deal_id=deal_id)


@dataclass(frozen=True)
class DealPast:
    """A deal's history as a file brings it (a sales history from elsewhere): when it was
    created and closed, and why it was lost; None: now, or not closed."""

    created_at: datetime | None = None
    closed_at: datetime | None = None
    lost_reason_id: int | None = None


def add_deal(
    *,
    session: Session,
    data: DealCreate,
    stage: StageRead,
    actor_id: int | None = None,
    past: DealPast = DealPast(),
    organization: Named | NoOrganization | None = None,
) -> int:
    """Store a new deal in ``stage`` (of its own pipeline) with its first stage change; its
    id. A closed one's change is at its close: how long it sat in earlier stages is not
    known, so none is made up. ``organization``: ``data.organization``'s, when the caller
    has looked it up already (an import, for all its rows at once)."""
    now = utcnow()
    created = past.created_at or now
    closed = (past.closed_at or now) if stage.outcome != Outcome.OPEN else None
    if organization is None:
        organization = organization_named(session=session, name=data.organization)
    organization_id = organization[0]
    deal = Deal(
        title=data.title,
        sort_title=sort_key(data.title),
        contact_id=_live_contact(session, data.contact_id),
        organization_id=organization_id,
        value_minor=data.value_minor,
        currency=data.currency,
        pipeline_id=stage.pipeline_id,
        stage_id=stage.id,
        probability=data.probability,
        expected_close=data.expected_close,
        owner_id=data.owner_id,
        source=data.source,
        notes=data.notes,
        custom=data.custom,
        stage_entered_at=closed or created,
        closed_at=closed,
        lost_reason_id=past.lost_reason_id if stage.outcome == Outcome.LOST else None,
        created_at=created,
        updated_at=now,
        created_by_id=actor_id,
        updated_by_id=actor_id,
    )
    session.add(deal)
    session.flush()
    assert deal.id is not None
    if data.tags:
        _set_tags(session, deal.id, data.tags)
    change = DealStageChange(
        deal_id=deal.id, to_stage_id=stage.id, changed_at=closed or created, actor_id=actor_id
    )
    session.add(change)
    session.flush()
    return deal.id


def _first_stage(session: Session) -> StageRead:
    found = stages(session=session)
    if not found:
        raise NotFoundError("the default pipeline has no stages")
    return found[0]


def _stage(session: Session, stage_id: int) -> StageRead:
    row = session.get(DealStage, stage_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(f"no stage with id {stage_id}")
    return StageRead(
        stage_id, row.pipeline_id, row.name, row.position, row.probability, row.outcome
    )


def _set_tags(session: Session, deal_id: int, names: list[str]) -> None:
    """Make the deal's tags ``names`` (new tags are created)."""
    session.execute(delete(DealTag).where(DealTag.deal_id == deal_id))
    ids = tag_ids(session=session, names=names)
    if ids:
        session.execute(insert(DealTag), [{"deal_id": deal_id, "tag_id": t} for t in ids.values()])


def _tags_of(session: Session, deal_ids: list[int]) -> dict[int, list[str]]:
    """Each deal's tags, by name (the deals of one page or one list at a time)."""
    found: dict[int, list[str]] = {}
    for chunk in chunked(sorted(set(deal_ids)), 500):
        rows = session.execute(
            select(DealTag.deal_id, Tag.name)
            .join(Tag, Tag.id == DealTag.tag_id)
            .where(col(DealTag.deal_id).in_(chunk))
        )
        for deal_id, name in rows:
            found.setdefault(deal_id, []).append(name)
    return {deal_id: sorted(names, key=fold) for deal_id, names in found.items()}


def check_deal(*, session: Session, deal_id: int | None) -> None:
    """A deal an interaction or a task is to point at: stored, and not in the trash."""
    if deal_id is not None:
        row = session.get(Deal, deal_id) if 0 < deal_id <= MAX_ID else None
        if row is None or row.deleted_at is not None:
            raise ValidationError(f"no deal with id {deal_id}", field="deal_id")


def _live_contact(session: Session, contact_id: int | None) -> int | None:
    if contact_id is not None:
        live_row(session=session, model=Contact, row_id=contact_id, what="contact")
    return contact_id


def update_deal(
    *,
    session: Session,
    deal_id: int,
    data: DealUpdate,
    actor_id: int | None = None,
    expected_version: int | None = None,
) -> DealRead:
    deal = live_row(session=session, model=Deal, row_id=deal_id, what="deal")
    check_version(
        deal,
        expected_version,
        describe=f"deal #{deal_id}",
        current=lambda: get_deal(session=session, deal_id=deal_id),
    )
    changes = data.model_dump(exclude_unset=True)
    tags = changes.pop("tags", None)
    if tags is not None:
        _set_tags(session, deal_id, tags)
    if "contact_id" in changes:
        _live_contact(session, changes["contact_id"])
    if "organization" in changes:
        named = changes.pop("organization") or ""
        deal.organization_id = organization_named(session=session, name=named)[0]
    for name, value in changes.items():
        if value is not None or name in _CLEARED_BY_NONE:
            setattr(deal, name, value)
    if "title" in changes and data.title:
        deal.sort_title = sort_key(data.title)
    touch(deal, actor_id=actor_id)
    session.flush()
    return get_deal(session=session, deal_id=deal_id)


# What an edit given None clears; the other fields keep their value (None: not given).
_CLEARED_BY_NONE = frozenset({"contact_id", "probability", "expected_close", "owner_id"})


def move_deal(
    *,
    session: Session,
    deal_id: int,
    stage_id: int,
    actor_id: int | None = None,
    lost_reason: str | None = None,
    expected_version: int | None = None,
) -> DealRead:
    """Move a deal into a stage of its pipeline; a lost stage takes the reason it was lost.
    Moving into the stage it is in changes nothing."""
    deal = live_row(session=session, model=Deal, row_id=deal_id, what="deal")
    check_version(
        deal,
        expected_version,
        describe=f"deal #{deal_id}",
        current=lambda: get_deal(session=session, deal_id=deal_id),
    )
    stage = _stage(session, stage_id)
    if stage.pipeline_id != deal.pipeline_id:
        raise ValidationError(f"stage {stage.name!r} is not in the deal's pipeline")
    reason_id = None
    if stage.outcome == Outcome.LOST:
        if not lost_reason:
            raise ValidationError("say why the deal was lost (a reason from the list)")
        reason_id = lost_reason_id(session=session, reason=lost_reason)
    if stage.id != deal.stage_id:
        _record_move(session, deal, stage, reason_id, actor_id)
    return get_deal(session=session, deal_id=deal_id)


def _record_move(
    session: Session, deal: Deal, stage: StageRead, reason_id: int | None, actor_id: int | None
) -> None:
    """Put ``deal`` in ``stage``, the move recorded (its time in a stage starts now)."""
    assert deal.id is not None
    now = utcnow()
    session.add(
        DealStageChange(
            deal_id=deal.id,
            from_stage_id=deal.stage_id,
            to_stage_id=stage.id,
            changed_at=now,
            from_entered_at=deal.stage_entered_at,
            actor_id=actor_id,
        )
    )
    deal.stage_id, deal.stage_entered_at = stage.id, now
    deal.closed_at = now if stage.outcome != Outcome.OPEN else None
    deal.lost_reason_id = reason_id
    touch(deal, actor_id=actor_id)
    session.flush()


def move_stage_deals(
    *, session: Session, from_stage_id: int, to_stage_id: int, actor_id: int | None = None
) -> int:
    """Move every deal in one open stage, in the trash too, to another open stage of the
    same pipeline, each move recorded; returns how many moved."""
    source, target = _stage(session, from_stage_id), _stage(session, to_stage_id)
    both_open = source.outcome == target.outcome == Outcome.OPEN
    if not both_open or source.pipeline_id != target.pipeline_id:
        raise ValidationError("the deals move to another open stage of the same pipeline")
    if source.id == target.id:
        raise ValidationError("the deals move to another stage than the one removed")
    sitting = list(session.scalars(select(Deal).where(Deal.stage_id == source.id)))
    for deal in sitting:
        _record_move(session, deal, target, None, actor_id)
    return len(sitting)


def win_deal(*, session: Session, deal_id: int, actor_id: int | None = None) -> DealRead:
    deal = live_row(session=session, model=Deal, row_id=deal_id, what="deal")
    won = stage_of_outcome(session=session, pipeline_id=deal.pipeline_id, outcome=Outcome.WON)
    return move_deal(session=session, deal_id=deal_id, stage_id=won.id, actor_id=actor_id)


def lose_deal(
    *, session: Session, deal_id: int, reason: str, actor_id: int | None = None
) -> DealRead:
    deal = live_row(session=session, model=Deal, row_id=deal_id, what="deal")
    lost = stage_of_outcome(session=session, pipeline_id=deal.pipeline_id, outcome=Outcome.LOST)
    return move_deal(
        session=session, deal_id=deal_id, stage_id=lost.id, actor_id=actor_id, lost_reason=reason
    )


def delete_deals(*, session: Session, deal_ids: list[int], actor_id: int | None = None) -> int:
    """Move deals to the trash; returns how many were moved."""
    return set_deleted(
        session=session, model=Deal, ids=deal_ids, deleted_at=utcnow(), actor_id=actor_id
    )


def stage_history(*, session: Session, deal_id: int) -> list[tuple[str, datetime, datetime | None]]:
    """Each stage the deal was in, oldest first: (stage, entered, left; None: still there)."""
    stage = aliased(DealStage)
    rows = session.execute(
        select(stage.name, DealStageChange.changed_at)
        .join(stage, stage.id == DealStageChange.to_stage_id, isouter=True)
        .where(DealStageChange.deal_id == deal_id)
        .order_by(DealStageChange.changed_at, DealStageChange.id)
    ).all()
    return [
        (name or "(a removed stage)", entered, rows[i + 1][1] if i + 1 < len(rows) else None)
        for i, (name, entered) in enumerate(rows)
    ]


@dataclass(frozen=True)
class DealQuery:
    stage_id: int | None = None
    stage_ids: tuple[int, ...] = ()  # any of these stages (a pipeline's, through its index)
    pipeline_id: int | None = None
    owner_id: int | None = None  # NO_OWNER: the deals nobody owns
    contact_id: int | None = None
    organization_id: int | None = None  # its own, or one of its people's
    tag: str | None = None  # carrying this tag (by name, ignoring case)
    open_only: bool = False
    trash: bool = False
    search: str = ""  # in the title, ignoring case and accents
    closed_since: datetime | None = None  # closed deals only when closed since then
    closed_before: datetime | None = None  # closed ones only, closed before this moment
    closed_only: bool = False  # won or lost ones only
    outcome: str | None = None  # in a stage of this outcome (``Outcome``): won ones…
    close_by: date | None = None  # expected to close on or before this day
    entered_before: datetime | None = None  # in their stage since before this moment


NO_OWNER = 0  # DealQuery.owner_id for the deals nobody owns (no team member's id is 0)


class DealOrder(enum.StrEnum):
    CLOSE = "close"  # expected close, undated last
    CLOSED = "closed"  # the latest closed first
    VALUE = "value"  # by currency, the largest first
    ENTERED = "entered"  # longest in their stage first


def deal_conditions(query: DealQuery) -> list[ColumnElement[bool]]:
    """What ``query`` asks of a deal, as conditions on ``Deal``."""
    deleted = col(Deal.deleted_at)
    conditions: list[ColumnElement[bool]] = [
        deleted.is_not(None) if query.trash else deleted.is_(None)
    ]
    for column, value in (
        (Deal.stage_id, query.stage_id),
        (Deal.pipeline_id, query.pipeline_id),
        (Deal.owner_id, query.owner_id),
        (Deal.contact_id, query.contact_id),
    ):
        if column is Deal.owner_id and value == NO_OWNER:
            conditions.append(col(Deal.owner_id).is_(None))
        elif value is not None:
            conditions.append(column == value)
    if query.stage_ids:
        conditions.append(col(Deal.stage_id).in_(query.stage_ids))
    if query.organization_id is not None:
        people = select(Contact.id).where(Contact.organization_id == query.organization_id)
        conditions.append(
            or_(Deal.organization_id == query.organization_id, col(Deal.contact_id).in_(people))
        )
    conditions += _closing(query)
    if query.tag is not None:
        tagged = select(DealTag.deal_id).join(Tag, Tag.id == DealTag.tag_id)
        conditions.append(col(Deal.id).in_(tagged.where(Tag.key == fold(query.tag))))
    if query.outcome is not None:
        of_outcome = select(DealStage.id).where(DealStage.outcome == query.outcome)
        conditions.append(col(Deal.stage_id).in_(of_outcome))
    if query.close_by is not None:
        conditions.append(col(Deal.expected_close) <= query.close_by)
    if query.entered_before is not None:
        conditions.append(col(Deal.stage_entered_at) < query.entered_before)
    if query.search.strip():
        conditions.append(col(Deal.sort_title).contains(sort_key(query.search), autoescape=True))
    return conditions


def _closing(query: DealQuery) -> list[ColumnElement[bool]]:
    """What ``query`` asks of when a deal closed (open ones have not)."""
    closed = col(Deal.closed_at)
    since = query.closed_since
    conditions: list[ColumnElement[bool]] = []
    if query.open_only:
        conditions.append(closed.is_(None))
    elif query.closed_only:
        conditions.append(closed.is_not(None) if since is None else closed >= since)
    elif since is not None:
        conditions.append(or_(closed.is_(None), closed >= since))
    if query.closed_before is not None:
        conditions.append(closed < query.closed_before)
    return conditions


def list_deals(
    *,
    session: Session,
    query: DealQuery = DealQuery(),
    limit: int = LIST_LIMIT,
    offset: int = 0,
    order: DealOrder = DealOrder.CLOSE,
) -> list[DealRead]:
    """Deals by expected close (undated last) or by value, then id; up to ``limit`` from
    the ``offset``-th (a page of a board's column)."""
    if order is DealOrder.VALUE:
        ordering: tuple[Any, ...] = (Deal.currency, col(Deal.value_minor).desc(), Deal.id)
    elif order is DealOrder.ENTERED:
        ordering = (Deal.stage_entered_at, Deal.id)
    elif order is DealOrder.CLOSED:
        ordering = (col(Deal.closed_at).desc(), col(Deal.id).desc())
    else:
        ordering = (col(Deal.expected_close).is_(None), Deal.expected_close, Deal.id)
    statement = _read_query().where(*deal_conditions(query)).order_by(*ordering)
    # More than the databases hold ids for is all of them (a LIMIT past 2**63 - 1 overflows).
    statement = statement.limit(min(limit, MAX_ID)).offset(min(offset, MAX_ID))
    return _reads(session, session.execute(statement))


def _segments(order: DealOrder) -> tuple[list[Segment], bool]:
    """How ``order`` pages through indexes, and whether it runs backwards."""
    if order is DealOrder.VALUE:  # the largest first, within each currency
        return [Segment(true(), (Deal.currency, Deal.value_minor, Deal.id))], True
    if order is DealOrder.ENTERED:
        return [Segment(true(), (Deal.stage_entered_at, Deal.id))], False
    if order is DealOrder.CLOSED:
        return [Segment(true(), (Deal.stage_id, Deal.closed_at, Deal.id))], True
    close = col(Deal.expected_close)
    dated = Segment(close.is_not(None), (Deal.expected_close, Deal.id))
    return [dated, Segment(close.is_(None), (Deal.id,))], False


def page_deals(
    *,
    session: Session,
    query: DealQuery = DealQuery(),
    order: DealOrder = DealOrder.CLOSE,
    limit: int = LIST_LIMIT,
    after: Cursor | None = None,
    before: Cursor | None = None,
    from_end: bool = False,
    offset: int | None = None,
) -> Page[DealRead]:
    """A page of the deals ``query`` finds in ``order``, after or before a cursor (a list
    that scrolls through 100k deals a page at a time)."""
    segments, descending = _segments(order)

    def key_of(segment: int, row: Any) -> tuple[Any, ...]:
        return tuple(getattr(row[0], column.key) for column in segments[segment].columns)

    found = keyset_page(
        session=session,
        base=_read_query().where(*deal_conditions(query)),
        segments=segments,
        limit=limit,
        descending=descending,
        after=after,
        before=before,
        from_end=from_end,
        offset=offset,
        key_of=key_of,
    )
    return Page(_reads(session, found.rows), found.first, found.last, found.has_more)


def deals_read(*, session: Session, page: int = 1000) -> Iterator[DealRead]:
    """Every deal not in the trash, by id, ``page`` at a time (an export of all of them)."""
    after = 0
    while True:
        ids = list(
            session.scalars(
                select(Deal.id)
                .where(col(Deal.deleted_at).is_(None), col(Deal.id) > after)
                .order_by(Deal.id)
                .limit(page)
            )
        )
        if not ids:
            return
        rows = session.execute(_read_query().where(col(Deal.id).in_(ids)).order_by(Deal.id))
        yield from _reads(session, rows)
        after = ids[-1]


def count_deals(*, session: Session, query: DealQuery = DealQuery(), cap: int | None = None) -> int:
    """How many deals ``query`` finds (at most ``cap``: a count that stops early)."""
    found = select(Deal.id).where(*deal_conditions(query))
    return count_rows(session=session, query=found if cap is None else found.limit(cap))


def get_deal(*, session: Session, deal_id: int) -> DealRead:
    row = session.execute(_read_query().where(Deal.id == deal_id)).first()
    if row is None:
        raise NotFoundError(f"no deal with id {deal_id}")
    return _reads(session, [row])[0]


def _read_query() -> Any:
    owner, updater = aliased(TeamMember), aliased(TeamMember)
    return (
        select(
            Deal,
            DealStage.name.label("stage_name"),  # type: ignore[attr-defined]
            DealStage.outcome.label("outcome"),  # type: ignore[attr-defined]
            DealStage.probability.label("stage_probability"),  # type: ignore[attr-defined]
            Pipeline.name.label("pipeline_name"),  # type: ignore[attr-defined]
            Contact.name.label("contact_name"),  # type: ignore[attr-defined]
            Contact.email.label("contact_email"),  # type: ignore[attr-defined]
            Organization.name.label("organization_name"),  # type: ignore[attr-defined]
            owner.name.label("owner_name"),  # type: ignore[attr-defined]
            updater.name.label("updated_by"),  # type: ignore[attr-defined]
            LostReason.name.label("lost_reason"),  # type: ignore[attr-defined]
        )
        .join(DealStage, DealStage.id == Deal.stage_id)
        .join(Pipeline, Pipeline.id == Deal.pipeline_id)
        .join(Contact, Contact.id == Deal.contact_id, isouter=True)
        .join(Organization, Organization.id == Deal.organization_id, isouter=True)
        .join(owner, owner.id == Deal.owner_id, isouter=True)
        .join(updater, updater.id == Deal.updated_by_id, isouter=True)
        .join(LostReason, LostReason.id == Deal.lost_reason_id, isouter=True)
    )


def _reads(session: Session, rows: Iterable[Any]) -> list[DealRead]:
    """Rows of ``_read_query`` as deals, with their tags."""
    rows = list(rows)
    tags = _tags_of(session, [row[0].id for row in rows])
    return [_read(row, tags.get(row[0].id, [])) for row in rows]


def _read(row: Any, tags: list[str]) -> DealRead:
    deal: Deal = row[0]
    assert deal.id is not None
    return DealRead(
        tags=tags,
        updated_by=row.updated_by,
        id=deal.id,
        title=deal.title,
        value_minor=deal.value_minor,
        currency=deal.currency,
        contact_id=deal.contact_id,
        contact_name=row.contact_name,
        contact_email=row.contact_email or None,
        organization=row.organization_name,
        pipeline_id=deal.pipeline_id,
        pipeline=row.pipeline_name,
        stage_id=deal.stage_id,
        stage=row.stage_name,
        outcome=row.outcome,
        probability=deal.probability if deal.probability is not None else row.stage_probability,
        expected_close=deal.expected_close,
        owner_id=deal.owner_id,
        owner=row.owner_name,
        source=deal.source,
        notes=deal.notes,
        custom=deal.custom,
        stage_entered_at=deal.stage_entered_at,
        closed_at=deal.closed_at,
        lost_reason=row.lost_reason,
        created_at=deal.created_at,
        updated_at=deal.updated_at,
        deleted_at=deal.deleted_at,
        version=deal.version,
    )
