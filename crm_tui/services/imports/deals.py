"""Importing deals (``crm import deals``), as interactions and tasks are imported.

Each row names its pipeline (the default one when blank), stage (the pipeline's first when
blank), lost reason and owner; they are looked up here, and a row naming one that is not
there is refused with its line. A deal brought from elsewhere keeps when it was created and
closed. A probability equal to its stage's is taken as the stage's (an export writes the
one in use), so it changes when the deal moves. A row already stored (the same title,
client, value and expected close) is skipped, so a file imported again adds only its new
deals.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from crm_tui.errors import CrmError, ValidationError
from crm_tui.io.contact_rows import RowError
from crm_tui.io.work_rows import WorkRow
from crm_tui.models import Deal, DealStageChange, Interaction, Organization, Tag, Task
from crm_tui.schemas import DealCreate
from crm_tui.services.common import chunked, utcnow
from crm_tui.services.deals import (
    DealPast,
    PipelineRead,
    StageRead,
    add_deal,
    find_pipeline,
    find_stage,
    lost_reason_id,
    lost_reasons,
    pipelines,
    stages,
)
from crm_tui.services.imports.batches import (
    CHUNK,
    UndoReport,
    created_ids,
    keep_referred,
    remove_unused,
)
from crm_tui.services.imports.work import Work, _Contacts
from crm_tui.services.organizations import (
    NO_ORGANIZATION,
    organization_key,
    organizations_named,
)
from crm_tui.services.team import find_member
from crm_tui.text import fold
from crm_tui.vocabulary import ImportKind, Outcome

# A clock a little ahead of the database's is not a date in the future.
_CLOCK_SLACK = timedelta(minutes=5)


class Deals(Work):
    kind, model = ImportKind.DEALS, Deal
    label = (Deal.title,)

    def __init__(self) -> None:
        # What the file names, looked up once each (by the folded name).
        self.pipelines: dict[str, PipelineRead] = {}
        self.stages: dict[tuple[int, str], StageRead] = {}
        self.reasons: dict[str, int] = {}
        self.owners: dict[str, int] = {}

    def checked(self, session: Session, rows: list[WorkRow], errors: list[RowError]) -> None:
        """Look up what each row names, into its values (``stage_id``, ``owner_id``,
        ``lost_reason_id``); a row naming what is not there, or whose times cannot be, is
        refused."""
        for row in list(rows):
            try:
                self._resolve(session, row)
            except CrmError as error:
                errors.append(row.refused(str(error)))
                rows.remove(row)

    def _resolve(self, session: Session, row: WorkRow) -> None:
        stage = self._stage(session, row.named.get("pipeline_id", ""), row.named["stage_id"])
        row.values["stage_id"] = stage.id
        if row.values.get("probability") == stage.probability:
            # the stage's, as an export writes it: it follows the deal's moves
            row.values["probability"] = None
        row.values["lost_reason_id"] = self._reason(session, stage, row.named["lost_reason_id"])
        owner = row.named.get("owner_id", "")
        if owner and owner not in self.owners:
            self.owners[owner] = find_member(session=session, ref=owner).id
        row.values["owner_id"] = self.owners.get(owner)
        _check_times(row.values, stage)

    def _stage(self, session: Session, pipeline_name: str, name: str) -> StageRead:
        if fold(pipeline_name) not in self.pipelines:
            found = (
                find_pipeline(session=session, ref=pipeline_name)
                if pipeline_name
                else pipelines(session=session)[0]
            )
            self.pipelines[fold(pipeline_name)] = found
        pipeline = self.pipelines[fold(pipeline_name)]
        key = (pipeline.id, fold(name))
        if key not in self.stages:
            if name:
                self.stages[key] = find_stage(session=session, ref=name, pipeline_id=pipeline.id)
            else:
                self.stages[key] = _first_open(session, pipeline.id)
        return self.stages[key]

    def _reason(self, session: Session, stage: StageRead, reason: str) -> int | None:
        if stage.outcome != Outcome.LOST:
            if reason:
                raise ValidationError(
                    f"lost_reason {reason!r} is for a lost deal, and {stage.name!r} is not lost"
                )
            return None
        if not reason:
            known = ", ".join(lost_reasons(session=session))
            raise ValidationError(f"a lost deal needs its lost_reason (one of: {known})")
        if fold(reason) not in self.reasons:
            self.reasons[fold(reason)] = lost_reason_id(session=session, reason=reason)
        return self.reasons[fold(reason)]

    def repeated(self, session: Session, rows: list[WorkRow], contacts: _Contacts) -> set[int]:
        """Places of the deals stored already, or earlier in the file: the same title,
        client, value and expected close."""
        seen: set[tuple[Any, ...]] = set()
        repeated: set[int] = set()
        for place, row in enumerate(rows):
            values = row.values
            key = (
                values["title"],
                contacts.of(row),
                values["value_minor"],
                values["currency"].upper(),
                values.get("expected_close"),
            )
            if key in seen or _stored(session, key):
                repeated.add(place)
            seen.add(key)
        return repeated

    def create(
        self, session: Session, rows: list[WorkRow], contacts: _Contacts, actor_id: int | None
    ) -> tuple[list[int], dict[str, list[int]]]:
        names = [row.values.get("organization", "") for row in rows]
        named, organizations = organizations_named(session=session, names=names)
        tags = {fold(tag) for row in rows for tag in row.values.get("tags", [])}
        tags_before = _tags_there(session, tags)
        by_id = {stage.id: stage for stage in self.stages.values()}
        created: list[int] = []
        for row in rows:
            values = row.values
            contact_id = contacts.of(row)
            trashed = contact_id in contacts.trashed
            data = DealCreate.build(
                **{name: value for name, value in values.items() if name in _CREATED},
                contact_id=None if trashed else contact_id,
            )
            past = DealPast(
                values.get("created_at"), values.get("closed_at"), values["lost_reason_id"]
            )
            stage = by_id[values["stage_id"]]
            organization = named.get(organization_key(data.organization), NO_ORGANIZATION)
            deal_id = add_deal(
                session=session,
                data=data,
                stage=stage,
                actor_id=actor_id,
                past=past,
                organization=organization,
            )
            if trashed:  # a deal of a contact in the trash stays that contact's
                stored = session.get(Deal, deal_id)
                assert stored is not None
                stored.contact_id = contact_id
            created.append(deal_id)
        new_tags = _tags_there(session, tags - set(tags_before))
        return created, {"organization": sorted(organizations), "tag": sorted(new_tags.values())}

    def named(self, row_id: int, text: list[Any]) -> str:
        return f"deal #{row_id} {text[0]}"

    def keep_referred(
        self, session: Session, candidates: dict[int, str], report: UndoReport
    ) -> None:
        """Keep the deals an interaction or a task points at, in the trash or not (its own
        stage changes go with it)."""
        for model, what in ((Interaction, "interaction"), (Task, "task")):
            keep_referred(
                session=session,
                candidates=candidates,
                report=report,
                referrer=model.id,
                reference=model.deal_id,
                reason=what + " #{id} is about it",
            )

    def removing(self, session: Session, ids: list[int]) -> None:
        for chunk in chunked(ids, CHUNK):
            session.execute(delete(DealStageChange).where(col(DealStageChange.deal_id).in_(chunk)))

    def removed(self, session: Session, batch_id: int, ids: list[int], report: UndoReport) -> None:
        for entity, model in (("organization", Organization), ("tag", Tag)):
            made = created_ids(session=session, batch_id=batch_id, entity=entity)
            remove_unused(session=session, model=model, ids=set(made), report=report)


# What a row gives the create model (the rest is looked up or is the deal's history).
_CREATED = frozenset(DealCreate.model_fields) - {"contact_id"}


def _first_open(session: Session, pipeline_id: int) -> StageRead:
    found = stages(session=session, pipeline_id=pipeline_id)
    return next(stage for stage in found if stage.outcome == Outcome.OPEN)


def _check_times(values: dict[str, Any], stage: StageRead) -> None:
    """A deal is created before it closes, neither in the future; only a won or lost one
    has closed."""
    created, closed = values.get("created_at"), values.get("closed_at")
    latest = utcnow() + _CLOCK_SLACK
    for name, moment in (("created_at", created), ("closed_at", closed)):
        if moment is not None and moment > latest:
            raise ValidationError(f"{name} {moment.isoformat()} is in the future")
    if closed is not None and stage.outcome == Outcome.OPEN:
        raise ValidationError(f"closed_at is for a won or lost deal, and {stage.name!r} is open")
    if created is not None and closed is not None and created > closed:
        raise ValidationError("created_at is after closed_at")


def _tags_there(session: Session, keys: set[str]) -> dict[str, int]:
    """The stored tags of ``keys`` (folded names): their ids by key."""
    found: dict[str, int] = {}
    for chunk in chunked(sorted(keys), CHUNK):
        found.update(session.execute(select(Tag.key, Tag.id).where(col(Tag.key).in_(chunk))).all())
    return found


def _stored(session: Session, key: tuple[Any, ...]) -> bool:
    title, contact_id, value_minor, currency, expected_close = key
    query = select(Deal.id).where(
        Deal.title == title,
        Deal.contact_id == contact_id,  # "== None" is IS NULL
        Deal.value_minor == value_minor,
        Deal.currency == currency,
        Deal.expected_close == expected_close,
        col(Deal.deleted_at).is_(None),
    )
    return session.scalar(query.limit(1)) is not None
