"""Dashboard figures (issue 24): a year of it over 100k deals and 1M interactions, in CPU
time (medians): the figures alone (the service), and the screen shown from a fresh app
until its tiles hold them, beside a bare Textual app's first paint measured run for run.
Each part of the service is timed too, so the slow one is named.

    python bench/dashboard.py [--contacts 400000] [--interactions 1000000] [--runs 5]

The database is `crm demo --contacts N --interactions M` (one deal per four contacts),
built once into bench/out/ (several minutes the first time).
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

TODAY = date(2026, 12, 5)


async def _screen(path: Path, runs: int) -> dict[str, float]:
    from crm_tui.app import CrmApp
    from crm_tui.collector import freeze_imported
    from crm_tui.config import Settings
    from crm_tui.db import open_database

    class OnDashboard(CrmApp):
        DEFAULT_MODE = "dashboard"

    database = open_database(f"sqlite:///{path}")
    freeze_imported()
    shown: list[float] = []
    bare: list[float] = []
    for _ in range(runs):
        bare.append(await _bare_paint())
        begun = time.process_time()
        app = OnDashboard(
            database=database, settings=Settings(user="bench"), today=TODAY, watch_changes=False
        )
        async with app.run_test(size=(120, 35)) as pilot:
            await pilot.press("y")
            await _until(pilot, lambda app=app: _year_shown(app.screen), timeout=120)
            shown.append((time.process_time() - begun) * 1000)
    database.close()
    return {"screen": statistics.median(shown), "bare": statistics.median(bare)}


def _year_shown(screen: Any) -> bool:
    found = getattr(screen, "dashboard", None)
    return (
        found is not None
        and found.current.period.end.month == 12
        and (found.current.period.start.month == 1)
    )


def _service(path: Path) -> dict[str, float]:
    from crm_tui.db import open_database
    from crm_tui.services import dashboard, reports
    from crm_tui.services.dashboard import Span, before, period_of

    database = open_database(f"sqlite:///{path}")
    year = period_of(TODAY, Span.YEAR)
    figures: dict[str, float] = {}
    with database.read() as session:
        figures["all"] = cpu_median_ms(
            lambda: dashboard.build_dashboard(session=session, period=year, today=TODAY), runs=5
        )
        parts = {
            "figures of a year": lambda: dashboard.figures(session=session, period=year),
            "figures of the year before": lambda: dashboard.figures(
                session=session, period=before(year)
            ),
            "cycle by stage": lambda: reports.cycle(session=session, period=year),
            "team": lambda: reports.team(session=session, period=year),
        }
        for name, part in parts.items():
            figures[name] = cpu_median_ms(part, runs=5)
    database.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=400_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    path = demo_db(options.contacts, interactions=options.interactions)
    deals = (options.contacts - 3) // 4
    report = Report(
        f"dashboard, a year, at {deals:,} deals and {options.interactions:,} interactions"
    )
    shown = asyncio.run(_screen(path, options.runs))
    bare = shown["bare"]
    service = _service(path)
    report.add("shown, from a fresh app (CPU)", shown["screen"], "ms", bare, "bare app", "300 ms")
    report.add("its figures (CPU)", service.pop("all"), "ms", bare, "bare app", "")
    for name, spent in service.items():
        report.add(f"  {name}", spent, "ms", bare, "bare app", "")
    report.print()


if __name__ == "__main__":
    main()
