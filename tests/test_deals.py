"""Deals on both databases: exact values per currency, stages and their history, won and
lost, and the rules that keep a pipeline's numbers facts."""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from crm_tui.db import open_database
from crm_tui.errors import NotFoundError, ValidationError
from crm_tui.models import DealStage, Pipeline
from crm_tui.money import parse_amount
from crm_tui.schemas import DealCreate, DealUpdate
from crm_tui.services import deals
from crm_tui.services.common import utcnow
from tests.conftest import add_contact


def _deal(session: Session, **values: object) -> int:
    data = {"title": "Website redesign", "currency": "EUR", **values}
    return deals.create_deal(session=session, data=DealCreate.build(**data)).id


def test_a_new_deal_starts_in_the_first_stage_with_its_exact_value(session: Session) -> None:
    contact = add_contact(session, "Sara Ahmadi")
    value = parse_amount("۱٬۲۰۰٫۵۰", "eur")
    deal = deals.get_deal(
        session=session,
        deal_id=_deal(
            session,
            contact_id=contact,
            value_minor=value.minor,
            organization="شرکت پارس",
            expected_close=date(2026, 12, 31),
        ),
    )
    assert (deal.value_minor, deal.currency) == (120050, "EUR")
    assert (deal.stage, deal.outcome, deal.probability) == ("Lead", "open", 10)
    assert (deal.contact_name, deal.organization, deal.pipeline) == (
        "Sara Ahmadi",
        "شرکت پارس",
        "Sales",
    )
    assert deal.closed_at is None
    assert [stage for stage, _, left in deals.stage_history(session=session, deal_id=deal.id)] == [
        "Lead"
    ]


def test_moves_are_recorded_and_the_probability_follows_the_stage(session: Session) -> None:
    deal_id = _deal(session)
    proposal = deals.find_stage(session=session, ref="proposal")
    moved = deals.move_deal(session=session, deal_id=deal_id, stage_id=proposal.id)
    assert (moved.stage, moved.probability, moved.version) == ("Proposal", 50, 2)
    again = deals.move_deal(session=session, deal_id=deal_id, stage_id=proposal.id)
    assert again.version == 2  # the stage it is in: nothing changes
    history = deals.stage_history(session=session, deal_id=deal_id)
    assert [(stage, left is None) for stage, _, left in history] == [
        ("Lead", False),
        ("Proposal", True),
    ]
    assert history[0][2] == history[1][1]  # left the lead stage as it entered the next
    own = deals.update_deal(session=session, deal_id=deal_id, data=DealUpdate(probability=65))
    assert own.probability == 65  # its own, over the stage's


def test_won_and_lost_close_a_deal_and_reopening_clears_them(session: Session) -> None:
    deal_id = _deal(session, value_minor=500)
    with pytest.raises(ValidationError, match="say why the deal was lost"):
        lost = deals.find_stage(session=session, ref="Lost")
        deals.move_deal(session=session, deal_id=deal_id, stage_id=lost.id)
    with pytest.raises(ValidationError, match=r"no lost reason 'cheaper' \(reasons: Price"):
        deals.lose_deal(session=session, deal_id=deal_id, reason="cheaper")
    lost_deal = deals.lose_deal(session=session, deal_id=deal_id, reason=" price ")
    assert (lost_deal.outcome, lost_deal.lost_reason) == ("lost", "Price")
    assert lost_deal.closed_at is not None
    qualified = deals.find_stage(session=session, ref="Qualified")
    reopened = deals.move_deal(session=session, deal_id=deal_id, stage_id=qualified.id)
    assert (reopened.outcome, reopened.closed_at, reopened.lost_reason) == ("open", None, None)
    won = deals.win_deal(session=session, deal_id=deal_id)
    assert (won.stage, won.outcome, won.probability) == ("Won", "won", 100)
    stages = [stage for stage, _, _ in deals.stage_history(session=session, deal_id=deal_id)]
    assert stages == ["Lead", "Lost", "Qualified", "Won"]


def test_a_stage_of_another_pipeline_is_refused(session: Session) -> None:
    deal_id = _deal(session)
    now = utcnow()
    other = Pipeline(name="Renewals", position=1, created_at=now, updated_at=now)
    session.add(other)
    session.flush()
    assert other.id is not None
    stage = DealStage(pipeline_id=other.id, name="Due", probability=80)
    session.add(stage)
    session.flush()
    assert stage.id is not None
    with pytest.raises(ValidationError, match="not in the deal's pipeline"):
        deals.move_deal(session=session, deal_id=deal_id, stage_id=stage.id)
    with pytest.raises(NotFoundError, match=r"no stage 'Due' \(stages: Lead, Qualified"):
        deals.find_stage(session=session, ref="Due")


