"""Importing contacts: match against what is stored, then write the batch in one transaction.

Every import is an ``ImportBatch``; each row it created or updated is an ``ImportChange``
(updates keep the contact as it was), which is what ``undo_import`` puts back. Rows may
come as a stream (a file still being read in another process): they are planned and new
contacts written 5,000 at a time (ids reserved up front, one executemany per table, the
search index filled from documents built ahead, ``io.prepare``), inside a savepoint that a
bad row further down rolls back; 100k rows take a few seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from crm_tui.errors import CrmError, NotFoundError, ValidationError
from crm_tui.io.contact_rows import ContactValues, Labeled, RowError
from crm_tui.io.prepare import (
    Identity,
    Match,
    OnDuplicate,
    add_tag,
    identity_of,
    prepared_document,
    prepared_row,
)
from crm_tui.io.work_rows import WorkRow
from crm_tui.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    ImportBatch,
    ImportChange,
    Interaction,
    InteractionContact,
    Task,
)
from crm_tui.records import contact_columns
from crm_tui.schemas import InteractionCreate, TaskCreate
from crm_tui.services import search, tags
from crm_tui.services.common import (
    bulk_insert,
    bulk_writes,
    chunked,
    driver_value,
    indexes_built_after,
    insert_tuples,
    reserve_ids,
    utcnow,
)
from crm_tui.services.contacts import apply_changes, refresh_contacted
from crm_tui.services.interactions import contacts_of, create_interaction
from crm_tui.services.organizations import organization_named
from crm_tui.services.projects import create_project, find_project
from crm_tui.services.snapshots import compared_states, contact_states, restore_contacts
from crm_tui.services.tasks import create_task, set_dependencies
from crm_tui.services.team import find_member
from crm_tui.text import fold, sort_key

Progress = Callable[[str, int, int], None]
CHUNK = 500  # bound parameters in one IN list
WRITE_CHUNK = 5_000  # rows planned and written at a time


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    batch_id: int | None = None
    written: bool = False

    @property
    def exit_code(self) -> int:
        """0 all done, 1 nothing written because of bad rows, 3 written without bad rows."""
        if self.errors and not self.written:
            return 1
        return 3 if self.errors else 0

    def summary(self) -> str:
        parts = (
            f"created {self.created}, updated {self.updated}, skipped {self.skipped}, "
            f"rejected {self.rejected}"
        )
        return parts + (f" (batch #{self.batch_id})" if self.batch_id else "")


# -- matching ---------------------------------------------------------------------------------


def _existing(
    session: Session, keys: Sequence[str], match: Match, *, bare: bool = False
) -> dict[str, int]:
    """Live contacts owning any of ``keys`` (the lowest id wins), read in chunks; ``bare``:
    only contacts without an email or a phone."""
    if match is Match.NONE or not keys:
        return {}
    live = col(Contact.deleted_at).is_(None)
    found: dict[str, int] = {}
    for chunk in chunked(keys, CHUNK):
        if match is Match.NAME:
            query = (
                select(Contact.sort_name, func.min(Contact.id))
                .where(col(Contact.sort_name).in_(chunk), live)
                .group_by(Contact.sort_name)
            )
            if bare:
                query = query.where(Contact.email == "", Contact.phone == "")
        else:
            model = ContactEmail if match is Match.EMAIL else ContactPhone
            query = (
                select(model.normalized, func.min(model.contact_id))
                .join(Contact, Contact.id == model.contact_id)
                .where(col(model.normalized).in_(chunk), live)
                .group_by(model.normalized)
            )
        found.update(dict(session.execute(query).all()))
    return found


def _merge_values(into: ContactValues, extra: ContactValues) -> None:
    """A later row for the same contact: its values win (a made-up name does not), lists are
    combined."""
    into.prepared = None  # worked out from the values before
    if extra.named:
        into.name, into.named = extra.name, True
    for name in (
        "first_name",
        "last_name",
        "organization",
        "title",
        "address",
        "website",
        "birthday",
        "status",
        "source",
        "notes",
    ):
        value = getattr(extra, name)
        if value:
            setattr(into, name, value)
    into.emails += [e for e in extra.emails if e.key not in {x.key for x in into.emails}]
    into.phones += [p for p in extra.phones if p.key not in {x.key for x in into.phones}]
    into.tags += [t for t in extra.tags if fold(t) not in {fold(x) for x in into.tags}]
    into.custom.update(extra.custom)


class _Planner:
    """Decides, row by row, to create, update or skip (nothing is written), a chunk at a
    time: a row is matched against the stored contacts and the rows before it in the file.

    ``look_up``: whether any contact was stored before the import (else the file's own
    rows are all there is to match, and no query is needed).
    """

    def __init__(
        self, session: Session, match: Match, on_duplicate: OnDuplicate, *, look_up: bool
    ) -> None:
        self.session, self.match, self.on_duplicate = session, match, on_duplicate
        self.look_up = look_up
        self.update: dict[int, ContactValues] = {}
        self.skipped = 0
        self.seen: dict[tuple[Identity, str], ContactValues] = {}  # rows taken, by key

    def plan(self, rows: Sequence[ContactValues]) -> list[ContactValues]:
        """The rows to create; updates gather in ``update``, skips in ``skipped``."""
        identities = [row.matched_on or identity_of(row, self.match) for row in rows]
        stored = self._stored(identities) if self.look_up else {}
        create: list[ContactValues] = []
        create_all = self.on_duplicate is OnDuplicate.CREATE
        for row, (identity, row_keys) in zip(rows, identities, strict=True):
            keys = [(identity, key) for key in row_keys]
            owner: int | None = None
            earlier: ContactValues | None = None
            for key in keys:  # the first key that is known wins, for each
                if owner is None:
                    owner = stored.get(key)
                if earlier is None:
                    earlier = self.seen.get(key)
            if create_all or (owner is None and earlier is None):
                create.append(row)
                for key in keys:
                    self.seen[key] = row
            elif self.on_duplicate is OnDuplicate.SKIP:
                self.skipped += 1
            elif earlier is not None:
                _merge_values(earlier, row)
                self.skipped += 1
            else:
                assert owner is not None
                if owner in self.update:
                    _merge_values(self.update[owner], row)
                    self.skipped += 1
                else:
                    self.update[owner] = row
                    for key in keys:
                        self.seen[key] = row
        return create

    def _stored(
        self, identities: list[tuple[Identity, list[str]]]
    ) -> dict[tuple[Identity, str], int]:
        stored: dict[tuple[Identity, str], int] = {}
        for identity in dict.fromkeys(identity for identity, _ in identities):
            wanted = dict.fromkeys(k for i, keys in identities if i == identity for k in keys)
            found = _existing(self.session, list(wanted), identity[0], bare=identity[1])
            stored.update({(identity, key): owner for key, owner in found.items()})
        return stored


_COLUMNS = tuple(contact_columns(ContactValues()))
_WRITTEN = (
    "id",
    *_COLUMNS,
    "organization_id",
    "organization_name",
    "sort_org",
    "created_at",
    "updated_at",
    "created_by_id",
    "updated_by_id",
    "last_contacted_at",
    "version",
    "deleted_at",
)
_SORT_NAME = _COLUMNS.index("sort_name")  # in a row's prepared columns
_LABELED = ("contact_id", "value", "normalized", "label", "position")


# -- writing ----------------------------------------------------------------------------------


class _Writer:
    """Writes the import's batch record and its new contacts, a chunk at a time, within the
    session's transaction (ids reserved up front, one executemany per table, the search
    index filled from the prepared documents)."""

    def __init__(
        self, session: Session, source: str, actor_id: int | None, indexes: ExitStack
    ) -> None:
        self.session, self.source, self.actor_id = session, source, actor_id
        self.indexes = indexes  # where the dropped indexes wait to be built again
        self.index_plan: tuple[int, bool] | None = None
        self.batch: ImportBatch | None = None
        self.savepoint: Any = None  # around everything the batch writes
        self.organizations: dict[str | None, tuple[int | None, str, str]] = {None: (None, "", "")}
        self.tags: dict[str, int] = {}
        now = driver_value(session, Contact.created_at, utcnow())
        self.stamps = (now, now, actor_id, actor_id, None, 1, None)

    def batch_id(self) -> int:
        if self.batch is None:
            self.savepoint = self.session.begin_nested()
            self.batch = ImportBatch(
                kind="contacts", source=self.source, created_at=utcnow(), author_id=self.actor_id
            )
            self.session.add(self.batch)
            self.session.flush()
        assert self.batch.id is not None
        return self.batch.id

    def plan_indexes(self, expected: int, *, keep_lookups: bool) -> None:
        """Let the first rows written decide, for about ``expected`` new contacts, whether
        to build the indexes after them (an import that creates nothing keeps them)."""
        self.index_plan = (expected, keep_lookups)

    def create(self, rows: Sequence[ContactValues]) -> None:
        if not rows:
            return
        session = self.session
        batch_id = self.batch_id()
        if self.index_plan is not None:
            expected, keep_lookups = self.index_plan
            self.index_plan = None
            self.indexes.enter_context(_indexes_for(session, expected, keep_lookups=keep_lookups))
        ids = reserve_ids(session, Contact, len(rows))
        self._know_tags(rows)
        contacts, documents, emails, phones, links = [], [], [], [], []
        for contact_id, row in zip(ids, rows, strict=True):
            # A Prepared, or the plain tuple it crossed a pipe as.
            prepared = row.prepared or prepared_row(row)
            columns, organization_key, _, _, _, labeled_emails, labeled_phones, tag_keys = prepared
            row.prepared = None  # written: its memory can go
            organization = self._organization(row, organization_key)
            contacts.append((contact_id, *columns, *organization, *self.stamps))
            document = prepared_document(prepared, row.organization, organization[1])
            documents.append((contact_id, columns[_SORT_NAME], document))
            emails += [(contact_id, *item) for item in labeled_emails]
            phones += [(contact_id, *item) for item in labeled_phones]
            links += [(contact_id, self.tags[key]) for key in tag_keys]
        insert_tuples(session, Contact, _WRITTEN, contacts)
        insert_tuples(session, ContactEmail, _LABELED, emails)
        insert_tuples(session, ContactPhone, _LABELED, phones)
        insert_tuples(session, ContactTag, ("contact_id", "tag_id"), links)
        search.add_contact_documents(session, documents)
        _record_created(session, batch_id, "contact", ids)

    def _know_tags(self, rows: Sequence[ContactValues]) -> None:
        names = {t for row in rows for t in row.tags if fold(t) not in self.tags}
        if names:
            self.tags.update(tags.tag_ids(self.session, names))

    def _organization(self, row: ContactValues, key: str | None) -> tuple[int | None, str, str]:
        if key not in self.organizations:
            named = organization_named(self.session, row.organization)
            assert named is not None  # the name is not blank
            self.organizations[key] = (named.id, named.name, named.sort_name)
        return self.organizations[key]


def _changes(current: dict[str, Any], incoming: ContactValues) -> dict[str, Any]:
    """What an update changes: non-blank values win, lists grow, custom fields merge."""
    changes: dict[str, Any] = {}
    scalar = {
        "name": "name",
        "first_name": "first_name",
        "last_name": "last_name",
        "organization": "organization_name",
        "title": "title",
        "address": "address",
        "website": "website",
        "status": "status",
        "source": "source",
        "notes": "notes",
    }
    for name, column in scalar.items():
        value = getattr(incoming, name)
        if not value or value == current[column] or (name == "name" and not incoming.named):
            continue
        if name == "organization" and sort_key(value) == current["sort_org"]:
            continue  # the organization it has, spelled otherwise ("ACME" for "Acme")
        changes[name] = value
    if incoming.birthday and incoming.birthday.isoformat() != current["birthday"]:
        changes["birthday"] = incoming.birthday
    for name, stored in (("emails", current["_emails"]), ("phones", current["_phones"])):
        keys = {item["normalized"] for item in stored}
        new = [item for item in getattr(incoming, name) if item.key not in keys]
        if new:
            changes[name] = [Labeled(i["value"], i["label"], i["normalized"]) for i in stored] + new
    have = {fold(t) for t in current["_tags"]}
    if any(fold(t) not in have for t in incoming.tags):
        changes["tags"] = current["_tags"] + [t for t in incoming.tags if fold(t) not in have]
    custom = {**current["custom"], **incoming.custom}
    if custom != current["custom"]:
        changes["custom"] = custom
    return changes


def _update_all(
    session: Session, updates: dict[int, ContactValues], writer: _Writer
) -> tuple[int, int]:
    """Apply updates that change something; returns (updated, unchanged).

    Contacts are compared a chunk at a time with their emails and phones (re-importing the
    same file of 20k rows with --on-duplicate update took 26 s reading them one by one); only
    the changed ones are loaded whole (for the undo record) and indexed again.
    """
    updated: list[int] = []
    ids = list(updates)
    for chunk in chunked(ids, CHUNK):
        compared = compared_states(session, chunk)
        changes = {i: c for i, state in compared.items() if (c := _changes(state, updates[i]))}
        if not changes:
            continue
        contacts = session.scalars(select(Contact).where(col(Contact.id).in_(list(changes)))).all()
        states = contact_states(session, contacts, compared)  # whole, for undo_import
        batch_id, actor_id = writer.batch_id(), writer.actor_id
        records = []
        for contact in contacts:
            assert contact.id is not None
            before = states[contact.id]
            _update_one(session, contact, changes[contact.id], actor_id)
            records.append(_update_record(batch_id, contact.id, before, contact.version))
            updated.append(contact.id)
        bulk_insert(session, ImportChange, records)
    session.flush()
    search.index_contacts(session, updated)
    return len(updated), len(ids) - len(updated)


def _update_one(
    session: Session, contact: Contact, changes: dict[str, Any], actor_id: int | None
) -> None:
    apply_changes(session, contact, changes)
    contact.version += 1
    contact.updated_at = utcnow()
    contact.updated_by_id = actor_id


def _update_record(
    batch_id: int, contact_id: int, before: dict[str, Any], version: int
) -> dict[str, Any]:
    """What ``undo_import`` needs: the contact as it was, and the version the import left."""
    return {
        "batch_id": batch_id,
        "entity": "contact",
        "entity_id": contact_id,
        "last_id": None,
        "action": "updated",
        "before": {**before, "_after": version},
    }


def import_contacts(
    *,
    session: Session,
    rows: Iterable[ContactValues | RowError],
    source: str,
    match: Match = Match.EMAIL,
    on_duplicate: OnDuplicate = OnDuplicate.SKIP,
    skip_bad: bool = False,
    dry_run: bool = False,
    tag: str | None = None,
    actor_id: int | None = None,
    progress: Progress | None = None,
    expected: int | None = None,
) -> ImportReport:
    """Import ``rows`` as one batch; with bad rows, nothing unless ``skip_bad``.

    ``rows`` may be a stream (a file still being read): new contacts are written as they
    come (unless updates may still merge into them), so ``expected`` (about how many rows)
    lets a large import plan its indexes. What the batch writes is inside a savepoint: a bad
    row after rows were written rolls it back (all or nothing).
    """
    if expected is None and isinstance(rows, Sized):
        expected = len(rows)
    report = ImportReport()
    planner = _Planner(session, match, on_duplicate, look_up=_any_live_contact(session))
    with (
        bulk_writes(session),
        search.bulk_indexing(session, expected=expected or 0),
        ExitStack() as indexes,
    ):
        writer = None if dry_run else _Writer(session, source, actor_id, indexes)
        if writer is not None and on_duplicate is not OnDuplicate.UPDATE:
            writer.plan_indexes(expected or 0, keep_lookups=planner.look_up)
        writer = _plan_and_write(
            rows, planner, writer, report, skip_bad=skip_bad, tag=tag, progress=progress
        )
        if progress and writer is not None:
            progress("saving", 0, 0)
        indexes.close()  # built again, before the updates read them
        if writer is not None:
            report.updated, unchanged = _update_all(session, planner.update, writer)
            planner.skipped += unchanged
    report.rejected, report.skipped = len(report.errors), planner.skipped
    if writer is None:
        report.updated = len(planner.update)
        return report
    report.written = True
    if writer.batch is not None:
        writer.savepoint.commit()
        batch = writer.batch
        batch.created, batch.updated = report.created, report.updated
        batch.skipped, batch.rejected = report.skipped, report.rejected
        report.batch_id = batch.id
    return report


def _plan_and_write(
    rows: Iterable[ContactValues | RowError],
    planner: _Planner,
    writer: _Writer | None,
    report: ImportReport,
    *,
    skip_bad: bool,
    tag: str | None,
    progress: Progress | None = None,
) -> _Writer | None:
    """Plan the rows a chunk at a time and write the new contacts: at once when nothing
    can merge into them later, else at the end. Returns the writer, None once nothing is to
    be written (a dry run, or a bad row without --skip-bad)."""
    streaming = planner.on_duplicate is not OnDuplicate.UPDATE
    later: list[ContactValues] = []
    for chunk in chunked(rows, WRITE_CHUNK):
        create = planner.plan(_good_rows(chunk, report, tag))
        report.created += len(create)
        if writer is not None and report.errors and not skip_bad:
            _abandon(writer)
            writer = None
        if writer is not None and streaming:
            writer.create(create)
        elif writer is not None:
            later += create
    if writer is not None:
        writer.plan_indexes(len(later), keep_lookups=planner.look_up)
        for start in range(0, len(later), WRITE_CHUNK):
            writer.create(later[start : start + WRITE_CHUNK])
            if progress:
                progress("writing", min(start + WRITE_CHUNK, len(later)), len(later))
    return writer


def _good_rows(
    chunk: Sequence[ContactValues | RowError], report: ImportReport, tag: str | None
) -> list[ContactValues]:
    good = []
    key = fold(tag) if tag else None
    for row in chunk:
        if isinstance(row, RowError):
            report.errors.append(row)
        else:
            add_tag(row, tag, key)
            good.append(row)
    return good


def _abandon(writer: _Writer) -> None:
    """A bad row and no --skip-bad: undo what was written (the rows after it are planned
    on, to report what would have happened)."""
    if writer.savepoint is not None:
        writer.savepoint.rollback()
        search.forget_pending(writer.session)


def _any_live_contact(session: Session) -> bool:
    query = select(Contact.id).where(col(Contact.deleted_at).is_(None)).limit(1)
    return session.scalar(query) is not None


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


def _record_created(session: Session, batch_id: int, entity: str, ids: Sequence[int]) -> None:
    bulk_insert(
        session,
        ImportChange,
        [
            {
                "batch_id": batch_id,
                "entity": entity,
                "entity_id": first,
                "last_id": last,
                "action": "created",
                "before": None,
            }
            for first, last in _runs(ids)
        ],
    )


def _created_ids(session: Session, batch_id: int) -> list[int]:
    runs = session.execute(
        select(ImportChange.entity_id, ImportChange.last_id).where(
            ImportChange.batch_id == batch_id, ImportChange.action == "created"
        )
    )
    return [i for first, last in runs for i in range(first, (last or first) + 1)]


def _indexes_for(session: Session, expected: int, *, keep_lookups: bool) -> Any:
    """Build the contact indexes after the rows when the import at least doubles the table:
    one sort of every row beats updating each index row by row. SQLite only (a shared
    PostgreSQL server keeps its indexes while teammates work). ``keep_lookups``: keep the
    indexes that matching rows against stored contacts reads."""
    if session.get_bind().dialect.name != "sqlite" or expected < WRITE_CHUNK:
        return nullcontext()
    stored = session.scalar(select(func.count()).select_from(Contact)) or 0
    if expected < stored:
        return nullcontext()
    keep = _LOOKUP_INDEXES if keep_lookups else ()
    return indexes_built_after(session, Contact, ContactEmail, ContactPhone, ContactTag, keep=keep)


# What _existing reads, found by the columns they index.
_LOOKUP_INDEXES = frozenset(
    index.name
    for model, column in (
        (ContactEmail, "normalized"),
        (ContactPhone, "normalized"),
        (Contact, "sort_name"),
    )
    for index in model.__table__.indexes  # type: ignore[union-attr]
    if next(iter(index.columns)).name == column
)


# -- batches ----------------------------------------------------------------------------------


def list_batches(*, session: Session, limit: int = 50) -> list[dict[str, Any]]:
    rows = session.scalars(select(ImportBatch).order_by(col(ImportBatch.id).desc()).limit(limit))
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
    kept: list[str] = field(default_factory=list)


def _removable_contacts(session: Session, ids: list[int], report: UndoReport) -> list[int]:
    """The created contacts nobody touched since: same version, no interactions or tasks."""
    removable = []
    for chunk in chunked(ids, CHUNK):
        used = set(
            session.scalars(
                select(InteractionContact.contact_id).where(
                    col(InteractionContact.contact_id).in_(chunk)
                )
            )
        )
        used |= set(session.scalars(select(Task.contact_id).where(col(Task.contact_id).in_(chunk))))
        used |= set(
            session.scalars(
                select(Interaction.contact_id).where(col(Interaction.contact_id).in_(chunk))
            )
        )
        for contact_id, name, version in session.execute(
            select(Contact.id, Contact.name, Contact.version).where(col(Contact.id).in_(chunk))
        ):
            if version != 1 or contact_id in used:
                report.kept.append(f"#{contact_id} {name} (changed since the import)")
            else:
                removable.append(contact_id)
    return removable


def undo_import(*, session: Session, batch_id: int) -> UndoReport:
    """Revert a batch: remove what it created, put back what it updated.

    A contact changed (or given interactions or tasks) since the import is left alone and
    reported, so undoing never loses later work.
    """
    batch = session.get(ImportBatch, batch_id, with_for_update=True)
    if batch is None:
        raise NotFoundError(f"no import batch #{batch_id}")
    if batch.undone_at is not None:
        raise ValidationError(f"import batch #{batch_id} was already undone")
    report = UndoReport()
    if batch.kind in ("interactions", "tasks"):
        report.removed, report.kept = _undo_work(session, batch_id, batch.kind)
        batch.undone_at = utcnow()
        return report
    removed = _removable_contacts(session, _created_ids(session, batch_id), report)
    restored = _restore_updated(session, batch_id, report)
    if removed:
        for chunk in chunked(removed, CHUNK):
            session.execute(delete(Contact).where(col(Contact.id).in_(chunk)))
        search.unindex_contacts(session, removed)
    report.removed = len(removed)
    session.flush()
    search.index_contacts(session, restored)
    batch.undone_at = utcnow()
    return report


def _restore_updated(session: Session, batch_id: int, report: UndoReport) -> list[int]:
    """Put back the contacts the batch updated, a chunk at a time; returns their ids."""
    changes = list(
        session.scalars(
            select(ImportChange).where(
                ImportChange.batch_id == batch_id, ImportChange.action == "updated"
            )
        )
    )
    restored: list[int] = []
    for chunk in chunked(changes, CHUNK):
        stored = session.scalars(
            select(Contact).where(col(Contact.id).in_([c.entity_id for c in chunk]))
        )
        contacts = {contact.id: contact for contact in stored}
        pairs = []
        for change in chunk:
            contact = contacts.get(change.entity_id)
            if contact is None:
                continue
            before = dict(change.before or {})
            if contact.version != before.pop("_after", None):
                report.kept.append(f"#{contact.id} {contact.name} (changed since the import)")
                continue
            pairs.append((contact, before))
        restore_contacts(session, pairs)
        for contact, _ in pairs:
            assert contact.id is not None
            contact.version += 1
            restored.append(contact.id)
    report.restored = len(restored)
    return restored


# -- interactions and tasks -------------------------------------------------------------------


def _resolve_contacts(session: Session, refs: set[str]) -> dict[str, int]:
    """Contact references (ids or emails) -> live contact ids; unknown ones are left out."""
    ids = {ref: int(ref.lstrip("#")) for ref in refs if ref.lstrip("#").isdigit()}
    live = set(
        session.scalars(
            select(Contact.id).where(
                col(Contact.id).in_(list(ids.values())), col(Contact.deleted_at).is_(None)
            )
        )
    )
    found = {ref: contact_id for ref, contact_id in ids.items() if contact_id in live}
    emails = [ref for ref in refs if "@" in ref]
    by_email = _existing(session, [fold(e) for e in emails], Match.EMAIL)
    found.update({ref: by_email[fold(ref)] for ref in emails if fold(ref) in by_email})
    return found


def import_work(
    *,
    session: Session,
    kind: str,
    rows: Sequence[WorkRow | RowError],
    source: str,
    skip_bad: bool = False,
    dry_run: bool = False,
    actor_id: int | None = None,
) -> ImportReport:
    """Import interactions or tasks (``kind``) as one batch, all or nothing like contacts."""
    good = [row for row in rows if isinstance(row, WorkRow)]
    errors = [row for row in rows if isinstance(row, RowError)]
    contacts = _resolve_contacts(session, {row.contact for row in good if row.contact})
    for row in list(good):
        if row.contact and row.contact not in contacts:
            errors.append(RowError(row.line, f"no contact with id or email {row.contact!r}", []))
            good.remove(row)
    members = {}
    if kind == "tasks":
        for row in list(good):
            if row.assignee:
                try:
                    members[row.assignee] = find_member(session=session, ref=row.assignee).id
                except CrmError as error:
                    errors.append(RowError(row.line, str(error), []))
                    good.remove(row)
    known: dict[str, int] = {}  # the file's ids of task rows already on the board
    if kind == "interactions":
        repeated = _already_logged(session, good, contacts)
    else:
        there = _tasks_there(session, good, contacts)
        repeated = set(there)
        known = {row.file_id: there[row.line] for row in good if row.line in there and row.file_id}
    good = [row for row in good if row.line not in repeated]
    report = ImportReport(
        errors=sorted(errors, key=lambda e: e.line),
        rejected=len(errors),
        created=len(good),
        skipped=len(repeated),
    )
    if dry_run or (errors and not skip_bad):
        return report
    if not good:  # nothing new: done (exit 3 if rows were left out)
        report.written = True
        return report
    batch = ImportBatch(kind=kind, source=source, created_at=utcnow(), author_id=actor_id)
    session.add(batch)
    session.flush()
    assert batch.id is not None
    if kind == "interactions":
        created = _create_interactions(session, good, contacts, actor_id)
    else:
        created = _create_tasks(session, good, contacts, members, actor_id, known)
    bulk_insert(
        session,
        ImportChange,
        [
            {
                "batch_id": batch.id,
                "entity": kind[:-1],
                "entity_id": i,
                "action": "created",
                "before": None,
            }
            for i in created
        ],
    )
    batch.created, batch.rejected = len(created), report.rejected
    batch.skipped = report.skipped
    report.batch_id, report.written = batch.id, True
    return report


def _already_logged(session: Session, rows: list[WorkRow], contacts: dict[str, int]) -> set[int]:
    """Lines of the interaction rows logged before, in the database or earlier in the file:
    the same contact, time, channel, subject and notes (importing a call log again must not
    log every call twice). A row without a time is "now" and cannot be told apart."""
    seen: set[tuple[Any, ...]] = set()
    repeated: set[int] = set()
    for row in rows:
        values = {name: value for name, value in row.values.items() if name != "resolved_at"}
        data = InteractionCreate.build(**{**values, "contact_ids": [contacts[row.contact]]})
        if data.occurred_at is None:
            continue
        key = (data.contact_ids[0], data.occurred_at, data.channel.value, data.subject, data.body)
        if key in seen or _logged(session, *key):
            repeated.add(row.line)
        seen.add(key)
    return repeated


def _logged(
    session: Session, contact_id: int, at: Any, channel: str, subject: str, body: str
) -> bool:
    query = (
        select(Interaction.id)
        .join(InteractionContact, InteractionContact.interaction_id == Interaction.id)
        .where(
            InteractionContact.contact_id == contact_id,
            Interaction.occurred_at == at,
            Interaction.channel == channel,
            Interaction.subject == subject,
            Interaction.body == body,
            col(Interaction.deleted_at).is_(None),
        )
        .limit(1)
    )
    return session.scalar(query) is not None


def _create_interactions(
    session: Session, rows: list[WorkRow], contacts: dict[str, int], actor_id: int | None
) -> list[int]:
    created = []
    for row in rows:
        values = dict(row.values)
        resolved_at = values.pop("resolved_at", None)
        values["contact_ids"] = [contacts[row.contact]]
        item = create_interaction(
            session=session, data=InteractionCreate.build(**values), actor_id=actor_id
        )
        if resolved_at is not None and item.complaint:
            stored = session.get(Interaction, item.id)
            assert stored is not None
            stored.resolved_at, stored.resolved_by_id = resolved_at, actor_id
        created.append(item.id)
    return created


def _create_tasks(
    session: Session,
    rows: list[WorkRow],
    contacts: dict[str, int],
    members: dict[str, int],
    actor_id: int | None,
    by_file_id: dict[str, int],
) -> list[int]:
    """Create the task rows; ``by_file_id`` starts with the file's ids of rows already on the
    board (a new task may wait for one of them)."""
    projects: dict[str, int] = {}
    created: list[tuple[WorkRow, int]] = []
    for row in rows:
        values = dict(row.values)
        values["contact_id"] = contacts.get(row.contact) if row.contact else None
        values["assignee_id"] = members.get(row.assignee)
        if row.project:
            if row.project not in projects:
                projects[row.project] = _project_id(session, row.project, values["contact_id"])
            values["project_id"] = projects[row.project]
        task = create_task(session=session, data=TaskCreate.build(**values), actor_id=actor_id)
        if row.file_id:
            by_file_id[row.file_id] = task.id
        created.append((row, task.id))
    for row, task_id in created:
        if row.depends_on:
            targets = [
                by_file_id.get(ref) or int(ref.lstrip("#"))
                for ref in row.depends_on
                if ref in by_file_id or ref.lstrip("#").isdigit()
            ]
            set_dependencies(session=session, task_id=task_id, depends_on=targets)
    return [task_id for _, task_id in created]


def _tasks_there(session: Session, rows: list[WorkRow], contacts: dict[str, int]) -> dict[int, int]:
    """Task rows already on the board, by line, with the stored task's id: the same title,
    contact, project, start and due (a task file imported again must not add them twice)."""
    found: dict[int, int] = {}
    projects: dict[str, int | None] = {}
    for row in rows:
        if row.project and row.project not in projects:
            try:
                projects[row.project] = find_project(session=session, ref=row.project).id
            except NotFoundError:
                projects[row.project] = None
        project_id = projects[row.project] if row.project else None
        if row.project and project_id is None:
            continue  # a new project: new tasks
        contact_id = contacts.get(row.contact) if row.contact else None
        data = TaskCreate.build(**{**row.values, "contact_id": contact_id})
        stored = select(Task.id).where(
            Task.title == data.title,
            Task.contact_id == contact_id,  # "== None" is IS NULL
            Task.project_id == project_id,
            Task.start_date == data.start_date,
            Task.due_date == data.due_date,
            col(Task.deleted_at).is_(None),
        )
        task_id = session.scalar(stored.limit(1))
        if task_id is not None:
            found[row.line] = task_id
    return found


def _project_id(session: Session, name: str, contact_id: int | None) -> int:
    try:
        return find_project(session=session, ref=name).id
    except NotFoundError:
        return create_project(session=session, name=name, contact_id=contact_id).id


def _undo_work(session: Session, batch_id: int, kind: str) -> tuple[int, list[str]]:
    """Delete the interactions or tasks a batch created, unless edited since."""
    model: Any = Interaction if kind == "interactions" else Task
    ids = list(
        session.scalars(select(ImportChange.entity_id).where(ImportChange.batch_id == batch_id))
    )
    kept, removed = [], []
    for row in session.scalars(select(model).where(col(model.id).in_(ids))):
        if row.version != 1:
            kept.append(f"{kind[:-1]} #{row.id} (changed since the import)")
        else:
            removed.append(row.id)
    touched = contacts_of(session, removed) if kind == "interactions" else []
    for chunk in chunked(removed, CHUNK):
        session.execute(delete(model).where(col(model.id).in_(chunk)))
    if kind == "interactions":
        search.unindex_interactions(session, removed)
        refresh_contacted(session, touched)  # back to before the import
    return len(removed), kept
