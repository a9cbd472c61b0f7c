"""Import and export: the shared samples, safety (all or nothing, dry run, undo), round trips."""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlmodel import col

from crm_tui.cli import app
from crm_tui.db import open_database
from crm_tui.errors import ValidationError
from crm_tui.io.contact_rows import ContactValues, Directory
from crm_tui.models import Deal
from crm_tui.records import contact_columns
from crm_tui.rollups import read as rollups
from crm_tui.rollups.tables import ClosedDealDay
from crm_tui.services.contacts import ContactQuery, list_contacts, read_contacts
from tests.cli_runner import CliRunner
from tests.conftest import ctrl_c_after_each_commit

SAMPLES = Path(__file__).resolve().parent / "data" / "samples"  # copies of shared/samples
runner = CliRunner()


def crm(db_url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db_url, *args])
    return result.exit_code, result.stdout, result.stderr


def contacts(db_url: str) -> list[dict[str, object]]:
    code, out, err = crm(db_url, "contacts", "list", "--json", "--limit", "0")
    assert code == 0, err
    return json.loads(out)


def by_name(db_url: str) -> dict[str, dict[str, object]]:
    return {str(c["name"]): c for c in contacts(db_url)}


def sample(name: str) -> Path:
    return SAMPLES / name


# -- the shared samples, as their README says ---------------------------------------------------


def test_google_contacts(db_url: str) -> None:
    code, out, _ = crm(db_url, "import", "contacts", str(sample("google_contacts.csv")))
    assert code == 0 and "created 3" in out
    people = by_name(db_url)
    sara = people["Sara Ahmadi"]
    assert [e["value"] for e in sara["emails"]] == [  # type: ignore[index]
        "sara@ahmadi-design.example",
        "sara.ahmadi@mail.example",
    ]
    assert sara["tags"] == ["Clients"]
    assert sara["notes"] == "Met at the Tehran expo.\nWants a quote for Q3."
    assert people["Jonas Müller"]["birthday"] == "1984-03-09"
    assert people["Li Wei"]["website"] == "https://liwei.example"


def test_outlook_cp1252(db_url: str) -> None:
    code, out, _ = crm(db_url, "import", "contacts", str(sample("outlook_contacts.csv")))
    assert code == 0 and "created 2" in out
    people = by_name(db_url)
    assert len(people["Chloé Dubois"]["emails"]) == 2  # type: ignore[arg-type]
    assert people["José García"]["organization"] == "García Imports S.L."
    assert people["José García"]["tags"] == ["Suppliers"]


def test_linkedin_preamble(db_url: str) -> None:
    code, out, _ = crm(db_url, "import", "contacts", str(sample("linkedin_connections.csv")))
    assert code == 0 and "created 2" in out
    people = by_name(db_url)
    assert people["Amina Okafor"]["emails"] == []
    assert people["Daniel Kim"]["email"] == "daniel.kim@mail.example"
    assert people["Daniel Kim"]["title"] == "Partner"


def test_excel_semicolons_and_custom_fields(db_url: str, tmp_path: Path) -> None:
    code, _, _ = crm(db_url, "import", "contacts", str(sample("excel_semicolon_cp1252.csv")))
    assert code == 0
    renee = by_name(db_url)["Renée Lefèvre"]
    assert renee["custom"] == {"Stadt": "Lyon"}
    assert renee["notes"] == "Rabatt 10%; Zahlung 30 Tage"
    other = tmp_path / "mapped.db"
    code, _, _ = crm(
        other,
        "import",
        "contacts",
        str(sample("excel_semicolon_cp1252.csv")),
        "--map",
        "Stadt=address",
    )
    assert code == 0
    assert by_name(other)["Renée Lefèvre"]["address"] == "Lyon"


def test_persian_text_unchanged_and_searchable(db_url: str) -> None:
    raw = sample("persian_contacts.csv").read_text("utf-8")
    code, _, _ = crm(db_url, "import", "contacts", str(sample("persian_contacts.csv")))
    assert code == 0
    people = by_name(db_url)
    assert set(people) == {"مریم رضایی", "علی کریمی"}
    assert people["مریم رضایی"]["phone"] in raw
    code, out, _ = crm(db_url, "contacts", "list", "--json", "--search", "رضایی")
    assert [c["name"] for c in json.loads(out)] == ["مریم رضایی"]
    code, out, _ = crm(db_url, "contacts", "list", "--json", "--search", "ویژه")
    assert [c["name"] for c in json.loads(out)] == [], "tags column: 'vip', not Persian"


def test_bad_rows_all_or_nothing_then_skip_bad(db_url: str, tmp_path: Path) -> None:
    path = sample("bad_rows.csv")
    code, out, err = crm(db_url, "import", "contacts", str(path))
    assert code == 1
    assert contacts(db_url) == []
    assert out.strip() == "nothing written: would have created 2, updated 0, skipped 0, rejected 4"
    for line in (3, 4, 6, 7):
        assert f"line {line}:" in err
    assert "not a valid email address" in err and "never closed" in err
    rejects = tmp_path / "rejects.csv"
    code, out, err = crm(
        db_url, "import", "contacts", str(path), "--skip-bad", "--rejects", str(rejects)
    )
    assert code == 3
    assert out.startswith("created 2, updated 0, skipped 0, rejected 4 (batch #")
    assert sorted(str(c["name"]) for c in contacts(db_url)) == ["Good One", "Good Two"]
    rows = list(csv.reader(rejects.open(encoding="utf-8")))
    assert rows[0][:2] == ["line", "reason"]
    assert [row[0] for row in rows[1:]] == ["3", "4", "6", "7"]


def test_vcard_3_and_4(db_url: str) -> None:
    code, out, _ = crm(db_url, "import", "contacts", str(sample("contacts.vcf")))
    assert code == 0 and "created 2" in out
    people = by_name(db_url)
    hana, kofi = people["Hana Novak"], people["Kofi Mensah"]
    assert hana["notes"] == "Line one\nLine two, with comma"
    assert hana["organization"] == "Novak Studio"
    assert kofi["phones"] == [{"value": "+233-30-555-0199", "label": "work"}]
    assert sorted(kofi["tags"]) == ["clients", "ghana"]  # type: ignore[arg-type]


# -- matching, dry run, undo ------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_importing_the_same_file_twice_changes_nothing(db_url: str, tmp_path: Path) -> None:
    source = _write(
        tmp_path / "leads.csv",
        "name,email,phone\nSara,SARA@x.example,+98 912 555 0101\nAli,ali@x.example,\n",
    )
    assert crm(db_url, "import", "contacts", str(source))[0] == 0
    before = contacts(db_url)
    for mode in ("skip", "update"):
        code, out, _ = crm(db_url, "import", "contacts", str(source), "--on-duplicate", mode)
        assert code == 0 and "created 0, updated 0, skipped 2" in out, out
    assert contacts(db_url) == before
    by_phone = _write(tmp_path / "phone.csv", "name,phone\nSara A.,+989125550101\n")
    code, out, _ = crm(db_url, "import", "contacts", str(by_phone), "--match", "phone")
    assert "skipped 1" in out


def test_an_organization_spelled_otherwise_is_not_an_update_every_time(
    db_url: str, tmp_path: Path
) -> None:
    """The file says "ACME", the organization is stored as "Acme": the contact is already
    there; every --on-duplicate update used to "update" it again (and record the batch)."""
    crm(db_url, "contacts", "add", "Someone", "--org", "Acme")
    source = _write(tmp_path / "acme.csv", "name,email,company\nSara,sara@x.example,ACME\n")
    assert crm(db_url, "import", "contacts", str(source))[0] == 0
    for _ in range(2):
        code, out, _ = crm(db_url, "import", "contacts", str(source), "--on-duplicate", "update")
        assert code == 0 and "created 0, updated 0, skipped 1" in out, out
    moved = _write(tmp_path / "moved.csv", "name,email,company\nSara,sara@x.example,Globex\n")
    code, out, _ = crm(db_url, "import", "contacts", str(moved), "--on-duplicate", "update")
    assert "updated 1" in out and by_name(db_url)["Sara"]["organization"] == "Globex"


def test_a_name_column_beside_a_profiles_own_columns_is_the_name(
    db_url: str, tmp_path: Path
) -> None:
    """An Outlook-like export with a plain "Name" column: the name was kept as a custom field
    and each contact was named after its company."""
    source = _write(
        tmp_path / "outlook-ish.csv",
        "Name,E-mail Address,Mobile Phone,Company,Categories,Notes,Email\n"
        "مریم رضایی,maryam@x.example,+98 912 555 0101,Acme,vip,یادداشت,m2@x.example\n",
    )
    code, _, err = crm(db_url, "import", "contacts", str(source))
    assert code == 0, err
    maryam = by_name(db_url)["مریم رضایی"]
    assert maryam["organization"] == "Acme" and maryam["tags"] == ["vip"]
    assert [e["value"] for e in maryam["emails"]] == ["maryam@x.example", "m2@x.example"]
    assert maryam["custom"] == {}


def test_rows_without_an_email_are_found_again_on_the_next_import(
    db_url: str, tmp_path: Path
) -> None:
    """Matching is on email; a row without one is matched on its phone, else on its name
    among contacts with neither (a same-named contact with an email may be someone else)."""
    crm(db_url, "contacts", "add", "Ali Karimi", "--email", "ali@x.example")
    crm(
        db_url,
        "contacts",
        "add",
        "Sara Ahmadi",
        "--email",
        "sara@x.example",
        "--phone",
        "+98 912 555 0101",
    )
    source = _write(
        tmp_path / "mixed.csv",
        "name,email,phone,organization\n"
        "Nur Haddad,,+49 30 1112223,\n"
        "With Email,w@x.example,,\n"
        "Only A Name,,,\n"
        "Ali Karimi,,,\n"  # not the Ali with an email
        ",,,Acme Support\n"  # no name at all: named after its organization
        "S. Ahmadi,,+98 912 555 0101,\n",  # Sara's phone: Sara
    )
    code, out, _ = crm(db_url, "import", "contacts", str(source))
    assert code == 0 and "created 5, updated 0, skipped 1" in out, out
    code, out, _ = crm(db_url, "import", "contacts", str(source))
    assert code == 0 and "created 0, updated 0, skipped 6" in out, out
    names = sorted(c["name"] for c in contacts(db_url))
    assert names == [
        "Acme Support",
        "Ali Karimi",
        "Ali Karimi",
        "Nur Haddad",
        "Only A Name",
        "Sara Ahmadi",
        "With Email",
    ]


