"""Today, the interaction log and the task board, driven by keys through Pilot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select, Static, TextArea

from crm_tui.db import Database
from crm_tui.models import Interaction, Task
from crm_tui.schemas import InteractionCreate
from crm_tui.services.contacts import ContactQuery, count_contacts
from crm_tui.services.interactions import (
    ComplaintFilter,
    InteractionQuery,
    count_interactions,
    create_interaction,
    list_interactions,
)
from crm_tui.services.tasks import TaskQuery, get_task, list_tasks
from crm_tui.services.team import set_active
from screens.contacts import ContactsScreen
from screens.dialogs import FilterDialog
from screens.interaction_form import InteractionForm
from screens.interactions import LogScreen
from screens.log_dialogs import DueDialog
from screens.task_dialogs import ApplyTemplateDialog, BoardFilter, PushDialog
from screens.task_form import TaskForm
from screens.tasks import TasksScreen
from screens.today import TodayScreen
from tests.conftest import FIXED_TODAY
from tests.screens_helpers import make_app, open_screen, settle, settle_until


async def _opened(pilot: Pilot[None], *keys: str) -> Any:
    """The screen (a form, a dialog) that ``keys`` open once the app has settled."""
    await settle(pilot)
    await pilot.press(*keys)
    await settle(pilot)
    return pilot.app.screen


async def test_log_from_a_contact_then_see_it_everywhere(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        contact = app.screen.table.current
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, InteractionForm)
        await pilot.press(*"Called about the quote", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        with demo_db.read() as session:
            newest = list_interactions(session=session, limit=1).rows[0]
        assert (newest.subject, newest.contact_id) == ("Called about the quote", contact.id)
        timeline = str(app.screen.query_one("#detail-timeline", Static).render())
        assert "Called about the quote" in timeline
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
        assert app.screen.table.row_at(0).subject == "Called about the quote"
        await pilot.press("1")
        await settle(pilot)
        summary = str(app.screen.query_one("#today-summary", Static).render())
        assert "This week:" in summary and "call" in summary


async def test_the_log_form_refuses_a_time_to_come(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        form = await _opened(pilot, "2", "l")
        assert isinstance(form, InteractionForm)
        await pilot.press(*"Next week's call")
        form.query_one("#f-when", Input).value = "+7d"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        beside_when = str(form.query_one("#error-when", Static).render())
        assert beside_when.startswith("that is in the future")
        with demo_db.read() as session:
            assert list_interactions(session=session, limit=1).rows[0].subject != "Next week's call"


async def test_persian_typed_with_its_zero_width_non_joiner_is_kept(demo_db: Database) -> None:
    """Textual's Input and TextArea dropped the ZWNJ key (not str.isprintable()): "پیش‌فاکتور"
    was saved as "پیشفاکتور", a misspelling, in every field of the app."""
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        form = await _opened(pilot, "2", "l")
        assert isinstance(form, InteractionForm)
        await pilot.press(*"ارسال پیش\u200cفاکتور")
        form.query_one("#f-body", TextArea).focus()
        await pilot.press(*"می\u200cخواهم", "ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, InteractionForm)
    with demo_db.read() as session:
        newest = list_interactions(session=session, limit=1).rows[0]
    assert (newest.subject, newest.body) == ("ارسال پیش\u200cفاکتور", "می\u200cخواهم")


async def test_follow_up_and_resolving_a_complaint(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("o")  # open complaints only
        await settle(pilot)
        with demo_db.read() as session:
            open_ones = count_interactions(
                session=session, query=InteractionQuery(complaint=ComplaintFilter.OPEN)
            )
        assert app.screen.table.total == open_ones > 0
        complaint = app.screen.table.current
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, DueDialog)
        await pilot.press("enter")  # the default: in 3 days
        await settle(pilot)
        with demo_db.read() as session:
            task = session.scalars(
                select(Task).where(Task.source_interaction_id == complaint.id)
            ).one()
            assert task.due_date == FIXED_TODAY + timedelta(days=3)
        await pilot.press("r")
        await settle(pilot)
        with demo_db.read() as session:
            resolved = session.get(Interaction, complaint.id)
            assert resolved.resolved_at is not None and resolved.resolved_by_id is not None
        await pilot.press("o")  # back to every complaint status
        await settle(pilot)


async def test_log_filters_combine(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        await pilot.press("o", "slash", *"delivery", "enter")
        await settle(pilot)
        query = InteractionQuery(search="delivery", complaint=ComplaintFilter.OPEN)
        with demo_db.read() as session:
            expected = count_interactions(session=session, query=query)
        assert screen.log_query == query
        assert screen.table.total == expected
        await pilot.press("f")
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#f-since", Input).focus()
        await pilot.press(*"banana", "enter")  # Enter in a field applies, or says why not
        await settle(pilot)
        assert app.screen is dialog
        assert "cannot read 'banana'" in str(dialog.query_one("#error-form", Static).render())
        dialog.query_one("#f-since", Input).value = "-400d"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.log_query.since is not None and screen.log_query.search == "delivery"
        await pilot.press("escape", "escape")  # leave and clear the search, then filters
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert screen.log_query == InteractionQuery()


async def test_today_lists_work_and_opens_it(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen)
        listing = app.screen.query_one("#today-list", OptionList)
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        for section in (
            "Overdue",
            "Due today",
            "Coming up",
            "Follow-ups",
            "Open complaints",
            "Not contacted",
        ):
            assert any(section in prompt for prompt in prompts), section
        kind, task = app.screen._current()
        assert kind == "task" and task.due < FIXED_TODAY
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TasksScreen)
        assert app.screen.current.id == task.id


async def test_today_at_80_columns_keeps_the_list_wide_and_the_newest_weeks(
    demo_db: Database,
) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#today-list", OptionList).size.width >= 40
        chart = str(app.screen.query_one("#today-weeks").render())
        this_week = f"w{FIXED_TODAY.isocalendar().week:02d}"
        assert "(8 weeks)" in chart and chart.splitlines()[-1].rstrip().endswith(this_week)


async def test_kanban_moves_cards(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        card = screen.board.current
        assert card.status == "todo"
        await pilot.press("L")
        await settle(pilot)
        with demo_db.read() as session:
            assert get_task(session=session, task_id=card.id).status == "doing"
        assert screen.board.current.id == card.id and screen.board.current_key == "doing"
        with demo_db.read() as session:
            before = [t.id for t in list_tasks(session=session, query=TaskQuery(status="doing"))]
        assert before[-1] == card.id, "a moved card goes to the end of its new column"
        await pilot.press("K")  # one place up
        await settle(pilot)
        with demo_db.read() as session:
            after = [t.id for t in list_tasks(session=session, query=TaskQuery(status="doing"))]
        assert after == [*before[:-2], card.id, before[-2]]
        await pilot.press("x")
        await settle(pilot)
        with demo_db.read() as session:
            assert get_task(session=session, task_id=card.id).status == "done"


async def _gantt_at(pilot: Pilot[None], title: str) -> Any:
    """Open the Gantt with its cursor on the task titled ``title``; returns the chart."""
    await settle(pilot)
    await pilot.press("4", "g")
    await settle(pilot)
    screen: Any = pilot.app.screen
    gantt = screen.gantt
    while gantt.current is None or gantt.current.title != title:
        await pilot.press("down")
    return gantt


async def test_the_selected_task_is_in_view_when_the_gantt_opens(demo_db: Database) -> None:
    """At 80x24 the board's card opened the Gantt scrolled to its top, the selected task
    further down, out of sight (only the status line named it)."""
    from screens.widgets.gantt import HEADER

    app = make_app(demo_db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen: Any = app.screen
        await pilot.press(*["down"] * 3)  # a card further down its column
        await settle(pilot)
        chosen = screen.board.current
        await pilot.press("g")
        await settle(pilot)
        gantt = screen.gantt
        assert gantt.current.id == chosen.id
        visible = gantt.size.height - HEADER - gantt.strip_height
        assert gantt.scroll_y <= gantt.selected < gantt.scroll_y + visible, (
            gantt.selected,
            gantt.scroll_y,
            visible,
        )


async def test_gantt_shift_stretch_and_dependency_warning(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        gantt = await _gantt_at(pilot, "Discovery workshop")
        screen = app.screen
        task = gantt.current
        start, due = task.start, task.due
        await pilot.press("right_square_bracket")  # one day later, nothing waits too early
        await settle(pilot)
        with demo_db.read() as session:
            moved = get_task(session=session, task_id=task.id)
        assert (moved.start, moved.due) == (start + timedelta(days=1), due + timedelta(days=1))
        for _ in range(3):  # longer than the gap before "Wireframes" starts
            await pilot.press("right_curly_bracket")
            await settle(pilot)
            if not isinstance(app.screen, TasksScreen):
                await pilot.press("o")  # asked to push the waiting task: only this one
                await settle(pilot)
        with demo_db.read() as session:
            stretched = get_task(session=session, task_id=task.id)
        assert stretched.due == due + timedelta(days=4) and stretched.start == moved.start
        assert gantt.broken, "the waiting task is flagged"
        assert "⚠" in str(screen.query_one("#tasks-status", Static).render())


async def test_shortening_a_one_day_task_says_so_and_writes_nothing(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        gantt = await _gantt_at(pilot, "Discovery workshop")
        task = gantt.current
        for _ in range((task.due - task.start).days):
            await pilot.press("left_curly_bracket")
            await settle(pilot)
        with demo_db.read() as session:
            short = get_task(session=session, task_id=task.id)
        assert short.due == short.start == task.start
        await pilot.press("left_curly_bracket")
        await settle(pilot)
        with demo_db.read() as session:
            assert get_task(session=session, task_id=task.id).version == short.version
        said = [n.message for n in app._notifications]
        assert f"#{task.id} is one day long already" in said


async def test_cancelling_the_push_question_moves_nothing(demo_db: Database) -> None:
    """Cancel (and Escape) used to answer "no": the task moved and the clash was flagged."""
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        gantt = await _gantt_at(pilot, "Discovery workshop")
        task = gantt.current
        with demo_db.read() as session:
            [waiting] = [t for t in list_tasks(session=session) if task.id in t.depends_on]
        gap = (waiting.start - task.due).days
        for _ in range(gap - 1):  # up to the day before the waiting task starts: no question
            await pilot.press("right_curly_bracket")
            await settle(pilot)
        assert isinstance(app.screen, TasksScreen)
        await pilot.press("right_curly_bracket")
        await settle(pilot)
        assert isinstance(app.screen, PushDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TasksScreen)
        with demo_db.read() as session:
            assert get_task(session=session, task_id=task.id).due == waiting.start - timedelta(1)
        await pilot.press("right_curly_bracket")
        await settle(pilot)
        await pilot.click("#cancel")
        await settle(pilot)
        with demo_db.read() as session:
            assert get_task(session=session, task_id=task.id).due == waiting.start - timedelta(1)
        assert waiting.id not in gantt.broken
        await pilot.press("right_curly_bracket")
        await settle(pilot)
        await pilot.press("p")  # push: the waiting task moves a day too
        await settle(pilot)
        with demo_db.read() as session:
            assert get_task(session=session, task_id=task.id).due == waiting.start
            pushed = get_task(session=session, task_id=waiting.id)
        assert pushed.start == waiting.start + timedelta(days=1)
        assert waiting.id not in gantt.broken


async def test_a_dependency_cycle_is_refused_in_the_form(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        gantt = await _gantt_at(pilot, "Discovery workshop")
        first = gantt.current
        with demo_db.read() as session:
            wireframes = next(t for t in list_tasks(session=session) if first.id in t.depends_on)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, TaskForm)
        form.query_one("#f-depends_on", Input).value = str(wireframes.id)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert "cycle" in str(form.query_one("#error-depends_on", Static).render())
        with demo_db.read() as session:
            assert get_task(session=session, task_id=first.id).depends_on == []


async def test_a_new_task_due_before_it_starts_is_told_beside_due(demo_db: Database) -> None:
    """The new-task form said so on its general line, far below the dates."""
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        form = await _opened(pilot, "4", "n")
        assert isinstance(form, TaskForm)
        await pilot.press(*"Ship the order")
        form.query_one("#f-start_date", Input).value = "2026-12-10"
        form.query_one("#f-due_date", Input).value = "2026-12-01"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        beside_due = str(form.query_one("#error-due_date", Static).render())
        assert beside_due == "the due date is before the start date"
        assert str(form.query_one("#error-form", Static).render()) == ""
        with demo_db.read() as session:
            assert "Ship the order" not in {t.title for t in list_tasks(session=session)}


async def test_editing_the_task_of_someone_who_left_keeps_them_on_it(
    demo_db: Database,
) -> None:
    """The assignee list offers active members only: the form blanked a deactivated
    assignee, and saving any other change took the task from them silently."""
    with demo_db.read() as session:
        [task] = [t for t in list_tasks(session=session) if t.title == "Discovery workshop"]
    assert task.assignee_id is not None
    with demo_db.write() as session:
        set_active(session=session, ref=str(task.assignee_id), active=False)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await _gantt_at(pilot, "Discovery workshop")
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, TaskForm)
        assert form.query_one("#f-assignee", Select).value == task.assignee_id
        form.query_one("#f-title", Input).value = "Discovery workshop (2 days)"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, TaskForm)
    with demo_db.read() as session:
        saved = get_task(session=session, task_id=task.id)
    assert (saved.title, saved.assignee_id) == ("Discovery workshop (2 days)", task.assignee_id)


async def test_saving_an_unchanged_task_writes_nothing(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        task = (await _gantt_at(pilot, "Discovery workshop")).current
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, TaskForm)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, TaskForm)
    with demo_db.read() as session:
        assert get_task(session=session, task_id=task.id).version == task.version


async def test_a_stale_task_save_shows_both_versions_and_loses_nothing(
    demo_db: Database,
) -> None:
    """A teammate saved the task meanwhile: the form said "close and open it again", so
    what was typed was lost unless typed again; now both sides are shown, as for contacts."""
    from crm_tui.db import open_database
    from crm_tui.schemas import TaskUpdate
    from crm_tui.services.tasks import update_task
    from screens.conflict import ConflictDialog

    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        task = (await _gantt_at(pilot, "Discovery workshop")).current
        form = await _opened(pilot, "e")
        assert isinstance(form, TaskForm)
        form.query_one("#f-title", Input).value = "Discovery workshop (on site)"
        teammate = open_database(demo_db.url)
        with teammate.write() as session:
            update_task(
                session=session,
                task_id=task.id,
                changes=TaskUpdate.build(title="Discovery call", description="by video"),
                expected_version=task.version,
            )
        teammate.close()
        dialog = await _opened(pilot, "ctrl+s")
        assert isinstance(dialog, ConflictDialog)
        table = str(dialog.query_one("#conflict-table", Static).render())
        assert "Discovery workshop (on site)" in table and "Discovery call" in table
        assert await _opened(pilot, "enter") is form  # their version + my changes
        assert form.query_one("#f-title", Input).value == "Discovery workshop (on site)"
        assert form.query_one("#f-description", TextArea).text == "by video"
        assert not isinstance(await _opened(pilot, "ctrl+s"), TaskForm)
    with demo_db.read() as session:
        saved = get_task(session=session, task_id=task.id)
    assert (saved.title, saved.description) == ("Discovery workshop (on site)", "by video")
    assert saved.version == task.version + 2


async def test_apply_a_template_from_the_board(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("4", "a")
        await settle(pilot)
        assert isinstance(app.screen, ApplyTemplateDialog)
        app.screen.query_one("#f-project", Input).value = "Onboarding Blue Harbor"
        app.screen.query_one("#f-start", Input).value = "2026-12-07"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TasksScreen)
        with demo_db.read() as session:
            created = [
                t for t in list_tasks(session=session) if t.project == "Onboarding Blue Harbor"
            ]
        assert len(created) == 5
        assert min(t.start for t in created).isoformat() == "2026-12-07"
        assert sum(1 for t in created if t.depends_on) == 4


async def test_a_new_task_becomes_the_selected_card(demo_db: Database) -> None:
    """Also when the live refresh (which sees our own save) lands around the form's reload."""
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "4", TasksScreen)
        before = screen.current
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one("#f-title", Input).value = "Call the printer"
        await pilot.press("ctrl+s")
        screen.refresh_data()  # what a change seen by the watcher does, racing the reload
        await settle(pilot)
        assert screen.current is not None and screen.current.title == "Call the printer"
        assert before is not None and before.title != "Call the printer"


