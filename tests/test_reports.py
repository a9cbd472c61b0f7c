"""Sales reports on both databases, against numbers worked out by hand on a fixed fixture:
per-currency totals, weighted forecasts, win rate, cycle length, time in each stage, the
team; months in local time and in the Jalali calendar; sums past 64 bits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlmodel import Session, col

from crm_tui.db import Database
from crm_tui.models import Deal, DealStageChange
from crm_tui.schemas import DealCreate
from crm_tui.services import deals, reports
from crm_tui.services.reports import By, Name, Period
from crm_tui.services.team import add_member

APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))


def _at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _deal(session: Session, title: str, minor: int, currency: str = "EUR", **values: object) -> int:
    data = DealCreate.build(title=title, value_minor=minor, currency=currency, **values)
    return deals.create_deal(session=session, data=data).id


def _history(session: Session, deal_id: int, created: datetime, *moves: tuple[str, datetime]):
    """Walk the deal through ``moves`` (stage, when), then set every recorded time."""
    for stage, _ in moves:
        ref = deals.find_stage(session=session, ref=stage)
        deals.move_deal(session=session, deal_id=deal_id, stage_id=ref.id, lost_reason="Price")
    changes = session.scalars(
        DealStageChange.__table__.select()  # type: ignore[attr-defined]
        .where(DealStageChange.deal_id == deal_id)
        .order_by(DealStageChange.id)
    ).all()
    times = [created, *(when for _, when in moves)]
    entered = [None, *times[:-1]]  # each change left the stage the one before entered
    for change_id, when, since in zip(changes, times, entered, strict=True):
        session.execute(
            update(DealStageChange)
            .where(col(DealStageChange.id) == change_id)
            .values(changed_at=when, from_entered_at=since)
        )
    closed = times[-1] if moves and moves[-1][0] in ("Won", "Lost") else None
    session.execute(
        update(Deal)
        .where(col(Deal.id) == deal_id)
        .values(created_at=created, stage_entered_at=times[-1], closed_at=closed)
    )


@pytest.fixture
def fixture(session: Session, local_zone: Callable[[str], None]) -> Session:
    """The deals of ``_build``; local time is Tehran's (03:30 ahead of UTC)."""
    local_zone("Asia/Tehran")
    _build(session)
    return session


def _build(session: Session) -> None:
    """Three open deals, two won and one lost around April 2026, one won in the trash."""
    sara, omar = (add_member(session=session, name=n, username=n.lower()) for n in ("Sara", "Omar"))
    a = _deal(session, "A", 100_000, owner_id=sara.id, expected_close=date(2026, 4, 10))
    _history(session, a, _at(2026, 3, 1, 9), ("Proposal", _at(2026, 3, 5, 9)))
    b = _deal(
        session, "B", 200_000, owner_id=sara.id, probability=90, expected_close=date(2026, 5, 20)
    )
    _history(session, b, _at(2026, 3, 1, 9), ("Negotiation", _at(2026, 3, 10, 9)))
    _deal(session, "C", 50_000_000, "IRR", expected_close=date(2026, 4, 30))
    d = _deal(session, "D", 300_000, owner_id=omar.id)
    _history(
        session,
        d,
        _at(2026, 1, 1, 9),
        ("Qualified", _at(2026, 1, 11, 9)),
        ("Proposal", _at(2026, 1, 21, 9)),
        ("Won", _at(2026, 3, 31, 21)),  # 1 April, 00:30 in Tehran
    )
    e = _deal(session, "E", 10_000_000, "IRR", owner_id=omar.id)
    _history(session, e, _at(2026, 4, 1, 0), ("Won", _at(2026, 4, 11, 0)))
    f = _deal(session, "F", 50_000, owner_id=sara.id)
    _history(session, f, _at(2026, 4, 2, 0), ("Lost", _at(2026, 4, 15, 0)))
    g = _deal(session, "G", 999_999, owner_id=omar.id)
    _history(session, g, _at(2026, 4, 2, 0), ("Won", _at(2026, 4, 3, 0)))
    deals.delete_deals(session=session, deal_ids=[g])
    session.flush()


def test_the_pipeline_by_stage_weighs_each_currency_apart(fixture: Session) -> None:
    report = reports.pipeline(session=fixture)
    assert report.rows == [
        {"stage": "Lead", "deals": 1, "value": {"IRR": 50_000_000}, "weighted": {"IRR": 5_000_000}},
        {"stage": "Proposal", "deals": 1, "value": {"EUR": 100_000}, "weighted": {"EUR": 50_000}},
        # Its own 90% over the stage's 75%.
        {
            "stage": "Negotiation",
            "deals": 1,
            "value": {"EUR": 200_000},
            "weighted": {"EUR": 180_000},
        },
    ]


