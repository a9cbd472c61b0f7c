"""``crm bulk …``: one change to many contacts at once, asked with the exact count, done in
one transaction and undone as one batch (``crm bulk undo``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from crm_tui.commands.common import (
    JsonOption,
    a_day,
    an_id,
    command_group,
    echo,
    is_tty,
    list_batches_said,
    print_json,
    progress_bar,
    segment_ids,
    state,
    undo_batch,
    warn,
)

if TYPE_CHECKING:
    from crm_tui.services.bulk import Action

app = command_group(
    "Change many contacts at once, as one undoable batch.",
    no_args_is_help=True,
)

RefsArg = typer.Argument(None, help="Ids, emails or names (or use --segment / --rule).")
SegmentOpt = typer.Option(None, "--segment", metavar="NAME", help="Every contact of a segment.")
RuleOpt = typer.Option(None, "--rule", metavar="RULE", help='Those a rule holds ("tag:vip").')
YesOpt = typer.Option(False, "--yes", "-y", help="Do not ask (needed when not at a terminal).")


def _chosen(
    ctx: typer.Context, refs: list[str] | None, segment: str | None, rule: str | None
) -> tuple[list[int], str]:
    """The ids of the contacts named, and those of the segment and the rule; and how they
    were chosen, for the batch's record."""
    from crm_tui.services.contacts import resolve_contact

    if not refs and segment is None and rule is None:
        raise typer.BadParameter(
            "name the contacts, or give --segment or --rule", param_hint="REFS"
        )
    with state(ctx).read() as session:
        ids = [resolve_contact(session=session, ref=ref).id for ref in refs or []]
        if segment is not None or rule is not None:
            ids += segment_ids(session, segment, rule)
    said = [f"segment {segment}" if segment else "", f"rule {rule}" if rule else ""]
    said.append(f"{len(refs)} named" if refs else "")
    return list(dict.fromkeys(ids)), ", ".join(part for part in said if part)


def run_action(
    ctx: typer.Context,
    action: Action,
    refs: list[str] | None,
    segment: str | None,
    rule: str | None,
    *,
    yes: bool,
    as_json: bool,
) -> None:
    """Do ``action`` to the contacts named and those of ``segment`` and ``rule``: ask with
    the exact count, then do it in one transaction, with a bar on long runs."""
    from crm_tui.services.bulk import describe, resolved, run_bulk

    ids, source = _chosen(ctx, refs, segment, rule)
    if not ids:
        if as_json:
            print_json({"batch": None, "contacts": 0, "changed": 0})
        else:
            echo("no contacts match: nothing to do")
        return
    cli = state(ctx)
    with cli.read() as session:  # a tag, an owner, a task's assignee refused before asking
        action = resolved(session=session, action=action)
    question = describe(action, len(ids)) + "?"
    if not yes:
        if not is_tty():
            warn(f"{question[:-1]}: add --yes to do it without asking")
            raise typer.Exit(1)
        typer.confirm(question, abort=True)
    with progress_bar("working") as bar, cli.write() as session:
        report = run_bulk(
            session=session,
            contact_ids=ids,
            action=action,
            actor_id=cli.actor_id(session),
            source=source,
            progress=(lambda done, total: bar("contacts", done, total)) if bar else None,
        )
    if as_json:
        print_json(
            {"batch": report.batch_id, "contacts": report.contacts, "changed": report.changed}
        )
    elif report.batch_id is None:
        echo(report.summary(action))
    else:
        echo(
            f"{report.summary(action)} (batch #{report.batch_id}: crm bulk undo {report.batch_id})"
        )


@app.command("tag")
def tag_(
    ctx: typer.Context,
    tag: str = typer.Argument(..., help="The tag."),
    refs: list[str] | None = RefsArg,
    segment: str | None = SegmentOpt,
    rule: str | None = RuleOpt,
    yes: bool = YesOpt,
    as_json: bool = JsonOption,
) -> None:
    """Tag the contacts (a new tag is made)."""
    from crm_tui.services.bulk import Tag

    run_action(ctx, Tag(tag), refs, segment, rule, yes=yes, as_json=as_json)


@app.command()
def untag(
    ctx: typer.Context,
    tag: str = typer.Argument(..., help="The tag."),
    refs: list[str] | None = RefsArg,
    segment: str | None = SegmentOpt,
    rule: str | None = RuleOpt,
    yes: bool = YesOpt,
    as_json: bool = JsonOption,
) -> None:
    """Take a tag off the contacts."""
    from crm_tui.services.bulk import Tag

    run_action(ctx, Tag(tag, remove=True), refs, segment, rule, yes=yes, as_json=as_json)


@app.command()
def status(
    ctx: typer.Context,
    value: str = typer.Argument(..., metavar="STATUS", help="lead, prospect, customer, inactive."),
    refs: list[str] | None = RefsArg,
    segment: str | None = SegmentOpt,
    rule: str | None = RuleOpt,
    yes: bool = YesOpt,
    as_json: bool = JsonOption,
) -> None:
    """Set the contacts' status."""
    from crm_tui.services.bulk import SetStatus
    from crm_tui.vocabulary import ContactStatus

    try:
        chosen = ContactStatus(value.strip().lower())
    except ValueError:
        known = ", ".join(one.value for one in ContactStatus)
        raise typer.BadParameter(f"choose one of {known}", param_hint="STATUS") from None
    action = SetStatus(chosen)
    run_action(ctx, action, refs, segment, rule, yes=yes, as_json=as_json)


