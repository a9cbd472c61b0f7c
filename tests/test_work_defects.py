"""Defects of Today, the log, the Gantt and ``crm agenda``, each pinned by the keys that
showed it (Pilot) or the numbers it got wrong (services, CLI)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlmodel import Session
from textual.pilot import Pilot
from textual.widgets import Checkbox, OptionList, Static

from crm_tui.cli import app as cli_app
from crm_tui.db import Database
from crm_tui.models import Contact, Interaction, Task
from crm_tui.schemas import TaskRead
from crm_tui.services import agenda as agenda_service
from crm_tui.services.agenda import LIST_LIMIT, build_agenda
from crm_tui.services.interactions import ComplaintFilter, InteractionQuery, count_interactions
from crm_tui.services.tasks import get_task, list_follow_ups
from screens.interaction_form import InteractionForm
from screens.interactions import LogScreen
from screens.log_dialogs import DueDialog, FollowUpDialog
from screens.tasks import TasksScreen
from screens.today import TodayScreen
from screens.widgets.gantt import HEADER, SCALES, GanttChart
from tests.cli_runner import CliRunner
from tests.conftest import FIXED_TODAY, add_contact
from tests.screens_helpers import make_app, open_screen, settle, settle_until

SIZES = [(120, 35), (80, 24), (200, 50)]


# -- 1. Regrouping the Gantt keeps the cursor on its task -------------------------------------


async def _open_gantt(pilot: Pilot[None]) -> tuple[TasksScreen, GanttChart]:
    await settle(pilot)
    screen = await open_screen(pilot, "4", TasksScreen)
    await pilot.press("g")
    await settle(pilot)
    return screen, screen.gantt


def _row_of(gantt: GanttChart, task_id: int) -> int:
    return next(i for i, row in enumerate(gantt.rows) if row.task and row.task.id == task_id)


async def test_regrouping_the_gantt_keeps_the_cursor_on_the_same_task(demo_db: Database) -> None:
    """G regrouped the rows but kept the row number: the cursor landed on another task,
    and the next key (] here) moved that one."""
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        screen, gantt = await _open_gantt(pilot)
        # A task whose row changes when grouped by assignee instead of project.
        by_project = {row.task.id: i for i, row in enumerate(gantt.rows) if row.task}
        gantt.set_tasks(gantt.tasks, "assignee")
        by_assignee = {row.task.id: i for i, row in enumerate(gantt.rows) if row.task}
        gantt.set_tasks(gantt.tasks, "project")
        moving = [
            task_id
            for task_id in by_project
            if by_project[task_id] != by_assignee[task_id]
            and (task := get_task_of(gantt, task_id)).due is not None
            and not task.depends_on
            and not any(task_id in other.depends_on for other in gantt.tasks)
        ]
        chosen = moving[0]
        while gantt.current is None or gantt.current.id != chosen:
            await pilot.press("down")
        before = get_task_of(gantt, chosen)
        others = {task.id: (task.start, task.due) for task in gantt.tasks if task.id != chosen}

        await pilot.press("G")  # by assignee
        await settle(pilot)
        assert screen.group_by == "assignee"
        assert gantt.current is not None and gantt.current.id == chosen
        assert gantt.selected == _row_of(gantt, chosen)
        detail = str(screen.query_one("#task-detail", Static).render())
        assert f"#{chosen} " in detail

        await pilot.press("right_square_bracket")  # one day later: this task, no other
        await settle(pilot)
        with demo_db.read() as session:
            moved = get_task(session=session, task_id=chosen)
            assert moved.due == before.due + timedelta(days=1)  # type: ignore[operator]
            for task_id, dates in others.items():
                task = get_task(session=session, task_id=task_id)
                assert (task.start, task.due) == dates, task_id
        assert gantt.current is not None and gantt.current.id == chosen  # after the reload

        await pilot.press("G")  # back by project
        await settle(pilot)
        assert gantt.current is not None and gantt.current.id == chosen


def get_task_of(gantt: GanttChart, task_id: int) -> TaskRead:
    return next(task for task in gantt.tasks if task.id == task_id)


# -- 2. The month scale's dependency marks, the day scale's month labels -----------------------


def _line_text(gantt: GanttChart, y: int) -> str:
    return "".join(segment.text for segment in gantt.render_line(y))


@pytest.mark.parametrize("size", SIZES)
async def test_the_month_scale_draws_each_dependency_mark_against_its_bar(
    demo_db: Database, size: tuple[int, int]
) -> None:
    """Month columns are four days: the bar started at the next whole column and the mark
    "┤" stayed at the one before the start, a blank column between them."""
    app = make_app(demo_db)
    async with app.run_test(size=size) as pilot:
        _, gantt = await _open_gantt(pilot)
        await pilot.press("minus")  # week → month
        await settle(pilot)
        assert gantt.scale.name == "month"
        checked = 0
        for index, row in enumerate(gantt.rows):
            task = row.task
            begins = task and (task.start or task.due)
            if task is None or not task.depends_on or begins is None:
                continue
            first = gantt.scale.column_at(gantt.start, begins)
            if not 1 <= first < gantt.chart_width:
                continue
            chart = await _drawn_row(pilot, gantt, index)
            assert chart[first - 1] == "┤", (index, task.title, chart)
            assert chart[first] in "▒█◆", (index, task.title, chart)
            checked += 1
        assert checked >= 5


async def _drawn_row(pilot: Pilot[None], gantt: GanttChart, index: int) -> str:
    """The chart part (after the label) of row ``index`` as drawn, scrolled into view."""
    gantt.scroll_to(y=index, animate=False)
    await pilot.pause()
    y = HEADER + index - int(gantt.scroll_y)
    assert HEADER <= y < gantt.size.height - gantt.strip_height
    segments = list(gantt.render_line(y))
    return "".join(segment.text for segment in segments[1:])  # the label is the first


def _month_starts(gantt: GanttChart) -> list[tuple[int, date]]:
    starts: list[tuple[int, date]] = []
    for column in range(gantt.chart_width):
        day = gantt.scale.day_at(gantt.start, column)
        if not starts or (day.year, day.month) != (starts[-1][1].year, starts[-1][1].month):
            starts.append((column, day))
    return starts


@pytest.mark.parametrize("size", SIZES)
async def test_every_month_boundary_in_the_header_is_labelled(
    demo_db: Database, size: tuple[int, int]
) -> None:
    """The day view starting on Nov 29 named "Nov 2026" at its left edge, which took the
    place of December's label three columns on: December was never named. Each scale from
    three first days, in one app (27 apps took most of a minute of the suite)."""
    app = make_app(demo_db)
    async with app.run_test(size=size) as pilot:
        _, gantt = await _open_gantt(pilot)
        for scale in ("day", "week", "month"):
            gantt.scale_index = [s.name for s in SCALES].index(scale)
            await settle(pilot, rounds=1)
            for first_day in (date(2026, 11, 29), date(2026, 11, 20), date(2026, 12, 31)):
                gantt.start = first_day
                gantt.refresh()
                await pilot.pause()
                _assert_months_labelled(gantt, (scale, first_day))


def _assert_months_labelled(gantt: GanttChart, case: object) -> None:
    header = _line_text(gantt, 0)[gantt.label_width + 1 :]
    assert len(header) >= gantt.chart_width, case
    starts = _month_starts(gantt)
    assert len(starts) >= 2, case
    for column, day in starts:
        if column == 0 and day.day != 1:
            continue  # the month the view opens in: named only if room is left
        room = gantt.chart_width - column
        name = f"{day:%b}"  # cut at the right edge with "…", its start kept
        shown = name if len(name) <= room else name[: room - 1] + "…" if room > 1 else name[:1]
        assert header[column:].startswith(shown), (case, column, day, header)
        assert column == 0 or header[column - 1] == " ", (case, column, day, header)


async def test_the_gantt_draws_nothing_under_its_scrollbar(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        _, gantt = await _open_gantt(pilot)
        assert gantt.label_width + 1 + gantt.chart_width <= gantt.scrollable_content_region.width


# -- 3. Logging a call offers to complete the follow-up; F offers the existing one -------------


def _overdue_follow_up(database: Database) -> TaskRead:
    with database.read() as session:
        due = list_follow_ups(session=session, due_before=FIXED_TODAY)
    found = [task for task in due if task.due is not None and task.contact_id is not None]
    assert found, "the demo has an overdue follow-up"
    return found[0]


async def _log_form_for(pilot: Pilot[None], task: TaskRead) -> InteractionForm:
    """From Today, on the follow-up's line, press l (log a touchpoint with its contact)."""
    await settle(pilot)
    today = pilot.app.screen
    assert isinstance(today, TodayScreen)
    listing = today.query_one("#today-list", OptionList)
    lines = [listing.get_option_at_index(i).id or "" for i in range(listing.option_count)]
    listing.highlighted = next(
        i for i, key in enumerate(lines) if key.startswith(f"task:{task.id}:")
    )
    await pilot.press("l")
    form = pilot.app.screen
    assert isinstance(form, InteractionForm)
    await settle_until(pilot, lambda: form.query_one("#f-complete", Checkbox).display)
    return form


