"""Organizations (companies). Contacts carry a copy of the name so lists can sort by it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlmodel import Session, col

from crm_tui.models import Contact, Organization
from crm_tui.search import index as search
from crm_tui.services.common import bulk_insert, chunked, live_row, reserve_ids, touch, utcnow
from crm_tui.text import sort_key

# An organization as a contact refers to it: its id, name and sort key (the contact keeps a
# copy of both); a contact without one has NO_ORGANIZATION.
Named = tuple[int, str, str]
NoOrganization = tuple[None, str, str]
NO_ORGANIZATION: NoOrganization = (None, "", "")


def organization_named(*, session: Session, name: str) -> Named | NoOrganization:
    """The live organization called ``name`` (case and accents ignored), created if new,
    as (id, name, sort key); ``NO_ORGANIZATION`` for a blank name."""
    found, _ = organizations_named(session=session, names=[name])
    return next(iter(found.values()), NO_ORGANIZATION)


def organization_key(name: str) -> str:
    """What ``organizations_named`` keys the organization called ``name`` by."""
    return sort_key(" ".join(name.split()))


def organizations_named(
    *, session: Session, names: Iterable[str]
) -> tuple[dict[str, Named], set[int]]:
    """``organization_named`` for many names at once (an import's new contacts): by sort
    key, the live organization each name is, those not stored yet created with one insert;
    and the ids of the ones created."""
    wanted: dict[str, str] = {}
    for name in names:
        name = " ".join(name.split())
        if name:
            wanted.setdefault(organization_key(name), name)
    found: dict[str, Named] = {}
    for keys in chunked(sorted(wanted), 500):
        rows = session.execute(
            select(Organization.id, Organization.name, Organization.sort_name)
            .where(col(Organization.sort_name).in_(keys), col(Organization.deleted_at).is_(None))
            .order_by(Organization.id)
        )
        for row_id, name, key in rows:
            found.setdefault(key, (row_id, name, key))
    missing = [key for key in wanted if key not in found]
    ids = reserve_ids(session=session, model=Organization, count=len(missing))
    now = utcnow()
    bulk_insert(
        session=session,
        model=Organization,
        rows=[
            {"id": i, "name": wanted[key], "sort_name": key, "created_at": now, "updated_at": now}
            for i, key in zip(ids, missing, strict=True)
        ],
    )
    found.update({key: (i, wanted[key], key) for i, key in zip(ids, missing, strict=True)})
    return found, set(ids)


def rename_organization(*, session: Session, organization_id: int, name: str) -> None:
    """Rename an organization and the copy of its name on every contact."""
    organization = live_row(
        session=session, model=Organization, row_id=organization_id, what="organization"
    )
    organization.name = " ".join(name.split())
    organization.sort_name = sort_key(organization.name)
    touch(organization)
    session.execute(
        update(Contact)
        .where(Contact.organization_id == organization_id)
        .values(organization_name=organization.name, sort_org=organization.sort_name)
    )
    ids = session.scalars(select(Contact.id).where(Contact.organization_id == organization_id))
    search.index_contacts(session=session, ids=[i for i in ids if i is not None])


def find_organization(*, session: Session, ref: str) -> Organization:
    """The live organization ``ref`` names: its id ("#3", "3"), or its name (case and
    accents ignored)."""
    from crm_tui.errors import NotFoundError
    from crm_tui.validation import MAX_ID

    number = ref.strip().lstrip("#")
    if number.isdigit() and 0 < int(number) <= MAX_ID:
        found = session.get(Organization, int(number))
        if found is not None and found.deleted_at is None:
            return found
    by_name = session.scalars(
        select(Organization)
        .where(Organization.sort_name == sort_key(ref), col(Organization.deleted_at).is_(None))
        .order_by(Organization.id)
        .limit(1)
    ).first()
    if by_name is None:
        raise NotFoundError(f"no organization {ref.strip()!r}")
    return by_name


def list_organizations(*, session: Session, limit: int) -> list[tuple[int, str, int]]:
    """Up to ``limit`` live organizations by name: (id, name, how many live people)."""
    from sqlalchemy import func

    from crm_tui.validation import MAX_ID

    people = (
        select(func.count())
        .where(Contact.organization_id == Organization.id, col(Contact.deleted_at).is_(None))
        .scalar_subquery()
    )
    rows = session.execute(
        select(Organization.id, Organization.name, people)
        .where(col(Organization.deleted_at).is_(None))
        .order_by(Organization.sort_name, Organization.id)
        .limit(min(limit, MAX_ID))
    )
    return [(int(row_id), name, int(count)) for row_id, name, count in rows]


def count_organizations(*, session: Session) -> int:
    from sqlalchemy import func

    counted = select(func.count()).where(col(Organization.deleted_at).is_(None))
    return int(session.scalar(counted.select_from(Organization)) or 0)
