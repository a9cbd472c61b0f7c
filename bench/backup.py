"""Backup figures (issue 7): a database with 100k contacts and 1M interactions, copied by
``crm backup`` beside ``sqlite3 .backup`` in the same run; verification reported apart.

    python bench/backup.py [--contacts 100000] [--interactions 1000000]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import OUT, Report, demo_db


def best(function: object, runs: int = 3) -> float:
    fastest = float("inf")
    for _ in range(runs):
        begun = time.perf_counter()
        function()  # type: ignore[operator]
        fastest = min(fastest, time.perf_counter() - begun)
    return fastest


def main() -> None:
    from crm_tui.io.backup import copy_database, make_backup, sha256, verify

    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    options = parser.parse_args()
    source = demo_db(options.contacts, options.interactions)
    work = OUT / "backup"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    size = source.stat().st_size / 1e6

    def sqlite_cli() -> None:
        target = work / "cli.db"
        target.unlink(missing_ok=True)
        subprocess.run(["sqlite3", str(source), f".backup {target}"], check=True)

    def ours() -> None:
        target = work / "ours.db"
        target.unlink(missing_ok=True)
        copy_database(source, target)

    reference = best(sqlite_cli)
    copy = best(ours)
    checked = best(lambda: verify(work / "ours.db"), runs=1)
    digest = best(lambda: sha256(work / "ours.db"), runs=1)
    whole = best(lambda: make_backup(source, work / "made"), runs=1)
    report = Report(
        f"Backup of a {size:.0f} MB database ({options.contacts:,} contacts, "
        f"{options.interactions:,} interactions)"
    )
    report.add(
        "copy (backup API, one read transaction)", copy, "s", reference, "sqlite3 .backup", "≤ 1.3x"
    )
    report.add("verification: integrity_check + row counts", checked, "s")
    report.add("SHA-256 of the copy", digest, "s")
    report.add(
        "crm backup end to end (copy, verify, checksum, rename)",
        whole,
        "s",
        reference,
        "sqlite3 .backup",
    )
    report.print()


if __name__ == "__main__":
    main()
