"""The keys of the rows an import has taken so far, in memory that does not grow with the
file: a row whose email (phone, name) an earlier row of the file took is a duplicate."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

# Keys held in sets before they move to a file (about 100 bytes each in memory).
MEMORY_LIMIT = 20_000
_IN_LIST = 500  # keys in one IN list


class TakenKeys:
    """The keys taken so far, by what they identify a row by (``Identity``).

    Up to MEMORY_LIMIT keys are kept in sets. Beyond, they move to a private temporary
    SQLite file (deleted when closed, with a small page cache), and each chunk of rows asks
    it once which of its keys are taken: the import then holds a chunk's keys, not the
    file's. The file is not the database's, so a savepoint the import rolls back (a bad row)
    leaves it alone: planning goes on to report what would have happened."""

    def __init__(self) -> None:
        self.sets: dict[Any, set[str]] = defaultdict(set)  # all of them, or this chunk's
        self.count = 0
        self.file: sqlite3.Connection | None = None
        self.numbers: dict[Any, int] = {}  # an identity's number in the file
        self.new: list[tuple[int, str]] = []  # taken in this chunk, to file at its end

    def start_chunk(self, wanted: Iterable[tuple[Any, list[str]]]) -> None:
        """Before a chunk of rows (their identities and keys): which are taken, once."""
        if self.file is None:
            return
        self.sets = defaultdict(set)
        by_identity: dict[Any, set[str]] = defaultdict(set)
        for identity, row_keys in wanted:
            by_identity[identity].update(row_keys)
        for identity, keys in by_identity.items():
            number = self._number(identity)
            ordered = sorted(keys)
            for start in range(0, len(ordered), _IN_LIST):
                batch = ordered[start : start + _IN_LIST]
                marks = ", ".join("?" * len(batch))
                found = self.file.execute(
                    f"SELECT key FROM taken WHERE identity = ? AND key IN ({marks})",
                    (number, *batch),
                )
                self.sets[identity].update(key for (key,) in found)

    def free(self, identity: Any, keys: list[str]) -> bool:
        """Whether no row before took any of ``keys``."""
        taken = self.sets.get(identity)
        return taken is None or taken.isdisjoint(keys)

    def take(self, identity: Any, keys: list[str]) -> None:
        self.sets[identity].update(keys)
        if self.file is None:
            self.count += len(keys)
        else:
            number = self._number(identity)
            self.new += [(number, key) for key in keys]

    def end_chunk(self) -> None:
        """After a chunk: its new keys go to the file, or all to a file once too many."""
        if self.file is None and self.count > MEMORY_LIMIT:
            self.file = sqlite3.connect("")  # "": a temporary file of its own
            self.file.execute("PRAGMA cache_size = -2048")  # KiB
            self.file.execute(
                "CREATE TABLE taken (identity INTEGER, key TEXT, PRIMARY KEY (identity, key))"
                " WITHOUT ROWID"
            )
            self.new = [
                (self._number(identity), key)
                for identity, keys in self.sets.items()
                for key in keys
            ]
        if self.file is not None:
            self.file.executemany("INSERT OR IGNORE INTO taken VALUES (?, ?)", self.new)
            self.new, self.sets = [], defaultdict(set)

    def _number(self, identity: Any) -> int:
        return self.numbers.setdefault(identity, len(self.numbers))

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
