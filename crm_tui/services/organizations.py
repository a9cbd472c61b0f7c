"""Organizations (companies). Contacts carry a copy of the name so lists can sort by it."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import Session, col

from crm_tui.models import Contact, Organization
from crm_tui.services import search
from crm_tui.services.common import live_row, touch, utcnow
from crm_tui.text import sort_key


def organization_named(*, session: Session, name: str) -> Organization | None:
    """The live organization called ``name`` (case and accents ignored), created if new."""
    name = " ".join(name.split())
    if not name:
        return None
    key = sort_key(name)
    found = session.scalars(
        select(Organization)
        .where(Organization.sort_name == key, col(Organization.deleted_at).is_(None))
        .order_by(Organization.id)
        .limit(1)
    ).first()
    if found is not None:
        return found
    now = utcnow()
    organization = Organization(name=name, sort_name=key, created_at=now, updated_at=now)
    session.add(organization)
    session.flush()
    return organization


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
