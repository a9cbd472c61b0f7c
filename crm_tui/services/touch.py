"""Keep-in-touch rhythms: every how many days a contact should hear from us.

A contact's own rhythm (``contact.touch_every``) wins; else the shortest of its tags'
(``tag.touch_every``: "every customer tagged vip, every 30 days"). A contact is due that
many days after it was last contacted (after it was added, when never), so logging an
interaction resets it with nothing else written. The global ``stale_days`` list of quiet
customers stays as it is; a rhythm is a promise made to one client or one group.

Only contacts with a rhythm are read: those with their own through a partial index, and the
people of each tag with one through the tag's index. Their due days are worked out here,
in the reader's calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session, col

from crm_tui.errors import NotFoundError, ValidationError
from crm_tui.models import Contact, ContactTag, Segment, Tag
from crm_tui.services.common import chunked
from crm_tui.services.tags import tag_id
from crm_tui.validation import MAX_TOUCH_DAYS


@dataclass(frozen=True)
class TouchDue:
    contact_id: int
    name: str
    every: int  # days
    last: datetime | None  # last contacted (None: never)
    due: date
    owner_id: int | None = None

    @property
    def id(self) -> int:  # the contact's: lists that open a contact read ``id`` and ``name``
        return self.contact_id


def set_tag_rhythm(*, session: Session, name: str, days: int | None) -> int:
    """Keep in touch with the people tagged ``name`` every ``days`` (None: no rhythm);
    returns how many live contacts carry the tag."""
    if days is not None and not 1 <= days <= MAX_TOUCH_DAYS:
        raise ValidationError(f"keep in touch every 1 to {MAX_TOUCH_DAYS} days, not {days}")
    found = tag_id(session=session, name=name)
    if found is None:
        raise NotFoundError(f"no tag {name!r}")
    session.execute(update(Tag).where(col(Tag.id) == found).values(touch_every=days))
    return len(_tagged(session, [found]))


def tag_rhythms(*, session: Session) -> dict[int, int]:
    """The tags with a rhythm: tag id -> days."""
    rows = session.execute(
        select(Tag.id, Tag.touch_every).where(col(Tag.touch_every).is_not(None))
    ).all()
    return {tag: days for tag, days in rows if tag is not None and days is not None}


def _segment_members(session: Session) -> list[tuple[int, set[int]]]:
    """(days, its contacts) for each segment with a rhythm: its rule read now."""
    from crm_tui.services.contacts import ContactQuery, contact_ids_matching

    rows = session.execute(
        select(Segment.rule, Segment.touch_every).where(col(Segment.touch_every).is_not(None))
    ).all()
    return [
        (days, set(contact_ids_matching(session=session, query=ContactQuery(rule=rule))))
        for rule, days in rows
        if days is not None
    ]


def _tagged(session: Session, tags: list[int]) -> set[int]:
    found: set[int] = set()
    for chunk in chunked(tags):
        found.update(
            session.scalars(select(ContactTag.contact_id).where(col(ContactTag.tag_id).in_(chunk)))
        )
    return found


def rhythms(*, session: Session) -> dict[int, int]:
    """Every contact with a rhythm (own, a tag's or a segment's) -> its days."""
    return _rhythms(session)


def _rhythms(session: Session) -> dict[int, int]:
    """Every contact with a rhythm (own, a tag's or a segment's) -> its days."""
    rhythms: dict[int, int] = {}
    by_tag = tag_rhythms(session=session)
    groups = [(days, _tagged(session, [tag])) for tag, days in by_tag.items()]
    groups += [(days, members) for days, members in _segment_members(session)]
    for days, members in groups:
        for contact_id in members:
            rhythms[contact_id] = min(days, rhythms.get(contact_id, days))
    own = session.execute(
        select(Contact.id, Contact.touch_every).where(
            col(Contact.deleted_at).is_(None), col(Contact.touch_every).is_not(None)
        )
    )
    for contact_id, days in own:
        if contact_id is not None and days is not None:
            rhythms[contact_id] = days  # its own wins over its tags'
    return rhythms


def due_contacts(
    *,
    session: Session,
    by: date,
    after: date | None = None,
    limit: int = 50,
    known: dict[int, int] | None = None,
) -> tuple[list[TouchDue], int]:
    """The live contacts due to be contacted on or before ``by`` (and after ``after``), the
    longest overdue first (at most ``limit``), and how many are due in all; ``known``: the
    rhythms read already (``rhythms``)."""
    rhythms = _rhythms(session) if known is None else known
    due: list[TouchDue] = []
    for chunk in chunked(sorted(rhythms)):
        rows = session.execute(
            select(
                Contact.id,
                Contact.name,
                Contact.last_contacted_at,
                Contact.created_at,
                Contact.owner_id,
            ).where(col(Contact.id).in_(chunk), col(Contact.deleted_at).is_(None))
        )
        for contact_id, name, last, created, owner in rows:
            every = rhythms[contact_id]
            day = (last or created).astimezone().date() + timedelta(days=every)
            if day <= by and (after is None or day > after):
                due.append(TouchDue(contact_id, name, every, last, day, owner))
    due.sort(key=lambda one: (one.due, one.contact_id))
    return due[:limit], len(due)
