"""Bulk actions: one change to many contacts at once (a selection, or every contact of a
segment), in one transaction, recorded as one batch that ``undo_import`` reverts.

A bulk batch is an import batch whose kind is a ``BulkKind``, so undoing one keeps later
work exactly as undoing an import does: a contact edited since keeps its edit, a task
somebody worked on since stays, each named with its reason. What each action records:

- tag, untag, status, owner, a custom field: each contact it changed, as it was before
  (contacts it would not change, already so, are left alone and not counted);
- log, task: the interactions or tasks it created, one per contact;
- trash: the contacts it moved to the trash (an undo brings back those still there).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from crm_tui import display
from crm_tui.errors import ValidationError
from crm_tui.models import Contact, ImportBatch, ImportChange
from crm_tui.records import split_tags
from crm_tui.schemas import ContactUpdate, InteractionCreate, TaskCreate
from crm_tui.search import index as search
from crm_tui.services.common import bulk_insert, chunked, touch, utcnow
from crm_tui.services.imports.batches import CHUNK, record_created
from crm_tui.services.snapshots import contact_states
from crm_tui.text import clean_line, fold, plural
from crm_tui.vocabulary import BulkKind, ContactStatus

Progress = Callable[[int, int], None]  # contacts done, of how many

MAX_CONTACTS = 1_000_000  # one action; more is a mistake in a rule, not a plan


@dataclass(frozen=True)
class Tag:
    name: str
    remove: bool = False

    @property
    def what(self) -> str:
        return f"{'untag' if self.remove else 'tag'} {self.name!r}"

    def said(self, who: str, count: int) -> tuple[str, str]:
        verb = "untag" if self.remove else "tag"
        return f"{verb.title()} {who} {self.name!r}", f"{verb}ged {who} {self.name!r}"


@dataclass(frozen=True)
class SetStatus:
    status: ContactStatus

    @property
    def what(self) -> str:
        return f"status {self.status.value}"

    def said(self, who: str, count: int) -> tuple[str, str]:
        return f"Set {who} to {self.status.value}", f"set {who} to {self.status.value}"


@dataclass(frozen=True)
class SetOwner:
    owner: str  # a team member's name, username or initials; "" for nobody
    member_id: int | None = None  # theirs, once ``resolved``

    @property
    def what(self) -> str:
        return f"owner {self.owner or 'nobody'}"

    def said(self, who: str, count: int) -> tuple[str, str]:
        owner = self.owner or "nobody"
        return f"Give {who} to {owner}", f"gave {who} to {owner}"


@dataclass(frozen=True)
class SetField:
    name: str
    value: str  # "" removes the field

    @property
    def what(self) -> str:
        return f"{self.name} = {self.value}" if self.value else f"no {self.name}"

    def said(self, who: str, count: int) -> tuple[str, str]:
        what = f"{self.name} = {self.value}" if self.value else f"no {self.name}"
        return f"Set {what} on {who}", f"set {what} on {who}"


@dataclass(frozen=True)
class Log:
    """One interaction like ``data`` for each contact (``data.contact_ids`` is ignored)."""

    data: InteractionCreate

    @classmethod
    def of(cls, text: str, *, channel: str = "email", when: datetime | None = None) -> Log:
        """Log ``text`` (its first line the subject) by ``channel``, now or ``when``."""
        subject, _, rest = text.strip().partition("\n")
        data = InteractionCreate.build(
            contact_ids=[_EACH],
            occurred_at=when,
            channel=channel.strip().lower() or "email",
            subject=subject.strip(),
            body=rest.strip(),
        )
        return cls(data)

    @property
    def what(self) -> str:
        return f"log {(self.data.subject or self.data.channel.value)!r}"

    def said(self, who: str, count: int) -> tuple[str, str]:
        what = self.data.subject or self.data.channel.value
        return f"Log {what!r} with each of {who}", f"logged {plural(count, 'interaction')} ({what})"


_EACH = 0  # a template's contact: each contact's own, as it is logged


@dataclass(frozen=True)
class NewTask:
    """One task like ``data`` for each contact (``data.contact_id`` is ignored)."""

    data: TaskCreate

    @property
    def what(self) -> str:
        return f"task {self.data.title!r}"

    def said(self, who: str, count: int) -> tuple[str, str]:
        title = self.data.title
        due = self.data.due_date
        when = f"due {display.day(due)}" if due else ""
        return (
            f"Create the task {title!r}{f' ({when})' if when else ''} for each of {who}",
            f"created {plural(count, 'task')} ({title}{f', {when}' if when else ''})",
        )


@dataclass(frozen=True)
class Trash:
    what = "trash"

    def said(self, who: str, count: int) -> tuple[str, str]:
        return f"Move {who} to the trash", f"moved {who} to the trash"


Action = Tag | SetStatus | SetOwner | SetField | Log | NewTask | Trash


@dataclass(frozen=True)
class BulkReport:
    contacts: int  # asked for
    changed: int  # contacts changed, or rows created for them
    batch_id: int | None  # None: nothing changed, no batch recorded

    def summary(self, action: Action) -> str:
        """What was done ("created 37 tasks (Call back)"), and to how few if not all."""
        left = self.contacts - self.changed
        also = f"; {plural(left, 'contact')} already so or gone" if left else ""
        return describe(action, self.changed, done=True) + also


def describe(action: Action, count: int, *, done: bool = False, grouped: bool = False) -> str:
    """The action said for ``count`` contacts, to ask ("Create the task 'Call back' for each
    of 37 contacts") or to report (``done``: "created 37 tasks (Call back)"); ``grouped``:
    the count as the screens write it ("1,234")."""
    ask, told = action.said(plural(count, "contact", grouped=grouped), count)
    return told if done else ask


def kind_of(action: Action) -> BulkKind:
    if isinstance(action, Tag):
        return BulkKind.UNTAG if action.remove else BulkKind.TAG
    return {
        SetStatus: BulkKind.STATUS,
        SetOwner: BulkKind.OWNER,
        SetField: BulkKind.FIELD,
        Log: BulkKind.LOG,
        NewTask: BulkKind.TASK,
        Trash: BulkKind.TRASH,
    }[type(action)]


def resolved(*, session: Session, action: Action) -> Action:
    """``action`` checked against the database before anyone is asked to confirm it: its
    tag a tag, its owner one team member (by id from then on), its task's references there.
    Refused with one line, naming what is wrong."""
    if isinstance(action, Tag):
        return Tag(_tag_name(session, action.name), action.remove)
    if isinstance(action, SetOwner) and action.member_id is None and action.owner.strip():
        from crm_tui.services.team import find_member

        member = find_member(session=session, ref=action.owner)
        return SetOwner(member.name, member.id)
    if isinstance(action, SetField):
        _field_value(session, action)
    if isinstance(action, NewTask):
        from crm_tui.services.tasks import check_task_references

        check_task_references(session=session, data=action.data)
    return action


def _tag_name(session: Session, typed: str) -> str:
    """The tag ``typed`` names, spelled as stored when there is one."""
    from crm_tui.models import Tag as TagRow
    from crm_tui.services.tags import tag_id

    name = clean_line(typed)  # hostile bytes never reach a stored tag
    if not name or "," in name:
        raise ValidationError("type one tag (no comma)", field="tag")
    found = tag_id(session=session, name=name)
    stored = session.get(TagRow, found) if found is not None else None
    return stored.name if stored is not None else name


def run_bulk(
    *,
    session: Session,
    contact_ids: Sequence[int],
    action: Action,
    actor_id: int | None = None,
    source: str = "",
    progress: Progress | None = None,
) -> BulkReport:
    """Do ``action`` to the live contacts among ``contact_ids``, recorded as one batch
    (``source`` says what was chosen: "segment Tehran"; the batch keeps what was done before
    it). The caller commits: all or none."""
    ids = list(dict.fromkeys(contact_ids))
    if len(ids) > MAX_CONTACTS:
        raise ValidationError(f"a bulk action takes at most {MAX_CONTACTS:,} contacts")
    action = resolved(session=session, action=action)
    now = utcnow()
    # What was done, then to whom: "tag 'vip' · segment Tehran" (crm bulk list shows it).
    said = f"{action.what} · {source}" if source else action.what
    batch = ImportBatch(kind=kind_of(action).value, source=said, created_at=now, author_id=actor_id)
    session.add(batch)
    session.flush()
    assert batch.id is not None
    run = _Run(session, batch.id, actor_id, now)
    edit = _editor(session, action)
    had_tag = isinstance(action, Tag) and _tag_id(session, action.name) is not None
    changed = 0
    for done, chunk in enumerate(chunked(ids, CHUNK)):
        changed += run.apply(action, edit, chunk)
        if progress is not None:
            progress(min((done + 1) * CHUNK, len(ids)), len(ids))
    if not changed:
        session.delete(batch)
        session.flush()
        return BulkReport(len(ids), 0, None)
    if isinstance(action, Tag) and not had_tag:  # made on the way: an undo removes it
        run.record_created("tag", [_tag_id(session, action.name) or 0])
    if isinstance(action, Log | NewTask):
        batch.created = changed
    else:
        batch.updated = changed
    return BulkReport(len(ids), changed, batch.id)


def _tag_id(session: Session, name: str) -> int | None:
    from crm_tui.services.tags import tag_id

    return tag_id(session=session, name=name)


Edit = Callable[[Contact], dict[str, Any] | None]  # the changes to one contact; None: none


def _editor(session: Session, action: Action) -> Edit | None:
    """What ``action`` changes in one contact (None for the actions that create rows)."""
    if isinstance(action, Tag):
        return _tagger(action)
    if isinstance(action, SetStatus):
        status = action.status.value
        return lambda contact: None if contact.status == status else {"status": status}
    if isinstance(action, SetOwner):
        owner = action.member_id
        return lambda contact: None if contact.owner_id == owner else {"owner_id": owner}
    if isinstance(action, SetField):
        return _field_setter(session, action)
    return None


def _tagger(action: Tag) -> Edit:
    key = fold(action.name)

    def edit(contact: Contact) -> dict[str, Any] | None:
        names = split_tags(contact.tags)
        has = any(fold(one) == key for one in names)
        if action.remove:
            return {"tags": [one for one in names if fold(one) != key]} if has else None
        return None if has else {"tags": [*names, action.name]}

    return edit


def _field_value(session: Session, action: SetField) -> tuple[str, str]:
    """The field's name and its value as stored (cleaned, and typed if the field is)."""
    cleaned = ContactUpdate(custom={action.name: action.value or "-"}).custom or {}
    if not cleaned:
        raise ValidationError("name the field", field="field")
    ((name, value),) = cleaned.items()
    if not action.value:
        from crm_tui.services.fields import field_defs

        found = field_defs(session=session).get(fold(name))
        return (found.name if found else name), ""
    from crm_tui.services.fields import checked_custom

    ((name, value),) = checked_custom(session=session, custom={name: value}).items()
    return name, value  # a defined field's spelling, its value as stored


def _field_setter(session: Session, action: SetField) -> Edit:
    name, value = _field_value(session, action)

    def edit(contact: Contact) -> dict[str, Any] | None:
        held = contact.custom or {}
        if held.get(name, "") == value and all(fold(k) != fold(name) or k == name for k in held):
            return None
        custom = {k: v for k, v in held.items() if fold(k) != fold(name)}  # one spelling
        return {"custom": {**custom, name: value} if value else custom}

    return edit


# What a change to these keeps for an undo: the columns (and the tag list) it changes.
_KEPT = {"tags": ("tags", "_tags"), "status": ("status",), "owner_id": ("owner_id",)}


class _Run:
    """One bulk action under way: its batch, and what it records there."""

    def __init__(self, session: Session, batch_id: int, actor_id: int | None, now: datetime):
        self.session, self.batch_id, self.actor_id, self.now = session, batch_id, actor_id, now

    def record_created(self, entity: str, ids: Sequence[int], action: str = "created") -> None:
        record_created(
            session=self.session, batch_id=self.batch_id, entity=entity, ids=ids, action=action
        )

    def apply(self, action: Action, edit: Edit | None, chunk: list[int]) -> int:
        if isinstance(action, Trash):
            return self._trash(chunk)
        live = list(
            self.session.scalars(
                select(Contact.id).where(
                    col(Contact.id).in_(chunk), col(Contact.deleted_at).is_(None)
                )
            )
        )
        if not live:
            return 0
        if isinstance(action, Log):
            return self._log(action, live)
        if isinstance(action, NewTask):
            from crm_tui.services.tasks import create_tasks_for

            made = create_tasks_for(
                session=self.session, data=action.data, contact_ids=live, actor_id=self.actor_id
            )
            self.record_created("task", made)
            return len(made)
        assert edit is not None
        return self._edit(edit, live)

    def _trash(self, chunk: list[int]) -> int:
        """Move the live ones to the trash, all at the batch's moment (an undo brings back
        those still there from it, not those thrown away again since)."""
        values: dict[str, Any] = {
            "deleted_at": self.now,
            "version": Contact.version + 1,
            "updated_at": self.now,
        }
        if self.actor_id is not None:
            values["updated_by_id"] = self.actor_id
        moved = list(
            self.session.scalars(
                update(Contact)
                .where(col(Contact.id).in_(chunk), col(Contact.deleted_at).is_(None))
                .values(**values)
                .returning(Contact.id)
            )
        )
        self.record_created("contact", moved, action="trashed")
        return len(moved)

    def _log(self, action: Log, live: list[int]) -> int:
        from crm_tui.services.interactions import insert_interactions, new_row

        items = [
            new_row(action.data, contact_id=contact_id, actor_id=self.actor_id, now=self.now)
            for contact_id in live
        ]
        made = insert_interactions(session=self.session, items=items)
        self.record_created("interaction", made)
        return len(made)

    def _edit(self, edit: Edit, live: list[int]) -> int:
        """Change each contact ``edit`` changes, keeping what it changed for an undo (only
        that: an undo must not take back a later change to anything else)."""
        from crm_tui.services.contacts import apply_changes

        contacts = list(
            self.session.scalars(select(Contact).where(col(Contact.id).in_(live)).with_for_update())
        )
        states = contact_states(session=self.session, contacts=contacts)
        changes: list[dict[str, Any]] = []
        for contact in contacts:
            assert contact.id is not None
            wanted = edit(contact)
            if wanted is None:
                continue
            kept = [key for name in wanted for key in _KEPT.get(name, (name,))]
            before = {key: states[contact.id][key] for key in kept}
            apply_changes(session=self.session, contact=contact, changes=wanted)
            touch(contact, actor_id=self.actor_id)
            changes.append(
                {
                    "batch_id": self.batch_id,
                    "entity": "contact",
                    "entity_id": contact.id,
                    "action": "updated",
                    "before": {**before, "_after": contact.version},
                }
            )
        self.session.flush()
        if changes:
            bulk_insert(session=self.session, model=ImportChange, rows=changes)
            search.index_contacts(session=self.session, ids=[c["entity_id"] for c in changes])
        return len(changes)
