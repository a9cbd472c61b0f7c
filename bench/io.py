"""Import and export figures (issue 6): 100k contacts in and out, beside the sqlite3 CLI's
``.import`` and CSV export and sqlite-utils' ``insert --csv``, measured in the same run.

    python bench/io.py [--rows 100000]

sqlite-utils is installed into bench/out/venv on first use (it is not a dependency of
crm-tui). Each command runs as a real process, wall time, best of three.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import OUT, Report, crm_args

FIRST = [
    "Sara",
    "Ali",
    "Maryam",
    "Jonas",
    "Chloé",
    "José",
    "Renée",
    "Søren",
    "Amina",
    "Daniel",
    "Hana",
    "Kofi",
    "مریم",
    "علی",
    "王",
    "김",
]
LAST = [
    "Ahmadi",
    "Karimi",
    "Rezaei",
    "Müller",
    "Dubois",
    "García",
    "Lefèvre",
    "Østergaard",
    "Okafor",
    "Kim",
    "Novák",
    "Mensah",
    "رضایی",
    "کریمی",
    "小明",
    "민준",
]


def make_csv(path: Path, rows: int) -> None:
    rng = random.Random(1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["First Name", "Last Name", "Email", "Phone", "Company", "Tags", "Notes", "City"]
        )
        for i in range(rows):
            writer.writerow(
                [
                    rng.choice(FIRST),
                    rng.choice(LAST),
                    f"user{i}@mail{i % 97}.example",
                    f"+49 30 {rng.randrange(1_000_000, 9_999_999)}",
                    rng.choice(["Acme", "Globex", "Initech", "شرکت پارس", ""]),
                    rng.choice(["vip", "lead", "", "vip, lead"]),
                    rng.choice(
                        ["Met at the expo", "", "Prefers calls after 5pm", "قرارداد سالانه"]
                    ),
                    rng.choice(["Berlin", "Tehran", "Lyon", ""]),
                ]
            )


SAME_EXPORT_SQL = """
SELECT id, name, first_name, last_name, organization_name, title, status, tags, address,
  website, birthday, source, notes, last_contacted_at, created_at, updated_at, custom,
  (SELECT label FROM contact_email e WHERE e.contact_id = c.id AND position = 0),
  (SELECT value FROM contact_email e WHERE e.contact_id = c.id AND position = 0),
  (SELECT label FROM contact_phone p WHERE p.contact_id = c.id AND position = 0),
  (SELECT value FROM contact_phone p WHERE p.contact_id = c.id AND position = 0)
FROM contact c WHERE deleted_at IS NULL ORDER BY id;
"""


def timed(command: list[str] | str, runs: int = 3, before: object = None) -> float:
    best = float("inf")
    for _ in range(runs):
        if callable(before):
            before()
        begun = time.perf_counter()
        subprocess.run(
            command,
            check=True,
            shell=isinstance(command, str),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - begun)
    return best


def sqlite_utils() -> Path:
    venv = OUT / "venv"
    tool = venv / "bin" / "sqlite-utils"
    if not tool.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "sqlite-utils"], check=True)
    return tool


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    OUT.mkdir(exist_ok=True)
    work = OUT / "io"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    source = work / "contacts.csv"
    make_csv(source, rows)
    db, ref, utils_db = work / "crm.db", work / "ref.db", work / "utils.db"

    def clean(*paths: Path) -> object:
        return lambda: [
            p.unlink(missing_ok=True)
            for path in paths
            for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
        ]

    sqlite = timed(
        ["sqlite3", str(ref), ".mode csv", f".import {source} contacts"], before=clean(ref)
    )
    utils = timed(
        [str(sqlite_utils()), "insert", str(utils_db), "contacts", str(source), "--csv"],
        before=clean(utils_db),
    )
    ours = timed(crm_args("--db", str(db), "import", "contacts", str(source)), before=clean(db))
    report = Report(f"Import and export of {rows:,} contacts (wall, best of 3)")
    report.add("crm import contacts", ours, "s", sqlite, "sqlite3 .import", "≤ 5x")
    report.add("crm import contacts", ours, "s", utils, "sqlite-utils insert --csv", "< 1x")
    export_sqlite = timed(f"sqlite3 -csv -header {ref} 'select * from contacts' > {work}/a.csv")
    export_ours = timed(crm_args("--db", str(db), "export", "contacts", "-o", str(work / "b.csv")))
    report.add(
        "crm export contacts (CSV)", export_ours, "s", export_sqlite, "sqlite3 -csv export", "≤ 3x"
    )
    # Like for like: the sqlite3 CLI writing the same contacts from crm's own tables (the
    # columns crm exports, first email and phone joined), not the raw 8-column table.
    same = f"sqlite3 -csv -header {db} < {work / 'same.sql'} > {work}/c.csv"
    (work / "same.sql").write_text(SAME_EXPORT_SQL, encoding="utf-8")
    report.add(
        "crm export contacts (CSV)",
        export_ours,
        "s",
        timed(same),
        "sqlite3 -csv, crm's tables",
        "≤ 3x",
    )
    # The nightly cron case: the same file again, matched and found unchanged, then undone.
    again = crm_args("--db", str(db), "import", "contacts", str(source), "--on-duplicate", "update")
    report.add("same file again, --on-duplicate update", timed(again, runs=1), "s")
    undo = crm_args("--db", str(db), "import", "undo", "1")
    report.add(f"crm import undo (the {rows:,} created)", timed(undo, runs=1), "s")
    report.print()


if __name__ == "__main__":
    main()
