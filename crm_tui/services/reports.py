"""Reports on selling: what is in the pipeline, what will close when, what was won and lost,
how long a sale takes and how each team member does (``crm report``, the dashboard).

A report is rows of named figures, one row per group of one dimension (``By``: month,
owner, source or stage), over a ``Period`` of local days. Amounts stay per currency
(``Amounts``: currency → minor units), never added across currencies.

Everything is counted and summed by the database, grouped by the dimension and the
currency, so a report reads a few rows however many deals there are. A month is the
user's calendar's (Jalali when it is Jalali), in local time: a timestamp is put in its
month by comparing it with each month's first instant, in the query. Sums of minor units
are taken as two sums of 32-bit halves (``crm_tui.minor_sums``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import Date, case, extract, func, literal, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from crm_tui.dates import local_day_start, month_label, month_starts
from crm_tui.errors import ValidationError
from crm_tui.minor_sums import minor_sums, minor_total
from crm_tui.models import Deal, DealStage, Pipeline, Task, TeamMember
from crm_tui.rollups import read as rollups
from crm_tui.rollups.read import Closed
from crm_tui.services.deals import DealQuery, deal_conditions
from crm_tui.vocabulary import GroupBy as By
from crm_tui.vocabulary import Outcome, TaskStatus
from crm_tui.vocabulary import ReportName as Name

Amounts = dict[str, int]  # currency → minor units
MAX_MONTHS = 240  # a report by month covers at most twenty years
NO_OWNER = "(no owner)"
NO_SOURCE = "(no source)"
NO_DATE = "(no date)"
BEFORE = "(before)"
AFTER = "(after)"


@dataclass(frozen=True)
class Period:
    """Local days ``start`` to ``end``, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError(f"the period ends ({self.end}) before it starts ({self.start})")

    @property
    def instants(self) -> tuple[datetime, datetime]:
        """Its first moment and the first moment after it, here."""
        return local_day_start(self.start), local_day_start(self.end + timedelta(days=1))

    @classmethod
    def month_of(cls, day: date, *, jalali: bool = False, months: int = 1) -> Period:
        """``months`` whole months from the one ``day`` is in."""
        firsts = month_starts(day, day, jalali=jalali)
        last = firsts[0]
        for _ in range(months):
            last = month_starts(last, last, jalali=jalali)[1]
        return cls(firsts[0], last - timedelta(days=1))


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "text", "count", "money", "percent", "days"


