"""Core figures (issue 2): demo build, a page of contacts, a search, ``crm --help``.

    python bench/core.py [--contacts 100000]

Each figure is printed beside a reference measured in the same run on the same machine:
plain ``csv`` + ``executemany`` for the bulk build, raw sqlite3 queries for the page and the
search, and a bare ``python -c pass`` for start-up.
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, crm_args, median_ms, wall_s

SEARCHES = [
    "s",
    "sa",
    "sar",
    "sara",
    "m",
    "mu",
    "mül",
    "müller",
    "م",
    "مر",
    "مری",
    "مریم",
    "ahm",
    "ahmadi",
    "tehran",
    "lyon",
    "王",
    "小明",
    "vip",
    "design",
    "okafor",
    "expo",
]


def plain_executemany(rows: int, folder: Path) -> float:
    """The SPEC's reference: read a CSV of ``rows`` contacts, executemany into one table."""
    source = folder / "plain.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "email", "phone", "company", "notes"])
        for i in range(rows):
            writer.writerow(
                [f"Person {i}", f"p{i}@mail.example", f"+49 30 {i:07d}", "Acme", "Met at the expo"]
            )
    database = folder / "plain.db"

    def load() -> None:
        connection = sqlite3.connect(database)
        connection.execute("CREATE TABLE contact (name, email, phone, company, notes)")
        with source.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            connection.executemany("INSERT INTO contact VALUES (?,?,?,?,?)", reader)
        connection.commit()
        connection.close()

    import time

    begun = time.perf_counter()
    load()
    return time.perf_counter() - begun


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    options = parser.parse_args()
    n = options.contacts
    report = Report(f"crm-tui core figures at {n:,} contacts")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "demo.db"
        demo = wall_s(crm_args("--db", str(path), "demo", "--contacts", str(n)))
        report.add(
            f"crm demo --contacts {n} ({3 * n:,} interactions)",
            demo,
            "s",
            plain_executemany(n, folder),
            "csv+executemany of the contacts alone",
        )
        page_and_search(path, report)
    help_ms = median_ms(lambda: wall_s(crm_args("--help")), runs=7, warmup=1) / 1000
    bare = median_ms(lambda: wall_s([sys.executable, "-c", "pass"]), runs=7, warmup=1) / 1000
    report.add("crm --help (wall)", help_ms * 1000, "ms", bare * 1000, "python -c pass")
    report.print()


def page_and_search(path: Path, report: Report) -> None:
    from crm_tui.db import open_database
    from crm_tui.services.contacts import ContactQuery, list_contacts

    database = open_database(f"sqlite:///{path}")
    raw = sqlite3.connect(path)
    with database.read() as session:
        first = list_contacts(session=session, limit=50)
        middle = list_contacts(session=session, limit=50, after=first.last)
        page = median_ms(lambda: list_contacts(session=session, limit=50, after=middle.last))
        raw_page = median_ms(
            lambda: raw.execute(
                "SELECT id, name, organization_name, email, phone, tags, status, last_contacted_at "
                "FROM contact WHERE deleted_at IS NULL ORDER BY sort_name, id LIMIT 50"
            ).fetchall()
        )
        report.add(
            "one page of the contact list (50 rows, median)",
            page,
            "ms",
            raw_page,
            "raw sqlite3 keyset SELECT",
        )
        queries = iter(SEARCHES * 3)
        search = median_ms(
            lambda: list_contacts(
                session=session, query=ContactQuery(search=next(queries)), limit=50
            ),
            runs=len(SEARCHES),
        )
        fts = iter(SEARCHES * 3)
        raw_search = median_ms(
            lambda: raw.execute(
                "SELECT rowid FROM contact_fts WHERE contact_fts MATCH ? LIMIT 50",
                (f'"{next(fts)}"*',),
            ).fetchall(),
            runs=len(SEARCHES),
        )
        report.add(
            f"search, first page ({len(SEARCHES)} keystroke queries, median)",
            search,
            "ms",
            raw_search,
            "raw FTS5 MATCH, no sort",
            "≤ 10 ms",
        )
    raw.close()
    database.close()


if __name__ == "__main__":
    main()