def test_values_and_currencies_are_checked_on_the_way_in(session: Session) -> None:
    with pytest.raises(ValidationError, match="unknown currency 'EURO'"):
        _deal(session, currency="EURO")
    with pytest.raises(ValidationError, match="value_minor"):
        _deal(session, value_minor=-1)
    deal_id = _deal(session, currency="irr", value_minor=12_000_000_000_000)  # past 2**31
    assert deals.get_deal(session=session, deal_id=deal_id).value_minor == 12_000_000_000_000


def test_deals_go_to_the_trash_and_out_of_the_list(session: Session) -> None:
    kept, gone = _deal(session, title="Kept"), _deal(session, title="Gone")
    assert deals.delete_deals(session=session, deal_ids=[gone]) == 1
    assert [d.id for d in deals.list_deals(session=session)] == [kept]
    trash = deals.list_deals(session=session, query=deals.DealQuery(trash=True))
    assert [d.id for d in trash] == [gone]
    assert deals.count_deals(session=session) == 1
    with pytest.raises(NotFoundError, match=f"no deal with id {gone}"):
        deals.move_deal(session=session, deal_id=gone, stage_id=1)


def test_the_deals_command_through_a_real_process(db_url: str) -> None:
    """Exit codes and bytes: a deal added with a Persian amount, moved, lost without a
    reason from the list (refused, exit 1, one line), lost with one, listed as JSON."""

    def crm(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "crm_tui", "--db", db_url, "deals", *args]
        env = {**os.environ, "CRM_DIGITS": "latin"}
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)

    added = crm("add", "قرارداد پشتیبانی", "--value", "۱۲۰٬۰۰۰٬۰۰۰", "--currency", "irr")
    assert (added.returncode, added.stdout) == (
        0,
        "added deal #1 قرارداد پشتیبانی: 120,000,000 IRR, Lead\n",
    )
    assert crm("move", "1", "Proposal").returncode == 0
    assert crm("edit", "1", "--org", "شرکت پارس").returncode == 0
    assert json.loads(crm("show", "1", "--json").stdout)["organization"] == "شرکت پارس"
    assert crm("edit", "1", "--org", "").returncode == 0  # '' for none
    assert json.loads(crm("show", "1", "--json").stdout)["organization"] is None
    refused = crm("lost", "1", "--reason", "cheap")
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "no lost reason 'cheap'" in refused.stderr
    assert crm("lost", "1", "--reason", "Price").returncode == 0
    listed = json.loads(crm("list", "--json").stdout)
    assert [(d["value_minor"], d["currency"], d["stage"], d["lost_reason"]) for d in listed] == [
        (120_000_000, "IRR", "Lost", "Price")
    ]
    bad = crm("add", "X", "--value", "12.5", "--currency", "IRR")
    assert (bad.returncode, bad.stderr) == (1, "crm: error: IRR has 0 decimals: 12.5 has more\n")
    # --owner '' lists the deals nobody owns; an owner's are not among them.
    assert crm("add", "Owned", "--currency", "EUR", "--owner", "tester").returncode == 0
    nobodys = json.loads(crm("list", "--owner", "", "--json").stdout)
    assert [d["title"] for d in nobodys] == ["قرارداد پشتیبانی"]
    owned = json.loads(crm("list", "--owner", "tester", "--json").stdout)
    assert [d["title"] for d in owned] == ["Owned"]
    owned_id = str(owned[0]["id"])
    assert crm("edit", owned_id, "--owner", "").returncode == 0  # '' for none: nobody owns it
    assert json.loads(crm("show", owned_id, "--json").stdout)["owner"] is None
    assert len(json.loads(crm("list", "--owner", "", "--json").stdout)) == 2


