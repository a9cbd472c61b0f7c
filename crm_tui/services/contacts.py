"""Contacts: create, read, update, trash and restore, page through, resolve by reference."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, Select, func, insert, select, true, update
from sqlmodel import Session, col

from crm_tui.errors import AmbiguousError, NotFoundError
from crm_tui.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    ContactTag,
    Interaction,
    InteractionContact,
)
from crm_tui.records import contact_columns, split_tags
from crm_tui.schemas import ContactCreate, ContactRead, ContactRow, ContactUpdate, LabeledValue
from crm_tui.search import index as search
from crm_tui.services import tags
from crm_tui.services.common import (
    Cursor,
    Page,
    Segment,
    any_row,
    check_version,
    chunked,
    count_rows,
    delete_rows,
    every,
    keyset_page,
    keyset_position,
    live_row,
    set_deleted,
    touch,
    utcnow,
)
from crm_tui.services.organizations import organization_named
from crm_tui.services.team import member_names
from crm_tui.text import fold, full_name, sort_key
from crm_tui.validation import MAX_ID, normalize_email, normalize_phone

PAGE_SIZE = 50


class ContactSort(enum.StrEnum):
    NAME = "name"
    ORGANIZATION = "organization"
    EMAIL = "email"
    PHONE = "phone"
    TAGS = "tags"
    LAST_CONTACTED = "last_contacted"


@dataclass(frozen=True)
class ContactQuery:
    """What the contact list shows: a search, filters and an order."""

    search: str = ""
    tag: str | None = None
    status: str | None = None
    sort: ContactSort = ContactSort.NAME
    descending: bool = False
    trash: bool = False
    only_id: int | None = None  # one contact (opened from Today or a link)
    added: tuple[datetime, datetime] | None = None  # added from the first, before the second
    rule: str = ""  # a segment's rule (``crm_tui.rules``), on top of the rest


# -- writing ------------------------------------------------------------------------------------


def _phone_key(value: str) -> str:
    return normalize_phone(value).key


def _write_emails(session: Session, contact_id: int, emails: Sequence[LabeledValue]) -> None:
    delete_rows(
        session=session, model=ContactEmail, where=[col(ContactEmail.contact_id) == contact_id]
    )
    if emails:
        session.execute(
            insert(ContactEmail),
            [
                {
                    "contact_id": contact_id,
                    "value": item.value,
                    "normalized": normalize_email(item.value).key,
                    "label": item.label,
                    "position": position,
                }
                for position, item in enumerate(emails)
            ],
        )


def _write_phones(session: Session, contact_id: int, phones: Sequence[LabeledValue]) -> None:
    delete_rows(
        session=session, model=ContactPhone, where=[col(ContactPhone.contact_id) == contact_id]
    )
    if phones:
        session.execute(
            insert(ContactPhone),
            [
                {
                    "contact_id": contact_id,
                    "value": item.value,
                    "normalized": _phone_key(item.value),
                    "label": item.label,
                    "position": position,
                }
                for position, item in enumerate(phones)
            ],
        )


def create_contact(
    *, session: Session, data: ContactCreate, actor_id: int | None = None
) -> ContactRead:
    from crm_tui.services.fields import checked_custom

    now = utcnow()
    data = data.model_copy(
        update={"custom": checked_custom(session=session, custom=data.custom, new=True)}
    )
    organization_id, organization_name, sort_org = organization_named(
        session=session, name=data.organization
    )
    contact = Contact(
        **contact_columns(data),
        organization_id=organization_id,
        organization_name=organization_name,
        sort_org=sort_org,
        created_at=now,
        updated_at=now,
        created_by_id=actor_id,
        updated_by_id=actor_id,
    )
    session.add(contact)
    session.flush()
    assert contact.id is not None
    _write_emails(session, contact.id, data.emails)
    _write_phones(session, contact.id, data.phones)
    tags.set_tags(session=session, contact=contact, names=data.tags)
    search.index_contacts(session=session, ids=[contact.id])
    return get_contact(session=session, contact_id=contact.id)


def apply_changes(*, session: Session, contact: Contact, changes: dict[str, Any]) -> None:
    assert contact.id is not None
    if "organization" in changes:
        contact.organization_id, contact.organization_name, contact.sort_org = organization_named(
            session=session, name=changes.pop("organization") or ""
        )
    if "emails" in changes:
        emails = changes.pop("emails")
        _write_emails(session, contact.id, emails)
        contact.email = emails[0].value if emails else ""
    if "phones" in changes:
        phones = changes.pop("phones")
        _write_phones(session, contact.id, phones)
        contact.phone = phones[0].value if phones else ""
    if "tags" in changes:
        tags.set_tags(session=session, contact=contact, names=changes.pop("tags"))
    if "status" in changes and changes["status"] is not None:
        changes["status"] = str(changes["status"])
    for name, value in changes.items():
        setattr(contact, name, value)
    if {"first_name", "last_name"} & changes.keys() and "name" not in changes:
        contact.name = full_name(contact.first_name, contact.last_name) or contact.name
    contact.sort_name = sort_key(contact.name)


def update_contact(
    *,
    session: Session,
    contact_id: int,
    changes: ContactUpdate,
    expected_version: int | None,
    actor_id: int | None = None,
) -> ContactRead:
    """Apply ``changes`` if the stored version is still ``expected_version``.

    Raises ``ConflictError`` (carrying the stored contact) when somebody saved in between.
    """
    contact = live_row(session=session, model=Contact, row_id=contact_id, what="contact")
    check_version(
        contact,
        expected_version,
        describe=f"contact {contact.name!r} (#{contact_id})",
        current=lambda: get_contact(session=session, contact_id=contact_id),
    )
    values = changes.model_dump(exclude_unset=True)
    for key in ("emails", "phones"):
        if key in values:
            values[key] = getattr(changes, key)
    if values.get("custom"):
        from crm_tui.services.fields import checked_custom

        values["custom"] = checked_custom(session=session, custom=values["custom"])
    apply_changes(session=session, contact=contact, changes=values)
    touch(contact, actor_id=actor_id)
    session.flush()
    search.index_contacts(session=session, ids=[contact_id])
    return get_contact(session=session, contact_id=contact_id)


def delete_contacts(
    *, session: Session, contact_ids: Sequence[int], actor_id: int | None = None
) -> int:
    """Move contacts to the trash; returns how many were moved."""
    return set_deleted(
        session=session, model=Contact, ids=contact_ids, deleted_at=utcnow(), actor_id=actor_id
    )


def restore_contacts(
    *, session: Session, contact_ids: Sequence[int], actor_id: int | None = None
) -> int:
    """Bring contacts back from the trash; returns how many came back."""
    return set_deleted(
        session=session, model=Contact, ids=contact_ids, deleted_at=None, actor_id=actor_id
    )


def mark_contacted(*, session: Session, contact_ids: Sequence[int], when: datetime) -> None:
    """Move "last contacted" forward to ``when`` (never backwards)."""
    session.execute(
        update(Contact)
        .where(col(Contact.id).in_(list(contact_ids)))
        .where((col(Contact.last_contacted_at).is_(None)) | (col(Contact.last_contacted_at) < when))
        .values(last_contacted_at=when)
    )


def refresh_contacted(*, session: Session, contact_ids: Sequence[int]) -> None:
    """Set "last contacted" to each contact's newest live interaction: after one moved back
    in time (a typo in its year mended), went to the trash, came back or was undone."""
    newest = (
        select(func.max(Interaction.occurred_at))
        .join(InteractionContact, InteractionContact.interaction_id == Interaction.id)
        .where(InteractionContact.contact_id == Contact.id, col(Interaction.deleted_at).is_(None))
        .scalar_subquery()
    )
    for chunk in chunked(sorted(set(contact_ids))):
        session.execute(
            update(Contact)
            .where(col(Contact.id).in_(chunk))
            .values(last_contacted_at=newest)
            .execution_options(synchronize_session=False)
        )


# -- reading ------------------------------------------------------------------------------------


def _labeled(session: Session, table: str, ids: str) -> dict[int, list[dict[str, str]]]:
    """Each contact's emails (or phones) in order, as the read model takes them."""
    found: dict[int, list[dict[str, str]]] = {}
    rows = session.connection().exec_driver_sql(
        f"SELECT contact_id, value, label FROM {table} WHERE contact_id IN ({ids}) "
        "ORDER BY contact_id, position"
    )
    for contact_id, value, label in rows.all():
        entry = {"value": value, "label": label}
        if (listed := found.get(contact_id)) is None:
            found[contact_id] = [entry]
        else:
            listed.append(entry)
    return found