@app.command()
def owner(
    ctx: typer.Context,
    member: str = typer.Argument(..., help='A team member; "-" for nobody.'),
    refs: list[str] | None = RefsArg,
    segment: str | None = SegmentOpt,
    rule: str | None = RuleOpt,
    yes: bool = YesOpt,
    as_json: bool = JsonOption,
) -> None:
    """Give the contacts to a team member (or to nobody)."""
    from crm_tui.services.bulk import SetOwner

    action = SetOwner("" if member.strip() == "-" else member)
    run_action(ctx, action, refs, segment, rule, yes=yes, as_json=as_json)


@app.command("set")
def set_(
    ctx: typer.Context,
    pair: str = typer.Argument(..., metavar="NAME=VALUE", help="An empty VALUE removes it."),
    refs: list[str] | None = RefsArg,
    segment: str | None = SegmentOpt,
    rule: str | None = RuleOpt,
    yes: bool = YesOpt,
    as_json: bool = JsonOption,
) -> None:
    """Set a custom field on the contacts."""
    from crm_tui.services.bulk import SetField

    name, equals, value = pair.partition("=")
    if not equals or not name.strip():
        raise typer.BadParameter("write NAME=VALUE, e.g. City=Tehran", param_hint="NAME=VALUE")
    action = SetField(name.strip(), value.strip())
    run_action(ctx, action, refs, segment, rule, yes=yes, as_json=as_json)


@app.command()
def log(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="What happened; the first line is the subject."),
    refs: list[str] | None = RefsArg,
    channel: str = typer.Option("email", "--channel", help="call, email, meeting, sms, …"),
    when: str = typer.Option("now", "--when", help='When it happened: "yesterday 15:00".'),
    segment: str | None = SegmentOpt,
    rule: str | None = RuleOpt,
    yes: bool = YesOpt,
    as_json: bool = JsonOption,
) -> None:
    """Log one interaction with each contact (a newsletter sent)."""
    from crm_tui.dates import DateError, parse_when
    from crm_tui.services.bulk import Log

    try:
        occurred = parse_when(when)
    except DateError as error:
        raise typer.BadParameter(str(error), param_hint="--when") from None
    action = Log.of(text, channel=channel, when=occurred)
    run_action(ctx, action, refs, segment, rule, yes=yes, as_json=as_json)


@app.command()
def task(
    ctx: typer.Context,
    title: str = typer.Argument(..., help="What to do."),
    refs: list[str] | None = RefsArg,
    due: str | None = typer.Option(None, "--due", "-d", help='When it is due: "fri", "3d".'),
    assignee: str | None = typer.Option(None, "--assignee", "-a", help="Who does it."),
    priority: int = typer.Option(1, "--priority", min=0, max=3, metavar="0-3", help="0 … 3."),
    segment: str | None = SegmentOpt,
    rule: str | None = RuleOpt,
    yes: bool = YesOpt,
    as_json: bool = JsonOption,
) -> None:
    """Create one task for each contact."""
    from crm_tui.commands.tasks import _assignee_id
    from crm_tui.schemas import TaskCreate
    from crm_tui.services.bulk import NewTask

    with state(ctx).read() as session:
        assignee_id = _assignee_id(session, assignee)
    data = TaskCreate.build(
        title=title, due_date=a_day(due, "--due"), assignee_id=assignee_id, priority=priority
    )
    run_action(ctx, NewTask(data), refs, segment, rule, yes=yes, as_json=as_json)


@app.command()
def trash(
    ctx: typer.Context,
    refs: list[str] | None = RefsArg,
    segment: str | None = SegmentOpt,
    rule: str | None = RuleOpt,
    yes: bool = YesOpt,
    as_json: bool = JsonOption,
) -> None:
    """Move the contacts to the trash."""
    from crm_tui.services.bulk import Trash

    run_action(ctx, Trash(), refs, segment, rule, yes=yes, as_json=as_json)


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List bulk actions (newest first), each undoable once."""
    from crm_tui import display
    from crm_tui.vocabulary import BulkKind

    def line(b: dict[str, Any]) -> str:
        count = b["created"] or b["updated"]
        what = BulkKind(b["kind"]).label
        return (
            f"#{b['id']}  {display.moment(b['created_at'])}  {what:<7} {count:>7,}  {b['source']}"
        )

    kinds = [kind.value for kind in BulkKind]
    list_batches_said(ctx, kinds=kinds, as_json=as_json, line=line, none="no bulk actions yet")


@app.command()
def undo(
    ctx: typer.Context,
    batch: int = typer.Argument(..., callback=an_id, metavar="BATCH", help="See crm bulk list."),
) -> None:
    """Undo a bulk action (what was edited since is kept, exit 3)."""
    from crm_tui.vocabulary import BulkKind

    undo_batch(
        ctx,
        batch,
        kinds=list(BulkKind),
        what="bulk action",
        still_open=f"nothing undone: #{batch} stays open, to undo once what kept it is settled",
        done=f"undid #{batch}",
    )
