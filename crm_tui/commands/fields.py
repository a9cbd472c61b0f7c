"""``crm fields …``: custom fields with a type, whose values are checked on every way in."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from crm_tui.commands.common import JsonOption, command_group, echo, print_json, state, warn

if TYPE_CHECKING:
    from crm_tui.services.fields import FieldReport
    from crm_tui.vocabulary import FieldKind

app = command_group("Custom fields: their types (number, money, date, …).", no_args_is_help=True)

KINDS = "text, number, money, date, choice or yes-no"
KindOpt = typer.Option(None, "--type", metavar="TYPE", help=f"One of {KINDS}.")
ChoicesOpt = typer.Option(
    None, "--choices", metavar="A,B", help="A choice field's choices, comma-separated."
)
DefaultOpt = typer.Option(None, "--default", metavar="VALUE", help="What a new contact gets.")
CurrencyOpt = typer.Option(None, "--currency", metavar="CODE", help="A money field's (EUR…).")


def _kind(value: str | None) -> FieldKind | None:
    from crm_tui.vocabulary import FieldKind

    if value is None:
        return None
    try:
        return FieldKind(value.strip().lower())
    except ValueError:
        raise typer.BadParameter(f"choose one of {KINDS}", param_hint="--type") from None


def _choices(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(part.strip() for part in value.split(","))


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JsonOption) -> None:
    """List the defined custom fields and their types."""
    from crm_tui.commands.tables import write_table
    from crm_tui.services.fields import list_fields

    with state(ctx).read() as session:
        found = list_fields(session=session)
    if as_json:
        print_json(
            [
                {
                    "name": one.name,
                    "type": one.kind.value,
                    "choices": list(one.choices),
                    "default": one.default,
                    "currency": one.currency,
                }
                for one in found
            ]
        )
        return
    if not found:
        echo("no custom fields are defined: any field is text (crm fields add NAME --type T)")
        return
    write_table(
        ["field", "type", "default"], [[[one.name, one.described(), one.default] for one in found]]
    )


@app.command()
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The field's name, as contacts hold it (City)."),
    kind: str = typer.Option("text", "--type", metavar="TYPE", help=f"One of {KINDS}."),
    choices: str | None = ChoicesOpt,
    default: str | None = DefaultOpt,
    currency: str | None = CurrencyOpt,
) -> None:
    """Define a field, converting the values contacts hold.

    When one value does not fit the type, none is converted and the field stays text;
    those that do not fit are named on stderr (exit 3)."""
    from crm_tui.fields import FieldDef
    from crm_tui.services.fields import add_field

    chosen = _kind(kind)
    assert chosen is not None  # --type has a default
    definition = FieldDef(name, chosen, _choices(choices) or (), default or "", currency or "")
    cli = state(ctx)
    with cli.write() as session:
        report = add_field(session=session, definition=definition)
    _said("defined", report)


@app.command()
def edit(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The field's name."),
    kind: str | None = KindOpt,
    choices: str | None = ChoicesOpt,
    default: str | None = DefaultOpt,
    currency: str | None = CurrencyOpt,
) -> None:
    """Change a field's type, choices, default or currency."""
    from crm_tui.services.fields import edit_field

    cli = state(ctx)
    with cli.write() as session:
        report = edit_field(
            session=session,
            name=name,
            kind=_kind(kind),
            choices=_choices(choices),
            default=default,
            currency=currency,
        )
    _said("changed", report)


def _said(done: str, report: FieldReport) -> None:
    """The field as defined, what became of its values; misfits on stderr, exit 3."""
    if report.not_converted:
        echo(report.summary())
        for misfit in report.misfits:
            warn(misfit)
        if report.misfit_count > len(report.misfits):
            warn(f"… and {report.misfit_count - len(report.misfits):,} more")
        name, wanted = report.definition.name, report.wanted.value
        warn(f"mend them, then: crm fields edit {name!r} --type {wanted}")
        raise typer.Exit(3)
    echo(f"{done} {report.summary()}")
