"""Property tests: CSV, JSON and vCard exports read back into the same contacts, for any
Unicode (right-to-left text, quotes, commas, semicolons, newlines in notes), and no CSV cell
ever starts a formula."""

from __future__ import annotations

import csv
import io
import string
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from crm_tui.db import open_database
from crm_tui.io.contact_rows import FORMULA_STARTS, RowReader
from crm_tui.io.csv_reader import parse_csv
from crm_tui.io.json_contacts import json_contacts
from crm_tui.io.profiles import column_map
from crm_tui.io.vcard import vcard, vcard_contacts
from crm_tui.io.writers import write_csv, write_json
from crm_tui.models import Contact
from crm_tui.schemas import ContactCreate, ContactRead
from crm_tui.services import exports
from crm_tui.services.contacts import create_contact, read_contacts
from crm_tui.services.imports import Match, import_contacts
from tests.databases import BACKEND, Databases, Template

# Any printable text, Persian/Arabic/CJK included, but no control characters (the services
# drop them) and no leading/trailing space (they are trimmed).
_CHARS = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"))
TEXT = st.text(_CHARS, max_size=20).map(str.strip)
LINE = TEXT.filter(bool)
NOTES = st.lists(TEXT, max_size=3).map("\n".join).map(str.strip)
RTL = st.sampled_from(["مریم رضایی", "علی‌رضا", "شرکت «نوآوران»", "مؤسسة النور", "王小明"])
FORMULA = st.sampled_from(["=1+1", "+98 912", "-5", "@SUM(A1)", "'quoted", '=HYPERLINK("x")'])
TAG = (
    st.text(_CHARS.filter(lambda c: c not in ",;"), min_size=1, max_size=12)
    .map(lambda t: " ".join(t.split()))
    .filter(bool)
)
KEY = st.text(_CHARS, min_size=1, max_size=12).map(lambda t: " ".join(t.split())).filter(bool)
LOCAL = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=10)
EMAIL = st.builds(lambda a, b: f"{a}@{b}.example", LOCAL, LOCAL)
PHONE = st.builds(lambda n: f"+49 30 {n}", st.integers(1_000_000, 9_999_999).map(str))
LABEL = st.sampled_from(["", "work", "home", "mobile"])


@st.composite
def contacts(draw: Any) -> dict[str, Any]:
    emails = draw(st.lists(EMAIL, max_size=3, unique=True))
    phones = draw(st.lists(PHONE, max_size=2, unique=True))
    tags = draw(st.lists(TAG, max_size=3, unique_by=str.casefold))
    return {
        "name": draw(st.one_of(LINE, RTL, FORMULA)),
        "first_name": draw(st.one_of(TEXT, RTL)),
        "last_name": draw(TEXT),
        "organization": draw(st.one_of(TEXT, RTL, FORMULA)),
        "title": draw(TEXT),
        "emails": [{"value": e, "label": draw(LABEL)} for e in emails],
        "phones": [{"value": p, "label": draw(LABEL)} for p in phones],
        "tags": tags,
        "custom": draw(st.dictionaries(KEY, st.one_of(LINE, FORMULA), max_size=3)),
        "notes": draw(st.one_of(NOTES, FORMULA)),
        "address": draw(TEXT),
        "website": draw(TEXT),
        "source": draw(TEXT),
        "status": draw(st.sampled_from(["lead", "prospect", "customer", "inactive"])),
        "birthday": draw(st.one_of(st.none(), st.dates(date(1900, 1, 1), date(2030, 1, 1)))),
    }


COMPARED = [
    "name",
    "first_name",
    "last_name",
    "organization",
    "title",
    "emails",
    "phones",
    "tags",
    "custom",
    "notes",
    "address",
    "website",
    "source",
    "status",
    "birthday",
]


def _shape(contact: ContactRead) -> dict[str, Any]:
    data = contact.model_dump(include=set(COMPARED))
    data["tags"] = sorted(data["tags"], key=str.casefold)
    return data


def _stored(databases: Databases, template: Template, people: list[dict[str, Any]]) -> str:
    """A new database holding ``people``; returns its URL."""
    url = databases.clone(template, "source")
    database = open_database(url)
    with database.write() as session:
        for person in people:
            create_contact(session=session, data=ContactCreate.build(**person))
    database.close()
    return url


def _read_all(url: str) -> list[ContactRead]:
    database = open_database(url)
    with database.read() as session:
        found = read_contacts(
            session=session, ids=list(session.scalars(select(Contact.id).order_by("id")))
        )
    database.close()
    return found


def _imported(databases: Databases, template: Template, rows: list[Any]) -> list[ContactRead]:
    url = databases.clone(template, "target")
    database = open_database(url)
    with database.write() as session:
        report = import_contacts(session=session, rows=rows, source="test", match=Match.NONE)
        assert not report.errors, [e.reason for e in report.errors]
    database.close()
    return _read_all(url)


def _csv_text(url: str) -> str:
    database = open_database(url)
    out = io.StringIO()
    with database.read() as session:
        header, emails, phones, keys = exports.contact_csv_header(session=session)
        write_csv(
            out,
            header,
            exports.contact_csv_rows(session=session, emails=emails, phones=phones, keys=keys),
        )
    database.close()
    return out.getvalue()


SETTINGS = settings(
    # The formats are the same code on both databases; what PostgreSQL adds is storing the
    # generated text, for which fewer examples do (each clones two databases there: 0.3 s).
    max_examples=25 if BACKEND == "sqlite" else 10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(people=st.lists(contacts(), min_size=1, max_size=4))
def test_csv_round_trip_and_no_formulas(
    people: list[dict[str, Any]], databases: Databases, migrated_template: Template
) -> None:
    source_url = _stored(databases, migrated_template, people)
    stored = _read_all(source_url)
    text = _csv_text(source_url)
    for row in list(csv.reader(io.StringIO(text)))[1:]:
        assert all(not cell or cell[0] not in FORMULA_STARTS - {"'"} for cell in row)
    source = parse_csv(text.encode("utf-8"))
    mapping = column_map(source.header)
    assert mapping.profile == "crm"
    reader = RowReader(source.header, mapping)
    rows = [reader.read(r.line, r.cells) for r in source.records()]  # type: ignore[union-attr]
    imported = _imported(databases, migrated_template, rows)
    assert [_shape(c) for c in imported] == [_shape(c) for c in stored]


@SETTINGS
@given(people=st.lists(contacts(), min_size=1, max_size=4))
def test_json_round_trip(
    people: list[dict[str, Any]],
    databases: Databases,
    migrated_template: Template,
    tmp_path: Path,
) -> None:
    stored = _read_all(_stored(databases, migrated_template, people))
    path = tmp_path / "contacts.json"
    with path.open("w", encoding="utf-8") as out:
        write_json(out, stored)
    imported = _imported(databases, migrated_template, list(json_contacts(path)[1]))
    assert [_shape(c) for c in imported] == [_shape(c) for c in stored]


@SETTINGS
@given(people=st.lists(contacts(), min_size=1, max_size=4))
def test_vcard_round_trip(
    people: list[dict[str, Any]],
    databases: Databases,
    migrated_template: Template,
    tmp_path: Path,
) -> None:
    stored = _read_all(_stored(databases, migrated_template, people))
    path = tmp_path / "contacts.vcf"
    path.write_bytes("".join(vcard(c) for c in stored).encode("utf-8"))
    imported = _imported(databases, migrated_template, list(vcard_contacts(path)[1]))
    assert [_shape(c) for c in imported] == [_shape(c) for c in stored]
