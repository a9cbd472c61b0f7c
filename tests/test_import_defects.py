"""Imports that lost or refused data they should have read: long cells in crm's own CSV,
JSON keys, bundles that do not match their manifest, Google's custom field pairs, vCard
values ending in a backslash, and files that are streams (stdin, a named pipe)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from crm_tui.io.json_contacts import KNOWN_KEYS
from crm_tui.schemas import ContactCreate, ContactRead
from crm_tui.services.contacts import create_contact
from tests.databases import Databases, Template
from tests.test_import_export import by_name, contacts, crm


def _write(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


def _one_line_error(err: str) -> str:
    """The error a command printed: one line, no traceback."""
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# -- 1. crm's own CSV with a long note --------------------------------------------------------


@pytest.mark.parametrize("size", [70_000, 1_100_000])
def test_a_long_note_round_trips_through_crms_own_csv(
    db_url: str, databases: Databases, migrated_template: Template, tmp_path: Path, size: int
) -> None:
    """A note of 64 KB or more cut the header sniffing's sample inside its row: the header
    was taken for a preamble and the note's row for the header ("no column holds a name")."""
    from crm_tui.db import open_database

    piece = 'Line, with "quotes"; ünïcode, مریم\n'
    note = (piece * (size // len(piece) + 1))[:size].strip()
    database = open_database(db_url)
    with database.write() as session:
        create_contact(
            session=session,
            data=ContactCreate.build(
                name="Big Note", emails=[{"value": "big@x.example"}], notes=note
            ),
        )
        create_contact(
            session=session,
            data=ContactCreate.build(name="After", emails=[{"value": "after@x.example"}]),
        )
    database.close()
    exported = tmp_path / "contacts.csv"
    assert crm(db_url, "export", "contacts", "-o", str(exported))[0] == 0
    fresh = databases.clone(migrated_template, "fresh")
    code, out, err = crm(fresh, "import", "contacts", str(exported))
    assert code == 0 and "created 2" in out, err[:300]
    people = by_name(fresh)
    assert people["Big Note"]["notes"] == note
    assert people["After"]["notes"] == ""


def test_an_error_quotes_only_an_excerpt_of_a_long_cell(db_url: str, tmp_path: Path) -> None:
    long_cell = "x" * 100_000
    source = _write(tmp_path / "bad.csv", f"name,email\nAna,{long_cell}\n")
    code, _, err = crm(db_url, "import", "contacts", str(source))
    line = next(line for line in err.splitlines() if "line 2" in line)
    assert code == 1 and "not a valid email address" in line
    assert "x" * 60 + "…" in line and len(line) < 300


def test_a_card_error_quotes_only_an_excerpt(db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "long.vcf"
    source.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:One\r\nEMAIL:" + "q" * 100_000 + "\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Two\r\nBROKEN" + "z" * 100_000 + "\r\nEND:VCARD\r\n",
        "utf-8",
    )
    code, _, err = crm(db_url, "import", "contacts", str(source))
    first, second = (line for line in err.splitlines() if "card " in line)
    assert code == 1 and "q" * 60 + "…" in first and "must have an @-sign" in first
    assert "Failed to parse line" in second and "z" * 60 in second
    assert len(first) < 400 and len(second) < 400


def test_a_header_without_a_name_quotes_its_columns_shortened(db_url: str, tmp_path: Path) -> None:
    source = _write(tmp_path / "odd.csv", f"Foo,{'y' * 100_000}\n1,2\n")
    code, _, err = crm(db_url, "import", "contacts", str(source))
    message = _one_line_error(err)
    assert code == 1 and "no column holds a name, email or phone" in message
    assert "y" * 60 + "…" in message and len(message) < 400


# -- 2. JSON ------------------------------------------------------------------------------------


def test_json_single_email_and_phone_and_unknown_keys_are_kept(db_url: str, tmp_path: Path) -> None:
    items = [
        {
            "name": "Ana",
            "email": "ana@x.example",
            "phone": "+49 30 1234567",
            "Referral": "Bob",
            "score": 7,
            "vip": True,
            "extra": {"seen": [1, 2]},
            "custom": {"Size": "L"},
        },
        {
            "name": "Ben",
            "email": "b2@x.example",
            "emails": ["ben@x.example", {"value": "b2@x.example", "label": "work"}],
            "tags": ["a", "b"],
        },
    ]
    source = _write(tmp_path / "people.json", json.dumps(items))
    code, out, err = crm(db_url, "import", "contacts", str(source))
    assert code == 0 and "created 2" in out, err
    people: dict[str, Any] = by_name(db_url)
    ana, ben = people["Ana"], people["Ben"]
    assert [e["value"] for e in ana["emails"]] == ["ana@x.example"]
    assert [p["value"] for p in ana["phones"]] == ["+49 30 1234567"]
    assert ana["custom"] == {
        "Referral": "Bob",
        "score": "7",
        "vip": "true",
        "extra": '{"seen": [1, 2]}',
        "Size": "L",
    }
    # "email" is the primary one: first, with the label the list gives it.
    assert ben["emails"] == [
        {"value": "b2@x.example", "label": "work"},
        {"value": "ben@x.example", "label": ""},
    ]


def test_crms_own_json_export_reads_back_without_made_up_custom_fields(
    db_url: str, databases: Databases, migrated_template: Template, tmp_path: Path
) -> None:
    assert set(ContactRead.model_fields) <= KNOWN_KEYS  # every key the export writes
    crm(db_url, "contacts", "add", "Sara", "--email", "s@x.example", "--field", "Size=M")
    exported = tmp_path / "all.json"
    assert crm(db_url, "export", "contacts", "-o", str(exported))[0] == 0
    fresh = databases.clone(migrated_template, "fresh")
    code, out, err = crm(fresh, "import", "contacts", str(exported))
    assert code == 0 and "created 1" in out, err
    assert by_name(fresh)["Sara"]["custom"] == {"Size": "M"}


def test_json_errors_name_the_line_in_plain_words(db_url: str, tmp_path: Path) -> None:
    source = _write(
        tmp_path / "mixed.json",
        '[\n  {"name": "Ana"},\n  3,\n  {"name": "Ben", "tags": {"x": 1}},\n'
        '  {"name": "Cy", "email": "not-an-email"},\n  {"name": ["a"]}\n]\n',
    )
    code, _, err = crm(db_url, "import", "contacts", str(source))
    assert code == 1 and contacts(db_url) == []
    assert f"{source}: line 3: expected an object for a contact, got a number" in err
    assert f"{source}: line 4: tags: expected a list of tags, got an object" in err
    assert f"{source}: line 5: email: not a valid email address: 'not-an-email'" in err
    assert f"{source}: line 6: name: expected text, got a list" in err
    assert "object has no attribute" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b'[{"name": "Ana"},\n {"name": "Ben"}\n {"name": "Cy"}]',
            "line 3 column 2: not valid JSON",
        ),
        (b'[{"name": "Ana",}]', "line 1 column 17: not valid JSON"),
        (b'[{"name": "Caf\xe9"}]', "line 1: not UTF-8 text (byte 0xe9)"),
        (b'{"name": "Ana"}', "expected a JSON array of contacts"),
    ],
)
def test_a_json_file_that_cannot_be_read_is_one_clear_line(
    db_url: str, tmp_path: Path, content: bytes, expected: str
) -> None:
    source = tmp_path / "broken.json"
    source.write_bytes(content)
    code, _, err = crm(db_url, "import", "contacts", str(source))
    assert code == 1 and expected in _one_line_error(err)


