"""A period's sums from the rollups: its whole days (UTC) from the rollup tables, the
part-days at its ends (a local midnight is rarely a UTC one) from the rows themselves,
grouped the same way and added. ``check`` recounts the rollups from the rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import BigInteger, Date, Integer, case, cast, func, select
from sqlmodel import Session, col

from crm_tui.minor_sums import minor_sums, minor_total
from crm_tui.models import Deal, DealStage, DealStageChange, Interaction
from crm_tui.rollups.tables import ClosedDealDay, InteractionDay, WonStayDay
from crm_tui.vocabulary import Outcome

_DAY_MS = 86_400_000


@dataclass(frozen=True)
class Split:
    """A span of time as whole UTC days (first and last, None: none) and the rest."""

    days: tuple[date, date] | None
    edges: tuple[tuple[datetime, datetime], ...]


def split(start: datetime, end: datetime) -> Split:
    """``start`` to ``end`` (aware; ``end`` not included) as whole UTC days and the part-days
    around them."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first = start.date() if start.time() == time(0) else start.date() + timedelta(days=1)
    after = end.date()  # the first day not whole in it
    if first >= after:
        return Split(None, ((start, end),) if start < end else ())
    first_start = datetime.combine(first, time(0), UTC)
    after_start = datetime.combine(after, time(0), UTC)
    edges = tuple(
        (low, high) for low, high in ((start, first_start), (after_start, end)) if low < high
    )
    return Split((first, after - timedelta(days=1)), edges)


# -- what the rows count: what a rollup holds, over a span (None: all time) ------------


def utc_day(session: Session, moment: Any) -> Any:
    """The UTC day of ``moment`` (a timestamp column), as the triggers take it."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", moment), Date())
    return func.date(moment)


def milliseconds(session: Session, start: Any, end: Any) -> Any:
    """Whole milliseconds from ``start`` to ``end`` (timestamps), as the triggers count."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.round(func.extract("epoch", end - start) * 1000), BigInteger())
    return cast(func.round((func.julianday(end) - func.julianday(start)) * _DAY_MS), Integer())


Span = tuple[datetime, datetime] | None


def _counted(session: Session, moment: Any, keys: list[Any], sums: list[Any], span: Span) -> Any:
    """``keys`` and ``sums`` of the rows whose ``moment`` is in ``span``: grouped by the
    keys, and by day when ``span`` is None (all time, as a rollup holds it)."""
    if span is None:
        keys = [utc_day(session, moment), *keys]
    statement = select(*keys, *sums)
    if span is not None:
        statement = statement.where(moment >= span[0], moment < span[1])
    return statement.group_by(*keys)


def _interactions(session: Session, span: Span) -> Any:
    return _counted(
        session,
        col(Interaction.occurred_at),
        [Interaction.channel],
        [func.count(), func.sum(cast(col(Interaction.complaint), Integer()))],
        span,
    ).where(col(Interaction.deleted_at).is_(None))


def _closed(session: Session, span: Span) -> Any:
    closed = col(Deal.closed_at)
    won = col(DealStage.outcome) == Outcome.WON.value
    owner = case((won, func.coalesce(Deal.owner_id, 0)), else_=0)
    keys = [Deal.stage_id, Deal.currency, owner, func.coalesce(Deal.lost_reason_id, 0)]
    sums = [
        func.count(),
        *minor_sums(col(Deal.value_minor)),
        func.sum(milliseconds(session, col(Deal.created_at), closed)),
    ]
    return (
        _counted(session, closed, keys, sums, span)
        .join(DealStage, DealStage.id == Deal.stage_id)
        .where(col(Deal.deleted_at).is_(None), closed.is_not(None))
    )


def _stays(session: Session, span: Span) -> Any:
    change = DealStageChange
    sums = [
        func.count(func.distinct(change.deal_id)),
        func.count(),
        func.sum(milliseconds(session, col(change.from_entered_at), col(change.changed_at))),
    ]
    return (
        _counted(session, col(Deal.closed_at), [change.from_stage_id], sums, span)
        .select_from(change)
        .join(Deal, Deal.id == change.deal_id)
        .join(DealStage, DealStage.id == Deal.stage_id)
        .where(
            col(Deal.deleted_at).is_(None),
            col(Deal.closed_at).is_not(None),
            col(DealStage.outcome) == Outcome.WON.value,
            col(change.from_stage_id).is_not(None),
            col(change.from_entered_at).is_not(None),
        )
    )


@dataclass(frozen=True)
class _Rollup:
    table: Any
    keys: tuple[str, ...]
    sums: tuple[str, ...]
    rows: Callable[[Session, Span], Any]


_ROLLUPS = (
    _Rollup(InteractionDay, ("channel",), ("interactions", "complaints"), _interactions),
    _Rollup(
        ClosedDealDay,
        ("stage_id", "currency", "owner_key", "reason_key"),
        ("deals", "value_high", "value_low", "cycle_ms"),
        _closed,
    ),
    _Rollup(WonStayDay, ("stage_id",), ("deals", "stays", "stay_ms"), _stays),
)


