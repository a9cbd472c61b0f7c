"""Name bands: a search's pages in name order read from the bands next to the cursor (see
``crm_tui.search.bands``). Bands are made small here so that a few hundred contacts fill many,
and every way contacts come and go (one at a time, in bulk, renamed, trashed, merged, an
import undone, a schema upgrade) is checked against the whole list sorted in Python."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from crm_tui.db import Database, open_database
from crm_tui.io.contact_rows import ContactValues, Labeled
from crm_tui.schemas import ContactUpdate
from crm_tui.search import bands
from crm_tui.search import index as search
from crm_tui.search import sqlite as fts
from crm_tui.services.contacts import (
    ContactQuery,
    count_contacts,
    delete_contacts,
    get_contact,
    list_contacts,
    update_contact,
)
from crm_tui.services.imports import contacts as contact_imports
from crm_tui.services.imports import import_contacts, undo_import
from crm_tui.services.merge import merge_contacts, undo_merge
from crm_tui.text import sort_key
from tests.conftest import add_contact
from tests.databases import BACKEND

FIRST = ["Sara", "Sarah", "Saeed", "Ali", "Ágnes", "Zoë", "Łucja", "سارا", "علی", "美咲", "Noor"]
LAST = ["Ahmadi", "Sanders", "Karimi", "Øberg", "Salo", "احمدی", "Brontë", "Sato"]


@pytest.fixture
def small_bands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bands, "TARGET_BAND", 4)
    monkeypatch.setattr(bands, "MAX_BAND", 10)
    monkeypatch.setattr(fts, "WINDOW_MATCHES", 8)  # a page reads a few bands, not all


def _names(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(count)]


def _expected(session: Session, query: ContactQuery) -> list[int]:
    """Every match of ``query``, sorted in Python (the list's order: name key, then id)."""
    ids = set(svc_ids(session, query))
    rows = session.execute(text("SELECT id, name FROM contact")).all()
    ordered = sorted((sort_key(name), row_id) for row_id, name in rows if row_id in ids)
    found = [row_id for _, row_id in ordered]
    return found[::-1] if query.descending else found


def svc_ids(session: Session, query: ContactQuery) -> list[int]:
    from crm_tui.services.contacts import contact_ids_matching

    return contact_ids_matching(session=session, query=query)


def _paged(session: Session, query: ContactQuery, limit: int) -> list[int]:
    """The whole list read a page at a time, forwards."""
    seen: list[int] = []
    page = list_contacts(session=session, query=query, limit=limit)
    while True:
        seen += [row.id for row in page.rows]
        if not page.has_more:
            return seen
        page = list_contacts(session=session, query=query, limit=limit, after=page.last)


def _paged_back(session: Session, query: ContactQuery, limit: int) -> list[int]:
    """The whole list read a page at a time from the end, backwards."""
    seen: list[int] = []
    page = list_contacts(session=session, query=query, limit=limit, from_end=True)
    while True:
        seen = [row.id for row in page.rows] + seen
        if not page.has_more:
            return seen
        page = list_contacts(session=session, query=query, limit=limit, before=page.first)


def _check_every_search(session: Session, searches: list[str]) -> None:
    for words in searches:
        for descending in (False, True):
            for status in (None, "customer"):
                query = ContactQuery(search=words, descending=descending, status=status)
                expected = _expected(session, query)
                assert _paged(session, query, 7) == expected, (words, descending, status)
                assert _paged_back(session, query, 5) == expected, (words, descending, status)
    assert search.check(session=session) == []
    if BACKEND == "sqlite":
        _check_band_sizes(session)


def _check_band_sizes(session: Session) -> None:
    """Each band's recorded size is the number of search rows filed under it, at most
    MAX_BAND (small bands are set up splittable)."""
    filed = dict(
        session.execute(text("SELECT rowid >> 32, count(*) FROM contact_fts GROUP BY 1")).all()
    )
    recorded = dict(session.execute(text("SELECT number, size FROM contact_band")).all())
    assert {band: size for band, size in recorded.items() if size} == filed
    assert max(filed.values(), default=0) <= bands.MAX_BAND


SEARCHES = ["s", "sa", "sara", "ahmadi", "سا", "a", "美", "zz", "salo sa"]


def _bands(session: Session) -> int:
    return session.scalar(text("SELECT count(*) FROM contact_band")) or 0


def _add_many(session: Session, names: list[str]) -> list[int]:
    ids = []
    for number, name in enumerate(names):
        status = "customer" if number % 3 == 0 else "lead"
        ids.append(add_contact(session, name, status=status, notes=f"note {number}"))
    return ids


@pytest.mark.usefixtures("small_bands")
def test_pages_of_a_search_in_name_order_are_the_sorted_matches(db: Database) -> None:
    """Contacts added one at a time split bands as they fill (moving search rows), then
    a rename, the trash, a merge and its undo each keep every page right."""
    with db.write() as session:
        ids = _add_many(session, _names(240, seed=1))
    with db.read() as session:
        if BACKEND == "sqlite":
            assert _bands(session) > 20  # split, again and again, as contacts came
        _check_every_search(session, SEARCHES)
    with db.write() as session:
        contact = get_contact(session=session, contact_id=ids[0])
        update_contact(
            session=session,
            contact_id=ids[0],
            changes=ContactUpdate(name="Zygmunt Sanders"),
            expected_version=contact.version,
        )
        delete_contacts(session=session, contact_ids=ids[10:40])
        merge_id, _ = merge_contacts(session=session, keep_id=ids[50], other_id=ids[51])
    with db.read() as session:
        found = list_contacts(session=session, query=ContactQuery(search="zygmunt")).rows
        assert [row.id for row in found] == [ids[0]]
        _check_every_search(session, [*SEARCHES, "sanders"])  # filed under its new band
        trash = ContactQuery(search="sa", trash=True)
        assert _paged(session, trash, 4) == _expected(session, trash)
    with db.write() as session:
        undo_merge(session=session, merge_id=merge_id)
    with db.read() as session:
        _check_every_search(session, SEARCHES)


@pytest.mark.usefixtures("small_bands")
def test_a_bulk_import_files_its_contacts_at_once_and_undoing_it_unfiles_them(
    db: Database,
) -> None:
    with db.write() as session:
        kept = _add_many(session, _names(30, seed=2))
    rows = [
        ContactValues(
            name=name,
            emails=[Labeled(f"i{n}@x.example", "", f"i{n}@x.example")],
            status="customer" if n % 2 else "lead",
        )
        for n, name in enumerate(_names(400, seed=3))
    ]
    with db.write() as session:
        report = import_contacts(session=session, rows=rows, source="test")
    assert report.created == 400
    with db.read() as session:
        if BACKEND == "sqlite":
            assert _bands(session) > 40
        _check_every_search(session, SEARCHES)
    with db.write() as session:
        assert report.batch_id is not None
        undo_import(session=session, batch_id=report.batch_id)
    with db.read() as session:
        assert sorted(svc_ids(session, ContactQuery())) == sorted(kept)
        _check_every_search(session, SEARCHES)
        if BACKEND == "sqlite":
            assert session.scalar(text("SELECT count(*) FROM contact_search_row")) == 30


@pytest.mark.sqlite_only
@pytest.mark.usefixtures("small_bands")
def test_an_upgrade_files_the_stored_contacts_under_bands(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """0007 on a database of search rows filed by id: bands laid out, rows moved to them."""
    from crm_tui.migrations import search_rows
    from tests.test_db import _without_name_bands

    monkeypatch.setattr(search_rows, "_TARGET_BAND", 4)  # the migration's own copy
    database = open_database(f"sqlite:///{db_path}")
    with database.write() as session:
        _add_many(session, _names(120, seed=4))
    database.close()
    _without_name_bands(db_path)
    connection = sqlite3.connect(db_path)
    assert connection.execute("SELECT max(rowid) FROM contact_fts").fetchone() == (120,)
    connection.execute("UPDATE alembic_version SET version_num = '0006'")
    connection.commit()
    connection.close()
    database = open_database(f"sqlite:///{db_path}")
    with database.read() as session:
        assert _bands(session) == 30  # 120 contacts, 4 a band
        _check_every_search(session, SEARCHES)
    database.close()


@pytest.mark.sqlite_only
def test_a_band_too_full_to_split_is_searched_as_before(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A window asking for more than WINDOW_LIMIT matches gives way to the other ways of
    searching, with the same pages."""
    with db.write() as session:
        _add_many(session, _names(60, seed=5))
    monkeypatch.setattr(fts, "WINDOW_LIMIT", 3)
    with db.read() as session:
        window = fts.contacts(session).name_window("sa", start=None, downward=False, matches=4)
        assert window is None
        _check_every_search(session, SEARCHES)


def test_a_capped_count_of_a_search_leaves_the_trash_out(db: Database) -> None:
    """The count counts matches in the index alone where that is the count of live contacts:
    with the trash empty, or more matches than the cap and the trash together."""
    with db.write() as session:
        ids = [add_contact(session, f"Sara {n}", status="customer") for n in range(10)]
        add_contact(session, "Ali Karimi")
    query = ContactQuery(search="sara")
    with db.read() as session:
        assert count_contacts(session=session, query=query, cap=5) == 6  # "more than 5"
        assert count_contacts(session=session, query=query, cap=20) == 10
    with db.write() as session:
        delete_contacts(session=session, contact_ids=ids[:6])
    with db.read() as session:
        assert count_contacts(session=session, query=query, cap=5) == 4
        assert count_contacts(session=session, query=query, cap=3) == 4  # cap + 1: more
        trash = ContactQuery(search="sara", trash=True)
        assert count_contacts(session=session, query=trash, cap=5) == 6
        leads = ContactQuery(search="sara", status="lead")
        assert count_contacts(session=session, query=leads, cap=3) == 0


@pytest.mark.usefixtures("small_bands")
@pytest.mark.parametrize("order", ["shuffled", "sorted by name"])
def test_a_first_import_lays_bands_out_from_its_first_rows(
    db: Database, monkeypatch: pytest.MonkeyPatch, order: str
) -> None:
    """Into an empty database, bands are laid out from the first rows as a sample; rows
    whose band is full wait for the end (a file sorted by name fills the last band), and
    both thresholds of what a bulk write holds back are crossed on the way."""
    monkeypatch.setattr(contact_imports, "WRITE_CHUNK", 100)
    monkeypatch.setattr(bands, "SAMPLE_FILED", 200)  # two chunks gathered
    monkeypatch.setattr(bands, "WRITE_EVERY", 150)
    monkeypatch.setattr(bands, "PENDING_LIMIT", 250)
    names = _names(700, seed=6)
    if order == "sorted by name":
        names.sort(key=sort_key)
    rows = [
        ContactValues(
            name=name,
            emails=[Labeled(f"f{n}@x.example", "", f"f{n}@x.example")],
            status="customer" if n % 3 else "lead",
        )
        for n, name in enumerate(names)
    ]
    with db.write() as session:
        assert import_contacts(session=session, rows=rows, source="test").created == 700
    with db.read() as session:
        if BACKEND == "sqlite":
            assert _bands(session) > 70
        _check_every_search(session, SEARCHES)


@pytest.mark.parametrize("chunk", [200, 40])
def test_a_first_import_of_contacts_sharing_names_files_them_as_they_come(
    db: Database, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Many contacts under a few names: the bands laid out from the first rows leave room
        for the later ids of each name, so the rows are filed as they come. (Bands laid out from
        the first rows' own ids sent every later row of a name to its last band, held back to
        the end and split then, moving the rows filed so far: 300,000 contacts under 256 names
        took 96 s to import, 100,000 took 9; here 600 of 800 rows were held back.) The bands are
    laid out from the first SAMPLE_FILED rows, however small the chunks they come in: from the
    first chunk of 40 alone, 405 rows were held back and split at the end."""
    monkeypatch.setattr(bands, "TARGET_BAND", 4)
    monkeypatch.setattr(bands, "MAX_BAND", 10)
    monkeypatch.setattr(bands, "SAMPLE_FILED", 200)
    monkeypatch.setattr(contact_imports, "WRITE_CHUNK", chunk)
    held_back: list[object] = []
    file_at_the_end = bands.NameBands.file

    def _file(self: bands.NameBands, keys: list[bands.Key]) -> dict[int, int]:
        held_back.extend(keys)
        return file_at_the_end(self, keys)

    monkeypatch.setattr(bands.NameBands, "file", _file)
    names = ["Sara Ahmadi", "سارا احمدی", "Ali Karimi", "Zoë Salo"]
    rows = [
        ContactValues(name=names[n % 4], emails=[Labeled(f"s{n}@x.example", "", f"s{n}@x.example")])
        for n in range(800)
    ]
    with db.write() as session:
        assert import_contacts(session=session, rows=rows, source="test").created == 800
    with db.read() as session:
        _check_every_search(session, SEARCHES)
    if BACKEND == "sqlite":
        assert len(held_back) < 40
