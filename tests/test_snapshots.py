"""A few pictures of the screens (pytest-textual-snapshot): update with --snapshot-update."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from crm_tui.db import Database
from tests.screens_helpers import make_app, settle

SIZE = (120, 35)


def test_contact_list(snap_compare: Any, demo_db: Database) -> None:
    async def open_contacts(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("down", "down")
        await settle(pilot)

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

    assert snap_compare(make_app(demo_db), terminal_size=SIZE, run_before=bad_save)
