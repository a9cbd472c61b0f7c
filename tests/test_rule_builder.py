"""Segments in the app (issue 25, points 2 and 3): a rule built term by term in the builder
(R), saved as a segment, picked again in the filter with its live count, tagged in bulk
and untagged by an undo; the command palette offers the segment; ? says the language."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm_tui.db import Database
from crm_tui.models import Contact
from tests.conftest import add_contact


async def _builder(pilot: Any) -> tuple[Any, Any]:
    """The contacts list, and the rule builder opened on it with R."""
    from screens.contacts import ContactsScreen
    from screens.rule_dialog import RuleDialog
    from tests.screens_helpers import open_screen, settle

    await settle(pilot)
    screen = await open_screen(pilot, "2", ContactsScreen)
    await pilot.press("R")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, RuleDialog)
    return screen, dialog


def _tags(db: Database) -> dict[str, str]:
    with db.read() as session:
        return dict(session.execute(select(Contact.name, Contact.tags)).all())


def test_combined_terms_read_back_as_the_cli_writes_them() -> None:
    from crm_tui.rules import Term
    from screens.rule_dialog import combined

    rule = combined("", Term("status", "=", "customer"), "and")
    rule = combined(rule, Term("شهر", "=", "تهران"), "and")
    assert rule == "status:customer شهر:تهران"
    rule = combined(rule, Term("tag", "=", "vip"), "or")
    assert rule == "(status:customer شهر:تهران) OR tag:vip"
    # added after an OR, a term narrows all of it (as the builder shows it)
    assert combined(rule, Term("complaint", "=", "open"), "not") == (
        "((status:customer شهر:تهران) OR tag:vip) -complaint:open"
    )


async def test_build_save_pick_tag_and_undo(db: Database) -> None:
    from textual.widgets import Input, Select

    from screens.bulk_dialog import BulkDialog
    from screens.dialogs import ConfirmDialog, ContactFilterDialog
    from screens.help import HelpScreen
    from tests.screens_helpers import make_app, settle, settle_until

    with db.write() as session:
        add_contact(session, "Sara", status="customer", custom={"شهر": "تهران"})
        add_contact(session, "Ali", status="customer", custom={"شهر": "شیراز"})
        add_contact(session, "Reza", status="lead", custom={"شهر": "تهران"})
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, dialog = await _builder(pilot)
        dialog.query_one("#rule-value", Input).value = "customer"
        await pilot.click("#rule-and")
        dialog.query_one("#rule-op", Select).value = ">"
        dialog.query_one("#rule-key", Select).value = "شهر"
        await settle(pilot)
        assert dialog.query_one("#rule-op", Select).value == "="  # a new key, compared anew
        dialog.query_one("#rule-value", Input).value = "تهران"
        await pilot.click("#rule-and")
        rule = dialog.query_one("#rule-text", Input)
        assert rule.value == "status:customer شهر:تهران"
        count = dialog.query_one("#rule-count")
        await settle_until(pilot, lambda: "1 contact" in str(count.render()))
        assert "1 contact" in str(count.render())
        dialog.query_one("#rule-name", Input).value = "مشتریان تهران"
        await pilot.click("#rule-apply")
        await settle(pilot)
        assert app.screen is screen
        assert [row.name for row in screen.table.loaded_rows()] == ["Sara"]
        assert "segment مشتریان تهران" in str(screen.query_one("#contact-status").render())

        await pilot.press("escape")  # …the filter stays; f shows it picked, with its count
        await pilot.press("f")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, ContactFilterDialog)
        assert picker.query_one("#filter-segment", Select).value == "مشتریان تهران"
        assert picker.segments == [("مشتریان تهران", "1 contact")]
        await pilot.click("#apply")
        await settle(pilot)

        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, BulkDialog)
        app.screen.query_one("#bulk-whom", Select).value = True
        app.screen.query_one("#bulk-value", Input).value = "ویژه"
        await pilot.click("#bulk-next")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.question == "Tag 1 contact 'ویژه'?"
        await pilot.press("y")
        await settle(pilot)
        assert _tags(db) == {"Sara": "ویژه", "Ali": "", "Reza": ""}
        await pilot.press("ctrl+z")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert _tags(db) == {"Sara": "", "Ali": "", "Reza": ""}

        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "interactions_90d:>=1" in str(app.screen.query_one("#help-keys").render())


async def test_a_field_called_like_a_key_is_built_as_a_field(db: Database) -> None:
    from textual.widgets import Input, Select

    from tests.screens_helpers import make_app, settle

    with db.write() as session:
        add_contact(session, "Sara", custom={"Stage": "Pilot"})
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        _, dialog = await _builder(pilot)
        dialog.query_one("#rule-key", Select).value = "Stage"
        dialog.query_one("#rule-value", Input).value = "pilot"
        await pilot.click("#rule-and")
        assert dialog.query_one("#rule-text", Input).value == "custom.Stage:pilot"
        await pilot.click("#rule-apply")
        await settle(pilot)
        assert [row.name for row in app.screen.table.loaded_rows()] == ["Sara"]


async def test_the_command_palette_offers_a_saved_segment(db: Database) -> None:
    from crm_tui.services.segments import add_segment
    from screens.commands import SegmentCommands
    from screens.contacts import ContactsScreen
    from tests.screens_helpers import make_app, settle

    with db.write() as session:
        add_contact(session, "Sara", tags=["vip"])
        add_contact(session, "Ali")
        add_segment(session=session, name="VIPs", rule="tag:vip")
        add_segment(session=session, name="Big", rule="Size:>5")
        from crm_tui.fields import FieldDef
        from crm_tui.services.fields import add_field
        from crm_tui.vocabulary import FieldKind

        # Size becomes a choice: the saved rule no longer reads, and says so
        add_field(session=session, definition=FieldDef("Size", FieldKind.CHOICE, ("S", "L")))
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        provider = SegmentCommands(app.screen)
        await provider.startup()
        broken = [hit async for hit in provider.search("big")]
        assert broken[0].help is not None and "its rule no longer reads" in broken[0].help
        hits = [hit async for hit in provider.search("vip")]
        assert [(str(hit.text), hit.help) for hit in hits] == [
            ("Segment: VIPs", "1 contact · tag:vip")
        ]
        hits[0].command()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ContactsScreen)
        assert [row.name for row in screen.table.loaded_rows()] == ["Sara"]


async def test_a_segment_shows_in_the_palette_as_written(db: Database) -> None:
    """A name or rule with markup in it was read as markup by the palette (a "[/b]" stopped
    the app); a Persian name is laid out like every line crm shows."""
    from textual.command import CommandList, CommandPalette

    from crm_tui import bidi
    from crm_tui.app import CrmApp
    from crm_tui.config import Settings
    from crm_tui.services.segments import add_segment
    from tests.conftest import FIXED_TODAY
    from tests.screens_helpers import settle

    with db.write() as session:
        add_contact(session, "Sara", tags=["[x]"])
        add_segment(session=session, name="[/b]مشتریان ویژه", rule='tag:"[x]"')
    settings = Settings(user="tester", bidi="app")
    app = CrmApp(database=db, settings=settings, today=FIXED_TODAY, watch_changes=False)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"segment")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        listed = app.screen.query_one(CommandList)
        texts = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert bidi.laying_out()
        laid = bidi.layout("Segment: [/b]مشتریان ویژه")
        assert any(laid in text and "tag:[x]" in text for text in texts), texts


async def test_a_name_taken_is_said_in_the_builder_which_stays_open(db: Database) -> None:
    """Saving under a segment's name closed the builder, what was built lost, with only a
    toast to say why."""
    from textual.widgets import Input

    from crm_tui.services.segments import add_segment, list_segments
    from tests.screens_helpers import make_app, settle, settle_until

    with db.write() as session:
        add_contact(session, "Sara", status="customer")
        add_segment(session=session, name="مشتریان", rule="tag:vip")
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, dialog = await _builder(pilot)
        dialog.query_one("#rule-text", Input).value = "status:customer"
        dialog.query_one("#rule-name", Input).value = "مشتریان"
        await pilot.click("#rule-apply")
        count = dialog.query_one("#rule-count")
        await settle_until(pilot, lambda: "already" in str(count.render()))
        assert app.screen is dialog and "there is a segment 'مشتریان' already" in str(
            count.render()
        )
        assert dialog.query_one("#rule-text", Input).value == "status:customer"
        dialog.query_one("#rule-name", Input).value = "مشتریان ۲"
        await pilot.click("#rule-apply")
        await settle(pilot)
        assert app.screen is screen
        with db.read() as session:
            saved = {one.name: one.rule for one in list_segments(session=session)}
        assert saved == {"مشتریان": "tag:vip", "مشتریان ۲": "status:customer"}
        assert "segment مشتریان ۲" in str(screen.query_one("#contact-status").render())
