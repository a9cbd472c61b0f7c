"""Segments (issue 25): three-rule segments' first page and capped count beside the plain
contact list's, measured in the same run, at each size (CPU time, medians).

    python bench/segments.py [--sizes 100000,1000000] [--runs 7]

Two segments: a narrow one, "status:customer tag:<the demo's first tag>
last_contacted:>60d" (a quarter of the contacts by status, a few percent by tag, most by
age: about 3% match), and a broad one, "status:!=inactive -tag:<that tag>
last_contacted:>30d" (most contacts match). The databases are `crm demo --interactions 0`
(no interactions: every contact counts as never contacted), built once into bench/out/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, cpu_median_ms, demo_db

CAP = 5_000  # the capped count the contact list shows first ("5,000+")


def measure(path: Path, runs: int) -> dict[str, float]:
    from sqlalchemy import select

    from crm_tui.db import open_database
    from crm_tui.models import Tag
    from crm_tui.services.contacts import ContactQuery, count_contacts, list_contacts

    database = open_database(f"sqlite:///{path}")
    figures: dict[str, float] = {}
    with database.read() as session:
        first_tag = session.scalar(select(Tag.name).order_by(Tag.id))
        narrow = f'status:customer tag:"{first_tag}" last_contacted:>60d'
        broad = f'status:!=inactive -tag:"{first_tag}" last_contacted:>30d'
        queries = {
            "plain list": ContactQuery(),
            "narrow segment": ContactQuery(rule=narrow),
            "broad segment": ContactQuery(rule=broad),
        }
        for name, query in queries.items():
            figures[f"{name}: first page"] = cpu_median_ms(
                lambda query=query: list_contacts(session=session, query=query), runs=runs
            )
            figures[f"{name}: capped count"] = cpu_median_ms(
                lambda query=query: count_contacts(session=session, query=query, cap=CAP),
                runs=runs,
            )
        for name in ("narrow segment", "broad segment"):
            figures[f"{name}: matches"] = count_contacts(session=session, query=queries[name])
    database.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    for size in (int(part) for part in options.sizes.split(",")):
        figures = measure(demo_db(size, interactions=0), options.runs)
        matches = ", ".join(
            f"{name}: {int(figures[f'{name} segment: matches']):,} match"
            for name in ("narrow", "broad")
        )
        report = Report(f"segments at {size:,} contacts ({matches})")
        for name in ("narrow segment", "broad segment"):
            for what in ("first page", "capped count"):
                plain = figures[f"plain list: {what}"]
                figure = figures[f"{name}: {what}"]
                report.add(f"{name}: {what}", figure, "ms", plain, "plain list", "2x")
        report.print()


if __name__ == "__main__":
    main()
