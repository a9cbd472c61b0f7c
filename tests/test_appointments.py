"""Appointments (issue 26, point 2): booked, read by the time they overlap, clashing for a
team member, moved, logged as an interaction once they have happened, trashed. Services on
both databases, ``crm meet`` through the CLI, and the agenda screen (``7``) by its keys."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from crm_tui.dates import DateError, parse_duration, parse_when
from crm_tui.db import Database
from crm_tui.errors import ConflictError, FieldErrors, ValidationError
from crm_tui.models import Appointment, Interaction
from crm_tui.schemas import AppointmentCreate, AppointmentRead, AppointmentUpdate
from crm_tui.services import appointments as booked
from crm_tui.services.interactions import get_interaction
from crm_tui.services.team import add_member
from tests.conftest import FIXED_TODAY, add_contact
from tests.screens_helpers import make_app, settle
from tests.test_cli import crm

NINE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday after FIXED_TODAY


def _book(session: Session, title: str, starts: datetime, **values: object) -> int:
    data = AppointmentCreate.build(title=title, starts_at=starts, **values)
    return booked.create_appointment(session=session, data=data).id


def _titles(session: Session, start: datetime, end: datetime, **query: int) -> list[str]:
    return [
        a.title for a in booked.list_appointments(session=session, start=start, end=end, **query)
    ]


def test_a_range_finds_what_overlaps_it_and_only_whom_it_is_with(session: Session) -> None:
    sara = add_contact(session, "سارا نوری")
    ali = add_member(session=session, name="Ali", username="ali").id
    _book(session, "Kickoff", NINE, contact_ids=[sara], member_ids=[ali])
    _book(session, "Workshop", NINE - timedelta(days=1), ends_at=NINE + timedelta(hours=2))
    _book(session, "Next week", NINE + timedelta(days=7))
    day = (NINE.replace(hour=0), NINE.replace(hour=0) + timedelta(days=1))
    # The workshop began the day before and runs into this one: it is on this day too.
    assert _titles(session, *day) == ["Workshop", "Kickoff"]
    assert _titles(session, *day, member_id=ali) == ["Kickoff"]
    assert _titles(session, *day, contact_id=sara) == ["Kickoff"]
    # The end is not included: one that ends as the range starts is not in it.
    assert _titles(session, NINE + timedelta(hours=2), NINE + timedelta(hours=3)) == []
    kickoff = booked.appointments_of_contact(session=session, contact_id=sara)
    assert [(a.title, a.contacts, a.members, a.minutes) for a in kickoff] == [
        ("Kickoff", ["سارا نوری"], ["Ali"], 60)
    ]


def test_clashes_are_per_team_member_and_touching_is_no_clash(session: Session) -> None:
    ali = add_member(session=session, name="Ali", username="ali").id
    sara = add_member(session=session, name="Sara", username="sara").id
    first = _book(session, "A", NINE, member_ids=[ali, sara])
    second = _book(session, "B", NINE + timedelta(minutes=30), member_ids=[ali])
    _book(session, "C", NINE + timedelta(hours=1), member_ids=[sara])  # starts as A ends
    _book(session, "D", NINE, member_ids=[])  # nobody attends: clashes with no one
    week = booked.list_appointments(session=session, start=NINE, end=NINE + timedelta(days=1))
    assert booked.clashes(week) == [booked.Clash("Ali", first, second)]


def test_moving_keeps_the_length_and_a_stale_edit_is_refused(session: Session) -> None:
    one = _book(session, "Review", NINE, ends_at=NINE + timedelta(minutes=45))
    moved = booked.update_appointment(
        session=session,
        appointment_id=one,
        data=AppointmentUpdate.build(starts_at=NINE + timedelta(days=1)),
        expected_version=1,
    )
    assert (moved.starts_at, moved.minutes, moved.version) == (NINE + timedelta(days=1), 45, 2)
    with pytest.raises(ConflictError):
        booked.update_appointment(
            session=session,
            appointment_id=one,
            data=AppointmentUpdate.build(title="Old"),
            expected_version=1,
        )
    with pytest.raises(ValidationError, match="it ends before it starts"):
        booked.update_appointment(
            session=session, appointment_id=one, data=AppointmentUpdate.build(ends_at=NINE)
        )
    with pytest.raises(FieldErrors, match="at most 14 days"):
        AppointmentCreate.build(title="x", starts_at=NINE, ends_at=NINE + timedelta(days=15))
    with pytest.raises(ValidationError, match="no contact with id 99"):
        _book(session, "Ghost", NINE, contact_ids=[99])


def test_an_appointment_that_happened_is_logged_once_as_an_interaction(
    session: Session,
) -> None:
    sara = add_contact(session, "Sara")
    past = datetime.now(UTC) - timedelta(days=1)
    done = _book(session, "Site visit", past, contact_ids=[sara], place="Tehran", channel="call")
    logged = booked.log_appointment(session=session, appointment_id=done)
    call = get_interaction(session=session, interaction_id=logged)
    assert (call.subject, call.channel, call.contact_ids, call.body) == (
        "Site visit",
        "call",
        [sara],
        "Tehran",
    )
    assert booked.get_appointment(session=session, appointment_id=done).interaction_id == logged
    with pytest.raises(ValidationError, match="logged already"):
        booked.log_appointment(session=session, appointment_id=done)
    coming = _book(session, "Later", datetime.now(UTC) + timedelta(days=1), contact_ids=[sara])
    with pytest.raises(ValidationError, match="has not started yet"):
        booked.log_appointment(session=session, appointment_id=coming)
    alone = _book(session, "Alone", past)
    with pytest.raises(ValidationError, match="with no contact"):
        booked.log_appointment(session=session, appointment_id=alone)
    assert len(session.exec(select(Interaction)).all()) == 1


def test_trash_and_back(session: Session) -> None:
    one = _book(session, "Lunch", NINE)
    assert booked.delete_appointments(session=session, appointment_ids=[one]) == 1
    assert _titles(session, NINE, NINE + timedelta(hours=1)) == []
    assert booked.restore_appointments(session=session, appointment_ids=[one]) == 1
    assert _titles(session, NINE, NINE + timedelta(hours=1)) == ["Lunch"]
    uid = booked.get_appointment(session=session, appointment_id=one).uid
    assert uid.endswith("@crm-tui")
    found = booked.find_by_uid(session=session, uid=uid)
    assert found is not None and found.id == one


def test_a_merge_moves_appointments_to_the_survivor_and_its_undo_moves_them_back(
    session: Session,
) -> None:
    from crm_tui.services.merge import merge_contacts, undo_merge

    keep, other = add_contact(session, "Sara Nouri"), add_contact(session, "S. Nouri")
    both = _book(session, "Both", NINE, contact_ids=[keep, other])
    theirs = _book(session, "Theirs", NINE, contact_ids=[other])

    def people() -> dict[int, list[int]]:
        return {
            one: booked.get_appointment(session=session, appointment_id=one).contact_ids
            for one in (both, theirs)
        }

    merge_id, _ = merge_contacts(session=session, keep_id=keep, other_id=other)
    assert people() == {both: [keep], theirs: [keep]}
    undo_merge(session=session, merge_id=merge_id)
    assert people() == {both: [keep, other], theirs: [other]}


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("45m", 45), ("1h", 60), ("1h30", 90), ("1h 30m", 90), ("90", 90), ("۴۵", 45)],
)
def test_lengths_read_as_people_write_them(typed: str, minutes: int) -> None:
    assert parse_duration(typed) == timedelta(minutes=minutes)


@pytest.mark.parametrize("typed", ["", "x", "0m", "400h", "1h30x"])
def test_lengths_refused(typed: str) -> None:
    with pytest.raises(DateError):
        parse_duration(typed)


def test_a_coming_moment_is_read_forward() -> None:
    now = datetime(2026, 11, 20, 15, 0).astimezone()  # a Friday
    assert parse_when("fri 9:30", now=now, ahead=True).date() == date(2026, 11, 27)
    assert parse_when("fri 9:30", now=now).date() == date(2026, 11, 20)
    assert parse_when("2h", now=now, ahead=True) == now + timedelta(hours=2)
    assert parse_when("2h", now=now) == now - timedelta(hours=2)
    assert (
        parse_when("tomorrow 10:00", now=now, ahead=True)
        == datetime(2026, 11, 21, 10, 0).astimezone()
    )


def test_crm_meet_books_lists_moves_logs_and_trashes(db_url: str) -> None:
    crm(db_url, "contacts", "add", "مریم رضایی")
    code, out, err = crm(
        db_url, "meet", "add", "Kickoff", "--at", "2026-11-23 09:00", "--for", "45m", "--with", "1"
    )
    assert (code, err) == (0, ""), err
    assert out.startswith("booked appointment #1 Kickoff: 2026-11-23 09:00–09:45")
    crm(db_url, "meet", "add", "Review", "--at", "2026-11-23 09:30", "--until", "10:30")
    listed = json.loads(crm(db_url, "meet", "list", "--from", "2026-11-23", "--json")[1])
    assert [(a["title"], a["contacts"], a["members"], a["clash"]) for a in listed] == [
        ("Kickoff", ["مریم رضایی"], ["tester"], True),
        ("Review", [], ["tester"], True),
    ]
    code, out, _ = crm(db_url, "meet", "list", "--from", "2026-11-23")
    assert code == 0 and out.count("clash") == 2
    code, out, _ = crm(db_url, "meet", "edit", "2", "--at", "2026-11-23 11:00")
    assert (code, out) == (0, "changed appointment #2 Review: 2026-11-23 11:00–12:00\n")
    code, out, _ = crm(db_url, "meet", "show", "1")
    assert "  With: مریم رضایی\n" in out and "  Attending: tester\n" in out
    code, out, err = crm(db_url, "meet", "log", "1")
    assert (code, out) == (0, "logged appointment #1 as interaction #1\n"), err
    code, _, err = crm(db_url, "meet", "log", "1")
    assert (code, err) == (1, "crm: error: appointment #1 is logged already, as interaction #1\n")
    assert crm(db_url, "meet", "delete", "2")[1] == "moved 1 appointment to the trash\n"
    assert crm(db_url, "meet", "restore", "2")[1] == "restored 1 appointment\n"


@pytest.mark.parametrize(
    ("args", "blamed"),
    [
        (["add", "x", "--at", "someday"], "Invalid value for --at: cannot read 'someday'"),
        (
            ["add", "x", "--at", "2026-11-23 09:00", "--for", "1h", "--until", "11:00"],
            "Invalid value for --until: give --for or --until, not both",
        ),
        (
            ["add", "x", "--at", "2026-11-23 09:00", "--for", "forever"],
            "Invalid value for --for: cannot read 'forever' as a length of time",
        ),
        (["add", "x", "--at", "2026-11-23 09:00", "--for", "9" * 5000], "Invalid value for --for"),
        (
            ["add", "x", "--at", "2026-11-23 09:00", "--channel", "fax"],
            "Invalid value for --channel: choose one of meeting, call, chat, other",
        ),
        (["list", "--days", "0"], "Invalid value for '--days' / '-d'"),
        (["show", "0"], "0 is not an id"),
    ],
)
def test_crm_meet_refuses_bad_options_with_one_line(
    db_url: str, args: list[str], blamed: str
) -> None:
    code, out, err = crm(db_url, "meet", *args)
    assert (code, out) == (2, "")
    assert err.startswith("crm: error: ") and blamed in err and err.count("\n") == 1


def test_crm_meet_refuses_a_time_that_ends_before_it_starts(db_url: str) -> None:
    code, _, err = crm(db_url, "meet", "add", "x", "--at", "2026-11-23 09:00", "--until", "08:00")
    assert (code, err) == (1, "crm: error: ends_at: it ends before it starts\n")
    from crm_tui.db import open_database

    database = open_database(db_url)
    with database.read() as session:
        assert session.exec(select(Appointment)).all() == []
    database.close()


async def test_the_agenda_books_shows_a_clash_logs_and_trashes(db: Database) -> None:
    """``7`` shows the week of FIXED_TODAY; ``n`` books at the cursor's hour, ``l`` logs
    one that has happened, ``d`` asks before the trash; a clash is said below the grid."""
    from screens.agenda import AgendaScreen

    start = datetime.combine(FIXED_TODAY - timedelta(days=1), datetime.min.time()).astimezone()
    with db.write() as session:
        sara = add_contact(session, "Sara")
        me = add_member(session=session, name="Tester", username="tester").id
        _book(session, "Visit", start.replace(hour=10), contact_ids=[sara], member_ids=[me])
        _book(session, "Overlap", start.replace(hour=10, minute=30), member_ids=[me])
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AgendaScreen) and screen.week is not None
        assert [a.title for a in screen.week.appointments] == ["Visit", "Overlap"]
        status = str(screen.query_one("#agenda-status").render())
        assert "2 appointments" in status and "1 clash" in status
        # The cursor starts on today at 9:00; the day before at 10:00 holds both.
        await pilot.press("left", "down")
        await settle(pilot)
        detail = str(screen.query_one("#agenda-detail").render())
        assert "Visit" in detail and "clashes with #2 for Tester" in detail
        await pilot.press("l")
        await settle(pilot)
        with db.read() as session:
            logged = session.exec(select(Appointment.interaction_id).where(Appointment.id == 1))
            assert logged.one() is not None
        # Book one at the cursor: the day before, 10:00, for an hour.
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Call back", "ctrl+s")
        await settle(pilot)
        with db.read() as session:
            made = session.scalars(
                select(Appointment).where(Appointment.title == "Call back")
            ).one()
        assert made.starts_at == start.replace(hour=10).astimezone(UTC)
        assert screen.week is not None and len(screen.week.appointments) == 3
        # The hour holds Visit and Call back (both at 10:00) and Overlap: space picks the next.
        await pilot.press("space", "d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        with db.read() as session:
            trashed = session.scalars(
                select(Appointment.title).where(Appointment.deleted_at.is_not(None))  # type: ignore[union-attr]
            ).all()
        assert trashed == ["Call back"]


def _ics(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{event.strip()}\r\nEND:VEVENT\r\n" for event in events)
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"
    return text.replace("\n    ", "\r\n").encode()


def test_the_calendar_export_reads_back_in_two_readers(db_url: str, tmp_path: Path) -> None:
    """Appointments as VEVENTs at their UTC times and dated tasks as VTODOs with their rule,
    read by the icalendar library and by vobject; importing the file again changes
    nothing (same UIDs)."""
    import icalendar
    import vobject

    crm(db_url, "contacts", "add", "سارا نوری")
    crm(db_url, "meet", "add", "جلسه", "--at", "2026-11-23 09:00", "--for", "1h30", "--with", "1")
    crm(db_url, "tasks", "add", "Weekly report", "--due", "2026-11-27", "--repeat", "weekly")
    crm(db_url, "tasks", "add", "Someday")  # no date: not in a calendar
    path = tmp_path / "crm.ics"
    code, _, err = crm(db_url, "export", "calendar", "-o", str(path))
    assert (code, err) == (0, f"crm: wrote 1 appointment and 1 dated task to {path}\n")
    assert path.stat().st_mode & 0o777 == 0o600
    parsed = icalendar.Calendar.from_ical(path.read_bytes())
    (event,) = parsed.walk("VEVENT")
    assert str(event["summary"]) == "جلسه"
    starts = datetime(2026, 11, 23, 9, 0).astimezone()
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (
        starts,
        starts + timedelta(minutes=90),
    )
    (todo,) = parsed.walk("VTODO")
    assert str(todo["summary"]) == "Weekly report" and todo["rrule"]["FREQ"] == ["WEEKLY"]
    second = vobject.readOne(path.read_text(encoding="utf-8"))
    assert second.vevent.summary.value == "جلسه"
    assert second.vevent.dtstart.value == starts
    assert second.vtodo.summary.value == "Weekly report"
    code, out, _ = crm(db_url, "import", "calendar", str(path))
    assert (code, out) == (0, "done: 0 created, 0 updated, 1 unchanged\n")


def test_a_calendar_import_books_updates_by_uid_and_leaves_the_trash(
    db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "in.ics"
    first = """UID:a@x
    SUMMARY:Dentist
    DTSTART;TZID=Asia/Tehran:20261123T100000
    DTEND;TZID=Asia/Tehran:20261123T103000
    LOCATION:Tehran"""
    floating = """UID:b@x
    SUMMARY:Floating
    DTSTART:20261124T090000
    DURATION:PT45M"""
    all_day = """UID:c@x
    SUMMARY:Fair
    DTSTART;VALUE=DATE:20261125"""
    weekly = """UID:d@x
    SUMMARY:Standup
    DTSTART:20261123T080000Z
    RRULE:FREQ=WEEKLY"""
    moved = """UID:d@x
    RECURRENCE-ID:20261130T080000Z
    SUMMARY:Standup, later
    DTSTART:20261130T090000Z"""
    path.write_bytes(_ics(first, floating, all_day, weekly, moved))
    code, out, _ = crm(db_url, "import", "calendar", str(path), "--dry-run")
    assert code == 0 and out.startswith("would be: 4 created, 0 updated, 0 unchanged\n")
    assert json.loads(crm(db_url, "meet", "list", "--from", "2026-11-01", "--json")[1]) == []
    code, out, _ = crm(db_url, "import", "calendar", str(path))
    assert (code, out) == (
        0,
        "done: 4 created, 0 updated, 0 unchanged\n"
        "1 repeating event booked as the first time\n"
        "1 changed time of repeating events left out\n",
    )
    listed = json.loads(crm(db_url, "meet", "list", "--from", "2026-11-23", "--json")[1])
    assert sorted((a["title"], a["starts_at"], a["ends_at"]) for a in listed) == sorted(
        [
            ("Standup", "2026-11-23T08:00:00Z", "2026-11-23T09:00:00Z"),
            ("Dentist", "2026-11-23T06:30:00Z", "2026-11-23T07:00:00Z"),
            ("Floating", _utc("2026-11-24 09:00"), _utc("2026-11-24 09:45")),
            ("Fair", _utc("2026-11-25 00:00"), _utc("2026-11-26 00:00")),
        ]
    )
    dentist = next(a for a in listed if a["title"] == "Dentist")
    assert (dentist["starts_at"], dentist["place"]) == ("2026-11-23T06:30:00Z", "Tehran")
    crm(db_url, "meet", "delete", str(next(a["id"] for a in listed if a["title"] == "Fair")))
    path.write_bytes(_ics(first.replace("Dentist", "Dentist (moved)"), floating, all_day))
    code, out, _ = crm(db_url, "import", "calendar", str(path))
    assert (code, out) == (
        0,
        "done: 0 created, 1 updated, 1 unchanged, 1 left in the trash\n",
    )


def _utc(local: str) -> str:
    moment = datetime.fromisoformat(local).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_calendar_import_with_a_bad_event_writes_nothing_unless_told(
    db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "in.ics"
    good = "UID:ok@x\n    SUMMARY:Fine\n    DTSTART:20261123T100000Z"
    path.write_bytes(
        _ics(
            good,
            "SUMMARY:No uid\n    DTSTART:20261123T100000Z",
            "UID:c@x\n    STATUS:CANCELLED\n    DTSTART:20261123T100000Z",
            "UID:l@x\n    DTSTART:20261101T100000Z\n    DTEND:20261201T100000Z",
            "UID:n@x\n    SUMMARY:No start",
        )
    )
    code, out, err = crm(db_url, "import", "calendar", str(path))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "crm: event 2: it has no UID, so importing it again could not find it",
        "crm: event 3 (c@x): it is cancelled",
        "crm: event 4 (l@x): it lasts more than 14 days",
        "crm: event 5 (n@x): it has no DTSTART",
        "crm: nothing imported: 4 events cannot be booked",
    ]
    assert json.loads(crm(db_url, "meet", "list", "--from", "2026-11-23", "--json")[1]) == []
    code, out, _ = crm(db_url, "import", "calendar", str(path), "--skip-bad")
    assert (code, out) == (3, "done: 1 created, 0 updated, 0 unchanged, 4 rejected\n")
    path.write_text("name,email\nnot,a calendar\n", encoding="utf-8")
    code, _, err = crm(db_url, "import", "calendar", str(path))
    assert code == 1 and err.startswith("crm: error: not an iCalendar file")


def test_a_calendar_s_odd_events_are_rejected_each_with_its_reason(
    db_url: str, tmp_path: Path
) -> None:
    """What a hand-written or broken file holds: a start nobody can read, a length that is
    not one, a year out of range, a length past every calendar, a title of control
    characters only (booked untitled), a UID with a line break (cleaned as it is stored, so
    that importing the file again finds it)."""
    path = tmp_path / "odd.ics"
    path.write_bytes(
        _ics(
            "UID:a@x\n    DTSTART:garbage",
            "UID:b@x\n    DTSTART:20261123T100000Z\n    DURATION:garbage",
            "UID:c@x\n    DTSTART:00010101T000000",
            "UID:d@x\n    DTSTART:20261123T100000Z\n    DURATION:P99999999D",
            "UID:e@x\n    SUMMARY:\x01\x02\n    DTSTART:20261123T100000Z",
            "UID:line\\nbreak@x\n    DTSTART:20261124T100000Z",
        )
    )
    code, out, err = crm(db_url, "import", "calendar", str(path), "--skip-bad")
    assert (code, out) == (3, "done: 2 created, 0 updated, 0 unchanged, 4 rejected\n")
    assert err.splitlines() == [
        "crm: event 1 (a@x): its DTSTART is not a date or a time",
        "crm: event 2 (b@x): its DURATION is not a length of time",
        "crm: event 3 (c@x): its DTSTART (0001-01-01T00:00:00) is out of range: "
        "crm keeps 1900 to 2200",
        "crm: event 4 (d@x): cannot read it: date value out of range",
    ]
    listed = json.loads(crm(db_url, "meet", "list", "--from", "2026-11-23", "--json")[1])
    assert sorted((a["uid"], a["title"]) for a in listed) == [
        ("e@x", "(no title)"),
        ("line break@x", "(no title)"),
    ]
    code, out, _ = crm(db_url, "import", "calendar", str(path), "--skip-bad")
    assert (code, out) == (3, "done: 0 created, 0 updated, 2 unchanged, 4 rejected\n")


def _unsaved(title: str, starts: datetime, *, minutes: int, id: int = 1) -> AppointmentRead:
    """An appointment as the screens and the CLI get it, not stored (what they draw)."""
    return AppointmentRead(
        id=id,
        uid="u",
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        channel="meeting",
        place="",
        notes="",
        contact_ids=[],
        contacts=[],
        member_ids=[],
        members=[],
        interaction_id=None,
        created_at=starts,
        updated_at=starts,
        deleted_at=None,
        version=1,
    )


def test_the_agenda_puts_an_appointment_in_its_own_day_when_the_clocks_change(
    local_zone: Callable[[str], None],
) -> None:
    """Europe/Berlin's 29 March 2026 has 23 hours: midnight of the 30th is not its hour 0."""
    from screens.agenda import _hours_taken

    local_zone("Europe/Berlin")
    midnight = datetime(2026, 3, 30, 0, 0).astimezone()
    one = _unsaved("Early", midnight, minutes=30)
    assert list(_hours_taken(one, date(2026, 3, 29))) == []
    assert list(_hours_taken(one, date(2026, 3, 30))) == [0]
    autumn = one.model_copy(
        update={
            "starts_at": datetime(2026, 10, 25, 23, 0).astimezone(),
            "ends_at": datetime(2026, 10, 25, 23, 30).astimezone(),
        }
    )
    assert list(_hours_taken(autumn, date(2026, 10, 25))) == [23]  # its 25th hour is drawn


