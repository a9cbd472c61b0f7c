"""Typed custom fields (issue 25, point 1): each type's values stored one way (a table, and a
property test that a number survives and sorts as a number), defining a field converting
what contacts hold or keeping it as text with a report, values checked on every way in
(services, the CLI, an import, a bulk action), and rules comparing them as their type, on
both databases."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_tui.db import Database
from crm_tui.errors import CrmError, ValidationError
from crm_tui.fields import FieldDef
from crm_tui.schemas import ContactCreate, ContactUpdate
from crm_tui.services.contacts import (
    ContactQuery,
    contact_ids_matching,
    create_contact,
    get_contact,
    update_contact,
)
from crm_tui.services.fields import add_field, edit_field
from crm_tui.vocabulary import FieldKind
from tests.conftest import add_contact
from tests.databases import Databases, Template
from tests.test_cli import crm

NUMBER = FieldDef("Budget", FieldKind.NUMBER)
EUROS = FieldDef("Price", FieldKind.MONEY, currency="EUR")
RIALS = FieldDef("Price", FieldKind.MONEY, currency="IRR")
DAY = FieldDef("Renewal", FieldKind.DATE)
SIZE = FieldDef("Size", FieldKind.CHOICE, choices=("Small", "Large"))
YES = FieldDef("Newsletter", FieldKind.YES_NO)


@pytest.mark.parametrize(
    ("definition", "typed", "stored"),
    [
        (NUMBER, "1,200.50", "1200.5"),
        (NUMBER, "۱٬۲۰۰", "1200"),
        (NUMBER, "2.5k", "2500"),
        (NUMBER, "-3", "-3"),
        (NUMBER, "12,5", "12.5"),
        (EUROS, "1.200,5", "1200.50"),
        (EUROS, "7", "7.00"),
        (RIALS, "۱٬۲۰۰٬۰۰۰", "1200000"),
        (DAY, "2027-06-01", "2027-06-01"),
        (DAY, "1406-03-15", "2027-06-05"),  # Jalali
        (SIZE, "large", "Large"),
        (YES, "بله", "yes"),
        (YES, "N", "no"),
        (FieldDef("Note"), " as typed ", "as typed"),
        (NUMBER, "   ", ""),
    ],
)
def test_a_typed_value_is_stored_one_way(definition: FieldDef, typed: str, stored: str) -> None:
    assert definition.canonical(typed) == stored


@pytest.mark.parametrize(
    ("definition", "typed", "said"),
    [
        (NUMBER, "about 5k", "Budget: not a number: 'about 5k'"),
        (NUMBER, "1e400", "Budget: not a number"),
        (EUROS, "1.2.3,4", "Price: not an amount"),
        (EUROS, "0.001", "Price: EUR has 2 decimals"),
        (DAY, "someday", "Renewal:"),
        (SIZE, "medium", "Size: 'medium' is not one of Small, Large"),
        (YES, "maybe", "Newsletter: 'maybe': write yes or no"),
    ],
)
def test_a_value_that_does_not_fit_says_why(definition: FieldDef, typed: str, said: str) -> None:
    with pytest.raises(ValidationError) as raised:
        definition.canonical(typed)
    assert said in str(raised.value)


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False))
def test_a_number_survives_and_sorts_as_a_number(number: Decimal) -> None:
    for typed in (f"{number:f}", f"{number:,f}"):
        stored = NUMBER.canonical(typed)
        assert Decimal(stored) == number
        assert "e" not in stored.lower()


def _budgets(db: Database) -> list[int]:
    with db.write() as session:
        return [
            add_contact(session, "Sara", custom={"Budget": "1,200"}),
            add_contact(session, "Ali", custom={"budget": "۵۰۰"}),
            add_contact(session, "Reza", custom={"Budget": "3k"}),
            add_contact(session, "Mina", custom={"Budget": "about 5k"}),
            add_contact(session, "Neda"),
        ]


def _matching(db: Database, rule: str) -> list[int]:
    with db.read() as session:
        return contact_ids_matching(session=session, query=ContactQuery(rule=rule))


def test_a_field_converts_what_contacts_hold_or_stays_text_with_a_report(db: Database) -> None:
    ids = _budgets(db)
    with db.write() as session:
        report = add_field(session=session, definition=NUMBER)
    assert report.not_converted and report.definition.kind is FieldKind.TEXT
    assert (report.values, report.misfit_count, report.converted) == (4, 1, 0)
    assert report.misfits == [
        f"#{ids[3]} Mina: Budget: not a number: 'about 5k' (write it like 1,200.5)"
    ]
    with db.write() as session:
        assert get_contact(session=session, contact_id=ids[0]).custom == {"Budget": "1,200"}
        update_contact(
            session=session,
            contact_id=ids[3],
            changes=ContactUpdate(custom={"Budget": "5000"}),
            expected_version=None,
        )
        report = edit_field(session=session, name="budget", kind=FieldKind.NUMBER)
    assert not report.not_converted and (report.values, report.converted) == (4, 3)  # "5000" kept
    with db.read() as session:
        held = [get_contact(session=session, contact_id=i).custom for i in ids]
    assert held == [
        {"Budget": "1200"},
        {"Budget": "500"},
        {"Budget": "3000"},
        {"Budget": "5000"},
        {},
    ]
    assert _matching(db, "Budget:>1000") == [ids[0], ids[2], ids[3]]
    assert _matching(db, "budget:<1,000") == [ids[1]]
    assert _matching(db, "Budget:1000..4000") == [ids[0], ids[2]]
    assert _matching(db, "Budget:!=500") == [ids[0], ids[2], ids[3], ids[4]]
    with db.write() as session, pytest.raises(ValidationError, match="Budget: not a number"):
        update_contact(
            session=session,
            contact_id=ids[4],
            changes=ContactUpdate(custom={"Budget": "lots"}),
            expected_version=None,
        )


def test_a_default_and_a_date_and_a_choice(db: Database) -> None:
    with db.write() as session:
        add_field(session=session, definition=FieldDef("Renewal", FieldKind.DATE))
        add_field(
            session=session,
            definition=FieldDef("Size", FieldKind.CHOICE, ("Small", "Large"), default="small"),
        )
        first = create_contact(
            session=session, data=ContactCreate(name="Sara", custom={"Renewal": "2027-01-10"})
        ).id
        second = create_contact(
            session=session,
            data=ContactCreate(name="Ali", custom={"Renewal": "1406-03-15", "size": "LARGE"}),
        ).id
        assert get_contact(session=session, contact_id=first).custom == {
            "Renewal": "2027-01-10",
            "Size": "Small",
        }
        assert get_contact(session=session, contact_id=second).custom == {
            "Renewal": "2027-06-05",
            "Size": "Large",
        }
    assert _matching(db, "Renewal:<2027-06-01") == [first]
    assert _matching(db, "Renewal:>=1406-03-01") == [second]  # a Jalali day
    assert _matching(db, "Size:large") == [second]
    with db.read() as session, pytest.raises(CrmError, match="'huge' is not one of Small, Large"):
        contact_ids_matching(session=session, query=ContactQuery(rule="Size:huge"))


def test_fields_through_the_cli_an_import_and_a_bulk_action(db_url: str, tmp_path: Path) -> None:
    crm(db_url, "contacts", "add", "Sara", "--field", "Budget=100")
    code, out, err = crm(db_url, "fields", "add", "Budget", "--type", "number")
    assert (code, out) == (0, "defined Budget (number): 1 values, 0 rewritten as number\n"), err
    code, _, err = crm(db_url, "fields", "add", "budget")
    assert code == 1 and "the field 'budget' is defined already" in err
    code, _, err = crm(db_url, "contacts", "add", "Ali", "--field", "Budget=lots")
    assert code == 1 and "Budget: not a number: 'lots'" in err
    code, _, err = crm(db_url, "fields", "add", "Size", "--type", "choice")
    assert code == 1 and "a choice field needs its choices" in err
    code, _, err = crm(db_url, "fields", "add", "Size", "--type", "huge")
    assert code == 2 and "choose one of text, number" in err
    people = tmp_path / "people.csv"
    people.write_text('name,Budget\nMina,"2,500"\nNeda,lots\n', encoding="utf-8")
    code, _, err = crm(db_url, "import", "contacts", str(people))
    assert code == 1 and "line 3" in err and "Budget: not a number: 'lots'" in err
    code, out, err = crm(db_url, "import", "contacts", str(people), "--skip-bad")
    assert code == 3, err
    code, out, _ = crm(db_url, "contacts", "show", "Mina", "--json")
    assert json.loads(out)["custom"] == {"Budget": "2500"}
    code, _, err = crm(db_url, "bulk", "set", "Budget=lots", "Mina", "--yes")
    assert code == 1 and "Budget: not a number" in err
    code, out, _ = crm(db_url, "fields", "list", "--json")
    assert json.loads(out) == [
        {"name": "Budget", "type": "number", "choices": [], "default": "", "currency": ""}
    ]


def test_a_json_import_checks_typed_fields_too(db_url: str, tmp_path: Path) -> None:
    crm(db_url, "fields", "add", "Renewal", "--type", "date")
    people = tmp_path / "people.json"
    people.write_text(
        json.dumps(
            [
                {"name": "Sara", "custom": {"renewal": "1406-03-15"}},
                {"name": "Ali", "Renewal": "soon"},
            ]
        ),
        encoding="utf-8",
    )
    code, _, err = crm(db_url, "import", "contacts", str(people), "--skip-bad")
    assert code == 3 and "Renewal:" in err and "'soon'" in err
    code, out, _ = crm(db_url, "contacts", "show", "Sara", "--json")
    assert json.loads(out)["custom"] == {"Renewal": "2027-06-05"}


def test_a_large_file_read_in_the_background_checks_typed_fields(
    db_url: str, tmp_path: Path
) -> None:
    """Past BACKGROUND_BYTES a second process reads the file: it is sent the fields too."""
    from crm_tui.importing.reading import BACKGROUND_BYTES

    crm(db_url, "fields", "add", "Budget", "--type", "number")
    crm(db_url, "fields", "add", "Tier", "--type", "choice", "--choices", "A,B", "--default", "b")
    lines = [f'Person {i},p{i}@x.example,"{i},000"' for i in range(1, 40_000)]
    people = tmp_path / "people.csv"
    people.write_text("name,email,Budget\n" + "\n".join(lines) + "\nLast,l@x.example,lots\n")
    assert people.stat().st_size > BACKGROUND_BYTES
    code, out, err = crm(db_url, "import", "contacts", str(people), "--skip-bad")
    assert code == 3 and "line 40001" in err and "Budget: not a number: 'lots'" in err, err
    code, out, _ = crm(db_url, "contacts", "show", "p12@x.example", "--json")
    assert json.loads(out)["custom"] == {"Budget": "12000", "Tier": "B"}  # and its default


def test_an_import_gives_new_contacts_the_defaults_and_leaves_updated_ones(
    db_url: str, tmp_path: Path
) -> None:
    crm(db_url, "contacts", "add", "Sara", "--email", "sara@x.example")
    code, _, err = crm(
        db_url,
        "fields",
        "add",
        "Size",
        "--type",
        "choice",
        "--choices",
        "Small,Large",
        "--default",
        "small",
    )
    assert code == 0, err
    people = tmp_path / "people.csv"
    people.write_text("name,email,Size\nMina,mina@x.example,\nNeda,neda@x.example,LARGE\n")
    assert crm(db_url, "import", "contacts", str(people))[0] == 0
    again = tmp_path / "again.csv"
    again.write_text("name,email,City\nSara,sara@x.example,Tehran\nOmid,omid@x.example,Rasht\n")
    code, out, err = crm(db_url, "import", "contacts", str(again), "--on-duplicate", "update")
    assert code == 0 and "created 1, updated 1" in out, err
    shown = {
        name: json.loads(crm(db_url, "contacts", "show", name, "--json")[1])["custom"]
        for name in ("Mina", "Neda", "Sara", "Omid")
    }
    assert shown == {
        "Mina": {"Size": "Small"},
        "Neda": {"Size": "Large"},
        "Sara": {"City": "Tehran"},  # updated, not new: no default
        "Omid": {"City": "Rasht", "Size": "Small"},
    }


def test_a_bundle_keeps_the_definitions(
    db: Database, databases: Databases, migrated_template: Template, tmp_path: Path
) -> None:
    from crm_tui.db import open_database
    from crm_tui.services import bundle
    from crm_tui.services.fields import list_fields

    with db.write() as session:
        add_field(session=session, definition=FieldDef("Price", FieldKind.MONEY, currency="IRR"))
        add_field(session=session, definition=SIZE)
        defined = list_fields(session=session)
        bundle.dump(session=session, folder=tmp_path / "bundle")
    target = open_database(databases.clone(migrated_template, "target"))
    try:
        with target.write() as session:
            bundle.load(session=session, folder=tmp_path / "bundle")
        with target.read() as session:
            assert list_fields(session=session) == defined
    finally:
        target.close()


async def test_define_a_field_in_the_app(db: Database) -> None:
    """F on the contacts list: a type refused while a value does not fit (named), then,
    once mended, the values converted; a defined field's name fills in what it is."""
    from textual.widgets import Input, Select

    from screens.contacts import ContactsScreen
    from screens.fields_dialog import FieldsDialog
    from tests.screens_helpers import make_app, open_screen, settle

    ids = _budgets(db)
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_screen(pilot, "2", ContactsScreen)
        await pilot.press("F")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FieldsDialog)
        said = dialog.query_one("#field-said")
        dialog.query_one("#field-name", Input).value = "Budget"
        dialog.query_one("#field-kind", Select).value = "number"
        await pilot.click("#field-save")
        await settle(pilot)
        assert "Budget stays text: 1 of 4 values are not number" in str(said.render())
        assert f"#{ids[3]} Mina" in str(said.render())
        with db.write() as session:
            update_contact(
                session=session,
                contact_id=ids[3],
                changes=ContactUpdate(custom={"Budget": "5000"}),
                expected_version=None,
            )
        await pilot.click("#field-save")
        await settle(pilot)
        assert "Budget (number): 4 values, 3 rewritten" in str(said.render())
        assert "Budget: number" in str(dialog.query_one("#fields-list").render())
        dialog.query_one("#field-name", Input).value = ""
        dialog.query_one("#field-kind", Select).value = "text"
        dialog.query_one("#field-name", Input).value = "budget"
        await settle(pilot)
        assert dialog.query_one("#field-kind", Select).value == "number"
    with db.read() as session:
        assert get_contact(session=session, contact_id=ids[0]).custom == {"Budget": "1200"}