# The contact table's columns as declared, in order: what ``SELECT *`` hands back.
_CONTACT_COLUMNS = [column.key for column in Contact.__table__.columns]  # type: ignore[attr-defined]
_MOMENTS = ("last_contacted_at", "created_at", "updated_at", "deleted_at")


def _as_read(
    read: dict[str, Any],
    emails: dict[int, list[dict[str, str]]],
    phones: dict[int, list[dict[str, str]]],
    members: dict[int, str],
) -> dict[str, Any]:
    """A contact row read straight from the driver (``_READ_COLUMNS``, by name) made the
    read model's values, in place: times in UTC (SQLite hands back their text, stored
    without a zone: the read model parses it marked as UTC), and what is stored elsewhere
    or in another form (emails and phones, tags, custom fields, the team members' names).
    The read model ignores the columns it has no field for."""
    for key in _MOMENTS:
        moment = read[key]
        if isinstance(moment, str):
            read[key] = moment + "+00:00"
        elif moment is not None:
            read[key] = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    custom = read["custom"]
    if isinstance(custom, str):
        read["custom"] = json.loads(custom) if custom != "{}" else {}
    contact_id = read["id"]
    read["organization"] = read["organization_name"] or None
    read["email"] = read["email"] or None
    read["phone"] = read["phone"] or None
    read["emails"] = emails.get(contact_id, [])
    read["phones"] = phones.get(contact_id, [])
    read["tags"] = split_tags(read["tags"])
    read["owner"] = members.get(read["owner_id"])
    read["created_by"] = members.get(read["created_by_id"])
    read["updated_by"] = members.get(read["updated_by_id"])
    return read


