"""``crm agenda``: what is due, overdue and waiting, for a morning glance or a cron alert."""

from __future__ import annotations

from typing import Any

import typer

from crm_tui import display
from crm_tui.commands.common import JsonOption, echo, print_json, state


def agenda(
    ctx: typer.Context,
    days: int | None = typer.Option(
        None,
        "--days",
        min=0,
        max=36_500,
        metavar="DAYS",
        help="Look this many days ahead (default: due_soon_days, 7).",
    ),
    exit_code: bool = typer.Option(
        False, "--exit-code", help="Exit 1 when anything is overdue (for cron alerts)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Show overdue and due work: tasks, complaints, deals.

    Follow-ups, open complaints, contacts not heard from, deals to close this week and
    deals in one stage for stuck_days (30) are listed up to 50 each, the most pressing
    first: a heading says "(50 of 5,200)" when there are more, and --json gives each total
    beside its list (follow_ups_total, open_complaints_total, stale_contacts_total,
    deals_closing_total, deals_stuck_total).
    """
    from crm_tui.services.agenda import build_agenda
    from crm_tui.services.common import today

    cli = state(ctx)
    with cli.read() as session:
        result = build_agenda(
            session=session,
            today=today(),
            days=cli.settings.due_soon_days if days is None else days,
            stale_days=cli.settings.stale_days,
            stuck_days=cli.settings.stuck_days,
            birthday_days=cli.settings.birthday_days,
            jalali=display.current().calendar is display.Calendar.JALALI,
        )
    if as_json:
        print_json(
            {
                "today": result.today,
                "overdue": result.overdue,
                "due_today": result.due_today,
                "due_soon": result.due_soon,
                "follow_ups": result.follow_ups,
                "follow_ups_total": result.follow_ups_total,
                "open_complaints": result.open_complaints,
                "open_complaints_total": result.open_complaints_total,
                "week_by_channel": result.week_by_channel,
                "stale_contacts": result.stale_contacts,
                "stale_contacts_total": result.stale_contacts_total,
                "deals_closing": result.deals_closing,
                "deals_closing_total": result.deals_closing_total,
                "deals_stuck": result.deals_stuck,
                "deals_stuck_total": result.deals_stuck_total,
                "touch_due": [
                    {
                        "contact_id": one.contact_id,
                        "name": one.name,
                        "every": one.every,
                        "last_contacted_at": one.last,
                        "due": one.due,
                    }
                    for one in result.touch_due
                ],
                "touch_due_total": result.touch_due_total,
                "birthdays": [
                    {
                        "contact_id": one.contact_id,
                        "name": one.name,
                        "day": one.day,
                        "turns": one.turns,
                        "label": one.label,
                    }
                    for one in result.birthdays
                ],
                "birthdays_total": result.birthdays_total,
            }
        )
    else:
        _print(result)
    if exit_code and result.has_overdue:
        raise typer.Exit(1)


def _print(result: Any) -> None:
    sections = [
        ("Overdue", result.overdue),
        ("Due today", result.due_today),
        ("Coming up", result.due_soon),
    ]
    for title, tasks in sections:
        echo(f"{title} ({display.number(len(tasks))})")
        for task in tasks:
            who = f" — {task.contact_name}" if task.contact_name else ""
            echo(f"  {display.day(task.due)}  {display.ident(task.id)} {task.title}{who}")
    echo(f"Open complaints ({_count(len(result.open_complaints), result.open_complaints_total)})")
    for item in result.open_complaints:
        day = display.moment(item.occurred_at, with_time=False)
        echo(f"  {day}  {display.ident(item.id)} {item.subject} — {item.contact_name}")
    closing = _count(len(result.deals_closing), result.deals_closing_total)
    echo(f"Deals to close this week ({closing})")
    for deal in result.deals_closing:
        echo(f"  {display.day(deal.expected_close)}  {_deal(deal)}")
    due = _count(len(result.touch_due), result.touch_due_total)
    echo(f"Keep in touch ({due})")
    for one in result.touch_due:
        who = f"{display.ident(one.contact_id)} {one.name}"
        echo(f"  {display.day(one.due)}  {who} (every {one.every} days)")
    born = _count(len(result.birthdays), result.birthdays_total)
    echo(f"Birthdays and dates, the next {result.birthday_days} days ({born})")
    for one in result.birthdays:
        turns = f", {one.turns} years" if one.turns is not None else ""
        who = f"{display.ident(one.contact_id)} {one.name}"
        echo(f"  {display.day(one.day)}  {who} ({one.label}{turns})")
    stuck = _count(len(result.deals_stuck), result.deals_stuck_total)
    echo(f"Deals in one stage for {result.stuck_days}+ days ({stuck})")
    for deal in result.deals_stuck:
        since = display.moment(deal.stage_entered_at, with_time=False)
        echo(f"  {since}  {_deal(deal)}")


def _deal(deal: Any) -> str:

    client = deal.contact_name or deal.organization
    value = display.amount(deal.value_minor, deal.currency)
    return f"{display.ident(deal.id)} {deal.title} ({deal.stage}, {value})" + (
        f" — {client}" if client else ""
    )


def _count(listed: int, total: int) -> str:
    """ "5", or "50 of 5,200" when the list stops short of everything there is."""
    if listed >= total:
        return display.number(listed)
    return f"{display.number(listed)} of {display.number(total)}"