def test_a_vcard_import_checks_typed_fields_too(db_url: str, tmp_path: Path) -> None:
    crm(db_url, "fields", "add", "Newsletter", "--type", "yes-no")
    cards = tmp_path / "people.vcf"
    cards.write_text(
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Sara\r\nX-CRM-CUSTOM;X-KEY=newsletter:بله\r\n"
        "END:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ali\r\n"
        "X-CRM-CUSTOM;X-KEY=Newsletter:maybe\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    code, _, err = crm(db_url, "import", "contacts", str(cards), "--skip-bad")
    assert code == 3 and "line 6: card 2" in err and "'maybe': write yes or no" in err, err
    code, out, _ = crm(db_url, "contacts", "show", "Sara", "--json")
    assert json.loads(out)["custom"] == {"Newsletter": "yes"}


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False))
def test_a_stored_value_reads_back_as_itself(number: Decimal) -> None:
    """Saving a form again must not move a value: "1.125" stays one and an eighth."""
    for definition in (NUMBER, EUROS, RIALS):
        try:
            stored = definition.canonical(f"{abs(number):f}")
        except ValidationError:  # more decimals than the currency has
            continue
        assert definition.canonical(stored) == stored


def test_two_spellings_of_a_typed_field_are_refused_not_merged(db: Database) -> None:
    with db.write() as session:
        both = add_contact(session, "Sara", custom={"Budget": "10", "budget": "20"})
        add_field(session=session, definition=FieldDef("Budget"))  # text: fine as it is
        with pytest.raises(ValidationError, match="Budget is given twice"):
            create_contact(
                session=session,
                data=ContactCreate(name="Ali", custom={"budget": "1", "BUDGET": "2"}),
            )
    with db.write() as session:
        report = edit_field(session=session, name="Budget", kind=FieldKind.NUMBER)
    assert report.misfits == [f"#{both} Sara: Budget is held twice ('Budget' and 'budget')"]
    assert report.definition == FieldDef("Budget")  # kept as it was: text