def test_every_declared_deal_field_is_exported(db_url: str, tmp_path: Path) -> None:
    """The CSV export's columns come from the declaration, each with the deal's value (the
    amount as a decimal beside its currency), file 0600; JSON carries the read model."""
    from crm_tui.entities import DEAL, Kind
    from tests.test_cli import crm as run

    database = open_database(db_url)
    with database.write() as session:
        contact = add_contact(session, "Sara Ahmadi")
        deal_id = _deal(
            session,
            title="قرارداد پشتیبانی",
            currency="IRR",
            value_minor=120_000_000,
            contact_id=contact,
            organization="شرکت پارس",
            expected_close=date(2026, 12, 31),
            source="نمایشگاه",
            notes="two\nlines",
        )
        deal = deals.lose_deal(session=session, deal_id=deal_id, reason="Timing")
    database.close()
    out = tmp_path / "deals.csv"
    assert run(db_url, "export", "deals", "-o", str(out))[0] == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    header, row = list(csv.reader(out.read_text(encoding="utf-8").splitlines(True)))
    cells = dict(zip(header, row, strict=True))
    for declared in DEAL.exported:
        value = getattr(deal, declared.read_as)
        if declared.kind is Kind.MONEY:
            assert cells["value"] == "120000000" and cells["currency"] == "IRR"
        elif declared.kind is Kind.CONTACT:
            assert (cells["contact_id"], cells["contact"]) == (str(contact), "Sara Ahmadi")
        elif declared.kind is Kind.TAGS:
            assert cells["tags"] == ", ".join(value)
        elif declared.kind is Kind.CUSTOM:
            assert cells["custom"] == (json.dumps(value, ensure_ascii=False) if value else "")
        elif value is not None and not hasattr(value, "isoformat"):
            assert cells[str(declared.exported_as)] == str(value), declared.name
    assert (cells["stage"], cells["lost_reason"], cells["expected_close"]) == (
        "Lost",
        "Timing",
        "2026-12-31",
    )
    code, printed, _ = run(db_url, "export", "deals", "--format", "json")
    assert code == 0 and json.loads(printed)[0]["value_minor"] == 120_000_000


def test_a_contact_s_deals_are_on_its_timeline(session: Session) -> None:
    """Each deal once, when it last changed stage, with its value and stage: in the
    service's timeline, the app's detail pane and ``crm contacts show``."""
    from crm_tui.commands.contacts import timeline_line as cli_line
    from crm_tui.services.timeline import contact_timeline
    from screens.contact_detail import timeline_line

    contact = add_contact(session, "Sara Ahmadi")
    deal_id = _deal(session, contact_id=contact, value_minor=120050)
    _deal(session, title="Someone else's")
    deals.win_deal(session=session, deal_id=deal_id)
    entries = [e for e in contact_timeline(session=session, contact_id=contact) if e.kind == "deal"]
    assert [(e.id, e.title, e.detail, e.status, e.outcome) for e in entries] == [
        (deal_id, "Website redesign", "1,200.50 EUR", "Won", "won")
    ]
    assert "Website redesign" in timeline_line(entries[0]).plain
    assert "1,200.50 EUR · deal Won" in timeline_line(entries[0]).plain
    assert cli_line(entries[0]).endswith("deal/Won    Website redesign  1,200.50 EUR")


def test_a_merge_takes_the_other_contacts_deals_and_its_undo_gives_them_back(
    session: Session,
) -> None:
    from crm_tui.services.merge import merge_contacts, undo_merge

    keep = add_contact(session, "Sara Ahmadi", emails=[{"value": "sara@example.com"}])
    other = add_contact(session, "Sara Ahmady", emails=[{"value": "sara@work.example"}])
    theirs = _deal(session, contact_id=other, value_minor=9900)
    ours = _deal(session, contact_id=keep)
    merge_id, _ = merge_contacts(session=session, keep_id=keep, other_id=other)
    moved = deals.get_deal(session=session, deal_id=theirs)
    assert (moved.contact_id, moved.contact_name) == (keep, "Sara Ahmadi")
    assert deals.count_deals(session=session, query=deals.DealQuery(contact_id=keep)) == 2
    undo_merge(session=session, merge_id=merge_id)
    assert deals.get_deal(session=session, deal_id=theirs).contact_id == other
    assert deals.get_deal(session=session, deal_id=ours).contact_id == keep


def test_stages_edited_while_deals_sit_in_them(session: Session) -> None:
    from crm_tui.services import reports, stages

    lead = deals.find_stage(session=session, ref="Lead")
    sitting = _deal(session, value_minor=1000)
    own = _deal(session, value_minor=3000, probability=60)
    renamed = stages.edit_stage(session=session, stage_id=lead.id, name="Inbox", probability=20)
    assert (renamed.name, renamed.probability) == ("Inbox", 20)
    assert deals.get_deal(session=session, deal_id=sitting).stage == "Inbox"
    assert deals.get_deal(session=session, deal_id=sitting).probability == 20  # the stage's
    assert deals.get_deal(session=session, deal_id=own).probability == 60  # its own
    demo = stages.add_stage(session=session, name="Demo", probability=35, after=lead.id)
    assert [s.name for s in deals.stages(session=session)][:3] == ["Inbox", "Demo", "Qualified"]
    with pytest.raises(ValidationError, match="2 deals in 'Inbox'"):
        stages.remove_stage(session=session, stage_id=lead.id)
    deals.delete_deals(session=session, deal_ids=[own])  # in the trash: moved all the same
    assert stages.remove_stage(session=session, stage_id=lead.id, move_to=demo.id) == 2
    assert deals.stages(session=session)[0].name == "Demo"
    history = deals.stage_history(session=session, deal_id=sitting)
    assert [name for name, _, _ in history] == ["Inbox", "Demo"]  # the removed one still named
    rows = reports.pipeline(session=session).rows
    assert rows == [{"stage": "Demo", "deals": 1, "value": {"EUR": 1000}, "weighted": {"EUR": 350}}]
    won = deals.find_stage(session=session, ref="Won")
    with pytest.raises(ValidationError, match="keeps its won stage"):
        stages.remove_stage(session=session, stage_id=won.id)
    with pytest.raises(ValidationError, match="stays at the end"):
        stages.move_stage(session=session, stage_id=won.id, offset=-1)
    with pytest.raises(ValidationError, match="a stage 'Demo' already"):
        stages.add_stage(session=session, name="demo", probability=1)


