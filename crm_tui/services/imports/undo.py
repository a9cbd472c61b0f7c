"""Undoing an import batch, whatever kind of rows it brought."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from crm_tui.errors import NotFoundError, ValidationError
from crm_tui.models import (
    ImportBatch,
)
from crm_tui.services.common import (
    utcnow,
)
from crm_tui.services.imports import contacts, work
from crm_tui.services.imports.batches import (
    UndoReport,
)
from crm_tui.vocabulary import ImportKind

# Each kind of import undoes its own rows.
_UNDO: dict[ImportKind, Callable[..., None]] = {
    ImportKind.CONTACTS: contacts.undo_batch,
    ImportKind.INTERACTIONS: work.undo_batch,
    ImportKind.TASKS: work.undo_batch,
    ImportKind.DEALS: work.undo_batch,
}


def undo_import(*, session: Session, batch_id: int) -> UndoReport:
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
    if batch is None:
        raise NotFoundError(f"no import batch #{batch_id}")
    if batch.undone_at is not None:
        raise ValidationError(f"import batch #{batch_id} was already undone")
    report = UndoReport()
    _UNDO[ImportKind(batch.kind)](session=session, batch=batch, report=report)
    if report.undone:
        batch.undone_at = utcnow()
    return report
