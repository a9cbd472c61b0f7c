"""Work about a deal: interactions and tasks that point at one, its next step, its timeline;
an organization's timeline and numbers. Services on both databases, the CLI, and the keys
that reach them from the pipeline and the contacts list."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from crm_tui.db import Database
from crm_tui.errors import NotFoundError, ValidationError
from crm_tui.models import Contact, Interaction, Task
from crm_tui.schemas import (
    ContactUpdate,
    DealCreate,
    InteractionCreate,
    InteractionUpdate,
    TaskCreate,
)
from crm_tui.services import deals
from crm_tui.services.contacts import update_contact
from crm_tui.services.interactions import create_interaction, get_interaction, update_interaction
from crm_tui.services.tasks import create_deal_follow_up, create_follow_up, create_task
from crm_tui.services.team import add_member
from crm_tui.services.timeline import (
    deal_timeline,
    organization_overview,
    organization_timeline,
)
from tests.conftest import add_contact
from tests.screens_helpers import make_app, settle
from tests.test_cli import crm


def _deal(session: Session, title: str = "Website", **values: object) -> int:
    data = {"title": title, "currency": "EUR", **values}
    return deals.create_deal(session=session, data=DealCreate.build(**data)).id


def _note(session: Session, contact: int, subject: str, **values: object) -> int:
    data = InteractionCreate.build(contact_ids=[contact], subject=subject, **values)
    return create_interaction(session=session, data=data).id


def test_work_points_at_a_live_deal_and_its_timeline_lists_it(session: Session) -> None:
    sara = add_contact(session, "سارا نوری")
    deal = _deal(session, "قرارداد پشتیبانی", contact_id=sara)
    call = _note(session, sara, "Quote call", deal_id=deal)
    task = create_task(session=session, data=TaskCreate(title="Send the quote", deal_id=deal))
    assert get_interaction(session=session, interaction_id=call).deal == "قرارداد پشتیبانی"
    assert task.deal_id == deal and task.deal == "قرارداد پشتیبانی"
    other = _note(session, sara, "Not about it")
    timeline = deal_timeline(session=session, deal_id=deal)
    assert sorted((entry.kind, entry.id) for entry in timeline) == [
        ("interaction", call),
        ("task", task.id),
    ]
    with pytest.raises(ValidationError, match="no deal with id 999"):
        _note(session, sara, "Lost", deal_id=999)
    update_interaction(
        session=session,
        interaction_id=other,
        changes=InteractionUpdate(deal_id=deal),
        expected_version=1,
    )
    assert len(deal_timeline(session=session, deal_id=deal)) == 3
    deals.delete_deals(session=session, deal_ids=[deal])
    with pytest.raises(ValidationError, match=f"no deal with id {deal}"):
        create_task(session=session, data=TaskCreate(title="Too late", deal_id=deal))
    # In the trash, the deal keeps what was done about it.
    stored = session.get(Interaction, call)
    assert stored is not None and stored.deal_id == deal


def test_a_follow_up_stays_on_the_deal_and_a_deal_s_next_step_goes_to_its_owner(
    session: Session,
) -> None:
    sara = add_contact(session, "Sara")
    owner = add_member(session=session, name="Negar Tehrani").id
    deal = _deal(session, "Logo", contact_id=sara, owner_id=owner)
    call = _note(session, sara, "Quote call", deal_id=deal)
    follow_up = create_follow_up(session=session, interaction_id=call, due=date(2026, 12, 9))
    assert (follow_up.deal_id, follow_up.contact_id) == (deal, sara)
    step = create_deal_follow_up(session=session, deal_id=deal, due=date(2026, 12, 10))
    assert (step.title, step.contact_id, step.assignee_id, step.deal_id) == (
        "Follow up: Logo",
        sara,
        owner,
        deal,
    )
    with pytest.raises(NotFoundError, match="no deal with id 4040"):
        create_deal_follow_up(session=session, deal_id=4040, due=None)


def test_an_organization_s_numbers_and_timeline_take_its_people_and_its_deals(
    session: Session,
) -> None:
    ali = add_contact(session, "Ali", organization="شرکت پارس")
    mina = add_contact(session, "Mina", organization="شرکت پارس")
    outsider = add_contact(session, "Omid", organization="Other Co")
    organization_id = session.scalar(select(Contact.organization_id).where(Contact.id == ali))
    assert organization_id is not None
    own = _deal(session, "Own deal", organization="شرکت پارس", value_minor=120_050)
    won = _deal(session, "Ali's deal", contact_id=ali, currency="IRR", value_minor=10**9)
    deals.win_deal(session=session, deal_id=won)
    _deal(session, "Elsewhere", contact_id=outsider, value_minor=999)
    call = _note(session, ali, "Call")
    task = create_task(session=session, data=TaskCreate(title="Visit", contact_id=mina)).id
    _note(session, outsider, "Not theirs")
    overview = organization_overview(session=session, organization_id=organization_id)
    assert (overview.name, overview.people) == ("شرکت پارس", 2)
    assert overview.open_deals == {"EUR": (1, 120_050)}
    assert overview.won_deals == {"IRR": (1, 10**9)}
    timeline = organization_timeline(session=session, organization_id=organization_id)
    assert sorted((entry.kind, entry.id) for entry in timeline) == [
        ("deal", own),
        ("deal", won),
        ("interaction", call),
        ("task", task),
    ]
    # Someone who leaves takes their work along: it is theirs, not the organization's.
    update_contact(
        session=session, contact_id=mina, changes=ContactUpdate(organization=""), expected_version=1
    )
    after = organization_timeline(session=session, organization_id=organization_id)
    assert ("task", task) not in [(entry.kind, entry.id) for entry in after]


def test_the_cli_logs_about_a_deal_and_shows_what_touched_it(db_url: str) -> None:
    crm(db_url, "contacts", "add", "Sara", "--org", "شرکت پارس")
    assert crm(db_url, "deals", "add", "Logo", "--value", "500", "--contact", "1")[0] == 0
    code, out, err = crm(db_url, "log", "Sent the draft", "--deal", "1", "--channel", "email")
    assert (code, out, err) == (0, "logged email #1 with Sara\n", "")
    code, out, _ = crm(db_url, "deals", "follow-up", "1", "--due", "2026-12-31")
    assert (code, out) == (0, "added task #1 Follow up: Logo due 2026-12-31\n")
    shown = json.loads(crm(db_url, "deals", "show", "1", "--json")[1])
    assert [(e["kind"], e["title"]) for e in shown["timeline"]] == [
        ("task", "Follow up: Logo"),
        ("interaction", "Sent the draft"),
    ]
    organization = json.loads(crm(db_url, "orgs", "show", "شرکت پارس", "--json")[1])
    assert organization["people"] == 1
    assert organization["open_deals"] == {"EUR": {"deals": 1, "value": "500.00"}}
    assert {e["kind"] for e in organization["timeline"]} == {"deal", "interaction", "task"}
    code, _, err = crm(db_url, "log", "Nobody", "--deal", "7")
    assert (code, err) == (1, "crm: error: no deal with id 7\n")
    code, _, err = crm(db_url, "orgs", "show", "Nowhere")
    assert (code, err) == (1, "crm: error: no organization 'Nowhere'\n")


def test_interactions_imported_about_a_deal_name_it_by_id(db_url: str, tmp_path: Path) -> None:
    crm(db_url, "contacts", "add", "Sara", "--email", "sara@x.example")
    crm(db_url, "deals", "add", "Logo", "--contact", "1")
    path = tmp_path / "log.csv"
    path.write_text(
        "contact_email,occurred_at,subject,deal_id\n"
        "sara@x.example,2026-11-01 10:00,About the logo,#1\n"
        "sara@x.example,2026-11-02 10:00,About nothing there,42\n",
        encoding="utf-8",
    )
    code, _, err = crm(db_url, "import", "interactions", str(path))
    assert code == 1 and "line 3: no deal with id 42 (or it is in the trash)" in err
    assert crm(db_url, "import", "interactions", str(path), "--skip-bad")[0] == 3
    shown = json.loads(crm(db_url, "deals", "show", "1", "--json")[1])
    assert [e["title"] for e in shown["timeline"]] == ["About the logo"]
    # The deal stays when the import that brought it is undone: it was worked on since.
    deals_file = tmp_path / "deals.csv"
    deals_file.write_text("title,value\nSite,100\n", encoding="utf-8")
    assert crm(db_url, "import", "deals", str(deals_file))[0] == 0
    crm(db_url, "log", "About the site", "--deal", "2", "--contact", "1")
    batch = json.loads(crm(db_url, "import", "list", "--json")[1])[0]["id"]
    code, _, err = crm(db_url, "import", "undo", str(batch))
    assert code == 1
    assert err.splitlines()[0] == "crm: kept deal #2 Site: interaction #2 is about it"


async def test_from_the_pipeline_a_call_and_a_next_step_about_a_deal(db: Database) -> None:
    """``i`` logs an interaction about the deal, ``t`` adds its next step, ``o`` shows
    both under the deal's stages; on the contacts list ``o`` opens the organization."""
    from screens.contacts import ContactsScreen
    from screens.pipeline import PipelineScreen
    from screens.timeline_dialog import TimelineDialog

    with db.write() as session:
        sara = add_contact(session, "Sara", organization="شرکت پارس")
        deal = _deal(session, "قرارداد", contact_id=sara)
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, PipelineScreen)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press(*"Quote call", "ctrl+s")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        with db.read() as session:
            calls = session.execute(select(Interaction.subject, Interaction.deal_id)).all()
            tasks = session.execute(select(Task.title, Task.deal_id, Task.contact_id)).all()
        assert calls == [("Quote call", deal)]
        assert tasks == [("Follow up: قرارداد", deal, sara)]
        await pilot.press("o")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TimelineDialog) and dialog.story is not None
        assert [entry.title for entry in dialog.story.timeline] == [
            "Follow up: قرارداد",
            "Quote call",
        ]
        assert dialog.story.facts[1].strip().startswith("Lead: ")
        await pilot.press("escape", "2")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        await pilot.press("o")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TimelineDialog) and dialog.story is not None
        assert dialog.story.heading == "شرکت پارس"
        assert dialog.story.facts[:2] == ["1 person", "Open deals: 1 deal, 0.00 EUR"]
        assert len(dialog.story.timeline) == 3  # the deal, the call and the task


