"""Defects found using the contact screens: each test presses keys the way a user did and
checks the database and the screen (tests/test_contacts_screen.py has the rest)."""

from __future__ import annotations

from typing import Any

import pytest
from rich.cells import cell_len
from textual.app import App
from textual.geometry import Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.widgets import Button, Input, Static

from crm_tui import bidi
from crm_tui.db import Database
from crm_tui.services.contacts import get_contact
from crm_tui.services.merge import find_duplicates
from screens import textual_compat
from screens.conflict import ConflictDialog
from screens.contact_form import ContactForm
from screens.contacts import COLUMNS, ContactsScreen
from screens.dialogs import ConfirmDialog
from screens.duplicates import DuplicatesScreen
from screens.forms import PairRow
from screens.interactions import LogScreen
from screens.widgets.virtual_table import Column, VirtualTable, column_layout
from tests.conftest import add_contact
from tests.screens_helpers import make_app, open_screen, settle, teammate_saves_first

SIZE = (120, 35)


def _table(app: Any) -> VirtualTable[Any]:
    return app.screen.query_one(VirtualTable)


async def _edit(pilot: Any, key: str = "e") -> ContactForm:
    await settle(pilot)
    await open_screen(pilot, "2", ContactsScreen)
    await pilot.press(key)
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, ContactForm)
    return form


async def _add_row(pilot: Any, form: ContactForm, pairs: str) -> PairRow:
    """Tab to the list's "+" button and press Enter, as a user does; the new row."""
    add = form.query_one(f"#f-{pairs}").query_one(".pair-add", Button)
    while pilot.app.focused is not add:
        await pilot.press("tab")
    await pilot.press("enter")
    await settle(pilot, rounds=1)
    return list(form.query_one(f"#f-{pairs}").query(PairRow))[-1]


def _inputs(row: PairRow) -> list[Input]:
    return list(row.query(Input))


def _error(form: ContactForm, field: str) -> str:
    line = form.query_one(f"#error-{field}", Static)
    return str(line.render()) if line.display else ""


# -- 1. a custom field added in the form is never lost --------------------------------------


async def test_a_new_custom_field_starts_in_its_name(db: Database) -> None:
    """Enter on "+ field" put the cursor in the value box: the name typed went there, and
    the nameless row was dropped on save without a word."""
    with db.write() as session:
        contact_id = add_contact(session, "Jonas Müller", custom={"City": "Berlin"})
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        form = await _edit(pilot)
        row = await _add_row(pilot, form, "custom")
        assert app.focused is _inputs(row)[0]
        await pilot.press(*"Shoe size", "tab", *"44", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ContactForm)
    with db.read() as session:
        contact = get_contact(session=session, contact_id=contact_id)
    assert contact.custom == {"City": "Berlin", "Shoe size": "44"}


async def test_a_value_without_a_name_is_refused_beside_the_field(db: Database) -> None:
    with db.write() as session:
        contact_id = add_contact(session, "Jonas Müller")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        form = await _edit(pilot)
        row = await _add_row(pilot, form, "custom")
        _inputs(row)[1].value = "44"
        _inputs(row)[1].focus()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form, "kept open: the value has no name"
        assert "name the field that holds '44'" in _error(form, "custom")
        assert app.focused is _inputs(row)[0]  # where the name goes
        await pilot.press(*"Shoe size", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ContactForm)
    with db.read() as session:
        assert get_contact(session=session, contact_id=contact_id).custom == {"Shoe size": "44"}


async def test_a_name_or_a_label_without_a_value_is_not_dropped(db: Database) -> None:
    """A new field's name with no value, an email's label with no address: said, not lost.
    Clearing a stored field's value still removes it (as the form's label says)."""
    with db.write() as session:
        contact_id = add_contact(session, "Jonas Müller", custom={"City": "Berlin"})
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        form = await _edit(pilot)
        email = await _add_row(pilot, form, "emails")
        _inputs(email)[0].value = "home"
        field = await _add_row(pilot, form, "custom")
        _inputs(field)[0].value = "Shoe size"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "type the address for 'home'" in _error(form, "emails")
        assert "type a value for 'Shoe size'" in _error(form, "custom")
        assert app.focused is _inputs(email)[1]  # the first field at fault, in form order
        await pilot.press(*"jonas@home.example")
        _inputs(field)[1].value = "44"
        form.query_one("#f-custom").query(".pair-second").first(Input).value = ""  # City goes
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ContactForm)
    with db.read() as session:
        contact = get_contact(session=session, contact_id=contact_id)
    assert contact.custom == {"Shoe size": "44"}
    assert [(e.label, e.value) for e in contact.emails] == [("home", "jonas@home.example")]