def test_a_new_pipeline_copies_the_stages_and_a_removed_reason_stays_on_its_deals(
    session: Session,
) -> None:
    from crm_tui.services import stages

    partners = stages.add_pipeline(session=session, name="Partners")
    names = [s.name for s in deals.stages(session=session, pipeline_id=partners.id)]
    assert names == ["Lead", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]
    stages.set_default_pipeline(session=session, pipeline_id=partners.id)
    assert deals.get_deal(session=session, deal_id=_deal(session)).pipeline == "Partners"
    lost = _deal(session)
    deals.lose_deal(session=session, deal_id=lost, reason="Price")
    assert "Price" not in stages.remove_lost_reason(session=session, name="price")
    assert deals.get_deal(session=session, deal_id=lost).lost_reason == "Price"
    with pytest.raises(ValidationError, match="no lost reason 'Price'"):
        deals.lose_deal(session=session, deal_id=_deal(session), reason="Price")
    assert stages.add_lost_reason(session=session, name="Went quiet")[-1] == "Went quiet"
    *others, last = deals.lost_reasons(session=session)
    for name in others:
        stages.remove_lost_reason(session=session, name=name)
    with pytest.raises(ValidationError, match=f"'{last}' is the last lost reason"):
        stages.remove_lost_reason(session=session, name=last)
    assert deals.lost_reasons(session=session) == [last]


def test_tags_are_set_replaced_and_found_ignoring_case(session: Session) -> None:
    tagged = _deal(session, tags=["VIP", "renewal", "vip"], custom={"Contract": "C-12"})
    other = _deal(session, title="Logo", tags=["renewal"])
    _deal(session, title="Plain")
    deal = deals.get_deal(session=session, deal_id=tagged)
    assert (deal.tags, deal.custom) == (["renewal", "VIP"], {"Contract": "C-12"})

    def found(tag: str) -> list[int]:
        query = deals.DealQuery(tag=tag)
        return sorted(d.id for d in deals.list_deals(session=session, query=query))

    assert (found("vip"), found("Renewal"), found("nothing")) == ([tagged], [tagged, other], [])
    assert deals.count_deals(session=session, query=deals.DealQuery(tag="RENEWAL")) == 2
    kept = deals.update_deal(session=session, deal_id=tagged, data=DealUpdate(notes="n"))
    assert kept.tags == ["renewal", "VIP"]  # not given: kept
    changed = deals.update_deal(session=session, deal_id=tagged, data=DealUpdate(tags=["hot"]))
    assert (changed.tags, changed.custom) == (["hot"], {"Contract": "C-12"})
    assert found("vip") == []
    with pytest.raises(ValidationError, match="comma"):
        DealCreate.build(title="X", currency="EUR", tags=["a,b"])


def test_crm_deals_add_puts_a_deal_in_the_pipeline_or_stage_named(db_url: str) -> None:
    """--pipeline takes its first stage; --stage takes a stage's id, whichever pipeline it
    is in, or a name in the pipeline said (else the default one)."""
    from crm_tui.services import stages as editing
    from tests.test_cli import crm as run

    database = open_database(db_url)
    with database.write() as session:
        renewals = editing.add_pipeline(session=session, name="Renewals")
        second = deals.stages(session=session, pipeline_id=renewals.id)[1]
    database.close()

    def added(*options: str) -> tuple[str, str]:
        code, out, err = run(db_url, "deals", "add", "Support", "--json", *options)
        assert code == 0, err
        found = json.loads(out)
        return found["pipeline"], found["stage"]

    assert added("--pipeline", "renewals") == ("Renewals", "Lead")
    assert added("--stage", str(second.id)) == ("Renewals", second.name)
    assert added("--pipeline", "Renewals", "--stage", "proposal") == ("Renewals", "Proposal")
    assert added("--stage", "proposal") == ("Sales", "Proposal")
    code, _, err = run(
        db_url, "deals", "add", "X", "--pipeline", "Sales", "--stage", str(second.id)
    )
    assert code == 1 and f"no stage '{second.id}'" in err
