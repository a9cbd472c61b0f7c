"""The rollup tables: per day (UTC), what the dashboard sums, kept by triggers on the rows
they count (migration 0021), so a period's figures read a row per day, not a row per
record. Only live records are counted; a row whose counts fell to zero stays."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Column, Date, Integer, String
from sqlmodel import Field, SQLModel


def _key(kind: Any = Integer) -> Any:
    return Field(sa_column=Column(kind(), primary_key=True, autoincrement=False))


def _count() -> Any:
    return Field(default=0, sa_column=Column(BigInteger(), nullable=False))


class InteractionDay(SQLModel, table=True):
    """Interactions that happened on a day, per channel, and how many were complaints."""

    __tablename__ = "interaction_day"
    __table_args__ = {"sqlite_with_rowid": False}

    day: date = _key(Date)
    channel: str = _key(String)
    interactions: int = _count()
    complaints: int = _count()


class ClosedDealDay(SQLModel, table=True):
    """Deals closed on a day, per stage they closed in (won or lost), currency, owner (of
    won deals; 0 otherwise) and lost reason (0: none): how many, their value in minor units
    as two halves (see ``crm_tui.services.reports.minor_sums``), and their milliseconds
    from created to closed."""

    __tablename__ = "closed_deal_day"
    __table_args__ = {"sqlite_with_rowid": False}

    day: date = _key(Date)
    stage_id: int = _key()
    currency: str = _key(String)
    owner_key: int = _key()
    reason_key: int = _key()
    deals: int = _count()
    value_high: int = _count()
    value_low: int = _count()
    cycle_ms: int = _count()


class WonStayDay(SQLModel, table=True):
    """The stays of deals won on a day, per stage stayed in: how many deals stayed there,
    how many stays (a deal may enter a stage twice) and their milliseconds."""

    __tablename__ = "won_stay_day"
    __table_args__ = {"sqlite_with_rowid": False}

    day: date = _key(Date)
    stage_id: int = _key()
    deals: int = _count()
    stays: int = _count()
    stay_ms: int = _count()
