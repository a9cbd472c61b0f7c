"""PostgreSQL figures (issue 8): the demo build, a page of contacts and a search on a server.

    url=$(.ci/postgres start)
    python bench/postgres.py --url "$url" [--contacts 100000]
    .ci/postgres stop

Creates (and drops) a database ``crm_bench`` through the URL's role. References measured in
the same run: the same keyset page and a bare tsquery over the search table, sent with psycopg
directly, and the same figures on an SQLite file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench._common import Report, crm_args, median_ms, wall_s
from bench.core import SEARCHES

DATABASE = "crm_bench"


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)


def _figures(url: str) -> tuple[float, float]:
    """Median ms of one page of the contact list and of a search's first page."""
    from crm_tui.db import open_database
    from crm_tui.services.contacts import ContactQuery, list_contacts

    database = open_database(url)
    with database.read() as session:
        first = list_contacts(session=session, limit=50)
        page = median_ms(lambda: list_contacts(session=session, limit=50, after=first.last))
        queries = iter(SEARCHES * 3)
        search = median_ms(
            lambda: list_contacts(
                session=session, query=ContactQuery(search=next(queries)), limit=50
            ),
            runs=len(SEARCHES),
        )
    database.close()
    return page, search


def _raw_figures(url: str) -> tuple[float, float]:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        page = median_ms(
            lambda: cursor.execute(
                "SELECT id, name, organization_name, email, phone, tags, status, "
                "last_contacted_at FROM contact WHERE deleted_at IS NULL "
                "ORDER BY sort_name, id LIMIT 50"
            ).fetchall()
        )
        words = iter(SEARCHES * 3)
        search = median_ms(
            lambda: cursor.execute(
                "SELECT rowid FROM contact_fts WHERE words @@ to_tsquery('simple', %s) LIMIT 50",
                (f"'{next(words)}':*",),
            ).fetchall(),
            runs=len(SEARCHES),
        )
    engine.dispose()
    return page, search


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="a role that may create databases")
    parser.add_argument("--contacts", type=int, default=100_000)
    options = parser.parse_args()
    n = options.contacts
    url = make_url(options.url).set(database=DATABASE).render_as_string(hide_password=False)
    with _admin(options.url).connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {DATABASE}"))
    report = Report(f"crm-tui on PostgreSQL at {n:,} contacts")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite_file = Path(tmp) / "demo.db"
            build = ("demo", "--contacts", str(n))
            on_pg = wall_s(crm_args("--db", url, *build))
            on_sqlite = wall_s(crm_args("--db", str(sqlite_file), *build))
            report.add(f"crm demo --contacts {n}", on_pg, "s", on_sqlite, "the same on SQLite")
            page, search = _figures(url)
            raw_page, raw_search = _raw_figures(url)
            sqlite_page, sqlite_search = _figures(f"sqlite:///{sqlite_file}")
        report.add("one page of contacts (50, median)", page, "ms", raw_page, "raw psycopg")
        report.add("the same page", page, "ms", sqlite_page, "crm on SQLite")
        report.add("search, first page (median)", search, "ms", raw_search, "raw tsquery")
        report.add("the same search", search, "ms", sqlite_search, "crm on SQLite")
    finally:
        with _admin(options.url).connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
    report.print()


if __name__ == "__main__":
    main()
