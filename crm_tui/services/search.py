"""Full-text search: the one place that knows how text is indexed and matched.

Other services ask ``contact_matches``/``interaction_matches`` for a subquery of matching
ids and combine it with their own filters, sort and paging. The services call
``index_contacts`` and ``index_interactions`` after every write so the index never lags
behind the rows.

Both databases store the same normalised text per row (``contact_fts``/``interaction_fts``,
rowid = the row's id, or on SQLite for a contact its name band and id: see "Name bands").
SQLite matches it with FTS5; PostgreSQL with a ``simple`` tsvector
(whole words and word prefixes, GIN-indexed) or, for terms of three letters or more, anywhere
inside a word through a trigram index (migration 0002): "mad" finds "Ahmadi" there.
"""

from __future__ import annotations

import sqlite3
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from math import ceil
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    TextClause,
    and_,
    bindparam,
    column,
    delete,
    exists,
    func,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from crm_tui.models import Contact, ContactEmail, ContactPhone, ContactSearchRow, Interaction
from crm_tui.records import document_head, document_tail, document_text
from crm_tui.services.common import chunked, restoring
from crm_tui.text import fold, index_text, query_terms, words

T = TypeVar("T")
CHUNK = 500
# PostgreSQL: the shortest term also matched inside words (a trigram needs three letters).
INFIX_MIN_LENGTH = 3


def match_expression(query: str) -> str | None:
    """An FTS5 query where every word must match the start of a word (or phrase) in a row.

    Tokens contain letters and digits only, so quoting them cannot break the syntax.
    """
    terms = query_terms(query)
    if not terms:
        return None
    return " ".join('"' + " ".join(tokens) + '"*' for tokens in terms)


# A page of search results comes one of three ways. Few matches: fetch them all, then sort
# (about 2 µs a match). Many: walk the list's own sort index in order and stop after a page,
# testing each row either against the FTS index itself (about 10 µs a row, nothing built
# first) or against the set of every matching id (built first: 0.2 µs a match, 130 ms for
# "s" in a million contacts). Walking pays off when matches are dense enough to turn up every
# few rows ("s" matches half of all contacts), but a name matching 4% of a million, all under
# S, would be walked to from A: so the walk is for a match in more than 1 row in DENSE (and
# never for fewer than MANY_MATCHES matches). The row-by-row test costs from 10 µs to ten
# times that a row (more for a prefix shared by many words: "sar" of sara, sarah, sarl), so
# it is for matches in more than 1 row in VERY_DENSE; and as even those can cluster far down
# the order (sorted by organization, "acme"), it gets WALK_BUDGET seconds, then gives way to
# the set (see ``walk_first``). Measured over a million contacts: "s" (65% of rows) 8 ms row
# by row against 208 with the set; "sa" (20%) 41 against 63; "sar" (9%) 396 against 26.
MANY_MATCHES = 2_000
DENSE = 20
VERY_DENSE = 4
SAMPLE = 10_000
SAMPLE_BANDS = 8
INDEXED_PREFIX = 3  # prefix = '1 2 3' (migration 0001)
WALK_BUDGET = 0.03
DEADLINE_STEPS = 5_000  # SQLite VM steps between looks at the clock


def _matching_count(session: Session, fts_table: str, expression: str, cap: int) -> int:
    statement = text(
        f"SELECT count(*) FROM (SELECT rowid FROM {fts_table} "
        f"WHERE {fts_table} MATCH :q LIMIT :cap)"
    )
    return session.execute(statement, {"q": expression, "cap": cap}).scalar() or 0


def count_contacts_matching(*, session: Session, query: str, cap: int) -> int | None:
    """SQLite: how many contacts, trash included, match ``query``, counting up to ``cap``
    (None elsewhere, or without words)."""
    expression = match_expression(query) if _is_sqlite(session) else None
    if expression is None:
        return None
    return _matching_count(session, _CONTACT_FTS, expression, cap)


def _very_dense(session: Session, fts_table: str, expression: str, rows: int) -> bool:
    """Whether more than 1 row in VERY_DENSE matches, judged from the newest SAMPLE rows (under
    a ms, where counting a quarter of a million matches takes 15-30). A contact's rowid holds
    its name band: its sample is a few bands spread over the names (``_spread_bands``)."""
    if fts_table == _CONTACT_FTS:
        return _very_dense_contacts(session, expression, rows)
    newest = text(f"SELECT count(*) FROM {fts_table} WHERE {fts_table} MATCH :q AND rowid > :after")
    found = session.execute(newest, {"q": expression, "after": rows - SAMPLE}).scalar() or 0
    return found * VERY_DENSE > min(rows, SAMPLE)