# -- 2. after a failed save the cursor is on the field at fault ----------------------------


async def test_after_a_failed_save_enter_does_not_delete_a_row(db: Database) -> None:
    """A bad email typed, Tab (the cursor on the row's ✕), ctrl+s: the cursor stayed on ✕
    and the next Enter deleted the row."""
    with db.write() as session:
        add_contact(session, "Jonas Müller")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        form = await _edit(pilot)
        row = await _add_row(pilot, form, "emails")
        await pilot.press(*"jonas@", "tab")
        assert isinstance(app.focused, Button) and app.focused.has_class("pair-remove")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not a valid email address" in _error(form, "emails")
        assert app.focused is _inputs(row)[1]
        await pilot.press("enter")
        await settle(pilot, rounds=1)
        assert row in form.query(PairRow)


async def test_after_a_failed_save_the_cursor_goes_to_the_first_field_at_fault(
    db: Database,
) -> None:
    with db.write() as session:
        add_contact(session, "Jonas Müller")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        form = await _edit(pilot)
        form.query_one("#f-website", Input).value = "x"
        form.query_one("#f-birthday", Input).value = "31.02.1990"
        form.query_one("#f-first_name", Input).focus()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert _error(form, "birthday")
        assert app.focused is form.query_one("#f-birthday", Input)


# -- 3. escape asks before it throws typing away --------------------------------------------


async def test_escape_on_a_changed_form_asks_first(db: Database) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        form = await _edit(pilot, "n")
        await pilot.press(*"Sara")
        await pilot.press("escape")
        await settle(pilot, rounds=1)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Discard changes?" in str(app.screen.query_one(".dialog-title", Static).render())
        await pilot.press("escape")  # keeps editing
        await settle(pilot, rounds=1)
        assert app.screen is form and form.query_one("#f-first_name", Input).value == "Sara"
        await pilot.press("escape", "n")  # n keeps editing too
        await settle(pilot, rounds=1)
        assert app.screen is form
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        assert _table(app).total == 0


async def test_escape_on_an_unchanged_form_closes_it_at_once(db: Database) -> None:
    with db.write() as session:
        add_contact(
            session,
            "Jonas Müller",
            custom={"City": "Berlin"},
            emails=[{"label": "work", "value": "j@x.example"}],
        )
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        form = await _edit(pilot)
        await _add_row(pilot, form, "emails")  # an empty row is nothing typed
        await pilot.press("escape")
        await settle(pilot, rounds=1)
        assert isinstance(app.screen, ContactsScreen)


# -- 4. the conflict dialog lists what the user changed --------------------------------------


async def test_a_conflict_lists_only_what_the_user_changed(db: Database) -> None:
    """A blank "Shown as" (first + last) was compared with the stored name: the dialog said
    the user had changed the name."""
    with db.write() as session:
        contact_id = add_contact(session, "", first_name="Hana", last_name="Novák")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        form = await _edit(pilot)
        assert form.query_one("#f-name", Input).value == ""
        form.query_one("#f-title", Input).value = "Designer"
        teammate_saves_first(db.url, contact_id)
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConflictDialog)
        assert list(dialog.mine) == ["title"]
        await pilot.press("enter")  # their version and my change
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ContactForm)
    with db.read() as session:
        contact = get_contact(session=session, contact_id=contact_id)
    assert (contact.name, contact.title, contact.notes) == (
        "Hana Novák",
        "Designer",
        "from the teammate",
    )


async def test_a_new_first_name_still_renames_a_contact_shown_as_first_and_last(
    db: Database,
) -> None:
    with db.write() as session:
        contact_id = add_contact(session, "", first_name="Hana", last_name="Novák")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        form = await _edit(pilot)
        form.query_one("#f-first_name", Input).value = "Hanna"
        await pilot.press("ctrl+s")
        await settle(pilot)
    with db.read() as session:
        assert get_contact(session=session, contact_id=contact_id).name == "Hanna Novák"


