"""Whole CLI listings against the CSV export of the same contacts, in the same run.

    python bench/cli_listing.py [--contacts 100000] [--runs 3]

`crm contacts list --limit 0` (table and --json) should cost within 2x `crm export
contacts` of the same rows (the export is the floor: it reads plain tuples in id order).
Each command runs as a real process writing to a pipe it drains, wall time, best of --runs;
also the time to the first line, which a streaming listing gives at once.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, crm_args, demo_db


def timed(args: list[str]) -> tuple[float, float]:
    """(seconds to the first line, seconds to the end), reading the output as it comes."""
    begun = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    process.stdout.readline()
    first = time.perf_counter() - begun
    while process.stdout.read(1 << 20):
        pass
    process.wait()
    return first, time.perf_counter() - begun


def best(args: list[str], runs: int) -> tuple[float, float]:
    results = [timed(args) for _ in range(runs)]
    return min(r[0] for r in results), min(r[1] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    db = str(demo_db(options.contacts))
    export_first, export = best(crm_args("--db", db, "export", "contacts"), options.runs)
    report = Report(f"Listing {options.contacts:,} contacts (wall, best of {options.runs})")
    report.add("export contacts (CSV)", export, "s")
    for name, extra in (("table", []), ("--json", ["--json"])):
        command = crm_args("--db", db, "contacts", "list", "--limit", "0", *extra)
        first, whole = best(command, options.runs)
        report.add(f"contacts list {name}", whole, "s", export, "export", "<= 2x")
        report.add(f"  first line ({name})", first, "s", export_first, "export's first line")
    report.print()


if __name__ == "__main__":
    main()
