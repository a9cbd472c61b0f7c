"""Notice when the data changed under us: another member, a second window or a cron import.

``ChangeWatcher.wait(timeout)`` blocks up to ``timeout`` seconds and says whether anything was
committed meanwhile. It owns one connection of its own, outside the engine's pool, and is
meant for one thread (the app runs it in a worker and posts a message to the screens).

- SQLite: ``PRAGMA data_version`` changes when another connection commits; it is polled.
  Our own writes count too (they use other connections): a redundant refresh is harmless.
- PostgreSQL: ``Database.write`` sends ``NOTIFY crm_changes`` with the writer's token on
  commit; the watcher LISTENs and skips the notices its own process sent.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from crm_tui.db import CHANGES_CHANNEL, Database

POLL_SECONDS = 0.5


class ChangeWatcher:
    def wait(self, timeout: float) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class SqliteWatcher(ChangeWatcher):
    def __init__(self, database: Database) -> None:
        assert database.path is not None
        self._connection = sqlite3.connect(
            database.path, timeout=1, isolation_level=None, check_same_thread=False
        )
        self._seen = self._version()

    def _version(self) -> int:
        return int(self._connection.execute("PRAGMA data_version").fetchone()[0])

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            version = self._version()
            if version != self._seen:
                self._seen = version
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(POLL_SECONDS, left))

    def close(self) -> None:
        self._connection.close()


class PostgresWatcher(ChangeWatcher):
    def __init__(self, database: Database) -> None:
        import psycopg

        engine = database.engine
        args, kwargs = engine.dialect.create_connect_args(engine.url)
        self._connection: Any = psycopg.connect(*args, **kwargs, autocommit=True)
        self._connection.execute(f"LISTEN {CHANGES_CHANNEL}")
        self._own = database.token

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        changed = False
        while not changed:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            for notice in self._connection.notifies(timeout=left, stop_after=1):
                changed = notice.payload != self._own
        # Take every notice already queued, so a burst (an import) is one refresh.
        for _ in self._connection.notifies(timeout=0.05):
            pass
        return True

    def close(self) -> None:
        self._connection.close()


def watch(database: Database) -> ChangeWatcher:
    """A watcher for ``database`` (its own connection; close it when done)."""
    if database.is_sqlite:
        return SqliteWatcher(database)
    return PostgresWatcher(database)
