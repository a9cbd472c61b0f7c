"""The app shell: number keys switch screens, ? lists keys, the palette knows every screen."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Static

from crm_tui.app import CrmApp
from crm_tui.config import Settings
from crm_tui.db import Database
from screens.contacts import ContactsScreen
from screens.help import HelpScreen
from screens.interactions import LogScreen
from screens.tasks import TasksScreen
from screens.today import TodayScreen
from tests.conftest import FIXED_TODAY
from tests.screens_helpers import finish_work


def make_app(database: Database) -> CrmApp:
    return CrmApp(database=database, settings=Settings(user="tester"), today=FIXED_TODAY)


async def test_number_keys_switch_screens_and_the_app_opens_on_today(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)
        for key, screen in (
            ("2", ContactsScreen),
            ("3", LogScreen),
            ("4", TasksScreen),
            ("1", TodayScreen),
        ):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen), key


async def test_question_mark_lists_the_keys(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        described = [action for _, action in app.screen.lines]
        for description in ("Today", "Contacts", "Log", "Tasks", "Quit"):
            assert description in described
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TodayScreen)


async def test_help_puts_the_screens_own_keys_first_and_scrolls(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(110, 20)) as pilot:
        lines = await _help_on(pilot, "2")
        described = [action for _, action in lines]
        assert described[0] == "Search"
        for action in ("New", "Edit", "Delete", "Duplicates"):  # before the table's arrow keys
            assert described.index(action) < described.index("Down")
        body = app.screen.query_one("#help-body")
        assert body.scroll_y == 0
        await pilot.press("j", "j")
        await pilot.pause()
        assert body.scroll_y == 2


async def test_help_lists_a_binding_with_two_keys_once_with_both(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(110, 32)) as pilot:
        lines = await _help_on(pilot, "4")
        assert [action for _, action in lines].count("New") == 1
        assert ("n t", "New") in lines  # Binding("n,t", …, key_display="n")
        shown = str(app.screen.query_one("#help-keys", Static).render())
        assert ["n", "t", "New"] in [line.split() for line in shown.splitlines()]


async def test_the_current_user_becomes_a_team_member(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await finish_work(app)
        await pilot.pause()
        assert app.actor_id is not None


async def _help_on(pilot: Pilot[None], key: str) -> list[tuple[str, str]]:
    """Open a screen by its number key, then ``?``: the (keys, action) lines listed."""
    await pilot.press(key)
    await finish_work(pilot.app)
    await pilot.press("question_mark")
    await pilot.pause()
    assert isinstance(pilot.app.screen, HelpScreen)
    return pilot.app.screen.lines
