"""Importing interactions, tasks and deals: each row names its contacts (and a task its
project and what it waits for), all or nothing like contacts, recorded as one batch. What
one kind of row takes is a ``Work`` (deals': ``crm_tui.services.imports.deals``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from crm_tui.errors import CrmError, NotFoundError
from crm_tui.io.contact_rows import RowError
from crm_tui.io.prepare import (
    Match,
)
from crm_tui.io.work_rows import WorkRow
from crm_tui.models import (
    Contact,
    Deal,
    ImportBatch,
    Interaction,
    InteractionContact,
    Project,
    Task,
    TaskDependency,
)
from crm_tui.schemas import InteractionCreate, TaskCreate
from crm_tui.search import index as search
from crm_tui.services.common import (
    chunked,
    utcnow,
)
from crm_tui.services.contacts import refresh_contacted
from crm_tui.services.imports.batches import (
    CHUNK,
    ImportReport,
    UndoReport,
    created_ids,
    keep_referred,
    record_created,
    remove_unused,
)
from crm_tui.services.imports.contacts import contacts_keyed
from crm_tui.services.interactions import contacts_of, insert_interactions, new_row
from crm_tui.services.projects import create_project, find_project
from crm_tui.services.tasks import create_task, set_dependencies
from crm_tui.services.team import find_member
from crm_tui.text import fold, plural, sort_key
from crm_tui.vocabulary import BulkKind, ImportKind


def _resolve_contacts(
    session: Session, refs: set[str]
) -> tuple[dict[str, int], dict[int, str], dict[int, str]]:
    """Contact references (ids or emails) -> contact ids, the names of those in the
    trash, and the names of those named by id; unknown references are left out.

    An id names its contact, in the trash or not: an export holds the interactions and
    tasks of contacts in the trash (they stay theirs), and reading it back must find them.
    An email is a live contact's, else one in the trash.
    """
    ids = {
        ref: int(ref.lstrip("#"))
        for ref in refs
        if ref.lstrip("#").isdigit() and int(ref.lstrip("#")) <= MAX_ID
    }
    names: dict[int, str] = {}
    for chunk in chunked(sorted(set(ids.values())), CHUNK):
        found_names = select(Contact.id, Contact.name).where(col(Contact.id).in_(chunk))
        names.update((row[0], row[1]) for row in session.execute(found_names))
    found = {ref: contact_id for ref, contact_id in ids.items() if contact_id in names}
    emails = {ref: fold(ref) for ref in refs if "@" in ref}
    keys = sorted(set(emails.values()))
    by_email = contacts_keyed(session=session, keys=keys, match=Match.EMAIL)
    missing = [key for key in keys if key not in by_email]
    trashed_ones = contacts_keyed(session=session, keys=missing, match=Match.EMAIL, trash=True)
    by_email.update(trashed_ones)
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
    return found, trashed, names


MAX_ID = 2**63 - 1  # beyond it, no row's id (and no database takes it as a parameter)


@dataclass
class _Contacts:
    """The contacts a work file's rows name: ids by reference, those in the trash, and the
    names of those named by id."""

    ids: dict[str, int]
    trashed: dict[int, str]
    by_id: dict[int, str]

    def of(self, row: WorkRow) -> int | None:
        return self.ids.get(row.contact) if row.contact else None

    def refused(self, row: WorkRow) -> str:
        """Why ``row``'s contact is refused ("" when it is not).

        A row of crm's export names its contact by id, name and email. The id comes first
        where it is the contact of that name here (an email may be two contacts', or one in
        the trash and a live one's); else the email, the same person in another database;
        else the id, whose name must then be the row's."""
        email, by_id = row.contact, row.contact_id
        if by_id in self.ids and (self._named(by_id, row.contact_name) or email not in self.ids):
            row.contact = by_id
        if row.contact and row.contact not in self.ids:
            return f"no contact with id or email {row.contact!r}"
        return self.named_otherwise(row, email if row.contact != email else "")

    def _named(self, ref: str, name: str) -> bool:
        """Whether the contact ``ref`` (an id) names is called ``name`` here."""
        stored = self.by_id.get(self.ids[ref])
        return bool(name) and stored is not None and sort_key(stored) == sort_key(name)

    def named_otherwise(self, row: WorkRow, email: str = "") -> str:
        """Why ``row`` is refused when its contact's id is another name's here (an export of
        another database: the same ids are other contacts; ``email``: the row's, nobody's
        here); "" when it is not."""
        if not row.contact.lstrip("#").isdigit() or not row.contact_name:
            return ""  # an email names its contact itself
        contact_id = self.ids[row.contact]
        stored = self.by_id.get(contact_id)
        if stored is None or self._named(row.contact, row.contact_name):
            return ""
        where = f"contact #{contact_id} is '{stored}' here, not '{row.contact_name}'"
        if email:
            return f"nobody has the email {email} here, and {where}: import its contacts first"
        return f"{where}: a file from another database? name the contact by contact_email"


class Work:
    """What importing and undoing one kind of work row takes (``work_of``)."""

    kind: ImportKind
    model: Any
    label: tuple[Any, ...]  # the columns an undo's report names a row by

    def checked(self, session: Session, rows: list[WorkRow], errors: list[RowError]) -> None:
        """Check what only this kind's rows hold, moving the bad ones to ``errors``."""

    def repeated(self, session: Session, rows: list[WorkRow], contacts: _Contacts) -> set[int]:
        """Places in ``rows`` of the rows stored already (a file imported again)."""
        raise NotImplementedError

    def create(
        self, session: Session, rows: list[WorkRow], contacts: _Contacts, actor_id: int | None
    ) -> tuple[list[int], dict[str, list[int]]]:
        """Write the rows; the ids of the new rows, and of what else was created on the way
        by its entity ("project"), for an undo to remove once nothing uses it."""
        raise NotImplementedError

    def named(self, row_id: int, text: list[Any]) -> str:
        raise NotImplementedError

    def keep_referred(
        self, session: Session, candidates: dict[int, str], report: UndoReport
    ) -> None:
        """Keep the candidates others refer to, each with its reason."""
        raise NotImplementedError

    def contacts_touched(self, session: Session, ids: list[int]) -> list[int]:
        """The contacts whose "last contacted" the rows ``ids`` may have set."""
        return []

    def removing(self, session: Session, ids: list[int]) -> None:
        """Before the rows ``ids`` are deleted by an undo: what is theirs goes first."""

    def removed(self, session: Session, batch_id: int, ids: list[int], report: UndoReport) -> None:
        """After the rows ``ids`` are deleted by an undo."""


class _Interactions(Work):
    kind, model = ImportKind.INTERACTIONS, Interaction
    label = (Interaction.subject, Interaction.channel)

    def repeated(self, session: Session, rows: list[WorkRow], contacts: _Contacts) -> set[int]:
        return _already_logged(session, rows, contacts.ids)

    def create(
        self, session: Session, rows: list[WorkRow], contacts: _Contacts, actor_id: int | None
    ) -> tuple[list[int], dict[str, list[int]]]:
        return _create_interactions(session, rows, contacts.ids, actor_id), {}

    def named(self, row_id: int, text: list[Any]) -> str:
        return f"interaction #{row_id} ({text[0] or text[1]})"

    def keep_referred(
        self, session: Session, candidates: dict[int, str], report: UndoReport
    ) -> None:
        _keep_followed_up(session, candidates, report)

    def contacts_touched(self, session: Session, ids: list[int]) -> list[int]:
        return contacts_of(session=session, interaction_ids=ids)

    def removed(self, session: Session, batch_id: int, ids: list[int], report: UndoReport) -> None:
        search.unindex_interactions(session=session, ids=ids)


class _Tasks(Work):
    kind, model = ImportKind.TASKS, Task
    label = (Task.title,)

    def __init__(self) -> None:
        self.members: dict[str, int] = {}  # assignees by the file's reference
        self.by_file_id: dict[str, int] = {}  # the file's ids of tasks on the board

    def checked(self, session: Session, rows: list[WorkRow], errors: list[RowError]) -> None:
        for row in list(rows):
            if row.assignee:
                try:
                    self.members[row.assignee] = find_member(session=session, ref=row.assignee).id
                except CrmError as error:
                    errors.append(row.refused(str(error)))
                    rows.remove(row)

    def repeated(self, session: Session, rows: list[WorkRow], contacts: _Contacts) -> set[int]:
        there = _tasks_there(session, rows, contacts.ids)
        self.by_file_id = {
            row.file_id: there[i] for i, row in enumerate(rows) if i in there and row.file_id
        }
        return set(there)

    def create(
        self, session: Session, rows: list[WorkRow], contacts: _Contacts, actor_id: int | None
    ) -> tuple[list[int], dict[str, list[int]]]:
        created, projects = _create_tasks(session, rows, contacts, self, actor_id)
        return created, {"project": projects}

    def named(self, row_id: int, text: list[Any]) -> str:
        return f"task #{row_id} {text[0]}"

    def keep_referred(
        self, session: Session, candidates: dict[int, str], report: UndoReport
    ) -> None:
        _keep_waited_for(session, candidates, report)

    def removed(self, session: Session, batch_id: int, ids: list[int], report: UndoReport) -> None:
        projects = created_ids(session=session, batch_id=batch_id, entity="project")
        remove_unused(session=session, model=Project, ids=set(projects), report=report)


def work_of(kind: ImportKind) -> Work:
    """What importing and undoing rows of ``kind`` takes."""
    if kind is ImportKind.DEALS:
        from crm_tui.services.imports.deals import Deals  # builds on this module

        return Deals()
    return {ImportKind.INTERACTIONS: _Interactions, ImportKind.TASKS: _Tasks}[kind]()


def _checked(
    session: Session, rows: Sequence[WorkRow | RowError]
) -> tuple[list[WorkRow], list[RowError], _Contacts]:
    """The good rows, the bad ones (a row naming no stored contact among them), and the
    contacts the good ones name."""
    good = [row for row in rows if isinstance(row, WorkRow)]
    errors = [row for row in rows if isinstance(row, RowError)]
    refs = {ref for row in good for ref in (row.contact, row.contact_id) if ref}
    contacts = _Contacts(*_resolve_contacts(session, refs))
    live_deals = _live_deals(session, {row.values.get("deal_id") for row in good} - {None})
    for row in list(good):
        deal_id = row.values.get("deal_id")
        reason = contacts.refused(row)
        if not reason and deal_id is not None and deal_id not in live_deals:
            reason = f"no deal with id {deal_id} (or it is in the trash)"
        if reason:
            errors.append(row.refused(reason))
            good.remove(row)
    return good, errors, contacts


def _live_deals(session: Session, ids: set[Any]) -> set[int]:
    """Which of the deals ``ids`` are stored and out of the trash (what work may point at)."""
    found: set[int] = set()
    for chunk in chunked(sorted(ids), CHUNK):
        found.update(
            session.scalars(
                select(Deal.id).where(col(Deal.id).in_(chunk), col(Deal.deleted_at).is_(None))
            )
        )
    return found


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
    """Import interactions, tasks or deals (``kind``) as one batch, all or nothing like
    contacts.

    A row already there (see ``_already_logged``, ``_tasks_there``) is skipped, so a file
    imported again adds only its new rows. A row for a contact in the trash is imported
    and stays that contact's, as its interactions and tasks do when it goes to the trash
    (and come back with it): said in ``notes``, one line per contact.
    """
    work = work_of(kind)
    good, errors, contacts = _checked(session, rows)
    work.checked(session, good, errors)
    # Rows by their place in ``good`` (not their line: a JSON file may hold all on one).
    repeated = work.repeated(session, good, contacts)
    good = [row for i, row in enumerate(good) if i not in repeated]
    report = ImportReport(
        errors=sorted(errors, key=lambda e: e.line),
        rejected=len(errors),
        created=len(good),
        skipped=len(repeated),
    )
    if errors and not skip_bad and not dry_run:
        return report
    report.notes = _trash_notes(good, contacts.ids, contacts.trashed, kind.entity, dry_run=dry_run)
    if dry_run:
        return report
    if not good:  # nothing new: done (exit 3 if rows were left out)
        report.written = True
        return report
    batch = ImportBatch(kind=kind.value, source=source, created_at=utcnow(), author_id=actor_id)
    session.add(batch)
    session.flush()
    assert batch.id is not None
    created, also = work.create(session, good, contacts, actor_id)
    record_created(session=session, batch_id=batch.id, entity=kind.entity, ids=created)
    for entity, ids in also.items():
        record_created(session=session, batch_id=batch.id, entity=entity, ids=ids)
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
    return insert_interactions(session=session, items=items)


def _create_tasks(
    session: Session,
    rows: list[WorkRow],
    contacts: _Contacts,
    tasks: _Tasks,
    actor_id: int | None,
) -> tuple[list[int], list[int]]:
    """Create the task rows (a new task may wait for one on the board already, by the
    file's id: ``tasks.by_file_id``). Returns the ids of the new tasks and projects."""
    projects = _Projects(session)
    created: list[tuple[WorkRow, int]] = []
    for row in rows:
        values = dict(row.values)
        contact_id = contacts.of(row)
        trashed = contact_id in contacts.trashed
        # create_task takes a live contact only (as the app's forms do): a task of a contact
        # in the trash is given its contact once created.
        values["contact_id"] = None if trashed else contact_id
        values["assignee_id"] = tasks.members.get(row.assignee)
        if row.project:
            values["project_id"] = projects.named(row.project, contact_id)
        task = create_task(session=session, data=TaskCreate.build(**values), actor_id=actor_id)
        if trashed:
            stored = session.get(Task, task.id)
            assert stored is not None
            stored.contact_id = contact_id
        if row.file_id:
            tasks.by_file_id[row.file_id] = task.id
        created.append((row, task.id))
    for row, task_id in created:
        if row.depends_on:
            targets = _waited_for(row.depends_on, tasks.by_file_id)
            set_dependencies(session=session, task_id=task_id, depends_on=targets)
    return [task_id for _, task_id in created], projects.new


def _waited_for(refs: Sequence[str], by_file_id: dict[str, int]) -> list[int]:
    """The ids of the tasks ``refs`` name: the file's own ids, or stored ids ("#12")."""
    return [
        by_file_id.get(ref) or int(ref.lstrip("#"))
        for ref in refs
        if ref in by_file_id or ref.lstrip("#").isdigit()
    ]


@dataclass
class _Projects:
    """The projects a task file names, found or created once each."""

    session: Session
    ids: dict[str, int] = field(default_factory=dict)
    new: list[int] = field(default_factory=list)

    def named(self, name: str, contact_id: int | None) -> int:
        if name not in self.ids:
            self.ids[name], created = _project_id(self.session, name, contact_id)
            if created:
                self.new.append(self.ids[name])
        return self.ids[name]


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


# The rows a bulk action created are undone as an import's of their kind.
_WORK_OF_BULK = {BulkKind.LOG: ImportKind.INTERACTIONS, BulkKind.TASK: ImportKind.TASKS}


def undo_batch(*, session: Session, batch: ImportBatch, report: UndoReport) -> None:
    """Delete the interactions, tasks or deals a batch created, but those edited since
    (unless in the trash) or that others refer to; then what it created on the way (a
    project, an organization) that nothing uses now."""
    assert batch.id is not None
    work = work_of(_WORK_OF_BULK.get(batch.kind) or ImportKind(batch.kind))
    model = work.model
    candidates: dict[int, str] = {}  # id -> how the report names it
    created = created_ids(session=session, batch_id=batch.id, entity=work.kind.entity)
    for chunk in chunked(created, CHUNK):
        for row_id, version, deleted_at, *text in session.execute(
            select(model.id, model.version, model.deleted_at, *work.label).where(
                col(model.id).in_(chunk)
            )
        ):
            named = work.named(row_id, text)
            if version != 1 and deleted_at is None:
                report.kept.append(f"{named}: edited since {report.batch} (version {version})")
            else:
                candidates[row_id] = named
    work.keep_referred(session, candidates, report)
    if report.kept and not candidates:
        return
    removed = sorted(candidates)
    touched = work.contacts_touched(session, removed)
    work.removing(session, removed)
    for chunk in chunked(removed, CHUNK):
        session.execute(delete(model).where(col(model.id).in_(chunk)))
    work.removed(session, batch.id, removed, report)
    refresh_contacted(session=session, contact_ids=touched)  # back to before the import
    report.removed = len(removed)
    report.undone = True


def _keep_followed_up(session: Session, candidates: dict[int, str], report: UndoReport) -> None:
    """Keep the interactions a task follows up (removing one would cut the task's link)."""
    keep_referred(
        session=session,
        candidates=candidates,
        report=report,
        referrer=Task.id,
        reference=Task.source_interaction_id,
        reason="task #{id} follows it up",
    )


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