async def test_a_stale_deal_save_shows_both_versions_and_loses_nothing(db: Database) -> None:
    """A teammate changed the deal while it was open: the form shows both; Enter takes
    theirs with my change on top, and saving keeps both."""
    from textual.widgets import Input, Static, TextArea

    from crm_tui.schemas import DealUpdate
    from screens.conflict import ConflictDialog
    from screens.deal_form import DealForm

    with db.write() as session:
        deal = deals.get_deal(session=session, deal_id=_deal(session, "Logo", value_minor=500))
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("5", "e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DealForm)
        form.query_one("#f-title", Input).value = "Logo and letterhead"
        with db.write() as session:
            data = DealUpdate(notes="they want it by March", value_minor=90_000)
            deals.update_deal(session=session, deal_id=deal.id, data=data)
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConflictDialog)
        table = str(dialog.query_one("#conflict-table", Static).render())
        assert "Logo and letterhead" in table  # what I changed, beside what it is now
        await pilot.press("enter")  # their version, my change on top
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#f-title", Input).value == "Logo and letterhead"
        assert form.query_one("#f-notes", TextArea).text == "they want it by March"
        await pilot.press("ctrl+s")
        await settle(pilot)
    with db.read() as session:
        saved = deals.get_deal(session=session, deal_id=deal.id)
    assert (saved.title, saved.notes, saved.value_minor) == (
        "Logo and letterhead",
        "they want it by March",
        90_000,
    )
    assert saved.version == deal.version + 2


def test_an_organization_s_totals_do_not_overflow(session: Session) -> None:
    """A hundred deals of 10^15 EUR sum past 2^63 minor units: the totals are summed as
    the reports sum them, in two halves, and come out exact."""
    add_contact(session, "Ali", organization="شرکت پارس")
    for number in range(100):
        _deal(session, f"Big {number}", organization="شرکت پارس", value_minor=10**17)
    organization_id = session.scalar(select(Contact.organization_id))
    assert organization_id is not None
    overview = organization_overview(session=session, organization_id=organization_id)
    assert overview.open_deals == {"EUR": (100, 100 * 10**17)}