def test_update_then_undo_restores_the_previous_values(db_url: str, tmp_path: Path) -> None:
    crm(
        db_url,
        "contacts",
        "add",
        "Sara",
        "--email",
        "sara@x.example",
        "--notes",
        "original",
        "--tag",
        "vip",
    )
    update = _write(
        tmp_path / "update.csv",
        "name,email,notes,tags,City\n"
        "Sara Ahmadi,sara@x.example,from the import,lead,Tehran\nNew,n@x.example,,,\n",
    )
    code, out, _ = crm(db_url, "import", "contacts", str(update), "--on-duplicate", "update")
    assert code == 0 and "created 1, updated 1" in out
    sara = by_name(db_url)["Sara Ahmadi"]
    assert (sara["notes"], sorted(sara["tags"]), sara["custom"]) == (  # type: ignore[arg-type]
        "from the import",
        ["lead", "vip"],
        {"City": "Tehran"},
    )
    code, out, _ = crm(db_url, "import", "list", "--json")
    batch = json.loads(out)[0]["id"]
    code, out, _ = crm(db_url, "import", "undo", str(batch))
    assert code == 0 and "removed 1, restored 1" in out
    [sara] = contacts(db_url)
    assert (sara["name"], sara["notes"], sara["tags"], sara["custom"]) == (
        "Sara",
        "original",
        ["vip"],
        {},
    )


def test_undoing_many_updates_puts_each_contact_back_as_it_was(db_url: str, tmp_path: Path) -> None:
    people = _write(
        tmp_path / "people.csv",
        "name,email,phone,tags,notes\n"
        "Ali,ali@x.example,+49 30 1111111,vip,first\n"
        "Bea,bea@x.example,,lead;partner,\n"
        "Cem,cem@x.example,+98 912 555 0101,,third\n",
    )
    assert crm(db_url, "import", "contacts", str(people))[0] == 0
    kept = ("name", "emails", "phones", "tags", "notes", "custom")

    def shown() -> list[tuple[object, ...]]:
        return [tuple(c[k] for k in kept) for c in contacts(db_url)]

    before = shown()
    changes = _write(
        tmp_path / "changes.csv",
        "email,phone,tags,notes,City\n"
        "ali@x.example,+49 30 2222222,customer,,Tehran\n"
        "bea@x.example,+49 30 3333333,,changed,\n"
        "cem@x.example,,vip,,Lyon\n",
    )
    code, out, _ = crm(db_url, "import", "contacts", str(changes), "--on-duplicate", "update")
    assert code == 0 and "updated 3" in out
    changed = by_name(db_url)
    assert len(changed["Ali"]["phones"]) == 2 and changed["Bea"]["notes"] == "changed"  # type: ignore[arg-type]
    assert changed["Cem"]["tags"] == ["vip"] and changed["Ali"]["custom"] == {"City": "Tehran"}
    code, out, _ = crm(db_url, "import", "undo", "2")
    assert code == 0 and "restored 3" in out
    assert shown() == before


def test_an_update_file_without_names_keeps_the_names(db_url: str, tmp_path: Path) -> None:
    """A phone list keyed by email must not rename everyone to their email address (a new
    contact from it is still named after its email: it needs a name)."""
    crm(db_url, "contacts", "add", "Sara Ahmadi", "--email", "sara@x.example")
    phones = _write(
        tmp_path / "phones.csv",
        "email,phone\nsara@x.example,+49 30 1234567\nnew@x.example,+49 30 7654321\n"
        "SARA@x.example,+49 30 5550000\n",  # the same contact again, later in the file
    )
    code, out, _ = crm(db_url, "import", "contacts", str(phones), "--on-duplicate", "update")
    assert code == 0 and "created 1, updated 1" in out
    people = by_name(db_url)
    assert sorted(people) == ["Sara Ahmadi", "new@x.example"]
    assert len(people["Sara Ahmadi"]["phones"]) == 2  # type: ignore[arg-type]


def test_undo_keeps_what_was_edited_since(db_url: str, tmp_path: Path) -> None:
    source = _write(tmp_path / "two.csv", "name,email\nA,a@x.example\nB,b@x.example\n")
    crm(db_url, "import", "contacts", str(source))
    crm(db_url, "contacts", "edit", "a@x.example", "--notes", "worked on since")
    code, out, err = crm(db_url, "import", "undo", "1")
    assert code == 3 and "removed 1" in out and "kept #1 A" in err
    assert [c["name"] for c in contacts(db_url)] == ["A"]


def test_dry_run_writes_nothing(db_url: str, tmp_path: Path) -> None:
    source = _write(tmp_path / "x.csv", "name\nA\nB\n")
    code, out, _ = crm(db_url, "import", "contacts", str(source), "--dry-run")
    assert code == 0 and out.startswith("dry run, nothing written: would have created 2")
    assert contacts(db_url) == []
    assert json.loads(crm(db_url, "import", "list", "--json")[1]) == []


def test_an_interaction_in_the_future_is_refused(db_url: str, tmp_path: Path) -> None:
    """Logged "tomorrow", a call made its contact "last contacted" ahead of time (and
    hidden from "not heard from lately"); an interaction is something that happened."""
    crm(db_url, "contacts", "add", "Sara", "--email", "sara@x.example")
    code, _, err = crm(db_url, "log", "-c", "1", "--when", "tomorrow 10:00", "Quote call")
    assert code == 2 and "in the future" in err and "--follow-up" in err
    log = _write(
        tmp_path / "log.csv",
        "contact_email,occurred_at,subject\n"
        "sara@x.example,2026-11-01 10:00,Quote call\n"
        "sara@x.example,2100-01-01 10:00,Typo in the year\n",
    )
    code, _, err = crm(db_url, "import", "interactions", str(log))
    assert code == 1 and "line 3:" in err and "in the future" in err
    code, out, _ = crm(db_url, "import", "interactions", str(log), "--skip-bad")
    assert code == 3 and "created 1" in out
    [contact] = contacts(db_url)
    assert contact["last_contacted_at"].startswith("2026-11-01")


def test_interactions_and_tasks_from_csv(db_url: str, tmp_path: Path) -> None:
    crm(db_url, "contacts", "add", "Sara", "--email", "sara@x.example")
    log = _write(
        tmp_path / "log.csv",
        "contact_email,occurred_at,channel,subject,complaint\n"
        "SARA@x.example,2026-11-01T10:00:00+00:00,call,Quote call,\n"
        "sara@x.example,2026-11-02 09:00,email,Late delivery,yes\n"
        "ghost@x.example,2026-11-03,email,Who?,\n",
    )
    code, _, err = crm(db_url, "import", "interactions", str(log))
    assert code == 1 and "line 4: no contact with id or email 'ghost@x.example'" in err
    code, out, _ = crm(db_url, "import", "interactions", str(log), "--skip-bad")
    assert code == 3 and "created 2" in out
    code, out, _ = crm(db_url, "import", "interactions", str(log), "--skip-bad")  # again
    assert code == 3 and "created 0, updated 0, skipped 2" in out
    assert contacts(db_url)[0]["last_contacted_at"].startswith("2026-11-02")
    batches = json.loads(crm(db_url, "import", "list", "--json")[1])
    [creating] = [batch["id"] for batch in batches if batch["created"] == 2]
    assert crm(db_url, "import", "undo", str(creating))[0] == 0
    assert contacts(db_url)[0]["last_contacted_at"] is None  # as before the import
    assert crm(db_url, "import", "interactions", str(log), "--skip-bad")[0] == 3
    assert len(json.loads(crm(db_url, "export", "interactions", "--format", "json")[1])) == 2
    tasks = _write(
        tmp_path / "tasks.csv",
        "id,title,due,contact_email,project,depends_on\n"
        "a,Design,2026-12-01,sara@x.example,Website,\n"
        "b,Build,2026-12-10,sara@x.example,Website,a\n",
    )
    assert crm(db_url, "import", "tasks", str(tasks))[0] == 0
    listed = json.loads(crm(db_url, "tasks", "list", "--json")[1])
    design, build = sorted(listed, key=lambda t: t["due"])
    assert build["depends_on"] == [design["id"]] and build["project"] == "Website"
    code, out, _ = crm(db_url, "import", "tasks", str(tasks))  # again: nothing new
    assert code == 0 and "created 0, updated 0, skipped 2" in out
    more = _write(
        tmp_path / "more.csv",
        tasks.read_text(encoding="utf-8") + "c,Launch,2026-12-20,sara@x.example,Website,b\n",
    )
    code, out, _ = crm(db_url, "import", "tasks", str(more))
    assert code == 0 and "created 1, updated 0, skipped 2" in out
    listed = json.loads(crm(db_url, "tasks", "list", "--json")[1])
    launch = next(t for t in listed if t["title"] == "Launch")
    assert len(listed) == 3 and launch["depends_on"] == [build["id"]]