def test_chart_counts_stay_readable_when_large() -> None:
    """A busy year (19,209 interactions a week) must not run the counts together."""
    from screens.widgets.charts import bar_chart, compact

    assert [compact(n, 3) for n in (7, 836, 2_344, 19_209, 192_091, 1_234_567)] == [
        "7",
        "836",
        "2k",
        "19k",
        "192k",
        "1M",
    ]
    chart = bar_chart("Per week", [("w1", 19_209), ("w2", 836), ("w3", 0)])
    counts = chart.plain.splitlines()[1]
    assert counts.split() == ["19k", "836", "0"]


async def test_every_filter_dialog_applies_clears_and_cancels(demo_db: Database) -> None:
    """The contacts', the log's and the board's filters share their buttons and Escape."""
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        contacts = await open_screen(pilot, "2", ContactsScreen)
        await _filter(pilot, {"#filter-status": "customer"}, "#apply")
        assert contacts.contact_query.status == "customer"
        with demo_db.read() as session:
            customers = count_contacts(session=session, query=contacts.contact_query)
        assert 0 < contacts.table.total == customers
        await _filter(pilot, {"#filter-status": "lead"}, "escape")
        assert contacts.contact_query.status == "customer"  # Escape changes nothing
        await _filter(pilot, {}, "#clear")
        assert contacts.contact_query == ContactQuery()

        log = await open_screen(pilot, "3", LogScreen)
        await _filter(pilot, {"#f-channel": "call"}, "#apply")
        assert log.log_query.channel == "call"
        await _filter(pilot, {}, "#cancel")
        assert log.log_query.channel == "call"
        await _filter(pilot, {}, "#clear")
        assert log.log_query == InteractionQuery()

        board = await open_screen(pilot, "4", TasksScreen)
        with demo_db.read() as session:
            tasks = list_tasks(session=session, query=TaskQuery())
        project = next(task.project_id for task in tasks if task.project_id is not None)
        await _filter(pilot, {"#f-project": project}, "#apply")
        assert board.board_filter.project_id == project and board.board_filter.label
        await _filter(pilot, {}, "#clear")
        assert board.board_filter == BoardFilter()


