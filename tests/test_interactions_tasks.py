"""Interactions, tasks, dependencies, the timeline and the agenda, against real SQLite files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from crm_tui import display
from crm_tui.errors import ConflictError, FieldErrors, ValidationError
from crm_tui.schemas import InteractionCreate, InteractionUpdate, TaskCreate, TaskUpdate
from crm_tui.services import interactions as log
from crm_tui.services import tasks as board
from crm_tui.services.agenda import build_agenda
from crm_tui.services.contacts import get_contact
from crm_tui.services.interactions import ComplaintFilter, InteractionQuery
from crm_tui.services.timeline import contact_timeline
from tests.conftest import FIXED_TODAY, add_contact


def _log(session: Session, contact_id: int, subject: str, **values: object) -> int:
    data = InteractionCreate.build(contact_ids=[contact_id], subject=subject, **values)
    return log.create_interaction(session=session, data=data).id


def _task(session: Session, title: str, **values: object) -> int:
    return board.create_task(session=session, data=TaskCreate.build(title=title, **values)).id


def test_logging_moves_last_contacted_forward_only(session: Session) -> None:
    sara = add_contact(session, "Sara")
    recent = datetime(2026, 11, 19, 15, 0, tzinfo=UTC)
    _log(session, sara, "Called", occurred_at=recent, channel="call")
    _log(session, sara, "Old email", occurred_at=recent - timedelta(days=30), channel="email")
    assert get_contact(session=session, contact_id=sara).last_contacted_at == recent


def test_last_contacted_follows_mended_times_the_trash_and_restores(session: Session) -> None:
    """It only ever moved forward: mending a typo'd year, or trashing the newest call,
    left the contact "last contacted" at a moment no interaction had."""
    sara = add_contact(session, "Sara")
    ali = add_contact(session, "Ali")
    first = datetime(2026, 11, 2, 9, tzinfo=UTC)
    _log(session, sara, "Quote", occurred_at=first)
    typo = log.create_interaction(
        session=session,
        data=InteractionCreate.build(
            contact_ids=[sara, ali], subject="Visit", occurred_at=datetime(2026, 11, 12, tzinfo=UTC)
        ),
    )

    def last(contact_id: int) -> datetime | None:
        return get_contact(session=session, contact_id=contact_id).last_contacted_at

    mended = datetime(2026, 10, 12, 9, tzinfo=UTC)
    log.update_interaction(
        session=session,
        interaction_id=typo.id,
        changes=InteractionUpdate.build(occurred_at=mended),
        expected_version=typo.version,
    )
    assert (last(sara), last(ali)) == (first, mended)
    log.delete_interactions(session=session, interaction_ids=[typo.id])
    assert (last(sara), last(ali)) == (first, None)
    log.restore_interactions(session=session, interaction_ids=[typo.id])
    assert (last(sara), last(ali)) == (first, mended)


def test_an_interaction_needs_text_and_a_live_contact(session: Session) -> None:
    with pytest.raises(FieldErrors, match="subject or a note"):
        InteractionCreate.build(contact_ids=[1])
    with pytest.raises(ValidationError, match="no contact with id 99"):
        _log(session, 99, "Hello")


def test_log_filters_combine_and_search(session: Session) -> None:
    sara, ali = add_contact(session, "Sara"), add_contact(session, "Ali")
    base = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    _log(session, sara, "Quote call", channel="call", occurred_at=base, sentiment="positive")
    late = _log(
        session,
        sara,
        "Late delivery",
        channel="email",
        complaint=True,
        occurred_at=base + timedelta(days=1),
        body="تاخیر در تحویل",
    )
    _log(
        session,
        ali,
        "Wrong colour",
        channel="call",
        complaint=True,
        occurred_at=base + timedelta(days=2),
    )
    log.resolve_complaint(session=session, interaction_id=late, actor_id=None)

    def ids(**filters: object) -> list[int]:
        return [
            i.id
            for i in log.list_interactions(session=session, query=InteractionQuery(**filters)).rows
        ]  # type: ignore[arg-type]

    assert ids() == [3, 2, 1]  # newest first
    assert ids(channel="call") == [3, 1]
    assert ids(contact_id=sara) == [2, 1]
    assert ids(complaint=ComplaintFilter.OPEN) == [3]
    assert ids(complaint=ComplaintFilter.RESOLVED) == [2]
    assert ids(complaint=ComplaintFilter.ANY, channel="call") == [3]
    assert ids(sentiment="positive") == [1]
    assert ids(since=base + timedelta(hours=12), until=base + timedelta(days=2)) == [2]
    assert ids(search="تحویل") == [2]

    def capped(cap: int, **filters: object) -> int:
        query = InteractionQuery(**filters)  # type: ignore[arg-type]
        return log.count_interactions(session=session, query=query, cap=cap)

    assert capped(10, search="call") == 1  # "Quote call": the search drives, filters follow
    assert capped(10, search="call", channel="email") == 0
    assert capped(0, search="l") == 1  # more than none: stops at the first match
    resolved = log.get_interaction(session=session, interaction_id=late)
    assert resolved.resolved_at is not None


def test_an_interactions_position_is_its_row_in_the_filtered_log(session: Session) -> None:
    sara, ali = add_contact(session, "Sara"), add_contact(session, "Ali")
    base = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    same_time = [_log(session, sara, f"Call {i}", occurred_at=base) for i in range(3)]
    email = _log(session, ali, "Email", channel="email", occurred_at=base + timedelta(days=1))
    oldest = _log(session, ali, "Oldest", occurred_at=base - timedelta(days=1))

    def position(interaction_id: int, **filters: object) -> int | None:
        query = InteractionQuery(**filters)  # type: ignore[arg-type]
        return log.interaction_position(session=session, query=query, interaction_id=interaction_id)

    shown = [i.id for i in log.list_interactions(session=session).rows]
    assert shown == [email, *reversed(same_time), oldest]  # ties: the newest id first
    assert [position(i) for i in shown] == [0, 1, 2, 3, 4]
    far = log.list_interactions(session=session, limit=2, offset=2)  # a jump to the middle
    assert [i.id for i in far.rows] == shown[2:4]
    assert position(oldest, contact_id=ali) == 1
    assert position(email, contact_id=sara) is None
    assert position(same_time[0], search="call") == 2
    log.delete_interactions(session=session, interaction_ids=[oldest])
    assert position(oldest) is None and position(oldest, trash=True) == 0


def test_follow_up_links_back_and_shows_on_the_interaction(session: Session) -> None:
    sara = add_contact(session, "Sara")
    call = _log(session, sara, "Called about the quote", channel="call")
    task = board.create_follow_up(session=session, interaction_id=call, due=date(2026, 11, 23))
    assert task.contact_id == sara
    assert task.source_interaction_id == call
    assert task.title == "Follow up with Sara: Called about the quote"
    assert log.get_interaction(session=session, interaction_id=call).follow_up_task_id == task.id


def test_status_moves_set_completion(session: Session) -> None:
    task_id = _task(session, "Send invoice")
    done = board.move_task(session=session, task_id=task_id, status="done")
    assert (done.status, done.progress) == ("done", 100)
    assert done.completed_at is not None
    back = board.move_task(session=session, task_id=task_id, status="doing")
    assert back.completed_at is None


def test_cards_move_up_and_down_within_a_column(session: Session) -> None:
    first, second, third = (_task(session, t) for t in ("one", "two", "three"))
    board.move_task(session=session, task_id=third, offset=-2)
    order = [t.id for t in board.list_tasks(session=session)]
    assert order == [third, first, second]
    board.move_task(session=session, task_id=third, offset=1)
    assert [t.id for t in board.list_tasks(session=session)] == [first, third, second]


def test_stale_task_update_is_refused(session: Session) -> None:
    task_id = _task(session, "Quote")
    board.update_task(
        session=session, task_id=task_id, changes=TaskUpdate.build(progress=50), expected_version=1
    )
    with pytest.raises(ConflictError, match="task 'Quote'"):
        board.update_task(
            session=session,
            task_id=task_id,
            changes=TaskUpdate.build(progress=10),
            expected_version=1,
        )


def test_dependencies_refuse_cycles_with_the_chain(session: Session) -> None:
    a, b = _task(session, "a"), _task(session, "b")
    c = _task(session, "c", depends_on=[b])
    board.set_dependencies(session=session, task_id=b, depends_on=[a])
    with pytest.raises(ValidationError, match=r"cycle: #1 → #3 → #2 → #1"):
        board.set_dependencies(session=session, task_id=a, depends_on=[c])
    with pytest.raises(ValidationError, match="itself"):
        board.set_dependencies(session=session, task_id=a, depends_on=[a])
    assert board.get_task(session=session, task_id=a).depends_on == []


def test_violations_and_pushing_dependants(session: Session) -> None:
    day = date(2026, 12, 1)
    design = _task(session, "design", start_date=day, due_date=day + timedelta(days=4))
    build = _task(
        session,
        "build",
        start_date=day + timedelta(days=5),
        due_date=day + timedelta(days=9),
        depends_on=[design],
    )
    launch = _task(
        session,
        "launch",
        start_date=day + timedelta(days=10),
        due_date=day + timedelta(days=10),
        depends_on=[build],
        milestone=True,
    )
    assert board.violations(board.list_tasks(session=session)) == []
    changed = board.reschedule_task(session=session, task_id=design, stretch_days=2)
    assert [t.id for t in changed] == [design]
    found = board.violations(board.list_tasks(session=session))
    assert [(v.task_id, v.depends_on_id) for v in found] == [(build, design)]
    changed = board.reschedule_task(
        session=session, task_id=design, shift_days=1, push_dependants=True
    )
    assert [t.id for t in changed] == [design, build, launch]
    assert board.violations(board.list_tasks(session=session)) == []
    moved = board.get_task(session=session, task_id=build)
    assert (moved.start, moved.due) == (day + timedelta(days=8), day + timedelta(days=12))


def test_shortening_a_one_day_task_changes_nothing(session: Session) -> None:
    """``{`` on a task already one day long: its end stays on its start, so no new version
    (a teammate editing it meanwhile would meet a conflict over nothing)."""
    day = date(2026, 12, 1)
    task_id = _task(session, "call", start_date=day, due_date=day)
    assert board.reschedule_task(session=session, task_id=task_id, stretch_days=-1) == []
    task = board.get_task(session=session, task_id=task_id)
    assert (task.start, task.due, task.version) == (day, day, 1)


def test_timeline_merges_interactions_and_tasks_newest_first(session: Session) -> None:
    sara = add_contact(session, "Sara")
    _log(session, sara, "Old call", occurred_at=datetime(2026, 1, 5, 9, tzinfo=UTC))
    _task(session, "Send quote", contact_id=sara, due_date=date(2026, 6, 1))
    _log(session, sara, "New email", occurred_at=datetime(2026, 11, 1, 9, tzinfo=UTC))
    entries = contact_timeline(session=session, contact_id=sara)
    assert [(e.kind, e.title) for e in entries] == [
        ("interaction", "New email"),
        ("task", "Send quote"),
        ("interaction", "Old call"),
    ]


def test_a_task_sits_on_the_timeline_on_its_local_day(
    session: Session, local_zone: Callable[[str], None]
) -> None:
    """West of Greenwich, a due day placed at UTC midnight read as the day before and sorted
    below that evening's calls."""
    local_zone("America/New_York")
    sara = add_contact(session, "Sara")
    _task(session, "Send quote", contact_id=sara, due_date=date(2026, 6, 1))
    evening_before = datetime(2026, 5, 31, 22, 0).astimezone()
    _log(session, sara, "Late call", occurred_at=evening_before)
    entries = contact_timeline(session=session, contact_id=sara)
    assert [e.title for e in entries] == ["Send quote", "Late call"]
    assert display.moment(entries[0].at, with_time=False) == "2026-06-01"
    assert display.moment(entries[1].at) == "2026-05-31 22:00"


def test_agenda_sorts_work_into_buckets(session: Session) -> None:
    sara = add_contact(session, "Sara", status="customer")
    today = FIXED_TODAY
    _task(session, "late", due_date=today - timedelta(days=2))
    _task(session, "now", due_date=today)
    _task(session, "soon", due_date=today + timedelta(days=3))
    _task(session, "far", due_date=today + timedelta(days=30))
    _task(session, "done late", due_date=today - timedelta(days=1), status="done")
    long_ago = datetime(2026, 8, 1, 9, tzinfo=UTC)
    complaint = _log(session, sara, "Broken", complaint=True, occurred_at=long_ago)
    board.create_follow_up(session=session, interaction_id=complaint, due=today)
    agenda = build_agenda(session=session, today=today, days=7, stale_days=30)
    assert [t.title for t in agenda.overdue] == ["late"]
    assert {t.title for t in agenda.due_today} == {"now", "Follow up with Sara: Broken"}
    assert [t.title for t in agenda.due_soon] == ["soon"]
    assert [t.title for t in agenda.follow_ups] == ["Follow up with Sara: Broken"]
    assert [i.subject for i in agenda.open_complaints] == ["Broken"]
    assert [c.name for c in agenda.stale_contacts] == ["Sara"]
    assert agenda.has_overdue
