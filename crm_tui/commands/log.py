"""``crm log``: record an interaction from a script or a shell in one line."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import typer

from crm_tui import display
from crm_tui.commands.common import (
    DealOption,
    JsonOption,
    echo,
    is_tty,
    print_json,
    say_jalali,
    state,
)

if TYPE_CHECKING:
    from sqlmodel import Session

CHANNELS = ["call", "email", "meeting", "sms", "chat", "social", "note", "other"]
SENTIMENTS = ["positive", "neutral", "negative"]


def _choice(value: str | None, choices: list[str], hint: str) -> str | None:
    if value is not None and value not in choices:
        raise typer.BadParameter(f"choose one of {', '.join(choices)}", param_hint=hint)
    return value


def resolve_interactively(session: Session, ref: str) -> Any:
    """Resolve a contact; on a terminal, let the user pick among several candidates."""
    from crm_tui.errors import AmbiguousError
    from crm_tui.services.contacts import get_contact, resolve_contact

    try:
        return resolve_contact(session=session, ref=ref)
    except AmbiguousError as error:
        if not is_tty():
            raise
        for number, candidate in enumerate(error.candidates, start=1):
            echo(f"  {number}) {candidate}")
        picked = 0
        while not 1 <= picked <= len(error.candidates):
            picked = typer.prompt("Which one (number)", type=int)
        contact_id = int(error.candidates[picked - 1].split()[0].lstrip("#"))
        return get_contact(session=session, contact_id=contact_id)


def _who(session: Session, contact: str | None, deal_id: int | None) -> str:
    """Whom an interaction is with: ``contact``, else the deal's contact."""
    if contact:
        return contact
    if deal_id is None:
        raise typer.BadParameter("say who it was with", param_hint="--contact")
    from crm_tui.services.deals import get_deal

    deal = get_deal(session=session, deal_id=deal_id)
    if deal.contact_id is None:
        raise typer.BadParameter(f"deal #{deal_id} has no contact: say who", param_hint="--contact")
    return f"#{deal.contact_id}"


def log(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="What happened; the first line becomes the subject."),
    contact: str | None = typer.Option(
        None, "--contact", "-c", help="Who: an id, an email or a name (a --deal's contact)."
    ),
    channel: str = typer.Option("note", "--channel", help=f"One of: {', '.join(CHANNELS)}."),
    direction: str = typer.Option("out", "--direction", help="in (they reached out) or out."),
    sentiment: str | None = typer.Option(None, "--sentiment", help="positive, neutral, negative."),
    complaint: bool = typer.Option(False, "--complaint", help="Record it as a complaint."),
    when: str = typer.Option("now", "--when", help='When it happened: "yesterday 15:00", "-2d".'),
    follow_up: str | None = typer.Option(
        None, "--follow-up", help='Also add a follow-up task due then: "3d", "fri", a date.'
    ),
    deal: int | None = DealOption,
    done_follow_up: bool = typer.Option(
        False, "--done-follow-up", help="Mark their open follow-ups due by today done."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Log an interaction (call, email, meeting…) with a contact.

    With --deal, it is about that deal (and with the deal's contact unless --contact)."""
    from crm_tui.dates import DateError, parse_day, parse_when
    from crm_tui.schemas import InteractionCreate, happened
    from crm_tui.services.common import today
    from crm_tui.services.interactions import create_interaction
    from crm_tui.services.tasks import complete_follow_ups, create_follow_up, list_follow_ups

    _choice(channel, CHANNELS, "--channel")
    _choice(direction, ["in", "out"], "--direction")
    _choice(sentiment, SENTIMENTS, "--sentiment")
    try:
        occurred = parse_when(when)
        due = parse_day(follow_up) if follow_up else None
    except DateError as error:
        raise typer.BadParameter(str(error)) from None
    for typed in (when, follow_up):
        say_jalali(typed)
    try:
        happened(occurred)
    except ValueError as error:
        hint = "(to plan a call, log what led to it with --follow-up)"
        raise typer.BadParameter(f"{error} {hint}", param_hint="--when") from None
    subject, _, rest = text.strip().partition("\n")
    cli = state(ctx)
    with cli.write() as session:
        who = resolve_interactively(session, _who(session, contact, deal))
        actor = cli.actor_id(session)
        data = InteractionCreate.build(
            contact_ids=[who.id],
            occurred_at=occurred,
            channel=channel,
            direction=direction,
            subject=subject.strip(),
            body=rest.strip(),
            sentiment=sentiment,
            complaint=complaint,
            deal_id=deal,
        )
        interaction = create_interaction(session=session, data=data, actor_id=actor)
        task = None
        if due is not None:
            task = create_follow_up(
                session=session, interaction_id=interaction.id, due=due, actor_id=actor
            )
        waiting = list_follow_ups(
            session=session, contact_id=who.id, due_before=today() + timedelta(days=1)
        )
        waiting = [open_task for open_task in waiting if task is None or open_task.id != task.id]
        finished = []
        if done_follow_up:
            finished = complete_follow_ups(
                session=session, task_ids=[t.id for t in waiting], actor_id=actor
            )
            waiting = []
    if as_json:
        print_json({"interaction": interaction, "follow_up": task, "done": finished})
        return
    _said(f"logged {channel} #{interaction.id} with {who.name}", task, finished, waiting)


def _said(logged: str, task: Any, finished: list[Any], waiting: list[Any]) -> None:
    """What ``crm log`` did: the interaction, its new follow-up, those it marked done, and
    those still open that it may have answered."""
    echo(logged)
    if task is not None:
        echo(f"follow-up task #{task.id} due {display.day(task.due)}")
    for done_task in finished:
        echo(f"follow-up #{done_task.id} '{done_task.title}' done")
    for open_task in waiting:  # this touchpoint may be what they were waiting for
        when = f"due {display.day(open_task.due)}" if open_task.due else "no due date"
        echo(
            f"follow-up #{open_task.id} '{open_task.title}' is still open ({when}): "
            f"crm tasks done {open_task.id} (or log with --done-follow-up)"
        )