@dataclass
class Report:
    name: Name
    by: By
    period: Period | None
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Group:
    """Figures gathered for one group, per currency where they are money."""

    label: str
    order: tuple[Any, ...]
    starts: date | None = None
    counts: dict[str, int] = field(default_factory=dict)
    amounts: dict[str, Amounts] = field(default_factory=dict)
    days: dict[str, float | None] = field(default_factory=dict)

    def add(self, name: str, value: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + value

    def add_amount(self, name: str, currency: str, minor: int) -> None:
        found = self.amounts.setdefault(name, {})
        found[currency] = found.get(currency, 0) + minor


# -- grouping ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Grouping:
    """How rows are put in groups: the SQL expression and how its values are named."""

    key: Any
    name: Callable[[Any], _Group]


def _grouping(
    session: Session,
    by: By,
    *,
    moment: Any = None,
    period: Period | None = None,
    jalali: bool = False,
) -> _Grouping:
    if by is By.MONTH:
        return _months(moment, period, jalali)
    if by is By.OWNER:
        names: dict[Any, str] = dict(session.execute(select(TeamMember.id, TeamMember.name)).all())
        return _Grouping(
            Deal.owner_id,
            lambda key: _Group(names.get(key, NO_OWNER), (key is None, names.get(key, ""))),
        )
    if by is By.SOURCE:
        return _Grouping(Deal.source, lambda key: _Group(key or NO_SOURCE, (not key, key or "")))
    stages = _stages(session)
    return _Grouping(
        Deal.stage_id,
        lambda key: _Group(stages.get(key, ("?", ()))[0], (stages.get(key, ("?", ()))[1], key)),
    )


def _stages(session: Session) -> dict[int, tuple[str, tuple[Any, ...]]]:
    """Each stage's name as a report says it, and its place: with more than one pipeline,
    "Renewals · Lead", pipeline by pipeline (every pipeline has a "Won")."""
    rows = session.execute(
        select(DealStage.id, DealStage.name, DealStage.position, Pipeline.name, Pipeline.position)
        .join(Pipeline, Pipeline.id == DealStage.pipeline_id)
        .order_by(Pipeline.position, Pipeline.id)
    ).all()
    several = len({row[3] for row in rows}) > 1
    return {
        stage_id: (f"{pipeline} · {name}" if several else name, (place, pipeline, position))
        for stage_id, name, position, pipeline, place in rows
    }


def _months(moment: Any, period: Period | None, jalali: bool) -> _Grouping:
    """Groups by the month ``moment`` (a date or timestamp column) falls in."""
    if period is None:
        raise ValidationError("a report by month needs a period (--from and --to)")
    firsts = month_starts(period.start, period.end, jalali=jalali)
    if len(firsts) - 1 > MAX_MONTHS:
        raise ValidationError(f"a report by month covers at most {MAX_MONTHS} months")
    timestamp = not isinstance(moment.type, Date)
    bounds = [local_day_start(day) if timestamp else day for day in firsts]
    key = case(
        (moment.is_(None), literal(-2)),
        (moment < bounds[0], literal(-1)),
        *((moment < bound, literal(index)) for index, bound in enumerate(bounds[1:])),
        else_=literal(len(firsts)),
    )

    def name(index: int) -> _Group:
        if index == -2:
            return _Group(NO_DATE, (2, 0))
        if index == -1:
            return _Group(BEFORE, (-1, 0))
        if index >= len(firsts) - 1:
            return _Group(AFTER, (1, 0))
        return _Group(month_label(firsts[index], jalali=jalali), (0, index), firsts[index])

    return _Grouping(key, name)


def _live() -> ColumnElement[bool]:
    return col(Deal.deleted_at).is_(None)


def closed_in(period: Period, outcome: Outcome | None = None) -> list[ColumnElement[bool]]:
    """Deals closed in ``period``, won or lost, or as ``outcome`` says (with ``DealStage``
    joined on the deal's stage)."""
    start, end = period.instants
    closed = col(Deal.closed_at)
    found = [_live(), closed >= start, closed < end]
    if outcome is not None:
        found.append(col(DealStage.outcome) == outcome.value)
    return found


def _won_in(period: Period) -> list[ColumnElement[bool]]:
    return closed_in(period, Outcome.WON)


def _probability() -> Any:
    return func.coalesce(Deal.probability, DealStage.probability)


# -- the reports ---------------------------------------------------------------------------


def pipeline(
    *,
    session: Session,
    by: By = By.STAGE,
    period: Period | None = None,
    jalali: bool = False,
) -> Report:
    """Open deals now: how many, their value and their value weighted by probability, per
    group; with a period, only those expected to close in it."""
    grouping = _grouping(session, by, moment=col(Deal.expected_close), period=period, jalali=jalali)
    conditions = deal_conditions(DealQuery(open_only=True))
    if period is not None:
        close = col(Deal.expected_close)
        conditions += [close >= period.start, close <= period.end]
    return _report(
        Name.PIPELINE,
        by,
        period,
        _values(session, grouping, conditions).values(),
        (Column("deals", "count"), Column("value", "money"), Column("weighted", "money")),
    )


def _values(session: Session, grouping: _Grouping, conditions: list[Any]) -> dict[Any, _Group]:
    """Per group, the deals meeting ``conditions``: how many, their value, their value
    weighted by probability."""
    statement = (
        select(grouping.key, Deal.currency, func.count(), *minor_sums(Deal.value_minor))
        .add_columns(*minor_sums(Deal.value_minor, _probability()))
        .join(DealStage, DealStage.id == Deal.stage_id)
        .where(*conditions)
        .group_by(grouping.key, Deal.currency)
    )
    groups: dict[Any, _Group] = {}
    for key, currency, count, high, low, weighted_high, weighted_low in session.execute(statement):
        group = groups.setdefault(key, grouping.name(key))
        group.add("deals", count)
        group.add_amount("value", currency, minor_total(high, low))
        group.add_amount("weighted", currency, minor_total(weighted_high, weighted_low))
    for group in groups.values():
        group.amounts["weighted"] = {
            currency: _percent_of(minor) for currency, minor in group.amounts["weighted"].items()
        }
    return groups


@dataclass(frozen=True)
class Totals:
    deals: int
    value: Amounts
    weighted: Amounts


def stage_totals(*, session: Session, query: DealQuery) -> dict[int, Totals]:
    """Per stage, the deals ``query`` finds: how many, their value and weighted value (the
    pipeline board's column headers)."""
    grouping = _Grouping(Deal.stage_id, lambda key: _Group(str(key), (key,)))
    return {
        key: Totals(group.counts["deals"], group.amounts["value"], group.amounts["weighted"])
        for key, group in _values(session, grouping, deal_conditions(query)).items()
    }


def forecast(
    *, session: Session, period: Period, by: By = By.MONTH, jalali: bool = False
) -> Report:
    """Open deals by when they are expected to close (the pipeline over time); by month,
    every month of the period, those nothing is expected in too."""
    report = pipeline(session=session, by=by, period=period, jalali=jalali)
    report.name = Name.FORECAST
    if by is By.MONTH:
        had = {row["starts"]: row for row in report.rows if "starts" in row}
        firsts = month_starts(period.start, period.end, jalali=jalali)[:-1]
        report.rows = [
            had.get(first)
            or {
                by.value: month_label(first, jalali=jalali),
                "starts": first,
                "deals": 0,
                "value": {},
                "weighted": {},
            }
            for first in firsts
        ]
    return report


def _percent_of(hundredths: int) -> int:
    """``hundredths`` / 100, rounded half to even: a sum of value × percent, in minor units."""
    return int((Decimal(hundredths) / 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def sales(*, session: Session, period: Period, by: By = By.MONTH, jalali: bool = False) -> Report:
    """Deals closed in the period: won, lost, the win rate, revenue and average deal size."""
    grouping = _grouping(session, by, moment=col(Deal.closed_at), period=period, jalali=jalali)
    groups = _sales_groups(session, period, grouping)
    return _report(
        Name.SALES,
        by,
        period,
        groups.values(),
        (
            Column("won", "count"),
            Column("lost", "count"),
            Column("win_rate", "percent"),
            Column("revenue", "money"),
            Column("average", "money"),
        ),
    )


def _sales_groups(session: Session, period: Period, grouping: _Grouping) -> dict[Any, _Group]:
    """Per group (all in one when ``grouping.key`` is None), the deals closed in the
    period: won, lost, the win rate, revenue and the average won deal per currency."""
    keys = [] if grouping.key is None else [grouping.key]
    statement = (
        select(*keys, DealStage.outcome, Deal.currency, func.count())
        .add_columns(*minor_sums(Deal.value_minor))
        .join(DealStage, DealStage.id == Deal.stage_id)
        .where(*closed_in(period))
        .group_by(*keys, DealStage.outcome, Deal.currency)
    )
    groups: dict[Any, _Group] = {}
    won_by_currency: dict[tuple[Any, str], int] = {}
    for row in session.execute(statement):
        key = row[0] if keys else None
        outcome, currency, count, high, low = row[len(keys) :]
        group = groups.setdefault(key, grouping.name(key))
        if outcome == Outcome.WON:
            group.add("won", count)
            group.add_amount("revenue", currency, minor_total(high, low))
            won_by_currency[key, currency] = won_by_currency.get((key, currency), 0) + count
        elif outcome == Outcome.LOST:
            group.add("lost", count)
    for key, group in groups.items():
        won, lost = group.counts.get("won", 0), group.counts.get("lost", 0)
        group.days["win_rate"] = round(100 * won / (won + lost), 1) if won + lost else None
        group.amounts["average"] = {
            currency: _divide(minor, won_by_currency[key, currency])
            for currency, minor in group.amounts.get("revenue", {}).items()
        }
    return groups


@dataclass(frozen=True)
class Sales:
    """A period's deals closed, all together."""

    won: int
    lost: int
    revenue: Amounts
    average: Amounts


def closed_deals(*, session: Session, period: Period) -> list[Closed]:
    """The deals closed in ``period``, grouped by stage, currency, owner (of those won) and
    lost reason, from the rollups (``crm_tui.rollups``)."""
    start, end = period.instants
    return rollups.closed_deals(session=session, start=start, end=end)


def sales_of(closed: Iterable[Closed]) -> Sales:
    """What ``closed`` (``closed_deals``) won and lost: revenue and the average won deal."""
    won = lost = 0
    revenue: Amounts = {}
    count: dict[str, int] = {}
    for group in closed:
        if group.outcome == Outcome.WON:
            won += group.deals
            revenue[group.currency] = revenue.get(group.currency, 0) + group.value_minor
            count[group.currency] = count.get(group.currency, 0) + group.deals
        elif group.outcome == Outcome.LOST:
            lost += group.deals
    average = {currency: _divide(minor, count[currency]) for currency, minor in revenue.items()}
    return Sales(won, lost, revenue, average)


def cycle_of(closed: Iterable[Closed]) -> tuple[int, float | None]:
    """How many of ``closed`` were won, and their average days from created to won."""
    won = [group for group in closed if group.outcome == Outcome.WON]
    count = sum(group.deals for group in won)
    days = sum(group.cycle_days for group in won)
    return count, (_round(days / count) if count else None)


def _divide(minor: int, count: int) -> int:
    return int((Decimal(minor) / count).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def cycle(
    *,
    session: Session,
    period: Period,
    by: By = By.STAGE,
    jalali: bool = False,
    closed: list[Closed] | None = None,
) -> Report:
    """How long the deals won in the period took: from created to won (the sales cycle),
    and by stage, how long they sat in each. ``closed``: what ``closed_deals`` says of the
    period, when the caller has read that already."""
    if closed is None:
        closed = closed_deals(session=session, period=period)
    count, average = cycle_of(closed)
    summary = {"won": count, "sales_cycle": average}
    if by is By.STAGE:
        groups = _stage_days(session, period)
        columns = (Column("deals", "count"), Column("days", "days"))
    else:
        grouping = _grouping(session, by, moment=col(Deal.closed_at), period=period, jalali=jalali)
        whole = days_between(session=session, start=Deal.created_at, end=Deal.closed_at)
        groups = {}
        rows = session.execute(
            select(grouping.key, func.count(), func.avg(whole))
            .join(DealStage, DealStage.id == Deal.stage_id)
            .where(*_won_in(period))
            .group_by(grouping.key)
        )
        for key, deals, days in rows:
            group = groups.setdefault(key, grouping.name(key))
            group.add("won", deals)
            group.days["sales_cycle"] = _round(days)
        columns = (Column("won", "count"), Column("sales_cycle", "days"))
    return _report(Name.CYCLE, by, period, groups.values(), columns, summary)


def _stage_days(session: Session, period: Period) -> dict[Any, _Group]:
    """For each open stage the deals won in ``period`` passed through: how many, and their
    average days in it (entered to left; a deal that entered a stage twice counts both
    stays), from the rollups."""
    start, end = period.instants
    stays = rollups.won_stays(session=session, start=start, end=end)
    names = _stages(session)
    opened = select(DealStage.id).where(
        col(DealStage.id).in_(list(stays)), DealStage.outcome == Outcome.OPEN.value
    )
    groups: dict[Any, _Group] = {}
    for stage_id in session.scalars(opened):
        stayed = stays[stage_id]
        name, place = names.get(stage_id, ("?", ()))
        group = groups.setdefault(stage_id, _Group(name, (place, stage_id)))
        group.add("deals", stayed.deals)
        group.days["days"] = _round(stayed.days / stayed.stays)
    return groups


def days_between(*, session: Session, start: Any, end: Any) -> Any:
    """Days from ``start`` to ``end`` (timestamps), with the fraction, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def _round(days: Any) -> float | None:
    return None if days is None else round(float(days), 1)


def team(*, session: Session, period: Period, closed: list[Closed] | None = None) -> Report:
    """Per team member: deals won in the period and their value; open deals and their value
    now; open tasks now. ``closed``: what ``closed_deals`` says of the period, when the
    caller has read that already."""
    names: dict[Any, str] = dict(session.execute(select(TeamMember.id, TeamMember.name)).all())
    groups: dict[Any, _Group] = {}

    def group_of(key: Any) -> _Group:
        label = names.get(key, NO_OWNER)
        return groups.setdefault(key, _Group(label, (key is None, label)))

    for won in closed if closed is not None else closed_deals(session=session, period=period):
        if won.outcome == Outcome.WON:
            group_of(won.owner_id).add("won", won.deals)
            group_of(won.owner_id).add_amount("value_won", won.currency, won.value_minor)
    still_open = session.execute(
        select(Deal.owner_id, Deal.currency, func.count(), *minor_sums(Deal.value_minor))
        .where(_live(), col(Deal.closed_at).is_(None))
        .group_by(Deal.owner_id, Deal.currency)
    )
    for owner, currency, count, high, low in still_open:
        group_of(owner).add("open_deals", count)
        group_of(owner).add_amount("open_value", currency, minor_total(high, low))
    tasks = session.execute(
        select(Task.assignee_id, func.count())
        .where(col(Task.deleted_at).is_(None), Task.status != TaskStatus.DONE.value)
        .group_by(Task.assignee_id)
    )
    for assignee, count in tasks:
        group_of(assignee).add("open_tasks", count)
    columns = (
        Column("won", "count"),
        Column("value_won", "money"),
        Column("open_deals", "count"),
        Column("open_value", "money"),
        Column("open_tasks", "count"),
    )
    return _report(Name.TEAM, By.OWNER, period, groups.values(), columns)


def _report(
    name: Name,
    by: By,
    period: Period | None,
    groups: Iterable[_Group],
    columns: Sequence[Column],
    summary: dict[str, Any] | None = None,
) -> Report:
    rows = []
    for group in sorted(groups, key=lambda g: g.order):
        row: dict[str, Any] = {by.value: group.label}
        if group.starts is not None:
            row["starts"] = group.starts
        for column in columns:
            if column.kind == "count":
                row[column.name] = group.counts.get(column.name, 0)
            elif column.kind == "money":
                row[column.name] = dict(group.amounts.get(column.name, {}))
            else:
                row[column.name] = group.days.get(column.name)
        rows.append(row)
    return Report(name, by, period, (Column(by.value, "text"), *columns), rows, summary or {})


def run(
    *,
    session: Session,
    name: Name,
    period: Period,
    by: By | None = None,
    jalali: bool = False,
) -> Report:
    """The report ``name`` over ``period``, grouped by ``by`` (each report's own default
    when None). The pipeline is of now: its period only applies when grouped by month."""
    allowed = _ALLOWED[name]
    chosen = by or allowed[0]
    if chosen not in allowed:
        choices = ", ".join(b.value for b in allowed)
        raise ValidationError(f"the {name.value} report is grouped by {choices}, not {chosen}")
    if name is Name.PIPELINE:
        return pipeline(
            session=session,
            by=chosen,
            period=period if chosen is By.MONTH else None,
            jalali=jalali,
        )
    if name is Name.FORECAST:
        return forecast(session=session, period=period, by=chosen, jalali=jalali)
    if name is Name.SALES:
        return sales(session=session, period=period, by=chosen, jalali=jalali)
    if name is Name.CYCLE:
        return cycle(session=session, period=period, by=chosen, jalali=jalali)
    return team(session=session, period=period)


_ALLOWED: dict[Name, tuple[By, ...]] = {
    Name.PIPELINE: (By.STAGE, By.OWNER, By.SOURCE, By.MONTH),
    Name.FORECAST: (By.MONTH, By.OWNER, By.SOURCE, By.STAGE),
    Name.SALES: (By.MONTH, By.OWNER, By.SOURCE, By.STAGE),
    Name.CYCLE: (By.STAGE, By.MONTH, By.OWNER, By.SOURCE),
    Name.TEAM: (By.OWNER,),
}
