"""``crm deals stages|stage|pipelines|pipeline|reasons|reason``: the sales process edited."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from crm_tui.commands.common import JsonOption, command_group, echo, print_json, state
from crm_tui.text import plural

if TYPE_CHECKING:
    from sqlmodel import Session

stage_app = command_group(
    "Add, rename, reorder and remove a pipeline's stages.", no_args_is_help=True
)
pipeline_app = command_group("Add pipelines and choose the default one.", no_args_is_help=True)
reason_app = command_group("The list of reasons a deal is lost for.", no_args_is_help=True)

PipelineOption = typer.Option(None, "--pipeline", help="A pipeline (the default one).")
StageArgument = typer.Argument(..., help="A stage's name or id.")
Percent = typer.Option(..., "--probability", "-p", min=0, max=100, metavar="PERCENT")


def _pipeline_id(session: Session, pipeline: str | None) -> int | None:
    from crm_tui.services.deals import find_pipeline

    return find_pipeline(session=session, ref=pipeline).id if pipeline else None


def _stage_id(session: Session, ref: str, pipeline: str | None) -> int:
    from crm_tui.services.deals import find_stage

    return find_stage(session=session, ref=ref, pipeline_id=_pipeline_id(session, pipeline)).id


def _show_stages(session: Session, pipeline_id: int | None, as_json: bool) -> None:
    from crm_tui import display
    from crm_tui.commands.tables import write_table
    from crm_tui.services.deals import DealQuery, count_deals, stages

    found = stages(session=session, pipeline_id=pipeline_id)
    counts = {s.id: count_deals(session=session, query=DealQuery(stage_id=s.id)) for s in found}
    if as_json:
        print_json([{**s.__dict__, "deals": counts[s.id]} for s in found])
        return
    rows = [
        [
            display.ident(s.id),
            s.name,
            display.digits(f"{s.probability}%"),
            s.outcome,
            display.number(counts[s.id]),
        ]
        for s in found
    ]
    write_table(["id", "stage", "prob.", "outcome", "deals"], [rows])


def stages_(
    ctx: typer.Context, pipeline: str | None = PipelineOption, as_json: bool = JsonOption
) -> None:
    """List a pipeline's stages in order, with their deals."""
    with state(ctx).read() as session:
        _show_stages(session, _pipeline_id(session, pipeline), as_json)


@stage_app.command("add")
def stage_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The new stage's name."),
    probability: int = Percent,
    after: str | None = typer.Option(None, "--after", help="The stage it comes after."),
    pipeline: str | None = PipelineOption,
) -> None:
    """Add an open stage (after the last open one unless --after)."""
    from crm_tui.services.stages import add_stage

    with state(ctx).write() as session:
        pipeline_id = _pipeline_id(session, pipeline)
        after_id = _stage_id(session, after, pipeline) if after else None
        added = add_stage(
            session=session,
            name=name,
            probability=probability,
            pipeline_id=pipeline_id,
            after=after_id,
        )
        _show_stages(session, added.pipeline_id, False)


@stage_app.command("edit")
def stage_edit(
    ctx: typer.Context,
    stage: str = StageArgument,
    name: str | None = typer.Option(None, "--name", help="A new name."),
    probability: int | None = typer.Option(
        None, "--probability", "-p", min=0, max=100, metavar="PERCENT"
    ),
    pipeline: str | None = PipelineOption,
) -> None:
    """Rename a stage or change the probability its deals get by default."""
    from crm_tui.services.stages import edit_stage

    with state(ctx).write() as session:
        edited = edit_stage(
            session=session,
            stage_id=_stage_id(session, stage, pipeline),
            name=name,
            probability=probability,
        )
        _show_stages(session, edited.pipeline_id, False)


@stage_app.command("move")
def stage_move(
    ctx: typer.Context,
    stage: str = StageArgument,
    by: int = typer.Option(
        ..., "--by", min=-100, max=100, metavar="N", help="Places: -1 earlier, 1 later."
    ),
    pipeline: str | None = PipelineOption,
) -> None:
    """Move an open stage earlier or later (won and lost stay last)."""
    from crm_tui.services.stages import move_stage

    with state(ctx).write() as session:
        moved = move_stage(session=session, stage_id=_stage_id(session, stage, pipeline), offset=by)
        _show_stages(session, moved[0].pipeline_id, False)


@stage_app.command("remove")
def stage_remove(
    ctx: typer.Context,
    stage: str = StageArgument,
    move_to: str | None = typer.Option(
        None, "--move-to", help="Where its deals go (required when it has any)."
    ),
    pipeline: str | None = PipelineOption,
) -> None:
    """Remove an open stage, its deals moved to --move-to first."""
    from crm_tui.services.stages import remove_stage

    cli = state(ctx)
    with cli.write() as session:
        stage_id = _stage_id(session, stage, pipeline)
        target = _stage_id(session, move_to, pipeline) if move_to else None
        moved = remove_stage(
            session=session, stage_id=stage_id, move_to=target, actor_id=cli.actor_id(session)
        )
    echo(f"removed the stage; {plural(moved, 'deal')} moved" if moved else "removed the stage")


def pipelines_(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List the pipelines, the default one first."""
    from crm_tui.services.deals import pipelines

    with state(ctx).read() as session:
        found = pipelines(session=session)
    if as_json:
        print_json([p.__dict__ for p in found])
        return
    for pipeline in found:
        echo(f"#{pipeline.id} {pipeline.name}" + (" (default)" if pipeline.is_default else ""))


@pipeline_app.command("add")
def pipeline_add(
    ctx: typer.Context, name: str = typer.Argument(..., help="The new pipeline's name.")
) -> None:
    """Add a pipeline with the default one's stages (edit them after)."""
    from crm_tui.services.stages import add_pipeline

    with state(ctx).write() as session:
        added = add_pipeline(session=session, name=name)
    echo(f"added pipeline #{added.id} {added.name}")


@pipeline_app.command("default")
def pipeline_default(
    ctx: typer.Context, pipeline: str = typer.Argument(..., help="A pipeline's name or id.")
) -> None:
    """Make a pipeline the default one (new deals go into it)."""
    from crm_tui.services.stages import set_default_pipeline

    with state(ctx).write() as session:
        chosen = set_default_pipeline(
            session=session, pipeline_id=_pipeline_id(session, pipeline) or 0
        )
    echo(f"{chosen.name} is the default pipeline")


def reasons_(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List the reasons a deal can be lost for."""
    from crm_tui.services.deals import lost_reasons

    with state(ctx).read() as session:
        found = lost_reasons(session=session)
    if as_json:
        print_json(found)
        return
    for reason in found:
        echo(reason)


@reason_app.command("add")
def reason_add(ctx: typer.Context, name: str = typer.Argument(..., help="A reason.")) -> None:
    """Add a reason to the list."""
    from crm_tui.services.stages import add_lost_reason

    with state(ctx).write() as session:
        found = add_lost_reason(session=session, name=name)
    echo("reasons: " + ", ".join(found))


@reason_app.command("remove")
def reason_remove(ctx: typer.Context, name: str = typer.Argument(..., help="A reason.")) -> None:
    """Take a reason off the list (deals lost for it keep it)."""
    from crm_tui.services.stages import remove_lost_reason

    with state(ctx).write() as session:
        found = remove_lost_reason(session=session, name=name)
    echo("reasons: " + ", ".join(found))
