"""Notifications show their text exactly: a name or a value in one is never read as markup
(a contact called "Ali [/b]" stopped the app when saved), and a control character is shown
as a symbol, never sent to the terminal."""

from __future__ import annotations

from crm_tui.db import Database
from crm_tui.services.contacts import get_contact
from tests.conftest import add_contact


async def test_a_name_that_looks_like_markup_is_saved_and_said_as_it_is(db: Database) -> None:
    from textual.widgets import Input
    from textual.widgets._toast import Toast

    from screens.contact_form import ContactForm
    from screens.contacts import ContactsScreen
    from tests.screens_helpers import make_app, open_screen, settle

    with db.write() as session:
        contact_id = add_contact(session, "Ali")
    app = make_app(db)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot)
        await open_screen(pilot, "2", ContactsScreen)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContactForm)
        form.query_one("#f-name", Input).value = "Ali [/b] [link=x]y[/link]"
        await pilot.press("ctrl+s")
        await settle(pilot)
        shown = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert "saved Ali [/b] [link=x]y[/link]" in shown
        app.notify("no segment '[red]x' \x1b[2J", title="Error [/i]")
        await settle(pilot)
        said = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert "Error [/i]\nno segment '[red]x' ␛[2J" in said  # the escape shown, not sent
        assert app.is_running
    with db.read() as session:
        assert get_contact(session=session, contact_id=contact_id).name == (
            "Ali [/b] [link=x]y[/link]"
        )
