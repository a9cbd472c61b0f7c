"""``crm demo`` and ``crm team``."""

from __future__ import annotations

import typer

from crm_tui import collector
from crm_tui.commands.common import (
    JsonOption,
    command_group,
    echo,
    interrupts_handled,
    print_json,
    state,
)
from crm_tui.validation import MAX_ID

team_app = command_group("The people who share this database.", no_args_is_help=True)


def demo(
    ctx: typer.Context,
    contacts: int = typer.Option(
        60, "--contacts", min=20, max=10_000_000, metavar="N", help="How many contacts."
    ),
    interactions: int | None = typer.Option(
        None,
        "--interactions",
        min=0,
        max=100_000_000,
        metavar="N",
        help="How many interactions (default: 3 per contact).",
    ),
    seed: int = typer.Option(
        7, "--seed", min=0, max=MAX_ID, metavar="N", help="Same seed, same data."
    ),
    locale: str = typer.Option(
        "mixed",
        "--locale",
        metavar="mixed|fa",
        help="mixed: clients from four scripts; fa: a Persian business in Tehran.",
    ),
) -> None:
    """Fill an empty database with a small business to try crm on.

    Believable contacts, calls, complaints and projects, dated up to now."""
    from crm_tui.config import location_label
    from crm_tui.services.demo import build_demo

    cli = state(ctx)
    with interrupts_handled() as ctrl_c:
        with collector.paused(), cli.write() as session:
            summary = build_demo(
                session=session,
                contacts=contacts,
                interactions=interactions,
                seed=seed,
                locale=locale.strip().lower(),
            )
            ctrl_c.hold()  # committed whole from here, and reported
        echo(
            f"demo data written to {location_label(cli.database().url)}: {summary.contacts} "
            f"contacts, {summary.organizations} organizations, {summary.interactions} "
            f"interactions ({summary.complaints} complaints), {summary.projects} projects, "
            f"{summary.tasks} tasks, {summary.members} team members, "
            f"{summary.templates} templates, {summary.deals} deals, "
            f"{summary.appointments} appointments"
        )
        ctrl_c.say_if_late("demo data")


@team_app.command("add")
def team_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Full name."),
    username: str = typer.Option("", "--username", "-u", help="Their OS/login user name."),
    email: str = typer.Option("", "--email", help="Email address."),
    initials: str = typer.Option("", "--initials", help="Up to 3 letters (default: from name)."),
) -> None:
    """Add a team member."""
    from crm_tui.services.team import add_member

    with state(ctx).write() as session:
        member = add_member(
            session=session, name=name, username=username, email=email, short=initials
        )
    echo(f"added team member #{member.id} {member.name} ({member.username})")


@team_app.command("list")
def team_list(
    ctx: typer.Context,
    everyone: bool = typer.Option(False, "--all", help="Deactivated members too."),
    as_json: bool = JsonOption,
) -> None:
    """List team members."""
    from crm_tui.services.team import list_members

    with state(ctx).read() as session:
        members = list_members(session=session, include_inactive=everyone)
    if as_json:
        print_json(members)
        return
    for member in members:
        gone = "" if member.active else "  (deactivated)"
        echo(
            f"#{member.id} {member.initials:<3} {member.name} ({member.username}) "
            f"{member.email}{gone}".rstrip()
        )


@team_app.command("deactivate")
def team_deactivate(
    ctx: typer.Context, member: str = typer.Argument(..., help="Id, username or name.")
) -> None:
    """Mark someone who left: their work keeps their name.

    No new tasks can be given to them; 'crm team activate' brings them back."""
    _set_active(ctx, member, active=False)


@team_app.command("activate")
def team_activate(
    ctx: typer.Context, member: str = typer.Argument(..., help="Id, username or name.")
) -> None:
    """Bring a deactivated member back."""
    _set_active(ctx, member, active=True)


def _set_active(ctx: typer.Context, ref: str, *, active: bool) -> None:
    from crm_tui.services.team import set_active

    with state(ctx).write() as session:
        member = set_active(session=session, ref=ref, active=active)
    echo(f"{member.name} ({member.username}) is {'active' if active else 'deactivated'}")
