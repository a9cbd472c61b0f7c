"""The databases tests run against: SQLite files, or a real PostgreSQL server.

Set ``CRM_TEST_POSTGRES`` to a PostgreSQL URL (a role that may create databases; see
``.ci/postgres``) and the same suite runs on PostgreSQL: every test gets databases cloned
from a migrated template with ``CREATE DATABASE … TEMPLATE`` (about 50 ms), dropped after
the test. Tests about SQLite files (pragmas, backups, file modes) ask for ``db_path`` or
carry the ``sqlite_only`` mark and are left out of that run.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from crm_tui.db import open_database

POSTGRES_URL = os.environ.get("CRM_TEST_POSTGRES", "")
BACKEND = "postgresql" if POSTGRES_URL else "sqlite"
_numbers = itertools.count(1)


def _admin() -> sa.Engine:
    return sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)


def _pg_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


class Template:
    """A migrated database built once per test session, cloned for each test."""

    def __init__(self, folder: Path, name: str) -> None:
        self.name = name
        self.path = folder / f"{name}.db"
        self.url = self._create()

    def _create(self) -> str:
        if BACKEND == "sqlite":
            return f"sqlite:///{self.path}"
        database = f"crm_{os.getpid()}_{self.name}"
        with _admin().connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
        return _pg_url(database)

    @property
    def database(self) -> str:
        return str(make_url(self.url).database)

    def finish(self) -> None:
        """Called once the template's content is written: close every connection to it."""
        if BACKEND == "postgresql":
            with _admin().connect() as connection:  # a template must have no sessions
                connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": self.database},
                )

    def drop(self) -> None:
        if BACKEND == "postgresql":
            with _admin().connect() as connection:
                connection.execute(
                    sa.text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
                )


class Databases:
    """Fresh copies of templates for one test; PostgreSQL copies are dropped afterwards."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._created: list[str] = []

    def clone(self, template: Template, name: str) -> str:
        """The URL of a new database holding what ``template`` holds."""
        if BACKEND == "sqlite":
            path = self.folder / f"{name}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(template.path, path)
            path.chmod(0o600)
            return f"sqlite:///{path}"
        database = f"{template.database}_{next(_numbers)}"
        with _admin().connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            connection.execute(
                sa.text(f'CREATE DATABASE "{database}" TEMPLATE "{template.database}"')
            )
        self._created.append(database)
        return _pg_url(database)

    def drop_all(self) -> None:
        if not self._created:
            return
        with _admin().connect() as connection:
            for database in self._created:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        self._created.clear()


def build_template(folder: Path, name: str) -> Template:
    """A migrated, empty template."""
    template = Template(folder, name)
    open_database(template.url).close()
    template.finish()
    return template