# -- 3. bundles -------------------------------------------------------------------------------


@pytest.fixture
def bundle(demo_url: str, tmp_path: Path) -> Path:
    folder = tmp_path / "bundle"
    assert crm(demo_url, "export", "all", "-o", str(folder))[0] == 0
    return folder


def _refused(db_url: str, folder: Path) -> str:
    code, out, err = crm(db_url, "import", "all", str(folder))
    assert code == 1 and out == "", (code, out, err)
    assert contacts(db_url) == []  # nothing written
    return _one_line_error(err)


def _drop_checksums(folder: Path) -> None:
    """As a bundle made before checksums were added."""
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    manifest.pop("sha256", None)
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")


def test_the_manifest_holds_a_checksum_of_each_file(bundle: Path) -> None:
    manifest = json.loads((bundle / "manifest.json").read_text("utf-8"))
    assert set(manifest["sha256"]) == set(manifest["tables"])
    for table, digest in manifest["sha256"].items():
        assert hashlib.sha256((bundle / f"{table}.jsonl").read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("checksums", [True, False])
def test_a_table_file_with_lines_missing_is_refused(
    bundle: Path, db_url: str, checksums: bool
) -> None:
    if not checksums:
        _drop_checksums(bundle)
    path = bundle / "contact_email.jsonl"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-2]), "utf-8")
    message = _refused(db_url, bundle)
    assert str(path) in message and f"{len(lines) - 2} rows where the manifest says" in message


