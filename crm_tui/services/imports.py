"""Importing contacts: match against what is stored, then write the batch in one transaction.

Every import is an ``ImportBatch``; each row it created or updated is an ``ImportChange``
(updates keep the contact as it was), which is what ``undo_import`` puts back. The
organizations, tags and projects an import creates on the way are recorded too (entity
"organization", "tag", "project"), so that undoing it removes those nothing uses any more.

Rows may come as a stream (a file still being read in another process): they are planned
and new contacts written 5,000 at a time (ids reserved up front, one executemany per table,
the search index filled from documents built ahead, ``io.prepare``), inside a savepoint that
a bad row further down rolls back; 100k rows take a few seconds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from crm_tui.entities import CONTACT, Kind
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
    Organization,
    Project,
    Tag,
    Task,
    TaskDependency,
)
from crm_tui.records import contact_columns
from crm_tui.schemas import InteractionCreate, TaskCreate
from crm_tui.search import index as search
from crm_tui.services import tags
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
from crm_tui.services.contacts import apply_changes, mark_contacted, refresh_contacted
from crm_tui.services.interactions import contacts_of, new_row
from crm_tui.services.organizations import (
    NO_ORGANIZATION,
    Named,
    NoOrganization,
    organizations_named,
)
from crm_tui.services.projects import create_project, find_project
from crm_tui.services.snapshots import compared_states, contact_states, restore_contacts
from crm_tui.services.tasks import create_task, set_dependencies
from crm_tui.services.team import find_member
from crm_tui.text import clean_line, fold, plural, sort_key
from crm_tui.vocabulary import ImportKind

Progress = Callable[[str, int, int], None]
CHUNK = 500  # bound parameters in one IN list
WRITE_CHUNK = 5_000  # rows planned and written at a time
# SQLite's page cache while an import writes: new rows go at the tables' ends, so a larger
# one saves no time, and it is memory held until the import ends.
CACHE_MIB = 8


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
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
        parts = (
            f"created {self.created}, updated {self.updated}, skipped {self.skipped}, "
            f"rejected {self.rejected}"
        )
        return parts + (f" (batch #{self.batch_id})" if self.batch_id else "")


# What a row of an import sets one value of (the lists, tags and custom fields combine).
_IMPORTED_SCALARS = tuple(f for f in CONTACT.imported if f.choosable)


# -- matching ---------------------------------------------------------------------------------


def _existing(
    session: Session,
    keys: Sequence[str],
    match: Match,
    *,
    bare: bool = False,
    trash: bool = False,
) -> dict[str, int]:
    """Live contacts owning any of ``keys`` (the lowest id wins), read in chunks; ``bare``:
    only contacts without an email or a phone; ``trash``: contacts in the trash instead."""
    if match is Match.NONE or not keys:
        return {}
    deleted = col(Contact.deleted_at)
    live = deleted.is_not(None) if trash else deleted.is_(None)
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
    for declared in _IMPORTED_SCALARS:
        value = getattr(extra, declared.name)
        if value and declared.kind is not Kind.NAME:
            setattr(into, declared.name, value)
    into.emails += [e for e in extra.emails if e.key not in {x.key for x in into.emails}]
    into.phones += [p for p in extra.phones if p.key not in {x.key for x in into.phones}]
    into.tags += [t for t in extra.tags if fold(t) not in {fold(x) for x in into.tags}]
    into.custom.update(extra.custom)


class _Planner:
    """Decides, row by row, to create, update or skip (nothing is written), a chunk at a
    time: a row is matched against the stored contacts and the rows before it in the file.

    ``look_up``: whether any contact was stored before the import (else the file's own
    rows are all there is to match, and no query is needed). The rows taken are kept (by
    key) only where a later row may merge into them (--on-duplicate update); else their
    keys are enough (about 100 bytes a row), and a large file's rows go once written.
    """

    def __init__(
        self, session: Session, match: Match, on_duplicate: OnDuplicate, *, look_up: bool
    ) -> None:
        self.session, self.match, self.on_duplicate = session, match, on_duplicate
        self.look_up = look_up
        self.update: dict[int, ContactValues] = {}
        self.skipped = 0
        self.merging = on_duplicate is OnDuplicate.UPDATE
        self.seen: dict[tuple[Identity, str], ContactValues] = {}  # rows taken, by key
        self.keys: dict[Identity, set[str]] = {}  # the keys of the rows taken (not merging)

    def plan(self, rows: Sequence[ContactValues]) -> list[ContactValues]:
        """The rows to create; updates gather in ``update``, skips in ``skipped``."""
        if self.on_duplicate is OnDuplicate.CREATE:
            return list(rows)
        identities = [row.matched_on or identity_of(row, self.match) for row in rows]
        stored = self._stored(identities) if self.look_up else {}
        create: list[ContactValues] = []
        for row, (identity, row_keys) in zip(rows, identities, strict=True):
            keys = [(identity, key) for key in row_keys]
            owner: int | None = None
            for key in keys:  # the first key that is known wins
                owner = stored.get(key)
                if owner is not None:
                    break
            if not self.merging:
                taken = self.keys.setdefault(identity, set())
                if owner is None and taken.isdisjoint(row_keys):
                    create.append(row)
                    taken.update(row_keys)
                else:
                    self.skipped += 1
                continue
            earlier = next((self.seen[key] for key in keys if key in self.seen), None)
            if owner is None and earlier is None:
                create.append(row)
                self._take(keys, row)
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
                    self._take(keys, row)
        return create

    def _take(self, keys: list[tuple[Identity, str]], row: ContactValues) -> None:
        for key in keys:
            self.seen[key] = row

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
        self,
        session: Session,
        source: str,
        actor_id: int | None,
        indexes: ExitStack,
        writing: search.Bulk,
    ) -> None:
        self.session, self.source, self.actor_id = session, source, actor_id
        self.indexes = indexes  # where the dropped indexes wait to be built again
        self.writing = writing  # the search indexes, taking many rows at once
        self.index_plan: tuple[int, bool] | None = None
        self.batch: ImportBatch | None = None
        self.savepoint: Any = None  # around everything the batch writes
        self.organizations: dict[str | None, Named | NoOrganization] = {None: NO_ORGANIZATION}
        self.tags: dict[str, int] = {}
        # Ids of the organizations and tags this import created, for undo_import.
        self.created: dict[str, set[int]] = {"organization": set(), "tag": set()}
        now = driver_value(session=session, column=Contact.created_at, value=utcnow())
        self.stamps = (now, now, actor_id, actor_id, None, 1, None)

    def batch_id(self) -> int:
        if self.batch is None:
            self.savepoint = self.session.begin_nested()
            self.batch = ImportBatch(
                kind=ImportKind.CONTACTS.value,
                source=self.source,
                created_at=utcnow(),
                author_id=self.actor_id,
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
        ids = reserve_ids(session=session, model=Contact, count=len(rows))
        # A Prepared, or the plain tuple it crossed a pipe as.
        prepared_rows = [row.prepared or prepared_row(row) for row in rows]
        self._add_organizations(rows, prepared_rows)
        tag_names = {t for row in rows for t in row.tags if fold(t) not in self.tags}
        before = self.existing((), tag_names)
        if tag_names:
            self.tags.update(tags.tag_ids(session=session, names=tag_names))
        contacts, documents, emails, phones, links = [], [], [], [], []
        for contact_id, row, prepared in zip(ids, rows, prepared_rows, strict=True):
            columns, organization_key, _, _, _, labeled_emails, labeled_phones, tag_keys = prepared
            row.prepared = None  # written: its memory can go
            organization = self.organizations[organization_key]
            contacts.append((contact_id, *columns, *organization, *self.stamps))
            document = prepared_document(prepared, row.organization, organization[1])
            documents.append((contact_id, columns[_SORT_NAME], document))
            emails += [(contact_id, *item) for item in labeled_emails]
            phones += [(contact_id, *item) for item in labeled_phones]
            links += [(contact_id, self.tags[key]) for key in tag_keys]
        insert_tuples(session=session, model=Contact, names=_WRITTEN, params=contacts)
        insert_tuples(session=session, model=ContactEmail, names=_LABELED, params=emails)
        insert_tuples(session=session, model=ContactPhone, names=_LABELED, params=phones)
        insert_tuples(
            session=session, model=ContactTag, names=("contact_id", "tag_id"), params=links
        )
        self.writing.add_contacts(documents)
        _record_created(session, batch_id, "contact", ids)
        self.note_created(before, (), tag_names)

    def _add_organizations(self, rows: Sequence[ContactValues], prepared: Sequence[Any]) -> None:
        """Find or create the organizations of ``rows`` not met before, all at once."""
        names = {
            row.organization: None
            for row, ready in zip(rows, prepared, strict=True)
            if ready[1] not in self.organizations  # its organization_key
        }
        if names:
            found, created = organizations_named(session=self.session, names=names)
            self.organizations.update(found)
            self.created["organization"] |= created

    def existing(
        self, organizations: Iterable[str], tag_names: Iterable[str]
    ) -> tuple[set[int], set[int]]:
        """Ids of the live organizations and the tags stored now under these names: what the
        same call finds beyond them once rows are written, the import created (no column
        says who created an organization or a tag, and a tag has no time either)."""
        return (
            _ids_keyed(
                self.session,
                Organization,
                Organization.sort_name,
                {sort_key(name) for name in organizations},
            ),
            _ids_keyed(self.session, Tag, Tag.key, {fold(clean_line(name)) for name in tag_names}),
        )

    def note_created(
        self,
        before: tuple[set[int], set[int]],
        organizations: Iterable[str],
        tag_names: Iterable[str],
    ) -> None:
        """Note what was created since ``before`` was read (see ``existing``)."""
        after = self.existing(organizations, tag_names)
        self.created["organization"] |= after[0] - before[0]
        self.created["tag"] |= after[1] - before[1]

    def record_created(self) -> None:
        """Record the organizations and tags the batch created (see ``undo_import``)."""
        for entity, ids in self.created.items():
            _record_created(self.session, self.batch_id(), entity, sorted(ids))


def _ids_keyed(session: Session, model: Any, column: Any, keys: set[str]) -> set[int]:
    """Ids of the (live) rows of ``model`` whose ``column`` holds one of ``keys``."""
    found: set[int] = set()
    for chunk in chunked(sorted(keys), CHUNK):
        query = select(model.id).where(col(column).in_(chunk))
        if hasattr(model, "deleted_at"):
            query = query.where(col(model.deleted_at).is_(None))
        found.update(session.scalars(query))
    return found


def _changes(current: dict[str, Any], incoming: ContactValues) -> dict[str, Any]:
    """What an update changes: non-blank values win, lists grow, custom fields merge."""
    changes: dict[str, Any] = {}
    for declared in _IMPORTED_SCALARS:
        name, column, kind = declared.name, str(declared.stored_as), declared.kind
        value = getattr(incoming, name)
        if not value:
            continue
        if kind is Kind.DATE:
            if value.isoformat() != current[column]:
                changes[name] = value
            continue
        if value == current[column] or (kind is Kind.NAME and not incoming.named):
            continue
        if kind is Kind.ORGANIZATION and sort_key(value) == current["sort_org"]:
            continue  # the organization it has, spelled otherwise ("ACME" for "Acme")
        changes[name] = value
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
    same file with --on-duplicate update crawled reading them one by one); only
    the changed ones are loaded whole (for the undo record) and indexed again.
    """
    updated: list[int] = []
    ids = list(updates)
    for chunk in chunked(ids, CHUNK):
        compared = compared_states(session=session, ids=chunk)
        changes = {i: c for i, state in compared.items() if (c := _changes(state, updates[i]))}
        if not changes:
            continue
        contacts = session.scalars(select(Contact).where(col(Contact.id).in_(list(changes)))).all()
        states = contact_states(
            session=session, contacts=contacts, compared=compared
        )  # whole, for undo_import
        batch_id, actor_id = writer.batch_id(), writer.actor_id
        organizations = {c["organization"] for c in changes.values() if "organization" in c}
        tag_names = {name for c in changes.values() for name in c.get("tags", ())}
        existing = writer.existing(organizations, tag_names)
        records = []
        for contact in contacts:
            assert contact.id is not None
            before = states[contact.id]
            _update_one(session, contact, changes[contact.id], actor_id)
            records.append(_update_record(batch_id, contact.id, before, contact.version))
            updated.append(contact.id)
        bulk_insert(session=session, model=ImportChange, rows=records)
        writer.note_created(existing, organizations, tag_names)
    session.flush()
    writer.writing.index_contacts(updated)
    return len(updated), len(ids) - len(updated)


