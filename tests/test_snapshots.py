"""A few pictures of the screens (pytest-textual-snapshot): update with --snapshot-update."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from crm_tui.db import Database
from tests.screens_helpers import make_app, settle, steady

SIZE = (120, 35)


def test_contact_list(snap_compare: Any, demo_db: Database) -> None:
    async def open_contacts(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("down", "down")
        await settle(pilot)
        await steady(pilot)

    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=open_contacts)


def test_contact_form_with_errors(snap_compare: Any, demo_db: Database) -> None:
    async def bad_save(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = pilot.app.screen
        form.query_one("#f-birthday", Input).value = "31.02.1990"
        form.query_one("#f-emails").query_one(".pair-add").press()
        await settle(pilot)
        await pilot.press(*"sara@", "ctrl+s")
        await settle(pilot)
        await steady(pilot)

    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=bad_save)


def _open_tasks(*keys: str, screen: str = "4") -> object:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(screen)
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await steady(pilot)

    return run_before


def test_kanban_board(snap_compare: Any, demo_db: Database) -> None:
    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=_open_tasks())


def test_pipeline(snap_compare: Any, demo_db: Database) -> None:
    """Stages with their totals per currency; the selected deal two stages along."""
    opened = _open_tasks("right", "right", "down", screen="5")
    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=opened)


def test_dashboard(snap_compare: Any, demo_db: Database) -> None:
    """A year of the demo beside the year before, its charts and the numbers beside them."""
    opened = _open_tasks("y", screen="6")
    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=opened)


def test_gantt_week_scale(snap_compare: Any, demo_db: Database) -> None:
    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=_open_tasks("g"))


def test_gantt_day_scale(snap_compare: Any, demo_db: Database) -> None:
    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=_open_tasks("g", "plus"))


def test_today(snap_compare: Any, demo_db: Database) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await steady(pilot)

    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=run_before)


def test_gantt_in_jalali_with_persian_digits(snap_compare: Any, demo_db: Database) -> None:
    """Jalali months named in Persian, weeks from Saturday, Persian digits (the day scale),
    right-to-left titles laid out by crm."""
    from crm_tui.app import CrmApp
    from crm_tui.config import Settings
    from tests.conftest import FIXED_TODAY

    settings = Settings(
        user="tester", label="demo.db", calendar="jalali", digits="persian", bidi="app"
    )
    app = CrmApp(database=demo_db, settings=settings, today=FIXED_TODAY)
    assert snap_compare(app, terminal_size=SIZE, run_before=_open_tasks("g", "plus"))


def test_agenda_week(snap_compare: Any, demo_db: Database) -> None:
    """The demo's week after FIXED_TODAY's: appointments in their hours, a double booking
    on Monday at 10 in the error colour and described below, the tasks due each day above."""
    keys = ("right_square_bracket", "left", "left", "left", "left", "down")
    opened = _open_tasks(*keys, screen="7")
    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=opened)
