"""The app shell: number keys switch screens, ? lists keys, the palette knows every screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from crm_tui.app import CrmApp
from crm_tui.config import Settings
from crm_tui.db import Database
from screens.contact_form import ContactForm
from screens.contacts import ContactsScreen
from screens.help import HelpScreen
from screens.interactions import LogScreen
from screens.tasks import TasksScreen
from screens.today import TodayScreen
from screens.widgets.gantt import GanttChart
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
        assert all(action[:1].isupper() for action in described), described  # not "palette"
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


async def _palette_hits(pilot: Pilot[None], typed: str) -> list[str]:
    """Open the palette and type; the first line of each hit it offers."""
    from textual.command import CommandList, CommandPalette

    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*typed)
    await pilot.pause(0.3)
    hits = pilot.app.screen.query_one(CommandList)
    return [
        str(hits.get_option_at_index(i).prompt).splitlines()[0] for i in range(hits.option_count)
    ]


async def _run_from_palette(pilot: Pilot[None], typed: str) -> list[str]:
    """Open the palette, type, and run the best hit; returns the hits it offered."""
    offered = await _palette_hits(pilot, typed)
    await pilot.press("enter")
    await pilot.pause()
    await finish_work(pilot.app)
    await pilot.pause()
    return offered


async def test_the_palette_runs_the_screens_own_actions(demo_db: Database) -> None:
    from screens.duplicates import DuplicatesScreen

    app = make_app(demo_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await finish_work(app)
        contacts = app.screen
        assert isinstance(contacts, ContactsScreen)
        offered = await _run_from_palette(pilot, "Reverse")  # no key in the footer: still here
        assert any("Reverse" in hit for hit in offered)
        assert app.screen is contacts and contacts.contact_query.descending
        offered = await _run_from_palette(pilot, "Duplicates")
        assert any("Duplicates" in hit for hit in offered)
        assert isinstance(app.screen, DuplicatesScreen)
        await pilot.press("escape")
        await pilot.pause()
        offered = await _run_from_palette(pilot, "Go to Tasks")
        assert isinstance(app.screen, TasksScreen)
        await pilot.press("g")  # the Gantt chart: its zoom keys belong to the chart widget
        await pilot.pause()
        chart = app.screen.query_one(GanttChart)
        scale = chart.scale_index
        offered = await _run_from_palette(pilot, "Zoom in")
        assert "Zoom in" in offered and chart.scale_index != scale


async def test_the_palette_offers_each_command_once(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        offered = await _palette_hits(pilot, "quit")  # Textual's Quit, not the q key's too
        assert offered == ["Quit"]
        await pilot.press("escape")
        await pilot.pause()
        offered = await _palette_hits(pilot, "new")  # the n key: once
        assert offered.count("New") == 1


async def test_the_keymap_setting_rebinds_actions(demo_db: Database) -> None:
    keymap = {"contacts.new": "a", "screen.tasks": "f4"}
    app = CrmApp(database=demo_db, settings=Settings(user="tester", keymap=keymap))
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("2")
        await finish_work(app)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ContactForm)
        await pilot.press("escape", "f4")
        await pilot.pause()
        assert isinstance(app.screen, TasksScreen)


async def test_start_up_parses_the_stylesheets_once_and_keeps_the_theme(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first screen is styled without Textual's full re-parse (a fifth of the first
    paint), in the theme's colours, and a theme chosen later still restyles every screen."""
    reparses: list[Stylesheet] = []
    monkeypatch.setattr(Stylesheet, "reparse", _counting(Stylesheet.reparse, reparses))
    restyled: list[object] = []  # whole-screen restyles (each widget was styled as it mounted)
    restyle = Screen.update_node_styles
    monkeypatch.setattr(Screen, "update_node_styles", _counting(restyle, restyled))
    app = make_app(demo_db)
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.pause()
        assert reparses == [] and restyled == []
        await pilot.press("2", "1")  # back to a screen shown before: restyled, as it may be stale
        await pilot.pause()
        assert [type(screen) for screen in restyled] == [TodayScreen]
        dark = app.screen.visual_style
        assert dark.foreground == app.styles.color  # not Textual's "no colour yet"
        await pilot.press("2")
        await pilot.pause()
        app.theme = "textual-light"
        for key in ("2", "1"):  # the screen shown, then one built before the change
            await pilot.press(key)
            await pilot.pause()
            light = app.screen.visual_style
            assert light.background == app.styles.background != dark.background
            assert light.foreground == app.styles.color != dark.foreground


def _counting(method: Callable[..., None], calls: list[Any]) -> Callable[..., None]:
    def counted(self: object, *args: Any, **kwargs: Any) -> None:
        calls.append(self)
        method(self, *args, **kwargs)

    return counted
