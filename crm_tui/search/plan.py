"""What a page of matches is read by, and the deadline a plan may run under.

A page of search results comes one of three ways (``How``). The index picks one for each
query (``TextIndex.plan``) and hands it back as a ``Plan``: the condition on the row's id
that the service adds to its own filters, sort and paging. A plan that may be slow on a
given query comes with the time it may take and a plan to fall back on, and is read by
``TextIndex.read``, under a ``Deadline``.
"""

from __future__ import annotations

import enum
import sqlite3
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from sqlalchemy import ColumnElement


class How(enum.Enum):
    NO_WORDS = "no words"  # nothing to match: no condition
    ALL_MATCHES = "all matches"  # few matches: fetch them all, then sort
    SET_IN_ORDER = "set in order"  # walk the sort order, test each row against the set
    ROW_BY_ROW = "row by row"  # walk the sort order, look each row up in the index


@dataclass(frozen=True)
class Plan:
    how: How
    condition: ColumnElement[bool] | None
    # ROW_BY_ROW may meet its matches far down the order: it gets ``budget`` seconds, then
    # the page is read again by ``fallback``.
    fallback: Plan | None = None
    budget: float = 0.0


NO_WORDS = Plan(How.NO_WORDS, None)
DEADLINE_STEPS = 5_000  # SQLite VM steps between looks at the clock


class Deadline:
    """Interrupt the statements of an SQLite connection from ``seconds`` from now until the
    block ends. ``passed`` tells an interruption by this deadline from any other error."""

    def __init__(self, connection: sqlite3.Connection, seconds: float) -> None:
        self.connection = connection
        self.seconds = seconds
        self.passed = False
        self._end = 0.0

    def _expired(self) -> bool:
        self.passed = time.monotonic() > self._end
        return self.passed

    def __enter__(self) -> Deadline:
        self._end = time.monotonic() + self.seconds
        self.connection.set_progress_handler(self._expired, DEADLINE_STEPS)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.connection.set_progress_handler(None, 0)


def raw_sqlite(connection: Any) -> sqlite3.Connection:
    """The driver's connection under a SQLAlchemy connection."""
    raw: sqlite3.Connection = connection.connection.driver_connection
    return raw
