"""Full-text search: the one place that knows how text is indexed and matched.

Other services ask ``contact_matches``/``interaction_matches`` for a subquery of matching
ids and combine it with their own filters, sort and paging. The services call
``index_contacts`` and ``index_interactions`` after every write so the index never lags
behind the rows.

Both databases store the same normalised text per row (``contact_fts``/``interaction_fts``,
rowid = the row's id). SQLite matches it with FTS5; PostgreSQL with a ``simple`` tsvector
(whole words and word prefixes, GIN-indexed) or, for terms of three letters or more, anywhere
inside a word through a trigram index (migration 0002): "mad" finds "Ahmadi" there.
"""

from __future__ import annotations

import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    TextClause,
    and_,
    bindparam,
    column,
    exists,
    func,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from crm_tui.models import Contact, ContactEmail, ContactPhone, Interaction
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
WALK_BUDGET = 0.03
DEADLINE_STEPS = 5_000  # SQLite VM steps between looks at the clock


def _matching_count(session: Session, fts_table: str, expression: str, cap: int) -> int:
    statement = text(
        f"SELECT count(*) FROM (SELECT rowid FROM {fts_table} "
        f"WHERE {fts_table} MATCH :q LIMIT :cap)"
    )
    return session.execute(statement, {"q": expression, "cap": cap}).scalar() or 0


def _very_dense(session: Session, fts_table: str, expression: str, rows: int) -> bool:
    """Whether more than 1 row in VERY_DENSE matches, judged from the newest SAMPLE rows (under
    a ms, where counting a quarter of a million matches takes 15-30)."""
    newest = text(f"SELECT count(*) FROM {fts_table} WHERE {fts_table} MATCH :q AND rowid > :after")
    found = session.execute(newest, {"q": expression, "after": rows - SAMPLE}).scalar() or 0
    return found * VERY_DENSE > min(rows, SAMPLE)


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
    matches = select(fts.c.rowid).where(match)
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
        return exists(select(fts.c.rowid).where(match, fts.c.rowid == id_column))
    # "id + 0" cannot drive the query, so SQLite scans the ORDER BY index and stops after a page.
    return (id_column + 0).in_(matches)


_WALKING = "crm_search_walking"  # session.info key, set by walk_first while it reads


def walk_first(session: Session, read: Callable[[], T]) -> T:
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
    session: Session, fts_table: str, query: str, id_column: Any
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
        .join(id_column.table, id_column == fts.c.rowid)
        .where(match)
    )


Searched = TypeVar("Searched")  # a query dataclass with a ``search`` field


def counting_start(
    session: Session, fts_table: str, id_column: Any, query: Searched
) -> tuple[Select[Any], Searched]:
    """Where a capped count of ``query`` starts, and what is left of the query to filter by:
    the search's matches when they can drive (the other filters then apply row by row, so
    the search is taken out of the query), else every id (``id_column`` of a table)."""
    words: str = getattr(query, "search")  # noqa: B009 (a TypeVar has no attributes)
    base = matches_first(session, fts_table, words, id_column)
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
    session: Session, query: str, *, ordered: bool = True
) -> ColumnElement[bool] | None:
    """A condition on ``contact.id`` true for contacts matching ``query`` (None: no words).

    ``ordered``: the rows will be read in a sorted order, a page at a time (else counted).
    """
    contact_id = Contact.__table__.c.id  # type: ignore[attr-defined]
    return _condition(session, "contact_fts", query, contact_id, ordered=ordered)


def interaction_condition(
    session: Session, query: str, *, ordered: bool = True
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


@contextmanager
def bulk_indexing(session: Session) -> Iterator[None]:
    """Defer FTS5's background segment merges while many rows are indexed in one go.

    Merging as it goes would re-write the index several times over; the merges resume on
    later writes once the default (automerge 4) is back.
    """
    if not _is_sqlite(session):
        yield
        return
    connection = session.connection()
    for fts_table in ("contact_fts", "interaction_fts"):
        connection.exec_driver_sql(
            f"INSERT INTO {fts_table}({fts_table}, rank) VALUES ('automerge', 0)"
        )
    with restoring(
        session,
        *(
            f"INSERT INTO {fts_table}({fts_table}, rank) VALUES ('automerge', 4)"
            for fts_table in ("contact_fts", "interaction_fts")
        ),
    ):
        yield


def contact_documents(session: Session, ids: Sequence[int]) -> list[tuple[int, str]]:
    """The index rows for the stored contacts ``ids``."""
    emails = _grouped(session, ContactEmail, ids)
    phones = _grouped(session, ContactPhone, ids)
    rows = session.execute(select(*_DOCUMENT_COLUMNS).where(col(Contact.id).in_(ids)))
    return [
        contact_document(row._mapping, emails.get(row.id, ()), phones.get(row.id, ()))
        for row in rows
    ]


def add_contact_documents(session: Session, documents: Sequence[tuple[int, str]]) -> None:
    """Index new contacts from documents built in memory (bulk writers: import, demo)."""
    _add_documents(session, "contact_fts", documents)


def add_interaction_documents(session: Session, documents: Sequence[tuple[int, str]]) -> None:
    _add_documents(session, "interaction_fts", documents)


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


def index_contacts(session: Session, ids: Iterable[int]) -> None:
    """Bring the index rows of these contacts up to date with the tables."""
    for batch in chunked(ids, CHUNK):
        _delete_rows(session, "contact_fts", batch)
        add_contact_documents(session, contact_documents(session, batch))


def index_interactions(session: Session, ids: Iterable[int]) -> None:
    for batch in chunked(ids, CHUNK):
        _delete_rows(session, "interaction_fts", batch)
        rows = session.execute(
            select(Interaction.id, Interaction.subject, Interaction.body).where(
                col(Interaction.id).in_(batch)
            )
        )
        add_interaction_documents(session, [interaction_document(row._mapping) for row in rows])


def _delete_rows(session: Session, fts_table: str, ids: Sequence[int]) -> None:
    statement = text(f"DELETE FROM {fts_table} WHERE rowid IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    session.execute(statement, {"ids": list(ids)})


def unindex_contacts(session: Session, ids: Sequence[int]) -> None:
    _delete_rows(session, "contact_fts", ids)


def unindex_interactions(session: Session, ids: Sequence[int]) -> None:
    _delete_rows(session, "interaction_fts", ids)


def rebuild_index(session: Session) -> tuple[int, int]:
    """Rebuild both indexes from the tables; returns (contacts, interactions) indexed."""
    session.execute(text("DELETE FROM contact_fts"))
    session.execute(text("DELETE FROM interaction_fts"))
    contact_ids = list(session.scalars(select(Contact.id)))
    interaction_ids = list(session.scalars(select(Interaction.id)))
    index_contacts(session, contact_ids)
    index_interactions(session, interaction_ids)
    return len(contact_ids), len(interaction_ids)


def index_out_of_sync(session: Session) -> list[str]:
    """Problems with the index (rows missing from it or left in it), for ``crm doctor``."""
    problems = []
    for fts_table, source in (("contact_fts", "contact"), ("interaction_fts", "interaction")):
        missing = session.scalar(
            text(f"SELECT count(*) FROM {source} WHERE id NOT IN (SELECT rowid FROM {fts_table})")
        )
        extra = session.scalar(
            text(f"SELECT count(*) FROM {fts_table} WHERE rowid NOT IN (SELECT id FROM {source})")
        )
        if missing:
            problems.append(f"{missing} {source} rows missing from the search index")
        if extra:
            problems.append(f"{extra} search index rows for deleted {source} rows")
    return problems
