"""Persian dates as Iranian users type them: the Jalali calendar (a year below 1700),
Persian and Arabic digits, and Persian words for relative days. A Jalali date was saved as a
Gregorian year 1405 (a task "overdue" by six centuries); now it cannot be misread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_tui.dates import DateError, jalali_note, parse_day, parse_when
from crm_tui.db import Database
from crm_tui.services.tasks import list_tasks

TODAY = date(2026, 12, 5)  # a Saturday: 1405-09-14
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1405-09-20", date(2026, 12, 11)),
        ("1405/09/20", date(2026, 12, 11)),
        ("۱۴۰۵-۰۹-۲۰", date(2026, 12, 11)),
        ("١٤٠٥/٠٩/٢٠", date(2026, 12, 11)),  # Arabic-Indic digits
        ("20.09.1405", date(2026, 12, 11)),
        ("1403-12-30", date(2025, 3, 20)),  # 1403 is a leap year
        ("امروز", TODAY),
        ("فردا", TODAY + timedelta(days=1)),
        ("پس‌فردا", TODAY + timedelta(days=2)),
        ("پس فردا", TODAY + timedelta(days=2)),
        ("دیروز", TODAY - timedelta(days=1)),
        ("پریروز", TODAY - timedelta(days=2)),
        ("شنبه", date(2026, 12, 12)),  # the next Saturday, as "sat" gives
        ("یکشنبه", date(2026, 12, 6)),
        ("سه شنبه", date(2026, 12, 8)),
        ("سه‌شنبه", date(2026, 12, 8)),
        ("پنجشنبه", date(2026, 12, 10)),
        ("جمعه", date(2026, 12, 11)),
        ("۳ روز دیگه", TODAY + timedelta(days=3)),
        ("3 روز بعد", TODAY + timedelta(days=3)),
        ("۲ هفته دیگر", TODAY + timedelta(days=14)),
        ("2 روز پیش", TODAY - timedelta(days=2)),
        ("2026-12-01", date(2026, 12, 1)),  # Gregorian as before
        ("fri", date(2026, 12, 11)),
    ],
)
def test_a_persian_day_is_read_as_meant(typed: str, expected: date) -> None:
    assert parse_day(typed, today=TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("1405-12-31", "no such day in the Jalali calendar"),  # 1405 is not a leap year
        ("1405-13-01", "no such day in the Jalali calendar"),
        ("1800-01-01", "fits neither calendar"),
        ("1699-01-01", "out of range"),  # Jalali 1699 is Gregorian 2320
        ("۳ روز", "cannot read"),
    ],
)
def test_a_day_no_calendar_has_is_refused_in_one_line(typed: str, reason: str) -> None:
    with pytest.raises(DateError, match=reason) as error:
        parse_day(typed, today=TODAY)
    assert "\n" not in str(error.value)


def test_a_persian_moment_is_read_as_meant() -> None:
    now = datetime(2026, 12, 5, 12, 0).astimezone()
    assert parse_when("دیروز ۱۵:۰۰", now=now) == datetime(2026, 12, 4, 15, 0).astimezone()
    assert parse_when("1404-09-14 10:00", now=now) == datetime(2025, 12, 5, 10, 0).astimezone()
    assert parse_when("۲ ساعت پیش", now=now) == now - timedelta(hours=2)
    assert parse_when("الان", now=now) == now


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), st.booleans())
def test_every_day_written_in_jalali_reads_back_as_itself(day: date, persian: bool) -> None:
    jalali = jdatetime.date.fromgregorian(date=day)
    for separator in "-/":
        typed = f"{jalali.year:04d}{separator}{jalali.month:02d}{separator}{jalali.day:02d}"
        typed = typed.translate(PERSIAN) if persian else typed
        assert parse_day(typed, today=TODAY) == day
        assert jalali_note(typed) == f"{typed.translate(_LATIN)} (Jalali) is {day.isoformat()}"


_LATIN = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")


def _crm_process(
    db_url: str, *args: str, calendar: str = "gregorian"
) -> subprocess.CompletedProcess[str]:
    """``crm`` run as a script runs it: a real process, its streams and exit code."""
    return subprocess.run(
        [sys.executable, "-m", "crm_tui", "--db", db_url, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "CRM_CALENDAR": calendar},
        timeout=60,
        check=False,
    )


def test_the_cli_says_what_a_jalali_date_was_read_as(db_url: str) -> None:
    """Through a real process: the note on stderr, stdout left as data, exit codes."""

    def crm(*args: str) -> subprocess.CompletedProcess[str]:
        return _crm_process(db_url, *args)

    done = crm("tasks", "add", "پیگیری پیش‌فاکتور", "--due", "۱۴۰۵-۰۹-۲۰", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["due"] == "2026-12-11"
    assert done.stderr == "crm: 1405-09-20 (Jalali) is 2026-12-11\n"
    done = crm("tasks", "add", "x", "--due", "1405-12-31")
    assert done.returncode == 2
    assert "no such day in the Jalali calendar: '1405-12-31'" in done.stderr
    assert crm("contacts", "add", "سارا").returncode == 0
    done = crm("log", "تماس", "--contact", "سارا", "--when", "1404-09-14 10:00")
    assert done.returncode == 0, done.stderr
    assert "1404-09-14 (Jalali) is 2025-12-05" in done.stderr


async def test_the_task_form_shows_and_saves_the_gregorian_day_of_a_jalali_date(
    demo_db: Database,
) -> None:
    """Typed as an Iranian user types it, in Persian digits: the label says the Gregorian
    day at once, and that day is what is saved."""
    from textual.widgets import Input, Label

    from screens.task_form import TaskForm
    from tests.screens_helpers import make_app, settle

    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("4", "n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, TaskForm)
        await pilot.press(*"پیگیری قرارداد")
        due = form.query_one("#f-due_date", Input)
        label = due.parent.query_one(".field-label", Label)  # type: ignore[union-attr]
        due.focus()
        await pilot.press(*"۱۴۰۵-۰۹-۲۰")
        await settle(pilot)
        assert str(label.render()) == "Due  = 2026-12-11"
        due.value = "fri"
        await settle(pilot)
        assert str(label.render()) == "Due"  # only a Jalali date is explained
        due.value = "1405/09/20"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    with demo_db.read() as session:
        [task] = [t for t in list_tasks(session=session) if t.title == "پیگیری قرارداد"]
    assert task.due == date(2026, 12, 11)


def test_a_birthday_is_read_like_every_date(db_url: str) -> None:
    """A birthday typed with a Jalali year (below 1700), in either digits, is that day;
    the CLI says what it was read as; `show` writes it in the chosen calendar. (It was
    refused: "invalid date separator", "1369-09-20 is out of range".)"""

    def crm(*args: str, calendar: str = "gregorian") -> subprocess.CompletedProcess[str]:
        return _crm_process(db_url, *args, calendar=calendar)

    done = crm("contacts", "add", "سارا", "--birthday", "1369/09/20", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["birthday"] == "1990-12-11"
    assert done.stderr == "crm: 1369/09/20 (Jalali) is 1990-12-11\n"
    done = crm("contacts", "edit", "سارا", "--birthday", "۱۳۶۹-۰۹-۲۱", "--json")
    assert json.loads(done.stdout)["birthday"] == "1990-12-12", done.stderr
    assert (
        "  Birthday       1369-09-21\n" in crm("contacts", "show", "سارا", calendar="jalali").stdout
    )
    assert "  Birthday       1990-12-12\n" in crm("contacts", "show", "سارا").stdout
    done = crm("contacts", "edit", "سارا", "--birthday", "1369-13-01")
    assert done.returncode != 0 and "no such day in the Jalali calendar" in done.stderr
    assert len(done.stderr.splitlines()) == 1


async def test_the_contact_form_shows_and_saves_a_birthday_in_jalali(demo_db: Database) -> None:
    """In the Jalali calendar the form holds the birthday as a Jalali day (saving it
    unchanged changes nothing), and a Jalali day typed in Persian digits is saved as its
    Gregorian day, which the label says at once."""
    from textual.widgets import Input, Label

    from crm_tui.app import CrmApp
    from crm_tui.config import Settings
    from crm_tui.schemas import ContactCreate
    from crm_tui.services.contacts import create_contact, get_contact
    from screens.contact_form import ContactForm
    from tests.conftest import FIXED_TODAY
    from tests.screens_helpers import settle

    with demo_db.write() as session:
        data = ContactCreate.build(None, name="آرش کمانگیر", birthday="1990-12-11")
        contact_id = create_contact(session=session, data=data).id
        assert contact_id is not None
        contact = get_contact(session=session, contact_id=contact_id)
    settings = Settings(user="tester", label="demo.db", bidi="terminal", calendar="jalali")
    app = CrmApp(database=demo_db, settings=settings, today=FIXED_TODAY)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        app.push_screen(ContactForm(contact))
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ContactForm)
        birthday = form.query_one("#f-birthday", Input)
        assert birthday.value == "1369-09-20"
        assert form.values() == form.original  # nothing typed: nothing to save
        label = birthday.parent.query_one(".field-label", Label)  # type: ignore[union-attr]
        birthday.value = "۱۳۶۹-۰۹-۲۲"
        await settle(pilot)
        assert str(label.render()).endswith("= 1990-12-13")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
    with demo_db.read() as session:
        assert get_contact(session=session, contact_id=contact_id).birthday == date(1990, 12, 13)


def test_an_import_reads_a_jalali_birthday_back_as_the_same_day(
    db_url: str, tmp_path: Path
) -> None:
    """`crm export contacts --calendar jalali` writes a birthday as 1369-09-20; importing
    that file stored the year 1369 (Gregorian, and outside 1900-2200, which an import did
    not check). A day outside the range is a bad row, as it is everywhere else."""
    from tests.test_import_export import contacts, crm

    assert crm(db_url, "contacts", "add", "سارا", "--birthday", "1990-12-11")[0] == 0
    exported = tmp_path / "jalali.csv"
    code, _, err = crm(db_url, "export", "contacts", "--calendar", "jalali", "-o", str(exported))
    assert code == 0, err
    assert ",1369-09-20," in exported.read_text("utf-8")
    again = str(tmp_path / "again.db")
    assert crm(again, "import", "contacts", str(exported))[0] == 0
    [sara] = contacts(again)
    assert sara["birthday"] == "1990-12-11"
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        "name,birthday\nA,1850-01-01\nB,۱۳۶۹/۰۹/۲۱\nC,--12-24\nD,1369-13-01\n", "utf-8"
    )
    code, out, err = crm(db_url, "import", "contacts", str(mixed), "--skip-bad")
    assert code == 3 and "created 2," in out, err
    assert "line 2: column 'birthday': '1850-01-01' is out of range" in err
    assert "line 5: column 'birthday': no such day in the Jalali calendar" in err
    born = {c["name"]: c["birthday"] for c in contacts(db_url)}
    assert (born["B"], born["C"]) == ("1990-12-12", "1604-12-24")
