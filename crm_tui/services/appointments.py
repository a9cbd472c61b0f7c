"""Appointments: meetings and calls booked ahead, with contacts and team members.

An appointment is read by the time it overlaps: the agenda asks for a day or a week, the
contact's timeline for what is coming and what was. One that has happened becomes a logged
interaction with one call (``log_appointment``), which keeps the link both ways.

A range read goes through the index on the start: an appointment lasts at most
``MAX_APPOINTMENT``, so one overlapping a range starts at most that long before it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, or_, select
from sqlmodel import Session, col

from crm_tui.errors import NotFoundError, ValidationError
from crm_tui.models import (
    Appointment,
    AppointmentContact,
    AppointmentMember,
    Contact,
    TeamMember,
)
from crm_tui.schemas import (
    CLOCK_SKEW,
    MAX_APPOINTMENT,
    AppointmentCreate,
    AppointmentRead,
    AppointmentUpdate,
    InteractionCreate,
    span_error,
)
from crm_tui.services.common import (
    check_ids,
    check_version,
    chunked,
    delete_rows,
    live_row,
    set_deleted,
    touch,
    utcnow,
)
from crm_tui.vocabulary import Channel

if TYPE_CHECKING:
    from crm_tui.io.calendar_file import Event, Rejected

RANGE_LIMIT = 500  # appointments a range read returns (a week of a busy team is far fewer)


def _link(session: Session, appointment_id: int, contacts: list[int], members: list[int]) -> None:
    if contacts:
        session.execute(
            insert(AppointmentContact),
            [{"appointment_id": appointment_id, "contact_id": one} for one in contacts],
        )
    if members:
        session.execute(
            insert(AppointmentMember),
            [{"appointment_id": appointment_id, "member_id": one} for one in members],
        )


def create_appointment(
    *, session: Session, data: AppointmentCreate, actor_id: int | None = None
) -> AppointmentRead:
    """Book an appointment; its contacts and team members must exist."""
    contacts = list(dict.fromkeys(data.contact_ids))
    members = list(dict.fromkeys(data.member_ids))
    check_ids(session=session, model=Contact, ids=contacts, what="contact", field="contact_ids")
    check_ids(
        session=session, model=TeamMember, ids=members, what="team member", field="member_ids"
    )
    assert data.ends_at is not None  # the model fills it in
    now = utcnow()
    row = Appointment(
        uid=data.uid or f"{uuid.uuid4()}@crm-tui",
        title=data.title,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        channel=data.channel.value,
        place=data.place,
        notes=data.notes,
        created_at=now,
        updated_at=now,
        created_by_id=actor_id,
        updated_by_id=actor_id,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    _link(session, row.id, contacts, members)
    return get_appointment(session=session, appointment_id=row.id)


def update_appointment(
    *,
    session: Session,
    appointment_id: int,
    data: AppointmentUpdate,
    expected_version: int | None = None,
    actor_id: int | None = None,
) -> AppointmentRead:
    """Change what ``data`` sets; refuse when someone saved it since ``expected_version``."""
    row = live_row(session=session, model=Appointment, row_id=appointment_id, what="appointment")
    check_version(
        row,
        expected_version,
        describe=f"appointment #{appointment_id}",
        current=lambda: get_appointment(session=session, appointment_id=appointment_id),
    )
    values = data.model_dump(exclude_unset=True, exclude={"contact_ids", "member_ids"})
    starts, ends = values.get("starts_at", row.starts_at), values.get("ends_at", row.ends_at)
    if "starts_at" in values and "ends_at" not in values:
        ends = starts + (row.ends_at - row.starts_at)  # moved, as long as it was
        values["ends_at"] = ends
    if error := span_error(starts, ends):
        raise ValidationError(error, field="ends_at")
    for name, value in values.items():
        if value is not None:
            setattr(row, name, value.value if isinstance(value, Channel) else value)
    _relink(session, appointment_id, data)
    touch(row, actor_id=actor_id)
    session.flush()
    return get_appointment(session=session, appointment_id=appointment_id)


def _relink(session: Session, appointment_id: int, data: AppointmentUpdate) -> None:
    """The whole list of contacts or members ``data`` gives, in place of the old one; a
    link to a contact in the trash (not shown, so not in the list) is kept for its return."""
    for ids, model, column, what in (
        (data.contact_ids, AppointmentContact, "contact_id", "contact"),
        (data.member_ids, AppointmentMember, "member_id", "team member"),
    ):
        if ids is None:
            continue
        ids = list(dict.fromkeys(ids))
        target = Contact if model is AppointmentContact else TeamMember
        check_ids(session=session, model=target, ids=ids, what=what, field=f"{column}s")
        where = [col(model.appointment_id) == appointment_id]
        if target is Contact:
            live = select(Contact.id).where(col(Contact.deleted_at).is_(None))
            where.append(col(AppointmentContact.contact_id).in_(live))
        delete_rows(session=session, model=model, where=where)
        if ids:
            session.execute(
                insert(model), [{"appointment_id": appointment_id, column: one} for one in ids]
            )


def delete_appointments(
    *, session: Session, appointment_ids: Sequence[int], actor_id: int | None = None
) -> int:
    """Move appointments to the trash; returns how many moved."""
    return set_deleted(
        session=session,
        model=Appointment,
        ids=appointment_ids,
        deleted_at=utcnow(),
        actor_id=actor_id,
    )


def restore_appointments(
    *, session: Session, appointment_ids: Sequence[int], actor_id: int | None = None
) -> int:
    return set_deleted(
        session=session, model=Appointment, ids=appointment_ids, deleted_at=None, actor_id=actor_id
    )


def get_appointment(*, session: Session, appointment_id: int) -> AppointmentRead:
    found = _read(session, select(Appointment).where(Appointment.id == appointment_id))
    if not found:
        raise NotFoundError(f"no appointment with id {appointment_id}")
    return found[0]


def find_by_uid(*, session: Session, uid: str) -> AppointmentRead | None:
    """The appointment a calendar file's UID names, in the trash too."""
    found = _read(session, select(Appointment).where(Appointment.uid == uid))
    return found[0] if found else None


