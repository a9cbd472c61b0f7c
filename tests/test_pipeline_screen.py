"""The pipeline (``5``) through its keys: the headers are the database's counts and totals,
a card moves a stage, a deal is won, a lost one asks why (and a cancelled question moves
nothing), a column loads its next page as the selection nears its end."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlmodel import col

from crm_tui.dates import local_day_start
from crm_tui.db import Database
from crm_tui.models import Deal
from crm_tui.schemas import DealCreate
from crm_tui.services import deals
from screens.pipeline import PAGE, PipelineScreen
from tests.conftest import FIXED_TODAY
from tests.screens_helpers import make_app, settle


async def _open(pilot) -> PipelineScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("5")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PipelineScreen)
    return screen


async def test_the_board_counts_moves_wins_and_loses_with_a_reason(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await _open(pilot)
        board = screen.board
        since = local_day_start(FIXED_TODAY - timedelta(days=30))
        with demo_db.read() as session:
            query = deals.DealQuery(closed_since=since)
            for stage in deals.stages(session=session):
                column = next(c for c in board.columns if c.key == str(stage.id))
                expected = deals.count_deals(
                    session=session, query=deals.DealQuery(stage_id=stage.id, closed_since=since)
                )
                assert column.total == expected, stage.name
                assert column.header[0].text.startswith(f"{stage.name} ({expected:,}")
            assert sum(c.total for c in board.columns) == deals.count_deals(
                session=session, query=query
            )
        card = board.current
        assert card is not None and card.stage == "Lead"
        await pilot.press("L")
        await settle(pilot)
        with demo_db.read() as session:
            assert deals.get_deal(session=session, deal_id=card.id).stage == "Qualified"
        assert board.current.id == card.id and board.current.stage == "Qualified"
        await pilot.press("w")
        await settle(pilot)
        with demo_db.read() as session:
            assert deals.get_deal(session=session, deal_id=card.id).outcome == "won"
        assert board.current.id == card.id  # followed into the Won column
        await pilot.press("left")
        await settle(pilot)
        target = board.current
        assert target is not None and target.outcome == "open"
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("escape")  # not now: nothing moves
        await settle(pilot)
        with demo_db.read() as session:
            assert deals.get_deal(session=session, deal_id=target.id).outcome == "open"
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("down", "enter")  # the second reason: Competitor
        await settle(pilot)
        with demo_db.read() as session:
            lost = deals.get_deal(session=session, deal_id=target.id)
        assert (lost.outcome, lost.lost_reason) == ("lost", "Competitor")


async def test_a_long_column_loads_a_page_at_a_time(db: Database) -> None:
    with db.write() as session:
        for number in range(PAGE * 2 + 5):
            data = DealCreate.build(title=f"Deal {number:03d}", currency="EUR", value_minor=100)
            deals.create_deal(session=session, data=data)
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await _open(pilot)
        lead = screen.board.columns[0]
        assert (len(lead.cards), lead.total) == (PAGE, PAGE * 2 + 5)
        assert lead.header[0].text == f"Lead ({PAGE * 2 + 5:,})"
        assert lead.header[1].text == f"{PAGE * 2 + 5:,}.00 EUR"  # all of them, not the page
        for _ in range(PAGE // 10):
            await pilot.press("pagedown")
            await settle(pilot)
        assert len(lead.cards) >= PAGE * 2
        for _ in range(PAGE // 10 + 1):
            await pilot.press("pagedown")
            await settle(pilot)
        assert [deal.title for deal in lead.cards] == [f"Deal {n:03d}" for n in range(PAGE * 2 + 5)]
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(Deal)) == PAGE * 2 + 5


async def test_search_narrows_the_board_to_titles(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await _open(pilot)
        await pilot.press("slash")
        await pilot.press(*"website")
        await pilot.pause(0.4)
        await settle(pilot)
        titles = [deal.title for column in screen.board.columns for deal in column.cards]
        assert titles and all("website" in title.lower() for title in titles)
        await pilot.press("escape")
        await pilot.pause(0.4)
        await settle(pilot)
        assert len([d for c in screen.board.columns for d in c.cards]) > len(titles)


async def test_a_deal_is_added_and_edited_from_the_board(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await _open(pilot)
        await pilot.press("right", "n")  # a new deal in the stage the selection is in
        await settle(pilot)
        # Pilot sends no "٬" or "٫" (crm_tui.money's tests read them): Latin separators here.
        await pilot.press(*"طراحی لوگو", "tab", *"1200.5", "tab", "ctrl+u", *"irr")
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(app.screen.query_one("#error-value_minor").render())
        assert "IRR has 0 decimals" in error  # a rial has no fractions: said, not rounded
        await pilot.press("ctrl+u", *"۱۲۰۰", "ctrl+s")  # the cursor is on the value
        await settle(pilot)
        with demo_db.read() as session:
            found = deals.list_deals(session=session, query=deals.DealQuery(search="لوگو"))
        assert [(d.title, d.value_minor, d.currency, d.stage) for d in found] == [
            ("طراحی لوگو", 1200, "IRR", "Qualified")
        ]
        assert screen.board.current.id == found[0].id
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("tab", "ctrl+u", *"2.5k", "ctrl+s")
        await settle(pilot)
        with demo_db.read() as session:
            edited = deals.get_deal(session=session, deal_id=found[0].id)
        assert (edited.value_minor, edited.currency, edited.version) == (2500, "IRR", 2)
        # Tags typed in the form; the filter's tag then shows that deal alone.
        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#f-tags").focus()
        await pilot.press(*"lead-magnet, vip", "ctrl+s")
        await settle(pilot)
        with demo_db.read() as session:
            assert deals.get_deal(session=session, deal_id=found[0].id).tags == [
                "lead-magnet",
                "vip",
            ]
        await pilot.press("f")
        await settle(pilot)
        app.screen.query_one("#f-tag").focus()
        await pilot.press(*"LEAD-MAGNET", "enter")
        await settle(pilot)
        shown = [card.id for column in screen.board.columns for card in column.cards]
        assert shown == [found[0].id]
        assert "tag LEAD-MAGNET" in str(screen.query_one("#pipeline-status").render())


async def test_today_lists_deals_to_close_and_stuck_ones_and_opens_them(demo_db: Database) -> None:
    from crm_tui.services.agenda import build_agenda

    with demo_db.read() as session:
        agenda = build_agenda(session=session, today=FIXED_TODAY)
    assert agenda.deals_closing and agenda.deals_stuck, "the demo has both"
    assert all(d.expected_close <= FIXED_TODAY + timedelta(days=2) for d in agenda.deals_closing)
    stuck_since = local_day_start(FIXED_TODAY - timedelta(days=30))
    assert all(d.stage_entered_at < stuck_since for d in agenda.deals_stuck)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        listing = app.screen.query_one("#today-list")
        labels = [str(option.prompt) for option in listing.options]
        header = next(i for i, label in enumerate(labels) if label.startswith("Deals to close"))
        assert labels[header].endswith(f"  {len(agenda.deals_closing)}")
        assert agenda.deals_closing[0].title in labels[header + 1]
        listing.highlighted = header + 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PipelineScreen)
        assert app.screen.board.current.id == agenda.deals_closing[0].id


async def test_the_list_view_pages_the_same_deals_by_close_or_by_value(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await _open(pilot)
        on_board = sum(column.total for column in screen.board.columns)
        await pilot.press("v")
        await settle(pilot)
        table = screen.table
        assert table.display and not screen.board.display
        assert table.total == on_board  # the same deals: open, and closed in 30 days
        await pilot.press("s")
        await settle(pilot)
        rows = [table.row_at(i) for i in range(min(table.total, 20))]
        keys = [(deal.currency, deal.value_minor) for deal in rows]
        assert keys == sorted(keys, reverse=True)  # largest first within each currency
        chosen = screen.current  # the deal the board had selected, followed into the list
        assert chosen is not None and chosen.outcome == "open"
        await pilot.press("w")  # acts on the row under the cursor
        await settle(pilot)
        with demo_db.read() as session:
            assert deals.get_deal(session=session, deal_id=chosen.id).outcome == "won"
        assert screen.current.id == chosen.id


async def test_the_sales_process_is_edited_from_the_pipeline(db: Database) -> None:
    """S: a stage renamed with a new probability, one added after it and moved up, one
    with a deal removed (the deal moved to the stage before it), a lost reason added."""
    from textual.widgets import Input, OptionList

    from screens.stages_dialog import StagesDialog

    with db.write() as session:
        by_name = {s.name: s.id for s in deals.stages(session=session)}
        deal = deals.create_deal(
            session=session,
            data=DealCreate.build(title="Shop", currency="EUR", stage_id=by_name["Negotiation"]),
        )
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _open(pilot)
        await pilot.press("S")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, StagesDialog)
        options = dialog.query_one("#stages-list", OptionList)
        options.highlighted = 2  # Proposal
        await settle(pilot)
        assert dialog.query_one("#stage-name", Input).value == "Proposal"
        dialog.query_one("#stage-name", Input).value = "پیشنهاد قیمت"
        dialog.query_one("#stage-probability", Input).value = "55%"
        await pilot.click("#stage-save")
        await settle(pilot)
        options.highlighted = 2  # the Persian name, filled in as stored, saved again as it is
        await settle(pilot)
        assert dialog.query_one("#stage-name", Input).value == "پیشنهاد قیمت"
        await pilot.click("#stage-save")
        await settle(pilot)
        dialog.query_one("#stage-name", Input).value = "Demo"
        dialog.query_one("#stage-probability", Input).value = "40"
        await pilot.click("#stage-add")  # after the one chosen
        await settle(pilot)
        options.highlighted = 3  # Demo
        await settle(pilot)
        await pilot.click("#stage-up")
        await settle(pilot)
        options.highlighted = 4  # Negotiation, with the deal
        await settle(pilot)
        await pilot.click("#stage-remove")
        await settle(pilot)
        said = str(dialog.query_one("#stages-said").render())
        assert said == "removed Negotiation; its deals are in پیشنهاد قیمت"
        dialog.query_one("#stages-more", Input).value = "Went quiet"
        await pilot.click("#reason-add")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
    with db.read() as session:
        listed = [(s.name, s.probability) for s in deals.stages(session=session)]
        moved = deals.get_deal(session=session, deal_id=deal.id)
        reasons = deals.lost_reasons(session=session)
    assert listed == [
        ("Lead", 10),
        ("Qualified", 25),
        ("Demo", 40),
        ("پیشنهاد قیمت", 55),
        ("Won", 100),
        ("Lost", 0),
    ]
    assert moved.stage == "پیشنهاد قیمت"
    assert reasons[-1] == "Went quiet"


async def test_the_board_shows_whole_columns_and_scrolls_by_them(demo_db: Database) -> None:
    """At 80 columns a stage was cut at the screen's edge, and its amounts with it
    ("7,370,000,000 I"): now as many whole columns as fit, scrolled a column at a time."""
    from screens.widgets.board import Board

    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        board = screen.query_one(Board)
        room = board.scrollable_content_region.width
        for _ in range(len(board.keys)):
            step = board.column_width + 1
            assert board.in_view * step <= room + 1 and board.column_width >= 28
            assert board.scroll_x == board.first * step  # no column begins off the screen
            assert board.first <= board.column < board.first + board.in_view
            await pilot.press("right")
            await settle(pilot)
        assert board.column == len(board.keys) - 1 and board.first > 0
        # Narrower still, the last column stays whole and in view.
        await pilot.resize_terminal(50, 24)
        await settle(pilot)
        step = board.column_width + 1
        assert board.in_view == 1 and board.scroll_x == board.first * step
        assert board.first == board.column
        await pilot.resize_terminal(120, 35)
        await settle(pilot)
        step = board.column_width + 1
        assert board.scroll_x == board.first * step and board.in_view == 4
        assert board.first <= board.column < board.first + board.in_view


def test_a_closed_deal_says_when_it_closed_not_when_it_was_expected() -> None:
    from datetime import UTC, date, datetime

    from crm_tui.schemas import DealRead
    from screens.pipeline import card_lines

    moment = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    deal = DealRead(
        id=1, title="Logo", value_minor=100, currency="EUR", contact_id=None,
        contact_name=None, organization=None, pipeline_id=1, pipeline="Sales", stage_id=5,
        stage="Won", outcome="won", probability=100, expected_close=date(2027, 2, 1),
        owner_id=None, owner=None, source="", notes="", custom={}, stage_entered_at=moment,
        closed_at=moment, lost_reason=None, created_at=moment, updated_at=moment,
        deleted_at=None, version=1,
    )  # fmt: skip
    facts = card_lines(deal, FIXED_TODAY)[-1].text
    assert facts.startswith("won ") and "02" in facts and "Feb" not in facts, facts


async def test_the_filter_shows_the_deals_nobody_owns(demo_db: Database) -> None:
    from textual.widgets import Select

    with demo_db.write() as session:
        orphan = deals.create_deal(
            session=session, data=DealCreate.build(title="Nobody's", currency="EUR")
        )
    with demo_db.read() as session:
        unowned = deals.list_deals(
            session=session, query=deals.DealQuery(owner_id=deals.NO_OWNER, open_only=True)
        )
    assert orphan.id in [deal.id for deal in unowned]
    assert all(deal.owner is None for deal in unowned)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await _open(pilot)
        before = {card.id for column in screen.board.columns for card in column.cards}
        await pilot.press("f")
        await settle(pilot)
        app.screen.query_one("#f-owner", Select).value = deals.NO_OWNER
        app.screen.query_one("#f-tag").focus()
        await pilot.press("enter")
        await settle(pilot)
        shown = {card.id for column in screen.board.columns for card in column.cards}
        assert shown == {deal.id for deal in unowned} and shown < before
        assert "no owner" in str(screen.query_one("#pipeline-status").render())


async def test_deals_a_figure_opened_across_pipelines_are_named_and_closed_in_theirs(
    db: Database,
) -> None:
    """The dashboard's "won / lost" figure opens the deals closed in the period, of every
    pipeline: each column says whose stage it is, and x loses a deal in its own pipeline's
    Lost stage (the first Lost column is another pipeline's)."""
    from crm_tui.services.stages import add_pipeline

    with db.write() as session:
        renewals = add_pipeline(session=session, name="Renewals")
        first = deals.stages(session=session, pipeline_id=renewals.id)[0]
        sale = deals.create_deal(
            session=session, data=DealCreate.build(title="Logo", currency="EUR")
        )
        renewal = deals.create_deal(
            session=session,
            data=DealCreate.build(title="Support", currency="EUR", stage_id=first.id),
        )
        for deal in (sale, renewal):
            deals.win_deal(session=session, deal_id=deal.id)
        won_then = local_day_start(FIXED_TODAY - timedelta(days=1))  # in the month shown
        session.execute(
            update(Deal).where(col(Deal.id).in_([sale.id, renewal.id])).values(closed_at=won_then)
        )
    app = make_app(db)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("right", "enter")  # deals won / lost: both closed stages of each
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PipelineScreen)
        headers = [column.header[0].text for column in screen.board.columns]
        assert any(text.startswith("Sales · Won") for text in headers), headers
        assert any(text.startswith("Renewals · Won") for text in headers), headers
        screen.load(renewal.id)
        await settle(pilot)
        assert screen.current is not None and screen.current.id == renewal.id
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("enter")  # the first reason
        await settle(pilot)
        with db.read() as session:
            lost = deals.get_deal(session=session, deal_id=renewal.id)
        assert (lost.pipeline, lost.outcome) == ("Renewals", "lost")


async def test_a_lone_column_is_not_stretched_across_a_wide_terminal(db: Database) -> None:
    """The deals won in a month, opened from the dashboard, are one column: at 200 cells
    it stays the width a card is read at."""
    from screens.widgets.board import MAX_COLUMN_WIDTH

    with db.write() as session:
        created = deals.create_deal(
            session=session, data=DealCreate.build(title="Logo", currency="EUR")
        )
        won = deals.win_deal(session=session, deal_id=created.id)
        session.execute(
            update(Deal)
            .where(col(Deal.id) == won.id)
            .values(closed_at=local_day_start(FIXED_TODAY - timedelta(days=1)))
        )
    app = make_app(db)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        await pilot.press("enter")  # revenue won: the won column alone
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PipelineScreen)
        assert [column.key for column in screen.board.columns] == [str(won.stage_id)]
        assert screen.board.columns[0].size.width == MAX_COLUMN_WIDTH
