"""Editing the sales process: a pipeline's stages, the pipelines, the list of lost reasons.

A pipeline's open stages come in the order they are placed; its won and lost stages come
last, one of each, and stay (a pipeline without them could not close a deal). A stage with
deals in it is removed only by moving them to another open stage of its pipeline, each
move recorded like any other; the removed stage is kept out of sight rather than deleted,
so the stage history of the deals that went through it still names it.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from crm_tui.errors import NotFoundError, ValidationError
from crm_tui.models import Deal, DealStage, LostReason, Pipeline
from crm_tui.services.common import utcnow
from crm_tui.services.deals import (
    PipelineRead,
    StageRead,
    default_pipeline,
    move_stage_deals,
    pipelines,
    stages,
)
from crm_tui.text import fold, plural
from crm_tui.vocabulary import Outcome


def _name(name: str, what: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError(f"a {what} needs a name")
    if len(cleaned) > 80:
        raise ValidationError(f"a {what}'s name is at most 80 characters")
    return cleaned


def _probability(value: int) -> int:
    if not 0 <= value <= 100:
        raise ValidationError(f"a probability is a percent from 0 to 100, not {value}")
    return value


def _stage_row(session: Session, stage_id: int) -> DealStage:
    row = session.get(DealStage, stage_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(f"no stage with id {stage_id}")
    return row


def _unique(session: Session, pipeline_id: int, name: str, but: int | None = None) -> None:
    for stage in stages(session=session, pipeline_id=pipeline_id):
        if fold(stage.name) == fold(name) and stage.id != but:
            raise ValidationError(f"the pipeline has a stage {stage.name!r} already")


def _renumber(session: Session, pipeline_id: int, open_ids: list[int]) -> list[StageRead]:
    """Put the open stages in the order of ``open_ids``, then won, then lost."""
    found = stages(session=session, pipeline_id=pipeline_id)
    closed = [s.id for s in found if s.outcome == Outcome.WON]
    closed += [s.id for s in found if s.outcome == Outcome.LOST]
    for position, stage_id in enumerate([*open_ids, *closed]):
        session.execute(
            update(DealStage).where(col(DealStage.id) == stage_id).values(position=position)
        )
    session.flush()
    return stages(session=session, pipeline_id=pipeline_id)


def _open_ids(session: Session, pipeline_id: int) -> list[int]:
    return [s.id for s in stages(session=session, pipeline_id=pipeline_id) if s.outcome == "open"]


def add_stage(
    *,
    session: Session,
    name: str,
    probability: int,
    pipeline_id: int | None = None,
    after: int | None = None,
) -> StageRead:
    """A new open stage, after the stage ``after`` (else after the last open one)."""
    pipeline = pipeline_id or default_pipeline(session=session).id
    assert pipeline is not None
    name = _name(name, "stage")
    _unique(session, pipeline, name)
    order = _open_ids(session, pipeline)
    if after is not None and after not in order:
        raise ValidationError("a new stage goes after an open stage of the same pipeline")
    row = DealStage(
        pipeline_id=pipeline, name=name, probability=_probability(probability), outcome="open"
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    order.insert(order.index(after) + 1 if after is not None else len(order), row.id)
    _renumber(session, pipeline, order)
    return next(s for s in stages(session=session, pipeline_id=pipeline) if s.id == row.id)


def edit_stage(
    *, session: Session, stage_id: int, name: str | None = None, probability: int | None = None
) -> StageRead:
    """Rename a stage or change the probability its deals get (deals with their own keep
    theirs). Won and lost stages can be renamed; their probability is 100 and 0."""
    row = _stage_row(session, stage_id)
    if name is not None:
        row.name = _name(name, "stage")
        _unique(session, row.pipeline_id, row.name, but=stage_id)
    if probability is not None:
        if row.outcome != Outcome.OPEN:
            raise ValidationError(f"a {row.outcome} stage's probability is not set")
        row.probability = _probability(probability)
    session.flush()
    return next(s for s in stages(session=session, pipeline_id=row.pipeline_id) if s.id == stage_id)


def move_stage(*, session: Session, stage_id: int, offset: int) -> list[StageRead]:
    """Move an open stage ``offset`` places among the open stages (won and lost stay last)."""
    row = _stage_row(session, stage_id)
    if row.outcome != Outcome.OPEN:
        raise ValidationError(f"the {row.outcome} stage stays at the end")
    order = _open_ids(session, row.pipeline_id)
    index = order.index(stage_id)
    order.insert(max(0, min(len(order) - 1, index + offset)), order.pop(index))
    return _renumber(session, row.pipeline_id, order)


def remove_stage(
    *,
    session: Session,
    stage_id: int,
    move_to: int | None = None,
    actor_id: int | None = None,
) -> int:
    """Remove an open stage, its deals moved to the open stage ``move_to`` first (required
    when it has any, in the trash too); returns how many deals were moved."""
    row = _stage_row(session, stage_id)
    if row.outcome != Outcome.OPEN:
        raise ValidationError(f"a pipeline keeps its {row.outcome} stage")
    if len(_open_ids(session, row.pipeline_id)) == 1:
        raise ValidationError("a pipeline keeps at least one open stage")
    sitting = session.scalar(select(func.count()).where(Deal.stage_id == stage_id)) or 0
    moved = 0
    if sitting:
        if move_to is None:
            raise ValidationError(
                f"{plural(sitting, 'deal')} in {row.name!r}: say which stage they move to"
            )
        moved = move_stage_deals(
            session=session, from_stage_id=stage_id, to_stage_id=move_to, actor_id=actor_id
        )
    row.deleted_at = utcnow()
    session.flush()
    _renumber(session, row.pipeline_id, _open_ids(session, row.pipeline_id))
    return moved


def add_pipeline(*, session: Session, name: str) -> PipelineRead:
    """A new pipeline with the default one's stages (rename and add to them after)."""
    name = _name(name, "pipeline")
    if any(fold(p.name) == fold(name) for p in pipelines(session=session)):
        raise ValidationError(f"a pipeline {name!r} exists already")
    model = stages(session=session)
    now = utcnow()
    row = Pipeline(
        name=name, position=len(pipelines(session=session)), created_at=now, updated_at=now
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    for stage in model:
        session.add(
            DealStage(
                pipeline_id=row.id,
                name=stage.name,
                position=stage.position,
                probability=stage.probability,
                outcome=stage.outcome,
            )
        )
    session.flush()
    return PipelineRead(row.id, row.name, row.is_default)


def set_default_pipeline(*, session: Session, pipeline_id: int) -> PipelineRead:
    row = session.get(Pipeline, pipeline_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(f"no pipeline with id {pipeline_id}")
    session.execute(update(Pipeline).values(is_default=False))
    row.is_default = True
    session.flush()
    return PipelineRead(pipeline_id, row.name, True)


def add_lost_reason(*, session: Session, name: str) -> list[str]:
    name = _name(name, "reason")
    reasons = session.scalars(select(LostReason).where(col(LostReason.deleted_at).is_(None)))
    existing = list(reasons)
    if any(fold(r.name) == fold(name) for r in existing):
        raise ValidationError(f"{name!r} is on the list already")
    session.add(LostReason(name=name, position=max((r.position for r in existing), default=-1) + 1))
    session.flush()
    return [r for r in _reasons(session)]


def remove_lost_reason(*, session: Session, name: str) -> list[str]:
    """Take a reason off the list; deals lost for it keep it (it is kept out of sight). The
    last one stays: a deal is lost for a reason from the list."""
    listed = list(session.scalars(select(LostReason).where(col(LostReason.deleted_at).is_(None))))
    for row in listed:
        if fold(row.name) == fold(name.strip()):
            if len(listed) == 1:
                raise ValidationError(
                    f"{row.name!r} is the last lost reason: a deal is lost for one of the "
                    "list's, so add another first"
                )
            row.deleted_at = utcnow()
            session.flush()
            return _reasons(session)
    raise NotFoundError(f"no lost reason {name.strip()!r}")


def _reasons(session: Session) -> list[str]:
    from crm_tui.services.deals import lost_reasons

    return lost_reasons(session=session)