def _work_with_a_trashed_contact(db_url: str) -> None:
    """Sara (live) and Ali (in the trash), each with a call and a task, and a task of no one."""
    for name in ("Sara", "Ali"):
        crm(db_url, "contacts", "add", name, "--email", f"{name.lower()}@x.example")
        crm(db_url, "log", f"Call with {name}", "--contact", name, "--when", "2026-11-02 10:00")
        crm(db_url, "tasks", "add", f"Quote for {name}", "--contact", name, "--due", "2026-12-01")
    crm(db_url, "tasks", "add", "Tidy the desk", "--project", "Office")
    assert crm(db_url, "contacts", "delete", "Ali")[0] == 0


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("kind", ["interactions", "tasks"])
def test_an_export_with_a_trashed_contact_imports_back_as_nothing_new(
    db_url: str, tmp_path: Path, kind: str, fmt: str
) -> None:
    """The whole file failed ("no contact with id or email '2'"), and a JSON export was read
    as CSV: an export read back into its own database is all duplicates, skipped."""
    _work_with_a_trashed_contact(db_url)
    exported = tmp_path / f"{kind}.{fmt}"
    assert crm(db_url, "export", kind, "-o", str(exported))[0] == 0
    before = crm(db_url, "export", kind, "--format", "json")[1]
    code, out, err = crm(db_url, "import", kind, str(exported))
    expected = 2 if kind == "interactions" else 3
    assert (code, out, err) == (0, f"created 0, updated 0, skipped {expected}, rejected 0\n", "")
    assert crm(db_url, "export", kind, "--format", "json")[1] == before


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("kind", ["interactions", "tasks"])
def test_new_work_for_a_trashed_contact_is_kept_with_it(
    db_url: str, tmp_path: Path, kind: str, fmt: str
) -> None:
    """An export read into a database where the contact went to the trash after it was
    taken: its rows are the contact's, as before, and come back with it from the trash."""
    _work_with_a_trashed_contact(db_url)
    exported = tmp_path / f"{kind}.{fmt}"
    crm(db_url, "export", kind, "-o", str(exported))
    ali = 2
    if kind == "interactions":
        more = "2026-11-03T09:00:00+00:00"
        rows = [{"contact_id": ali, "occurred_at": more, "channel": "call", "subject": "Again"}]
    else:
        rows = [{"contact_id": ali, "title": "Second quote", "due": "2026-12-09"}]
    if fmt == "json":
        items = json.loads(exported.read_text(encoding="utf-8")) + rows
        exported.write_text(json.dumps(items), encoding="utf-8")
    else:
        with exported.open("a", encoding="utf-8", newline="") as handle:
            header = next(csv.reader(io.StringIO(exported.read_text(encoding="utf-8"))))
            csv.DictWriter(handle, header).writerows(rows)
    code, out, err = crm(db_url, "import", kind, str(exported))
    skipped = 2 if kind == "interactions" else 3
    assert code == 0 and out.startswith(f"created 1, updated 0, skipped {skipped},"), err
    noun = kind[:-1]
    assert err == f"crm: {exported}: #2 Ali is in the trash: 1 {noun} attached to it\n"
    items = json.loads(crm(db_url, "export", kind, "--format", "json")[1])
    [added] = [i for i in items if i.get("subject", i.get("title")) in ("Again", "Second quote")]
    assert added["contact_id"] == ali
    if kind == "interactions":  # Ali's "last contacted" moved with it, as for any call
        crm(db_url, "contacts", "restore", "2")
        assert by_name(db_url)["Ali"]["last_contacted_at"].startswith("2026-11-03")  # type: ignore[union-attr]


def test_a_bad_object_in_a_json_file_of_work_is_named_by_its_line(
    db_url: str, tmp_path: Path
) -> None:
    crm(db_url, "contacts", "add", "Sara", "--email", "sara@x.example")
    log = _write(
        tmp_path / "log.json",
        '[\n  {"contact_id": 1, "occurred_at": "2026-11-01T10:00:00Z", "subject": "=Call"},\n'
        '  {"contact_id": 1, "occurred_at": "2026-11-02T10:00:00Z"},\n  7\n]\n',
    )
    rejects = tmp_path / "rejects.csv"
    code, out, err = crm(db_url, "import", "interactions", str(log), "--rejects", str(rejects))
    assert code == 1 and "created 1" in out
    assert "log.json: line 3: record: write a subject or a note" in err
    assert "log.json: line 4: expected an object for interaction, got 7" in err
    rows = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8"))))
    assert rows[0] == ["line", "reason", "item"] and [row[0] for row in rows[1:]] == ["3", "4"]
    code, out, err = crm(db_url, "import", "interactions", str(log), "--skip-bad")
    assert code == 3 and "created 1" in out, err
    [logged] = json.loads(crm(db_url, "export", "interactions", "--format", "json")[1])
    assert logged["subject"] == "=Call"  # JSON text is taken as it is: no apostrophe came off


# -- exports ----------------------------------------------------------------------------------


def test_csv_cells_never_start_a_formula(db_url: str) -> None:
    crm(
        db_url,
        "contacts",
        "add",
        '=HYPERLINK("http://evil")',
        "--notes",
        "@SUM(1)",
        "--field",
        "x=-2+3",
        "--phone",
        "+98 912 555 0101",
    )
    code, out, _ = crm(db_url, "export", "contacts")
    assert code == 0
    for row in list(csv.reader(io.StringIO(out)))[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert "'=HYPERLINK" in out


def test_a_bad_card_is_reported_at_its_line(db_url: str, tmp_path: Path) -> None:
    cards = _write(
        tmp_path / "cards.vcf",
        "BEGIN:VCARD\nVERSION:4.0\nFN:Noor\nEMAIL:noor@x.example\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:علی\nNOTE:one\\ntwo\nEND:VCARD\n\n"
        "BEGIN:VCARD\nVERSION:4.0\nEMAIL:nobody\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:4.0\nFN:王\nEND:VCARD\n",
    )
    code, out, err = crm(db_url, "import", "contacts", str(cards), "--skip-bad")
    assert code == 3 and "created 3" in out and "rejected 1" in out
    assert "line 12: card 3:" in err


def test_vcard_is_4_0_escaped_and_folded(db_url: str, tmp_path: Path) -> None:
    crm(
        db_url,
        "contacts",
        "add",
        "Zoë; Brontë, Jr",
        "--notes",
        "line one\nline two, ok; " + "x" * 120,
    )
    card = tmp_path / "all.vcf"
    assert crm(db_url, "export", "contacts", "-o", str(card))[0] == 0
    lines = card.read_bytes().decode("utf-8").split("\r\n")
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:4.0"] and lines[2].startswith("UID:urn:uuid:")
    assert "FN:Zoë\\; Brontë\\, Jr" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines), "the long note is folded"


def test_tasks_as_icalendar_vtodo(db_url: str) -> None:
    from icalendar import Calendar

    crm(db_url, "tasks", "add", "Design", "--due", "2026-12-01")
    crm(db_url, "tasks", "add", "Build", "--due", "2026-12-10", "--depends-on", "1")
    _, out, _ = crm(db_url, "export", "tasks", "--format", "ics")
    todos = [c for c in Calendar.from_ical(out).walk("VTODO")]
    assert [str(t["summary"]) for t in todos] == ["Design", "Build"]
    assert str(todos[1]["related-to"]) == str(todos[0]["uid"])


