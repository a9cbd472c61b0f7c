"""The calendar and digits settings: what crm shows reads back as the same day, everywhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_tui import display
from crm_tui.config import load_settings
from crm_tui.dates import NO_YEAR, parse_day, parse_when
from crm_tui.display import Calendar, Digits, Display
from crm_tui.errors import ConfigError

DISPLAYS = [Display(c, d) for c in Calendar for d in Digits]
DAYS = st.dates(date(1900, 1, 1), date(2200, 12, 31))


@settings(max_examples=300, deadline=None)
@given(day=DAYS, chosen=st.sampled_from(DISPLAYS))
def test_every_day_shown_reads_back_as_the_same_day(day: date, chosen: Display) -> None:
    display.use(chosen)
    shown = display.day(day)
    assert parse_day(shown, today=date(2026, 12, 5)) == day
    if chosen.digits is Digits.PERSIAN:
        assert not any(c.isascii() and c.isdigit() for c in shown)


@settings(max_examples=100, deadline=None)
@given(
    moment=st.datetimes(datetime(1950, 1, 1), datetime(2150, 1, 1)).map(
        lambda m: m.replace(second=0, microsecond=0, tzinfo=UTC)
    ),
    chosen=st.sampled_from(DISPLAYS),
)
def test_every_moment_shown_reads_back_as_the_same_minute(
    moment: datetime, chosen: Display
) -> None:
    display.use(chosen)
    now = datetime(2200, 1, 1, tzinfo=UTC)  # everything shown is in the past
    assert parse_when(display.moment(moment), now=now) == moment


@pytest.mark.parametrize(
    ("chosen", "day", "words", "month", "birthday"),
    [
        (Display(), "2026-12-11", "Fri 11 Dec", "Dec 2026", "--12-11"),
        (Display(Calendar.JALALI), "1405-09-20", "جمعه 20 آذر", "آذر 1405", "20 آذر"),
        (
            Display(Calendar.JALALI, Digits.PERSIAN),
            "۱۴۰۵-۰۹-۲۰",
            "جمعه ۲۰ آذر",
            "آذر ۱۴۰۵",
            "۲۰ آذر",
        ),
        (Display(digits=Digits.PERSIAN), "۲۰۲۶-۱۲-۱۱", "Fri ۱۱ Dec", "Dec ۲۰۲۶", "--۱۲-۱۱"),
    ],
)
def test_a_day_in_each_calendar_and_digits(
    chosen: Display,
    day: str,
    words: str,
    month: str,
    birthday: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    display.use(chosen)
    assert display.day(date(2026, 12, 11)) == day
    assert display.day_words(date(2026, 12, 11)) == words
    assert display.month_forms(date(2026, 12, 11))[0] == month
    assert display.birthday(date(NO_YEAR, 12, 11)).endswith(birthday)
    assert display.day(None) == display.birthday(None) == display.moment(None) == ""


def test_counts_and_ids_in_persian_digits() -> None:
    from crm_tui.text import plural

    display.use(Display(digits=Digits.PERSIAN))
    assert display.number(12_345) == "۱۲٬۳۴۵"
    assert display.ident(42) == "#۴۲"
    assert plural(3, "contact") == "۳ contacts"
    assert plural(1_200, "task", grouped=True) == "۱٬۲۰۰ tasks"
    # A comma between words stays one; only one between digits groups them.
    assert display.digits("removed 0, restored 6,320") == "removed ۰, restored ۶٬۳۲۰"


def test_the_settings_come_from_the_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('calendar = "jalali"\ndigits = "persian"\n', encoding="utf-8")
    found = load_settings(path=config)
    assert (found.calendar, found.digits) == ("jalali", "persian")
    monkeypatch.setenv("CRM_CALENDAR", "Gregorian")
    assert load_settings(path=config).calendar == "gregorian"  # the environment wins
    monkeypatch.setenv("CRM_DIGITS", "roman")
    with pytest.raises(ConfigError, match='CRM_DIGITS: digits must be "latin" or "persian"'):
        load_settings(path=config)
    config.write_text('calendar = "julian"\n', encoding="utf-8")
    monkeypatch.delenv("CRM_DIGITS")
    monkeypatch.delenv("CRM_CALENDAR")
    with pytest.raises(ConfigError, match='calendar must be "gregorian" or "jalali"'):
        load_settings(path=config)


def _crm(url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crm_tui", "--db", url, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_the_cli_shows_jalali_in_persian_digits_and_json_stays_iso(db_url: str) -> None:
    due = date.today() + timedelta(days=6)
    added = _crm(db_url, "tasks", "add", "Send the quote", "--due", due.isoformat())
    assert added.returncode == 0, added.stderr
    chosen = {"CRM_CALENDAR": "jalali", "CRM_DIGITS": "persian"}
    display.use(Display(Calendar.JALALI, Digits.PERSIAN))
    listed = _crm(db_url, "tasks", "list", **chosen)
    assert listed.returncode == 0, listed.stderr
    assert f"۱   todo    {display.day(due)}  Send the quote" in listed.stdout
    assert listed.stdout.endswith("۱ task\n")
    agenda = _crm(db_url, "agenda", **chosen)
    assert f"  {display.day(due)}  #۱ Send the quote" in agenda.stdout
    as_json = _crm(db_url, "tasks", "list", "--json", **chosen)
    assert json.loads(as_json.stdout)[0]["due"] == due.isoformat()
    exported = _crm(db_url, "export", "tasks", "--format", "csv", **chosen)
    assert due.isoformat() in exported.stdout and "۱" not in exported.stdout


async def test_the_app_shows_the_chosen_calendar_and_f2_switches_it(db_url: str) -> None:
    """Contacts' "Last contact" in Jalali with Persian digits, as the settings say; F2 shows
    the Gregorian day, F3 Latin digits, with nothing stored changed."""
    from crm_tui.app import CrmApp
    from crm_tui.config import Settings
    from crm_tui.db import open_database
    from crm_tui.schemas import InteractionCreate
    from crm_tui.services.interactions import create_interaction
    from screens.contacts import ContactsScreen
    from tests.conftest import FIXED_TODAY, add_contact
    from tests.screens_helpers import open_screen, settle

    db = open_database(db_url)
    with db.write() as session:
        sara = add_contact(session, "Sara Ahmadi")
        when = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
        create_interaction(
            session=session,
            data=InteractionCreate(contact_ids=[sara], subject="Call", occurred_at=when),
        )
    settings = Settings(user="tester", calendar="jalali", digits="persian")
    app = CrmApp(database=db, settings=settings, today=FIXED_TODAY)
    try:
        async with app.run_test(size=(120, 35)) as pilot:
            screen = await open_screen(pilot, "2", ContactsScreen)
            table = screen.table
            assert "۱۴۰۵-۰۹-۱۰" in table.render_line(1).text
            await pilot.press("f2")
            await settle(pilot)
            assert "۲۰۲۶-۱۲-۰۱" in table.render_line(1).text
            await pilot.press("f3")
            await settle(pilot)
            assert "2026-12-01" in table.render_line(1).text
    finally:
        db.close()


def test_the_scale_counts_weeks_and_months_in_the_chosen_calendar() -> None:
    saturday, friday, monday = date(2026, 12, 5), date(2026, 12, 11), date(2026, 12, 7)
    display.use(Display(Calendar.JALALI, Digits.PERSIAN))
    assert display.calendar_day(friday) == (1405, 9, 20)
    assert (display.week_day(saturday), display.week_day(friday)) == (0, 6)
    assert display.is_weekend(friday) and not display.is_weekend(saturday)
    assert display.weekday_short(saturday) == "ش" and display.weekday_short(friday) == "ج"
    assert display.month_forms(friday) == ("آذر ۱۴۰۵", "آذر'۰۵", "آذر")
    assert display.calendar_day(date(2027, 3, 21))[:2] == (1406, 1)  # Nowruz starts the year
    display.use(Display())
    assert display.calendar_day(friday) == (2026, 12, 11)
    assert (display.week_day(monday), display.week_day(saturday)) == (0, 5)
    assert display.is_weekend(saturday) and not display.is_weekend(friday)
    assert display.month_forms(friday) == ("Dec 2026", "Dec'26", "Dec")
    assert display.week_number(friday) == 50


def test_a_jalali_csv_export_reads_back_as_the_same_days(db_url: str, tmp_path: Path) -> None:
    """`--calendar jalali` writes days and local times in Jalali for people; `crm import`
    reads them back as the days they were (a Jalali year was once taken for a Gregorian
    one by the task and interaction imports, and refused as out of range)."""
    assert _crm(db_url, "contacts", "add", "Sara Ahmadi", "-e", "sara@x.example").returncode == 0
    added = _crm(db_url, "tasks", "add", "Quote", "--due", "2026-12-11", "--start", "2026-12-01")
    assert added.returncode == 0, added.stderr
    logged = _crm(db_url, "log", "Call", "-c", "sara@x.example", "--when", "2026-11-20 09:30")
    assert logged.returncode == 0, logged.stderr
    for what, column, expected in (
        ("tasks", "due", "1405-09-20"),
        ("interactions", "occurred_at", "1405-08-29 09:30"),
    ):
        done = _crm(db_url, "export", what, "--calendar", "jalali", "-o", str(tmp_path / what))
        assert done.returncode == 0, done.stderr
        header, row = (tmp_path / what).read_text(encoding="utf-8").splitlines()[:2]
        assert row.split(",")[header.split(",").index(column)] == expected
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    assert _crm(copy, "contacts", "add", "Sara Ahmadi", "-e", "sara@x.example").returncode == 0
    for what in ("tasks", "interactions"):
        imported = _crm(copy, "import", what, str(tmp_path / what))
        assert imported.returncode == 0, imported.stderr
    task = json.loads(_crm(copy, "tasks", "list", "--json").stdout)[0]
    assert (task["start"], task["due"]) == ("2026-12-01", "2026-12-11")
    logged_back = json.loads(_crm(copy, "export", "interactions", "-f", "json").stdout)[0]
    assert (
        datetime.fromisoformat(logged_back["occurred_at"])
        == datetime(2026, 11, 20, 9, 30).astimezone()
    )
    refused = _crm(db_url, "export", "tasks", "-f", "json", "--calendar", "jalali")
    assert refused.returncode == 2 and "only a CSV export" in refused.stderr


def test_todays_charts_count_by_jalali_month_and_saturday_weeks(db: Any) -> None:
    """30 Aban and 1 Azar are both in November: one bar by Gregorian months, two by Jalali."""
    from crm_tui.dates import month_firsts, week_first
    from crm_tui.schemas import InteractionCreate
    from crm_tui.services.agenda import complaints_per_month, interactions_per_week
    from crm_tui.services.interactions import create_interaction
    from tests.conftest import add_contact

    today = date(2026, 12, 5)  # a Saturday
    assert week_first(today) == date(2026, 11, 30) and week_first(today, jalali=True) == today
    assert month_firsts(today, 2, jalali=True) == [
        date(2026, 10, 23), date(2026, 11, 22), date(2026, 12, 22)
    ]  # fmt: skip
    assert month_firsts(date(2026, 1, 5), 2) == [
        date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)
    ]  # fmt: skip
    with db.write() as session:
        sara = add_contact(session, "Sara")
        for day in (date(2026, 11, 21), date(2026, 11, 22), date(2026, 12, 4)):
            when = datetime(day.year, day.month, day.day, 12, 0).astimezone()
            create_interaction(
                session=session,
                data=InteractionCreate(
                    contact_ids=[sara], subject="late", complaint=True, occurred_at=when
                ),
            )
    with db.read() as session:
        gregorian = complaints_per_month(session=session, today=today, months=2)
        jalali = complaints_per_month(session=session, today=today, months=2, jalali=True)
        weeks = interactions_per_week(session=session, today=today, weeks=2, jalali=True)
    assert gregorian == [(date(2026, 11, 1), 2), (date(2026, 12, 1), 1)]
    assert jalali == [(date(2026, 10, 23), 1), (date(2026, 11, 22), 2)]
    assert weeks == [(date(2026, 11, 28), 1), (date(2026, 12, 5), 0)]