# What a whole contact is read from: the columns the read model shares with the row, and
# those ``_as_read`` derives its other fields from.
_READ_COLUMNS = [
    *(name for name in ContactRead.model_fields if name in _CONTACT_COLUMNS),
    "organization_name",
    "owner_id",
    "created_by_id",
    "updated_by_id",
]
_READ_SQL = ", ".join(_READ_COLUMNS)
# A page is checked in one call: per contact, the calls cost as much as the checking.
_READS = TypeAdapter(list[ContactRead])


def read_contacts(*, session: Session, ids: Sequence[int]) -> list[ContactRead]:
    """Whole contacts for ``ids`` (in that order; unknown ids are left out), in 3 queries a
    chunk. A listing or an export reads 100k of them: the rows come straight from the driver
    (SQLAlchemy's rows and type conversions cost as much as the rest), ids written into the SQL
    as the integers they are."""
    by_id: dict[int, dict[str, Any]] = {}
    members = member_names(session=session)
    for chunk in chunked(ids, 1000):
        listed = ",".join(str(int(i)) for i in chunk)
        emails = _labeled(session, "contact_email", listed)
        phones = _labeled(session, "contact_phone", listed)
        rows = session.connection().exec_driver_sql(
            f"SELECT {_READ_SQL} FROM contact WHERE id IN ({listed})"
        )
        for row in rows.all():
            read = _as_read(dict(zip(_READ_COLUMNS, row, strict=True)), emails, phones, members)
            by_id[read["id"]] = read
    return _READS.validate_python([by_id[i] for i in ids if i in by_id])


def get_contact(*, session: Session, contact_id: int, include_deleted: bool = False) -> ContactRead:
    if include_deleted:
        any_row(session=session, model=Contact, row_id=contact_id, what="contact")
    else:
        live_row(session=session, model=Contact, row_id=contact_id, what="contact")
    return read_contacts(session=session, ids=[contact_id])[0]


