"""Keys typed on the Persian keyboard layout: a single-letter binding answers to the letter
on the same physical key ("ی" is d), while a text field keeps what was typed."""

from __future__ import annotations

from textual.widgets import Input

from crm_tui.db import Database
from screens.contacts import ContactsScreen
from screens.dialogs import ConfirmDialog
from screens.help import HelpScreen
from screens.tasks import TasksScreen
from tests.conftest import add_contact
from tests.screens_helpers import make_app, settle


async def test_persian_layout_keys_run_the_bindings_and_type_into_fields(db: Database) -> None:
    with db.write() as session:
        add_contact(session, "مریم رضایی")
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("۴")  # the 4 key: Tasks
        await settle(pilot)
        assert isinstance(app.screen, TasksScreen)
        await pilot.press("۲")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        await pilot.press("ی")  # the d key: move to the trash, asked first
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await pilot.press("slash", "ی", "ک")  # in the search box the letters are letters
        await settle(pilot)
        assert app.screen.query_one("#contact-search", Input).value == "یک"
        assert isinstance(app.screen, ContactsScreen)
        await pilot.press("escape", "؟")  # shift+/ on that layout: help
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
