"""Contacts screen figures (issue 3): first paint, page-down and a search keystroke at 1k,
100k and 1M contacts, headless, in CPU time (medians), beside a bare Textual app's first
paint measured the same way, run for run between ours (both see the same machine noise);
peak RSS at each size. "Cold start" is the first paint of a fresh process (what a user
starting `crm` waits for, opening the database included), beside the bare app's.

    python bench/contacts_screen.py [--sizes 1000,100000,1000000] [--runs 5]
    python bench/contacts_screen.py --bidi [--sizes 100000]   # bidi = "app" beside "terminal"

Each size runs in its own process so RSS and caches do not leak between sizes; like `crm`,
that process freezes what importing made before the first app starts (crm_tui/collector.py),
and the bare app's runs share the process. Databases
are built once by `crm demo --interactions 0` into bench/out/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, demo_db


async def _until(pilot: object, check: object, timeout: float = 30.0) -> None:
    begun = time.monotonic()
    while not check():  # type: ignore[operator]
        await pilot.pause(0.001)  # type: ignore[attr-defined]
        if time.monotonic() - begun > timeout:
            raise TimeoutError("the screen never showed its rows")


def _shows_first_row(table: Any) -> bool:
    return bool(table.total) and table.row_at(0) is not None


def _shows_search(screen: Any, table: Any, typed: str) -> bool:
    """The rows of the search ``typed`` are on screen (what the user waits for)."""
    return (
        screen.contact_query.search == typed
        and screen.table.showing_current
        and table.row_at(0) is not None
    )


def _shows_current_row(table: Any) -> bool:
    return table.current is not None


async def _bare_paint() -> float:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("hello")
            yield Footer()

    begun = time.process_time()
    async with Bare().run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        return (time.process_time() - begun) * 1000


async def _measure(
    path: Path, runs: int, layout: str = "terminal", rtl_end: bool = False
) -> dict[str, float]:
    """``layout``: the bidi setting; ``rtl_end``: turn the pages up from the end of the
    list, where the Persian and Arabic names sort, rather than down from its start."""
    from crm_tui.app import CrmApp
    from crm_tui.collector import freeze_imported
    from crm_tui.config import Settings
    from crm_tui.db import open_database
    from screens.widgets.virtual_table import VirtualTable

    class OnContacts(CrmApp):
        DEFAULT_MODE = "contacts"  # start on the screen being measured

    database = open_database(f"sqlite:///{path}")
    freeze_imported()  # as `crm` does once everything is imported, before the app runs
    paints: list[float] = []
    bare: list[float] = []
    pages: list[float] = []
    keys: list[float] = []
    by_prefix: dict[str, list[float]] = {typed: [] for typed in SEARCHED}
    for _ in range(runs):
        bare.append(await _bare_paint())  # interleaved: both see the same machine noise
        begun = time.process_time()
        settings = Settings(user="bench", bidi=layout)
        app = OnContacts(database=database, settings=settings, watch_changes=False)
        async with app.run_test(size=(120, 35)) as pilot:
            table = app.screen.query_one("#contact-table", VirtualTable)
            await _until(pilot, partial(_shows_first_row, table))
            paints.append((time.process_time() - begun) * 1000)
            turn = "pagedown"
            if rtl_end:
                await pilot.press("end")
                await app.workers.wait_for_complete()
                await _until(pilot, partial(_shows_current_row, table))
                turn = "pageup"
            for _ in range(10):
                begun = time.process_time()
                await pilot.press(turn)
                await app.workers.wait_for_complete()
                await _until(pilot, partial(_shows_current_row, table))
                await pilot.pause()
                pages.append((time.process_time() - begun) * 1000)
            await pilot.press("slash")
            for typed in SEARCHED:
                begun = time.process_time()
                await pilot.press(typed[-1])
                await _until(pilot, partial(_shows_search, app.screen, table, typed))
                keys.append((time.process_time() - begun) * 1000)
                by_prefix[typed].append(keys[-1])
                await app.workers.wait_for_complete()  # the exact count, detail pane…
                await pilot.pause()
    database.close()
    return {
        "paint": statistics.median(paints),
        "bare": statistics.median(bare),
        "page": statistics.median(pages),
        "key": statistics.median(keys),
        "keys": {typed: statistics.median(spent) for typed, spent in by_prefix.items()},
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def _cold_paint(path: Path) -> float:
    """The first paint of a fresh process, as a user starting `crm` waits for it: opening
    the database included, after the same freeze as `crm`."""
    from crm_tui.app import CrmApp
    from crm_tui.collector import freeze_imported
    from crm_tui.config import Settings
    from crm_tui.db import open_database
    from screens.widgets.virtual_table import VirtualTable

    class OnContacts(CrmApp):
        DEFAULT_MODE = "contacts"

    begun = time.process_time()
    database = open_database(f"sqlite:///{path}")
    freeze_imported()
    app = OnContacts(database=database, settings=Settings(user="bench"), watch_changes=False)
    async with app.run_test(size=(120, 35)) as pilot:
        table = app.screen.query_one("#contact-table", VirtualTable)
        await _until(pilot, partial(_shows_first_row, table))
        spent = (time.process_time() - begun) * 1000
    database.close()
    return spent


def _cold(path: Path, runs: int) -> tuple[float, float]:
    """Medians of first paints in fresh processes: ours on ``path`` and the bare app's."""
    ours, bare = [], []
    for _ in range(runs):
        for target, figures in ((str(path), ours), ("bare", bare)):
            output = subprocess.run(
                [sys.executable, __file__, "--cold", target],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            figures.append(float(output.strip().splitlines()[-1]))
    return statistics.median(ours), statistics.median(bare)


def child(path: str, runs: int, layout: str, rtl_end: bool) -> None:
    result = asyncio.run(_measure(Path(path), runs, layout, rtl_end))
    print(json.dumps(result))


def cold_child(target: str) -> None:
    paint = _bare_paint() if target == "bare" else _cold_paint(Path(target))
    print(asyncio.run(paint))


SEARCHED = ("s", "sa", "sar", "sara")  # typed one letter at a time after "/"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cold", help=argparse.SUPPRESS)
    parser.add_argument("--layout", default="terminal", help=argparse.SUPPRESS)
    parser.add_argument("--rtl-end", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bidi", action="store_true", help='bidi = "app" beside "terminal"')
    options = parser.parse_args()
    if options.child:
        child(options.child, options.runs, options.layout, options.rtl_end)
        return
    if options.bidi:
        _bidi(options.sizes, options.runs)
        return
    if options.cold:
        cold_child(options.cold)
        return
    report = Report("Contacts screen (headless, CPU ms, medians)")
    for size in (int(s) for s in options.sizes.split(",")):
        path = demo_db(size, interactions=0)
        output = subprocess.run(
            [sys.executable, __file__, "--child", str(path), "--runs", str(options.runs)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        bare = figures["bare"]
        report.add(
            f"{size:>9,} contacts: first paint",
            figures["paint"],
            "ms",
            bare,
            "bare Textual app first paint",
            "≤ 2x, flat",
        )
        cold, cold_bare = _cold(path, options.runs)
        report.add(
            f"{size:>9,} contacts: cold start",
            cold,
            "ms",
            cold_bare,
            "bare app, fresh process",
            "≤ 2x, flat",
        )
        report.add(f"{size:>9,} contacts: page-down", figures["page"], "ms", target="flat")
        report.add(
            f"{size:>9,} contacts: search keystroke", figures["key"], "ms", target="≤ 10 ms query"
        )
        for typed, spent in figures["keys"].items():
            report.add(f"{size:>9,} contacts:   typing {typed!r}", spent, "ms")
        report.add(
            f"{size:>9,} contacts: peak RSS", figures["rss_mb"], "MB", target="< 150 MB at 100k"
        )
    report.print()


def _figures(path: Path, runs: int, layout: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(path), "--runs", str(runs)]
    output = subprocess.run(
        [*command, "--layout", layout, "--rtl-end"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return figures


def _bidi(sizes: str, runs: int) -> None:
    """First paint and paging with crm laying out right-to-left text beside the terminal
    doing it, each mode in turn; pages are turned up from the list's end, where the demo's
    Persian and Arabic names (a third of them) sort."""
    report = Report('Contacts screen, bidi = "app" beside "terminal" (headless, CPU ms)')
    for size in (int(s) for s in sizes.split(",")):
        path = demo_db(size, interactions=0)
        app, terminal = _figures(path, runs, "app"), _figures(path, runs, "terminal")
        for name, key in (("first paint", "paint"), ("page-up at the RTL end", "page")):
            report.add(
                f"{size:>9,} contacts: {name}, app",
                app[key],
                "ms",
                terminal[key],
                f"{name}, terminal",
                "no slower",
            )
    report.print()


if __name__ == "__main__":
    main()