def list_appointments(
    *,
    session: Session,
    start: datetime,
    end: datetime,
    member_id: int | None = None,
    contact_id: int | None = None,
    limit: int = RANGE_LIMIT,
    or_unattended: bool = False,
) -> list[AppointmentRead]:
    """The live appointments overlapping ``start`` to ``end`` (end excluded), the earliest
    first; only those a team member attends (``or_unattended``: or nobody does) or a
    contact is in, when given. At most ``limit``: ask for ``limit + 1`` to know there are
    more."""
    starts = col(Appointment.starts_at)
    query = (
        select(Appointment)
        .where(
            col(Appointment.deleted_at).is_(None),
            starts >= start - MAX_APPOINTMENT,
            starts < end,
            col(Appointment.ends_at) > start,
        )
        .order_by(starts, col(Appointment.id))
        .limit(limit)
    )
    if member_id is not None:
        attended = select(AppointmentMember.appointment_id).where(
            AppointmentMember.appointment_id == Appointment.id
        )
        attends = attended.where(AppointmentMember.member_id == member_id).exists()
        query = query.where(or_(attends, ~attended.exists()) if or_unattended else attends)
    if contact_id is not None:
        query = query.join(
            AppointmentContact,
            (AppointmentContact.appointment_id == Appointment.id)
            & (AppointmentContact.contact_id == contact_id),
        )
    return _read(session, query)


def all_appointments(*, session: Session) -> list[AppointmentRead]:
    """Every live appointment, the earliest first (a calendar export)."""
    query = (
        select(Appointment)
        .where(col(Appointment.deleted_at).is_(None))
        .order_by(col(Appointment.starts_at), col(Appointment.id))
    )
    return _read(session, query)


def appointments_of_contact(
    *, session: Session, contact_id: int, limit: int = 100
) -> list[AppointmentRead]:
    """A contact's live appointments, the latest first (its timeline)."""
    query = (
        select(Appointment)
        .join(AppointmentContact, AppointmentContact.appointment_id == Appointment.id)
        .where(AppointmentContact.contact_id == contact_id, col(Appointment.deleted_at).is_(None))
        .order_by(col(Appointment.starts_at).desc(), col(Appointment.id).desc())
        .limit(limit)
    )
    return _read(session, query)


def _read(session: Session, query: Any) -> list[AppointmentRead]:
    rows = list(session.scalars(query))
    ids = [row.id for row in rows]
    contacts: dict[int, list[tuple[int, str]]] = defaultdict(list)
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for chunk in chunked(ids):
        for appointment_id, contact_id, name in session.execute(
            select(AppointmentContact.appointment_id, Contact.id, Contact.name)
            .join(Contact, Contact.id == AppointmentContact.contact_id)
            .where(
                col(AppointmentContact.appointment_id).in_(chunk),
                col(Contact.deleted_at).is_(None),  # one in the trash is not shown
            )
            .order_by(col(Contact.id))
        ):
            contacts[appointment_id].append((contact_id, name))
        for appointment_id, member_id, name in session.execute(
            select(AppointmentMember.appointment_id, TeamMember.id, TeamMember.name)
            .join(TeamMember, TeamMember.id == AppointmentMember.member_id)
            .where(col(AppointmentMember.appointment_id).in_(chunk))
            .order_by(col(TeamMember.id))
        ):
            members[appointment_id].append((member_id, name))
    return [
        AppointmentRead(
            **row.model_dump(exclude={"created_by_id", "updated_by_id"}),
            contact_ids=[one for one, _ in contacts[row.id]],
            contacts=[name for _, name in contacts[row.id]],
            member_ids=[one for one, _ in members[row.id]],
            members=[name for _, name in members[row.id]],
        )
        for row in rows
        if row.id is not None
    ]


