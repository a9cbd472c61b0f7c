"""``crm orgs …``: organizations, their people and deals, and everything that touched them."""

from __future__ import annotations

import typer

from crm_tui.commands.common import JsonOption, command_group, echo, print_json, state

app = command_group("Organizations: their people, deals and timeline.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: int = typer.Option(
        200, "--limit", "-n", min=1, metavar="N", help="At most this many (default 200)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Organizations by name, with how many people each has.

    The first 200 unless --limit."""
    from crm_tui import display
    from crm_tui.commands.tables import write_table
    from crm_tui.services.organizations import count_organizations, list_organizations

    with state(ctx).read() as session:
        found = list_organizations(session=session, limit=limit)
        total = count_organizations(session=session) if len(found) == limit else len(found)
    if as_json:
        print_json([{"id": i, "name": name, "people": people} for i, name, people in found])
        return
    rows = [[display.ident(i), name, display.number(people)] for i, name, people in found]
    write_table(["id", "name", "people"], [rows])
    if total > len(found):
        echo(f"{display.number(len(found))} of {display.number(total)} organizations")


@app.command()
def show(
    ctx: typer.Context,
    organization: str = typer.Argument(..., help="Its name or id."),
    as_json: bool = JsonOption,
) -> None:
    """An organization: its people, its deals' totals, and its timeline.

    The timeline holds the newest 100 of its people's interactions and tasks and its deals."""
    from crm_tui.commands.contacts import timeline_line
    from crm_tui.services.organizations import find_organization
    from crm_tui.services.timeline import organization_overview, organization_timeline
    from crm_tui.shown import organization_lines

    with state(ctx).read() as session:
        found = find_organization(session=session, ref=organization)
        assert found.id is not None
        overview = organization_overview(session=session, organization_id=found.id)
        timeline = organization_timeline(session=session, organization_id=found.id)
    if as_json:
        print_json(
            {
                "id": overview.id,
                "name": overview.name,
                "people": overview.people,
                "open_deals": _totals(overview.open_deals),
                "won_deals": _totals(overview.won_deals),
                "timeline": [entry.model_dump(mode="json") for entry in timeline],
            }
        )
        return
    from crm_tui import display

    echo(f"{overview.name}  ({display.ident(overview.id)})")
    for line in organization_lines(overview):
        echo(f"  {line}")
    if timeline:
        echo("Timeline:")
    for entry in timeline:
        echo(f"  {timeline_line(entry)}")


def _totals(deals: dict[str, tuple[int, int]]) -> dict[str, dict[str, object]]:
    """Per currency: how many deals, and their value as a decimal string (exact)."""
    from crm_tui.money import Money

    return {
        currency: {"deals": count, "value": str(Money(total, currency).amount)}
        for currency, (count, total) in deals.items()
    }