def _spread_bands(session: Session) -> list[tuple[int, int, int]]:
    """SAMPLE_BANDS bands spread evenly over the names: (first rowid, last rowid, contacts)
    each; none with fewer bands than that."""
    rows = session.execute(
        text(
            "SELECT number, size FROM (SELECT number, size, row_number() OVER (ORDER BY number) "
            "AS place, count(*) OVER () AS bands FROM contact_band) "
            "WHERE place % (bands / :sample) = 0"
        ),
        {"sample": SAMPLE_BANDS},
    ).all()
    if len(rows) < SAMPLE_BANDS:
        return []
    return [(contact_rowid(0, band), contact_rowid(ID_MASK, band), size) for band, size in rows]


def _very_dense_contacts(session: Session, expression: str, rows: int) -> bool:
    """``_very_dense`` for contacts, judged from a few bands spread over the names (any run of
    bands is a run of names: "sar" fills the S's). A prefix of more than 3 letters is never
    walked: FTS5 gathers every match of such a prefix for each row tested (no prefix index)."""
    if any(len(token) > INDEXED_PREFIX for token in _prefixes(expression)):
        return False
    bands = _spread_bands(session)
    if not bands:  # a few thousand contacts at most: count them all
        cap = rows // VERY_DENSE
        return _matching_count(session, _CONTACT_FTS, expression, cap + 1) > cap
    counted = text(
        f"SELECT count(*) FROM {_CONTACT_FTS} WHERE {_CONTACT_FTS} MATCH :q "
        "AND rowid BETWEEN :low AND :high"
    )
    found = sum(
        session.execute(counted, {"q": expression, "low": low, "high": high}).scalar() or 0
        for low, high, _ in bands
    )
    return found * VERY_DENSE > sum(size for _, _, size in bands)


def _prefixes(expression: str) -> list[str]:
    """The word beginnings of a ``match_expression``: the last token of each phrase."""
    return [phrase.rsplit(" ", 1)[-1] for phrase in expression.strip('"*').split('"* "')]


def _fts_match(fts_table: str, expression: str) -> tuple[Any, TextClause]:
    """The FTS5 table and its MATCH condition for ``expression`` (see ``match_expression``)."""
    match = text(f"{fts_table} MATCH :{fts_table}_q").bindparams(
        bindparam(f"{fts_table}_q", expression)
    )
    return table(fts_table, column("rowid")), match