@dataclass(frozen=True)
class Clash:
    """Two appointments of one team member that overlap."""

    member: str
    first: int  # appointment ids, the earlier first
    second: int


def clashes(appointments: Iterable[AppointmentRead]) -> list[Clash]:
    """Each pair of the appointments that one team member attends and that overlap in time
    (one ending as the next starts does not clash)."""
    by_member: dict[tuple[int, str], list[AppointmentRead]] = defaultdict(list)
    for one in appointments:
        for member_id, name in zip(one.member_ids, one.members, strict=True):
            by_member[member_id, name].append(one)
    found = []
    for (_, name), booked in by_member.items():
        booked.sort(key=lambda one: (one.starts_at, one.id))
        for index, one in enumerate(booked):
            for later in booked[index + 1 :]:
                if later.starts_at >= one.ends_at:
                    break
                found.append(Clash(name, one.id, later.id))
    return found


def log_appointment(*, session: Session, appointment_id: int, actor_id: int | None = None) -> int:
    """Log an appointment that has happened as an interaction with its contacts (a
    meeting stays a meeting, a call a call); returns the interaction's id."""
    from crm_tui.services.interactions import create_interaction

    row = live_row(session=session, model=Appointment, row_id=appointment_id, what="appointment")
    if row.interaction_id is not None:
        raise ValidationError(
            f"appointment #{appointment_id} is logged already, as interaction #{row.interaction_id}"
        )
    read = get_appointment(session=session, appointment_id=appointment_id)
    if read.starts_at > utcnow() + CLOCK_SKEW:
        raise ValidationError(
            f"appointment #{appointment_id} has not started yet: log it once it has happened"
        )
    if not read.contact_ids:
        raise ValidationError(f"appointment #{appointment_id} is with no contact: add one first")
    body = "\n".join(part for part in (read.place, read.notes) if part)
    data = InteractionCreate.build(
        contact_ids=read.contact_ids,
        occurred_at=read.starts_at,
        channel=read.channel,
        subject=read.title,
        body=body,
    )
    logged = create_interaction(session=session, data=data, actor_id=actor_id)
    row.interaction_id = logged.id
    touch(row, actor_id=actor_id)
    session.flush()
    return logged.id


# -- calendar files -------------------------------------------------------------------------


@dataclass
class CalendarImport:
    """What importing a calendar file did (or, on a dry run, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    in_trash: int = 0  # trashed here since: left there
    repeating: int = 0  # booked as their first time
    moved_times: int = 0  # a repeating event's times changed on their own: left out
    rejected: list[Rejected] = field(default_factory=list)
    written: bool = False

    def summary(self) -> str:
        parts = [
            f"{self.created} created",
            f"{self.updated} updated",
            f"{self.unchanged} unchanged",
        ]
        if self.in_trash:
            parts.append(f"{self.in_trash} left in the trash")
        if self.rejected:
            parts.append(f"{len(self.rejected)} rejected")
        return ", ".join(parts)


def import_calendar(
    *,
    session: Session,
    data: bytes,
    actor_id: int | None = None,
    dry_run: bool = False,
    skip_bad: bool = False,
) -> CalendarImport:
    """Book a calendar file's events as appointments, matched by UID: an event imported
    before is updated (or left, when nothing changed), a new one is booked. With rejected
    events nothing is written unless ``skip_bad``; a dry run writes nothing at all."""
    from crm_tui.io.calendar_file import read_events

    found = read_events(data)
    report = CalendarImport(rejected=found.rejected, moved_times=found.moved_times)
    if found.rejected and not skip_bad:
        return report
    latest = {event.uid: event for event in found.events}  # a UID twice: the later one
    for event in latest.values():
        report.repeating += event.repeats
        _book_event(session, event, report, actor_id=actor_id, dry_run=dry_run)
    report.written = not dry_run
    return report


def _book_event(
    session: Session, event: Event, report: CalendarImport, *, actor_id: int | None, dry_run: bool
) -> None:
    values = {
        "title": event.title,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "place": event.place,
        "notes": event.notes,
    }
    existing = find_by_uid(session=session, uid=event.uid)
    if existing is None:
        report.created += 1
        if not dry_run:
            data = AppointmentCreate.build(uid=event.uid, **values)
            create_appointment(session=session, data=data, actor_id=actor_id)
        return
    if existing.deleted_at is not None:
        report.in_trash += 1
        return
    cleaned = AppointmentUpdate.build(**values).model_dump(exclude_unset=True)
    changes = {name: value for name, value in cleaned.items() if getattr(existing, name) != value}
    if not changes:
        report.unchanged += 1
        return
    report.updated += 1
    if not dry_run:
        update_appointment(
            session=session,
            appointment_id=existing.id,
            data=AppointmentUpdate.build(**changes),
            actor_id=actor_id,
        )
