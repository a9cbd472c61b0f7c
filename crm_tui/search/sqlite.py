"""The SQLite index: FTS5 tables of each row's document, a contact's filed under its name
band (``bands``).

A page of search results comes one of three ways (``plan.How``). Few matches: fetch them
all, then sort (about 2 µs a match). Many: walk the list's own sort index in order and stop
after a page, testing each row either against the FTS index itself (about 10 µs a row,
nothing built first) or against the set of every matching id (0.2 µs a match, built first).
Walking pays off when matches are dense enough to turn up every few rows ("s" matches half
of all contacts), but a name matching 4% of a million, all under S, would be walked to from
A: so the walk is for a match in more than 1 row in DENSE (and never for fewer than
MANY_MATCHES matches). The row-by-row test costs from 10 µs to ten times that a row (more
for a prefix shared by many words: "sar" of sara, sarah, sarl), so it is for matches in
more than 1 row in VERY_DENSE; and as even those can cluster far down the order (sorted by
organization, "acme"), it gets WALK_BUDGET seconds, then gives way to the set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    TextClause,
    bindparam,
    column,
    exists,
    func,
    select,
    table,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from crm_tui.models import Contact, Interaction
from crm_tui.search import sources
from crm_tui.search.bands import ID_MASK, BandFiling, Key, NameBands, band_of_rowid, contact_rowid
from crm_tui.search.plan import NO_WORDS, Deadline, How, Plan, raw_sqlite
from crm_tui.search.query import match_expression, prefixes
from crm_tui.search.rows import CHUNK, SearchRows
from crm_tui.services.common import Page, chunked, restoring

T = TypeVar("T")
MANY_MATCHES = 2_000
DENSE = 20
VERY_DENSE = 4
SAMPLE = 10_000
INDEXED_PREFIX = 3  # prefix = '1 2 3' (migration 0001)
WALK_BUDGET = 0.03
WINDOW_MATCHES = 256  # a search in name order reads this many matches, then 4 times more
WINDOW_LIMIT = 20_000  # more matches than this in a window: search as if without bands

# FTS5's settings for a bulk write, and the defaults they go back to. ``hashsize``: the
# terms FTS5 gathers in memory before it writes them out as a segment of the index; with
# the default 1 MB a large import writes many small segments, merged again and again.
# ``automerge`` 0: merging as it goes would write the index several times over; merges
# resume on later writes once the default is back.
_BULK_SETTINGS = (("automerge", 0), ("hashsize", 4 << 20))
_USUAL_SETTINGS = (("automerge", 4), ("hashsize", 1 << 20))


class FtsIndex(SearchRows):
    """An FTS5 table ``name`` with a row per row of ``source``, rowid = the row's id."""

    # --- how rowids stand for rows (a contact's rowid also holds its band) -------------
    def id_of(self, rowid: Any) -> Any:
        """The row id that an index rowid stands for (SQL)."""
        return rowid

    def rowid_of(self, id_column: Any) -> Any:
        """The index rowid of a row (SQL)."""
        return id_column

    def expected_rowids(self) -> str:
        """SQL: the rowid each row of the source should have."""
        return f"SELECT id AS rowid FROM {self.source}"

    # --- writing -----------------------------------------------------------------------
    def add(self, documents: Sequence[Any]) -> None:
        self.write(documents)

    def write(self, rows: Sequence[tuple[int, str]]) -> None:
        """Write (rowid, document) rows as they are."""
        if rows:
            statement = f"INSERT INTO {self.name}(rowid, body) VALUES (?, ?)"
            self.session.connection().exec_driver_sql(statement, list(rows))

    @contextmanager
    def bulk_settings(self) -> Iterator[None]:
        def setting(name: str, value: int) -> str:
            return f"INSERT INTO {self.name}({self.name}, rank) VALUES ('{name}', {value})"

        connection = self.session.connection()
        for name, value in _BULK_SETTINGS:
            connection.exec_driver_sql(setting(name, value))
        usual = [setting(name, value) for name, value in _USUAL_SETTINGS]
        with restoring(session=self.session, statements=usual):
            yield

    def filing(self, expected: int) -> Any:
        raise NotImplementedError(f"{self.source} rows are not filed in bulk")

    # --- reading -----------------------------------------------------------------------
    def _match(self, expression: str) -> tuple[Any, TextClause]:
        """The FTS5 table and its MATCH condition for ``expression``."""
        parameter = f"{self.name}_q"
        match = text(f"{self.name} MATCH :{parameter}").bindparams(bindparam(parameter, expression))
        return table(self.name, column("rowid")), match

    def _matches(self, expression: str) -> Select[Any]:
        fts, match = self._match(expression)
        return select(self.id_of(fts.c.rowid)).where(match)

    def _counted(self, expression: str, cap: int) -> int:
        statement = text(
            f"SELECT count(*) FROM (SELECT rowid FROM {self.name} "
            f"WHERE {self.name} MATCH :q LIMIT :cap)"
        )
        return self.session.execute(statement, {"q": expression, "cap": cap}).scalar() or 0

    def plan(self, query: str, *, ordered: bool = True) -> Plan:
        expression = match_expression(query)
        if expression is None:
            return NO_WORDS
        matches = self._matches(expression)
        every = Plan(How.ALL_MATCHES, self.id_column.in_(matches))
        if not ordered:  # counting: visiting each match once is the cheapest plan
            return every
        rows = self.session.scalar(select(func.max(self.id_column))) or 0  # about how many
        many = max(MANY_MATCHES, rows // DENSE)
        if self._counted(expression, many + 1) <= many:
            return every
        # "id + 0" cannot drive the query: SQLite scans the ORDER BY index, stops after a page.
        in_order = Plan(How.SET_IN_ORDER, (self.id_column + 0).in_(matches))
        if not self._very_dense(expression, rows):
            return in_order
        fts, match = self._match(expression)
        by_row = exists(
            select(fts.c.rowid).where(match, fts.c.rowid == self.rowid_of(self.id_column))
        )
        return Plan(How.ROW_BY_ROW, by_row, fallback=in_order, budget=WALK_BUDGET)

    def _very_dense(self, expression: str, rows: int) -> bool:
        """Whether more than 1 row in VERY_DENSE matches, judged from the newest SAMPLE rows
        (under a ms, where counting a quarter of a million matches takes 15-30)."""
        newest = text(
            f"SELECT count(*) FROM {self.name} WHERE {self.name} MATCH :q AND rowid > :after"
        )
        found = self.session.execute(newest, {"q": expression, "after": rows - SAMPLE}).scalar()
        return (found or 0) * VERY_DENSE > min(rows, SAMPLE)

    def read(self, plan: Plan, read: Callable[[ColumnElement[bool] | None], T]) -> T:
        if plan.fallback is None:
            return read(plan.condition)
        with Deadline(raw_sqlite(self.session.connection()), plan.budget) as deadline:
            try:
                return read(plan.condition)
            except OperationalError:
                if not deadline.passed:
                    raise
        return self.read(plan.fallback, read)

    def count(self, query: str, cap: int) -> int | None:
        expression = match_expression(query)
        return None if expression is None else self._counted(expression, cap)

    def driving(self, query: str) -> Select[Any] | None:
        expression = match_expression(query)
        if expression is None:
            return None
        fts, match = self._match(expression)
        return (
            select(self.id_column)
            .select_from(fts)
            .join(self.id_column.table, self.id_column == self.id_of(fts.c.rowid))
            .where(match)
        )

    def check(self) -> tuple[int, int]:
        rowids = self.expected_rowids()
        missing = self.session.scalar(
            text(
                f"SELECT count(*) FROM ({rowids}) AS expected "
                f"WHERE expected.rowid NOT IN (SELECT rowid FROM {self.name})"
            )
        )
        extra = self.session.scalar(
            text(f"SELECT count(*) FROM {self.name} WHERE rowid NOT IN ({rowids})")
        )
        return missing or 0, extra or 0


class ContactFtsIndex(FtsIndex):
    """Contacts' FTS5 table: a contact's search row is filed under its name band."""

    def __init__(self, session: Session) -> None:
        super().__init__(
            session,
            "contact_fts",
            "contact",
            Contact.__table__.c.id,  # type: ignore[attr-defined]
            sources.contact_documents,
        )
        self.bands = NameBands(session, self.name)

    def id_of(self, rowid: Any) -> Any:
        return rowid.op("&")(ID_MASK)

    def rowid_of(self, id_column: Any) -> Any:
        return self.bands.rowid_of(id_column)

    def expected_rowids(self) -> str:
        return self.bands.expected_rowids()

    def _matches(self, expression: str) -> Select[Any]:
        matched = super()._matches(expression)
        return matched.order_by(*matched.selected_columns)  # sorted: SQLite files them faster

    def add(self, documents: Sequence[sources.ContactDocument]) -> None:
        """File new contacts into their bands, splitting a band that overflows."""
        if not documents:
            return
        filed = self.bands.file([(key, contact_id) for contact_id, key, _ in documents])
        # in rowid order: FTS5 writes a run out as a segment of its own when a lower rowid
        # comes (100k contacts written in id order made 100k segments)
        self.write(sorted((contact_rowid(i, filed[i]), body) for i, _, body in documents))

    def remove(self, ids: Sequence[int]) -> None:
        """Delete the contacts' search rows in rowid order, and their place in the bands."""
        present = text(f"SELECT rowid FROM {self.name} WHERE rowid IN :ids").bindparams(
            bindparam("ids", expanding=True)
        )
        indexed: list[int] = []
        for batch in chunked(sorted(self.bands.rowids(ids)), CHUNK):
            indexed += self.session.scalars(present, {"ids": batch})
            self.delete(batch)
        self.bands.unfile(ids, indexed)

    def clear(self) -> None:
        super().clear()
        self.bands.clear()

    def filing(self, expected: int) -> BandFiling:
        return BandFiling(self.bands, self.write, self.add, expected)

    def _very_dense(self, expression: str, rows: int) -> bool:
        """Judged from a few bands spread over the names (any run of bands is a run of
        names: "sar" fills the S's). A prefix of more than 3 letters is never walked: FTS5
        gathers every match of such a prefix for each row tested (no prefix index)."""
        if any(len(token) > INDEXED_PREFIX for token in prefixes(expression)):
            return False
        bands = self.bands.spread()
        if not bands:  # a few thousand contacts at most: count them all
            cap = rows // VERY_DENSE
            return self._counted(expression, cap + 1) > cap
        counted = text(
            f"SELECT count(*) FROM {self.name} WHERE {self.name} MATCH :q "
            "AND rowid BETWEEN :low AND :high"
        )
        found = sum(
            self.session.execute(counted, {"q": expression, "low": low, "high": high}).scalar() or 0
            for low, high, _ in bands
        )
        return found * VERY_DENSE > sum(size for _, _, size in bands)

    def name_page(
        self,
        query: str,
        *,
        start: Key | None,
        downward: bool,
        limit: int,
        read: Callable[[list[int]], Page[T]],
    ) -> Page[T] | None:
        """At any size it sorts the matches of a band or two, where a search matching 1
        contact in 20 sorted every match. While ``read`` leaves the page short (the
        service's other filters), it reads more bands."""
        wanted = max(WINDOW_MATCHES, 4 * (limit + 1))
        while True:
            window = self.name_window(query, start=start, downward=downward, matches=wanted)
            if window is None:
                return None
            ids, complete = window
            page = read(ids)
            if complete or page.has_more:
                return page
            wanted *= 4

    def name_window(
        self, query: str, *, start: Key | None, downward: bool, matches: int
    ) -> tuple[list[int], bool] | None:
        """The ids of contacts matching ``query`` in whole bands, from the band holding
        ``start`` on, towards higher names (lower if ``downward``): the bands wholly read
        among the first ``matches`` matches, and whether those are all the matches left
        (then every band read counts). One FTS5 query, in rowid order: it stops after
        ``matches`` rows. None without words, or for more than WINDOW_LIMIT matches (a band
        too full to split)."""
        expression = match_expression(query)
        if expression is None or matches > WINDOW_LIMIT:
            return None
        if any(len(prefix) > INDEXED_PREFIX for prefix in prefixes(expression)):
            matches *= 4  # each query gathers every match first: read more bands at once
        low, high = 0, (1 << 63) - 1
        if start is not None:
            band = self.bands.band_of(start)
            if downward:
                high = contact_rowid(ID_MASK, band)
            else:
                low = contact_rowid(0, band)
        rowids = self._rowids(expression, low, high, downward=downward, limit=matches)
        complete = len(rowids) < matches
        if not complete:  # the last band read may have more matches: leave it for later
            edge = band_of_rowid(rowids[-1])
            rowids = [rowid for rowid in rowids if band_of_rowid(rowid) != edge]
            if not rowids:  # all in one band: read the whole band
                low, high = contact_rowid(0, edge), contact_rowid(ID_MASK, edge)
                rowids = self._rowids(expression, low, high)
        return [rowid & ID_MASK for rowid in rowids], complete

    def _rowids(
        self, expression: str, low: int, high: int, *, downward: bool = False, limit: int = -1
    ) -> list[int]:
        """Rowids of contacts matching ``expression`` between ``low`` and ``high``, in order."""
        statement = text(
            f"SELECT rowid FROM {self.name} WHERE {self.name} MATCH :q AND rowid "
            f"BETWEEN :low AND :high ORDER BY rowid {'DESC' if downward else 'ASC'} LIMIT :n"
        )
        parameters = {"q": expression, "low": low, "high": high, "n": limit}
        return list(self.session.scalars(statement, parameters))


def contacts(session: Session) -> ContactFtsIndex:
    return ContactFtsIndex(session)


def interactions(session: Session) -> FtsIndex:
    interaction_id = Interaction.__table__.c.id  # type: ignore[attr-defined]
    return FtsIndex(
        session, "interaction_fts", "interaction", interaction_id, sources.interaction_documents
    )
