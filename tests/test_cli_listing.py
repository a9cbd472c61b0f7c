"""`crm contacts list` and friends: honest counts, rows written as they are read, and the
fields the form edits available on the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli import crm


def _many(db_url: str, tmp_path: Path, count: int) -> None:
    rows = "".join(f"Person {n:04d},p{n}@example.com\n" for n in range(count))
    source = tmp_path / "many.csv"
    source.write_text("name,email\n" + rows, encoding="utf-8")
    code, _, err = crm(db_url, "import", "contacts", str(source))
    assert code == 0, err


def test_a_listing_cut_by_the_default_limit_says_how_many_there_are(
    db_url: str, tmp_path: Path
) -> None:
    """`crm contacts list` printed "100 contacts" of 2,500 (an undocumented --limit 100)."""
    _many(db_url, tmp_path, 2500)
    code, out, _ = crm(db_url, "contacts", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[-1] == "100 of 2,500 contacts (--limit 0 lists all)"
    assert len(lines) == 1 + 100 + 1  # header, rows, summary
    code, out, _ = crm(db_url, "contacts", "list", "--limit", "0")
    assert out.splitlines()[-1] == "2500 contacts"
    assert len(out.splitlines()) == 2502
    code, out, _ = crm(db_url, "contacts", "list", "--search", "person 00", "-n", "5")
    assert out.splitlines()[-1] == "5 of 100 contacts (--limit 0 lists all)"
    _, help_text, _ = crm(db_url, "contacts", "list", "--help")
    assert "default 100" in help_text


def test_json_listings_are_whole_and_say_on_stderr_when_cut(db_url: str, tmp_path: Path) -> None:
    _many(db_url, tmp_path, 1500)  # more than a page of 1,000
    code, out, err = crm(db_url, "contacts", "list", "--json", "--limit", "0")
    assert code == 0
    listed = json.loads(out)
    assert len(listed) == 1500 and len({c["id"] for c in listed}) == 1500
    assert [c["name"] for c in listed] == sorted(c["name"] for c in listed)
    assert listed[0]["emails"] == [{"value": "p0@example.com", "label": ""}]
    code, out, err = crm(db_url, "contacts", "list", "--json", "-n", "3")
    assert len(json.loads(out)) == 3
    assert "3 of 1,500 contacts" in err
    code, out, _ = crm(db_url, "contacts", "list", "--json", "--search", "nobody-at-all")
    assert json.loads(out) == []


@pytest.mark.slow
def test_a_listing_read_by_head_stops_quietly(db_url: str, tmp_path: Path) -> None:
    """Rows are written as they are read: `| head` gets its lines and the listing ends
    without a word when the reader goes away."""
    _many(db_url, tmp_path, 3000)
    command = [sys.executable, "-m", "crm_tui", "--db", db_url, "contacts", "list", "-n", "0"]
    for extra in ([], ["--json"]):
        listing = subprocess.Popen(
            [*command, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ
        )
        assert listing.stdout is not None
        first = [listing.stdout.readline() for _ in range(3)]
        listing.stdout.close()
        _, err = listing.communicate(timeout=60)
        assert first[0].split() in (
            [b"["],
            [b"ID", b"Name", b"Organization", b"Email", b"Phone", b"Tags"],
        )
        assert b"Traceback" not in err, err


def test_tables_line_up_whatever_the_script(db_url: str) -> None:
    """Columns are measured in terminal cells: a CJK letter takes two."""
    from rich.cells import cell_len

    crm(db_url, "contacts", "add", "陈小明", "--email", "xm@example.com")
    crm(db_url, "contacts", "add", "Ana", "--email", "a@example.com")
    _, out, _ = crm(db_url, "contacts", "list")
    header, first, second = out.splitlines()[:3]
    where = [
        cell_len(line[: line.index(text)])
        for line, text in ((header, "Email"), (first, "a@example.com"), (second, "xm@example.com"))
    ]
    assert where[0] == where[1] == where[2], out


def test_duplicates_cut_by_the_limit_say_so(db_url: str) -> None:
    for n in range(4):
        crm(db_url, "contacts", "add", f"Twin {n}", "--email", "twin@example.com")
    code, out, err = crm(db_url, "contacts", "duplicates", "--limit", "2")
    assert code == 0
    assert out.splitlines()[-1] == "2+ likely duplicate pairs"
    assert "there are more" in err
    _, out, _ = crm(db_url, "contacts", "duplicates")
    assert out.splitlines()[-1] == "3 likely duplicate pairs"  # each to the first


def test_the_cli_edits_what_the_form_edits(db_url: str) -> None:
    """--owner, --birthday, --referred-by were refused; --website, --source, --address
    already worked."""
    crm(db_url, "team", "add", "Negar Rahimi", "--username", "negar")
    assert crm(db_url, "contacts", "add", "Sara")[0] == 0
    code, out, err = crm(
        db_url, "contacts", "add", "Omid", "--birthday=--12-24", "--owner", "negar",
        "--referred-by", "Sara", "--website", "omid.example", "--source", "expo",
        "--address", "Tehran", "--json",
    )  # fmt: skip
    assert code == 0, err
    added = json.loads(out)
    assert added["owner"] == "Negar Rahimi"
    assert added["birthday"] == "1604-12-24"  # the year that stands for none
    assert added["referred_by_id"] == 1
    assert (added["website"], added["source"], added["address"]) == (
        "omid.example",
        "expo",
        "Tehran",
    )
    code, out, err = crm(
        db_url, "contacts", "edit", "Omid", "--owner", "", "--birthday", "1990-05-01", "--json"
    )
    assert code == 0, err
    edited = json.loads(out)
    assert edited["owner"] is None and edited["birthday"] == "1990-05-01"
    code, _, err = crm(db_url, "contacts", "edit", "Omid", "--owner", "nobody-like-that")
    assert code == 1 and "nobody-like-that" in err


def test_a_listing_gives_each_contact_as_show_does(db_url: str) -> None:
    """The listing reads its rows straight from the driver: every value as `show` (through
    the ORM) gives it, times, year-less birthdays, custom fields, labels and the trash."""
    crm(db_url, "team", "add", "Negar Rahimi", "--username", "negar")
    crm(
        db_url, "contacts", "add", "سارا احمدی", "--email", "work:sara@example.com",
        "--email", "s2@example.com", "--phone", "+98 912 555 0101", "--tag", "vip",
        "--field", "City=تهران", "--birthday=--12-24", "--owner", "negar", "--notes", "a\nb",
    )  # fmt: skip
    crm(db_url, "contacts", "add", "Jonas", "--birthday", "1990-05-01", "--org", "Acme")
    crm(db_url, "log", "Called", "--contact", "Jonas", "--when", "-1d")
    crm(db_url, "contacts", "add", "Gone")
    crm(db_url, "contacts", "delete", "Gone")
    _, out, _ = crm(db_url, "contacts", "list", "--json")
    _, trash, _ = crm(db_url, "contacts", "list", "--json", "--trash")
    listed = json.loads(out) + json.loads(trash)
    assert len(listed) == 3
    for contact in listed:
        _, shown, _ = crm(db_url, "contacts", "show", str(contact["id"]), "--json")
        expected = json.loads(shown) if shown else None
        if expected is None:  # a trashed contact: compared with what it was
            assert contact["deleted_at"] is not None
            continue
        expected.pop("timeline")  # what show adds about the contact, beside its fields
        assert expected.pop("dates") == []
        assert contact == expected


def test_an_owner_column_sets_the_owner_and_round_trips(db_url: str, tmp_path: Path) -> None:
    """A CSV's owner column was kept as a custom field "owner"; it names a team member now,
    by name, username or initials, as --owner does, in CSV and JSON, for new and updated
    contacts; a name nobody on the team has is a bad row, not a guess."""
    crm(db_url, "team", "add", "Negar Rahimi", "--username", "negar")
    crm(db_url, "team", "add", "Søren Berg", "--username", "soren")
    source = tmp_path / "owners.csv"
    source.write_text(
        "name,email,Contact Owner\n"
        "سارا,sara@example.com,negar\n"
        "Jonas,jonas@example.com,soren berg\n"
        "Ana,ana@example.com,\n",
        encoding="utf-8",
    )
    code, _, err = crm(db_url, "import", "contacts", str(source))
    assert code == 0, err
    _, out, _ = crm(db_url, "contacts", "list", "--json")
    owners = {c["name"]: (c["owner"], c["custom"]) for c in json.loads(out)}
    assert owners == {
        "سارا": ("Negar Rahimi", {}),
        "Jonas": ("Søren Berg", {}),
        "Ana": (None, {}),
    }

    # An update sets or changes the owner; a blank cell leaves it.
    source.write_text(
        "name,email,owner\nAna,ana@example.com,NR\nJonas,jonas@example.com,\n", encoding="utf-8"
    )
    code, out, err = crm(db_url, "import", "contacts", str(source), "--on-duplicate", "update")
    assert code == 0 and "updated 1" in out, (out, err)
    _, out, _ = crm(db_url, "contacts", "list", "--json")
    owners = {c["name"]: c["owner"] for c in json.loads(out)}
    assert owners == {"سارا": "Negar Rahimi", "Jonas": "Søren Berg", "Ana": "Negar Rahimi"}

    # Nobody of that name: the row is refused with the reason, nothing written without
    # --skip-bad (as any bad row).
    source.write_text("name,owner\nKaveh,Nobody Known\n", encoding="utf-8")
    code, out, err = crm(db_url, "import", "contacts", str(source))
    assert code == 1 and "line 2: column 'owner': no team member is called 'Nobody Known'" in err
    assert "Kaveh" not in crm(db_url, "contacts", "list")[1]

    # A file over 1 MB is read in a process of its own, which is sent the team.
    big = "x" * 1_100_000
    source.write_text(
        f"name,email,owner,notes\nLeila,leila@example.com,soren,{big}\n", encoding="utf-8"
    )
    code, _, err = crm(db_url, "import", "contacts", str(source))
    assert code == 0, err
    _, out, _ = crm(db_url, "contacts", "show", "Leila", "--json")
    assert json.loads(out)["owner"] == "Søren Berg"
    assert crm(db_url, "contacts", "delete", "Leila")[0] == 0
    source.write_text(f"name,notes\nNo Owner,{big}\n", encoding="utf-8")
    assert crm(db_url, "import", "contacts", str(source))[0] == 0  # the team never asked for
    assert crm(db_url, "contacts", "delete", "No Owner")[0] == 0

    # crm's own CSV and JSON carry the owner's name, and read it back.
    for name in ("back.csv", "back.json"):
        exported = tmp_path / name
        code, _, err = crm(db_url, "export", "contacts", "-o", str(exported))
        assert code == 0, err
        other = f"sqlite:///{tmp_path / (name + '.db')}"
        crm(other, "team", "add", "Negar Rahimi", "--username", "negar")
        crm(other, "team", "add", "Søren Berg", "--username", "soren")
        code, _, err = crm(other, "import", "contacts", str(exported))
        assert code == 0, err
        _, out, _ = crm(other, "contacts", "list", "--json")
        assert {c["name"]: c["owner"] for c in json.loads(out)} == owners


def test_a_file_of_bad_rows_lists_the_first_ones_and_counts_the_rest(
    db_url: str, tmp_path: Path
) -> None:
    """A file whose owner column names nobody on the team printed a line per row: 100k
    lines to a terminal or a cron mail. The first 50 are listed, then how many more; --json
    and --rejects still give every one."""
    source = tmp_path / "owners.csv"
    rows = "".join(f"Person {n},p{n}@example.com,Nobody\n" for n in range(120))
    source.write_text("name,email,owner\n" + rows, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "crm_tui", "--db", db_url, "import", "contacts", str(source)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    listed = [line for line in lines if ": line " in line]
    assert len(listed) == 50 and listed[0].endswith(
        "no team member is called 'Nobody' (add them with `crm team add`, then import again)"
    )
    assert "crm: … and 70 more bad row(s) (--rejects FILE or --json gives every one)" in lines
    assert "nothing imported: 120 bad row(s)" in done.stderr
    rejects = tmp_path / "bad.csv"
    code, out, _ = crm(
        db_url, "import", "contacts", str(source), "--json", "--rejects", str(rejects)
    )
    assert code == 1 and len(json.loads(out)["errors"]) == 120
    assert len(rejects.read_text(encoding="utf-8").splitlines()) == 121