async def test_logging_a_call_with_someone_waiting_completes_their_follow_up(
    demo_db: Database,
) -> None:
    """A call logged with a contact whose follow-up was overdue left it overdue (on Today
    and the board) until someone remembered to tick it off by hand."""
    task = _overdue_follow_up(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        form = await _log_form_for(pilot, task)
        box = form.query_one("#f-complete", Checkbox)
        assert box.value is True
        assert str(box.label).startswith(f"Complete follow-up #{task.id} (due {task.due:%a %d %b})")
        assert task.title in str(box.label)
        await pilot.press(*"Called back, all settled", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen)
        with demo_db.read() as session:
            assert get_task(session=session, task_id=task.id).status == "done"
            logged = session.scalars(
                select(Interaction).where(Interaction.subject == "Called back, all settled")
            ).one()
            assert logged.contact_id == task.contact_id
        listing = app.screen.query_one("#today-list", OptionList)
        keys = [listing.get_option_at_index(i).id or "" for i in range(listing.option_count)]
        assert not any(key.startswith(f"task:{task.id}:") for key in keys)


async def test_the_offer_can_be_declined_and_follows_the_contact(demo_db: Database) -> None:
    task = _overdue_follow_up(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await _log_form_for(pilot, task)
        box = form.query_one("#f-complete", Checkbox)
        assert box.region.height == 1 and box.region.y < 24, "seen without scrolling"
        box.value = False  # declined
        await pilot.press(*"Left a message")
        await pilot.press("ctrl+s")
        await settle(pilot)
        with demo_db.read() as session:
            assert get_task(session=session, task_id=task.id).status != "done"

        # Another contact chosen in the form: their follow-ups (none here), not the first's.
        with demo_db.write() as session:
            quiet = add_contact(session, "Quiet Person Zz")
        await pilot.press("1")
        form = await _log_form_for(pilot, task)
        picker_input = form.query_one(".picker-input")
        picker_input.focus()
        picker_input.value = "Quiet Person Zz"  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("enter")  # the first match
        await settle(pilot)
        assert form.query_one("#f-contact").contact_id == quiet  # type: ignore[attr-defined]
        assert not form.query_one("#f-complete", Checkbox).display
        assert form._to_complete(quiet) == []


def _interaction_with_open_follow_up(database: Database) -> tuple[int, TaskRead]:
    task = _overdue_follow_up(database)
    assert task.source_interaction_id is not None
    return task.source_interaction_id, task


async def _log_at(pilot: Pilot[None], database: Database, interaction_id: int) -> LogScreen:
    await settle(pilot)
    log = await open_screen(pilot, "3", LogScreen)
    with database.read() as session:
        contact_id = session.get(Interaction, interaction_id).contact_id  # type: ignore[union-attr]
    log.show_contact(contact_id, "", interaction_id)
    await settle_until(
        pilot, lambda: log.table.current is not None and log.table.current.id == interaction_id
    )
    return log


def _follow_ups_of(database: Database, interaction_id: int) -> list[Task]:
    with database.read() as session:
        return list(
            session.scalars(select(Task).where(Task.source_interaction_id == interaction_id))
        )


@pytest.mark.parametrize("key", ["x", "r", "o"])
async def test_f_on_an_interaction_with_a_follow_up_offers_that_one(
    demo_db: Database, key: str
) -> None:
    """F asked for a day and made a second follow-up of the same call (two lines on Today
    for one promise); now it offers the open one: another day, done, or open it."""
    interaction_id, task = _interaction_with_open_follow_up(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        log = await _log_at(pilot, demo_db, interaction_id)
        await pilot.press("F")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FollowUpDialog), dialog
        assert f"#{task.id}" in str(dialog.query_one(".dialog-title", Static).render())
        await pilot.press(key)
        await settle(pilot)
        if key == "r":
            assert isinstance(app.screen, DueDialog)
            await pilot.press("enter")  # the default: in 3 days
            await settle(pilot)
        follow_ups = _follow_ups_of(demo_db, interaction_id)
        assert [t.id for t in follow_ups] == [task.id], "no second follow-up"
        if key == "x":
            assert follow_ups[0].status == "done"
            assert app.screen is log
            assert "done" in str(log.query_one("#log-detail-text", Static).render())
        elif key == "r":
            assert follow_ups[0].due_date == FIXED_TODAY + timedelta(days=3)
            assert follow_ups[0].status != "done"
            assert app.screen is log
        else:
            assert isinstance(app.screen, TasksScreen)
            await settle_until(
                pilot,
                lambda: app.screen.current is not None and app.screen.current.id == task.id,
            )
            assert app.screen.current.id == task.id
            assert follow_ups[0].status != "done"


async def test_f_after_the_follow_up_is_done_plans_a_new_one(demo_db: Database) -> None:
    interaction_id, task = _interaction_with_open_follow_up(demo_db)
    with demo_db.write() as session:
        session.execute(update(Task).where(Task.id == task.id).values(status="done"))
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await _log_at(pilot, demo_db, interaction_id)
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, DueDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert len(_follow_ups_of(demo_db, interaction_id)) == 2


# -- 4. The log's detail pane follows the list, down to an empty one ---------------------------


async def test_resolving_the_last_open_complaint_empties_the_detail_pane(
    demo_db: Database,
) -> None:
    """With only open complaints shown, the one just resolved stayed in the list and in the
    pane; resolving the last left it there, the list's only row, as if still open."""
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        log = await open_screen(pilot, "3", LogScreen)
        await pilot.press("o")
        await settle(pilot)
        open_query = InteractionQuery(complaint=ComplaintFilter.OPEN)
        with demo_db.read() as session:
            open_ones = count_interactions(session=session, query=open_query)
        assert log.table.total == open_ones >= 2
        detail = log.query_one("#log-detail-text", Static)
        for left in range(open_ones - 1, -1, -1):
            resolved = log.table.current
            await pilot.press("r")
            await settle_until(pilot, lambda left=left: log.table.total == left)
            assert log.table.total == left
            if left:  # the next open complaint takes the row, and the pane
                current = log.table.current
                assert current is not None and current.id != resolved.id
                label = f"#{current.id} "
                await settle_until(pilot, lambda label=label: label in str(detail.render()))
                assert label in str(detail.render())
                assert "Open complaint" in str(detail.render())
        with demo_db.read() as session:
            assert count_interactions(session=session, query=open_query) == 0
        shown = str(detail.render())
        assert "Nothing here matches" in shown and "Complaint resolved" not in shown
        await pilot.press("o")  # every interaction again: the pane shows the one under the cursor
        await settle_until(pilot, lambda: "Nothing here" not in str(detail.render()))
        assert f"#{log.table.current.id} " in str(detail.render())


# -- 5. Today lists each item once ---------------------------------------------------------------


def _today_keys(today: TodayScreen) -> list[str]:
    listing = today.query_one("#today-list", OptionList)
    ids = [listing.get_option_at_index(i).id for i in range(listing.option_count)]
    return [key.rsplit(":", 1)[0] for key in ids if key]


@pytest.mark.parametrize("size", SIZES)
async def test_today_lists_an_overdue_follow_up_once(
    demo_db: Database, size: tuple[int, int]
) -> None:
    task = _overdue_follow_up(demo_db)
    app = make_app(demo_db)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        today = app.screen
        assert isinstance(today, TodayScreen)
        keys = _today_keys(today)
        assert keys.count(f"task:{task.id}") == 1
        assert len(keys) == len(set(keys)), [k for k in keys if keys.count(k) > 1]
        listing = today.query_one("#today-list", OptionList)
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        line = next(p for p in prompts if task.title in p)
        assert "↩" in line  # marked as a follow-up where it is listed
        header = next(p for p in prompts if p.startswith("Follow-ups"))
        assert "above" in header


async def test_an_undated_follow_up_is_listed_under_follow_ups(demo_db: Database) -> None:
    task = _overdue_follow_up(demo_db)
    with demo_db.write() as session:
        session.execute(update(Task).where(Task.id == task.id).values(due_date=None))
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        keys = _today_keys(app.screen)  # type: ignore[arg-type]
        assert keys.count(f"task:{task.id}") == 1
        listing = app.screen.query_one("#today-list", OptionList)
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        follow_ups = next(i for i, p in enumerate(prompts) if p.startswith("Follow-ups"))
        assert "1 undated" in prompts[follow_ups]
        assert task.title in prompts[follow_ups + 1]


# -- 6. Honest counts: "50 of 5,200" -------------------------------------------------------------

MANY = 5_200


def _many_open_complaints(session: Session, contact_id: int) -> None:
    now = datetime(2026, 1, 1, 9, tzinfo=UTC)
    rows = [
        {
            "contact_id": contact_id,
            "occurred_at": now + timedelta(minutes=n),
            "channel": "email",
            "direction": "in",
            "subject": f"Complaint {n}",
            "body": "",
            "complaint": True,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(MANY)
    ]
    session.execute(insert(Interaction), rows)


def _many_quiet_customers(session: Session, count: int) -> None:
    ids = [add_contact(session, f"Quiet customer {n:03d}", status="customer") for n in range(count)]
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    session.execute(
        update(Contact).where(Contact.id.in_(ids)).values(last_contacted_at=long_ago)  # type: ignore[union-attr]
    )


def _many_follow_ups(session: Session, interaction_id: int, count: int) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    session.execute(
        insert(Task),
        [
            {
                "title": f"Follow up {n}",
                "source_interaction_id": interaction_id,
                "due_date": date(2020, 1, 2),
                "status": "todo",
                "description": "",
                "priority": 1,
                "progress": 0,
                "milestone": False,
                "position": 0.0,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ],
    )


@pytest.fixture
def crowded(demo_db: Database) -> Database:
    with demo_db.write() as session:
        _many_open_complaints(session, 1)
        _many_quiet_customers(session, LIST_LIMIT + 10)
        first = session.scalars(select(Interaction.id).limit(1)).one()
        _many_follow_ups(session, first, LIST_LIMIT + 5)
    return demo_db


def test_the_agenda_gives_the_true_totals_beside_its_capped_lists(crowded: Database) -> None:
    with crowded.read() as session:
        agenda = build_agenda(session=session, today=FIXED_TODAY)
        complaints = count_interactions(
            session=session, query=InteractionQuery(complaint=ComplaintFilter.OPEN)
        )
        follow_ups = len(list_follow_ups(session=session, due_before=FIXED_TODAY + timedelta(8)))
        stale = agenda_service.stale_count(session=session, today=FIXED_TODAY, stale_days=30)
    assert len(agenda.open_complaints) == LIST_LIMIT
    assert agenda.open_complaints_total == complaints > MANY
    assert len(agenda.follow_ups) == LIST_LIMIT
    assert agenda.follow_ups_total == follow_ups > LIST_LIMIT
    assert len(agenda.stale_contacts) == LIST_LIMIT
    assert agenda.stale_contacts_total == stale >= LIST_LIMIT + 10
    names = [row.name for row in agenda.stale_contacts]
    assert all(row.status in ("customer", "prospect") for row in agenda.stale_contacts), names


def test_short_lists_are_not_counted_again(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list shorter than the limit is its own total: no COUNT is run for it."""
    counted: list[str] = []
    monkeypatch.setattr(agenda_service, "stale_count", lambda *a: counted.append("stale") or 0)
    monkeypatch.setattr(
        agenda_service, "count_interactions", lambda **kw: counted.append("complaints") or 0
    )
    monkeypatch.setattr(
        agenda_service, "count_follow_ups", lambda **kw: counted.append("follow-ups") or 0
    )
    with demo_db.read() as session:
        agenda = build_agenda(session=session, today=FIXED_TODAY)
    assert counted == []
    assert agenda.open_complaints_total == len(agenda.open_complaints) > 0
    assert agenda.stale_contacts_total == len(agenda.stale_contacts) > 0


def test_crm_agenda_says_how_many_there_are_in_all(crowded: Database, demo_url: str) -> None:
    runner = CliRunner()
    with crowded.read() as session:
        total = count_interactions(
            session=session, query=InteractionQuery(complaint=ComplaintFilter.OPEN)
        )
    out = runner.invoke(cli_app, ["--db", demo_url, "agenda"]).stdout
    assert f"Open complaints ({LIST_LIMIT} of {total:,})\n" in out
    data = json.loads(runner.invoke(cli_app, ["--db", demo_url, "agenda", "--json"]).stdout)
    assert len(data["open_complaints"]) == LIST_LIMIT
    assert data["open_complaints_total"] == total
    assert len(data["stale_contacts"]) == LIST_LIMIT
    assert data["stale_contacts_total"] >= LIST_LIMIT + 10
    assert len(data["follow_ups"]) == LIST_LIMIT
    assert data["follow_ups_total"] >= LIST_LIMIT + 5
    for key in ("today", "overdue", "due_today", "due_soon", "week_by_channel"):
        assert key in data


def test_crm_agenda_help_says_the_lists_stop_at_the_limit() -> None:
    shown = CliRunner().invoke(cli_app, ["agenda", "--help"], terminal_width=200).output
    assert f"listed up to {LIST_LIMIT} each" in " ".join(shown.split())
    assert "open_complaints_total" in shown


def test_a_short_list_is_shown_as_its_count(demo_url: str) -> None:
    out = CliRunner().invoke(cli_app, ["--db", demo_url, "agenda"]).stdout
    line = next(line for line in out.splitlines() if line.startswith("Open complaints"))
    assert " of " not in line


@pytest.mark.parametrize("size", SIZES)
async def test_today_says_50_of_the_true_total(crowded: Database, size: tuple[int, int]) -> None:
    with crowded.read() as session:
        complaints = count_interactions(
            session=session, query=InteractionQuery(complaint=ComplaintFilter.OPEN)
        )
        stale = agenda_service.stale_count(session=session, today=FIXED_TODAY, stale_days=30)
    app = make_app(crowded)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        today = app.screen
        listing = today.query_one("#today-list", OptionList)
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert f"Open complaints, oldest first  {LIST_LIMIT} of {complaints:,}" in prompts
        assert f"Not contacted for 30+ days  {LIST_LIMIT} of {stale:,}" in prompts
        summary = str(today.query_one("#today-summary", Static).render())
        assert f"{complaints:,} open complaints" in " ".join(summary.split())


def test_crm_log_names_the_follow_up_still_open(demo_db: Database, demo_url: str) -> None:
    """The CLI cannot ask; it says which follow-up the call may have answered."""
    from crm_tui.schemas import InteractionCreate
    from crm_tui.services.interactions import create_interaction
    from crm_tui.services.tasks import create_follow_up

    with demo_db.write() as session:
        contact = add_contact(session, "Waiting Person")
        asked = create_interaction(
            session=session, data=InteractionCreate.build(contact_ids=[contact], subject="Asked")
        )
        task = create_follow_up(
            session=session, interaction_id=asked.id, due=date.today() - timedelta(days=1)
        )
    out = (
        CliRunner()
        .invoke(cli_app, ["--db", demo_url, "log", "Called back", "--contact", str(contact)])
        .stdout
    )
    assert f"follow-up #{task.id} '{task.title}' is still open" in out
    assert f"crm tasks done {task.id}" in out
    # --done-follow-up marks it done with the next call.
    args = ["--db", demo_url, "log", "Called again", "--contact", str(contact)]
    out = CliRunner().invoke(cli_app, [*args, "--done-follow-up"]).stdout
    assert f"follow-up #{task.id} '{task.title}' done" in out and "still open" not in out
    with demo_db.read() as session:
        assert get_task(session=session, task_id=task.id).status == "done"


@pytest.mark.parametrize(("size", "label"), [((80, 24), 34), ((120, 35), 34), ((200, 50), 50)])
async def test_the_gantt_label_column_grows_with_the_screen_and_cuts_with_an_ellipsis(
    demo_db: Database, size: tuple[int, int], label: int
) -> None:
    """At 200 columns the label column stayed 34 cells and titles were cut without "…"."""
    long_title = "Prepare the spring catalogue for Lefèvre SARL, every page in three languages"
    with demo_db.write() as session:
        session.execute(update(Task).where(Task.id == 1).values(title=long_title))
    app = make_app(demo_db)
    async with app.run_test(size=size) as pilot:
        _, gantt = await _open_gantt(pilot)
        assert gantt.label_width == label
        lines = [gantt.render_line(y).text for y in range(HEADER, gantt.size.height)]
        [row] = [line for line in lines if line[1:4] == "#1 "]  # after the marker
        shown = row[: label + 1]
        assert shown.rstrip().endswith("…") and long_title[:20] in shown


@pytest.mark.parametrize(
    ("calendar", "weekend"), [("gregorian", {5, 6}), ("jalali", {4})], ids=["gregorian", "jalali"]
)
async def test_the_gantt_shades_the_weekend_of_its_calendar(
    demo_db: Database, calendar: str, weekend: set[int]
) -> None:
    """Saturday and Sunday; in the Jalali calendar Friday, Iran's weekend (issue 23: "Friday
    as the weekend"): the columns of those days are shaded on every task's line and in the
    workload strip, on the day and week scales; the month scale (four days a column) has
    none."""
    from crm_tui.app import CrmApp
    from crm_tui.config import Settings

    settings = Settings(user="tester", label="demo.db", bidi="terminal", calendar=calendar)
    app = CrmApp(database=demo_db, settings=settings, today=FIXED_TODAY)
    async with app.run_test(size=(120, 35)) as pilot:
        _, gantt = await _open_gantt(pilot)
        for scale in ("week", "day", "month"):
            while gantt.scale.name != scale:
                await pilot.press("plus" if scale == "day" else "minus")
                await settle(pilot)
            shade = gantt.get_component_rich_style("gantt--weekend").bgcolor
            assert shade is not None
            for y in (HEADER + 1, gantt.size.height - 1):  # a task's line, a person's load
                cells = [
                    segment.style.bgcolor if segment.style else None
                    for segment in gantt.render_line(y)
                    for _ in segment.text
                ]
                chart = cells[gantt.label_width + 1 :][: gantt.chart_width - 1]
                shaded = {
                    gantt.scale.day_at(gantt.start, column).weekday()
                    for column, colour in enumerate(chart)
                    if colour == shade
                }
                if scale == "month":
                    assert shaded == set(), (y, scale)
                else:
                    assert weekend <= shaded <= weekend | {7}, (y, scale, shaded)


async def test_a_persian_month_cut_at_the_right_edge_keeps_its_start(demo_db: Database) -> None:
    """A month starting near the right edge is named as far as there is room: a Persian
    name laid out right to left lost its first letters when the laid-out text was cut at
    the edge (its logical start is at its right)."""
    from crm_tui import bidi, display
    from crm_tui.app import CrmApp
    from crm_tui.config import Settings

    settings = Settings(user="tester", label="demo.db", bidi="app", calendar="jalali")
    app = CrmApp(database=demo_db, settings=settings, today=FIXED_TODAY)
    async with app.run_test(size=(120, 35)) as pilot:
        _, gantt = await _open_gantt(pilot)
        gantt.scale_index = [s.name for s in SCALES].index("day")
        await settle(pilot, rounds=1)
        # Day scale, 3 columns a day: the Jalali month بهمن (1 Bahman 1405 is 2027-01-21);
        # its first column two columns before the right edge.
        first = date(2027, 1, 21)
        gantt.start = first - timedelta(days=(gantt.chart_width - 2) // 3)
        gantt.refresh()
        await pilot.pause()
        header = _line_text(gantt, 0)[gantt.label_width + 1 :][: gantt.chart_width]
        column = gantt.scale.column_at(gantt.start, first)
        room = gantt.chart_width - column
    assert 0 < room < 3, room
    assert display.month_forms(first)[2] == "بهمن"
    assert header[column:].rstrip() == bidi.layout("بهمن"[: room - 1] + "…" if room > 1 else "ب")
