"""The PostgreSQL index: a table of each row's document (rowid = the row's id) matched with
a ``simple`` tsvector (whole words and word prefixes, GIN-indexed) or, for terms of three
letters or more, anywhere inside a word through a trigram index (migration 0002): "mad"
finds "Ahmadi" there."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    and_,
    column,
    func,
    or_,
    select,
    table,
    text,
)
from sqlmodel import Session

from crm_tui.models import Contact, Interaction
from crm_tui.search import sources
from crm_tui.search.plan import NO_WORDS, How, Plan
from crm_tui.search.query import tsquery_terms
from crm_tui.search.rows import SearchRows
from crm_tui.text import words

T = TypeVar("T")


class TsIndex(SearchRows):
    """A table ``name`` holding each row of ``source``'s document and its words."""

    def __init__(
        self,
        session: Session,
        name: str,
        source: str,
        id_column: Any,
        documents: Callable[[Session, Sequence[int]], list[Any]],
        written: Callable[[Any], tuple[int, str]],
    ) -> None:
        super().__init__(session, name, source, id_column, documents)
        self.written = written  # (rowid, document) of a document

    def add(self, documents: Sequence[Any]) -> None:
        if not documents:
            return
        # Letters and digits only: PostgreSQL's parser would keep "a@b.com" as one word.
        rows = [(rowid, words(body)) for rowid, body in map(self.written, documents)]
        statement = f"INSERT INTO {self.name}(rowid, body) VALUES (%s, %s)"
        self.session.connection().exec_driver_sql(statement, rows)

    def plan(self, query: str, *, ordered: bool = True) -> Plan:
        """Every term matches a word start (phrase-wise), or anywhere in a word when long
        enough."""
        terms = tsquery_terms(query)
        if not terms:
            return NO_WORDS
        fts = table(self.name, column("rowid"), column("words"), column("body"))
        conditions = []
        for phrase, infix in terms:
            condition: ColumnElement[bool] = fts.c.words.bool_op("@@")(
                func.to_tsquery("simple", phrase)
            )
            if infix is not None:
                condition = or_(condition, fts.c.body.contains(infix))
            conditions.append(condition)
        matches = select(fts.c.rowid).where(and_(*conditions))
        return Plan(How.ALL_MATCHES, self.id_column.in_(matches))

    def read(self, plan: Plan, read: Callable[[ColumnElement[bool] | None], T]) -> T:
        return read(plan.condition)

    def check(self) -> tuple[int, int]:
        missing = self.session.scalar(
            text(
                f"SELECT count(*) FROM {self.source} "
                f"WHERE id NOT IN (SELECT rowid FROM {self.name})"
            )
        )
        extra = self.session.scalar(
            text(
                f"SELECT count(*) FROM {self.name} "
                f"WHERE rowid NOT IN (SELECT id FROM {self.source})"
            )
        )
        return missing or 0, extra or 0

    @contextmanager
    def bulk_settings(self) -> Iterator[None]:
        yield

    def filing(self, expected: int) -> Filed:
        return Filed(self)


@dataclass
class Filed:
    """A bulk write's new contacts, written as they come (no bands to file them in)."""

    index: TsIndex

    def add(self, documents: Sequence[sources.ContactDocument]) -> None:
        self.index.add(documents)

    def flush(self) -> None:
        pass

    def forget(self) -> None:
        pass


def contacts(session: Session) -> TsIndex:
    contact_id = Contact.__table__.c.id  # type: ignore[attr-defined]
    return TsIndex(
        session,
        "contact_fts",
        "contact",
        contact_id,
        sources.contact_documents,
        lambda document: (document[0], document[2]),  # (id, sort key, document)
    )


def interactions(session: Session) -> TsIndex:
    interaction_id = Interaction.__table__.c.id  # type: ignore[attr-defined]
    return TsIndex(
        session,
        "interaction_fts",
        "interaction",
        interaction_id,
        sources.interaction_documents,
        lambda document: document,
    )
