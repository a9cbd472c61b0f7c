"""Import batches: what every import records and reports, and what its undo shares.

Every import is an ``ImportBatch``; each row it created or updated is an ``ImportChange``
(updates keep the row as it was), which is what an undo puts back. The organizations, tags
and projects an import creates on the way are recorded too (entity "organization", "tag",
"project"), so that undoing it removes those nothing uses any more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from crm_tui.display import digits
from crm_tui.io.contact_rows import RowError
from crm_tui.models import (
    Contact,
    ContactTag,
    Deal,
    DealTag,
    ImportBatch,
    ImportChange,
    Organization,
    Project,
    Tag,
    Task,
)
from crm_tui.services.common import (
    bulk_insert,
    chunked,
)
from crm_tui.text import plural

Progress = Callable[[str, int, int], None]


CHUNK = 500  # bound parameters in one IN list


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    merged: int = 0  # rows folded into an earlier row of the file (--on-duplicate update)
    errors: list[RowError] = field(default_factory=list)
    batch_id: int | None = None
    written: bool = False
    notes: list[str] = field(default_factory=list)  # worth knowing, not wrong (one line each)

    @property
    def exit_code(self) -> int:
        """0 all done, 1 nothing written because of bad rows, 3 written without bad rows."""
        if self.errors and not self.written:
            return 1
        return 3 if self.errors else 0

    def summary(self) -> str:
        parts = digits(
            f"created {self.created}, updated {self.updated}, skipped {self.skipped}, "
            f"rejected {self.rejected}"
            + (f", merged {self.merged} into rows before them" if self.merged else "")
        )
        return parts + (digits(f" (batch #{self.batch_id})") if self.batch_id else "")


def _runs(ids: Sequence[int]) -> Iterator[tuple[int, int]]:
    """Sorted ids as (first, last) runs of consecutive numbers."""
    ordered = sorted(ids)
    start = previous = ordered[0] if ordered else 0
    for value in ordered[1:]:
        if value != previous + 1:
            yield start, previous
            start = value
        previous = value
    if ordered:
        yield start, previous


def record_created(
    *, session: Session, batch_id: int, entity: str, ids: Sequence[int], action: str = "created"
) -> None:
    """Record that the batch created the rows ``ids`` of ``entity`` (or did ``action`` to
    them: a bulk action "trashed" them), as runs of ids."""
    bulk_insert(
        session=session,
        model=ImportChange,
        rows=[
            {
                "batch_id": batch_id,
                "entity": entity,
                "entity_id": first,
                "last_id": last,
                "action": action,
                "before": None,
            }
            for first, last in _runs(ids)
        ],
    )


def created_ids(
    *, session: Session, batch_id: int, entity: str, action: str = "created"
) -> list[int]:
    """Ids of the rows of ``entity`` ("contact", "tag"…) that the batch created (or did
    ``action`` to)."""
    runs = session.execute(
        select(ImportChange.entity_id, ImportChange.last_id).where(
            ImportChange.batch_id == batch_id,
            ImportChange.entity == entity,
            ImportChange.action == action,
        )
    )
    return [i for first, last in runs for i in range(first, (last or first) + 1)]


def list_batches(
    *, session: Session, kinds: Sequence[str], limit: int = 50, open_only: bool = False
) -> list[dict[str, Any]]:
    """The newest batches of these kinds (imports' or bulk actions'), newest first;
    ``open_only``: those not undone."""
    query = select(ImportBatch).where(col(ImportBatch.kind).in_(list(kinds)))
    if open_only:
        query = query.where(col(ImportBatch.undone_at).is_(None))
    rows = session.scalars(query.order_by(col(ImportBatch.id).desc()).limit(limit))
    return [
        {
            "id": b.id,
            "kind": b.kind,
            "source": b.source,
            "created_at": b.created_at,
            "created": b.created,
            "updated": b.updated,
            "skipped": b.skipped,
            "rejected": b.rejected,
            "undone_at": b.undone_at,
        }
        for b in rows
    ]


@dataclass
class UndoReport:
    removed: int = 0
    restored: int = 0
    # What the batch created on the way and nothing uses any more, removed with it.
    organizations: int = 0
    tags: int = 0
    projects: int = 0
    kept: list[str] = field(default_factory=list)  # "#12 Sara Ahmadi: why", one each
    undone: bool = False  # False: none of it could be undone; nothing changed
    batch: str = "the import"  # what the reasons call the batch ("the bulk action")

    @property
    def exit_code(self) -> int:
        """0 all undone, 3 partly (some of it kept), 1 none of it (the batch stays open)."""
        if not self.undone:
            return 1
        return 3 if self.kept else 0

    def summary(self) -> str:
        line = digits(f"removed {self.removed}, restored {self.restored}")
        also = [
            plural(count, what)
            for count, what in (
                (self.organizations, "organization"),
                (self.tags, "tag"),
                (self.projects, "project"),
            )
            if count
        ]
        return line + (f" (and {', '.join(also)} it created)" if also else "")


# What uses an organization, a tag or a project: any contact or task, in the trash or not.
# What uses a row an import created: it stays while any of these names it.
_USED_BY: dict[Any, tuple[Any, ...]] = {
    Organization: (Contact.organization_id, Deal.organization_id),
    Tag: (ContactTag.tag_id, DealTag.tag_id),
    Project: (Task.project_id,),
}


_REPORTED_AS = {Organization: "organizations", Tag: "tags", Project: "projects"}


def keep_referred(
    *,
    session: Session,
    candidates: dict[int, str],
    report: UndoReport,
    referrer: Any,
    reference: Any,
    reason: str,
) -> None:
    """Keep the candidates (id -> how the report names one) that a row refers to through
    ``reference`` (its id: ``referrer``), each said once with ``reason`` ("task #{id}
    follows it up", formatted with the referring row's id)."""
    for chunk in chunked(sorted(candidates), CHUNK):
        rows = session.execute(
            select(referrer, reference).where(col(reference).in_(chunk)).order_by(referrer)
        )
        for row_id, target in rows:
            if target in candidates:
                report.kept.append(f"{candidates.pop(target)}: {reason.format(id=row_id)}")


def remove_unused(*, session: Session, model: Any, ids: set[int], report: UndoReport) -> None:
    """Remove the rows of ``model`` (created by the batch) that nothing uses now; one
    edited since (a renamed organization) is kept and reported."""
    removed = 0
    for chunk in chunked(sorted(ids), CHUNK):
        used = {
            row_id
            for column in _USED_BY[model]
            for row_id in session.scalars(select(column).where(col(column).in_(chunk)).distinct())
        }
        unused = [i for i in chunk if i not in used]
        if hasattr(model, "version") and unused:
            what = model.__tablename__
            for row_id, name, version in session.execute(
                select(model.id, model.name, model.version).where(
                    col(model.id).in_(unused), model.version != 1
                )
            ):
                report.kept.append(
                    f"{what} #{row_id} {name}: edited since {report.batch} (version {version})"
                )
                unused.remove(row_id)
        if unused:
            session.execute(delete(model).where(col(model.id).in_(unused)))
            removed += len(unused)
    name = _REPORTED_AS[model]
    setattr(report, name, getattr(report, name) + removed)
