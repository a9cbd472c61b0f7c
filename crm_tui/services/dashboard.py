"""The dashboard's figures for a period, beside the period before it: what was won and lost
and why, how long a sale took, what came in (leads) and what it became (customers), how
people were reached and what they complained about; with the forecast of the pipeline now
and each team member's numbers (``crm_tui.services.reports`` counts most of them).

Every figure is counted by the database; amounts stay per currency.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Integer, func, select, true
from sqlmodel import Session, col

from crm_tui.dates import month_starts
from crm_tui.models import Contact, ContactStatus, Interaction, LostReason
from crm_tui.rollups import read as rollups
from crm_tui.rollups.read import Closed
from crm_tui.services import reports
from crm_tui.services.reports import Amounts, Period, Report
from crm_tui.vocabulary import GroupBy, Outcome

FORECAST_MONTHS = 6
NO_REASON = "(no reason)"  # lost before reasons were asked, or its reason removed


class Span:
    """How long a dashboard period is: a month, a quarter or a year."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def period_of(day: date, span: str, *, jalali: bool = False) -> Period:
    """The month, quarter or year (of the calendar shown) ``day`` is in."""
    months = {Span.MONTH: 1, Span.QUARTER: 3, Span.YEAR: 12}[span]
    month = Period.month_of(day, jalali=jalali)
    first = month.start
    for _ in range(_month_index(day, jalali) % months):  # back to the span's first month
        first = Period.month_of(first - timedelta(days=1), jalali=jalali).start
    return Period.month_of(first, jalali=jalali, months=months)


def _month_index(day: date, jalali: bool) -> int:
    """``day``'s month as 0 to 11 in the calendar shown."""
    if jalali:
        import jdatetime

        return jdatetime.date.fromgregorian(date=day).month - 1
    return day.month - 1


def before(period: Period, *, jalali: bool = False) -> Period:
    """The period just before ``period``, as long: as many whole months when it is whole
    months (of the calendar shown), else as many days."""
    firsts = month_starts(period.start, period.end, jalali=jalali)
    whole = firsts[0] == period.start and firsts[-1] == period.end + timedelta(days=1)
    if not whole:
        days = (period.end - period.start).days + 1
        return Period(period.start - timedelta(days=days), period.start - timedelta(days=1))
    months = len(firsts) - 1
    start = period.start
    for _ in range(months):
        start = Period.month_of(start - timedelta(days=1), jalali=jalali).start
    return Period.month_of(start, jalali=jalali, months=months)


@dataclass
class Figures:
    """One period's numbers."""

    period: Period
    won: int = 0
    lost: int = 0
    revenue: Amounts = field(default_factory=dict)
    average: Amounts = field(default_factory=dict)
    cycle_days: float | None = None
    new_leads: int = 0
    converted: int = 0  # of the new leads, customers now
    lost_reasons: list[tuple[str, int]] = field(default_factory=list)
    channels: list[tuple[str, int]] = field(default_factory=list)
    complaints_opened: int = 0
    complaints_resolved: int = 0
    resolve_median_days: float | None = None

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return round(100 * self.won / closed, 1) if closed else None

    @property
    def conversion(self) -> float | None:
        return round(100 * self.converted / self.new_leads, 1) if self.new_leads else None


@dataclass
class Dashboard:
    current: Figures
    previous: Figures
    forecast: Report
    stage_days: Report
    team: Report


def build_dashboard(
    *,
    session: Session,
    period: Period,
    today: date,
    jalali: bool = False,
    wanted: Callable[[], bool] = lambda: True,
) -> Dashboard | None:
    """The dashboard for ``period`` beside the period before it; the forecast of the open
    deals runs from ``today``'s month on. ``wanted`` is asked between its parts: None when
    it says no (the screen has asked for another period since), the rest left unread."""
    previous = before(period, jalali=jalali)
    coming = Period.month_of(today, jalali=jalali, months=FORECAST_MONTHS)
    read: list[Any] = []
    parts: list[Callable[[], Any]] = [
        lambda: reports.closed_deals(session=session, period=period),
        lambda: reports.cycle(session=session, period=period, closed=read[0]),
        lambda: figures(session=session, period=period, closed=read[0]),
        lambda: figures(session=session, period=previous, charts=False),
        lambda: reports.forecast(session=session, period=coming, by=GroupBy.MONTH, jalali=jalali),
        lambda: reports.team(session=session, period=period, closed=read[0]),
    ]
    for part in parts:
        if not wanted():
            return None
        read.append(part())
    _, stage_days, current, before_it, forecast, team = read
    return Dashboard(current, before_it, forecast, stage_days, team)


def figures(
    *,
    session: Session,
    period: Period,
    charts: bool = True,
    closed: list[Closed] | None = None,
) -> Figures:
    """The figures of ``period``; ``charts``: with what its charts draw (lost reasons and
    channels), which the period shown beside it does without; ``closed``: what
    ``reports.closed_deals`` says of it, when the caller has read that already."""
    if closed is None:
        closed = reports.closed_deals(session=session, period=period)
    sales = reports.sales_of(closed)
    found = Figures(period, sales.won, sales.lost, sales.revenue, sales.average)
    found.cycle_days = reports.cycle_of(closed)[1]
    start, end = period.instants
    _leads(session, found, start, end)
    reached = rollups.channels(session=session, start=start, end=end)
    found.complaints_opened = sum(complaints for _, complaints in reached.values())
    _resolved(session, found, start, end)
    if charts:
        found.lost_reasons = _lost_reasons(session, closed)
        counts = [(channel, count) for channel, (count, _) in reached.items()]
        found.channels = sorted(counts, key=lambda pair: (-pair[1], pair[0]))
    return found


def _lost_reasons(session: Session, closed: list[Closed]) -> list[tuple[str, int]]:
    """Why the deals of ``closed`` were lost, the most common first."""
    reasons = select(col(LostReason.id), col(LostReason.name))
    names: dict[int, str] = {key: name for key, name in session.execute(reasons)}
    counts: dict[str, int] = {}
    for group in closed:
        if group.outcome == Outcome.LOST:
            name = names.get(group.reason_id, NO_REASON) if group.reason_id else NO_REASON
            counts[name] = counts.get(name, 0) + group.deals
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def _leads(session: Session, found: Figures, start: Any, end: Any) -> None:
    """Contacts added in the period, and how many of them are customers now."""
    created = col(Contact.created_at)
    customer = func.sum(func.cast(Contact.status == ContactStatus.CUSTOMER.value, Integer()))
    count, customers = session.execute(
        select(func.count(), customer).where(
            col(Contact.deleted_at).is_(None), created >= start, created < end
        )
    ).one()
    found.new_leads, found.converted = count, int(customers or 0)


def _resolved(session: Session, found: Figures, start: Any, end: Any) -> None:
    """Complaints resolved in the period, and the median days it took."""
    took = reports.days_between(
        session=session, start=Interaction.occurred_at, end=Interaction.resolved_at
    )
    resolved = col(Interaction.resolved_at)
    days = [
        float(value)
        for value in session.scalars(
            select(took).where(
                col(Interaction.deleted_at).is_(None),
                col(Interaction.complaint) == true(),  # "= 1", not "IS 1": uses the index
                resolved >= start,
                resolved < end,
            )
        )
    ]
    found.complaints_resolved = len(days)
    found.resolve_median_days = round(statistics.median(days), 1) if days else None
