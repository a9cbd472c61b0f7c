"""Draw the README's screenshots again: `python docs/screenshots.py` (a minute)."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date
from pathlib import Path

from crm_tui.app import CrmApp
from crm_tui.config import Settings
from crm_tui.db import open_database
from crm_tui.services.demo import build_demo

HERE = Path(__file__).parent
TODAY = date(2026, 12, 5)


async def persian_gantt() -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = open_database(f"sqlite:///{folder}/demo.db")
        with database.write() as session:
            build_demo(session=session, today=TODAY, locale="fa")
        settings = Settings(user="negar", label="studio", calendar="jalali", digits="persian")
        app = CrmApp(database=database, settings=settings, today=TODAY, watch_changes=False)
        async with app.run_test(size=(120, 30)) as pilot:
            for key in ("4", "g", "plus"):
                await pilot.press(key)
                await pilot.pause(0.5)
            await app.workers.wait_for_complete()
            await pilot.pause(0.5)
            app.save_screenshot(str(HERE / "persian-gantt.svg"))
        database.close()


if __name__ == "__main__":
    asyncio.run(persian_gantt())
