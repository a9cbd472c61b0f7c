"""``crm deals …``: the sales pipeline from the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from crm_tui.commands import stages
from crm_tui.commands.common import (
    JsonOption,
    a_day,
    an_id,
    command_group,
    echo,
    parse_pairs,
    print_json,
    state,
)
from crm_tui.text import plural
from crm_tui.vocabulary import DEFAULT_CURRENCY

if TYPE_CHECKING:
    from sqlmodel import Session

    from crm_tui.schemas import DealRead

app = command_group("The sales pipeline: deals, their value and stage.", no_args_is_help=True)

IdArgument = typer.Argument(..., callback=an_id, help="The deal's id.")
ValueOption = typer.Option(
    None, "--value", "-v", help='e.g. "1,200.50", "1.200,50", "۱٬۲۰۰", "1.2k".'
)
CurrencyOption = typer.Option(None, "--currency", help="An ISO 4217 code: EUR, IRR, USD…")
ContactOption = typer.Option(None, "--contact", "-c", help="A contact: id, email or name.")
CloseOption = typer.Option(None, "--close", help='Expected close, e.g. "2026-12-31", "fri".')
OwnerOption = typer.Option(None, "--owner", help="A team member.")
TagOption = typer.Option(None, "--tag", "-t", metavar="TAG", help="A tag (repeatable).")
FieldOption = typer.Option(
    None, "--field", "-f", metavar="NAME=VALUE", help="A custom field (repeatable)."
)
ProbabilityOption = typer.Option(
    None, "--probability", "-p", min=0, max=100, metavar="PERCENT", help="0 to 100."
)


def _minor(value: str | None, currency: str) -> int | None:
    from crm_tui.money import parse_amount

    return None if value is None else parse_amount(value, currency).minor


def _refs(session: Session, contact: str | None, owner: str | None) -> dict[str, Any]:
    from crm_tui.services.contacts import resolve_contact
    from crm_tui.services.team import find_member

    found: dict[str, Any] = {}
    if contact is not None:
        found["contact_id"] = resolve_contact(session=session, ref=contact).id if contact else None
    if owner is not None:
        found["owner_id"] = find_member(session=session, ref=owner).id if owner else None
    return found


def _value(deal: DealRead) -> str:
    from crm_tui import display

    return display.amount(deal.value_minor, deal.currency)


@app.command("list")
def list_(
    ctx: typer.Context,
    stage: str | None = typer.Option(None, "--stage", help="A stage's name or id."),
    owner: str | None = typer.Option(
        None, "--owner", metavar="MEMBER", help="A team member; '' for the deals nobody owns."
    ),
    contact: str | None = ContactOption,
    open_only: bool = typer.Option(False, "--open", help="Only deals not won or lost."),
    tag: str | None = typer.Option(None, "--tag", "-t", help="Only deals with this tag."),
    limit: int = typer.Option(
        200, "--limit", "-n", min=1, metavar="N", help="At most this many (default 200)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """List deals by expected close; the first 200 unless --limit."""
    from crm_tui.commands.tables import write_table
    from crm_tui.services.deals import NO_OWNER, DealQuery, count_deals, find_stage, list_deals

    with state(ctx).read() as session:
        refs = _refs(session, contact, owner)
        query = DealQuery(
            stage_id=find_stage(session=session, ref=stage).id if stage else None,
            owner_id=NO_OWNER if owner == "" else refs.get("owner_id"),
            contact_id=refs.get("contact_id"),
            open_only=open_only,
            tag=tag,
        )
        found = list_deals(session=session, query=query, limit=limit)
        total = count_deals(session=session, query=query) if len(found) == limit else len(found)
    if as_json:
        print_json(found)
        return
    from crm_tui import display

    rows = [
        [
            display.ident(deal.id),
            deal.title,
            _value(deal),
            deal.stage,
            display.number(deal.probability) + "%",
            display.day(deal.expected_close) or "",
            deal.contact_name or deal.organization or "",
            deal.owner or "",
        ]
        for deal in found
    ]
    write_table(["id", "title", "value", "stage", "prob.", "close", "client", "owner"], [rows])
    if len(found) == limit and total > limit:
        echo(f"{display.number(limit)} of {display.number(total)} deals (--limit to see more)")


@app.command()
def show(ctx: typer.Context, deal_id: int = IdArgument, as_json: bool = JsonOption) -> None:
    """A deal, its stages, and the interactions and tasks about it.

    The timeline holds the newest 100."""
    from crm_tui import display
    from crm_tui.entities import DEAL
    from crm_tui.services.deals import get_deal, stage_history
    from crm_tui.services.timeline import deal_timeline
    from crm_tui.shown import deal_lines, long_texts

    with state(ctx).read() as session:
        deal = get_deal(session=session, deal_id=deal_id)
        history = stage_history(session=session, deal_id=deal_id)
        timeline = deal_timeline(session=session, deal_id=deal_id)
    if as_json:
        print_json(
            {
                **deal.model_dump(mode="json"),
                "stages": [
                    {"stage": name, "entered": entered, "left": left}
                    for name, entered, left in history
                ],
                "timeline": [entry.model_dump(mode="json") for entry in timeline],
            }
        )
        return
    echo(f"{display.ident(deal.id)} {deal.title}")
    for label, value in [*deal_lines(deal), *long_texts(deal, DEAL)]:
        if value:
            echo(f"  {label}: {value}")
    echo("  Stages:")
    for name, entered, left in history:
        until = display.moment(left) if left else "now"
        echo(f"    {name}: {display.moment(entered)} → {until}")
    if timeline:
        from crm_tui.commands.contacts import timeline_line

        echo("  Timeline:")
        for entry in timeline:
            echo(f"    {timeline_line(entry)}")


@app.command("follow-up")
def follow_up(
    ctx: typer.Context,
    deal_id: int = IdArgument,
    due: str | None = typer.Option(None, "--due", "-d", help='When: "3d", "fri", a date.'),
    title: str = typer.Option("", "--title", help='What to do (default "Follow up: …").'),
    as_json: bool = JsonOption,
) -> None:
    """Add a deal's next step: a task about it.

    The task is for the deal's contact, given to its owner (else to you)."""
    from crm_tui.services.tasks import create_deal_follow_up

    cli = state(ctx)
    with cli.write() as session:
        task = create_deal_follow_up(
            session=session,
            deal_id=deal_id,
            due=a_day(due, "--due"),
            title=title,
            actor_id=cli.actor_id(session),
        )
    if as_json:
        print_json(task)
        return
    from crm_tui import display

    when = f" due {display.day(task.due)}" if task.due else ""
    echo(f"added task #{task.id} {task.title}{when}")


