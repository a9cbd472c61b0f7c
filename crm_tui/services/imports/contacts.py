"""Importing contacts: match against what is stored, then write the batch in one transaction.

Rows may come as a stream (a file still being read in another process): they are planned
and new contacts written 5,000 at a time (ids reserved up front, one executemany per table,
the search index filled from documents built ahead, ``io.prepare``), inside a savepoint that
a bad row further down rolls back; 100k rows take a few seconds.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence, Sized
from contextlib import ExitStack, nullcontext
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from crm_tui.entities import CONTACT, Field, Kind
from crm_tui.io.contact_rows import ContactValues, Labeled, RowError
from crm_tui.io.prepare import (
    Also,
    Identity,
    Match,
    OnDuplicate,
    Prepared,
    add_tag,
    as_prepared,
    matched_on,
    prepared_document,
)
from crm_tui.models import (
    AppointmentContact,
    Contact,
    ContactDate,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Deal,
    ImportBatch,
    ImportChange,
    Interaction,
    InteractionContact,
    Organization,
    Project,
    Tag,
    Task,
)
from crm_tui.records import contact_columns
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
from crm_tui.services.contacts import apply_changes
from crm_tui.services.imports.batches import (
    CHUNK,
    ImportReport,
    Progress,
    UndoReport,
    created_ids,
    record_created,
    remove_unused,
)
from crm_tui.services.imports.taken import TakenKeys
from crm_tui.services.organizations import (
    NO_ORGANIZATION,
    Named,
    NoOrganization,
    organizations_named,
)
from crm_tui.services.snapshots import compared_states, contact_states, restore_contacts
from crm_tui.text import clean_line, fold, sort_key
from crm_tui.vocabulary import ImportKind

WRITE_CHUNK = 2_500  # rows planned and written at a time


# SQLite's page cache while an import writes: new rows go at the tables' ends, so a larger
# one saves no time, and it is memory held until the import ends.
CACHE_MIB = 4


# What a row of an import sets one value of (the lists, tags and custom fields combine).
_IMPORTED_SCALARS = tuple(f for f in CONTACT.imported if f.choosable)


def contacts_keyed(
    *,
    session: Session,
    keys: Sequence[str],
    match: Match,
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


class _Planned(enum.Enum):
    NEW = "new"
    SKIPPED = "skipped"
    UPDATED = "updated"
    MERGED = "merged"  # into an earlier row of the file, whose values it adds to


class _Planner:
    """Decides, row by row, to create, update or skip (nothing is written), a chunk at a
    time: a row is matched against the stored contacts and the rows before it in the file.

    ``look_up``: whether any contact was stored before the import (else the file's own
    rows are all there is to match, and no query is needed). The rows taken are kept (by
    key) only where a later row may merge into them (--on-duplicate update); else their
    keys are enough (``TakenKeys``: in memory that does not grow with the file), and a
    large file's rows go once written. ``close`` when done.
    """

    def __init__(
        self, session: Session, match: Match, on_duplicate: OnDuplicate, *, look_up: bool
    ) -> None:
        self.session, self.match, self.on_duplicate = session, match, on_duplicate
        self.look_up = look_up
        self.update: dict[int, ContactValues] = {}
        self.skipped = 0
        self.merged = 0
        self.merging = on_duplicate is OnDuplicate.UPDATE
        self.seen: dict[tuple[Identity, str], ContactValues] = {}  # rows taken, by key
        self.aliases: dict[tuple[Identity, str], ContactValues] = {}  # by ``also`` keys
        self.taken = TakenKeys()  # the keys of the rows taken (not merging)

    def plan(self, rows: Sequence[ContactValues]) -> list[ContactValues]:
        """The rows to create; updates gather in ``update``, skips in ``skipped``."""
        if self.on_duplicate is OnDuplicate.CREATE:
            return list(rows)
        matched = [row.matched_on or matched_on(row, self.match) for row in rows]
        identities = [(identity, keys) for identity, keys, _ in matched]
        stored = self._stored(identities) if self.look_up else {}
        create: list[ContactValues] = []
        if not self.merging:
            self.taken.start_chunk(identities)
        for row, found in zip(rows, matched, strict=True):
            planned = self._one(row, found, stored)
            if planned is _Planned.NEW:
                create.append(row)
            elif planned is _Planned.SKIPPED:
                self.skipped += 1
            elif planned is _Planned.MERGED:
                self.merged += 1
        if not self.merging:
            self.taken.end_chunk()
        return create

    def _one(
        self,
        row: ContactValues,
        found: tuple[Identity, list[str], Also],
        stored: dict[tuple[Identity, str], int],
    ) -> _Planned:
        identity, row_keys, also = found
        keys = [(identity, key) for key in row_keys]
        owner = next((stored[key] for key in keys if key in stored), None)  # the first known
        if self.merging:
            return self._merged(row, keys, owner, also)
        return self._first(identity, row_keys, owner, also)

    def _first(
        self, identity: Identity, row_keys: list[str], owner: int | None, also: Also
    ) -> _Planned:
        """A row when duplicates are skipped: new if stored nowhere and none of its keys is
        taken by an earlier row (which takes, besides, the keys a later row without an
        email finds it by, ``also``, as it would find it stored)."""
        if owner is None and self.taken.free(identity, row_keys):
            self.taken.take(identity, row_keys)
            for other, keys in also:
                self.taken.take(other, keys)
            return _Planned.NEW
        return _Planned.SKIPPED

    def _merged(
        self, row: ContactValues, keys: list[tuple[Identity, str]], owner: int | None, also: Also
    ) -> _Planned:
        """A row when duplicates update: merged into an earlier row of the file with its
        keys, else an update of its stored owner (merged with an earlier update of it), else
        merged into an earlier row that only its phone (or email) finds, else new. A stored
        contact comes before such a row, as it would in two imports."""
        earlier = next((self.seen[key] for key in keys if key in self.seen), None)
        if earlier is None and owner is None:
            earlier = next((self.aliases[key] for key in keys if key in self.aliases), None)
        if earlier is not None:
            _merge_values(earlier, row)
            return _Planned.MERGED
        if owner is not None and owner in self.update:
            _merge_values(self.update[owner], row)
            return _Planned.MERGED
        self._take(keys, row, also)
        if owner is None:
            return _Planned.NEW
        self.update[owner] = row
        return _Planned.UPDATED

    def close(self) -> None:
        self.taken.close()

    def _take(self, keys: list[tuple[Identity, str]], row: ContactValues, also: Also) -> None:
        for key in keys:
            self.seen[key] = row
        for other, values in also:
            for value in values:
                self.aliases.setdefault((other, value), row)

    def _stored(
        self, identities: list[tuple[Identity, list[str]]]
    ) -> dict[tuple[Identity, str], int]:
        stored: dict[tuple[Identity, str], int] = {}
        for identity in dict.fromkeys(identity for identity, _ in identities):
            wanted = dict.fromkeys(k for i, keys in identities if i == identity for k in keys)
            found = contacts_keyed(
                session=self.session, keys=list(wanted), match=identity[0], bare=identity[1]
            )
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

    def give_defaults(self, rows: Sequence[ContactValues]) -> None:
        """The defaults of the defined fields each new contact of ``rows`` lacks (rows of
        an import that only creates got them as they were read: ``ReadOptions``)."""
        from crm_tui.fields import with_defaults
        from crm_tui.services.fields import field_defs

        defined = field_defs(session=self.session)
        for row in rows:
            custom = with_defaults(row.custom, defined)
            if custom != row.custom:
                row.custom, row.prepared = custom, None

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
        prepared_rows = [as_prepared(row) for row in rows]
        self._add_organizations(rows, prepared_rows)
        tag_names = {t for row in rows for t in row.tags if fold(t) not in self.tags}
        before = self.existing((), tag_names)
        if tag_names:
            self.tags.update(tags.tag_ids(session=session, names=tag_names))
        contacts, documents, emails, phones, links = [], [], [], [], []
        for contact_id, row, prepared in zip(ids, rows, prepared_rows, strict=True):
            row.prepared = None  # written: its memory can go
            organization = self.organizations[prepared.organization_key]
            contacts.append((contact_id, *prepared.columns, *organization, *self.stamps))
            document = prepared_document(prepared, row.organization, organization[1])
            documents.append((contact_id, prepared.columns[_SORT_NAME], document))
            emails += [(contact_id, *item) for item in prepared.emails]
            phones += [(contact_id, *item) for item in prepared.phones]
            links += [(contact_id, self.tags[key]) for key in prepared.tag_keys]
        insert_tuples(session=session, model=Contact, names=_WRITTEN, params=contacts)
        insert_tuples(session=session, model=ContactEmail, names=_LABELED, params=emails)
        insert_tuples(session=session, model=ContactPhone, names=_LABELED, params=phones)
        insert_tuples(
            session=session, model=ContactTag, names=("contact_id", "tag_id"), params=links
        )
        self.writing.add_contacts(documents)
        record_created(session=session, batch_id=batch_id, entity="contact", ids=ids)
        self.note_created(before, (), tag_names)

    def _add_organizations(
        self, rows: Sequence[ContactValues], prepared: Sequence[Prepared]
    ) -> None:
        """Find or create the organizations of ``rows`` not met before, all at once."""
        names = {
            row.organization: None
            for row, ready in zip(rows, prepared, strict=True)
            if ready.organization_key not in self.organizations
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
            record_created(
                session=self.session, batch_id=self.batch_id(), entity=entity, ids=sorted(ids)
            )


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
        value = _new_value(declared, current, incoming)
        if value is not None:
            changes[declared.name] = value
    return changes | _grown(current, incoming)


def _new_value(declared: Field, current: dict[str, Any], incoming: ContactValues) -> Any:
    """The value ``incoming`` sets ``declared`` to, None where it keeps what it has."""
    value, stored = getattr(incoming, declared.name), current[str(declared.stored_as)]
    if not value:
        return None
    if declared.kind is Kind.DATE:
        return value if value.isoformat() != stored else None
    if value == stored or (declared.kind is Kind.NAME and not incoming.named):
        return None
    if declared.kind is Kind.ORGANIZATION and sort_key(value) == current["sort_org"]:
        return None  # the organization it has, spelled otherwise ("ACME" for "Acme")
    return value


def _grown(current: dict[str, Any], incoming: ContactValues) -> dict[str, Any]:
    """The lists ``incoming`` adds to (emails, phones, tags) and the custom fields it sets."""
    changes: dict[str, Any] = {}
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
        indexes.callback(planner.close)
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
    report.merged = planner.merged
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
        writer.give_defaults(later)
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


def undo_batch(*, session: Session, batch: ImportBatch, report: UndoReport) -> None:
    """Remove the contacts a batch created and put back those it updated, but those
    somebody worked on since; then the organizations and tags it created that nothing uses."""
    assert batch.id is not None
    removable = _removable_contacts(
        session, created_ids(session=session, batch_id=batch.id, entity="contact"), report
    )
    restorable = _restorable_contacts(session, batch.id, report)
    if report.kept and not removable and not restorable:
        return
    # The organizations created during the batch that these contacts have (read before they
    # go or get their own back): the batch's, also in a batch from before organizations
    # were recorded.
    organizations = set(created_ids(session=session, batch_id=batch.id, entity="organization"))
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
    remove_unused(session=session, model=Organization, ids=organizations, report=report)
    tags_created = set(created_ids(session=session, batch_id=batch.id, entity="tag"))
    remove_unused(session=session, model=Tag, ids=tags_created, report=report)
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
                report.kept.append(f"#{contact_id} {name}: has {used} since {report.batch}")
            elif version != 1 and deleted_at is None:
                report.kept.append(
                    f"#{contact_id} {name}: edited since {report.batch} (version {version})"
                )
            else:
                removable.append(contact_id)
    return removable


# What refers to a contact, which removing it would lose (or leave pointing at nothing).
_CONTACT_USES = (
    ("interactions", InteractionContact.contact_id),
    ("interactions", Interaction.contact_id),
    ("appointments", AppointmentContact.contact_id),
    ("yearly dates", ContactDate.contact_id),
    ("tasks", Task.contact_id),
    ("projects", Project.contact_id),
    ("deals", Deal.contact_id),
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
            said = f"#{row.id} {row.name} as {report.batch} left it"
            if row.deleted_at is not None:  # its state from before would take it out again
                report.kept.append(f"{said}: in the trash since {report.batch}")
            elif row.version != (change.before or {}).get("_after"):
                report.kept.append(f"{said}: edited since {report.batch} (version {row.version})")
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
        pairs, afters = [], []
        for change in chunk:
            before = dict(change.before or {})
            afters.append(before.pop("_after", None))
            pairs.append((contacts[change.entity_id], before))
        restore_contacts(session=session, pairs=pairs)
        versions: dict[int, tuple[int, int]] = {}  # id: (version before the batch, now)
        for (contact, _), after in zip(pairs, afters, strict=True):
            assert contact.id is not None
            contact.version += 1
            restored.append(contact.id)
            if isinstance(after, int):
                versions[contact.id] = (after - 1, contact.version)
        _as_left_before(session, versions)
    return restored


def _as_left_before(session: Session, versions: dict[int, tuple[int, int]]) -> None:
    """Contacts put back as they were before a batch (at the first version of each pair)
    are as the batch before that left them, the second version on: that batch can still be
    undone (undoing two bulk actions newest first found them "edited since" by the one
    already undone)."""
    if not versions:
        return
    earlier = session.scalars(
        select(ImportChange)
        .join(ImportBatch, ImportBatch.id == ImportChange.batch_id)
        .where(
            ImportChange.entity == "contact",
            col(ImportChange.entity_id).in_(list(versions)),
            ImportChange.action == "updated",
            col(ImportBatch.undone_at).is_(None),
        )
    )
    for change in earlier:
        before, now = versions[change.entity_id]
        if (change.before or {}).get("_after") == before:
            change.before = {**(change.before or {}), "_after": now}


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
