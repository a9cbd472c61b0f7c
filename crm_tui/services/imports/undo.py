"""Undoing an import batch, whatever kind of rows it brought."""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlmodel import Session

from crm_tui.errors import NotFoundError, ValidationError
from crm_tui.models import Contact, ImportBatch
from crm_tui.services.common import chunked, set_deleted, utcnow
from crm_tui.services.imports import contacts, work
from crm_tui.services.imports.batches import CHUNK, UndoReport, created_ids
from crm_tui.text import plural
from crm_tui.vocabulary import BulkKind, ImportKind


def _undo_trash(
    *, session: Session, batch: ImportBatch, report: UndoReport, actor_id: int | None = None
) -> None:
    """Bring back the contacts a bulk action moved to the trash and still there from then
    (one thrown away again since stays in the trash)."""
    assert batch.id is not None
    moved = created_ids(session=session, batch_id=batch.id, entity="contact", action="trashed")
    for chunk in chunked(moved, CHUNK):
        report.restored += set_deleted(
            session=session,
            model=Contact,
            ids=chunk,
            deleted_at=None,
            actor_id=actor_id,
            trashed_at=batch.created_at,
        )
    left = len(moved) - report.restored
    if left:
        report.kept.append(f"{plural(left, 'contact')}: out of the trash, or in it again, since")
    report.undone = True


# Each kind of import undoes its own rows; a bulk action, the rows of the kind it changed.
_UNDO: dict[str, Callable[..., None]] = {
    ImportKind.CONTACTS: contacts.undo_batch,
    ImportKind.INTERACTIONS: work.undo_batch,
    ImportKind.TASKS: work.undo_batch,
    ImportKind.DEALS: work.undo_batch,
    **dict.fromkeys(
        (BulkKind.TAG, BulkKind.UNTAG, BulkKind.STATUS, BulkKind.OWNER, BulkKind.FIELD),
        contacts.undo_batch,
    ),
    BulkKind.LOG: work.undo_batch,
    BulkKind.TASK: work.undo_batch,
}


def undo_import(
    *,
    session: Session,
    batch_id: int,
    kinds: Collection[str] | None = None,
    what: str = "batch",
    actor_id: int | None = None,
) -> UndoReport:
    """Revert a batch: remove what it created, put back what it updated, then remove the
    organizations, tags and projects it created that nothing uses any more.

    What somebody worked on since is kept, each with its reason in ``kept``, so undoing
    never loses later work: a row edited since, or one that others refer to (a contact's
    interactions, tasks, projects or referrals; an interaction's follow-up task; a task
    another waits for). A row the batch created and somebody moved to the trash since goes
    all the same when nothing refers to it: it was thrown away already.

    When nothing at all can be undone, nothing changes and the batch is not marked undone
    (``undone`` False): it can be undone once the user has dealt with what kept it (moved
    those contacts to the trash, say). Otherwise the batch is marked undone: a second undo
    would find the restored contacts one version on and take them for edited.
    """
    batch = session.get(ImportBatch, batch_id, with_for_update=True)
    if batch is None or (kinds is not None and batch.kind not in kinds):
        raise NotFoundError(f"no {what} #{batch_id}")  # ``kinds``: an import's, or a bulk one
    if batch.undone_at is not None:
        raise ValidationError(f"{what} #{batch_id} was already undone")
    report = UndoReport(batch="the bulk action" if batch.kind in set(BulkKind) else "the import")
    if batch.kind == BulkKind.TRASH:
        _undo_trash(session=session, batch=batch, report=report, actor_id=actor_id)
    else:
        _UNDO[batch.kind](session=session, batch=batch, report=report)
    if report.undone:
        batch.undone_at = utcnow()
    return report
