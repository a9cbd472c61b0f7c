"""``crm report …``: the numbers of selling, for a person or a weekly cron job's mail."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from crm_tui.commands.common import JsonOption, a_day, echo, print_json, state
from crm_tui.vocabulary import GroupBy as By
from crm_tui.vocabulary import ReportName as Name

if TYPE_CHECKING:
    from crm_tui.services.reports import Period, Report

FORECAST_MONTHS = 6


def report(
    ctx: typer.Context,
    name: Name = typer.Argument(..., metavar="REPORT", help="Which report (see below)."),
    start: str | None = typer.Option(
        None, "--from", metavar="DAY", help="The first day (default: below)."
    ),
    end: str | None = typer.Option(None, "--to", metavar="DAY", help="The last day, included."),
    by: By | None = typer.Option(
        None, "--by", help="Group by month, owner, source or stage (each report has a default)."
    ),
    as_json: bool = JsonOption,
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV instead of a table."),
) -> None:
    """Sales numbers: pipeline, forecast, sales, cycle or team.

    A row per group; amounts per currency (never added across currencies).

    pipeline: open deals now, by stage: count, value, value weighted by probability.

    forecast: open deals by month of expected close (this month and the next five).

    sales: deals closed in the period (this month): won, lost, win rate, revenue, average.

    cycle: deals won in the period (this month): days in each stage, and the sales cycle.

    team: per owner: won in the period (this month), open deals and tasks now.

    Months are your calendar's (Jalali months when it is Jalali), in local time.
    """
    from crm_tui import display
    from crm_tui.services import reports

    if as_json and as_csv:
        raise typer.BadParameter("choose --json or --csv", param_hint="--csv")
    cli = state(ctx)
    jalali = cli.settings.calendar == display.Calendar.JALALI
    period = _period(name, start, end, jalali)
    with cli.read() as session:
        found = reports.run(session=session, name=name, period=period, by=by, jalali=jalali)
    if as_json:
        print_json(_json(found))
    elif as_csv:
        _csv(found)
    else:
        _table(found)


def _period(name: Name, start: str | None, end: str | None, jalali: bool) -> Period:
    from crm_tui.services.common import today
    from crm_tui.services.reports import Period

    months = FORECAST_MONTHS if name in (Name.FORECAST, Name.PIPELINE) else 1
    default = Period.month_of(today(), jalali=jalali, months=months)
    return Period(
        a_day(start, "--from") or default.start,
        a_day(end, "--to") or default.end,
    )


def _json(found: Report) -> dict[str, Any]:
    from crm_tui.money import Money

    def value(cell: Any) -> Any:
        if isinstance(cell, dict):
            return {code: str(Money(minor, code).amount) for code, minor in cell.items()}
        return cell

    return {
        "report": found.name.value,
        "by": found.by.value,
        "from": found.period.start if found.period else None,
        "to": found.period.end if found.period else None,
        "rows": [{key: value(cell) for key, cell in row.items()} for row in found.rows],
        "summary": found.summary,
    }


def _csv(found: Report) -> None:
    from crm_tui.io.writers import write_csv
    from crm_tui.money import Money

    header: list[str] = []
    for column in found.columns:
        if column.kind != "money":
            header.append(column.name)
            if column.name == By.MONTH.value:
                header.append("starts")
            continue
        codes = sorted({code for row in found.rows for code in row[column.name]})
        header += [f"{column.name}_{code}" for code in codes]
    rows = []
    for row in found.rows:
        cells: list[Any] = []
        for key in header:
            name, _, code = key.rpartition("_")
            if name and code.isupper() and isinstance(row.get(name), dict):
                minor = row[name].get(code)
                cells.append("" if minor is None else str(Money(minor, code).amount))
            else:
                cell = row.get(key)
                cells.append("" if cell is None else cell)
        rows.append(cells)
    write_csv(sys.stdout, header, rows)


def _table(found: Report) -> None:
    from crm_tui import display
    from crm_tui.commands.tables import write_table

    columns = [column.name.replace("_", " ") for column in found.columns]
    lines: list[list[str]] = []
    for row in found.rows:
        cells = [_cells(row.get(column.name), column.kind) for column in found.columns]
        if found.by is By.MONTH:  # crm's own label ("1405-07"): in the digits chosen
            cells[0] = [display.digits(cells[0][0])]
        depth = max(len(cell) for cell in cells)
        lines += [[cell[i] if i < len(cell) else "" for cell in cells] for i in range(depth)]
    if found.period is not None:
        start, end = display.day(found.period.start), display.day(found.period.end)
        echo(f"{found.name.value}, {start} to {end}, by {found.by.value}")
    else:
        echo(f"{found.name.value} now, by {found.by.value}")
    write_table(columns, [lines])
    if not found.rows:
        echo("no deals")
    for key, value in found.summary.items():
        echo(f"{key.replace('_', ' ')}: {_cells(value, 'days')[0]}")


def _cells(value: Any, kind: str) -> list[str]:
    """A cell's lines: one per currency for money, else one."""
    from crm_tui import display

    if value is None:
        return ["–"]
    if kind == "money":
        amounts = [display.amount(m, c) for c, m in sorted(value.items())]
        return amounts or ["–"]
    if kind == "count":
        return [display.number(value)]
    if kind == "percent":
        return [display.digits(f"{value:.1f}%")]
    if kind == "days":
        return [display.digits(f"{value:,}")]
    return [str(value)]
