"""Escape on the task and log forms: closes at once when nothing was typed, asks first when
something was (the contact form's DiscardGuard, shared)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from crm_tui.db import Database
from screens.contacts import ContactsScreen
from screens.dialogs import ConfirmDialog
from screens.interaction_form import InteractionForm
from screens.task_form import TaskForm
from tests.screens_helpers import make_app, settle

FORMS = [("l", InteractionForm, "#f-subject"), ("t", TaskForm, "#f-title")]


@pytest.mark.parametrize(("key", "kind", "field"), FORMS, ids=["log", "task"])
async def test_escape_on_an_untouched_form_closes_it(
    demo_db: Database, key: str, kind: type, field: str
) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, kind)
        await pilot.press("escape")
        await settle(pilot, rounds=1)
        assert isinstance(app.screen, ContactsScreen)


@pytest.mark.parametrize(("key", "kind", "field"), FORMS, ids=["log", "task"])
async def test_escape_on_a_form_with_typing_asks_first(
    demo_db: Database, key: str, kind: type, field: str
) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        form = app.screen
        assert isinstance(form, kind)
        form.query_one(field, Input).focus()
        await pilot.press(*"Quote for the spring catalogue")
        await pilot.press("escape")
        await settle(pilot, rounds=1)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keeps editing, as typed
        await settle(pilot, rounds=1)
        assert app.screen is form
        assert form.query_one(field, Input).value.endswith("Quote for the spring catalogue")
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