# The list reads through SQLAlchemy Core (the table's columns, not the model's attributes):
# an ORM statement's first run in a process sets up its entities (for each statement shape:
# most of what the app's first paint spent on SQLAlchemy), which a list of plain rows
# does not need.
_LIST = Contact.__table__.c  # type: ignore[attr-defined]
_TAGS = ContactTag.__table__.c  # type: ignore[attr-defined]
_ROW_COLUMNS = (
    _LIST.id,
    _LIST.name,
    _LIST.organization_name,
    _LIST.email,
    _LIST.phone,
    _LIST.tags,
    _LIST.status,
    _LIST.last_contacted_at,
    _LIST.version,
    _LIST.sort_name,
    _LIST.sort_org,
)


def _segments(sort: ContactSort) -> list[Segment]:
    """How each order is walked through an index, blanks last (see ``Segment``)."""
    name = (_LIST.sort_name, _LIST.id)
    if sort is ContactSort.NAME:
        return [Segment(true(), name)]
    if sort is ContactSort.LAST_CONTACTED:
        when = _LIST.last_contacted_at
        return [
            Segment(when.is_not(None), (when, _LIST.id)),
            Segment(when.is_(None), (_LIST.id,)),
        ]
    column = {
        ContactSort.ORGANIZATION: _LIST.sort_org,
        ContactSort.EMAIL: _LIST.email,
        ContactSort.PHONE: _LIST.phone,
        ContactSort.TAGS: _LIST.tags,
    }[sort]
    return [
        Segment(column != "", (column, *name)),
        Segment(column == "", (column, *name)),
    ]


def _filtered(
    session: Session,
    query: ContactQuery,
    base: Select[Any],
    *,
    matching: ColumnElement[bool] | None,
    paged: bool = False,
) -> Select[Any]:
    """``base`` filtered by ``query``; its search by ``matching``, its index's condition.
    ``paged``: read a page in the list's order (a rule then looks a row's tags up, rather
    than reading every contact of a tag first: see ``segments.condition``)."""
    deleted = _LIST.deleted_at
    conditions: list[ColumnElement[bool] | None] = [
        deleted.is_not(None) if query.trash else deleted.is_(None)
    ]
    if query.only_id is not None:
        conditions.append(_LIST.id == query.only_id)
    if query.added is not None:
        conditions += [_LIST.created_at >= query.added[0], _LIST.created_at < query.added[1]]
    if query.status:
        conditions.append(_LIST.status == query.status)
    if query.tag:
        tag_id = tags.tag_id(session=session, name=query.tag)
        conditions.append(_LIST.id.in_(select(_TAGS.contact_id).where(_TAGS.tag_id == tag_id)))
    if query.rule:
        from crm_tui.services.segments import condition

        conditions.append(condition(session=session, rule=query.rule, probing=paged))
    if query.search.strip():
        conditions.append(matching)
    return base.where(every(*conditions))


def _matching(session: Session, query: ContactQuery) -> ColumnElement[bool] | None:
    """The condition of ``query``'s search, for rows read whole or counted (not paged)."""
    return search.contacts(session=session).plan(query.search, ordered=False).condition


def _row(row: Any) -> ContactRow:
    return ContactRow(
        id=row.id,
        name=row.name,
        organization=row.organization_name,
        email=row.email,
        phone=row.phone,
        tags=split_tags(row.tags),
        status=row.status,
        last_contacted_at=row.last_contacted_at,
        version=row.version,
    )


def list_contacts(
    *,
    session: Session,
    query: ContactQuery = ContactQuery(),
    limit: int = PAGE_SIZE,
    after: Cursor | None = None,
    before: Cursor | None = None,
    from_end: bool = False,
    offset: int | None = None,
) -> Page[ContactRow]:
    """One page of the contact list: ``limit`` rows, read through an index, never the rest."""
    page = _key_page(
        session,
        query,
        limit=limit,
        after=after,
        before=before,
        from_end=from_end,
        offset=offset,
    )
    by_id = {row.id: row for row in list_rows(session=session, ids=[row.id for row in page.rows])}
    return Page([by_id[row.id] for row in page.rows], page.first, page.last, page.has_more)


