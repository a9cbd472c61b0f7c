"""Pipeline figures (issue 24): the pipeline screen's first paint and a card moved a stage
at 100k deals, headless, in CPU time (medians), beside a bare Textual app's first paint
measured the same way, run for run; and each `crm report` over the same deals, beside the
plain count of them.

    python bench/pipeline.py [--contacts 400000] [--runs 5]

The database is `crm demo --contacts N --interactions 0` (one deal per four contacts), built
once into bench/out/.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, cpu_median_ms, demo_db
from bench.contacts_screen import _bare_paint, _until


def _board_shown(screen: Any) -> bool:
    board = getattr(screen, "board", None)
    return board is not None and board.current is not None


async def _measure(path: Path, runs: int) -> dict[str, float]:
    from crm_tui.app import CrmApp
    from crm_tui.collector import freeze_imported
    from crm_tui.config import Settings
    from crm_tui.db import open_database

    class OnPipeline(CrmApp):
        DEFAULT_MODE = "pipeline"

    database = open_database(f"sqlite:///{path}")
    freeze_imported()
    paints: list[float] = []
    bare: list[float] = []
    moves: list[float] = []
    for _ in range(runs):
        bare.append(await _bare_paint())
        begun = time.process_time()
        app = OnPipeline(database=database, settings=Settings(user="bench"), watch_changes=False)
        async with app.run_test(size=(120, 35)) as pilot:
            await _until(pilot, lambda app=app: _board_shown(app.screen))
            paints.append((time.process_time() - begun) * 1000)
            screen: Any = app.screen
            for key in ("L", "H"):  # a stage along and back: the database ends as it began
                card = screen.board.current
                begun = time.process_time()
                await pilot.press(key)
                await _until(
                    pilot,
                    lambda s=screen, c=card: (
                        s.board.current is not None
                        and s.board.current.id == c.id
                        and s.board.current.version > c.version
                    ),
                )
                moves.append((time.process_time() - begun) * 1000)
                await app.workers.wait_for_complete()
    database.close()
    return {
        "paint": statistics.median(paints),
        "bare": statistics.median(bare),
        "move": statistics.median(moves),
    }


def _reports(path: Path) -> dict[str, float]:
    from sqlalchemy import func, select

    from crm_tui.db import open_database
    from crm_tui.models import Deal
    from crm_tui.services import reports
    from crm_tui.services.reports import Name, Period

    database = open_database(f"sqlite:///{path}")
    year = Period(date(2026, 1, 1), date(2026, 12, 31))
    figures: dict[str, float] = {}
    with database.read() as session:
        figures["count"] = cpu_median_ms(
            lambda: session.scalar(select(func.count()).select_from(Deal)), runs=9
        )
        for name in Name:
            figures[name.value] = cpu_median_ms(
                lambda name=name: reports.run(session=session, name=name, period=year), runs=9
            )
    database.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=400_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    path = demo_db(options.contacts, interactions=0)
    report = Report(f"pipeline at {options.contacts // 4:,} deals ({path.name})")
    found = asyncio.run(_measure(path, options.runs))
    bare = found["bare"]
    report.add("first paint (CPU)", found["paint"], "ms", bare, "bare app", "instant")
    report.add("card moved a stage (CPU)", found["move"], "ms", bare, "bare app", "instant")
    figures = _reports(path)
    count = figures.pop("count")
    for name, spent in figures.items():
        report.add(f"crm report {name}, a year", spent, "ms", count, "count of deals")
    report.print()


if __name__ == "__main__":
    main()
