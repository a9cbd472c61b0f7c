"""``crm tags …``: the tags, how many contacts carry each, and keep-in-touch rhythms."""

from __future__ import annotations

import typer

from crm_tui.commands.common import JsonOption, command_group, echo, print_json, state
from crm_tui.text import plural

app = command_group("Tags: how many carry each, and keep-in-touch rhythms.", no_args_is_help=True)


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List tags, the most used first, with their rhythms."""
    from crm_tui import display
    from crm_tui.commands.tables import write_table
    from crm_tui.services.tags import list_tags, tag_id
    from crm_tui.services.touch import tag_rhythms

    with state(ctx).read() as session:
        tags = list_tags(session=session)
        rhythms = tag_rhythms(session=session)
        every = {name: rhythms.get(tag_id(session=session, name=name) or 0) for name, _ in tags}
    if as_json:
        print_json([{"tag": n, "contacts": c, "touch_every": every[n]} for n, c in tags])
        return
    rows = [
        [name, display.number(count), f"{every[name]} days" if every[name] else ""]
        for name, count in tags
    ]
    write_table(["tag", "contacts", "in touch every"], [rows])


@app.command("every")
def every(
    ctx: typer.Context,
    tag: str = typer.Argument(..., help="A tag."),
    days: int = typer.Argument(..., min=0, max=3650, help="Days (0: no rhythm)."),
) -> None:
    """Keep in touch with the people of a tag every DAYS days.

    A contact's own rhythm (crm contacts edit --touch-every) wins; of two tags, the shorter.
    Today and crm agenda list who is due, crm remind reminds their owner."""
    from crm_tui.services.touch import set_tag_rhythm

    with state(ctx).write() as session:
        count = set_tag_rhythm(session=session, name=tag, days=days or None)
    people = plural(count, "contact")
    echo(f"{tag}: every {days} days ({people})" if days else f"{tag}: no rhythm ({people})")
