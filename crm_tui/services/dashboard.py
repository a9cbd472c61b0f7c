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
from crm_tui.models import Contact, ContactStatus, Deal, DealStage, Interaction, LostReason
from crm_tui.services import reports
from crm_tui.services.reports import Amounts, Period, Report
from crm_tui.vocabulary import Channel, GroupBy, Outcome

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
        lambda: reports.cycle(session=session, period=period),
        lambda: figures(session=session, period=period, cycle=_cycle(read[0])),
        lambda: figures(session=session, period=previous, charts=False),
        lambda: reports.forecast(session=session, period=coming, by=GroupBy.MONTH, jalali=jalali),
        lambda: reports.team(session=session, period=period),
    ]
    for part in parts:
        if not wanted():
            return None
        read.append(part())
    stage_days, current, before_it, forecast, team = read
    return Dashboard(current, before_it, forecast, stage_days, team)


def _cycle(stage_days: Report) -> tuple[int, float | None]:
    """What the cycle report says of the sales cycle (the tile's too)."""
    return stage_days.summary["won"], stage_days.summary["sales_cycle"]


def figures(
    *,
    session: Session,
    period: Period,
    charts: bool = True,
    cycle: tuple[int, float | None] | None = None,
) -> Figures:
    """The figures of ``period``; ``charts``: with what its charts draw (lost reasons and
    channels), which the period shown beside it does without; ``cycle``: what
    ``reports.sales_cycle`` says of it, when the caller has read that already."""
    sales = reports.sales_totals(session=session, period=period)
    found = Figures(period, sales.won, sales.lost, sales.revenue, sales.average)
    start, end = period.instants
    found.cycle_days = (cycle or reports.sales_cycle(session=session, period=period))[1]
    _leads(session, found, start, end)
    _complaints(session, found, start, end)
    if charts:
        found.lost_reasons = _lost_reasons(session, period)
        found.channels = _channels(session, start, end)
    return found


def _lost_reasons(session: Session, period: Period) -> list[tuple[str, int]]:
    """Why deals were lost in the period, the most common first."""
    rows = session.execute(
        select(LostReason.name, func.count())
        .select_from(Deal)
        .join(DealStage, DealStage.id == Deal.stage_id)
        .join(LostReason, LostReason.id == Deal.lost_reason_id, isouter=True)
        .where(*reports.closed_in(period, Outcome.LOST))
        .group_by(LostReason.name)
    )
    found = [(name or NO_REASON, count) for name, count in rows]
    return sorted(found, key=lambda pair: (-pair[1], pair[0]))


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


def _channels(session: Session, start: Any, end: Any) -> list[tuple[str, int]]:
    """Interactions in the period per channel, the most used first: a count per channel,
    each a range of the (channel, occurred_at) index (one GROUP BY read every row)."""
    when = col(Interaction.occurred_at)
    counts = []
    for channel in Channel:
        count = session.scalar(
            select(func.count()).where(
                col(Interaction.deleted_at).is_(None),
                Interaction.channel == channel.value,
                when >= start,
                when < end,
            )
        )
        if count:
            counts.append((channel.value, count))
    return sorted(counts, key=lambda pair: (-pair[1], pair[0]))


def _complaints(session: Session, found: Figures, start: Any, end: Any) -> None:
    """Complaints made in the period; those resolved in it, and the median days it took."""
    live = col(Interaction.deleted_at).is_(None)
    # "= 1", not "IS 1": only an equality lets the complaints' index find them.
    complaint = col(Interaction.complaint) == true()
    when, resolved = col(Interaction.occurred_at), col(Interaction.resolved_at)
    found.complaints_opened = (
        session.scalar(select(func.count()).where(live, complaint, when >= start, when < end)) or 0
    )
    took = reports.days_between(
        session=session, start=Interaction.occurred_at, end=Interaction.resolved_at
    )
    days = [
        float(value)
        for value in session.scalars(
            select(took).where(live, complaint, resolved >= start, resolved < end)
        )
    ]
    found.complaints_resolved = len(days)
    found.resolve_median_days = round(statistics.median(days), 1) if days else None