def test_the_forecast_puts_open_deals_in_the_month_they_should_close(fixture: Session) -> None:
    report = reports.forecast(session=fixture, period=Period(date(2026, 4, 1), date(2026, 5, 31)))
    assert [
        (r["month"], r["starts"], r["deals"], r["value"], r["weighted"]) for r in report.rows
    ] == [
        (
            "2026-04",
            date(2026, 4, 1),
            2,
            {"EUR": 100_000, "IRR": 50_000_000},
            {"EUR": 50_000, "IRR": 5_000_000},
        ),
        ("2026-05", date(2026, 5, 1), 1, {"EUR": 200_000}, {"EUR": 180_000}),
    ]


def test_sales_count_a_close_in_the_local_month_it_happened(fixture: Session) -> None:
    april = reports.sales(session=fixture, period=APRIL)
    assert april.rows == [
        {
            "month": "2026-04",
            "starts": date(2026, 4, 1),
            "won": 2,
            "lost": 1,
            "win_rate": 66.7,
            "revenue": {"EUR": 300_000, "IRR": 10_000_000},
            "average": {"EUR": 300_000, "IRR": 10_000_000},
        }
    ]
    march = reports.sales(session=fixture, period=Period(date(2026, 3, 1), date(2026, 3, 31)))
    assert march.rows == []  # D was won at 21:00 UTC on 31 March: 1 April here
    by_owner = reports.sales(session=fixture, period=APRIL, by=By.OWNER)
    assert [(r["owner"], r["won"], r["lost"], r["win_rate"]) for r in by_owner.rows] == [
        ("Omar", 2, 0, 100.0),
        ("Sara", 0, 1, 0.0),
    ]


def test_jalali_months_group_by_their_own_first_day(fixture: Session) -> None:
    farvardin = Period(date(2026, 3, 21), date(2026, 4, 20))  # 1405-01-01 to 1405-01-31
    report = reports.sales(session=fixture, period=farvardin, jalali=True)
    assert [(r["month"], r["starts"], r["won"], r["lost"]) for r in report.rows] == [
        ("1405-01", date(2026, 3, 21), 2, 1)
    ]
    assert Period.month_of(date(2026, 4, 1), jalali=True) == farvardin


def test_the_cycle_and_the_days_in_each_stage(fixture: Session) -> None:
    report = reports.cycle(session=fixture, period=APRIL)
    # D: created 1 Jan 09:00, won 31 Mar 21:00: 89.5 days; E: 10 days.
    assert report.summary == {"won": 2, "sales_cycle": 49.8}
    assert report.rows == [
        {"stage": "Lead", "deals": 2, "days": 10.0},
        {"stage": "Qualified", "deals": 1, "days": 10.0},
        {"stage": "Proposal", "deals": 1, "days": 69.5},
    ]
    by_owner = reports.cycle(session=fixture, period=APRIL, by=By.OWNER)
    assert by_owner.rows == [{"owner": "Omar", "won": 2, "sales_cycle": 49.8}]


def test_the_team_report(fixture: Session) -> None:
    report = reports.team(session=fixture, period=APRIL)
    assert report.rows == [
        {
            "owner": "Omar",
            "won": 2,
            "value_won": {"EUR": 300_000, "IRR": 10_000_000},
            "open_deals": 0,
            "open_value": {},
            "open_tasks": 0,
        },
        {
            "owner": "Sara",
            "won": 0,
            "value_won": {},
            "open_deals": 2,
            "open_value": {"EUR": 300_000},
            "open_tasks": 0,
        },
        {
            "owner": "(no owner)",
            "won": 0,
            "value_won": {},
            "open_deals": 1,
            "open_value": {"IRR": 50_000_000},
            "open_tasks": 0,
        },
    ]