async def _filter(pilot: Any, values: dict[str, object], then: str) -> None:
    """Open the screen's filter dialog ("f"), choose ``values``, then press a button or key."""
    await pilot.press("f")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, FilterDialog)
    for selector, value in values.items():
        dialog.query_one(selector, Select).value = value
    if then.startswith("#"):
        await pilot.click(then)
    else:
        await pilot.press(then)
    await settle(pilot)
    assert not isinstance(pilot.app.screen, FilterDialog)


async def _log_of_first_contact(pilot: Any) -> LogScreen:
    """The log, filtered to the contact of its newest interaction (the form knows who)."""
    await settle(pilot)
    log = await open_screen(pilot, "3", LogScreen)
    first = log.table.row_at(0)
    log.show_contact(first.contact_id, first.contact_name or "")
    await settle(pilot)
    return log


async def test_a_call_logged_from_the_log_is_selected_and_shown(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        log = await _log_of_first_contact(pilot)
        await pilot.press("j", "j")  # the cursor away from the top, where the new call lands
        await settle(pilot)
        assert log.table.cursor == 2
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, InteractionForm)
        await pilot.press(*"Agreed on the renewal", "ctrl+s")
        await settle(pilot)
        assert app.screen is log
        with demo_db.read() as session:
            newest = list_interactions(session=session, limit=1).rows[0]
        assert newest.subject == "Agreed on the renewal"
        assert log.table.cursor == 0 and log.table.current.id == newest.id
        detail = str(log.query_one("#log-detail-text", Static).render())
        assert "Agreed on the renewal" in detail


