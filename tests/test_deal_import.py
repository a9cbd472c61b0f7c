"""``crm import deals``: an export read back whole, bad rows refused with their lines (all or
nothing), a file imported again skipped, and an undo that keeps what was worked on since."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from crm_tui.db import open_database
from crm_tui.models import Deal, DealStageChange, Organization, Tag
from crm_tui.schemas import DealCreate, DealUpdate
from crm_tui.services import deals
from tests.conftest import add_contact
from tests.test_cli import crm

# What an export carries that an import must bring back (the rest is the new row's own).
_KEPT = (
    "title",
    "value_minor",
    "currency",
    "pipeline",
    "stage",
    "probability",
    "expected_close",
    "contact_id",
    "organization",
    "owner",
    "source",
    "notes",
    "lost_reason",
    "closed_at",
    "created_at",
    "tags",
)


def _sample(db_url: str) -> list[dict[str, object]]:
    """Four deals: open with a probability of its own, won, lost for a reason, and one in
    rials at an organization; as ``crm deals list --json`` gives them."""
    crm(db_url, "team", "add", "Negar Rahimi", "--username", "negar")
    database = open_database(db_url)
    with database.write() as session:
        sara = add_contact(session, "سارا نوری")

        def add(title: str, **values: object) -> int:
            data = {"title": title, "currency": "EUR", **values}
            return deals.create_deal(session=session, data=DealCreate.build(**data)).id

        own = add(
            "Website redesign",
            value_minor=120_050,
            contact_id=sara,
            probability=35,
            tags=["vip", "مشتری ویژه"],
            custom={"Contract": "ق-۱۲"},
        )
        deals.update_deal(session=session, deal_id=own, data=DealUpdate(notes="two\nlines"))
        won = add("Logo", value_minor=50_000, expected_close=date(2026, 11, 30), source="وب")
        deals.win_deal(session=session, deal_id=won)
        lost = add("Catalogue", value_minor=9_900, contact_id=sara)
        deals.lose_deal(session=session, deal_id=lost, reason="Price")
        add("قرارداد پشتیبانی", currency="IRR", value_minor=10**9, organization="شرکت پارس")
    database.close()
    code, out, err = crm(db_url, "deals", "list", "--json")
    assert code == 0, err
    return sorted(json.loads(out), key=lambda deal: deal["title"])


def _trash_all(db_url: str) -> None:
    database = open_database(db_url)
    with database.write() as session:
        ids = list(session.scalars(select(Deal.id).where(col(Deal.deleted_at).is_(None))))
        deals.delete_deals(session=session, deal_ids=ids)
    database.close()


def _kept(listed: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{name: deal[name] for name in _KEPT} for deal in listed]


def test_exported_deals_come_back_whole_from_csv_and_json(db_url: str, tmp_path: Path) -> None:
    before = _sample(db_url)
    for fmt in ("csv", "json"):  # both of the deals as they were first
        out = tmp_path / f"deals.{fmt}"
        assert crm(db_url, "export", "deals", "--format", fmt, "-o", str(out))[0] == 0
    for fmt in ("csv", "json"):
        out = tmp_path / f"deals.{fmt}"
        _trash_all(db_url)  # a deal in the trash is not "already there": all four come back
        code, printed, err = crm(db_url, "import", "deals", str(out))
        assert (code, err) == (0, ""), printed
        assert printed.startswith("created 4, updated 0, skipped 0, rejected 0"), printed
        code, listed, _ = crm(db_url, "deals", "list", "--json")
        after = sorted(json.loads(listed), key=lambda deal: deal["title"])
        assert _kept(after) == _kept(before), fmt
        # Custom fields travel both ways (a CSV's "custom" cell holds them as JSON: a CSV
        # export dropped them).
        custom = {deal["title"]: deal["custom"] for deal in after if deal["custom"]}
        assert custom == {"Website redesign": {"Contract": "ق-۱۲"}}, fmt
    database = open_database(db_url)
    with database.read() as session:
        live = list(session.scalars(select(Deal).where(col(Deal.deleted_at).is_(None))))
        assert {deal.probability for deal in live} == {None, 35}  # the stage's follows moves
        changes = session.scalars(
            select(DealStageChange.changed_at).where(
                col(DealStageChange.deal_id).in_([deal.id for deal in live])
            )
        )
        # One change each, at the close for a closed deal, else at its creation.
        assert sorted(changes) == sorted(deal.closed_at or deal.created_at for deal in live)
    database.close()


def test_a_file_imported_again_adds_only_its_new_deals(db_url: str, tmp_path: Path) -> None:
    crm(db_url, "contacts", "add", "Sara", "--email", "sara@x.example")
    path = tmp_path / "deals.csv"
    rows = "title,value,currency,contact_email,expected_close\n"
    rows += 'Logo,"1.200,50",EUR,sara@x.example,2026-12-31\n'
    path.write_text(rows + 'Logo,"1.200,50",EUR,sara@x.example,2026-12-31\n', encoding="utf-8")
    code, out, _ = crm(db_url, "import", "deals", str(path))
    assert (code, out.split(" (")[0]) == (0, "created 1, updated 0, skipped 1, rejected 0")
    path.write_text(rows + "Site,۱٬۲۰۰,irr,sara@x.example,\nAds,1.2k,,,\n", encoding="utf-8")
    code, out, _ = crm(db_url, "import", "deals", str(path))
    assert (code, out.split(" (")[0]) == (0, "created 2, updated 0, skipped 1, rejected 0")
    listed = json.loads(crm(db_url, "deals", "list", "--json")[1])
    assert sorted((d["title"], d["value_minor"], d["currency"]) for d in listed) == [
        ("Ads", 120_000, "EUR"),
        ("Logo", 120_050, "EUR"),
        ("Site", 1_200, "IRR"),
    ]


def test_an_import_looks_its_organizations_up_once(db_url: str, tmp_path: Path) -> None:
    """Every row's organization is found (or made) in one go, not again deal by deal."""
    from sqlalchemy import Engine, event

    path = tmp_path / "deals.csv"
    lines = [f"Deal {i},100,EUR,{['Acme', 'ACME ', 'شرکت پارس'][i % 3]}" for i in range(30)]
    path.write_text("title,value,currency,organization\n" + "\n".join(lines) + "\n")
    read: list[str] = []

    def seen(_c: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "FROM organization" in statement and "WHERE organization.sort_name" in statement:
            read.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        code, out, err = crm(db_url, "import", "deals", str(path))
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert (code, out.split(" (")[0]) == (0, "created 30, updated 0, skipped 0, rejected 0"), err
    assert len(read) == 1, read
    listed = json.loads(crm(db_url, "deals", "list", "--json", "--limit", "100")[1])
    assert sorted({d["organization"] for d in listed}) == ["Acme", "شرکت پارس"]


def test_bad_rows_are_refused_with_their_lines_and_nothing_is_written(
    db_url: str, tmp_path: Path
) -> None:
    """Through a real process: exit 1 and a line per bad row naming it; --rejects keeps
    them with their reason; --skip-bad writes the good one (exit 3)."""
    crm(db_url, "contacts", "add", "Sara", "--email", "sara@x.example")
    path = tmp_path / "deals.csv"
    rows = [
        ["title", "value", "currency", "stage", "lost_reason", "closed_at", "created_at", "owner"],
        ["Good", "1,200.50", "EUR", "Proposal", "", "", "2026-01-05 10:00", ""],
        ["Nowhere", "10", "EUR", "Signed", "", "", "", ""],
        ["Lost why", "10", "EUR", "Lost", "", "2026-02-01 10:00", "", ""],
        ["Not lost", "10", "EUR", "Lead", "Price", "", "", ""],
        ["Open closed", "10", "EUR", "Lead", "", "2026-02-01 10:00", "", ""],
        ["Future", "10", "EUR", "", "", "", "2999-01-01 10:00", ""],
        ["Backwards", "10", "EUR", "Won", "", "2026-01-01 10:00", "2026-02-01 10:00", ""],
        ["Rials", "12.5", "IRR", "", "", "", "", ""],
        ["Money", "12 apples", "EUR", "", "", "", "", ""],
        ["Coins", "10", "XXY", "", "", "", "", ""],
        ["Nobody", "10", "EUR", "", "", "", "", "ghost"],
        ["", "10", "EUR", "", "", "", "", ""],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "crm_tui", "--db", db_url, "import", "deals", *args]
        env = {**os.environ, "CRM_DIGITS": "latin"}
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)

    rejects = tmp_path / "rejects.csv"
    refused = run(str(path), "--rejects", str(rejects))
    assert refused.returncode == 1, refused.stderr
    assert refused.stdout.startswith("nothing written: would have created 1,")
    lines = refused.stderr.splitlines()
    said = {int(line.split("line ")[1].split(":")[0]): line for line in lines if " line " in line}
    assert sorted(said) == list(range(3, 14)), lines
    for line, words in {
        3: "no stage 'Signed'",
        4: "a lost deal needs its lost_reason",
        5: "is for a lost deal, and 'Lead' is not lost",
        6: "closed_at is for a won or lost deal",
        7: "created_at 2999-01-01",
        8: "created_at is after closed_at",
        9: "IRR has 0 decimals",
        10: "not an amount: '12 apples'",
        11: "unknown currency 'XXY'",
        12: "no team member matches 'ghost'",
        13: "title",
    }.items():
        assert words in said[line], (line, said[line])
    assert json.loads(crm(db_url, "deals", "list", "--json")[1]) == []
    kept = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8"))))
    assert [row[2:] for row in kept[1:]] == rows[2:]  # each bad row as written, after why
    assert run(str(path), "--dry-run").returncode == 1
    written = run(str(path), "--skip-bad")
    assert written.returncode == 3, written.stderr
    (good,) = json.loads(crm(db_url, "deals", "list", "--json")[1])
    assert (good["title"], good["value_minor"], good["stage"]) == ("Good", 120_050, "Proposal")
    assert good["created_at"].startswith("2026-01-05")


