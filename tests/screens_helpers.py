"""Helpers for Pilot tests: an app on a test database, waiting for its workers."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import TypeVar

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.worker import WorkerCancelled

from crm_tui.app import CrmApp
from crm_tui.config import Settings
from crm_tui.db import Database
from tests.conftest import FIXED_TODAY

ScreenT = TypeVar("ScreenT", bound=Screen[None])


def make_app(database: Database) -> CrmApp:
    # The label is fixed so that snapshots are the same on SQLite and PostgreSQL.
    # Right-to-left text in logical order, as typed: tests/test_bidi.py lays it out.
    settings = Settings(user="tester", label="demo.db", bidi="terminal")
    return CrmApp(database=database, settings=settings, today=FIXED_TODAY)


def teammate_saves_first(url: str, contact_id: int) -> None:
    """Another member's crm (its own connections) saves a note on version 1 of the
    contact, while the app has it open in a form."""
    from crm_tui.db import open_database
    from crm_tui.schemas import ContactUpdate
    from crm_tui.services.contacts import update_contact
    from crm_tui.services.team import ensure_member

    teammate = open_database(url)
    with teammate.write() as session:
        update_contact(
            session=session,
            contact_id=contact_id,
            changes=ContactUpdate.build(notes="from the teammate"),
            expected_version=1,
            actor_id=ensure_member(session=session, username="bahram").id,
        )
    teammate.close()


async def settle(pilot: Pilot[None], rounds: int = 3) -> None:
    """Let workers finish and their messages be handled (a few rounds: one load may start
    another, e.g. the first page of a list, then its count, then the detail pane)."""
    for _ in range(rounds):
        await pilot.pause()
        await finish_work(pilot.app)
        await pilot.pause(0.08)


async def settle_until(pilot: Pilot[None], check: Callable[[], bool], seconds: float = 10) -> None:
    """Settle until ``check()`` holds (a chain of loads under a loaded machine can outlast
    ``settle``'s rounds); after ``seconds``, return and let the test's assertions say what
    is wrong."""
    deadline = time.monotonic() + seconds
    await settle(pilot)
    while not check() and time.monotonic() < deadline:
        await settle(pilot, rounds=1)


async def finish_work(app: App[None]) -> None:
    """Wait for the app's workers, except the one watching for outside changes (it never ends)."""
    for worker in [worker for worker in app.workers if worker.group != "watch"]:
        # A worker replaced by a newer one of its exclusive group: nothing to wait for.
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*text)


async def steady(pilot: Pilot[None]) -> None:
    """Stop every blinking cursor on screen (a snapshot must not depend on the blink phase)."""
    for widget in pilot.app.screen.query("*"):
        if hasattr(widget, "cursor_blink"):
            widget.cursor_blink = False
    await pilot.pause()


async def open_screen(pilot: Pilot[None], key: str, kind: type[ScreenT]) -> ScreenT:
    """Press a screen's number key, let it load, and return it (it must be a ``kind``)."""
    await pilot.press(key)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, kind)
    return screen