def _key_page(
    session: Session,
    query: ContactQuery,
    *,
    limit: int,
    after: Cursor | None = None,
    before: Cursor | None = None,
    from_end: bool = False,
    offset: int | None = None,
) -> Page[Any]:
    """A page of the list's keys (each row's id and sort columns), in the list's order."""
    segments = _segments(query.sort)

    def read(base: Select[Any]) -> Page[Any]:
        return keyset_page(
            session=session,
            base=base,
            segments=segments,
            limit=limit,
            descending=query.descending,
            after=after,
            before=before,
            from_end=from_end,
            offset=offset,
            key_of=lambda index, row: tuple(
                getattr(row, column.key) for column in segments[index].columns
            ),
        )

    base = select(*_key_columns(segments))
    index = search.contacts(session=session)
    page = None
    if query.sort is ContactSort.NAME and query.search.strip() and offset is None:
        backwards = before is not None or from_end
        cursor = before if backwards else after
        filtered = _filtered(session, replace(query, search=""), base, matching=None, paged=True)
        page = index.name_page(
            query.search,
            start=cursor.key if cursor is not None else None,
            downward=query.descending != backwards,
            limit=limit,
            read=lambda ids: read(filtered.where(_LIST.id.in_(ids))),
        )
    if page is None:
        plan = index.plan(query.search)
        page = index.read(
            plan,
            lambda matching: read(_filtered(session, query, base, matching=matching, paged=True)),
        )
    return page


@dataclass
class Listing:
    """Every contact of ``query`` in the list's order, up to ``limit`` (0: all), a page at a
    time: as list rows, or with ``whole`` as whole contacts (a listing or an export of all of
    them writes each page as it comes). Once read, ``cut`` says whether the limit left
    contacts out."""

    session: Session
    query: ContactQuery
    limit: int = 0
    whole: bool = False
    page_size: int = 1000
    cut: bool = False

    def __iter__(self) -> Iterator[list[Any]]:
        read, cursor = 0, None
        while True:
            want = self.page_size if not self.limit else min(self.page_size, self.limit - read)
            page = _key_page(self.session, self.query, limit=want, after=cursor)
            ids = [row.id for row in page.rows]
            if ids:
                yield (
                    read_contacts(session=self.session, ids=ids)
                    if self.whole
                    else _in_order(list_rows(session=self.session, ids=ids), ids)
                )
            read += len(ids)
            if not page.has_more:
                return
            if self.limit and read >= self.limit:
                self.cut = True
                return
            cursor = page.last


def _in_order(rows: list[ContactRow], ids: Sequence[int]) -> list[ContactRow]:
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def _key_columns(segments: Sequence[Segment]) -> list[Any]:
    """The id and the sort keys: all a page's query reads of each row it passes over (a
    search sorting 40k matches reads 40k rows), the page's rows being fetched afterwards."""
    columns = {"id": _LIST.id}
    for segment in segments:
        columns |= {column.key: column for column in segment.columns}
    return list(columns.values())


def list_rows(*, session: Session, ids: Sequence[int]) -> list[ContactRow]:
    """List rows for ``ids`` (any order; unknown ids left out)."""
    found: list[ContactRow] = []
    for chunk in chunked(ids):
        query = select(*_ROW_COLUMNS).where(_LIST.id.in_(chunk))
        found += [_row(row) for row in session.execute(query)]
    return found


def contact_position(
    *, session: Session, query: ContactQuery = ContactQuery(), contact_id: int
) -> int | None:
    """The contact's row number in the list ``query`` shows (0 first), None if not in it."""
    base = _filtered(session, query, select(_LIST.id), matching=_matching(session, query))
    return keyset_position(
        session=session,
        base=base,
        segments=_segments(query.sort),
        row=_LIST.id == contact_id,
        descending=query.descending,
    )


