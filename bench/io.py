"""Import and export figures: 100k contacts in and out, beside the sqlite3 CLI's ``.import``
and CSV export and sqlite-utils' ``insert --csv``, measured in the same run.

    python bench/io.py [--rows 100000] [--companies 5000]

The file is a realistic one: 5,000 distinct companies (each a new organization), a column
that becomes a custom field (City), names shared by many rows. The peak memory of each
command is its largest process's (an import reads its file in a second process); an import
of a file four times as large shows whether it grows with the file.

sqlite-utils is installed into bench/out/venv on first use (it is not a dependency of
crm-tui). Each command runs as a real process, wall time, best of three.
"""

from __future__ import annotations

import argparse
import csv
import os
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


def make_csv(path: Path, rows: int, companies: int = 5_000) -> None:
    rng = random.Random(1)
    kinds = ["Acme", "Globex", "Initech", "شرکت پارس", "东方", "Nord"]
    pool = [f"{rng.choice(kinds)} {n}" for n in range(companies)] or [""]
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
                    rng.choice(pool),
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
    return measured(command, runs, before)[0]


def measured(command: list[str] | str, runs: int = 3, before: object = None) -> tuple[float, float]:
    """The best wall time of ``runs``, and the largest peak memory (MiB) of the command's
    own process among them (os.wait4's accounting of that process alone)."""
    best, peak = float("inf"), 0.0
    for _ in range(runs):
        if callable(before):
            before()
        begun = time.perf_counter()
        child = subprocess.Popen(
            command,
            shell=isinstance(command, str),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        best = min(best, time.perf_counter() - begun)
        peak = max(peak, usage.ru_maxrss / 1024)
        if child.returncode:
            raise SystemExit(f"{command} failed ({child.returncode})")
    return best, peak


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
    parser.add_argument("--companies", type=int, default=5_000)
    arguments = parser.parse_args()
    rows = arguments.rows
    OUT.mkdir(exist_ok=True)
    work = OUT / "io"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    source = work / "contacts.csv"
    make_csv(source, rows, arguments.companies)
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
    utils, utils_peak = measured(
        [str(sqlite_utils()), "insert", str(utils_db), "contacts", str(source), "--csv"],
        before=clean(utils_db),
    )
    ours, peak = measured(
        crm_args("--db", str(db), "import", "contacts", str(source)), before=clean(db)
    )
    report = Report(
        f"Import and export of {rows:,} contacts, {arguments.companies:,} companies "
        "(wall, best of 3; peak: the largest process)"
    )
    report.add("crm import contacts", ours, "s", sqlite, "sqlite3 .import", "≤ 5x")
    report.add("crm import contacts", ours, "s", utils, "sqlite-utils insert --csv", "< 1x")
    report.add("crm import contacts, peak", peak, "MiB", utils_peak, "sqlite-utils", "≤ 150 MiB")
    # Streaming: the peak of a file four times as large (one run) against this one's.
    larger, larger_db = work / "larger.csv", work / "larger.db"
    make_csv(larger, rows * 4, arguments.companies)
    _, larger_peak = measured(
        crm_args("--db", str(larger_db), "import", "contacts", str(larger)),
        runs=1,
        before=clean(larger_db),
    )
    report.add(
        f"crm import contacts, peak at {rows * 4:,} rows",
        larger_peak,
        "MiB",
        peak,
        f"at {rows:,} rows",
        "≈ 1x",
    )
    clean(larger_db)()
    larger.unlink()
    # The same rows sorted by name, as many exports are: each row comes after the last
    # band, so the search rows wait to be filed (held back, at most PENDING_LIMIT).
    by_name = work / "by-name.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        header, *body = list(csv.reader(handle))
    body.sort(key=lambda row: f"{row[0]} {row[1]}".casefold())
    with by_name.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *body])
    sorted_time, sorted_peak = measured(
        crm_args("--db", str(larger_db), "import", "contacts", str(by_name)),
        runs=1,
        before=clean(larger_db),
    )
    report.add("crm import contacts, sorted by name", sorted_time, "s", ours, "as generated")
    report.add(
        "crm import contacts, sorted by name, peak", sorted_peak, "MiB", peak, "as generated"
    )
    clean(larger_db)()
    by_name.unlink()
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
