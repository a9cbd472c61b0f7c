"""Fixtures: every test gets its own database, config and data dirs under tmp_path.

A migrated empty database (and a demo one) is built once per session and copied for each
test, so tests run against real, fully migrated databases without paying for Alembic each
time. SQLite by default; ``CRM_TEST_POSTGRES=URL`` runs the same tests on PostgreSQL.
"""

from __future__ import annotations

import inspect
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from hypothesis import settings
from sqlmodel import Session

from crm_tui import bidi, display
from crm_tui.config import sqlite_path
from crm_tui.db import Database, open_database
from crm_tui.schemas import ContactCreate
from crm_tui.services.contacts import create_contact
from tests.databases import BACKEND, Databases, Template, build_template

FIXED_TODAY = date(2026, 11, 20)  # a Friday

# Tests never fail on timing: a property test's example slowed by a busy machine is no defect.
settings.register_profile("crm", deadline=None)
settings.load_profile("crm")

# Screens show local times: pin the zone so snapshots and assertions match on any machine.
os.environ["TZ"] = "UTC"
time.tzset()


@pytest.fixture
def local_zone() -> Iterator[Callable[[str], None]]:
    """Switch the process to another local time zone for the rest of the test."""

    def switch(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield switch
    switch("UTC")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's config, data dir or database."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("CRM_USER", "tester")
    monkeypatch.delenv("CRM_DB", raising=False)
    monkeypatch.delenv("CRM_DEBUG", raising=False)
    monkeypatch.delenv("CRM_CALENDAR", raising=False)
    monkeypatch.delenv("CRM_DIGITS", raising=False)
    monkeypatch.delenv("CRM_BIDI", raising=False)
    display.use(display.Display())  # a test that chose Jalali or Persian digits chose for itself
    bidi.use(False)  # and one that had crm lay out right-to-left text


def in_mount_namespace(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the shell ``script`` (with ``args`` as $1…) as root of a user and mount namespace
    of its own, where it may mount a tmpfs that nothing outside sees (a full or read-only
    disk, gone with the process). The script exits 97 when it cannot mount; the test is
    skipped then, and where ``unshare`` is missing or refused."""
    try:
        done = subprocess.run(
            ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except FileNotFoundError:
        pytest.skip("needs unshare (util-linux)")
    if done.returncode == 97 or done.stderr.startswith("unshare:"):
        pytest.skip(f"cannot mount a tmpfs in a mount namespace here: {done.stderr.strip()}")
    return done


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, leave out the tests about SQLite files and the screens' Pilot tests
    (they run in the SQLite run): a screen reaches the database only through the services,
    whose tests run on both, so on PostgreSQL a Pilot test would repeat the SQLite one
    through the same services, at about half of the PostgreSQL run's time. Pilot tests of
    what teammates sharing a server see (marked ``postgres_too``) run on both. A test that
    opens no database at all (parsing, formatting, layout) would only repeat itself."""
    if BACKEND == "sqlite":
        return
    kept, left_out = [], []
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        pilot = (
            inspect.iscoroutinefunction(getattr(item, "obj", None)) or "snap_compare" in fixtures
        )
        left = "db_path" in fixtures or item.get_closest_marker("sqlite_only") is not None
        left = left or not {"databases", "migrated_template"} & set(fixtures)
        left = left or (pilot and item.get_closest_marker("postgres_too") is None)
        (left_out if left else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    template = build_template(tmp_path_factory.mktemp("template"), "template")
    yield template
    template.drop()


@pytest.fixture
def databases(tmp_path: Path) -> Iterator[Databases]:
    """Fresh databases for this test (see tests/databases.py), dropped afterwards."""
    found = Databases(tmp_path)
    yield found
    found.drop_all()


@pytest.fixture
def db_url(databases: Databases, migrated_template: Template) -> str:
    """The URL of a migrated, empty database of the backend under test."""
    return databases.clone(migrated_template, "crm")


@pytest.fixture
def db_path(db_url: str) -> Path:
    """The SQLite file behind ``db_url`` (tests asking for it run on SQLite only)."""
    path = sqlite_path(db_url)
    assert path is not None
    return path


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.close()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """A write session committed at the end of the test (for service tests)."""
    with db.write() as session:
        yield session


def add_contact(session: Session, name: str, **values: object) -> int:
    """Create a contact from keyword arguments; returns its id."""
    return create_contact(session=session, data=ContactCreate.build(name=name, **values)).id


@pytest.fixture(scope="session")
def demo_template(
    tmp_path_factory: pytest.TempPathFactory, migrated_template: Template
) -> Iterator[Template]:
    """A demo database (60 contacts) built once, dated around FIXED_TODAY."""
    from crm_tui.services.demo import build_demo

    template = build_template(tmp_path_factory.mktemp("demo"), "demo")
    database = open_database(template.url)
    with database.write() as session:
        build_demo(session=session, today=FIXED_TODAY)
    database.close()
    template.finish()
    yield template
    template.drop()


@pytest.fixture
def demo_url(databases: Databases, demo_template: Template) -> str:
    return databases.clone(demo_template, "demo")


@pytest.fixture
def demo_db(demo_url: str) -> Iterator[Database]:
    database = open_database(demo_url)
    yield database
    database.close()


@contextmanager
def ctrl_c_after_each_commit() -> Iterator[None]:
    """Ctrl-C lands just after every commit of the block (the moment a command used to
    report "nothing was changed" over saved work)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session as OrmSession

    def interrupt(_session: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)

    # As from a terminal: CI runs the suites as a script's background jobs, which start with
    # Ctrl-C ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    event.listen(OrmSession, "after_commit", interrupt)
    try:
        yield
    finally:
        event.remove(OrmSession, "after_commit", interrupt)
        signal.signal(signal.SIGINT, previous)