def count_contacts(
    *, session: Session, query: ContactQuery = ContactQuery(), cap: int | None = None
) -> int:
    """How many contacts the query matches; with ``cap``, stop counting past it (a search
    keystroke needs "more than 5,000", not the exact number, and counting is O(matches))."""
    if cap is None:
        everything = select(func.count()).select_from(_LIST.id.table)
        counted = _filtered(session, query, everything, matching=_matching(session, query))
        return session.scalar(counted) or 0
    in_index = _counted_in_index(session, query, cap)
    if in_index is not None:
        return in_index
    base = search.contacts(session=session).driving(query.search)
    if base is None:  # every id, filtered (its search included)
        counted = _filtered(session, query, select(_LIST.id), matching=_matching(session, query))
    else:  # the search's matches, filtered row by row
        counted = _filtered(session, replace(query, search=""), base, matching=None)
    return count_rows(session=session, query=counted.limit(cap + 1))


def _counted_in_index(session: Session, query: ContactQuery, cap: int) -> int | None:
    """The capped count of a search of live contacts, filtered no other way, from the index
    alone where it tells: with the trash empty, or more matches than the cap and the trash
    together. Counting live contacts looks each up, and their rows come in name order, not
    the table's, which shows in a large database. None: count the contacts."""
    plain = replace(query, search="", sort=ContactSort.NAME, descending=False)
    if not query.search.strip() or plain != ContactQuery():
        return None
    trashed = session.scalar(select(func.count()).where(_LIST.deleted_at.is_not(None))) or 0
    found = search.contacts(session=session).count(query.search, cap + trashed + 1)
    if found is None or (trashed and found <= cap + trashed):
        return None
    return min(found, cap + 1)


def contact_ids_matching(*, session: Session, query: ContactQuery) -> list[int]:
    """Every id the query matches (for "select all" bulk actions)."""
    matching = _matching(session, query)
    return list(session.scalars(_filtered(session, query, select(_LIST.id), matching=matching)))


def find_contacts(*, session: Session, text: str, limit: int = 10) -> list[ContactRow]:
    """Contacts whose fields match ``text``, for pickers and autocompletion."""
    return list_contacts(session=session, query=ContactQuery(search=text), limit=limit).rows


def resolve_contact(*, session: Session, ref: str) -> ContactRead:
    """The one live contact that ``ref`` names: an id, "#id", an email or a name.

    A name matches exactly (ignoring case and accents) or, failing that, by search; more
    than one candidate raises ``AmbiguousError`` listing them.
    """
    ref = ref.strip()
    if ref.lstrip("#").isdigit():
        contact_id = int(ref.lstrip("#"))
        if contact_id > MAX_ID:
            raise NotFoundError(f"no contact with id {contact_id}")
        return get_contact(session=session, contact_id=contact_id)
    live = col(Contact.deleted_at).is_(None)
    if "@" in ref:
        ids = list(
            session.scalars(
                select(Contact.id)
                .join(ContactEmail, ContactEmail.contact_id == Contact.id)
                .where(ContactEmail.normalized == fold(ref), live)
                .distinct()
            )
        )
    else:
        ids = list(
            session.scalars(select(Contact.id).where(Contact.sort_name == sort_key(ref), live))
        )
        if not ids:
            ids = [row.id for row in find_contacts(session=session, text=ref, limit=11)]
    if not ids:
        raise NotFoundError(f"no contact matches {ref!r}")
    if len(ids) > 1:
        candidates = [_describe(session, contact_id) for contact_id in ids[:10]]
        many = "more than 10" if len(ids) > 10 else str(len(ids))  # 11 were asked for
        raise AmbiguousError(f"{ref!r} matches {many} contacts; use an id or email:", candidates)
    return get_contact(session=session, contact_id=ids[0])


def _describe(session: Session, contact_id: int) -> str:
    contact = session.get(Contact, contact_id)
    assert contact is not None
    parts = [f"#{contact.id}", contact.name]
    if contact.email:
        parts.append(f"<{contact.email}>")
    if contact.organization_name:
        parts.append(f"({contact.organization_name})")
    return " ".join(parts)
