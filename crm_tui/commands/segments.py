"""``crm segments …``: named rules over contacts, each a view that stays true as data changes."""

from __future__ import annotations

from typing import Any

import typer

from crm_tui.commands.common import (
    JsonOption,
    command_group,
    echo,
    hint_if_misspelt,
    print_json,
    state,
)
from crm_tui.text import plural

app = command_group(
    "Segments: saved rules over contacts (status:customer tag:vip …).", no_args_is_help=True
)
NameArg = typer.Argument(..., help="The segment's name.")


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List segments with how many contacts each holds now."""
    from crm_tui import display
    from crm_tui.commands.tables import write_table
    from crm_tui.services.contacts import ContactQuery, count_contacts
    from crm_tui.services.segments import list_segments

    with state(ctx).read() as session:
        found = [
            (one, count_contacts(session=session, query=ContactQuery(rule=one.rule)))
            for one in list_segments(session=session)
        ]
    if as_json:
        print_json(
            [
                {"name": s.name, "rule": s.rule, "contacts": n, "touch_every": s.touch_every}
                for s, n in found
            ]
        )
        return
    write_table(
        ["segment", "contacts", "rule"], [[[s.name, display.number(n), s.rule] for s, n in found]]
    )


@app.command()
def show(ctx: typer.Context, name: str = NameArg, as_json: bool = JsonOption) -> None:
    """A segment: its rule and how many contacts it holds now."""
    from crm_tui.services.segments import get_segment

    with state(ctx).read() as session:
        found = get_segment(session=session, name=name)
        count = _held(session, found.rule)
    if as_json:
        print_json({"name": found.name, "rule": found.rule, "contacts": count})
        return
    held = plural(count, "contact")
    echo(f"{found.name}: {found.rule} ({held}; crm contacts list --segment lists them)")


@app.command(context_settings={"ignore_unknown_options": True})
def add(
    ctx: typer.Context,
    name: str = NameArg,
    rule: str = typer.Argument(..., help='The rule, e.g. "status:customer last_contacted:>90d".'),
) -> None:
    """Save a rule under a name; a rule that cannot be read is refused."""
    from crm_tui.services.segments import add_segment

    with state(ctx).write() as session:
        found = add_segment(session=session, name=name, rule=rule)
        count = _held(session, found.rule)
    echo(f"saved segment {found.name}: {found.rule} ({plural(count, 'contact')})")


@app.command()
def edit(
    ctx: typer.Context,
    name: str = NameArg,
    rule: str | None = typer.Option(None, "--rule", metavar="RULE", help="A new rule."),
    new_name: str | None = typer.Option(None, "--name", metavar="NAME", help="A new name."),
) -> None:
    """Change a segment's rule or name."""
    from crm_tui.services.segments import edit_segment

    with state(ctx).write() as session:
        found = edit_segment(session=session, name=name, new_name=new_name, rule=rule)
        count = _held(session, found.rule)
    echo(f"segment {found.name}: {found.rule} ({plural(count, 'contact')})")


@app.command()
def every(
    ctx: typer.Context,
    name: str = NameArg,
    days: int = typer.Argument(..., min=0, max=3650, help="Days (0: no rhythm)."),
) -> None:
    """Keep in touch with a segment's contacts every DAYS days.

    A contact's own rhythm wins; of its tags' and segments', the shortest."""
    from crm_tui.services.segments import set_segment_rhythm

    with state(ctx).write() as session:
        found = set_segment_rhythm(session=session, name=name, days=days or None)
    echo(f"{found.name}: every {days} days" if days else f"{found.name}: no rhythm")


@app.command()
def delete(ctx: typer.Context, name: str = NameArg) -> None:
    """Delete a segment (its contacts are not touched)."""
    from crm_tui.services.segments import delete_segment

    with state(ctx).write() as session:
        delete_segment(session=session, name=name)
    echo(f"deleted segment {name} (its contacts are as they were)")


def _held(session: Any, rule: str) -> int:
    """How many contacts a segment's ``rule`` holds now; where none, what in it may be
    misspelt, said on standard error."""
    from crm_tui.services.contacts import ContactQuery, count_contacts

    count = count_contacts(session=session, query=ContactQuery(rule=rule))
    hint_if_misspelt(session, rule, count)
    return count
