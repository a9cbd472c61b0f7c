"""Gantt figures (issue 5): the task screen's Gantt with 2,000 tasks beside the same chart with
50, headless, CPU ms (medians): showing the chart, a row down, a page down, panning a week,
zooming, and drawing every visible line once. The references, measured in the same run, are
a bare Textual app's first paint and the 50-task chart (rendering only what is visible makes
the 2,000-task figures the same).

    python bench/gantt.py [--tasks 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report
from bench.contacts_screen import _bare_paint

TODAY = date(2026, 11, 20)


def build(path: Path, tasks: int) -> None:
    """A demo business plus ``tasks`` tasks over six months, a quarter waiting on another."""
    from sqlalchemy import func, select

    from crm_tui.db import open_database
    from crm_tui.models import Task
    from crm_tui.services.common import reserve_ids, utcnow
    from crm_tui.services.demo import build_demo
    from crm_tui.services.tasks import set_dependencies

    database = open_database(f"sqlite:///{path}")
    with database.write() as session:
        build_demo(session=session, contacts=60, today=TODAY)
        existing = session.scalar(select(func.count()).select_from(Task)) or 0
        rng, now = random.Random(5), utcnow()
        ids = reserve_ids(session=session, model=Task, count=max(tasks - existing, 0))
        for number, task_id in enumerate(ids):
            start = TODAY + timedelta(days=rng.randrange(-60, 120))
            session.add(
                Task(
                    id=task_id,
                    title=f"Step {number} of the rollout",
                    status=rng.choice(["todo", "todo", "doing", "blocked"]),
                    start_date=start,
                    due_date=start + timedelta(days=rng.randrange(0, 15)),
                    progress=rng.randrange(0, 101, 10),
                    milestone=rng.random() < 0.05,
                    assignee_id=rng.choice([1, 2, 3]),
                    project_id=rng.choice([1, 2, 3, None]),
                    position=float(number),
                    created_at=now,
                    updated_at=now,
                )
            )
        session.flush()
        for task_id in ids[1::4]:
            set_dependencies(session=session, task_id=task_id, depends_on=[task_id - 1])
    database.close()


async def _cpu_ms(action: Callable[[], Awaitable[object]]) -> float:
    begun = time.process_time()
    await action()
    return (time.process_time() - begun) * 1000


async def measure(path: Path, runs: int) -> dict[str, float]:
    from crm_tui.app import CrmApp
    from crm_tui.config import Settings
    from crm_tui.db import open_database
    from screens.tasks import TasksScreen

    class OnTasks(CrmApp):
        DEFAULT_MODE = "tasks"

    database = open_database(f"sqlite:///{path}")
    figures: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    for _ in range(runs):
        app = OnTasks(
            database=database, settings=Settings(user="bench"), today=TODAY, watch_changes=False
        )
        async with app.run_test(size=(160, 45)) as pilot:
            screen = app.screen
            assert isinstance(screen, TasksScreen)
            await app.workers.wait_for_complete()
            await pilot.pause()
            gantt = screen.gantt

            async def show(gantt: Any = gantt) -> None:
                await pilot.press("g")
                while not (gantt.display and gantt.rows):
                    await pilot.pause(0.001)
                await pilot.pause()

            note("show", await _cpu_ms(show))
            note("rows", len(gantt.rows))

            async def press(key: str) -> None:
                await pilot.press(key)
                await pilot.pause()

            for key, name in (("j", "down"), ("pagedown", "page"), ("l", "pan"), ("h", "pan")):
                for _ in range(5):
                    note(name, await _cpu_ms(lambda key=key: press(key)))  # type: ignore[misc]
            for key in ("plus", "minus", "minus", "plus"):
                note("zoom", await _cpu_ms(lambda key=key: press(key)))  # type: ignore[misc]

            async def draw(gantt: Any = gantt) -> None:
                for y in range(gantt.size.height):
                    gantt.render_line(y)

            note("draw", await _cpu_ms(draw))
    database.close()
    return {name: statistics.median(values) for name, values in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    report = Report(f"Gantt with {options.tasks:,} tasks (headless, CPU ms, medians)")
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small.db", Path(tmp) / "large.db"
        build(small, 50)
        build(large, options.tasks)
        few = asyncio.run(measure(small, options.runs))
        many = asyncio.run(measure(large, options.runs))
    bare = statistics.median(asyncio.run(_bare_paint()) for _ in range(options.runs))
    report.add(
        f"show the Gantt ({int(many['rows'])} rows)",
        many["show"],
        "ms",
        bare,
        "bare Textual app first paint",
    )
    labels = {
        "show": f"show the Gantt ({int(few['rows'])} rows)",
        "down": "one row down (j)",
        "page": "page down",
        "pan": "pan a step (h/l)",
        "zoom": "zoom (+/-)",
        "draw": "draw every visible line",
    }
    for name, label in labels.items():
        report.add(label, many[name], "ms", few[name], f"the same with {int(few['rows'])} rows")
    report.print()


if __name__ == "__main__":
    main()