def test_an_emptied_table_file_is_refused(bundle: Path, db_url: str) -> None:
    path = bundle / "interaction.jsonl"
    path.write_text("", "utf-8")
    message = _refused(db_url, bundle)
    assert str(path) in message and "0 rows where the manifest says" in message


def test_a_missing_table_file_is_named(bundle: Path, db_url: str) -> None:
    (bundle / "contact.jsonl").unlink()
    message = _refused(db_url, bundle)
    assert "contact.jsonl is missing" in message and "FOREIGN KEY" not in message


def test_a_file_changed_since_the_export_is_refused(bundle: Path, db_url: str) -> None:
    path = bundle / "contact.jsonl"
    text = path.read_text("utf-8")
    path.write_text(text.replace('"status": "lead"', '"status": "customer"', 1), "utf-8")
    assert path.read_text("utf-8") != text
    message = _refused(db_url, bundle)
    assert str(path) in message and "SHA-256" in message


def test_a_row_without_its_columns_is_named_by_file_and_line(bundle: Path, db_url: str) -> None:
    _drop_checksums(bundle)  # else the checksum refuses the edited file first
    path = bundle / "tag.jsonl"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    row = json.loads(lines[1])
    del row["name"]
    lines[1] = json.dumps(row) + "\n"
    path.write_text("".join(lines), "utf-8")
    message = _refused(db_url, bundle)
    assert f"{path}: line 2: missing name" in message and "KeyError" not in message


def test_a_bundle_without_checksums_still_imports(bundle: Path, db_url: str) -> None:
    _drop_checksums(bundle)
    code, out, err = crm(db_url, "import", "all", str(bundle))
    from crm_tui.services.bundle import TABLES

    assert code == 0 and f"rows in {len(TABLES)} tables" in out, err
    assert contacts(db_url) != []


# -- 4. Google's custom field pairs -------------------------------------------------------------


def test_google_custom_field_pairs_are_one_field_named_by_the_label(
    db_url: str, tmp_path: Path
) -> None:
    source = _write(
        tmp_path / "google.csv",
        "First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Labels,"
        "Custom Field 1 - Label,Custom Field 1 - Value,"
        "Custom Field 2 - Label,Custom Field 2 - Value\n"
        "Sara,Ahmadi,* Work,sara@x.example,* myContacts,Referral,Bob,Contract,2025\n"
        "Li,Wei,,li@x.example,,Contract,2024,,\n"
        "No,Label,,no@x.example,,,orphan,,\n",
    )
    code, out, err = crm(db_url, "import", "contacts", str(source))
    assert code == 0 and "created 3" in out, err
    people = by_name(db_url)
    assert people["Sara Ahmadi"]["custom"] == {"Referral": "Bob", "Contract": "2025"}
    assert people["Li Wei"]["custom"] == {"Contract": "2024"}
    assert people["No Label"]["custom"] == {"Custom Field 1": "orphan"}


