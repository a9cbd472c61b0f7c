"""Repeating tasks: rules as people write them (English and Persian) and their next ten
dates, month ends and leap days; finishing a time makes exactly one next, also when two
people finish it at once (both databases); skipping; the CLI and the app's form."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import Session

from crm_tui.db import Database
from crm_tui.errors import FieldErrors, ValidationError
from crm_tui.models import Task
from crm_tui.recurrence import (
    RepeatError,
    coming,
    describe,
    next_after,
    occurrences,
    parse_repeat,
)
from crm_tui.schemas import TaskCreate, TaskUpdate
from crm_tui.services.tasks import (
    complete_task,
    create_task,
    get_task,
    move_task,
    next_in_series,
    skip_task,
    update_task,
)
from tests.test_cli import crm

START = date(2026, 12, 5)  # a Saturday

RULES = [
    ("daily", "FREQ=DAILY", START, ["12-05", "12-06", "12-07", "12-08", "12-09"]),
    ("every 2 weeks on mon", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", START, ["12-14", "12-28"]),
    ("weekly on mon, thu", "FREQ=WEEKLY;BYDAY=MO,TH", START, ["12-07", "12-10", "12-14"]),
    ("monthly on the last fri", "FREQ=MONTHLY;BYDAY=-1FR", START, ["12-25", "01-29", "02-26"]),
    ("every month on the 15th", "FREQ=MONTHLY;BYMONTHDAY=15", START, ["12-15", "01-15"]),
    # A month without the 31st is left out (RFC 5545), "the last day" takes each month's.
    ("monthly on the 31st", "FREQ=MONTHLY;BYMONTHDAY=31", START, ["12-31", "01-31", "03-31"]),
    ("monthly on the last day", "FREQ=MONTHLY;BYMONTHDAY=-1", START, ["12-31", "01-31", "02-28"]),
    ("yearly", "FREQ=YEARLY", date(2028, 2, 29), ["02-29", "02-29"]),  # leap day: every 4 years
    ("every 3 months", "FREQ=MONTHLY;INTERVAL=3", START, ["12-05", "03-05", "06-05"]),
    ("weekly for 3 times", "FREQ=WEEKLY;COUNT=3", START, ["12-05", "12-12", "12-19"]),
    ("daily until 2026-12-07", "FREQ=DAILY;UNTIL=20261207", START, ["12-05", "12-06", "12-07"]),
    ("هر ۲ هفته دوشنبه", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", START, ["12-14", "12-28"]),
    ("هر ماه آخرین جمعه", "FREQ=MONTHLY;BYDAY=-1FR", START, ["12-25", "01-29"]),
    ("هر روز تا 1405/09/16", "FREQ=DAILY;UNTIL=20261207", START, ["12-05", "12-06", "12-07"]),
    ("هر هفته ۳ بار", "FREQ=WEEKLY;COUNT=3", START, ["12-05", "12-12", "12-19"]),
    ("FREQ=weekly;byday=SA", "FREQ=WEEKLY;BYDAY=SA", START, ["12-05", "12-12"]),
]


@pytest.mark.parametrize(("said", "rule", "start", "first"), RULES, ids=[r[0] for r in RULES])
def test_rules_as_said_and_their_dates(said: str, rule: str, start: date, first: list[str]) -> None:
    assert parse_repeat(said) == rule
    found = occurrences(rule, start, count=10)
    assert [day.strftime("%m-%d") for day in found[: len(first)]] == first
    assert found == sorted(found) and len(set(found)) == len(found)
    if "COUNT" not in rule and "UNTIL" not in rule:
        assert len(found) == 10
    assert parse_repeat(describe(rule)) == rule  # what the form shows reads back the same


@pytest.mark.parametrize(
    ("said", "says"),
    [
        ("sometimes", "how often?"),
        ("every 0 days", "every how many?"),
        ("monthly on the 32nd", "from 1 to 31"),
        ("every week on blursday", "'blursday'"),
        ("daily until soon", "until when?"),
        ("weekly for 5000 times", "a count from 1 to 1000"),
        ("FREQ=FORTNIGHTLY", "not a repeat rule"),
    ],
)
def test_rules_that_cannot_be_read_say_why(said: str, says: str) -> None:
    with pytest.raises(RepeatError, match=says):
        parse_repeat(said)


@given(
    frequency=st.sampled_from(["day", "week", "month", "year"]),
    interval=st.integers(1, 12),
    days=st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]), max_size=3),
    count=st.none() | st.integers(1, 50),
)
def test_every_rule_said_reads_back_from_how_it_is_shown(
    frequency: str, interval: int, days: list[str], count: int | None
) -> None:
    said = f"every {interval} {frequency}s" + (f" on {', '.join(days)}" if days else "")
    said += f" for {count} times" if count else ""
    rule = parse_repeat(said)
    assert parse_repeat(describe(rule)) == rule
    first = occurrences(rule, START, count=3)
    assert first == sorted(first)
    following = next_after(rule, first[0]) if first else None
    if following is not None:
        assert following[0] > first[0]


def test_a_series_times_to_come_follow_its_count() -> None:
    assert coming("FREQ=WEEKLY;COUNT=3", START, date(2027, 12, 31)) == [
        date(2026, 12, 12),
        date(2026, 12, 19),
    ]
    assert coming("FREQ=DAILY", START, date(2026, 12, 8)) == [
        date(2026, 12, 6),
        date(2026, 12, 7),
        date(2026, 12, 8),
    ]
    assert len(coming("FREQ=DAILY", START, date(2099, 1, 1), most=5)) == 5


def test_days_keep_their_place_across_the_clock_changes(
    local_zone: Callable[[str], None],
) -> None:
    """In Europe/Berlin (and Tehran, which has none since 2022) a rule reckons in calendar
    days: the spring and autumn clock changes move no time a day."""
    for zone in ("Europe/Berlin", "Asia/Tehran", "America/New_York"):
        local_zone(zone)
        assert occurrences("FREQ=WEEKLY;BYDAY=SU", date(2026, 3, 22), 3) == [
            date(2026, 3, 22),
            date(2026, 3, 29),
            date(2026, 4, 5),
        ]
        assert occurrences("FREQ=DAILY", date(2026, 10, 24), 4) == [
            date(2026, 10, 24),
            date(2026, 10, 25),
            date(2026, 10, 26),
            date(2026, 10, 27),
        ]
        assert next_after("FREQ=MONTHLY;BYDAY=-1SU", date(2026, 3, 29)) is not None
        upcoming = next_after("FREQ=MONTHLY;BYDAY=-1SU", date(2026, 3, 29))
        assert upcoming is not None and upcoming[0] == date(2026, 4, 26)


def _repeating(session: Session, said: str = "every 2 weeks on mon", **values: object) -> int:
    data = TaskCreate.build(title="Check-in", due_date=date(2026, 12, 7), repeat=said, **values)
    return create_task(session=session, data=data).id


def _live(session: Session) -> list[tuple[int, date | None, str]]:
    rows = session.execute(
        select(Task.id, Task.due_date, Task.status)
        .where(Task.deleted_at.is_(None))  # type: ignore[union-attr]
        .order_by(Task.due_date)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_finishing_a_time_makes_exactly_one_next(session: Session) -> None:
    first = _repeating(session, start_date=date(2026, 12, 5))
    complete_task(session=session, task_id=first)
    complete_task(session=session, task_id=first)  # done already: nothing more
    following = next_in_series(session=session, task_id=first)
    assert following is not None
    assert (following.due, following.start, following.status) == (
        date(2026, 12, 21),
        date(2026, 12, 19),  # as far before its due as the first one's start
        "todo",
    )
    assert (following.series_id, following.repeat) == (first, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO")
    move_task(session=session, task_id=following.id, status="done")  # the board's way
    assert [due for _, due, _ in _live(session)] == [
        date(2026, 12, 7),
        date(2026, 12, 21),
        date(2027, 1, 4),
    ]


def test_a_count_ends_the_series_and_skipping_moves_on(session: Session) -> None:
    first = _repeating(session, "weekly for 2 times")
    skipped = skip_task(session=session, task_id=first)
    assert skipped is not None and skipped.due == date(2026, 12, 14)
    assert skipped.repeat == "FREQ=WEEKLY;COUNT=1"
    assert get_task(session=session, task_id=first).deleted_at is not None  # in the trash
    complete_task(session=session, task_id=skipped.id)
    assert next_in_series(session=session, task_id=skipped.id) is None  # its last time
    with pytest.raises(ValidationError, match="does not repeat"):
        once = create_task(session=session, data=TaskCreate(title="Once")).id
        skip_task(session=session, task_id=once)


def test_a_repeating_task_needs_its_due_day(session: Session) -> None:
    with pytest.raises(FieldErrors, match="a repeating task needs a due date"):
        TaskCreate.build(title="Check-in", repeat="weekly")
    plain = create_task(session=session, data=TaskCreate(title="Plain")).id
    with pytest.raises(ValidationError, match="a repeating task needs a due date"):
        update_task(
            session=session,
            task_id=plain,
            changes=TaskUpdate(repeat="monthly"),
            expected_version=1,
        )
    dated = create_task(session=session, data=TaskCreate(title="D", due_date=START)).id
    made = update_task(
        session=session, task_id=dated, changes=TaskUpdate(repeat="monthly"), expected_version=1
    )
    assert (made.repeat, made.series_id) == ("FREQ=MONTHLY", dated)


def test_two_people_finishing_the_same_time_make_one_next(db: Database) -> None:
    with db.write() as session:
        first = _repeating(session)
    ready = threading.Barrier(2)
    failures: list[BaseException] = []

    def finish() -> None:
        try:
            ready.wait(timeout=10)
            with db.write() as session:
                complete_task(session=session, task_id=first)
        except BaseException as error:  # reported below
            failures.append(error)

    workers = [threading.Thread(target=finish) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert failures == []
    with db.read() as session:
        count = session.scalar(
            select(func.count()).select_from(Task).where(Task.series_id == first)
        )
    assert count == 2  # the first time and one next


def test_the_cli_repeats_finishes_and_skips(db_url: str) -> None:
    code, out, err = crm(
        db_url,
        "tasks",
        "add",
        "Check-in",
        "--due",
        "2026-12-31",
        "--repeat",
        "monthly on the last day",
    )
    assert (code, out, err) == (
        0,
        "added task #1 Check-in due 2026-12-31, every month on the last day\n",
        "",
    )
    assert crm(db_url, "tasks", "done", "1")[1] == "done: #1 Check-in\nnext: #2 due 2027-01-31\n"
    assert crm(db_url, "tasks", "skip", "2")[1] == "skipped #2\nnext: #3 due 2027-02-28\n"
    listed = crm(db_url, "tasks", "list")[1]
    assert "↻ Check-in" in listed and "2027-02-28" in listed
    code, _, err = crm(db_url, "tasks", "add", "X", "--due", "fri", "--repeat", "sometimes")
    assert code == 1 and "how often? 'sometimes'" in err
    code, ics, _ = crm(db_url, "export", "tasks", "--format", "ics")
    from icalendar import Calendar

    (todo,) = [c for c in Calendar.from_ical(ics).walk("VTODO") if "RRULE" in c]
    assert todo["RRULE"].to_ical() == b"FREQ=MONTHLY;BYMONTHDAY=-1"


async def test_the_form_sets_a_rule_and_the_board_finishes_a_time(db: Database) -> None:
    """A rule typed in Persian in the task form is kept as an RRULE and shown back as said;
    x on its card finishes it and the next time comes onto the board, marked ↻."""
    from textual.widgets import Input

    from screens.task_form import TaskForm
    from screens.tasks import TasksScreen
    from tests.screens_helpers import make_app, settle

    app = make_app(db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        board = app.screen
        assert isinstance(board, TasksScreen)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, TaskForm)
        form.query_one("#f-title", Input).value = "تماس ماهانه"
        form.query_one("#f-due_date", Input).value = "2026-12-31"
        form.query_one("#f-repeat", Input).value = "هر ماه آخرین جمعه"
        await pilot.press("ctrl+s")
        await settle(pilot)
        with db.read() as session:
            (task,) = session.scalars(select(Task)).all()
        assert (task.repeat, task.series_id) == ("FREQ=MONTHLY;BYDAY=-1FR", task.id)
        await pilot.press("x")
        await settle(pilot)
        with db.read() as session:
            following = next_in_series(session=session, task_id=task.id)
        assert following is not None and following.due == date(2027, 1, 29)
        titles = [
            column.describe(card)[0].text for column in board.board.columns for card in column.cards
        ]
        assert "↻ تماس ماهانه" in titles
        await pilot.press("e")
        await settle(pilot)
        shown = app.screen.query_one("#f-repeat", Input).value
        assert shown == "every month on the last Fri"
        await pilot.press("escape", "g")
        await settle(pilot)
        from screens.widgets.gantt import GanttChart

        gantt = board.query_one(GanttChart)
        gantt.scale_index = 2  # months: four days a column, the coming months in view
        await settle(pilot)
        columns = gantt.coming_columns(following)
        after = coming(following.repeat, following.due, date(2027, 12, 31))
        assert after[:2] == [date(2027, 2, 26), date(2027, 3, 26)]
        shown_first = gantt.scale.column_at(gantt.start, after[0])
        assert 0 <= shown_first < gantt.chart_width and shown_first in columns
