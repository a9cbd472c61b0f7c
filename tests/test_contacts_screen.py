"""The Contacts screen, driven by keys through Pilot; assertions on the database and the screen."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from textual.widgets import Input, Static

from crm_tui.db import Database
from crm_tui.models import Contact, MergeRecord
from crm_tui.services.contacts import (
    ContactQuery,
    contact_position,
    count_contacts,
    get_contact,
    list_contacts,
)
from screens.contact_detail import ContactDetail
from screens.contact_form import ContactForm
from screens.contacts import ContactsScreen
from screens.dialogs import ConfirmDialog
from screens.duplicates import DuplicatesScreen, MergeDialog
from screens.widgets.virtual_table import VirtualTable
from tests.conftest import add_contact
from tests.screens_helpers import make_app, settle


def _table(app: object) -> VirtualTable:  # type: ignore[type-arg]
    return app.screen.query_one("#contact-table", VirtualTable)  # type: ignore[attr-defined]


async def _open_contacts(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ContactsScreen)


async def _contact_form(pilot, key: str) -> ContactForm:  # type: ignore[no-untyped-def]
    """The contact form that ``key`` (n or e) opens from the contacts list."""
    await _open_contacts(pilot)
    await pilot.press(key)
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, ContactForm)
    return form


async def test_search_as_you_type_filters_the_list(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await _open_contacts(pilot)
        assert _table(app).total == 60
        await pilot.press("slash", *"expo")
        await settle(pilot)
        with demo_db.read() as session:
            expected = count_contacts(session=session, query=ContactQuery(search="expo"))
        assert 0 < _table(app).total == expected < 60
        names = {row.name for row in _table(app).loaded_rows()}
        with demo_db.read() as session:
            found = list_contacts(session=session, query=ContactQuery(search="expo")).rows
        assert names == {row.name for row in found}
        status = str(app.screen.query_one("#contact-status", Static).render())
        assert f"{expected} contacts match 'expo'" in status
        assert "Organization" in str(app.screen.query_one("#detail-fields", Static).render())
        await pilot.press(*"zzqx")  # nothing matches: no contact left in the detail pane
        await settle(pilot)
        assert _table(app).total == 0
        assert str(app.screen.query_one("#detail-fields", Static).render()) == ""
        await pilot.press(*["backspace"] * 4)
        await settle(pilot)
        await pilot.press("escape")  # leaves the search box, keeps the search
        assert isinstance(app.focused, VirtualTable)
        await pilot.press("escape")  # clears the search
        await settle(pilot)
        assert _table(app).total == 60


async def test_the_detail_pane_shows_custom_fields_and_the_timeline(demo_db: Database) -> None:
    with demo_db.write() as session:
        contact_id = add_contact(
            session, "Aaron Abbott", custom={"Shoe size": "44"}, notes="[bold]not bold[/bold]"
        )
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await _open_contacts(pilot)
        assert _table(app).current.id == contact_id  # "Aaron" sorts first
        await settle(pilot)
        detail = app.screen.query_one(ContactDetail)
        text = str(detail.query_one("#detail-fields", Static).render())
        assert "Shoe size" in text and "44" in text
        assert "[bold]not bold[/bold]" in text  # markup shown literally
        timeline = str(detail.query_one("#detail-timeline", Static).render())
        assert "Timeline" in timeline


async def test_add_with_a_validation_error_first(db: Database) -> None:
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        form = await _contact_form(pilot, "n")
        await pilot.press(*"Negin")
        await pilot.press("ctrl+s")  # no last name needed; but a bad email:
        await settle(pilot)
        assert not isinstance(app.screen, ContactForm)  # saved: only a name is required
        with db.read() as session:
            assert [c.name for c in list_contacts(session=session).rows] == ["Negin"]
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        form.query_one("#f-first_name", Input).value = "Sara"
        form.query_one("#f-emails").query_one(".pair-add").press()
        await settle(pilot)
        await pilot.press(*"not-an-email", "ctrl+s")
        await settle(pilot)
        assert app.screen is form, "a bad email keeps the form open"
        error = form.query_one("#error-emails", Static)
        assert error.display and "not a valid email address" in str(error.render())
        with db.read() as session:
            assert count_contacts(session=session) == 1
        form.query(".pair-second").last().value = "sara@ahmadi.example"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        with db.read() as session:
            saved = list_contacts(session=session, query=ContactQuery(search="sara")).rows
        assert [(c.name, c.email) for c in saved] == [("Sara", "sara@ahmadi.example")]
        assert {row.name for row in _table(app).loaded_rows()} == {"Negin", "Sara"}


async def test_a_new_contact_gets_the_cursor(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await _open_contacts(pilot)
        assert _table(app).current.name < "Mahsa"  # type: ignore[union-attr]
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one("#f-first_name", Input).value = "Mahsa"
        app.screen.query_one("#f-last_name", Input).value = "Zand"
        await pilot.press("ctrl+s")
        await settle(pilot)
        current = _table(app).current
        assert current is not None and current.name == "Mahsa Zand"
        with demo_db.read() as session:
            position = contact_position(session=session, contact_id=current.id)
        assert _table(app).cursor == position > 0
        assert "Mahsa Zand" in str(app.screen.query_one("#detail-fields", Static).render())
        await pilot.press("e")  # renamed, she moves in the list: the cursor goes with her
        await settle(pilot)
        assert app.screen.query_one("#f-name", Input).value == ""  # first + last: it follows
        app.screen.query_one("#f-first_name", Input).value = "Aaliyah"
        await pilot.press("ctrl+s")
        await settle(pilot)
        errors = [str(w.render()) for w in app.screen.query(".field-error") if w.display]
        assert isinstance(app.screen, ContactsScreen), errors
        current = _table(app).current
        assert current is not None and current.name == "Aaliyah Zand"
        assert _table(app).cursor == 0


async def test_edit_changes_only_what_was_typed(db: Database) -> None:
    with db.write() as session:
        contact_id = add_contact(session, "Jonas Müller", custom={"City": "Berlin"})
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        form = await _contact_form(pilot, "e")
        form.query_one("#f-title", Input).value = "Buyer"
        form.query_one("#f-custom").query(".pair-second").first().value = ""  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        with db.read() as session:
            contact = get_contact(session=session, contact_id=contact_id)
        assert (contact.title, contact.custom, contact.version) == ("Buyer", {}, 2)


async def test_saving_an_unchanged_form_writes_nothing(db: Database) -> None:
    """ctrl+s on a form as it was made a new version stamped "changed by" the user (and a
    conflict for a teammate editing the contact at the time); a year-less birthday too."""
    with db.write() as session:
        contact_id = add_contact(session, "Noor Haddad", birthday=date(1604, 12, 24))
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        form = await _contact_form(pilot, "e")
        assert form.query_one("#f-birthday", Input).value == "--12-24"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ContactForm)
    with db.read() as session:
        contact = get_contact(session=session, contact_id=contact_id)
    assert (contact.version, contact.birthday) == (1, date(1604, 12, 24))


async def test_a_stale_save_shows_both_versions_and_loses_nothing(db: Database) -> None:
    from screens.conflict import ConflictDialog
    from tests.screens_helpers import teammate_saves_first

    with db.write() as session:
        contact_id = add_contact(session, "Hana Novák")
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        await _open_contacts(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        form.query_one("#f-title", Input).value = "Designer"
        teammate_saves_first(db.url, contact_id)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDialog)
        table = str(app.screen.query_one("#conflict-table", Static).render())
        assert "title" in table and "Designer" in table and "saved by bahram" in table
        assert app.focused is not None and app.focused.id == "edit"  # Enter picks it: it
        await pilot.press("enter")  # keeps their version and my changes, back in the form
        await settle(pilot)
        assert app.screen is form
        await pilot.press("ctrl+s")
        await settle(pilot)
        with db.read() as session:
            contact = get_contact(session=session, contact_id=contact_id)
        assert (contact.title, contact.notes) == ("Designer", "from the teammate")


async def test_delete_asks_then_trash_view_restores(db: Database) -> None:
    with db.write() as session:
        keep, gone = add_contact(session, "Ali Karimi"), add_contact(session, "Bea Stone")
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        await _open_contacts(pilot)
        await pilot.press("down", "d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # changed my mind: nothing happens
        await settle(pilot)
        with db.read() as session:
            assert count_contacts(session=session) == 2
        await pilot.press("d", "y")
        await settle(pilot)
        with db.read() as session:
            assert [r.id for r in list_contacts(session=session).rows] == [keep]
        assert _table(app).total == 1
        await pilot.press("T")
        await settle(pilot)
        assert [row.id for row in _table(app).loaded_rows()] == [gone]
        await pilot.press("u")
        await settle(pilot)
        with db.read() as session:
            assert count_contacts(session=session) == 2
            assert count_contacts(session=session, query=ContactQuery(trash=True)) == 0


async def test_select_many_and_tag_them(db: Database) -> None:
    with db.write() as session:
        ids = [add_contact(session, name) for name in ("Ali", "Bea", "Cem", "Dan")]
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        await _open_contacts(pilot)
        await pilot.press("space", "down", "space")  # Ali and Cem
        assert len(_table(app).selected) == 2
        await pilot.press("number_sign")
        await settle(pilot)
        await pilot.press(*"newsletter", "enter")
        await settle(pilot)
        with db.read() as session:
            tagged = list_contacts(session=session, query=ContactQuery(tag="newsletter")).rows
        assert [r.id for r in tagged] == [ids[0], ids[2]]
        assert not _table(app).selected
        rows = {row.name: row.tags for row in _table(app).loaded_rows()}
        assert rows["Ali"] == ["newsletter"] and rows["Bea"] == []
        # One bulk batch like b's: ctrl+z takes the tag back off.
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.question == "Undo bulk action #1 (tag, 2 contacts)?"
        await pilot.press("y")
        await settle(pilot)
        with db.read() as session:
            assert list_contacts(session=session, query=ContactQuery(tag="newsletter")).rows == []


async def test_dialogs_fit_an_80_column_terminal(demo_db: Database) -> None:
    """The merge dialog was 100 columns wide and the forms 96: at 80 their right side
    (half the second contact, the border) was cut off."""
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_contacts(pilot)
        for keys in (("n",), ("e",), ("D", "enter"), ("?",)):
            await pilot.press(*keys)
            await settle(pilot)
            dialog = app.screen.query_one(".dialog, #help-body")
            assert dialog.region.right <= 80, (keys, dialog.region)
            await pilot.press("escape")
            await settle(pilot)
            if keys[0] == "D":
                await pilot.press("escape")
                await settle(pilot)


async def test_merge_duplicates_then_undo(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await _open_contacts(pilot)
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen)
        status = str(app.screen.query_one("#duplicates-status", Static).render())
        assert "⏎ compares a pair and merges" in status  # enter has no key in the footer
        first = app.screen.pairs[0]
        keep_id, other_id = first.first.id, first.second.id
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MergeDialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        with demo_db.read() as session:
            assert session.get(Contact, other_id) is None
            merged = get_contact(session=session, contact_id=keep_id)
            assert session.scalar(select(MergeRecord.merged_id)) == other_id
        assert merged.version >= 2
        assert isinstance(app.screen, DuplicatesScreen)
        assert all(other_id not in (p.first.id, p.second.id) for p in app.screen.pairs)
        await pilot.press("u", "y")
        await settle(pilot)
        with demo_db.read() as session:
            assert get_contact(session=session, contact_id=other_id).name == first.second.name
            record = session.scalars(select(MergeRecord)).one()
        assert record.undone_at is not None


async def test_a_narrow_terminal_keeps_the_columns_clear_of_the_scrollbar(
    demo_db: Database,
) -> None:
    """80 columns: the detail pane gives up width first, and the scrollbar (shown: 60 rows on
    a 24-line screen) covers no column."""
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_contacts(pilot)
        await pilot.pause(0.2)
        table = app.screen.query_one("#contact-table", VirtualTable)
        assert table.show_vertical_scrollbar
        header = table.render_line(0).text
        assert header.split() == ["Name", "▲", "Organization", "Last", "contact"]
        assert len(header) == table.scrollable_content_region.width < table.size.width


async def test_a_new_count_moves_the_scrollbar_without_laying_out_the_screen(
    demo_db: Database,
) -> None:
    """Every search keystroke brings a new count: laying the whole screen out again for it
    cost 10-20 ms a keystroke. Only when the scrollbar appears or goes is a layout due."""
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await _open_contacts(pilot)
        table, layouts = _table(app), []
        relayout = app.screen._refresh_layout
        app.screen._refresh_layout = lambda *a, **k: (layouts.append(a), relayout(*a, **k))  # type: ignore[method-assign]
        assert table.show_vertical_scrollbar
        table.set_total(500)
        await pilot.pause()
        assert layouts == []
        assert table.vertical_scrollbar.window_virtual_size == 501  # the header line too
        table.set_total(3)  # all rows fit: the scrollbar goes, the columns widen
        await pilot.pause()
        assert layouts and not table.show_vertical_scrollbar


async def test_v_hides_the_detail_pane_and_the_list_shows_every_column(demo_db: Database) -> None:
    """At 120 columns the pane took the room of the phone and tags columns."""
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await _open_contacts(pilot)
        table, detail = _table(app), app.screen.query_one(ContactDetail)
        assert "Phone" not in table.render_line(0).text and detail.display
        await pilot.press("v")
        await pilot.pause()
        header = table.render_line(0).text
        assert not detail.display and "Phone" in header and "Tags" in header
        await pilot.press("enter")  # open the highlighted contact: the pane comes back
        await pilot.pause()
        assert detail.display and detail.has_focus
        await pilot.press("escape", "v")
        await pilot.pause()
        assert not detail.display and table.has_focus