def _condition(
    session: Session, fts_table: str, query: str, id_column: Any, *, ordered: bool
) -> ColumnElement[bool] | None:
    if not _is_sqlite(session):
        return _postgresql_condition(fts_table, query, id_column)
    expression = match_expression(query)
    if expression is None:
        return None
    fts, match = _fts_match(fts_table, expression)
    matched_id = _id_of(fts_table, fts.c.rowid)
    matches = select(matched_id).where(match)
    if fts_table == _CONTACT_FTS:  # ids come in band order: sorted, SQLite files them faster
        matches = matches.order_by(matched_id)
    if not ordered:  # counting: visiting each match once is the cheapest plan
        return id_column.in_(matches)
    rows = session.scalar(select(func.max(id_column))) or 0  # about how many rows (cheap)
    many = max(MANY_MATCHES, rows // DENSE)
    if _matching_count(session, fts_table, expression, many + 1) <= many:
        return id_column.in_(matches)
    walking = session.info.get(_WALKING, False)
    if walking and _very_dense(session, fts_table, expression, rows):
        # one FTS5 rowid lookup per row walked: no set built
        _start_deadline(session, WALK_BUDGET)
        return exists(
            select(fts.c.rowid).where(match, fts.c.rowid == _rowid_of(fts_table, id_column))
        )
    # "id + 0" cannot drive the query, so SQLite scans the ORDER BY index and stops after a page.
    return (id_column + 0).in_(matches)


_WALKING = "crm_search_walking"  # session.info key, set by walk_first while it reads


def walk_first(*, session: Session, read: Callable[[], T]) -> T:
    """``read()`` allowed to test a very dense search row by row for WALK_BUDGET seconds,
    then ``read()`` again with the set of matches if that ran out: a dense search's page
    costs at most the budget more than with the set, and usually a few ms instead of
    building a set of half a million ids."""
    if not _is_sqlite(session):
        return read()
    session.info[_WALKING] = True
    try:
        return read()
    except OperationalError as error:
        if "interrupted" not in str(error.orig):
            raise
    finally:
        del session.info[_WALKING]
        _raw_sqlite(session).set_progress_handler(None, 0)
    return read()


def _raw_sqlite(session: Session) -> sqlite3.Connection:
    return cast(sqlite3.Connection, session.connection().connection.driver_connection)


def _start_deadline(session: Session, seconds: float) -> None:
    """Interrupt the session's statements from ``seconds`` from now (until walk_first ends)."""
    deadline = time.monotonic() + seconds
    raw = _raw_sqlite(session)
    raw.set_progress_handler(lambda: time.monotonic() > deadline, DEADLINE_STEPS)


def matches_first(
    *, session: Session, fts_table: str, query: str, id_column: Any
) -> Select[Any] | None:
    """SQLite: ids (``id_column`` of a table) read in the index's own order, joined row by
    row, so a capped count stops after ``cap`` matches instead of gathering every match first
    ("s" matches half a million of a million contacts). None elsewhere or without words."""
    if not _is_sqlite(session):
        return None
    expression = match_expression(query)
    if expression is None:
        return None
    fts, match = _fts_match(fts_table, expression)
    return (
        select(id_column)
        .select_from(fts)
        .join(id_column.table, id_column == _id_of(fts_table, fts.c.rowid))
        .where(match)
    )


Searched = TypeVar("Searched")  # a query dataclass with a ``search`` field


def counting_start(
    *, session: Session, fts_table: str, id_column: Any, query: Searched
) -> tuple[Select[Any], Searched]:
    """Where a capped count of ``query`` starts, and what is left of the query to filter by:
    the search's matches when they can drive (the other filters then apply row by row, so
    the search is taken out of the query), else every id (``id_column`` of a table)."""
    words: str = getattr(query, "search")  # noqa: B009 (a TypeVar has no attributes)
    base = matches_first(session=session, fts_table=fts_table, query=words, id_column=id_column)
    if base is None:
        return select(id_column), query
    return base, replace(query, search="")  # type: ignore[type-var]


def _postgresql_condition(fts_table: str, query: str, id_column: Any) -> ColumnElement[bool] | None:
    """Every term matches a word start (phrase-wise), or anywhere in a word when long enough."""
    terms = query_terms(query)
    if not terms:
        return None
    fts = table(fts_table, column("rowid"), column("words"), column("body"))
    conditions = []
    for tokens in terms:
        phrase = " <-> ".join(f"'{token}'" for token in tokens) + ":*"
        condition: ColumnElement[bool] = fts.c.words.bool_op("@@")(
            func.to_tsquery("simple", phrase)
        )
        joined = " ".join(tokens)
        if len(joined) >= INFIX_MIN_LENGTH:
            condition = or_(condition, fts.c.body.contains(joined))
        conditions.append(condition)
    return id_column.in_(select(fts.c.rowid).where(and_(*conditions)))


def contact_condition(
    *, session: Session, query: str, ordered: bool = True
) -> ColumnElement[bool] | None:
    """A condition on ``contact.id`` true for contacts matching ``query`` (None: no words).

    ``ordered``: the rows will be read in a sorted order, a page at a time (else counted).
    """
    contact_id = Contact.__table__.c.id  # type: ignore[attr-defined]
    return _condition(session, "contact_fts", query, contact_id, ordered=ordered)


def interaction_condition(
    *, session: Session, query: str, ordered: bool = True
) -> ColumnElement[bool] | None:
    """A condition on ``interaction.id`` true for interactions matching ``query``."""
    return _condition(session, "interaction_fts", query, col(Interaction.id), ordered=ordered)


def _grouped(session: Session, model: Any, ids: Sequence[int]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(model.contact_id, model.value, model.normalized)
        .where(col(model.contact_id).in_(ids))
        .order_by(model.contact_id, model.position)
    )
    for contact_id, value, normalized in rows:
        grouped[contact_id].append(value)
        if fold(value) != normalized:  # a phone's E.164 key: searchable digits
            grouped[contact_id].append(normalized)
    return grouped


def contact_document(
    row: Mapping[str, Any], emails: Sequence[str], phones: Sequence[str]
) -> tuple[int, str]:
    """The index row of one contact: every field, custom fields and organization included.

    ``row`` holds the contact's columns; ``emails``/``phones`` hold values and their keys.
    """
    head = document_head(row["name"], row["first_name"], row["last_name"])
    tail = document_tail(
        [*emails, *phones, row["tags"]],
        row["custom"] or {},
        [row["notes"], row["title"], row["address"], row["website"], row["source"], row["status"]],
    )
    return row["id"], document_text(head, row["organization_name"], tail)


def interaction_document(row: Mapping[str, Any]) -> tuple[int, str]:
    return row["id"], index_text(f"{row['subject']} {row['body']}")


_DOCUMENT_COLUMNS = (
    Contact.id,
    Contact.sort_name,
    Contact.name,
    Contact.first_name,
    Contact.last_name,
    Contact.organization_name,
    Contact.tags,
    Contact.custom,
    Contact.notes,
    Contact.title,
    Contact.address,
    Contact.website,
    Contact.source,
    Contact.status,
)

# --- Name bands (SQLite) -----------------------------------------------------------------
# A search's first page in the list's own order (by name) must cost the same at 1k and 1M
# contacts, and FTS5 hands out matches a page at a time only in rowid order. So a contact's
# search row is filed under rowid = band << 32 | id, where its band is one of a run of
# numbers growing with the names: each band holds about TARGET_BAND contacts next to each
# other in name order. Reading matches by rowid then reads them band by band in name order,
# and a page is the matches of its few bands, sorted (``name_window``): 2-3 ms at any size,
# where "sara" (44k matches in a million contacts, all under S) read every match.
# A band that grows past MAX_BAND is split (``_file``); the numbers are spread out so that
# splits fit between them, and the contacts of a split band that change band have their
# search rows moved. ``contact_band`` holds each band's first key and size;
# ``contact_search_row`` the band of each contact (none: band 0, where every contact was
# before bands). PostgreSQL files every contact under band 0: rowid = id.
BAND_SHIFT = 32
ID_MASK = (1 << BAND_SHIFT) - 1
BAND_LIMIT = 1 << 31  # band numbers stay below it, so rowids stay below 2**63
TARGET_BAND = 256
MAX_BAND = 1024
SPLIT_LIMIT = 50_000  # a band this full is left whole (splitting would move it all)
WINDOW_LIMIT = 20_000  # more matches than this in a window: search as if without bands
PENDING_LIMIT = 100_000  # documents a bulk write holds back before filing them
WRITE_EVERY = 25_000  # search rows a bulk write gathers before writing them
_CONTACT_FTS = "contact_fts"
_PENDING = "crm_search_pending"  # session.info key: documents held back by bulk_indexing

Key = tuple[str, int]  # (sort_name, id): the list's order by name


def contact_rowid(contact_id: int, band: int) -> int:
    return band << BAND_SHIFT | contact_id


def _id_of(fts_table: str, rowid: Any) -> Any:
    """The row id that an index rowid stands for (SQL)."""
    return rowid.op("&")(ID_MASK) if fts_table == _CONTACT_FTS else rowid


def _rowid_of(fts_table: str, id_column: Any) -> Any:
    """The index rowid of a row (SQL): a contact's holds its band."""
    if fts_table != _CONTACT_FTS:
        return id_column
    row = ContactSearchRow.__table__.c  # type: ignore[attr-defined]
    band = select(row.band).where(row.contact_id == id_column).correlate(id_column.table)
    return id_column + func.coalesce(band.scalar_subquery(), 0) * (1 << BAND_SHIFT)


@dataclass(frozen=True)
class Band:
    number: int
    low: Key
    keys: list[Key]


def lay_out_bands(
    keys: Sequence[Key], *, start: int = 0, end: int = BAND_LIMIT, low: Key = ("", 0)
) -> list[Band]:
    """Sorted ``keys`` cut into bands of about TARGET_BAND, numbered from ``start`` evenly
    up to ``end``; the first band starts at ``low``. Always at least one band."""
    pieces = max(1, min(ceil(len(keys) / TARGET_BAND), end - start))
    step, size = (end - start) // pieces, ceil(len(keys) / pieces)
    bands = [Band(start, low, list(keys[:size]))]
    for piece in range(1, pieces):
        chunk = list(keys[piece * size : (piece + 1) * size])
        if chunk:
            bands.append(Band(start + piece * step, chunk[0], chunk))
    return bands


@dataclass
class _Bands:
    numbers: list[int]
    lows: list[Key]
    sizes: list[int]

    def end(self, index: int) -> int:
        """The number after band ``index``'s (where its splits must stop)."""
        return self.numbers[index + 1] if index + 1 < len(self.numbers) else BAND_LIMIT


def _load_bands(session: Session) -> _Bands:
    statement = "SELECT number, low_name, low_id, size FROM contact_band ORDER BY low_name, low_id"
    rows: list[Any] = list(session.execute(text(statement)))
    if not rows or rows[0][0] != 0:
        rows.insert(0, (0, "", 0, 0))
    return _Bands(
        [row[0] for row in rows], [(row[1], row[2]) for row in rows], [row[3] for row in rows]
    )


def _band_members(session: Session, number: int) -> list[Key]:
    """The keys of the contacts whose search rows are filed under band ``number``."""
    rows = session.execute(
        text(
            "SELECT c.sort_name, c.id FROM contact_fts f CROSS JOIN contact c "
            "ON c.id = (f.rowid & :mask) WHERE f.rowid BETWEEN :low AND :high"
        ),
        {
            "mask": ID_MASK,
            "low": contact_rowid(0, number),
            "high": contact_rowid(ID_MASK, number),
        },
    )
    return [(row[0], row[1]) for row in rows]


def _file(session: Session, keys: Sequence[Key]) -> dict[int, int]:
    """The bands of contacts about to be indexed ({id: band}; none of them in the index
    now), recorded. A band that grows past MAX_BAND is split, and its other contacts that
    change band have their search rows moved."""
    bands = _load_bands(session)
    arriving = _arrivals(bands, keys)
    filed: dict[int, int] = {}
    changed: list[tuple[int, str, int, int]] = []  # (number, low_name, low_id, size)
    moves: list[tuple[int, int]] = []  # (new rowid, old rowid)
    for index, new in arriving.items():
        number, low, size = bands.numbers[index], bands.lows[index], bands.sizes[index]
        end = bands.end(index)
        if size + len(new) <= MAX_BAND or size > SPLIT_LIMIT or end - number < 2:
            filed.update((key[1], number) for key in new)
            changed.append((number, *low, size + len(new)))
            continue
        members = _band_members(session, number)
        for band in lay_out_bands(sorted([*members, *new]), start=number, end=end, low=low):
            changed.append((band.number, *band.low, len(band.keys)))
            filed.update((key[1], band.number) for key in band.keys)
        moved = [key[1] for key in members if filed[key[1]] != number]
        moves += [(contact_rowid(i, filed[i]), contact_rowid(i, number)) for i in moved]
        for key in members:
            if filed[key[1]] == number:
                del filed[key[1]]  # stays where it is filed
    _record_bands(session, changed, moves, filed)
    return filed


def _arrivals(bands: _Bands, keys: Iterable[Key]) -> dict[int, list[Key]]:
    """``keys`` by the band that holds each (its index in ``bands``)."""
    arriving: dict[int, list[Key]] = defaultdict(list)
    for key in keys:
        arriving[bisect_right(bands.lows, key) - 1].append(key)
    return arriving


def _record_bands(
    session: Session,
    changed: Sequence[tuple[int, str, int, int]],
    moves: Sequence[tuple[int, int]],
    filed: Mapping[int, int],
) -> None:
    connection = session.connection()
    connection.exec_driver_sql(
        "INSERT OR REPLACE INTO contact_band(number, low_name, low_id, size) VALUES (?, ?, ?, ?)",
        list(changed),
    )
    if moves:
        connection.exec_driver_sql("UPDATE contact_fts SET rowid = ? WHERE rowid = ?", list(moves))
    if filed:
        connection.exec_driver_sql(
            "INSERT OR REPLACE INTO contact_search_row(contact_id, band) VALUES (?, ?)",
            list(filed.items()),
        )


def _band_of(session: Session, key: Key) -> int:
    """The band that holds ``key``'s place in the list (0 before any band)."""
    number = session.execute(
        text(
            "SELECT number FROM contact_band WHERE (low_name, low_id) <= (:name, :id) "
            "ORDER BY low_name DESC, low_id DESC LIMIT 1"
        ),
        {"name": key[0], "id": key[1]},
    ).scalar()
    return number or 0


def name_window(
    *, session: Session, query: str, start: Key | None, downward: bool, matches: int
) -> tuple[list[int], bool] | None:
    """SQLite: the ids of contacts matching ``query`` in whole bands, from the band holding
    ``start`` (the list's cursor) on, towards higher names (lower if ``downward``): the
    bands wholly read among the first ``matches`` matches, and whether those are all the
    matches left (then every band read counts). One FTS5 query, in rowid order: it stops
    after ``matches`` rows. None where bands cannot tell: PostgreSQL, no words, or more than
    WINDOW_LIMIT matches asked for (a band too full to split)."""
    expression = match_expression(query) if _is_sqlite(session) else None
    if expression is None or matches > WINDOW_LIMIT:
        return None
    if any(len(prefix) > INDEXED_PREFIX for prefix in _prefixes(expression)):
        matches *= 4  # each query gathers every match first: read more bands at once
    low, high = 0, (1 << 63) - 1
    if start is not None:
        band = _band_of(session, start)
        if downward:
            high = contact_rowid(ID_MASK, band)
        else:
            low = contact_rowid(0, band)
    rowids = _matching_rowids(session, expression, low, high, downward=downward, limit=matches)
    complete = len(rowids) < matches
    if not complete:  # the last band read may have more matches: leave it for later
        edge = rowids[-1] >> BAND_SHIFT
        rowids = [rowid for rowid in rowids if rowid >> BAND_SHIFT != edge]
        if not rowids:  # all in one band: read the whole band
            low, high = contact_rowid(0, edge), contact_rowid(ID_MASK, edge)
            rowids = _matching_rowids(session, expression, low, high)
    return [rowid & ID_MASK for rowid in rowids], complete


def _matching_rowids(
    session: Session,
    expression: str,
    low: int,
    high: int,
    *,
    downward: bool = False,
    limit: int = -1,
) -> list[int]:
    """Rowids of contacts matching ``expression`` between ``low`` and ``high``, in order."""
    statement = text(
        f"SELECT rowid FROM {_CONTACT_FTS} WHERE {_CONTACT_FTS} MATCH :q AND rowid "
        f"BETWEEN :low AND :high ORDER BY rowid {'DESC' if downward else 'ASC'} LIMIT :n"
    )
    found = session.scalars(statement, {"q": expression, "low": low, "high": high, "n": limit})
    return list(found)


@dataclass
class _Held:
    """What a bulk write (``bulk_indexing``) knows of the bands while it files contacts."""

    expected: int  # about how many contacts it brings (0: unknown)
    bands: _Bands | None = None  # loaded (or laid out) when the first contacts come
    documents: list[tuple[int, str, str]] = field(default_factory=list)  # to file at the end
    filed: list[tuple[int, str]] = field(default_factory=list)  # (rowid, document) to write


# FTS5's settings for a bulk write, and the defaults they go back to. ``hashsize``: the
# terms FTS5 gathers in memory before it writes them out as a segment of the index; with
# the default 1 MB a large import writes many small segments, merged again and again.
_BULK_SETTINGS = (("automerge", 0), ("hashsize", 4 << 20))
_USUAL_SETTINGS = (("automerge", 4), ("hashsize", 1 << 20))


@contextmanager
def bulk_indexing(*, session: Session, expected: int = 0) -> Iterator[None]:
    """Index many rows in one go (about ``expected`` contacts): FTS5's background segment
    merges wait (merging as it goes would write the index several times over; they resume on
    later writes once the default, automerge 4, is back), its terms are written out in larger
    segments (``_BULK_SETTINGS``), and contacts are filed as they come
    into bands with room for them, the others held back and filed at the end (SQLite: see
    ``add_contact_documents``).
    """
    if not _is_sqlite(session):
        yield
        return
    connection = session.connection()
    for fts_table in ("contact_fts", "interaction_fts"):
        for name, value in _BULK_SETTINGS:
            connection.exec_driver_sql(
                f"INSERT INTO {fts_table}({fts_table}, rank) VALUES ('{name}', {value})"
            )
    session.info[_PENDING] = _Held(expected)
    try:
        with restoring(
            session=session,
            statements=[
                f"INSERT INTO {fts_table}({fts_table}, rank) VALUES ('{name}', {value})"
                for fts_table in ("contact_fts", "interaction_fts")
                for name, value in _USUAL_SETTINGS
            ],
        ):
            yield
            _file_pending(session)
    finally:
        session.info.pop(_PENDING, None)


def forget_pending(*, session: Session) -> None:
    """Forget what a bulk write held back or knew of the bands (its rows were rolled back)."""
    held = session.info.get(_PENDING)
    if held is not None:
        session.info[_PENDING] = _Held(held.expected)


def _file_pending(session: Session) -> None:
    held = session.info.get(_PENDING)
    if held is None:
        return
    _write_held(session, held)
    if held.documents:
        documents, held.documents, held.bands = held.documents, [], None
        _index_contact_documents(session, documents)


def _write_held(session: Session, held: _Held) -> None:
    """Write the search rows of the contacts filed so far, in rowid order. FTS5 keeps rows in
    memory until one comes with a lower rowid than the one before, then writes them out as a
    segment of their own: 5,000 at a time made 100k contacts' rows 0.4 s slower to write
    than in one go, 25,000 at a time 0.2 s."""
    rows, held.filed = held.filed, []
    _add_documents(session, _CONTACT_FTS, sorted(rows))


def _contact_rows(session: Session, ids: Sequence[int]) -> list[tuple[int, str, str]]:
    """(id, sort name, document) of the stored contacts ``ids``."""
    emails = _grouped(session, ContactEmail, ids)
    phones = _grouped(session, ContactPhone, ids)
    rows = session.execute(select(*_DOCUMENT_COLUMNS).where(col(Contact.id).in_(ids)))
    found = []
    for row in rows:
        contact_id, body = contact_document(
            row._mapping, emails.get(row.id, ()), phones.get(row.id, ())
        )
        found.append((contact_id, row.sort_name, body))
    return found


def contact_documents(*, session: Session, ids: Sequence[int]) -> list[tuple[int, str]]:
    """The index rows for the stored contacts ``ids``, by id."""
    return [(contact_id, body) for contact_id, _, body in _contact_rows(session, ids)]


def add_contact_documents(*, session: Session, documents: Sequence[tuple[int, str, str]]) -> None:
    """Index new contacts from (id, sort name, document) built in memory (bulk writers:
    import, demo).

    Inside ``bulk_indexing`` a contact is filed at once if its band has room, else held back
    and filed at the end with the others, when a band that overflows is split (moving the
    search rows of contacts filed already). Filing as they come lets the import's writer
    index while its reading process reads on (1 s of 100k contacts' 4). An empty database
    has no bands yet: they are laid out from the first contacts, as a sample of the
    ``expected`` ones (a file sorted by name fills the last band and is held back)."""
    held = session.info.get(_PENDING)
    if held is None:
        _index_contact_documents(session, documents)
        return
    if held.bands is None:
        held.bands = _load_bands(session)
        if held.bands.sizes == [0] and len(documents) < held.expected:
            held.bands = _sampled_bands(session, documents, held.expected)
    ready = _with_room(held.bands, documents)
    held.documents += [document for document in documents if document[0] not in ready]
    held.filed += _record_filed(session, held.bands, documents, ready)
    if len(held.filed) >= WRITE_EVERY:
        _write_held(session, held)
    if len(held.documents) >= PENDING_LIMIT:
        _file_pending(session)


def _sampled_bands(
    session: Session, documents: Sequence[tuple[int, str, str]], expected: int
) -> _Bands:
    """Bands for about ``expected`` contacts, laid out from ``documents`` (a sample of them)
    and recorded, empty."""
    # The sample's ids spread over the ids to come: a name many contacts share (a file
    # of 300,000 with 256 names) then has bands for the later ones too, not one last band
    # that all of them overflow (split at the end, moving the search rows filed so far).
    first = min(contact_id for contact_id, _, _ in documents)
    spread = max(1.0, expected / len(documents))
    keys = sorted((key, first + int((i - first) * spread)) for i, key, _ in documents)
    every = max(1, round(len(keys) * TARGET_BAND / expected))  # sample keys in a band
    lows = [("", 0), *keys[every::every]]
    step = BAND_LIMIT // len(lows)
    bands = _Bands([n * step for n in range(len(lows))], lows, [0] * len(lows))
    changed = [(number, *low, 0) for number, low in zip(bands.numbers, lows, strict=True)]
    _record_bands(session, changed, [], {})
    return bands


def _with_room(bands: _Bands, documents: Sequence[tuple[int, str, str]]) -> dict[int, int]:
    """The bands of the contacts whose band holds them without passing MAX_BAND ({id: band
    index}); the sizes of those bands grow by them."""
    keys = ((key, contact_id) for contact_id, key, _ in documents)
    ready: dict[int, int] = {}
    for index, arriving in _arrivals(bands, keys).items():
        if bands.sizes[index] + len(arriving) <= MAX_BAND:
            bands.sizes[index] += len(arriving)
            ready.update((key[1], index) for key in arriving)
    return ready


def _record_filed(
    session: Session,
    bands: _Bands,
    documents: Sequence[tuple[int, str, str]],
    ready: Mapping[int, int],
) -> list[tuple[int, str]]:
    """Record the bands of the contacts of ``documents`` in ``ready`` (see _with_room), and
    return their search rows to write: (rowid, document)."""
    if not ready:
        return []
    filed = {contact_id: bands.numbers[index] for contact_id, index in ready.items()}
    grown = {index: bands.sizes[index] for index in set(ready.values())}
    changed = [(bands.numbers[i], *bands.lows[i], size) for i, size in grown.items()]
    _record_bands(session, changed, [], filed)
    return [
        (contact_rowid(contact_id, filed[contact_id]), body)
        for contact_id, _, body in documents
        if contact_id in filed
    ]


def _index_contact_documents(session: Session, documents: Sequence[tuple[int, str, str]]) -> None:
    if not _is_sqlite(session):
        _add_documents(session, _CONTACT_FTS, [(i, body) for i, _, body in documents])
        return
    bands = _file(session, [(key, contact_id) for contact_id, key, _ in documents])
    rows = sorted((contact_rowid(i, bands[i]), body) for i, _, body in documents)
    _add_documents(session, _CONTACT_FTS, rows)  # in rowid order: see ``_unfile``


def add_interaction_documents(*, session: Session, documents: Sequence[tuple[int, str]]) -> None:
    _add_documents(session, "interaction_fts", documents)


def write_index_rows(*, session: Session, fts_table: str, rows: Sequence[tuple[int, str]]) -> None:
    """Write (rowid, document) rows as they are (migrations from before name bands)."""
    _add_documents(session, fts_table, rows)


def _add_documents(session: Session, fts_table: str, documents: Sequence[tuple[int, str]]) -> None:
    if not documents:
        return
    connection = session.connection()
    if _is_sqlite(session):
        statement = f"INSERT INTO {fts_table}(rowid, body) VALUES (?, ?)"
        connection.exec_driver_sql(statement, list(documents))
        return
    # Letters and digits only: PostgreSQL's parser would keep "a@b.com" as one word.
    statement = f"INSERT INTO {fts_table}(rowid, body) VALUES (%s, %s)"
    connection.exec_driver_sql(statement, [(rowid, words(body)) for rowid, body in documents])


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def index_contacts(*, session: Session, ids: Iterable[int]) -> None:
    """Bring the index rows of these contacts up to date with the tables."""
    _file_pending(session)
    for batch in chunked(ids, CHUNK):
        unindex_contacts(session=session, ids=batch)
        _index_contact_documents(session, _contact_rows(session, batch))


def index_interactions(*, session: Session, ids: Iterable[int]) -> None:
    for batch in chunked(ids, CHUNK):
        delete_index_rows(session=session, fts_table="interaction_fts", rowids=batch)
        rows = session.execute(
            select(Interaction.id, Interaction.subject, Interaction.body).where(
                col(Interaction.id).in_(batch)
            )
        )
        add_interaction_documents(
            session=session, documents=[interaction_document(row._mapping) for row in rows]
        )


def delete_index_rows(*, session: Session, fts_table: str, rowids: Sequence[int]) -> None:
    """Delete index rows by rowid (for a contact, see ``unindex_contacts``)."""
    statement = text(f"DELETE FROM {fts_table} WHERE rowid IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    session.execute(statement, {"ids": list(rowids)})


def unindex_contacts(*, session: Session, ids: Sequence[int]) -> None:
    """Take these contacts out of the index (and out of their bands)."""
    if not _is_sqlite(session):
        delete_index_rows(session=session, fts_table=_CONTACT_FTS, rowids=ids)
        return
    _file_pending(session)
    _unfile(session, ids)


def _unfile(session: Session, ids: Sequence[int]) -> None:
    """Delete the contacts' search rows, in rowid order. FTS5 writes what it is given in
    memory until a rowid comes lower than the one before: then it writes that out first, as
    a segment of its own (100k contacts written in id order, not rowid order, made 100k
    segments: the import took twice as long)."""
    row = ContactSearchRow.__table__.c  # type: ignore[attr-defined]
    rowids = []
    for batch in chunked(ids, CHUNK):
        found = session.execute(select(row.contact_id, row.band).where(row.contact_id.in_(batch)))
        bands: dict[int, int] = {contact_id: band for contact_id, band in found}
        rowids += [contact_rowid(i, bands.get(i, 0)) for i in batch]
    present = text(f"SELECT rowid FROM {_CONTACT_FTS} WHERE rowid IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    indexed: list[int] = []
    for batch in chunked(sorted(rowids), CHUNK):
        indexed += session.scalars(present, {"ids": batch})
        delete_index_rows(session=session, fts_table=_CONTACT_FTS, rowids=batch)
    for batch in chunked(ids, CHUNK):
        session.execute(delete(ContactSearchRow).where(row.contact_id.in_(batch)))
    emptied = Counter(rowid >> BAND_SHIFT for rowid in indexed)
    if emptied:
        session.connection().exec_driver_sql(
            "UPDATE contact_band SET size = max(size - ?, 0) WHERE number = ?",
            [(count, band) for band, count in emptied.items()],
        )


def unindex_interactions(*, session: Session, ids: Sequence[int]) -> None:
    delete_index_rows(session=session, fts_table="interaction_fts", rowids=ids)


def rebuild_index(*, session: Session) -> tuple[int, int]:
    """Rebuild both indexes from the tables; returns (contacts, interactions) indexed."""
    session.execute(text("DELETE FROM contact_fts"))
    session.execute(text("DELETE FROM interaction_fts"))
    if _is_sqlite(session):
        session.execute(delete(ContactSearchRow))
        session.execute(text("DELETE FROM contact_band"))
    contact_ids = list(session.scalars(select(Contact.id)))
    interaction_ids = list(session.scalars(select(Interaction.id)))
    with bulk_indexing(session=session, expected=len(contact_ids)):
        for batch in chunked(contact_ids, CHUNK):
            add_contact_documents(session=session, documents=_contact_rows(session, batch))
        index_interactions(session=session, ids=interaction_ids)
    return len(contact_ids), len(interaction_ids)


def index_out_of_sync(*, session: Session) -> list[str]:
    """Problems with the index (rows missing from it or left in it), for ``crm doctor``."""
    problems = []
    for fts_table, source in (("contact_fts", "contact"), ("interaction_fts", "interaction")):
        rowids = f"SELECT id AS rowid FROM {source}"  # the rowid each row should have
        if fts_table == _CONTACT_FTS and _is_sqlite(session):
            rowids = (
                f"SELECT c.id + coalesce(r.band, 0) * {1 << BAND_SHIFT} AS rowid FROM contact c "
                "LEFT JOIN contact_search_row r ON r.contact_id = c.id"
            )
        missing = session.scalar(
            text(
                f"SELECT count(*) FROM ({rowids}) AS expected "
                f"WHERE expected.rowid NOT IN (SELECT rowid FROM {fts_table})"
            )
        )
        extra = session.scalar(
            text(f"SELECT count(*) FROM {fts_table} WHERE rowid NOT IN ({rowids})")
        )
        if missing:
            problems.append(f"{missing} {source} rows missing from the search index")
        if extra:
            problems.append(f"{extra} search index rows for deleted {source} rows")
    return problems