def _sums(
    session: Session, rollup: _Rollup, start: datetime, end: datetime
) -> dict[Any, list[int]]:
    """Per key, the sums from ``start`` to ``end``: whole days from the rollup, the rest
    from the rows."""
    part = split(start, end)
    rows: list[Any] = []
    if part.days is not None:
        table = rollup.table
        day = table.__table__.c.day
        keys = [table.__table__.c[name] for name in rollup.keys]
        rows += session.execute(
            select(*keys, *(func.sum(table.__table__.c[name]) for name in rollup.sums))
            .where(day >= part.days[0], day <= part.days[1])
            .group_by(*keys)
        ).all()
    for edge in part.edges:
        rows += session.execute(rollup.rows(session, edge)).all()
    return _sums_of(rows, rollup)


def _sums_of(rows: Iterable[Any], rollup: _Rollup) -> dict[Any, list[int]]:
    """``rows`` (keys, then sums) added up per key; a key whose sums are all 0 (what a
    rollup keeps of records gone) is left out."""
    found: dict[Any, list[int]] = {}
    width = len(rollup.keys)
    for row in rows:
        key = row[0] if width == 1 else tuple(row[:width])
        had = found.setdefault(key, [0] * len(rollup.sums))
        for index, value in enumerate(row[width:]):
            had[index] += int(value or 0)
    return {key: sums for key, sums in found.items() if any(sums)}


# -- the figures ------------------------------------------------------------------------------


def channels(*, session: Session, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
    """Per channel, the live interactions from ``start`` to ``end`` and how many of them
    were complaints."""
    found = _sums(session, _ROLLUPS[0], start, end)
    return {channel: (count, complaints) for channel, (count, complaints) in found.items() if count}


@dataclass(frozen=True)
class Closed:
    """Deals closed in a period, of one stage, currency, owner (won deals' only: None for
    lost deals and won ones without an owner) and lost reason."""

    stage_id: int
    outcome: str
    currency: str
    owner_id: int | None
    reason_id: int | None
    deals: int
    value_minor: int
    cycle_days: float  # created to closed, all of them together


def closed_deals(*, session: Session, start: datetime, end: datetime) -> list[Closed]:
    """The live deals closed from ``start`` to ``end``, grouped as ``Closed`` says."""
    found = _sums(session, _ROLLUPS[1], start, end)
    stages = select(col(DealStage.id), col(DealStage.outcome))
    outcomes: dict[int, str] = {key: outcome for key, outcome in session.execute(stages)}
    return [
        Closed(
            stage_id,
            outcomes.get(stage_id, Outcome.OPEN.value),
            currency,
            owner or None,
            reason or None,
            deals,
            minor_total(high, low),
            cycle_ms / _DAY_MS,
        )
        for (stage_id, currency, owner, reason), (deals, high, low, cycle_ms) in found.items()
        if deals
    ]


@dataclass(frozen=True)
class Stays:
    """A stage's stays by the deals won in a period."""

    deals: int
    stays: int
    days: float  # all of them together


def won_stays(*, session: Session, start: datetime, end: datetime) -> dict[int, Stays]:
    """Per stage stayed in, the stays of the live deals won from ``start`` to ``end``."""
    found = _sums(session, _ROLLUPS[2], start, end)
    return {
        stage_id: Stays(deals, stays, ms / _DAY_MS)
        for stage_id, (deals, stays, ms) in found.items()
        if stays
    }


# -- checking -------------------------------------------------------------------------------


def check(*, session: Session) -> list[str]:
    """Where the rollups disagree with the rows: one line per table that does (none: they
    agree). Recounts every row: for ``crm doctor`` and the tests, not for a screen."""
    problems = []
    for rollup in _ROLLUPS:
        table = rollup.table.__table__
        names = ["day", *rollup.keys, *rollup.sums]
        kept = {
            _comparable(row)
            for row in session.execute(select(*(table.c[name] for name in names)))
            if any(row[1 + len(rollup.keys) :])
        }
        counted = {_comparable(row) for row in session.execute(rollup.rows(session, None))}
        if kept != counted:
            problems.append(
                f"{table.name}: {len(kept ^ counted)} rows differ from what the records count"
            )
    return problems


def _comparable(row: Any) -> tuple[str, ...]:
    day, *rest = row
    return (str(day)[:10], *(str(value) for value in rest))


def rebuild(*, session: Session) -> None:
    """Count the rollups again from the rows (``crm doctor --fix``)."""
    for rollup in _ROLLUPS:
        table = rollup.table.__table__
        session.execute(table.delete())
        names = ["day", *rollup.keys, *rollup.sums]
        session.execute(table.insert().from_select(names, rollup.rows(session, None)))