def test_bundle_round_trip_is_lossless(demo_url: str, db_url: str, tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    assert crm(demo_url, "export", "all", "-o", str(first))[0] == 0
    target = db_url
    assert crm(target, "import", "all", str(first))[0] == 0
    assert crm(target, "export", "all", "-o", str(second))[0] == 0
    for table in first.glob("*.jsonl"):
        assert table.read_text("utf-8") == (second / table.name).read_text("utf-8"), table.name
    database = open_database(target)
    with database.read() as session:  # the dashboard's rollups, counted on the way in
        assert rollups.check(session=session) == []
        assert session.scalar(select(func.sum(ClosedDealDay.deals))) == session.scalar(
            select(func.count()).where(
                col(Deal.closed_at).is_not(None), col(Deal.deleted_at).is_(None)
            )
        )
    database.close()
    code, _, err = crm(target, "import", "all", str(first))
    assert code == 1 and "not empty" in err


def test_ctrl_c_right_after_a_bundle_is_saved_is_reported_as_it_happened(
    demo_url: str, db_url: str, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    assert crm(demo_url, "export", "all", "-o", str(bundle))[0] == 0
    with ctrl_c_after_each_commit():
        code, out, err = crm(db_url, "import", "all", str(bundle))
    assert code == 0 and "rows in" in out and "it is complete" in err
    assert len(contacts(db_url)) == len(contacts(demo_url))


# -- killed in the middle ---------------------------------------------------------------------


def _large_file_and_database(tmp_path: Path) -> tuple[Path, Path]:
    """A 60k-row CSV (read in a process of its own) and an empty, migrated SQLite file."""
    source = tmp_path / "many.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "email", "notes"])
        for i in range(60_000):
            writer.writerow([f"Person {i}", f"p{i}@x.example", "ثبت شده " * 5])
    db = tmp_path / "crm.db"
    open_database(f"sqlite:///{db}").close()
    return source, db


def _no_process_left_reading(source: Path, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while _processes_reading(source) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _processes_reading(source) == []


@pytest.mark.sqlite_only
def test_a_killed_import_leaves_the_database_whole(tmp_path: Path) -> None:
    source, db = _large_file_and_database(tmp_path)
    env = {**os.environ, "CRM_DB": str(db)}
    process = subprocess.Popen(
        [sys.executable, "-m", "crm_tui", "import", "contacts", str(source)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wal = db.with_name("crm.db-wal")
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 4_000_000:  # well into writing the batch
            break
        time.sleep(0.01)
    assert process.poll() is None, "the import finished before it could be interrupted"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _no_process_left_reading(source)  # nobody reads its pipe: the reader ends too
    connection = sqlite3.connect(db)
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    count = connection.execute("SELECT count(*) FROM contact").fetchone()[0]
    fts = connection.execute("SELECT count(*) FROM contact_fts").fetchone()[0]
    batches = connection.execute("SELECT count(*) FROM import_batch").fetchone()[0]
    connection.close()
    assert count in (0, 60_000) and fts == count and batches == (1 if count else 0)


def _processes_reading(source: Path) -> list[int]:
    """Processes whose command line names ``source`` (the import and its reading process)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(source).encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.sqlite_only
@pytest.mark.parametrize("phase", ["reading", "writing", "saving"])
def test_ctrl_c_stops_an_import_and_its_reading_process_and_changes_nothing(
    tmp_path: Path, phase: str
) -> None:
    source, db = _large_file_and_database(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "crm_tui", "import", "contacts", str(source)],
        env={**os.environ, "CRM_DB": str(db)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: a script's background job (CI runs the suites so) starts with
        # Ctrl-C ignored, and Python then keeps ignoring it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    wal = db.with_name("crm.db-wal")
    deadline = time.monotonic() + 60
    seen = 0
    while process.poll() is None and time.monotonic() < deadline:
        readers = len(_processes_reading(source))
        seen = max(seen, readers)
        if phase == "reading" and readers == 2:
            break  # the reading process has started
        if phase == "writing" and seen == 2 and readers == 1:
            break  # the file is read; the rows are being written
        if phase == "saving" and wal.exists() and wal.stat().st_size > 2_000_000:
            break  # pages reach the WAL as the transaction commits
        time.sleep(0.005)
    assert process.poll() is None, "the import finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert _no_process_left_reading(source)
    connection = sqlite3.connect(db)
    counts = [
        connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        for name in ("contact", "import_batch")
    ]
    connection.close()
    assert "database error" not in err
    # What it says is what happened: stopped with nothing written, or (Ctrl-C as the batch
    # was being committed) saved whole and reported.
    if process.returncode == 130:
        assert "interrupted; nothing was changed" in err and counts == [0, 0]
    else:
        assert phase == "saving", (process.returncode, out, err)
        assert process.returncode == 0 and counts == [60_000, 1]
        assert "created 60000" in out and "it is complete" in err


def test_read_contacts_keeps_order(db_url: str) -> None:
    database = open_database(db_url)
    with database.write() as session:
        from tests.conftest import add_contact

        ids = [add_contact(session, name) for name in ("B", "A", "C")]
        assert [c.id for c in read_contacts(session=session, ids=ids[::-1])] == ids[::-1]
        assert len(list_contacts(session=session, query=ContactQuery()).rows) == 3
    database.close()


def test_an_organization_made_only_of_a_mark_is_kept(db_url: str, tmp_path: Path) -> None:
    """ "¨" folds to an empty sort key; it is still a name (found by hypothesis)."""
    source = tmp_path / "odd.csv"
    source.write_text("name,organization\nAli,¨\n", encoding="utf-8")
    assert crm(db_url, "import", "contacts", str(source))[0] == 0
    assert by_name(db_url)["Ali"]["organization"] == "¨"


def test_bulk_commands_run_without_the_cyclic_collector_and_leave_it_on(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full collections walked an import's rows again and again (1.4 s of 15 s at 100k)."""
    from crm_tui.services import demo, imports

    seen: list[bool] = []
    for module, name in (
        (demo, "build_demo"),
        (imports, "import_contacts"),
        (imports, "import_work"),
    ):
        real = getattr(module, name)

        def spy(*args: object, _real: object = real, **kwargs: object) -> object:
            seen.append(gc.isenabled())
            return _real(*args, **kwargs)  # type: ignore[operator]

        monkeypatch.setattr(module, name, spy)
    people = _write(tmp_path / "people.csv", "name,email\nA,a@x.example\n")
    calls = _write(tmp_path / "calls.csv", "contact,channel,subject\na@x.example,call,Hello\n")
    assert crm(db_url, "demo", "--contacts", "20")[0] == 0
    assert crm(db_url, "import", "contacts", str(people))[0] == 0
    assert crm(db_url, "import", "interactions", str(calls))[0] == 0
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_the_collector_pause_ends_with_an_error_and_keeps_it_off_if_it_was() -> None:
    from crm_tui import collector

    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


_OWNER_COLUMN = list(contact_columns(ContactValues())).index("owner_id")


@pytest.mark.parametrize("reader", ["inline", "fork", "spawn"])
def test_reading_a_large_file_reports_its_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    """A 100k-row import showed nothing on the terminal for its first seconds of reading.

    A large file is read in a process of its own: forked on Linux, spawned elsewhere (or
    when this process has threads)."""
    from crm_tui.importing import reading
    from crm_tui.io import background
    from crm_tui.io.contact_file import Opened, ReadOptions
    from crm_tui.io.prepare import Match

    monkeypatch.setattr(reading, "BACKGROUND_BYTES", 10**9 if reader == "inline" else 0)
    monkeypatch.setattr(background, "_start_method", lambda: reader)
    lines = [f"Person {i},p{i}@x.example,negar" for i in range(5_000)]
    source = _write(tmp_path / "big.csv", "name,email,owner\n" + "\n".join(lines) + "\n")
    seen: list[tuple[str, int, int]] = []
    team = Directory({"user negar": 7})  # the reading process is sent it (see contact_rows.Team)
    items = reading.start_reading(
        source, ReadOptions(), tag=None, match=Match.EMAIL, creating=True, team=lambda: team
    )
    opened = next(items)
    assert isinstance(opened, Opened)
    profile, total = opened.profile, opened.lines
    rows = list(reading.rows(items, total, lambda *step: seen.append(step)))
    assert profile == "generic" and len(rows) == 5_000
    last = rows[-1]  # read in a process: slimmed to what it is matched on, not its emails
    keys = last.matched_on[1] if reader != "inline" else [email.key for email in last.emails]
    assert last.name == "Person 4999" and keys == ["p4999@x.example"]
    owner = last.owner_id if reader == "inline" else last.prepared[0][_OWNER_COLUMN]
    assert owner == 7
    assert [what for what, _, _ in seen] == ["importing"] * 3
    assert [done for _, done, _ in seen] == [2_001, 4_001, 5_001]  # file lines, the header first
    assert {total for _, _, total in seen} == {5_002}


def _many_then_bad(path: Path, good_before: int, good_after: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "email", "tags"])
        for i in range(good_before):
            writer.writerow([f"شخص {i}", f"p{i}@x.example", "vip"])
        writer.writerow(["Bad Email", "not an email", ""])
        for i in range(good_before, good_before + good_after):
            writer.writerow([f"شخص {i}", f"p{i}@x.example", ""])
    return path


def test_a_bad_row_after_rows_were_written_leaves_nothing(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are written as they are read; a bad row further down still means nothing."""
    from crm_tui.importing import reading

    monkeypatch.setattr(reading, "BACKGROUND_BYTES", 0)  # read in a process of its own
    source = _many_then_bad(tmp_path / "late.csv", 11_000, 50)
    code, out, err = crm(db_url, "import", "contacts", str(source))
    assert code == 1
    assert "line 11002" in err and "nothing imported" in err
    assert "nothing written: would have created 11050" in out
    assert crm(db_url, "import", "list", "--json")[1].strip() == "[]"
    assert crm(db_url, "contacts", "list", "--json", "--limit", "0")[1].strip() == "[]"
    assert crm(db_url, "contacts", "list", "--search", "شخص", "--json")[1].strip() == "[]"
    code, out, _ = crm(db_url, "import", "contacts", str(source), "--skip-bad")
    assert code == 3 and "created 11050" in out and "rejected 1" in out
    people = contacts(db_url)
    assert len(people) == 11_050 and people[0]["tags"] in (["vip"], [])


def test_the_reading_process_never_loads_the_database_layer(tmp_path: Path) -> None:
    """Loading SQLAlchemy, SQLModel and pydantic took the reading process 0.34 s, while the
    writing process waited for its first rows."""
    source = _write(tmp_path / "p.csv", "name,email,company,tags\nمریم,m@x.example,Acme,vip\n")
    script = f"""
import sys
from pathlib import Path
from crm_tui.importing.reading import prepared_chunks
from crm_tui.io.contact_file import ReadOptions
from crm_tui.io.prepare import Match
items = list(prepared_chunks(Path({str(source)!r}), ReadOptions(), "2026", Match.EMAIL, True))
assert len(items[1].rows) == 1, items
heavy = sorted(m for m in ("sqlalchemy", "sqlmodel", "pydantic") if m in sys.modules)
print(",".join(heavy) or "none")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "none"), done.stderr


def test_a_csv_export_of_contacts_loads_no_model_or_schema(db_url: str, tmp_path: Path) -> None:
    """The CSV of contacts reads plain rows: the models, read schemas and other services
    took 0.14 s of a 1.5 s export of 100k contacts to load."""
    crm(db_url, "contacts", "add", "مریم", "--email", "m@x.example", "--tag", "vip")
    out = tmp_path / "out.csv"
    script = f"""
import sys
from crm_tui.cli import app
try:
    app(["--db", {db_url!r}, "export", "contacts", "-o", {str(out)!r}])
except SystemExit as done:
    assert done.code == 0, done.code
loaded = ("crm_tui.models", "crm_tui.schemas", "crm_tui.services.contacts")
print(",".join(m for m in loaded if m in sys.modules) or "none")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "none"), done.stderr
    assert "مریم" in out.read_text("utf-8")


@pytest.mark.sqlite_only
def test_a_bulk_import_leaves_every_reference_whole(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A creating import writes without SQLite's foreign-key checks (``write(bulk=True)``):
    its rows must point at what exists all the same, and deleting what they point at must
    still reach them."""
    from crm_tui.importing import reading

    monkeypatch.setattr(reading, "BACKGROUND_BYTES", 0)  # read in a process of its own
    crm(db_url, "contacts", "add", "Before", "--email", "before@x.example", "--org", "Acme")
    rows = [
        f"شخص {i},p{i}@x.example,+49 30 {1000000 + i},{['ACME', 'پارس', ''][i % 3]},vip; ل{i % 5}"
        for i in range(6_000)
    ]
    source = _write(tmp_path / "many.csv", "name,email,phone,company,tags\n" + "\n".join(rows))
    code, out, _ = crm(db_url, "import", "contacts", str(source), "--tag", "2026")
    assert code == 0 and "created 6000" in out
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        counts = connection.execute(
            "SELECT (SELECT count(*) FROM contact), (SELECT count(*) FROM contact_email), "
            "(SELECT count(*) FROM contact_phone), (SELECT count(*) FROM contact_tag), "
            "(SELECT count(*) FROM contact WHERE organization_id IS NOT NULL)"
        ).fetchone()
    assert counts == (6_001, 6_001, 6_000, 6_000 * 3, 4_001)
    database = open_database(db_url)
    with database.read() as session:  # the documents built ahead, the stored "Acme" in them
        from crm_tui.search.index import check
        from crm_tui.search.sources import contact_documents

        ids = list(range(1, 6_002))
        by_id = "SELECT rowid & 4294967295, body FROM contact_fts"  # the id, without the band
        stored = dict(session.execute(text(by_id)).all())
        built = {i: body for i, _, body in contact_documents(session, ids)}
        assert stored == built
        assert check(session=session) == []  # each under its band's rowid
        assert "acme" in stored[2] and "پارس" in stored[3]
    with database.write() as session:  # checked again: the organization's delete reaches them
        session.execute(text("DELETE FROM organization WHERE name = 'Acme'"))
    with database.read() as session:
        linked = "SELECT count(*) FROM contact WHERE organization_id IS NOT NULL"
        assert session.execute(text(linked)).scalar() == 2_000
    database.close()


def test_a_file_read_in_the_background_imports_as_one_read_inline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_tui.importing import reading

    source = _write(
        tmp_path / "mixed.csv",
        "name,email,phone,organization,tags,birthday,notes,Shoe size\n"
        "مریم رضایی,maryam@x.example,+98 912 000 0000,شرکت پارس,vip; lead,1990-02-03,"
        '"two\nlines [bold]x",42\n'
        "Chloé Dubois,CHLOE@x.example,,Acme,,--04-05,,\n"
        "Chloé D.,chloe@x.example,+33 1 23 45 67 89,ACME,new,,later row,\n"
        "王小明,,+86 10 1234 5678,,,,,\n"
        "Broken,nope,,,,,,\n",
    )
    seen = []
    for threshold in (10**9, 0):
        monkeypatch.setattr(reading, "BACKGROUND_BYTES", threshold)
        db_url = f"sqlite:///{tmp_path / f'{threshold}.db'}"
        code, out, _ = crm(db_url, "import", "contacts", str(source), "--skip-bad", "--tag", "expo")
        assert code == 3 and "created 3, updated 0, skipped 1, rejected 1" in out
        people = contacts(db_url)
        seen.append([{k: v for k, v in p.items() if not k.endswith("_at")} for p in people])
        for words, found in (
            ("小明", "王小明"),
            ("پارس", "مریم رضایی"),
            ("lines", "مریم رضایی"),
            ("acme", "Chloé Dubois"),
        ):
            code, out, _ = crm(db_url, "contacts", "list", "--search", words, "--json")
            assert [p["name"] for p in json.loads(out)] == [found]
    assert seen[0] == seen[1]
    assert {p["name"] for p in seen[0]} == {"مریم رضایی", "Chloé Dubois", "王小明"}


def test_a_later_row_merged_into_a_prepared_one_is_written_merged(db_url: str) -> None:
    """Rows prepared for writing in the reading process, then merged (--on-duplicate update,
    the same email twice in the file): the contact has both rows' values."""
    from crm_tui.io.contact_rows import ContactValues, Labeled
    from crm_tui.io.prepare import prepare_rows
    from crm_tui.services.imports import OnDuplicate, import_contacts

    rows = [
        ContactValues(name="Noor", emails=[Labeled("noor@x.example", "", "noor@x.example")]),
        ContactValues(
            name="Noor Karimi",
            emails=[Labeled("noor@x.example", "", "noor@x.example")],
            tags=["vip"],
            notes="یادداشت",
        ),
    ]
    prepare_rows(rows)
    database = open_database(db_url)
    with database.write() as session:
        report = import_contacts(
            session=session, rows=rows, source="test", on_duplicate=OnDuplicate.UPDATE
        )
    database.close()
    assert (report.created, report.skipped, report.merged) == (1, 0, 1)
    assert report.summary().startswith(
        "created 1, updated 0, skipped 0, rejected 0, merged 1 into rows before them ("
    )
    (noor,) = contacts(db_url)
    assert (noor["name"], noor["tags"], noor["notes"]) == ("Noor Karimi", ["vip"], "یادداشت")


def _fails(kind: str) -> object:
    from crm_tui.errors import FieldErrors, UsageError

    yield 1
    if kind == "usage":
        raise UsageError("--map 'x': nope")
    raise FieldErrors({"email": "not an email"})  # does not survive pickling as it is


@pytest.mark.parametrize("kind", ["usage", "fields"])
def test_errors_in_the_background_reach_the_caller(kind: str) -> None:
    from crm_tui.errors import CrmError, UsageError
    from crm_tui.io.background import InBackground

    items = InBackground(_fails, kind)
    assert next(items) == 1
    with pytest.raises(CrmError) as raised:
        next(items)
    if kind == "usage":
        assert isinstance(raised.value, UsageError) and raised.value.exit_code == 2
    assert str(raised.value) in ("--map 'x': nope", "email: not an email")


@pytest.mark.parametrize(
    ("option", "told"),
    [
        (["--encoding", "nope"], "--encoding 'nope': no such encoding"),
        (["--profile", "nope"], "unknown profile 'nope'; choose one of auto, crm,"),
        (["--map", "Firma=company"], "--map 'Firma=company': unknown field 'company'"),
        (["--map", "Nope=name"], "--map 'Nope=name': the file has no column 'Nope'"),
        (["--map", "Firma"], "--map 'Firma': write it as \"Column=field\""),
    ],
)
def test_an_option_the_import_cannot_use_is_a_usage_error(
    db_url: str, tmp_path: Path, option: list[str], told: str
) -> None:
    """Exit 2 like --delimiter or --format, not 1 (SPEC §4: 2 is a usage error)."""
    source = _write(tmp_path / "m.csv", "Name,Firma\nAli,Acme\n")
    code, _, err = crm(db_url, "import", "contacts", str(source), *option)
    assert (code, err) == (2, f"crm: error: {told}" + err.split(told, 1)[1])
    assert contacts(db_url) == []


def test_a_birthday_without_a_year_reads_as_one_everywhere(db_url: str, tmp_path: Path) -> None:
    """Stored in 1604 (the year that stands for none), it showed as "1604-12-24" and went
    out to vCard as BDAY:16041224, a birthday four centuries ago."""
    card = _write(
        tmp_path / "in.vcf", "BEGIN:VCARD\nVERSION:4.0\nFN:Noor\nBDAY:--1224\nEND:VCARD\n"
    )
    assert crm(db_url, "import", "contacts", str(card))[0] == 0
    assert "  Birthday       --12-24\n" in crm(db_url, "contacts", "show", "Noor")[1]
    assert "BDAY:--1224" in crm(db_url, "export", "contacts", "--format", "vcard")[1].splitlines()
    [row] = csv.DictReader(io.StringIO(crm(db_url, "export", "contacts")[1]))
    assert row["birthday"] == "'--12-24"  # a leading "-" is neutralised, and read back
    for kind in ("vcard", "csv"):
        out, other = tmp_path / f"out.{kind}", str(tmp_path / f"from-{kind}.db")
        crm(db_url, "export", "contacts", "--format", kind, "-o", str(out))
        assert crm(other, "import", "contacts", str(out))[0] == 0
        shown = json.loads(crm(other, "contacts", "show", "Noor", "--json")[1])
        assert shown["birthday"] == "1604-12-24", kind


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "is a spreadsheet workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "is an Excel 97-2003 workbook"),
        (b"%PDF-1.7\n" + bytes(range(256)), "is a PDF document"),
        (bytes(range(256)) * 8, "does not look like text"),
    ],
    ids=["xlsx", "xls", "pdf", "binary"],
)
def test_a_file_that_is_not_csv_is_named_for_what_it_is(
    db_url: str, tmp_path: Path, data: bytes, said: str
) -> None:
    """An Excel workbook imported "0 created, 0 rejected" and exited 0, as if it held no
    one; random bytes came out as rows Python's csv module could not read."""
    path = tmp_path / "contacts.xlsx"
    path.write_bytes(data)
    code, _, err = crm(db_url, "import", "contacts", str(path))
    assert code == 1, err
    assert f"contacts.xlsx {said}" in err
    assert "CSV" in err and len(err.splitlines()) == 1


def test_a_stray_nul_byte_is_dropped_not_taken_for_a_binary_file(
    db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(b"Name,Email\nSara,sara@x.example\nAli\x00,ali@x.example\n")
    code, out, err = crm(db_url, "import", "contacts", str(path))
    assert code == 0 and out.startswith("created 2,"), err
    assert "Ali" in by_name(db_url)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(
    db_url: str, tmp_path: Path, encoding: str
) -> None:
    """Plain ASCII in UTF-16 is valid UTF-8 too, with a NUL byte beside each letter."""
    path = tmp_path / "unicode.csv"
    text = "Name,Email\nMaryam Rezaei,maryam@x.example\nJose,jose@x.example\n"
    path.write_bytes(text.encode(encoding))
    code, out, err = crm(db_url, "import", "contacts", str(path))
    assert code == 0, err
    assert out.startswith("created 2,")
    database = open_database(db_url)
    with database.read() as session:
        rows = list_contacts(session=session, query=ContactQuery(search="maryam")).rows
    database.close()
    assert [row.name for row in rows] == ["Maryam Rezaei"]


def test_a_header_with_nothing_to_recognise_a_contact_by_says_so_once(
    db_url: str, tmp_path: Path
) -> None:
    """Columns no profile knows are custom fields; with no name, email or phone among them,
    every row was rejected on a line of its own (a thousand lines for a thousand rows)."""
    path = tmp_path / "kunden.csv"
    rows = "".join(f"Kunde {n},030 555{n:04d},Berlin\n" for n in range(500))
    path.write_text("Kunde,Telefonnummer,Ort\n" + rows, encoding="utf-8")
    code, _, err = crm(db_url, "import", "contacts", str(path))
    assert code == 1 and len(err.splitlines()) == 1, err
    assert "no column holds a name, email or phone (Kunde, Telefonnummer, Ort)" in err
    assert '--map "Kunde=name"' in err
    mapped = ["--map", "Kunde=name", "--map", "Telefonnummer=phone"]
    code, out, err = crm(db_url, "import", "contacts", str(path), *mapped)
    assert code == 0 and out.startswith("created 500,"), err
    assert by_name(db_url)["Kunde 7"]["custom"] == {"Ort": "Berlin"}


def test_exporting_onto_a_folder_says_to_name_a_file(db_url: str, tmp_path: Path) -> None:
    """It wrote the whole export, then failed renaming it: "Is a directory (.x.partial)"."""
    crm(db_url, "contacts", "add", "Sara")
    code, _, err = crm(db_url, "export", "contacts", "-o", str(tmp_path))
    assert code == 1
    assert f"cannot write {tmp_path}: it is a folder; name a file in it" in err
    assert not list(tmp_path.parent.glob(f".{tmp_path.name}.partial"))


@pytest.mark.parametrize("shape", ["csv", "vcard", "json"])
def test_tags_spelled_two_ways_are_one_tag(db_url: str, tmp_path: Path, shape: str) -> None:
    """ "Café" typed on a Mac (e + combining accent) and on Windows, or "3" and "³", are one
    tag: the import wrote the contact's link to it twice and failed on the unique key."""
    tags = ["Café", "cafe\u0301", "3", "³"]
    path = tmp_path / f"tags.{shape}"
    if shape == "csv":
        path.write_text(f'Name,Tags\nSara,"{", ".join(tags)}"\n', encoding="utf-8")
    elif shape == "vcard":
        card = (
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Sara\r\nCATEGORIES:{','.join(tags)}\r\nEND:VCARD\r\n"
        )
        path.write_text(card, encoding="utf-8")
    else:
        path.write_text(json.dumps([{"name": "Sara", "tags": tags}]), encoding="utf-8")
    code, _, err = crm(db_url, "import", "contacts", str(path))
    assert code == 0, err
    assert by_name(db_url)["Sara"]["tags"] == ["3", "Café"]
    code, _, err = crm(db_url, "contacts", "add", "Ali", "--tag", "Café", "--tag", "CAFE\u0301")
    assert code == 0, err
    assert by_name(db_url)["Ali"]["tags"] == ["Café"]


def _endless() -> object:
    n = 0
    while True:
        n += 1
        yield n


def test_a_reader_stopped_early_while_far_ahead_ends_with_its_caller() -> None:
    """The reading process may be ahead by as many items as are held for the caller (a large
    file is never held whole); stopping it then must not wait on an item nobody takes."""
    from crm_tui.io.background import AHEAD, InBackground

    items = InBackground(_endless)
    assert next(items) == 1
    deadline = time.monotonic() + 10
    while items._messages.qsize() < AHEAD and time.monotonic() < deadline:
        time.sleep(0.01)
    assert items._messages.qsize() == AHEAD  # and no further: the child waits
    items.close()
    assert not items._child.is_alive() and not items._drain.is_alive()


def _big_csv(tail: bytes) -> bytes:
    """A CSV of many blocks after a BOM and a preamble: Persian names (2 bytes a letter),
    one row with ``tail`` in its note."""
    rows = "".join(f"سارا {n},s{n}@x.example,یادداشت {n}\r\n" for n in range(3_000))
    head = "\ufeffExported by Phone\r\n\r\nName,Email,Notes\r\n"
    return (head + rows).encode("utf-8") + b"Last,last@x.example,caf" + tail + b"\r\n"


def test_a_large_csv_is_read_a_block_at_a_time_with_every_row_and_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Letters cut by a block's end, the BOM and the preamble before the header, and the
    line numbers after them, read as from the whole text at once (blocks of 4 KB here,
    1 MB in use: the same code, many more boundaries)."""
    from crm_tui.io import csv_reader

    monkeypatch.setattr(csv_reader, "BLOCK", 4_093)  # odd: a block ends inside letters
    data = _big_csv("é".encode())
    assert len(data) > 30 * csv_reader.BLOCK
    source = csv_reader.parse_csv(data)
    assert (source.encoding, source.header, source.header_line) == (
        "utf-8-sig",
        ["Name", "Email", "Notes"],
        3,
    )
    records = list(source.records())
    assert len(records) == 3_001 and source.lines == 3_005
    assert (records[0].line, records[0].cells) == (4, ["سارا 0", "s0@x.example", "یادداشت 0"])
    middle = records[1_500]
    assert (middle.line, middle.cells) == (1_504, ["سارا 1500", "s1500@x.example", "یادداشت 1500"])
    assert (records[-1].line, records[-1].cells) == (3_004, ["Last", "last@x.example", "café"])


def test_a_byte_that_is_not_utf8_far_into_a_file_is_read_as_excel_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whether a file is UTF-8 is told from all of it, not from its first block (nor from
    the head the encoding is otherwise detected from): "café" in cp1252 (byte E9) after
    plenty of plain ASCII."""
    from crm_tui.io import csv_reader

    monkeypatch.setattr(csv_reader, "BLOCK", 4_096)
    monkeypatch.setattr(csv_reader, "HEAD_BYTES", 8_192)
    rows = "".join(f"Sara {n},s{n}@x.example\n" for n in range(2_000)).encode()
    data = b"Name,Email\n" + rows + b"Caf\xe9,cafe@x.example\n"
    assert len(data) > 4 * csv_reader.HEAD_BYTES
    source = csv_reader.parse_csv(data)
    assert source.encoding == "cp1252"
    assert list(source.records())[-1].cells == ["Café", "cafe@x.example"]
    with pytest.raises(ValidationError, match="cannot read the file as utf-8"):
        csv_reader.parse_csv(data, encoding="utf-8")


def test_an_import_finds_or_creates_its_organizations_all_at_once(db_url: str) -> None:
    """Organizations named however the file spells them ("ACME", "Ácme") are one; a live
    one is reused, one in the trash is not; undoing the import removes only those it
    created. (One query and one insert per new organization made a file of 100,000
    contacts at 5,000 companies take 11.4 s; 8.4 s now.)"""
    from sqlalchemy import select

    from crm_tui.models import Organization
    from crm_tui.services.imports import import_contacts, undo_import
    from crm_tui.services.organizations import organization_named

    database = open_database(db_url)
    with database.write() as session:
        globex, *_ = organization_named(session=session, name="Globex")
        trashed, *_ = organization_named(session=session, name="Initech")
        initech = session.get(Organization, trashed)
        assert globex is not None and initech is not None
        initech.deleted_at = initech.created_at
    spelled = ["Acme", "ACME", "Ácme ", "Globex", "Initech", "شرکت  پارس", "شرکت پارس", ""]
    rows = [ContactValues(name=f"P{n}", organization=o) for n, o in enumerate(spelled)]
    with database.write() as session:
        report = import_contacts(session=session, rows=rows, source="test")
    with database.read() as session:
        live = session.execute(
            select(Organization.id, Organization.name).where(
                Organization.deleted_at.is_(None)  # type: ignore[union-attr]
            )
        ).all()
    names = {name: row_id for row_id, name in live}
    assert sorted(names) == ["Acme", "Globex", "Initech", "شرکت پارس"]
    assert names["Globex"] == globex and names["Initech"] != trashed
    people = by_name(db_url)
    assert [people[f"P{n}"]["organization"] for n in range(8)] == [
        "Acme", "Acme", "Acme", "Globex", "Initech", "شرکت پارس", "شرکت پارس", None
    ]  # fmt: skip
    with database.write() as session:
        undo_import(session=session, batch_id=report.batch_id or 0)
    with database.read() as session:
        left = session.scalars(
            select(Organization.name).where(Organization.deleted_at.is_(None))  # type: ignore[union-attr]
        ).all()
    database.close()
    assert left == ["Globex"]


def test_an_import_job_runs_without_the_cli(db_url: str, tmp_path: Path) -> None:
    """The core owns an import from file to batch: a job reports what it did, how the file
    was read and, when rows were rejected, the columns a rejects file repeats; committing
    is announced once the batch is written."""
    from crm_tui.importing.job import ImportJob, Kind
    from crm_tui.io.contact_file import ReadOptions
    from crm_tui.services.team import ensure_member

    people = _write(
        tmp_path / "people.csv",
        "Name,Email,Firma\nمریم رضایی,maryam@x.example,پارس\nBad,not-an-email,\n",
    )
    tasks = _write(tmp_path / "tasks.csv", "title,contact_email,due\nCall back,maryam@x.example,\n")
    database = open_database(db_url)
    told: list[str] = []

    def actor(session: object) -> int | None:
        return ensure_member(session=session, username="sara").id  # type: ignore[arg-type]

    try:
        job = ImportJob(
            kind=Kind.CONTACTS,
            path=people,
            read=ReadOptions(maps=["Firma=organization"]),
            skip_bad=True,
            tag="expo",
        )
        outcome = job.run(
            database=lambda: database, actor=actor, committing=lambda: told.append("commit")
        )
        assert (outcome.report.created, outcome.report.rejected) == (1, 1)
        assert outcome.profile == "generic" and outcome.header == ["Name", "Email", "Firma"]
        dry = ImportJob(kind=Kind.TASKS, path=tasks, dry_run=True)
        assert dry.run(database=lambda: database, actor=actor).report.created == 1
        done = ImportJob(kind=Kind.TASKS, path=tasks).run(database=lambda: database, actor=actor)
        assert (done.report.created, done.profile, done.header) == (1, "tasks", [])
    finally:
        database.close()
    assert told == ["commit"]
    [maryam] = contacts(db_url)
    assert (maryam["organization"], maryam["tags"]) == ("پارس", ["expo"])
    code, out, _ = crm(db_url, "tasks", "list", "--json")
    assert code == 0 and [t["title"] for t in json.loads(out)] == ["Call back"]


def test_a_file_its_byte_order_mark_belies_is_refused_in_one_line() -> None:
    """A UTF-16 BOM on a file cut in the middle of a letter: refused like a wrong
    --encoding (it raised an assertion, and before that Python's decoding error)."""
    import codecs

    from crm_tui.io.csv_reader import parse_csv

    data = codecs.BOM_UTF16_LE + "Name,Email\nSara,s@x.example\n".encode("utf-16-le") + b"\x00"
    with pytest.raises(ValidationError, match=r"^cannot read the file as utf-16$"):
        parse_csv(data)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_work_exported_from_another_database_never_lands_on_other_contacts(
    db_url: str, tmp_path: Path, fmt: str
) -> None:
    """An export names contacts by id, and another database's contact #1 is someone else:
    Mahsa's call, task and deal were filed under "Other Person" without a word. The name
    beside the id tells them apart; the same file into its own database still matches."""
    source = f"sqlite:///{tmp_path / 'source.db'}"
    assert crm(source, "contacts", "add", "Mahsa Ahmadi", "--email", "m@x.example")[0] == 0
    assert crm(source, "log", "called", "-c", "Mahsa Ahmadi", "--channel", "call")[0] == 0
    assert crm(source, "tasks", "add", "Call back", "--contact", "Mahsa Ahmadi")[0] == 0
    assert crm(source, "deals", "add", "Renewal", "--contact", "Mahsa Ahmadi")[0] == 0
    assert crm(db_url, "contacts", "add", "Other Person", "--email", "o@x.example")[0] == 0
    for kind in ("interactions", "tasks", "deals"):
        exported = tmp_path / f"{kind}.{fmt}"
        assert crm(source, "export", kind, "-f", fmt, "-o", str(exported))[0] == 0
        code, out, err = crm(db_url, "import", kind, str(exported))
        assert code == 1, (kind, out, err)
        assert "contact #1 is 'Other Person' here, not 'Mahsa Ahmadi'" in err, err
        code, out, err = crm(source, "import", kind, str(exported))
        assert (code, out.split(",")[:3]) == (0, ["created 0", " updated 0", " skipped 1"]), err
    assert crm(db_url, "export", "interactions")[1].count("\n") == 1  # its header alone
    # The exports give the contact's email too: with Mahsa there, her work finds her.
    contacts_file = tmp_path / "contacts.csv"
    assert crm(source, "export", "contacts", "-o", str(contacts_file))[0] == 0
    assert crm(db_url, "import", "contacts", str(contacts_file))[0] == 0
    for kind in ("interactions", "tasks", "deals"):
        code, out, err = crm(db_url, "import", kind, str(tmp_path / f"{kind}.{fmt}"))
        assert (code, out.split(",")[0]) == (0, "created 1"), (kind, err)
        (item,) = json.loads(crm(db_url, "export", kind, "-f", "json")[1])
        assert (item["contact_name"], item["contact_email"]) == ("Mahsa Ahmadi", "m@x.example")
    # Her email changed since the file was written: her id (and name) still find her.
    assert crm(source, "contacts", "edit", "1", "--email", "mahsa@new.example")[0] == 0
    code, out, err = crm(source, "import", "interactions", str(tmp_path / f"interactions.{fmt}"))
    assert (code, out.split(",")[:3]) == (0, ["created 0", " updated 0", " skipped 1"]), err


def test_an_import_refuses_a_tag_with_a_comma_as_the_app_does(db_url: str, tmp_path: Path) -> None:
    """`crm contacts add --tag "a,b"` is refused, but an import stored "a,b" as one tag,
    which every list then showed, filtered and exported as two: "a" and "b"."""
    csv_file = tmp_path / "a.csv"
    csv_file.write_text("name,email\nAli,ali@x.example\n", encoding="utf-8")
    code, _, err = crm(db_url, "import", "contacts", str(csv_file), "--tag", "a,b")
    assert (code, err.count("\n")) == (2, 1) and "a tag cannot contain a comma" in err
    json_file = tmp_path / "b.json"
    json_file.write_text(
        json.dumps([{"name": "Sara", "tags": ["a,b", "c"]}, {"name": "Reza", "tags": ["d"]}]),
        encoding="utf-8",
    )
    code, _, err = crm(db_url, "import", "contacts", str(json_file), "--skip-bad")
    assert code == 3 and "tags: a tag cannot contain a comma: 'a,b'" in err, err
    assert {c["name"]: c["tags"] for c in contacts(db_url)} == {"Reza": ["d"]}


def test_two_columns_filling_one_field_are_refused_not_one_lost(
    db_url: str, tmp_path: Path
) -> None:
    """A file with two "City" columns kept Shiraz and dropped Tehran, unsaid; "Title" and
    "Job Title" both fill the title, and the second replaced the first."""
    twice = tmp_path / "twice.csv"
    twice.write_text("name,email,City,City\nA,a@x.example,Tehran,Shiraz\n", encoding="utf-8")
    code, _, err = crm(db_url, "import", "contacts", str(twice))
    assert (code, err) == (
        1,
        "crm: error: columns 3 (City) and 4 (City) both fill City: one would replace the "
        "other; rename one of them\n",
    )
    titles = tmp_path / "titles.csv"
    titles.write_text("name,email,Title,Job Title\nB,b@x.example,Boss,CEO\n", encoding="utf-8")
    code, _, err = crm(db_url, "import", "contacts", str(titles))
    assert code == 1 and err.endswith('leave it out: --map "Job Title=ignore"\n'), err
    assert contacts(db_url) == []
    code, _, err = crm(db_url, "import", "contacts", str(titles), "--map", "Job Title=ignore")
    assert code == 0, err
    assert [(c["name"], c["title"]) for c in contacts(db_url)] == [("B", "Boss")]


def test_a_csv_cell_spanning_lines_is_one_line_in_a_one_line_field(
    db_url: str, tmp_path: Path
) -> None:
    """A quoted cell may span lines: a name or a title kept its line break (the list then
    showed "Multi ↵ Line"), where the app, crm contacts add and a JSON file make it one
    line. An address and notes keep theirs."""
    spanning = tmp_path / "spanning.csv"
    spanning.write_text(
        'name,email,title,address,notes\n"Multi\nLine",m@x.example,"Ti\ntle","Street 1\n'
        'Tehran","one\ntwo"\n',
        encoding="utf-8",
    )
    assert crm(db_url, "import", "contacts", str(spanning))[0] == 0
    (stored,) = contacts(db_url)
    code, out, err = crm(db_url, "contacts", "show", str(stored["id"]), "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert (shown["name"], shown["title"]) == ("Multi Line", "Ti tle")
    assert (shown["address"], shown["notes"]) == ("Street 1\nTehran", "one\ntwo")


def test_an_interrupted_bundle_leaves_nothing_under_its_name(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in `crm export all -o DIR` said nothing was changed, and left DIR holding
    half the tables and no manifest: `import all DIR` then said "not a crm bundle", and a
    second export "DIR is not empty"."""
    from crm_tui.services import bundle

    assert crm(db_url, "contacts", "add", "Sara")[0] == 0
    whole = bundle.dump

    def stopped(**arguments: object) -> dict[str, int]:
        whole(**arguments)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(bundle, "dump", stopped)
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = crm(db_url, "export", "all", "-o", str(out / "bundle"))
    assert (code, err) == (
        130,
        "crm: error: interrupted; nothing was changed by the unfinished step\n",
    )
    assert list(out.iterdir()) == []
    empty = out / "empty"  # an empty folder there: written in place, emptied again
    empty.mkdir()
    code, _, _ = crm(db_url, "export", "all", "-o", str(empty))
    assert code == 130 and list(empty.iterdir()) == []
    monkeypatch.setattr(bundle, "dump", whole)
    assert crm(db_url, "export", "all", "-o", str(empty))[0] == 0
    assert (empty / "manifest.json").is_file()
    assert [p.name for p in out.iterdir()] == ["empty"]
    # In place too: "." (no name to write beside) and a link to an empty folder.
    here, real = out / "here", out / "real"
    here.mkdir()
    real.mkdir()
    (out / "link").symlink_to(real)
    monkeypatch.chdir(here)
    assert crm(db_url, "export", "all", "-o", ".")[0] == 0
    assert crm(db_url, "export", "all", "-o", str(out / "link"))[0] == 0
    assert (here / "manifest.json").is_file() and (real / "manifest.json").is_file()
    assert sorted(p.name for p in out.iterdir()) == ["empty", "here", "link", "real"]


@pytest.mark.parametrize("reader", ["inline", "background"])
@pytest.mark.parametrize("on_duplicate", ["skip", "update"])
def test_rows_match_within_a_file_as_they_match_stored_contacts(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_duplicate: str, reader: str
) -> None:
    """A row without an email is matched on its phone: Bob (no email) is Ann's phone, so
    importing Ann, then Bob, finds Ann. In one file, Bob was a new contact: Ann had been
    taken by her email alone. A large file's rows come slim from their reading process
    (no emails or phones): what finds them comes with them."""
    from crm_tui.importing import reading

    monkeypatch.setattr(reading, "BACKGROUND_BYTES", 10**9 if reader == "inline" else 0)
    one = tmp_path / "one.csv"
    one.write_text(
        "name,email,phone\nAnn,ann@x.example,+98 912 555 0101\nBob,,+98 912 555 0101\n",
        encoding="utf-8",
    )
    second = f"sqlite:///{tmp_path / 'second.db'}"
    first, then = tmp_path / "first.csv", tmp_path / "then.csv"
    header, ann, bob = one.read_text(encoding="utf-8").splitlines()
    first.write_text(f"{header}\n{ann}\n", encoding="utf-8")
    then.write_text(f"{header}\n{bob}\n", encoding="utf-8")
    assert crm(second, "import", "contacts", str(first))[0] == 0
    assert crm(second, "import", "contacts", str(then), "--on-duplicate", on_duplicate)[0] == 0
    code, out, err = crm(db_url, "import", "contacts", str(one), "--on-duplicate", on_duplicate)
    assert code == 0 and "created 1," in out, (out, err)

    def kept(url: str) -> list[tuple[object, ...]]:
        return [(c["name"], c["email"], c["phone"]) for c in contacts(url)]

    assert kept(db_url) == kept(second) and len(kept(db_url)) == 1


def test_a_long_export_tells_how_far_it_has_gone(db_url: str) -> None:
    """A vCard export of 200k contacts showed nothing on a terminal for 11 s: an export
    passes its rows on telling the bar how many of all have gone, every _TOLD_EVERY."""
    from crm_tui.commands import io as commands_io
    from crm_tui.db import open_database
    from tests.conftest import add_contact

    database = open_database(db_url)
    with database.write() as session:
        for n in range(5):
            add_contact(session, f"P{n}")
    told: list[tuple[str, int, int]] = []
    with database.read() as session:
        telling = commands_io._telling(
            lambda *step: told.append(step), "exporting contacts", session, "contact"
        )
        every = commands_io._TOLD_EVERY
        assert list(telling(range(2 * every + 1))) == list(range(2 * every + 1))
        assert told == [("exporting contacts", every, 5), ("exporting contacts", 2 * every, 5)]
        only = commands_io._telling(lambda *step: told.append(step), "x", session, "contact", {1})
        assert list(only(range(every))) == list(range(every)) and told[-1] == ("x", every, 1)
        silent = commands_io._telling(None, "x", session, "contact")
        assert list(silent("ab")) == ["a", "b"]
    database.close()


def test_rows_merged_into_rows_before_them_are_said_merged_not_skipped(
    db_url: str, tmp_path: Path
) -> None:
    """With --on-duplicate update, A twice and C twice said "skipped 2", yet the later
    rows' values were written: they were merged into the rows before them."""
    stored = tmp_path / "stored.csv"
    stored.write_text("name,email\nC,c@x.example\n", encoding="utf-8")
    assert crm(db_url, "import", "contacts", str(stored))[0] == 0
    path = tmp_path / "twice.csv"
    path.write_text(
        "name,email,City\nA,a@x.example,X\nA,a@x.example,Y\nC,c@x.example,Z\nC,c@x.example,W\n",
        encoding="utf-8",
    )
    code, out, _ = crm(db_url, "import", "contacts", str(path), "--on-duplicate", "update")
    assert (code, out.split(" (batch")[0]) == (
        0,
        "created 1, updated 1, skipped 0, rejected 0, merged 2 into rows before them",
    )
    code, out, _ = crm(
        db_url, "import", "contacts", str(path), "--on-duplicate", "update", "--json"
    )
    assert {key: json.loads(out)[key] for key in ("created", "updated", "skipped", "merged")} == {
        "created": 0,
        "updated": 0,
        "skipped": 2,
        "merged": 2,
    }


def test_bad_items_of_a_json_file_on_one_line_are_named_by_their_place(
    db_url: str, tmp_path: Path
) -> None:
    """A compact JSON file (all on one line) named every bad item "line 1"; where items
    start on one line, each is named by its place in the array too."""
    compact = tmp_path / "compact.json"
    compact.write_text(
        '[{"name": "A", "email": "bad"}, {"name": "B"}, {"name": "C", "email": "x"}]',
        encoding="utf-8",
    )
    code, _, err = crm(db_url, "import", "contacts", str(compact))
    lines = err.splitlines()
    assert code == 1 and lines[0].startswith(f"crm: {compact}: line 1: item 1: email: "), err
    assert lines[1].startswith(f"crm: {compact}: line 1: item 3: email: "), err
    tasks = tmp_path / "tasks.json"
    tasks.write_text(
        '[{"title": "t", "contact_email": "nobody@x.example"}, {"title": "u"}]',
        encoding="utf-8",
    )
    code, _, err = crm(db_url, "import", "tasks", str(tasks))
    assert code == 1 and (
        f"crm: {tasks}: line 1: item 1: no contact with id or email 'nobody@x.example'" in err
    ), err
    pretty = tmp_path / "pretty.json"
    pretty.write_text('[\n  {"name": "A", "email": "bad"},\n  {"name": "B"}\n]\n', "utf-8")
    code, _, err = crm(db_url, "import", "contacts", str(pretty))
    assert code == 1 and f"crm: {pretty}: line 2: email: " in err, err  # its line tells


def test_a_bad_card_is_named_by_the_line_it_starts_on_alone(db_url: str, tmp_path: Path) -> None:
    """vobject's own "At line 7:" counted from the card, beside the file's line: "line 22:
    card 4: At line 7: Component VCARD was never closed" gave two lines for one place."""
    cards = tmp_path / "cards.vcf"
    cards.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:B\r\n",
        encoding="utf-8",
    )
    code, _, err = crm(db_url, "import", "contacts", str(cards))
    assert code == 1
    assert err.splitlines()[0] == f"crm: {cards}: line 5: card 2: Component VCARD was never closed"


def test_a_stored_contact_comes_before_an_earlier_row_found_by_its_phone(
    db_url: str, tmp_path: Path
) -> None:
    """Sam is stored with a phone and no email; the file brings Ann (an email and Sam's
    phone), then Caller (no email, the same phone). Imported in two runs, Caller updates
    Sam; in one file it was merged into Ann, found through her phone, and Sam was left."""
    assert crm(db_url, "contacts", "add", "Stored Sam", "--phone", "+989121234567")[0] == 0
    path = tmp_path / "m.csv"
    path.write_text(
        "name,email,phone,title\nAnn New,ann@new.example,+989121234567,\n"
        "Caller,,+989121234567,Manager\n",
        encoding="utf-8",
    )
    code, out, err = crm(db_url, "import", "contacts", str(path), "--on-duplicate", "update")
    assert (code, out.split(" (batch")[0]) == (
        0,
        "created 1, updated 1, skipped 0, rejected 0",
    ), err
    found = {(c["name"], c["email"]) for c in contacts(db_url)}
    assert found == {("Ann New", "ann@new.example"), ("Caller", None)}


def test_free_fields_differing_in_case_are_two_a_defined_one_is_one(
    db_url: str, tmp_path: Path
) -> None:
    """crm keeps free custom fields as written ("City" and "city" are two), so its own
    export of such a contact came back refused ("both fill city"). A defined field is
    one, whatever the case: two columns of it in one row are refused, not one lost."""
    path = tmp_path / "cities.csv"
    path.write_text("name,City,city\nQ,Tehran,Shiraz\n", encoding="utf-8")
    assert crm(db_url, "import", "contacts", str(path))[0] == 0
    (stored,) = contacts(db_url)
    shown = json.loads(crm(db_url, "contacts", "show", str(stored["id"]), "--json")[1])
    assert shown["custom"] == {"City": "Tehran", "city": "Shiraz"}
    assert crm(db_url, "fields", "add", "Region", "--type", "text")[0] == 0
    path.write_text("name,Region,region\nR,North,South\n", encoding="utf-8")
    code, _, err = crm(db_url, "import", "contacts", str(path))
    assert code == 1 and "Region is given twice" in err, err


def test_an_export_imports_back_as_nothing_new_when_its_email_is_shared(
    db_url: str, tmp_path: Path
) -> None:
    """Found by email first, a call of Bob's (who shares info@shop.example with Ann, and
    with Sara Old in the trash) came back as a new call under Ann: the id, when it is the
    contact of that name here, comes first."""
    for name in ("Ann", "Bob", "Sara Old"):
        assert crm(db_url, "contacts", "add", name, "--email", "info@shop.example")[0] == 0
    assert crm(db_url, "log", "a call", "-c", "2", "--channel", "call")[0] == 0
    assert crm(db_url, "log", "a note", "-c", "3")[0] == 0
    assert crm(db_url, "contacts", "delete", "3")[0] == 0
    exported = tmp_path / "calls.csv"
    assert crm(db_url, "export", "interactions", "-o", str(exported))[0] == 0
    code, out, err = crm(db_url, "import", "interactions", str(exported))
    assert (code, out.split(",")[:3]) == (0, ["created 0", " updated 0", " skipped 2"]), err
    # Names compare as sorted and searched: "Zoe" is Zoë.
    assert crm(db_url, "contacts", "add", "Zoë Noemail")[0] == 0
    renamed = tmp_path / "zoe.csv"
    renamed.write_text("contact_id,contact,subject\n4,Zoe Noemail,hello\n", encoding="utf-8")
    code, out, err = crm(db_url, "import", "interactions", str(renamed))
    assert (code, out.split(",")[0]) == (0, "created 1"), err
