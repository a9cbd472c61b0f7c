"""Birthdays coming up (issue 26, point 4): read by month and day through the database, over
New Year, a year-less one, 29 February in a year without it; on Today, in crm agenda and in
the agenda screen's row of the day, and reminded ahead by crm remind. Services on both
databases."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from crm_tui.db import Database
from crm_tui.services.birthdays import upcoming_birthdays
from tests.conftest import FIXED_TODAY, add_contact
from tests.screens_helpers import make_app, settle
from tests.test_cli import crm


def _coming(session: Session, today: date, days: int) -> list[tuple[str, date, int | None]]:
    found, total = upcoming_birthdays(session=session, today=today, days=days)
    assert total == len(found)
    return [(one.name, one.day, one.turns) for one in found]


def test_birthdays_in_the_window_soonest_first(session: Session) -> None:
    add_contact(session, "سارا", birthday=date(1990, 12, 9))
    add_contact(session, "Year-less", birthday="--12-06")
    add_contact(session, "Yesterday", birthday=date(1985, 12, 4))
    add_contact(session, "Far", birthday=date(1985, 3, 4))
    add_contact(session, "Nobody's birthday")
    today = date(2026, 12, 5)
    assert _coming(session, today, 7) == [
        ("Year-less", date(2026, 12, 6), None),
        ("سارا", date(2026, 12, 9), 36),
    ]
    assert _coming(session, today, 0) == []


def test_over_new_year_and_on_29_february(session: Session) -> None:
    add_contact(session, "January", birthday=date(2000, 1, 2))
    add_contact(session, "December", birthday=date(2000, 12, 30))
    add_contact(session, "Leap", birthday=date(2000, 2, 29))
    assert _coming(session, date(2026, 12, 28), 7) == [
        ("December", date(2026, 12, 30), 26),
        ("January", date(2027, 1, 2), 27),
    ]
    # 2027 has no 29 February: the 28th; 2028 has one.
    assert _coming(session, date(2027, 2, 25), 5) == [("Leap", date(2027, 2, 28), 27)]
    assert _coming(session, date(2028, 2, 25), 5) == [("Leap", date(2028, 2, 29), 28)]
    found, total = upcoming_birthdays(session=session, today=date(2026, 1, 1), days=365, limit=2)
    assert (len(found), total) == (2, 3)


def test_crm_agenda_lists_them_and_the_setting_is_checked(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    soon = date.today() + timedelta(days=2)
    crm(db_url, "contacts", "add", "Sara", "--birthday", soon.replace(year=1990).isoformat())
    agenda = json.loads(crm(db_url, "agenda", "--json")[1])
    assert agenda["birthdays"] == [
        {
            "contact_id": 1,
            "name": "Sara",
            "day": soon.isoformat(),
            "turns": soon.year - 1990,
            "label": "birthday",
        }
    ]
    assert agenda["birthdays_total"] == 1
    config = tmp_path / "config.toml"
    config.write_text("birthday_days = 1\n", encoding="utf-8")
    monkeypatch.setenv("CRM_CONFIG", str(config))
    assert json.loads(crm(db_url, "agenda", "--json")[1])["birthdays"] == []
    config.write_text("birthday_days = 400\n", encoding="utf-8")
    code, _, err = crm(db_url, "agenda")
    assert code == 1 and "birthday_days must be a number of days from 0 to 365" in err


async def test_today_and_the_agenda_screen_show_a_birthday(db: Database) -> None:
    from screens.agenda import AgendaScreen
    from screens.today import TodayScreen

    with db.write() as session:
        born = (FIXED_TODAY + timedelta(days=1)).replace(year=1990)
        add_contact(session, "Negar Tehrani", birthday=born)
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        today = app.screen
        assert isinstance(today, TodayScreen) and today.data is not None
        assert [(b.name, b.turns) for b in today.data.agenda.birthdays] == [("Negar Tehrani", 36)]
        await pilot.press("7")
        await settle(pilot)
        agenda = app.screen
        assert isinstance(agenda, AgendaScreen) and agenda.week is not None
        assert [b.name for b in agenda.week.born(FIXED_TODAY + timedelta(days=1))] == [
            "Negar Tehrani"
        ]
        # The cursor to tomorrow's row of the day: the pane names the birthday.
        await pilot.press("right", "up", "up", "up", "up", "up", "up", "up", "up", "up")
        await settle(pilot)
        detail = str(agenda.query_one("#agenda-detail").render())
        assert "★ birthday: Negar Tehrani, 36 years" in detail


def test_yearly_dates_come_up_beside_birthdays_and_follow_a_merge(session: Session) -> None:
    from crm_tui.services.birthdays import add_date, dates_of, remove_date
    from crm_tui.services.merge import merge_contacts, undo_merge

    sara = add_contact(session, "Sara", birthday=date(1990, 12, 9))
    other = add_contact(session, "S. Nouri")
    wedding = add_date(
        session=session, contact_id=sara, label="سالگرد ازدواج", day=date(2015, 12, 7)
    )
    add_date(session=session, contact_id=other, label="renewal", day=date(1604, 12, 8))
    today = date(2026, 12, 5)
    assert [
        (o.name, o.label, o.day, o.turns)
        for o in upcoming_birthdays(session=session, today=today, days=7)[0]
    ] == [
        ("Sara", "سالگرد ازدواج", date(2026, 12, 7), 11),
        ("S. Nouri", "renewal", date(2026, 12, 8), None),
        ("Sara", "birthday", date(2026, 12, 9), 36),
    ]
    merge_id, _ = merge_contacts(session=session, keep_id=sara, other_id=other)
    assert [d.label for d in dates_of(session=session, contact_id=sara)] == [
        "سالگرد ازدواج",
        "renewal",
    ]
    undo_merge(session=session, merge_id=merge_id)
    assert [d.label for d in dates_of(session=session, contact_id=other)] == ["renewal"]
    remove_date(session=session, date_id=wedding.id)
    assert [o.label for o in upcoming_birthdays(session=session, today=today, days=7)[0]] == [
        "renewal",
        "birthday",
    ]


def test_crm_contacts_add_date_dates_and_remove_date(db_url: str) -> None:
    crm(db_url, "contacts", "add", "Sara")
    code, out, _ = crm(db_url, "contacts", "add-date", "Sara", "anniversary", "12-08")
    assert (code, out) == (0, "added #1 anniversary --12-08 to Sara\n")
    assert crm(db_url, "contacts", "add-date", "Sara", "renewal", "2020-03-01")[0] == 0
    listed = json.loads(crm(db_url, "contacts", "dates", "Sara", "--json")[1])
    assert listed == [
        {"id": 1, "label": "anniversary", "day": "--12-08"},
        {"id": 2, "label": "renewal", "day": "2020-03-01"},
    ]
    code, _, err = crm(db_url, "contacts", "add-date", "Sara", "x", "2020-13-40")
    assert code == 2 and "no such day" in err
    assert crm(db_url, "contacts", "drop-date", "1")[1] == "removed #1 anniversary\n"
    code, _, err = crm(db_url, "contacts", "drop-date", "1")
    assert (code, err) == (1, "crm: error: no yearly date with id 1\n")


def test_a_contact_shows_its_yearly_dates(db_url: str) -> None:
    crm(db_url, "contacts", "add", "Sara")
    crm(db_url, "contacts", "add-date", "Sara", "سالگرد", "06-21")
    code, out, _ = crm(db_url, "contacts", "show", "Sara")
    assert code == 0 and "  سالگرد         --06-21\n" in out
    shown = json.loads(crm(db_url, "contacts", "show", "Sara", "--json")[1])
    assert shown["dates"] == [{"label": "سالگرد", "day": "--06-21"}]
