"""What both databases' search tables share: one row per row of a source table, written
from its documents, deleted by rowid."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, text
from sqlmodel import Session

from crm_tui.services.common import Page, chunked

T = TypeVar("T")
CHUNK = 500
Key = tuple[str, int]  # (sort key, id): a place in the list's order by name


class SearchRows:
    """The search table ``name``: a row for each row of ``source`` (``id_column``), from
    the documents ``documents`` builds for stored ids. Subclasses write and match them."""

    def __init__(
        self,
        session: Session,
        name: str,
        source: str,
        id_column: Any,
        documents: Callable[[Session, Sequence[int]], list[Any]],
    ) -> None:
        self.session = session
        self.name = name
        self.source = source
        self.id_column = id_column
        self.documents = documents

    def add(self, documents: Sequence[Any]) -> None:
        raise NotImplementedError

    def remove(self, ids: Sequence[int]) -> None:
        self.delete(ids)

    def index(self, ids: Iterable[int]) -> None:
        for batch in chunked(ids, CHUNK):
            self.remove(batch)
            self.add(self.documents(self.session, batch))

    def delete(self, rowids: Sequence[int]) -> None:
        statement = text(f"DELETE FROM {self.name} WHERE rowid IN :ids").bindparams(
            bindparam("ids", expanding=True)
        )
        self.session.execute(statement, {"ids": list(rowids)})

    def clear(self) -> None:
        self.session.execute(text(f"DELETE FROM {self.name}"))

    # What only some indexes can tell (None: the caller finds out otherwise).
    def count(self, query: str, cap: int) -> int | None:
        return None

    def driving(self, query: str) -> Select[Any] | None:
        return None

    def name_page(
        self,
        query: str,
        *,
        start: Key | None,
        downward: bool,
        limit: int,
        read: Callable[[list[int]], Page[T]],
    ) -> Page[T] | None:
        return None
