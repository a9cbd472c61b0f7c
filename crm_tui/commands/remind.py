"""``crm remind``: send the reminders that fell due, for cron or a systemd timer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer

from crm_tui.commands.common import CliState, echo, state, warn
from crm_tui.text import plural

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm_tui.services.reminders import Reminder


def remind(
    ctx: typer.Context,
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print what would be sent; send and record nothing."
    ),
) -> None:
    """Send the reminders that fell due since the last run (for cron).

    Appointments you attend, remind.minutes_before (30) ahead; your open tasks, at
    remind.task_hour (8) on their due day. By email ([remind] email and smtp_host) and as a
    desktop notification where a session bus is present. Each is sent once, and a run that
    did not happen misses nothing. Exit 1: nothing sent (nor recorded); 3: the mail went,
    the desktop notification did not."""
    from crm_tui.notify import desktop_available

    cli = state(ctx)
    settings = cli.settings.remind
    channels = (["email"] if settings.email else []) + (
        ["desktop"] if settings.desktop and desktop_available() else []
    )
    now = datetime.now(UTC)
    if dry_run:
        _rehearse(cli, channels, now)
        return
    sent, partly = _send(cli, channels, now)
    if partly:
        warn(f"mailed, but not shown on the desktop: {partly}")
    echo(
        f"sent {plural(sent, 'reminder')} by {' and '.join(channels)}"
        if sent
        else "nothing to remind"
    )
    raise typer.Exit(3 if partly else 0)


def _rehearse(cli: CliState, channels: list[str], now: datetime) -> None:
    """What a run would send now, printed; nothing sent or recorded (nor the user made a
    team member)."""
    from crm_tui.errors import NotFoundError
    from crm_tui.notify import line
    from crm_tui.services.team import find_member

    with cli.read() as session:
        try:
            member: int | None = find_member(session=session, ref=cli.settings.user).id
        except NotFoundError:
            member = None
        found = [] if member is None else _due(session, member, now, cli)
    for one in found:
        echo(line(one))
    means = " and ".join(channels) or "nothing to send them with"
    echo(f"would send {plural(len(found), 'reminder')} ({means})")


def _send(cli: CliState, channels: list[str], now: datetime) -> tuple[int, str]:
    """Record and send what fell due, in one transaction: a failed mail rolls the record
    back, to be sent by the next run. Returns how many, and why the desktop did not show
    them when the mail went."""
    from crm_tui.errors import CrmError
    from crm_tui.notify import SendError, notify_desktop, send_email
    from crm_tui.services.reminders import record

    settings = cli.settings.remind
    partly = ""
    with cli.write() as session:
        member = cli.actor_id(session)
        found = _due(session, member, now, cli)
        if found and not channels:
            raise CrmError(
                "nothing to send reminders with: set [remind] email and smtp_host in the "
                "config, or run crm remind in a desktop session"
            )
        record(session=session, member_id=member, reminders=found, now=now)
        if found and "email" in channels:
            send_email(settings, found)
        if found and "desktop" in channels:
            try:
                notify_desktop(found)
            except SendError as error:
                if "email" not in channels:
                    raise
                partly = str(error)
    return len(found), partly


def _due(session: Session, member: int, now: datetime, cli: CliState) -> list[Reminder]:
    from crm_tui.services.reminders import due, window

    settings, birthday_days = cli.settings.remind, cli.settings.birthday_days
    return due(
        session=session,
        member_id=member,
        span=window(session=session, member_id=member, now=now),
        minutes_before=settings.minutes_before,
        task_hour=settings.task_hour,
        birthday_days=birthday_days,
    )