def test_sums_past_64_bits_stay_exact(session: Session) -> None:
    big = 10**18  # 10**15 dinars: the largest amount accepted, in BHD's thousandths
    for i in range(12):
        _deal(session, f"Big {i}", big, "BHD")
    report = reports.pipeline(session=session)
    assert report.rows == [
        {
            "stage": "Lead",
            "deals": 12,
            "value": {"BHD": 12 * big},
            "weighted": {"BHD": 12 * big // 10},
        }
    ]


def test_a_report_grouped_in_a_way_it_is_not_says_so(session: Session) -> None:
    with pytest.raises(reports.ValidationError, match="grouped by owner, not month"):
        reports.run(session=session, name=Name.TEAM, period=APRIL, by=By.MONTH)
    with pytest.raises(reports.ValidationError, match=r"ends .* before it starts"):
        Period(date(2026, 4, 2), date(2026, 4, 1))


@pytest.mark.slow
def test_the_report_command_agrees_with_the_service(db: Database, db_url: str) -> None:
    with db.write() as session:
        _build(session)
    env = {**os.environ, "TZ": "Asia/Tehran", "CRM_DB": db_url}
    command = [sys.executable, "-m", "crm_tui", "report", "sales", "--from", "2026-04-01"]
    done = subprocess.run(
        [*command, "--to", "2026-04-30", "--json"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert (found["from"], found["to"], found["by"]) == ("2026-04-01", "2026-04-30", "month")
    assert found["rows"][0]["revenue"] == {"EUR": "3000.00", "IRR": "10000000"}
    assert found["rows"][0]["win_rate"] == 66.7
    done = subprocess.run(
        [*command, "--to", "2026-04-30", "--csv"], env=env, capture_output=True, text=True
    )
    assert done.stdout.splitlines() == [
        "month,starts,won,lost,win_rate,revenue_EUR,revenue_IRR,average_EUR,average_IRR",
        "2026-04,2026-04-01,2,1,66.7,3000.00,10000000,3000.00,10000000",
    ]
    # The months of the calendar chosen in the settings (found missing on a walk: the
    # months were Gregorian until the settings were read).
    jalali = {**env, "CRM_CALENDAR": "jalali"}
    farvardin = [sys.executable, "-m", "crm_tui", "report", "sales", "--from", "1405-01-01"]
    done = subprocess.run(
        [*farvardin, "--to", "1405-01-31", "--csv"], env=jalali, capture_output=True, text=True
    )
    first = "1405-01,2026-03-21,2,1,66.7,3000.00,10000000,3000.00,10000000"
    assert done.stdout.splitlines()[1] == first, done.stderr
    done = subprocess.run(
        [*command, "--by", "month", "--to", "2026-03-01"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.startswith("crm: error: the period ends (2026-03-01) before it starts")


def test_the_upgrade_gives_each_stored_change_when_the_stage_it_left_was_entered(
    fixture: Session,
) -> None:
    """Migration 0013's backfill: stage changes stored without it get it from the change
    before them, and the days in each stage come out as they did."""
    import importlib.util

    from crm_tui import migrations

    path = Path(migrations.__file__).parent / "versions" / "0013_stage_stays.py"
    spec = importlib.util.spec_from_file_location("stage_stays", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    before = reports.cycle(session=fixture, period=APRIL).rows
    stored = select(DealStageChange.id, DealStageChange.from_entered_at)
    kept = dict(fixture.execute(stored).all())
    fixture.execute(update(DealStageChange).values(from_entered_at=None))
    fixture.execute(text(migration._BACKFILL))
    assert dict(fixture.execute(stored).all()) == kept
    assert reports.cycle(session=fixture, period=APRIL).rows == before


def test_with_two_pipelines_a_stage_is_named_with_its_pipeline(session: Session) -> None:
    """Every pipeline has a Lead and a Won: a report by stage says whose."""
    from crm_tui.services.stages import add_pipeline

    renewals = add_pipeline(session=session, name="Renewals")
    lead = next(s for s in deals.stages(session=session, pipeline_id=renewals.id) if s.name)
    sales = _deal(session, "Logo", 500)
    renewal = _deal(session, "Support", 700, stage_id=lead.id)
    for deal_id in (sales, renewal):
        deals.win_deal(session=session, deal_id=deal_id)
    today = deals.get_deal(session=session, deal_id=sales).closed_at.astimezone().date()
    month = Period(today.replace(day=1), today)
    by_stage = reports.run(session=session, name=Name.SALES, period=month, by=By.STAGE)
    assert [(row["stage"], row["won"]) for row in by_stage.rows] == [
        ("Sales · Won", 1),
        ("Renewals · Won", 1),
    ]
    stays = reports.run(session=session, name=Name.CYCLE, period=month)
    assert [row["stage"] for row in stays.rows] == ["Sales · Lead", "Renewals · " + lead.name]


def test_a_forecast_by_month_has_every_month_of_its_period(session: Session) -> None:
    """A month nothing is expected to close in is a row of nothing, not a gap."""
    _deal(session, "Logo", 500, expected_close=date(2026, 5, 20))
    three = Period(date(2026, 4, 1), date(2026, 6, 30))
    found = reports.forecast(session=session, period=three)
    assert [(row["month"], row["deals"], row["value"]) for row in found.rows] == [
        ("2026-04", 0, {}),
        ("2026-05", 1, {"EUR": 500}),
        ("2026-06", 0, {}),
    ]