def test_an_edit_that_does_not_fit_keeps_the_field_as_it_was(db: Database) -> None:
    with db.write() as session:
        add_field(
            session=session, definition=FieldDef("Size", FieldKind.CHOICE, ("Small", "Large"))
        )
        add_contact(session, "Sara", custom={"Size": "large"})
        report = edit_field(session=session, name="size", choices=("Small", "Medium"))
    assert report.not_converted and report.misfit_count == 1
    assert report.definition == FieldDef("Size", FieldKind.CHOICE, ("Small", "Large"))
    assert _matching(db, "Size:large")  # still a choice, still compared as one


def test_bulk_set_takes_any_spelling_of_a_defined_field(db: Database) -> None:
    from crm_tui.services import bulk

    with db.write() as session:
        ids = [add_contact(session, "Sara", custom={"budget": "7"}), add_contact(session, "Ali")]
        add_field(session=session, definition=FieldDef("Budget", FieldKind.MONEY, currency="EUR"))
    with db.write() as session:
        report = bulk.run_bulk(
            session=session, contact_ids=ids, action=bulk.SetField("budget", "1.5k EUR")
        )
    assert report.changed == 2
    with db.read() as session:
        held = [get_contact(session=session, contact_id=i).custom for i in ids]
    assert held == [{"Budget": "1500.00"}, {"Budget": "1500.00"}]
    assert _matching(db, "Budget:>1000EUR") == ids


async def test_tab_goes_from_the_default_to_save_in_the_fields_dialog(db: Database) -> None:
    """The empty message box under the default took a Tab: Enter then did nothing."""
    from textual.widgets import Button

    from screens.contacts import ContactsScreen
    from screens.fields_dialog import FieldsDialog
    from tests.screens_helpers import make_app, open_screen, settle

    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_screen(pilot, "2", ContactsScreen)
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, FieldsDialog)
        app.screen.query_one("#field-default").focus()
        await pilot.press("tab")
        focused = app.focused
        assert isinstance(focused, Button) and focused.id == "field-save", focused