@app.command()
def add(
    ctx: typer.Context,
    title: str = typer.Argument(..., help="What is being sold."),
    value: str | None = ValueOption,
    currency: str = typer.Option(
        DEFAULT_CURRENCY, "--currency", help=f"An ISO 4217 code ({DEFAULT_CURRENCY})."
    ),
    contact: str | None = ContactOption,
    organization: str = typer.Option("", "--organization", "--org", help="An organization."),
    stage: str | None = typer.Option(
        None, "--stage", metavar="STAGE", help="A stage's name or id (the first one)."
    ),
    pipeline: str | None = typer.Option(
        None, "--pipeline", metavar="PIPELINE", help="A pipeline's name or id (the default)."
    ),
    close: str | None = CloseOption,
    owner: str | None = OwnerOption,
    probability: int | None = ProbabilityOption,
    source: str = typer.Option("", "--source", help="Where it came from."),
    notes: str = typer.Option("", "--notes", help="Notes."),
    tag: list[str] | None = TagOption,
    field: list[str] | None = FieldOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a deal."""
    from crm_tui.schemas import DealCreate
    from crm_tui.services.deals import create_deal, find_pipeline, find_stage, stages

    cli = state(ctx)
    with cli.write() as session:
        pipeline_id = find_pipeline(session=session, ref=pipeline).id if pipeline else None
        if stage:
            stage_id: int | None = find_stage(
                session=session, ref=stage, pipeline_id=pipeline_id
            ).id
        else:  # the pipeline's first stage (the default pipeline's, by DealCreate)
            stage_id = stages(session=session, pipeline_id=pipeline_id)[0].id if pipeline else None
        data = DealCreate.build(
            title=title,
            value_minor=_minor(value, currency) or 0,
            currency=currency,
            organization=organization,
            stage_id=stage_id,
            expected_close=a_day(close, "--close"),
            probability=probability,
            source=source,
            notes=notes,
            tags=tag or [],
            custom=parse_pairs(field, what="--field"),
            **_refs(session, contact, owner),
        )
        deal = create_deal(session=session, data=data, actor_id=cli.actor_id(session))
    _said(deal, "added", as_json)


def _said(deal: DealRead, what: str, as_json: bool) -> None:
    from crm_tui import display

    if as_json:
        print_json(deal)
    else:
        echo(f"{what} deal {display.ident(deal.id)} {deal.title}: {_value(deal)}, {deal.stage}")


@app.command()
def edit(
    ctx: typer.Context,
    deal_id: int = IdArgument,
    title: str | None = typer.Option(None, "--title", help="A new title."),
    value: str | None = ValueOption,
    currency: str | None = CurrencyOption,
    contact: str | None = ContactOption,
    organization: str | None = typer.Option(
        None, "--organization", "--org", help="An organization ('' for none)."
    ),
    close: str | None = CloseOption,
    owner: str | None = OwnerOption,
    probability: int | None = ProbabilityOption,
    source: str | None = typer.Option(None, "--source", help="Where it came from."),
    notes: str | None = typer.Option(None, "--notes", help="Notes."),
    tag: list[str] | None = typer.Option(
        None, "--tag", "-t", metavar="TAG", help="Replace the tags (repeatable)."
    ),
    field: list[str] | None = typer.Option(
        None, "--field", "-f", metavar="NAME=VALUE", help="Set a custom field; NAME= drops it."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Change a deal's details (not its stage: see move, won, lost)."""
    from crm_tui.schemas import DealUpdate
    from crm_tui.services.deals import get_deal, update_deal

    cli = state(ctx)
    with cli.write() as session:
        stored = get_deal(session=session, deal_id=deal_id)
        given = {
            "title": title,
            "organization": organization,
            "currency": currency,
            "value_minor": _minor(value, currency or stored.currency),
            "expected_close": a_day(close, "--close"),
            "probability": probability,
            "source": source,
            "notes": notes,
            "tags": tag,
            "custom": {**stored.custom, **parse_pairs(field, what="--field")} if field else None,
        }
        changes = {name: v for name, v in given.items() if v is not None}
        data = DealUpdate.build(**changes, **_refs(session, contact, owner))
        deal = update_deal(
            session=session, deal_id=deal_id, data=data, actor_id=cli.actor_id(session)
        )
    _said(deal, "changed", as_json)


@app.command()
def move(
    ctx: typer.Context,
    deal_id: int = IdArgument,
    stage: str = typer.Argument(..., help="A stage's name or id."),
    reason: str | None = typer.Option(None, "--reason", help="Why it was lost (to Lost)."),
    as_json: bool = JsonOption,
) -> None:
    """Move a deal to another stage of its pipeline."""
    from crm_tui.services.deals import find_stage, get_deal, move_deal

    cli = state(ctx)
    with cli.write() as session:
        pipeline = get_deal(session=session, deal_id=deal_id).pipeline_id
        target = find_stage(session=session, ref=stage, pipeline_id=pipeline)
        deal = move_deal(
            session=session,
            deal_id=deal_id,
            stage_id=target.id,
            lost_reason=reason,
            actor_id=cli.actor_id(session),
        )
    _said(deal, "moved", as_json)


@app.command()
def won(ctx: typer.Context, deal_id: int = IdArgument, as_json: bool = JsonOption) -> None:
    """Mark a deal won."""
    from crm_tui.services.deals import win_deal

    cli = state(ctx)
    with cli.write() as session:
        deal = win_deal(session=session, deal_id=deal_id, actor_id=cli.actor_id(session))
    _said(deal, "won", as_json)


@app.command()
def lost(
    ctx: typer.Context,
    deal_id: int = IdArgument,
    reason: str = typer.Option(..., "--reason", help="Why: one of the lost reasons."),
    as_json: bool = JsonOption,
) -> None:
    """Mark a deal lost, saying why."""
    from crm_tui.services.deals import lose_deal

    cli = state(ctx)
    with cli.write() as session:
        deal = lose_deal(
            session=session, deal_id=deal_id, reason=reason, actor_id=cli.actor_id(session)
        )
    _said(deal, "lost", as_json)


@app.command()
def delete(
    ctx: typer.Context,
    deal_ids: list[int] = typer.Argument(..., callback=an_id, help="Ids of deals."),
) -> None:
    """Move deals to the trash."""
    from crm_tui.services.deals import delete_deals

    cli = state(ctx)
    with cli.write() as session:
        count = delete_deals(session=session, deal_ids=deal_ids, actor_id=cli.actor_id(session))
    echo(f"moved {plural(count, 'deal')} to the trash")


# The sales process itself: stages, pipelines, lost reasons (commands/stages.py).
app.command("stages")(stages.stages_)
app.add_typer(stages.stage_app, name="stage")
app.command("pipelines")(stages.pipelines_)
app.add_typer(stages.pipeline_app, name="pipeline")
app.command("reasons")(stages.reasons_)
app.add_typer(stages.reason_app, name="reason")