async def test_an_edited_interaction_is_followed_wherever_it_moves(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        log = await open_screen(pilot, "3", LogScreen)
        log.table.cursor = 120  # on the second page
        await settle(pilot)
        item = log.table.current
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, InteractionForm)
        form.query_one("#f-when", Input).value = "2001-02-03 10:00"  # older than all: the end
        await pilot.press("ctrl+s")
        await settle_until(
            pilot, lambda: log.table.current is not None and log.table.current.id == item.id
        )
        assert app.screen is log
        with demo_db.read() as session:
            total = count_interactions(session=session)
            oldest = list_interactions(session=session, limit=1, oldest_first=True).rows[0]
        assert oldest.id == item.id and total > 150
        assert log.table.cursor == total - 1 and log.table.current.id == item.id
        detail = str(log.query_one("#log-detail-text", Static).render())
        assert item.subject in detail and "2001" in detail


async def test_a_far_jump_in_the_log_loads_that_page(demo_db: Database) -> None:
    """Dragging the scrollbar (or End before the exact count) asks for a page by offset."""
    with demo_db.write() as session:
        for number in range(250):  # pages 0-4: page 3 has no loaded neighbour
            data = InteractionCreate.build(contact_ids=[1], subject=f"Extra {number}")
            create_interaction(session=session, data=data)
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        log = await open_screen(pilot, "3", LogScreen)
        log.table.cursor = 350
        await settle(pilot)
        with demo_db.read() as session:
            wanted = list_interactions(session=session, limit=1000).rows[350]
        assert log.table.current is not None and log.table.current.id == wanted.id
        detail = str(log.query_one("#log-detail-text", Static).render())
        assert f"#{wanted.id}" in detail


