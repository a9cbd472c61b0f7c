"""Interaction log figures (issue 4): the log screen over 1M interactions, headless, CPU ms
(medians): first paint, then each filter (alone and combined) and a search, from the change
to the first rows on screen. References measured in the same run: a bare Textual app's first
paint, and each query's first page by the service alone (the database's share of the wait).

    python bench/log_screen.py [--contacts 100000] [--interactions 1000000] [--runs 5]

The database is built once by `crm demo` into bench/out/ (shared with bench/backup.py).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, cpu_median_ms, demo_db
from bench.contacts_screen import _bare_paint, _until

NOW = datetime.now(UTC)


def _filters(contact_id: int) -> dict[str, dict[str, Any]]:
    from crm_tui.services.interactions import ComplaintFilter

    month_ago = NOW - timedelta(days=30)
    return {
        "channel = call": {"channel": "call"},
        "open complaints": {"complaint": ComplaintFilter.OPEN},
        "sentiment negative": {"sentiment": "negative"},
        "last 30 days": {"since": month_ago},
        "one contact": {"contact_id": contact_id},
        "call + negative + 30 days": {
            "channel": "call",
            "sentiment": "negative",
            "since": month_ago,
        },
        "search 'invoice'": {"search": "invoice"},
        "search 'inv'": {"search": "inv"},
        "search 'تحویل'": {"search": "تحویل"},
    }


async def measure(path: Path, runs: int) -> dict[str, float]:
    from crm_tui.app import CrmApp
    from crm_tui.config import Settings
    from crm_tui.db import open_database
    from crm_tui.services.interactions import InteractionQuery
    from screens.interactions import LogScreen
    from screens.widgets.virtual_table import VirtualTable

    class OnLog(CrmApp):
        DEFAULT_MODE = "log"

    database = open_database(f"sqlite:///{path}")
    filters = _filters(contact_id=42)
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        begun = time.process_time()
        app = OnLog(database=database, settings=Settings(user="bench"), watch_changes=False)
        async with app.run_test(size=(120, 35)) as pilot:
            screen = app.screen
            assert isinstance(screen, LogScreen)
            table = screen.query_one("#log-table", VirtualTable)
            await _until(pilot, lambda table=table: table.row_at(0) is not None)
            samples.setdefault("paint", []).append((time.process_time() - begun) * 1000)
            for name, changes in filters.items():
                await app.workers.wait_for_complete()
                begun = time.process_time()
                screen.log_query = InteractionQuery(**changes)
                screen.table.cursor = 0
                screen.reload()
                await _until(
                    pilot,
                    lambda screen=screen: (
                        screen.table.showing_current
                        and (screen.table.row_at(0) is not None or screen.table.total == 0)
                    ),
                )
                samples.setdefault(name, []).append((time.process_time() - begun) * 1000)
    database.close()
    return {name: statistics.median(values) for name, values in samples.items()}


def service_ms(path: Path) -> dict[str, float]:
    """The first page of each query by the service alone, without the screen."""
    from crm_tui.db import open_database
    from crm_tui.services.interactions import InteractionQuery, list_interactions

    database = open_database(f"sqlite:///{path}")
    found = {}
    with database.read() as session:
        for name, changes in _filters(contact_id=42).items():
            query = InteractionQuery(**changes)
            found[name] = cpu_median_ms(
                lambda query=query: list_interactions(session=session, query=query, limit=100),
                runs=11,
            )
    database.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    path = demo_db(options.contacts, interactions=options.interactions)
    screen = asyncio.run(measure(path, options.runs))
    alone = service_ms(path)
    bare = statistics.median(asyncio.run(_bare_paint()) for _ in range(options.runs))
    report = Report(
        f"Interaction log over {options.interactions:,} interactions (headless, CPU ms, medians)"
    )
    report.add("first paint", screen.pop("paint"), "ms", bare, "bare Textual app first paint")
    for name, value in screen.items():
        target = "≤ 30 ms query" if name.startswith("search") else ""
        report.add(f"filter: {name}", value, "ms", alone[name], "its query alone", target)
    report.print()


if __name__ == "__main__":
    main()