def test_the_cli_lays_a_right_to_left_title_out_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal where crm lays right-to-left text out, a line is laid out once: twice
    put a title back in logical order, which a terminal draws scrambled."""
    import sys

    from crm_tui import bidi
    from crm_tui.commands.meet import _said

    one = _unsaved("جلسه شروع پروژه", NINE, minutes=60, id=3)
    bidi.use(True)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    _said(one, "booked", as_json=False)
    logical = "booked appointment #3 جلسه شروع پروژه: 2026-11-23 09:00–10:00"
    laid_out = bidi.layout(logical, ltr=True)
    assert laid_out != logical
    assert capsys.readouterr().out == laid_out + "\n"


async def test_a_contact_named_like_markup_is_shown_as_typed_in_the_form(db: Database) -> None:
    from screens.agenda import AgendaScreen
    from screens.appointment_form import AppointmentForm

    start = datetime.combine(FIXED_TODAY, datetime.min.time()).astimezone().replace(hour=10)
    with db.write() as session:
        first = add_contact(session, "Sara")
        odd = add_contact(session, "x [/] [@click=app.quit]quit[/]")
        _book(session, "Visit", start, contact_ids=[first, odd])
    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)
        await pilot.press("down", "e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AppointmentForm)
        labels = [str(label.render()) for label in form.query(".field-label")]
        assert "With (also: x [/] [@click=app.quit]quit[/])" in labels
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)  # saved as it was: nothing lost
    with db.read() as session:
        (kept,) = booked.list_appointments(
            session=session, start=start, end=start + timedelta(hours=1)
        )
    assert kept.contact_ids == [first, odd] and kept.version == 1