async def test_a_call_saved_outside_the_filtered_log_is_announced(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        log = await _log_of_first_contact(pilot)
        log._apply(channel="email")
        await settle(pilot)
        shown = [log.table.row_at(i).id for i in range(log.table.total)]
        await pilot.press("l")
        await settle(pilot)
        await pilot.press(*"Quick call", "ctrl+s")  # a call: not among the emails shown
        await settle(pilot)
        assert app.screen is log
        assert [log.table.row_at(i).id for i in range(log.table.total)] == shown
        said = [n.message for n in app._notifications]
        assert any("Quick call" in m and "not in this list" in m for m in said), said


async def test_today_says_which_key_applies_to_a_task_or_a_complaint(demo_db: Database) -> None:
    """x on a complaint or r on a task changes nothing and says so (not a silent key)."""
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        today = app.screen
        assert isinstance(today, TodayScreen)
        listing = today.query_one("#today-list", OptionList)
        kinds = [
            today.items.get(listing.get_option_at_index(i).id or "", ("", None))[0]
            for i in range(listing.option_count)
        ]
        shown: list[str] = []
        today.notify = lambda message, **_: shown.append(str(message))  # type: ignore[method-assign]
        listing.highlighted = kinds.index("interaction")
        complaint = today._current()[1]
        await pilot.press("x")
        await settle(pilot)
        assert shown == ["x marks a task done; this is a complaint (r resolves it)"]
        listing.highlighted = kinds.index("task")
        task = today._current()[1]
        await pilot.press("r")
        await settle(pilot)
        assert shown[-1] == "r resolves a complaint; this is a task (x marks it done)"
        listing.highlighted = kinds.index("contact")  # not contacted lately: neither key
        await pilot.press("x", "r")
        await settle(pilot)
        assert shown[-2:] == [
            "x marks a task done; this is a contact (l logs a touchpoint)",
            "r resolves a complaint; this is a contact (l logs a touchpoint)",
        ]
        with demo_db.read() as session:
            assert get_task(session=session, task_id=task.id).status == task.status
            assert session.get(Interaction, complaint.id).resolved_at is None


async def test_v_hides_the_logs_detail_pane_and_the_list_widens(demo_db: Database) -> None:
    app = make_app(demo_db)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await open_screen(pilot, "3", LogScreen)
        pane, narrow = screen.query_one("#log-detail"), screen.table.size.width
        await pilot.press("v")
        await pilot.pause()
        assert not pane.display and screen.table.size.width > narrow
        assert screen.table.has_focus
        await pilot.press("v")
        await pilot.pause()
        assert pane.display and screen.table.size.width == narrow
