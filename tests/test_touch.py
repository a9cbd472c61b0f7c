"""Keep-in-touch rhythms (issue 26, point 3): a contact's own, a tag's, the shorter of two
tags', its own over its tags'; due from the last interaction (or from when it was added);
logging one resets it. Services on both databases, the CLI, Today's list and crm remind."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from crm_tui.db import Database
from crm_tui.schemas import ContactUpdate, InteractionCreate
from crm_tui.services.contacts import delete_contacts, update_contact
from crm_tui.services.interactions import create_interaction
from crm_tui.services.touch import due_contacts, set_tag_rhythm
from tests.conftest import add_contact
from tests.screens_helpers import make_app, settle
from tests.test_cli import crm

TODAY = date.today()


def _called(session: Session, contact: int, days_ago: int) -> None:
    when = datetime.now(UTC) - timedelta(days=days_ago)
    data = InteractionCreate.build(contact_ids=[contact], subject="call", occurred_at=when)
    create_interaction(session=session, data=data)


def _due(session: Session, **query: object) -> list[tuple[str, int, date]]:
    found, total = due_contacts(session=session, by=TODAY, **query)  # type: ignore[arg-type]
    assert total == len(found)
    return [(one.name, one.every, one.due) for one in found]


def test_who_is_due_by_their_own_rhythm_or_their_tags(session: Session) -> None:
    own = add_contact(session, "Own rhythm", touch_every=10, tags=["vip"])
    tagged = add_contact(session, "سارا", tags=["vip", "monthly"])
    fresh = add_contact(session, "Fresh", tags=["vip"])
    add_contact(session, "No rhythm", tags=["other"])
    _called(session, own, 12)  # its own 10 days win over vip's 5: due two days ago
    _called(session, tagged, 6)  # vip (5) is shorter than monthly (30): due yesterday
    _called(session, fresh, 2)  # not yet
    assert set_tag_rhythm(session=session, name="vip", days=5) == 3
    set_tag_rhythm(session=session, name="monthly", days=30)
    assert _due(session) == [
        ("Own rhythm", 10, TODAY - timedelta(days=2)),
        ("سارا", 5, TODAY - timedelta(days=1)),
    ]
    _called(session, tagged, 0)  # a call today resets it
    assert [name for name, _, _ in _due(session)] == ["Own rhythm"]
    delete_contacts(session=session, contact_ids=[own])
    assert _due(session) == []
    later, _ = due_contacts(session=session, by=TODAY + timedelta(days=3))
    soon = next(one for one in later if one.contact_id == fresh)
    assert (soon.every, soon.due) == (5, TODAY + timedelta(days=3))


def test_never_contacted_is_due_from_when_it_was_added_and_the_count_is_true(
    session: Session,
) -> None:
    ids = [add_contact(session, f"Lead {n}", tags=["new"]) for n in range(4)]
    set_tag_rhythm(session=session, name="new", days=1)
    assert _due(session) == []  # added today: due tomorrow
    later = TODAY + timedelta(days=1)
    found, total = due_contacts(session=session, by=later, limit=2)
    assert (len(found), total) == (2, 4)
    update_contact(
        session=session,
        contact_id=ids[0],
        changes=ContactUpdate.build(touch_every=3),
        expected_version=1,
    )
    assert due_contacts(session=session, by=later)[1] == 3  # its own rhythm wins
    found, _ = due_contacts(session=session, by=later, after=TODAY)
    assert len(found) == 3


def test_the_cli_sets_rhythms_and_the_agenda_lists_who_is_due(db_url: str) -> None:
    assert crm(db_url, "contacts", "add", "Sara", "--tag", "vip", "--touch-every", "7")[0] == 0
    crm(db_url, "contacts", "add", "Ali", "--tag", "vip")
    crm(db_url, "log", "Called", "--contact", "Sara", "--when", "-9d")
    crm(db_url, "log", "Called", "--contact", "Ali", "--when", "-40d")
    code, out, _ = crm(db_url, "tags", "every", "vip", "30")
    assert (code, out) == (0, "vip: every 30 days (2 contacts)\n")
    tags = json.loads(crm(db_url, "tags", "list", "--json")[1])
    assert tags == [{"tag": "vip", "contacts": 2, "touch_every": 30}]
    agenda = json.loads(crm(db_url, "agenda", "--json")[1])
    assert [(one["name"], one["every"]) for one in agenda["touch_due"]] == [
        ("Ali", 30),
        ("Sara", 7),
    ]
    assert agenda["touch_due_total"] == 2
    code, out, _ = crm(db_url, "agenda")
    assert "Keep in touch (2)\n" in out and "#1 Sara (every 7 days)" in out
    assert crm(db_url, "contacts", "edit", "Sara", "--touch-every", "0")[0] == 0
    shown = json.loads(crm(db_url, "contacts", "show", "Sara", "--json")[1])
    assert shown["touch_every"] is None  # by its tag again: due in 21 days
    assert json.loads(crm(db_url, "agenda", "--json")[1])["touch_due_total"] == 1
    code, _, err = crm(db_url, "tags", "every", "nosuch", "3")
    assert (code, err) == (1, "crm: error: no tag 'nosuch'\n")
    code, _, err = crm(db_url, "contacts", "add", "X", "--touch-every", "4000")
    assert code == 2 and "--touch-every" in err


async def test_today_lists_who_is_due_and_a_call_logged_there_clears_it(db: Database) -> None:
    """On Today, "Keep in touch: due" lists the contact; l logs a call with them, and the
    list no longer holds them."""
    from screens.today import TodayScreen

    with db.write() as session:
        sara = add_contact(session, "Sara Nouri", touch_every=7)
        _called(session, sara, 30)
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TodayScreen) and screen.data is not None
        due = screen.data.agenda.touch_due
        assert [one.name for one in due] == ["Sara Nouri"]
        key = next(k for k, (kind, item) in screen.items.items() if item is due[0])
        listing = screen.query_one("#today-list")
        listing.highlighted = listing.get_option_index(key)  # type: ignore[attr-defined]
        await pilot.press("l")
        await settle(pilot)
        await pilot.press(*"Checked in", "ctrl+s")
        await settle(pilot)
        assert screen.data is not None and screen.data.agenda.touch_due == []


def test_a_segment_s_rhythm_covers_whom_its_rule_holds_now(db_url: str) -> None:
    """A segment's rhythm follows its rule: a contact who comes to match it is due by it."""
    crm(db_url, "contacts", "add", "Sara", "--status", "customer", "--field", "City=Tehran")
    crm(db_url, "contacts", "add", "Ali", "--status", "lead", "--field", "City=Tehran")
    crm(db_url, "log", "Called", "--contact", "Sara", "--when", "-20d")
    crm(db_url, "log", "Called", "--contact", "Ali", "--when", "-20d")
    crm(db_url, "segments", "add", "Tehran customers", "status:customer City:Tehran")
    assert crm(db_url, "segments", "every", "Tehran customers", "14")[1] == (
        "Tehran customers: every 14 days\n"
    )
    due = json.loads(crm(db_url, "agenda", "--json")[1])["touch_due"]
    assert [(one["name"], one["every"]) for one in due] == [("Sara", 14)]
    crm(db_url, "contacts", "edit", "Ali", "--status", "customer")
    due = json.loads(crm(db_url, "agenda", "--json")[1])["touch_due"]
    assert sorted(one["name"] for one in due) == ["Ali", "Sara"]
    crm(db_url, "contacts", "edit", "Ali", "--touch-every", "60")  # its own wins
    due = json.loads(crm(db_url, "agenda", "--json")[1])["touch_due"]
    assert [one["name"] for one in due] == ["Sara"]
    code, _, err = crm(db_url, "segments", "every", "Nobody", "3")
    assert (code, err) == (1, "crm: error: no segment 'Nobody'\n")


def test_a_rhythm_overrides_stale_days(db_url: str) -> None:
    """A quiet customer with a rhythm is due by it: never on the stale_days list (30), its
    total counted without them."""
    for name in ("Quiet", "Rhythm 90", "Tagged"):
        crm(db_url, "contacts", "add", name, "--status", "customer")
        crm(db_url, "log", "Called", "--contact", name, "--when", "-40d")
    crm(db_url, "contacts", "edit", "Rhythm 90", "--touch-every", "90")
    crm(db_url, "contacts", "tag", "monthly", "Tagged")
    crm(db_url, "tags", "every", "monthly", "30")
    agenda = json.loads(crm(db_url, "agenda", "--json")[1])
    assert [row["name"] for row in agenda["stale_contacts"]] == ["Quiet"]
    assert agenda["stale_contacts_total"] == 1
    assert [one["name"] for one in agenda["touch_due"]] == ["Tagged"]  # 90 days: not yet