def _update_one(
    session: Session, contact: Contact, changes: dict[str, Any], actor_id: int | None
) -> None:
    apply_changes(session=session, contact=contact, changes=changes)
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
        bulk_writes(session=session, cache_mib=CACHE_MIB),
        search.bulk(session=session, expected=expected or 0) as writing,
        ExitStack() as indexes,
    ):
        writer = None if dry_run else _Writer(session, source, actor_id, indexes, writing)
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
        writer.record_created()
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
        writer.writing.forget()


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
        session=session,
        model=ImportChange,
        rows=[
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


def _created_ids(session: Session, batch_id: int, entity: str) -> list[int]:
    """Ids of the rows of ``entity`` ("contact", "tag"…) that the batch created."""
    runs = session.execute(
        select(ImportChange.entity_id, ImportChange.last_id).where(
            ImportChange.batch_id == batch_id,
            ImportChange.entity == entity,
            ImportChange.action == "created",
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
    return indexes_built_after(
        session=session, models=[Contact, ContactEmail, ContactPhone, ContactTag], keep=keep
    )


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
    # What the batch created on the way and nothing uses any more, removed with it.
    organizations: int = 0
    tags: int = 0
    projects: int = 0
    kept: list[str] = field(default_factory=list)  # "#12 Sara Ahmadi: why", one each
    undone: bool = False  # False: none of it could be undone; nothing changed

    @property
    def exit_code(self) -> int:
        """0 all undone, 3 partly (some of it kept), 1 none of it (the batch stays open)."""
        if not self.undone:
            return 1
        return 3 if self.kept else 0

    def summary(self) -> str:
        line = f"removed {self.removed}, restored {self.restored}"
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
    if ImportKind(batch.kind) is not ImportKind.CONTACTS:
        _undo_work(session, batch, report)
    else:
        _undo_contacts(session, batch, report)
    if report.undone:
        batch.undone_at = utcnow()
    return report


def _undo_contacts(session: Session, batch: ImportBatch, report: UndoReport) -> None:
    assert batch.id is not None
    removable = _removable_contacts(session, _created_ids(session, batch.id, "contact"), report)
    restorable = _restorable_contacts(session, batch.id, report)
    if report.kept and not removable and not restorable:
        return
    # The organizations created during the batch that these contacts have (read before they
    # go or get their own back): the batch's, also in a batch from before organizations
    # were recorded.
    organizations = set(_created_ids(session, batch.id, "organization"))
    touched = [*removable, *(change.entity_id for change in restorable)]
    organizations |= _organizations_since(session, touched, batch.created_at)
    for chunk in chunked(removable, CHUNK):
        session.execute(delete(Contact).where(col(Contact.id).in_(chunk)))
    if removable:
        search.unindex_contacts(session=session, ids=removable)
    restored = _restore_contacts(session, restorable)
    session.flush()
    search.index_contacts(session=session, ids=restored)
    report.removed, report.restored = len(removable), len(restored)
    _remove_unused(session, Organization, organizations, report)
    _remove_unused(session, Tag, set(_created_ids(session, batch.id, "tag")), report)
    report.undone = True


def _removable_contacts(session: Session, ids: list[int], report: UndoReport) -> list[int]:
    """The created contacts nothing refers to, unchanged since or thrown in the trash."""
    removable = []
    for chunk in chunked(ids, CHUNK):
        uses = _contact_uses(session, chunk)
        for contact_id, name, version, deleted_at in session.execute(
            select(Contact.id, Contact.name, Contact.version, Contact.deleted_at).where(
                col(Contact.id).in_(chunk)
            )
        ):
            if uses.get(contact_id):
                used = " and ".join(uses[contact_id])
                report.kept.append(f"#{contact_id} {name}: has {used} since the import")
            elif version != 1 and deleted_at is None:
                report.kept.append(
                    f"#{contact_id} {name}: edited since the import (version {version})"
                )
            else:
                removable.append(contact_id)
    return removable


# What refers to a contact, which removing it would lose (or leave pointing at nothing).
_CONTACT_USES = (
    ("interactions", InteractionContact.contact_id),
    ("interactions", Interaction.contact_id),
    ("tasks", Task.contact_id),
    ("projects", Project.contact_id),
    ("contacts it referred", Contact.referred_by_id),
)


def _contact_uses(session: Session, ids: list[int]) -> dict[int, list[str]]:
    uses: dict[int, list[str]] = {}
    for what, column in _CONTACT_USES:
        for contact_id in session.scalars(select(column).where(col(column).in_(ids)).distinct()):
            found = uses.setdefault(contact_id, [])
            if what not in found:
                found.append(what)
    return uses


def _restorable_contacts(session: Session, batch_id: int, report: UndoReport) -> list[ImportChange]:
    """The updates whose contacts are as the import left them (a contact merged into
    another since is gone: nothing of it to put back)."""
    changes = list(
        session.scalars(
            select(ImportChange).where(
                ImportChange.batch_id == batch_id, ImportChange.action == "updated"
            )
        )
    )
    restorable = []
    for chunk in chunked(changes, CHUNK):
        stored = {
            row.id: row
            for row in session.execute(
                select(Contact.id, Contact.name, Contact.version, Contact.deleted_at).where(
                    col(Contact.id).in_([change.entity_id for change in chunk])
                )
            )
        }
        for change in chunk:
            row = stored.get(change.entity_id)
            if row is None:
                continue
            said = f"#{row.id} {row.name} as the import left it"
            if row.deleted_at is not None:  # its state from before would take it out again
                report.kept.append(f"{said}: in the trash since the import")
            elif row.version != (change.before or {}).get("_after"):
                report.kept.append(f"{said}: edited since the import (version {row.version})")
            else:
                restorable.append(change)
    return restorable


def _restore_contacts(session: Session, changes: list[ImportChange]) -> list[int]:
    """Put back the contacts these updates changed, a chunk at a time; returns their ids."""
    restored: list[int] = []
    for chunk in chunked(changes, CHUNK):
        stored = session.scalars(
            select(Contact).where(col(Contact.id).in_([c.entity_id for c in chunk]))
        )
        contacts = {contact.id: contact for contact in stored}
        pairs = []
        for change in chunk:
            before = dict(change.before or {})
            before.pop("_after", None)
            pairs.append((contacts[change.entity_id], before))
        restore_contacts(session=session, pairs=pairs)
        for contact, _ in pairs:
            assert contact.id is not None
            contact.version += 1
            restored.append(contact.id)
    return restored


def _organizations_since(session: Session, contact_ids: list[int], since: Any) -> set[int]:
    """The organizations of these contacts created at or after ``since``."""
    found: set[int] = set()
    for chunk in chunked(contact_ids, CHUNK):
        found.update(
            session.scalars(
                select(Organization.id)
                .join(Contact, Contact.organization_id == Organization.id)
                .where(col(Contact.id).in_(chunk), Organization.created_at >= since)
                .distinct()
            )
        )
    return found


# What uses an organization, a tag or a project: any contact or task, in the trash or not.
_USED_BY: dict[Any, Any] = {
    Organization: Contact.organization_id,
    Tag: ContactTag.tag_id,
    Project: Task.project_id,
}
_REPORTED_AS = {Organization: "organizations", Tag: "tags", Project: "projects"}


def _remove_unused(session: Session, model: Any, ids: set[int], report: UndoReport) -> None:
    """Remove the rows of ``model`` (created by the batch) that nothing uses now; one
    edited since (a renamed organization) is kept and reported."""
    used_by = _USED_BY[model]
    removed = 0
    for chunk in chunked(sorted(ids), CHUNK):
        used = set(session.scalars(select(used_by).where(col(used_by).in_(chunk)).distinct()))
        unused = [i for i in chunk if i not in used]
        if hasattr(model, "version") and unused:
            what = model.__tablename__
            for row_id, name, version in session.execute(
                select(model.id, model.name, model.version).where(
                    col(model.id).in_(unused), model.version != 1
                )
            ):
                report.kept.append(
                    f"{what} #{row_id} {name}: edited since the import (version {version})"
                )
                unused.remove(row_id)
        if unused:
            session.execute(delete(model).where(col(model.id).in_(unused)))
            removed += len(unused)
    name = _REPORTED_AS[model]
    setattr(report, name, getattr(report, name) + removed)


# -- interactions and tasks -------------------------------------------------------------------


def _resolve_contacts(session: Session, refs: set[str]) -> tuple[dict[str, int], dict[int, str]]:
    """Contact references (ids or emails) -> contact ids, and the names of those in the
    trash; unknown references are left out.

    An id names its contact, in the trash or not: an export holds the interactions and
    tasks of contacts in the trash (they stay theirs), and reading it back must find them.
    An email is a live contact's, else one in the trash.
    """
    ids = {
        ref: int(ref.lstrip("#"))
        for ref in refs
        if ref.lstrip("#").isdigit() and int(ref.lstrip("#")) <= MAX_ID
    }
    stored: set[int] = set()
    for chunk in chunked(sorted(set(ids.values())), CHUNK):
        stored.update(session.scalars(select(Contact.id).where(col(Contact.id).in_(chunk))))
    found = {ref: contact_id for ref, contact_id in ids.items() if contact_id in stored}
    emails = {ref: fold(ref) for ref in refs if "@" in ref}
    keys = sorted(set(emails.values()))
    by_email = _existing(session, keys, Match.EMAIL)
    missing = [key for key in keys if key not in by_email]
    by_email.update(_existing(session, missing, Match.EMAIL, trash=True))
    found.update({ref: by_email[key] for ref, key in emails.items() if key in by_email})
    trashed: dict[int, str] = {}
    for chunk in chunked(sorted(set(found.values())), CHUNK):
        trashed.update(
            session.execute(
                select(Contact.id, Contact.name).where(
                    col(Contact.id).in_(chunk), col(Contact.deleted_at).is_not(None)
                )
            ).all()
        )
    return found, trashed


MAX_ID = 2**63 - 1  # beyond it, no row's id (and no database takes it as a parameter)


def import_work(
    *,
    session: Session,
    kind: ImportKind,
    rows: Sequence[WorkRow | RowError],
    source: str,
    skip_bad: bool = False,
    dry_run: bool = False,
    actor_id: int | None = None,
) -> ImportReport:
    """Import interactions or tasks (``kind``) as one batch, all or nothing like contacts.

    A row already there (see ``_already_logged``, ``_tasks_there``) is skipped, so a file
    imported again adds only its new rows. A row for a contact in the trash is imported
    and stays that contact's, as its interactions and tasks do when it goes to the trash
    (and come back with it): said in ``notes``, one line per contact.
    """
    good = [row for row in rows if isinstance(row, WorkRow)]
    errors = [row for row in rows if isinstance(row, RowError)]
    contacts, trashed = _resolve_contacts(session, {row.contact for row in good if row.contact})
    for row in list(good):
        if row.contact and row.contact not in contacts:
            errors.append(RowError(row.line, f"no contact with id or email {row.contact!r}", []))
            good.remove(row)
    members = {}
    if kind is ImportKind.TASKS:
        for row in list(good):
            if row.assignee:
                try:
                    members[row.assignee] = find_member(session=session, ref=row.assignee).id
                except CrmError as error:
                    errors.append(RowError(row.line, str(error), []))
                    good.remove(row)
    known: dict[str, int] = {}  # the file's ids of task rows already on the board
    # Rows by their place in ``good`` (not their line: a JSON file may hold all on one).
    if kind is ImportKind.INTERACTIONS:
        repeated = _already_logged(session, good, contacts)
    else:
        there = _tasks_there(session, good, contacts)
        repeated = set(there)
        known = {row.file_id: there[i] for i, row in enumerate(good) if i in there and row.file_id}
    good = [row for i, row in enumerate(good) if i not in repeated]
    report = ImportReport(
        errors=sorted(errors, key=lambda e: e.line),
        rejected=len(errors),
        created=len(good),
        skipped=len(repeated),
    )
    if errors and not skip_bad and not dry_run:
        return report
    report.notes = _trash_notes(good, contacts, trashed, kind.entity, dry_run=dry_run)
    if dry_run:
        return report
    if not good:  # nothing new: done (exit 3 if rows were left out)
        report.written = True
        return report
    batch = ImportBatch(kind=kind.value, source=source, created_at=utcnow(), author_id=actor_id)
    session.add(batch)
    session.flush()
    assert batch.id is not None
    projects: list[int] = []
    if kind is ImportKind.INTERACTIONS:
        created = _create_interactions(session, good, contacts, actor_id)
    else:
        created, projects = _create_tasks(
            session, good, contacts, set(trashed), members, actor_id, known
        )
    bulk_insert(
        session=session,
        model=ImportChange,
        rows=[
            {
                "batch_id": batch.id,
                "entity": entity,
                "entity_id": i,
                "action": "created",
                "before": None,
            }
            for entity, ids in ((kind.entity, created), ("project", projects))
            for i in ids
        ],
    )
    batch.created, batch.rejected = len(created), report.rejected
    batch.skipped = report.skipped
    report.batch_id, report.written = batch.id, True
    return report


def _trash_notes(
    rows: list[WorkRow],
    contacts: dict[str, int],
    trashed: dict[int, str],
    noun: str,
    *,
    dry_run: bool,
) -> list[str]:
    counts = Counter(contacts[row.contact] for row in rows if row.contact)
    attached = "would be attached" if dry_run else "attached"
    return [
        f"#{contact_id} {trashed[contact_id]} is in the trash: {plural(count, noun)} "
        f"{attached} to it"
        for contact_id, count in sorted(counts.items())
        if contact_id in trashed
    ]


def _already_logged(session: Session, rows: list[WorkRow], contacts: dict[str, int]) -> set[int]:
    """Places in ``rows`` of the interactions logged before, in the database or earlier in
    the file: the same contact, time, channel, subject and notes (importing a call log again
    must not log every call twice). A row without a time is "now" and cannot be told apart."""
    seen: set[tuple[Any, ...]] = set()
    repeated: set[int] = set()
    for place, row in enumerate(rows):
        values = {name: value for name, value in row.values.items() if name != "resolved_at"}
        data = InteractionCreate.build(**{**values, "contact_ids": [contacts[row.contact]]})
        if data.occurred_at is None:
            continue
        key = (data.contact_ids[0], data.occurred_at, data.channel.value, data.subject, data.body)
        if key in seen or _logged(session, *key):
            repeated.add(place)
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
    """Log the rows as ``create_interaction`` logs one, but with a contact in the trash too
    (which it refuses: a new interaction is for a live contact, while an export read back
    holds the interactions of contacts in the trash), all in a few statements."""
    now = utcnow()
    items = []
    for row in rows:
        values = dict(row.values)
        resolved_at = values.pop("resolved_at", None)
        contact_id = contacts[row.contact]
        data = InteractionCreate.build(**{**values, "contact_ids": [contact_id]})
        items.append(
            new_row(
                data, contact_id=contact_id, actor_id=actor_id, now=now, resolved_at=resolved_at
            )
        )
    session.add_all(items)
    session.flush()
    links = [{"interaction_id": item.id, "contact_id": item.contact_id} for item in items]
    bulk_insert(session=session, model=InteractionContact, rows=links)
    newest: dict[int, Any] = {}  # each contact's latest, as "last contacted"
    for item in items:
        assert item.contact_id is not None
        if item.contact_id not in newest or item.occurred_at > newest[item.contact_id]:
            newest[item.contact_id] = item.occurred_at
    for contact_id, when in newest.items():
        mark_contacted(session=session, contact_ids=[contact_id], when=when)
    ids = [item.id for item in items if item.id is not None]
    search.index_interactions(session=session, ids=ids)
    return ids


def _create_tasks(
    session: Session,
    rows: list[WorkRow],
    contacts: dict[str, int],
    trashed: set[int],
    members: dict[str, int],
    actor_id: int | None,
    by_file_id: dict[str, int],
) -> tuple[list[int], list[int]]:
    """Create the task rows; ``by_file_id`` starts with the file's ids of rows already on the
    board (a new task may wait for one of them). Returns the ids of the new tasks and of
    the new projects."""
    projects: dict[str, int] = {}
    new_projects: list[int] = []
    created: list[tuple[WorkRow, int]] = []
    for row in rows:
        values = dict(row.values)
        contact_id = contacts.get(row.contact) if row.contact else None
        # create_task takes a live contact only (as the app's forms do): a task of a contact
        # in the trash is given its contact once created.
        values["contact_id"] = None if contact_id in trashed else contact_id
        values["assignee_id"] = members.get(row.assignee)
        if row.project:
            if row.project not in projects:
                projects[row.project], new = _project_id(session, row.project, contact_id)
                new_projects += [projects[row.project]] if new else []
            values["project_id"] = projects[row.project]
        task = create_task(session=session, data=TaskCreate.build(**values), actor_id=actor_id)
        if contact_id in trashed:
            stored = session.get(Task, task.id)
            assert stored is not None
            stored.contact_id = contact_id
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
    return [task_id for _, task_id in created], new_projects


def _tasks_there(session: Session, rows: list[WorkRow], contacts: dict[str, int]) -> dict[int, int]:
    """Task rows already on the board, by place, with the stored task's id: the same title,
    contact, project, start and due (a task file imported again must not add them twice)."""
    found: dict[int, int] = {}
    projects: dict[str, int | None] = {}
    for place, row in enumerate(rows):
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
            found[place] = task_id
    return found


def _project_id(session: Session, name: str, contact_id: int | None) -> tuple[int, bool]:
    """The project called ``name``, created if new; and whether it was."""
    try:
        return find_project(session=session, ref=name).id, False
    except NotFoundError:
        return create_project(session=session, name=name, contact_id=contact_id).id, True


def _undo_work(session: Session, batch: ImportBatch, report: UndoReport) -> None:
    """Delete the interactions or tasks a batch created, but those edited since (unless in
    the trash) or that others refer to; then the projects it created that are left empty."""
    assert batch.id is not None
    kind = ImportKind(batch.kind)
    interactions = kind is ImportKind.INTERACTIONS  # else tasks
    model: Any = Interaction if interactions else Task
    label = (Interaction.subject, Interaction.channel) if interactions else (Task.title,)
    candidates: dict[int, str] = {}  # id -> how the report names it
    for chunk in chunked(_created_ids(session, batch.id, kind.entity), CHUNK):
        for row_id, version, deleted_at, *text in session.execute(
            select(model.id, model.version, model.deleted_at, *label).where(
                col(model.id).in_(chunk)
            )
        ):
            named = (
                f"interaction #{row_id} ({text[0] or text[1]})"
                if interactions
                else f"task #{row_id} {text[0]}"
            )
            if version != 1 and deleted_at is None:
                report.kept.append(f"{named}: edited since the import (version {version})")
            else:
                candidates[row_id] = named
    if interactions:
        _keep_followed_up(session, candidates, report)
    else:
        _keep_waited_for(session, candidates, report)
    if report.kept and not candidates:
        return
    removed = sorted(candidates)
    touched = contacts_of(session=session, interaction_ids=removed) if interactions else []
    for chunk in chunked(removed, CHUNK):
        session.execute(delete(model).where(col(model.id).in_(chunk)))
    if interactions:
        search.unindex_interactions(session=session, ids=removed)
        refresh_contacted(session=session, contact_ids=touched)  # back to before the import
    else:
        _remove_unused(session, Project, set(_created_ids(session, batch.id, "project")), report)
    report.removed = len(removed)
    report.undone = True


def _keep_followed_up(session: Session, candidates: dict[int, str], report: UndoReport) -> None:
    """Keep the interactions a task follows up (removing one would cut the task's link)."""
    for chunk in chunked(sorted(candidates), CHUNK):
        for task_id, interaction_id in session.execute(
            select(Task.id, Task.source_interaction_id)
            .where(col(Task.source_interaction_id).in_(chunk))
            .order_by(Task.id)
        ):
            if interaction_id in candidates:
                named = candidates.pop(interaction_id)
                report.kept.append(f"{named}: task #{task_id} follows it up")


def _keep_waited_for(session: Session, candidates: dict[int, str], report: UndoReport) -> None:
    """Keep the tasks that a task staying waits for (itself kept, perhaps, for another)."""
    while True:
        waiting: dict[int, int] = {}  # a candidate -> a task staying that waits for it
        for chunk in chunked(sorted(candidates), CHUNK):
            for task_id, target in session.execute(
                select(TaskDependency.task_id, TaskDependency.depends_on_id)
                .where(col(TaskDependency.depends_on_id).in_(chunk))
                .order_by(TaskDependency.task_id)
            ):
                if task_id not in candidates:
                    waiting.setdefault(target, task_id)
        if not waiting:
            return
        for target, task_id in sorted(waiting.items()):
            report.kept.append(f"{candidates.pop(target)}: task #{task_id} waits for it")
