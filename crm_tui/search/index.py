"""The interface the services call: one ``TextIndex`` per searched table, picked for the
session's database, and what works on both indexes at once (bulk writes, rebuild, check).

Both databases store the same normalised text per row (``document``): SQLite matches it
with FTS5 (``sqlite``), PostgreSQL with a tsvector and a trigram index (``postgres``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select
from sqlmodel import Session

from crm_tui.search import sources
from crm_tui.search.plan import Plan
from crm_tui.search.rows import CHUNK, Key
from crm_tui.services.common import Page, chunked

T = TypeVar("T")


class Filing(Protocol):
    """Where a bulk write's new contacts go (see ``bulk``)."""

    def add(self, documents: Sequence[sources.ContactDocument]) -> None: ...
    def flush(self) -> None: ...
    def forget(self) -> None: ...


class TextIndex(Protocol):
    """The search rows of one table, kept in step with its rows by the services."""

    source: str  # the table whose rows are indexed

    def index(self, ids: Iterable[int]) -> None:
        """Bring the search rows of these rows up to date with the tables."""

    def remove(self, ids: Sequence[int]) -> None:
        """Take these rows out of the index."""

    def add(self, documents: Sequence[Any]) -> None:
        """Index new rows from documents built in memory (bulk writers)."""

    def plan(self, query: str, *, ordered: bool = True) -> Plan:
        """How to find the rows matching ``query``: a condition on the table's id.
        ``ordered``: the rows will be read in a sorted order, a page at a time (through
        ``read``), else counted or listed whole."""

    def read(self, plan: Plan, read: Callable[[ColumnElement[bool] | None], T]) -> T:
        """``read(condition)``, under the plan's deadline, falling back when it passes."""

    def count(self, query: str, cap: int) -> int | None:
        """How many rows, trash included, match ``query``, counting up to ``cap``; None
        where the index cannot tell alone."""

    def driving(self, query: str) -> Select[Any] | None:
        """Ids read in the index's own order and joined to the table, so a capped count
        stops after ``cap`` matches; None where that does not pay."""

    def name_page(
        self,
        query: str,
        *,
        start: Key | None,
        downward: bool,
        limit: int,
        read: Callable[[list[int]], Page[T]],
    ) -> Page[T] | None:
        """A page in name order read from a few matches near ``start`` at a time (``read``
        pages the ids given); None where the index cannot tell."""

    def clear(self) -> None: ...

    def check(self) -> tuple[int, int]:
        """(rows missing from the index, index rows left for deleted rows)."""

    def bulk_settings(self) -> AbstractContextManager[None]:
        """The index's settings for writing many rows at once, put back at the end."""

    def filing(self, expected: int) -> Filing:
        """Where a bulk write of about ``expected`` new contacts files them."""


def contacts(*, session: Session) -> TextIndex:
    """The contacts' index for the session's database."""
    return _implementation(session).contacts(session)


def interactions(*, session: Session) -> TextIndex:
    """The interactions' index for the session's database."""
    return _implementation(session).interactions(session)


def _implementation(session: Session) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        from crm_tui.search import sqlite

        return sqlite
    from crm_tui.search import postgres

    return postgres


def index_contacts(*, session: Session, ids: Iterable[int]) -> None:
    contacts(session=session).index(ids)


def unindex_contacts(*, session: Session, ids: Sequence[int]) -> None:
    contacts(session=session).remove(ids)


def index_interactions(*, session: Session, ids: Iterable[int]) -> None:
    interactions(session=session).index(ids)


def unindex_interactions(*, session: Session, ids: Sequence[int]) -> None:
    interactions(session=session).remove(ids)


@dataclass
class Bulk:
    """Both indexes while many rows are written: new contacts go through ``filing``."""

    contacts: TextIndex
    interactions: TextIndex
    filing: Filing

    def add_contacts(self, documents: Sequence[sources.ContactDocument]) -> None:
        self.filing.add(documents)

    def add_interactions(self, documents: Sequence[sources.Document]) -> None:
        self.interactions.add(documents)

    def index_contacts(self, ids: Sequence[int]) -> None:
        """Bring stored contacts up to date: some may still be held back by the filing."""
        self.filing.flush()
        self.contacts.index(ids)

    def forget(self) -> None:
        """Forget what the filing holds (its rows were rolled back)."""
        self.filing.forget()


@contextmanager
def bulk(*, session: Session, expected: int = 0) -> Iterator[Bulk]:
    """Index many rows in one go (about ``expected`` contacts), with each index's bulk
    settings, and its new contacts filed as the index files them best."""
    contact_index = contacts(session=session)
    interaction_index = interactions(session=session)
    with contact_index.bulk_settings(), interaction_index.bulk_settings():
        writing = Bulk(contact_index, interaction_index, contact_index.filing(expected))
        yield writing
        writing.filing.flush()


def rebuild(*, session: Session) -> tuple[int, int]:
    """Rebuild both indexes from the tables; returns (contacts, interactions) indexed."""
    contacts(session=session).clear()
    interactions(session=session).clear()
    contact_ids, interaction_ids = sources.contact_ids(session), sources.interaction_ids(session)
    with bulk(session=session, expected=len(contact_ids)) as writing:
        for batch in chunked(contact_ids, CHUNK):
            writing.add_contacts(sources.contact_documents(session, batch))
        writing.interactions.index(interaction_ids)
    return len(contact_ids), len(interaction_ids)


def check(*, session: Session) -> list[str]:
    """Problems with the indexes (rows missing from them or left in them), for ``crm
    doctor``."""
    problems = []
    for index in (contacts(session=session), interactions(session=session)):
        missing, extra = index.check()
        if missing:
            problems.append(f"{missing} {index.source} rows missing from the search index")
        if extra:
            problems.append(f"{extra} search index rows for deleted {index.source} rows")
    return problems
