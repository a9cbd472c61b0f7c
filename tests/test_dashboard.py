"""The dashboard: periods of the calendar shown and the one before each; its figures against
the reports' and hand-made data; the screen (``6``) following a deal won on the pipeline."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from crm_tui import display
from crm_tui.db import Database
from crm_tui.schemas import DealCreate, InteractionCreate
from crm_tui.services import deals
from crm_tui.services.dashboard import Span, before, build_dashboard, figures, period_of
from crm_tui.services.interactions import create_interaction, resolve_complaint
from crm_tui.services.reports import Name, Period
from screens.dashboard import DashboardScreen
from tests.conftest import FIXED_TODAY, add_contact
from tests.screens_helpers import make_app, settle


def test_periods_are_the_calendars_months_quarters_and_years() -> None:
    day = date(2026, 12, 5)  # 1405-09-14 in the Jalali calendar
    assert period_of(day, Span.MONTH) == Period(date(2026, 12, 1), date(2026, 12, 31))
    assert period_of(day, Span.QUARTER) == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert period_of(day, Span.YEAR) == Period(date(2026, 1, 1), date(2026, 12, 31))
    autumn = period_of(day, Span.QUARTER, jalali=True)  # Mehr to Azar 1405
    assert autumn == Period(date(2026, 9, 23), date(2026, 12, 21))
    assert before(autumn, jalali=True) == Period(date(2026, 6, 22), date(2026, 9, 22))
    assert period_of(day, Span.YEAR, jalali=True) == Period(date(2026, 3, 21), date(2027, 3, 20))
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    assert before(march) == Period(date(2026, 2, 1), date(2026, 2, 28))
    odd = Period(date(2026, 3, 10), date(2026, 3, 19))  # not whole months: as many days
    assert before(odd) == Period(date(2026, 2, 28), date(2026, 3, 9))


def test_the_figures_agree_with_the_reports_and_count_complaints(session: Session) -> None:
    sara = add_contact(session, "Sara Ahmadi")
    won = deals.create_deal(
        session=session,
        data=DealCreate.build(title="Logo", currency="EUR", value_minor=50_000, contact_id=sara),
    )
    deals.win_deal(session=session, deal_id=won.id)
    lost = deals.create_deal(
        session=session, data=DealCreate.build(title="Site", currency="IRR", value_minor=10**9)
    )
    deals.lose_deal(session=session, deal_id=lost.id, reason="Timing")
    complaint = create_interaction(
        session=session,
        data=InteractionCreate.build(
            contact_ids=[sara], subject="Late", channel="email", complaint=True
        ),
    )
    resolve_complaint(session=session, interaction_id=complaint.id)
    today = deals.get_deal(session=session, deal_id=won.id).closed_at.astimezone().date()
    month = period_of(today, Span.MONTH)
    found = figures(session=session, period=month)
    assert (found.won, found.lost, found.win_rate) == (1, 1, 50.0)
    assert found.revenue == {"EUR": 50_000} and found.average == {"EUR": 50_000}
    assert found.lost_reasons == [("Timing", 1)]
    assert found.channels == [("email", 1)]
    assert (found.complaints_opened, found.complaints_resolved) == (1, 1)
    assert found.resolve_median_days is not None and found.resolve_median_days < 1
    assert (found.new_leads, found.converted) == (1, 0)
    from crm_tui.services import reports

    sales = reports.run(session=session, name=Name.SALES, period=month)
    assert [(r["won"], r["lost"], r["revenue"]) for r in sales.rows] == [(1, 1, {"EUR": 50_000})]
    board = build_dashboard(session=session, period=month, today=today)
    assert board is not None and board.previous.won == 0 and board.current.won == 1


def test_a_dashboard_no_longer_wanted_stops_being_read(session: Session) -> None:
    asked: list[int] = []

    def wanted() -> bool:  # wanted for its first two parts, then another period is asked
        asked.append(1)
        return len(asked) <= 2

    month = period_of(FIXED_TODAY, Span.MONTH)
    assert build_dashboard(session=session, period=month, today=FIXED_TODAY, wanted=wanted) is None
    assert len(asked) == 3
    whole = build_dashboard(session=session, period=month, today=FIXED_TODAY)
    assert whole is not None and whole.current.period == month


async def test_a_deal_won_on_the_pipeline_shows_on_the_dashboard(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        before_won = screen.dashboard.current.won
        tile = str(screen.query_one("#tile-1").render())
        assert tile.splitlines()[1].startswith(f"{before_won} / ")
        await pilot.press("5")
        await settle(pilot)
        card = app.screen.board.current
        assert card is not None and card.outcome == "open"
        this_month = period_of(date.today(), Span.MONTH)  # when w wins it: now, not the app's day
        with demo_db.read() as session:
            won_before = figures(session=session, period=this_month).won
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        with demo_db.read() as session:
            assert figures(session=session, period=this_month).won == won_before + 1
            shown = figures(session=session, period=screen.dashboard.current.period)
        assert screen.dashboard.current.won == shown.won  # read again on showing
        await pilot.press("y")
        await settle(pilot)
        year = screen.dashboard.current
        assert year.period == period_of(FIXED_TODAY, Span.YEAR)
        with demo_db.read() as session:
            assert year.won == figures(session=session, period=year.period).won
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.dashboard.current.period == Period(date(2025, 1, 1), date(2025, 12, 31))


async def test_enter_on_a_figure_opens_the_records_behind_it(demo_db: Database) -> None:
    """The deals won in the year on the pipeline, their totals the revenue; the contacts
    added in it; the complaints resolved in it; the deals lost in it: each as many as the
    figure says, and escape there shows everything again."""
    from screens.contacts import ContactsScreen
    from screens.interactions import LogScreen
    from screens.pipeline import PipelineScreen

    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("6", "y")
        await settle(pilot)
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen) and dashboard.dashboard is not None
        year = dashboard.dashboard.current
        assert app.focused is dashboard.query_one("#tile-0")
        await pilot.press("enter")
        await settle(pilot)
        pipeline = app.screen
        assert isinstance(pipeline, PipelineScreen)
        columns = {column.key: column.total for column in pipeline.board.columns}
        assert [stage.outcome for stage in pipeline.stages] == ["won"]
        assert sum(columns.values()) == year.won > 0
        header = [line.text for line in pipeline.board.columns[0].header[1:]]
        assert header == [display.amount(v, c) for c, v in sorted(year.revenue.items())]
        await pilot.press("escape")
        await settle(pilot)
        assert "lost" in [stage.outcome for stage in pipeline.stages]  # the whole pipeline
        for opens, screen_type, count in (
            ("#tile-5", ContactsScreen, year.new_leads),
            ("#tile-7", LogScreen, year.complaints_resolved),
            ("#numbers-lost", PipelineScreen, year.lost),
        ):
            await pilot.press("6")
            await settle(pilot)
            dashboard.query_one(opens).focus()
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, screen_type), opens
            shown = app.screen.board.columns if screen_type is PipelineScreen else None
            total = sum(c.total for c in shown) if shown else app.screen.table.total
            assert total == count > 0, opens
