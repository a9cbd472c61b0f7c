"""``crm meet …``: appointments booked ahead, from a script or a shell."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import typer

from crm_tui.commands.common import (
    JsonOption,
    a_day,
    an_id,
    command_group,
    echo,
    print_json,
    say_jalali,
    state,
)
from crm_tui.text import plural

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm_tui.schemas import AppointmentRead

app = command_group("Appointments: meetings and calls booked ahead.", no_args_is_help=True)

IdArgument = typer.Argument(..., callback=an_id, help="The appointment's id.")
AtOption = typer.Option(
    None, "--at", metavar="WHEN", help='When it starts: "tomorrow 10:00", "fri 9:30".'
)
ForOption = typer.Option(
    None, "--for", metavar="LENGTH", help='How long: "45m", "1h30" (default 1h).'
)
UntilOption = typer.Option(None, "--until", metavar="WHEN", help='When it ends instead: "11:30".')
WithOption = typer.Option(
    None, "--with", "-c", metavar="CONTACT", help="A contact: id, email or name (repeatable)."
)
MemberOption = typer.Option(
    None, "--member", "-m", metavar="MEMBER", help="A team member who attends (repeatable)."
)
CHANNELS = ("meeting", "call", "chat", "other")
ChannelOption = typer.Option(
    None, "--channel", metavar="KIND", help=f"One of: {', '.join(CHANNELS)}."
)


def _moment(value: str, option: str, *, after: datetime | None = None) -> datetime:
    """A coming moment typed for ``option``; a bare clock after ``after`` is on its day."""
    from crm_tui.dates import DateError, parse_when

    try:
        if after is not None and ":" in value and " " not in value.strip():
            return parse_when(f"{after.astimezone().date().isoformat()} {value}", ahead=True)
        moment = parse_when(value, ahead=True)
    except DateError as error:
        raise typer.BadParameter(str(error), param_hint=option) from None
    say_jalali(value)
    return moment


def _length(value: str) -> timedelta:
    from crm_tui.dates import DateError, parse_duration

    try:
        return parse_duration(value)
    except DateError as error:
        raise typer.BadParameter(str(error), param_hint="--for") from None


def _ends(starts: datetime, length: str | None, until: str | None) -> datetime | None:
    if length is not None and until is not None:
        raise typer.BadParameter("give --for or --until, not both", param_hint="--until")
    if length is not None:
        return starts + _length(length)
    if until is not None:
        return _moment(until, "--until", after=starts)
    return None


def _channel(value: str | None) -> str | None:
    if value is not None and value not in CHANNELS:
        raise typer.BadParameter(f"choose one of {', '.join(CHANNELS)}", param_hint="--channel")
    return value


def _people(
    session: Session, contacts: list[str] | None, members: list[str] | None
) -> dict[str, Any]:
    from crm_tui.services.contacts import resolve_contact
    from crm_tui.services.team import find_member

    found: dict[str, Any] = {}
    if contacts is not None:
        found["contact_ids"] = [resolve_contact(session=session, ref=ref).id for ref in contacts]
    if members is not None:
        found["member_ids"] = [find_member(session=session, ref=ref).id for ref in members]
    return found


def when_text(appointment: AppointmentRead) -> str:
    from crm_tui import display

    return display.time_span(appointment.starts_at, appointment.ends_at)


def _said(appointment: AppointmentRead, what: str, as_json: bool) -> None:
    from crm_tui import display

    if as_json:
        print_json(appointment)
        return
    said = f"{what} appointment {display.ident(appointment.id)} {appointment.title}"
    echo(f"{said}: {when_text(appointment)}")


@app.command()
def add(
    ctx: typer.Context,
    title: str = typer.Argument(..., help="What it is about."),
    at: str = typer.Option(
        ..., "--at", metavar="WHEN", help='When it starts: "tomorrow 10:00", "fri 9:30".'
    ),
    length: str | None = ForOption,
    until: str | None = UntilOption,
    contact: list[str] | None = WithOption,
    member: list[str] | None = MemberOption,
    place: str = typer.Option("", "--place", metavar="PLACE", help="An address or a link."),
    notes: str = typer.Option("", "--notes", metavar="TEXT", help="Notes."),
    channel: str | None = ChannelOption,
    as_json: bool = JsonOption,
) -> None:
    """Book an appointment; you attend it unless --member says who does."""
    from crm_tui.schemas import AppointmentCreate
    from crm_tui.services.appointments import create_appointment

    starts = _moment(at, "--at")
    ends = _ends(starts, length, until)
    cli = state(ctx)
    with cli.write() as session:
        people = _people(session, contact, member)
        people.setdefault("member_ids", [cli.actor_id(session)])
        data = AppointmentCreate.build(
            title=title,
            starts_at=starts,
            ends_at=ends,
            channel=_channel(channel) or "meeting",
            place=place,
            notes=notes,
            **people,
        )
        found = create_appointment(session=session, data=data, actor_id=cli.actor_id(session))
    _said(found, "booked", as_json)


@app.command("list")
def list_(
    ctx: typer.Context,
    start: str | None = typer.Option(None, "--from", metavar="DAY", help="The first day (today)."),
    days: int = typer.Option(
        7, "--days", "-d", min=1, max=366, metavar="N", help="How many days (7)."
    ),
    member: str | None = typer.Option(
        None, "--member", "-m", metavar="MEMBER", help="Only a team member's."
    ),
    contact: str | None = typer.Option(
        None, "--with", "-c", metavar="CONTACT", help="Only those with a contact."
    ),
    as_json: bool = JsonOption,
) -> None:
    """List the appointments of the coming days, the earliest first.

    Two that one team member attends at the same time are marked as clashing. At most 500."""
    from crm_tui import display
    from crm_tui.dates import local_day_start
    from crm_tui.services.appointments import RANGE_LIMIT, clashes, list_appointments

    first = a_day(start, "--from") or date.today()
    with state(ctx).read() as session:
        people = _people(session, [contact] if contact else None, [member] if member else None)
        found = list_appointments(
            session=session,
            start=local_day_start(first),
            end=local_day_start(first + timedelta(days=days)),
            member_id=(people.get("member_ids") or [None])[0],
            contact_id=(people.get("contact_ids") or [None])[0],
            limit=RANGE_LIMIT + 1,
        )
    more, found = len(found) > RANGE_LIMIT, found[:RANGE_LIMIT]
    clashing = {one for clash in clashes(found) for one in (clash.first, clash.second)}
    if as_json:
        print_json([{**one.model_dump(mode="json"), "clash": one.id in clashing} for one in found])
        return
    from crm_tui.commands.tables import write_table

    rows = [
        [
            display.ident(one.id),
            when_text(one),
            one.title,
            ", ".join(one.contacts),
            ", ".join(one.members),
            one.place,
            "clash" if one.id in clashing else "",
        ]
        for one in found
    ]
    write_table(["id", "when", "title", "with", "who", "where", ""], [rows])
    if more:
        echo(f"the first {display.number(RANGE_LIMIT)}; there are more (fewer --days)")
    elif not found:
        echo(f"no appointments in the {plural(days, 'day')} from {display.day(first)}")


@app.command()
def show(ctx: typer.Context, appointment_id: int = IdArgument, as_json: bool = JsonOption) -> None:
    """An appointment: when, where, with whom."""
    from crm_tui import display
    from crm_tui.services.appointments import get_appointment

    with state(ctx).read() as session:
        found = get_appointment(session=session, appointment_id=appointment_id)
    if as_json:
        print_json(found)
        return
    echo(f"{display.ident(found.id)} {found.title}")
    facts = [
        ("When", when_text(found)),
        ("Kind", found.channel),
        ("Where", found.place),
        ("With", ", ".join(found.contacts)),
        ("Attending", ", ".join(found.members)),
        ("Logged as", f"interaction #{found.interaction_id}" if found.interaction_id else ""),
        ("Notes", found.notes),
    ]
    for label, value in facts:
        if value:
            echo(f"  {label}: {value}")


@app.command()
def edit(
    ctx: typer.Context,
    appointment_id: int = IdArgument,
    title: str | None = typer.Option(None, "--title", metavar="TITLE", help="What it is about."),
    at: str | None = AtOption,
    length: str | None = ForOption,
    until: str | None = UntilOption,
    contact: list[str] | None = WithOption,
    member: list[str] | None = MemberOption,
    place: str | None = typer.Option(
        None, "--place", metavar="PLACE", help="An address or a link."
    ),
    notes: str | None = typer.Option(None, "--notes", metavar="TEXT", help="Notes."),
    channel: str | None = ChannelOption,
    as_json: bool = JsonOption,
) -> None:
    """Change an appointment; --at moves it and keeps its length.

    --with and --member give the whole list (the others are dropped)."""
    from crm_tui.schemas import AppointmentUpdate
    from crm_tui.services.appointments import get_appointment, update_appointment

    cli = state(ctx)
    with cli.write() as session:
        current = get_appointment(session=session, appointment_id=appointment_id)
        values: dict[str, Any] = {
            name: value
            for name, value in (
                ("title", title),
                ("place", place),
                ("notes", notes),
                ("channel", _channel(channel)),
            )
            if value is not None
        }
        if at is not None:
            values["starts_at"] = _moment(at, "--at")
        starts = values.get("starts_at", current.starts_at)
        if (ends := _ends(starts, length, until)) is not None:
            values["ends_at"] = ends
        values.update(_people(session, contact, member))
        found = update_appointment(
            session=session,
            appointment_id=appointment_id,
            data=AppointmentUpdate.build(**values),
            actor_id=cli.actor_id(session),
        )
    _said(found, "changed", as_json)


@app.command()
def log(ctx: typer.Context, appointment_id: int = IdArgument) -> None:
    """Log one that happened: an interaction with its contacts."""
    from crm_tui.services.appointments import log_appointment

    cli = state(ctx)
    with cli.write() as session:
        logged = log_appointment(
            session=session, appointment_id=appointment_id, actor_id=cli.actor_id(session)
        )
    echo(f"logged appointment #{appointment_id} as interaction #{logged}")


@app.command()
def delete(
    ctx: typer.Context,
    appointment_ids: list[int] = typer.Argument(..., callback=an_id, help="Ids of appointments."),
) -> None:
    """Move appointments to the trash (restore brings them back)."""
    from crm_tui.services.appointments import delete_appointments

    cli = state(ctx)
    with cli.write() as session:
        count = delete_appointments(
            session=session, appointment_ids=appointment_ids, actor_id=cli.actor_id(session)
        )
    echo(f"moved {plural(count, 'appointment')} to the trash")


@app.command()
def restore(
    ctx: typer.Context,
    appointment_ids: list[int] = typer.Argument(..., callback=an_id, help="Ids of appointments."),
) -> None:
    """Bring appointments back from the trash."""
    from crm_tui.services.appointments import restore_appointments

    cli = state(ctx)
    with cli.write() as session:
        count = restore_appointments(
            session=session, appointment_ids=appointment_ids, actor_id=cli.actor_id(session)
        )
    echo(f"restored {plural(count, 'appointment')}")