# -- 5. sorting goes through the columns shown -----------------------------------------------


@pytest.mark.parametrize("size", [(120, 35), (80, 24)])
async def test_sort_cycles_through_the_visible_columns_only(
    demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "2", ContactsScreen)
        header = _table(app).render_line(0).text
        shown = [column.key for column in COLUMNS if column.title in header]
        assert len(shown) < 6  # some columns are hidden at this width
        visited = []
        for _ in shown:
            await pilot.press("s")
            await settle(pilot, rounds=1)
            visited.append(screen.contact_query.sort.value)
            assert visited[-1] in shown, f"sorted by {visited[-1]}, a column not shown"
        assert visited == [*shown[1:], shown[0]]
        assert shown == [column.key for column in _table(app).shown_columns]


# -- 6. counts read as sentences --------------------------------------------------------------


async def test_one_contact_matches(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_screen(pilot, "2", ContactsScreen)
        await pilot.press("slash", *"aoife lambert", "enter")
        await settle(pilot)
        assert _table(app).total == 1
        status = str(app.screen.query_one("#contact-status", Static).render())
        assert "1 contact matches 'aoife lambert'" in status


async def test_duplicates_say_when_the_search_stopped_at_its_limit(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """find_duplicates stops at 200 pairs: "200 likely duplicate pairs" read as a count."""
    with demo_db.read() as session:
        pair = find_duplicates(session=session, limit=1)[0]

    def many(*, session: object, limit: int = 200) -> list[Any]:
        return [pair] * limit  # a large list: the search stops at the limit

    monkeypatch.setattr("screens.duplicates.find_duplicates", many)
    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_screen(pilot, "2", ContactsScreen)
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen)
        status = str(app.screen.query_one("#duplicates-status", Static).render())
        assert status.startswith("200+ likely duplicate pairs")
        assert len(app.screen.pairs) == 200


# -- 7. columns share the width by their content --------------------------------------------


def _cells_of(line: str, widths: list[int]) -> list[str]:
    """Split a rendered line (marker, then cells one space apart) by cell widths."""
    pieces, position, chars = [], 0, list(line[1:])
    for width in widths:
        piece, cells = "", 0
        while chars and (cells < width or cell_len(chars[0]) == 0):
            char = chars.pop(0)
            piece += char
            cells += cell_len(char)
        pieces.append(piece)
        if chars:
            chars.pop(0)  # the space between columns
        position += width + 1
    return pieces


def _assert_cut_with_ellipsis(table: VirtualTable[Any], cells: Any) -> int:
    """Every visible cell shows its whole value or a start of it ending in "…"; how many
    were cut."""
    layout = table._new_frame().layout
    cut = 0
    for y in range(1, table.visible_rows + 1):
        row = table.row_at(int(table.scroll_y) + y - 1)
        if row is None:
            continue
        values = cells(row)
        shown = _cells_of(table.render_line(y).text, [width for _, _, width in layout])
        for (column, index, _), piece in zip(layout, shown, strict=True):
            value = values[index]
            if piece.rstrip() == value:
                continue
            assert piece.endswith("…") and value.startswith(piece[:-1]), (column.key, piece)
            cut += 1
    return cut


async def test_contact_columns_fit_their_values_and_cuts_show_an_ellipsis(
    demo_db: Database,
) -> None:
    """At 120 columns emails were cut to 20 cells, silently, beside a 44-cell detail pane."""
    from screens.contacts import _cells

    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_screen(pilot, "2", ContactsScreen)
        table = _table(app)
        widths = {column.key: width for column, _, width in table._new_frame().layout}
        assert widths["email"] >= 30 and widths["name"] >= table.content.widest[0]
        _assert_cut_with_ellipsis(table, _cells)
        longest = max(table.loaded_rows(), key=lambda row: len(row.email))
        assert len(longest.email) > widths["email"]  # cut in the list…
        table.cursor = table.loaded_rows().index(longest)
        await settle(pilot)
        detail = str(app.screen.query_one("#detail-fields", Static).render())
        assert longest.email in detail  # …and whole in the detail pane beside it


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_contact_columns_at_other_sizes(demo_db: Database, size: tuple[int, int]) -> None:
    from screens.contacts import _cells

    app = make_app(demo_db)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await open_screen(pilot, "2", ContactsScreen)
        table = _table(app)
        cut = _assert_cut_with_ellipsis(table, _cells)
        if size[0] == 200:
            assert cut == 0 and len(table.shown_columns) == 6


async def test_the_log_gives_the_subject_the_room_of_a_mostly_empty_column(
    demo_db: Database,
) -> None:
    """At 120 columns the Subject got 15 cells while Complaint, mostly empty, kept 10."""
    from screens.interactions import _cells

    app = make_app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_screen(pilot, "3", LogScreen)
        table = _table(app)
        widths = {column.key: width for column, _, width in table._new_frame().layout}
        assert widths["subject"] >= 19 and widths["complaint"] <= 5
        _assert_cut_with_ellipsis(table, _cells)


def test_column_layout_shares_by_content() -> None:
    columns = (
        Column("name", "Name", weight=3, min_width=10),
        Column("email", "Email", weight=3, min_width=10),
        Column("flag", "Complaint", width=10),
    )
    # everything fits: each gets what it needs, the rest widens the flexible columns
    layout = column_layout(columns, 80, (12, 20, 9), (False, False, False))
    assert [w for *_, w in layout][2] == 9 and sum(w for *_, w in layout) == 80 - 4
    # too narrow: the mostly empty column gives way first, the others share fairly
    layout = column_layout(columns, 40, (30, 30, 9), (False, False, True))
    assert [w for *_, w in layout] == [16, 15, 5]  # 36 cells: the odd one to the first
    # a column needing less than its share leaves the rest to the others
    layout = column_layout(columns, 40, (8, 40, 9), (False, False, False))
    assert [w for *_, w in layout] == [8, 19, 9]
    assert bidi.cell("aoife.lambert@lefevre.example", 10) == "aoife.lam…"
    assert bidi.cell("علی", 5) == "علی  " and bidi.cell("李小龍先生", 5) == "李小…"


# -- the private parts of Textual used (screens/textual_compat.py) --------------------------


async def test_textual_still_has_the_private_parts_the_screens_use() -> None:
    """If this fails, a Textual release renamed one: the screens fall back to the slow public
    way (a layout of the whole screen per count, a stylesheet re-parse on first show)."""
    assert callable(getattr(ScrollView, "_scroll_update", None))
    app: App[None] = App()
    async with app.run_test():
        assert isinstance(app._css_update_count, int)
        screen: Screen[None] = Screen()
        textual_compat.mark_styled(screen, app)
        assert screen._css_update_count == app._css_update_count
        view = ScrollView()
        await app.screen.mount(view)
        assert textual_compat.set_virtual_size(view, Size(10, 500))
        assert view.virtual_size == Size(10, 500)
    names = {name for _, name in textual_compat.PRIVATE}
    assert names == {"_scroll_update", "_css_update_count"}


# -- one way to write from a screen (UsesDatabase.write_in_worker) --------------------------


async def test_a_write_in_a_worker_commits_or_reports_and_rolls_back(db: Database) -> None:
    """What it wrote is committed and handed to ``then`` on the UI thread; a failure is one
    notification, nothing of it is kept and ``then`` is not called."""
    import threading

    from crm_tui.errors import CrmError
    from crm_tui.services.contacts import delete_contacts

    with db.write() as session:
        kept, gone = add_contact(session, "Kept"), add_contact(session, "Gone")
    app = make_app(db)
    handed: list[tuple[object, bool]] = []

    def then(result: object) -> None:
        handed.append((result, threading.current_thread() is threading.main_thread()))

    def fails(session: Any) -> None:
        delete_contacts(session=session, contact_ids=[kept], actor_id=None)
        raise CrmError("the disk is full")

    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.write_in_worker(fails, then, group="test-write")  # type: ignore[attr-defined]
        await settle(pilot)
        assert [n.message for n in app._notifications] == ["the disk is full"]
        screen.write_in_worker(  # type: ignore[attr-defined]
            lambda session: delete_contacts(session=session, contact_ids=[gone], actor_id=None),
            then,
            group="test-write",
        )
        await settle(pilot)
    assert handed == [(1, True)]
    with db.read() as session:
        assert get_contact(session=session, contact_id=kept).name == "Kept"
        assert get_contact(session=session, contact_id=gone, include_deleted=True).deleted_at
