"""An import's memory of the keys it took: past MEMORY_LIMIT they move to a temporary file,
and the file's rows are told apart the same (duplicates of earlier rows, across chunks, by
email, by phone or by name, as in memory)."""

from __future__ import annotations

import pytest

from crm_tui.db import Database
from crm_tui.io.contact_rows import ContactValues, Labeled
from crm_tui.services.contacts import ContactQuery, list_contacts
from crm_tui.services.imports import contacts as contact_imports
from crm_tui.services.imports import import_contacts, taken


def _rows() -> list[ContactValues]:
    rows = []
    for n in range(120):
        email = f"p{n % 70}@x.example"  # rows 70 on repeat earlier emails
        rows.append(ContactValues(name=f"P {n}", emails=[Labeled(email, "", email)]))
    for n in range(30):  # no email: matched on their phone, repeats among them
        phone = f"+4930{n % 20:07d}"
        rows.append(ContactValues(name=f"Q {n}", phones=[Labeled(phone, "", phone)]))
    for n in range(10):  # neither: matched on the name
        rows.append(ContactValues(name=f"R {n % 6}"))
    return rows


def _imported(db: Database) -> tuple[int, int, list[str]]:
    with db.write() as session:
        report = import_contacts(session=session, rows=_rows(), source="test")
    with db.read() as session:
        names = [
            row.name for row in list_contacts(session=session, query=ContactQuery(), limit=500).rows
        ]
    return report.created, report.skipped, names


@pytest.mark.parametrize("limit", [10**9, 25], ids=["in memory", "in a file"])
def test_the_keys_taken_are_told_apart_in_memory_and_in_a_file(
    db: Database, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    monkeypatch.setattr(contact_imports, "WRITE_CHUNK", 40)
    monkeypatch.setattr(taken, "MEMORY_LIMIT", limit)
    filed: list[bool] = []
    end_chunk = taken.TakenKeys.end_chunk

    def spy(self: taken.TakenKeys) -> None:
        end_chunk(self)
        filed.append(self.file is not None)

    monkeypatch.setattr(taken.TakenKeys, "end_chunk", spy)
    created, skipped, names = _imported(db)
    assert (created, skipped) == (70 + 20 + 6, 50 + 10 + 4)
    assert len(names) == 96 and "P 69" in names and "P 70" not in names
    assert "Q 19" in names and "Q 20" not in names and "R 5" in names
    assert any(filed) is (limit == 25)