# -- 5. vCard --------------------------------------------------------------------------------------


def test_a_vcard_value_ending_in_a_backslash_keeps_it(db_url: str, tmp_path: Path) -> None:
    source = tmp_path / "win.vcf"
    source.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Win User\r\n"
        b"NOTE:C:\\temp\\\r\n"  # a lone backslash at the end: escapes nothing
        b"X-CRM-SOURCE:escaped\\\\\r\n"  # an escaped one: one backslash
        b"TITLE:fold\\\r\n ed\r\n"  # a backslash before a folded line is inside the value
        b"END:VCARD\r\n"
    )
    code, out, err = crm(db_url, "import", "contacts", str(source))
    assert code == 0 and "created 1" in out, err
    person = by_name(db_url)["Win User"]
    assert person["notes"] == "C:\\temp\\"
    assert person["source"] == "escaped\\"
    assert person["title"] == "fold\\ed"


# -- 6. streams ----------------------------------------------------------------------------------


def _crm_process(db_url: str, *args: str, tmp: Path, **options: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TMPDIR": str(tmp)}
    command = [sys.executable, "-m", "crm_tui", "--db", db_url, *args]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **options
    )  # type: ignore[call-overload]


@pytest.mark.parametrize("name", ["/dev/stdin", "-"])
def test_contacts_piped_into_stdin_are_imported(db_url: str, tmp_path: Path, name: str) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = _crm_process(
        db_url, "import", "contacts", name, "--skip-bad", tmp=scratch, stdin=subprocess.PIPE
    )
    out, err = process.communicate(b"name,email\nAna,ana@x.example\nBad,bad\n", timeout=60)
    assert process.returncode == 3, err
    assert out.decode().strip() == "created 1, updated 0, skipped 0, rejected 1 (batch #1)"
    assert err.decode().startswith("crm: <stdin>: line 3:" if name == "-" else f"crm: {name}:")
    assert [c["name"] for c in contacts(db_url)] == ["Ana"]
    assert list(scratch.iterdir()) == []  # the private copy is gone


def test_contacts_from_a_named_pipe_are_imported(db_url: str, tmp_path: Path) -> None:
    fifo = tmp_path / "contacts.csv"
    os.mkfifo(fifo)
    scratch = tmp_path / "tmp"
    scratch.mkdir()

    def write() -> None:
        with fifo.open("w", encoding="utf-8") as pipe:
            pipe.write("name,email\nAna,ana@x.example\n")

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    process = _crm_process(db_url, "import", "contacts", str(fifo), tmp=scratch)
    try:
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    writer.join(5)
    assert process.returncode == 0, err
    assert b"created 1" in out and [c["name"] for c in contacts(db_url)] == ["Ana"]
    assert list(scratch.iterdir()) == []


def _limit_memory() -> None:
    """A ceiling for the process: reading /dev/zero whole must fail, not fill the machine."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def test_a_device_that_is_not_a_stream_is_refused(db_url: str, tmp_path: Path) -> None:
    process = _crm_process(
        db_url, "import", "contacts", "/dev/zero", tmp=tmp_path, preexec_fn=_limit_memory
    )
    try:
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    message = _one_line_error(err.decode())
    assert process.returncode == 1 and "/dev/zero is a device, not a file" in message


def test_a_missing_file_is_still_a_usage_error(db_url: str, tmp_path: Path) -> None:
    code, _, err = crm(db_url, "import", "contacts", str(tmp_path / "nothere.csv"))
    assert code == 2 and "does not exist" in err
