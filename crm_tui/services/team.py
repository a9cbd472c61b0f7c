"""Team members: who did what (authors) and who does what (assignees)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from crm_tui.errors import AmbiguousError, NotFoundError, ValidationError
from crm_tui.models import TeamMember
from crm_tui.records import member_directory, member_in
from crm_tui.schemas import MemberRead
from crm_tui.services.common import utcnow
from crm_tui.text import fold, initials, sort_key


def _read(member: TeamMember) -> MemberRead:
    assert member.id is not None
    return MemberRead(
        id=member.id,
        name=member.name,
        username=member.username,
        email=member.email,
        initials=member.initials,
        active=member.active,
    )


def add_member(
    *, session: Session, name: str, username: str = "", email: str = "", short: str = ""
) -> MemberRead:
    """Add a team member; ``username`` (how they log in) defaults to a folded first name."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("a name is required", field="name")
    username = (username or fold(name.split()[0])).strip()
    if session.scalar(select(TeamMember.id).where(TeamMember.username == username)):
        raise ValidationError(f"a team member with username {username!r} exists", field="username")
    member = TeamMember(
        name=name,
        username=username,
        email=email.strip(),
        initials=(short or initials(name))[:3],
        created_at=utcnow(),
    )
    session.add(member)
    session.flush()
    return _read(member)


_MEMBERS = TeamMember.__table__.c  # type: ignore[attr-defined]


def ensure_member(*, session: Session, username: str) -> MemberRead:
    """The member who logs in as ``username`` (the current OS user), created on first use.

    Read through SQLAlchemy Core: the app asks this while it paints its first screen, and
    an ORM statement's first run in a process sets up its entities, which the first paint
    would wait for."""
    found = session.execute(
        select(
            _MEMBERS.id,
            _MEMBERS.name,
            _MEMBERS.username,
            _MEMBERS.email,
            _MEMBERS.initials,
            _MEMBERS.active,
        ).where(_MEMBERS.username == username)
    ).first()
    if found is not None:
        return MemberRead(**found._mapping)
    return add_member(session=session, name=username, username=username)


def list_members(*, session: Session, include_inactive: bool = False) -> list[MemberRead]:
    query = select(TeamMember).order_by(TeamMember.name)
    if not include_inactive:
        query = query.where(col(TeamMember.active).is_(True))
    return [_read(member) for member in session.scalars(query)]


def set_active(*, session: Session, ref: str, active: bool) -> MemberRead:
    """Deactivate someone who left (their name stays on what they did and on their tasks,
    but they are no longer offered as an assignee), or bring them back."""
    found = find_member(session=session, ref=ref)
    member = session.get(TeamMember, found.id)
    assert member is not None
    member.active = active
    session.flush()
    return _read(member)


def find_member(*, session: Session, ref: str) -> MemberRead:
    """A member by id, username, initials or (part of) name."""
    members = list_members(session=session, include_inactive=True)
    name = sort_key(ref)  # "soren" finds "Søren", as contacts do
    exact = [m for m in members if member_in(member_directory([_names(m)]), ref) is not None]
    found = exact or [m for m in members if name and name in sort_key(m.name)]
    if not found:
        raise NotFoundError(f"no team member matches {ref!r}")
    if len(found) > 1:
        raise AmbiguousError(
            f"{ref!r} matches several team members", [f"{m.username} ({m.name})" for m in found]
        )
    return found[0]


def _names(member: MemberRead) -> tuple[int, str, str, str]:
    return member.id, member.name, member.username, member.initials


def team_directory(*, session: Session) -> dict[str, int]:
    """Every team member (the inactive too) by what names them exactly: what an import's
    owner column is read against (see ``records.member_in``)."""
    return member_directory(_names(m) for m in list_members(session=session, include_inactive=True))


def member_names(*, session: Session) -> dict[int, str]:
    return {
        member_id: name
        for member_id, name in session.execute(select(TeamMember.id, TeamMember.name))
        if member_id is not None
    }
