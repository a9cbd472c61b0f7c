"""Fixtures: every test gets its own SQLite file, config and data dirs under tmp_path.

A migrated empty database is built once per session and copied for each test, so tests
run against real, fully migrated SQLite files without paying for Alembic each time.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from crm_tui.db import Database, open_database
from crm_tui.schemas import ContactCreate
from crm_tui.services.contacts import create_contact

FIXED_TODAY = date(2026, 11, 20)  # a Friday

# Screens show local times: pin the zone so snapshots and assertions match on any machine.
os.environ["TZ"] = "UTC"
time.tzset()


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's config, data dir or database."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("CRM_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("CRM_USER", "tester")
    monkeypatch.delenv("CRM_DB", raising=False)
    monkeypatch.delenv("CRM_DEBUG", raising=False)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    open_database(f"sqlite:///{path}").close()
    return path


@pytest.fixture
def db_path(tmp_path: Path, migrated_template: Path) -> Path:
    path = tmp_path / "crm.db"
    shutil.copyfile(migrated_template, path)
    path.chmod(0o600)
    return path


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{db_path}")
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
def demo_template(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Path:
    """A demo database (60 contacts) built once, dated around FIXED_TODAY."""
    from crm_tui.services.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copyfile(migrated_template, path)
    database = open_database(f"sqlite:///{path}")
    with database.write() as session:
        build_demo(session=session, today=FIXED_TODAY)
    database.close()
    return path


@pytest.fixture
def demo_db(tmp_path: Path, demo_template: Path) -> Iterator[Database]:
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    path.chmod(0o600)
    database = open_database(f"sqlite:///{path}")
    yield database
    database.close()