def test_undo_keeps_a_deal_moved_since_and_removes_the_rest_and_its_organization(
    db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "deals.csv"
    path.write_text(
        "title,value,organization,tags\n"
        'Logo,100,شرکت تازه,تازه\nSite,200,,\nAds,300,شرکت تازه,"تازه, hot"\n',
        encoding="utf-8",
    )
    assert crm(db_url, "import", "deals", str(path))[0] == 0
    database = open_database(db_url)
    with database.write() as session:
        site = session.scalar(select(Deal.id).where(Deal.title == "Site"))
        assert site is not None
        proposal = deals.find_stage(session=session, ref="Proposal")
        deals.move_deal(session=session, deal_id=site, stage_id=proposal.id)
    database.close()
    code, out, err = crm(db_url, "import", "undo", "1")
    assert code == 3, (out, err)
    assert err == f"crm: kept deal #{site} Site: edited since the import (version 2)\n"
    assert "removed 2" in out and "1 organization" in out and "2 tags" in out
    assert [d["title"] for d in json.loads(crm(db_url, "deals", "list", "--json")[1])] == ["Site"]
    database = open_database(db_url)
    with database.read() as session:
        assert list(session.scalars(select(Organization.name))) == []
        assert list(session.scalars(select(Tag.name))) == []
        changes = session.scalars(select(DealStageChange.deal_id).distinct())
        assert list(changes) == [site]
    database.close()


def test_times_in_a_file_are_read_with_their_offset() -> None:
    """A closed_at with an offset is that instant (stored in UTC)."""
    from crm_tui.io.work_rows import deal_row

    row = deal_row(
        2,
        ["Logo", "Won", "2026-03-01T12:00:00+03:30"],
        ["title", "stage", "closed_at"],
    )
    assert not isinstance(row, Exception) and hasattr(row, "values")
    assert row.values["closed_at"] == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    assert row.named["stage_id"] == "Won"
